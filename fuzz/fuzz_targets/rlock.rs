//! `cargo +nightly fuzz run rlock`: the harness in tests/fuzz_harness/rlock.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rlock::run(data));
