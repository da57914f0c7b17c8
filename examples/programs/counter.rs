//! Python: ten threads add to a shared counter under `threading.Lock()`; the total is exact.
//!
//! ```python
//! lock = threading.Lock(); total = 0
//! def work():
//!     global total
//!     for _ in range(10_000):
//!         with lock: total += 1
//! ```

use weftsync::Lock;

pub const NAME: &str = "counter: 10 threads x 10,000 increments under a Lock";

pub fn run() -> Result<String, String> {
    let total = Lock::new(0u64);
    std::thread::scope(|s| {
        for _ in 0..10 {
            s.spawn(|| {
                for _ in 0..10_000 {
                    *total.lock() += 1;
                }
            });
        }
    });
    let total = total.into_inner();
    if total == 100_000 {
        Ok(format!("total = {total} (expected 100000)"))
    } else {
        Err(format!(
            "total = {total}, expected 100000: an increment was lost"
        ))
    }
}
