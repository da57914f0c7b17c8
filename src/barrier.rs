//! `Barrier`: Python's `threading.Barrier`, a reusable rendezvous for a fixed number of threads,
//! in one 32-bit word (plus the party count, which never changes).
//!
//! Bits of `word` (the futex word):
//!
//! | bits   | name        | meaning                                                             |
//! |--------|-------------|---------------------------------------------------------------------|
//! | 0      | `WAITERS`   | a thread may be asleep on the word (or about to sleep)              |
//! | 1      | `BROKEN`    | the barrier is broken (aborted, timed out, reset, action panicked)  |
//! | 2      | `RESETTING` | a `reset` waits for the broken generation's threads to leave        |
//! | 3..15  | count       | threads in the current generation (`0..=parties`)                   |
//! | 15..32 | generation  | counts released generations, modulo 2^17                            |
//!
//! `RESETTING` is only ever on together with `BROKEN`. The count means:
//! - not broken, `count < parties`: threads that arrived and wait for the rest;
//! - `count == parties`: the last party arrived and runs the action; the generation is complete
//!   and will be released (or broken, if the action panics). Arrivals wait for the release;
//! - broken: the generation's threads that have not yet left with `BrokenBarrier`.
//!
//! Transitions, each one read-modify-write:
//! - arrive: if not broken, not resetting and `count < parties`: count + 1, the old count is the
//!   arrival index. Otherwise an arrival returns `BrokenBarrier` (broken) or sleeps until the word
//!   changes (resetting, or an action running).
//! - release, by the last arrival after its action: generation + 1, count 0, `WAITERS` off;
//!   `BROKEN` kept if an `abort` came while the action ran. Wakes all.
//! - break (`abort`, or a timed-out arrival): `BROKEN` on, `RESETTING` off, `WAITERS` off; a
//!   timed-out waiter also takes itself out of the count. Wakes all. While the action runs this
//!   marks the barrier broken for *after* the release: the complete generation is still released.
//! - the action panics: count `parties - 1`, `BROKEN` on, `RESETTING` off; wakes all.
//! - a waiter that finds its generation broken leaves: count - 1. If that empties a resetting
//!   barrier, the word becomes "generation g, count 0" (not broken) and it wakes all.
//! - `reset`: count 0: not broken; `count == parties` (action running): `BROKEN` and `RESETTING`
//!   off, so the release leaves the barrier empty and whole; otherwise `BROKEN | RESETTING` on and
//!   wake all: the waiters leave broken and the last one finishes the reset.
//!
//! Why a thread never passes in the wrong generation: joining is one compare-exchange on the word
//! that holds both the count and the generation, so an arrival is counted in exactly the
//! generation it saw. A waiter remembers its generation `g` and returns `Ok` when the word shows
//! another one. Only a release moves the generation, and a broken generation never moves it:
//! a reset of a broken generation completes (and lets new arrivals in) only when the count shows
//! that all of its threads have left. So a waiter that still sees `g` is still waiting or is
//! broken, and one that sees another generation was released. The generation would have to wrap
//! (2^17 releases while one waiter has not yet run) for a waiter to mistake a later generation
//! for its own; it would then be held until that generation ends, too.
//!
//! Wakes: every sleeper turns `WAITERS` on first and sleeps on exactly the value it saw or
//! wrote. Every transition a sleeper waits for (release, break, reset, the end of a reset's
//! drain) turns `WAITERS` off and, if it was on, wakes all. Transitions no sleeper waits for (an
//! arrival, a broken waiter leaving without emptying the count) leave `WAITERS` alone.
//!
//! **One protocol, two wake modes.** The word and its transitions are `RawBarrier`, generic over
//! the wait layer's wake mode (`shim::WakeMode`, `docs/wait-layer.md`): `Barrier` is
//! `RawBarrier<Private>`, and `weftsync::process::Barrier` is the same code as
//! `RawBarrier<Shared>`, so every model of this file's protocol covers both (under the checkers
//! both modes are the emulated table). Only the wait and the wakes differ: the shared mode's
//! reach sleepers in every process that maps the word.
//!
//! Memory ordering: each arrival is an AcqRel read-modify-write and the release a Release one,
//! so everything a party did before `wait` happens-before the last arrival's action (which read
//! every earlier arrival's write through the chain of read-modify-writes) and everything before
//! the release happens-before every waiter's Acquire read of a new generation. Every change to
//! the word is a read-modify-write, so later values continue the release sequence. Setting
//! `WAITERS` publishes nothing and is Relaxed.

use core::fmt;
use core::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
    Private, WakeMode,
};

const WAITERS: u32 = 1;
const BROKEN: u32 = 2;
const RESETTING: u32 = 4;
const COUNT_SHIFT: u32 = 3;
const COUNT_BITS: u32 = 12;
const ONE: u32 = 1 << COUNT_SHIFT;
const COUNT_MASK: u32 = ((1 << COUNT_BITS) - 1) << COUNT_SHIFT;
const GEN_ONE: u32 = 1 << (COUNT_SHIFT + COUNT_BITS);
const GEN_MASK: u32 = !(GEN_ONE - 1);

#[inline]
const fn count(s: u32) -> u32 {
    (s & COUNT_MASK) >> COUNT_SHIFT
}

