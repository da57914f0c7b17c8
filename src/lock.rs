//! `Lock<T>`: mutual exclusion on one 32-bit word, Python's `threading.Lock` carrying data.
//!
//! State of `state` (the futex word, in [`RawLock`]):
//!
//! | value | meaning                                   |
//! |-------|-------------------------------------------|
//! | 0     | unlocked                                  |
//! | 1     | locked, no thread asleep on the word      |
//! | 2     | locked, threads may be asleep on the word |
//!
//! Transitions: 0→1 (a take, one compare-exchange, by a thread that has not slept on this
//! lock during this call); any→2 (a contender that will sleep announces itself, and a woken
//! contender takes or re-announces, by swap); 1|2→0 (unlock, by swap; from 2 it wakes one
//! sleeper).
//!
//! Invariant: while any thread sleeps (or is about to) on the word, the value is 2 or the
//! lock is free. A contender sleeps only on a 2 (its own, or one already there: the futex compares
//! the word as it sleeps), and a woken contender takes the lock only with a swap to 2, so it
//! leaves 2 behind for whoever is still asleep. The cost is at most one needless wake after the
//! last sleeper left.
//!
//! A timed take whose deadline has passed gives up **before** it writes 2: a zero timeout or a
//! past deadline is the one compare-exchange of the fast path, with no spin, and a deadline that
//! runs out during the spin leaves the word as it found it too. Only a contender that announced
//! itself and then timed out in its sleep leaves a 2 behind (it cannot know whether others sleep).
//!
//! Memory ordering: taking the lock is an Acquire read-modify-write and releasing it a Release
//! swap, so everything written under the lock happens-before the next owner's critical section.
//! Nothing else is published through the word. Wait and wake order nothing by themselves.
//!
//! Loops that wait (every one ends in a sleep on a word its awaited party wakes):
//! - `RawLock::lock_slow`, the spin: a `shim::Spin` budget (a few busy rounds with exponential
//!   backoff, then a few yields, as many as paid off lately; none under loom, one under
//!   shuttle), only while the word reads 1, then the sleep loop below.
//! - `RawLock::lock_slow`, the sleep loop: sleeps on `state` at 2; the owner's unlock swaps in 0
//!   and, having replaced a 2, wakes one sleeper on `state`. A woken contender spins again on a
//!   fresh budget while the word reads 1, then swaps as before.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use std::sync::Arc;

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    Site, UnsafeCell,
};

pub(crate) const UNLOCKED: u32 = 0;
pub(crate) const LOCKED: u32 = 1;
pub(crate) const CONTENDED: u32 = 2;

/// The lock algorithm on its own, without data: the futex word and its transitions. `Lock<T>`
/// wraps it with the data; `RLock` and `Condition` use it without a guard.
pub(crate) struct RawLock {
    state: AtomicU32,
}

