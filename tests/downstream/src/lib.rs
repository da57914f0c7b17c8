//! A crate built on weftsync: a process-wide ticket counter in a `static` Lock, and the logic
//! that hands out tickets, which `tests/model.rs` checks under a model checker.

use weftsync::Lock;

/// Takes the next ticket from `counter`: no two calls return the same number.
pub fn take(counter: &Lock<u64>) -> u64 {
    let mut next = counter.lock();
    *next += 1;
    *next
}

/// The same job done wrong: it reads and writes under two separate locks, so two callers can
/// read the same value. Plain test runs almost never see it; a model checker does.
pub fn take_racy(counter: &Lock<u64>) -> u64 {
    let seen = *counter.lock();
    *counter.lock() = seen + 1;
    seen + 1
}

/// The process-wide counter. A `static` needs `Lock::new` to be `const`, which it is in every
/// build except one with `--cfg weftsync_loom` or `--cfg weftsync_shuttle` (the checkers'
/// atomics are not `const`): there the model tests make their own counters, and this is left
/// out. A *feature* on weftsync would make `Lock::new` non-const for every crate in the build;
/// the cfg is set only by whoever runs the model tests.
#[cfg(not(any(weftsync_loom, weftsync_shuttle)))]
static TICKETS: Lock<u64> = Lock::new(0);

/// The next ticket of this process.
#[cfg(not(any(weftsync_loom, weftsync_shuttle)))]
pub fn next_ticket() -> u64 {
    take(&TICKETS)
}
