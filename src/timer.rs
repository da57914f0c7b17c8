//! `Timer`: Python's `threading.Timer`, a closure run once after a delay on a thread of its own,
//! unless cancelled first. Cancel and fire race on one 32-bit word; one read-modify-write decides.
//!
//! Bits of `word` (the futex word, shared by the handle and the timer's thread):
//!
//! | bits | name      | meaning                                                              |
//! |------|-----------|----------------------------------------------------------------------|
//! | 0..2 | state     | `PENDING` 0: the thread waits out the delay; `CANCELLED` 1: `cancel` won, the closure never runs; `FIRED` 2: the thread won, the closure runs; `DONE` 3: the closure returned or panicked, its result is stored |
//! | 2    | `JOINERS` | a joiner may be asleep on the word (or about to sleep)               |
//!
//! Transitions, each one read-modify-write:
//! - `cancel`: `PENDING` → `CANCELLED` (`JOINERS` off), then wake all: the timer's thread (so it
//!   exits now, not at the deadline) and any joiner. From any other state it writes nothing.
//! - fire (the timer's thread, once the deadline passed): `PENDING` → `FIRED`, keeping `JOINERS`.
//!   If the state is `CANCELLED` instead, the thread exits without running the closure.
//! - done (the timer's thread, after the closure): `FIRED` → `DONE`; wake all if `JOINERS` was on.
//! - a joiner that finds the state `PENDING` or `FIRED` turns `JOINERS` on, then sleeps on exactly
//!   that value.
//!
//! Exactly one of `cancel` and fire wins: both are a compare-exchange from `PENDING`, and nothing
//! else leaves `PENDING`. `CANCELLED` and `DONE` are final.
//!
//! The timer's thread sleeps on the word with the deadline (a timed wait on `PENDING`); only
//! `cancel` wakes it early. Under the model checkers that timed wait may end at any moment, so
//! the checkers explore every crossing of `cancel` with the deadline.
//!
//! Memory ordering: the result cell is written by the timer's thread before its Release swap to
//! `DONE`, and read by `join` only after an Acquire read of `DONE`: the closure's effects and its
//! result happen-before `join` returns (and before `is_finished` / `join_for` return `true`).
//! `cancel` is a Release read-modify-write and joiners read with Acquire, so what the canceller
//! did before `cancel` is visible to a join that returns `Cancelled`. The fire transition orders
//! nothing (the closure was handed over by the thread spawn) and is Relaxed, as is `JOINERS`.

use core::fmt;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use crate::shim::{
    self, AtomicU32, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell, thread,
};

const PENDING: u32 = 0;
const CANCELLED: u32 = 1;
const FIRED: u32 = 2;
const DONE: u32 = 3;
const STATE: u32 = 3;
const JOINERS: u32 = 4;

/// Whether the timer will do nothing more: cancelled, or its closure has finished.
#[inline]
fn finished(s: u32) -> bool {
    matches!(s & STATE, CANCELLED | DONE)
}

/// Runs a closure once, after a delay, on a thread of its own, unless cancelled first: Python's
/// `threading.Timer`.
///
/// [`Timer::start`] spawns the thread at once and the delay counts from that call.
/// [`cancel`](Timer::cancel) before the delay ends means the closure never runs; its `bool` says
/// whether that happened. [`join`](Timer::join) waits for the outcome and returns the closure's
/// value (or the panic it raised, or that it was cancelled).
///
/// - **Exactly one of cancel and fire wins**, however close they are: `cancel()` returns `true`
///   if and only if the closure never runs.
/// - **Never early**: the closure starts no sooner than the delay after `start`.
/// - **A panic is kept, not spread**: a panicking closure ends its own thread only; `join`
///   returns the payload in [`TimerError::Panicked`].
/// - **Dropping the handle detaches** the timer, as in Python and like `std::thread::JoinHandle`:
///   the closure still runs when the delay ends. Keep the handle to cancel it.
///
/// Promises, state table and the tests behind them: `docs/timer.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::Timer;
///
/// let hello = Timer::start(Duration::from_millis(10), || "hello, world");
/// assert_eq!(hello.join().unwrap(), "hello, world");
///
/// let never = Timer::start(Duration::from_secs(60), || unreachable!());
/// assert!(never.cancel(), "cancelled before it fired: it never runs");
/// assert!(never.join().unwrap_err().is_cancelled());
/// # }
/// ```
pub struct Timer<T = ()> {
    inner: Arc<Inner<T>>,
    thread: thread::JoinHandle<()>,
}

