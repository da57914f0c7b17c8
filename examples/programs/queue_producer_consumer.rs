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

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use weftsync::Queue;

pub const NAME: &str = "queue: 2 producers, 4 workers, task_done/join, then shutdown";

pub fn run() -> Result<String, String> {
    const JOBS: u64 = 1_000;
    let q = Queue::new(8);
    let total = AtomicU64::new(0);
    let handled = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                // `for n in &q` is the `while True: q.get()` loop; it ends at `ShutDown`.
                for n in &q {
                    total.fetch_add(n * n, Relaxed);
                    handled.fetch_add(1, Relaxed);
                    q.task_done().expect("one task_done per got item");
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
        q.join(); // ...and every item put has been marked done
        q.shutdown(false); // the workers' iterations now end
    });
    let want: u64 = (1..=JOBS).map(|n| n * n).sum();
    let (got, n) = (total.load(Relaxed), handled.load(Relaxed));
    let line = format!("4 workers squared {n} jobs: sum = {got} (expected {want})");
    if got == want && n == JOBS {
        Ok(line)
    } else {
        Err(line)
    }
}
