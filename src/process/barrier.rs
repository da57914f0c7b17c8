//! `process::Barrier`: Python's `multiprocessing.Barrier`, one word and a party count in shared
//! memory.
//!
//! The protocol is `src/barrier.rs`'s, the same code: `RawBarrier<Shared>`, the in-process
//! `Barrier`'s core run with the shared wake mode (`shim::Shared`), so the last arrival (or a
//! break) in one process wakes the waiters in every process. Every model of `src/barrier.rs`'s
//! protocol (`loom-tests/barrier.rs`, `shuttle-tests/barrier.rs`) runs that code, and
//! `loom-tests/process.rs::barrier_release_wakes_waiters_shared_mode` instantiates it in the
//! shared mode (under the checkers both modes are the emulated table).
//!
//! A party killed while it waits: it arrived, and its arrival is one compare-exchange on the
//! word, so it stays counted. The generation still completes when the remaining parties arrive
//! (they pass; the dead one just never returns), and its `WAITERS` bit costs the release one
//! needless wake. What it cannot do is leave a *broken* generation: see `docs/process.md`,
//! "Limits".
//!
//! No action forms (`wait_with`): the others wait for the action untimed (the generation is
//! complete), so a process killed inside its action would hold every other party forever.

use core::fmt;

use crate::barrier::{BarrierTimeoutError, BrokenBarrier, RawBarrier, checked_parties};
use crate::shim::{self, Duration, Instant, Shared};

/// A reusable rendezvous for `parties` threads in any processes, Python's
/// `multiprocessing.Barrier`.
///
/// The same protocol and promises as [`crate::Barrier`] (every party passes only after all
/// arrived, arrival indices `0..parties` once per generation, a timed-out party breaks the
/// barrier for everyone, happens-before from every party's work before `wait` to every party
/// after it), across processes when placed in a [`Region`](super::Region). 8 bytes.
///
/// - **A party killed while it waits** stays counted: the generation completes when the others
///   arrive. A party that dies *before* it arrives is one that never comes: the others' timed
///   waits end and break the barrier (untimed ones wait on, as for a thread that never calls
///   `wait`).
/// - **Limit**: a party killed while it waits in a generation that is then broken never leaves
///   it, so [`reset`](Barrier::reset) cannot complete; place a new barrier instead.
/// - There is no `try_wait` (as [`crate::Barrier`]) and no `wait_with` action (a process killed
///   in the action would hold every other party, which waits for it untimed).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let barrier = weftsync::process::Barrier::new(2);
/// std::thread::scope(|s| {
///     let other = s.spawn(|| barrier.wait());
///     let mine = barrier.wait().unwrap();
///     let theirs = other.join().unwrap().unwrap();
///     assert_eq!(mine + theirs, 1, "indices 0 and 1");
/// });
/// # }
/// ```
#[repr(C)]
pub struct Barrier {
    raw: RawBarrier<Shared>,
}

impl Barrier {
    /// The most parties a barrier can have: the count shares the word with the generation.
    pub const MAX_PARTIES: usize = crate::Barrier::MAX_PARTIES;

    /// Creates a barrier for `parties` threads (of any processes). `const`.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 or above [`Barrier::MAX_PARTIES`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static START: weftsync::process::Barrier = weftsync::process::Barrier::new(4);
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
    /// `0..parties` (the last to arrive gets `parties - 1`). `Err(BrokenBarrier)` if the barrier
    /// is broken, or breaks while this thread waits.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::process::Barrier::new(1);
    /// assert_eq!(barrier.wait(), Ok(0));
    /// # }
    /// ```
    #[inline]
    pub fn wait(&self) -> Result<usize, BrokenBarrier> {
        self.raw.wait_deadline(None, || {}).map_err(|e| {
            debug_assert_eq!(e, BarrierTimeoutError::Broken, "no deadline, no timeout");
            BrokenBarrier
        })
    }

    /// Like [`wait`](Barrier::wait), giving up after `timeout`. A party that gives up **breaks
    /// the barrier** (Python's rule) and gets `Err(Timeout)`; the others get `Err(Broken)`.
    /// `Duration::ZERO` passes only if this thread arrives last.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::BarrierTimeoutError;
    /// let barrier = weftsync::process::Barrier::new(2);
    /// assert_eq!(barrier.wait_for(Duration::ZERO), Err(BarrierTimeoutError::Timeout));
    /// assert_eq!(barrier.wait_for(Duration::ZERO), Err(BarrierTimeoutError::Broken));
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
    /// let barrier = weftsync::process::Barrier::new(1);
    /// assert_eq!(barrier.wait_until(Instant::now() + Duration::from_secs(1)), Ok(0));
    /// # }
    /// ```
    #[inline]
    pub fn wait_until(&self, deadline: Instant) -> Result<usize, BarrierTimeoutError> {
        self.raw.wait_deadline(Some(deadline), || {})
    }

    /// Breaks the barrier: every thread waiting gets `BrokenBarrier`, in every process, and so
    /// does every later arrival until [`reset`](Barrier::reset).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::process::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// assert!(barrier.wait().is_err());
    /// # }
    /// ```
    pub fn abort(&self) {
        self.raw.abort();
    }

    /// Returns the barrier to its empty, unbroken state, Python's `reset()`: threads waiting
    /// now get `BrokenBarrier`; arrivals while they are still leaving wait for them, then join
    /// the new generation. A party killed while waiting in a broken generation never leaves, so
    /// the reset then never completes (see the type's docs).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let barrier = weftsync::process::Barrier::new(1);
    /// barrier.abort();
    /// barrier.reset();
    /// assert_eq!(barrier.wait(), Ok(0));
    /// # }
    /// ```
    pub fn reset(&self) {
        self.raw.reset();
    }

    /// Whether the barrier is broken: a `wait` now would return `BrokenBarrier` at once. Only a
    /// snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(!weftsync::process::Barrier::new(2).is_broken());
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "broken")]
    pub fn is_broken(&self) -> bool {
        self.raw.is_broken()
    }

    /// How many parties have arrived in the current generation and not been released (a party
    /// killed while waiting included); 0 while broken. Only a snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Barrier::new(3).n_waiting(), 0);
    /// # }
    /// ```
    #[inline]
    pub fn n_waiting(&self) -> usize {
        self.raw.n_waiting()
    }

    /// The number of parties the barrier waits for.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Barrier::new(5).parties(), 5);
    /// # }
    /// ```
    #[inline]
    pub fn parties(&self) -> usize {
        self.raw.parties()
    }
}

/// Never blocks: prints a snapshot.
impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Barrier")
            .field("parties", &self.parties())
            .field("n_waiting", &self.n_waiting())
            .field("is_broken", &self.is_broken())
            .finish_non_exhaustive()
    }
}
