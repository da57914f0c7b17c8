//! Loom models of `Lock`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).

use crate::LONG;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread;
use std::collections::BTreeSet;
use std::sync::{Arc as StdArc, Mutex as StdMutex};
use std::time::{Duration, Instant};
use weftsync::{Lock, LockGuard};

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

/// The only waker of a blocked `lock` is the guard drop: one holder, one locker, no timeout, no
/// third thread whose wake it could ride on. The locker blocks (or finds the lock free, when the
/// drop comes first); if the drop's wake were lost, loom reports a deadlock (every thread
/// blocked). The locker must also see the holder's write.
#[test]
fn blocked_lock_is_woken_by_the_guard_drop_alone() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(0u32));
        let mut guard = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            let g = other.lock();
            assert_eq!(*g, 1, "the next owner sees the holder's write");
        });
        *guard = 1;
        drop(guard);
        t.join().unwrap();
        assert!(
            !lock.is_locked(),
            "lock left held after both guards dropped"
        );
    });
}

/// `lock_for(Duration::MAX)` waits forever (no deadline fits an `Instant`), so its only waker
/// is the guard drop, as for `lock`: a lost wake is a loom deadlock.
#[test]
fn blocked_lock_for_max_is_woken_by_the_guard_drop_alone() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(()));
        let guard = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            let got = other.lock_for(Duration::MAX);
            assert!(got.is_some(), "Duration::MAX must never time out");
        });
        drop(guard);
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

/// A timed `lock_until` blocked on a held lock, with the guard drop as its only possible waker
/// (one holder, no third thread). Under loom a timed wait may end at any step, so the timed
/// locker either gets the lock (woken by the drop, or finding it free) or times out; both must
/// be explored. Getting it means seeing the holder's write; timing out means holding nothing,
/// so the holder can lock again at once.
#[test]
fn blocked_lock_until_is_woken_by_the_guard_drop_or_times_out() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let lock = Arc::new(Lock::new(0u32));
            let mut guard = lock.lock();
            let other = Arc::clone(&lock);
            let far = Instant::now() + LONG;
            let t = thread::spawn(move || other.lock_until(far).map(|g| *g));
            *guard = 1;
            drop(guard);
            let outcome = match t.join().unwrap() {
                Some(seen_value) => {
                    assert_eq!(seen_value, 1, "the next owner sees the holder's write");
                    "took the lock"
                }
                None => "timed out",
            };
            assert!(
                lock.try_lock().is_some(),
                "after the timed locker is done (either way) the lock is free"
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

/// The owned guard: a blocked `lock_arc` is woken by the drop of the holder's `ArcLockGuard`
/// alone (a lost wake is a loom deadlock), and the `Arc` the guard holds keeps the lock alive
/// after every other handle is gone.
#[test]
fn blocked_lock_arc_is_woken_by_the_arc_guard_drop_alone() {
    crate::model(|| {
        let lock = StdArc::new(Lock::new(0u32));
        let mut guard = lock.lock_arc();
        let other = StdArc::clone(&lock);
        let t = thread::spawn(move || {
            let g = other.lock_arc();
            assert_eq!(*g, 1, "the next owner sees the holder's write");
        });
        drop(lock); // the guard's own Arc keeps the lock alive
        *guard = 1;
        drop(guard);
        t.join().unwrap();
    });
}

/// A guard narrowed with `LockGuard::map` still holds the whole lock, and its drop alone wakes
/// a blocked `lock` (a lost wake is a loom deadlock; an early release shows as a race on the
/// value, which loom's cell tracking reports).
#[test]
fn blocked_lock_is_woken_by_the_mapped_guard_drop_alone() {
    crate::model(|| {
        let lock = Arc::new(Lock::new((0u32, 0u32)));
        let other = Arc::clone(&lock);
        let mut part = LockGuard::map(lock.lock(), |pair| &mut pair.1);
        let t = thread::spawn(move || {
            let g = other.lock();
            assert_eq!(
                *g,
                (0, 1),
                "the next owner sees the write made through the map"
            );
        });
        *part = 1;
        drop(part);
        t.join().unwrap();
    });
}

/// A `lock_for` that times out just as the owner unlocks must leave the lock usable: the
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
                if let Some(mut g) = l.lock_for(LONG) {
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

/// A zero timeout and a past deadline on a held lock: each fails, and the owner's lock is
/// untouched; on a free lock each takes it. (That a failed try leaves the word exactly as
/// `try_lock` does, with no spin, is checked on the word itself by
/// `src/lock.rs::tests::expired_timed_take_leaves_the_word_as_try_lock_does`.)
#[test]
fn zero_timeout_and_past_deadline_on_held_lock_fail_at_once() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(()));
        let entered = Arc::new(AtomicUsize::new(0));
        let g = lock.lock();
        let (l, e) = (Arc::clone(&lock), Arc::clone(&entered));
        let t = thread::spawn(move || {
            if l.lock_for(Duration::ZERO).is_some() {
                e.fetch_add(1, Relaxed);
            }
            if l.lock_until(Instant::now()).is_some() {
                e.fetch_add(1, Relaxed);
            }
        });
        t.join().unwrap();
        assert_eq!(
            entered.load(Relaxed),
            0,
            "a zero-timeout or past-deadline try succeeded on a held lock"
        );
        drop(g);
        assert!(lock.lock_for(Duration::ZERO).is_some());
        assert!(lock.lock_until(Instant::now()).is_some());
    });
}
