//! Loom models of `Condition`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! Loom reports a deadlock when every thread is blocked: that is how a lost notify shows up here.
//! Under loom a timed wait yields once and then reports "woken" or "timed out" as the scheduler
//! decides (src/shim/table.rs), so every crossing of a timeout with a notify is explored.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::thread;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;
use std::time::Duration;
use weftsync::{Condition, Lock, RLock};

use crate::LONG;

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
            cond.wait_for(&mut g, LONG)
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
            p.1.wait_for(&mut g, LONG)
        });
        assert!(
            !t.join().unwrap(),
            "an earlier notify must not wake a later waiter"
        );
    });
}

/// `wait_while_for` (Python's `wait_for(predicate, timeout)`, negated) against a racing
/// set-and-notify: the result says whether the condition was false when the call returned (read
/// again under the lock), and a `true` result needs the flag.
#[test]
fn wait_while_for_under_racing_notify() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(false), Condition::new()));
        let p = Arc::clone(&pair);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*p;
            let mut g = lock.lock();
            let got = cond.wait_while_for(&mut g, |ready| !*ready, LONG);
            assert_eq!(
                got, *g,
                "result must say whether the condition became false"
            );
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

/// Only a notify wakes `wait`: one waiter (nothing else queued to ride on), no timeout, and the
/// main thread contends for the lock meanwhile (its wakes open the wait layer's window for a
/// spurious return). The waiter asserts that the notify had started when it returned: a wait
/// that returned on a spurious wake-up of the wait layer, a lock wake or a park wake fails.
#[test]
fn only_a_notify_ends_wait() {
    crate::model(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        let notifying = Arc::new(AtomicBool::new(false));
        let (s, n) = (Arc::clone(&shared), Arc::clone(&notifying));
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            *g += 1;
            cond.wait(&mut g);
            assert!(n.load(SeqCst), "wait returned before any notify");
        });
        let (lock, cond) = &*shared;
        until_registered(lock, 1);
        notifying.store(true, SeqCst);
        assert!(cond.notify_one(), "the queued waiter must be found");
        waiter.join().unwrap();
    });
}

/// Only a notify wakes `wait_while`: the state changes only after the waiter is queued, so it
/// cannot see the change on its first test, and it must not return before the notify (it
/// would, on a spurious wake-up, if the loop trusted a wake instead of re-testing after one).
#[test]
fn only_a_notify_ends_wait_while() {
    crate::model(|| {
        let shared = Arc::new((Lock::new((0usize, false)), Condition::new()));
        let notifying = Arc::new(AtomicBool::new(false));
        let (s, n) = (Arc::clone(&shared), Arc::clone(&notifying));
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            g.0 += 1;
            cond.wait_while(&mut g, |(_, ready)| !*ready);
            assert!(n.load(SeqCst), "wait_while returned before any notify");
        });
        let (lock, cond) = &*shared;
        loop {
            let mut g = lock.lock();
            if g.0 == 1 {
                g.1 = true; // changed under the lock, after the waiter queued itself
                break;
            }
            drop(g);
            thread::yield_now();
        }
        notifying.store(true, SeqCst);
        assert!(cond.notify_one(), "the queued waiter must be found");
        waiter.join().unwrap();
    });
}

/// The hand-over that used to yield without bound: the notifier stores DONE and only then wakes
/// by address, so loom preempts it between the two. Meanwhile the waiter may see DONE (without
/// the wake), return, free its node and wait again at the same stack address; the late wake
/// then reaches that second wait, which must sleep on until the second notify. A notifier that
/// touched the node after DONE would be a loom data race (the node's drop is recorded as a
/// write), and a second wait ended by the stale wake fails the assertion.
#[test]
fn late_wake_after_done_reaches_a_freed_or_reused_node() {
    crate::model(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        let second_notify = Arc::new(AtomicBool::new(false));
        let (s, second) = (Arc::clone(&shared), Arc::clone(&second_notify));
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            for round in 1..=2 {
                *g = round;
                cond.wait(&mut g);
            }
            assert!(
                second.load(SeqCst),
                "the second wait returned on the first notify's late wake"
            );
        });
        let (lock, cond) = &*shared;
        until_registered(lock, 1);
        assert!(cond.notify_one(), "first wait queued");
        until_registered(lock, 2);
        second_notify.store(true, SeqCst);
        assert!(cond.notify_one(), "second wait queued");
        waiter.join().unwrap();
    });
}

