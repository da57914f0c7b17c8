//! Model checking for users' own code written with weftsync primitives.
//!
//! Write the test once with [`check`], [`thread::spawn`] and [`sync::Arc`]; the backend decides
//! how it runs:
//!
//! | build | what `check(f)` does |
//! |---|---|
//! | `--features loom` | every interleaving of `f` up to loom's preemption bound (`LOOM_MAX_PREEMPTIONS`, default 2 in this crate's `.cargo/config.toml`) |
//! | `--features shuttle` | `f` under shuttle's random scheduler, then its PCT scheduler (depth 3), [`Checker::iterations`] times each (default 1,000); a closure that spawns no thread runs once under PCT, which has no schedule to vary for it |
//! | neither | `f` once, on real threads |
//!
//! The features are for weftsync's own tests. In your crate, select the same backends with
//! `RUSTFLAGS="--cfg weftsync_loom"` or `RUSTFLAGS="--cfg weftsync_shuttle"`: a feature would
//! reach every crate in the build and make every weftsync `const fn new` non-const for all of
//! them.
//!
//! A failed assertion inside `f` fails the check (loom and shuttle print the schedule that
//! broke it). Timed waits in weftsync may time out at any point the checker picks, so code
//! that mishandles a timeout is found too. See `docs/model-checking.md` for a worked example,
//! with a downstream crate's model test.
//!
//! ```
//! use weftsync::model::{self, sync::Arc, thread};
//! use weftsync::Lock;
//!
//! model::check(|| {
//!     let total = Arc::new(Lock::new(0));
//!     let t = {
//!         let total = Arc::clone(&total);
//!         thread::spawn(move || *total.lock() += 1)
//!     };
//!     *total.lock() += 1;
//!     t.join().unwrap();
//!     assert_eq!(*total.lock(), 2);
//! });
//! ```

/// Threads that the active checker controls: loom's, shuttle's, or std's.
pub mod thread {
    #[cfg(weft_loom)]
    pub use loom::thread::{JoinHandle, spawn, yield_now};
    #[cfg(weft_shuttle)]
    pub use shuttle::thread::{JoinHandle, spawn, yield_now};
    #[cfg(not(weft_checker))]
    pub use std::thread::{JoinHandle, spawn, yield_now};
}

/// `Arc` and atomics that the active checker can see (use them for shared state in a model).
pub mod sync {
    #[cfg(weft_loom)]
    pub use loom::sync::{Arc, atomic};
    #[cfg(weft_shuttle)]
    pub use shuttle::sync::{Arc, atomic};
    #[cfg(not(weft_checker))]
    pub use std::sync::{Arc, atomic};
}

/// Settings for [`Checker::check`]; [`check`] uses the defaults.
///
/// ```
/// weftsync::model::Checker::new().iterations(200).check(|| {
///     let lock = weftsync::Lock::new(1);
///     assert_eq!(*lock.lock(), 1);
/// });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Checker {
    iterations: usize,
    pct_depth: usize,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    /// Defaults: 1,000 shuttle iterations per scheduler, PCT depth 3.
    ///
    /// ```
    /// let c = weftsync::model::Checker::new();
    /// c.check(|| assert_eq!(1 + 1, 2));
    /// ```
    pub const fn new() -> Self {
        Checker {
            iterations: 1_000,
            pct_depth: 3,
        }
    }

    /// How many schedules shuttle tries with each scheduler (ignored by loom, which is
    /// exhaustive, and by std, which runs once).
    ///
    /// ```
    /// weftsync::model::Checker::new().iterations(10).check(|| {});
    /// ```
    pub const fn iterations(mut self, n: usize) -> Self {
        self.iterations = n;
        self
    }

    /// Shuttle's PCT bug depth: how many forced priority changes a schedule may contain.
    ///
    /// ```
    /// weftsync::model::Checker::new().pct_depth(5).iterations(10).check(|| {});
    /// ```
    pub const fn pct_depth(mut self, depth: usize) -> Self {
        self.pct_depth = depth;
        self
    }

    /// Runs `f` under the active backend (see the module docs).
    ///
    /// ```
    /// weftsync::model::Checker::new().check(|| {
    ///     let e = weftsync::Lock::new(());
    ///     drop(e.lock());
    /// });
    /// ```
    pub fn check<F>(self, f: F)
    where
        F: Fn() + Send + Sync + 'static,
    {
        #[cfg(weft_loom)]
        {
            let _ = (self.iterations, self.pct_depth);
            loom::model(f);
        }
        #[cfg(weft_shuttle)]
        {
            let f = std::sync::Arc::new(f);
            let g = std::sync::Arc::clone(&f);
            shuttle::check_random(move || f(), self.iterations);
            let pct = shuttle::scheduler::PctScheduler::new(self.pct_depth, self.iterations);
            shuttle::Runner::new(PctUnlessSequential::new(pct), shuttle::Config::new())
                .run(move || g());
        }
        #[cfg(not(weft_checker))]
        {
            let _ = (self.iterations, self.pct_depth);
            f();
        }
    }
}

/// Runs `f` under the active backend with default settings: `Checker::new().check(f)`.
///
/// ```
/// weftsync::model::check(|| {
///     let lock = weftsync::Lock::new(5);
///     assert_eq!(*lock.lock(), 5);
/// });
/// ```
pub fn check<F>(f: F)
where
    F: Fn() + Send + Sync + 'static,
{
    Checker::new().check(f);
}

/// Shuttle's PCT scheduler, except for a closure that never has two threads to choose between:
/// PCT panics on those ("test closure did not exercise any concurrency"), and for them there is
/// no schedule to vary. Such a closure runs once under PCT, after the random scheduler's runs
/// (which also vary any random choices the emulated wait layer makes). A closure that spawns
/// threads gets every PCT iteration, exactly as `shuttle::check_pct` would run it.
#[cfg(weft_shuttle)]
struct PctUnlessSequential {
    pct: shuttle::scheduler::PctScheduler,
    executions: usize,
    concurrent: bool,
}

#[cfg(weft_shuttle)]
impl PctUnlessSequential {
    fn new(pct: shuttle::scheduler::PctScheduler) -> Self {
        PctUnlessSequential {
            pct,
            executions: 0,
            concurrent: false,
        }
    }
}

#[cfg(weft_shuttle)]
impl shuttle::scheduler::Scheduler for PctUnlessSequential {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        // PCT's first execution measures the closure; it asserts on the second one that the
        // first had a scheduling choice. Without one, stop here instead.
        if self.executions > 0 && !self.concurrent {
            return None;
        }
        self.executions += 1;
        self.pct.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        // The same test PCT makes: a step counts only when two or more tasks could run.
        if runnable.len() > 1 {
            self.concurrent = true;
        }
        self.pct.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.pct.next_u64()
    }
}
