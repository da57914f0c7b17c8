//! Loom models of `Event`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! A wait that is never woken shows as a loom deadlock, so every model that joins a waiter is a
//! no-lost-wake-up check. Models that must know a waiter is registered before they act use the
//! `WAITERS` bit, which the API does not show: they live in `src/event.rs` (`loom_tests`, run by
//! `cargo test --features loom --lib event`).

use crate::LONG;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use loom::thread;
use std::time::Duration;
use weftsync::Event;

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

/// A `wait_for` that may time out just as `set` happens: it returns `true` or `false` but never
/// blocks forever, a second (untimed) waiter is still woken, and afterwards waits see the flag.
#[test]
fn timeout_racing_set_leaves_event_usable() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let timed = {
            let e = Arc::clone(&ev);
            thread::spawn(move || {
                let got = e.wait_for(LONG);
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
            let _ = e.wait_for(LONG);
            e.wait();
        });
        ev.set();
        ev.clear();
        ev.set();
        t.join().unwrap();
    });
}

/// Only `set` wakes `wait`: the main thread first does everything else an Event offers (`clear`,
/// `is_set`, a zero-timeout wait) and sets a second Event that a third thread waits on, whose
/// wake opens the wait layer's window for a spurious return. The waiter asserts that the `set`
/// had started when its `wait` returned.
#[test]
fn only_set_ends_wait() {
    crate::model(|| {
        let (ev, other) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let setting = Arc::new(AtomicBool::new(false));
        let (e, s) = (Arc::clone(&ev), Arc::clone(&setting));
        let waiter = thread::spawn(move || {
            e.wait();
            assert!(s.load(SeqCst), "wait returned before any set");
        });
        let o = Arc::clone(&other);
        let bystander = thread::spawn(move || o.wait());
        ev.clear();
        assert!(!ev.is_set());
        assert!(!ev.wait_for(Duration::ZERO));
        other.set();
        setting.store(true, SeqCst);
        ev.set();
        waiter.join().unwrap();
        bystander.join().unwrap();
    });
}

/// A stale wake: `set` finds a registered waiter (the first), so it owes a `wake_all`, and loom
/// delays that wake past a `clear` and a new waiter's sleep. The main thread sees the flag set,
/// clears it and starts the new waiter, which sleeps on the cleared flag. When the delayed wake
/// reaches it, it must sleep on: it may return only after the second set. (Found with 2
/// preemptions: the setter's, between its write and its wake, and the main thread's, before the
/// second set.)
#[test]
fn stale_wake_after_set_and_clear_does_not_release_a_new_waiter() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let second_set = Arc::new(AtomicBool::new(false));
        let e = Arc::clone(&ev);
        let first_waiter = thread::spawn(move || e.wait());
        let e = Arc::clone(&ev);
        let setter = thread::spawn(move || e.set());
        while !ev.is_set() {
            thread::yield_now();
        }
        ev.clear();
        let (e, second) = (Arc::clone(&ev), Arc::clone(&second_set));
        let new_waiter = thread::spawn(move || {
            e.wait();
            assert!(
                second.load(SeqCst),
                "a new waiter returned on the stale wake of a set made before its clear"
            );
        });
        second_set.store(true, SeqCst);
        ev.set();
        for t in [first_waiter, setter, new_waiter] {
            t.join().unwrap();
        }
    });
}

/// The same stale wake against a timed wait: after set → clear, a `wait_for` that the delayed
/// wake reaches must not report `true` (no set happened after it looked); it times out.
#[test]
fn stale_wake_after_set_and_clear_is_not_reported_as_a_set() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let e = Arc::clone(&ev);
        let setter = thread::spawn(move || e.set());
        ev.wait();
        ev.clear();
        assert!(
            !ev.wait_for(LONG),
            "a timed wait reported the set made before its clear"
        );
        setter.join().unwrap();
    });
}
