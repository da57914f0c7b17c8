//! `process::Event`: Python's `multiprocessing.Event`, one 32-bit word in shared memory.
//!
//! The protocol is `src/event.rs`'s, word for word (`SET`, `WAITERS`, the clear epoch, "announce,
//! re-check, sleep on the announced value"), run with the shared wake mode (`shim::Shared`) so
//! a `set` in one process wakes waiters in every process. It is a copy for now: `src/event.rs`
//! is being changed on another branch, and once that lands both should run one core generic over
//! `shim::WakeMode` (a follow-up noted in `docs/processes.md`). Its models are Event's own
//! (`loom-tests/event.rs`), plus `loom-tests/process.rs::event_set_wakes_waiter_shared_mode`.
//!
//! Nobody holds an event, so a dead process leaves nothing to repair: a waiter killed in `wait`
//! leaves `WAITERS` on, which costs the next `set` one needless wake.
//!
//! Memory ordering: `set` is a Release read-modify-write and every read that may return `true`
//! is Acquire; every change is a read-modify-write, so each value read continues the release
//! sequence of every earlier `set` (see `src/event.rs`).

use core::fmt;

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    WakeMode,
};

const SET: u32 = 1;
const WAITERS: u32 = 2;
const EPOCH_ONE: u32 = 4;
const EPOCH_MASK: u32 = !(SET | WAITERS);

/// A flag processes can wait on, Python's `multiprocessing.Event`.
///
/// The same promises as [`crate::Event`] (a set is never missed, no spurious returns,
/// happens-before from `set` to a `true` wait), across processes when placed in a
/// [`Region`](super::Region). 4 bytes.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// let ev = weftsync::process::Event::new();
/// assert!(!ev.wait_for(Duration::from_millis(1)));
/// ev.set();
/// assert!(ev.wait_for(Duration::ZERO));
/// # }
/// ```
#[repr(C)]
pub struct Event {
    word: AtomicU32,
}

impl Event {
    /// Creates an event with the flag clear.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static GO: weftsync::process::Event = weftsync::process::Event::new();
    /// assert!(!GO.is_set());
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new() -> Self {
        Event {
            word: AtomicU32::new(0),
        }
    }

    /// Creates an event with the flag clear (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new() -> Self {
        Event {
            word: AtomicU32::new(0),
        }
    }

    /// Raises the flag and wakes every waiter, in every process.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::process::Event::new();
    /// ev.set();
    /// ev.wait();
    /// # }
    /// ```
    pub fn set(&self) {
        // Release: publishes what this thread did before `set` to every Acquire reader.
        let prev = self
            .word
            .fetch_update(Release, Relaxed, |s| Some((s | SET) & !WAITERS))
            .unwrap_or_else(|s| s);
        if prev & WAITERS != 0 {
            shim::Shared::wake(&self.word, u32::MAX);
        }
    }

    /// Lowers the flag. Waiters that were waiting when it was raised still return `true`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::process::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// # }
    /// ```
    pub fn clear(&self) {
        // Release: see `src/event.rs`.
        let _ = self.word.fetch_update(Release, Relaxed, |s| {
            (s & SET != 0).then(|| (s & !SET).wrapping_add(EPOCH_ONE))
        });
    }

    /// Whether the flag is raised right now (the `try_` form of [`wait`](Event::wait)).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::process::Event::new();
    /// assert!(!ev.is_set());
    /// # }
    /// ```
    #[must_use]
    #[doc(alias = "try_wait")]
    pub fn is_set(&self) -> bool {
        // Acquire: pairs with `set`'s Release.
        self.word.load(Acquire) & SET != 0
    }

    /// Blocks until the flag is raised.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::process::Event::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| ev.set());
    ///     ev.wait();
    /// });
    /// # }
    /// ```
    pub fn wait(&self) {
        if !self.is_set() {
            let woken = self.wait_slow(None);
            debug_assert!(woken, "a wait without deadline never times out");
        }
    }

    /// Blocks until the flag is raised or `timeout` passes; `false` only on timeout.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let ev = weftsync::process::Event::new();
    /// assert!(!ev.wait_for(Duration::from_millis(1)));
    /// # }
    /// ```
    #[must_use = "`false` means the time ran out without a set"]
    pub fn wait_for(&self, timeout: Duration) -> bool {
        self.is_set() || self.wait_slow(shim::deadline_after(timeout))
    }

    /// Blocks until the flag is raised or `deadline` passes; `false` only on timeout.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let ev = weftsync::process::Event::new();
    /// ev.set();
    /// assert!(ev.wait_until(Instant::now() + Duration::from_secs(1)));
    /// # }
    /// ```
    #[must_use = "`false` means the deadline passed without a set"]
    pub fn wait_until(&self, deadline: Instant) -> bool {
        self.is_set() || self.wait_slow(Some(deadline))
    }

    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>) -> bool {
        let mut s = self.word.load(Acquire);
        let epoch = s & EPOCH_MASK;
        let seen_set = |s: u32| s & SET != 0 || s & EPOCH_MASK != epoch;
        let mut spin = shim::Spin::new(shim::Site::Flag);
        loop {
            if seen_set(s) {
                return true;
            }
            if shim::expired(deadline) {
                return false;
            }
            if s & WAITERS == 0 && spin.pause() {
                s = self.word.load(Acquire);
                continue;
            }
            spin.stop();
            if s & WAITERS == 0 {
                // Relaxed success: registering publishes nothing; Acquire failure: the value may
                // be a `set` we return on.
                match self.word.compare_exchange(s, s | WAITERS, Relaxed, Acquire) {
                    Ok(_) => s |= WAITERS,
                    Err(now) => {
                        s = now;
                        continue;
                    }
                }
            }
            let woken = shim::Shared::wait(&self.word, s, deadline);
            s = self.word.load(Acquire);
            if !woken && !seen_set(s) {
                return false;
            }
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

/// Never blocks: prints the flag.
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Event")
            .field("is_set", &self.is_set())
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a process Event call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let ev = weftsync::process::Event::new();
/// ev.wait_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let ev = weftsync::process::Event::new();
/// let _ = ev.wait_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let ev = weftsync::process::Event::new();
/// ev.wait_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let ev = weftsync::process::Event::new();
/// let _ = ev.wait_until(std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
