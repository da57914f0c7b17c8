//! `Condition`: a condition variable for weftsync's `Lock` and `RLock`, Python's
//! `threading.Condition(lock)`.
//!
//! The Condition is one pointer-sized word, `state`: the head of a FIFO queue of waiters, tagged
//! in its two low bits with the queue lock and its "parked" flag.
//!
//! | `state`                     | meaning                                                       |
//! |-----------------------------|---------------------------------------------------------------|
//! | null                        | no waiter, queue unlocked (the notify fast path)              |
//! | `head`                      | waiters queued, `head` the oldest; queue unlocked             |
//! | `head \| LOCKED`            | a thread edits the queue (`head` may be null)                 |
//! | `head \| LOCKED \| PARKED`  | ... and another thread sleeps (or is about to) until it ends  |
//!
//! Queue-lock transitions: unlocked → LOCKED (compare-exchange); LOCKED → LOCKED | PARKED (a
//! contender that spun its budget, after reading the Condition's park epoch); LOCKED [| PARKED]
//! → unlocked (swap; if PARKED was set, bump the park epoch and wake every sleeper on it).
//! `PARKED` is never set without `LOCKED`.
//!
//! Each waiter is a node on its own stack, linked into a circular doubly linked list (the head's
//! `prev` is the tail), with its own futex word:
//!
//! | node `word` | meaning                                                    | who moves it on   |
//! |-------------|------------------------------------------------------------|-------------------|
//! | WAITING     | queued; the waiter is awake (spinning before it sleeps)    | waiter, notifier  |
//! | SLEEPING    | queued; the waiter may be asleep on `word`                 | notifier only     |
//! | NOTIFIED    | popped by a notifier that will still store DONE; node in use | that notifier   |
//! | DONE        | popped; the notifier has let go: the waiter may return     | nobody            |
//!
//! Transitions: WAITING→SLEEPING (waiter, before sleeping); WAITING→DONE (notifier, under the
//! queue lock: nothing to wake); SLEEPING→NOTIFIED (notifier, under the queue lock) then
//! NOTIFIED→DONE (same notifier, after releasing the queue lock), and only then a wake *by
//! address* (`shim::wake_one_at`), since the waiter may already have seen DONE and freed the node.
//! A timed-out waiter takes the queue lock and unlinks itself only if its word is still WAITING
//! or SLEEPING.
//!
//! Invariants:
//! - A node is in the queue exactly when its word is WAITING or SLEEPING, judged under the queue
//!   lock. Only a queue-lock holder pops a node, and it changes the word while still holding the
//!   lock, so a timed-out waiter can tell "still queued" (it timed out) from "popped" (it was
//!   notified, and the notify counted it): a timeout never swallows a notify.
//! - A notifier touches a popped node only until it stores DONE, and the waiter never returns
//!   before it reads DONE: a node never outlives its use. The wake that follows DONE uses only
//!   the address, which the wait layer allows to be freed (`docs/wait-layer.md`).
//! - Every queued node names the same lock (checked on enqueue, panics otherwise).
//!
//! Every loop that waits ends in a sleep on a word its awaited party wakes:
//! - the waiter's sleep, on its node word (SLEEPING), woken by its notifier after DONE;
//! - `await_done`, on its node word (NOTIFIED), woken by the same wake after DONE;
//! - the queue lock's contenders, on the Condition's park epoch (`shim::epoch_word`), woken by
//!   the unlock that finds PARKED;
//! - re-taking the user's lock, in `Lock`'s own loop on its word.
//!
//! Memory ordering: the queue lock is taken with an Acquire compare-exchange and released with an
//! AcqRel swap, so every link written under it is seen by the next holder. A contender reads the
//! park epoch, then sets PARKED with a Release read-modify-write; the unlock swap that clears the
//! bit reads that write or a later read-modify-write (every write to `state` is one, so they form
//! a release sequence) and is Acquire, so the contender's epoch read happens-before the unlock's
//! bump: the contender cannot have read the bumped epoch, and sleeps on a stale value only if the
//! bump already happened (then the wait returns at once) or will wake it. DONE is stored with
//! Release and read with Acquire, so a notifier's last accesses to a node happen-before the waiter
//! frees it. The protected data is ordered by the user's lock, not by the Condition: a waiter
//! re-locks before it returns. Wait and wake order nothing by themselves.

use core::fmt;
use core::ptr;

use crate::lock::LockGuard;
use crate::rlock::RLockGuard;
use crate::shim::{
    self, AtomicPtr, AtomicU32, Duration, Instant,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
    UnsafeCell,
};

/// Bit 0 of `state`: the queue lock.
const QUEUE_LOCKED: usize = 1;
/// Bit 1 of `state`: a contender for the queue lock sleeps (or is about to) on the park epoch.
const QUEUE_PARKED: usize = 2;
/// Both tag bits. Nodes are aligned past them, so the tag never overlaps an address bit.
const TAG: usize = QUEUE_LOCKED | QUEUE_PARKED;
const _: () = assert!(align_of::<Waiter>() > TAG);

const WAITING: u32 = 0;
const SLEEPING: u32 = 1;
const NOTIFIED: u32 = 2;
const DONE: u32 = 3;

