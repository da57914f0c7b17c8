//! Python's `threading`, `queue` and `multiprocessing` synchronization toolkit for Rust threads,
//! built on atomics and a futex-style wait layer, and verified by loom, shuttle, property tests,
//! fuzzing and Miri. The reviewer's pages are in [`docs`]; the overview follows.
//!
//! Features `loom` and `shuttle` run the same primitive code under those model checkers; they are
//! for testing (see `loom-tests/README.md` and [`model`]). With both on, loom is used.
//!
#![cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/overview.md"))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod shim;

pub mod model;

/// The reviewer's pages from `docs/`: promises, state tables, happens-before edges, and the check
/// behind each promise. Their examples run as doctests (compiled out under the checker features,
/// where the primitives only work inside a model).
#[cfg_attr(any(feature = "loom", feature = "shuttle"), allow(missing_docs))]
pub mod docs {
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/wait-layer.md"))]
    pub mod wait_layer {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/lock.md"))]
    pub mod lock {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/rlock.md"))]
    pub mod rlock {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/semaphore.md"))]
    pub mod semaphore {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/event.md"))]
    pub mod event {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/condition.md"))]
    pub mod condition {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/queue.md"))]
    pub mod queue {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/pipe.md"))]
    pub mod pipe {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/thread_local.md"))]
    pub mod thread_local {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/barrier.md"))]
    pub mod barrier {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/timer.md"))]
    pub mod timer {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/model-checking.md"))]
    pub mod model_checking {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/verification.md"))]
    pub mod verification {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/benchmarks.md"))]
    pub mod benchmarks {}
}

mod barrier;
mod condition;
mod event;
mod lock;
mod pipe;
mod queue;
mod ring;
mod rlock;
mod semaphore;
mod thread_local;
mod timer;

pub use barrier::*;
pub use condition::*;
pub use event::*;
pub use lock::*;
pub use pipe::*;
pub use queue::*;
pub use rlock::*;
pub use semaphore::*;
pub use thread_local::*;
pub use timer::*;