/// A reusable rendezvous for `parties` threads, Python's `threading.Barrier`.
///
/// Each thread calls [`wait`](Barrier::wait); all of them block until the last one arrives, then
/// all are released together and the barrier is ready for the next round (a *generation*).
/// `wait` returns this thread's arrival index, `0..parties`, each index once per generation.
///
/// - **An action, run by exactly one thread before any is released**:
///   [`wait_with`](Barrier::wait_with) takes a closure; the last thread to arrive runs its own
///   closure while the others are still held, and the others' closures are dropped unrun. If it
///   panics, the barrier breaks and the panic continues in the thread that ran it.
/// - **Broken, never hung**: [`abort`](Barrier::abort), a timed-out
///   [`wait_for`](Barrier::wait_for) (Python's rule: a party that gives up breaks the barrier for
///   everyone), a panicking action or [`reset`](Barrier::reset) break the barrier; every thread
///   waiting then, and every later arrival until `reset`, gets [`BrokenBarrier`].
/// - **Happens-before**: everything each party did before its `wait` is visible to the action
///   and to every party after its `wait` returns `Ok`.
/// - 8 bytes, `const fn new`, no heap (std's `Barrier` is 40). Waiters spin briefly, then sleep;
///   the last arrival wakes them with one system call.
///
/// There is no `try_wait`: a wait that does not block could only succeed as the last arrival,
/// and otherwise would have to leave without being counted, which nobody waiting could tell
/// from a party that never came. A zero timeout is Python's `wait(timeout=0)`: it completes the
/// generation if this is the last party, and otherwise times out and breaks the barrier.
///
/// Promises, state table and the tests behind them: `docs/barrier.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use weftsync::Barrier;
///
/// let barrier = Barrier::new(3);
/// let phase_one = AtomicUsize::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..3 {
///         s.spawn(|| {
///             phase_one.fetch_add(1, Ordering::Relaxed);
///             let index = barrier.wait().unwrap();
///             assert!(index < 3);
///             // Nobody gets here before all three finished phase one.
///             assert_eq!(phase_one.load(Ordering::Relaxed), 3);
///         });
///     }
/// });
/// # }
/// ```
pub struct Barrier {
    raw: RawBarrier<Private>,
}

/// What [`Barrier::wait`] and [`Barrier::wait_with`] return when the barrier is broken: it was
/// aborted, reset, a party timed out, or the action panicked. Python's `BrokenBarrierError`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Barrier, BrokenBarrier};
/// let barrier = Barrier::new(2);
/// barrier.abort();
/// assert_eq!(barrier.wait(), Err(BrokenBarrier));
/// # }
/// ```
#[doc(alias = "BrokenBarrierError")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BrokenBarrier;

impl fmt::Display for BrokenBarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("barrier is broken (aborted, reset, a party timed out, or the action panicked)")
    }
}

impl std::error::Error for BrokenBarrier {}

/// What the timed forms of [`Barrier::wait`] return when they do not pass.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::{Barrier, BarrierTimeoutError};
/// let barrier = Barrier::new(2);
/// // Nobody else comes: this party gives up, and breaks the barrier for everyone.
/// assert_eq!(barrier.wait_for(Duration::from_millis(1)), Err(BarrierTimeoutError::Timeout));
/// assert_eq!(barrier.wait_for(Duration::from_millis(1)), Err(BarrierTimeoutError::Broken));
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarrierTimeoutError {
    /// The timeout passed before the last party arrived. This thread broke the barrier.
    Timeout,
    /// The barrier was broken (by another party's timeout, `abort`, `reset` or a panicking
    /// action) before this thread could pass. Python's `BrokenBarrierError`.
    #[doc(alias = "BrokenBarrierError")]
    Broken,
}

impl BarrierTimeoutError {
    /// Whether this thread's own timeout passed.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::Barrier::new(2);
    /// let err = barrier.wait_for(std::time::Duration::ZERO).unwrap_err();
    /// assert!(err.is_timeout());
    /// # }
    /// ```
    pub fn is_timeout(&self) -> bool {
        *self == BarrierTimeoutError::Timeout
    }
}

impl From<BrokenBarrier> for BarrierTimeoutError {
    fn from(_: BrokenBarrier) -> Self {
        BarrierTimeoutError::Broken
    }
}

impl fmt::Display for BarrierTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BarrierTimeoutError::Timeout => {
                f.write_str("timed out waiting on the barrier (which is now broken)")
            }
            BarrierTimeoutError::Broken => fmt::Display::fmt(&BrokenBarrier, f),
        }
    }
}

impl std::error::Error for BarrierTimeoutError {}

/// How an arrival went, before the action (if any) runs.
enum Arrival {
    /// This thread arrived last: it must run the action, then release the generation.
    Last,
    /// Done: passed with this index, or failed.
    Done(Result<usize, BarrierTimeoutError>),
}

impl Barrier {
    /// The most parties a barrier can have: the count shares the word with the generation.
    pub const MAX_PARTIES: usize = (1 << COUNT_BITS) - 1;

    /// Creates a barrier for `parties` threads. `const`, so a `Barrier` can be a `static`.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 (Python raises `ValueError`) or above [`Barrier::MAX_PARTIES`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static START: weftsync::Barrier = weftsync::Barrier::new(4);
    /// assert_eq!(START.parties(), 4);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    #[inline]
    #[track_caller]
    pub const fn new(parties: usize) -> Self {
        Barrier {
            raw: RawBarrier::new(checked_parties(parties)),
        }
    }