/// A condition variable for a [`Lock`](crate::Lock) or an [`RLock`](crate::RLock): threads
/// wait, releasing the lock, until another thread notifies them. Python's
/// `threading.Condition(lock)`.
///
/// The waits take the guard by `&mut` (parking_lot style): the lock is released while the thread
/// sleeps and is held again when the call returns, and the guard stays the caller's. Any guard
/// that implements [`CondGuard`] works: a [`LockGuard`], or an [`RLockGuard`] (Python's default
/// `Condition()` wraps an RLock), whose lock is released at its full depth and re-taken at the
/// same depth.
///
/// - **No spurious wake-ups**: a wait returns only after a notify or its timeout. A notify that
///   finds nobody waiting is not kept for later waiters.
/// - **Exact counts**: [`notify`](Self::notify) says how many waiters it woke, and each of them
///   reports "notified", even one whose timeout ran out at the same moment. A waiter that reports
///   a timeout was not counted by any notify.
/// - **FIFO**: a notify picks the longest-waiting threads first.
/// - **Notifying does not need the lock** (as with `std` and parking_lot; Python requires it).
///   The *state change* a waiter tests must still be made under the lock, or the waiter may test
///   it, miss it, and sleep through the notify.
/// - **One lock at a time**: waiting with one lock while other threads wait on the same
///   Condition with another panics, as in parking_lot.
/// - **Every wait sleeps**: no loop spins or yields without bound, so a real-time waiter and
///   its normal-priority notifier on one CPU hand over in microseconds.
/// - A zero timeout or a past deadline releases and re-takes the lock once and reports a
///   timeout; it never joins the queue. Re-locking after a wake is not bounded by the timeout: a
///   timed wait returns when it has the lock back, however long that takes (as everywhere else).
///
/// One word (8 bytes on 64-bit targets); waiters live on their own stacks.
/// Promises, state table and the tests behind them: `docs/condition.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::Arc;
/// use weftsync::{Condition, Lock};
///
/// let pair = Arc::new((Lock::new(false), Condition::new()));
/// let pair2 = Arc::clone(&pair);
/// std::thread::spawn(move || {
///     let (lock, cond) = &*pair2;
///     *lock.lock() = true;
///     cond.notify_one();
/// });
/// let (lock, cond) = &*pair;
/// let mut ready = lock.lock();
/// cond.wait_while(&mut ready, |ready| !*ready);
/// assert!(*ready);
/// # }
/// ```
#[doc(alias = "Condvar")]
pub struct Condition {
    /// Head of the waiter queue (oldest first), tagged with `QUEUE_LOCKED` and `QUEUE_PARKED`.
    state: AtomicPtr<Waiter>,
}

// `Condition` is Send and Sync without an `unsafe impl`: its only field is an `AtomicPtr`. That
// is right: the nodes it points to belong to waiting threads and are reached only under the queue
// protocol above, never through a `&Condition` alone.

/// A guard a [`Condition`] can wait with: [`LockGuard`] and [`RLockGuard`]. Sealed: no other
/// type can implement it.
///
/// `Value` is what the [`wait_while`](Condition::wait_while) predicates are given: `&mut T` for a
/// `LockGuard<T>`, `&T` for an `RLockGuard<T>` (an RLock gives shared access only). `Bound` only
/// lets `Value` borrow from the guard (it makes `Self: 'g` hold for every `'g` the predicate is
/// called with); leave it at its default.
///
/// For an `RLockGuard`, a wait releases the lock at the calling thread's full depth (every guard
/// it holds, as Python's `Condition` does with an `RLock`) and re-takes it at the same depth
/// before returning.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::cell::Cell;
/// use std::sync::Arc;
/// use weftsync::{Condition, RLock};
///
/// let pair = Arc::new((RLock::new(Cell::new(0)), Condition::new()));
/// let p = Arc::clone(&pair);
/// let t = std::thread::spawn(move || {
///     p.0.lock().set(1);
///     p.1.notify_all();
/// });
/// let (lock, cond) = &*pair;
/// let outer = lock.lock();
/// let mut inner = lock.lock(); // depth 2
/// cond.wait_while(&mut inner, |v| v.get() == 0); // releases both levels while it sleeps
/// assert_eq!(lock.depth(), 2, "re-taken at the same depth");
/// assert_eq!(outer.get(), 1);
/// # drop((inner, outer)); t.join().unwrap();
/// # }
/// ```
pub trait CondGuard<'g, Bound = &'g Self>:
    sealed::Relock + sealed::Access<'g, Bound, Out = <Self as CondGuard<'g, Bound>>::Value>
{
    /// What a `wait_while` predicate is given: `&'g mut T` or `&'g T`.
    type Value;
}

mod sealed {
    /// How a [`Condition`](super::Condition) releases and re-takes the lock behind a guard.
    pub trait Relock {
        /// The lock's address: every waiter queued at once must name the same one.
        fn lock_addr(&self) -> usize;

        /// Releases the lock completely; returns what [`reacquire`](Self::reacquire) needs to
        /// restore it (an RLock's depth).
        ///
        /// # Safety
        /// The guard holds the lock, and nothing uses it, nor (for an RLock) any other guard this
        /// thread holds on the same lock, until `reacquire` has been called.
        unsafe fn release(&mut self) -> u32;

        /// Takes the lock again (blocking) as `release` left it.
        fn reacquire(&mut self, token: u32);
    }

