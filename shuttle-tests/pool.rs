//! Shuttle scenarios for the thread pool: more workers, submitters and futures than loom can
//! search. Each runs under the random scheduler and PCT (depth 3), iteration counts in each
//! test's doc line.

use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::ThreadPool;
use weftsync::pool::{self, ResultError, ResultTimeoutError, WaitFor};

/// 3 workers; 2 submitting threads × 4 tasks each, every other task cancelled at once by its
/// submitter (racing the workers), half the rest waited with a timed `result_for`: every task
/// runs exactly once or is cancelled, never both, and the future says which.
fn exactly_once_under_cancel_races() {
    let pool = Arc::new(ThreadPool::new(3));
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..8).map(|_| AtomicUsize::new(0)).collect());
    let submitters: Vec<_> = (0..2)
        .map(|t| {
            let (pool, runs) = (Arc::clone(&pool), Arc::clone(&runs));
            thread::spawn(move || {
                for k in 0..4 {
                    let id = t * 4 + k;
                    let r = Arc::clone(&runs);
                    let f = pool.submit(move || r[id].fetch_add(1, SeqCst)).unwrap();
                    let cancelled = k % 2 == 0 && f.cancel();
                    let outcome = if k == 1 {
                        match f.result_for(Duration::from_secs(5)) {
                            Ok(v) => Ok(v),
                            Err(ResultTimeoutError::Timeout(f)) => f.result(),
                            Err(ResultTimeoutError::Cancelled) => Err(ResultError::Cancelled),
                            Err(e) => panic!("{e}"),
                        }
                    } else {
                        f.result()
                    };
                    match outcome {
                        Ok(_) => assert!(!cancelled, "task {id} ran after a winning cancel"),
                        Err(ResultError::Cancelled) => assert!(cancelled, "cancelled unasked"),
                        Err(e) => panic!("{e}"),
                    }
                    assert_eq!(runs[id].load(SeqCst), usize::from(!cancelled), "task {id}");
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().unwrap();
    }
}

/// Random scheduler, 500 iterations (6 threads).
#[test]
fn every_task_runs_exactly_once_or_is_cancelled_random() {
    crate::isolated(|| check_random(exactly_once_under_cancel_races, 500));
}

/// PCT scheduler (depth 3), 500 iterations.
#[test]
fn every_task_runs_exactly_once_or_is_cancelled_pct() {
    crate::isolated(|| check_pct(exactly_once_under_cancel_races, 500, 3));
}

/// 2 workers, 5 futures (one panics), `as_completed` on one thread while `wait(FirstException)`
/// runs on another over the same outcomes' siblings: each sees every future it needs, and the
/// panic is reported where it happened.
fn waiters_see_every_completion() {
    let pool = ThreadPool::new(2);
    let a: Vec<_> = (0..3).map(|i| pool.submit(move || i).unwrap()).collect();
    let b = vec![
        pool.submit(|| 10).unwrap(),
        pool.submit(|| -> i32 { panic!("planned") }).unwrap(),
    ];
    let waiter = thread::spawn(move || {
        let w = pool::wait(b, WaitFor::FirstException);
        assert!(
            w.done.iter().any(|f| f.done()),
            "FirstException returns with something done"
        );
        let all = pool::wait(w.done.into_iter().chain(w.not_done), WaitFor::AllCompleted);
        let panicked = all
            .done
            .into_iter()
            .filter(|f| !f.cancelled())
            .map(|f| f.result())
            .filter(|r| matches!(r, Err(ResultError::Panicked(_))))
            .count();
        assert_eq!(panicked, 1, "exactly the planned panic");
    });
    let mut got: Vec<i32> = pool::as_completed(a).map(|f| f.result().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2], "as_completed yields each future once");
    waiter.join().unwrap();
}

/// Random scheduler, 500 iterations (4 threads).
#[test]
fn waiters_see_every_completion_random() {
    crate::isolated(|| check_random(waiters_see_every_completion, 500));
}

/// PCT scheduler (depth 3), 500 iterations.
#[test]
fn waiters_see_every_completion_pct() {
    crate::isolated(|| check_pct(waiters_see_every_completion, 500, 3));
}

/// 2 workers, 6 queued tasks, a callback on each added while the workers run them, and a
/// `shutdown(wait, cancel_futures)` from a second thread: every callback runs exactly once,
/// every future is done after the shutdown, and a task ran iff its future is not cancelled.
fn shutdown_races_callbacks_and_workers() {
    let pool = Arc::new(ThreadPool::new(2));
    let runs: Arc<Vec<AtomicUsize>> = Arc::new((0..6).map(|_| AtomicUsize::new(0)).collect());
    let calls: Arc<Vec<AtomicUsize>> = Arc::new((0..6).map(|_| AtomicUsize::new(0)).collect());
    let futures: Vec<_> = (0..6)
        .map(|i| {
            let r = Arc::clone(&runs);
            pool.submit(move || r[i].fetch_add(1, SeqCst)).unwrap()
        })
        .collect();
    let stopper = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.shutdown(true, true))
    };
    for (i, f) in futures.iter().enumerate() {
        let c = Arc::clone(&calls);
        f.add_done_callback(move |_| {
            c[i].fetch_add(1, SeqCst);
        });
    }
    stopper.join().unwrap();
    for (i, f) in futures.into_iter().enumerate() {
        assert!(
            f.done(),
            "after shutdown(wait, cancel) every future is done"
        );
        assert_eq!(calls[i].load(SeqCst), 1, "callback {i} ran exactly once");
        let cancelled = f.cancelled();
        assert_eq!(runs[i].load(SeqCst), usize::from(!cancelled), "task {i}");
    }
}

/// Random scheduler, 500 iterations (4 threads).
#[test]
fn shutdown_races_callbacks_and_workers_random() {
    crate::isolated(|| check_random(shutdown_races_callbacks_and_workers, 500));
}

/// PCT scheduler (depth 3), 500 iterations.
#[test]
fn shutdown_races_callbacks_and_workers_pct() {
    crate::isolated(|| check_pct(shutdown_races_callbacks_and_workers, 500, 3));
}

/// 2 workers; a map of 7 items with chunk size 2 and buffer 2, dropped after 2 results, then a
/// scope whose 3 tasks borrow a counter: results in order, the scope waits for its tasks.
fn map_and_scope() {
    let pool = ThreadPool::new(2);
    let mut it = pool.map(|x: u32| x * 2, 0..7).chunksize(2).buffersize(2);
    assert_eq!(it.next().unwrap().unwrap(), 0);
    assert_eq!(it.next().unwrap().unwrap(), 2);
    assert_eq!(it.next().unwrap().unwrap(), 4, "input order across chunks");
    drop(it);
    let counter = std::sync::atomic::AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..3 {
            s.submit(|| counter.fetch_add(1, SeqCst)).unwrap();
        }
    });
    assert_eq!(counter.load(SeqCst), 3, "scope returns after its tasks");
}

/// Random scheduler, 500 iterations (3 threads).
#[test]
fn map_in_order_and_scope_waits_random() {
    crate::isolated(|| check_random(map_and_scope, 500));
}

/// PCT scheduler (depth 3), 500 iterations.
#[test]
fn map_in_order_and_scope_waits_pct() {
    crate::isolated(|| check_pct(map_and_scope, 500, 3));
}
