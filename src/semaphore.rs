//! `Semaphore` and `BoundedSemaphore`: counted permits on one 32-bit word, Python's
//! `threading.Semaphore` and `threading.BoundedSemaphore`.
//!
//! State of `Semaphore::state` (the futex word):
//!
//! | bits  | name       | meaning                                                        |
//! |-------|------------|----------------------------------------------------------------|
//! | 0..31 | `COUNT`    | permits available now, `0..=MAX_PERMITS`                       |
//! | 31    | `SLEEPERS` | a thread may be asleep on the word (or about to sleep on it)   |
//!
//! Transitions, each one read-modify-write of the whole word:
//! - acquire `n`: `c → c - n` when `c >= n`; the `SLEEPERS` bit is kept as it is.
//! - announce: `c → c | SLEEPERS` by a thread that found `c < n` and will sleep on the new value.
//! - release `n`: `c (| SLEEPERS) → c + n`, always *clearing* `SLEEPERS`; if the bit was set the
//!   releaser wakes every sleeper. A release that finds the bit clear never enters the kernel.
//!   `release` refuses (changes nothing) when `c + n > MAX_PERMITS`.
//! - give back `n` (a permit's drop): as release, but `c + n` is capped at `MAX_PERMITS`, the
//!   excess discarded: a drop must never panic, and it can only pass the cap after an unmatched
//!   `release` filled the count.
//!
//! Invariant (no lost wake-up): a thread asleep on the word slept on a value with `SLEEPERS`
//! set. That bit is cleared only by a release, which then wakes all sleepers; so any thread
//! still asleep either sees the word change before it sleeps, or is woken. Woken threads
//! re-compete, and a thread that still cannot proceed sets the bit again before it sleeps.
//! Waking all (not `n`) is what keeps this sound when sleepers want different counts: waking
//! one that wants 5 while the one that wants 1 sleeps on would strand a free permit. The cost
//! is a thundering herd when many threads sleep on one semaphore (see `docs/semaphore.md`).
//!
//! `BoundedSemaphore` adds a second word, `slack`: how many permits may be handed back by
//! `release` (those taken out with `forget`). Permits held by live permits return by drop,
//! never through `release`, so `available + held + slack` never exceeds the limit, and a drop
//! can never pass it (so its cap is never reached).
//!
//! Loops, and what each waits for:
//! - `acquire_slow` is the only loop that waits: it ends every round in `shim::wait` on the word,
//!   with `SLEEPERS` set in the value it sleeps on, and every release (or permit drop) that
//!   follows clears the bit and wakes all sleepers. Its spin is bounded (`shim::Spin`) and skipped
//!   once the deadline passed or a sleeper is announced.
//! - `try_take`, `add` and `BoundedSemaphore::release` (`fetch_update`) retry a compare-exchange
//!   only while another thread changed the word: lock-free, never waiting.
//!
//! Memory ordering: taking permits is an Acquire read-modify-write and giving them back a
//! Release one, so whatever a thread wrote before a release happens-before the work of the
//! thread whose acquire took those permits (every change of the word is a read-modify-write,
//! so the release sequence is never broken). Setting `SLEEPERS` publishes nothing (Relaxed).
//! `slack` only counts and publishes nothing (Relaxed). Wait and wake order nothing by
//! themselves: a woken thread re-reads the word and takes permits with Acquire.

use core::fmt;
use std::sync::Arc;

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
};

const SLEEPERS: u32 = 1 << 31;
const COUNT: u32 = SLEEPERS - 1;

/// A counting semaphore, Python's `threading.Semaphore`: a count of permits that threads take
/// with [`acquire`](Semaphore::acquire) and give back by dropping the [`SemaphorePermit`] or by
/// [`release`](Semaphore::release), from any thread.
///
/// - **Count range**: `0..=`[`Semaphore::MAX_PERMITS`] (2³¹ − 1). A release past it panics
///   and changes nothing ([`checked_release`](Semaphore::checked_release) returns an error
///   instead); the count never wraps. A permit's drop never panics: at the cap it discards the
///   excess (see [`SemaphorePermit`]).
/// - **Many permits at once**: `acquire_many(n)` takes all `n` or none. `n = 0` succeeds at
///   once. `n > MAX_PERMITS` could never be satisfied and panics.
/// - **Not fair**: there is no FIFO order. A request for many permits can be overtaken for ever
///   by a stream of requests for few, and a releasing thread may take its permits straight back.
/// - **No poisoning**, and nothing to poison: a panic while holding a permit drops it, which
///   gives its permits back.
/// - A `release` that finds no sleeper never enters the kernel. The type is 4 bytes.
/// - **Owned permits** for a semaphore in an [`Arc`]: [`acquire_arc`](Semaphore::acquire_arc)
///   and its forms return an [`ArcSemaphorePermit`], which is `Send + 'static`.
///
/// Promises, state table and the tests behind them: `docs/semaphore.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
/// use weftsync::Semaphore;
///
/// // At most 2 of the 6 workers run at once.
/// let slots = Semaphore::new(2);
/// let (inside, most) = (AtomicU32::new(0), AtomicU32::new(0));
/// std::thread::scope(|s| {
///     for _ in 0..6 {
///         s.spawn(|| {
///             let _permit = slots.acquire();
///             let now = inside.fetch_add(1, SeqCst) + 1;
///             most.fetch_max(now, SeqCst);
///             inside.fetch_sub(1, SeqCst);
///         });
///     }
/// });
/// assert!(most.load(SeqCst) <= 2);
/// assert_eq!(slots.available_permits(), 2);
/// # }
/// ```
pub struct Semaphore {
    state: AtomicU32,
}

/// A semaphore whose count can never pass its initial value, Python's
/// `threading.BoundedSemaphore`.
///
/// It behaves as [`Semaphore`], except that [`release`](BoundedSemaphore::release) returns a
/// [`ReleaseError`] and changes nothing when the release would pass the initial count. Permits
/// held by a live [`SemaphorePermit`] go back when it drops, so `release` only returns permits
/// that were taken out with [`SemaphorePermit::forget`]: a `release` while every permit is held
/// by a guard is an error at once (Python would accept it and fail the holder's release later).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{BoundedSemaphore, SemaphorePermit};
///
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release(1).is_err(), "already at its initial count");
/// SemaphorePermit::forget(sem.acquire()); // take one out, to give back later
/// assert!(sem.release(1).is_ok());
/// assert!(sem.release(1).is_err());
/// assert_eq!(sem.available_permits(), 1);
/// # }
/// ```
pub struct BoundedSemaphore {
    sem: Semaphore,
    /// Permits `release` may hand back: those taken out with `forget`. Relaxed: only counts.
    slack: AtomicU32,
    limit: u32,
}

