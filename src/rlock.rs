//! `RLock<T>`: a lock the owning thread may take again, Python's `threading.RLock` carrying data.
//!
//! State, in three fields:
//!
//! | field   | value          | meaning                                               |
//! |---------|----------------|-------------------------------------------------------|
//! | `lock`  | a `Lock<()>`   | held (0/1/2 futex word, `lock.rs`) while `depth > 0`  |
//! | `owner` | 0              | no thread owns the lock                               |
//! | `owner` | id             | thread `id` (`shim::current_thread_id`) owns it       |
//! | `depth` | 0              | not owned                                             |
//! | `depth` | n ≥ 1          | the owner holds `n` guards                            |
//!
//! Transitions: a non-owner takes `lock` (Lock's own algorithm: `raw_lock`), then stores
//! `owner = me` and `depth = 1`; the owner re-entering adds 1 to `depth` (panics rather than wrap
//! past `u32::MAX`); dropping a guard subtracts 1, and the drop that reaches 0 stores `owner = 0`
//! and then unlocks `lock` (`force_unlock`), which wakes a sleeper if there is one.
//!
//! Invariant: only the owner writes `owner` and `depth`, and it writes `owner = 0` before it
//! unlocks. So a thread reading `owner == me` really is the owner: no other thread ever stores
//! `me`, and a thread's own latest store to `owner` is `me` while it owns the lock and 0 after.
//!
//! Memory ordering: `owner` and `depth` are Relaxed. The owner check needs no ordering, because a
//! thread always reads its own latest store to `owner` or a later one (coherence), and only it
//! stores its id. The data is published by `lock` itself: its Release unlock happens-before the
//! next owner's Acquire lock, so everything written under the lock (including `owner` and `depth`)
//! is visible to the next owner.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;

use crate::lock::Lock;
use crate::shim::{self, AtomicU32, AtomicU64, Duration, Instant, Ordering::Relaxed, UnsafeCell};

/// No thread owns the lock (`current_thread_id` never returns 0).
const NO_OWNER: u64 = 0;

/// A reentrant lock that protects a value of type `T`, Python's `threading.RLock`.
///
/// The thread that holds an [`RLockGuard`] may lock again without blocking; each call returns
/// another guard, and the lock is released when the owner's *last* guard drops. Other threads
/// wait until then. Because several guards to the same value can be alive at once, a guard gives
/// only `&T`: put a `Cell` or `RefCell` inside for mutation (as with `std`'s `ReentrantLock`).
///
/// - **Depth is visible**: [`RLock::depth`] tells the calling thread how many guards it holds
///   (Python's `RLock._recursion_count()`); 0 means this thread does not own the lock.
/// - **Unfair**, like [`Lock`]: no FIFO order among waiting threads.
/// - **No poisoning**: a panic unwinds through the guards, each drop lowers the depth, and the
///   last one releases the lock.
/// - **Guards are `!Send`**: a guard dropped on another thread would release a lock that thread
///   does not own.
/// - Depth is a `u32`; locking again at depth `u32::MAX` panics (the lock is left unchanged).
///
/// Promises, state table and the tests behind them: `docs/rlock.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::cell::RefCell;
/// use weftsync::RLock;
///
/// let log = RLock::new(RefCell::new(Vec::new()));
/// fn record(log: &RLock<RefCell<Vec<u32>>>, n: u32) {
///     let guard = log.lock();
///     guard.borrow_mut().push(n);
///     if n > 0 {
///         record(log, n - 1); // locks again on this thread: no deadlock
///     }
/// }
/// record(&log, 2);
/// assert_eq!(*log.lock().borrow(), [2, 1, 0]);
/// # }
/// ```
#[doc(alias = "ReentrantMutex")]
#[doc(alias = "ReentrantLock")]
pub struct RLock<T: ?Sized = ()> {
    lock: Lock<()>,
    /// Id of the owning thread, or `NO_OWNER`. Written only by the owner (see the state table).
    owner: AtomicU64,
    /// Guards the owner holds. Atomic (Relaxed) only so that `depth()` may read it from any
    /// thread; only the owner writes it.
    depth: AtomicU32,
    data: UnsafeCell<T>,
}

