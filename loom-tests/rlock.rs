//! Loom models of `RLock`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! The protected value is a `loom::cell::UnsafeCell`, so loom reports any two accesses from
//! different threads that are not ordered by the lock: a direct check of exclusion and of the
//! happens-before edge from one owner's last guard to the next owner.

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;
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

/// The owner holds two guards; a second thread blocks in `lock`. Dropping the first guard must
/// not let it in (the owner still writes through the second guard, and loom would flag the
/// overlap); dropping the last one must wake it (a lost wake-up shows as a loom deadlock).
#[test]
fn handoff_waits_for_last_guard() {
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

/// A `try_lock_for` that times out just as the owner drops its last guard leaves the lock
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
                if let Some(g) = l.try_lock_for(Duration::from_secs(5)) {
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
/// its zero-timeout try fails without blocking.
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
                other.try_lock_for(Duration::ZERO).is_none(),
                "entered a held lock"
            );
        });
        t.join().unwrap();
        assert_eq!(lock.depth(), 2);
        drop((a, b));
        assert_eq!(lock.depth(), 0);
    });
}
