//! [`Queue<T>`]: a bounded multi-producer multi-consumer FIFO, Python's `queue.Queue(maxsize)`,
//! and its iterators [`Iter`] and [`TryIter`].
//!
//! The ring under it, its shutdown states, the futex words and the memory-ordering argument are
//! in `src/ring.rs` (shared with the pipe); the reviewer's page is `docs/queue.md`. State of a
//! `Queue`, as a user sees it:
//!
//! | state     | `put`                           | `get`                                        | `join` waits for             |
//! |-----------|---------------------------------|----------------------------------------------|------------------------------|
//! | open      | waits for room                  | waits for an item                            | every item got + marked done |
//! | shut down | `SendError(item)` at once       | takes what is left, then `RecvError`         | the same                     |
//! | immediate | `SendError(item)` at once       | `RecvError` at once (the items were dropped) | got items marked done        |
//!
//! `open → shut down → immediate`, or `open → immediate`; never back.
//!
//! Memory ordering: every operation takes the ring's lock, so a `put` happens-before the `get`
//! that returns its item, and a `task_done` happens-before the `join` it lets return.

use core::fmt;
use core::iter::FusedIterator;

use crate::channel_error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::ring::{Ring, State};
use crate::shim::{self, Duration, Instant};

/// A bounded FIFO queue shared by reference between producer and consumer threads, Python's
/// `queue.Queue(maxsize)`.
///
/// - **Bounded**: at most [`capacity`](Queue::capacity) items; `put` waits for room. Storage
///   grows as items arrive, up to exactly `capacity` slots.
/// - **FIFO**: items leave in the order their puts took effect; items from one producer are got
///   in the order that producer put them.
/// - **Task accounting**: every got item counts as an unfinished task until
///   [`task_done`](Queue::task_done); [`join`](Queue::join) waits for them all.
/// - **Shutdown** with Python 3.13's meaning: see [`shutdown`](Queue::shutdown).
/// - **Errors shaped like channel errors**: [`SendError`], [`TrySendError`],
///   [`SendTimeoutError`] hand the item back; [`RecvError`], [`TryRecvError`],
///   [`RecvTimeoutError`] say why nothing was got. A blocking call's error is only ever "shut
///   down".
/// - **Nothing is lost**: every item is dropped exactly once, never while the queue's internal
///   lock is held, even when an item's `Drop` panics.
/// - Used by reference: share it with `Arc` or scoped threads. No poisoning; no spurious
///   returns from the blocking calls. `UnwindSafe` and `RefUnwindSafe` whatever `T` is.
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
///         q.shutdown(false); // the consumer's iteration ends once it has taken all five
///     });
///     let got: Vec<i32> = q.iter().collect();
///     assert_eq!(got, [0, 1, 2, 3, 4]);
/// });
/// # }
/// ```
pub struct Queue<T> {
    ring: Ring<T>,
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
#[doc(alias = "ValueError")]
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
    /// If `capacity` is 0 (Python's "unbounded" has no counterpart: use a large capacity); the
    /// panic names the caller's line. [`try_new`](Queue::try_new) returns an error instead.
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
    #[track_caller]
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
    #[track_caller]
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

