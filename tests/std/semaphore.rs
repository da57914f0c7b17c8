//! `Semaphore` and `BoundedSemaphore` on real threads: API checks, behaviour, property tests
//! against sequential models, and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use static_assertions::{assert_eq_size, assert_impl_all, const_assert};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{BoundedSemaphore, ReleaseError, Semaphore, SemaphorePermit};

// Semaphore: one 32-bit word (the issue allows 8 bytes); shareable and sendable.
assert_eq_size!(Semaphore, u32);
const_assert!(core::mem::size_of::<Semaphore>() <= 8);
assert_impl_all!(Semaphore: Send, Sync, core::fmt::Debug);
// BoundedSemaphore: the word, the slack word and the limit.
const_assert!(core::mem::size_of::<BoundedSemaphore>() <= 12);
assert_impl_all!(BoundedSemaphore: Send, Sync, core::fmt::Debug);
// A permit may be sent to and dropped on another thread.
assert_impl_all!(SemaphorePermit<'static>: Send, Sync, core::fmt::Debug);
assert_impl_all!(ReleaseError: Send, Sync, Copy, std::error::Error);

/// Scaled down under Miri, which runs threads thousands of times slower.
const STRESS_ITERS: u32 = if cfg!(miri) { 50 } else { 20_000 };

/// `const fn new`: both types can be statics.
static STATIC_SEM: Semaphore = Semaphore::new(1);
static STATIC_BOUNDED: BoundedSemaphore = BoundedSemaphore::new(1);

#[test]
fn new_is_const_and_usable_as_static() {
    watched(|| {
        drop(STATIC_SEM.acquire());
        drop(STATIC_BOUNDED.acquire());
        assert_eq!(STATIC_SEM.available_permits(), 1);
        assert_eq!(STATIC_BOUNDED.available_permits(), 1);
    });
}

#[test]
fn stress_permits_in_use_never_exceed_count() {
    watched(|| {
        const LIMIT: u32 = 2;
        let sem = Semaphore::new(LIMIT);
        let in_use = AtomicU32::new(0);
        let taken = AtomicU64::new(0);
        std::thread::scope(|s| {
            for i in 0..4u32 {
                let (sem, in_use, taken) = (&sem, &in_use, &taken);
                s.spawn(move || {
                    for k in 0..STRESS_ITERS {
                        let p = match (i + k) % 5 {
                            0 | 1 => Some(sem.acquire()),
                            2 => sem.try_acquire(),
                            3 => sem.acquire_for(Duration::from_micros(50)),
                            _ => sem.acquire_many_for(2, Duration::from_micros(50)),
                        };
                        if let Some(p) = p {
                            let n = SemaphorePermit::permits(&p);
                            let now = in_use.fetch_add(n, SeqCst) + n;
                            assert!(now <= LIMIT, "{now} permits in use, more than {LIMIT}");
                            taken.fetch_add(1, SeqCst);
                            in_use.fetch_sub(n, SeqCst);
                        }
                    }
                });
            }
        });
        assert!(taken.load(SeqCst) > 0);
        assert_eq!(
            sem.available_permits(),
            LIMIT,
            "a permit was lost or duplicated"
        );
    });
}

#[test]
fn stress_ping_pong_signals_are_never_lost() {
    watched(|| {
        let (ping, pong) = (Semaphore::new(0), Semaphore::new(0));
        let rounds = STRESS_ITERS;
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..rounds {
                    SemaphorePermit::forget(ping.acquire());
                    pong.release(1);
                }
            });
            for _ in 0..rounds {
                ping.release(1);
                SemaphorePermit::forget(pong.acquire());
            }
        });
        assert_eq!(
            (ping.available_permits(), pong.available_permits()),
            (0, 0),
            "every signal consumed exactly once"
        );
    });
}

