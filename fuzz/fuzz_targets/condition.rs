//! `cargo +nightly fuzz run condition`: the harness in tests/fuzz_harness/condition.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::condition::run(data));
