//! `process::Semaphore` and `process::BoundedSemaphore`: permits shared between processes, which
//! go back to the semaphore when the process holding them dies.
//!
//! Unlike the in-process semaphore (one lock-free word), the state here sits under a robust
//! lock (`RawLock`), because a permit must be *recorded* against the process that holds it, and
//! taking a permit and recording it must not be two steps a kill could fall between. So the
//! count is never stored: it is derived.
//!
//! | field (all under `lock`) | meaning |
//! |---|---|
//! | `base` | permits in the system: the initial count, plus releases, minus forgotten permits |
//! | `limit` | the most `base` may reach: `MAX_PERMITS`, or a bounded semaphore's initial count |
//! | `holders[i]` | `(process token, held)`: permits process `token` holds now; token 0 = free slot |
//! | `waiters` | threads registered as sleeping on `epoch` (a hint: dead ones inflate it) |
//! | `epoch` | the futex word waiters sleep on; bumped by every change that may let one proceed |
//!
//! Available permits = `base − Σ held`. Every operation changes one field, or changes two in an
//! order whose every prefix is a consistent state once a dead process's slot is reclaimed:
//! - acquire `n`: `held[me] += n` (a new slot writes its token first, then `held`).
//! - drop a permit of `n`: `held[me] −= n`; a slot that reaches 0 is freed (`token = 0`).
//! - `release(n)`: `base += n` (refused past `limit`).
//! - forget a permit of `n`: `base −= n`, then `held[me] −= n`. Killed between the two, the
//!   dead slot is reclaimed (`held = 0`), which gives exactly the count of "forgot, then died".
//! - reclaim a dead process's slot: `held = 0`, then `token = 0`; the permits it held are
//!   available again and counted in `reclaimed`.
//!
//! A dead holder is found by a waiter whose slice ended (`shim::owner`): it scans the slots (at
//! most once per slice across all waiters, `scan_at`) and reclaims dead ones, then wakes the
//! others. So permits a killed process held are back within about one slice of its death,
//! whenever someone is waiting for them. Slots: [`HOLDERS`]; a process that needs a slot when
//! all are taken by other live processes waits as if no permit were free.
//!
//! Memory ordering: every field is read and written under the robust lock, whose Acquire take and
//! Release release order them (the fields are atomics, Relaxed, so that a process killed in the
//! middle of a store can only leave the old or the new value). `epoch` is bumped under the lock
//! and slept on with the futex's atomic compare, as in `src/ring.rs`.

use core::fmt;
use core::ops::Deref;

use super::robust::RawLock;
use crate::shim::{
    self, AtomicU32, AtomicU64, Duration, Instant,
    Ordering::{Relaxed, Release},
    WakeMode,
    owner::{self, Slept, Watch},
};

/// How many processes may hold permits of one semaphore at the same time.
pub(crate) const HOLDERS: usize = if cfg!(weft_checker) { 3 } else { 32 };

#[repr(C)]
struct Holder {
    token: AtomicU64,
    held: AtomicU32,
    _pad: AtomicU32,
}

/// A counting semaphore shared between processes, Python's `multiprocessing.Semaphore`.
///
/// The API of [`crate::Semaphore`]: [`acquire`](Semaphore::acquire) and its `try_` / `_for` /
/// `_until` and `_many` forms return a [`SemaphorePermit`] that gives its permits back when
/// dropped; [`release`](Semaphore::release) adds permits from anywhere.
///
/// - **Permits of a dead process come back**: every permit is recorded against the process that
///   holds it; when that process dies (kill -9) a waiting acquirer finds it within about one
///   slice (10 ms) and returns its permits to the semaphore ([`reclaimed_permits`] counts them).
///   Permits taken out with [`SemaphorePermit::forget`] belong to nobody and are not returned.
/// - At most 32 processes may hold permits of one semaphore at once; a 33rd process waits as if
///   no permit were free.
/// - Not fair, no FIFO (as [`crate::Semaphore`]).
///
/// [`reclaimed_permits`]: Semaphore::reclaimed_permits
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let sem = weftsync::process::Semaphore::new(2);
/// let a = sem.acquire();
/// let b = sem.acquire();
/// assert!(sem.try_acquire().is_none());
/// drop((a, b));
/// assert_eq!(sem.available_permits(), 2);
/// # }
/// ```
#[repr(C)]
pub struct Semaphore {
    lock: RawLock,
    base: AtomicU32,
    limit: AtomicU32,
    waiters: AtomicU32,
    epoch: AtomicU32,
    scan_at: AtomicU32,
    _pad: AtomicU32,
    reclaimed: AtomicU64,
    holders: [Holder; HOLDERS],
}

