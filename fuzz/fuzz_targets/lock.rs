//! `cargo +nightly fuzz run lock`: the harness in tests/fuzz_harness/lock.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::lock::run(data));
