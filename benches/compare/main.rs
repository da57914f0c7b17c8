//! Side-by-side benchmarks against what users would pick instead, on criterion.
//!
//! - `cargo bench --bench compare` times every group; `cargo bench --bench compare -- '^queue/'`
//!   only the benchmarks whose id (`group/scenario/implementation`) matches the regex.
//! - `cargo test --benches` (or `cargo bench --bench compare -- --test`) runs each scenario
//!   once, untimed: `scripts/test-all` does so, to keep every benchmark compiling and working.
//! - `scripts/bench` runs them on a quiet and on a loaded machine and generates
//!   `docs/benchmarks.md` (and the scaling plot) from the results; never edit those by hand.
//!
//! Each figure is criterion's sample of ns/op figures (flat sampling: each sample the same op
//! count); the page shows their median and range, and the other load on the machine while the
//! benchmark ran (`machine.rs`).
//!
//! # Adding a group
//! Write `groups/<name>.rs` with `pub fn run(r: &mut Bench)` that calls `r.single(group,
//! scenario, who, op)` for a one-thread operation or `r.multi(group, scenario, who, |n| ...)`
//! for a scenario that times itself (`on_threads` / `timed_threads` spread `n` operations over
//! threads and time them whole); give weftsync's implementation a `who` starting with
//! `weftsync` and each peer the crate path it comes from (`crossbeam_channel::bounded`, ...), so
//! the page can tell them apart and pin the peer's version. List it in `groups` and in `GROUPS`
//! below. A scenario that is one of issue 10's targets gets a row in `TARGETS` of
//! `scripts/bench-report`; every other one appears in the page's full tables by itself.
//!
//! A group that needs a binary of its own (`benches/processes.rs`: its children are the bench
//! binary run for an entry point) is a `[[bench]]` target that includes `harness.rs` and
//! `machine.rs` with `#[path]` and runs its `run(&mut Bench)` between `Bench::from_args()` and
//! `finish()`; add it to `benches` in `scripts/bench`. Keep its group name distinct: every
//! target writes to the same criterion directory.

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
mod harness;
#[cfg(not(any(feature = "loom", feature = "shuttle")))]
mod machine;

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
mod groups {
    pub mod barrier;
    pub mod condition;
    pub mod event;
    pub mod lock;
    pub mod pipe;
    pub mod pool;
    pub mod priority;
    pub mod queue;
    pub mod scaling;
    pub mod select;
    pub mod semaphore;
    pub mod thread_local;
    pub mod unbounded;
}

/// Every group, in the order they run.
#[cfg(not(any(feature = "loom", feature = "shuttle")))]
const GROUPS: &[fn(&mut harness::Bench)] = {
    use groups::*;
    &[
        lock::run,
        semaphore::run,
        event::run,
        condition::run,
        queue::run,
        pipe::run,
        thread_local::run,
        unbounded::run,
        priority::run,
        select::run,
        barrier::run,
        pool::run,
        scaling::run,
    ]
};

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
fn main() {
    let mut bench = harness::Bench::from_args();
    for run in GROUPS {
        run(&mut bench);
    }
    bench.finish();
}

#[cfg(any(feature = "loom", feature = "shuttle"))]
fn main() {
    eprintln!("benchmarks are compiled out under the model-checker features");
}
