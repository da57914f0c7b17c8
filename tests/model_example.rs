//! The worked example of `docs/model-checking.md`: a user's code, written with weftsync, checked
//! with `weftsync::model::check` under whichever backend the build selects.
//!
//! - `cargo test --test model_example`: once on real threads (the buggy variants are ignored:
//!   one real run proves nothing either way).
//! - `cargo test --features loom --test model_example`: every interleaving (bound 2).
//! - `cargo test --features shuttle --test model_example`: random + PCT, 1,000 schedules each.

use weftsync::model::{self, sync::Arc, thread};
use weftsync::{Event, Lock};

/// The user's code: a worker fills in a configuration and announces it with an Event; the main
/// thread waits for the announcement and reads the configuration.
///
/// The mistake: `set_first` announces before it writes. On real threads the write almost always
/// lands before the reader looks, so plain tests pass; a checker finds the schedule where the
/// reader runs between the two lines.
fn publish_config(set_first: bool) {
    let config: Arc<Lock<Option<u32>>> = Arc::new(Lock::new(None));
    let ready = Arc::new(Event::new());
    let worker = {
        let (config, ready) = (Arc::clone(&config), Arc::clone(&ready));
        thread::spawn(move || {
            if set_first {
                ready.set(); // BUG: announced before the value exists
                *config.lock() = Some(42);
            } else {
                *config.lock() = Some(42);
                ready.set(); // Event::set happens-before a wait that returns
            }
        })
    };
    ready.wait();
    assert_eq!(
        *config.lock(),
        Some(42),
        "reader saw the event before the config was written"
    );
    worker.join().unwrap();
}

/// The user's code, second mistake: treating a timeout as a promise. "The worker always finishes
/// within an hour", so the result of `wait_for` is unwrapped. (An hour, not seconds: under loom a
/// deadline that passes on the real clock during a run makes loom stop with "unexpected
/// exploration state"; `docs/model-checking.md`.) Under the checkers a timed wait
/// may time out whenever the scheduler says so, so the checker finds the path where it does.
fn wait_with_deadline(trust_timeout: bool) {
    let done = Arc::new(Event::new());
    let result = Arc::new(Lock::new(0u32));
    let worker = {
        let (done, result) = (Arc::clone(&done), Arc::clone(&result));
        thread::spawn(move || {
            // The work: a few steps under a lock, then the announcement.
            for step in 1..=3 {
                *result.lock() += step;
            }
            done.set();
        })
    };
    let finished = done.wait_for(std::time::Duration::from_secs(3600));
    if trust_timeout {
        assert!(finished, "worker did not finish within the timeout");
    } else if !finished {
        // The fix: a timeout is a possible outcome; handle it (here: wait it out).
        done.wait();
    }
    worker.join().unwrap();
    assert!(done.is_set());
    assert_eq!(
        *result.lock(),
        6,
        "the worker's result is visible after its set"
    );
}

#[test]
fn fixed_publish_order_passes() {
    model::check(|| publish_config(false));
}

#[test]
#[cfg_attr(
    not(any(feature = "loom", feature = "shuttle")),
    ignore = "only a model checker finds this reliably"
)]
#[should_panic(expected = "reader saw the event before the config was written")]
fn set_before_write_is_caught() {
    model::check(|| publish_config(true));
}

#[test]
fn handled_timeout_passes() {
    model::check(|| wait_with_deadline(false));
}

#[test]
#[cfg_attr(
    not(any(feature = "loom", feature = "shuttle")),
    ignore = "only a model checker finds this reliably"
)]
#[should_panic(expected = "worker did not finish within the timeout")]
fn trusted_timeout_is_caught() {
    model::check(|| wait_with_deadline(true));
}
