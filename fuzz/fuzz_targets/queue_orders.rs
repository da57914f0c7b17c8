//! `cargo +nightly fuzz run queue_orders`: the harness in fuzz/harness/queue_orders.rs.
#![no_main]

#[path = "../harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::queue_orders::run(data));