    /// Creates a barrier for `parties` threads (not `const` under the model checkers).
    ///
    /// # Panics
    ///
    /// If `parties` is 0 or above [`Barrier::MAX_PARTIES`].
    #[cfg(weft_checker)]
    #[track_caller]
    pub fn new(parties: usize) -> Self {
        Barrier {
            raw: RawBarrier::new(checked_parties(parties)),
        }
    }

    /// Waits until all parties have called `wait`; returns this thread's arrival index,
    /// `0..parties` (the last to arrive gets `parties - 1`, std's "leader").
    ///
    /// Returns `Err(BrokenBarrier)` if the barrier is broken, or breaks while this thread waits.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::Barrier::new(2);
    /// let mut indices = std::thread::scope(|s| {
    ///     let other = s.spawn(|| barrier.wait().unwrap());
    ///     vec![barrier.wait().unwrap(), other.join().unwrap()]
    /// });
    /// indices.sort();
    /// assert_eq!(indices, [0, 1]);
    /// # }
    /// ```
    #[inline]
    pub fn wait(&self) -> Result<usize, BrokenBarrier> {
        self.wait_with(|| {})
    }

    /// Like [`wait`](Barrier::wait), and if this thread arrives last it runs `action` before any
    /// thread is released (Python's `Barrier(parties, action)`). The other threads' closures are
    /// dropped unrun. If `action` panics, the barrier breaks (the others get `BrokenBarrier`)
    /// and the panic continues in this thread.
    ///
    /// The closure runs on the calling thread, so it may borrow anything: no `Send`, no
    /// `'static`. Pass the same closure from every party to get Python's fixed action.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let barrier = weftsync::Barrier::new(3);
    /// let rounds = AtomicUsize::new(0);
    /// std::thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| {
    ///             let _ = barrier.wait_with(|| {
    ///                 rounds.fetch_add(1, Ordering::Relaxed);
    ///             });
    ///             // The action ran before anyone was released.
    ///             assert_eq!(rounds.load(Ordering::Relaxed), 1);
    ///         });
    ///     }
    /// });
    /// # }
    /// ```
    #[inline]
    pub fn wait_with(&self, action: impl FnOnce()) -> Result<usize, BrokenBarrier> {
        self.raw.wait_deadline(None, action).map_err(|e| {
            debug_assert_eq!(e, BarrierTimeoutError::Broken, "no deadline, no timeout");
            BrokenBarrier
        })
    }

