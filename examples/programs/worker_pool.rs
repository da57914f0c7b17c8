//! Python: `Pool.map(square, range(10))`, built from a Queue of jobs and a Queue of results.
//!
//! ```python
//! with multiprocessing.Pool(4) as pool:
//!     print(pool.map(square, range(10)))   # [0, 1, 4, 9, ...]
//! ```
//!
//! Jobs carry their index; four workers put `(index, square)` on a result queue; the caller puts
//! every result back in input order. A shutdown ends the workers.

use weftsync::{Queue, RecvError};

pub const NAME: &str = "worker pool: Pool.map(square, range(10)) on 4 workers, results in order";

/// Maps `f` over `inputs` on `workers` threads; results come back in input order.
fn pool_map<T: Send, R: Send>(workers: usize, inputs: Vec<T>, f: fn(T) -> R) -> Vec<R> {
    let n = inputs.len();
    let jobs: Queue<(usize, T)> = Queue::new(workers.max(1) * 2);
    let results: Queue<(usize, R)> = Queue::new(n.max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    match jobs.get() {
                        Ok((i, x)) => {
                            // The result queue holds every result, so this put never blocks.
                            let put = results.put((i, f(x)));
                            assert!(put.is_ok(), "the result queue is open and has room");
                        }
                        // Shut down and drained: the only way a blocking get can fail.
                        Err(RecvError) => return,
                    }
                }
            });
        }
        for job in inputs.into_iter().enumerate() {
            assert!(
                jobs.put(job).is_ok(),
                "the job queue is open until we shut it down"
            );
        }
        jobs.shutdown(false); // workers drain what is left, then stop
        let mut out: Vec<Option<R>> = (0..n).map(|_| None).collect();
        for _ in 0..n {
            let (i, r) = results.get().expect("every job yields one result");
            out[i] = Some(r);
        }
        out.into_iter()
            .map(|r| r.expect("each index filled once"))
            .collect()
    })
}

pub fn run() -> Result<String, String> {
    let squares = pool_map(4, (0..10u64).collect(), |x| x * x);
    let want: Vec<u64> = (0..10).map(|x| x * x).collect();
    let line = format!("{squares:?}");
    if squares == want {
        Ok(line)
    } else {
        Err(format!("{line}, expected {want:?}"))
    }
}
