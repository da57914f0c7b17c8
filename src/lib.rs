//! Python's `threading`, `queue` and `multiprocessing` synchronization toolkit for Rust threads,
//! built on atomics and a futex-style wait layer, and verified by loom, shuttle, property tests,
//! fuzzing and Miri. The reviewer's pages are in [`docs`]; the overview follows.
//!
//! Features `loom` and `shuttle` run the same primitive code under those model checkers; they are
//! for this crate's own tests (see `loom-tests/README.md`). With both on, loom is used. To check
//! your own crate, use `--cfg weftsync_loom` / `--cfg weftsync_shuttle` and [`model`], never the
//! features: see [`docs::model_checking`].
//!
//! [Lock]: crate::Lock
//! [RLock]: crate::RLock
//! [Semaphore]: crate::Semaphore
//! [BoundedSemaphore]: crate::BoundedSemaphore
//! [Event]: crate::Event
//! [Condition]: crate::Condition
//! [Queue]: crate::Queue
//! [LifoQueue]: crate::LifoQueue
//! [PriorityQueue]: crate::PriorityQueue
//! [SimpleQueue]: crate::SimpleQueue
//! [select]: crate::select
//! [pipe]: crate::pipe()
//! [pipe_oneway]: crate::pipe_oneway()
//! [ThreadLocal]: crate::ThreadLocal
//! [Barrier]: crate::Barrier
//! [Timer]: crate::Timer
//! [model]: crate::model
//! [lock.md]: crate::docs::lock
//! [rlock.md]: crate::docs::rlock
//! [semaphore.md]: crate::docs::semaphore
//! [event.md]: crate::docs::event
//! [condition.md]: crate::docs::condition
//! [queue.md]: crate::docs::queue
//! [select.md]: crate::docs::select
//! [simple_queue.md]: crate::docs::simple_queue
//! [pipe.md]: crate::docs::pipe
//! [thread_local.md]: crate::docs::thread_local
//! [process]: crate::process
//! [process.md]: crate::docs::process
//! [ThreadPool]: crate::ThreadPool
//! [pool.md]: crate::docs::pool
//! [barrier.md]: crate::docs::barrier
//! [timer.md]: crate::docs::timer
//! [model-checking.md]: crate::docs::model_checking
//! [verification.md]: crate::docs::verification
//! [wait-layer.md]: crate::docs::wait_layer
//! [api.md]: crate::docs::api
//! [benchmarks.md]: crate::docs::benchmarks
#![cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/overview.md"))]
#![cfg_attr(docsrs, feature(doc_cfg))]
// docs.rs: the model-checker cfgs are internal; no item should be badged "non-weft_checker only".
#![cfg_attr(docsrs, doc(auto_cfg(hide(weft_checker, weft_loom, weft_shuttle))))]

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
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/simple_queue.md"))]
    pub mod simple_queue {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/select.md"))]
    pub mod select {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/thread_local.md"))]
    pub mod thread_local {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/process.md"))]
    pub mod process {}
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/pool.md"))]
    pub mod pool {}
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
    #[cfg_attr(not(any(feature = "loom", feature = "shuttle")), doc = include_str!("../docs/api.md"))]
    pub mod api {}
}

mod barrier;
mod channel_error;
mod condition;
mod event;
mod lock;
pub mod pipe;
pub mod pool;
pub mod process;
pub mod queue;
mod ring;
mod rlock;
pub mod select;
mod semaphore;
pub mod simple_queue;
mod slots;
mod store;
pub mod thread_local;
mod timer;

pub use barrier::*;
pub use channel_error::*;
pub use condition::*;
pub use event::*;
pub use lock::*;
pub use pipe::{Connection, PipeReceiver, PipeSender, pipe, pipe_oneway};
pub use pool::ThreadPool;
pub use queue::{LifoQueue, PriorityQueue, Queue, TaskDoneError, ZeroCapacity};
pub use rlock::*;
pub use select::Selectable;
pub use semaphore::*;
pub use simple_queue::SimpleQueue;
pub use thread_local::ThreadLocal;
pub use timer::*;
