//! `cargo +nightly fuzz run pipe`: the harness in tests/fuzz_harness/pipe.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pipe::run(data));
