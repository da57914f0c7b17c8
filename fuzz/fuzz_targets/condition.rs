//! `cargo +nightly fuzz run condition`: the harness in fuzz/harness/condition.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::condition::run(data));
