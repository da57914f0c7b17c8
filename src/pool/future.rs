//! `Future<T>`: the handle to one submitted task's outcome, Python's `concurrent.futures.Future`.
//!
//! Every future has one `Shared<T>`, held by the `Future` handle and by the job that runs the
//! task. Its `state` word says who owns the outcome slot:
//!
//! | `state`      | meaning                                                | `done()` | moved on by            |
//! |--------------|--------------------------------------------------------|----------|------------------------|
//! | `PENDING`    | queued; nobody has claimed it                          | false    | a worker's claim, a cancel |
//! | `RUNNING`    | a worker claimed it: the task, then its callbacks, run | false    | that worker            |
//! | `CANCELLING` | a canceller claimed it: its callbacks run              | false    | that canceller         |
//! | `FINISHED`   | the outcome (value or panic) is in the slot; done      | true     | nobody (final)         |
//! | `CANCELLED`  | the slot holds `Cancelled`; done                       | true     | nobody (final)         |
//!
//! Transitions: `PENDING → RUNNING` (a worker's compare-exchange) or `PENDING → CANCELLING`
//! (`cancel`'s compare-exchange, or the job being dropped unrun): exactly one of the two wins, so
//! a cancelled task never runs and a running one is never cancelled. The winner is the
//! *completer*: it alone writes the slot, runs the callbacks registered so far, then stores the
//! final state and sets the `done` Event, both under the `hooks` lock, in the step that closes
//! `hooks` to new registrations.
//!
//! Invariants:
//! - The slot is written once, by the completer, before `hooks` closes; after that only the
//!   holder of the `Future` reads or takes it. Callbacks that run on the completer borrow it
//!   before `done` is set, so nobody can take the value while a callback reads it. `Future` is
//!   not `Sync`, so no two threads read the slot at once.
//! - A callback or listener is registered under `hooks` while it is open, or finds it closed:
//!   then the future is done, and the registrant runs the callback itself (or counts the future
//!   done). Each callback runs exactly once, each listener hears exactly once.
//!
//! Memory ordering: the slot is published by the `hooks` Lock (the completer writes it before
//! taking the lock; a registrant that finds `hooks` closed reads it after taking the lock) and by
//! the `done` Event (set after the write; `wait`/`is_set` are Acquire). The state word decides
//! ownership only; the claim and cancel compare-exchanges publish nothing, so they are Relaxed;
//! the final store is Release and `cancelled()`/`running()` read it with Acquire only to order
//! what they report after what the caller saw before.

use core::any::Any;
use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use core::mem;
use std::panic::{AssertUnwindSafe, RefUnwindSafe, UnwindSafe, catch_unwind};

use crate::event::Event;
use crate::lock::Lock;
use crate::queue::Queue;
use crate::shim::{
    Arc, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell,
};

pub(crate) const PENDING: u32 = 0;
pub(crate) const RUNNING: u32 = 1;
pub(crate) const CANCELLING: u32 = 2;
pub(crate) const FINISHED: u32 = 3;
pub(crate) const CANCELLED: u32 = 4;

/// A callback waiting for its future: runs once, with the outcome borrowed.
type Callback<T> = Box<dyn FnOnce(Result<&T, &ResultError>) + Send + 'static>;

/// What a completing future tells a waiter registered by [`wait`](super::wait) or
/// [`as_completed`](super::as_completed): which of its futures, and whether it panicked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Note {
    pub(crate) index: usize,
    pub(crate) panicked: bool,
}

/// A waiter's queue: one [`Queue`] per `wait` / `as_completed` call, with room for one note per
/// registration, so the completer's put never finds it full.
pub(crate) type Listener = Arc<Queue<Note>>;

/// What waits for the future to complete, under `Shared::hooks`.
struct Hooks<T> {
    /// Set once, by the completer, when the future is done: no registration after it.
    closed: bool,
    callbacks: Vec<Callback<T>>,
    listeners: Vec<(Listener, usize)>,
}

/// The state one future's handle and its job share.
pub(crate) struct Shared<T> {
    state: AtomicU32,
    /// Set when the outcome is published; `result()` and its timed forms wait on it.
    done: Event,
    /// The outcome: written once by the completer, then taken by the `Future`'s holder.
    slot: UnsafeCell<Option<Result<T, ResultError>>>,
    hooks: Lock<Hooks<T>>,
}

