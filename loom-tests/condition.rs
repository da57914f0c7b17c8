//! Loom models of `Condition`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! Loom reports a deadlock when every thread is blocked: that is how a lost notify shows up here.
//! Under loom a timed wait yields once and then reports "woken" or "timed out" as the scheduler
//! decides (src/shim/table.rs), so every crossing of a timeout with a notify is explored.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use std::time::Duration;
use weftsync::{Condition, Lock};

/// Long enough never to pass in real time; under loom the shim decides when it "passes".
const LONG: Duration = Duration::from_secs(60);

/// Spins (yielding to loom) until `registered` waiters have announced, under the lock, that they
/// are about to wait. A waiter sets its flag and queues itself inside one critical section, so
/// once the main thread holds the lock and sees the count, those waiters are queued.
fn until_registered(lock: &Lock<usize>, registered: usize) {
    loop {
        if *lock.lock() >= registered {
            return;
        }
        thread::yield_now();
    }
}

/// The waiter tests the flag, queues itself and unlocks; the notifier sets the flag under the
/// lock and notifies after unlocking. Loom puts the notify at every point of the waiter's
/// unlock-then-sleep sequence (before the queueing, between unlock and sleep, while asleep):
/// the waiter always returns, so the notify is never lost.
#[test]
fn notify_between_unlock_and_wait_is_not_lost() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(false), Condition::new()));
        let p = Arc::clone(&pair);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*p;
            let mut ready = lock.lock();
            while !*ready {
                cond.wait(&mut ready);
            }
        });
        let (lock, cond) = &*pair;
        *lock.lock() = true;
        // Finds the waiter or not, depending on the interleaving; either way it must return.
        let _found = cond.notify_one();
        waiter.join().unwrap();
        assert_eq!(cond.notify_all(), 0, "the waiter left the queue");
    });
}

/// Same race with the notify made while still holding the lock (Python's rule): the waiter
/// cannot be between its test and its queueing, so if it is waiting at all the notify finds it.
#[test]
fn notify_under_lock_reaches_queued_waiter() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(false), Condition::new()));
        let p = Arc::clone(&pair);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*p;
            let mut ready = lock.lock();
            let mut waits = 0;
            while !*ready {
                cond.wait(&mut ready);
                waits += 1;
            }
            waits
        });
        let (lock, cond) = &*pair;
        let mut g = lock.lock();
        *g = true;
        let woke = cond.notify_one();
        drop(g);
        let waits = waiter.join().unwrap();
        // No spurious wake-ups: the waiter waited once exactly when the notify found it.
        assert_eq!(
            waits,
            usize::from(woke),
            "waiter waited {waits} times, notify woke {woke}"
        );
    });
}

/// Two waiters are queued; `notify(1)` reports 1 and releases exactly one of them: the other
/// stays queued, so the second `notify(1)` also reports 1. Plain `wait`s, no predicate loop: a
/// waiter released twice, or spuriously, shows as a second return before the second notify
/// (loom tries every point at which the main thread reads the count).
#[test]
fn notify_one_with_two_waiters_wakes_exactly_one() {
    crate::model(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        let returned = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (s, r) = (Arc::clone(&shared), Arc::clone(&returned));
                thread::spawn(move || {
                    let (lock, cond) = &*s;
                    let mut g = lock.lock();
                    *g += 1;
                    cond.wait(&mut g);
                    r.fetch_add(1, SeqCst);
                })
            })
            .collect();
        let (lock, cond) = &*shared;
        until_registered(lock, 2);
        assert_eq!(cond.notify(1), 1, "two queued waiters: notify(1) wakes one");
        assert!(
            returned.load(SeqCst) <= 1,
            "notify(1) released more than one waiter"
        );
        assert_eq!(cond.notify(1), 1, "the second waiter was still queued");
        for w in waiters {
            w.join().unwrap();
        }
        assert_eq!(returned.load(SeqCst), 2);
    });
}

/// A timed waiter A (`wait_for`) and an untimed waiter B (`wait_while` on a flag) race a
/// set-flag-then-`notify_one`. If that notify went to A (A reports "notified"), B may still be
/// queued, so the main thread sends one more. Every notify counted must be received: the counts
/// equal A's "notified" plus B's wake-ups. Had A been popped and then reported a timeout, no
/// second notify would be sent and a queued B would sleep forever (loom: deadlock), and the
/// counts would disagree. Loom explores A timing out before, while, and after the pop.
#[test]
fn timed_out_waiter_does_not_swallow_notify() {
    crate::model(|| {
        let shared = Arc::new((Lock::new(false), Condition::new()));
        let s = Arc::clone(&shared);
        let timed = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            !cond.wait_for(&mut g, LONG).timed_out()
        });
        let s = Arc::clone(&shared);
        let untimed = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            let mut tests = 0;
            cond.wait_while(&mut g, |flag| {
                tests += 1;
                !*flag
            });
            tests - 1
        });
        let (lock, cond) = &*shared;
        *lock.lock() = true;
        let mut sent = usize::from(cond.notify_one());
        let timed_notified = timed.join().unwrap();
        if timed_notified {
            sent += usize::from(cond.notify_one());
        }
        let untimed_woken = untimed.join().unwrap();
        assert_eq!(
            sent,
            usize::from(timed_notified) + untimed_woken,
            "notify counts and notified waiters disagree: a notify was swallowed or invented"
        );
    });
}

/// A notify with nobody waiting is not kept: a waiter that starts later times out.
#[test]
fn notify_with_no_waiter_is_not_banked() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(()), Condition::new()));
        assert_eq!(pair.1.notify_all(), 0);
        assert!(!pair.1.notify_one());
        let p = Arc::clone(&pair);
        let t = thread::spawn(move || {
            let mut g = p.0.lock();
            p.1.wait_for(&mut g, LONG).timed_out()
        });
        assert!(
            t.join().unwrap(),
            "an earlier notify must not wake a later waiter"
        );
    });
}

/// Python's `wait_for(predicate, timeout)` against a racing set-and-notify: the result is the
/// predicate's value when the call returned (read again under the lock), a `true` result needs
/// the flag, and with the notify the untimed form always returns.
#[test]
fn wait_for_predicate_under_racing_notify() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(false), Condition::new()));
        let p = Arc::clone(&pair);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*p;
            let mut g = lock.lock();
            let got = cond.wait_for_predicate(&mut g, |ready| *ready, LONG);
            assert_eq!(got, *g, "result must be the predicate's final value");
            got
        });
        let (lock, cond) = &*pair;
        *lock.lock() = true;
        cond.notify_all();
        let _maybe_timed_out = waiter.join().unwrap();
        assert_eq!(cond.notify_all(), 0);
    });
}

/// `wait_while` (untimed) with the state changed and notified by another thread: never lost, and
/// the lock is held again on return (loom's cell checking sees the accesses).
#[test]
fn wait_while_returns_after_racing_notify() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(0u32), Condition::new()));
        let p = Arc::clone(&pair);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*p;
            let mut g = lock.lock();
            cond.wait_while(&mut g, |n| *n == 0);
            *g += 10;
        });
        let (lock, cond) = &*pair;
        *lock.lock() += 1;
        cond.notify_one();
        waiter.join().unwrap();
        assert_eq!(*lock.lock(), 11);
    });
}