impl RawLock {
    #[cfg(not(weft_checker))]
    #[inline]
    pub(crate) const fn new() -> Self {
        RawLock {
            state: AtomicU32::new(UNLOCKED),
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new() -> Self {
        RawLock {
            state: AtomicU32::new(UNLOCKED),
        }
    }

    /// One compare-exchange, 0 → 1: takes the lock if it is free right now. Never blocks, never
    /// spins, never changes the word when it fails.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        // Acquire on success: the previous owner's Release unlock happens-before our access.
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
            .is_ok()
    }

    /// Takes the lock, blocking until it is free.
    #[inline]
    pub(crate) fn lock(&self) {
        if !self.try_lock() {
            let locked = self.lock_slow(None);
            debug_assert!(locked, "a take without deadline cannot time out");
        }
    }

    /// Takes the lock, waiting until `deadline` (`None`: forever). Returns whether it did. A
    /// deadline already past is one try with no side effect.
    #[inline]
    pub(crate) fn lock_until(&self, deadline: Option<Instant>) -> bool {
        self.try_lock() || self.lock_slow(deadline)
    }

    /// Takes the lock, waiting at most `timeout`. Returns whether it did. The deadline is only
    /// computed once the fast path has failed, so an uncontended timed take reads no clock.
    #[inline]
    pub(crate) fn lock_for(&self, timeout: Duration) -> bool {
        self.try_lock() || self.lock_for_slow(timeout)
    }

    /// `lock_for` after its one try failed. A zero timeout ends here without reading the clock.
    #[cold]
    fn lock_for_slow(&self, timeout: Duration) -> bool {
        !timeout.is_zero() && self.lock_slow(shim::deadline_after(timeout))
    }

    /// Contended path. Returns `true` with the lock held, `false` if `deadline` passed first.
    #[cold]
    fn lock_slow(&self, deadline: Option<Instant>) -> bool {
        // A zero timeout or a past deadline is the fast path's one try, already made: no spin,
        // and the word stays as it was (issue 8: a past deadline used to spin and leave 2, so the
        // owner's next unlock made a needless wake system call).
        if shim::expired(deadline) {
            return false;
        }
        // Spin, then yield, while the owner holds it without sleepers (`shim::Spin` sets how
        // long, from how often spinning paid off lately): short critical sections end sooner
        // than a sleep would. Read-only but for a try whenever the word reads free, so spinners
        // do not fight over the cache line; a failed try counts as a round, so this is bounded.
        let mut spin = shim::Spin::new(Site::Lock);
        let mut state = self.state.load(Relaxed);
        loop {
            if state == UNLOCKED {
                // Acquire on success: pairs with the previous owner's Release in `unlock`.
                match self
                    .state
                    .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                {
                    Ok(_) => return true,
                    Err(now) => state = now,
                }
            }
            // A sleeper means the owner's unlock will wake one: queue up behind it.
            if state == CONTENDED || !spin.pause() {
                break;
            }
            state = self.state.load(Relaxed);
        }
        spin.stop();
        // Out of time during the spin: give up before announcing ourselves, so a timed-out
        // caller that never slept leaves the word as it found it.
        if shim::expired(deadline) {
            return false;
        }
        loop {
            // Swap in CONTENDED: if it was free we now own it (and may leave a needless
            // CONTENDED behind, which costs one empty wake); otherwise the owner will wake us.
            // Acquire: pairs with the previous owner's Release in `unlock`. Skipped when the
            // word already reads CONTENDED: the announcement is there, and a change before the
            // sleep makes `wait` return at once.
            if state != CONTENDED && self.state.swap(CONTENDED, Acquire) == UNLOCKED {
                return true;
            }
            // After a wake we must swap (or read 2, which announces the same) before we may give
            // up: the wake may have been the only one owed, and the 2 re-announces the sleepers
            // it did not reach. So the deadline is checked only here, by `wait`.
            if !shim::wait(&self.state, CONTENDED, deadline) {
                // Timed out without being woken. If a wake was meant for us, `wait` returned
                // `true` instead, so no wake is lost here; and we leave CONTENDED set, so the
                // owner still wakes any other sleeper.
                return false;
            }
            // Woken (or a spurious return): spin again while a new owner holds the lock without
            // sleepers, then swap as above. Never a plain 0 -> 1 take after a sleep: other
            // sleepers may rely on our CONTENDED.
            let mut spin = shim::Spin::new(Site::Lock);
            state = self.state.load(Relaxed);
            while state == LOCKED && spin.pause() {
                state = self.state.load(Relaxed);
            }
            if state != UNLOCKED {
                spin.stop();
            }
        }
    }

    /// Releases the lock.
    ///
    /// # Safety
    /// The caller owns the lock (it took it with one of the methods above, or owns an
    /// acquisition that was handed to it), and nothing else will release that acquisition.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // Release: publishes the critical section's writes to the next owner's Acquire.
        if self.state.swap(UNLOCKED, Release) == CONTENDED {
            self.wake_one_sleeper();
        }
    }

    #[cold]
    fn wake_one_sleeper(&self) {
        shim::wake_one(&self.state);
    }

    /// The word itself, for tests that check what a call left behind.
    #[cfg(all(test, not(weft_checker)))]
    pub(crate) fn word(&self) -> u32 {
        self.state.load(Relaxed)
    }

    /// Whether some thread holds the lock right now; a Relaxed snapshot.
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Relaxed) != UNLOCKED
    }
}

