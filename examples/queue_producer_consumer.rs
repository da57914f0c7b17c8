//! The `queue` module tutorial's worker pool: producers put jobs, workers get them, mark each
//! done, and the main thread `join`s the queue before shutting it down. Prints the total and
//! exits non-zero if it is wrong.
//!
//! Python original:
//! ```python
//! q = queue.Queue(maxsize=8)
//! def worker():
//!     while True:
//!         try: item = q.get()
//!         except queue.ShutDown: return
//!         results.append(item * item); q.task_done()
//! ...; q.join(); q.shutdown()
//! ```

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use weftsync::{GetError, Queue};

fn main() {
    const JOBS: u64 = 1_000;
    let q = Queue::new(8);
    let total = AtomicU64::new(0);
    let handled = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    match q.get() {
                        Ok(n) => {
                            total.fetch_add(n * n, Relaxed);
                            handled.fetch_add(1, Relaxed);
                            q.task_done().expect("one task_done per got item");
                        }
                        Err(GetError::ShutDown) => return,
                        Err(e) => unreachable!("a blocking get fails only on shutdown: {e}"),
                    }
                }
            });
        }
        for producer in 0..2 {
            let q = &q;
            s.spawn(move || {
                for n in (producer..JOBS).step_by(2) {
                    q.put(n + 1).expect("the queue is open while producing");
                }
            });
        }
        // Wait for the producers' items to be put *and* processed: the producers may not have
        // started yet, so wait on the count first.
        while handled.load(Relaxed) < JOBS {
            q.join();
        }
        q.shutdown(false);
    });
    let want: u64 = (1..=JOBS).map(|n| n * n).sum();
    let got = total.load(Relaxed);
    println!("4 workers squared {JOBS} jobs: sum = {got}");
    if got != want {
        eprintln!("wrong sum: expected {want}");
        std::process::exit(1);
    }
}