/// Permits taken from a [`Semaphore`] or [`BoundedSemaphore`]; dropping it gives them back.
///
/// It may be sent to and dropped on another thread. [`SemaphorePermit::forget`] keeps the
/// permits out of the semaphore instead (Python's acquire-without-release pattern).
///
/// **Dropping a permit never panics**, also while unwinding. If an unmatched
/// [`Semaphore::release`] already filled the count so that giving the permits back would pass
/// [`Semaphore::MAX_PERMITS`], the count stops at `MAX_PERMITS` and the excess is discarded
/// (that state is only reachable by releasing about 2³¹ permits nobody took). On a
/// [`BoundedSemaphore`] a drop can never pass the limit, so nothing is ever discarded there.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let sem = weftsync::Semaphore::new(3);
/// let permit = sem.acquire_many(2);
/// assert_eq!(sem.available_permits(), 1);
/// drop(permit);
/// assert_eq!(sem.available_permits(), 3);
/// # }
/// ```
#[must_use = "if unused the permits are given back at once"]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    /// The bounded semaphore's `slack`, credited when the permit is forgotten.
    slack: Option<&'a AtomicU32>,
    permits: u32,
}

/// Permits taken from a [`Semaphore`] or [`BoundedSemaphore`] held in an [`Arc`], by
/// [`Semaphore::acquire_arc`] and its forms; dropping it gives them back.
///
/// It keeps the semaphore alive, so it is `'static` and `Send`: it can move into a spawned
/// thread (or be stored) and be dropped there. Otherwise it behaves as [`SemaphorePermit`],
/// including that **its drop never panics** (at `MAX_PERMITS` the excess is discarded).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::Arc;
/// use weftsync::Semaphore;
///
/// let sem = Arc::new(Semaphore::new(1));
/// let permit = sem.acquire_arc();
/// let worker = std::thread::spawn(move || {
///     // ... work while holding the permit ...
///     drop(permit); // given back from the worker thread
/// });
/// worker.join().unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// # }
/// ```
#[must_use = "if unused the permits are given back at once"]
#[clippy::has_significant_drop]
#[doc(alias = "OwnedSemaphorePermit")]
pub struct ArcSemaphorePermit {
    owner: ArcOwner,
    /// Set to 0 by `forget`, so the drop that follows gives nothing back.
    permits: u32,
}

/// The semaphore an [`ArcSemaphorePermit`] keeps alive.
enum ArcOwner {
    Plain(Arc<Semaphore>),
    Bounded(Arc<BoundedSemaphore>),
}

/// A release that would pass the semaphore's limit; nothing was changed.
///
/// The limit is a [`BoundedSemaphore`]'s initial count, or [`Semaphore::MAX_PERMITS`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let sem = weftsync::BoundedSemaphore::new(2);
/// let err = sem.release(1).unwrap_err();
/// assert_eq!((err.requested(), err.limit()), (1, 2));
/// assert_eq!(
///     err.to_string(),
///     "semaphore released too many times: releasing 1 permit(s) would pass its limit of 2"
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[doc(alias = "ValueError")]
pub struct ReleaseError {
    requested: u32,
    limit: u32,
}

impl Semaphore {
    /// The largest count a semaphore can hold: 2³¹ − 1 (the top bit of the word is taken).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(weftsync::Semaphore::MAX_PERMITS);
    /// assert!(sem.checked_release(1).is_err());
    /// # }
    /// ```
    pub const MAX_PERMITS: u32 = COUNT;

    /// Creates a semaphore holding `permits` permits. `const`, so it can be a `static`.
    ///
    /// # Panics
    /// If `permits > MAX_PERMITS` (at compile time in a `const` or `static`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static POOL: weftsync::Semaphore = weftsync::Semaphore::new(4);
    /// let _p = POOL.acquire();
    /// assert_eq!(POOL.available_permits(), 3);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    #[track_caller]
    pub const fn new(permits: u32) -> Self {
        assert!(
            permits <= COUNT,
            "Semaphore::new: more than MAX_PERMITS permits"
        );
        Semaphore {
            state: AtomicU32::new(permits),
        }
    }

    /// Creates a semaphore holding `permits` permits (not `const` under the model checkers).
    #[cfg(weft_checker)]
    #[track_caller]
    pub fn new(permits: u32) -> Self {
        assert!(
            permits <= COUNT,
            "Semaphore::new: more than MAX_PERMITS permits"
        );
        Semaphore {
            state: AtomicU32::new(permits),
        }
    }

