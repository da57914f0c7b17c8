//! The queues of Python's `queue` module, one type behind three names, and their iterators
//! [`Iter`] and [`TryIter`]:
//!
//! | weftsync | Python | a get takes |
//! |---|---|---|
//! | [`Queue<T>`] | `queue.Queue(maxsize)` | the oldest item (FIFO) |
//! | [`LifoQueue<T>`] | `queue.LifoQueue(maxsize)` | the newest item (LIFO) |
//! | [`PriorityQueue<T>`] | `queue.PriorityQueue(maxsize)` | the smallest item; equal items oldest first |
//!
//! Each is an [`OrderedQueue<T, O>`] with its [`Order`] (`Fifo`, `Lifo`, `Priority`), bounded
//! (`new(capacity)`) or unbounded (`unbounded()`, Python's `maxsize=0`), with the same puts, gets,
//! task accounting, shutdown and errors. [`SimpleQueue`](crate::SimpleQueue), Python's
//! `queue.SimpleQueue`, is a different design (a put that takes no lock) in `src/simple_queue.rs`.
//!
//! A bounded FIFO `Queue` (capacity up to `slots::MAX_SLOTS`) runs on the lock-free slots of
//! `src/slots.rs` (shared with the pipe); the other kinds, and unbounded or larger FIFO queues, on
//! the locked ring of `src/ring.rs`, whose order is one small store in `src/store.rs`. Each file
//! has its shutdown states, futex words and memory-ordering argument at the top; the reviewer's
//! page is `docs/queue.md`. State of a queue, as a user sees it:
//!
//! | state     | `put`                           | `get`                                        | `join` waits for             |
//! |-----------|---------------------------------|----------------------------------------------|------------------------------|
//! | open      | waits for room (bounded)        | waits for an item                            | every item got + marked done |
//! | shut down | `SendError(item)` at once       | takes what is left, then `RecvError`         | the same                     |
//! | immediate | `SendError(item)` at once       | `RecvError` at once (the items were dropped) | got items marked done        |
//!
//! `open → shut down → immediate`, or `open → immediate`; never back.
//!
//! Memory ordering: a `put` happens-before the `get` that returns its item (the slot's stamp, or
//! the ring's lock), and a `task_done` happens-before the `join` it lets return.

use core::fmt;
use core::iter::FusedIterator;

use crate::channel_error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::ring::{Ring, State, UNBOUNDED};
use crate::shim::{self, Duration, Instant};
use crate::slots::{Core, FifoCore};
use crate::store::Heap;

/// Which item a get takes: [`Fifo`] ([`Queue`]), [`Lifo`] ([`LifoQueue`]) or [`Priority`]
/// ([`PriorityQueue`]). Sealed: the three orders are the only ones.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::queue::{Order, OrderedQueue};
/// // Code generic over the kind of queue:
/// fn drain<T, O: Order<T>>(q: &OrderedQueue<T, O>) -> Vec<T> {
///     q.try_iter().collect()
/// }
/// let q = weftsync::LifoQueue::new(3);
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// assert_eq!(drain(&q), [2, 1]);
/// # }
/// ```
pub trait Order<T>: sealed::Sealed<T> {}

mod sealed {
    /// The store that gives the order, and the name `Debug` prints.
    pub trait Sealed<T> {
        /// The core that holds the items: the lock-free slots (or, unbounded or past
        /// `slots::MAX_SLOTS`, the locked ring) for FIFO, the locked ring for the others.
        type Core: crate::slots::Core<T>;
        const NAME: &'static str;
    }
}

/// FIFO: a get takes the oldest item. The order of [`Queue`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q: weftsync::queue::OrderedQueue<u8, weftsync::queue::Fifo> = weftsync::Queue::new(1);
/// # drop(q);
/// # }
/// ```
#[derive(Debug)]
pub enum Fifo {}

/// LIFO: a get takes the newest item. The order of [`LifoQueue`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q: weftsync::queue::OrderedQueue<u8, weftsync::queue::Lifo> = weftsync::LifoQueue::new(1);
/// # drop(q);
/// # }
/// ```
#[derive(Debug)]
pub enum Lifo {}

/// Smallest first, equal items in the order they were put: the order of [`PriorityQueue`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q: weftsync::queue::OrderedQueue<u8, weftsync::queue::Priority> =
///     weftsync::PriorityQueue::new(1);
/// # drop(q);
/// # }
/// ```
#[derive(Debug)]
pub enum Priority {}

