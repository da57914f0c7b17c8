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
