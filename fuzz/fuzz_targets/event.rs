//! `cargo +nightly fuzz run event`: the harness in fuzz/harness/event.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::event::run(data));
