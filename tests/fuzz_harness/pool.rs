//! ThreadPool: 1–4 threads share a pool of 2 workers and run scripts of submits (returning or
//! panicking), cancels, callbacks, timed and zero-timeout results, `wait_for`, `as_completed_for`
//! and, on thread 0 only, a `shutdown(wait = false, cancel_futures = true)` in the middle. Each
//! task counts its runs. At the end every thread resolves every future it still holds, and:
//! - a future reports its own task's value, its planned panic, or `Cancelled`, and `Cancelled`
//!   only if a `cancel` returned `true` or the shutdown cancelled it (never a value then);
//! - a task ran exactly once if its future holds its value or panic, never if `Cancelled`;
//! - a refused submit (after the shutdown) hands the closure back unrun;
//! - every callback ran exactly once, by the time its future was resolved;
//! - a timed call that reported a timeout handed the future back, still usable.

use super::script;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weftsync::ThreadPool;
use weftsync::pool::{self, Future, ResultError, ResultTimeoutError, WaitFor};

struct Held {
    id: usize,
    panics: bool,
    future: Future<usize>,
    cancel_won: bool,
    callbacks: usize,
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let pool = ThreadPool::new(2);
    let slots = script::MAX_THREADS * script::MAX_OPS;
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..slots).map(|_| AtomicUsize::new(0)).collect());
    let calls: Arc<Vec<AtomicUsize>> = Arc::new((0..slots).map(|_| AtomicUsize::new(0)).collect());
    script::run_threads(&scripts, |me, ops| {
        let mut held: Vec<Held> = Vec::new();
        for (k, &op) in ops.iter().enumerate() {
            let id = me * script::MAX_OPS + k;
            match op % 8 {
                0 | 1 => {
                    let panics = op % 8 == 1;
                    let r = Arc::clone(&runs);
                    let task = move || {
                        r[id].fetch_add(1, SeqCst);
                        if panics {
                            // `resume_unwind`, not `panic!`: it unwinds without calling the
                            // panic hook, and cargo-fuzz's hook aborts on every panic, even
                            // one the pool catches as this one is.
                            std::panic::resume_unwind(Box::new("planned panic"));
                        }
                        id
                    };
                    match pool.submit(task) {
                        Ok(future) => held.push(Held {
                            id,
                            panics,
                            future,
                            cancel_won: false,
                            callbacks: 0,
                        }),
                        Err(refused) => {
                            assert!(pool.is_shutdown(), "submit refused only after shutdown");
                            drop(refused.into_inner());
                            assert_eq!(runs[id].load(SeqCst), 0, "a refused task never runs");
                        }
                    }
                }
                2 => {
                    if let Some(h) = held.last_mut() {
                        h.cancel_won |= h.future.cancel();
                    }
                }
                3 => {
                    if let Some(h) = held.last_mut() {
                        let c = Arc::clone(&calls);
                        let hid = h.id;
                        h.future.add_done_callback(move |_| {
                            c[hid].fetch_add(1, SeqCst);
                        });
                        h.callbacks += 1;
                    }
                }
                4 | 5 => {
                    if !held.is_empty() {
                        let h = held.remove(0);
                        let t = if op % 8 == 4 {
                            Duration::ZERO
                        } else {
                            Duration::from_micros(200)
                        };
                        match h.future.result_for(t) {
                            Err(ResultTimeoutError::Timeout(future)) => {
                                held.push(Held { future, ..h })
                            }
                            other => check(
                                &runs,
                                &calls,
                                h.id,
                                h.panics,
                                h.cancel_won,
                                h.callbacks,
                                match other {
                                    Ok(v) => Ok(v),
                                    Err(ResultTimeoutError::Cancelled) => {
                                        Err(ResultError::Cancelled)
                                    }
                                    Err(ResultTimeoutError::Panicked(p)) => {
                                        Err(ResultError::Panicked(p))
                                    }
                                    Err(ResultTimeoutError::Timeout(_)) => unreachable!(),
                                },
                            ),
                        }
                    }
                }
                6 => {
                    let w = pool::wait_for(
                        held.iter().map(|h| &h.future),
                        WaitFor::FirstCompleted,
                        Duration::from_micros(200),
                    );
                    assert!(w.done.iter().all(|f| f.done()) && w.not_done.len() <= held.len());
                    let mut n = 0;
                    for r in pool::as_completed_for(
                        held.iter().map(|h| &h.future),
                        Duration::from_micros(100),
                    ) {
                        match r {
                            Ok(f) => assert!(f.done(), "as_completed yields done futures"),
                            Err(rest) => n += rest.into_inner().len(),
                        }
                    }
                    assert!(n <= held.len());
                }
                _ => {
                    if me == 0 {
                        pool.shutdown(false, true);
                    }
                }
            }
        }
        for h in held {
            let outcome = h.future.result();
            check(
                &runs,
                &calls,
                h.id,
                h.panics,
                h.cancel_won,
                h.callbacks,
                outcome,
            );
        }
    });
    drop(pool);
}

fn check(
    runs: &[AtomicUsize],
    calls: &[AtomicUsize],
    id: usize,
    panics: bool,
    cancel_won: bool,
    callbacks: usize,
    outcome: Result<usize, ResultError>,
) {
    let ran = runs[id].load(SeqCst);
    match outcome {
        Ok(v) => {
            assert!(
                !panics && !cancel_won,
                "task {id}: a value after a planned panic or a won cancel"
            );
            assert_eq!((v, ran), (id, 1), "task {id} ran once and returned its id");
        }
        Err(ResultError::Panicked(_)) => {
            assert!(
                panics && !cancel_won,
                "task {id}: unplanned panic, or ran after a won cancel"
            );
            assert_eq!(ran, 1, "task {id} ran once");
        }
        Err(ResultError::Cancelled) => assert_eq!(ran, 0, "task {id}: cancelled, yet it ran"),
    }
    assert_eq!(
        calls[id].load(SeqCst),
        callbacks,
        "task {id}: each callback runs exactly once"
    );
}
