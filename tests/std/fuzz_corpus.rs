//! Replays each fuzz target's corpus (`fuzz/corpus/<target>/`) and a fixed set of generated
//! inputs through the same harness the cargo-fuzz target runs, so stable CI exercises them.
//!
//! The harnesses and the corpus live in the nested `fuzz/` crate, which `cargo package` leaves
//! out: in a packaged copy of weftsync `build.rs` does not set `weft_fuzz_harness`, and each
//! replay prints a SKIPPED line instead.

#[cfg(weft_fuzz_harness)]
#[path = "../../fuzz/harness/mod.rs"]
mod harness;

use crate::watchdog::watched;
use std::path::PathBuf;

/// Generated inputs per target on top of the corpus (fewer under Miri).
const GENERATED: usize = if cfg!(miri) { 3 } else { 300 };

fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files = 0;
    if !cfg!(miri) {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                run(&data);
                files += 1;
            }
        }
        assert!(
            files > 0,
            "no corpus for fuzz target {target} in {}",
            dir.display()
        );
    }
    // A fixed xorshift stream, so failures reproduce; the seed mixes in the target's name.
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ target.bytes().fold(0u64, |h, b| h * 31 + u64::from(b));
    for len in 0..GENERATED {
        let data: Vec<u8> = (0..len % 64)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        run(&data);
    }
}

/// The harness's `run` for `target`, where the harnesses exist.
#[cfg(weft_fuzz_harness)]
fn harness_run(target: &str) -> Option<fn(&[u8])> {
    Some(match target {
        "lock" => harness::lock::run,
        "rlock" => harness::rlock::run,
        "semaphore" => harness::semaphore::run,
        "event" => harness::event::run,
        "condition" => harness::condition::run,
        "queue" => harness::queue::run,
        "queue_orders" => harness::queue_orders::run,
        "simple_queue" => harness::simple_queue::run,
        "select" => harness::select::run,
        "pipe" => harness::pipe::run,
        "pool" => harness::pool::run,
        "thread_local" => harness::thread_local::run,
        "barrier" => harness::barrier::run,
        "timer" => harness::timer::run,
        _ => return None,
    })
}

#[cfg(not(weft_fuzz_harness))]
fn harness_run(_target: &str) -> Option<fn(&[u8])> {
    None
}

/// Replays `target` under the watchdog (its harness blocks), or says why it cannot.
fn replay_watched(target: &'static str) {
    match harness_run(target) {
        Some(run) => watched(move || replay(target, run)),
        None => crate::skipped(
            &format!("fuzz_corpus_{target}"),
            "no fuzz/harness/ here (cargo package leaves out the nested fuzz crate)",
        ),
    }
}

#[test]
fn fuzz_corpus_lock() {
    replay_watched("lock");
}

#[test]
fn fuzz_corpus_rlock() {
    replay_watched("rlock");
}

#[test]
fn fuzz_corpus_semaphore() {
    replay_watched("semaphore");
}

#[test]
fn fuzz_corpus_event() {
    replay_watched("event");
}

#[test]
fn fuzz_corpus_condition() {
    replay_watched("condition");
}

#[test]
fn fuzz_corpus_queue() {
    replay_watched("queue");
}

#[test]
fn fuzz_corpus_queue_orders() {
    replay_watched("queue_orders");
}

#[test]
fn fuzz_corpus_simple_queue() {
    replay_watched("simple_queue");
}

#[test]
fn fuzz_corpus_select() {
    replay_watched("select");
}

#[test]
fn fuzz_corpus_pipe() {
    replay_watched("pipe");
}

#[test]
fn fuzz_corpus_pool() {
    replay_watched("pool");
}

#[test]
fn fuzz_corpus_thread_local() {
    replay_watched("thread_local");
}

#[test]
fn fuzz_corpus_barrier() {
    replay_watched("barrier");
}

#[test]
fn fuzz_corpus_timer() {
    replay_watched("timer");
}
