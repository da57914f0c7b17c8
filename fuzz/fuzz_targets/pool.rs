//! `cargo +nightly fuzz run pool`: the harness in tests/fuzz_harness/pool.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pool::run(data));
