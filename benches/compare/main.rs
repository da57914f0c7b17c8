//! Side-by-side benchmarks against what users would pick instead:
//! `cargo bench --bench compare` (all groups) or `cargo bench --bench compare -- lock queue`
//! (only the named groups). Prints one table; `docs/benchmarks.md` records a run.
//!
//! Each figure is the median of several samples, in nanoseconds per operation. On a 2-core
//! machine, contended figures swing by tens of percent between runs: compare within one run.

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
mod harness;

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
    pub mod select;
    pub mod semaphore;
    pub mod thread_local;
    pub mod unbounded;
}

/// A benchmark group: its name on the command line, and what it runs.
#[cfg(not(any(feature = "loom", feature = "shuttle")))]
type Group = (&'static str, fn(&mut harness::Report));

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
fn main() {
    use groups::*;
    let all: [Group; 12] = [
        ("lock", lock::run),
        ("semaphore", semaphore::run),
        ("event", event::run),
        ("condition", condition::run),
        ("queue", queue::run),
        ("pipe", pipe::run),
        ("thread_local", thread_local::run),
        ("unbounded", unbounded::run),
        ("priority", priority::run),
        ("select", select::run),
        ("barrier", barrier::run),
        ("pool", pool::run),
    ];
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut report = harness::Report::default();
    for (name, run) in all {
        if wanted.is_empty() || wanted.iter().any(|w| w == name) {
            run(&mut report);
        }
    }
    report.print();
}

#[cfg(any(feature = "loom", feature = "shuttle"))]
fn main() {
    eprintln!("benchmarks are compiled out under the model-checker features");
}
