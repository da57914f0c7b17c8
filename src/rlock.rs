//! `RLock<T>`: a lock the owning thread may take again, Python's `threading.RLock` carrying data.
//!
//! State, in three fields:
//!
//! | field   | value          | meaning                                               |
//! |---------|----------------|-------------------------------------------------------|
//! | `lock`  | a `RawLock`    | held (0/1/2 futex word, `lock.rs`) while `depth > 0`  |
//! | `owner` | 0              | no thread owns the lock                               |
//! | `owner` | id             | thread `id` (`shim::current_thread_id`) owns it       |
//! | `depth` | 0              | not owned                                             |
//! | `depth` | n ≥ 1          | the owner holds `n` levels (guards)                   |
//!
//! Transitions: a non-owner takes `lock` (Lock's own algorithm, `RawLock`), then stores
//! `owner = me` and `depth = 1`; the owner re-entering adds 1 to `depth` (panics rather than wrap
//! past `u32::MAX`); dropping a guard subtracts 1, and the drop that reaches 0 stores `owner = 0`
//! and then unlocks `lock`, which wakes a sleeper if there is one. `release_all` (for Condition)
//! goes from any depth straight to 0 the same way, and `reacquire` takes `lock` like a non-owner
//! and stores the saved depth instead of 1.
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
//!
//! Loops that wait: none of its own. Every wait is `RawLock`'s (see `lock.rs`): it sleeps on the
//! inner lock's word, which the owner's last guard drop (or `release_all`) unlocks, waking one
//! sleeper. A zero timeout or a past deadline is re-entry for the owner, and otherwise the inner
//! lock's one compare-exchange, with no spin and no change to any field when it fails.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use std::sync::Arc;

use crate::lock::RawLock;
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
/// Every way to lock comes in the crate's four forms (`docs/api.md`): [`lock`](Self::lock),
/// [`try_lock`](Self::try_lock), [`lock_for`](Self::lock_for), [`lock_until`](Self::lock_until);
/// the owner re-enters at once in each. For another thread a zero timeout or a past deadline is
/// exactly one try with no side effect. The `_arc` forms return an [`ArcRLockGuard`] that owns
/// an `Arc` of the lock.
///
/// - **Depth is visible**: [`RLock::depth`] tells the calling thread how many guards it holds
///   (Python's `RLock._recursion_count()`); 0 means this thread does not own the lock.
/// - **Unfair**, like [`Lock`](crate::Lock): no FIFO order among waiting threads.
/// - **No poisoning**: a panic unwinds through the guards, each drop lowers the depth, and the
///   last one releases the lock.
/// - **Guards are `!Send`**: a guard dropped on another thread would release a lock that thread
///   does not own.
/// - Depth is a `u32`; locking again at depth `u32::MAX` panics at the caller's line (the lock is
///   left unchanged).
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
    lock: RawLock,
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
/// the lock (Python's `release()` of the last level).
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
// SAFETY: `&RLockGuard<T>` exposes only `&T` (Deref) and `&'a RLock<T>` (`rlock_of`); the first is
// safe to share if `T: Sync`; the second can only be used while the guard is borrowed, so the
// lock stays owned by the guard's thread and another thread's attempts fail or wait.
unsafe impl<T: ?Sized + Sync> Sync for RLockGuard<'_, T> {}

/// One level of ownership of an [`RLock`] held through an `Arc` of it: the owned form of
/// [`RLockGuard`], made by [`RLock::lock_arc`] and its kin.
///
/// It borrows nothing, so it is `'static` when `T` is. Like [`RLockGuard`] it is `!Send`, derefs
/// to `&T`, and gives back its level when dropped; the owner's last guard (borrowed or owned)
/// releases the lock.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::Arc;
/// use weftsync::{ArcRLockGuard, RLock};
///
/// struct Session {
///     _held: ArcRLockGuard<()>, // no lifetime to carry around
/// }
/// let lock = Arc::new(RLock::new(()));
/// let session = Session { _held: lock.lock_arc() };
/// let nested = lock.lock(); // same thread: re-enters
/// assert_eq!(lock.depth(), 2);
/// drop(session);
/// drop(nested);
/// assert!(!lock.is_locked());
/// # }
/// ```
#[doc(alias = "ArcReentrantMutexGuard")]
#[must_use = "if unused the RLock will immediately be released one level"]
#[clippy::has_significant_drop]
pub struct ArcRLockGuard<T: ?Sized = ()> {
    rlock: Arc<RLock<T>>,
    /// `!Send`, as [`RLockGuard`].
    _not_send: PhantomData<*const ()>,
}