/// A semaphore whose count never passes its initial value, Python's
/// `multiprocessing.BoundedSemaphore`. It is a [`Semaphore`] (it derefs to one) whose
/// [`release`](BoundedSemaphore::release) returns an error instead of passing the limit.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::{BoundedSemaphore, SemaphorePermit};
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release(1).is_err(), "already at its limit");
/// SemaphorePermit::forget(sem.acquire());
/// assert!(sem.release(1).is_ok());
/// # }
/// ```
#[repr(C)]
pub struct BoundedSemaphore {
    sem: Semaphore,
}

/// Permits taken from a process [`Semaphore`]; dropping it gives them back.
///
/// It may move to another thread of the same process (the permits are recorded against the
/// process). [`forget`](SemaphorePermit::forget) keeps the permits out instead.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let sem = weftsync::process::Semaphore::new(3);
/// let p = sem.acquire_many(2);
/// assert_eq!(weftsync::process::SemaphorePermit::permits(&p), 2);
/// # }
/// ```
#[must_use = "if unused the permits are given back at once"]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

/// A release that would pass the semaphore's limit; nothing was changed.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let sem = weftsync::process::BoundedSemaphore::new(2);
/// let e = sem.release(1).unwrap_err();
/// assert_eq!((e.requested(), e.limit()), (1, 2));
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseError {
    requested: u32,
    limit: u32,
}

impl ReleaseError {
    /// The permits the release tried to add.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::BoundedSemaphore::new(0);
    /// assert_eq!(sem.release(3).unwrap_err().requested(), 3);
    /// # }
    /// ```
    pub fn requested(&self) -> u32 {
        self.requested
    }

    /// The limit it would have passed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::BoundedSemaphore::new(0);
    /// assert_eq!(sem.release(3).unwrap_err().limit(), 0);
    /// # }
    /// ```
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "semaphore released too many times: releasing {} permit(s) would pass its limit of {}",
            self.requested, self.limit
        )
    }
}

impl std::error::Error for ReleaseError {}

impl Semaphore {
    /// The largest count: 2³¹ − 1, as [`crate::Semaphore::MAX_PERMITS`].
    pub const MAX_PERMITS: u32 = (1 << 31) - 1;

    #[cfg(not(weft_checker))]
    const fn with_limit(permits: u32, limit: u32) -> Self {
        assert!(
            permits <= Self::MAX_PERMITS,
            "process::Semaphore::new: more than MAX_PERMITS permits"
        );
        Semaphore {
            lock: RawLock::new(),
            base: AtomicU32::new(permits),
            limit: AtomicU32::new(limit),
            waiters: AtomicU32::new(0),
            epoch: AtomicU32::new(0),
            scan_at: AtomicU32::new(0),
            _pad: AtomicU32::new(0),
            reclaimed: AtomicU64::new(0),
            holders: [const {
                Holder {
                    token: AtomicU64::new(0),
                    held: AtomicU32::new(0),
                    _pad: AtomicU32::new(0),
                }
            }; HOLDERS],
        }
    }

    #[cfg(weft_checker)]
    fn with_limit(permits: u32, limit: u32) -> Self {
        assert!(
            permits <= Self::MAX_PERMITS,
            "process::Semaphore::new: more than MAX_PERMITS permits"
        );
        Semaphore {
            lock: RawLock::new(),
            base: AtomicU32::new(permits),
            limit: AtomicU32::new(limit),
            waiters: AtomicU32::new(0),
            epoch: AtomicU32::new(0),
            scan_at: AtomicU32::new(0),
            _pad: AtomicU32::new(0),
            reclaimed: AtomicU64::new(0),
            holders: core::array::from_fn(|_| Holder {
                token: AtomicU64::new(0),
                held: AtomicU32::new(0),
                _pad: AtomicU32::new(0),
            }),
        }
    }