    /// Like [`wait`](Barrier::wait), giving up after `timeout`. A party that gives up **breaks
    /// the barrier** (Python's rule) and gets `Err(Timeout)`; the others get `Err(Broken)`.
    /// `Duration::ZERO` passes only if this thread arrives last; a timeout too large for
    /// `Instant` waits forever.
    ///
    /// Once the last party has arrived, the generation is complete: a timeout that passes while
    /// the last thread runs the action does not break it, and the wait returns when the action
    /// ends (as Python's waiters wait for the lock the action holds).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let barrier = weftsync::Barrier::new(2);
    /// std::thread::scope(|s| {
    ///     let other = s.spawn(|| barrier.wait_for(Duration::from_secs(10)));
    ///     assert!(barrier.wait_for(Duration::from_secs(10)).is_ok());
    ///     assert!(other.join().unwrap().is_ok());
    /// });
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "wait_timeout")]
    pub fn wait_for(&self, timeout: Duration) -> Result<usize, BarrierTimeoutError> {
        self.raw.wait_deadline(shim::deadline_after(timeout), || {})
    }

    /// Like [`wait_for`](Barrier::wait_for), with a deadline. A deadline already past passes
    /// only if this thread arrives last, and otherwise breaks the barrier.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let barrier = weftsync::Barrier::new(1);
    /// assert_eq!(barrier.wait_until(Instant::now() + Duration::from_secs(1)), Ok(0));
    /// # }
    /// ```
    #[inline]
    pub fn wait_until(&self, deadline: Instant) -> Result<usize, BarrierTimeoutError> {
        self.raw.wait_deadline(Some(deadline), || {})
    }

    /// [`wait_with`](Barrier::wait_with) with a timeout, as [`wait_for`](Barrier::wait_for). The
    /// timeout comes last, as in every `_for` form (`Condition::wait_while_for(guard, f, t)`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let barrier = weftsync::Barrier::new(1);
    /// let mut ran = false;
    /// assert_eq!(barrier.wait_with_for(|| ran = true, Duration::ZERO), Ok(0));
    /// assert!(ran, "the only party arrives last and runs the action");
    /// # }
    /// ```
    #[inline]
    pub fn wait_with_for(
        &self,
        action: impl FnOnce(),
        timeout: Duration,
    ) -> Result<usize, BarrierTimeoutError> {
        self.raw
            .wait_deadline(shim::deadline_after(timeout), action)
    }

    /// [`wait_with`](Barrier::wait_with) with a deadline, as [`wait_until`](Barrier::wait_until).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// let barrier = weftsync::Barrier::new(2);
    /// let mut ran = false;
    /// let got = barrier.wait_with_until(|| ran = true, Instant::now());
    /// assert_eq!(got, Err(weftsync::BarrierTimeoutError::Timeout));
    /// assert!(!ran, "not the last party: its action is dropped unrun");
    /// # }
    /// ```
    #[inline]
    pub fn wait_with_until(
        &self,
        action: impl FnOnce(),
        deadline: Instant,
    ) -> Result<usize, BarrierTimeoutError> {
        self.raw.wait_deadline(Some(deadline), action)
    }

    /// Breaks the barrier: every thread waiting gets `BrokenBarrier`, and so does every later
    /// arrival until [`reset`](Barrier::reset). If the last party has already arrived and its
    /// action is running, that generation is still released; the barrier is broken after it.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::Barrier::new(2);
    /// std::thread::scope(|s| {
    ///     let waiter = s.spawn(|| barrier.wait());
    ///     while barrier.n_waiting() == 0 {
    ///         std::thread::yield_now();
    ///     }
    ///     barrier.abort();
    ///     assert!(waiter.join().unwrap().is_err());
    /// });
    /// assert!(barrier.is_broken());
    /// # }
    /// ```
    pub fn abort(&self) {
        self.raw.abort();
    }

    /// Returns the barrier to its empty, unbroken state, Python's `reset()`. Threads waiting now
    /// get `BrokenBarrier`; threads that arrive while they are still leaving wait for them, then
    /// join the new generation. If the action is running, the reset takes effect right after its
    /// generation is released (which leaves the barrier empty); an `abort` from that window is
    /// forgotten.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::Barrier::new(1);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// barrier.reset();
    /// assert!(!barrier.is_broken());
    /// assert_eq!(barrier.wait(), Ok(0));
    /// # }
    /// ```
    pub fn reset(&self) {
        self.raw.reset();
    }

    /// Whether the barrier is broken: a `wait` now would return `BrokenBarrier` at once.
    /// `false` while a `reset` is finishing. Only a snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::Barrier::new(2);
    /// assert!(!barrier.is_broken());
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "broken")]
    pub fn is_broken(&self) -> bool {
        self.raw.is_broken()
    }

    /// How many threads have arrived in the current generation and not been released (`parties`
    /// while the last one runs the action); 0 while broken. Only a snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::Barrier::new(3);
    /// assert_eq!(barrier.n_waiting(), 0);
    /// # }
    /// ```
    #[inline]
    pub fn n_waiting(&self) -> usize {
        self.raw.n_waiting()
    }

    /// The number of threads the barrier waits for.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::Barrier::new(5).parties(), 5);
    /// # }
    /// ```
    #[inline]
    pub fn parties(&self) -> usize {
        self.raw.parties()
    }
}

/// The barrier protocol on its own, generic over the wake mode (see the file docs): the word, its
/// transitions and the wait. `Barrier` is `RawBarrier<Private>`; `process::Barrier` is
/// `RawBarrier<Shared>`. `#[repr(C)]`, made of a word and a plain count, so it may live in memory
/// shared between processes.
#[repr(C)]
pub(crate) struct RawBarrier<M: WakeMode> {
    word: AtomicU32,
    parties: u32,
    _mode: PhantomData<M>,
}

