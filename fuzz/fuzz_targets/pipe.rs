//! `cargo +nightly fuzz run pipe`: the harness in fuzz/harness/pipe.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pipe::run(data));