/// A mutual-exclusion lock that protects a value of type `T`, Python's `threading.Lock`.
///
/// `Lock<()>` (the default) is Python's data-less lock; `Lock<T>` hands out a [`LockGuard`] that
/// derefs to the `T` it protects and unlocks when dropped.
///
/// Every way to lock comes in the crate's four forms (`docs/api.md`): [`lock`](Self::lock)
/// blocks, [`try_lock`](Self::try_lock) never blocks, [`lock_for`](Self::lock_for) and
/// [`lock_until`](Self::lock_until) wait at most until a bound. A zero timeout or a past deadline
/// is exactly one try, like `try_lock`, and leaves the lock exactly as `try_lock` would. The
/// `_arc` forms ([`lock_arc`](Self::lock_arc) and kin) return an [`ArcLockGuard`] that owns an
/// `Arc` of the lock instead of borrowing it.
///
/// - **Unfair**: a thread that unlocks may take the lock again before a woken sleeper does;
///   there is no FIFO order among waiters (as with `std::sync::Mutex`).
/// - **No poisoning**: a panic while a guard is held unlocks the lock; the next owner sees the
///   value as the panicking thread left it. There is no `PoisonError` to unwrap.
/// - **Not reentrant**: locking twice on one thread deadlocks; use [`RLock`](crate::RLock).
/// - `Lock<()>` is 4 bytes and `new` is `const`; the uncontended lock is one compare-exchange and
///   the unlock enters the kernel only when a thread sleeps.
///
/// Promises, state table and the tests behind them: `docs/lock.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::Arc;
/// use weftsync::Lock;
///
/// let counter = Arc::new(Lock::new(0));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = Arc::clone(&counter);
///         std::thread::spawn(move || *counter.lock() += 1)
///     })
///     .collect();
/// for h in handles {
///     h.join().unwrap();
/// }
/// assert_eq!(*counter.lock(), 4);
/// # }
/// ```
#[doc(alias = "Mutex")]
pub struct Lock<T: ?Sized = ()> {
    raw: RawLock,
    data: UnsafeCell<T>,
}

/// Safe to send when the protected value is: the lock moves with it.
// SAFETY: a `Lock<T>` owns its `T`; moving the lock moves the `T` to the other thread.
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}

/// Sharing a lock hands `&mut T` to one thread at a time, so it needs `T: Send` only (as
/// `std::sync::Mutex`): the value moves between threads but is never shared.
// SAFETY: the state word grants the guard to one thread at a time (mutual exclusion, checked by
// loom-tests/lock.rs), so `&Lock<T>` gives at most one thread access to the `T` at a time.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

/// Holds a [`Lock`] locked; derefs to the protected value and unlocks when dropped.
///
/// `!Send`: it unlocks on the thread that locked. Its helpers ([`lock_of`](Self::lock_of),
/// [`map`](Self::map), [`try_map`](Self::try_map)) are associated functions, so they never shadow
/// a method of `T`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let lock = weftsync::Lock::new(vec![1]);
/// let mut guard = lock.lock();
/// guard.push(2);
/// drop(guard); // unlocks: Python's lock.release()
/// assert_eq!(*lock.lock(), [1, 2]);
/// # }
/// ```
#[doc(alias = "release")]
#[must_use = "if unused the Lock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct LockGuard<'a, T: ?Sized = ()> {
    lock: &'a Lock<T>,
    /// A guard must be dropped on the thread that locked (the futex word does not care, but
    /// Condition's contract and the OS locks users compare us with do).
    _not_send: PhantomData<*const ()>,
}

/// A guard only gives `&T` across threads when shared, so it is `Sync` when `T` is.
// SAFETY: `&LockGuard<T>` exposes only `&T` (through Deref), which is safe to share if `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for LockGuard<'_, T> {}

/// Holds a [`Lock`] locked through an `Arc` of it: the owned form of [`LockGuard`], made by
/// [`Lock::lock_arc`] and its kin.
///
/// It borrows nothing, so it is `'static` when `T` is: a struct can keep it without a lifetime,
/// and a function can return it after its own `Arc` clone is gone. Like [`LockGuard`] it is
/// `!Send` (it unlocks on the thread that locked), derefs to the value, and unlocks when
/// dropped; the `Arc` it holds keeps the lock alive until then.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::Arc;
/// use weftsync::{ArcLockGuard, Lock};
///
/// /// A log writer that keeps the log locked for as long as it lives.
/// struct Writer {
///     log: ArcLockGuard<Vec<String>>,
/// }
///
/// let log = Arc::new(Lock::new(Vec::new()));
/// let mut w = Writer { log: log.lock_arc() };
/// w.log.push("one".to_string());
/// assert!(log.try_lock().is_none(), "the writer holds the lock");
/// drop(w);
/// assert_eq!(*log.lock(), ["one"]);
/// # }
/// ```
#[doc(alias = "ArcMutexGuard")]
#[must_use = "if unused the Lock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct ArcLockGuard<T: ?Sized = ()> {
    lock: Arc<Lock<T>>,
    /// `!Send`, as [`LockGuard`].
    _not_send: PhantomData<*const ()>,
}