impl<T> sealed::Sealed<T> for Fifo {
    type Core = FifoCore<T>;
    const NAME: &'static str = "Queue";
}
impl<T> Order<T> for Fifo {}

impl<T> sealed::Sealed<T> for Lifo {
    type Core = Ring<Vec<T>>;
    const NAME: &'static str = "LifoQueue";
}
impl<T> Order<T> for Lifo {}

impl<T: Ord> sealed::Sealed<T> for Priority {
    type Core = Ring<Heap<T>>;
    const NAME: &'static str = "PriorityQueue";
}
impl<T: Ord> Order<T> for Priority {}

/// The core under a queue of order `O`.
type CoreOf<T, O> = <O as sealed::Sealed<T>>::Core;

/// A queue shared by reference between producer and consumer threads: the one type behind
/// [`Queue`] (FIFO), [`LifoQueue`] and [`PriorityQueue`], which differ only in which item a get
/// takes ([`Order`]). Use it by those names; write `OrderedQueue<T, O>` only in code generic over
/// the kind of queue.
///
/// - **Bounded or not**: `new(capacity)` holds at most `capacity` items and `put` waits for room;
///   `unbounded()` (Python's `maxsize=0`) never makes `put` wait. Storage grows as items arrive,
///   up to exactly `capacity` slots for a bounded queue; an unbounded queue also gives memory
///   back as it drains (at most `max(4, 8 × len)` slots after every call).
/// - **Order**: FIFO, LIFO, or smallest first with equal items in the order their puts took
///   effect. For `Queue`, items from one producer are got in the order that producer put them.
/// - **Task accounting**: every got item counts as an unfinished task until
///   [`task_done`](OrderedQueue::task_done); [`join`](OrderedQueue::join) waits for them all.
/// - **Shutdown** with Python 3.13's meaning: see [`shutdown`](OrderedQueue::shutdown).
/// - **Errors shaped like channel errors**: [`SendError`], [`TrySendError`],
///   [`SendTimeoutError`] hand the item back; [`RecvError`], [`TryRecvError`],
///   [`RecvTimeoutError`] say why nothing was got. A blocking call's error is only ever "shut
///   down".
/// - **Nothing is lost**: every item is dropped exactly once, never while the queue's internal
///   lock is held, even when an item's `Drop` panics. The only user code that runs under the
///   lock is a `PriorityQueue` item's `Ord`: it must not use the queue, and if it panics the call
///   panics with the queue consistent and nothing lost (see [`PriorityQueue`]).
/// - **Selectable**: [`select::wait`](crate::select::wait) can wait for a get that would not
///   block on any of several queues, pipes, events and semaphores.
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
pub struct OrderedQueue<T, O: Order<T>> {
    ring: CoreOf<T, O>,
}

// SAFETY: the queue moves its items between threads and never shares one, so `T: Send` is enough
// for both. The stores of the three orders (`VecDeque<T>`, `Vec<T>`, `Heap<T>`, sealed) hold
// only `T`s and plain integers, so each is `Send` exactly when `T` is; everything else in the
// ring is atomics and a `Lock`. Written out so that code generic over `O` sees it too (the
// compiler cannot see through the associated store type there).
unsafe impl<T: Send, O: Order<T>> Send for OrderedQueue<T, O> {}
// SAFETY: see `Send`: a `&OrderedQueue` only moves items in and out whole, under the lock.
unsafe impl<T: Send, O: Order<T>> Sync for OrderedQueue<T, O> {}

/// A FIFO queue, Python's `queue.Queue(maxsize)`: a get takes the oldest item. Bounded
/// ([`new`](Queue::new)) or unbounded ([`unbounded`](Queue::unbounded), Python's `maxsize=0`).
/// All its calls are [`OrderedQueue`]'s.
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
#[doc(alias = "JoinableQueue")]
pub type Queue<T> = OrderedQueue<T, Fifo>;

/// A LIFO queue (a stack), Python's `queue.LifoQueue(maxsize)`: a get takes the newest item.
/// Bounded ([`new`](LifoQueue::new)) or unbounded ([`unbounded`](LifoQueue::unbounded)). All its
/// calls are [`OrderedQueue`]'s, with the same task accounting, shutdown and errors as [`Queue`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let stack = weftsync::LifoQueue::unbounded();
/// for page in ["home", "docs", "queue.md"] {
///     stack.put(page).unwrap();
/// }
/// assert_eq!(stack.get(), Ok("queue.md")); // back
/// assert_eq!(stack.get(), Ok("docs"));
/// # }
/// ```
pub type LifoQueue<T> = OrderedQueue<T, Lifo>;