    /// Takes one permit, blocking until one is available.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(1);
    /// let permit = sem.acquire();
    /// assert!(sem.try_acquire().is_none());
    /// drop(permit);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "wait", alias = "P")]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1)
    }

    /// Takes one permit if one is available right now; never blocks. Python's
    /// `acquire(blocking=False)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(1);
    /// let held = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// # drop(held);
    /// # }
    /// ```
    #[inline]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes one permit, waiting at most `timeout`. `Duration::ZERO` is one try, as
    /// [`try_acquire`](Semaphore::try_acquire), with no side effect; a timeout too large for
    /// `Instant` waits forever. `None` if the time ran out. Python's `acquire(timeout=t)`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let sem = weftsync::Semaphore::new(0);
    /// assert!(sem.acquire_for(Duration::from_millis(1)).is_none());
    /// sem.release(1);
    /// assert!(sem.acquire_for(Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire", alias = "acquire_timeout")]
    pub fn acquire_for(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_for(1, timeout)
    }

    /// Takes one permit, waiting until `deadline` at the latest. A past deadline is one try, with
    /// no side effect.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let sem = weftsync::Semaphore::new(1);
    /// assert!(sem.acquire_until(Instant::now() + Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_until(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_until(1, deadline)
    }

    /// Takes `n` permits at once (all or none), blocking until `n` are available.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`: no release could ever make that many available.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(5);
    /// let permit = sem.acquire_many(3);
    /// assert_eq!(weftsync::SemaphorePermit::permits(&permit), 3);
    /// assert_eq!(sem.available_permits(), 2);
    /// # drop(permit);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "acquire")]
    pub fn acquire_many(&self, n: u32) -> SemaphorePermit<'_> {
        self.take_blocking(n, COUNT);
        self.permit(n, None)
    }

    /// Takes `n` permits if `n` are available right now; never blocks.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none(), "all or none");
    /// assert_eq!(sem.available_permits(), 2);
    /// assert!(sem.try_acquire_many(2).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn try_acquire_many(&self, n: u32) -> Option<SemaphorePermit<'_>> {
        self.take_now(n, COUNT).then(|| self.permit(n, None))
    }

    /// Takes `n` permits at once, waiting at most `timeout`. `Duration::ZERO` is one try.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let sem = weftsync::Semaphore::new(1);
    /// assert!(sem.acquire_many_for(2, Duration::ZERO).is_none());
    /// assert!(sem.acquire_many_for(1, Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_for(&self, n: u32, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_deadline(n, COUNT, shim::deadline_after(timeout))
            .then(|| self.permit(n, None))
    }

    /// Takes `n` permits at once, waiting until `deadline` at the latest.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let sem = weftsync::Semaphore::new(4);
    /// let p = sem.acquire_many_until(4, Instant::now() + Duration::from_secs(1));
    /// assert!(p.is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_until(&self, n: u32, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.acquire_deadline(n, COUNT, Some(deadline))
            .then(|| self.permit(n, None))
    }

    /// Takes one permit as [`acquire`](Semaphore::acquire) does, and returns an owned permit
    /// that keeps the semaphore alive, so it can move into another thread.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::Semaphore::new(2));
    /// let workers: Vec<_> = (0..4)
    ///     .map(|_| {
    ///         let permit = sem.acquire_arc(); // taken here, held by the worker
    ///         std::thread::spawn(move || drop(permit))
    ///     })
    ///     .collect();
    /// for w in workers {
    ///     w.join().unwrap();
    /// }
    /// assert_eq!(sem.available_permits(), 2);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "acquire", alias = "acquire_owned")]
    pub fn acquire_arc(self: &Arc<Self>) -> ArcSemaphorePermit {
        self.acquire_many_arc(1)
    }

    /// Takes one permit if one is available right now, as an owned permit; never blocks.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::Semaphore::new(1));
    /// let held = sem.try_acquire_arc().unwrap();
    /// assert!(sem.try_acquire_arc().is_none());
    /// # drop(held);
    /// # }
    /// ```
    #[inline]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire", alias = "try_acquire_owned")]
    pub fn try_acquire_arc(self: &Arc<Self>) -> Option<ArcSemaphorePermit> {
        self.try_acquire_many_arc(1)
    }

    /// Takes one permit as an owned permit, waiting at most `timeout` (`Duration::ZERO` is one
    /// try).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Duration};
    /// let sem = Arc::new(weftsync::Semaphore::new(1));
    /// assert!(sem.acquire_arc_for(Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_arc_for(self: &Arc<Self>, timeout: Duration) -> Option<ArcSemaphorePermit> {
        self.acquire_many_arc_for(1, timeout)
    }

    /// Takes one permit as an owned permit, waiting until `deadline` at the latest.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Instant};
    /// let sem = Arc::new(weftsync::Semaphore::new(0));
    /// assert!(sem.acquire_arc_until(Instant::now()).is_none(), "a past deadline is one try");
    /// # }
    /// ```
    #[inline]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_arc_until(self: &Arc<Self>, deadline: Instant) -> Option<ArcSemaphorePermit> {
        self.acquire_many_arc_until(1, deadline)
    }

    /// Takes `n` permits at once (all or none) as an owned permit, blocking until `n` are
    /// available.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::Semaphore::new(3));
    /// let permit = sem.acquire_many_arc(2);
    /// assert_eq!(weftsync::ArcSemaphorePermit::permits(&permit), 2);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "acquire", alias = "acquire_many_owned")]
    pub fn acquire_many_arc(self: &Arc<Self>, n: u32) -> ArcSemaphorePermit {
        self.take_blocking(n, COUNT);
        ArcSemaphorePermit::new(ArcOwner::Plain(Arc::clone(self)), n)
    }

    /// Takes `n` permits as an owned permit if `n` are available right now; never blocks.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::Semaphore::new(2));
    /// assert!(sem.try_acquire_many_arc(3).is_none());
    /// assert!(sem.try_acquire_many_arc(2).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire", alias = "try_acquire_many_owned")]
    pub fn try_acquire_many_arc(self: &Arc<Self>, n: u32) -> Option<ArcSemaphorePermit> {
        self.take_now(n, COUNT)
            .then(|| ArcSemaphorePermit::new(ArcOwner::Plain(Arc::clone(self)), n))
    }

    /// Takes `n` permits at once as an owned permit, waiting at most `timeout`.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Duration};
    /// let sem = Arc::new(weftsync::Semaphore::new(2));
    /// assert!(sem.acquire_many_arc_for(2, Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_arc_for(
        self: &Arc<Self>,
        n: u32,
        timeout: Duration,
    ) -> Option<ArcSemaphorePermit> {
        self.acquire_deadline(n, COUNT, shim::deadline_after(timeout))
            .then(|| ArcSemaphorePermit::new(ArcOwner::Plain(Arc::clone(self)), n))
    }

    /// Takes `n` permits at once as an owned permit, waiting until `deadline` at the latest.
    ///
    /// # Panics
    /// If `n > MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::{Duration, Instant}};
    /// let sem = Arc::new(weftsync::Semaphore::new(2));
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert!(sem.acquire_many_arc_until(2, deadline).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_arc_until(
        self: &Arc<Self>,
        n: u32,
        deadline: Instant,
    ) -> Option<ArcSemaphorePermit> {
        self.acquire_deadline(n, COUNT, Some(deadline))
            .then(|| ArcSemaphorePermit::new(ArcOwner::Plain(Arc::clone(self)), n))
    }

    /// Adds `n` permits, from any thread (a permit need not have been acquired: Python code
    /// uses a semaphore as a signal this way). Wakes sleepers if there are any; with none it
    /// never enters the kernel.
    ///
    /// # Panics
    /// If the count would pass [`MAX_PERMITS`](Semaphore::MAX_PERMITS); the count is left
    /// unchanged. Only a bug reaches that (2³¹ − 1 permits nobody took);
    /// [`checked_release`](Semaphore::checked_release) returns the error instead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ready = weftsync::Semaphore::new(0);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| ready.release(1)); // signal
    ///     weftsync::SemaphorePermit::forget(ready.acquire()); // wait for the signal
    /// });
    /// assert_eq!(ready.available_permits(), 0);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "signal", alias = "V", alias = "add_permits")]
    pub fn release(&self, n: u32) {
        if let Err(e) = self.add(n, false) {
            release_overflow(e);
        }
    }

    /// Adds `n` permits as [`release`](Semaphore::release) does, but returns an error (and
    /// changes nothing) if the count would pass [`MAX_PERMITS`](Semaphore::MAX_PERMITS), as
    /// `u32::checked_add` does for `+`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::Semaphore;
    /// let sem = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    /// assert!(sem.checked_release(2).is_err());
    /// assert!(sem.checked_release(1).is_ok());
    /// assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    /// # }
    /// ```
    #[inline]
    #[must_use = "the release may have been refused; check the Result"]
    #[doc(alias = "release", alias = "try_release")]
    pub fn checked_release(&self, n: u32) -> Result<(), ReleaseError> {
        self.add(n, false)
    }

    /// The number of permits available right now. Only a snapshot: it may change at once.
    /// Python's `_value`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(2);
    /// let _p = sem.acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "_value")]
    pub fn available_permits(&self) -> u32 {
        self.state.load(Relaxed) & COUNT
    }

    #[inline]
    fn permit<'a>(&'a self, n: u32, slack: Option<&'a AtomicU32>) -> SemaphorePermit<'a> {
        SemaphorePermit {
            sem: self,
            slack,
            permits: n,
        }
    }

    /// Adds `n` permits in one Release read-modify-write, clearing `SLEEPERS`, and wakes every
    /// sleeper if the bit was set. If the count would pass `MAX_PERMITS`: with `saturate` it
    /// stops there and the excess is discarded (a permit's drop, which must never panic);
    /// without, nothing changes and the error is returned.
    #[inline]
    fn add(&self, n: u32, saturate: bool) -> Result<(), ReleaseError> {
        if n == 0 {
            return Ok(());
        }
        let mut s = self.state.load(Relaxed);
        loop {
            let count = s & COUNT;
            let room = COUNT - count;
            let added = if n <= room {
                n
            } else if saturate {
                room
            } else {
                return Err(ReleaseError {
                    requested: n,
                    limit: COUNT,
                });
            };
            // Release: publishes what this thread wrote to the thread that takes the permits.
            // The new value clears SLEEPERS: we wake them all below (see the state table).
            match self
                .state
                .compare_exchange_weak(s, count + added, Release, Relaxed)
            {
                Ok(_) => break,
                Err(now) => s = now,
            }
        }
        if s & SLEEPERS != 0 {
            self.wake_sleepers();
        }
        Ok(())
    }

    /// Gives back the permits a permit held: never panics (see `SemaphorePermit`).
    #[inline]
    fn give_back(&self, n: u32) {
        let saturated = self.add(n, true);
        debug_assert!(saturated.is_ok(), "a saturating add never fails");
    }

    /// One attempt: one load and one compare-exchange. May fail although `n` are available
    /// (another thread changed the word); the slow path retries.
    #[inline]
    fn try_take_once(&self, n: u32) -> bool {
        let s = self.state.load(Relaxed);
        // Acquire on success: pairs with the Release of the releases whose permits we take.
        s & COUNT >= n
            && self
                .state
                .compare_exchange(s, s - n, Acquire, Relaxed)
                .is_ok()
    }

    /// Takes `n` if `n` are available, retrying only while the word changes under us, so it
    /// never fails spuriously.
    #[inline]
    fn try_take(&self, n: u32) -> bool {
        let mut s = self.state.load(Relaxed);
        while s & COUNT >= n {
            // Acquire: as in `try_take_once`.
            match self.state.compare_exchange_weak(s, s - n, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(now) => s = now,
            }
        }
        false
    }

    /// The `try_` forms: checks the request against `limit`, then one try.
    #[inline]
    #[track_caller]
    fn take_now(&self, n: u32, limit: u32) -> bool {
        check_request(n, limit);
        self.try_take(n)
    }

    /// The blocking forms: the deadline path without a deadline, which always succeeds.
    #[inline]
    #[track_caller]
    fn take_blocking(&self, n: u32, limit: u32) {
        let took = self.acquire_deadline(n, limit, None);
        debug_assert!(took, "an acquire without deadline always succeeds");
    }

    /// The one path every blocking and `_for` / `_until` form funnels into.
    #[inline]
    #[track_caller]
    fn acquire_deadline(&self, n: u32, limit: u32, deadline: Option<Instant>) -> bool {
        check_request(n, limit);
        self.try_take_once(n) || self.acquire_slow(n, deadline)
    }

    /// Contended path. Returns `true` with `n` permits taken, `false` if `deadline` passed.
    ///
    /// The only loop in the file that waits: each round ends in `shim::wait` on the word, on a
    /// value with `SLEEPERS` set, which the next release clears before it wakes every sleeper.
    #[cold]
    fn acquire_slow(&self, n: u32, deadline: Option<Instant>) -> bool {
        let mut spin = shim::Spin::new(shim::Site::Flag);
        let mut s = self.state.load(Relaxed);
        loop {
            if s & COUNT >= n {
                // Acquire: pairs with the Release of the releases whose permits we take.
                match self.state.compare_exchange_weak(s, s - n, Acquire, Relaxed) {
                    Ok(_) => return true,
                    Err(now) => s = now,
                }
                continue;
            }
            // A zero timeout (or a past deadline) is one try: no spinning, no sleeping, and no
            // SLEEPERS bit left behind to cost the next release a wake. Checked before the spin
            // and before the announce, so that path touches nothing.
            if shim::expired(deadline) {
                return false;
            }
            // Spin briefly, read-only, while nobody sleeps: a release often comes soon.
            if s & SLEEPERS == 0 && spin.pause() {
                s = self.state.load(Relaxed);
                continue;
            }
            spin.stop();
            if s & SLEEPERS == 0 {
                // Announce that we will sleep, so the next release wakes us. Relaxed: this
                // publishes nothing; a failure means the word changed, so look again.
                if let Err(now) =
                    self.state
                        .compare_exchange_weak(s, s | SLEEPERS, Relaxed, Relaxed)
                {
                    s = now;
                    continue;
                }
                s |= SLEEPERS;
            }
            if !shim::wait(&self.state, s, deadline) {
                // The deadline passed. Nothing was taken, so no permit is lost; and no wake is
                // swallowed either, since a release wakes every sleeper. A SLEEPERS bit we
                // leave behind costs the next release one needless wake.
                return false;
            }
            s = self.state.load(Relaxed);
        }
    }

    #[cold]
    fn wake_sleepers(&self) {
        // The word is a ready word: selectors watching this semaphore wake too.
        shim::wake_ready(&self.state);
    }

    /// A selector arms the semaphore (`src/select.rs`): unless a permit is available, a
    /// read-modify-write that leaves `SLEEPERS` on, written even when it is on already, so the
    /// next release finds it and wakes through `shim::wake_ready`. Release: carries the
    /// selector's earlier steps to that release's acquire fence. A `SLEEPERS` bit left behind
    /// costs the next release one needless wake, as a timed-out acquire's does. Returns whether
    /// a permit is available (an `acquire` of one would not block).
    pub(crate) fn select_arm(&self) -> bool {
        let mut s = self.state.load(Relaxed);
        loop {
            if s & COUNT != 0 {
                return true;
            }
            match self
                .state
                .compare_exchange_weak(s, s | SLEEPERS, Release, Relaxed)
            {
                Ok(_) => return false,
                Err(now) => s = now,
            }
        }
    }

    /// The word a release wakes through `shim::wake_ready`: the selectors' registry key.
    pub(crate) fn ready_word(&self) -> &AtomicU32 {
        &self.state
    }
}

