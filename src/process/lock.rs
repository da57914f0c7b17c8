//! `process::Lock<T>`, `process::RLock<T>` and `process::Value<T>`: [`RawLock`] (the robust,
//! process-shared lock word of `robust.rs`) with the data it protects, and the guards that tell
//! whether the previous holder died.
//!
//! `RLock` adds `depth` (guards the holder has, written by the holder only), as the in-process
//! `RLock` does over its `Lock`; ownership is the raw lock's holder, a (process, thread) pair
//! named by the thread's kernel id and token.
//!
//! Memory ordering is the raw lock's: its Acquire take and Release release order the data.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use super::robust::{RawLock, Taken};
use crate::shim::{self, AtomicU32, Duration, Instant, Ordering::Relaxed, UnsafeCell};

/// A lock for data shared between processes, Python's `multiprocessing.Lock` carrying its data,
/// that survives the death of its holder.
///
/// Put it in a [`Region`](super::Region) ([`Region::place`](super::Region::place)) and every
/// process that maps the region can lock it. It also works in ordinary memory, between threads
/// (a robust in-process lock).
///
/// - **A dead holder is replaced**: if the process (or thread) holding the lock dies, a thread
///   blocked in [`lock`](Lock::lock) gets the lock within one slice (10 ms) of the death, and
///   its guard says so: [`LockGuard::owner_died`] is `true` for exactly that one acquisition, so
///   the data, which the dead holder may have left half-updated, can be repaired (pthread's
///   `EOWNERDEAD`). A `try_lock` never waits, so it never notices a death.
/// - **Unfair**, **not reentrant**, **no poisoning**: as [`crate::Lock`].
/// - `T` placed in a region must be plain data (`bytemuck::AnyBitPattern`: no pointers, no
///   references, every bit pattern valid), because another process writes it.
///
/// Promises, design and limits: `docs/process.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::Lock;
///
/// let lock = Lock::new(0u64);
/// {
///     let mut g = lock.lock();
///     assert!(!weftsync::process::LockGuard::owner_died(&g));
///     *g += 1;
/// }
/// assert_eq!(*lock.lock(), 1);
/// # }
/// ```
#[repr(C)]
pub struct Lock<T: ?Sized = ()> {
    raw: RawLock,
    data: UnsafeCell<T>,
}

/// Safe to send when the protected value is: the lock moves with it.
// SAFETY: a `Lock<T>` owns its `T`; moving the lock moves the `T`.
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}

/// Sharing the lock hands `&mut T` to one thread at a time, so it needs `T: Send` only.
// SAFETY: the raw lock grants the guard to one thread at a time (mutual exclusion: loom-tests/
// process.rs), so `&Lock<T>` gives at most one thread access to the `T` at a time.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

/// Holds a [`process::Lock`](Lock); derefs to the data, unlocks when dropped.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let lock = weftsync::process::Lock::new([0u8; 4]);
/// lock.lock()[0] = 7;
/// assert_eq!(lock.lock()[0], 7);
/// # }
/// ```
#[must_use = "if unused the Lock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct LockGuard<'a, T: ?Sized = ()> {
    lock: &'a Lock<T>,
    owner_died: bool,
    _not_send: PhantomData<*const ()>,
}

/// `&LockGuard<T>` only gives `&T`.
// SAFETY: shared access to the guard exposes `&T` only, safe to share when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Sync for LockGuard<'_, T> {}

impl<T> Lock<T> {
    /// Creates an unlocked lock holding `value`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static L: weftsync::process::Lock<u32> = weftsync::process::Lock::new(3);
    /// assert_eq!(*L.lock(), 3);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
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