/// Safe to send when the protected value is: the lock moves with it.
// SAFETY: an `RLock<T>` owns its `T`; moving the lock moves the `T` to the other thread.
unsafe impl<T: ?Sized + Send> Send for RLock<T> {}

/// Sharing an `RLock` gives `&T` to one thread at a time (the owner), so it needs `T: Send` only,
/// as `std`'s `ReentrantLock`: the value is used by one thread after another, never by two at once.
// SAFETY: `lock` admits one owner at a time (checked by loom-tests/rlock.rs), only the owner gets
// a guard, and guards are `!Send`; a guard is `Sync` only when `T: Sync`, so `&T` reaches another
// thread only when that is safe on its own.
unsafe impl<T: ?Sized + Send> Sync for RLock<T> {}

/// One level of ownership of an [`RLock`]; derefs to `&T`. The owner's last guard to drop releases
/// the lock.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let lock = weftsync::RLock::new(5);
/// let outer = lock.lock();
/// let inner = lock.lock();
/// assert_eq!(*inner + *outer, 10);
/// drop(outer); // dropping in any order is fine; the lock stays held by `inner`
/// assert!(lock.is_locked());
/// drop(inner);
/// assert!(!lock.is_locked());
/// # }
/// ```
#[doc(alias = "release")]
#[must_use = "if unused the RLock will immediately be released one level"]
#[clippy::has_significant_drop]
pub struct RLockGuard<'a, T: ?Sized = ()> {
    rlock: &'a RLock<T>,
    /// `!Send`: ownership belongs to the thread that locked; a drop elsewhere would corrupt it.
    _not_send: PhantomData<*const ()>,
}

/// A shared guard gives only `&T`, so it is `Sync` when `T` is.
// SAFETY: `&RLockGuard<T>` exposes only `&T` (Deref) and `depth`, an atomic read; both are safe to
// share across threads if `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for RLockGuard<'_, T> {}

impl<T> RLock<T> {
    /// Creates an unlocked `RLock` holding `value`. `const`, so it can be a `static`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static CONFIG: weftsync::RLock<&str> = weftsync::RLock::new("default");
    /// assert_eq!(*CONFIG.lock(), "default");
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    pub const fn new(value: T) -> Self {
        RLock {
            lock: Lock::new(()),
            owner: AtomicU64::new(NO_OWNER),
            depth: AtomicU32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked `RLock` holding `value` (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(value: T) -> Self {
        RLock {
            lock: Lock::new(()),
            owner: AtomicU64::new(NO_OWNER),
            depth: AtomicU32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value. No locking is needed: `self` is owned.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::RLock::new(vec![1, 2]);
    /// assert_eq!(lock.into_inner(), [1, 2]);
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RLock<T> {
    /// Locks, blocking until no other thread owns the lock. If this thread already owns it,
    /// returns at once with one more level of depth.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::RLock::new(());
    /// let a = lock.lock();
    /// let b = lock.lock(); // same thread: no deadlock
    /// assert_eq!(lock.depth(), 2);
    /// # drop((a, b));
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> RLockGuard<'_, T> {
        let guard = self.acquire_with(|lock| lock.raw_lock(None));
        guard.expect("a lock without deadline always succeeds")
    }

    /// Locks if no other thread owns the lock right now (re-entering if this thread does);
    /// never blocks.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let lock = Arc::new(weftsync::RLock::new(()));
    /// let held = lock.lock();
    /// assert!(lock.try_lock().is_some(), "the owner may always re-enter");
    /// let other = Arc::clone(&lock);
    /// let got = std::thread::spawn(move || other.try_lock().is_some()).join().unwrap();
    /// assert!(!got, "another thread may not");
    /// # drop(held);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "acquire")]
    pub fn try_lock(&self) -> Option<RLockGuard<'_, T>> {
        self.acquire_with(Lock::raw_try_lock)
    }

    /// Locks, waiting at most `timeout` for another owner to release it; the owner re-enters at
    /// once. `Duration::ZERO` is one try; a timeout too large for `Instant` waits forever.
    /// Returns `None` if the time ran out.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let lock = weftsync::RLock::new(());
    /// let g = lock.try_lock_for(Duration::from_millis(10)).unwrap();
    /// assert_eq!(lock.depth(), 1);
    /// # drop(g);
    /// # }
    /// ```
    #[inline]
    pub fn try_lock_for(&self, timeout: Duration) -> Option<RLockGuard<'_, T>> {
        self.try_lock_deadline(shim::deadline_after(timeout))
    }

    /// Locks, waiting until `deadline` at the latest; the owner re-enters at once. A deadline
    /// already past is one try. Returns `None` if the deadline passed first.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let lock = weftsync::RLock::new(3);
    /// let g = lock.try_lock_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(*g, 3);
    /// # }
    /// ```
    #[inline]
    pub fn try_lock_until(&self, deadline: Instant) -> Option<RLockGuard<'_, T>> {
        self.try_lock_deadline(Some(deadline))
    }

    /// The one slow path behind both timed forms.
    fn try_lock_deadline(&self, deadline: Option<Instant>) -> Option<RLockGuard<'_, T>> {
        self.acquire_with(|lock| lock.raw_lock(deadline))
    }

    /// The one acquisition path: re-enter if this thread owns the lock, else take the inner
    /// `Lock` with `take` (blocking, one try, or until a deadline) and become the owner. The
    /// inner lock is held without a guard; the last `RLockGuard` unlocks it with `force_unlock`.
    #[inline]
    fn acquire_with(&self, take: impl FnOnce(&Lock<()>) -> bool) -> Option<RLockGuard<'_, T>> {
        let me = shim::current_thread_id();
        if let Some(guard) = self.reenter(me) {
            return Some(guard);
        }
        take(&self.lock).then(|| self.take_ownership(me))
    }

