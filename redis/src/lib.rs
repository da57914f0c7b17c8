//! weftsync's `Queue`, `Lock`, `Semaphore` and `Event` across processes and machines, on a
//! Redis server: what Python programs get from `multiprocessing.managers` with an `authkey`,
//! on an engine that already exists and is trusted, instead of a home-made network server.
//!
//! - [`Client`]: one server by URL, with its password or ACL user (`redis://user:pass@host/`),
//!   TLS with the `tls` feature (`rediss://`). Clear errors for a wrong password, an
//!   unreachable server, a connection lost mid-operation ([`ErrorKind`]).
//! - [`Queue<T>`]: bounded FIFO with the four forms of `put`/`get`, `task_done`/`join`,
//!   `shutdown(immediate)`; **at-least-once** delivery: an item whose getter dies before
//!   `task_done` is redelivered after the visibility timeout.
//! - [`Lock`]: a lease (a dead holder's lock frees itself) with a fencing token.
//! - [`Semaphore`]: `n` holders, each under a lease.
//! - [`Event`]: `set` / `clear` / `wait`, the waits woken by the server.
//!
//! Every operation is one Lua script, atomic on the server. Every wait ends in a blocking server
//! call with a timeout (`BLPOP` on a wake list), never in a client-side polling loop.
//! What holds across machines and what does not (clocks, leases, partitions, fencing):
//! `docs/distributed.md` in the repository.
//!
//! ```no_run
//! use weftsync_redis::{Client, Queue};
//!
//! let client = Client::open("redis://:secret@127.0.0.1:6379/")?;
//! let tasks: Queue<u64> = Queue::open(&client, "tasks", 64)?;
//! let results: Queue<(u64, u64)> = Queue::open(&client, "results", 64)?;
//! // Master: tasks.put(n); workers, in other processes or machines:
//! while let Ok(n) = tasks.get() {
//!     results.put((n, n * n)).map_err(|e| e.into_inner()).unwrap();
//!     tasks.task_done().unwrap();
//! }
//! # Ok::<(), weftsync_redis::Error>(())
//! ```

mod client;
mod error;
mod event;
mod lock;
mod queue;
mod semaphore;

pub use client::{Client, Options};
pub use error::{
    Error, ErrorKind, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TaskDoneError,
    TryRecvError, TrySendError,
};
pub use event::Event;
pub use lock::{DEFAULT_LEASE, Lock, LockGuard};
pub use queue::{DEFAULT_VISIBILITY_TIMEOUT, Queue};
pub use semaphore::{Semaphore, SemaphorePermit};
