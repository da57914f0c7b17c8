//! `cargo +nightly fuzz run timer`: the harness in tests/fuzz_harness/timer.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::timer::run(data));
