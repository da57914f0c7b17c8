//! `weftsync::model::check` under whichever backend the build selects (std, loom, shuttle):
//! it accepts a closure that spawns no thread, and it still explores every schedule it is asked
//! for when the closure does spawn.
//!
//! - `cargo test --test model_check`: once on real threads.
//! - `cargo test --features loom --test model_check`: loom.
//! - `cargo test --features shuttle --test model_check`: shuttle, random then PCT.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use weftsync::Lock;
use weftsync::model::{Checker, sync::Arc, thread};

// On real threads every test runs under the std suite's watchdog: a lost wake-up in the `Lock`
// the closures use fails the test by name instead of hanging the run. Under a checker the
// closures run inside its models, which report a deadlock themselves.
#[cfg(not(any(feature = "loom", feature = "shuttle")))]
#[path = "std/watchdog.rs"]
#[allow(dead_code)]
mod watchdog;
#[cfg(not(any(feature = "loom", feature = "shuttle")))]
use watchdog::watched;
#[cfg(any(feature = "loom", feature = "shuttle"))]
fn watched<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// How many times the closure should run for `iterations` schedules per scheduler, when it
/// spawns threads (`concurrent`) or not.
fn expected_runs(iterations: usize, concurrent: bool) -> Option<usize> {
    if cfg!(feature = "loom") {
        None // exhaustive: as many runs as interleavings
    } else if cfg!(feature = "shuttle") {
        // Random, then PCT; PCT has nothing to vary without a second thread.
        Some(iterations + if concurrent { iterations } else { 1 })
    } else {
        Some(1)
    }
}

/// Regression: shuttle's PCT scheduler panicked "test closure did not exercise any concurrency"
/// on a closure that spawns no thread, so the module's own doctests failed under
/// `cargo test --features shuttle`.
#[test]
fn closure_without_threads_is_accepted_and_run() {
    watched(|| {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        Checker::new().iterations(50).check(|| {
            RUNS.fetch_add(1, Relaxed);
            let lock = Lock::new(5);
            *lock.lock() += 1;
            assert_eq!(*lock.lock(), 6);
        });
        let runs = RUNS.load(Relaxed);
        match expected_runs(50, false) {
            Some(want) => assert_eq!(runs, want, "a thread-free closure runs {want} times"),
            None => assert!(runs >= 1, "a thread-free closure must run at least once"),
        }
    });
}

/// A failing assertion in a thread-free closure still fails the check.
#[test]
#[should_panic(expected = "a thread-free closure's assertion")]
fn closure_without_threads_can_fail() {
    watched(|| {
        Checker::new().iterations(10).check(|| {
            let lock = Lock::new(1);
            assert_eq!(*lock.lock(), 2, "a thread-free closure's assertion");
        });
    });
}

/// With a second thread every scheduler still gets every iteration it was given (the fix for
/// thread-free closures must not cut PCT short here).
#[test]
fn closure_with_threads_gets_every_iteration() {
    watched(|| {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        Checker::new().iterations(50).check(|| {
            RUNS.fetch_add(1, Relaxed);
            let total = Arc::new(Lock::new(0));
            let t = {
                let total = Arc::clone(&total);
                thread::spawn(move || *total.lock() += 1)
            };
            *total.lock() += 1;
            t.join().unwrap();
            assert_eq!(*total.lock(), 2);
        });
        let runs = RUNS.load(Relaxed);
        match expected_runs(50, true) {
            Some(want) => assert_eq!(runs, want, "every scheduler runs all 50 iterations"),
            None => assert!(runs > 1, "loom explores more than one interleaving: {runs}"),
        }
    });
}

/// `check` runs the closure it is given: once on real threads, every schedule under a checker.
/// A `check` that returned without running it would pass every model vacuously.
#[test]
fn check_runs_the_closure() {
    watched(|| {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        weftsync::model::check(|| {
            RUNS.fetch_add(1, Relaxed);
        });
        let runs = RUNS.load(Relaxed);
        // `check` uses `Checker::new()`: 1,000 iterations per shuttle scheduler.
        match expected_runs(1_000, false) {
            Some(want) => assert_eq!(runs, want, "check must run the closure {want} times"),
            None => assert!(runs >= 1, "check must run the closure at least once"),
        }
    });
}

