//! Shuttle scenarios, random and PCT schedulers: `cargo test --features shuttle`.
//! With `loom` also on, the library runs on loom and these tests are compiled out.
#![cfg(all(feature = "shuttle", not(feature = "loom")))]

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