/// Panics unless `n` permits could ever be available at once.
#[inline]
#[track_caller]
fn check_request(n: u32, limit: u32) {
    if n > limit {
        request_too_large(n, limit);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn request_too_large(n: u32, limit: u32) -> ! {
    panic!("cannot acquire {n} permits from a semaphore that can never hold more than {limit}")
}

#[cold]
#[inline(never)]
#[track_caller]
fn release_overflow(e: ReleaseError) -> ! {
    panic!("{e}")
}

impl BoundedSemaphore {
    /// Creates a bounded semaphore holding `permits` permits, which is also its limit.
    ///
    /// # Panics
    /// If `permits > Semaphore::MAX_PERMITS`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static CONNECTIONS: weftsync::BoundedSemaphore = weftsync::BoundedSemaphore::new(8);
    /// assert_eq!(CONNECTIONS.limit(), 8);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    #[track_caller]
    pub const fn new(permits: u32) -> Self {
        BoundedSemaphore {
            sem: Semaphore::new(permits),
            slack: AtomicU32::new(0),
            limit: permits,
        }
    }

    /// Creates a bounded semaphore (not `const` under the model checkers).
    #[cfg(weft_checker)]
    #[track_caller]
    pub fn new(permits: u32) -> Self {
        BoundedSemaphore {
            sem: Semaphore::new(permits),
            slack: AtomicU32::new(0),
            limit: permits,
        }
    }

    /// The semaphore inside, for `select` (`src/select.rs`).
    pub(crate) fn semaphore(&self) -> &Semaphore {
        &self.sem
    }

    /// The initial count, which the count can never pass.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::BoundedSemaphore::new(3).limit(), 3);
    /// # }
    /// ```
    #[inline]
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Takes one permit, blocking until one is available.
    ///
    /// # Panics
    /// If `limit()` is 0: no permit can ever be available.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::BoundedSemaphore::new(1);
    /// let p = sem.acquire();
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(p);
    /// assert_eq!(sem.available_permits(), 1);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "wait", alias = "P")]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1)
    }

    /// Takes one permit if one is available right now; never blocks.
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::BoundedSemaphore::new(1);
    /// let held = sem.try_acquire().expect("free");
    /// assert!(sem.try_acquire().is_none());
    /// # drop(held);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes one permit, waiting at most `timeout` (`Duration::ZERO` is one try, with no side
    /// effect).
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let sem = weftsync::BoundedSemaphore::new(1);
    /// let p = sem.acquire_for(Duration::from_secs(1)).expect("free");
    /// assert!(sem.acquire_for(Duration::from_millis(1)).is_none());
    /// # drop(p);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire", alias = "acquire_timeout")]
    pub fn acquire_for(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_for(1, timeout)
    }

    /// Takes one permit, waiting until `deadline` at the latest (a past deadline is one try).
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// let sem = weftsync::BoundedSemaphore::new(1);
    /// assert!(sem.acquire_until(Instant::now()).is_some(), "free: one try succeeds");
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_until(&self, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_until(1, deadline)
    }

    /// Takes `n` permits at once (all or none), blocking until `n` are available.
    ///
    /// # Panics
    /// If `n > limit()`: the count can never reach `n`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::BoundedSemaphore::new(3);
    /// let _p = sem.acquire_many(3);
    /// assert_eq!(sem.available_permits(), 0);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "acquire")]
    pub fn acquire_many(&self, n: u32) -> SemaphorePermit<'_> {
        self.sem.take_blocking(n, self.limit);
        self.permit(n)
    }

    /// Takes `n` permits if `n` are available right now; never blocks.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::BoundedSemaphore::new(3);
    /// assert!(sem.try_acquire_many(2).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn try_acquire_many(&self, n: u32) -> Option<SemaphorePermit<'_>> {
        self.sem.take_now(n, self.limit).then(|| self.permit(n))
    }

    /// Takes `n` permits at once, waiting at most `timeout`.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let sem = weftsync::BoundedSemaphore::new(2);
    /// let one = sem.acquire();
    /// assert!(sem.acquire_many_for(2, Duration::from_millis(1)).is_none());
    /// drop(one);
    /// assert!(sem.acquire_many_for(2, Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_for(&self, n: u32, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.sem
            .acquire_deadline(n, self.limit, shim::deadline_after(timeout))
            .then(|| self.permit(n))
    }

    /// Takes `n` permits at once, waiting until `deadline` at the latest.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let sem = weftsync::BoundedSemaphore::new(2);
    /// assert!(sem.acquire_many_until(2, Instant::now() + Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_until(&self, n: u32, deadline: Instant) -> Option<SemaphorePermit<'_>> {
        self.sem
            .acquire_deadline(n, self.limit, Some(deadline))
            .then(|| self.permit(n))
    }

    /// Takes one permit as an owned permit that keeps the semaphore alive, blocking until one
    /// is available.
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(1));
    /// let permit = sem.acquire_arc();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "acquire", alias = "acquire_owned")]
    pub fn acquire_arc(self: &Arc<Self>) -> ArcSemaphorePermit {
        self.acquire_many_arc(1)
    }

    /// Takes one permit as an owned permit if one is available right now; never blocks.
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(1));
    /// let held = sem.try_acquire_arc().expect("free");
    /// assert!(sem.try_acquire_arc().is_none());
    /// # drop(held);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire", alias = "try_acquire_owned")]
    pub fn try_acquire_arc(self: &Arc<Self>) -> Option<ArcSemaphorePermit> {
        self.try_acquire_many_arc(1)
    }

    /// Takes one permit as an owned permit, waiting at most `timeout`.
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Duration};
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(1));
    /// assert!(sem.acquire_arc_for(Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_arc_for(self: &Arc<Self>, timeout: Duration) -> Option<ArcSemaphorePermit> {
        self.acquire_many_arc_for(1, timeout)
    }

    /// Takes one permit as an owned permit, waiting until `deadline` at the latest.
    ///
    /// # Panics
    /// If `limit()` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Instant};
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(1));
    /// assert!(sem.acquire_arc_until(Instant::now()).is_some(), "free: one try succeeds");
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_arc_until(self: &Arc<Self>, deadline: Instant) -> Option<ArcSemaphorePermit> {
        self.acquire_many_arc_until(1, deadline)
    }

    /// Takes `n` permits at once as an owned permit, blocking until `n` are available.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(3));
    /// let permit = sem.acquire_many_arc(3);
    /// assert_eq!(sem.available_permits(), 0);
    /// # drop(permit);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[doc(alias = "acquire", alias = "acquire_many_owned")]
    pub fn acquire_many_arc(self: &Arc<Self>, n: u32) -> ArcSemaphorePermit {
        self.sem.take_blocking(n, self.limit);
        ArcSemaphorePermit::new(ArcOwner::Bounded(Arc::clone(self)), n)
    }

    /// Takes `n` permits as an owned permit if `n` are available right now; never blocks.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(3));
    /// assert!(sem.try_acquire_many_arc(2).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire", alias = "try_acquire_many_owned")]
    pub fn try_acquire_many_arc(self: &Arc<Self>, n: u32) -> Option<ArcSemaphorePermit> {
        self.sem
            .take_now(n, self.limit)
            .then(|| ArcSemaphorePermit::new(ArcOwner::Bounded(Arc::clone(self)), n))
    }

    /// Takes `n` permits at once as an owned permit, waiting at most `timeout`.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::Duration};
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(2));
    /// assert!(sem.acquire_many_arc_for(2, Duration::from_secs(1)).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_arc_for(
        self: &Arc<Self>,
        n: u32,
        timeout: Duration,
    ) -> Option<ArcSemaphorePermit> {
        self.sem
            .acquire_deadline(n, self.limit, shim::deadline_after(timeout))
            .then(|| ArcSemaphorePermit::new(ArcOwner::Bounded(Arc::clone(self)), n))
    }

    /// Takes `n` permits at once as an owned permit, waiting until `deadline` at the latest.
    ///
    /// # Panics
    /// If `n > limit()`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::{sync::Arc, time::{Duration, Instant}};
    /// let sem = Arc::new(weftsync::BoundedSemaphore::new(2));
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert!(sem.acquire_many_arc_until(2, deadline).is_some());
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    #[must_use = "a permit not kept is given back at once; check whether it was taken"]
    #[doc(alias = "acquire")]
    pub fn acquire_many_arc_until(
        self: &Arc<Self>,
        n: u32,
        deadline: Instant,
    ) -> Option<ArcSemaphorePermit> {
        self.sem
            .acquire_deadline(n, self.limit, Some(deadline))
            .then(|| ArcSemaphorePermit::new(ArcOwner::Bounded(Arc::clone(self)), n))
    }

    /// Gives back `n` permits that were taken out with [`SemaphorePermit::forget`] (or
    /// [`ArcSemaphorePermit::forget`]), from any thread. If fewer than `n` are out (the count
    /// would pass the initial count, counting the permits live permits will give back), returns
    /// [`ReleaseError`] and changes nothing: Python's `ValueError`. The error is this type's
    /// purpose, so it is a `Result`, never a panic.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{BoundedSemaphore, SemaphorePermit};
    /// let sem = BoundedSemaphore::new(2);
    /// SemaphorePermit::forget(sem.acquire_many(2));
    /// assert!(sem.release(3).is_err(), "all or nothing");
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release(2).unwrap();
    /// assert_eq!(sem.available_permits(), 2);
    /// # }
    /// ```
    #[inline]
    #[must_use = "the release may have been refused (released too many times); check the Result"]
    #[doc(alias = "signal", alias = "V", alias = "ValueError")]
    pub fn release(&self, n: u32) -> Result<(), ReleaseError> {
        if n == 0 {
            return Ok(());
        }
        // Take the right to return `n` first; only then add them, so the count can never pass
        // the limit even for a moment. Relaxed: `slack` only counts; the permits themselves are
        // published by the Release in `Semaphore::add`.
        let taken = self
            .slack
            .fetch_update(Relaxed, Relaxed, |slack| slack.checked_sub(n));
        if taken.is_err() {
            return Err(ReleaseError {
                requested: n,
                limit: self.limit,
            });
        }
        // Cannot fail: available + held + slack <= limit <= MAX_PERMITS.
        let added = self.sem.add(n, false);
        debug_assert!(added.is_ok(), "available + held + slack passed the limit");
        Ok(())
    }

    /// The number of permits available right now. Only a snapshot. Python's `_value`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::BoundedSemaphore::new(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "_value")]
    pub fn available_permits(&self) -> u32 {
        self.sem.available_permits()
    }

    #[inline]
    fn permit(&self, n: u32) -> SemaphorePermit<'_> {
        self.sem.permit(n, Some(&self.slack))
    }
}

