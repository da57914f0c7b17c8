//! The isolation of every model in its own process (`crate::model`, `tests/support/isolated.rs`)
//! checked against planted failures: one that aborts the process the way a model finding a bug
//! used to ("panic in a destructor during cleanup"), one that fails plainly, and one that hangs.
//! Each planted test is `#[ignore]`d and does nothing outside the child these checks start, so a
//! plain `cargo test --features loom` (or `-- --include-ignored`) never fails on it.

use crate::isolated::{in_child, run_child};
use std::time::Duration;

/// Generous for a child that aborts or fails in milliseconds on an idle machine.
const PLANTED_LIMIT: Duration = Duration::from_secs(120);

/// A guard whose drop panics while the model is already unwinding: the process aborts.
struct PanicsWhileUnwinding;

impl Drop for PanicsWhileUnwinding {
    fn drop(&mut self) {
        if std::thread::panicking() {
            panic!("planted: a drop that panics during unwinding");
        }
    }
}

#[test]
#[ignore = "planted failure: run only as the child of a_model_that_aborts_fails_by_name"]
fn planted_model_that_aborts() {
    if in_child() {
        loom::model(|| {
            let _guard = PanicsWhileUnwinding;
            panic!("planted: the model finds a bug");
        });
    }
}

#[test]
#[ignore = "planted failure: run only as the child of a_model_that_fails_fails_by_name"]
fn planted_model_that_fails() {
    if in_child() {
        loom::model(|| {
            let v = loom::sync::atomic::AtomicUsize::new(1);
            assert_eq!(
                v.load(loom::sync::atomic::Ordering::Relaxed),
                2,
                "planted: a failing assertion"
            );
        });
    }
}

#[test]
#[ignore = "planted failure: run only as the child of a_model_that_hangs_is_killed_at_its_limit"]
fn planted_model_that_hangs() {
    if in_child() {
        // Blocks in the kernel (no CPU) until the parent kills the child.
        let (_keep, never) = std::sync::mpsc::channel::<()>();
        let _ = never.recv();
    }
}

fn planted_outcome(test: &str, limit: Duration) -> String {
    let name = format!("isolation::{test}");
    let failure = run_child(&name, limit).expect_err("a planted failure must fail its test");
    assert!(
        failure.contains(&format!("`{name}`")),
        "the failure must name the test: {failure}"
    );
    failure
}

#[test]
fn a_model_that_aborts_fails_by_name() {
    let failure = planted_outcome("planted_model_that_aborts", PLANTED_LIMIT);
    assert!(
        failure.contains("SIGABRT") && failure.contains("planted: the model finds a bug"),
        "an abort must be reported with its signal and the model's own panic: {failure}"
    );
}

#[test]
fn a_model_that_fails_fails_by_name() {
    let failure = planted_outcome("planted_model_that_fails", PLANTED_LIMIT);
    assert!(
        failure.contains("exit status: 101") && failure.contains("planted: a failing assertion"),
        "a plain failure must be reported with its exit status and message: {failure}"
    );
}

#[test]
fn a_model_that_hangs_is_killed_at_its_limit() {
    let failure = planted_outcome("planted_model_that_hangs", Duration::from_millis(500));
    assert!(
        failure.contains("did not finish within 500ms"),
        "a hang must be reported as one: {failure}"
    );
}

#[test]
fn a_wrong_test_name_does_not_pass() {
    let failure = run_child("isolation::no_such_test", PLANTED_LIMIT)
        .expect_err("a child that ran no test must not pass");
    assert!(
        failure.contains("ran no test of that exact name"),
        "{failure}"
    );
}