    /// Creates a semaphore holding `permits` permits.
    ///
    /// # Panics
    /// If `permits > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(4);
    /// assert_eq!(sem.available_permits(), 4);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new(permits: u32) -> Self {
        Semaphore::with_limit(permits, Self::MAX_PERMITS)
    }

    /// Creates a semaphore (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(permits: u32) -> Self {
        Semaphore::with_limit(permits, Self::MAX_PERMITS)
    }

    /// Takes one permit, blocking until one is free (or a dead holder's is reclaimed).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(1);
    /// let _p = sem.acquire();
    /// # }
    /// ```
    #[doc(alias = "wait", alias = "P")]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1)
    }

    /// Takes one permit if one is free right now; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(0);
    /// assert!(sem.try_acquire().is_none());
    /// # }
    /// ```
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes one permit, waiting at most `timeout`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let sem = weftsync::process::Semaphore::new(0);
    /// assert!(sem.acquire_for(Duration::from_millis(1)).is_none());
    /// # }
    /// ```
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    pub fn acquire_for(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_for(1, timeout)
    }

    /// Takes one permit, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let sem = weftsync::process::Semaphore::new(1);
    /// assert!(sem.acquire_until(Instant::now() + Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    pub fn acquire_until(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_until(1, deadline)
    }

    /// Takes `n` permits at once, blocking until they are free.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(3);
    /// let p = sem.acquire_many(3);
    /// assert_eq!(sem.available_permits(), 0);
    /// # drop(p);
    /// # }
    /// ```
    #[track_caller]
    pub fn acquire_many(&self, n: u32) -> SemaphorePermit<'_> {
        match self.acquire_deadline(n, None, true) {
            Some(p) => p,
            None => unreachable!("an untimed acquire cannot time out"),
        }
    }

    /// Takes `n` permits if they are free right now; never blocks.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(1);
    /// assert!(sem.try_acquire_many(2).is_none());
    /// # }
    /// ```
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[track_caller]
    pub fn try_acquire_many(&self, n: u32) -> Option<SemaphorePermit<'_>> {
        self.acquire_deadline(n, None, false)
    }

    /// Takes `n` permits, waiting at most `timeout`.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let sem = weftsync::process::Semaphore::new(2);
    /// assert!(sem.acquire_many_for(2, Duration::from_millis(10)).is_some());
    /// # }
    /// ```
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[track_caller]
    pub fn acquire_many_for(&self, n: u32, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_deadline(n, shim::deadline_after(timeout), true)
    }

    /// Takes `n` permits, waiting until `deadline` at the latest.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// let sem = weftsync::process::Semaphore::new(0);
    /// assert!(sem.acquire_many_until(1, Instant::now()).is_none());
    /// # }
    /// ```
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[track_caller]
    pub fn acquire_many_until(&self, n: u32, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.acquire_deadline(n, Some(deadline), true)
    }

    /// Adds `n` permits (from any process), waking waiters.
    ///
    /// # Panics
    /// If the count would pass [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (nothing is changed);
    /// [`checked_release`](Semaphore::checked_release) returns the error instead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(0);
    /// sem.release(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// # }
    /// ```
    #[track_caller]
    #[doc(alias = "signal", alias = "V")]
    pub fn release(&self, n: u32) {
        if let Err(e) = self.checked_release(n) {
            panic!("{e}");
        }
    }

    /// Adds `n` permits, or returns an error and changes nothing if the count would pass the
    /// limit ([`MAX_PERMITS`](Semaphore::MAX_PERMITS), or a bounded semaphore's initial count).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::Semaphore;
    /// let sem = Semaphore::new(Semaphore::MAX_PERMITS);
    /// assert!(sem.checked_release(1).is_err());
    /// # }
    /// ```
    pub fn checked_release(&self, n: u32) -> Result<(), ReleaseError> {
        self.lock_state();
        let base = self.base.load(Relaxed);
        let limit = self.limit.load(Relaxed);
        if n > limit || base > limit - n {
            self.lock.unlock();
            return Err(ReleaseError {
                requested: n,
                limit,
            });
        }
        self.base.store(base + n, Relaxed);
        self.unlock_and_wake(n > 0);
        Ok(())
    }

    /// Permits free right now (a snapshot).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Semaphore::new(5).available_permits(), 5);
    /// # }
    /// ```
    pub fn available_permits(&self) -> u32 {
        self.lock_state();
        let n = self.available();
        self.lock.unlock();
        n
    }

    /// Permits returned to the semaphore because the process holding them died, since it was
    /// created.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Semaphore::new(1).reclaimed_permits(), 0);
    /// # }
    /// ```
    pub fn reclaimed_permits(&self) -> u64 {
        self.reclaimed.load(Relaxed)
    }

    /// The count if the state lock is free right now (for `Debug`, which must not block).
    fn try_available(&self) -> Option<u32> {
        self.lock.try_lock()?;
        let n = self.available();
        self.lock.unlock();
        Some(n)
    }

    /// Takes the state lock. A dead holder of it needs no repair: every step leaves a
    /// consistent state (see the file docs).
    fn lock_state(&self) {
        let _ = self.lock.lock(None);
    }

    /// `base − Σ held`; under the lock.
    fn available(&self) -> u32 {
        let held: u64 = self
            .holders
            .iter()
            .map(|h| u64::from(h.held.load(Relaxed)))
            .sum();
        u64::from(self.base.load(Relaxed)).saturating_sub(held) as u32
    }

    /// This process's slot, or a free one to claim; under the lock.
    fn slot_for(&self, me: u64) -> Option<&Holder> {
        self.holders
            .iter()
            .find(|h| h.token.load(Relaxed) == me)
            .or_else(|| self.holders.iter().find(|h| h.token.load(Relaxed) == 0))
    }

    /// Bumps the epoch if a waiter is registered and `changed`, unlocks, then wakes them all
    /// (they may want different counts, as in `src/semaphore.rs`).
    fn unlock_and_wake(&self, changed: bool) {
        let wake = changed && self.waiters.load(Relaxed) > 0;
        if wake {
            self.epoch.fetch_add(1, Relaxed);
        }
        // Release (in unlock): publishes the new state with the epoch.
        self.lock.unlock();
        if wake {
            shim::Shared::wake(&self.epoch, u32::MAX);
        }
    }

    #[track_caller]
    fn acquire_deadline(
        &self,
        n: u32,
        deadline: Option<Instant>,
        wait: bool,
    ) -> Option<SemaphorePermit<'_>> {
        assert!(
            n <= Self::MAX_PERMITS,
            "process::Semaphore: asked for more than MAX_PERMITS permits"
        );
        if n == 0 {
            return Some(SemaphorePermit {
                sem: self,
                permits: 0,
            });
        }
        let me = owner::process_token();
        let mut watch = Watch::new();
        self.lock_state();
        loop {
            if self.available() >= n {
                if let Some(slot) = self.slot_for(me) {
                    if slot.token.load(Relaxed) == 0 {
                        slot.token.store(me, Relaxed);
                    }
                    slot.held.fetch_add(n, Relaxed);
                    self.lock.unlock();
                    return Some(SemaphorePermit {
                        sem: self,
                        permits: n,
                    });
                }
            }
            if !wait || shim::expired(deadline) {
                self.lock.unlock();
                return None;
            }
            self.waiters.fetch_add(1, Relaxed);
            let epoch = self.epoch.load(Relaxed);
            self.lock.unlock();
            let slept = owner::wait_slice(&self.epoch, epoch, deadline, &mut watch);
            self.lock_state();
            self.waiters.fetch_sub(1, Relaxed);
            match slept {
                Slept::Woken => {}
                // One more look under the lock (a release may have crossed the deadline), then
                // give up: `expired` above ends the loop.
                Slept::TimedOut => {}
                Slept::Slice => {
                    if owner::scan_due(&self.scan_at) && self.reclaim_dead() {
                        // Others may proceed too: wake them (we stay locked; they recheck).
                        self.epoch.fetch_add(1, Relaxed);
                        shim::Shared::wake(&self.epoch, u32::MAX);
                    }
                }
            }
        }
    }

    /// Returns the permits of dead processes to the semaphore; under the lock. Returns whether
    /// it returned any.
    #[cold]
    fn reclaim_dead(&self) -> bool {
        let mut any = false;
        for h in &self.holders {
            let token = h.token.load(Relaxed);
            if token != 0 && !owner::token_alive(token) {
                let held = h.held.load(Relaxed);
                h.held.store(0, Relaxed);
                h.token.store(0, Relaxed);
                self.reclaimed.fetch_add(u64::from(held), Relaxed);
                any = true;
            }
        }
        any
    }

    /// Gives `n` permits held by this process back (a permit's drop).
    fn give_back(&self, n: u32, forget: bool) {
        let me = owner::process_token();
        self.lock_state();
        if forget {
            self.base.fetch_sub(n, Relaxed);
        }
        if let Some(h) = self.holders.iter().find(|h| h.token.load(Relaxed) == me) {
            let left = h.held.load(Relaxed).saturating_sub(n);
            h.held.store(left, Relaxed);
            if left == 0 {
                h.token.store(0, Release);
            }
        }
        self.unlock_and_wake(!forget);
    }
}