/// A priority queue, Python's `queue.PriorityQueue(maxsize)`: a get takes the smallest item by
/// `T: Ord`, and equal items leave in the order their puts took effect (what Python's heap of
/// `(priority, count, item)` entries gives). Bounded ([`new`](PriorityQueue::new)) or unbounded
/// ([`unbounded`](PriorityQueue::unbounded)). All its calls are [`OrderedQueue`]'s, with the same
/// task accounting, shutdown and errors as [`Queue`]. Put and get take O(log n) comparisons;
/// each slot holds the item and a 64-bit sequence number.
///
/// `T::cmp` runs under the queue's internal lock, the only user code that does: it must not use
/// the queue (that would deadlock). If it panics, the call panics too and nothing is lost: a put
/// has put its item (perhaps out of order, as Python's `heappush` leaves it), a get has taken
/// nothing; the queue stays consistent and usable, and no blocked caller misses a wake. An `Ord`
/// that is not a total order (a logic error) cannot cause undefined behaviour either, only an
/// unspecified order.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::cmp::Reverse;
/// let jobs = weftsync::PriorityQueue::new(8);
/// jobs.put((2, "write docs")).unwrap();
/// jobs.put((1, "fix the bug")).unwrap();
/// jobs.put((2, "answer mail")).unwrap();
/// assert_eq!(jobs.get(), Ok((1, "fix the bug")));
/// assert_eq!(jobs.get(), Ok((2, "answer mail")), "compares the whole tuple, as Python does");
///
/// // Largest first with `Reverse`; equal priorities leave in put order (a stable priority queue).
/// let q = weftsync::PriorityQueue::unbounded();
/// for (name, priority) in [("a", 1), ("b", 5), ("c", 5)] {
///     q.put((Reverse(priority), Stable(name))).unwrap();
/// }
/// let order: Vec<_> = q.try_iter().map(|(_, Stable(n))| n).collect();
/// assert_eq!(order, ["b", "c", "a"]);
///
/// /// Equal for ordering whatever the name: ties are left to the queue's put order.
/// #[derive(Debug, Eq)]
/// struct Stable(&'static str);
/// impl PartialEq for Stable {
///     fn eq(&self, _: &Self) -> bool {
///         true
///     }
/// }
/// impl PartialOrd for Stable {
///     fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
///         Some(self.cmp(other))
///     }
/// }
/// impl Ord for Stable {
///     fn cmp(&self, _: &Self) -> std::cmp::Ordering {
///         std::cmp::Ordering::Equal
///     }
/// }
/// # }
/// ```
pub type PriorityQueue<T> = OrderedQueue<T, Priority>;

/// [`task_done`](OrderedQueue::task_done) was called more times than items were got. Python raises `ValueError`.
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

/// [`Queue::try_new`] (or a `LifoQueue`'s or `PriorityQueue`'s) was given capacity 0: such a
/// queue could never take an item. For no limit, use `unbounded()`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// assert_eq!(weftsync::Queue::<u8>::try_new(0).unwrap_err(), weftsync::ZeroCapacity);
/// # }
/// ```
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct ZeroCapacity;

