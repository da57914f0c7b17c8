//! Fuzz harnesses: each `run(&[u8])` decodes an operation script for 1–4 threads, runs it on real
//! threads against a primitive, and checks the result against a model. Shared by the cargo-fuzz
//! targets in `fuzz/fuzz_targets/` and by `tests/std/fuzz_corpus.rs`, which replays
//! `fuzz/corpus/<target>/` (and a few hundred generated inputs) in plain `cargo test`.
#![allow(dead_code)]

pub mod script;

pub mod barrier;
pub mod condition;
pub mod event;
pub mod lock;
pub mod pipe;
pub mod pool;
pub mod process_queue;
pub mod queue;
pub mod queue_orders;
pub mod rlock;
pub mod select;
pub mod semaphore;
pub mod simple_queue;
pub mod thread_local;
pub mod timer;