    /// Consumes the lock and returns the value.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Lock::new(5).into_inner(), 5);
    /// # }
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    fn guard(&self, taken: Taken) -> LockGuard<'_, T> {
        LockGuard {
            lock: self,
            owner_died: taken == Taken::OwnerDied,
            _not_send: PhantomData,
        }
    }

    /// Locks, blocking until the lock is free or its holder is found dead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::Lock::new(1);
    /// *lock.lock() += 1;
    /// assert_eq!(*lock.lock(), 2);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> LockGuard<'_, T> {
        match self.raw.lock(None) {
            Some(taken) => self.guard(taken),
            None => unreachable!("an untimed lock cannot time out"),
        }
    }

    /// Locks if the lock is free right now; never blocks (so it never finds a dead holder).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::Lock::new(());
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
        self.raw.try_lock().map(|t| self.guard(t))
    }

    /// Locks, waiting at most `timeout`. `None` if the time ran out.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let lock = weftsync::process::Lock::new(());
    /// let held = lock.lock();
    /// assert!(lock.lock_for(Duration::from_millis(1)).is_none());
    /// drop(held);
    /// assert!(lock.lock_for(Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_for")]
    pub fn lock_for(&self, timeout: Duration) -> Option<LockGuard<'_, T>> {
        self.raw
            .lock(shim::deadline_after(timeout))
            .map(|t| self.guard(t))
    }

    /// Locks, waiting until `deadline` at the latest. `None` if it passed first.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let lock = weftsync::process::Lock::new(5);
    /// let g = lock.lock_until(Instant::now() + Duration::from_secs(1)).unwrap();
    /// assert_eq!(*g, 5);
    /// # }
    /// ```
    #[inline]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_until")]
    pub fn lock_until(&self, deadline: Instant) -> Option<LockGuard<'_, T>> {
        self.raw.lock(Some(deadline)).map(|t| self.guard(t))
    }

    /// Whether some thread of some process holds the lock right now (a snapshot).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::Lock::new(());
    /// let _g = lock.lock();
    /// assert!(lock.is_locked());
    /// # }
    /// ```
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// Mutable access without locking: `&mut self` proves no guard exists in this process.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let mut lock = weftsync::process::Lock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(*lock.lock(), 2);
    /// # }
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    pub(crate) fn raw(&self) -> &RawLock {
        &self.raw
    }
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// Whether the previous holder died holding the lock (killed, or its thread exited with the
    /// lock held): the data may be half-updated and should be checked or repaired. `true` for
    /// exactly the one acquisition that replaced the dead holder (pthread's `EOWNERDEAD`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Lock, LockGuard};
    /// let lock = Lock::new(0);
    /// let g = lock.lock();
    /// assert!(!LockGuard::owner_died(&g));
    /// # }
    /// ```
    #[doc(alias = "EOWNERDEAD")]
    pub fn owner_died(guard: &Self) -> bool {
        guard.owner_died
    }

    /// The lock this guard holds.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Lock, LockGuard};
    /// let lock = Lock::new(0);
    /// let g = lock.lock();
    /// assert!(std::ptr::eq(LockGuard::lock_of(&g), &lock));
    /// # }
    /// ```
    pub fn lock_of(guard: &Self) -> &'a Lock<T> {
        guard.lock
    }

    /// Records that the lock was re-taken from a dead holder (a `Condition` wait re-locks).
    pub(crate) fn set_owner_died(guard: &mut Self) {
        guard.owner_died = true;
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no `&mut T` exists elsewhere (in any process that
        // follows the lock); the reference lives no longer than the guard.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock and `&mut self` is unique, so this is the only
        // reference to the value until the guard is dropped.
        self.lock.data.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Never blocks: prints the value if the lock is free, `<locked>` otherwise.
impl<T: ?Sized + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("process::Lock");
        match self.try_lock() {
            Some(g) => d.field("data", &&*g),
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

/// A reentrant lock for data shared between processes, Python's `multiprocessing.RLock`, that
/// survives the death of its holder.
///
/// The owner is a thread of a process: it may lock again without blocking, and the lock is
/// released when its last guard drops. As [`Lock`], a dead owner is replaced within one slice
/// and the new owner's guard reports [`RLockGuard::owner_died`]. Guards give `&T` only (several
/// may be alive at once): put atomics or a [`Lock`] inside for mutation.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let lock = weftsync::process::RLock::new(7u32);
/// let a = lock.lock();
/// let b = lock.lock(); // the owner locks again: no deadlock
/// assert_eq!((*a, *b, lock.depth()), (7, 7, 2));
/// # }
/// ```
#[doc(alias = "ReentrantLock")]
#[repr(C)]
pub struct RLock<T: ?Sized = ()> {
    raw: RawLock,
    /// Guards the owner holds; written by the owner only (Relaxed: see `src/rlock.rs`).
    depth: AtomicU32,
    _pad: AtomicU32,
    data: UnsafeCell<T>,
}

/// Safe to send when the value is.
// SAFETY: the `RLock` owns its `T`.
unsafe impl<T: ?Sized + Send> Send for RLock<T> {}
/// Guards of one owner share `&T` on that owner's thread; other threads wait. So sharing needs
/// `T: Send` (the value is used by one thread at a time) and `T: Sync` (several guards of the
/// owner may hand out `&T` at once, and a guard is `Sync` when `T` is).
// SAFETY: the raw lock gives the data to one thread at a time; only shared references are made.
unsafe impl<T: ?Sized + Send + Sync> Sync for RLock<T> {}

/// Holds a [`process::RLock`](RLock) for its owner; derefs to `&T`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let lock = weftsync::process::RLock::new(1);
/// let g = lock.lock();
/// assert_eq!(*g, 1);
/// # }
/// ```
#[must_use = "if unused the RLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RLockGuard<'a, T: ?Sized = ()> {
    lock: &'a RLock<T>,
    owner_died: bool,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: `&RLockGuard<T>` gives `&T` only.
unsafe impl<T: ?Sized + Sync> Sync for RLockGuard<'_, T> {}

impl<T> RLock<T> {
    /// Creates an unlocked reentrant lock holding `value`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static R: weftsync::process::RLock<u8> = weftsync::process::RLock::new(0);
    /// assert_eq!(R.depth(), 0);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new(value: T) -> Self {
        RLock {
            raw: RawLock::new(),
            depth: AtomicU32::new(0),
            _pad: AtomicU32::new(0),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked reentrant lock (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(value: T) -> Self {
        RLock {
            raw: RawLock::new(),
            depth: AtomicU32::new(0),
            _pad: AtomicU32::new(0),
            data: UnsafeCell::new(value),
        }
    }
}

impl<T: ?Sized> RLock<T> {
    /// Locks, blocking until this thread owns the lock (at once if it already does).
    ///
    /// # Panics
    /// If this thread already holds `u32::MAX` guards.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::RLock::new(());
    /// let _a = lock.lock();
    /// let _b = lock.lock();
    /// assert_eq!(lock.depth(), 2);
    /// # }
    /// ```
    #[track_caller]
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> RLockGuard<'_, T> {
        match self.lock_deadline(None, true) {
            Some(g) => g,
            None => unreachable!("an untimed lock cannot time out"),
        }
    }

    /// Locks if this thread owns the lock or it is free right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::RLock::new(());
    /// let _a = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_some(), "the owner may lock again");
    /// # }
    /// ```
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "acquire")]
    pub fn try_lock(&self) -> Option<RLockGuard<'_, T>> {
        self.lock_deadline(None, false)
    }

    /// Locks, waiting at most `timeout`. `None` if the time ran out.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let lock = weftsync::process::RLock::new(());
    /// assert!(lock.lock_for(Duration::from_millis(10)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_for")]
    pub fn lock_for(&self, timeout: Duration) -> Option<RLockGuard<'_, T>> {
        self.lock_deadline(shim::deadline_after(timeout), true)
    }

    /// Locks, waiting until `deadline` at the latest. `None` if it passed first.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let lock = weftsync::process::RLock::new(());
    /// assert!(lock.lock_until(Instant::now() + Duration::from_millis(10)).is_some());
    /// # }
    /// ```
    #[track_caller]
    #[must_use = "the lock may not have been taken: check the Option"]
    #[doc(alias = "try_lock_until")]
    pub fn lock_until(&self, deadline: Instant) -> Option<RLockGuard<'_, T>> {
        self.lock_deadline(Some(deadline), true)
    }

    #[track_caller]
    fn lock_deadline(&self, deadline: Option<Instant>, wait: bool) -> Option<RLockGuard<'_, T>> {
        if self.raw.held_by_me() {
            let depth = self.depth.load(Relaxed);
            assert!(depth < u32::MAX, "process::RLock: locked u32::MAX times");
            self.depth.store(depth + 1, Relaxed);
            return Some(RLockGuard {
                lock: self,
                owner_died: false,
                _not_send: PhantomData,
            });
        }
        let taken = if wait {
            self.raw.lock(deadline)?
        } else {
            self.raw.try_lock()?
        };
        // A dead owner's depth is meaningless: this owner starts at 1 either way.
        self.depth.store(1, Relaxed);
        Some(RLockGuard {
            lock: self,
            owner_died: taken == Taken::OwnerDied,
            _not_send: PhantomData,
        })
    }

    /// How many guards the calling thread holds (0 if it does not own the lock).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::RLock::new(());
    /// assert_eq!(lock.depth(), 0);
    /// let _g = lock.lock();
    /// assert_eq!(lock.depth(), 1);
    /// # }
    /// ```
    pub fn depth(&self) -> u32 {
        if self.raw.held_by_me() {
            self.depth.load(Relaxed)
        } else {
            0
        }
    }

    /// Whether some thread holds the lock right now (a snapshot).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let lock = weftsync::process::RLock::new(());
    /// assert!(!lock.is_locked());
    /// # }
    /// ```
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }
}

