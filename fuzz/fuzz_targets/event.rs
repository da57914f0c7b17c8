//! `cargo +nightly fuzz run event`: the harness in tests/fuzz_harness/event.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::event::run(data));