#[test]
fn stress_bounded_count_never_passes_limit() {
    watched(|| {
        const LIMIT: u32 = 3;
        let sem = BoundedSemaphore::new(LIMIT);
        let (forgotten, released) = (AtomicU32::new(0), AtomicU32::new(0));
        let iters = STRESS_ITERS / 4;
        std::thread::scope(|s| {
            for i in 0..4u32 {
                let (sem, f, r) = (&sem, &forgotten, &released);
                s.spawn(move || {
                    for k in 0..iters {
                        match (i + k) % 3 {
                            0 => {
                                if let Some(p) = sem.try_acquire() {
                                    SemaphorePermit::forget(p);
                                    f.fetch_add(1, SeqCst);
                                }
                            }
                            1 => drop(sem.acquire_for(Duration::from_micros(20))),
                            _ => {
                                if sem.release(1).is_ok() {
                                    r.fetch_add(1, SeqCst);
                                }
                            }
                        }
                        let now = sem.available_permits();
                        assert!(now <= LIMIT, "count {now} passed the limit {LIMIT}");
                    }
                });
            }
        });
        let (f, r) = (forgotten.load(SeqCst), released.load(SeqCst));
        assert_eq!(
            sem.available_permits() + (f - r),
            LIMIT,
            "permits not conserved"
        );
    });
}

