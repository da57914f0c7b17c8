//! `Event`: a flag threads can wait on, Python's `threading.Event`, in one 32-bit word.
//!
//! Bits of `word` (the futex word):
//!
//! | bits  | name      | meaning                                                          |
//! |-------|-----------|------------------------------------------------------------------|
//! | 0     | `SET`     | the flag                                                         |
//! | 1     | `WAITERS` | a thread may be asleep on the word (or about to sleep)           |
//! | 2..32 | epoch     | counts `clear`s of a set flag, modulo 2^30                        |
//!
//! Transitions, each one read-modify-write:
//! - `set`: `SET` on, `WAITERS` off; if `WAITERS` was on, wake every sleeper (`wake_all`).
//! - `clear`: only if `SET` is on: `SET` off, epoch + 1. A clear of a clear flag writes nothing.
//! - a waiter that finds `SET` off turns `WAITERS` on (if it is not already), then sleeps on
//!   exactly the value it saw or wrote.
//!
//! Invariants: `SET` on implies `WAITERS` off (waiters only add `WAITERS` to a clear word, and
//! `set` removes it). While any thread sleeps on the word, the word holds the value that thread
//! slept on, `WAITERS` included, until a `set` changes it and wakes all; so no set is missed.
//! A waiter remembers the epoch it saw with the flag clear. It returns `true` when it sees `SET`
//! or a different epoch: the epoch changes only by clearing a set flag, so a different epoch
//! means a `set` happened after the waiter looked, even if a `clear` has followed (Python's
//! behaviour). The epoch would have to wrap (2^30 set/clear pairs while one waiter is asleep and
//! not yet running) for a waiter to miss that.
//!
//! Cost: a waiter spins briefly (read-only, `shim::Spin`) before it registers and sleeps, so a
//! `set` that comes soon costs neither side a system call. `set` with `WAITERS` off is one compare-exchange and never enters the kernel. `WAITERS`
//! is cleared by `set` only, so after a `wait_for` that timed out, the next `set` may make one
//! needless wake call.
//!
//! **One protocol, two wake modes.** The word and its transitions are `RawEvent`, generic over
//! the wait layer's wake mode (`shim::WakeMode`, `docs/wait-layer.md`): `Event` is
//! `RawEvent<Private>`, and `weftsync::process::Event` is the same code as `RawEvent<Shared>`, so
//! every model of this file's protocol covers both (under the checkers both modes are the
//! emulated table). The only step that differs is the wake in `set`: the private mode also wakes
//! the selectors registered on the word (`shim::wake_ready`), the shared mode wakes sleepers in
//! every process that maps the word.
//!
//! Memory ordering: `set` is a Release read-modify-write, and every read that may return `true`
//! (`is_set`, the waiters' re-checks) is Acquire. Every change to the word is a read-modify-write,
//! so each value read continues the release sequence of every earlier `set`: a `wait` or
//! `is_set` that returns `true` sees everything done before any `set` that came before the value
//! it read. `clear` is Release too, so a thread that reads the flag clear sees what the clearer
//! did before `clear`. The waiters' registration publishes nothing and is Relaxed.

use core::fmt;
use core::marker::PhantomData;

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    Private, WakeMode,
};

const SET: u32 = 1;
const WAITERS: u32 = 2;
const EPOCH_ONE: u32 = 4;
const EPOCH_MASK: u32 = !(SET | WAITERS);

/// The event protocol on its own, generic over the wake mode: the word and its transitions
/// (see the file docs). `Event` is `RawEvent<Private>`; `process::Event` is `RawEvent<Shared>`.
/// `#[repr(transparent)]` over the word, so it may live in memory shared between processes.
#[repr(transparent)]
pub(crate) struct RawEvent<M: WakeMode> {
    word: AtomicU32,
    _mode: PhantomData<M>,
}