/// The slot is handed over, never shared: the completer writes it and lends it to callbacks on
/// its own thread before `done`; then only the single `Future` holder touches it. So moving the
/// `T` between threads is all that happens: `T: Send` is enough.
// SAFETY: every access to `slot` is ordered by the hooks Lock or the done Event (module docs),
// and at most one thread accesses it at a time; callbacks and listeners are `Send`.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above; the `T` inside moves between threads, which `T: Send` allows.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Shared<T> {
    pub(crate) fn new() -> Self {
        Shared {
            state: AtomicU32::new(PENDING),
            done: Event::new(),
            slot: UnsafeCell::new(None),
            hooks: Lock::new(Hooks {
                closed: false,
                callbacks: Vec::new(),
                listeners: Vec::new(),
            }),
        }
    }

    /// A worker's claim: `PENDING → RUNNING`. `false` if a cancel won.
    pub(crate) fn claim(&self) -> bool {
        // Relaxed: the compare-exchange only decides who completes; the task and its inputs were
        // published to this worker by the job queue's lock.
        self.state
            .compare_exchange(PENDING, RUNNING, Relaxed, Relaxed)
            .is_ok()
    }

    /// `PENDING → CANCELLING`, then completes as cancelled on this thread. `true` if the future
    /// is cancelled (by this call or an earlier one), `false` if it started or finished.
    pub(crate) fn cancel(&self) -> bool {
        // Relaxed: as in `claim`; the outcome is published by `complete`.
        match self
            .state
            .compare_exchange(PENDING, CANCELLING, Relaxed, Relaxed)
        {
            Ok(_) => {
                self.complete(Err(ResultError::Cancelled), CANCELLED);
                true
            }
            Err(now) => now == CANCELLING || now == CANCELLED,
        }
    }

    /// The completer's part: stores the outcome, runs the callbacks registered so far (here,
    /// catching their panics), then publishes `done` and tells every listener.
    pub(crate) fn complete(&self, outcome: Result<T, ResultError>, final_state: u32) {
        let panicked = matches!(outcome, Err(ResultError::Panicked(_)));
        // SAFETY: this thread won the claim or cancel compare-exchange, so it is the only writer;
        // nobody reads the slot before `hooks` closes or `done` is set, both after this write.
        self.slot.with_mut(|p| unsafe { *p = Some(outcome) });
        let mut hooks = self.hooks.lock();
        // Callbacks added while earlier ones run land in the list again: loop until it is empty,
        // so each runs here exactly once and none is left behind when `hooks` closes.
        while !hooks.callbacks.is_empty() {
            let callbacks = mem::take(&mut hooks.callbacks);
            drop(hooks);
            for callback in callbacks {
                let view = self.outcome_ref();
                // A panicking callback is caught (the panic hook has reported it); the others
                // still run, and the future completes as if it had returned.
                let _ = catch_unwind(AssertUnwindSafe(move || callback(view)));
            }
            hooks = self.hooks.lock();
        }
        hooks.closed = true;
        let listeners = mem::take(&mut hooks.listeners);
        // Release: a thread that reads the final state sees the slot written (its `done()` check
        // is the Event, which is Release/Acquire as well).
        self.state.store(final_state, Release);
        self.done.set();
        drop(hooks);
        for (queue, index) in listeners {
            // Never full: each registration has a slot of its own. Never shut down.
            let put = queue.try_put(Note { index, panicked });
            debug_assert!(put.is_ok(), "a listener's queue has room for every note");
        }
    }

    /// Borrows the outcome.
    ///
    /// Only for the completer before `done` is set, or the `Future` holder after it.
    fn outcome_ref(&self) -> Result<&T, &ResultError> {
        // SAFETY: the slot was written by the completer before this call (both callers come after
        // the write, ordered by the hooks Lock or program order); nobody writes it again, and
        // the value is taken only by the `Future` holder, which cannot do so while it lends the
        // future out (`&self`) or while callbacks still run (`done` not yet set).
        let slot = self.slot.with(|p| unsafe { &*p });
        slot.as_ref()
            .expect("a completed future's slot holds its outcome")
            .as_ref()
    }

    /// Takes the outcome: only for the `Future` holder, once `done` was seen set.
    fn take(&self) -> Result<T, ResultError> {
        // SAFETY: `done` was seen set (Acquire), so the completer's write and every callback's
        // borrow happened before; the holder is the only thread left that touches the slot, and
        // it takes it once (the handle is consumed).
        self.slot
            .with_mut(|p| unsafe { (*p).take() })
            .expect("a done future's outcome is taken once")
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done.is_set()
    }

    /// Whether a done future's outcome is a panic; for the `Future` holder.
    pub(crate) fn panicked(&self) -> bool {
        self.is_done() && matches!(self.outcome_ref(), Err(ResultError::Panicked(_)))
    }

    fn state(&self) -> u32 {
        // Acquire: pairs with the completer's Release store of the final state.
        self.state.load(Acquire)
    }

    /// Registers `callback` while the future is not done; hands it back if it is.
    fn add_callback(&self, callback: Callback<T>) -> Option<Callback<T>> {
        let mut hooks = self.hooks.lock();
        if hooks.closed {
            Some(callback)
        } else {
            hooks.callbacks.push(callback);
            None
        }
    }

    /// Registers a waiter's queue under `index`; `false` if the future is already done (then no
    /// note will come: the caller counts it done itself).
    pub(crate) fn listen(&self, queue: &Listener, index: usize) -> bool {
        let mut hooks = self.hooks.lock();
        if hooks.closed {
            return false;
        }
        hooks.listeners.push((Arc::clone(queue), index));
        true
    }

    /// Removes every registration of `queue` (a waiter that stops waiting).
    pub(crate) fn unlisten(&self, queue: &Listener) {
        let mut hooks = self.hooks.lock();
        hooks.listeners.retain(|(q, _)| !Arc::ptr_eq(q, queue));
    }
}

