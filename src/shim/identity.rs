//! Thread identity that the checkers can see.
//!
//! Loom and shuttle run every modelled thread on one OS thread, so `std::thread_local!` would
//! give them all one identity; the checker's own `thread_local!` gives each modelled thread its
//! own. Ids come from one process-wide counter and are never reused, so an id can stand for a
//! thread even after that thread has exited (ThreadLocal relies on this).

use std::sync::atomic::{AtomicU64, Ordering};

/// Next id to hand out; 0 is never handed out, so it can mean "no thread".
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> u64 {
    // Relaxed: the counter only has to hand out distinct values; nothing is published with it.
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    assert!(id != 0, "weftsync: thread id counter overflowed");
    id
}

#[cfg(weft_loom)]
loom::thread_local! {
    static ID: u64 = fresh_id();
}

#[cfg(weft_shuttle)]
shuttle::thread_local! {
    static ID: u64 = fresh_id();
}

#[cfg(not(weft_checker))]
std::thread_local! {
    static ID: u64 = fresh_id();
}

/// The calling thread's id: non-zero, stable for the thread's life, never given to another
/// thread. Panics if called while the thread's locals are being destroyed.
#[inline]
pub(crate) fn current_thread_id() -> u64 {
    ID.with(|id| *id)
}