impl<T> Queue<T> {
    /// Creates an empty FIFO queue holding at most `capacity` items. `const`, so it can be a
    /// `static`; nothing is allocated until the first put, and storage grows as items arrive, up
    /// to exactly `capacity` slots (kept until the queue drops).
    ///
    /// # Panics
    /// If `capacity` is 0 (for Python's `maxsize=0` use [`unbounded`](Queue::unbounded)); the
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
            "weftsync::Queue::new: capacity must be at least 1 (unbounded() has no limit)"
        );
        OrderedQueue {
            ring: FifoCore::new(capacity, true),
        }
    }

    /// Creates an empty FIFO queue holding at most `capacity` items (not `const` under the model
    /// checkers).
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[cfg(weft_checker)]
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::Queue::new: capacity must be at least 1 (unbounded() has no limit)"
        );
        OrderedQueue {
            ring: FifoCore::new(capacity, true),
        }
    }

    /// Creates an empty FIFO queue holding at most `capacity` items, or [`ZeroCapacity`] for 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::Queue;
    /// assert!(Queue::<u8>::try_new(0).is_err());
    /// assert_eq!(Queue::<u8>::try_new(3).unwrap().capacity(), Some(3));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(OrderedQueue {
            ring: FifoCore::new(capacity, true),
        })
    }

    /// Creates an empty FIFO queue, or [`ZeroCapacity`] for 0 (not `const` under the checkers).
    #[cfg(weft_checker)]
    pub fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(OrderedQueue {
            ring: FifoCore::new(capacity, true),
        })
    }

    /// Creates an empty unbounded FIFO queue, Python's `maxsize=0`: a put never waits for room
    /// ([`capacity`](OrderedQueue::capacity) is `None`, [`is_full`](OrderedQueue::is_full) is
    /// never `true`). `const`, and nothing is allocated until the first put. Storage grows as
    /// items arrive (doubling from 4 slots) and shrinks as they leave (halved whenever a get
    /// leaves the items at an eighth of the slots or fewer, never below 4): at most
    /// `max(4, 8 × len)` slots after every call.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::Queue::unbounded();
    /// for i in 0..10_000 {
    ///     q.try_put(i).unwrap(); // never Full
    /// }
    /// assert_eq!(q.capacity(), None);
    /// assert_eq!(q.get(), Ok(0));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[doc(alias = "maxsize=0")]
    pub const fn unbounded() -> Self {
        OrderedQueue {
            ring: FifoCore::new(UNBOUNDED, true),
        }
    }

    /// Creates an empty unbounded FIFO queue (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn unbounded() -> Self {
        OrderedQueue {
            ring: FifoCore::new(UNBOUNDED, true),
        }
    }
}

impl<T> LifoQueue<T> {
    /// Creates an empty LIFO queue holding at most `capacity` items. `const`, so it can be a
    /// `static`; nothing is allocated until the first put, and storage grows as items arrive, up
    /// to exactly `capacity` slots (kept until the queue drops).
    ///
    /// # Panics
    /// If `capacity` is 0 (for Python's `maxsize=0` use [`unbounded`](LifoQueue::unbounded)); the
    /// panic names the caller's line. [`try_new`](LifoQueue::try_new) returns an error instead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static UNDO: weftsync::LifoQueue<&str> = weftsync::LifoQueue::new(16);
    /// UNDO.put("type a").unwrap();
    /// UNDO.put("type b").unwrap();
    /// assert_eq!(UNDO.get(), Ok("type b"));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    #[track_caller]
    pub const fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::LifoQueue::new: capacity must be at least 1 (unbounded() has no limit)"
        );
        OrderedQueue {
            ring: Ring::new(capacity, true),
        }
    }

    /// Creates an empty LIFO queue holding at most `capacity` items (not `const` under the model
    /// checkers).
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[cfg(weft_checker)]
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::LifoQueue::new: capacity must be at least 1 (unbounded() has no limit)"
        );
        OrderedQueue {
            ring: Ring::new(capacity, true),
        }
    }

    /// Creates an empty LIFO queue holding at most `capacity` items, or [`ZeroCapacity`] for 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::LifoQueue;
    /// assert!(LifoQueue::<u8>::try_new(0).is_err());
    /// assert_eq!(LifoQueue::<u8>::try_new(3).unwrap().capacity(), Some(3));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(OrderedQueue {
            ring: Ring::new(capacity, true),
        })
    }

    /// Creates an empty LIFO queue, or [`ZeroCapacity`] for 0 (not `const` under the checkers).
    #[cfg(weft_checker)]
    pub fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(OrderedQueue {
            ring: Ring::new(capacity, true),
        })
    }

    /// Creates an empty unbounded LIFO queue, Python's `maxsize=0`: a put never waits for room
    /// ([`capacity`](OrderedQueue::capacity) is `None`, [`is_full`](OrderedQueue::is_full) is
    /// never `true`). `const`, and nothing is allocated until the first put. Storage grows as
    /// items arrive (doubling from 4 slots) and shrinks as they leave (halved whenever a get
    /// leaves the items at an eighth of the slots or fewer, never below 4): at most
    /// `max(4, 8 × len)` slots after every call.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let stack = weftsync::LifoQueue::unbounded();
    /// (0..1000).for_each(|i| stack.try_put(i).unwrap());
    /// assert_eq!(stack.get(), Ok(999));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[doc(alias = "maxsize=0")]
    pub const fn unbounded() -> Self {
        OrderedQueue {
            ring: Ring::new(UNBOUNDED, true),
        }
    }

    /// Creates an empty unbounded LIFO queue (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn unbounded() -> Self {
        OrderedQueue {
            ring: Ring::new(UNBOUNDED, true),
        }
    }
}

