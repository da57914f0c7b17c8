//! `cargo +nightly fuzz run barrier`: the harness in tests/fuzz_harness/barrier.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::barrier::run(data));
