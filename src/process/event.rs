//! `process::Event`: Python's `multiprocessing.Event`, one 32-bit word in shared memory.
//!
//! The protocol is `src/event.rs`'s, the same code: `RawEvent<Shared>`, the in-process `Event`'s
//! core run with the shared wake mode (`shim::Shared`), so a `set` in one process wakes waiters
//! in every process. Every model of `src/event.rs`'s protocol (`loom-tests/event.rs`,
//! `shuttle-tests/event.rs`, the `loom_tests` in `src/event.rs`) runs that code, and
//! `loom-tests/process.rs::event_set_wakes_waiter_shared_mode` instantiates it in the shared
//! mode (under the checkers both modes are the emulated table).
//!
//! Nobody holds an event, so a dead process leaves nothing to repair: a waiter killed in `wait`
//! leaves `WAITERS` on, which costs the next `set` one needless wake.

use core::fmt;

use crate::event::RawEvent;
use crate::shim::{Duration, Instant, Shared};

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
    raw: RawEvent<Shared>,
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
    #[inline]
    pub const fn new() -> Self {
        Event {
            raw: RawEvent::new(),
        }
    }

    /// Creates an event with the flag clear (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new() -> Self {
        Event {
            raw: RawEvent::new(),
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
    #[inline]
    pub fn set(&self) {
        self.raw.set();
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
    #[inline]
    pub fn clear(&self) {
        self.raw.clear();
    }

    /// Whether the flag is raised right now (the `try_` form of [`wait`](Event::wait)).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::process::Event::new();
    /// assert!(!ev.is_set());
    /// # }
    /// ```
    #[inline]
    #[must_use]
    #[doc(alias = "try_wait")]
    pub fn is_set(&self) -> bool {
        self.raw.is_set()
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
    #[inline]
    pub fn wait(&self) {
        self.raw.wait();
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
    #[inline]
    #[must_use = "`false` means the time ran out without a set"]
    pub fn wait_for(&self, timeout: Duration) -> bool {
        self.raw.wait_for(timeout)
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
    #[inline]
    #[must_use = "`false` means the deadline passed without a set"]
    pub fn wait_until(&self, deadline: Instant) -> bool {
        self.raw.wait_until(deadline)
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