struct Inner<T> {
    word: AtomicU32,
    /// Written once, by the timer's thread, before `DONE`; taken once, by `join`, after it.
    result: UnsafeCell<Option<std::thread::Result<T>>>,
}

/// Shared between the handle and the timer's thread; the `T` (or panic payload) inside crosses
/// from one to the other, so `T: Send` is needed, and suffices for sharing too.
// SAFETY: the only non-`Sync` part is the result cell. The timer's thread writes it before its
// Release swap to DONE and never touches it after; `Timer::join` (which owns the only handle)
// reads it only after an Acquire read of DONE. `&Timer` methods never touch it. So the cell is
// never accessed from two threads without a happens-before edge between them.
unsafe impl<T: Send> Sync for Inner<T> {}

/// Why [`Timer::join`] has no value: the timer was cancelled, or its closure panicked.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::{Timer, TimerError};
/// let t = Timer::start(Duration::ZERO, || panic!("boom"));
/// match t.join() {
///     Err(TimerError::Panicked(payload)) => assert_eq!(*payload.downcast::<&str>().unwrap(), "boom"),
///     other => panic!("expected the panic, got {other:?}"),
/// }
/// # }
/// ```
pub enum TimerError {
    /// `cancel` won: the closure never ran.
    Cancelled,
    /// The closure ran and panicked; this is the payload (as `std::thread::JoinHandle::join`
    /// returns it). `std::panic::resume_unwind` continues the panic in the joiner.
    Panicked(Box<dyn Any + Send + 'static>),
}

impl TimerError {
    /// Whether the timer was cancelled before it fired.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let t = weftsync::Timer::start(std::time::Duration::from_secs(60), || ());
    /// let _ = t.cancel();
    /// assert!(t.join().unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TimerError::Cancelled)
    }

    /// Whether the closure panicked.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let t = weftsync::Timer::start(std::time::Duration::ZERO, || panic!("boom"));
    /// assert!(t.join().unwrap_err().is_panic());
    /// # }
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, TimerError::Panicked(_))
    }
}

impl fmt::Debug for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerError::Cancelled => f.write_str("Cancelled"),
            TimerError::Panicked(_) => f.write_str("Panicked(..)"),
        }
    }
}

impl fmt::Display for TimerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimerError::Cancelled => f.write_str("the timer was cancelled before it fired"),
            TimerError::Panicked(_) => f.write_str("the timer's closure panicked"),
        }
    }
}

impl std::error::Error for TimerError {}

impl<T: Send + 'static> Timer<T> {
    /// Starts a timer: `f` runs once on a new thread when `delay` has passed since this call,
    /// unless [`cancel`](Timer::cancel)ed first. A delay too large for `Instant` (such as
    /// `Duration::MAX`) never passes: such a timer only ever ends by `cancel`.
    ///
    /// # Panics
    ///
    /// If the operating system cannot create the thread (as `std::thread::spawn`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let started = Instant::now();
    /// let t = weftsync::Timer::start(Duration::from_millis(20), move || started.elapsed());
    /// assert!(t.join().unwrap() >= Duration::from_millis(20));
    /// # }
    /// ```
    #[track_caller]
    #[doc(alias = "spawn")]
    #[doc(alias = "Timer")]
    pub fn start<F>(delay: Duration, f: F) -> Timer<T>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        Timer::start_deadline(shim::deadline_after(delay), f)
    }

    /// Starts a timer that runs `f` on a new thread at `deadline`, unless cancelled first. A
    /// deadline already past fires at once.
    ///
    /// # Panics
    ///
    /// If the operating system cannot create the thread.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let at = Instant::now() + Duration::from_millis(5);
    /// let t = weftsync::Timer::start_at(at, move || Instant::now() >= at);
    /// assert!(t.join().unwrap(), "never early");
    /// # }
    /// ```
    #[track_caller]
    pub fn start_at<F>(deadline: Instant, f: F) -> Timer<T>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        Timer::start_deadline(Some(deadline), f)
    }

    #[track_caller]
    fn start_deadline<F>(deadline: Option<Instant>, f: F) -> Timer<T>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let inner = Arc::new(Inner {
            word: AtomicU32::new(PENDING),
            result: UnsafeCell::new(None),
        });
        let theirs = Arc::clone(&inner);
        let thread = thread::Builder::new()
            .name("weftsync-timer".into())
            .spawn(move || theirs.run(deadline, f))
            .expect("weftsync: could not spawn the Timer's thread");
        Timer { inner, thread }
    }
}