    /// Hands a `wait_while` predicate its view of the protected value.
    pub trait Access<'g, Bound> {
        type Out;
        fn value(&'g mut self) -> Self::Out;
    }
}

impl<T: ?Sized> sealed::Relock for LockGuard<'_, T> {
    fn lock_addr(&self) -> usize {
        ptr::from_ref(LockGuard::lock_of(self)).cast::<()>().addr()
    }

    unsafe fn release(&mut self) -> u32 {
        // SAFETY: the guard holds the lock (caller), and the guard is not used until
        // `reacquire`, which locks again: the guard never drops a lock it does not hold.
        unsafe { LockGuard::lock_of(self).force_unlock() };
        0
    }

    fn reacquire(&mut self, _: u32) {
        let relocked = LockGuard::lock_of(self).raw_lock(None);
        debug_assert!(relocked, "an untimed lock cannot time out");
    }
}

impl<'g, T: ?Sized> sealed::Access<'g, &'g Self> for LockGuard<'_, T> {
    type Out = &'g mut T;
    fn value(&'g mut self) -> &'g mut T {
        self
    }
}

impl<'g, T: ?Sized> CondGuard<'g> for LockGuard<'_, T> {
    type Value = &'g mut T;
}

impl<T: ?Sized> sealed::Relock for RLockGuard<'_, T> {
    fn lock_addr(&self) -> usize {
        ptr::from_ref(RLockGuard::rlock_of(self))
            .cast::<()>()
            .addr()
    }

    unsafe fn release(&mut self) -> u32 {
        // SAFETY: this thread owns the RLock (it holds a guard), and neither this guard nor any
        // other guard of this thread on the lock is used until `reacquire` (caller). Outer guards
        // may still hold `&T` references, but an RLock only ever gives out `&T`, and the thread
        // that takes the lock meanwhile is ordered after this release and before the re-take by
        // the inner Lock, so every access to the value is still made by the owner alone.
        unsafe { RLockGuard::rlock_of(self).release_all() }
    }

    fn reacquire(&mut self, depth: u32) {
        RLockGuard::rlock_of(self).reacquire(depth);
    }
}

impl<'g, T: ?Sized> sealed::Access<'g, &'g Self> for RLockGuard<'_, T> {
    type Out = &'g T;
    fn value(&'g mut self) -> &'g T {
        self
    }
}

impl<'g, T: ?Sized> CondGuard<'g> for RLockGuard<'_, T> {
    type Value = &'g T;
}

/// One waiting thread, on that thread's stack while it waits.
struct Waiter {
    /// WAITING / SLEEPING / NOTIFIED / DONE; the waiter sleeps on it.
    word: AtomicU32,
    /// Queue links. Owned by the queue-lock holder while the node is queued, then by the notifier
    /// that popped it until that notifier stores DONE.
    next: UnsafeCell<*mut Waiter>,
    prev: UnsafeCell<*mut Waiter>,
    /// Address of the lock this waiter released. Never written after creation.
    lock_addr: usize,
}

impl Waiter {
    fn new(lock_addr: usize) -> Self {
        Waiter {
            word: AtomicU32::new(WAITING),
            next: UnsafeCell::new(ptr::null_mut()),
            prev: UnsafeCell::new(ptr::null_mut()),
            lock_addr,
        }
    }
}

/// A node is reached only by the queue protocol (never by user code, and never while a panic
/// can unwind through it: no user code runs while the queue lock is held, and a waiter whose
/// predicate panics is out of the queue), so no panic can leave one half-edited for others to
/// see. Stated for the node so that `Condition`, which points to nodes, is unwind safe like the
/// other primitives.
impl core::panic::RefUnwindSafe for Waiter {}

/// Freeing a node is a write to it. Telling loom so (a write access to the links, a no-op
/// otherwise) makes any notifier access that is not ordered before the waiter's return show up
/// as a data race in the models: loom cannot see stack memory being reused.
impl Drop for Waiter {
    fn drop(&mut self) {
        self.next.with_mut(|_| ());
        self.prev.with_mut(|_| ());
    }
}

/// Reads `node.next`.
///
/// # Safety
/// `node` is live and the caller owns its links (holds the queue lock while it is queued, or
/// popped it and has not yet stored DONE).
unsafe fn next(node: *mut Waiter) -> *mut Waiter {
    // SAFETY: `node` is live (caller); owning its links excludes any concurrent write.
    unsafe { (*node).next.with(|p| *p) }
}

/// Reads `node.prev`.
///
/// # Safety
/// As for [`next`].
unsafe fn prev(node: *mut Waiter) -> *mut Waiter {
    // SAFETY: `node` is live (caller); owning its links excludes any concurrent access.
    unsafe { (*node).prev.with(|p| *p) }
}

/// Writes `node.next`.
///
/// # Safety
/// As for [`next`].
unsafe fn set_next(node: *mut Waiter, to: *mut Waiter) {
    // SAFETY: `node` is live (caller); owning its links excludes any concurrent access.
    unsafe { (*node).next.with_mut(|p| *p = to) }
}

/// Writes `node.prev`.
///
/// # Safety
/// As for [`next`].
unsafe fn set_prev(node: *mut Waiter, to: *mut Waiter) {
    // SAFETY: `node` is live (caller); owning its links excludes any concurrent access.
    unsafe { (*node).prev.with_mut(|p| *p = to) }
}