/// The handle to a submitted task's outcome, Python's `concurrent.futures.Future`.
///
/// [`ThreadPool::submit`](super::ThreadPool::submit) returns one. Like `std::thread::JoinHandle`,
/// the value is taken out with [`result`](Future::result), which consumes the handle; the timed
/// forms hand it back in their error when the time runs out, so a timeout leaves the future
/// usable.
///
/// - **Exactly once**: the task runs once, or is cancelled and never runs: never both.
///   [`cancel`](Future::cancel) succeeds only while no worker has started it.
/// - **A panic is captured**: a task that panics completes its future with
///   [`ResultError::Panicked`] holding the payload (Python's `exception()`); the worker survives.
/// - **No lost wake-up**: a thread blocked in `result`, [`wait`](super::wait) or
///   [`as_completed`](super::as_completed) is woken by the future completing; a timed wait that
///   gives up just then leaves the future usable.
/// - **Callbacks** ([`add_done_callback`](Future::add_done_callback)) run exactly once, with the
///   outcome borrowed, before the future reads as done.
/// - Dropping a `Future` does not cancel the task (as dropping a `JoinHandle` does not stop a
///   thread); the outcome is dropped when the task ends. Call `cancel` first to cancel.
/// - `Send` when `T` is; not `Sync`: the outcome is handed over, never shared.
///
/// Promises, state table and the tests behind them: `docs/pool.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::ThreadPool;
///
/// let pool = ThreadPool::new(2);
/// let future = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(future.result().unwrap(), 42);
///
/// let failing = pool.submit(|| -> u8 { panic!("boom") }).unwrap();
/// assert!(failing.result().unwrap_err().is_panicked()); // the worker survives
/// # }
/// ```
pub struct Future<T> {
    shared: Arc<Shared<T>>,
    /// `Send` but not `Sync`: see the type's docs.
    _not_sync: PhantomData<Cell<()>>,
}

/// No operation on a future leaves it half-changed when a panic unwinds through it (a callback
/// that panics on the caller's thread runs after every change is made), so it is unwind safe, as
/// the channel ends are.
impl<T> UnwindSafe for Future<T> {}
impl<T> RefUnwindSafe for Future<T> {}

impl<T> Future<T> {
    pub(crate) fn from_shared(shared: Arc<Shared<T>>) -> Self {
        Future {
            shared,
            _not_sync: PhantomData,
        }
    }