impl SemaphorePermit<'_> {
    /// Keeps the permits out of the semaphore instead of giving them back: the count stays
    /// lower. On a [`BoundedSemaphore`] they may later be returned with `release`.
    /// An associated function, like every permit helper.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::{Semaphore, SemaphorePermit};
    /// let sem = Semaphore::new(2);
    /// SemaphorePermit::forget(sem.acquire());
    /// assert_eq!(sem.available_permits(), 1);
    /// # }
    /// ```
    #[inline]
    pub fn forget(permit: Self) {
        credit_slack(permit.slack, permit.permits);
        core::mem::forget(permit);
    }

    /// How many permits this permit holds.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = weftsync::Semaphore::new(4);
    /// let p = sem.acquire_many(3);
    /// assert_eq!(weftsync::SemaphorePermit::permits(&p), 3);
    /// # }
    /// ```
    #[inline]
    pub fn permits(permit: &Self) -> u32 {
        permit.permits
    }
}

/// Never panics: see the type's docs.
impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.sem.give_back(self.permits);
    }
}

impl ArcSemaphorePermit {
    #[inline]
    fn new(owner: ArcOwner, permits: u32) -> Self {
        ArcSemaphorePermit { owner, permits }
    }

    /// Keeps the permits out of the semaphore instead of giving them back (the semaphore itself
    /// is released: this drops the permit's `Arc`). On a [`BoundedSemaphore`] they may later
    /// be returned with `release`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use weftsync::{ArcSemaphorePermit, BoundedSemaphore};
    /// let sem = Arc::new(BoundedSemaphore::new(2));
    /// ArcSemaphorePermit::forget(sem.acquire_arc());
    /// assert_eq!((sem.available_permits(), Arc::strong_count(&sem)), (1, 1));
    /// sem.release(1).unwrap();
    /// # }
    /// ```
    #[inline]
    pub fn forget(mut permit: Self) {
        credit_slack(permit.owner.slack(), permit.permits);
        // The drop that follows gives back nothing and only releases the `Arc`.
        permit.permits = 0;
    }