/// A shared owned guard gives `&T`, and through [`ArcLockGuard::lock_of`] an `Arc` of the lock
/// that another thread could clone and keep; so it is `Sync` when `T` is both `Sync` and `Send`.
// SAFETY: `&ArcLockGuard<T>` exposes `&T` (Deref), safe to share when `T: Sync`, and
// `&Arc<Lock<T>>` (`lock_of`): a clone of that `Arc` may outlive the guard on the other thread
// and lock later, which hands that thread the `T`, so `T: Send` is needed too (`Arc<Lock<T>>` is
// `Send + Sync` exactly then).
unsafe impl<T: ?Sized + Send + Sync> Sync for ArcLockGuard<T> {}

/// A [`LockGuard`] narrowed to a part of the protected value by [`LockGuard::map`] or
/// [`LockGuard::try_map`]. It keeps the whole lock held, derefs to the part, and unlocks when
/// dropped; `!Send` like the guard it came from.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Lock, LockGuard, MappedLockGuard};
///
/// let point = Lock::new((1, 2));
/// let mut y: MappedLockGuard<'_, i32> = LockGuard::map(point.lock(), |p| &mut p.1);
/// *y += 40;
/// drop(y);
/// assert_eq!(*point.lock(), (1, 42));
/// # }
/// ```
#[doc(alias = "MappedMutexGuard")]
#[must_use = "if unused the Lock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MappedLockGuard<'a, U: ?Sized> {
    raw: &'a RawLock,
    /// The part of the value: valid, and reachable only through this guard, until it drops.
    data: NonNull<U>,
    /// Borrows the part mutably for `'a` (so `U` is invariant, as behind `&mut`), and `!Send`.
    _marker: PhantomData<(&'a mut U, *const ())>,
}

/// A shared mapped guard gives only `&U`, so it is `Sync` when `U` is.
// SAFETY: `&MappedLockGuard<U>` exposes only `&U` (Deref), which is safe to share if `U: Sync`.
unsafe impl<U: ?Sized + Sync> Sync for MappedLockGuard<'_, U> {}

impl<T> Lock<T> {
    /// Creates an unlocked lock holding `value`. `const`, so a `Lock` can be a `static`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static LOG: weftsync::Lock<Vec<&str>> = weftsync::Lock::new(Vec::new());
    /// LOG.lock().push("hello");
    /// assert_eq!(LOG.lock().len(), 1);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    pub const fn new(value: T) -> Self {
        Lock {
            raw: RawLock::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked lock holding `value` (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(value: T) -> Self {
        Lock {
            raw: RawLock::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value. No locking is needed: `self` is owned.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::Lock::new(String::from("x"));
    /// assert_eq!(lock.into_inner(), "x");
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Locks, blocking until the lock is free. Python's `lock.acquire()` / `with lock:`.
    ///
    /// Deadlocks if this thread already holds the lock.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::Lock::new(1);
    /// *lock.lock() += 1;
    /// assert_eq!(*lock.lock(), 2);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> LockGuard<'_, T> {
        self.raw.lock();
        self.guard()
    }

    /// Locks if the lock is free right now: exactly one try, never blocks, and a failed try
    /// changes nothing. Python's `lock.acquire(blocking=False)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::Lock::new(());
    /// let held = lock.lock();
    /// assert!(lock.try_lock().is_none());
    /// drop(held);
    /// assert!(lock.try_lock().is_some());
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "acquire")]
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.raw.try_lock().then(|| self.guard())
    }