    pub(crate) fn shared(&self) -> &Shared<T> {
        &self.shared
    }

    /// Waits for the task to finish and returns its value. `Err` if it panicked
    /// ([`ResultError::Panicked`], with the payload) or was cancelled.
    ///
    /// Waiting for a task of the same pool from inside one of its tasks can deadlock when every
    /// worker does so (as in Python).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// let f = pool.submit(|| String::from("done")).unwrap();
    /// assert_eq!(f.result().unwrap(), "done");
    /// # }
    /// ```
    #[doc(alias = "exception")]
    #[doc(alias = "join")]
    pub fn result(self) -> Result<T, ResultError> {
        self.shared.done.wait();
        self.shared.take()
    }

    /// The outcome if the future is done right now; never blocks. Hands the future back in
    /// [`TryResultError::NotDone`] otherwise.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::pool::TryResultError;
    /// let pool = weftsync::ThreadPool::new(1);
    /// let gate = std::sync::Arc::new(weftsync::Event::new());
    /// let g = std::sync::Arc::clone(&gate);
    /// let f = pool.submit(move || g.wait()).unwrap();
    /// let f = match f.try_result() {
    ///     Err(TryResultError::NotDone(f)) => f, // the task waits for the gate
    ///     other => panic!("{other:?}"),
    /// };
    /// gate.set();
    /// f.result().unwrap();
    /// # }
    /// ```
    pub fn try_result(self) -> Result<T, TryResultError<T>> {
        if self.shared.is_done() {
            self.shared.take().map_err(TryResultError::from)
        } else {
            Err(TryResultError::NotDone(self))
        }
    }

    /// Waits at most `timeout` for the outcome. On timeout the future comes back in
    /// [`ResultTimeoutError::Timeout`], unchanged. `Duration::ZERO` is one check; a timeout too
    /// large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::pool::ResultTimeoutError;
    /// let pool = weftsync::ThreadPool::new(1);
    /// let gate = std::sync::Arc::new(weftsync::Event::new());
    /// let g = std::sync::Arc::clone(&gate);
    /// let f = pool.submit(move || { g.wait(); 5 }).unwrap();
    /// let f = match f.result_for(Duration::from_millis(10)) {
    ///     Err(ResultTimeoutError::Timeout(f)) => f, // still usable
    ///     other => panic!("{other:?}"),
    /// };
    /// gate.set();
    /// assert_eq!(f.result_for(Duration::from_secs(60)).unwrap(), 5);
    /// # }
    /// ```
    #[doc(alias = "result_timeout")]
    pub fn result_for(self, timeout: Duration) -> Result<T, ResultTimeoutError<T>> {
        if self.shared.done.wait_for(timeout) {
            self.shared.take().map_err(ResultTimeoutError::from)
        } else {
            Err(ResultTimeoutError::Timeout(self))
        }
    }

    /// Waits until `deadline` at the latest for the outcome; a deadline already past is one
    /// check. On timeout the future comes back in [`ResultTimeoutError::Timeout`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let pool = weftsync::ThreadPool::new(1);
    /// let f = pool.submit(|| 1).unwrap();
    /// assert_eq!(f.result_until(Instant::now() + Duration::from_secs(60)).unwrap(), 1);
    /// # }
    /// ```
    #[doc(alias = "result_deadline")]
    pub fn result_until(self, deadline: Instant) -> Result<T, ResultTimeoutError<T>> {
        if self.shared.done.wait_until(deadline) {
            self.shared.take().map_err(ResultTimeoutError::from)
        } else {
            Err(ResultTimeoutError::Timeout(self))
        }
    }

    /// Whether the future is done: it finished (returned or panicked) or was cancelled, and its
    /// callbacks registered before that have run. A snapshot; `true` stays true.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// let f = pool.submit(|| ()).unwrap();
    /// while !f.done() {
    ///     std::thread::yield_now();
    /// }
    /// assert!(f.try_result().is_ok());
    /// # }
    /// ```
    #[must_use]
    pub fn done(&self) -> bool {
        self.shared.is_done()
    }