impl<M: WakeMode> RawEvent<M> {
    #[cfg(not(weft_checker))]
    #[inline]
    pub(crate) const fn new() -> Self {
        RawEvent {
            word: AtomicU32::new(0),
            _mode: PhantomData,
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new() -> Self {
        RawEvent {
            word: AtomicU32::new(0),
            _mode: PhantomData,
        }
    }

    /// `SET` on, `WAITERS` off; wakes every sleeper if `WAITERS` was on.
    #[inline]
    pub(crate) fn set(&self) {
        // Release: publishes what this thread did before `set` to every Acquire reader that
        // returns `true`. Always a write, even on a set flag, so a second setter publishes too.
        let prev = self
            .word
            .fetch_update(Release, Relaxed, |s| Some((s | SET) & !WAITERS))
            .unwrap_or_else(|s| s);
        if prev & WAITERS != 0 {
            self.wake_waiters();
        }
    }

    #[cold]
    fn wake_waiters(&self) {
        // The word is a ready word: in the private mode, selectors watching this event wake too
        // (`src/select.rs`).
        M::wake_ready(&self.word);
    }

    /// A selector arms the event (`src/select.rs`): unless the flag is set, a read-modify-write
    /// that leaves `WAITERS` on, written even when it is on already, so the next `set` finds it
    /// and wakes through `shim::wake_ready`. Release: carries the selector's earlier steps (its
    /// registration, the read of its own word) to that `set`'s acquire fence in
    /// `shim::wake_ready`. A `WAITERS` bit left behind costs the next `set` one needless wake, as
    /// a timed-out waiter's does. Returns whether the flag is set.
    pub(crate) fn select_arm(&self) -> bool {
        // Acquire: a `true` is a readiness report, as `is_set`'s.
        let mut s = self.word.load(Acquire);
        loop {
            if s & SET != 0 {
                return true;
            }
            match self
                .word
                .compare_exchange_weak(s, s | WAITERS, Release, Acquire)
            {
                Ok(_) => return false,
                Err(now) => s = now,
            }
        }
    }

    /// Only if `SET` is on: `SET` off, epoch + 1.
    #[inline]
    pub(crate) fn clear(&self) {
        // Release: a thread that then reads the flag clear (Acquire) sees what this thread did
        // before `clear`. A read-modify-write, so it continues earlier sets' release sequences.
        let _ = self.word.fetch_update(Release, Relaxed, |s| {
            (s & SET != 0).then(|| (s & !SET).wrapping_add(EPOCH_ONE))
        });
    }

    #[inline]
    pub(crate) fn is_set(&self) -> bool {
        // Acquire: pairs with `set`'s Release.
        self.word.load(Acquire) & SET != 0
    }

    #[inline]
    pub(crate) fn wait(&self) {
        if !self.is_set() {
            let woken = self.wait_slow(None);
            debug_assert!(woken, "a wait without deadline never times out");
        }
    }

    #[inline]
    pub(crate) fn wait_for(&self, timeout: Duration) -> bool {
        self.is_set() || self.wait_slow(shim::deadline_after(timeout))
    }

    #[inline]
    pub(crate) fn wait_until(&self, deadline: Instant) -> bool {
        self.is_set() || self.wait_slow(Some(deadline))
    }

    /// Waits for a `set` after the current state; `false` only if `deadline` passed first.
    #[cold]
    fn wait_slow(&self, deadline: Option<Instant>) -> bool {
        // Acquire on every read that can return `true`: pairs with `set`'s Release.
        let mut s = self.word.load(Acquire);
        let epoch = s & EPOCH_MASK;
        let seen_set = |s: u32| s & SET != 0 || s & EPOCH_MASK != epoch;
        let mut spin = shim::Spin::new(shim::Site::Flag);
        loop {
            if seen_set(s) {
                return true;
            }
            // Checked before registering, so a zero timeout leaves no stale WAITERS bit.
            if shim::expired(deadline) {
                return false;
            }
            // Spin briefly, read-only, while nobody sleeps: a `set` often comes soon, and seeing
            // it here saves this thread a sleep and the setter a wake call.
            if s & WAITERS == 0 && spin.pause() {
                s = self.word.load(Acquire);
                continue;
            }
            spin.stop();
            if s & WAITERS == 0 {
                // Relaxed success: registering publishes nothing. Acquire failure: the value
                // read may be a `set` we return on.
                match self.word.compare_exchange(s, s | WAITERS, Relaxed, Acquire) {
                    Ok(_) => s |= WAITERS,
                    Err(now) => {
                        s = now;
                        continue;
                    }
                }
            }
            // Sleeps only while the word still holds `s`: any `set` since we read it changed
            // the word, and a `set` after we sleep sees WAITERS and wakes us.
            let woken = M::wait(&self.word, s, deadline);
            s = self.word.load(Acquire);
            if !woken && !seen_set(s) {
                // Timed out and no set seen even now. WAITERS stays on: other threads may still
                // be asleep, and only `set` knows it can clear it.
                return false;
            }
        }
    }
}

/// A flag that threads can wait for, Python's `threading.Event`.
///
/// [`set`](Event::set) raises the flag and wakes every waiting thread; [`clear`](Event::clear)
/// lowers it; [`wait`](Event::wait) blocks until it is raised.
///
/// - **A set is never missed**: a thread already waiting when `set` is called returns `true`
///   even if `clear` follows before it gets to run (as in Python).
/// - **No spurious returns**: `wait_for` / `wait_until` return `false` only when the timeout
///   passed without the flag being set; `wait` returns only after a `set`.
/// - **Happens-before**: everything a thread did before `set` is visible to a thread whose
///   `wait` (or `is_set`) then returns `true`.
/// - 4 bytes; `set` with no thread waiting is one compare-exchange and makes no system call.
///
/// Promises, state table and the tests behind them: `docs/event.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::sync::Arc;
/// use weftsync::Event;
///
/// let ready = Arc::new(Event::new());
/// let waiters: Vec<_> = (0..3)
///     .map(|_| {
///         let ready = Arc::clone(&ready);
///         std::thread::spawn(move || ready.wait())
///     })
///     .collect();
/// ready.set(); // releases all three
/// for w in waiters {
///     w.join().unwrap();
/// }
/// assert!(ready.is_set());
/// # }
/// ```
pub struct Event {
    raw: RawEvent<Private>,
}

impl Event {
    /// Creates an event with the flag clear. `const`, so an `Event` can be a `static`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static SHUTDOWN: weftsync::Event = weftsync::Event::new();
    /// assert!(!SHUTDOWN.is_set());
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

    /// Raises the flag and wakes every thread waiting for it. Raising a raised flag changes
    /// nothing. Makes no system call when no thread is waiting.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ev.wait(); // returns at once
    /// # }
    /// ```
    #[inline]
    pub fn set(&self) {
        self.raw.set();
    }

    /// A selector arms the event (`src/select.rs`): see `RawEvent::select_arm`.
    pub(crate) fn select_arm(&self) -> bool {
        self.raw.select_arm()
    }

    /// The word `set` wakes through `shim::wake_ready`: the selectors' registry key.
    pub(crate) fn ready_word(&self) -> &AtomicU32 {
        &self.raw.word
    }

    /// Lowers the flag. Threads that were waiting when it was raised still return `true`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// # }
    /// ```
    #[inline]
    pub fn clear(&self) {
        self.raw.clear();
    }

    /// Whether the flag is raised right now: the non-blocking form of [`wait`](Self::wait)
    /// (`try_wait`). Only a snapshot; if `true`, what the setter did before `set` is visible.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::Event::new();
    /// assert!(!ev.is_set());
    /// ev.set();
    /// assert!(ev.is_set());
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "isSet")]
    #[doc(alias = "try_wait")]
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.raw.is_set()
    }

    /// Blocks until the flag is raised; returns at once if it already is. Returns only after a
    /// `set`, never spuriously.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// let ev = Arc::new(weftsync::Event::new());
    /// let setter = Arc::clone(&ev);
    /// let t = std::thread::spawn(move || setter.set());
    /// ev.wait();
    /// t.join().unwrap();
    /// # }
    /// ```
    #[inline]
    pub fn wait(&self) {
        self.raw.wait();
    }

    /// Blocks until the flag is raised or `timeout` passes. Returns `true` if a `set` was seen
    /// (even if `clear` followed), `false` only on timeout. Python's `event.wait(timeout)`.
    ///
    /// `Duration::ZERO` is one check of the flag, exactly as [`is_set`](Self::is_set), with no
    /// side effect (it never registers as a waiter); a timeout too large for `Instant` waits
    /// forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let ev = weftsync::Event::new();
    /// assert!(!ev.wait_for(Duration::from_millis(1)), "nobody set it: timed out");
    /// ev.set();
    /// assert!(ev.wait_for(Duration::ZERO));
    /// # }
    /// ```
    ///
    /// Ignoring the result is the "timeout taken as a set" bug, so it warns:
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let ev = weftsync::Event::new();
    /// ev.wait_for(std::time::Duration::from_millis(1));
    /// ```
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let ev = weftsync::Event::new();
    /// let _ = ev.wait_for(std::time::Duration::from_millis(1));
    /// ```
    #[inline]
    #[doc(alias = "wait_timeout")]
    #[must_use = "`false` means the time ran out without a set"]
    pub fn wait_for(&self, timeout: Duration) -> bool {
        self.raw.wait_for(timeout)
    }

    /// Blocks until the flag is raised or `deadline` passes. Returns `true` if a `set` was seen
    /// (even if `clear` followed), `false` only on timeout. A deadline already past is one check,
    /// with no side effect.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::Arc;
    /// use std::time::{Duration, Instant};
    /// let ev = Arc::new(weftsync::Event::new());
    /// let setter = Arc::clone(&ev);
    /// let t = std::thread::spawn(move || setter.set());
    /// assert!(ev.wait_until(Instant::now() + Duration::from_secs(60)));
    /// assert!(ev.wait_until(Instant::now()), "a past deadline is one check: the flag is set");
    /// # t.join().unwrap();
    /// # }
    /// ```
    #[inline]
    #[must_use = "`false` means the deadline passed without a set"]
    pub fn wait_until(&self, deadline: Instant) -> bool {
        self.raw.wait_until(deadline)
    }
}

