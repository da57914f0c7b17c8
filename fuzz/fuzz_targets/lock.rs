//! `cargo +nightly fuzz run lock`: the harness in fuzz/harness/lock.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::lock::run(data));
