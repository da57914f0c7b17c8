//! `Lock<T>`: mutual exclusion on one 32-bit word, Python's `threading.Lock` carrying data.
//!
//! State of `state` (the futex word):
//!
//! | value | meaning                                   |
//! |-------|-------------------------------------------|
//! | 0     | unlocked                                  |
//! | 1     | locked, no thread asleep on the word      |
//! | 2     | locked, threads may be asleep on the word |
//!
//! Transitions: 0→1 (uncontended lock, one compare-exchange); any→2 (a contender announces it
//! will sleep, by swap); 1|2→0 (unlock, by swap; from 2 it wakes one sleeper).
//!
//! Invariant: while any thread sleeps (or is about to) on the word, the value is 2 or the
//! lock is free. A contender only sleeps on the value 2 it wrote itself, and a woken contender
//! takes the lock with a swap to 2, so it leaves 2 behind for whoever is still asleep. The cost is
//! at most one needless wake after the last sleeper left.
//!
//! Memory ordering: taking the lock is an Acquire read-modify-write and releasing it a Release
//! swap, so everything written under the lock happens-before the next owner's critical section.
//! Nothing else is published through the word. Wait and wake order nothing by themselves.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell,
};

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
const CONTENDED: u32 = 2;

/// A mutual-exclusion lock that protects a value of type `T`, Python's `threading.Lock`.
///
/// `Lock<()>` (the default) is Python's data-less lock; `Lock<T>` hands out a [`LockGuard`] that
/// derefs to the `T` it protects and unlocks when dropped.
///
/// - **Unfair**: a thread that unlocks may take the lock again before a woken sleeper does;
///   there is no FIFO order among waiters (as with `std::sync::Mutex`).
/// - **No poisoning**: a panic while a guard is held unlocks the lock; the next owner sees the
///   value as the panicking thread left it. There is no `PoisonError` to unwrap.
/// - **Not reentrant**: locking twice on one thread deadlocks; use [`RLock`](crate::RLock).
/// - `Lock<()>` is 4 bytes; the uncontended lock is one compare-exchange and the unlock enters
///   the kernel only when a thread sleeps.
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
    state: AtomicU32,
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
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let lock = weftsync::Lock::new(vec![1]);
/// let mut guard = lock.lock();
/// guard.push(2);
/// drop(guard); // unlocks
/// assert_eq!(*lock.lock(), [1, 2]);
/// # }
/// ```
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
            state: AtomicU32::new(UNLOCKED),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked lock holding `value` (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(value: T) -> Self {
        Lock {
            state: AtomicU32::new(UNLOCKED),
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
    /// Locks, blocking until the lock is free.
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
        if !self.try_fast() {
            self.lock_slow(None);
        }
        LockGuard {
            lock: self,
            _not_send: PhantomData,
        }
    }

    /// Locks if the lock is free right now; never blocks.
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
    #[doc(alias = "acquire")]
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.try_fast().then(|| LockGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }

    /// Locks, waiting at most `timeout`. `Duration::ZERO` is one try; a timeout too large for
    /// `Instant` waits forever. Returns `None` if the time ran out.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let lock = weftsync::Lock::new(());
    /// let held = lock.lock();
    /// assert!(lock.try_lock_for(Duration::from_millis(1)).is_none());
    /// drop(held);
    /// assert!(lock.try_lock_for(Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    pub fn try_lock_for(&self, timeout: Duration) -> Option<LockGuard<'_, T>> {
        self.try_lock_deadline(shim::deadline_after(timeout))
    }

    /// Locks, waiting until `deadline` at the latest. A deadline already past is one try.
    /// Returns `None` if the deadline passed first.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let lock = weftsync::Lock::new(5);
    /// let guard = lock.try_lock_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(*guard, 5);
    /// # }
    /// ```
    #[inline]
    pub fn try_lock_until(&self, deadline: Instant) -> Option<LockGuard<'_, T>> {
        self.try_lock_deadline(Some(deadline))
    }

    #[inline]
    fn try_lock_deadline(&self, deadline: Option<Instant>) -> Option<LockGuard<'_, T>> {
        (self.try_fast() || self.lock_slow(deadline)).then(|| LockGuard {
            lock: self,
            _not_send: PhantomData,
        })
    }

    /// Whether some thread holds the lock right now. Only a snapshot: it may change at once.
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
    pub fn is_locked(&self) -> bool {
        self.state.load(Relaxed) != UNLOCKED
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

    /// One compare-exchange: 0 → 1.
    #[inline]
    fn try_fast(&self) -> bool {
        // Acquire on success: the previous owner's Release unlock happens-before our access.
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
            .is_ok()
    }

    /// Contended path. Returns `true` with the lock held, `false` if `deadline` passed.
    #[cold]
    fn lock_slow(&self, deadline: Option<Instant>) -> bool {
        // Spin briefly while the owner holds it without sleepers: short critical sections end
        // sooner than a sleep would. Read-only, so spinners do not fight over the cache line.
        let mut state = self.state.load(Relaxed);
        for _ in shim::spin_rounds() {
            if state != LOCKED {
                break;
            }
            shim::spin_loop();
            state = self.state.load(Relaxed);
        }
        if state == UNLOCKED
            && self
                .state
                .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
                .is_ok()
        {
            return true;
        }
        loop {
            // Swap in CONTENDED: if it was free we now own it (and may leave a needless
            // CONTENDED behind, which costs one empty wake); otherwise the owner will wake us.
            // Acquire: pairs with the previous owner's Release in `unlock`.
            if self.state.swap(CONTENDED, Acquire) == UNLOCKED {
                return true;
            }
            if !shim::wait(&self.state, CONTENDED, deadline) {
                // Timed out without being woken. If a wake was meant for us, `wait` returned
                // `true` instead, so no wake is lost here; and we leave CONTENDED set, so the
                // owner still wakes any other sleeper.
                return false;
            }
        }
    }

    /// Releases the lock; the caller must hold it.
    #[inline]
    fn unlock(&self) {
        // Release: publishes the critical section's writes to the next owner's Acquire.
        if self.state.swap(UNLOCKED, Release) == CONTENDED {
            self.wake_one_sleeper();
        }
    }

    #[cold]
    fn wake_one_sleeper(&self) {
        shim::wake_one(&self.state);
    }

    /// Unlocks without a guard; for primitives built on `Lock` (RLock, Condition).
    ///
    /// # Safety
    /// The calling code must own the lock, taken with `raw_lock` / `raw_try_lock` or through a
    /// guard that was forgotten, and no guard for it may still exist.
    pub(crate) unsafe fn force_unlock(&self) {
        self.unlock();
    }

    /// Locks without making a guard, waiting until `deadline`; for primitives built on `Lock`.
    pub(crate) fn raw_lock(&self, deadline: Option<Instant>) -> bool {
        self.try_fast() || self.lock_slow(deadline)
    }

    /// Locks without making a guard if the lock is free right now; never blocks, and (unlike
    /// `raw_lock` with a past deadline) never marks the word CONTENDED.
    pub(crate) fn raw_try_lock(&self) -> bool {
        self.try_fast()
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
        self.lock.unlock();
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
