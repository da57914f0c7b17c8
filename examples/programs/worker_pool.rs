//! Python: `Pool.map(square, range(10))`, built from a Queue of jobs and a Queue of results.
//!
//! ```python
//! with multiprocessing.Pool(4) as pool:
//!     print(pool.map(square, range(10)))   # [0, 1, 4, 9, ...]
//! ```
//!
//! Jobs carry their index. Every job is queued and the job queue shut down before the four
//! workers start: a graceful `shutdown(false)` still hands out what is queued, and only then
//! ends the workers' `get`. Workers put `(index, square)` on a result queue; the caller puts every
//! result back in input order, and checks each index came back exactly once. A shutdown that
//! discarded the queued jobs (an immediate one), or a queue that lost or repeated a job, fails.

use weftsync::{Queue, RecvError};

pub const NAME: &str = "worker pool: Pool.map(square, range(10)) on 4 workers, results in order";

/// Maps `f` over `inputs` on `workers` threads; results come back in input order, or the error
/// says which index did not come back exactly once.
fn pool_map<T: Send, R: Send>(
    workers: usize,
    inputs: Vec<T>,
    f: fn(T) -> R,
) -> Result<Vec<R>, String> {
    let n = inputs.len();
    let jobs: Queue<(usize, T)> = Queue::new(n.max(1));
    let results: Queue<(usize, R)> = Queue::new(n.max(1));
    for job in inputs.into_iter().enumerate() {
        assert!(jobs.put(job).is_ok(), "open, with room for every job");
    }
    jobs.shutdown(false); // workers drain what is queued, then stop
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
    });
    // Every worker has stopped: what is in `results` is all there will be.
    let mut out: Vec<Option<R>> = (0..n).map(|_| None).collect();
    for (i, r) in results.try_iter() {
        if out[i].replace(r).is_some() {
            return Err(format!("job {i} came back twice"));
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or(format!("job {i} never came back")))
        .collect()
}

pub fn run() -> Result<String, String> {
    let squares = pool_map(4, (0..10u64).collect(), |x| x * x)?;
    let want: Vec<u64> = (0..10).map(|x| x * x).collect();
    let line = format!("{squares:?}");
    if squares == want {
        Ok(line)
    } else {
        Err(format!("{line}, expected {want:?}"))
    }
}