/// Appends `node` to the circular list starting at `head` (null: empty); returns the new head.
///
/// # Safety
/// The caller holds the queue lock; `head` is the queue's head; `node` is live and not queued.
unsafe fn push_back(head: *mut Waiter, node: *mut Waiter) -> *mut Waiter {
    // SAFETY: under the queue lock we own the links of `node` and of every queued node, all live
    // (a queued node's waiter cannot return before it is unlinked: module invariant).
    unsafe {
        if head.is_null() {
            set_next(node, node);
            set_prev(node, node);
            return node;
        }
        let tail = prev(head);
        set_prev(node, tail);
        set_next(node, head);
        set_next(tail, node);
        set_prev(head, node);
        head
    }
}

/// Unlinks `node` from the circular list starting at `head`; returns the new head (null when the
/// list is now empty). Leaves `node`'s own links stale.
///
/// # Safety
/// The caller holds the queue lock; `head` is the queue's head and `node` is queued.
unsafe fn unlink(head: *mut Waiter, node: *mut Waiter) -> *mut Waiter {
    // SAFETY: under the queue lock we own the links of every queued node, all live.
    unsafe {
        let after = next(node);
        if after == node {
            return ptr::null_mut();
        }
        let before = prev(node);
        set_next(before, after);
        set_prev(after, before);
        if node == head { after } else { head }
    }
}

