//! Python: `queue.Queue()` with no `maxsize`: producers never wait, however far ahead they run.
//!
//! ```python
//! q = queue.Queue()                 # maxsize=0: unbounded
//! for line in log: q.put(line)      # never blocks
//! q.shutdown(); for line in iter(q.get, ...): ...
//! ```
//!
//! A burst of 100,000 items goes into an unbounded queue before any consumer starts; then two
//! consumers drain it. The check: no put ever reported `Full` (a bounded queue's `try_put`
//! would), every item arrives once, and the drained queue still works.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use weftsync::Queue;

pub const NAME: &str = "Queue::unbounded: a burst of 100,000 puts that never wait, then drained";

pub fn run() -> Result<String, String> {
    const BURST: u64 = 100_000;
    let q = Queue::unbounded();
    for i in 0..BURST {
        q.try_put(i).map_err(|e| format!("put {i} refused: {e}"))?;
    }
    let peak = q.len();
    let (sum, count) = (AtomicU64::new(0), AtomicU64::new(0));
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for i in &q {
                    sum.fetch_add(i, Relaxed);
                    count.fetch_add(1, Relaxed);
                }
            });
        }
        while !q.is_empty() {
            std::thread::yield_now();
        }
        q.shutdown(false); // the consumers drain what is left, then stop
    });
    let want = BURST * (BURST - 1) / 2;
    let (sum, count) = (sum.load(Relaxed), count.load(Relaxed));
    let line = format!(
        "{peak} items queued at the peak (capacity {:?}); 2 consumers got {count}, sum {sum}",
        q.capacity()
    );
    if peak as u64 == BURST && count == BURST && sum == want && q.capacity().is_none() {
        Ok(line)
    } else {
        Err(line)
    }
}
