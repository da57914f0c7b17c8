//! Shuttle scenarios for `Semaphore` and `BoundedSemaphore`: 5–6 threads and more operations
//! than loom can search, under the random and PCT schedulers.

use shuttle::scheduler::PctScheduler;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicU32, Ordering::SeqCst};
use shuttle::{Config, Runner, check_pct, check_random, thread};
use std::time::Duration;
use weftsync::{ArcSemaphorePermit, BoundedSemaphore, Semaphore, SemaphorePermit};

const LIMIT: u32 = 3;

/// 6 threads × 3 operations on a semaphore of 3: blocking, try, timed, and 2-at-once acquires.
/// Permits in use never exceed the count, and every permit comes back.
fn permits_in_use_scenario() {
    let sem = Arc::new(Semaphore::new(LIMIT));
    let in_use = Arc::new(AtomicU32::new(0));
    let ts: Vec<_> = (0..6u32)
        .map(|i| {
            let (sem, in_use) = (Arc::clone(&sem), Arc::clone(&in_use));
            thread::spawn(move || {
                for k in 0..3u32 {
                    let p = match (i + k) % 4 {
                        0 => Some(sem.acquire()),
                        1 => sem.try_acquire(),
                        2 => sem.acquire_for(Duration::from_secs(1)),
                        _ => sem.acquire_many_for(2, Duration::from_secs(1)),
                    };
                    if let Some(p) = p {
                        let n = SemaphorePermit::permits(&p);
                        let now = in_use.fetch_add(n, SeqCst) + n;
                        assert!(now <= LIMIT, "{now} permits in use, more than {LIMIT}");
                        thread::yield_now();
                        in_use.fetch_sub(n, SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(
        sem.available_permits(),
        LIMIT,
        "a permit was lost or duplicated"
    );
}

/// Random scheduler, 2,000 iterations.
#[test]
fn permits_in_use_never_exceed_count_random() {
    crate::isolated(|| check_random(permits_in_use_scenario, 2_000));
}

/// PCT scheduler (depth 3), 2,000 iterations.
#[test]
fn permits_in_use_never_exceed_count_pct() {
    crate::isolated(|| check_pct(permits_in_use_scenario, 2_000, 3));
}

/// Semaphores as signals: 3 producers each release twice, 3 consumers each take twice (one of
/// them with a timeout, retried). Every signal is consumed once; no consumer sleeps for ever
/// (shuttle reports that as a deadlock).
fn signal_scenario() {
    let sem = Arc::new(Semaphore::new(0));
    let mut ts = Vec::new();
    for _ in 0..3 {
        let s = Arc::clone(&sem);
        ts.push(thread::spawn(move || {
            s.release(1);
            s.release(1);
        }));
    }
    for i in 0..3 {
        let s = Arc::clone(&sem);
        ts.push(thread::spawn(move || {
            for _ in 0..2 {
                let p = if i == 0 {
                    loop {
                        if let Some(p) = s.acquire_for(Duration::from_millis(1)) {
                            break p;
                        }
                    }
                } else {
                    s.acquire()
                };
                SemaphorePermit::forget(p);
            }
        }));
    }
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(sem.available_permits(), 0, "6 signals sent, 6 consumed");
}

/// Random scheduler, 2,000 iterations.
#[test]
fn signals_are_consumed_exactly_once_random() {
    crate::isolated(|| check_random(signal_scenario, 2_000));
}

/// PCT scheduler (depth 3), 2,000 iterations.
#[test]
fn signals_are_consumed_exactly_once_pct() {
    crate::isolated(|| check_pct(signal_scenario, 2_000, 3));
}

/// Bounded semaphore of 3, 5 threads: each takes a permit out with `forget` and gives one back
/// with `release` (which may fail if another thread returned the slack first), or holds a
/// guard, or over-releases on purpose. Acquires are timed: with permits forgotten and not
/// returned, a blocking acquire could rightly sleep for ever. The count never passes the limit, and at the end
/// `available + (forgotten - released) == limit`.
fn bounded_scenario() {
    let sem = Arc::new(BoundedSemaphore::new(LIMIT));
    let forgotten = Arc::new(AtomicU32::new(0));
    let released = Arc::new(AtomicU32::new(0));
    let ts: Vec<_> = (0..5u32)
        .map(|i| {
            let (sem, f, r) = (
                Arc::clone(&sem),
                Arc::clone(&forgotten),
                Arc::clone(&released),
            );
            thread::spawn(move || {
                for k in 0..2u32 {
                    match (i + k) % 3 {
                        0 => {
                            if let Some(p) = sem.acquire_for(Duration::from_secs(1)) {
                                SemaphorePermit::forget(p);
                                f.fetch_add(1, SeqCst);
                            }
                        }
                        // Timed, not blocking: forgotten permits may never come back.
                        1 => drop(sem.acquire_for(Duration::from_secs(1))),
                        _ => {
                            if sem.release(1).is_ok() {
                                r.fetch_add(1, SeqCst);
                            }
                        }
                    }
                    let now = sem.available_permits();
                    assert!(now <= LIMIT, "count {now} passed the limit {LIMIT}");
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    let (f, r) = (forgotten.load(SeqCst), released.load(SeqCst));
    assert!(r <= f, "{r} releases accepted for {f} forgotten permits");
    assert_eq!(
        sem.available_permits() + (f - r),
        LIMIT,
        "permits not conserved"
    );
}

/// Random scheduler, 2,000 iterations.
#[test]
fn bounded_count_never_passes_limit_random() {
    crate::isolated(|| check_random(bounded_scenario, 2_000));
}

/// PCT scheduler (depth 3), 2,000 iterations.
#[test]
fn bounded_count_never_passes_limit_pct() {
    crate::isolated(|| check_pct(bounded_scenario, 2_000, 3));
}

/// PCT with a deeper bug depth through the Runner API, 1,000 iterations.
#[test]
fn permits_in_use_never_exceed_count_pct_depth5() {
    crate::isolated(|| {
        let runner = Runner::new(PctScheduler::new(5, 1_000), Config::new());
        runner.run(permits_in_use_scenario);
    });
}

/// Owned permits cross threads: main takes all 3 as `ArcSemaphorePermit`s and hands each to a
/// thread of its own, which drops it there; meanwhile a blocking `acquire_many_arc(2)`, a
/// blocking `acquire_arc` and a timed `acquire_arc_for` wait, and only those drops (and each
/// other's) can wake them. Permits in use never exceed 3, every permit comes back, and every
/// `Arc` clone a permit held is released.
fn owned_permits_scenario() {
    let sem = std::sync::Arc::new(Semaphore::new(LIMIT));
    let in_use = Arc::new(AtomicU32::new(LIMIT));
    let took = |in_use: &AtomicU32, n: u32| {
        let now = in_use.fetch_add(n, SeqCst) + n;
        assert!(now <= LIMIT, "{now} permits in use, more than {LIMIT}");
    };
    let mut ts = Vec::new();
    for _ in 0..LIMIT {
        let (permit, in_use) = (sem.acquire_arc(), Arc::clone(&in_use));
        ts.push(thread::spawn(move || {
            thread::yield_now();
            in_use.fetch_sub(1, SeqCst);
            drop(permit);
        }));
    }
    for want in [2, 1, 0] {
        let (sem, in_use) = (std::sync::Arc::clone(&sem), Arc::clone(&in_use));
        ts.push(thread::spawn(move || {
            let p = match want {
                0 => sem.acquire_arc_for(Duration::from_secs(1)),
                n => Some(sem.acquire_many_arc(n)),
            };
            if let Some(p) = p {
                let n = ArcSemaphorePermit::permits(&p);
                took(&in_use, n);
                thread::yield_now();
                in_use.fetch_sub(n, SeqCst);
            }
        }));
    }
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(
        sem.available_permits(),
        LIMIT,
        "a permit was lost or duplicated"
    );
    assert_eq!(
        std::sync::Arc::strong_count(&sem),
        1,
        "a permit kept its Arc"
    );
}

/// Random scheduler, 2,000 iterations.
#[test]
fn owned_permits_handed_between_threads_are_conserved_random() {
    crate::isolated(|| check_random(owned_permits_scenario, 2_000));
}

/// PCT scheduler (depth 3), 2,000 iterations.
#[test]
fn owned_permits_handed_between_threads_are_conserved_pct() {
    crate::isolated(|| check_pct(owned_permits_scenario, 2_000, 3));
}