impl<T: Ord> PriorityQueue<T> {
    /// Creates an empty priority queue holding at most `capacity` items. `const`, so it can be a
    /// `static`; nothing is allocated until the first put, and storage grows as items arrive, up
    /// to exactly `capacity` slots (kept until the queue drops).
    ///
    /// # Panics
    /// If `capacity` is 0 (for Python's `maxsize=0` use [`unbounded`](PriorityQueue::unbounded)); the
    /// panic names the caller's line. [`try_new`](PriorityQueue::try_new) returns an error instead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static TIMERS: weftsync::PriorityQueue<u64> = weftsync::PriorityQueue::new(16);
    /// TIMERS.put(30).unwrap();
    /// TIMERS.put(10).unwrap();
    /// assert_eq!(TIMERS.get(), Ok(10));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    #[track_caller]
    pub const fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::PriorityQueue::new: capacity must be at least 1 (unbounded() has no limit)"
        );
        OrderedQueue {
            ring: Ring::new(capacity, true),
        }
    }

    /// Creates an empty priority queue holding at most `capacity` items (not `const` under the model
    /// checkers).
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[cfg(weft_checker)]
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity != 0,
            "weftsync::PriorityQueue::new: capacity must be at least 1 (unbounded() has no limit)"
        );
        OrderedQueue {
            ring: Ring::new(capacity, true),
        }
    }

    /// Creates an empty priority queue holding at most `capacity` items, or [`ZeroCapacity`] for 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::PriorityQueue;
    /// assert!(PriorityQueue::<u8>::try_new(0).is_err());
    /// assert_eq!(PriorityQueue::<u8>::try_new(3).unwrap().capacity(), Some(3));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(OrderedQueue {
            ring: Ring::new(capacity, true),
        })
    }

    /// Creates an empty priority queue, or [`ZeroCapacity`] for 0 (not `const` under the checkers).
    #[cfg(weft_checker)]
    pub fn try_new(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(OrderedQueue {
            ring: Ring::new(capacity, true),
        })
    }

    /// Creates an empty unbounded priority queue, Python's `maxsize=0`: a put never waits for room
    /// ([`capacity`](OrderedQueue::capacity) is `None`, [`is_full`](OrderedQueue::is_full) is
    /// never `true`). `const`, and nothing is allocated until the first put. Storage grows as
    /// items arrive (doubling from 4 slots) and shrinks as they leave (halved whenever a get
    /// leaves the items at an eighth of the slots or fewer, never below 4): at most
    /// `max(4, 8 × len)` slots after every call.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::PriorityQueue::unbounded();
    /// (0..1000).rev().for_each(|i| q.try_put(i).unwrap());
    /// assert_eq!(q.get(), Ok(0));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[doc(alias = "maxsize=0")]
    pub const fn unbounded() -> Self {
        OrderedQueue {
            ring: Ring::new(UNBOUNDED, true),
        }
    }

    /// Creates an empty unbounded priority queue (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn unbounded() -> Self {
        OrderedQueue {
            ring: Ring::new(UNBOUNDED, true),
        }
    }
}

impl<T, O: Order<T>> OrderedQueue<T, O> {
    /// Puts `item`, waiting for room if the queue is bounded and full. Fails only if the queue
    /// is or gets shut down, handing the item back in [`SendError`] (Python raises `ShutDown`).
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

    /// Takes the next item, waiting for one: the oldest for a [`Queue`], the newest for a
    /// [`LifoQueue`], the smallest for a [`PriorityQueue`]. After a shutdown it still returns
    /// what is left, then [`RecvError`] (Python raises `ShutDown`).
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

