//! Shuttle scenarios, random and PCT schedulers: `cargo test --features shuttle`.
//! With `loom` also on, the library runs on loom and these tests are compiled out.
#![cfg(all(feature = "shuttle", not(feature = "loom")))]

mod barrier;
mod condition;
mod event;
mod lock;
mod pipe;
mod pool;
mod process;
mod queue;
mod queue_orders;
mod rlock;
mod select;
mod semaphore;
mod simple_queue;
mod thread_local;
mod timer;

// Every test runs its body through `isolated` (`tests/support/isolated.rs`), in a child process
// of its own: a scenario that finds a bug fails as itself, by name, even when the bug aborts the
// process, and the other scenarios still run.
#[path = "../tests/support/isolated.rs"]
mod isolated;
use isolated::isolated;