impl<M: WakeMode> RawBarrier<M> {
    /// A barrier for `parties` (already checked by `checked_parties`).
    #[cfg(not(weft_checker))]
    #[inline]
    pub(crate) const fn new(parties: u32) -> Self {
        RawBarrier {
            word: AtomicU32::new(0),
            parties,
            _mode: PhantomData,
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new(parties: u32) -> Self {
        RawBarrier {
            word: AtomicU32::new(0),
            parties,
            _mode: PhantomData,
        }
    }

    /// `Barrier::abort`.
    pub(crate) fn abort(&self) {
        // AcqRel: a thread that sees the barrier broken sees what the aborter did before (not a
        // promise, but free on a read-modify-write); Acquire keeps later reads after it.
        let prev = self
            .word
            .fetch_update(AcqRel, Relaxed, |s| {
                Some((s | BROKEN) & !(RESETTING | WAITERS))
            })
            .unwrap_or_else(|s| s);
        if prev & WAITERS != 0 {
            M::wake(&self.word, u32::MAX);
        }
    }

    /// `Barrier::reset`.
    pub(crate) fn reset(&self) {
        let parties = self.parties;
        let prev = self
            .word
            .fetch_update(AcqRel, Relaxed, |s| {
                Some(match count(s) {
                    // Nobody inside: whole and empty at once.
                    0 => s & GEN_MASK,
                    // The action runs: its generation is complete and its release empties the
                    // barrier; only a pending abort needs undoing.
                    c if c == parties => s & !(BROKEN | RESETTING),
                    // Waiters inside: break them; the last to leave completes the reset.
                    _ => (s | BROKEN | RESETTING) & !WAITERS,
                })
            })
            .unwrap_or_else(|s| s);
        if prev & WAITERS != 0 && count(prev) != parties {
            M::wake(&self.word, u32::MAX);
        }
    }

    /// `Barrier::is_broken`.
    #[inline]
    pub(crate) fn is_broken(&self) -> bool {
        self.word.load(Relaxed) & (BROKEN | RESETTING) == BROKEN
    }

    /// `Barrier::n_waiting`.
    #[inline]
    pub(crate) fn n_waiting(&self) -> usize {
        let s = self.word.load(Relaxed);
        if s & BROKEN != 0 {
            0
        } else {
            count(s) as usize
        }
    }

    /// `Barrier::parties`.
    #[inline]
    pub(crate) fn parties(&self) -> usize {
        self.parties as usize
    }

    /// Arrives, runs `action` if last, and waits for the generation to end or `deadline`.
    #[inline]
    pub(crate) fn wait_deadline(
        &self,
        deadline: Option<Instant>,
        action: impl FnOnce(),
    ) -> Result<usize, BarrierTimeoutError> {
        match self.arrive(deadline) {
            Arrival::Done(result) => result,
            Arrival::Last => {
                // Caught, not guarded by a drop: the break then wakes the waiters outside the
                // unwinding (loom's mutexes, which the emulated wait layer uses, poison if
                // touched while a thread panics). AssertUnwindSafe: the panic is resumed at once,
                // so no state the closure broke is observed by this thread.
                if let Err(panic) = catch_unwind(AssertUnwindSafe(action)) {
                    self.break_in_action();
                    resume_unwind(panic);
                }
                self.release();
                Ok(self.parties as usize - 1)
            }
        }
    }

    /// Joins the current generation and, unless last, waits for it to end.
    fn arrive(&self, deadline: Option<Instant>) -> Arrival {
        let parties = self.parties;
        let mut s = self.word.load(Relaxed);
        // Set once the wait layer reported the deadline passed (under the checkers it may say so
        // before the clock does, so its word is final, as the contract says).
        let mut timed_out = false;
        let index = loop {
            if s & (BROKEN | RESETTING) == BROKEN {
                return Arrival::Done(Err(BarrierTimeoutError::Broken));
            }
            if s & RESETTING != 0 || count(s) == parties {
                // Not joinable yet: a reset waits for the broken generation to leave, or the
                // previous generation's action runs. Both end with a wake_all.
                if timed_out || shim::expired(deadline) {
                    self.abort();
                    return Arrival::Done(Err(BarrierTimeoutError::Timeout));
                }
                (s, timed_out) = self.sleep(s, deadline);
                continue;
            }
            // AcqRel: Release publishes what this party did before `wait`; Acquire lets the
            // last arrival (whose read-modify-write reads every earlier arrival's) see it all.
            match self.word.compare_exchange(s, s + ONE, AcqRel, Relaxed) {
                Ok(_) => break count(s),
                Err(now) => s = now,
            }
        };
        if index + 1 == parties {
            return Arrival::Last;
        }
        self.wait_for_release(s + ONE, index as usize, deadline)
    }

    /// Waits, as arrival `index` of the generation in `s` (the value this thread wrote), until
    /// that generation is released or broken, or `deadline`.
    fn wait_for_release(&self, mut s: u32, index: usize, deadline: Option<Instant>) -> Arrival {
        let parties = self.parties;
        let generation = s & GEN_MASK;
        let mut timed_out = false;
        let mut spin = shim::Spin::new(shim::Site::Flag);
        loop {
            if s & GEN_MASK != generation {
                // Released (the word was read with Acquire: the release happens-before here).
                return Arrival::Done(Ok(index));
            }
            let action_running = count(s) == parties;
            if !action_running && s & BROKEN != 0 {
                self.leave_broken(s);
                return Arrival::Done(Err(BarrierTimeoutError::Broken));
            }
            if !action_running && (timed_out || shim::expired(deadline)) {
                // Give up: break the barrier for everyone and take this thread out of the count.
                match self.word.compare_exchange(
                    s,
                    ((s - ONE) & !WAITERS) | BROKEN,
                    AcqRel,
                    Acquire,
                ) {
                    Ok(_) => {
                        if s & WAITERS != 0 {
                            M::wake(&self.word, u32::MAX);
                        }
                        return Arrival::Done(Err(BarrierTimeoutError::Timeout));
                    }
                    Err(now) => {
                        s = now;
                        continue;
                    }
                }
            }
            // Spin briefly, read-only, while nobody sleeps: the rest of the parties often come
            // soon, and seeing the release here saves a sleep and the releaser a wake call.
            if s & WAITERS == 0 && spin.pause() {
                s = self.word.load(Acquire);
                continue;
            }
            spin.stop();
            // While the action runs the generation is complete: wait for its end untimed.
            let until = if action_running { None } else { deadline };
            let (now, gave_up) = self.sleep(s, until);
            s = now;
            timed_out |= gave_up;
        }
    }

    /// Turns `WAITERS` on (if `s` lacks it) and sleeps while the word holds that value. Returns
    /// the word read afterwards (Acquire) and whether the wait layer reported `deadline` passed.
    fn sleep(&self, s: u32, deadline: Option<Instant>) -> (u32, bool) {
        let mut s = s;
        if s & WAITERS == 0 {
            // Relaxed success: registering publishes nothing. Acquire failure: the value read
            // may be a release we return on.
            match self.word.compare_exchange(s, s | WAITERS, Relaxed, Acquire) {
                Ok(_) => s |= WAITERS,
                Err(now) => return (now, false),
            }
        }
        // Sleeps only while the word still holds `s`: any transition since we read it changed
        // the word, and one after we sleep sees WAITERS and wakes us.
        let woken = M::wait(&self.word, s, deadline);
        (self.word.load(Acquire), !woken)
    }

    /// A waiter of the broken generation in `s` leaves: count - 1; the last one out of a
    /// resetting barrier completes the reset.
    fn leave_broken(&self, mut s: u32) {
        loop {
            debug_assert!(s & BROKEN != 0 && count(s) > 0);
            let done_resetting = count(s) == 1 && s & RESETTING != 0;
            let next = if done_resetting {
                s & GEN_MASK
            } else {
                s - ONE
            };
            match self.word.compare_exchange(s, next, AcqRel, Relaxed) {
                Ok(_) => {
                    if done_resetting && s & WAITERS != 0 {
                        M::wake(&self.word, u32::MAX);
                    }
                    return;
                }
                Err(now) => s = now,
            }
        }
    }

    /// The last arrival's action returned: release the generation.
    fn release(&self) {
        // Release: publishes the action and (through the arrivals' chain of read-modify-writes,
        // which this thread acquired when it arrived) every party's work to the waiters.
        // `BROKEN` survives: an abort during the action breaks the barrier after this release.
        let prev = self
            .word
            .fetch_update(Release, Relaxed, |s| {
                Some((s & GEN_MASK).wrapping_add(GEN_ONE) | (s & BROKEN))
            })
            .unwrap_or_else(|s| s);
        debug_assert_eq!(count(prev), self.parties, "released a complete generation");
        if prev & WAITERS != 0 {
            M::wake(&self.word, u32::MAX);
        }
    }

    /// The last arrival's action panicked: break the generation; the waiters leave broken. A
    /// reset or abort from the action's window is superseded: the barrier stays broken.
    #[cold]
    fn break_in_action(&self) {
        let left = (self.parties - 1) << COUNT_SHIFT;
        let prev = self
            .word
            .fetch_update(AcqRel, Relaxed, |s| Some((s & GEN_MASK) | left | BROKEN))
            .unwrap_or_else(|s| s);
        if prev & WAITERS != 0 {
            M::wake(&self.word, u32::MAX);
        }
    }
}

#[track_caller]
pub(crate) const fn checked_parties(parties: usize) -> u32 {
    assert!(parties > 0, "a Barrier needs at least one party");
    assert!(
        parties <= Barrier::MAX_PARTIES,
        "a Barrier holds at most Barrier::MAX_PARTIES parties"
    );
    parties as u32
}

/// Never blocks: prints a snapshot.
impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties())
            .field("n_waiting", &self.n_waiting())
            .field("is_broken", &self.is_broken())
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a Barrier wait call happened does not compile under `#![deny(unused_must_use)]`:
/// each `compile_fail` block below is paired with a `no_run` block that differs only in using
/// the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// b.wait();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// let _result = b.wait();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// b.wait_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// let _result = b.wait_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// b.wait_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// let _result = b.wait_until(std::time::Instant::now());
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// b.wait_with_for(|| (), std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let b = weftsync::Barrier::new(1);
/// let _result = b.wait_with_for(|| (), std::time::Duration::ZERO);
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! Checks that need the `WAITERS` bit, which the public API does not show: that a thread is
    //! asleep (or committed to sleeping) on the word before the test acts.
    use super::*;
    use std::cell::Cell;
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};

    fn until_asleep(b: &Barrier) {
        while b.raw.word.load(Relaxed) & WAITERS == 0 {
            std::thread::yield_now();
        }
    }

    /// An arrival that finds the action running sleeps (uncounted) until the release, then forms
    /// the next generation: with one party, its own action runs only after the first ended.
    #[test]
    fn arrival_while_the_action_runs_sleeps_then_joins_the_next_generation() {
        crate::shim::tests::watched(|| {
            let b = Barrier::new(1);
            let in_action = AtomicBool::new(false);
            let leave_action = AtomicBool::new(false);
            std::thread::scope(|s| {
                let first = s.spawn(|| {
                    b.wait_with(|| {
                        in_action.store(true, SeqCst);
                        while !leave_action.load(SeqCst) {
                            std::thread::yield_now();
                        }
                    })
                });
                while !in_action.load(SeqCst) {
                    std::thread::yield_now();
                }
                let second = s.spawn(|| b.wait_with(|| assert!(leave_action.load(SeqCst))));
                until_asleep(&b);
                assert_eq!(b.n_waiting(), 1, "the sleeping arrival is not counted yet");
                leave_action.store(true, SeqCst);
                assert_eq!(first.join().unwrap(), Ok(0));
                assert_eq!(second.join().unwrap(), Ok(0), "it forms its own generation");
            });
        });
    }

    /// A waiter asleep in an untimed `wait` is woken by another party's timeout, which breaks
    /// the barrier (Python's rule), and by nothing else here.
    #[test]
    fn sleeping_waiter_is_broken_by_another_partys_timeout() {
        crate::shim::tests::watched(|| {
            let b = Barrier::new(3);
            std::thread::scope(|s| {
                let untimed = s.spawn(|| b.wait());
                until_asleep(&b);
                assert_eq!(
                    b.wait_for(Duration::from_millis(20)),
                    Err(BarrierTimeoutError::Timeout)
                );
                assert_eq!(untimed.join().unwrap(), Err(BrokenBarrier));
            });
        });
    }

    /// The last arrival clears `WAITERS` when it releases, so a generation whose waiters slept
    /// leaves no wake owed to the next one.
    #[test]
    fn release_leaves_no_waiters_bit_behind() {
        crate::shim::tests::watched(|| {
            let b = Barrier::new(2);
            std::thread::scope(|s| {
                let t = s.spawn(|| b.wait());
                until_asleep(&b);
                assert_eq!(b.wait(), Ok(1));
                assert_eq!(t.join().unwrap(), Ok(0));
            });
            assert_eq!(
                b.raw.word.load(Relaxed) & WAITERS,
                0,
                "the release must clear WAITERS"
            );
        });
    }

    thread_local! {
        /// Wake calls made by this thread through [`Counting`] or [`EarlyTimeout`].
        static WAKES: Cell<u32> = const { Cell::new(0) };
        /// Timed waits made by this thread through [`EarlyTimeout`].
        static TIMED_WAITS: Cell<u32> = const { Cell::new(0) };
    }

    /// The real wait layer (`Private`), with every wake call counted on the calling thread.
    struct Counting;

    impl WakeMode for Counting {
        fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
            Private::wait(word, expected, deadline)
        }
        fn wake(word: *const AtomicU32, n: u32) -> u32 {
            WAKES.set(WAKES.get() + 1);
            Private::wake(word, n)
        }
        fn wake_ready(word: &AtomicU32) {
            Private::wake_ready(word);
        }
    }

    /// A wait layer that keeps the contract as the checkers' does at its most adversarial: a
    /// timed wait reports its deadline passed at once, before the clock shows it (the contract
    /// lets a timed wait end at any moment). It checks the barrier's side of the contract: every
    /// sleep is on a value with `WAITERS` on, and `false` is final (no second timed wait).
    struct EarlyTimeout;

    impl WakeMode for EarlyTimeout {
        fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
            assert_ne!(
                expected & WAITERS,
                0,
                "a sleep must be on a value with WAITERS on, or no transition owes it a wake"
            );
            if deadline.is_none() {
                return Private::wait(word, expected, deadline);
            }
            TIMED_WAITS.set(TIMED_WAITS.get() + 1);
            assert_eq!(
                TIMED_WAITS.get(),
                1,
                "after the wait layer reported the deadline passed, the barrier must give up, \
                 not wait again"
            );
            false
        }
        fn wake(word: *const AtomicU32, n: u32) -> u32 {
            WAKES.set(WAKES.get() + 1);
            Private::wake(word, n)
        }
        fn wake_ready(word: &AtomicU32) {
            Private::wake_ready(word);
        }
    }

    /// The wake calls `f` makes on a barrier whose word was set to `word` first.
    fn wakes<M: WakeMode>(b: &RawBarrier<M>, word: u32, f: impl FnOnce(&RawBarrier<M>)) -> u32 {
        b.word.store(word, Relaxed);
        let before = WAKES.get();
        f(b);
        WAKES.get() - before
    }

    /// A transition: its name, the word it starts from, the wake calls it must make, and the
    /// transition itself.
    type Case = (&'static str, u32, u32, fn(&RawBarrier<Counting>));

    /// B10: every transition a sleeper waits for makes its wake-all call only if `WAITERS` was on
    /// (a sleeper turned it on), and none while the waiters still spin. Each transition is run
    /// on a word set to the state it starts from, on this thread, with the wakes counted.
    #[test]
    fn a_transition_wakes_only_when_a_sleeper_registered() {
        crate::shim::tests::watched(|| {
            let b = RawBarrier::<Counting>::new(3);
            let full = 3 * ONE;
            let cases: [Case; 14] = [
                ("abort, nobody asleep", ONE, 0, |b| b.abort()),
                ("abort, a sleeper", ONE | WAITERS, 1, |b| b.abort()),
                ("reset, a waiter spinning", ONE, 0, |b| b.reset()),
                ("reset, a sleeper", ONE | WAITERS, 1, |b| b.reset()),
                ("reset while the action runs", full | WAITERS, 0, |b| {
                    b.reset()
                }),
                ("release, nobody asleep", full, 0, |b| b.release()),
                ("release, a sleeper", full | WAITERS, 1, |b| b.release()),
                ("panicking action, nobody asleep", full, 0, |b| {
                    b.break_in_action()
                }),
                ("panicking action, a sleeper", full | WAITERS, 1, |b| {
                    b.break_in_action()
                }),
                (
                    "last to leave a reset, nobody asleep",
                    BROKEN | RESETTING | ONE,
                    0,
                    |b| b.leave_broken(b.word.load(Relaxed)),
                ),
                (
                    "last to leave a reset, an arrival asleep",
                    BROKEN | RESETTING | ONE | WAITERS,
                    1,
                    |b| b.leave_broken(b.word.load(Relaxed)),
                ),
                (
                    "not the last to leave a reset",
                    BROKEN | RESETTING | (2 * ONE) | WAITERS,
                    0,
                    |b| b.leave_broken(b.word.load(Relaxed)),
                ),
                ("a timeout, nobody asleep", ONE, 0, |b| {
                    let got = b.wait_deadline(Some(Instant::now()), || {});
                    assert_eq!(got, Err(BarrierTimeoutError::Timeout));
                }),
                ("a timeout, a sleeper", ONE | WAITERS, 1, |b| {
                    let got = b.wait_deadline(Some(Instant::now()), || {});
                    assert_eq!(got, Err(BarrierTimeoutError::Timeout));
                }),
            ];
            for (what, word, want, f) in cases {
                assert_eq!(
                    wakes(&b, word, f),
                    want,
                    "{what}: a wake call only when WAITERS was on"
                );
            }
        });
    }

    /// B6, B8: `abort` breaks the barrier whatever state it finds: already broken, or while a
    /// reset waits for the broken generation to leave (the abort comes later, so it wins: the
    /// barrier stays broken once the last waiter has left).
    #[test]
    fn abort_breaks_whatever_state_it_finds() {
        crate::shim::tests::watched(|| {
            let b = Barrier::new(2);
            b.abort();
            b.abort();
            assert!(
                b.is_broken(),
                "a second abort must leave the barrier broken"
            );
            // One broken waiter has yet to leave a reset.
            b.raw.word.store(BROKEN | RESETTING | ONE, Relaxed);
            b.abort();
            assert!(
                b.is_broken(),
                "an abort during a reset's drain breaks the barrier"
            );
            b.raw.leave_broken(b.raw.word.load(Relaxed));
            assert!(
                b.is_broken(),
                "an abort after a reset must leave the barrier broken once the last waiter left"
            );
            assert_eq!(b.n_waiting(), 0);
        });
    }

    /// B8: a reset while broken waiters are still inside breaks them and completes when the last
    /// one has left; a second reset meanwhile changes nothing.
    #[test]
    fn reset_with_broken_waiters_inside_completes_when_the_last_leaves() {
        crate::shim::tests::watched(|| {
            let b = Barrier::new(2);
            let settled = |b: &Barrier| {
                b.raw.leave_broken(b.raw.word.load(Relaxed));
                assert!(
                    !b.is_broken(),
                    "the last waiter out completes the reset: whole"
                );
                assert_eq!(
                    b.n_waiting(),
                    0,
                    "the last waiter out completes the reset: empty"
                );
                assert_eq!(
                    b.raw.word.load(Relaxed) & !GEN_MASK,
                    0,
                    "no flag left behind"
                );
            };
            // Aborted, one waiter yet to leave.
            b.raw.word.store(BROKEN | ONE, Relaxed);
            b.reset();
            assert_eq!(
                b.raw.word.load(Relaxed),
                BROKEN | RESETTING | ONE,
                "a reset of a broken barrier with a waiter inside waits for it, still broken"
            );
            settled(&b);
            // A second reset while the first waits for the waiter to leave.
            b.raw.word.store(BROKEN | RESETTING | ONE, Relaxed);
            b.reset();
            assert_eq!(
                b.raw.word.load(Relaxed),
                BROKEN | RESETTING | ONE,
                "a second reset during the drain changes nothing"
            );
            settled(&b);
        });
    }

    /// `MAX_PARTIES` arrivals fit the count field, and one more would carry into the generation.
    #[test]
    fn max_parties_is_the_most_the_count_field_holds() {
        let max = Barrier::MAX_PARTIES as u32;
        assert_eq!(
            count(max * ONE),
            max,
            "MAX_PARTIES arrivals must fit the count field"
        );
        assert_eq!(
            (max * ONE) & !COUNT_MASK,
            0,
            "the count must stay in its field"
        );
        assert_eq!(
            (max + 1) * ONE,
            GEN_ONE,
            "one arrival more than MAX_PARTIES would carry into the generation"
        );
    }

    /// B7 and the wait layer's contract: `false` from a timed wait is final. With a layer that
    /// reports the deadline passed long before the clock does, a waiter of a filling generation
    /// and an arrival that finds a reset under way each give up after that one wait (the layer
    /// fails the test if either waits again), break the barrier and return `Timeout`.
    #[test]
    fn a_timed_wait_that_the_wait_layer_ends_gives_up_at_once() {
        crate::shim::tests::watched(|| {
            let far = Some(Instant::now() + Duration::from_secs(3600));
            let b = RawBarrier::<EarlyTimeout>::new(2);
            TIMED_WAITS.set(0);
            assert_eq!(
                b.wait_deadline(far, || {}),
                Err(BarrierTimeoutError::Timeout),
                "a waiter whose timed wait reported the deadline must time out"
            );
            assert_eq!(TIMED_WAITS.get(), 1, "the waiter must have slept once");
            assert!(b.is_broken(), "its timeout breaks the barrier");
            assert_eq!(b.n_waiting(), 0);
            // A reset waits for one broken waiter to leave: an arrival sleeps until it has.
            b.word.store(BROKEN | RESETTING | ONE, Relaxed);
            TIMED_WAITS.set(0);
            assert_eq!(
                b.wait_deadline(far, || {}),
                Err(BarrierTimeoutError::Timeout),
                "an arrival whose timed wait reported the deadline must time out"
            );
            assert_eq!(TIMED_WAITS.get(), 1, "the arrival must have slept once");
            assert!(b.is_broken(), "its timeout breaks the barrier");
        });
    }
}