impl<T> Timer<T> {
    /// Cancels the timer if it has not fired yet. Returns `true` if the closure will never run
    /// (this call or an earlier one cancelled it), `false` if it already fired (it is running or
    /// has finished). Python's `cancel()`, which returns nothing.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let quick = weftsync::Timer::start(Duration::ZERO, || ());
    /// while !quick.is_finished() {
    ///     std::thread::yield_now();
    /// }
    /// assert!(!quick.cancel(), "already fired: too late to cancel");
    ///
    /// let slow = weftsync::Timer::start(Duration::from_secs(60), || ());
    /// assert!(slow.cancel());
    /// assert!(slow.cancel(), "still cancelled");
    /// # }
    /// ```
    #[must_use = "`false` means the closure already fired; use `let _ =` if either is fine"]
    pub fn cancel(&self) -> bool {
        // Release: a join that sees the cancel sees what this thread did before it.
        let won = self.inner.word.fetch_update(Release, Acquire, |s| {
            (s & STATE == PENDING).then_some(CANCELLED)
        });
        match won {
            Ok(_) => {
                // Wake the timer's thread (asleep until the deadline: it exits now) and joiners.
                shim::wake_all(&self.inner.word);
                true
            }
            Err(s) => s & STATE == CANCELLED,
        }
    }

    /// Whether the timer is finished: cancelled, or its closure has returned or panicked. Never
    /// blocks; when it returns `true`, [`join`](Timer::join) returns at once. The opposite of
    /// Python's `is_alive()`, except that a cancelled timer counts as finished at once.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let t = weftsync::Timer::start(std::time::Duration::from_secs(60), || ());
    /// assert!(!t.is_finished());
    /// let _ = t.cancel();
    /// assert!(t.is_finished());
    /// # }
    /// ```
    #[inline]
    #[must_use]
    #[doc(alias = "try_join")]
    #[doc(alias = "is_alive")]
    pub fn is_finished(&self) -> bool {
        // Acquire: pairs with the Release swap to DONE (or the cancel).
        finished(self.inner.word.load(Acquire))
    }

    /// Waits until the timer is finished, at most `timeout`; returns `true` if it is (then
    /// [`join`](Timer::join) returns at once), `false` if the time ran out. `Duration::ZERO` is
    /// one check, like [`is_finished`](Timer::is_finished); a timeout too large for `Instant`
    /// waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let t = weftsync::Timer::start(Duration::from_millis(5), || 7);
    /// assert!(t.join_for(Duration::from_secs(10)));
    /// assert_eq!(t.join().unwrap(), 7);
    /// # }
    /// ```
    #[must_use = "`false` means the timer is not finished yet"]
    pub fn join_for(&self, timeout: Duration) -> bool {
        self.wait_finished(shim::deadline_after(timeout))
    }

    /// Waits until the timer is finished or `deadline` passes; returns `true` if it is. A
    /// deadline already past is one check.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::{Duration, Instant};
    /// let t = weftsync::Timer::start(Duration::from_secs(60), || ());
    /// assert!(!t.join_until(Instant::now() + Duration::from_millis(1)));
    /// let _ = t.cancel();
    /// assert!(t.join_until(Instant::now()));
    /// # }
    /// ```
    #[must_use = "`false` means the timer is not finished yet"]
    pub fn join_until(&self, deadline: Instant) -> bool {
        self.wait_finished(Some(deadline))
    }

    /// Waits until the timer is finished and returns the closure's value; `Err` if it was
    /// cancelled or the closure panicked (with the payload, as `std::thread::JoinHandle::join`).
    /// Also waits for the timer's thread to exit.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let t = weftsync::Timer::start(std::time::Duration::ZERO, || 6 * 7);
    /// assert_eq!(t.join().unwrap(), 42);
    /// # }
    /// ```
    pub fn join(self) -> Result<T, TimerError> {
        let Timer { inner, thread } = self;
        let finished = inner.wait_finished(None);
        debug_assert!(finished, "a wait without deadline never times out");
        let outcome = if inner.word.load(Acquire) & STATE == CANCELLED {
            Err(TimerError::Cancelled)
        } else {
            // SAFETY: the state is DONE, read with Acquire: the timer's thread wrote the result
            // before its Release swap to DONE and never touches the cell again. This handle is
            // the only one and `join` consumes it, so no other access exists or can follow.
            let result = inner.result.with_mut(|p| unsafe { (*p).take() });
            match result.expect("weftsync Timer: DONE without a result") {
                Ok(value) => Ok(value),
                Err(payload) => Err(TimerError::Panicked(payload)),
            }
        };
        // The thread has published its outcome and only has to return: reap it. It never
        // panics (the closure's panic was caught), so its own result carries nothing.
        let _ = thread.join();
        outcome
    }

