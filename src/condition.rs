//! `Condition`: a condition variable for weftsync's [`Lock`], Python's `threading.Condition(lock)`.
//!
//! The Condition is one pointer-sized word, `state`: the head of a FIFO queue of waiters, tagged
//! in bit 0 with the queue lock.
//!
//! | `state`            | meaning                                              |
//! |--------------------|------------------------------------------------------|
//! | null               | no waiter, queue unlocked (the notify fast path)     |
//! | `head`             | waiters queued, `head` the oldest; queue unlocked    |
//! | `head \| LOCKED`   | a thread edits the queue (`head` may be null)        |
//!
//! Each waiter is a node on its own stack, linked into a circular doubly linked list (the head's
//! `prev` is the tail), with its own futex word:
//!
//! | node `word` | meaning                                                    | who moves it on   |
//! |-------------|------------------------------------------------------------|-------------------|
//! | WAITING     | queued; the waiter is awake (spinning before it sleeps)    | waiter, notifier  |
//! | SLEEPING    | queued; the waiter may be asleep on `word`                 | notifier only     |
//! | NOTIFIED    | popped by a notifier that will still wake it; node in use  | that notifier     |
//! | DONE        | popped; the notifier has let go: the waiter may return     | nobody            |
//!
//! Transitions: WAITING→SLEEPING (waiter, before sleeping); WAITING→DONE (notifier, under the
//! queue lock: nothing to wake); SLEEPING→NOTIFIED (notifier, under the queue lock) then
//! NOTIFIED→DONE (same notifier, after its wake call). A timed-out waiter takes the queue lock and
//! unlinks itself only if its word is still WAITING or SLEEPING.
//!
//! Invariants:
//! - A node is in the queue exactly when its word is WAITING or SLEEPING, judged under the queue
//!   lock. Only a queue-lock holder pops a node, and it changes the word while still holding the
//!   lock, so a timed-out waiter can tell "still queued" (it timed out) from "popped" (it was
//!   notified, and the notify counted it): a timeout never swallows a notify.
//! - A notifier touches a popped node only until it stores DONE, and the waiter never returns
//!   before it reads DONE: a node never outlives its use. A popped waiter re-takes the user's
//!   `Lock` first and reads DONE after (the notifier takes no lock between its wake and DONE).
//! - Every queued node names the same `Lock` (checked on enqueue, panics otherwise).
//!
//! Memory ordering: the queue lock is taken with an Acquire compare-exchange and released with a
//! Release store, so every link written under it is seen by the next holder. DONE is stored with
//! Release and read with Acquire, so a notifier's last accesses to a node happen-before the
//! waiter frees it. The protected data is ordered by the user's `Lock`, not by the Condition:
//! a waiter re-locks before it returns. Wait and wake order nothing by themselves.

use core::fmt;
use core::ptr;

use crate::lock::{Lock, LockGuard};
use crate::shim::{
    self, AtomicPtr, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell,
};

/// Bit 0 of `state`: the queue lock. Nodes are pointer-aligned, so bit 0 of a node's address is 0.
const QUEUE_LOCKED: usize = 1;
const _: () = assert!(align_of::<Waiter>() > QUEUE_LOCKED);

/// After its read-only spin, a waiter yields the CPU up to this many times (never more than
/// `SPIN_LIMIT`; none under loom), re-reading its word, before it sleeps. A notify arriving
/// within those few microseconds then costs no sleep and no wake: in a two-thread ping-pong the
/// partner's wake-up takes longer than the spin alone, so without this both sides sleep on
/// every hand-over.
const YIELD_ROUNDS: usize = 16;
const WAITING: u32 = 0;
const SLEEPING: u32 = 1;
const NOTIFIED: u32 = 2;
const DONE: u32 = 3;

