//! `cargo +nightly fuzz run select`: the harness in fuzz/harness/select.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::select::run(data));
