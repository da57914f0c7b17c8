//! `cargo +nightly fuzz run process_queue`: the harness in tests/fuzz_harness/process_queue.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::process_queue::run(data));