    /// Locks, waiting at most `timeout`; `None` if the time ran out first. Python's
    /// `lock.acquire(timeout=t)`.
    ///
    /// `Duration::ZERO` is exactly one try, like [`try_lock`](Self::try_lock), with no spin and
    /// no side effect; a timeout too large for `Instant` (`Duration::MAX`) waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let lock = weftsync::Lock::new(());
    /// let held = lock.lock();
    /// assert!(lock.lock_for(Duration::from_millis(1)).is_none());
    /// drop(held);
    /// assert!(lock.lock_for(Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias("try_lock_for", "acquire"))]
    pub fn lock_for(&self, timeout: Duration) -> Option<LockGuard<'_, T>> {
        self.raw.lock_for(timeout).then(|| self.guard())
    }

    /// Locks, waiting until `deadline` at the latest; `None` if the deadline passed first.
    ///
    /// A deadline already past is exactly one try, like [`try_lock`](Self::try_lock), with no
    /// spin and no side effect.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let lock = weftsync::Lock::new(5);
    /// let guard = lock.lock_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(*guard, 5);
    /// assert!(lock.lock_until(Instant::now()).is_none(), "held, and no time to wait");
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias("try_lock_until", "acquire"))]
    pub fn lock_until(&self, deadline: Instant) -> Option<LockGuard<'_, T>> {
        self.raw.lock_until(Some(deadline)).then(|| self.guard())
    }

    /// Locks through an `Arc`, blocking until the lock is free; the guard owns an `Arc` clone
    /// instead of borrowing, so it is `'static` (see [`ArcLockGuard`]).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{ArcLockGuard, Lock};
    ///
    /// fn open(shared: &Arc<Lock<u32>>) -> ArcLockGuard<u32> {
    ///     Arc::clone(shared).lock_arc() // the temporary clone may go: the guard holds one
    /// }
    /// let shared = Arc::new(Lock::new(1));
    /// let mut g = open(&shared);
    /// *g += 1;
    /// drop(g);
    /// assert_eq!(*shared.lock(), 2);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "acquire")]
    pub fn lock_arc(self: &Arc<Self>) -> ArcLockGuard<T> {
        self.raw.lock();
        self.arc_guard()
    }

    /// Locks through an `Arc` if the lock is free right now: exactly one try, never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let lock = Arc::new(weftsync::Lock::new(()));
    /// let held = lock.try_lock_arc().expect("free");
    /// assert!(lock.try_lock_arc().is_none());
    /// drop(held);
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    pub fn try_lock_arc(self: &Arc<Self>) -> Option<ArcLockGuard<T>> {
        self.raw.try_lock().then(|| self.arc_guard())
    }

    /// Locks through an `Arc`, waiting at most `timeout`; as [`lock_for`](Self::lock_for).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Duration};
    /// let lock = Arc::new(weftsync::Lock::new(7));
    /// let g = lock.lock_arc_for(Duration::from_secs(1)).unwrap();
    /// assert_eq!(*g, 7);
    /// assert!(lock.lock_arc_for(Duration::ZERO).is_none(), "one try, and it is held");
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_arc_for")]
    pub fn lock_arc_for(self: &Arc<Self>, timeout: Duration) -> Option<ArcLockGuard<T>> {
        self.raw.lock_for(timeout).then(|| self.arc_guard())
    }

    /// Locks through an `Arc`, waiting until `deadline` at the latest; as
    /// [`lock_until`](Self::lock_until).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::{Duration, Instant}};
    /// let lock = Arc::new(weftsync::Lock::new(7));
    /// let g = lock.lock_arc_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(*g, 7);
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_arc_until")]
    pub fn lock_arc_until(self: &Arc<Self>, deadline: Instant) -> Option<ArcLockGuard<T>> {
        self.raw
            .lock_until(Some(deadline))
            .then(|| self.arc_guard())
    }

    /// Whether some thread holds the lock right now. Only a snapshot: it may change at once.
    /// Python's `lock.locked()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::Lock::new(());
    /// assert!(!lock.is_locked());
    /// let _g = lock.lock();
    /// assert!(lock.is_locked());
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// Mutable access without locking: `&mut self` proves no guard exists.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let mut lock = weftsync::Lock::new(1);
    /// *lock.get_mut() = 10;
    /// assert_eq!(*lock.lock(), 10);
    /// # }
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The guard for an acquisition just made by this thread.
    #[inline]
    fn guard(&self) -> LockGuard<'_, T> {
        LockGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// The owned guard for an acquisition just made by this thread.
    #[inline]
    fn arc_guard(self: &Arc<Self>) -> ArcLockGuard<T> {
        ArcLockGuard {
            lock: Arc::clone(self),
            _not_send: PhantomData,
        }
    }

    /// Unlocks without a guard; for primitives built on `Lock` (Condition).
    ///
    /// # Safety
    /// The calling code must own the lock, taken with `raw_lock` or through a guard that was
    /// forgotten or is kept unused until the lock is taken again, and nothing else may release
    /// that acquisition.
    pub(crate) unsafe fn force_unlock(&self) {
        // SAFETY: the caller owns the acquisition and hands its release to us (contract above).
        unsafe { self.raw.unlock() };
    }

    /// Locks without making a guard, waiting until `deadline`; for primitives built on `Lock`.
    pub(crate) fn raw_lock(&self, deadline: Option<Instant>) -> bool {
        self.raw.lock_until(deadline)
    }
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// The lock this guard holds. An associated function, so it never shadows a method of `T`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{Lock, LockGuard};
    /// let lock = Lock::new(0);
    /// let guard = lock.lock();
    /// assert!(std::ptr::eq(LockGuard::lock_of(&guard), &lock));
    /// # }
    /// ```
    pub fn lock_of(guard: &Self) -> &'a Lock<T> {
        guard.lock
    }

    /// Narrows the guard to a part of the value, keeping the whole lock held until the
    /// [`MappedLockGuard`] drops. If `f` panics, the guard is dropped and the lock released.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{Lock, LockGuard};
    /// struct Account { owner: String, balance: u64 }
    /// let account = Lock::new(Account { owner: "ada".into(), balance: 10 });
    /// let mut balance = LockGuard::map(account.lock(), |a| &mut a.balance);
    /// *balance += 5;
    /// assert!(account.try_lock().is_none(), "the whole account stays locked");
    /// drop(balance);
    /// assert_eq!(account.lock().balance, 15);
    /// # assert_eq!(account.lock().owner, "ada");
    /// # }
    /// ```
    pub fn map<U: ?Sized>(guard: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedLockGuard<'a, U> {
        let lock = guard.lock;
        // SAFETY: `guard` holds the lock, so no other reference to the value exists; `guard` is
        // consumed, so this is the only `&mut T` until the mapped guard (which takes over the
        // acquisition below) drops.
        let part = NonNull::from(f(lock.data.with_mut(|p| unsafe { &mut *p })));
        // The mapped guard releases this acquisition; `f` returned, so no unwinding can drop
        // `guard` any more.
        core::mem::forget(guard);
        MappedLockGuard {
            raw: &lock.raw,
            data: part,
            _marker: PhantomData,
        }
    }

    /// Narrows the guard to a part of the value if `f` finds one; otherwise hands the guard
    /// back unchanged (`Err`), still holding the lock.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{Lock, LockGuard};
    /// let slots = Lock::new(vec![Some(1), None]);
    /// let first = LockGuard::try_map(slots.lock(), |v| v[0].as_mut());
    /// assert_eq!(first.as_deref().ok(), Some(&1));
    /// drop(first);
    /// let second = LockGuard::try_map(slots.lock(), |v| v[1].as_mut());
    /// let guard = second.expect_err("slot 1 is empty");
    /// assert_eq!(guard.len(), 2, "the guard comes back whole");
    /// # }
    /// ```
    #[must_use = "the part may not have been found: check the Result"]
    pub fn try_map<U: ?Sized>(
        guard: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedLockGuard<'a, U>, Self> {
        let lock = guard.lock;
        // SAFETY: as in `map`. On `None` the `&mut T` given to `f` is dead before `guard` is
        // handed back, so the guard is again the only way to the value.
        match f(lock.data.with_mut(|p| unsafe { &mut *p })) {
            Some(part) => {
                let part = NonNull::from(part);
                core::mem::forget(guard);
                Ok(MappedLockGuard {
                    raw: &lock.raw,
                    data: part,
                    _marker: PhantomData,
                })
            }
            None => Err(guard),
        }
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no `&mut T` exists elsewhere; the reference lives
        // no longer than the guard, which unlocks only when dropped.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock and `&mut self` is unique, so this is the only
        // reference to the value until the guard is dropped.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: a guard is made only for an acquisition this thread just made, and only its
        // drop releases it (`map`/`try_map` forget the guard when they take it over).
        unsafe { self.lock.raw.unlock() };
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> ArcLockGuard<T> {
    /// The `Arc` of the lock this guard holds. An associated function, so it never shadows a
    /// method of `T`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{ArcLockGuard, Lock};
    /// let lock = Arc::new(Lock::new(0));
    /// let guard = lock.lock_arc();
    /// assert!(Arc::ptr_eq(ArcLockGuard::lock_of(&guard), &lock));
    /// # }
    /// ```
    pub fn lock_of(guard: &Self) -> &Arc<Lock<T>> {
        &guard.lock
    }
}

impl<T: ?Sized> Deref for ArcLockGuard<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: as for `LockGuard`: the guard holds the lock, and the `Arc` keeps it alive for
        // as long as the reference (bounded by `&self`).
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for ArcLockGuard<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `LockGuard`: the guard holds the lock and `&mut self` is unique.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for ArcLockGuard<T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: an owned guard is made only for an acquisition this thread just made, and only
        // its drop releases it. The `Arc` field drops after this, so the lock is still alive.
        unsafe { self.lock.raw.unlock() };
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ArcLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for ArcLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<U: ?Sized> Deref for MappedLockGuard<'_, U> {
    type Target = U;

    #[inline]
    fn deref(&self) -> &U {
        // SAFETY: `data` came from the `&mut` that `map` took over with the lock's acquisition;
        // the lock is still held, so nothing else reaches the part, and the reference lives no
        // longer than `&self`.
        unsafe { self.data.as_ref() }
    }
}

