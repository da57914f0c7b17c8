//! Loom models of the thread pool and its futures. Bound: LOOM_MAX_PREEMPTIONS=2
//! (.cargo/config.toml). Every model builds a pool of one worker (a second loom thread), so the
//! worker's start-up report, its sleep in the job queue and the pool's joining drop are explored
//! too. A lost wake-up shows as a loom deadlock.
//!
//! Waker-only models: in each, the blocking call under test can only be ended by its documented
//! waker, because the model does nothing else that could end it:
//! - `result()` by the task completing: `result_is_woken_only_by_the_task_completing`;
//! - `wait()` and `as_completed()` by a future completing: `wait_first_completed_is_woken_only_by_a_completion`,
//!   `as_completed_is_woken_only_by_a_completion`;
//! - `shutdown(wait = true)` by the last worker exiting: `shutdown_wait_is_woken_only_by_the_worker_exiting`;
//! - `scope` by its last task ending: `scope_end_is_woken_only_by_its_task_ending`;
//! - `Map::next` by the oldest task completing: `map_next_is_woken_only_by_the_oldest_task_completing`;
//! - a worker's sleep in the job queue by `submit` (every model: the worker starts before the
//!   first submit, or not), and `Builder::build` by the worker's report (every model).

use crate::LONG;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use weftsync::ThreadPool;
use weftsync::pool::{self, ResultError, ResultTimeoutError, WaitFor};

/// The task writes Relaxed data and returns a value; `result()` must return it and see the
/// write (only the future's Event orders it), whatever the worker's timing.
#[test]
fn result_is_woken_only_by_the_task_completing() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let data = Arc::new(AtomicUsize::new(0));
        let d = Arc::clone(&data);
        let f = pool
            .submit(move || {
                d.store(7, Relaxed);
                3
            })
            .unwrap();
        assert_eq!(f.result().unwrap(), 3, "result() returns the task's value");
        assert_eq!(
            data.load(Relaxed),
            7,
            "the task's writes are visible after result()"
        );
    });
}

/// `cancel` races the worker's claim: exactly one wins. A winning cancel means the task never
/// runs and the future reports `Cancelled`; a losing one means it ran once and reports its value.
#[test]
fn cancel_racing_the_worker_pickup_has_exactly_one_winner() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let f = pool.submit(move || r.fetch_add(1, Relaxed)).unwrap();
        let cancelled = f.cancel();
        assert_eq!(
            f.cancelled(),
            cancelled,
            "cancelled() agrees with the winning cancel"
        );
        let outcome = f.result();
        drop(pool); // joins the worker: it has dropped or run the job
        match outcome {
            Err(ResultError::Cancelled) => {
                assert!(cancelled, "Cancelled only after a winning cancel");
                assert_eq!(ran.load(Relaxed), 0, "a cancelled task never runs");
            }
            Ok(_) => {
                assert!(!cancelled, "a task that ran was not cancelled");
                assert_eq!(ran.load(Relaxed), 1, "a task runs exactly once");
            }
            Err(e) => panic!("{e}"),
        }
    });
}

/// A callback added while the worker completes the future runs exactly once: on the worker
/// (registered in time) or on this thread (the future already done), never both, never neither.
#[test]
fn callback_added_while_the_task_completes_runs_exactly_once() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let calls = Arc::new(AtomicUsize::new(0));
        let f = pool.submit(|| 5u8).unwrap();
        let c = Arc::clone(&calls);
        f.add_done_callback(move |outcome| {
            assert_eq!(*outcome.unwrap(), 5, "the callback sees the value");
            c.fetch_add(1, Relaxed);
        });
        assert_eq!(f.result().unwrap(), 5);
        assert_eq!(
            calls.load(Relaxed),
            1,
            "the callback ran exactly once, before result()"
        );
    });
}

/// A timed `result_for` may give up just as the task completes: it returns the value or the
/// future back, never blocks forever, and a later untimed `result()` still gets the value.
#[test]
fn result_for_timeout_racing_completion_leaves_the_future_usable() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 9u8).unwrap();
        let v = match f.result_for(LONG) {
            Ok(v) => v,
            Err(ResultTimeoutError::Timeout(f)) => f.result().unwrap(),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(v, 9);
    });
}

/// An untimed `wait(FirstCompleted)` on one running future returns only once it is done.
#[test]
fn wait_first_completed_is_woken_only_by_a_completion() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 1u8).unwrap();
        let w = pool::wait([&f], WaitFor::FirstCompleted);
        assert_eq!(
            w.done.len(),
            1,
            "an untimed wait returns with the future done"
        );
        assert!(f.done());
    });
}

