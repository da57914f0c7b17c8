//! Replays each fuzz target's corpus (`fuzz/corpus/<target>/`) and a fixed set of generated
//! inputs through the same harness the cargo-fuzz target runs (`tests/fuzz_harness/`), so stable
//! CI exercises them.
//!
//! The harnesses ship with the crate, so a packaged copy replays the generated inputs too. The
//! corpus stays in the nested `fuzz/` crate, which `cargo package` leaves out (it is large, and
//! grows with every fuzzing run): where it is missing, only the generated inputs run, and the
//! test says so on a SKIPPED line.

#[path = "../fuzz_harness/mod.rs"]
mod harness;

use crate::watchdog::watched;
use std::path::PathBuf;

/// Generated inputs per target on top of the corpus (fewer under Miri).
const GENERATED: usize = if cfg!(miri) { 3 } else { 300 };

fn replay(target: &str, run: fn(&[u8])) {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let dir = corpus.join(target);
    if cfg!(miri) {
        // The generated inputs below are enough under Miri.
    } else if corpus.is_dir() {
        let mut files = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| {
            panic!(
                "no corpus for fuzz target {target} in {}: {e}",
                dir.display()
            )
        }) {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            run(&data);
            files += 1;
        }
        assert!(
            files > 0,
            "no corpus for fuzz target {target} in {}",
            dir.display()
        );
    } else {
        crate::skipped(
            &format!("fuzz_corpus_{target} (corpus part)"),
            "no fuzz/corpus/ here (cargo package leaves out the nested fuzz crate); replaying the generated inputs only",
        );
    }
    // A fixed xorshift stream, so failures reproduce; the seed mixes in the target's name.
    let mut x = 0x9E37_79B9_7F4A_7C15u64
        ^ target
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
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

/// The harness's `run` for `target`.
fn harness_run(target: &str) -> fn(&[u8]) {
    match target {
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
        "process_queue" => harness::process_queue::run,
        "thread_local" => harness::thread_local::run,
        "barrier" => harness::barrier::run,
        "timer" => harness::timer::run,
        other => panic!("no fuzz harness named {other}"),
    }
}

/// Replays `target` under the watchdog (its harness blocks).
fn replay_watched(target: &'static str) {
    let run = harness_run(target);
    watched(move || replay(target, run));
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
fn fuzz_corpus_process_queue() {
    replay_watched("process_queue");
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

/// `fuzz/Cargo.toml` names every target in `fuzz/fuzz_targets/` exactly once, each with the
/// harness this file replays, and every `[[bin]]` has one name and one path. (A merge once
/// interleaved two entries; only the nightly fuzz stage would have noticed.)
#[test]
fn fuzz_manifest_lists_every_target_once() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let Ok(manifest) = std::fs::read_to_string(root.join("Cargo.toml")) else {
        crate::skipped(
            "fuzz_manifest_lists_every_target_once",
            "no fuzz/ crate here (cargo package leaves it out)",
        );
        return;
    };
    let mut listed = Vec::new();
    for bin in manifest.split("[[bin]]").skip(1) {
        let names: Vec<&str> = bin
            .lines()
            .filter_map(|l| l.strip_prefix("name = \""))
            .collect();
        let paths: Vec<&str> = bin
            .lines()
            .filter_map(|l| l.strip_prefix("path = \"fuzz_targets/"))
            .collect();
        assert_eq!(
            (names.len(), paths.len()),
            (1, 1),
            "a [[bin]] entry must have one name and one path:\n{bin}"
        );
        let name = names[0].trim_end_matches('"');
        assert_eq!(
            paths[0].trim_end_matches('"'),
            format!("{name}.rs"),
            "fuzz target {name} must be built from fuzz_targets/{name}.rs"
        );
        listed.push(name.to_string());
    }
    let mut files: Vec<String> = std::fs::read_dir(root.join("fuzz_targets"))
        .unwrap()
        .map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.trim_end_matches(".rs").to_string()
        })
        .collect();
    files.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(
        sorted, files,
        "fuzz/Cargo.toml and fuzz/fuzz_targets/ disagree"
    );
    sorted.dedup();
    assert_eq!(sorted.len(), listed.len(), "a fuzz target is listed twice");
    for name in &listed {
        let _ = harness_run(name); // panics if this file cannot replay it
    }
}