impl<T: ?Sized> RLockGuard<'_, T> {
    /// Whether the previous owner died holding the lock; see [`LockGuard::owner_died`]. Only the
    /// guard of the acquisition that replaced the dead owner says `true`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{RLock, RLockGuard};
    /// let lock = RLock::new(());
    /// let g = lock.lock();
    /// assert!(!RLockGuard::owner_died(&g));
    /// # }
    /// ```
    #[doc(alias = "EOWNERDEAD")]
    pub fn owner_died(guard: &Self) -> bool {
        guard.owner_died
    }
}

impl<T: ?Sized> Deref for RLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this thread owns the lock while the guard lives; only `&T` is ever made, so
        // several guards of the owner may share it.
        self.lock.data.with(|p| unsafe { &*p })
    }
}

impl<T: ?Sized> Drop for RLockGuard<'_, T> {
    fn drop(&mut self) {
        let depth = self.lock.depth.load(Relaxed);
        if depth > 1 {
            self.lock.depth.store(depth - 1, Relaxed);
        } else {
            self.lock.depth.store(0, Relaxed);
            self.lock.raw.unlock();
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Never blocks: prints the value if this thread can lock now, `<locked>` otherwise.
impl<T: ?Sized + fmt::Debug> fmt::Debug for RLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("process::RLock");
        match self.try_lock() {
            Some(g) => d.field("data", &&*g),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// A value shared between processes with its own lock, Python's `multiprocessing.Value`.
///
/// [`get_lock`](Value::get_lock) is the lock (a [`process::Lock`](Lock), robust to a dead
/// holder); [`load`](Value::load) and [`store`](Value::store) take it for one read or write, as
/// Python's `.value` does.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let counter = weftsync::process::Value::new(0u64);
/// *counter.get_lock().lock() += 5; // with counter.get_lock(): counter.value += 5
/// counter.store(counter.load() + 1);
/// assert_eq!(counter.load(), 6);
/// # }
/// ```
#[repr(transparent)]
pub struct Value<T> {
    lock: Lock<T>,
}

impl<T> Value<T> {
    /// Creates a value.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Value::new(1.5f64).load(), 1.5);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new(value: T) -> Self {
        Value {
            lock: Lock::new(value),
        }
    }

    /// Creates a value (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(value: T) -> Self {
        Value {
            lock: Lock::new(value),
        }
    }

    /// The value's own lock, Python's `get_lock()`: hold its guard for a read-modify-write.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let v = weftsync::process::Value::new(1);
    /// *v.get_lock().lock() *= 10;
    /// assert_eq!(v.load(), 10);
    /// # }
    /// ```
    pub fn get_lock(&self) -> &Lock<T> {
        &self.lock
    }
}

impl<T: Copy> Value<T> {
    /// Reads the value under its lock (Python's `v.value`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Value::new(3u8).load(), 3);
    /// # }
    /// ```
    #[doc(alias = "value")]
    pub fn load(&self) -> T {
        *self.lock.lock()
    }

    /// Writes the value under its lock (Python's `v.value = x`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let v = weftsync::process::Value::new(0i32);
    /// v.store(-4);
    /// assert_eq!(v.load(), -4);
    /// # }
    /// ```
    #[doc(alias = "value")]
    pub fn store(&self, value: T) {
        *self.lock.lock() = value;
    }
}

impl<T: fmt::Debug> fmt::Debug for Value<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("process::Value").field(&self.lock).finish()
    }
}

/// Ignoring whether a process Lock or RLock call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let l = weftsync::process::Lock::new(0u32);
/// l.try_lock();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let l = weftsync::process::Lock::new(0u32);
/// let _ = l.try_lock();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let l = weftsync::process::Lock::new(0u32);
/// l.lock_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let l = weftsync::process::Lock::new(0u32);
/// let _ = l.lock_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let l = weftsync::process::Lock::new(0u32);
/// l.lock_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let l = weftsync::process::Lock::new(0u32);
/// let _ = l.lock_until(std::time::Instant::now());
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let l = weftsync::process::RLock::new(0u32);
/// l.try_lock();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let l = weftsync::process::RLock::new(0u32);
/// let _ = l.try_lock();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let l = weftsync::process::RLock::new(0u32);
/// l.lock_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let l = weftsync::process::RLock::new(0u32);
/// let _ = l.lock_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let l = weftsync::process::RLock::new(0u32);
/// l.lock_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let l = weftsync::process::RLock::new(0u32);
/// let _ = l.lock_until(std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
