//! Python's `multiprocessing`: the same primitives between processes, in shared memory, and
//! surviving a killed holder.
//!
//! - [`Region`]: memory a parent creates and the children it starts map; primitives and plain
//!   data are placed in it by name and found by name and type.
//! - [`Builder`] / [`Child`]: start a child running an entry point of this same program (Python's
//!   "spawn" start method) with the region attached; join it (four forms), read its exit status,
//!   kill it. [`entry`] tells a process which entry point it was started for.
//! - Primitives with the in-process API shape, woken across processes (the futex without its
//!   private flag): [`Lock`], [`RLock`], [`Semaphore`], [`BoundedSemaphore`], [`Event`],
//!   [`Condition`], [`Barrier`], [`Value`], [`Array`], and byte-message [`Queue`] and [`Pipe`]
//!   (typed messages through [`Plain`], or `Serde` with the `serde` feature).
//! - **A holder that dies** (kill -9) never leaves the others blocked: a lock held by a dead
//!   thread or process passes to the next waiter within one slice (10 ms) with an "owner died"
//!   flag on its guard; permits a dead process held go back to the semaphore; a waiter that died
//!   inside a `Condition` wait gives up its notification; a dead process's pipe end reads as
//!   closed.
//!
//! Linux only: on other targets [`Region::create`] and [`Builder::spawn`] return an
//! "unsupported" error (the primitives still work between threads in ordinary memory).
//! Design, promises, limits and the tests behind them: `docs/process.md`.
//!
//! ```no_run
//! use weftsync::process::{self, Builder, Region, Value};
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     if process::entry().as_deref() == Some("adder") {
//!         let region = Region::attach()?;
//!         let total = region.find::<Value<u64>>("total")?;
//!         for _ in 0..1000 {
//!             *total.get_lock().lock() += 1;
//!         }
//!         return Ok(());
//!     }
//!     let region = Region::create(4096)?;
//!     let total = region.place("total", Value::new(0u64))?;
//!     let children: Vec<_> = (0..4)
//!         .map(|_| Builder::new("adder").region(&region).spawn())
//!         .collect::<Result<_, _>>()?;
//!     for c in children {
//!         assert!(c.join()?.success());
//!     }
//!     assert_eq!(total.load(), 4000);
//!     Ok(())
//! }
//! ```

mod barrier;
mod channel;
mod condition;
mod event;
mod lock;
mod robust;
mod semaphore;
// Regions exist under the checkers too, so code using them compiles there (downstream crates
// built with `--cfg weftsync_loom`), but cannot be created: the checkers' atomics are not plain
// memory (the primitives run in their models in ordinary memory instead).
mod array;
mod region;
mod spawn;

pub use array::{Array, ArrayGuard};
pub use barrier::Barrier;
#[cfg(feature = "serde")]
pub use channel::Serde;
pub use channel::{
    CodecError, Connection, Decode, Encode, End, FrameError, OpenError, Pipe, Plain, Queue,
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TooLarge, TryRecvError, TrySendError,
};
pub use condition::Condition;
pub use event::Event;
pub use lock::{Lock, LockGuard, RLock, RLockGuard, Value};
pub use region::{NAME_MAX, Placeable, Region, RegionError};
pub use semaphore::{BoundedSemaphore, ReleaseError, Semaphore, SemaphorePermit};
pub use spawn::{Builder, Child, entry};

/// Under the model checkers: the calling modelled thread "is killed" (kill -9). It is marked
/// dead, every waiter watching for deaths ends its slice, and the thread should return at once,
/// leaving what it holds held (`mem::forget` its guards first). For this crate's models
/// (`loom-tests/process.rs`); not part of the API.
#[cfg(weft_checker)]
#[doc(hidden)]
pub fn __simulate_death() {
    crate::shim::owner::simulate_death();
}

use region::sealed::Sealed;

// The process primitives that may be placed in a region, with plain-data contents. Every one is
// `#[repr(C)]`, made of atomics (and the plain data), and valid with all fields as written by
// `new` in another process.
mod placeable {
    use super::*;
    impl<T: bytemuck::AnyBitPattern + Send> Sealed for Lock<T> {}
    impl<T: bytemuck::AnyBitPattern + Send> Placeable for Lock<T> {}
    impl<T: bytemuck::AnyBitPattern + Send + Sync> Sealed for RLock<T> {}
    impl<T: bytemuck::AnyBitPattern + Send + Sync> Placeable for RLock<T> {}
    impl<T: bytemuck::AnyBitPattern + Send> Sealed for Value<T> {}
    impl<T: bytemuck::AnyBitPattern + Send> Placeable for Value<T> {}
    impl Sealed for Semaphore {}
    impl Placeable for Semaphore {}
    impl Sealed for BoundedSemaphore {}
    impl Placeable for BoundedSemaphore {}
    impl Sealed for Event {}
    impl Placeable for Event {}
    impl Sealed for Condition {}
    impl Placeable for Condition {}
    impl Sealed for Barrier {}
    impl Placeable for Barrier {}
}
