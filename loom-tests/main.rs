//! Loom models of every primitive's promises: `cargo test --features loom`.
//! Bound and run times: loom-tests/README.md.
#![cfg(feature = "loom")]

mod barrier;
mod condition;
mod event;
mod isolation;
mod lock;
mod pipe;
mod pool;
mod process;
mod queue;
mod queue_orders;
mod rlock;
mod select;
mod semaphore;
mod simple_queue;
mod slots;
mod thread_local;
mod timer;

/// The timeout of every timed call in a model whose deadline is not meant to have passed. Under
/// the checkers, when a timed wait ends is the emulated wait layer's choice, which loom explores
/// like any other (`docs/wait-layer.md`, "How the emulation maps to the system call"); but a
/// deadline is still an `Instant`, and `shim::expired` still compares it with the real clock (a
/// deadline a caller passes in must be compared with something). A deadline that could pass
/// during one execution would make a branch depend on real time, and loom, replaying a path,
/// would fail with "Reached unexpected exploration state" (seen with 5 s in a CI run on a loaded
/// machine). An hour never passes within a model (`WEFT_ISOLATED_SECS` ends one long before).
/// `tests/std/docs_check.rs::loom_models_take_their_timeouts_from_long` keeps every model on it.
pub const LONG: std::time::Duration = std::time::Duration::from_secs(3600);

#[path = "../tests/support/isolated.rs"]
mod isolated;

/// `loom::model(f)` in a child process of its own (`tests/support/isolated.rs`): a model that
/// finds a bug fails as itself, by name, even when the bug aborts the process or hangs loom's
/// deadlock report, and the other models still run. Every model here calls this.
#[track_caller]
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let name = isolated::test_name(std::any::type_name::<F>());
    isolated::isolated_as(&name, move || loom::model(f));
}

/// [`model`] at a preemption bound of at least `bound` (or `LOOM_MAX_PREEMPTIONS`, if larger),
/// for a regression model whose bug needs more preemptions than the suite's default bound
/// explores. The model's doc comment names the bug and its time at that bound.
#[track_caller]
pub fn model_at_bound<F>(bound: usize, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let name = isolated::test_name(std::any::type_name::<F>());
    isolated::isolated_as(&name, move || {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(builder.preemption_bound.map_or(bound, |b| b.max(bound)));
        builder.check(f);
    });
}

/// [`model`] for a model known to run longer than the isolation limit's default: its child gets
/// `limit` (or `WEFT_ISOLATED_SECS`, if larger). The model's doc comment says why, and its time.
#[track_caller]
pub fn model_with_limit<F>(limit: std::time::Duration, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let name = isolated::test_name(std::any::type_name::<F>());
    if isolated::in_child() {
        loom::model(f);
        return;
    }
    match isolated::run_child(&name, limit.max(isolated::limit())) {
        Ok(output) => print!("{output}"),
        Err(failure) => panic!("{failure}"),
    }
}
