//! `cargo +nightly fuzz run thread_local`: the harness in tests/fuzz_harness/thread_local.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::thread_local::run(data));