/// A checker stops after the schedules it was asked for, with or without a second thread: each
/// run counts itself and fails at once past the expected number, so a checker that never stops
/// fails here by name instead of hanging the test run.
#[test]
fn checker_stops_after_the_iterations_it_was_given() {
    watched(|| {
        static RUNS_ALONE: AtomicUsize = AtomicUsize::new(0);
        static RUNS_WITH_THREAD: AtomicUsize = AtomicUsize::new(0);
        fn count(runs: &AtomicUsize, limit: Option<usize>) {
            let n = runs.fetch_add(1, Relaxed) + 1;
            if let Some(limit) = limit {
                assert!(
                    n <= limit,
                    "the checker ran the closure {n} times, past the {limit} it was asked for"
                );
            }
        }
        let alone = expected_runs(20, false);
        Checker::new()
            .iterations(20)
            .check(move || count(&RUNS_ALONE, alone));
        let with_thread = expected_runs(20, true);
        Checker::new().iterations(20).check(move || {
            count(&RUNS_WITH_THREAD, with_thread);
            thread::spawn(|| {}).join().unwrap();
        });
        assert!(RUNS_ALONE.load(Relaxed) >= 1 && RUNS_WITH_THREAD.load(Relaxed) >= 1);
    });
}

/// Under shuttle: runs `body` (which gets the index of its run) through
/// `Checker::new().pct_depth(depth).iterations(iterations)`; the runs from index `iterations` on
/// are PCT's, after the random scheduler's `iterations`.
#[cfg(all(feature = "shuttle", not(feature = "loom")))]
fn under_shuttle(depth: usize, iterations: usize, body: impl Fn(usize) + Send + Sync + 'static) {
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    Checker::new()
        .pct_depth(depth)
        .iterations(iterations)
        .check(move || body(runs.fetch_add(1, Relaxed)));
}

/// `pct_depth` reaches shuttle's PCT scheduler. At depth 1 a PCT schedule changes no priority,
/// so the main thread, once it runs, is never preempted between two of its steps by the thread
/// it spawned; at depth 3 (two priority changes) some of 200 schedules preempt it there.
#[cfg(all(feature = "shuttle", not(feature = "loom")))]
#[test]
fn pct_depth_bounds_how_often_a_pct_schedule_preempts() {
    use weftsync::model::sync::atomic::{AtomicUsize as ModelUsize, Ordering::SeqCst};
    fn preempted_pct_runs(depth: usize) -> usize {
        let preempted = std::sync::Arc::new(AtomicUsize::new(0));
        let counted = std::sync::Arc::clone(&preempted);
        under_shuttle(depth, 200, move |run| {
            let seq = Arc::new(ModelUsize::new(0));
            let other = {
                let seq = Arc::clone(&seq);
                thread::spawn(move || seq.fetch_add(1, SeqCst))
            };
            let a = seq.fetch_add(1, SeqCst);
            let b = seq.fetch_add(1, SeqCst);
            let c = other.join().unwrap();
            if run >= 200 && a < c && c < b {
                counted.fetch_add(1, Relaxed);
            }
        });
        preempted.load(Relaxed)
    }
    assert_eq!(
        preempted_pct_runs(1),
        0,
        "at PCT depth 1 no schedule may preempt the running thread"
    );
    assert!(
        preempted_pct_runs(3) > 0,
        "at PCT depth 3 some of 200 schedules preempt the running thread"
    );
}

/// The PCT schedules draw their random values (the emulated wait layer's choices, and any the
/// closure makes) from shuttle's data source, through the scheduler `check` wraps: across 50
/// PCT runs the first draw varies.
#[cfg(all(feature = "shuttle", not(feature = "loom")))]
#[test]
fn pct_schedules_vary_the_random_values_they_draw() {
    use shuttle::rand::{RngCore, thread_rng};
    let draws = std::sync::Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = std::sync::Arc::clone(&draws);
    under_shuttle(3, 50, move |run| {
        thread::spawn(|| {}).join().unwrap();
        let draw = thread_rng().next_u64();
        if run >= 50 {
            seen.lock().unwrap().insert(draw);
        }
    });
    let distinct = draws.lock().unwrap().len();
    assert!(
        distinct > 1,
        "50 PCT runs drew {distinct} distinct first values"
    );
}
