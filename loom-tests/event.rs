//! Loom models of `Event`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! A wait that is never woken shows as a loom deadlock, so every model that joins a waiter is a
//! no-lost-wake-up check.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread;
use std::time::Duration;
use weftsync::Event;

/// Blocks until `ev` has a registered waiter (its WAITERS bit), so the test knows the waiter is
/// asleep or committed to sleeping before it acts.
fn until_waiter_registered(ev: &Event) {
    while !ev.__waiters_bit() {
        thread::yield_now();
    }
}

/// One waiter, one setter: the waiter returns, and sees what the setter wrote before `set`
/// (a Relaxed write, so only the Event's Release/Acquire edge can order it).
#[test]
fn set_wakes_waiter_and_publishes_writes() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let data = Arc::new(AtomicUsize::new(0));
        let (e, d) = (Arc::clone(&ev), Arc::clone(&data));
        let t = thread::spawn(move || {
            e.wait();
            assert_eq!(
                d.load(Relaxed),
                1,
                "write before set() not visible after wait()"
            );
        });
        data.store(1, Relaxed);
        ev.set();
        t.join().unwrap();
    });
}

/// Two waiters, and the setter does set, clear, set: neither waiter can be left asleep,
/// whichever of the three operations it registered around.
#[test]
fn set_clear_set_with_two_waiters_never_loses_wakeup() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let e = Arc::clone(&ev);
                thread::spawn(move || e.wait())
            })
            .collect();
        ev.set();
        ev.clear();
        ev.set();
        for t in ts {
            t.join().unwrap();
        }
        assert!(ev.is_set());
    });
}

/// Python's rule: a waiter blocked when `set` happens returns `true` even though `clear`
/// follows before it runs. The setter waits until the waiter is registered, then sets and
/// clears at once; the waiter must still return (loom reports a deadlock otherwise), and
/// afterwards the flag reads clear.
#[test]
fn set_then_clear_before_waiter_runs_still_wakes_it() {
    crate::model(|| {
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

/// A `wait_for` that may time out just as `set` happens: it returns `true` or `false` but never
/// blocks forever, a second (untimed) waiter is still woken, and afterwards waits see the flag.
#[test]
fn timeout_racing_set_leaves_event_usable() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let timed = {
            let e = Arc::clone(&ev);
            thread::spawn(move || {
                let got = e.wait_for(Duration::from_secs(5));
                assert!(!got || e.is_set(), "true without any set");
            })
        };
        let blocking = {
            let e = Arc::clone(&ev);
            thread::spawn(move || e.wait())
        };
        ev.set();
        timed.join().unwrap();
        blocking.join().unwrap();
        assert!(
            ev.wait_for(Duration::ZERO),
            "a later wait must see the flag set"
        );
        ev.clear();
        assert!(
            !ev.wait_for(Duration::ZERO),
            "a later wait must see the flag clear"
        );
    });
}

/// A waiter that timed out leaves its WAITERS bit behind; a new waiter and a new set after
/// that still meet (the stale bit costs a wake call, never a lost wake-up).
#[test]
fn timed_out_waiter_then_new_waiter_is_woken() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let e = Arc::clone(&ev);
        let t = thread::spawn(move || {
            let _ = e.wait_for(Duration::from_secs(1));
            e.wait();
        });
        ev.set();
        ev.clear();
        ev.set();
        t.join().unwrap();
    });
}