/// A shared owned guard gives `&T`, and through [`ArcRLockGuard::rlock_of`] an `Arc` another
/// thread could clone and keep past the guard; so it is `Sync` when `T` is `Sync` and `Send`.
// SAFETY: `&T` is safe to share when `T: Sync`; a clone of the `Arc` kept by another thread may
// lock later and so hand that thread the `T`, which `T: Send` allows (`Arc<RLock<T>>` is
// `Send + Sync` exactly then).
unsafe impl<T: ?Sized + Send + Sync> Sync for ArcRLockGuard<T> {}

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
            lock: RawLock::new(),
            owner: AtomicU64::new(NO_OWNER),
            depth: AtomicU32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked `RLock` holding `value` (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(value: T) -> Self {
        RLock {
            lock: RawLock::new(),
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
    /// returns at once with one more level of depth. Python's `rlock.acquire()` / `with rlock:`.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
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
    #[track_caller]
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> RLockGuard<'_, T> {
        self.acquire(take_blocking);
        self.guard()
    }

    /// Locks if no other thread owns the lock right now (re-entering if this thread does);
    /// never blocks. For another thread it is exactly one try, and a failed try changes nothing.
    /// Python's `rlock.acquire(blocking=False)`.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
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
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "acquire")]
    pub fn try_lock(&self) -> Option<RLockGuard<'_, T>> {
        self.acquire(RawLock::try_lock).then(|| self.guard())
    }

    /// Locks, waiting at most `timeout` for another owner to release it; the owner re-enters at
    /// once. `None` if the time ran out. Python's `rlock.acquire(timeout=t)`.
    ///
    /// `Duration::ZERO` is exactly one try, like [`try_lock`](Self::try_lock), with no spin and
    /// no side effect; a timeout too large for `Instant` (`Duration::MAX`) waits forever.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let lock = weftsync::RLock::new(());
    /// let g = lock.lock_for(Duration::from_millis(10)).unwrap();
    /// assert_eq!(lock.depth(), 1);
    /// # drop(g);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias("try_lock_for", "acquire"))]
    pub fn lock_for(&self, timeout: Duration) -> Option<RLockGuard<'_, T>> {
        self.acquire(|raw| raw.lock_for(timeout))
            .then(|| self.guard())
    }

    /// Locks, waiting until `deadline` at the latest for another owner to release it; the owner
    /// re-enters at once. `None` if the deadline passed first.
    ///
    /// A deadline already past is exactly one try, like [`try_lock`](Self::try_lock), with no
    /// spin and no side effect.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let lock = weftsync::RLock::new(3);
    /// let g = lock.lock_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(*g, 3);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias("try_lock_until", "acquire"))]
    pub fn lock_until(&self, deadline: Instant) -> Option<RLockGuard<'_, T>> {
        self.acquire(|raw| raw.lock_until(Some(deadline)))
            .then(|| self.guard())
    }

    /// Locks through an `Arc`, blocking until no other thread owns the lock (the owner re-enters
    /// at once); the guard owns an `Arc` clone instead of borrowing (see [`ArcRLockGuard`]).
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{ArcRLockGuard, RLock};
    /// fn hold(lock: &Arc<RLock<u8>>) -> ArcRLockGuard<u8> {
    ///     Arc::clone(lock).lock_arc()
    /// }
    /// let lock = Arc::new(RLock::new(9));
    /// let g = hold(&lock);
    /// assert_eq!(*g, 9);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn lock_arc(self: &Arc<Self>) -> ArcRLockGuard<T> {
        self.acquire(take_blocking);
        self.arc_guard()
    }

    /// Locks through an `Arc` if no other thread owns the lock right now (re-entering if this
    /// thread does); never blocks.
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let lock = Arc::new(weftsync::RLock::new(()));
    /// let a = lock.try_lock_arc().expect("free");
    /// let b = lock.try_lock_arc().expect("the owner re-enters");
    /// assert_eq!(lock.depth(), 2);
    /// # drop((a, b));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    pub fn try_lock_arc(self: &Arc<Self>) -> Option<ArcRLockGuard<T>> {
        self.acquire(RawLock::try_lock).then(|| self.arc_guard())
    }

    /// Locks through an `Arc`, waiting at most `timeout`; as [`lock_for`](Self::lock_for).
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Duration};
    /// let lock = Arc::new(weftsync::RLock::new(()));
    /// let g = lock.lock_arc_for(Duration::ZERO).expect("free: one try is enough");
    /// assert_eq!(lock.depth(), 1);
    /// # drop(g);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_arc_for")]
    pub fn lock_arc_for(self: &Arc<Self>, timeout: Duration) -> Option<ArcRLockGuard<T>> {
        self.acquire(|raw| raw.lock_for(timeout))
            .then(|| self.arc_guard())
    }

    /// Locks through an `Arc`, waiting until `deadline` at the latest; as
    /// [`lock_until`](Self::lock_until).
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards (the panic names the caller's line).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::{Duration, Instant}};
    /// let lock = Arc::new(weftsync::RLock::new(()));
    /// let g = lock.lock_arc_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(lock.depth(), 1);
    /// # drop(g);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_arc_until")]
    pub fn lock_arc_until(self: &Arc<Self>, deadline: Instant) -> Option<ArcRLockGuard<T>> {
        self.acquire(|raw| raw.lock_until(Some(deadline)))
            .then(|| self.arc_guard())
    }

    /// The one acquisition path: re-enter if this thread owns the lock, else take the inner
    /// lock with `take` (blocking, one try, or until a deadline) and become the owner. Returns
    /// whether this thread gained a level; the caller makes the guard. The inner lock is held
    /// without a guard; the last guard unlocks it in `release`.
    #[inline]
    #[track_caller]
    fn acquire(&self, take: impl FnOnce(&RawLock) -> bool) -> bool {
        let me = shim::current_thread_id();
        // Relaxed: only `me` ever stores `me` here, and a thread reads its own latest store to
        // `owner` (its id while it owns the lock, NO_OWNER after) or a later one.
        if self.owner.load(Relaxed) == me {
            self.add_level();
            return true;
        }
        let took = take(&self.lock);
        if took {
            // Relaxed: we hold `lock`; its Acquire already ordered us after the previous owner.
            self.owner.store(me, Relaxed);
            self.depth.store(1, Relaxed);
        }
        took
    }

    /// The owner adds one level. Panics (at the caller's line) rather than wrap past `u32::MAX`,
    /// before changing anything.
    #[inline]
    #[track_caller]
    fn add_level(&self) {
        let depth = self.depth.load(Relaxed);
        let Some(deeper) = depth.checked_add(1) else {
            depth_overflow()
        };
        self.depth.store(deeper, Relaxed);
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
    #[doc(alias = "locked")]
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

    /// Gives up every level this thread holds at once, so that other threads can take the lock,
    /// and returns the depth to restore with [`reacquire`](Self::reacquire). For `Condition`
    /// over an `RLock` (Python's `Condition(RLock())`, whose `wait` releases the lock however
    /// deeply the caller holds it). Wakes one thread blocked on the lock, as a last guard's drop
    /// does.
    ///
    /// # Safety
    /// - The calling thread owns the lock (`self.depth() > 0`).
    /// - From this call until `reacquire(d)`, with the `d` it returned, has returned on this
    ///   thread, this thread does not use this `RLock` in any other way, and in particular
    ///   neither derefs nor drops (nor forgets) any guard of it that it holds: those guards stand
    ///   for levels it no longer owns, so a deref could race with the next owner and a drop
    ///   would release a lock another thread owns.
    #[must_use = "the depth must be handed to reacquire"]
    pub(crate) unsafe fn release_all(&self) -> u32 {
        debug_assert_eq!(
            self.owner.load(Relaxed),
            shim::current_thread_id(),
            "release_all by a thread that does not own the RLock"
        );
        let depth = self.depth.load(Relaxed);
        self.depth.store(0, Relaxed);
        // Cleared before the unlock, as in `release`.
        self.owner.store(NO_OWNER, Relaxed);
        // SAFETY: the caller owns the lock (contract), so this thread holds the inner lock's
        // acquisition; its guards stay unused until `reacquire` takes a new one, so nothing else
        // releases this one.
        unsafe { self.lock.unlock() };
        depth
    }

    /// Takes the lock again for the calling thread at `depth` levels, blocking (without a
    /// timeout) until no other thread owns it: the other half of [`release_all`](Self::release_all).
    ///
    /// The calling thread must not own the lock (it would wait for itself forever, as a `Lock`
    /// locked twice does). Safe on its own: it only records `depth` levels owned by this thread;
    /// that those levels are the guards it still holds is `release_all`'s contract.
    pub(crate) fn reacquire(&self, depth: u32) {
        debug_assert!(
            depth > 0,
            "reacquire at depth 0 would own the lock with no level"
        );
        let me = shim::current_thread_id();
        debug_assert_ne!(
            self.owner.load(Relaxed),
            me,
            "reacquire by the owner deadlocks"
        );
        self.lock.lock();
        // Relaxed: we hold `lock`; its Acquire ordered us after the previous owner.
        self.owner.store(me, Relaxed);
        self.depth.store(depth, Relaxed);
    }

    #[inline]
    fn guard(&self) -> RLockGuard<'_, T> {
        RLockGuard {
            rlock: self,
            _not_send: PhantomData,
        }
    }

    #[inline]
    fn arc_guard(self: &Arc<Self>) -> ArcRLockGuard<T> {
        ArcRLockGuard {
            rlock: Arc::clone(self),
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
            // SAFETY: depth reached 0, so this thread took `lock` (in `acquire` or `reacquire`),
            // recorded that acquisition in `owner`/`depth`, and this is the last guard: nothing
            // else will release it.
            unsafe { self.lock.unlock() };
        }
    }
}

