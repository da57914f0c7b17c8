//! `cargo +nightly fuzz run simple_queue`: the harness in fuzz/harness/simple_queue.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::simple_queue::run(data));
