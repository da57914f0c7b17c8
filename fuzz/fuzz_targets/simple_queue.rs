//! `cargo +nightly fuzz run simple_queue`: the harness in tests/fuzz_harness/simple_queue.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::simple_queue::run(data));
