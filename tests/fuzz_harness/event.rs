//! Event: thread 0 is the only one that clears, and it ends its script with `set`; the other
//! threads set, check and wait (blocking `wait` included). So every blocking wait ends, and the
//! checks are:
//! - a wait or `is_set` that returns `true` happens after some `set` started (a counter bumped
//!   before each `set` is visible through the Event's Release/Acquire edge);
//! - `wait_for` returns `false` only after its timeout elapsed;
//! - for thread 0 (the only clearer), the flag after its own `set` reads set, and after its own
//!   `clear` it reads clear unless some `set` had not finished before the clear (the model);
//! - at the end the flag is set.

use super::script;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::Event;

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let ev = Event::new();
    // `sets` counts set() calls started, `done` those finished.
    let sets = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let set = || {
        sets.fetch_add(1, SeqCst);
        ev.set();
        done.fetch_add(1, SeqCst);
    };
    script::run_threads(&scripts, |me, ops| {
        for &op in ops {
            match op % 5 {
                0 => {
                    set();
                    if me == 0 {
                        assert!(
                            ev.is_set(),
                            "only thread 0 clears, so its own set must stick"
                        );
                    }
                }
                1 if me == 0 => {
                    // A set that finished before this load is ordered before the clear, so it
                    // cannot show through; a flag still set needs a set not yet finished here.
                    let finished = done.load(SeqCst);
                    ev.clear();
                    if ev.is_set() {
                        assert!(
                            sets.load(SeqCst) > finished,
                            "flag set after clear without a set"
                        );
                    }
                }
                1 | 2 => {
                    if ev.is_set() {
                        assert!(sets.load(SeqCst) > 0, "is_set true before any set");
                    }
                }
                3 if me != 0 => {
                    ev.wait();
                    assert!(sets.load(SeqCst) > 0, "wait returned before any set");
                }
                _ => {
                    let timeout = Duration::from_micros(u64::from(op % 64));
                    let start = Instant::now();
                    if ev.wait_for(timeout) {
                        assert!(sets.load(SeqCst) > 0, "wait_for true before any set");
                    } else {
                        assert!(
                            start.elapsed() >= timeout,
                            "wait_for false before its timeout"
                        );
                    }
                }
            }
        }
        if me == 0 {
            set();
        }
    });
    assert!(
        ev.is_set(),
        "thread 0 ended with set and nobody clears after it"
    );
}