    /// Whether some thread (this one included) owns the lock right now. Only a snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::RLock::new(());
    /// assert!(!lock.is_locked());
    /// let _g = lock.lock();
    /// assert!(lock.is_locked());
    /// # }
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// How many guards the *calling* thread holds on this lock: 0 if it does not own it.
    /// Python's `RLock._recursion_count()`. Exact for the calling thread (only it can change its
    /// own count); it never reports another thread's depth.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::RLock::new(());
    /// assert_eq!(lock.depth(), 0);
    /// let a = lock.lock();
    /// let b = lock.lock();
    /// assert_eq!(lock.depth(), 2);
    /// drop(b);
    /// assert_eq!(lock.depth(), 1);
    /// # drop(a);
    /// # }
    /// ```
    #[doc(alias = "_recursion_count")]
    #[doc(alias = "_is_owned")]
    pub fn depth(&self) -> u32 {
        // Relaxed: see the module note; `owner == me` is only ever read by the owner itself.
        if self.owner.load(Relaxed) == shim::current_thread_id() {
            self.depth.load(Relaxed)
        } else {
            0
        }
    }

    /// Mutable access without locking: `&mut self` proves no guard exists.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let mut lock = weftsync::RLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(*lock.lock(), 2);
    /// # }
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// If thread `me` owns the lock, adds one level and returns a guard.
    #[inline]
    fn reenter(&self, me: u64) -> Option<RLockGuard<'_, T>> {
        // Relaxed: only `me` ever stores `me` here, and a thread reads its own latest store to
        // `owner` (its id while it owns the lock, NO_OWNER after) or a later one.
        if self.owner.load(Relaxed) != me {
            return None;
        }
        let depth = self.depth.load(Relaxed);
        let Some(deeper) = depth.checked_add(1) else {
            depth_overflow()
        };
        self.depth.store(deeper, Relaxed);
        Some(self.guard())
    }

    /// Called with `lock` just taken by thread `me`: records `me` as the owner at depth 1.
    #[inline]
    fn take_ownership(&self, me: u64) -> RLockGuard<'_, T> {
        // Relaxed: we hold `lock`; its Acquire already ordered us after the previous owner.
        self.owner.store(me, Relaxed);
        self.depth.store(1, Relaxed);
        self.guard()
    }

    #[inline]
    fn guard(&self) -> RLockGuard<'_, T> {
        RLockGuard {
            rlock: self,
            _not_send: PhantomData,
        }
    }

    /// Drops one level; the last one clears the owner and unlocks. The caller is the owner.
    #[inline]
    fn release(&self) {
        let depth = self.depth.load(Relaxed) - 1;
        self.depth.store(depth, Relaxed);
        if depth == 0 {
            // Cleared before the unlock: once another thread can take `lock`, our own latest
            // store to `owner` is NO_OWNER, so we can never mistake ourselves for the owner.
            self.owner.store(NO_OWNER, Relaxed);
            // SAFETY: depth reached 0, so this thread took `lock` (in `lock`/`try_lock*`), forgot
            // that acquisition into `owner`/`depth`, and this is the last guard: no other guard
            // for the acquisition exists.
            unsafe { self.lock.force_unlock() };
        }
    }

    /// Releases the lock at the calling thread's full depth, for `Condition`'s waits; returns
    /// that depth for [`reacquire`](Self::reacquire).
    ///
    /// # Safety
    /// The calling thread owns the lock, and none of its guards on it is used until it calls
    /// `reacquire` with the returned depth.
    pub(crate) unsafe fn release_all(&self) -> u32 {
        // Relaxed: as in `release`; only the owner writes these.
        let depth = self.depth.load(Relaxed);
        self.depth.store(0, Relaxed);
        self.owner.store(NO_OWNER, Relaxed);
        // SAFETY: this thread owns the lock (caller), so it holds `lock` without a guard, and no
        // guard is used until `reacquire` takes it again.
        unsafe { self.lock.force_unlock() };
        depth
    }

    /// Takes the lock again (blocking) at `depth`, after [`release_all`](Self::release_all).
    pub(crate) fn reacquire(&self, depth: u32) {
        let relocked = self.lock.raw_lock(None);
        debug_assert!(relocked, "an untimed lock cannot time out");
        // Relaxed: we hold `lock`, whose Acquire ordered us after the previous owner.
        self.owner.store(shim::current_thread_id(), Relaxed);
        self.depth.store(depth, Relaxed);
    }
}

