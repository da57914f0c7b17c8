//! Loom models of `Semaphore`'s and `BoundedSemaphore`'s promises.
//! Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml). A model whose wait is never woken is
//! reported by loom as a deadlock: that is how a lost wake-up shows.

use crate::LONG;
use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering::Relaxed};
use loom::thread;
use std::time::Duration;
use weftsync::{ArcSemaphorePermit, BoundedSemaphore, Semaphore, SemaphorePermit};

/// The key race: an `acquire_for` sleeper gives up exactly as `release` gives the only permit.
/// Either the timed caller got the permit (and gives it back), or it timed out without taking
/// it; in both cases the blocked `acquire` still gets in (its wake is not swallowed by the
/// timed-out sleeper) and the permit count ends where it began.
#[test]
fn acquire_for_times_out_as_release_happens() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let timed = {
            let s = Arc::clone(&sem);
            thread::spawn(move || s.acquire_for(LONG).is_some())
        };
        let blocking = {
            let s = Arc::clone(&sem);
            thread::spawn(move || drop(s.acquire()))
        };
        sem.release(1);
        timed.join().unwrap();
        blocking.join().unwrap();
        assert_eq!(
            sem.available_permits(),
            1,
            "permits not conserved when a timeout raced a release"
        );
    });
}

/// A thread asleep for a permit is woken by a release from another thread (the signal use):
/// a lost wake-up would leave it asleep for ever, which loom reports as a deadlock.
#[test]
fn release_wakes_sleeper() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || SemaphorePermit::forget(s.acquire()));
        sem.release(1);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 0, "the signal was consumed once");
    });
}

/// Two sleepers that want different counts (2 and 1) and two releases (1, then 2): both get in.
/// Waking only as many sleepers as permits released could wake the one that wants 2 on the
/// first release and strand the permit the other one wanted.
#[test]
fn releases_wake_sleepers_wanting_different_counts() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let many = {
            let s = Arc::clone(&sem);
            thread::spawn(move || SemaphorePermit::forget(s.acquire_many(2)))
        };
        let one = {
            let s = Arc::clone(&sem);
            thread::spawn(move || SemaphorePermit::forget(s.acquire()))
        };
        sem.release(1);
        sem.release(2);
        many.join().unwrap();
        one.join().unwrap();
        assert_eq!(sem.available_permits(), 0, "3 released, 3 taken");
    });
}

/// Two acquirers, one permit: the permit-holders' critical sections never overlap (loom's
/// `UnsafeCell` checks the accesses), and the increments are exact.
#[test]
fn two_acquirers_one_permit_exclude() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let cell = Arc::new(UnsafeCell::new(0u32));
        let t = {
            let (s, c) = (Arc::clone(&sem), Arc::clone(&cell));
            thread::spawn(move || {
                let _p = s.acquire();
                // SAFETY: the single permit gives this thread exclusive access (what we check).
                c.with_mut(|p| unsafe { *p += 1 });
            })
        };
        {
            let _p = sem.acquire();
            // SAFETY: as above.
            cell.with_mut(|p| unsafe { *p += 1 });
        }
        t.join().unwrap();
        // SAFETY: both threads are done.
        let v = cell.with(|p| unsafe { *p });
        assert_eq!(v, 2, "an increment was lost: exclusion broken");
        assert_eq!(sem.available_permits(), 1);
    });
}

/// A bounded semaphore whose every permit is held by a guard rejects a `release`, whatever
/// the order against the guard's drop, and the drop never takes the count past its limit.
#[test]
fn bounded_over_release_rejected_racing_permit_drop() {
    crate::model(|| {
        let sem = Arc::new(BoundedSemaphore::new(1));
        let holder = {
            let s = Arc::clone(&sem);
            thread::spawn(move || drop(s.acquire()))
        };
        let r = sem.release(1);
        holder.join().unwrap();
        assert!(r.is_err(), "over-release accepted");
        assert_eq!(
            sem.available_permits(),
            1,
            "count passed or fell below the limit"
        );
    });
}

/// One permit forgotten, two threads race to give one back while a third acquires and drops:
/// exactly one release succeeds and the count ends at the limit.
#[test]
fn bounded_two_releases_race_one_forgotten_permit() {
    crate::model(|| {
        let sem = Arc::new(BoundedSemaphore::new(2));
        SemaphorePermit::forget(sem.acquire());
        let ok = Arc::new(AtomicU32::new(0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (s, ok) = (Arc::clone(&sem), Arc::clone(&ok));
                thread::spawn(move || {
                    if s.release(1).is_ok() {
                        ok.fetch_add(1, Relaxed);
                    }
                })
            })
            .collect();
        drop(sem.acquire());
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(
            ok.load(Relaxed),
            1,
            "exactly one release may return the one permit"
        );
        assert_eq!(sem.available_permits(), 2, "count must end at the limit");
    });
}