/// A condition variable for a [`Lock`]: threads wait, releasing the lock, until another thread
/// notifies them. Python's `threading.Condition(lock)`.
///
/// The waits take the guard by `&mut` (parking_lot style): the lock is released while the thread
/// sleeps and is held again when the call returns, and the guard stays the caller's.
///
/// - **No spurious wake-ups**: a wait returns only after a notify or its timeout. A notify that
///   finds nobody waiting is not kept for later waiters.
/// - **Exact counts**: [`notify`](Self::notify) says how many waiters it woke, and each of them
///   reports "notified", even one whose timeout ran out at the same moment. A waiter that reports
///   a timeout was not counted by any notify.
/// - **FIFO**: a notify wakes the longest-waiting threads first.
/// - **Notifying does not need the lock** (as with `std` and parking_lot; Python requires it).
///   The *state change* a waiter tests must still be made under the lock, or the waiter may test
///   it, miss it, and sleep through the notify.
/// - **One lock at a time**: waiting with one `Lock` while other threads wait on the same
///   Condition with another `Lock` panics, as in parking_lot.
/// - Re-locking after a wake is not bounded by the timeout: a timed wait returns when it has the
///   lock back, however long that takes (as everywhere else).
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
    /// Head of the waiter queue (oldest first), tagged with `QUEUE_LOCKED`.
    state: AtomicPtr<Waiter>,
}

// `Condition` is Send and Sync without an `unsafe impl`: its only field is an `AtomicPtr`. That
// is right: the nodes it points to belong to waiting threads and are reached only under the queue
// protocol above, never through a `&Condition` alone.

/// What a timed wait reports: whether it gave up because the time ran out.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::{Condition, Lock};
/// let (lock, cond) = (Lock::new(()), Condition::new());
/// let mut guard = lock.lock();
/// assert!(cond.wait_for(&mut guard, Duration::from_millis(1)).timed_out());
/// # }
/// ```
#[must_use = "a timed wait may have timed out; check `timed_out()`"]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// `true` if the wait ended because its deadline passed (for the `wait_while` forms: the
    /// condition still held when it did).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(5), Condition::new());
    /// let mut guard = lock.lock();
    /// // The condition is already false: no wait, no timeout.
    /// let r = cond.wait_while_for(&mut guard, |v| *v < 5, Duration::ZERO);
    /// assert!(!r.timed_out());
    /// # }
    /// ```
    #[inline]
    pub fn timed_out(self) -> bool {
        self.0
    }
}

/// One waiting thread, on that thread's stack while it waits.
struct Waiter {
    /// WAITING / SLEEPING / NOTIFIED / DONE; the waiter sleeps on it.
    word: AtomicU32,
    /// Queue links. Owned by the queue-lock holder while the node is queued, then by the notifier
    /// that popped it until that notifier stores DONE.
    next: UnsafeCell<*mut Waiter>,
    prev: UnsafeCell<*mut Waiter>,
    /// Address of the `Lock` this waiter released. Never written after creation.
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
    /// [`wait_while`](Self::wait_while).
    ///
    /// # Panics
    /// If other threads are waiting on this Condition with a different `Lock`.
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
    pub fn wait<T: ?Sized>(&self, guard: &mut LockGuard<'_, T>) {
        let notified = self.wait_deadline(guard, None);
        debug_assert!(notified, "an untimed wait cannot time out");
    }

