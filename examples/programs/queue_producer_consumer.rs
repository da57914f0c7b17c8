//! Python: the `queue` tutorial's producers and workers, with `task_done`, `join` and a clean
//! `shutdown`.
//!
//! ```python
//! q = queue.Queue(maxsize=8)
//! def worker():
//!     while True:
//!         try: item = q.get()
//!         except queue.ShutDown: return
//!         total += item * item; q.task_done()
//! ...; q.join(); q.shutdown()
//! ```
//!
//! `join` waits for the work, not for the queue to empty: one job (the first) is slow, and is
//! still being worked on when every other job is done and the queue is empty. At that moment
//! `try_join` must say "not done", and when `join` returns every job must have been handled. A
//! queue whose `join` only waited for `empty()` fails here.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;
use weftsync::{Event, Queue, Semaphore, SemaphorePermit};

pub const NAME: &str = "queue: 2 producers, 4 workers, task_done/join, then shutdown";

pub fn run() -> Result<String, String> {
    const JOBS: u64 = 1_000;
    const SLOW: u64 = 1;
    let q = Queue::new(8);
    let (total, handled) = (AtomicU64::new(0), AtomicU64::new(0));
    let slow_may_finish = Event::new();
    let others_done = Semaphore::new(0); // one release per job done, except the slow one
    let (empty_but_waiting, handled_at_join) = std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                // `for n in &q` is the `while True: q.get()` loop; it ends at `ShutDown`.
                for n in &q {
                    if n == SLOW {
                        slow_may_finish.wait();
                    }
                    total.fetch_add(n * n, SeqCst);
                    handled.fetch_add(1, SeqCst);
                    q.task_done().expect("one task_done per got item");
                    if n != SLOW {
                        others_done.release(1);
                    }
                }
            });
        }
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = &q;
                s.spawn(move || {
                    for n in (p..JOBS).step_by(2) {
                        q.put(n + 1).expect("the queue is open while producing");
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap(); // every item is put...
        }
        // Every other job is done, so the queue is empty, but the slow job is not done. (At most
        // 10 s: a queue that lost a job would never get there.)
        let others = others_done.acquire_many_for(JOBS as u32 - 1, Duration::from_secs(10));
        let empty_but_waiting = others.is_some() && q.is_empty() && !q.try_join();
        if let Some(signals) = others {
            SemaphorePermit::forget(signals); // consumed for good, not permits to give back
        }
        slow_may_finish.set();
        q.join(); // ...and every item put has been marked done
        let handled_at_join = handled.load(SeqCst);
        q.shutdown(false); // the workers' iterations now end
        (empty_but_waiting, handled_at_join)
    });
    let want: u64 = (1..=JOBS).map(|n| n * n).sum();
    let got = total.load(SeqCst);
    let line = format!(
        "4 workers squared {handled_at_join} jobs before join() returned: sum = {got} (expected \
         {want}); join waited for the slow job with the queue empty: {}",
        if empty_but_waiting { "yes" } else { "no" }
    );
    if got == want && handled_at_join == JOBS && empty_but_waiting {
        Ok(line)
    } else {
        Err(line)
    }
}
