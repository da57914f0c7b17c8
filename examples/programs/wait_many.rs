//! Python: `multiprocessing.connection.wait` over several connections.
//!
//! ```python
//! from multiprocessing.connection import wait
//! while readers:
//!     for r in wait(readers):
//!         try: msg = r.recv()
//!         except EOFError: readers.remove(r)
//!         else: print(msg)
//! ```
//!
//! Three workers each send results over their own pipe at their own pace, then hang up; a
//! dispatcher waits on the three pipes and a stop `Event` at once, receives from whichever are
//! ready, and drops a pipe at end-of-file. The checks: every report names a ready object and
//! consumed nothing (the first `try_recv` after it succeeds or finds end-of-file, never
//! `Empty`), the event is reported once set, and every message arrives.

use weftsync::{Event, PipeReceiver, Selectable, TryRecvError, pipe_oneway, select};

pub const NAME: &str = "select::wait: one dispatcher waits on 3 pipes and an Event";

pub fn run() -> Result<String, String> {
    let (receivers, senders): (Vec<PipeReceiver<u32>>, Vec<_>) =
        (0..3).map(|_| pipe_oneway(2)).unzip();
    let stop = Event::new();
    let (mut got, mut reports) = (0u32, 0u32);
    std::thread::scope(|s| -> Result<(), String> {
        for (w, tx) in senders.into_iter().enumerate() {
            s.spawn(move || {
                for i in 0..100 {
                    if i % (w + 1) == 0 {
                        std::thread::yield_now(); // each worker at its own pace
                    }
                    tx.send(i as u32).unwrap();
                }
                // Dropping `tx` hangs up: end-of-file for the dispatcher.
            });
        }
        let mut open = [true; 3];
        while open.iter().any(|&o| o) {
            let watched: Vec<&dyn Selectable> = receivers
                .iter()
                .zip(open)
                .filter(|(_, o)| *o)
                .map(|(r, _)| r as &dyn Selectable)
                .collect();
            let indices: Vec<usize> = (0..3).filter(|&i| open[i]).collect();
            for k in select::wait(&watched) {
                reports += 1;
                let i = indices[k];
                match receivers[i].try_recv() {
                    Ok(_) => got += 1,
                    Err(TryRecvError::Disconnected) => open[i] = false,
                    Err(TryRecvError::Empty) => {
                        return Err(format!("pipe {i} was reported ready but was empty"));
                    }
                }
            }
        }
        stop.set();
        Ok(())
    })?;
    let with_stop: [&dyn Selectable; 1] = [&stop];
    if select::try_wait(&with_stop) != Some(vec![0]) {
        return Err("the set event was not reported".into());
    }
    if got == 300 {
        Ok(format!(
            "300 messages from 3 pipes in {reports} reports, then 3 end-of-files"
        ))
    } else {
        Err(format!("{got} messages, want 300"))
    }
}
