//! `cargo +nightly fuzz run timer`: the harness in fuzz/harness/timer.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::timer::run(data));
