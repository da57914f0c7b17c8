//! The only module that knows which backend runs: std, loom or shuttle.
//!
//! Every atomic, cell, thread and wait call in the primitives comes from here, so the model
//! checkers run the primitives' real code. The backend is chosen by `build.rs`:
//! `weft_loom` (feature `loom`, wins if both are on), `weft_shuttle` (feature `shuttle`), or
//! neither (std). `weft_checker` is set under either checker.
//!
//! The wait layer is a futex-style contract, described in `docs/wait-layer.md`:
//! - [`wait`]`(word, expected, deadline)` sleeps while `*word == expected`; it returns `false`
//!   only when the deadline passed, and `true` otherwise (woken, value differed, or spuriously).
//!   It orders nothing: callers re-read the word with the ordering they need.
//! - [`wake_one`] / [`wake_all`] / [`wake`] wake sleepers on that word's address.
//!
//! On Linux with std this is the kernel futex (`futex.rs`). Elsewhere, and under the checkers,
//! it is the wait table in `table.rs` (also on Linux with `--cfg weft_force_table`), where under a checker a timed wait may time out at any
//! point the scheduler picks.

#![allow(dead_code, unused_imports)]

pub(crate) use std::time::{Duration, Instant};

#[cfg(weft_loom)]
pub(crate) use loom::{
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence},
    thread,
};

#[cfg(weft_shuttle)]
pub(crate) use shuttle::{
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence},
    thread,
};

#[cfg(not(weft_checker))]
pub(crate) use std::{
    hint::spin_loop,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence},
    thread,
};

mod cell;
pub(crate) use cell::UnsafeCell;

mod identity;
pub(crate) use identity::{ThreadSlot, current_thread_id, current_thread_slot, known_thread_slot};

// `--cfg weft_force_table` runs the portable wait table on Linux too, so CI tests the fallback
// that other targets use in production.
#[cfg(all(target_os = "linux", not(weft_checker), not(weft_force_table)))]
mod futex;
#[cfg(all(target_os = "linux", not(weft_checker), not(weft_force_table)))]
pub(crate) use futex::{wait, wake};

#[cfg(any(weft_checker, not(target_os = "linux"), weft_force_table))]
mod table;
#[cfg(any(weft_checker, not(target_os = "linux"), weft_force_table))]
pub(crate) use table::{wait, wake};

/// How many read-only spins a contended acquire makes before it sleeps. Under the checkers one
/// spin keeps the spinning path in the model without multiplying its interleavings.
pub(crate) const SPIN_LIMIT: u32 = if cfg!(weft_loom) {
    0
} else if cfg!(weft_shuttle) {
    1
} else {
    100
};

/// The rounds of a read-only spin before sleeping: `for _ in shim::spin_rounds() { … }`.
/// A function rather than `0..SPIN_LIMIT` at each site, so the empty range under loom is one
/// decision made here, not a lint to silence in every primitive.
#[inline]
pub(crate) fn spin_rounds() -> core::ops::Range<u32> {
    0..SPIN_LIMIT
}

/// A spin budget for loops that spin between other steps (re-checks, lock hand-offs):
/// `while let Some(round) = spin.next()`-style, capped by `SPIN_LIMIT` on every backend.
#[derive(Debug)]
pub(crate) struct Spin {
    done: u32,
    limit: u32,
}

impl Spin {
    /// At most `SPIN_LIMIT` rounds.
    #[inline]
    pub(crate) const fn new() -> Self {
        Spin::at_most(SPIN_LIMIT)
    }

    /// At most `limit` rounds, and never more than `SPIN_LIMIT`.
    #[inline]
    pub(crate) const fn at_most(limit: u32) -> Self {
        Spin {
            done: 0,
            limit: min_u32(limit, SPIN_LIMIT),
        }
    }

    /// Takes one round from the budget and returns its number (from 0), or `None` when spent.
    #[inline]
    pub(crate) fn next_round(&mut self) -> Option<u32> {
        (self.done < self.limit).then(|| {
            self.done += 1;
            self.done - 1
        })
    }
}

const fn min_u32(a: u32, b: u32) -> u32 {
    if a < b { a } else { b }
}

/// Wakes at most one thread sleeping on `word`; says whether it woke one.
#[inline]
pub(crate) fn wake_one(word: &AtomicU32) -> bool {
    wake(word, 1) > 0
}

/// Wakes every thread sleeping on `word`.
#[inline]
pub(crate) fn wake_all(word: &AtomicU32) {
    wake(word, u32::MAX);
}

/// The one deadline type: `None` means "wait forever". A timeout too large for `Instant`
/// (`Duration::MAX` and its kin) is a wait forever, never an overflow.
#[inline]
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Whether a deadline has passed. `None` never passes.
#[inline]
pub(crate) fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! The wait layer's contract, tested directly on whichever backend this build uses.
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_returns_at_once_when_value_differs() {
        let w = AtomicU32::new(1);
        assert!(wait(&w, 0, None), "a mismatched value must not sleep");
    }

    #[test]
    fn timed_wait_reports_timeout_after_deadline() {
        let w = AtomicU32::new(0);
        let start = Instant::now();
        assert!(
            !wait(&w, 0, deadline_after(Duration::from_millis(30))),
            "nobody woke us"
        );
        assert!(
            start.elapsed() >= Duration::from_millis(30),
            "returned before the deadline"
        );
    }

    #[test]
    fn past_deadline_does_not_sleep() {
        let w = AtomicU32::new(0);
        assert!(!wait(&w, 0, Some(Instant::now())));
    }

    #[test]
    fn huge_timeout_is_forever_not_overflow() {
        assert_eq!(deadline_after(Duration::MAX), None);
        // A deadline far out but representable must not overflow the timespec either.
        let w = Arc::new(AtomicU32::new(0));
        let far = Instant::now().checked_add(Duration::from_secs(1 << 40));
        let w2 = Arc::clone(&w);
        let t = std::thread::spawn(move || while !wait(&w2, 0, far) {});
        while w.load(Ordering::SeqCst) == 0 {
            w.store(1, Ordering::SeqCst);
            wake_all(&w);
        }
        t.join().unwrap();
    }

    #[test]
    fn wake_one_wakes_a_sleeper_and_counts_it() {
        let w = Arc::new(AtomicU32::new(0));
        let w2 = Arc::clone(&w);
        let t = std::thread::spawn(move || {
            while w2.load(Ordering::Acquire) == 0 {
                wait(&w2, 0, None);
            }
        });
        // No sleep to order threads: keep waking until the sleeper has seen the store.
        w.store(1, Ordering::Release);
        while !t.is_finished() {
            wake_one(&w);
            std::thread::yield_now();
        }
        t.join().unwrap();
        assert_eq!(wake(&w, 1), 0, "nobody is left to wake");
    }
}
