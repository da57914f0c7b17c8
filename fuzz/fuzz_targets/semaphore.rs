//! `cargo +nightly fuzz run semaphore`: the harness in fuzz/harness/semaphore.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::semaphore::run(data));