impl<U: ?Sized> DerefMut for MappedLockGuard<'_, U> {
    #[inline]
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`, and `&mut self` is unique, so this is the only reference.
        unsafe { self.data.as_mut() }
    }
}

impl<U: ?Sized> Drop for MappedLockGuard<'_, U> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `map`/`try_map` handed this guard the acquisition of the guard they forgot;
        // only this drop releases it.
        unsafe { self.raw.unlock() };
    }
}

impl<U: ?Sized + fmt::Debug> fmt::Debug for MappedLockGuard<'_, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<U: ?Sized + fmt::Display> fmt::Display for MappedLockGuard<'_, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Never blocks: prints the value if the lock is free, `<locked>` otherwise.
impl<T: ?Sized + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    fn from(value: T) -> Self {
        Lock::new(value)
    }
}

/// Ignoring whether a non-blocking or timed lock happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let lock = weftsync::Lock::new(());
/// lock.try_lock();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let lock = weftsync::Lock::new(());
/// let _held = lock.try_lock();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let lock = weftsync::Lock::new(());
/// lock.lock_for(std::time::Duration::from_millis(1));
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let lock = weftsync::Lock::new(());
/// let _held = lock.lock_for(std::time::Duration::from_millis(1));
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let lock = weftsync::Lock::new(());
/// lock.lock_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let lock = weftsync::Lock::new(());
/// let _held = lock.lock_until(std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;

#[cfg(all(test, not(weft_checker)))]
mod tests {
    use super::*;

    /// Issue 8 regression: a timed take whose time is up must leave the word exactly as a failed
    /// `try_lock` does. It used to spin ~100 rounds and then swap in CONTENDED, so the owner's
    /// next unlock made a wake system call for nobody (1000 in 1000 iterations under strace).
    /// Broke with: the owner holds the lock (word 1); `lock_for(ZERO)` / `lock_until(past)` /
    /// a deadline that runs out during the spin; the word read 2.
    #[test]
    fn expired_timed_take_leaves_the_word_as_try_lock_does() {
        crate::shim::tests::watched(|| {
            let lock = Arc::new(Lock::new(()));
            let held = lock.lock();
            let word = || lock.raw.word();
            let past = Instant::now();
            let check = |what: &str, took: bool| {
                assert!(!took, "{what} took a held lock");
                assert_eq!(
                    word(),
                    LOCKED,
                    "{what} on a held lock must leave the word LOCKED (no sleeper announced)"
                );
            };
            check("try_lock", lock.try_lock().is_some());
            check("lock_for(ZERO)", lock.lock_for(Duration::ZERO).is_some());
            check("lock_until(past)", lock.lock_until(past).is_some());
            // Runs out before the spin or during it; either way it never announces itself.
            let tiny = Duration::from_nanos(1);
            check("lock_for(1 ns)", lock.lock_for(tiny).is_some());
            check("try_lock_arc", lock.try_lock_arc().is_some());
            check(
                "lock_arc_for(ZERO)",
                lock.lock_arc_for(Duration::ZERO).is_some(),
            );
            check("lock_arc_until(past)", lock.lock_arc_until(past).is_some());
            drop(held);
            assert_eq!(word(), UNLOCKED, "the guard's drop unlocks");
        });
    }

    /// A contender whose fast path failed but who finds the lock free in its spin takes it with
    /// the fast path's 0 -> 1: it has not slept, so it announces no sleeper (word LOCKED), and
    /// the unlock makes no wake call. (The lock may be freed between the two paths.)
    #[test]
    fn a_take_that_finds_the_lock_free_in_its_spin_announces_no_sleeper() {
        crate::shim::tests::watched(|| {
            let lock = Lock::new(());
            let far = Some(Instant::now() + Duration::from_secs(3600));
            for deadline in [None, far] {
                assert!(
                    lock.raw.lock_slow(deadline),
                    "the slow path takes a free lock"
                );
                assert_eq!(
                    lock.raw.word(),
                    LOCKED,
                    "a take that never slept must leave the word LOCKED, not CONTENDED"
                );
                // SAFETY: this thread took the lock just above.
                unsafe { lock.force_unlock() };
            }
        });
    }

    /// `raw_lock`, the guardless take of the primitives built on `Lock` (Condition), takes a free
    /// lock and says so, and on a held lock with no time left says it did not.
    #[test]
    fn raw_lock_takes_the_lock_and_says_whether_it_did() {
        crate::shim::tests::watched(|| {
            let lock = Lock::new(());
            assert!(lock.raw_lock(None), "raw_lock(None) takes a free lock");
            assert!(lock.is_locked(), "raw_lock leaves the lock held");
            assert!(
                !lock.raw_lock(Some(Instant::now())),
                "raw_lock on a held lock with no time left must say it did not take it"
            );
            // SAFETY: this thread took the lock with the first raw_lock.
            unsafe { lock.force_unlock() };
            assert!(!lock.is_locked());
        });
    }

    /// L3: a timed take woken while the lock is held by an owner that never slept (word LOCKED:
    /// the lock was passed on between the unlock's wake and the woken contender's read) spins
    /// only its bounded budget, announces itself again and sleeps with its deadline, so it
    /// times out in time. The test holds the lock, lets the contender announce itself, then puts
    /// the word at LOCKED and sends the wake an unlock would have sent; it waits for the
    /// contender with a generous bound, so a spin that lasts while the word reads LOCKED fails
    /// here by name.
    #[test]
    fn a_timed_take_woken_while_a_new_owner_holds_still_times_out() {
        use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
        crate::shim::tests::watched(|| {
            let lock = Arc::new(Lock::new(()));
            let held = lock.lock();
            let done = Arc::new(AtomicBool::new(false));
            let contender = {
                let (lock, done) = (Arc::clone(&lock), Arc::clone(&done));
                std::thread::spawn(move || {
                    let took = lock.lock_for(Duration::from_millis(100)).is_some();
                    done.store(true, SeqCst);
                    took
                })
            };
            while lock.raw.word() != CONTENDED {
                std::thread::yield_now();
            }
            // Held by an owner that never slept; and the wake an unlock sends.
            lock.raw.state.store(LOCKED, Relaxed);
            shim::wake_one(&lock.raw.state);
            let bound = Duration::from_secs(if cfg!(miri) { 120 } else { 10 });
            let since = Instant::now();
            while !done.load(SeqCst) && since.elapsed() < bound {
                std::thread::yield_now();
            }
            assert!(
                done.load(SeqCst),
                "a timed take woken while a new owner holds the lock must still time out"
            );
            drop(held);
            assert!(
                !contender.join().unwrap(),
                "the lock was held past the contender's deadline"
            );
        });
    }
}
