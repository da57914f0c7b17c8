//! Python: ten threads add to a shared counter under `threading.Lock()`; the total is exact.
//!
//! ```python
//! lock = threading.Lock(); total = 0
//! def work():
//!     global total
//!     for _ in range(10_000):
//!         with lock: total += 1
//! ```
//!
//! The main thread holds the lock while the workers start, and waits until every worker has
//! reached its first `lock()`: the total must still be 0 then, since nobody can be inside. A
//! lock that did not exclude fails there (its workers are already counting), and its lost
//! increments would show in the total too.

use weftsync::{Lock, Semaphore, SemaphorePermit};

pub const NAME: &str = "counter: 10 threads x 10,000 increments under a Lock";

pub fn run() -> Result<String, String> {
    const WORKERS: u32 = 10;
    let total = Lock::new(0u64);
    let at_the_lock = Semaphore::new(0);
    let while_held = std::thread::scope(|s| {
        let held = total.lock();
        for _ in 0..WORKERS {
            s.spawn(|| {
                at_the_lock.release(1); // "I am about to lock"
                for _ in 0..10_000 {
                    *total.lock() += 1;
                }
            });
        }
        // Consume each worker's signal for good: it is not a permit to give back.
        SemaphorePermit::forget(at_the_lock.acquire_many(WORKERS));
        *held // every worker is at its first lock(), or blocked in it
    });
    let total = total.into_inner();
    let line = format!(
        "total = {total} (expected 100000); {while_held} while the main thread held the lock"
    );
    if total == 100_000 && while_held == 0 {
        Ok(line)
    } else {
        Err(format!(
            "{line}: an increment was lost, or made without the lock"
        ))
    }
}
