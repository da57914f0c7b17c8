//! Loom models of `RLock`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! The protected value is a `loom::cell::UnsafeCell`, so loom reports any two accesses from
//! different threads that are not ordered by the lock: a direct check of exclusion and of the
//! happens-before edge from one owner's last guard to the next owner.

use crate::LONG;
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;
use std::collections::BTreeSet;
use std::sync::{Arc as StdArc, Mutex as StdMutex};
use std::time::{Duration, Instant};
use weftsync::RLock;

type Counter = RLock<UnsafeCell<u32>>;

/// Adds `n` to the counter through a guard (any depth).
fn add(g: &UnsafeCell<u32>, n: u32) {
    // SAFETY: the caller holds an RLock guard, so no other thread touches the cell; that claim
    // is what the test checks (loom reports unordered accesses).
    g.with_mut(|p| unsafe { *p += n });
}

fn bump(g: &UnsafeCell<u32>) {
    add(g, 1);
}

fn read(g: &UnsafeCell<u32>) -> u32 {
    // SAFETY: as in `add`.
    g.with(|p| unsafe { *p })
}

/// The owner holds two guards; a second thread blocks in `lock`, and the owner's guard drops are
/// the only events that can wake it (no timeout, no third thread). Dropping the first guard must
/// not let it in (the owner still writes through the second guard, and loom would flag the
/// overlap); dropping the last one must wake it (a lost wake-up shows as a loom deadlock).
#[test]
fn blocked_lock_waits_out_the_first_guard_drop_and_is_woken_by_the_last() {
    crate::model(|| {
        let lock = Arc::new(Counter::new(UnsafeCell::new(0)));
        let outer = lock.lock();
        let inner = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            let g = other.lock();
            assert_eq!(other.depth(), 1, "a new owner starts at depth 1");
            assert_eq!(
                read(&g),
                2,
                "new owner must see both of the old owner's writes"
            );
            bump(&g);
        });
        drop(outer);
        assert_eq!(lock.depth(), 1, "dropping one of two guards leaves depth 1");
        bump(&inner); // still exclusive: the other thread must not be inside
        bump(&inner);
        drop(inner);
        t.join().unwrap();
        assert_eq!(read(&lock.lock()), 3);
        assert!(!lock.is_locked() || lock.depth() > 0);
    });
}

/// Two threads each lock, re-enter (one through `try_lock`), and write at depth 2: the writes
/// never overlap, and the final count is exact.
#[test]
fn exclusion_two_threads_reentering() {
    crate::model(|| {
        let lock = Arc::new(Counter::new(UnsafeCell::new(0)));
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            let a = other.lock();
            let b = other.try_lock().expect("the owner may always re-enter");
            bump(&b);
            drop(a);
            bump(&b);
        });
        let a = lock.lock();
        let b = lock.lock();
        bump(&a);
        drop(b);
        drop(a);
        t.join().unwrap();
        assert_eq!(
            read(&lock.lock()),
            3,
            "an increment was lost: exclusion broken"
        );
    });
}

/// Three threads, each at depth 2: one owner, one sleeper, one more contender.
#[test]
fn exclusion_three_threads() {
    crate::model(|| {
        let lock = Arc::new(Counter::new(UnsafeCell::new(0)));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let l = Arc::clone(&lock);
                thread::spawn(move || {
                    let _a = l.lock();
                    bump(&l.lock());
                })
            })
            .collect();
        {
            let _a = lock.lock();
            bump(&lock.lock());
        }
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(
            read(&lock.lock()),
            3,
            "an increment was lost: exclusion broken"
        );
    });
}

/// A `lock_for` that times out just as the owner drops its last guard leaves the lock
/// usable: a third thread blocked without a timeout still gets in, and a timed-out caller holds
/// nothing (afterwards the lock is free).
#[test]
fn timed_lock_racing_final_unlock_leaves_lock_usable() {
    crate::model(|| {
        let lock = Arc::new(Counter::new(UnsafeCell::new(0)));
        let outer = lock.lock();
        let inner = lock.lock();
        let timed = {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                if let Some(g) = l.lock_for(LONG) {
                    bump(&g);
                }
                assert_eq!(l.depth(), 0, "a timed-out or finished caller owns nothing");
            })
        };
        let blocking = {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                add(&l.lock(), 10);
            })
        };
        drop(inner);
        drop(outer);
        timed.join().unwrap();
        blocking.join().unwrap();
        assert!(
            !lock.is_locked(),
            "lock left held after every guard dropped"
        );
        let v = read(&lock.lock());
        assert!(
            v == 10 || v == 11,
            "blocking locker must always get in, got {v}"
        );
    });
}