#[cold]
#[inline(never)]
fn depth_overflow() -> ! {
    panic!("weftsync::RLock: recursion depth would exceed u32::MAX");
}

impl<'a, T: ?Sized> RLockGuard<'a, T> {
    /// The lock this guard holds. An associated function, so it never shadows a method of `T`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{RLock, RLockGuard};
    /// let lock = RLock::new(());
    /// let guard = lock.lock();
    /// assert_eq!(RLockGuard::rlock_of(&guard).depth(), 1);
    /// # }
    /// ```
    pub fn rlock_of(guard: &Self) -> &'a RLock<T> {
        guard.rlock
    }
}

impl<T: ?Sized> Deref for RLockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard's thread owns the lock, so no other thread accesses the value, and
        // no `&mut T` exists (guards give only `&T`; `get_mut` needs `&mut RLock`). The reference
        // lives no longer than the guard.
        self.rlock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> Drop for RLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.rlock.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Never blocks: prints the value if this thread owns the lock or it is free, `<locked>` if
/// another thread owns it.
impl<T: ?Sized + fmt::Debug> fmt::Debug for RLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RLock");
        let me = shim::current_thread_id();
        // Re-entering cannot overflow in practice, but Debug must not panic: only re-enter below
        // the limit, and otherwise print without the value.
        let guard = if self.owner.load(Relaxed) == me {
            (self.depth.load(Relaxed) < u32::MAX)
                .then(|| self.reenter(me))
                .flatten()
        } else {
            self.try_lock()
        };
        match guard {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

impl<T: Default> Default for RLock<T> {
    fn default() -> Self {
        RLock::new(T::default())
    }
}

impl<T> From<T> for RLock<T> {
    fn from(value: T) -> Self {
        RLock::new(value)
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    use super::*;

    /// Depth overflow is a panic, never a silent wrap to 0 (which would let a second thread in
    /// while the owner still holds guards). Reaching `u32::MAX` by locking would take minutes, so
    /// this unit test sets the depth directly.
    #[test]
    fn depth_overflow_panics_and_leaves_lock_held() {
        let lock = RLock::new(());
        let g = lock.lock();
        lock.depth.store(u32::MAX, Relaxed);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lock.lock()));
        assert!(r.is_err(), "locking past u32::MAX must panic");
        assert_eq!(
            lock.depth(),
            u32::MAX,
            "a failed re-lock must not change the depth"
        );
        assert!(
            format!("{lock:?}").contains("<locked>"),
            "Debug must not panic"
        );
        lock.depth.store(1, Relaxed);
        drop(g);
        assert!(!lock.is_locked());
    }
}
