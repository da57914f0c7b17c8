//! `cargo +nightly fuzz run pool`: the harness in fuzz/harness/pool.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pool::run(data));