    /// How many permits this permit holds.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let sem = std::sync::Arc::new(weftsync::Semaphore::new(4));
    /// let p = sem.acquire_many_arc(3);
    /// assert_eq!(weftsync::ArcSemaphorePermit::permits(&p), 3);
    /// # }
    /// ```
    #[inline]
    pub fn permits(permit: &Self) -> u32 {
        permit.permits
    }
}

/// Never panics: see the type's docs.
impl Drop for ArcSemaphorePermit {
    #[inline]
    fn drop(&mut self) {
        self.owner.sem().give_back(self.permits);
    }
}

impl ArcOwner {
    #[inline]
    fn sem(&self) -> &Semaphore {
        match self {
            ArcOwner::Plain(sem) => sem,
            ArcOwner::Bounded(bounded) => &bounded.sem,
        }
    }

    #[inline]
    fn slack(&self) -> Option<&AtomicU32> {
        match self {
            ArcOwner::Plain(_) => None,
            ArcOwner::Bounded(bounded) => Some(&bounded.slack),
        }
    }
}

/// A forgotten permit of a bounded semaphore may come back through `release`.
#[inline]
fn credit_slack(slack: Option<&AtomicU32>, permits: u32) {
    if let Some(slack) = slack {
        // Relaxed: only counts (see `BoundedSemaphore::release`). Cannot overflow: the permits
        // leave the held share of `limit` for the slack share.
        slack.fetch_add(permits, Relaxed);
    }
}