/// A zero timeout is one try: on an empty semaphore it fails without sleeping (loom would
/// report a deadlock if it slept with nobody to wake it).
#[test]
fn zero_timeout_is_one_try() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || s.acquire_for(Duration::ZERO).is_some());
        assert!(
            !t.join().unwrap(),
            "zero-timeout acquire succeeded on an empty semaphore"
        );
        sem.release(1);
        assert!(sem.acquire_for(Duration::ZERO).is_some());
    });
}

// Each blocking call with only its documented waker: no close, no drop of the semaphore, no
// other blocked thread whose wake it could ride on. A lost wake is a loom deadlock.

/// Main holds the only permit; the other thread's `acquire` sleeps, and only main's drop of the
/// permit can wake it.
#[test]
fn acquire_sleeps_until_the_only_permit_is_dropped() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.acquire();
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || SemaphorePermit::forget(s.acquire()));
        drop(held);
        t.join().unwrap();
        assert_eq!(
            sem.available_permits(),
            0,
            "the dropped permit was taken once"
        );
    });
}

/// `acquire_many(2)` on an empty semaphore: the first `release(1)` may wake it without
/// satisfying it, so it must announce itself again and sleep; only the second `release(1)` can
/// wake it then.
#[test]
fn acquire_many_sleeps_through_a_short_release_until_the_second() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || SemaphorePermit::forget(s.acquire_many(2)));
        sem.release(1);
        sem.release(1);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 0, "both permits taken together");
    });
}

/// `acquire_many(2)` with one permit free and one held by main: only the drop of main's permit
/// completes the count and can wake it.
#[test]
fn acquire_many_sleeps_until_a_permit_drop_completes_its_count() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(2));
        let held = sem.acquire();
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || SemaphorePermit::forget(s.acquire_many(2)));
        drop(held);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
    });
}

/// The owned permit: main takes it and moves it into a thread that drops it there; a second
/// thread's `acquire_arc` sleeps, and only that drop on the other thread can wake it.
#[test]
fn acquire_arc_sleeps_until_an_owned_permit_is_dropped_on_another_thread() {
    crate::model(|| {
        let sem = std::sync::Arc::new(Semaphore::new(1));
        let held = sem.acquire_arc();
        let dropper = thread::spawn(move || drop(held));
        let s = std::sync::Arc::clone(&sem);
        let waiter = thread::spawn(move || ArcSemaphorePermit::forget(s.acquire_arc()));
        dropper.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(
            sem.available_permits(),
            0,
            "the owned permit's give-back was taken once"
        );
    });
}

/// Bounded: main holds the only permit; only its drop can wake the other thread's `acquire`.
#[test]
fn bounded_acquire_sleeps_until_the_only_permit_is_dropped() {
    crate::model(|| {
        let sem = Arc::new(BoundedSemaphore::new(1));
        let held = sem.acquire();
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || drop(s.acquire()));
        drop(held);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
    });
}

/// Bounded: both permits forgotten; `acquire_many(2)` sleeps; main gives them back with two
/// `release(1)`, the first of which cannot satisfy it. Only the releases can wake it.
#[test]
fn bounded_acquire_many_sleeps_until_forgotten_permits_are_released() {
    crate::model(|| {
        let sem = Arc::new(BoundedSemaphore::new(2));
        SemaphorePermit::forget(sem.acquire_many(2));
        let s = Arc::clone(&sem);
        let t = thread::spawn(move || drop(s.acquire_many(2)));
        sem.release(1).unwrap();
        sem.release(1).unwrap();
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 2, "count back at the limit");
        assert!(sem.release(1).is_err(), "nothing left to give back");
    });
}

/// Bounded, owned and timed: `acquire_many_arc_for(2)` with one permit held by main. It either
/// takes both (woken by main's drop, the only waker) or times out having taken nothing; the
/// count ends at the limit either way.
#[test]
fn bounded_acquire_many_arc_for_times_out_or_is_woken_by_the_drop() {
    crate::model(|| {
        let sem = std::sync::Arc::new(BoundedSemaphore::new(2));
        let held = sem.acquire();
        let s = std::sync::Arc::clone(&sem);
        let t = thread::spawn(move || {
            s.acquire_many_arc_for(2, LONG)
                .map(|p| ArcSemaphorePermit::permits(&p))
        });
        drop(held);
        let got = t.join().unwrap();
        assert!(matches!(got, None | Some(2)), "all or none");
        assert_eq!(sem.available_permits(), 2, "permits not conserved");
    });
}
