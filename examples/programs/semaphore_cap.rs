//! Python: a `Semaphore` capping how many workers run at once.
//!
//! ```python
//! pool = threading.Semaphore(3)
//! def worker():
//!     with pool:
//!         ...  # at most 3 threads in here at once
//! ```
//!
//! Ten workers each enter the guarded section 200 times; a counter records how many are inside
//! at once and the highest value seen.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use weftsync::Semaphore;

pub const NAME: &str = "semaphore: 10 workers, at most 3 inside at once";

pub fn run() -> Result<String, String> {
    const CAP: usize = 3;
    let pool = Semaphore::new(CAP as u32);
    let (inside, max_seen, entries) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    std::thread::scope(|s| {
        for _ in 0..10 {
            s.spawn(|| {
                for _ in 0..200 {
                    let _permit = pool.acquire(); // with pool:
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    max_seen.fetch_max(now, SeqCst);
                    entries.fetch_add(1, SeqCst);
                    std::hint::spin_loop();
                    inside.fetch_sub(1, SeqCst);
                }
            });
        }
    });
    let (max, n) = (max_seen.load(SeqCst), entries.load(SeqCst));
    let line = format!("{n} entries, at most {max} workers inside at once (cap {CAP})");
    if max <= CAP && n == 2_000 && pool.available_permits() == CAP as u32 {
        Ok(line)
    } else {
        Err(line)
    }
}
