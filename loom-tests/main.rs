//! Loom models of every primitive's promises: `cargo test --features loom`.
//! Bound and run times: loom-tests/README.md.
#![cfg(feature = "loom")]

mod barrier;
mod condition;
mod event;
mod lock;
mod pipe;
mod queue;
mod rlock;
mod semaphore;
mod thread_local;
mod timer;