    /// Puts `item` at the back, waiting for room. Fails only if the queue is or gets shut down,
    /// handing the item back in [`SendError`] (Python raises `ShutDown`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// q.put(1).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.put(2), Err(weftsync::SendError(2)));
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "send")]
    pub fn put(&self, item: T) -> Result<(), SendError<T>> {
        self.ring.put_blocking(item)
    }

    /// Puts `item` if there is room right now; never blocks. [`TrySendError::Full`] if there is
    /// none, [`TrySendError::Disconnected`] if the queue is shut down; both hand the item back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// assert!(q.try_put(1).is_ok());
    /// assert_eq!(q.try_put(2), Err(weftsync::TrySendError::Full(2)));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the item is handed back in the error if the put did not happen"]
    #[doc(alias = "put_nowait", alias = "try_send")]
    pub fn try_put(&self, item: T) -> Result<(), TrySendError<T>> {
        self.ring.try_put(item)
    }

    /// Puts `item`, waiting at most `timeout` for room; [`SendTimeoutError::Timeout`] hands it
    /// back if none came (Python's `put(item, timeout=t)`). `Duration::ZERO` is one try that
    /// leaves the queue untouched; a timeout too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let q = weftsync::Queue::new(1);
    /// q.put('a').unwrap();
    /// let err = q.put_for('b', Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(err, weftsync::SendTimeoutError::Timeout('b'));
    /// # }
    /// ```
    #[inline]
    #[must_use = "the item is handed back in the error if the put did not happen"]
    #[doc(alias = "send_timeout")]
    pub fn put_for(&self, item: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.ring.put_until(item, shim::deadline_after(timeout))
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
    #[must_use = "the item is handed back in the error if the put did not happen"]
    #[doc(alias = "send_deadline")]
    pub fn put_until(&self, item: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.ring.put_until(item, Some(deadline))
    }

    /// Takes the oldest item, waiting for one. After a shutdown it still returns what is left,
    /// then [`RecvError`] (Python raises `ShutDown`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(2);
    /// q.put("x").unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.get(), Ok("x"));
    /// assert_eq!(q.get(), Err(weftsync::RecvError));
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "recv")]
    pub fn get(&self) -> Result<T, RecvError> {
        self.ring.get_blocking()
    }

    /// Takes the oldest item if there is one right now; never blocks. [`TryRecvError::Empty`]
    /// otherwise, or [`TryRecvError::Disconnected`] if the queue is shut down and empty.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// assert_eq!(q.try_get(), Err(weftsync::TryRecvError::Empty));
    /// q.put(3).unwrap();
    /// assert_eq!(q.try_get(), Ok(3));
    /// # }
    /// ```
    ///
    /// Ignoring the result is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// q.try_get();
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "get_nowait", alias = "try_recv")]
    pub fn try_get(&self) -> Result<T, TryRecvError> {
        self.ring.try_get()
    }

    /// Takes the oldest item, waiting at most `timeout`; [`RecvTimeoutError::Timeout`] if none
    /// came (Python's `get(timeout=t)`). `Duration::ZERO` is one try that leaves the queue
    /// untouched; a timeout too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let q: weftsync::Queue<u8> = weftsync::Queue::new(1);
    /// assert_eq!(q.get_for(Duration::from_millis(1)), Err(weftsync::RecvTimeoutError::Timeout));
    /// # }
    /// ```
    ///
    /// Ignoring the result is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// q.get_for(std::time::Duration::ZERO);
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "recv_timeout")]
    pub fn get_for(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.ring.get_until(shim::deadline_after(timeout))
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
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "recv_deadline")]
    pub fn get_until(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.ring.get_until(Some(deadline))
    }

    /// A blocking iterator over the items: each `next` is a [`get`](Queue::get), and the
    /// iteration ends once the queue is shut down and drained (Python's `while True: q.get()`
    /// loop ended by `ShutDown`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(4);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.iter().collect::<Vec<_>>(), [1, 2]);
    /// # }
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { queue: self }
    }

    /// A non-blocking iterator over the items inside right now: each `next` is a
    /// [`try_get`](Queue::try_get), and the iteration ends at the first `Empty` or shutdown.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(4);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// assert_eq!(q.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// assert!(q.is_empty(), "the queue stays open; the iteration only took what was there");
    /// # }
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { queue: self }
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
    ///         for _job in &q {
    ///             q.task_done().unwrap();
    ///         }
    ///     });
    ///     for job in 0..10 {
    ///         q.put(job).unwrap();
    ///     }
    ///     q.join();
    ///     assert!(q.is_empty());
    ///     q.shutdown(false); // ends the worker's iteration
    /// });
    /// # }
    /// ```
    pub fn join(&self) {
        self.ring.join(None);
    }

    /// [`join`](Queue::join) without waiting: `true` if every item put has been got and marked
    /// done right now. Exactly one look.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::new(1);
    /// assert!(q.try_join());
    /// q.put(1).unwrap();
    /// assert!(!q.try_join(), "an item is still inside");
    /// # }
    /// ```
    ///
    /// Ignoring the answer is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// q.try_join();
    /// ```
    #[must_use = "`false` means some task is not done yet"]
    pub fn try_join(&self) -> bool {
        self.ring.join(Some(Instant::now()))
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
    ///
    /// Ignoring the answer is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// q.join_for(std::time::Duration::ZERO);
    /// ```
    #[must_use = "`false` means the time ran out with some task not done"]
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
    #[must_use = "`false` means the deadline passed with some task not done"]
    pub fn join_until(&self, deadline: Instant) -> bool {
        self.ring.join(Some(deadline))
    }

    /// Shuts the queue down, with Python 3.13's meaning:
    /// - afterwards every put fails with [`SendError`] (or `Disconnected`), handing the item
    ///   back;
    /// - gets return what is left, then fail with [`RecvError`] (or `Disconnected`);
    /// - with `immediate`, what is left is dropped instead (each counted as done for
    ///   [`join`](Queue::join)), so gets fail at once;
    /// - every blocked caller wakes at once and re-checks (a joiner keeps waiting for got items
    ///   not yet marked done).
    ///
    /// Shutting down twice is fine; a plain shutdown may be upgraded to an immediate one, never
    /// the reverse. The dropped items are dropped by this call, outside the queue's lock and
    /// after every blocked caller was woken. If an item's `Drop` panics, the other items are
    /// still dropped (each once), the queue is already shut down and consistent, and the panic
    /// continues from this call.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{Queue, RecvError};
    /// let q = Queue::new(4);
    /// q.put(1).unwrap();
    /// q.put(2).unwrap();
    /// q.shutdown(false);
    /// assert_eq!(q.get(), Ok(1));
    /// q.shutdown(true); // upgrade: 2 is dropped
    /// assert_eq!(q.get(), Err(RecvError));
    /// q.task_done().unwrap(); // for item 1
    /// assert!(q.try_join(), "the dropped item counts as done");
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

/// The blocking iterator of [`Queue::iter`]: yields items as [`get`](Queue::get) returns them,
/// and ends for good once the queue is shut down and drained.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q = weftsync::Queue::new(2);
/// q.put('a').unwrap();
/// q.shutdown(false);
/// let mut it: weftsync::queue::Iter<'_, char> = q.iter();
/// assert_eq!(it.next(), Some('a'));
/// assert_eq!(it.next(), None);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T> {
    queue: &'a Queue<T>,
}

/// The non-blocking iterator of [`Queue::try_iter`]: yields the items inside until the first
/// [`try_get`](Queue::try_get) that fails. Items put later may make it yield again.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q = weftsync::Queue::new(2);
/// let mut it: weftsync::queue::TryIter<'_, u8> = q.try_iter();
/// assert_eq!(it.next(), None);
/// q.put(1).unwrap();
/// assert_eq!(it.next(), Some(1));
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<'a, T> {
    queue: &'a Queue<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.get().ok()
    }
}

/// A shut-down, drained queue stays so: once `None`, always `None`.
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_get().ok()
    }
}

/// `for item in &queue` gets items until the queue is shut down and drained.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q = weftsync::Queue::new(2);
/// q.put(1).unwrap();
/// q.shutdown(false);
/// for item in &q {
///     assert_eq!(item, 1);
/// }
/// # }
/// ```
impl<'a, T> IntoIterator for &'a Queue<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
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

/// Never blocks; prints no item.
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("queue", self.queue).finish()
    }
}

/// Never blocks; prints no item.
impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter")
            .field("queue", self.queue)
            .finish()
    }
}

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
