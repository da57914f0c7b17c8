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
//! it is the wait table in `table.rs`, where under a checker a timed wait may time out at any
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
pub(crate) use identity::{ThreadSlot, current_thread_id, current_thread_slot};

#[cfg(all(target_os = "linux", not(weft_checker)))]
mod futex;
#[cfg(all(target_os = "linux", not(weft_checker)))]
pub(crate) use futex::{wait, wake};

#[cfg(any(weft_checker, not(target_os = "linux")))]
mod table;
#[cfg(any(weft_checker, not(target_os = "linux")))]
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