impl BoundedSemaphore {
    /// Creates a bounded semaphore holding `permits` permits, its limit.
    ///
    /// # Panics
    /// If `permits > Semaphore::MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::BoundedSemaphore::new(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new(permits: u32) -> Self {
        BoundedSemaphore {
            sem: Semaphore::with_limit(permits, permits),
        }
    }

    /// Creates a bounded semaphore (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new(permits: u32) -> Self {
        BoundedSemaphore {
            sem: Semaphore::with_limit(permits, permits),
        }
    }

    /// Adds `n` permits (those taken out with [`SemaphorePermit::forget`]), or returns an
    /// error and changes nothing if the count would pass the initial value.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::BoundedSemaphore::new(1);
    /// assert!(sem.release(1).is_err());
    /// # }
    /// ```
    #[doc(alias = "signal", alias = "V")]
    pub fn release(&self, n: u32) -> Result<(), ReleaseError> {
        self.sem.checked_release(n)
    }
}

impl Deref for BoundedSemaphore {
    type Target = Semaphore;
    fn deref(&self) -> &Semaphore {
        &self.sem
    }
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(1);
    /// assert_eq!(weftsync::process::SemaphorePermit::permits(&sem.acquire()), 1);
    /// # }
    /// ```
    pub fn permits(permit: &Self) -> u32 {
        permit.permits
    }