impl Default for Event {
    /// An event with the flag clear.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let ev = weftsync::Event::default();
    /// assert!(!ev.is_set());
    /// # }
    /// ```
    fn default() -> Self {
        Event::new()
    }
}

/// Never blocks: prints the flag.
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("is_set", &self.is_set())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! Checks that need the `WAITERS` bit, which the public API does not show: that a waiter is
    //! registered (asleep or committed to sleeping) before the test acts, and that an operation
    //! left no waiter registered.
    use super::*;
    use std::cell::Cell;
    use std::sync::Arc;

    fn waiters_bit(ev: &Event) -> bool {
        ev.raw.word.load(Relaxed) & WAITERS != 0
    }

    /// Spins until a thread has registered as a waiter on `ev`.
    fn until_waiter_registered(ev: &Event) {
        while !waiters_bit(ev) {
            std::thread::yield_now();
        }
    }

    #[test]
    fn set_wakes_every_blocked_waiter() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let hs: Vec<_> = (0..4)
                .map(|_| {
                    let e = Arc::clone(&ev);
                    std::thread::spawn(move || e.wait())
                })
                .collect();
            until_waiter_registered(&ev);
            ev.set();
            for h in hs {
                h.join().unwrap();
            }
            assert!(
                ev.is_set(),
                "every blocked waiter returned and the flag is set"
            );
        });
    }

    #[test]
    fn blocked_waiter_returns_true_when_set_then_cleared() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let t = std::thread::spawn(move || e.wait_for(Duration::from_secs(60)));
            until_waiter_registered(&ev);
            ev.set();
            ev.clear();
            assert!(
                t.join().unwrap(),
                "a waiter blocked when set() happened must return true though clear() followed"
            );
            assert!(!ev.is_set());
        });
    }

    /// `wait_until` with a future deadline, blocked when the set comes: `true` (a `wait_until`
    /// that gave up at once would return `false` here).
    #[test]
    fn blocked_wait_until_a_future_deadline_returns_true_on_set() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let deadline = Instant::now() + Duration::from_secs(60);
            let t = std::thread::spawn(move || e.wait_until(deadline));
            until_waiter_registered(&ev);
            ev.set();
            assert!(
                t.join().unwrap(),
                "a wait_until blocked before its deadline must report the set"
            );
        });
    }

    #[test]
    fn zero_timeout_and_past_deadline_are_one_check_with_no_side_effect() {
        crate::shim::tests::watched(|| {
            let ev = Event::new();
            let before = ev.raw.word.load(Relaxed);
            let past = Instant::now() - Duration::from_millis(1);
            assert!(!ev.wait_for(Duration::ZERO));
            assert!(!ev.wait_until(past));
            assert!(!ev.wait_until(Instant::now()));
            assert_eq!(
                ev.raw.word.load(Relaxed),
                before,
                "a one-check wait must leave the word as it found it (no WAITERS bit)"
            );
            ev.set();
            assert!(ev.wait_for(Duration::ZERO));
            assert!(ev.wait_until(past));
        });
    }

    /// The wait layer may end a sleep spuriously (`docs/wait-layer.md`): a wake that is not a
    /// `set` must send a timed waiter back to sleep, not make it report a timeout early.
    #[test]
    fn a_wake_that_is_not_a_set_does_not_end_a_timed_wait_early() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let t = std::thread::spawn(move || e.wait_for(Duration::from_secs(3600)));
            until_waiter_registered(&ev);
            for _ in 0..2_000 {
                shim::wake_all(&ev.raw.word);
                std::thread::yield_now();
            }
            ev.set();
            assert!(
                t.join().unwrap(),
                "wait_for reported a timeout long before its deadline, after a spurious wake"
            );
        });
    }

    /// A selector's arm (`src/select.rs`) announces a sleeper as a waiter's registration does
    /// and changes nothing else: the flag's answer, a blocked waiter's epoch, and its
    /// registration (the next `set` still wakes it).
    #[test]
    fn a_selector_arming_beside_a_blocked_waiter_changes_nothing_else() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            ev.set();
            assert!(ev.select_arm(), "arming a set event reports it ready");
            ev.clear();
            let e = Arc::clone(&ev);
            let timed = std::thread::spawn(move || e.wait_for(Duration::from_millis(200)));
            until_waiter_registered(&ev);
            assert!(
                !ev.select_arm(),
                "arming a clear event reports it not ready"
            );
            assert!(
                !timed.join().unwrap(),
                "arming a selector made a blocked waiter report a set that never happened"
            );

            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let untimed = std::thread::spawn(move || e.wait());
            until_waiter_registered(&ev);
            for _ in 0..100 {
                std::thread::yield_now();
            }
            assert!(
                !ev.select_arm(),
                "arming a clear event reports it not ready"
            );
            ev.set();
            untimed
                .join()
                .expect("a set after a selector armed must still wake the blocked waiter");
        });
    }

    /// `clear` of a clear flag writes nothing: a blocked waiter must not take it for a set.
    #[test]
    fn a_clear_of_a_clear_event_does_not_release_a_blocked_waiter() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let before = ev.raw.word.load(Relaxed);
            ev.clear();
            assert_eq!(
                ev.raw.word.load(Relaxed),
                before,
                "a clear of a clear flag must write nothing"
            );
            let e = Arc::clone(&ev);
            let timed = std::thread::spawn(move || e.wait_for(Duration::from_millis(200)));
            until_waiter_registered(&ev);
            ev.clear();
            assert!(
                !timed.join().unwrap(),
                "a clear of a clear flag made a blocked waiter report a set that never happened"
            );
        });
    }

    /// A selector asleep on a clear event (`src/select.rs`) is woken by `set`: the event's
    /// ready word is the word `set` wakes.
    #[test]
    fn a_selector_asleep_on_the_event_is_woken_by_set() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let selector = std::thread::spawn(move || {
                let objects: [&dyn crate::select::Selectable; 1] = [&*e];
                crate::select::wait(&objects)
            });
            until_waiter_registered(&ev);
            ev.set();
            assert_eq!(
                selector.join().unwrap(),
                [0],
                "set must wake a selector asleep on the event"
            );
        });
    }

    #[test]
    fn huge_timeout_waits_forever_without_overflow() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let t = std::thread::spawn(move || e.wait_for(Duration::MAX));
            until_waiter_registered(&ev);
            ev.set();
            assert!(
                t.join().unwrap(),
                "Duration::MAX must mean wait forever, then see the set"
            );
        });
    }

    #[test]
    fn set_without_waiter_leaves_no_wake_pending() {
        crate::shim::tests::watched(|| {
            let ev = Arc::new(Event::new());
            ev.set();
            ev.clear();
            ev.set();
            assert!(
                !waiters_bit(&ev),
                "set/clear with no waiter must not register one"
            );
            ev.clear();
            // A blocked waiter turns the bit on; the set that wakes it turns it off again, so the
            // next set with no waiter makes no wake call.
            let e = Arc::clone(&ev);
            let t = std::thread::spawn(move || e.wait());
            until_waiter_registered(&ev);
            ev.set();
            assert!(!waiters_bit(&ev), "set must clear the waiters bit");
            t.join().unwrap();
        });
    }

    thread_local! {
        /// Wake calls made by this thread through [`Counting`].
        static WAKES: Cell<u32> = const { Cell::new(0) };
    }

    /// The real wait layer (`Private`), with every wake call counted on the calling thread, and
    /// every sleep checked: it must be on a value with `WAITERS` on, the value the waiter saw or
    /// wrote when it registered, or no `set` owes it a wake.
    struct Counting;

    impl WakeMode for Counting {
        fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
            assert_ne!(
                expected & WAITERS,
                0,
                "a waiter must sleep on the value it registered, WAITERS on"
            );
            Private::wait(word, expected, deadline)
        }
        fn wake(word: *const AtomicU32, n: u32) -> u32 {
            WAKES.set(WAKES.get() + 1);
            Private::wake(word, n)
        }
        fn wake_ready(word: &AtomicU32) {
            WAKES.set(WAKES.get() + 1);
            Private::wake_ready(word);
        }
    }

    /// E7: `set` makes its wake call only if `WAITERS` was on (a waiter registered); with no
    /// waiter registered, on a clear or a set flag, it makes none. Each `set` runs on a word set
    /// to the state it starts from, on this thread, with the wakes counted.
    #[test]
    fn set_wakes_only_when_a_waiter_registered() {
        crate::shim::tests::watched(|| {
            let ev = RawEvent::<Counting>::new();
            let cases = [
                ("clear flag, no waiter", 0, 0),
                ("set flag", SET, 0),
                ("cleared once, no waiter", EPOCH_ONE, 0),
                ("clear flag, a waiter registered", WAITERS, 1),
                ("cleared once, a waiter registered", EPOCH_ONE | WAITERS, 1),
            ];
            for (what, word, want) in cases {
                ev.word.store(word, Relaxed);
                let before = WAKES.get();
                ev.set();
                assert_eq!(
                    WAKES.get() - before,
                    want,
                    "{what}: set makes a wake call only when WAITERS was on"
                );
                assert_eq!(
                    ev.word.load(Relaxed),
                    (word | SET) & !WAITERS,
                    "{what}: set turns SET on and WAITERS off"
                );
            }
        });
    }

    /// E1: a waiter that registers sleeps on the value it wrote, `WAITERS` on, so the `set` that
    /// must change the word wakes it (the wait layer above checks every sleep); untimed and
    /// timed, and a second waiter that finds `WAITERS` on already sleeps on that value too.
    #[test]
    fn a_registered_waiter_sleeps_on_the_value_it_wrote() {
        crate::shim::tests::watched(|| {
            let ev = RawEvent::<Counting>::new();
            std::thread::scope(|s| {
                let first = s.spawn(|| ev.wait());
                while ev.word.load(Relaxed) & WAITERS == 0 {
                    std::thread::yield_now();
                }
                let second = s.spawn(|| ev.wait_for(Duration::from_secs(3600)));
                // The second waiter may not have slept yet: it still returns `true` on the set.
                ev.set();
                first
                    .join()
                    .expect("the first waiter slept on a value without WAITERS");
                assert!(
                    second
                        .join()
                        .expect("the second waiter slept on a value without WAITERS"),
                    "a timed waiter must report the set"
                );
            });
            ev.clear();
            std::thread::scope(|s| {
                let timed = s.spawn(|| ev.wait_for(Duration::from_secs(3600)));
                while ev.word.load(Relaxed) & WAITERS == 0 {
                    std::thread::yield_now();
                }
                ev.set();
                assert!(
                    timed
                        .join()
                        .expect("a timed waiter slept on a value without WAITERS"),
                    "a timed waiter must report the set"
                );
            });
        });
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    //! Loom models that need the `WAITERS` bit to know a waiter is registered before they act.
    //! Bound: LOOM_MAX_PREEMPTIONS=2. Run with `cargo test --features loom --lib event`.
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Blocks until `ev` has a registered waiter, so the model knows the waiter is asleep or
    /// committed to sleeping before it acts.
    fn until_waiter_registered(ev: &Event) {
        while ev.raw.word.load(Relaxed) & WAITERS == 0 {
            thread::yield_now();
        }
    }

    /// Python's rule: a waiter blocked when `set` happens returns `true` even though `clear`
    /// follows before it runs. The setter waits until the waiter is registered, then sets and
    /// clears at once; the waiter must still return (loom reports a deadlock otherwise), and
    /// afterwards the flag reads clear.
    #[test]
    fn set_then_clear_before_waiter_runs_still_wakes_it() {
        loom::model(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let t = thread::spawn(move || {
                assert!(
                    e.wait_for(Duration::MAX),
                    "blocked waiter missed a set then clear"
                );
            });
            until_waiter_registered(&ev);
            ev.set();
            ev.clear();
            t.join().unwrap();
            assert!(!ev.is_set(), "flag must read clear after clear()");
            assert!(
                !ev.wait_for(Duration::ZERO),
                "a later wait must see the flag clear"
            );
        });
    }

    /// A registered waiter, then a zero-timeout wait and a past-deadline wait from another
    /// thread: each is one check that leaves the word as it was, whatever the waiter does.
    #[test]
    fn zero_timeout_beside_a_blocked_waiter_changes_nothing() {
        loom::model(|| {
            let ev = Arc::new(Event::new());
            let e = Arc::clone(&ev);
            let t = thread::spawn(move || e.wait());
            until_waiter_registered(&ev);
            let before = ev.raw.word.load(Relaxed);
            assert!(!ev.wait_for(Duration::ZERO));
            assert!(!ev.wait_until(Instant::now()));
            assert_eq!(
                ev.raw.word.load(Relaxed),
                before,
                "a one-check wait wrote the word"
            );
            ev.set();
            t.join().unwrap();
        });
    }
}
