//! `Queue<T>`: a bounded multi-producer multi-consumer FIFO, Python's `queue.Queue(maxsize)`.
//!
//! The ring, its shutdown states, the futex words and the memory-ordering argument live in
//! `src/ring.rs` (shared with the pipe). State of a `Queue`, as a user sees it:
//!
//! | state     | `put`                      | `get`                                   | `join` waits for            |
//! |-----------|----------------------------|-----------------------------------------|-----------------------------|
//! | open      | waits for room             | waits for an item                       | every item got + marked done |
//! | shut down | `ShutDown(item)` at once   | takes what is left, then `ShutDown`     | the same                    |
//! | immediate | `ShutDown(item)` at once   | `ShutDown` at once (the items were dropped) | got items marked done   |
//!
//! `open → shut down → immediate`, or `open → immediate`; never back.
//!
//! Memory ordering: every operation takes the ring's lock, so a `put` happens-before the `get`
//! that returns its item, and a `task_done` happens-before the `join` it lets return.

use core::fmt;

use crate::ring::{Block, Ring, State};
use crate::shim::{self, Duration, Instant};

/// A bounded FIFO queue shared by reference between producer and consumer threads, Python's
/// `queue.Queue(maxsize)`.
///
/// - **Bounded**: at most [`capacity`](Queue::capacity) items; `put` waits for room.
/// - **FIFO**: items leave in the order their puts took effect; items from one producer are got
///   in the order that producer put them.
/// - **Task accounting**: every got item counts as an unfinished task until
///   [`task_done`](Queue::task_done); [`join`](Queue::join) waits for them all.
/// - **Shutdown** with Python 3.13's meaning: see [`shutdown`](Queue::shutdown).
/// - **Nothing is lost**: a failed put hands the item back in its [`PutError`]; every item is
///   dropped exactly once, never while the queue's internal lock is held.
/// - Used by reference: share it with `Arc` or scoped threads. No poisoning; no spurious
///   returns from the blocking calls.
///
/// Promises, state table and the tests behind them: `docs/queue.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::Queue;
///
/// let q = Queue::new(2);
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         for i in 0..5 {
///             q.put(i).unwrap();
///         }
///     });
///     let got: Vec<i32> = (0..5).map(|_| q.get().unwrap()).collect();
///     assert_eq!(got, [0, 1, 2, 3, 4]);
/// });
/// # }
/// ```
pub struct Queue<T> {
    ring: Ring<T>,
}

/// Why a put failed; each variant hands the item back.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{PutError, Queue};
/// let q = Queue::new(1);
/// q.put("a").unwrap();
/// let err = q.try_put("b").unwrap_err();
/// assert!(matches!(err, PutError::Full("b")));
/// assert_eq!(err.into_inner(), "b");
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
#[doc(alias = "Full")]
pub enum PutError<T> {
    /// The queue was full and the call does not wait (`try_put`).
    Full(T),
    /// The queue stayed full until the timeout or deadline passed.
    Timeout(T),
    /// The queue was shut down; no put succeeds afterwards.
    ShutDown(T),
}

/// Why a get failed. The queue keeps nothing back: there is no item to return.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{GetError, Queue};
/// let q: Queue<u8> = Queue::new(1);
/// assert_eq!(q.try_get(), Err(GetError::Empty));
/// q.shutdown(false);
/// assert_eq!(q.try_get(), Err(GetError::ShutDown));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
#[doc(alias = "Empty")]
pub enum GetError {
    /// The queue was empty and the call does not wait (`try_get`).
    Empty,
    /// The queue stayed empty until the timeout or deadline passed.
    Timeout,
    /// The queue was shut down and holds nothing more to get.
    ShutDown,
}

/// [`Queue::task_done`] was called more times than items were got. Python raises `ValueError`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q: weftsync::Queue<u8> = weftsync::Queue::new(1);
/// assert_eq!(q.task_done(), Err(weftsync::TaskDoneError));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct TaskDoneError;

/// [`Queue::try_new`] was given capacity 0: such a queue could never take an item.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// assert_eq!(weftsync::Queue::<u8>::try_new(0).unwrap_err(), weftsync::ZeroCapacity);
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct ZeroCapacity;

impl<T> Queue<T> {
    /// Creates an empty queue holding at most `capacity` items. `const`, so a `Queue` can be a
    /// `static`; nothing is allocated until the first put, and storage grows as items arrive,
    /// up to exactly `capacity` slots (kept until the queue drops).
    ///
    /// # Panics
    /// If `capacity` is 0 (Python's "unbounded" has no counterpart: use a large capacity).
    /// [`try_new`](Queue::try_new) returns an error instead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static JOBS: weftsync::Queue<u32> = weftsync::Queue::new(16);
    /// JOBS.put(7).unwrap();
    /// assert_eq!(JOBS.get(), Ok(7));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    pub const fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::Queue::new: capacity must be at least 1"
        );
        Queue {
            ring: Ring::new(capacity, true),
        }
    }

    /// Creates an empty queue holding at most `capacity` items (not `const` under the model
    /// checkers).
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[cfg(weft_checker)]
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::Queue::new: capacity must be at least 1"
        );
        Queue {
            ring: Ring::new(capacity, true),
        }
    }

    /// Creates an empty queue holding at most `capacity` items, or [`ZeroCapacity`] for 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::Queue;
    /// assert!(Queue::<u8>::try_new(0).is_err());
    /// assert_eq!(Queue::<u8>::try_new(3).unwrap().capacity(), 3);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(Queue {
            ring: Ring::new(capacity, true),
        })
    }

    /// Creates an empty queue, or [`ZeroCapacity`] for 0 (not `const` under the checkers).
    #[cfg(weft_checker)]
    pub fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(Queue {
            ring: Ring::new(capacity, true),
        })
    }

    /// Puts `item` at the back, waiting for room. Fails only with [`PutError::ShutDown`],
    /// handing the item back, if the queue is or gets shut down.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// q.put(1).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.put(2), Err(weftsync::PutError::ShutDown(2)));
    /// # }
    /// ```
    #[inline]
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.ring.put(item, Block::Until(None))
    }

    /// Puts `item` if there is room right now; never blocks. [`PutError::Full`] otherwise.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// assert!(q.try_put(1).is_ok());
    /// assert_eq!(q.try_put(2), Err(weftsync::PutError::Full(2)));
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "put_nowait")]
    pub fn try_put(&self, item: T) -> Result<(), PutError<T>> {
        self.ring.put(item, Block::No)
    }

    /// Puts `item`, waiting at most `timeout` for room; [`PutError::Timeout`] if none came.
    /// `Duration::ZERO` is one try; a timeout too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let q = weftsync::Queue::new(1);
    /// q.put('a').unwrap();
    /// let err = q.put_for('b', Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err, weftsync::PutError::Timeout('b'));
    /// # }
    /// ```
    #[inline]
    pub fn put_for(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.ring
            .put(item, Block::Until(shim::deadline_after(timeout)))
    }

    /// Puts `item`, waiting until `deadline` at the latest for room. A deadline already past is
    /// one try.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let q = weftsync::Queue::new(1);
    /// assert!(q.put_until(1, Instant::now() + Duration::from_secs(1)).is_ok());
    /// # }
    /// ```
    #[inline]
    pub fn put_until(&self, item: T, deadline: Instant) -> Result<(), PutError<T>> {
        self.ring.put(item, Block::Until(Some(deadline)))
    }

    /// Takes the oldest item, waiting for one. After a shutdown it still returns what is left,
    /// then [`GetError::ShutDown`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(2);
    /// q.put("x").unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.get(), Ok("x"));
    /// assert_eq!(q.get(), Err(weftsync::GetError::ShutDown));
    /// # }
    /// ```
    #[inline]
    pub fn get(&self) -> Result<T, GetError> {
        self.ring.get(Block::Until(None))
    }

    /// Takes the oldest item if there is one right now; never blocks. [`GetError::Empty`]
    /// otherwise (or [`GetError::ShutDown`] if the queue is shut down and empty).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// assert_eq!(q.try_get(), Err(weftsync::GetError::Empty));
    /// q.put(3).unwrap();
    /// assert_eq!(q.try_get(), Ok(3));
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "get_nowait")]
    pub fn try_get(&self) -> Result<T, GetError> {
        self.ring.get(Block::No)
    }

    /// Takes the oldest item, waiting at most `timeout`; [`GetError::Timeout`] if none came.
    /// `Duration::ZERO` is one try; a timeout too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let q: weftsync::Queue<u8> = weftsync::Queue::new(1);
    /// assert_eq!(q.get_for(Duration::from_millis(1)), Err(weftsync::GetError::Timeout));
    /// # }
    /// ```
    #[inline]
    pub fn get_for(&self, timeout: Duration) -> Result<T, GetError> {
        self.ring.get(Block::Until(shim::deadline_after(timeout)))
    }

    /// Takes the oldest item, waiting until `deadline` at the latest. A deadline already past
    /// is one try.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// let q = weftsync::Queue::new(1);
    /// q.put(9).unwrap();
    /// assert_eq!(q.get_until(Instant::now()), Ok(9));
    /// # }
    /// ```
    #[inline]
    pub fn get_until(&self, deadline: Instant) -> Result<T, GetError> {
        self.ring.get(Block::Until(Some(deadline)))
    }

    /// Marks one got item as processed, for [`join`](Queue::join). [`TaskDoneError`] (and no
    /// change) if every got item is already marked: Python raises `ValueError` there.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// q.put(()).unwrap();
    /// q.get().unwrap();
    /// assert_eq!(q.task_done(), Ok(()));
    /// assert_eq!(q.task_done(), Err(weftsync::TaskDoneError));
    /// # }
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        if self.ring.task_done() {
            Ok(())
        } else {
            Err(TaskDoneError)
        }
    }

    /// Waits until every item put has been got and marked done with
    /// [`task_done`](Queue::task_done) (items dropped by an immediate shutdown count as done).
    /// Returns at once if there is nothing unfinished. A shutdown does not end the wait by
    /// itself, as in Python.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(4);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         while let Ok(_job) = q.get() {
    ///             q.task_done().unwrap();
    ///         }
    ///     });
    ///     for job in 0..10 {
    ///         q.put(job).unwrap();
    ///     }
    ///     q.join();
    ///     assert!(q.is_empty());
    ///     q.shutdown(false); // lets the worker's get fail, ending it
    /// });
    /// # }
    /// ```
    pub fn join(&self) {
        self.ring.join(None);
    }

    /// [`join`](Queue::join), waiting at most `timeout`. `true` if every task was done.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let q = weftsync::Queue::new(1);
    /// q.put(1).unwrap();
    /// assert!(!q.join_for(Duration::from_millis(1)), "an item is still inside");
    /// q.get().unwrap();
    /// q.task_done().unwrap();
    /// assert!(q.join_for(Duration::ZERO));
    /// # }
    /// ```
    pub fn join_for(&self, timeout: Duration) -> bool {
        self.ring.join(shim::deadline_after(timeout))
    }

    /// [`join`](Queue::join), waiting until `deadline` at the latest. `true` if every task was
    /// done.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q: weftsync::Queue<u8> = weftsync::Queue::new(1);
    /// assert!(q.join_until(std::time::Instant::now()));
    /// # }
    /// ```
    pub fn join_until(&self, deadline: Instant) -> bool {
        self.ring.join(Some(deadline))
    }

    /// Shuts the queue down, with Python 3.13's meaning:
    /// - afterwards every put fails with [`PutError::ShutDown`], handing the item back;
    /// - gets return what is left, then fail with [`GetError::ShutDown`];
    /// - with `immediate`, what is left is dropped instead (each counted as done for
    ///   [`join`](Queue::join)), so gets fail at once;
    /// - every blocked caller wakes at once and re-checks (a joiner keeps waiting for got items
    ///   not yet marked done).
    ///
    /// Shutting down twice is fine; a plain shutdown may be upgraded to an immediate one, never
    /// the reverse. The dropped items are dropped by this call, outside the queue's lock.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{GetError, Queue};
    /// let q = Queue::new(4);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.get(), Ok(1));
    /// q.shutdown(true); // upgrade: 2 is dropped
    /// assert_eq!(q.get(), Err(GetError::ShutDown));
    /// q.task_done().unwrap(); // for item 1
    /// assert!(q.join_for(std::time::Duration::ZERO), "the dropped item counts as done");
    /// # }
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        self.ring.shutdown(immediate);
    }

    /// Whether [`shutdown`](Queue::shutdown) was called.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q: weftsync::Queue<u8> = weftsync::Queue::new(1);
    /// assert!(!q.is_shutdown());
    /// q.shutdown(false);
    /// assert!(q.is_shutdown());
    /// # }
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.ring.state() != State::Open
    }

    /// Number of items inside right now. Only a snapshot: it may change at once.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(3);
    /// q.put(1).unwrap();
    /// assert_eq!(q.len(), 1);
    /// # }
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether the queue holds no item right now (a snapshot).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q: weftsync::Queue<u8> = weftsync::Queue::new(3);
    /// assert!(q.is_empty());
    /// # }
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.ring.len() == 0
    }

    /// Whether the queue holds `capacity` items right now (a snapshot).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// q.put(1).unwrap();
    /// assert!(q.is_full());
    /// # }
    /// ```
    #[doc(alias = "full")]
    pub fn is_full(&self) -> bool {
        self.ring.len() >= self.ring.capacity()
    }

    /// The most items the queue holds (Python's `maxsize`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::Queue::<u8>::new(8).capacity(), 8);
    /// # }
    /// ```
    #[doc(alias = "maxsize")]
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// Items put and not yet marked done: the items inside plus those got and not yet passed to
    /// [`task_done`](Queue::task_done) (Python's `unfinished_tasks`). A snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(2);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// q.get().unwrap();
    /// assert_eq!(q.unfinished_tasks(), 2);
    /// # }
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.ring.unfinished()
    }
}