    #[inline]
    fn wait_finished(&self, deadline: Option<Instant>) -> bool {
        self.inner.wait_finished(deadline)
    }
}

impl<T> Inner<T> {
    /// The timer's thread: wait out the delay, fire unless cancelled, publish the outcome.
    fn run(&self, deadline: Option<Instant>, f: impl FnOnce() -> T) {
        if !self.sleep_then_fire(deadline) {
            return; // cancelled: `f` is dropped unrun, here on the timer's thread
        }
        let result = catch_unwind(AssertUnwindSafe(f));
        // SAFETY: the state is FIRED, set by this thread: no `join` reads the cell until DONE,
        // which this thread has not written yet, and nothing else ever writes it.
        self.result.with_mut(|p| unsafe { *p = Some(result) });
        // Release: publishes the result and the closure's effects to the joiners' Acquire.
        let prev = self.word.swap(DONE, Release);
        debug_assert_eq!(prev & STATE, FIRED);
        if prev & JOINERS != 0 {
            shim::wake_all(&self.word);
        }
    }

    /// Sleeps until `deadline` or a cancel; returns `true` if this thread won the race to fire.
    fn sleep_then_fire(&self, deadline: Option<Instant>) -> bool {
        let mut s = self.word.load(Relaxed);
        while s & STATE == PENDING && !shim::expired(deadline) {
            // Only `cancel` wakes this sleep early; `false` means the deadline passed, which the
            // contract reports only when it did, so the timer fires no earlier than asked.
            if !shim::wait(&self.word, s, deadline) {
                break;
            }
            s = self.word.load(Relaxed);
        }
        // Fire, unless `cancel` got there first: one read-modify-write from PENDING decides.
        // Relaxed: the closure came with the spawn; nothing else is handed over here.
        self.word
            .fetch_update(Relaxed, Relaxed, |s| {
                (s & STATE == PENDING).then_some((s & !STATE) | FIRED)
            })
            .is_ok()
    }

    /// Waits until cancelled or DONE, or `deadline`; `false` only if the deadline passed first.
    fn wait_finished(&self, deadline: Option<Instant>) -> bool {
        // Acquire on every read that can return `true`: pairs with DONE's and cancel's Release.
        let mut s = self.word.load(Acquire);
        loop {
            if finished(s) {
                return true;
            }
            // Checked before registering, so a zero timeout leaves no JOINERS bit behind.
            if shim::expired(deadline) {
                return false;
            }
            if s & JOINERS == 0 {
                // Relaxed success: registering publishes nothing. Acquire failure: the value
                // read may be the DONE we return on.
                match self.word.compare_exchange(s, s | JOINERS, Relaxed, Acquire) {
                    Ok(_) => s |= JOINERS,
                    Err(now) => {
                        s = now;
                        continue;
                    }
                }
            }
            // Sleeps only while the word still holds `s`: DONE and cancel both change it and
            // wake all, since JOINERS is on (cancel always wakes).
            let woken = shim::wait(&self.word, s, deadline);
            s = self.word.load(Acquire);
            if !woken && !finished(s) {
                return false;
            }
        }
    }
}

/// Never blocks: prints the state.
impl<T> fmt::Debug for Timer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.inner.word.load(Relaxed) & STATE {
            PENDING => "pending",
            CANCELLED => "cancelled",
            FIRED => "running",
            _ => "finished",
        };
        f.debug_struct("Timer")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a Timer call happened does not compile under `#![deny(unused_must_use)]`:
