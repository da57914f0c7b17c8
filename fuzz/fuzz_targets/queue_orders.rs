//! `cargo +nightly fuzz run queue_orders`: the harness in tests/fuzz_harness/queue_orders.rs.
#![no_main]

#[path = "../../tests/fuzz_harness/mod.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::queue_orders::run(data));