    /// Whether a worker is running the task (or, after it, its callbacks) right now. A snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// let f = pool.submit(|| ()).unwrap();
    /// let _ = f.cancel(); // may or may not win against the worker
    /// assert!(!f.running() || !f.cancelled());
    /// # }
    /// ```
    #[must_use]
    pub fn running(&self) -> bool {
        self.shared.state() == RUNNING
    }

    /// Whether the future was cancelled: its task never ran and never will. `done()` follows
    /// once the cancelling thread has run the callbacks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// let f = pool.submit(|| ()).unwrap();
    /// assert_eq!(f.cancel(), f.cancelled());
    /// # }
    /// ```
    #[must_use]
    pub fn cancelled(&self) -> bool {
        matches!(self.shared.state(), CANCELLING | CANCELLED)
    }

    /// Cancels the task if no worker has started it: then it never runs, the future completes
    /// as [`ResultError::Cancelled`], and the callbacks run on this thread before `cancel`
    /// returns. Returns `true` if the future is cancelled (now or before), `false` if the task
    /// started or finished. Of a `cancel` and a worker picking the task up, exactly one wins.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{Event, ThreadPool};
    /// let pool = ThreadPool::new(1);
    /// let gate = Arc::new(Event::new());
    /// let g = Arc::clone(&gate);
    /// let busy = pool.submit(move || g.wait()).unwrap(); // occupies the only worker...
    /// let queued = pool.submit(|| unreachable!("a cancelled task never runs")).unwrap();
    /// // ...so `queued` has not started, unless `busy` is still queued behind nothing:
    /// assert!(queued.cancel());
    /// assert!(queued.cancelled() && queued.done());
    /// gate.set();
    /// busy.result().unwrap();
    /// # }
    /// ```
    #[must_use = "`false` means the task started or finished: it was not cancelled"]
    pub fn cancel(&self) -> bool {
        self.shared.cancel()
    }

    /// Runs `callback` once the future is done, with its outcome borrowed (`Ok(&value)`, or the
    /// error [`result`](Future::result) would return). Runs exactly once:
    ///
    /// - **already done**: at once, on this thread, before `add_done_callback` returns; a panic
    ///   in it propagates to this caller, and the future is unchanged;
    /// - **otherwise**: on the thread that completes the future (the worker that ran the task,
    ///   or the thread whose `cancel` or `shutdown(cancel_futures)` cancelled it), before the
    ///   future reads as done; a panic there is caught (the panic hook reports it), and the other
    ///   callbacks still run.
    ///
    /// Callbacks run in the order they were added (those added while earlier ones run, after
    /// them). A slow callback delays `done()` and `result()`: it borrows the value they hand out.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// let pool = weftsync::ThreadPool::new(1);
    /// let seen = Arc::new(AtomicU64::new(0));
    /// let f = pool.submit(|| 7u64).unwrap();
    /// let s = Arc::clone(&seen);
    /// f.add_done_callback(move |outcome| s.store(*outcome.unwrap(), Ordering::Relaxed));
    /// assert_eq!(f.result().unwrap(), 7);
    /// assert_eq!(seen.load(Ordering::Relaxed), 7, "the callback ran before result returned");
    /// # }
    /// ```
    pub fn add_done_callback<F>(&self, callback: F)
    where
        F: FnOnce(Result<&T, &ResultError>) + Send + 'static,
    {
        if let Some(callback) = self.shared.add_callback(Box::new(callback)) {
            callback(self.shared.outcome_ref());
        }
    }
}

impl<T> AsRef<Future<T>> for Future<T> {
    fn as_ref(&self) -> &Future<T> {
        self
    }
}

/// A keyed future, for [`wait`](super::wait) and [`as_completed`](super::as_completed): the key
/// travels with the future (Python's `{future: url}` dictionary).
impl<K, T> AsRef<Future<T>> for (K, Future<T>) {
    fn as_ref(&self) -> &Future<T> {
        &self.1
    }
}

/// Never blocks: prints the state.
impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.shared.state() {
            PENDING => "pending",
            RUNNING => "running",
            CANCELLING | CANCELLED => "cancelled",
            _ => "finished",
        };
        f.debug_struct("Future")
            .field("state", &state)
            .field("done", &self.done())
            .finish_non_exhaustive()
    }
}