/// each `compile_fail` block below is paired with a `no_run` block that differs only in using
/// the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// t.cancel();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// let _result = t.cancel();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// t.is_finished();
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// let _result = t.is_finished();
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// t.join_for(std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// let _result = t.join_for(std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// t.join_until(std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let t = weftsync::Timer::start(std::time::Duration::MAX, || ());
/// let _result = t.join_until(std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! Checks that need the `JOINERS` bit, which the public API does not show: that a joiner is
    //! asleep before the test acts, and that a one-check join registered nothing.
    use super::*;
    use std::sync::Arc;

    fn joiners_bit<T>(t: &Timer<T>) -> bool {
        t.inner.word.load(Relaxed) & JOINERS != 0
    }

    #[test]
    fn zero_timeout_and_past_deadline_register_no_joiner() {
        crate::shim::tests::watched(|| {
            let t = Timer::start(Duration::MAX, || ());
            assert!(!t.join_for(Duration::ZERO));
            assert!(!t.join_until(Instant::now() - Duration::from_millis(1)));
            assert!(!joiners_bit(&t), "a one-check join must not register");
            assert!(t.cancel());
        });
    }

    /// The wait layer may end the timer thread's sleep spuriously (`docs/wait-layer.md`): a
    /// wake that is not a `cancel` must send it back to sleep, not fire the closure early.
    #[test]
    fn a_wake_that_is_not_a_cancel_does_not_fire_early() {
        crate::shim::tests::watched(|| {
            let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let t = {
                let ran = Arc::clone(&ran);
                Timer::start(Duration::from_secs(3600), move || {
                    ran.store(true, std::sync::atomic::Ordering::SeqCst)
                })
            };
            for _ in 0..2_000 {
                shim::wake_all(&t.inner.word);
                std::thread::yield_now();
            }
            assert!(
                t.cancel(),
                "never early: a wake that is not a cancel fired the timer before its delay"
            );
            assert!(
                !ran.load(std::sync::atomic::Ordering::SeqCst),
                "never early: the closure ran before its delay"
            );
            assert!(t.join().unwrap_err().is_cancelled());
        });
    }

    /// A joiner registered (asleep) while the timer is pending must be woken when the closure
    /// returns: the fire keeps the `JOINERS` bit, so the swap to `DONE` knows to wake it.
    #[test]
    fn a_joiner_asleep_before_the_fire_is_woken_when_the_closure_returns() {
        crate::shim::tests::watched(|| {
            // The delay only makes it likely that the joiner sleeps before the fire; if it does
            // not, the test checks less but cannot fail wrongly.
            let t = Arc::new(Timer::start(Duration::from_millis(300), || 5));
            let joiner = {
                let t = Arc::clone(&t);
                std::thread::spawn(move || t.join_for(Duration::MAX))
            };
            while !joiners_bit(&t) {
                std::thread::yield_now();
            }
            assert!(
                joiner.join().unwrap(),
                "a joiner asleep before the fire must be woken when the closure returns"
            );
        });
    }

    /// A joiner's sleep may end spuriously too: a wake that is neither the closure's end nor a
    /// `cancel` must not make `join_for` report a timeout before its deadline.
    #[test]
    fn a_wake_that_is_not_the_end_does_not_end_a_timed_join_early() {
        crate::shim::tests::watched(|| {
            let t = Arc::new(Timer::start(Duration::from_secs(3600), || ()));
            let joiner = {
                let t = Arc::clone(&t);
                std::thread::spawn(move || t.join_for(Duration::from_secs(3600)))
            };
            while !joiners_bit(&t) {
                std::thread::yield_now();
            }
            for _ in 0..2_000 {
                shim::wake_all(&t.inner.word);
                std::thread::yield_now();
            }
            assert!(t.cancel());
            assert!(
                joiner.join().unwrap(),
                "join_for reported a timeout long before its deadline, after a spurious wake"
            );
        });
    }

    /// The fire changes the state bits only: with nobody joining, `JOINERS` stays off while the
    /// closure runs, so its end makes no wake call (the fast path the bit exists for).
    #[test]
    fn the_fire_keeps_the_joiners_bit_as_it_was() {
        crate::shim::tests::watched(|| {
            let (started, release) = (Arc::new(crate::Event::new()), Arc::new(crate::Event::new()));
            let t = {
                let (started, release) = (Arc::clone(&started), Arc::clone(&release));
                Timer::start(Duration::ZERO, move || {
                    started.set();
                    release.wait();
                })
            };
            started.wait();
            assert!(
                !joiners_bit(&t),
                "the fire turned the JOINERS bit on though nobody joins"
            );
            release.set();
            t.join().unwrap();
        });
    }

    /// A joiner asleep in `join_for(MAX)` on a timer that never fires is woken by `cancel`.
    #[test]
    fn sleeping_joiner_is_woken_by_cancel() {
        crate::shim::tests::watched(|| {
            let t = Arc::new(Timer::start(Duration::MAX, || ()));
            let joiner = {
                let t = Arc::clone(&t);
                std::thread::spawn(move || t.join_for(Duration::MAX))
            };
            while !joiners_bit(&t) {
                std::thread::yield_now();
            }
            assert!(t.cancel());
            assert!(
                joiner.join().unwrap(),
                "join_for(MAX) must wait, then see the cancel"
            );
        });
    }
}
