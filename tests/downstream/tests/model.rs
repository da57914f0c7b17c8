//! The downstream crate's model test, written once for every build:
//!
//! - `cargo test`: `model::check` runs each body once on real threads; the static is used.
//! - `RUSTFLAGS="--cfg weftsync_loom" cargo test`: every interleaving (set
//!   `LOOM_MAX_PREEMPTIONS`, e.g. 2); the racy variant is caught.
//! - `RUSTFLAGS="--cfg weftsync_shuttle" cargo test`: shuttle's random and PCT schedulers.

use weftsync::Lock;
use weftsync::model::{self, sync::Arc, thread};
use weftsync_downstream_example::{take, take_racy};

/// Two threads take a ticket from one counter; their tickets must differ.
fn two_takers(take: fn(&Lock<u64>) -> u64) {
    model::check(move || {
        let counter = Arc::new(Lock::new(0));
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || take(&counter))
        };
        let mine = take(&counter);
        let theirs = other.join().unwrap();
        assert_ne!(mine, theirs, "two takers got the same ticket");
        assert_eq!(*counter.lock(), 2, "two tickets taken, two counted");
    });
}

#[test]
fn tickets_are_distinct() {
    two_takers(take);
}

/// Proves the checker is really in charge: only a model checker finds this race reliably.
#[test]
#[cfg_attr(
    not(any(weftsync_loom, weftsync_shuttle)),
    ignore = "only a model checker finds this reliably"
)]
#[should_panic(expected = "two takers got the same ticket")]
fn racy_take_is_caught() {
    two_takers(take_racy);
}

/// The `static` compiles and counts in a normal build (and is left out under the checkers).
#[cfg(not(any(weftsync_loom, weftsync_shuttle)))]
#[test]
fn static_counter_hands_out_increasing_tickets() {
    let first = weftsync_downstream_example::next_ticket();
    assert!(weftsync_downstream_example::next_ticket() > first);
}