    /// Keeps the permits out of the semaphore for good (they belong to nobody, so they are not
    /// returned if this process dies); [`Semaphore::release`] adds permits back.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::process::Semaphore::new(1);
    /// weftsync::process::SemaphorePermit::forget(sem.acquire());
    /// assert_eq!(sem.available_permits(), 0);
    /// # }
    /// ```
    pub fn forget(permit: Self) {
        let permit = core::mem::ManuallyDrop::new(permit);
        if permit.permits > 0 {
            permit.sem.give_back(permit.permits, true);
        }
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if self.permits > 0 {
            self.sem.give_back(self.permits, false);
        }
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

/// Never blocks: prints the count if the state lock is free right now, `<busy>` otherwise.
impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("process::Semaphore");
        match self.try_available() {
            Some(n) => d.field("available_permits", &n),
            None => d.field("available_permits", &format_args!("<busy>")),
        };
        d.field("reclaimed_permits", &self.reclaimed_permits())
            .finish_non_exhaustive()
    }
}

/// Never blocks, as `Semaphore`'s.
impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::BoundedSemaphore")
            .field("semaphore", &self.sem)
            .field("limit", &self.limit.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a process Semaphore or BoundedSemaphore call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// s.try_acquire();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// let _ = s.try_acquire();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// let _ = s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// s.acquire_many_until(2, std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// let _ = s.acquire_many_until(2, std::time::Instant::now());
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// s.checked_release(1);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::process::Semaphore::new(1);
/// let _ = s.checked_release(1);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::process::BoundedSemaphore::new(1);
/// s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::process::BoundedSemaphore::new(1);
/// let _ = s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::process::BoundedSemaphore::new(1);
/// s.release(1);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::process::BoundedSemaphore::new(1);
/// let _ = s.release(1);
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
