//! `cargo +nightly fuzz run semaphore`: the harness in tests/fuzz_harness/semaphore.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::semaphore::run(data));
