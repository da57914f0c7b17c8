//! Tests on real threads and real time: API checks, behaviour, property tests against sequential
//! models, stress, and the fuzz-corpus replays. Compiled out under the model-checker features,
//! where the primitives only work inside a model.
#![cfg(not(any(feature = "loom", feature = "shuttle")))]
// Under Miri the proptest blocks are compiled out, leaving their strategies unused.
#![cfg_attr(miri, allow(unused))]

mod api;
mod api_table;
mod barrier;
mod condition;
mod docs_check;
mod event;
mod fuzz_corpus;
mod lock;
mod pipe;
mod pool;
mod process;
mod queue;
mod queue_orders;
mod realtime;
mod rlock;
mod select;
mod semaphore;
mod simple_queue;
mod thread_local;
mod timer;
mod watchdog;

/// Runs a timed call that must time out, and checks it waited its timeout: no less (a timeout
/// means the time passed), and not wildly more (5 s: a generous margin for a loaded machine; 60 s
/// under Miri, which runs every step hundreds of times slower). Timing asserts live only here,
/// where the timeout itself is the subject.
fn assert_waits_its_timeout(timeout: std::time::Duration, call: impl FnOnce()) {
    let start = std::time::Instant::now();
    call();
    let waited = start.elapsed();
    assert!(
        waited >= timeout,
        "returned early after {waited:?}, timeout {timeout:?}"
    );
    let margin = std::time::Duration::from_secs(if cfg!(miri) { 60 } else { 5 });
    assert!(waited < margin, "overslept: {waited:?}");
}

/// [`assert_waits_its_timeout`] for a `_until` form: `call` must not return before `deadline`
/// (measured against the deadline itself, not against a clock started after it was computed),
/// nor oversleep it by the same margin.
#[track_caller]
fn assert_waits_until(deadline: std::time::Instant, call: impl FnOnce()) {
    call();
    let now = std::time::Instant::now();
    assert!(
        now >= deadline,
        "returned {:?} before its deadline",
        deadline - now
    );
    let margin = std::time::Duration::from_secs(if cfg!(miri) { 60 } else { 5 });
    assert!(now - deadline < margin, "overslept: {:?}", now - deadline);
}

/// Says on the terminal, past libtest's output capture, that a test could not run here and why.
fn skipped(test: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}