/// Never blocks: prints the length and state if the internal lock is free, `<locked>` otherwise.
impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Queue");
        d.field("capacity", &self.ring.capacity());
        match self.ring.snapshot() {
            Some((len, state)) => d.field("len", &len).field("state", &state),
            None => d.field("len", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<T> PutError<T> {
    /// The item the failed put hands back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// q.shutdown(false);
    /// assert_eq!(q.put(String::from("kept")).unwrap_err().into_inner(), "kept");
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(t) | PutError::Timeout(t) | PutError::ShutDown(t) => t,
        }
    }

    /// Whether the put failed because the queue is shut down.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(weftsync::PutError::ShutDown(1).is_shutdown());
    /// assert!(!weftsync::PutError::Full(1).is_shutdown());
    /// # }
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self, PutError::ShutDown(_))
    }
}

/// Prints the variant without the item, so any `T` can be unwrapped.
impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "Full(..)",
            PutError::Timeout(_) => "Timeout(..)",
            PutError::ShutDown(_) => "ShutDown(..)",
        })
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "put on a full queue",
            PutError::Timeout(_) => "timed out waiting for room in the queue",
            PutError::ShutDown(_) => "put on a shut-down queue",
        })
    }
}

impl<T> std::error::Error for PutError<T> {}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetError::Empty => "get on an empty queue",
            GetError::Timeout => "timed out waiting for an item",
            GetError::ShutDown => "get on a shut-down, empty queue",
        })
    }
}

impl std::error::Error for GetError {}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were got")
    }
}

impl std::error::Error for TaskDoneError {}

impl fmt::Display for ZeroCapacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a queue's capacity must be at least 1")
    }
}

impl std::error::Error for ZeroCapacity {}