#[test]
fn release_wakes_every_sleeper_it_can_satisfy() {
    watched(|| {
        let sem = Semaphore::new(0);
        let done = AtomicU32::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    SemaphorePermit::forget(sem.acquire());
                    done.fetch_add(1, SeqCst);
                });
            }
            sem.release(3);
        });
        assert_eq!(
            done.load(SeqCst),
            3,
            "release(3) must let 3 sleepers through"
        );
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn acquire_many_is_all_or_none() {
    watched(|| {
        let sem = Semaphore::new(2);
        assert!(sem.try_acquire_many(3).is_none());
        assert!(sem.acquire_many_for(3, Duration::from_millis(5)).is_none());
        assert_eq!(
            sem.available_permits(),
            2,
            "a failed acquire_many took permits"
        );
        let got = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let p = sem.acquire_many(3);
                assert_eq!(SemaphorePermit::permits(&p), 3);
                got.store(true, SeqCst);
                SemaphorePermit::forget(p);
            });
            sem.release(1);
        });
        assert!(got.load(SeqCst));
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn zero_permits_request_succeeds_at_once() {
    watched(|| {
        let sem = Semaphore::new(0);
        let p = sem.acquire_many(0);
        assert_eq!(SemaphorePermit::permits(&p), 0);
        drop(p);
        assert!(sem.try_acquire_many(0).is_some());
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn acquire_for_times_out_when_empty() {
    watched(|| {
        let sem = Semaphore::new(0);
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert!(sem.acquire_for(Duration::from_millis(50)).is_none());
        });
        assert_eq!(
            sem.available_permits(),
            0,
            "a timed-out acquire changed the count"
        );
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_try() {
    watched(|| {
        let sem = Semaphore::new(1);
        let past = Instant::now() - Duration::from_millis(1);
        let p = sem
            .acquire_until(past)
            .expect("a free permit is taken even with a past deadline");
        assert!(sem.acquire_for(Duration::ZERO).is_none());
        assert!(sem.acquire_until(past).is_none());
        assert!(sem.acquire_many_for(1, Duration::ZERO).is_none());
        drop(p);
        assert!(sem.acquire_for(Duration::ZERO).is_some());
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let sem = Semaphore::new(0);
        let started = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                started.store(true, SeqCst);
                let p = sem.acquire_for(Duration::MAX);
                SemaphorePermit::forget(p.expect("Duration::MAX must mean wait forever"));
            });
            while !started.load(SeqCst) {
                std::thread::yield_now();
            }
            sem.release(1);
        });
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
#[should_panic(expected = "cannot acquire 2147483648 permits")]
fn request_more_than_max_panics() {
    let sem = Semaphore::new(0);
    let _ = sem.try_acquire_many(Semaphore::MAX_PERMITS + 1);
}

#[test]
#[should_panic(
    expected = "cannot acquire 3 permits from a semaphore that can never hold more than 2"
)]
fn bounded_request_more_than_limit_panics() {
    watched(|| {
        let sem = BoundedSemaphore::new(2);
        let _ = sem.acquire_many_for(3, Duration::from_secs(1));
    });
}

#[test]
#[should_panic(expected = "more than MAX_PERMITS")]
fn new_with_more_than_max_panics() {
    let _ = Semaphore::new(std::hint::black_box(u32::MAX));
}

#[test]
fn release_past_max_panics_and_changes_nothing() {
    let sem = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    let r = catch_unwind(AssertUnwindSafe(|| sem.release(2)));
    assert!(r.is_err(), "release past MAX_PERMITS must panic");
    assert_eq!(
        sem.available_permits(),
        Semaphore::MAX_PERMITS - 1,
        "a failed release changed the count"
    );
    let e = sem.try_release(2).unwrap_err();
    assert_eq!((e.requested(), e.limit()), (2, Semaphore::MAX_PERMITS));
    sem.release(1);
    assert_eq!(
        sem.available_permits(),
        Semaphore::MAX_PERMITS,
        "no wrap at the top"
    );
}

#[test]
fn bounded_over_release_errors_and_changes_nothing() {
    watched(|| {
        let sem = BoundedSemaphore::new(2);
        let held = sem.acquire();
        let e = sem.release(1).unwrap_err();
        assert_eq!(
            sem.available_permits(),
            1,
            "a rejected release changed the count"
        );
        assert_eq!(
            e.to_string(),
            "semaphore released too many times: releasing 1 permit(s) would pass its limit of 2"
        );
        drop(held);
        assert_eq!(
            sem.available_permits(),
            2,
            "a guard's drop always gives back"
        );
        assert!(sem.release(0).is_ok(), "releasing nothing never fails");
    });
}

#[test]
fn bounded_release_returns_forgotten_permits() {
    watched(|| {
        let sem = BoundedSemaphore::new(3);
        SemaphorePermit::forget(sem.acquire_many(2));
        assert_eq!(sem.available_permits(), 1);
        assert!(sem.release(3).is_err(), "only 2 are out");
        sem.release(1).unwrap();
        sem.release(1).unwrap();
        assert!(sem.release(1).is_err());
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn bounded_release_from_another_thread_wakes_sleeper() {
    watched(|| {
        let sem = BoundedSemaphore::new(1);
        SemaphorePermit::forget(sem.acquire());
        std::thread::scope(|s| {
            s.spawn(|| drop(sem.acquire()));
            sem.release(1).unwrap();
        });
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn panic_while_holding_permit_gives_it_back() {
    watched(|| {
        let sem = Arc::new(Semaphore::new(1));
        let s = Arc::clone(&sem);
        let r = std::thread::spawn(move || {
            let _p = s.acquire();
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert_eq!(
            sem.available_permits(),
            1,
            "a panic while holding a permit must give it back"
        );
    });
}

#[test]
fn permit_dropped_on_another_thread_gives_back() {
    watched(|| {
        let sem = Semaphore::new(1);
        let p = sem.acquire();
        std::thread::scope(|s| {
            s.spawn(move || drop(p));
        });
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let sem = Semaphore::new(0);
        assert_eq!(format!("{sem:?}"), "Semaphore { available: 0, .. }");
        let b = BoundedSemaphore::new(2);
        let p = b.acquire();
        assert_eq!(
            format!("{b:?}"),
            "BoundedSemaphore { available: 1, limit: 2, .. }"
        );
        assert_eq!(format!("{p:?}"), "SemaphorePermit { permits: 1, .. }");
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// Blocking acquire of n; issued only when the model says n are available.
    Acquire(u32, usize),
    TryAcquire(u32, usize),
    ZeroTimeout(u32, usize),
    Drop(usize),
    Forget(usize),
    Release(u32),
    Available,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4u32, 0..3usize).prop_map(|(n, s)| Op::Acquire(n, s)),
        (0..4u32, 0..3usize).prop_map(|(n, s)| Op::TryAcquire(n, s)),
        (0..4u32, 0..3usize).prop_map(|(n, s)| Op::ZeroTimeout(n, s)),
        (0..3usize).prop_map(Op::Drop),
        (0..3usize).prop_map(Op::Forget),
        (0..4u32).prop_map(Op::Release),
        Just(Op::Available),
    ]
}

/// Initial counts: small ones, and ones next to `MAX_PERMITS` to reach the overflow edge.
fn initial() -> impl Strategy<Value = u32> {
    prop_oneof![
        0..5u32,
        (Semaphore::MAX_PERMITS - 4)..=Semaphore::MAX_PERMITS
    ]
}

// Sequential-model scripts: plain `cargo test` runs them (256 cases); under Miri, whose
// value is the unsafe paths, the behaviour and stress tests cover those and this is skipped.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// One thread, three permit slots: the count always equals the model's; an acquire
    /// succeeds iff the model has enough; a release past `MAX_PERMITS` errors and changes
    /// nothing; forgotten permits never come back.
    #[test]
    fn semaphore_count_matches_sequential_model(
        init in initial(),
        ops in proptest::collection::vec(op(), 0..64),
    ) {
        watched(move || {
            let sem = Semaphore::new(init);
            let mut model = u64::from(init);
            let mut slots: [Option<SemaphorePermit<'_>>; 3] = [None, None, None];
            for op in ops {
                match op {
                    Op::Acquire(n, i) | Op::TryAcquire(n, i) | Op::ZeroTimeout(n, i) => {
                        if slots[i].is_some() {
                            continue; // dropping it here would mix two ops in one
                        }
                        let enough = model >= u64::from(n);
                        let got = match op {
                            Op::Acquire(..) if enough => Some(sem.acquire_many(n)),
                            Op::Acquire(..) | Op::TryAcquire(..) => sem.try_acquire_many(n),
                            _ => sem.acquire_many_for(n, Duration::ZERO),
                        };
                        prop_assert_eq!(got.is_some(), enough, "acquire succeeds iff enough");
                        if got.is_some() {
                            model -= u64::from(n);
                        }
                        slots[i] = got;
                    }
                    Op::Drop(i) => {
                        if let Some(p) = slots[i].take() {
                            let n = SemaphorePermit::permits(&p);
                            if model + u64::from(n) > u64::from(Semaphore::MAX_PERMITS) {
                                // Giving back would pass MAX_PERMITS (a release overfilled it): the
                                // drop would panic; keep the model simple and forget instead.
                                SemaphorePermit::forget(p);
                            } else {
                                drop(p);
                                model += u64::from(n);
                            }
                        }
                    }
                    Op::Forget(i) => {
                        if let Some(p) = slots[i].take() {
                            SemaphorePermit::forget(p);
                        }
                    }
                    Op::Release(n) => {
                        let fits = model + u64::from(n) <= u64::from(Semaphore::MAX_PERMITS);
                        let r = sem.try_release(n);
                        prop_assert_eq!(r.is_ok(), fits, "release errs iff it would pass MAX");
                        if fits {
                            model += u64::from(n);
                        }
                    }
                    Op::Available => {}
                }
                prop_assert_eq!(u64::from(sem.available_permits()), model, "count drifted");
            }
            for p in slots.into_iter().flatten() {
                SemaphorePermit::forget(p);
            }
            prop_assert_eq!(u64::from(sem.available_permits()), model);
            Ok(())
        })?;
    }

    /// The same script on a bounded semaphore: `release(n)` errs iff fewer than `n` permits
    /// were taken out with `forget` and not yet returned, and an error changes nothing; the
    /// count never passes the limit.
    #[test]
    fn bounded_errors_match_sequential_model(
        limit in 0..6u32,
        ops in proptest::collection::vec(op(), 0..64),
    ) {
        watched(move || {
            let sem = BoundedSemaphore::new(limit);
            let (mut count, mut slack) = (limit, 0u32);
            let mut slots: [Option<SemaphorePermit<'_>>; 3] = [None, None, None];
            for op in ops {
                match op {
                    Op::Acquire(n, i) | Op::TryAcquire(n, i) | Op::ZeroTimeout(n, i) => {
                        if slots[i].is_some() || n > limit {
                            continue; // n > limit panics: checked by a test of its own
                        }
                        let enough = count >= n;
                        let got = match op {
                            Op::Acquire(..) if enough => Some(sem.acquire_many(n)),
                            Op::Acquire(..) | Op::TryAcquire(..) => sem.try_acquire_many(n),
                            _ => sem.acquire_many_for(n, Duration::ZERO),
                        };
                        prop_assert_eq!(got.is_some(), enough, "acquire succeeds iff enough");
                        if got.is_some() {
                            count -= n;
                        }
                        slots[i] = got;
                    }
                    Op::Drop(i) => {
                        if let Some(p) = slots[i].take() {
                            count += SemaphorePermit::permits(&p);
                        }
                    }
                    Op::Forget(i) => {
                        if let Some(p) = slots[i].take() {
                            slack += SemaphorePermit::permits(&p);
                            SemaphorePermit::forget(p);
                        }
                    }
                    Op::Release(n) => {
                        let r = sem.release(n);
                        prop_assert_eq!(r.is_ok(), n <= slack, "release errs iff too few are out");
                        if let Err(e) = r {
                            prop_assert_eq!((e.requested(), e.limit()), (n, limit));
                        } else {
                            slack -= n;
                            count += n;
                        }
                    }
                    Op::Available => {}
                }
                prop_assert_eq!(sem.available_permits(), count, "count drifted");
                prop_assert!(count <= limit, "count passed the limit");
            }
            Ok(())
        })?;
    }
}
