//! `cargo +nightly fuzz run queue`: the harness in tests/fuzz_harness/queue.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::queue::run(data));
