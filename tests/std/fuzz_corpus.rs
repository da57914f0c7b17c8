//! Replays each fuzz target's corpus (`fuzz/corpus/<target>/`) and a fixed set of generated
//! inputs through the same harness the cargo-fuzz target runs, so stable CI exercises them.

#[path = "../../fuzz/harness/mod.rs"]
mod harness;

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

#[test]
fn fuzz_corpus_lock() {
    replay("lock", harness::lock::run);
}

#[test]
fn fuzz_corpus_rlock() {
    replay("rlock", harness::rlock::run);
}

#[test]
fn fuzz_corpus_semaphore() {
    replay("semaphore", harness::semaphore::run);
}

#[test]
fn fuzz_corpus_event() {
    replay("event", harness::event::run);
}

#[test]
fn fuzz_corpus_condition() {
    replay("condition", harness::condition::run);
}

#[test]
fn fuzz_corpus_queue() {
    replay("queue", harness::queue::run);
}

#[test]
fn fuzz_corpus_pipe() {
    replay("pipe", harness::pipe::run);
}

#[test]
fn fuzz_corpus_thread_local() {
    replay("thread_local", harness::thread_local::run);
}

#[test]
fn fuzz_corpus_barrier() {
    replay("barrier", harness::barrier::run);
}

#[test]
fn fuzz_corpus_timer() {
    replay("timer", harness::timer::run);
}