/// A timed wait may give up as the future completes; a following untimed wait is still woken
/// (the timed-out waiter left no registration that swallows the note).
#[test]
fn wait_for_timeout_racing_completion_then_wait_is_still_woken() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 1u8).unwrap();
        let w = pool::wait_for([&f], WaitFor::AllCompleted, LONG);
        if w.done.is_empty() {
            let w = pool::wait([&f], WaitFor::AllCompleted);
            assert_eq!(w.done.len(), 1);
        }
        assert_eq!(f.result().unwrap(), 1);
    });
}

/// `as_completed` yields the future once it completes, and only then.
#[test]
fn as_completed_is_woken_only_by_a_completion() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 4u8).unwrap();
        let mut it = pool::as_completed([f]);
        let f = it.next().expect("one future");
        assert!(f.done(), "yielded only when done");
        assert!(it.next().is_none());
        assert_eq!(f.result().unwrap(), 4);
    });
}

/// `shutdown(wait = true)` returns only after the started task finished: its Relaxed write is
/// visible after the shutdown, ordered only by the pool's exit Event.
#[test]
fn shutdown_wait_is_woken_only_by_the_worker_exiting() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let done = Arc::new(AtomicUsize::new(0));
        let d = Arc::clone(&done);
        let f = pool.submit(move || d.store(1, Relaxed)).unwrap();
        pool.shutdown(true, false);
        assert_eq!(
            done.load(Relaxed),
            1,
            "a queued task runs before shutdown(wait) returns"
        );
        assert!(f.done());
    });
}

/// `shutdown(cancel_futures)` races the worker for the queued task: it runs or it is
/// cancelled, never both, and its future says which.
#[test]
fn shutdown_cancel_futures_racing_the_worker_runs_or_cancels_once() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let f = pool.submit(move || r.fetch_add(1, Relaxed)).unwrap();
        pool.shutdown(true, true);
        match f.result() {
            Ok(_) => assert_eq!(ran.load(Relaxed), 1, "ran exactly once"),
            Err(ResultError::Cancelled) => assert_eq!(ran.load(Relaxed), 0, "never ran"),
            Err(e) => panic!("{e}"),
        }
        assert!(pool.submit(|| ()).is_err(), "no submit after shutdown");
    });
}

/// A scope returns only after its task is over: the task's write to a borrowed cell (loom's
/// `UnsafeCell`-free Relaxed atomic here, read after the scope) is visible, ordered only by the
/// scope's Event.
#[test]
fn scope_end_is_woken_only_by_its_task_ending() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let cell = AtomicUsize::new(0);
        pool.scope(|s| {
            s.submit(|| cell.store(1, Relaxed)).unwrap();
        });
        assert_eq!(cell.load(Relaxed), 1, "the scope waited for its task");
    });
}

/// A panicking task completes its future with the payload; the only worker survives and runs
/// the next task.
#[test]
fn panicking_task_is_reported_and_the_worker_runs_the_next() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let bad = pool.submit(|| -> u8 { panic!("planned") }).unwrap();
        let good = pool.submit(|| 2u8).unwrap();
        assert!(matches!(bad.result(), Err(ResultError::Panicked(_))));
        assert_eq!(good.result().unwrap(), 2, "the worker survived the panic");
    });
}

/// `map` over two items with one task in flight at a time: each `next()` blocks until the
/// oldest task completes (its only waker), and the results come in input order.
#[test]
fn map_next_is_woken_only_by_the_oldest_task_completing() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let out: Vec<u8> = pool
            .map(|x: u8| x + 1, [1u8, 2])
            .buffersize(1)
            .map(Result::unwrap)
            .collect();
        assert_eq!(out, [2, 3], "input order");
    });
}

/// A timed `as_completed_for` may give up as the future completes: it yields the future, or
/// hands it back in `TimeoutError`, exactly once either way; the future still delivers.
#[test]
fn as_completed_for_timeout_racing_completion_yields_or_hands_back_once() {
    crate::model(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 6u8).unwrap();
        let mut it = pool::as_completed_for([f], LONG);
        let f = match it.next().expect("one item") {
            Ok(f) => f,
            Err(rest) => {
                let mut rest = rest.into_inner();
                assert_eq!(rest.len(), 1, "the unfinished future comes back");
                rest.pop().unwrap()
            }
        };
        assert!(it.next().is_none(), "each future once, then the end");
        assert_eq!(f.result().unwrap(), 6);
    });
}