    /// Like [`wait`](Self::wait), but gives up after `timeout`. A zero timeout still releases
    /// and re-takes the lock once; a timeout too large for `Instant` waits forever.
    ///
    /// `timed_out()` is `false` exactly when a notify woke this thread (and was counted by it).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let mut guard = lock.lock();
    /// let r = cond.wait_for(&mut guard, Duration::from_millis(5));
    /// assert!(r.timed_out(), "nobody notified");
    /// # }
    /// ```
    #[doc(alias = "wait_timeout")]
    pub fn wait_for<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        WaitTimeoutResult(!self.wait_deadline(guard, shim::deadline_after(timeout)))
    }

    /// Like [`wait`](Self::wait), but gives up at `deadline`. A deadline already past still
    /// releases and re-takes the lock once.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let mut guard = lock.lock();
    /// let r = cond.wait_until(&mut guard, Instant::now() + Duration::from_millis(5));
    /// assert!(r.timed_out());
    /// # }
    /// ```
    pub fn wait_until<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        deadline: Instant,
    ) -> WaitTimeoutResult {
        WaitTimeoutResult(!self.wait_deadline(guard, Some(deadline)))
    }

    /// Waits while `condition` returns `true`: tests it first (no wait if it is already
    /// `false`), then after each wake-up, with the lock held.
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
    pub fn wait_while<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        condition: impl FnMut(&mut T) -> bool,
    ) {
        let r = self.wait_while_deadline(guard, condition, None);
        debug_assert!(!r.timed_out(), "an untimed wait cannot time out");
    }

    /// [`wait_while`](Self::wait_while) with one total `timeout` across all its waits.
    /// `timed_out()` is `true` if `condition` still held when the time ran out (it is tested
    /// once more after the last wait).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// let mut n = lock.lock();
    /// let r = cond.wait_while_for(&mut n, |n| *n == 0, Duration::from_millis(5));
    /// assert!(r.timed_out(), "nobody changed the value");
    /// # }
    /// ```
    pub fn wait_while_for<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        condition: impl FnMut(&mut T) -> bool,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        self.wait_while_deadline(guard, condition, shim::deadline_after(timeout))
    }

    /// [`wait_while`](Self::wait_while), giving up at `deadline`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// use weftsync::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(1), Condition::new());
    /// let mut n = lock.lock();
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// // Already false: returns at once, not timed out.
    /// assert!(!cond.wait_while_until(&mut n, |n| *n == 0, deadline).timed_out());
    /// # }
    /// ```
    pub fn wait_while_until<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        condition: impl FnMut(&mut T) -> bool,
        deadline: Instant,
    ) -> WaitTimeoutResult {
        self.wait_while_deadline(guard, condition, Some(deadline))
    }

    /// Python's `Condition.wait_for(predicate, timeout)`: waits until `predicate` returns `true`
    /// or `timeout` runs out, and returns the predicate's last value.
    ///
    /// The predicate is tested before the first wait and after every wake-up (and once more
    /// after the time ran out), always with the lock held. `timeout` is one total deadline for
    /// all the waits; `Duration::MAX` is Python's `timeout=None`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use weftsync::{Condition, Lock};
    /// let pair = Arc::new((Lock::new(0), Condition::new()));
    /// let p = Arc::clone(&pair);
    /// let t = std::thread::spawn(move || {
    ///     *p.0.lock() = 42;
    ///     p.1.notify_all();
    /// });
    /// let mut v = pair.0.lock();
    /// assert!(pair.1.wait_for_predicate(&mut v, |v| *v == 42, Duration::MAX));
    /// assert!(!pair.1.wait_for_predicate(&mut v, |v| *v == 7, Duration::ZERO));
    /// # drop(v); t.join().unwrap();
    /// # }
    /// ```
    #[doc(alias = "wait_for")]
    pub fn wait_for_predicate<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        mut predicate: impl FnMut(&mut T) -> bool,
        timeout: Duration,
    ) -> bool {
        let r = self.wait_while_deadline(guard, |v| !predicate(v), shim::deadline_after(timeout));
        !r.timed_out()
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

    /// The one predicate loop behind `wait_while*` and `wait_for_predicate`: one deadline for all
    /// its waits; the condition is tested before the first wait and after the last.
    fn wait_while_deadline<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        mut condition: impl FnMut(&mut T) -> bool,
        deadline: Option<Instant>,
    ) -> WaitTimeoutResult {
        let mut out_of_time = false;
        loop {
            if !condition(&mut **guard) {
                return WaitTimeoutResult(false);
            }
            if out_of_time {
                return WaitTimeoutResult(true);
            }
            // A notified wait that returns after the deadline also ends the loop, after one last
            // test, so notifies arriving forever cannot stretch the timeout.
            out_of_time = !self.wait_deadline(guard, deadline) || shim::expired(deadline);
        }
    }

    /// Queues this thread, releases the lock, sleeps until notified or `deadline`, and locks
    /// again. Returns `true` if a notify woke (and counted) this thread.
    fn wait_deadline<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        deadline: Option<Instant>,
    ) -> bool {
        let lock: &Lock<T> = LockGuard::lock_of(guard);
        let node = Waiter::new(ptr::from_ref(lock).cast::<()>().addr());
        let me = ptr::from_ref(&node).cast_mut();
        // Queued while we still hold the lock: a notifier that changes the state under the lock
        // after this point finds us in the queue, so a notify between our unlock and our sleep
        // is not lost. Panics (lock still held, guard intact) if another Lock is in use.
        self.enqueue(me);
        // SAFETY: `guard` holds `lock` and is borrowed mutably for this whole call, so nobody can
        // use or drop it while the lock is released; we lock again below before returning. Nothing
        // between here and the re-lock can panic (atomics, the wait layer and the queue code do
        // not), so the guard never drops a lock it does not hold.
        unsafe { lock.force_unlock() };
        let notified = self.sleep(&node, deadline);
        let relocked = lock.raw_lock(None);
        debug_assert!(relocked, "an untimed lock cannot time out");
        if notified {
            // Only now wait for our notifier to let go of `node`: it is between its wake call
            // and its DONE store, so re-locking first overlaps the two instead of making this
            // thread yield to it before it even tries the lock. The notifier takes no lock on
            // that path, so holding the user's lock here cannot block it.
            await_done(&node);
        }
        // `node` (on this stack) is now out of the queue and released by any notifier.
        notified
    }

    /// Puts `node` at the tail of the queue.
    fn enqueue(&self, node: *mut Waiter) {
        let head = self.lock_queue();
        // SAFETY: we hold the queue lock, so `head` (if not null) is a live queued node; `node`
        // is live (the caller's stack). `lock_addr` is never written after creation.
        let other_lock = !head.is_null() && unsafe { (*head).lock_addr != (*node).lock_addr };
        if other_lock {
            self.unlock_queue(head);
            panic!(
                "weftsync::Condition: waited on with two different Locks at once; \
                 every thread waiting on one Condition must use the same Lock"
            );
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
        // A short spin first: a notify that comes at once then costs no sleep and no wake call.
        // (No rounds under loom, on purpose: see `shim::SPIN_LIMIT`.)
        for _ in shim::spin_rounds() {
            // Acquire: pairs with the notifier's Release store of DONE (see `await_done`).
            if node.word.load(Acquire) == DONE {
                return true;
            }
            shim::spin_loop();
        }
        for _ in shim::spin_rounds().take(YIELD_ROUNDS) {
            // Acquire: as above. Yielding is read-only too: the word still says WAITING, so a
            // notifier releases us with one compare-exchange and no wake call.
            if node.word.load(Acquire) == DONE {
                return true;
            }
            shim::thread::yield_now();
        }
        // Announce the sleep. If this fails a notifier has already popped us (word NOTIFIED or
        // DONE). Relaxed: only the value matters, and a notifier changes it under the queue lock.
        if node
            .word
            .compare_exchange(WAITING, SLEEPING, Relaxed, Relaxed)
            .is_ok()
        {
            loop {
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
            // its links are ours.
            let (after, word) = unsafe { (next(node), &(*node).word) };
            shim::wake_one(word);
            // Release: our last accesses to the node (reading `next`, the wake) happen-before the
            // waiter's Acquire load of DONE, after which it may return and free the node.
            word.store(DONE, Release);
            node = after;
        }
        woken
    }

    /// Takes the queue lock; returns the queue's head.
    fn lock_queue(&self) -> *mut Waiter {
        let mut spin = shim::Spin::at_most(QUEUE_SPINS);
        loop {
            let state = self.state.load(Relaxed);
            if state.addr() & QUEUE_LOCKED == 0 {
                // Acquire: pairs with the previous holder's Release in `unlock_queue`, so its
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
            backoff(&mut spin);
        }
    }

    /// Releases the queue lock, leaving `head` as the queue's head.
    fn unlock_queue(&self, head: *mut Waiter) {
        debug_assert_eq!(head.addr() & QUEUE_LOCKED, 0);
        // Release: publishes our link writes to the next holder's Acquire. A plain store is
        // enough: while the lock bit is set nobody else writes `state`.
        self.state.store(head, Release);
    }
}

/// Waits for a notifier that popped `node` to store DONE. Called after re-locking, so usually
/// DONE is already there; otherwise the notifier is between its wake call and that store, and
/// the wake may have let this thread preempt it on its own CPU, where only yielding lets it
/// finish, so we yield at once.
fn await_done(node: &Waiter) {
    // Acquire: pairs with the notifier's Release store of DONE; after it, the notifier no longer
    // touches `node`, so our caller may return and free it.
    while node.word.load(Acquire) != DONE {
        shim::thread::yield_now();
    }
}

/// Spin rounds on the queue lock before yielding (capped by `shim::SPIN_LIMIT`, so none under
/// loom, where a spin is only a yield).
const QUEUE_SPINS: u32 = 64;

/// Spins briefly, then yields the CPU: for the queue lock, held for a few pointer writes (a
/// preempted holder is the only long case). Never sleeps: the holder never waits on anything.
fn backoff(spin: &mut shim::Spin) {
    if spin.next_round().is_some() {
        shim::spin_loop();
    } else {
        shim::thread::yield_now();
    }
}

impl Default for Condition {
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
        let head = self.state.load(Relaxed).map_addr(|a| a & !QUEUE_LOCKED);
        f.debug_struct("Condition")
            .field("has_waiters", &!head.is_null())
            .finish()
    }
}