/// The blocking take, as a function for `acquire`: always succeeds.
#[inline]
fn take_blocking(raw: &RawLock) -> bool {
    raw.lock();
    true
}

#[cold]
#[inline(never)]
#[track_caller]
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

impl<T: ?Sized> ArcRLockGuard<T> {
    /// The `Arc` of the lock this guard holds. An associated function, so it never shadows a
    /// method of `T`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{ArcRLockGuard, RLock};
    /// let lock = Arc::new(RLock::new(()));
    /// let guard = lock.lock_arc();
    /// assert!(Arc::ptr_eq(ArcRLockGuard::rlock_of(&guard), &lock));
    /// # }
    /// ```
    pub fn rlock_of(guard: &Self) -> &Arc<RLock<T>> {
        &guard.rlock
    }
}

impl<T: ?Sized> Deref for ArcRLockGuard<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: as for `RLockGuard`; the `Arc` keeps the lock alive for as long as `&self`.
        self.rlock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> Drop for ArcRLockGuard<T> {
    #[inline]
    fn drop(&mut self) {
        // The `Arc` field drops after this, so the lock is alive for the release.
        self.rlock.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ArcRLockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for ArcRLockGuard<T> {
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
            (self.depth.load(Relaxed) < u32::MAX).then(|| {
                self.add_level();
                self.guard()
            })
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

/// Ignoring whether a non-blocking or timed lock happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let lock = weftsync::RLock::new(());
/// lock.try_lock();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let lock = weftsync::RLock::new(());
/// let _held = lock.try_lock();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let lock = weftsync::RLock::new(());
/// lock.lock_for(std::time::Duration::from_millis(1));
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let lock = weftsync::RLock::new(());
/// let _held = lock.lock_for(std::time::Duration::from_millis(1));
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let lock = weftsync::RLock::new(());
/// lock.lock_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let lock = weftsync::RLock::new(());
/// let _held = lock.lock_until(std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;

#[cfg(all(test, not(weft_checker)))]
mod tests {
    use super::*;
    use crate::lock::{LOCKED, UNLOCKED};
    use std::panic::{AssertUnwindSafe, PanicHookInfo};
    use std::sync::{Mutex, mpsc};

    /// Depth overflow is a panic, never a silent wrap to 0 (which would let a second thread in
    /// while the owner still holds guards). Reaching `u32::MAX` by locking would take minutes, so
    /// this unit test sets the depth directly.
    #[test]
    fn depth_overflow_panics_and_leaves_lock_held() {
        crate::shim::tests::watched(|| {
            let lock = RLock::new(());
            let g = lock.lock();
            lock.depth.store(u32::MAX, Relaxed);
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| lock.lock()));
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
        });
    }

    /// Runs `f`, which must panic, and returns the file and line the panic reports. The hook is
    /// process-wide: this one records only this thread's panic and passes every other thread's
    /// to the hook it replaced, which it puts back afterwards.
    fn panic_location(f: impl FnOnce()) -> (String, u32) {
        type Hook = dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static;
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let me = std::thread::current().id();
        let seen: Arc<Mutex<Option<(String, u32)>>> = Arc::default();
        let previous: Arc<Hook> = Arc::from(std::panic::take_hook());
        {
            let (seen, previous) = (Arc::clone(&seen), Arc::clone(&previous));
            std::panic::set_hook(Box::new(move |info| {
                if std::thread::current().id() == me {
                    let at = info.location().map(|l| (l.file().to_owned(), l.line()));
                    *seen.lock().unwrap_or_else(|e| e.into_inner()) = at;
                } else {
                    previous(info);
                }
            }));
        }
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| previous(info)));
        assert!(outcome.is_err(), "the call was expected to panic");
        let at = seen.lock().unwrap_or_else(|e| e.into_inner()).take();
        at.expect("the panic hook saw no panic on this thread")
    }

    /// `#[track_caller]` reaches the depth-overflow panic from every public form: the panic
    /// names the line that called `lock`, not a line inside the crate (docs/api.md, rule 4).
    #[test]
    fn depth_overflow_panic_names_the_callers_line() {
        crate::shim::tests::watched(|| {
            let lock = Arc::new(RLock::new(()));
            let g = lock.lock();
            lock.depth.store(u32::MAX, Relaxed);
            let past = Instant::now();
            macro_rules! assert_panics_here {
                ($call:expr) => {{
                    let at = panic_location(|| drop($call));
                    assert_eq!(
                        at,
                        (file!().to_owned(), line!()),
                        "the depth-overflow panic of `{}` must name the caller's line",
                        stringify!($call)
                    );
                }};
            }
            assert_panics_here!(lock.lock());
            assert_panics_here!(lock.try_lock());
            assert_panics_here!(lock.lock_for(Duration::ZERO));
            assert_panics_here!(lock.lock_until(past));
            assert_panics_here!(lock.lock_arc());
            assert_panics_here!(lock.try_lock_arc());
            assert_panics_here!(lock.lock_arc_for(Duration::ZERO));
            assert_panics_here!(lock.lock_arc_until(past));
            lock.depth.store(1, Relaxed);
            drop(g);
        });
    }

    /// Issue 8 regression (RLock side): for a thread that does not own the lock, a zero timeout,
    /// a past deadline, or a deadline that runs out during the spin is one try that changes
    /// nothing: the inner word stays LOCKED (no sleeper announced, so the owner's release makes
    /// no wake call), and `owner`/`depth` stay the owner's. Broke with: the owner at depth 2; a
    /// non-owner's `lock_for(ZERO)`; the inner word read 2 (CONTENDED).
    #[test]
    fn expired_timed_take_by_non_owner_changes_nothing() {
        crate::shim::tests::watched(|| {
            let lock = Arc::new(RLock::new(()));
            let (held_tx, held_rx) = mpsc::channel();
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let owner = {
                let lock = Arc::clone(&lock);
                std::thread::spawn(move || {
                    let outer = lock.lock();
                    let inner = lock.lock();
                    held_tx.send(()).unwrap();
                    let _ = done_rx.recv();
                    drop((inner, outer));
                })
            };
            held_rx.recv().unwrap();
            let fields = || {
                let owner = lock.owner.load(Relaxed);
                (lock.lock.word(), owner, lock.depth.load(Relaxed))
            };
            let before = fields();
            let past = Instant::now();
            let tiny = Duration::from_nanos(1);
            // Collected first and checked after the owner is let go, so a failed check cannot leave
            // the owner thread waiting.
            let tries = [
                ("try_lock", lock.try_lock().is_some(), fields()),
                (
                    "lock_for(ZERO)",
                    lock.lock_for(Duration::ZERO).is_some(),
                    fields(),
                ),
                (
                    "lock_until(past)",
                    lock.lock_until(past).is_some(),
                    fields(),
                ),
                ("lock_for(1 ns)", lock.lock_for(tiny).is_some(), fields()),
                ("try_lock_arc", lock.try_lock_arc().is_some(), fields()),
                (
                    "lock_arc_for(ZERO)",
                    lock.lock_arc_for(Duration::ZERO).is_some(),
                    fields(),
                ),
                (
                    "lock_arc_until(past)",
                    lock.lock_arc_until(past).is_some(),
                    fields(),
                ),
            ];
            done_tx.send(()).unwrap();
            owner.join().unwrap();
            assert_eq!(before.0, LOCKED, "the owner took the lock uncontended");
            assert_eq!(before.2, 2, "the owner holds two levels");
            for (what, took, after) in tries {
                assert!(!took, "{what} by a non-owner took an owned lock");
                assert_eq!(
                    after, before,
                    "{what} by a non-owner must change nothing (inner word, owner, depth)"
                );
            }
            assert_eq!(lock.lock.word(), UNLOCKED, "the owner's last drop unlocks");
        });
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    //! Models of the crate-private `release_all` / `reacquire` pair (Condition over an RLock),
    //! which the integration models in `loom-tests/` cannot call.
    use super::*;
    use loom::thread;
    use std::collections::BTreeSet;
    use std::sync::Mutex as StdMutex;

    /// The owner holds depth 2 and a second thread is blocked (or about to block) in `lock`.
    /// The owner calls `release_all`, then `reacquire(2)`. Explored: the second thread takes the
    /// lock in between (it is woken by `release_all`'s unlock, the only release before the
    /// owner's guards drop) or only after the owner's last guard drops. Both outcomes must show
    /// up across executions; in each, the two threads' writes never overlap (loom's cell
    /// tracking), the owner is back at depth 2, and a write made in between is visible to it.
    #[test]
    fn other_thread_takes_the_lock_between_release_all_and_reacquire() {
        let seen: &'static StdMutex<BTreeSet<&'static str>> = Box::leak(Box::default());
        loom::model(move || {
            let lock = Arc::new(RLock::new(loom::cell::UnsafeCell::new(0u32)));
            let outer = lock.lock();
            let inner = lock.lock();
            let other = {
                let lock = Arc::clone(&lock);
                thread::spawn(move || {
                    let g = lock.lock();
                    // SAFETY: we hold a guard; exclusion is what loom checks here.
                    g.with_mut(|p| unsafe { *p += 1 });
                })
            };
            // SAFETY: this thread owns the lock at depth 2, and does not touch `outer` or
            // `inner` until `reacquire(2)` returns.
            let depth = unsafe { lock.release_all() };
            assert_eq!(depth, 2, "release_all returns the depth it gave up");
            assert_eq!(
                lock.depth(),
                0,
                "after release_all this thread owns nothing"
            );
            lock.reacquire(depth);
            assert_eq!(lock.depth(), 2, "reacquire restores the saved depth");
            // SAFETY: this thread owns the lock again (reacquire), so `inner` is valid.
            let in_between = inner.with(|p| unsafe { *p }) == 1;
            drop(inner);
            drop(outer);
            other.join().unwrap();
            let name = if in_between {
                "took the lock in between"
            } else {
                "took the lock after the last guard"
            };
            seen.lock().unwrap().insert(name);
        });
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.len(),
            2,
            "another thread must be able to take the lock between release_all and reacquire, \
             and after: {seen:?}"
        );
    }
}
