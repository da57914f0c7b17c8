//! Runs a model-checking test in a child process of its own, so a test that finds a bug fails as
//! itself, by name, and the tests after it still run. Shared by `loom-tests/` and
//! `shuttle-tests/` (`#[path]`-included; it is not a test target of its own).
//!
//! Why: when a model finds a bug, its panic unwinds through guards and queue nodes whose drops
//! touch the checker after the execution ended; a second panic there ("panic in a destructor
//! during cleanup") aborts the whole test binary, so no test is marked FAILED and the rest never
//! run. Loom's deadlock report can also hang. In a child process an abort or a hang ends only
//! the child, and the parent turns it into this test's failure.
//!
//! - [`isolated`]`(body)`: in the test binary that `cargo test` started, re-runs that binary for
//!   exactly the calling test (`<name> --exact --nocapture --include-ignored --test-threads=1`,
//!   with `WEFT_ISOLATED_CHILD=<name>` in its environment) and waits up to [`limit`]. A non-zero
//!   exit, a signal, the time limit, or a child that did not run exactly this one test fails the
//!   test with the tail of the child's output. In the child, `isolated` just runs `body`.
//! - [`run_child`]`(name, limit)`: the parent's half, returning the outcome instead of panicking.
//!
//! The child inherits the environment, so `LOOM_MAX_PREEMPTIONS`, `LOOM_LOG`,
//! `LOOM_CHECKPOINT_FILE` / `LOOM_CHECKPOINT_INTERVAL` and `SHUTTLE_RANDOM_SEED` work as before.
//! `WEFT_ISOLATED_SECS` sets the time limit (default [`DEFAULT_LIMIT`]).

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Marks the child process; its value is the test the child runs.
const CHILD_ENV: &str = "WEFT_ISOLATED_CHILD";

/// The time limit per test: the slowest model takes seconds in a debug build at bound 2.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(300);

/// How many lines of the child's output a failure message quotes.
const TAIL_LINES: usize = 60;

/// Runs `body` in a child process of its own; see the module docs.
#[track_caller]
pub fn isolated<F: FnOnce()>(body: F) {
    isolated_as(&test_name(std::any::type_name::<F>()), body);
}

/// [`isolated`] for a test whose name is known (a helper that takes the test's own closure
/// derives it with [`test_name`] from that closure's type).
#[track_caller]
pub fn isolated_as(name: &str, body: impl FnOnce()) {
    if in_child() {
        body();
        return;
    }
    match run_child(name, limit()) {
        Ok(output) => print!("{output}"),
        Err(failure) => panic!("{failure}"),
    }
}

/// Whether this process is a child that [`run_child`] started.
pub fn in_child() -> bool {
    std::env::var_os(CHILD_ENV).is_some()
}

/// The time limit: `WEFT_ISOLATED_SECS`, or [`DEFAULT_LIMIT`].
pub fn limit() -> Duration {
    match std::env::var("WEFT_ISOLATED_SECS") {
        Ok(secs) => Duration::from_secs_f64(secs.trim().parse().unwrap_or_else(|_| {
            panic!("WEFT_ISOLATED_SECS must be a number of seconds: {secs:?}")
        })),
        Err(_) => DEFAULT_LIMIT,
    }
}

/// The calling test's name: libtest names each test's thread after the test; on a thread
/// without that name, the closure's type path (`loom::lock::some_model::{{closure}}`) names it.
pub fn test_name(closure_type: &str) -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => {
            let path = closure_type
                .split_once("::")
                .map_or(closure_type, |(_crate, rest)| rest);
            path.trim_end_matches("::{{closure}}").to_owned()
        }
    }
}

/// Runs the test `name` of this test binary in a child process, within `limit`. `Ok` holds the
/// child's output; `Err` says how the child failed, with the tail of its output.
pub fn run_child(name: &str, limit: Duration) -> Result<String, String> {
    static NEXT_LOG: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let seq = NEXT_LOG.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // One file for stdout and stderr keeps their lines in order and cannot fill up and stall
    // the child the way an unread pipe can.
    let log_path =
        std::env::temp_dir().join(format!("weft-isolated-{}-{seq}.log", std::process::id()));
    let fail = |what: String| format!("isolated test `{name}`: {what}");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| fail(format!("cannot create {}: {e}", log_path.display())))?;
    let log_err = log
        .try_clone()
        .map_err(|e| fail(format!("cannot share {}: {e}", log_path.display())))?;
    let exe = std::env::current_exe().map_err(|e| fail(format!("no test binary path: {e}")))?;
    let mut child = Command::new(exe)
        .args([
            name,
            "--exact",
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, name)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| fail(format!("cannot start the child: {e}")))?;
    let start = Instant::now();
    let mut poll = Duration::from_millis(1);
    let outcome = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if start.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(format!(
                    "did not finish within {limit:?} and was killed (a hang: loom's deadlock \
                     report sometimes hangs; or a model too big for its bound; \
                     WEFT_ISOLATED_SECS sets the limit)"
                ));
            }
            Ok(None) => {
                // Polling a child process, not ordering threads: the wait is bounded either way.
                std::thread::sleep(poll);
                poll = (poll * 2).min(Duration::from_millis(50));
            }
            Err(e) => break Err(format!("cannot wait for the child: {e}")),
        }
    };
    let output = std::fs::read(&log_path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    let status = match outcome {
        Ok(status) if status.success() => {
            // A wrong name makes libtest run nothing and exit 0: that must not pass.
            return if output.contains("test result: ok. 1 passed") {
                Ok(output)
            } else {
                Err(fail(format!(
                    "the child ran no test of that exact name; its output:\n{output}"
                )))
            };
        }
        Ok(status) => format!("failed in its own process ({status})"),
        Err(why) => why,
    };
    let lines: Vec<&str> = output.lines().collect();
    let cut = lines.len().saturating_sub(TAIL_LINES);
    // The lines before the tail go to the test's captured output, which libtest shows with the
    // failure; the tail goes into the panic message.
    for line in &lines[..cut] {
        println!("{line}");
    }
    Err(fail(format!(
        "{status}.\nIts panics:\n{}\nThe last {} lines of its output:\n{}",
        panics(&lines),
        lines.len() - cut,
        lines[cut..].join("\n")
    )))
}

/// Each `thread '…' panicked at …` line of the output with the message under it (up to the
/// backtrace), so the failure states the model's own assertion however long the backtraces are.
fn panics(lines: &[&str]) -> String {
    let mut out = Vec::new();
    let mut in_panic = false;
    for line in lines {
        if line.starts_with("thread '") && line.contains(" panicked at ") {
            in_panic = true;
        } else if line.is_empty()
            || line.starts_with("stack backtrace:")
            || line.starts_with("note: ")
        {
            in_panic = false;
        }
        if in_panic {
            out.push(format!("  {line}"));
        }
    }
    if out.is_empty() {
        "  (none printed)".to_owned()
    } else {
        out.join("\n")
    }
}
