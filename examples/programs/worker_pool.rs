//! Python: `Pool.map(square, range(10))` on a pool of 4 workers.
//!
//! ```python
//! with multiprocessing.Pool(4) as pool:
//!     print(pool.map(square, range(10)))   # [0, 1, 4, 9, ...]
//! ```
//!
//! `ThreadPool::map` yields results in input order, lazily; `chunksize` sends several items per
//! task, as in `Pool.map`. The checks: the order is the input order even though later items
//! finish first (each item waits a shrinking number of yields), every item ran exactly once, and
//! no more than `buffersize × chunksize` items were taken ahead of the consumer.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use weftsync::ThreadPool;

pub const NAME: &str =
    "worker pool: Pool.map(square, range(10)) on 4 workers, results in order, chunks of 3";

pub fn run() -> Result<String, String> {
    static RUNS: [AtomicUsize; 10] = [const { AtomicUsize::new(0) }; 10];
    let pool = ThreadPool::new(4);
    let square = |x: u64| {
        // Later items finish first: a pool that yielded in completion order would fail below.
        for _ in 0..(10 - x) * 200 {
            std::thread::yield_now();
        }
        RUNS[x as usize].fetch_add(1, SeqCst);
        x * x
    };
    let taken = AtomicUsize::new(0);
    let mut ahead = 0;
    let inputs = (0..10u64).inspect(|_| {
        taken.fetch_add(1, SeqCst);
    });
    let mut squares = Vec::new();
    for r in pool.map(square, inputs).chunksize(3).buffersize(2) {
        squares.push(r.map_err(|e| format!("a task failed: {e}"))?);
        ahead = ahead.max(taken.load(SeqCst) - squares.len());
    }
    drop(pool);
    let want: Vec<u64> = (0..10).map(|x| x * x).collect();
    let line = format!("{squares:?}");
    let runs: Vec<usize> = RUNS.iter().map(|r| r.load(SeqCst)).collect();
    if squares != want {
        Err(format!("{line}, expected {want:?} (input order)"))
    } else if runs.iter().any(|&n| n != 1) {
        Err(format!("each item must run exactly once, runs: {runs:?}"))
    } else if ahead > 2 * 3 {
        Err(format!(
            "took {ahead} items ahead; buffersize 2 × chunksize 3 allows 6"
        ))
    } else {
        Ok(format!("{line} (at most {ahead} items taken ahead)"))
    }
}