/// Two notifiers and a waiter whose timeout races them all take the queue lock; with no spin
/// under loom every contender parks on the park epoch at once. A contender parked with no unlock
/// left to wake it is a loom deadlock; the counts must still agree.
#[test]
fn queue_lock_contenders_park_and_are_woken() {
    crate::model(|| {
        let shared = Arc::new((Lock::new(()), Condition::new()));
        let s = Arc::clone(&shared);
        let timed = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            usize::from(cond.wait_for(&mut g, LONG))
        });
        let s = Arc::clone(&shared);
        let other = thread::spawn(move || s.1.notify_one());
        let sent = usize::from(shared.1.notify_one()) + usize::from(other.join().unwrap());
        let notified = timed.join().unwrap();
        assert_eq!(
            sent, notified,
            "notify counts and notified waiters disagree"
        );
        assert_eq!(shared.1.notify_all(), 0, "the waiter left the queue");
    });
}

/// One waiter is queued, then three notifiers take the queue lock at once: with no spin under
/// loom, while one holds it the other two park on it together. The second parker finds
/// `QUEUE_PARKED` already on and must leave it on (its read-modify-write sets the bit, never
/// toggles it), or the holder's unlock sees nobody parked and both parkers sleep with no wake
/// left (loom: deadlock). Only the unlock can wake a parker here: no timeout, no close. Exactly
/// one notify finds the waiter. Kills the mutant `| with ^` in `Condition::park_on_queue`
/// (`docs/verification.md`), which `queue_lock_contenders_park_and_are_woken` lets survive (its
/// timed waiter can end the model's only other sleep).
#[test]
fn two_contenders_parked_on_the_queue_lock_at_once_are_both_woken() {
    crate::model(|| {
        let shared = Arc::new((Lock::new(0usize), Condition::new()));
        let s = Arc::clone(&shared);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*s;
            let mut g = lock.lock();
            *g += 1;
            cond.wait(&mut g);
        });
        let (lock, cond) = &*shared;
        until_registered(lock, 1);
        let notifiers: Vec<_> = (0..2)
            .map(|_| {
                let s = Arc::clone(&shared);
                thread::spawn(move || s.1.notify_one())
            })
            .collect();
        let mut sent = usize::from(cond.notify_one());
        for n in notifiers {
            sent += usize::from(n.join().unwrap());
        }
        waiter.join().unwrap();
        assert_eq!(sent, 1, "one queued waiter: exactly one notify finds it");
    });
}

/// Python's default `Condition()` wraps an RLock: the waiter holds it at depth 2 and waits;
/// the notifier can only take the RLock (to set the flag) if the wait released both levels.
/// The waiter gets its depth back, and loom checks every access to the value.
#[test]
fn rlock_wait_releases_every_level_under_racing_notify() {
    crate::model(|| {
        let pair = Arc::new((RLock::new(Cell::new(false)), Condition::new()));
        let p = Arc::clone(&pair);
        let waiter = thread::spawn(move || {
            let (lock, cond) = &*p;
            let outer = lock.lock();
            let mut inner = lock.lock();
            cond.wait_while(&mut inner, |ready| !ready.get());
            assert_eq!(lock.depth(), 2, "re-taken at the same depth");
            assert!(outer.get());
        });
        let (lock, cond) = &*pair;
        lock.lock().set(true);
        cond.notify_all();
        waiter.join().unwrap();
        assert!(!lock.is_locked(), "both levels released in the end");
    });
}

/// A zero-timeout wait still releases and re-takes the lock once: across loom's executions,
/// another thread's `try_lock` sometimes gets the lock *during* the call (the value changes
/// between the waiter's reads before and after it), and the call always reports a timeout. The
/// outcomes are kept in a std static (loom does not track it), so the model and the check of its
/// outcomes run together in one child process (`crate::isolated::isolated`).
#[test]
fn zero_timeout_wait_lets_another_thread_take_the_lock() {
    crate::isolated::isolated(|| {
        let seen: &'static StdMutex<BTreeSet<bool>> = Box::leak(Box::default());
        loom::model(move || {
            let lock = Arc::new(Lock::new(0u32));
            let cond = Arc::new(Condition::new());
            let l = Arc::clone(&lock);
            let other = thread::spawn(move || {
                if let Some(mut g) = l.try_lock() {
                    *g += 1;
                }
            });
            let mut g = lock.lock();
            let before = *g;
            assert!(!cond.wait_for(&mut g, Duration::ZERO), "nobody notifies");
            let during = *g != before;
            drop(g);
            other.join().unwrap();
            seen.lock().unwrap().insert(during);
        });
        assert!(
            seen.lock().unwrap().contains(&true),
            "no execution let another thread take the lock during a zero-timeout wait"
        );
    });
}
