//! `cargo +nightly fuzz run barrier`: the harness in fuzz/harness/barrier.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::barrier::run(data));
