//! `cargo +nightly fuzz run select`: the harness in tests/fuzz_harness/select.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::select::run(data));
