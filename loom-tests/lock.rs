//! Loom models of `Lock`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread;
use std::time::Duration;
use weftsync::Lock;

/// Two threads increment under the lock: the final count is exact, and loom's `UnsafeCell`
/// checking proves the two critical sections never overlap.
#[test]
fn exclusion_two_threads() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(0u32));
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || *other.lock() += 1);
        *lock.lock() += 1;
        t.join().unwrap();
        assert_eq!(*lock.lock(), 2, "an increment was lost: exclusion broken");
    });
}

/// Three threads: the third forces the CONTENDED state with a sleeper while another waits.
#[test]
fn exclusion_three_threads() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(0u32));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let l = Arc::clone(&lock);
                thread::spawn(move || *l.lock() += 1)
            })
            .collect();
        *lock.lock() += 1;
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(*lock.lock(), 3, "an increment was lost: exclusion broken");
    });
}

/// A thread that sleeps on the lock is woken by the unlock: if the wake were lost, loom would
/// report a deadlock (every thread blocked).
#[test]
fn unlock_wakes_sleeper() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(()));
        let guard = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || drop(other.lock()));
        drop(guard);
        t.join().unwrap();
        assert!(
            !lock.is_locked(),
            "lock left held after both guards dropped"
        );
    });
}

/// A `try_lock_for` that times out just as the owner unlocks must leave the lock usable: the
/// third thread, blocked without a timeout, still gets the lock (no lost wake-up), and a timed-out
/// caller never holds the lock.
#[test]
fn timeout_racing_unlock_leaves_lock_usable() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(0u32));
        let guard = lock.lock();
        let timed = {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                if let Some(mut g) = l.try_lock_for(Duration::from_secs(5)) {
                    *g += 1;
                }
            })
        };
        let blocking = {
            let l = Arc::clone(&lock);
            thread::spawn(move || *l.lock() += 10)
        };
        drop(guard);
        timed.join().unwrap();
        blocking.join().unwrap();
        let v = *lock.lock();
        assert!(
            v == 10 || v == 11,
            "blocking locker must always get in, got {v}"
        );
    });
}

/// Zero timeout is one try: it fails on a held lock without sleeping, and succeeds on a free one.
#[test]
fn zero_timeout_is_one_try() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(()));
        let entered = Arc::new(AtomicUsize::new(0));
        let g = lock.lock();
        let (l, e) = (Arc::clone(&lock), Arc::clone(&entered));
        let t = thread::spawn(move || {
            if l.try_lock_for(Duration::ZERO).is_some() {
                e.fetch_add(1, Relaxed);
            }
        });
        t.join().unwrap();
        assert_eq!(
            entered.load(Relaxed),
            0,
            "zero-timeout try succeeded on a held lock"
        );
        drop(g);
        assert!(lock.try_lock_for(Duration::ZERO).is_some());
    });
}