/// Why a future holds no value: the task was cancelled, or it panicked.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::ResultError;
/// let pool = weftsync::ThreadPool::new(1);
/// let f = pool.submit(|| -> () { panic!("no") }).unwrap();
/// match f.result() {
///     Err(ResultError::Panicked(payload)) => assert_eq!(*payload.downcast::<&str>().unwrap(), "no"),
///     other => panic!("{other:?}"),
/// }
/// # }
/// ```
#[doc(alias = "CancelledError")]
pub enum ResultError {
    /// The task was cancelled before it started ([`Future::cancel`], or
    /// [`ThreadPool::shutdown`](super::ThreadPool::shutdown) with `cancel_futures`); it never ran.
    Cancelled,
    /// The task panicked; the payload is what `std::thread::JoinHandle::join` would return, and
    /// `std::panic::resume_unwind` re-raises it.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl ResultError {
    /// Whether the task was cancelled.
    ///
    /// ```
    /// assert!(weftsync::pool::ResultError::Cancelled.is_cancelled());
    /// ```
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ResultError::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// ```
    /// use weftsync::pool::ResultError;
    /// assert!(ResultError::Panicked(Box::new("x")).is_panicked());
    /// ```
    #[must_use]
    pub fn is_panicked(&self) -> bool {
        matches!(self, ResultError::Panicked(_))
    }

    /// The panic payload, if the task panicked.
    ///
    /// ```
    /// use weftsync::pool::ResultError;
    /// let p = ResultError::Panicked(Box::new(3u8)).into_panic().unwrap();
    /// assert_eq!(*p.downcast::<u8>().unwrap(), 3);
    /// ```
    pub fn into_panic(self) -> Option<Box<dyn Any + Send + 'static>> {
        match self {
            ResultError::Panicked(p) => Some(p),
            ResultError::Cancelled => None,
        }
    }
}

/// The panic's message, when the payload is a string (as `panic!("…")` makes).
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// Prints `Cancelled` or `Panicked("message")` (`Panicked(..)` for a payload that is not a
/// string).
impl fmt::Debug for ResultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultError::Cancelled => f.write_str("Cancelled"),
            ResultError::Panicked(p) => match panic_message(&**p) {
                Some(m) => f.debug_tuple("Panicked").field(&m).finish(),
                None => f.write_str("Panicked(..)"),
            },
        }
    }
}

impl fmt::Display for ResultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultError::Cancelled => f.write_str("the task was cancelled"),
            ResultError::Panicked(p) => match panic_message(&**p) {
                Some(m) => write!(f, "the task panicked: {m}"),
                None => f.write_str("the task panicked"),
            },
        }
    }
}

impl std::error::Error for ResultError {}

/// Why [`Future::try_result`] returned no value; `NotDone` hands the future back.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::TryResultError;
/// let pool = weftsync::ThreadPool::new(1);
/// let mut f = pool.submit(|| 1).unwrap();
/// let value = loop {
///     match f.try_result() {
///         Ok(v) => break v,
///         Err(TryResultError::NotDone(back)) => {
///             f = back;
///             std::thread::yield_now();
///         }
///         Err(e) => panic!("{e}"),
///     }
/// };
/// assert_eq!(value, 1);
/// # }
/// ```
pub enum TryResultError<T> {
    /// The future is not done yet; here it is back, unchanged.
    NotDone(Future<T>),
    /// The task was cancelled.
    Cancelled,
    /// The task panicked; the payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

/// Why a timed [`Future::result_for`] / [`result_until`](Future::result_until) returned no value;
/// `Timeout` hands the future back, unchanged.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::pool::ResultTimeoutError;
/// let pool = weftsync::ThreadPool::new(1);
/// let f = pool.submit(|| 2).unwrap();
/// match f.result_for(Duration::from_secs(60)) {
///     Ok(v) => assert_eq!(v, 2),
///     Err(ResultTimeoutError::Timeout(_still_usable)) => unreachable!("60 s is plenty"),
///     Err(e) => panic!("{e}"),
/// }
/// # }
/// ```
pub enum ResultTimeoutError<T> {
    /// The time ran out first; here is the future back, unchanged.
    Timeout(Future<T>),
    /// The task was cancelled.
    Cancelled,
    /// The task panicked; the payload.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl<T> From<ResultError> for TryResultError<T> {
    fn from(e: ResultError) -> Self {
        match e {
            ResultError::Cancelled => TryResultError::Cancelled,
            ResultError::Panicked(p) => TryResultError::Panicked(p),
        }
    }
}

impl<T> From<ResultError> for ResultTimeoutError<T> {
    fn from(e: ResultError) -> Self {
        match e {
            ResultError::Cancelled => ResultTimeoutError::Cancelled,
            ResultError::Panicked(p) => ResultTimeoutError::Panicked(p),
        }
    }
}

impl<T> TryResultError<T> {
    /// The future handed back, if it was not done.
    ///
    /// ```
    /// use weftsync::pool::TryResultError;
    /// assert!(TryResultError::<u8>::Cancelled.into_future().is_none());
    /// ```
    pub fn into_future(self) -> Option<Future<T>> {
        match self {
            TryResultError::NotDone(f) => Some(f),
            _ => None,
        }
    }
}

impl<T> ResultTimeoutError<T> {
    /// The future handed back, if the time ran out.
    ///
    /// ```
    /// use weftsync::pool::ResultTimeoutError;
    /// assert!(ResultTimeoutError::<u8>::Cancelled.into_future().is_none());
    /// ```
    pub fn into_future(self) -> Option<Future<T>> {
        match self {
            ResultTimeoutError::Timeout(f) => Some(f),
            _ => None,
        }
    }

