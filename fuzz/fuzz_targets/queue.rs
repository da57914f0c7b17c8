//! `cargo +nightly fuzz run queue`: the harness in fuzz/harness/queue.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::queue::run(data));
