//! `cargo +nightly fuzz run rlock`: the harness in fuzz/harness/rlock.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::rlock::run(data));