    /// Whether the time ran out (the future is inside, still usable).
    ///
    /// ```
    /// use weftsync::pool::ResultTimeoutError;
    /// assert!(!ResultTimeoutError::<u8>::Cancelled.is_timeout());
    /// ```
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, ResultTimeoutError::Timeout(_))
    }
}

/// Prints the variant without the future (`NotDone(..)`), so any `T` can be unwrapped.
impl<T> fmt::Debug for TryResultError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryResultError::NotDone(_) => f.write_str("NotDone(..)"),
            TryResultError::Cancelled => fmt::Debug::fmt(&ResultError::Cancelled, f),
            TryResultError::Panicked(p) => debug_panicked(&**p, f),
        }
    }
}

/// Prints the variant without the future (`Timeout(..)`), so any `T` can be unwrapped.
impl<T> fmt::Debug for ResultTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            ResultTimeoutError::Cancelled => fmt::Debug::fmt(&ResultError::Cancelled, f),
            ResultTimeoutError::Panicked(p) => debug_panicked(&**p, f),
        }
    }
}

fn debug_panicked(p: &(dyn Any + Send), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match panic_message(p) {
        Some(m) => f.debug_tuple("Panicked").field(&m).finish(),
        None => f.write_str("Panicked(..)"),
    }
}

fn display_panicked(p: &(dyn Any + Send), f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match panic_message(p) {
        Some(m) => write!(f, "the task panicked: {m}"),
        None => f.write_str("the task panicked"),
    }
}

impl<T> fmt::Display for TryResultError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryResultError::NotDone(_) => f.write_str("the future is not done yet"),
            TryResultError::Cancelled => f.write_str("the task was cancelled"),
            TryResultError::Panicked(p) => display_panicked(&**p, f),
        }
    }
}

impl<T> fmt::Display for ResultTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResultTimeoutError::Timeout(_) => f.write_str("timed out waiting for the future"),
            ResultTimeoutError::Cancelled => f.write_str("the task was cancelled"),
            ResultTimeoutError::Panicked(p) => display_panicked(&**p, f),
        }
    }
}

impl<T> std::error::Error for TryResultError<T> {}
impl<T> std::error::Error for ResultTimeoutError<T> {}

/// Ignoring whether a Future call happened does not compile under `#![deny(unused_must_use)]`: each
/// `compile_fail` block below is paired with a `no_run` block that differs only in using the
/// result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// fut.try_result(); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// let _ = fut.try_result(); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// fut.result_for(std::time::Duration::ZERO); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// let _ = fut.result_for(std::time::Duration::ZERO); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// fut.result_until(std::time::Instant::now()); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// let _ = fut.result_until(std::time::Instant::now()); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// fut.cancel(); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(fut: weftsync::pool::Future<u8>) {
/// let _ = fut.cancel(); }
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