/// Depth is per thread: while the main thread holds depth 2, another thread reads depth 0 and
/// its zero-timeout and past-deadline tries fail without blocking. (That they change nothing is
/// checked on the fields themselves by
/// `src/rlock.rs::tests::expired_timed_take_by_non_owner_changes_nothing`.)
#[test]
fn depth_is_per_thread_and_zero_timeout_is_one_try() {
    crate::model(|| {
        let lock = Arc::new(RLock::new(()));
        let a = lock.lock();
        let b = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            assert_eq!(other.depth(), 0, "another thread's depth leaked");
            assert!(
                other.lock_for(Duration::ZERO).is_none(),
                "entered a held lock"
            );
            assert!(
                other.lock_until(Instant::now()).is_none(),
                "entered a held lock"
            );
        });
        t.join().unwrap();
        assert_eq!(lock.depth(), 2);
        drop((a, b));
        assert_eq!(lock.depth(), 0);
    });
}

/// `lock_for(Duration::MAX)` waits forever, so, as for `lock`, the owner's guard drops are its
/// only wakers: the owner at depth 2 drops one guard (which must not let it in) and then the
/// last (which must wake it; a lost wake is a loom deadlock).
#[test]
fn blocked_lock_for_max_is_woken_by_the_last_guard_drop_alone() {
    crate::model(|| {
        let lock = Arc::new(Counter::new(UnsafeCell::new(0)));
        let outer = lock.lock();
        let inner = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            let g = other
                .lock_for(Duration::MAX)
                .expect("Duration::MAX must never time out");
            assert_eq!(read(&g), 1, "the new owner sees the old owner's write");
        });
        drop(outer);
        bump(&inner); // still exclusive after the first drop
        drop(inner);
        t.join().unwrap();
    });
}

/// Outcomes seen across all executions of a model (kept in a std static, which loom does not
/// track), for models that must reach every allowed outcome at least once. Call it inside
/// `crate::isolated::isolated`, so the model and the check of its outcomes share one process.
fn outcomes_of(
    model: impl Fn(&StdMutex<BTreeSet<&'static str>>) + Sync + Send + 'static,
) -> BTreeSet<&'static str> {
    let seen: &'static StdMutex<BTreeSet<&'static str>> = Box::leak(Box::default());
    loom::model(move || model(seen));
    seen.lock().unwrap().clone()
}

/// A timed `lock_until` by a non-owner while the owner holds depth 2 and then drops its guards
/// one by one: the drops are its only possible wakers. Under loom a timed wait may end at any
/// step, so it either gets the lock (only after the last drop: it sees both writes) or times out
/// (owning nothing); both must be explored.
#[test]
fn blocked_lock_until_is_woken_by_the_last_guard_drop_or_times_out() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let lock = Arc::new(Counter::new(UnsafeCell::new(0)));
            let outer = lock.lock();
            let inner = lock.lock();
            let other = Arc::clone(&lock);
            let far = Instant::now() + LONG;
            let t = thread::spawn(move || {
                let got = other.lock_until(far).map(|g| read(&g));
                assert_eq!(other.depth(), 0, "done either way: owns nothing");
                got
            });
            bump(&outer);
            drop(outer);
            bump(&inner); // still exclusive after the first drop
            drop(inner);
            let outcome = match t.join().unwrap() {
                Some(v) => {
                    assert_eq!(v, 2, "the new owner sees both of the old owner's writes");
                    "took the lock"
                }
                None => "timed out",
            };
            assert!(
                !lock.is_locked(),
                "lock left held after every guard dropped"
            );
            seen.lock().unwrap().insert(outcome);
        });
        assert_eq!(
            seen.len(),
            2,
            "the timed locker must both take the lock and time out across executions: {seen:?}"
        );
    });
}

/// Owned guards count as levels like borrowed ones: the owner holds an `ArcRLockGuard` and an
/// `RLockGuard`, and a non-owner blocked in `lock_arc` is woken by the last of the two drops
/// alone (a lost wake is a loom deadlock; an early hand-off is a race loom reports).
#[test]
fn blocked_lock_arc_is_woken_by_the_last_guard_drop_alone() {
    crate::model(|| {
        let lock = StdArc::new(Counter::new(UnsafeCell::new(0)));
        let owned = lock.lock_arc();
        let borrowed = lock.lock();
        let other = StdArc::clone(&lock);
        let t = thread::spawn(move || {
            let g = other.lock_arc();
            assert_eq!(read(&g), 1, "the new owner sees the old owner's write");
        });
        drop(owned);
        bump(&borrowed); // still exclusive after the owned guard's drop
        drop(borrowed);
        t.join().unwrap();
    });
}