    /// Takes the next item if there is one right now; never blocks. [`TryRecvError::Empty`]
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
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// let _ = q.try_get();
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "get_nowait", alias = "try_recv")]
    pub fn try_get(&self) -> Result<T, TryRecvError> {
        self.ring.try_get()
    }

    /// Takes the next item, waiting at most `timeout`; [`RecvTimeoutError::Timeout`] if none
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
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// let _ = q.get_for(std::time::Duration::ZERO);
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "recv_timeout")]
    pub fn get_for(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.ring.get_until(shim::deadline_after(timeout))
    }

    /// Takes the next item, waiting until `deadline` at the latest. A deadline already past
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

    /// A blocking iterator over the items: each `next` is a [`get`](OrderedQueue::get), and the
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
    pub fn iter(&self) -> Iter<'_, T, O> {
        Iter { queue: self }
    }

    /// A non-blocking iterator over the items inside right now: each `next` is a
    /// [`try_get`](OrderedQueue::try_get), and the iteration ends at the first `Empty` or shutdown.
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
    pub fn try_iter(&self) -> TryIter<'_, T, O> {
        TryIter { queue: self }
    }

    /// Marks one got item as processed, for [`join`](OrderedQueue::join). [`TaskDoneError`] (and no
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
    /// [`task_done`](OrderedQueue::task_done) (items dropped by an immediate shutdown count as done).
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

    /// [`join`](OrderedQueue::join) without waiting: `true` if every item put has been got and marked
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
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// let _ = q.try_join();
    /// ```
    #[must_use = "`false` means some task is not done yet"]
    pub fn try_join(&self) -> bool {
        self.ring.join(Some(Instant::now()))
    }

    /// [`join`](OrderedQueue::join), waiting at most `timeout`. `true` if every task was done.
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
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let q = weftsync::Queue::<u8>::new(1);
    /// let _ = q.join_for(std::time::Duration::ZERO);
    /// ```
    #[must_use = "`false` means the time ran out with some task not done"]
    pub fn join_for(&self, timeout: Duration) -> bool {
        self.ring.join(shim::deadline_after(timeout))
    }

    /// [`join`](OrderedQueue::join), waiting until `deadline` at the latest. `true` if every task was
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
    ///   [`join`](OrderedQueue::join)), so gets fail at once;
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

    /// Whether [`shutdown`](OrderedQueue::shutdown) was called.
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

    /// Whether the queue holds `capacity` items right now (a snapshot); never for an unbounded
    /// queue.
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

    /// The most items the queue holds, or `None` for an unbounded queue (Python's `maxsize`,
    /// where 0 means unbounded; crossbeam's and flume's `capacity`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::Queue::<u8>::new(8).capacity(), Some(8));
    /// assert_eq!(weftsync::Queue::<u8>::unbounded().capacity(), None);
    /// # }
    /// ```
    #[doc(alias = "maxsize")]
    pub fn capacity(&self) -> Option<usize> {
        let capacity = self.ring.capacity();
        (capacity != UNBOUNDED).then_some(capacity)
    }

    /// The ring, for `select` (`src/select.rs`).
    pub(crate) fn ring(&self) -> &CoreOf<T, O> {
        &self.ring
    }

    /// Items put and not yet marked done: the items inside plus those got and not yet passed to
    /// [`task_done`](OrderedQueue::task_done) (Python's `unfinished_tasks`). A snapshot.
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

/// The blocking iterator of [`OrderedQueue::iter`]: yields items as
/// [`get`](OrderedQueue::get) returns them, and ends for good once the queue is shut down and
/// drained.
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
pub struct Iter<'a, T, O: Order<T> = Fifo> {
    queue: &'a OrderedQueue<T, O>,
}

/// The non-blocking iterator of [`OrderedQueue::try_iter`]: yields the items inside until the
/// first [`try_get`](OrderedQueue::try_get) that fails. Items put later may make it yield again.
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
pub struct TryIter<'a, T, O: Order<T> = Fifo> {
    queue: &'a OrderedQueue<T, O>,
}

impl<T, O: Order<T>> Iterator for Iter<'_, T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.get().ok()
    }
}

/// A shut-down, drained queue stays so: once `None`, always `None`.
impl<T, O: Order<T>> FusedIterator for Iter<'_, T, O> {}

impl<T, O: Order<T>> Iterator for TryIter<'_, T, O> {
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
impl<'a, T, O: Order<T>> IntoIterator for &'a OrderedQueue<T, O> {
    type Item = T;
    type IntoIter = Iter<'a, T, O>;

    fn into_iter(self) -> Iter<'a, T, O> {
        self.iter()
    }
}

/// Never blocks: prints the length and state if the internal lock is free, `<locked>` otherwise.
impl<T, O: Order<T>> fmt::Debug for OrderedQueue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct(<O as sealed::Sealed<T>>::NAME);
        match self.capacity() {
            Some(capacity) => d.field("capacity", &capacity),
            None => d.field("capacity", &format_args!("unbounded")),
        };
        match self.ring.snapshot() {
            Some((len, state)) => d.field("len", &len).field("state", &state),
            None => d.field("len", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Never blocks; prints no item.
impl<T, O: Order<T>> fmt::Debug for Iter<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("queue", self.queue).finish()
    }
}

/// Never blocks; prints no item.
impl<T, O: Order<T>> fmt::Debug for TryIter<'_, T, O> {
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