impl fmt::Debug for ArcSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArcSemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish_non_exhaustive()
    }
}

/// Never blocks: prints the count available at the moment.
impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available_permits())
            .finish_non_exhaustive()
    }
}

/// Never blocks: prints the count available at the moment and the limit.
impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available_permits())
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl ReleaseError {
    /// How many permits the failed release tried to add.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let err = weftsync::BoundedSemaphore::new(0).release(4).unwrap_err();
    /// assert_eq!(err.requested(), 4);
    /// # }
    /// ```
    pub fn requested(&self) -> u32 {
        self.requested
    }

    /// The count the release would have passed: the bounded semaphore's initial count, or
    /// [`Semaphore::MAX_PERMITS`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let err = weftsync::BoundedSemaphore::new(5).release(1).unwrap_err();
    /// assert_eq!(err.limit(), 5);
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

/// Ignoring whether a Semaphore or BoundedSemaphore call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// s.try_acquire();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// let _ = s.try_acquire();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// let _ = s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// s.acquire_many_until(2, std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// let _ = s.acquire_many_until(2, std::time::Instant::now());
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = std::sync::Arc::new(weftsync::Semaphore::new(1));
/// s.acquire_arc_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = std::sync::Arc::new(weftsync::Semaphore::new(1));
/// let _ = s.acquire_arc_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// s.checked_release(1);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::Semaphore::new(1);
/// let _ = s.checked_release(1);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// s.try_acquire();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// let _ = s.try_acquire();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// let _ = s.acquire_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// s.acquire_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// let _ = s.acquire_until(std::time::Instant::now());
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// s.release(1);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let s = weftsync::BoundedSemaphore::new(1);
/// let _ = s.release(1);
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! White-box checks that read the futex word itself.
    use super::*;

    /// Every `_for(ZERO)` / `_until(past)` form, on every word that cannot satisfy it (empty,
    /// too few, a sleeper already announced): it fails and leaves the word exactly as it was,
    /// with no `SLEEPERS` bit set that would cost the next release a wake. The check precedes the
    /// spin and the announce in `acquire_slow`, so that path also neither spins nor sleeps.
    #[test]
    fn zero_timeout_and_past_deadline_leave_the_word_untouched() {
        let past = Instant::now() - Duration::from_millis(1);
        for (word, n) in [(0, 1), (1, 2), (SLEEPERS, 1), (1 | SLEEPERS, 2)] {
            let sem = Arc::new(Semaphore::new(0));
            sem.state.store(word, Relaxed);
            let tries = [
                sem.acquire_many_for(n, Duration::ZERO).is_none(),
                sem.acquire_many_until(n, past).is_none(),
                sem.acquire_many_arc_for(n, Duration::ZERO).is_none(),
                sem.acquire_many_arc_until(n, past).is_none(),
                n > 1 || sem.acquire_for(Duration::ZERO).is_none(),
                n > 1 || sem.acquire_until(past).is_none(),
            ];
            assert_eq!(tries, [true; 6], "word {word:#x}: a zero timeout took {n}");
            assert_eq!(
                sem.state.load(Relaxed),
                word,
                "word {word:#x}: a zero timeout changed the word (left SLEEPERS set?)"
            );

            let bounded = Arc::new(BoundedSemaphore::new(2));
            bounded.sem.state.store(word, Relaxed);
            let tries = [
                bounded.acquire_many_for(n, Duration::ZERO).is_none(),
                bounded.acquire_many_until(n, past).is_none(),
                bounded.acquire_many_arc_for(n, Duration::ZERO).is_none(),
                bounded.acquire_many_arc_until(n, past).is_none(),
            ];
            assert_eq!(tries, [true; 4], "bounded, word {word:#x}: took {n}");
            assert_eq!(
                bounded.sem.state.load(Relaxed),
                word,
                "bounded, word {word:#x}: a zero timeout changed the word"
            );
        }
    }

    /// A zero timeout that can succeed takes exactly its permits and keeps an announced
    /// sleeper's `SLEEPERS` bit (only a release clears it, and then it wakes the sleeper).
    #[test]
    fn zero_timeout_success_takes_n_and_keeps_the_sleepers_bit() {
        let sem = Semaphore::new(0);
        sem.state.store(3 | SLEEPERS, Relaxed);
        let p = sem
            .acquire_many_for(2, Duration::ZERO)
            .expect("3 free, 2 wanted");
        assert_eq!(
            sem.state.load(Relaxed),
            1 | SLEEPERS,
            "took 2, kept SLEEPERS"
        );
        SemaphorePermit::forget(p);
    }

    /// A permit's drop that would pass `MAX_PERMITS` stops the count there, and still clears
    /// `SLEEPERS` (so it woke the sleepers) like every give-back.
    #[test]
    fn permit_drop_past_max_saturates_and_clears_the_sleepers_bit() {
        let sem = Semaphore::new(0);
        let permit = sem.permit(3, None);
        sem.state.store((COUNT - 1) | SLEEPERS, Relaxed);
        drop(permit);
        assert_eq!(
            sem.state.load(Relaxed),
            COUNT,
            "the drop must saturate at MAX_PERMITS and clear SLEEPERS"
        );
    }

    /// `release` clears `SLEEPERS` as it adds; a refused one changes nothing, the bit included.
    #[test]
    fn release_clears_the_sleepers_bit_and_a_refused_one_changes_nothing() {
        let sem = Semaphore::new(0);
        sem.state.store(SLEEPERS, Relaxed);
        sem.release(2);
        assert_eq!(sem.state.load(Relaxed), 2, "release must clear SLEEPERS");
        sem.state.store((COUNT - 1) | SLEEPERS, Relaxed);
        assert!(sem.checked_release(2).is_err());
        assert_eq!(sem.state.load(Relaxed), (COUNT - 1) | SLEEPERS);
    }

    /// A release that finds `SLEEPERS` off makes no wake call (it "never enters the kernel"). A
    /// thread asleep in the kernel on the word without announcing itself stands for a sleeper no
    /// release owes a wake: the release must leave it asleep, so the wake the test makes after
    /// the release still finds it. Linux futex backend only: `/proc` shows the thread asleep.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn a_release_that_finds_no_sleeper_announced_makes_no_wake_call() {
        use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
        crate::shim::tests::watched(|| {
            let sem = Arc::new(Semaphore::new(0));
            let tid = Arc::new(AtomicI32::new(0));
            let (s, t) = (Arc::clone(&sem), Arc::clone(&tid));
            let sleeper = std::thread::spawn(move || {
                // SAFETY: gettid has no preconditions and cannot fail.
                t.store(unsafe { libc::gettid() }, SeqCst);
                // On the word as it is, 0: SLEEPERS off, as no acquire would ever sleep.
                shim::wait(&s.state, 0, None)
            });
            let word = &sem.state as *const AtomicU32 as usize;
            let asleep = || {
                let tid = tid.load(SeqCst);
                tid != 0 && shim::tests::futex_wait_of(tid) == Some((word, 0))
            };
            while !asleep() {
                std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
            }
            sem.release(1);
            assert_eq!(
                shim::wake(&sem.state, u32::MAX),
                1,
                "a release that found SLEEPERS off woke a sleeper: it made a wake call"
            );
            assert!(
                sleeper.join().unwrap(),
                "the test's own wake ended the sleep"
            );
            assert_eq!(sem.state.load(Relaxed), 1, "the release added its permit");
        });
    }

    /// A selector's arm (`src/select.rs`) reports a free permit without writing, and otherwise
    /// announces a sleeper as an acquirer does: `SLEEPERS` on (kept on if it already was), the
    /// count unchanged, so the next release wakes through `shim::wake_ready`.
    #[test]
    fn select_arm_reports_a_free_permit_or_announces_a_sleeper() {
        let sem = Semaphore::new(0);
        for (word, ready, after) in [
            (0, false, SLEEPERS),
            (SLEEPERS, false, SLEEPERS),
            (1, true, 1),
            (2 | SLEEPERS, true, 2 | SLEEPERS),
        ] {
            sem.state.store(word, Relaxed);
            assert_eq!(
                sem.select_arm(),
                ready,
                "word {word:#x}: arm reports ready exactly when a permit is free"
            );
            assert_eq!(
                sem.state.load(Relaxed),
                after,
                "word {word:#x}: arm leaves SLEEPERS on unless a permit is free, and the count as it was"
            );
        }
    }

    /// A selector asleep on an empty semaphore (`src/select.rs`) is woken by a release: the
    /// semaphore's ready word is the word a release wakes.
    #[test]
    fn a_selector_asleep_on_the_semaphore_is_woken_by_a_release() {
        crate::shim::tests::watched(|| {
            let sem = Arc::new(Semaphore::new(0));
            let s = Arc::clone(&sem);
            let selector = std::thread::spawn(move || {
                let objects: [&dyn crate::select::Selectable; 1] = [&*s];
                crate::select::wait(&objects)
            });
            while sem.state.load(Relaxed) & SLEEPERS == 0 {
                std::thread::yield_now();
            }
            sem.release(1);
            assert_eq!(
                selector.join().unwrap(),
                [0],
                "a release must wake a selector asleep on the semaphore"
            );
        });
    }
}