impl Condition {
    /// Creates a Condition with no waiters. `const`, so it can be a `static`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{Condition, Lock};
    /// static READY: Lock<bool> = Lock::new(false);
    /// static CHANGED: Condition = Condition::new();
    /// *READY.lock() = true;
    /// assert_eq!(CHANGED.notify_all(), 0, "nobody was waiting");
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    pub const fn new() -> Self {
        Condition {
            state: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Creates a Condition with no waiters (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new() -> Self {
        Condition {
            state: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Releases the guard's lock, sleeps until notified, and locks again before returning.
    ///
    /// Returns only after a notify (no spurious wake-ups); still, re-test your condition in a
    /// loop, since another thread may change it before this one gets the lock back, or use
    /// [`wait_while`](Self::wait_while). There is no non-blocking form: nobody can notify a call
    /// that does not wait.
    ///
    /// # Panics
    /// If other threads are waiting on this Condition with a different lock.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{Condition, Lock};
    /// let pair = Arc::new((Lock::new(0), Condition::new()));
    /// let p = Arc::clone(&pair);
    /// let t = std::thread::spawn(move || {
    ///     *p.0.lock() = 1;
    ///     p.1.notify_all();
    /// });
    /// let mut n = pair.0.lock();
    /// while *n == 0 {
    ///     pair.1.wait(&mut n);
    /// }
    /// assert_eq!(*n, 1);
    /// # drop(n); t.join().unwrap();
    /// # }
    /// ```
    #[track_caller]
    pub fn wait<G>(&self, guard: &mut G)
    where
        G: for<'g> CondGuard<'g>,
    {
        let notified = self.wait_deadline(guard, None);
        debug_assert!(notified, "an untimed wait cannot time out");
    }

    /// Like [`wait`](Self::wait), but gives up after `timeout`. Returns `true` if a notify woke
    /// (and counted) this thread, `false` if the time ran out first.
    ///
    /// A zero timeout releases and re-takes the lock once and returns `false`, without joining
    /// the queue (so no notify can count it); a timeout too large for `Instant` waits forever.
    /// Python's `cv.wait(timeout)`.
    ///
    /// # Panics
    /// If other threads are waiting on this Condition with a different lock (not for a zero
    /// timeout, which never joins the queue).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let mut guard = lock.lock();
    /// assert!(!cond.wait_for(&mut guard, Duration::from_millis(5)), "nobody notified");
    /// # }
    /// ```
    ///
    /// Ignoring the result is the "timeout taken as a notify" bug, so it warns:
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// use std::time::Duration;
    /// let (lock, cond) = (weftsync::Lock::new(()), weftsync::Condition::new());
    /// let mut g = lock.lock();
    /// cond.wait_for(&mut g, Duration::from_millis(1));
    /// ```
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// use std::time::Duration;
    /// let (lock, cond) = (weftsync::Lock::new(()), weftsync::Condition::new());
    /// let mut g = lock.lock();
    /// let _ = cond.wait_for(&mut g, Duration::from_millis(1));
    /// ```
    #[doc(alias = "wait_timeout")]
    #[must_use = "`false` means the time ran out and nobody notified this thread"]
    #[track_caller]
    pub fn wait_for<G>(&self, guard: &mut G, timeout: Duration) -> bool
    where
        G: for<'g> CondGuard<'g>,
    {
        self.wait_deadline(guard, shim::deadline_after(timeout))
    }

    /// Like [`wait`](Self::wait), but gives up at `deadline`. Returns `true` if a notify woke
    /// (and counted) this thread, `false` if the deadline passed first. A deadline already past
    /// releases and re-takes the lock once and returns `false`, without joining the queue.
    ///
    /// # Panics
    /// If other threads are waiting on this Condition with a different lock (not for a deadline
    /// already past).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let mut guard = lock.lock();
    /// let deadline = Instant::now() + Duration::from_millis(5);
    /// assert!(!cond.wait_until(&mut guard, deadline));
    /// # }
    /// ```
    #[doc(alias = "wait_timeout")]
    #[must_use = "`false` means the deadline passed and nobody notified this thread"]
    #[track_caller]
    pub fn wait_until<G>(&self, guard: &mut G, deadline: Instant) -> bool
    where
        G: for<'g> CondGuard<'g>,
    {
        self.wait_deadline(guard, Some(deadline))
    }

    /// Waits while `condition` returns `true`: tests it first (no wait if it is already
    /// `false`), then after each wake-up, with the lock held. Returns with `condition` false and
    /// the lock held.
    ///
    /// # Panics
    /// If other threads are waiting on this Condition with a different lock. A panic in
    /// `condition` unwinds with the lock held and this thread out of the queue.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{Condition, Lock};
    /// let pair = Arc::new((Lock::new(Vec::new()), Condition::new()));
    /// let p = Arc::clone(&pair);
    /// let t = std::thread::spawn(move || {
    ///     for i in 0..3 {
    ///         p.0.lock().push(i);
    ///         p.1.notify_one();
    ///     }
    /// });
    /// let mut items = pair.0.lock();
    /// pair.1.wait_while(&mut items, |items| items.len() < 3);
    /// assert_eq!(*items, [0, 1, 2]);
    /// # drop(items); t.join().unwrap();
    /// # }
    /// ```
    #[doc(alias = "wait_for")] // Python's `cv.wait_for(predicate)`, with the predicate negated
    #[track_caller]
    pub fn wait_while<G>(
        &self,
        guard: &mut G,
        condition: impl for<'g> FnMut(<G as CondGuard<'g>>::Value) -> bool,
    ) where
        G: for<'g> CondGuard<'g>,
    {
        let became_false = self.wait_while_deadline(guard, condition, None);
        debug_assert!(became_false, "an untimed wait cannot time out");
    }

    /// [`wait_while`](Self::wait_while) with one total `timeout` across all its waits. Returns
    /// `true` if `condition` became false before the time ran out, `false` if it still held
    /// then (it is tested once more after the last wait).
    ///
    /// This is Python's `cv.wait_for(predicate, timeout)` with the predicate negated: Python
    /// waits *until* its predicate holds, this waits *while* `condition` holds, and both return
    /// `true` when the wait ended because the awaited state arrived. Python's `timeout=None` is
    /// `Duration::MAX`.
    ///
    /// # Panics
    /// As [`wait_while`](Self::wait_while).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// let mut n = lock.lock();
    /// assert!(
    ///     !cond.wait_while_for(&mut n, |n| *n == 0, Duration::from_millis(5)),
    ///     "nobody changed the value"
    /// );
    /// // Python: `cv.wait_for(lambda: n != 0, timeout=0.005)`.
    /// # }
    /// ```
    #[doc(alias = "wait_for")]
    #[doc(alias = "wait_timeout_while")]
    #[must_use = "`false` means the time ran out with the condition still true"]
    #[track_caller]
    pub fn wait_while_for<G>(
        &self,
        guard: &mut G,
        condition: impl for<'g> FnMut(<G as CondGuard<'g>>::Value) -> bool,
        timeout: Duration,
    ) -> bool
    where
        G: for<'g> CondGuard<'g>,
    {
        self.wait_while_deadline(guard, condition, shim::deadline_after(timeout))
    }

    /// [`wait_while`](Self::wait_while), giving up at `deadline`. Returns `true` if `condition`
    /// became false before the deadline, `false` if it still held then.
    ///
    /// # Panics
    /// As [`wait_while`](Self::wait_while).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(1), Condition::new());
    /// let mut n = lock.lock();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// // Already false: returns at once, `true`.
    /// assert!(cond.wait_while_until(&mut n, |n| *n == 0, deadline));
    /// # }
    /// ```
    #[doc(alias = "wait_timeout_while")]
    #[must_use = "`false` means the deadline passed with the condition still true"]
    #[track_caller]
    pub fn wait_while_until<G>(
        &self,
        guard: &mut G,
        condition: impl for<'g> FnMut(<G as CondGuard<'g>>::Value) -> bool,
        deadline: Instant,
    ) -> bool
    where
        G: for<'g> CondGuard<'g>,
    {
        self.wait_while_deadline(guard, condition, Some(deadline))
    }

    /// Wakes up to `n` waiters, oldest first, and returns how many it woke. Each of them will
    /// report "notified". Nothing is remembered for threads that start waiting later.
    ///
    /// The caller need not hold the lock.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let cond = weftsync::Condition::new();
    /// assert_eq!(cond.notify(3), 0, "nobody waiting: nothing woken, nothing kept");
    /// # }
    /// ```
    #[inline]
    pub fn notify(&self, n: usize) -> usize {
        // Relaxed is enough: a waiter queues itself while holding the user's lock, so a notifier
        // that changed the shared state under that lock after it has seen (happens-after) the
        // queueing store, and coherence then forbids reading the older null.
        if n == 0 || self.state.load(Relaxed).is_null() {
            return 0;
        }
        self.notify_slow(n)
    }

    /// Wakes the longest-waiting thread, if any; says whether there was one.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let cond = weftsync::Condition::new();
    /// assert!(!cond.notify_one());
    /// # }
    /// ```
    #[inline]
    pub fn notify_one(&self) -> bool {
        self.notify(1) == 1
    }

    /// Wakes every waiting thread; returns how many it woke.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let cond = weftsync::Condition::new();
    /// assert_eq!(cond.notify_all(), 0);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "notifyAll")]
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// The one predicate loop behind the `wait_while` forms: one deadline for all its waits; the
    /// condition is tested before the first wait and after the last. Returns `true` if the
    /// condition became false.
    #[track_caller]
    fn wait_while_deadline<G>(
        &self,
        guard: &mut G,
        mut condition: impl for<'g> FnMut(<G as CondGuard<'g>>::Value) -> bool,
        deadline: Option<Instant>,
    ) -> bool
    where
        G: for<'g> CondGuard<'g>,
    {
        let mut out_of_time = false;
        loop {
            if !condition(sealed::Access::value(guard)) {
                return true;
            }
            if out_of_time {
                return false;
            }
            // A notified wait that returns after the deadline also ends the loop, after one last
            // test, so notifies arriving forever cannot stretch the timeout. Each round sleeps
            // (in `wait_deadline`) until a notify or the deadline: the loop never spins.
            out_of_time = !self.wait_deadline(guard, deadline) || shim::expired(deadline);
        }
    }

    /// Queues this thread, releases the lock, sleeps until notified or `deadline`, and locks
    /// again. Returns `true` if a notify woke (and counted) this thread. A deadline already past
    /// only releases and re-takes the lock.
    #[track_caller]
    fn wait_deadline<G: sealed::Relock>(&self, guard: &mut G, deadline: Option<Instant>) -> bool {
        if shim::expired(deadline) {
            // One try: there is nothing to try but letting others have the lock once. Not queued,
            // so no notify can count this call, and no lock check is needed.
            // SAFETY: `guard` holds its lock and is borrowed mutably for this whole call, so
            // nobody uses it while the lock is released; it is re-taken on the next line.
            let token = unsafe { guard.release() };
            guard.reacquire(token);
            return false;
        }
        let node = Waiter::new(guard.lock_addr());
        let me = ptr::from_ref(&node).cast_mut();
        // Queued while we still hold the lock: a notifier that changes the state under the lock
        // after this point finds us in the queue, so a notify between our unlock and our sleep
        // is not lost. Panics (lock still held, guard intact) if another lock is in use.
        self.enqueue(me);
        // SAFETY: `guard` holds its lock and is borrowed mutably for this whole call, so nobody
        // can use or drop it while the lock is released; we re-take it below before returning.
        // Nothing between here and the re-take can panic (atomics, the wait layer and the queue
        // code do not), so the guard never drops a lock it does not hold.
        let token = unsafe { guard.release() };
        let notified = self.sleep(&node, deadline);
        guard.reacquire(token);
        if notified {
            // Only now wait for our notifier to let go of `node`: usually it already has (it
            // stores DONE before it wakes us), so re-locking first costs nothing and overlaps
            // the two when it has not. The notifier takes no lock on that path, so holding the
            // user's lock here cannot block it.
            await_done(&node);
        }
        // `node` (on this stack) is now out of the queue and released by any notifier.
        notified
    }

    /// Puts `node` at the tail of the queue.
    #[track_caller]
    fn enqueue(&self, node: *mut Waiter) {
        let head = self.lock_queue();
        // SAFETY: we hold the queue lock, so `head` (if not null) is a live queued node; `node`
        // is live (the caller's stack). `lock_addr` is never written after creation.
        let other_lock = !head.is_null() && unsafe { (*head).lock_addr != (*node).lock_addr };
        if other_lock {
            self.unlock_queue(head);
            two_locks();
        }
        // SAFETY: queue lock held, `head` is the queue's head, `node` is live and not queued.
        let head = unsafe { push_back(head, node) };
        self.unlock_queue(head);
    }

    /// Waits until a notifier pops `node` (NOTIFIED or DONE) or `deadline` passes. Returns
    /// `true` if notified: `node` is out of the queue, but its notifier may still use it until it
    /// stores DONE, so the caller must `await_done` before `node` dies. Returns `false` if the
    /// deadline passed first: `node` is out of the queue and no notifier ever touched it.
    fn sleep(&self, node: &Waiter, deadline: Option<Instant>) -> bool {
        // A short spin, then a few yields, first (`shim::Spin` sets how many, from how often
        // they paid off lately; none under loom): a notify that comes meanwhile costs no sleep
        // and no wake call. Read-only: the word still says WAITING, so a notifier releases us
        // with one compare-exchange. Bounded: a real-time waiter's yield does not let a normal
        // notifier run, the sleep below does.
        let mut spin = shim::Spin::new(shim::Site::Condition);
        loop {
            // Acquire: pairs with the notifier's Release store of DONE (see `await_done`).
            if node.word.load(Acquire) == DONE {
                return true;
            }
            if !spin.pause() {
                break;
            }
        }
        // Announce the sleep. If this fails a notifier has already popped us (word DONE: from
        // WAITING a notifier goes straight there). Relaxed: only the value matters, and a
        // notifier changes it under the queue lock.
        if node
            .word
            .compare_exchange(WAITING, SLEEPING, Relaxed, Relaxed)
            .is_ok()
        {
            loop {
                // Sleeps on our own word; our notifier wakes it (by address) after DONE.
                if !shim::wait(&node.word, SLEEPING, deadline) {
                    return self.leave_after_timeout(node);
                }
                // Woken, or a spurious return of the wait layer: sleep again unless popped.
                if node.word.load(Relaxed) != SLEEPING {
                    break;
                }
            }
        }
        true
    }

    /// The deadline passed: leave the queue, unless a notifier popped us first (then we were
    /// notified, and that notify counted us; the caller awaits DONE as after any notify).
    #[cold]
    fn leave_after_timeout(&self, node: &Waiter) -> bool {
        let head = self.lock_queue();
        // Relaxed: a notifier changes a queued node's word only under the queue lock, whose
        // Acquire above makes that change visible.
        let word = node.word.load(Relaxed);
        if word == WAITING || word == SLEEPING {
            let me = ptr::from_ref(node).cast_mut();
            // SAFETY: queue lock held, and a WAITING/SLEEPING word under it means `node` is
            // queued (module invariant).
            let head = unsafe { unlink(head, me) };
            self.unlock_queue(head);
            return false;
        }
        self.unlock_queue(head);
        true
    }

    #[cold]
    fn notify_slow(&self, n: usize) -> usize {
        let mut head = self.lock_queue();
        let mut woken = 0;
        // Popped waiters that may be asleep, woken after the queue lock is released: a FIFO list
        // through their `next` links, which we own until we store DONE in each.
        let (mut first, mut last): (*mut Waiter, *mut Waiter) = (ptr::null_mut(), ptr::null_mut());
        while woken < n && !head.is_null() {
            let node = head;
            // SAFETY: queue lock held; `head` is the head, hence queued and live.
            head = unsafe { unlink(head, node) };
            woken += 1;
            // SAFETY: `node` stays live: its waiter cannot return before it sees DONE.
            let word = unsafe { &(*node).word };
            // Awake waiter: release it at once. Release: our reads of its links in `unlink`
            // happen-before its Acquire load of DONE, after which it may free the node; `node`
            // is not touched again below.
            if word
                .compare_exchange(WAITING, DONE, Release, Relaxed)
                .is_err()
            {
                // SLEEPING (only we, under the queue lock, move a queued node on from there).
                word.store(NOTIFIED, Relaxed);
                // SAFETY: popped and NOTIFIED, so we own its links until we store DONE.
                unsafe {
                    set_next(node, ptr::null_mut());
                    if last.is_null() {
                        first = node;
                    } else {
                        set_next(last, node);
                    }
                }
                last = node;
            }
        }
        self.unlock_queue(head);
        let mut node = first;
        while !node.is_null() {
            // SAFETY: NOTIFIED, so the waiter is still waiting for our DONE: `node` is live and
            // its links are ours. `&raw const` makes no reference that could outlive the node.
            let (after, word) = unsafe { (next(node), &raw const (*node).word) };
            // Release: our last accesses to the node (reading `next`) happen-before the waiter's
            // Acquire load of DONE, after which it may return and free the node.
            // SAFETY: still NOTIFIED until this store, so the node is live here.
            unsafe { (*word).store(DONE, Release) };
            // From here on `node` may be gone: wake by address only (docs/wait-layer.md allows
            // a wake on freed memory; at worst an unrelated sleeper returns spuriously).
            shim::wake_one_at(word);
            node = after;
        }
        woken
    }

    /// Takes the queue lock; returns the queue's head.
    fn lock_queue(&self) -> *mut Waiter {
        // Reads the thread's estimate only at its first round: a free lock costs no lookup.
        let mut spin = shim::Spin::new(shim::Site::QueueLock);
        loop {
            let state = self.state.load(Relaxed);
            if state.addr() & QUEUE_LOCKED == 0 {
                debug_assert_eq!(state.addr() & QUEUE_PARKED, 0, "PARKED without LOCKED");
                // Acquire: pairs with the previous holder's release in `unlock_queue`, so its
                // link writes are visible to us.
                let locked = state.map_addr(|a| a | QUEUE_LOCKED);
                match self
                    .state
                    .compare_exchange_weak(state, locked, Acquire, Relaxed)
                {
                    Ok(_) => return state,
                    Err(_) => continue,
                }
            }
            if !spin.pause() {
                self.park_on_queue(state);
            }
        }
    }

    /// The queue lock was held (as `state`) through our spin: sleep until its holder releases
    /// it. Returns at once if `state` changed meanwhile; a spurious return is harmless (the
    /// caller loops).
    #[cold]
    fn park_on_queue(&self, state: *mut Waiter) {
        let epoch_word = shim::epoch_word(ptr::from_ref(self).addr());
        // Read before announcing: see the module's ordering note. Relaxed: the Release below
        // orders it before the unlocker's bump.
        let epoch = epoch_word.load(Relaxed);
        let parked = state.map_addr(|a| a | QUEUE_PARKED);
        // Release: makes our epoch read happen-before the Acquire swap of the unlock that clears
        // PARKED (it reads this write or a later read-modify-write of `state`). A write even when
        // PARKED is already set, for the same reason.
        if self
            .state
            .compare_exchange(state, parked, Release, Relaxed)
            .is_ok()
        {
            // Sleeps on the epoch we read: the unlock that clears PARKED bumps it and wakes us,
            // and if it already has, the word differs and the wait returns at once.
            shim::wait(epoch_word, epoch, None);
        }
    }

    /// Releases the queue lock, leaving `head` as the queue's head; wakes the threads parked on
    /// it, if any.
    fn unlock_queue(&self, head: *mut Waiter) {
        debug_assert_eq!(head.addr() & TAG, 0);
        // Release: publishes our link writes to the next holder's Acquire. Acquire: if we see
        // PARKED, the parker's epoch read happens-before our bump below. A swap, not a store, so
        // every write to `state` is a read-modify-write and parkers' writes form one release
        // sequence with ours.
        let prev = self.state.swap(head, AcqRel);
        if prev.addr() & QUEUE_PARKED != 0 {
            self.unpark_queue();
        }
    }

    /// Wakes every thread parked on the queue lock (and any that share the epoch word).
    #[cold]
    fn unpark_queue(&self) {
        let epoch_word = shim::epoch_word(ptr::from_ref(self).addr());
        // Relaxed: only the value matters; the parkers' epoch reads are ordered before this by
        // `state` (see `park_on_queue`), and the wait layer's check-and-sleep is atomic with
        // respect to the wake below. Wrapping: a parker would need 2^32 bumps between its read
        // and its sleep to miss one.
        epoch_word.fetch_add(1, Relaxed);
        shim::wake_all(epoch_word);
    }
}

/// Waits for a notifier that popped `node` to store DONE. Usually DONE is already there (the
/// notifier stores it before its wake); otherwise the notifier is between popping us and that
/// store, so we sleep on NOTIFIED and its wake (by address, after DONE) ends the sleep.
fn await_done(node: &Waiter) {
    loop {
        // Acquire: pairs with the notifier's Release store of DONE; after it, the notifier no
        // longer touches `node`, so our caller may return and free it.
        let word = node.word.load(Acquire);
        if word == DONE {
            return;
        }
        debug_assert_eq!(word, NOTIFIED, "a popped node is NOTIFIED or DONE");
        shim::wait(&node.word, NOTIFIED, None);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn two_locks() -> ! {
    panic!(
        "weftsync::Condition: waited on with two different locks at once; \
         every thread waiting on one Condition must use the same lock"
    );
}

impl Default for Condition {
    /// A Condition with no waiters.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let cond = weftsync::Condition::default();
    /// assert_eq!(cond.notify_all(), 0);
    /// # }
    /// ```
    fn default() -> Self {
        Condition::new()
    }
}

/// Never blocks: reports whether any thread is queued right now (a snapshot).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let cond = weftsync::Condition::new();
/// assert_eq!(format!("{cond:?}"), "Condition { has_waiters: false }");
/// # }
/// ```
impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self.state.load(Relaxed).map_addr(|a| a & !TAG);
        f.debug_struct("Condition")
            .field("has_waiters", &!head.is_null())
            .finish()
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! What the public API cannot show: the queue lock's own contention path and its tag bits.
    use super::*;
    use std::sync::Arc;

    /// A notifier that finds the queue lock held spins, then parks (sets `QUEUE_PARKED`) and
    /// sleeps; the holder's unlock must see the bit and wake it. The test waits for the bit
    /// before it unlocks, so the notifier has announced its sleep by then. Many rounds on one
    /// notifier thread: its spins never pay, so its spin estimate for the queue lock falls to
    /// zero, and a contender with no spin budget must still park (not spin without end).
    #[test]
    fn the_unlock_of_the_queue_lock_wakes_a_contender_parked_on_it() {
        crate::shim::tests::watched(|| {
            const ROUNDS: usize = 64;
            let cond = Arc::new(Condition::new());
            let (go, rounds) = std::sync::mpsc::channel::<()>();
            let notifier = {
                let cond = Arc::clone(&cond);
                std::thread::spawn(move || {
                    let mut found = 0;
                    for () in rounds.iter() {
                        found += usize::from(cond.notify_one());
                    }
                    found
                })
            };
            for _ in 0..ROUNDS {
                let head = cond.lock_queue();
                go.send(()).unwrap();
                // Not a sleep: waits (under the watchdog) for the state this test is about.
                while cond.state.load(Relaxed).addr() & QUEUE_PARKED == 0 {
                    std::thread::yield_now();
                }
                cond.unlock_queue(head);
            }
            drop(go);
            assert_eq!(
                notifier.join().unwrap(),
                0,
                "each parked notifier, woken by the unlock, found nobody to notify"
            );
            assert_eq!(
                cond.state.load(Relaxed).addr() & TAG,
                0,
                "the queue lock is free and nobody is parked after the notifier left"
            );
        });
    }

    /// `Debug` shows whether threads wait, not the queue lock's tag bits: a locked (or
    /// contended) empty queue has no waiters.
    #[test]
    fn debug_reports_no_waiters_for_an_empty_queue_whose_lock_is_held() {
        let cond = Condition::new();
        let head = cond.lock_queue();
        assert_eq!(
            format!("{cond:?}"),
            "Condition { has_waiters: false }",
            "the queue lock's bit is not a waiter"
        );
        cond.state.store(head.map_addr(|a| a | TAG), Relaxed);
        assert_eq!(
            format!("{cond:?}"),
            "Condition { has_waiters: false }",
            "the parked bit is not a waiter"
        );
        cond.state
            .store(head.map_addr(|a| a | QUEUE_LOCKED), Relaxed);
        cond.unlock_queue(head);
    }
}
