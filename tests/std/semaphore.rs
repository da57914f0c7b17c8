//! `Semaphore` and `BoundedSemaphore` on real threads: API checks, behaviour, property tests
//! against sequential models, and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{ArcSemaphorePermit, BoundedSemaphore, Semaphore, SemaphorePermit};

// Sizes and auto traits are pinned in tests/std/api.rs.

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
    let e = sem.checked_release(2).unwrap_err();
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
        let owned = Arc::new(Semaphore::new(3)).acquire_many_arc(2);
        assert_eq!(
            format!("{owned:?}"),
            "ArcSemaphorePermit { permits: 2, .. }"
        );
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
    /// nothing; a drop past it saturates; forgotten permits never come back.
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
                            // A drop never panics: past MAX_PERMITS (a release overfilled the
                            // count) it stops there and discards the excess.
                            let n = SemaphorePermit::permits(&p);
                            drop(p);
                            model = (model + u64::from(n)).min(u64::from(Semaphore::MAX_PERMITS));
                        }
                    }
                    Op::Forget(i) => {
                        if let Some(p) = slots[i].take() {
                            SemaphorePermit::forget(p);
                        }
                    }
                    Op::Release(n) => {
                        let fits = model + u64::from(n) <= u64::from(Semaphore::MAX_PERMITS);
                        let r = sem.checked_release(n);
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

/// Issue 8: a permit's drop panicked when an unmatched `release` had already filled the count to
/// `MAX_PERMITS`. Now the count stops at `MAX_PERMITS` and the excess is discarded, for the
/// borrowed and the owned permit alike.
#[test]
fn permit_drop_at_max_permits_saturates_and_never_panics() {
    watched(|| {
        let sem = Arc::new(Semaphore::new(Semaphore::MAX_PERMITS));
        let (borrowed, owned) = (sem.acquire_many(2), sem.acquire_arc());
        sem.release(3); // unmatched: fills the count to MAX_PERMITS
        assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
        drop(borrowed);
        assert_eq!(
            sem.available_permits(),
            Semaphore::MAX_PERMITS,
            "a permit's drop past MAX_PERMITS must saturate, not panic or wrap"
        );
        drop(owned);
        assert_eq!(
            sem.available_permits(),
            Semaphore::MAX_PERMITS,
            "an owned permit's drop past MAX_PERMITS must saturate, not panic or wrap"
        );
        let p = sem.acquire();
        drop(p);
        assert_eq!(
            sem.available_permits(),
            Semaphore::MAX_PERMITS,
            "still usable"
        );
    });
}

/// The same drop while the thread unwinds from a panic. A panic in that drop would abort the
/// whole test process ("panic in a destructor during cleanup", naming this test's thread), so
/// this test fails by aborting if the drop ever panics again.
#[test]
fn permit_drop_at_max_permits_during_unwinding_does_not_abort() {
    watched(|| {
        let sem = Arc::new(Semaphore::new(Semaphore::MAX_PERMITS));
        let r = catch_unwind(AssertUnwindSafe(|| {
            let _borrowed = sem.acquire();
            let _owned = sem.acquire_arc();
            sem.release(2); // unmatched: fills the count to MAX_PERMITS
            panic!("user code panics while holding permits");
        }));
        assert!(r.is_err(), "the closure panics");
        assert_eq!(
            sem.available_permits(),
            Semaphore::MAX_PERMITS,
            "the permits' drops during unwinding saturate at MAX_PERMITS"
        );
    });
}

/// Mutation gap (issue 8): `try_acquire` returning `None` at once survived; it must succeed on
/// a free semaphore of either type, and take exactly one permit.
#[test]
fn try_acquire_succeeds_on_a_free_semaphore() {
    watched(|| {
        let sem = Semaphore::new(2);
        let p = sem
            .try_acquire()
            .expect("try_acquire must succeed on a free Semaphore");
        assert_eq!(
            (SemaphorePermit::permits(&p), sem.available_permits()),
            (1, 1)
        );
        drop(p);
        let bounded = BoundedSemaphore::new(2);
        let p = bounded
            .try_acquire()
            .expect("try_acquire must succeed on a free BoundedSemaphore");
        assert_eq!(
            (SemaphorePermit::permits(&p), bounded.available_permits()),
            (1, 1)
        );
        drop(p);
        assert_eq!(bounded.available_permits(), 2);
    });
}

/// Mutation gap (issue 8): `BoundedSemaphore`'s timed forms returning `None` at once survived;
/// each succeeds on a free semaphore, with a future deadline and with a zero / past one (one
/// try), and takes exactly its permits.
#[test]
fn bounded_timed_forms_succeed_on_a_free_semaphore() {
    watched(|| {
        type Form = fn(&BoundedSemaphore) -> Option<SemaphorePermit<'_>>;
        let forms: [(&str, u32, Form); 8] = [
            ("acquire_for(10 s)", 1, |s| {
                s.acquire_for(Duration::from_secs(10))
            }),
            ("acquire_for(0)", 1, |s| s.acquire_for(Duration::ZERO)),
            ("acquire_until(future)", 1, |s| {
                s.acquire_until(Instant::now() + Duration::from_secs(10))
            }),
            ("acquire_until(past)", 1, |s| {
                s.acquire_until(Instant::now() - Duration::from_millis(1))
            }),
            ("acquire_many_for(3, 10 s)", 3, |s| {
                s.acquire_many_for(3, Duration::from_secs(10))
            }),
            ("acquire_many_for(3, 0)", 3, |s| {
                s.acquire_many_for(3, Duration::ZERO)
            }),
            ("acquire_many_until(3, future)", 3, |s| {
                s.acquire_many_until(3, Instant::now() + Duration::from_secs(10))
            }),
            ("acquire_many_until(3, past)", 3, |s| {
                s.acquire_many_until(3, Instant::now() - Duration::from_millis(1))
            }),
        ];
        let sem = BoundedSemaphore::new(3);
        for (what, n, form) in forms {
            let p =
                form(&sem).unwrap_or_else(|| panic!("{what} failed on a free BoundedSemaphore"));
            assert_eq!(
                (SemaphorePermit::permits(&p), sem.available_permits()),
                (n, 3 - n),
                "{what} must take exactly {n} of 3 free permits"
            );
            drop(p);
            assert_eq!(sem.available_permits(), 3, "{what}: the drop gives back");
        }
    });
}

/// Mutation gap (issue 8): `limit()` was never checked. It is the initial count, whatever
/// happens to the count after.
#[test]
fn bounded_limit_is_the_initial_count() {
    watched(|| {
        for n in [0, 1, 7, Semaphore::MAX_PERMITS] {
            let sem = BoundedSemaphore::new(n);
            assert_eq!(sem.limit(), n, "limit() must be the initial count {n}");
            if n > 0 {
                SemaphorePermit::forget(sem.acquire());
                assert_eq!(sem.limit(), n, "taking a permit must not change limit()");
            }
        }
    });
}

#[test]
#[should_panic(
    expected = "cannot acquire 1 permits from a semaphore that can never hold more than 0"
)]
fn bounded_acquire_on_zero_limit_panics() {
    let _ = BoundedSemaphore::new(0).try_acquire();
}

/// `checked_release` adds like `release` and errs (changing nothing) where `release` panics.
#[test]
fn checked_release_errs_where_release_would_panic() {
    watched(|| {
        let sem = Semaphore::new(Semaphore::MAX_PERMITS - 3);
        assert!(
            sem.checked_release(0).is_ok(),
            "releasing nothing never fails"
        );
        assert!(sem.checked_release(2).is_ok());
        let e = sem.checked_release(2).unwrap_err();
        assert_eq!((e.requested(), e.limit()), (2, Semaphore::MAX_PERMITS));
        assert_eq!(
            sem.available_permits(),
            Semaphore::MAX_PERMITS - 1,
            "a refused checked_release changed the count"
        );
    });
}

/// The owned permit: it is `Send + 'static`, so it moves into a spawned (not scoped) thread,
/// and its drop there gives the permits back and releases the `Arc`.
#[test]
fn arc_permit_moves_into_a_spawned_thread_and_gives_back_there() {
    watched(|| {
        let sem = Arc::new(Semaphore::new(2));
        let bounded = Arc::new(BoundedSemaphore::new(2));
        let (a, b) = (sem.acquire_many_arc(2), bounded.acquire_arc());
        assert_eq!(
            (sem.available_permits(), bounded.available_permits()),
            (0, 1)
        );
        std::thread::spawn(move || {
            assert_eq!(ArcSemaphorePermit::permits(&a), 2);
            drop((a, b));
        })
        .join()
        .unwrap();
        assert_eq!(
            (sem.available_permits(), bounded.available_permits()),
            (2, 2)
        );
        assert_eq!(
            (Arc::strong_count(&sem), Arc::strong_count(&bounded)),
            (1, 1),
            "a dropped owned permit must release its Arc"
        );
    });
}

/// Every owned form takes what its borrowed twin takes on a free semaphore, fails where it
/// fails (one permit short; the timed forms wait 1 ms), and gives back on drop, on both types.
#[test]
fn arc_forms_take_and_give_back_like_borrowed_ones() {
    watched(|| {
        type Form<S> = fn(&Arc<S>) -> Option<ArcSemaphorePermit>;
        let plain: [(&str, u32, Form<Semaphore>); 8] = [
            ("acquire_arc", 1, |s| Some(s.acquire_arc())),
            ("try_acquire_arc", 1, |s| s.try_acquire_arc()),
            ("acquire_arc_for", 1, |s| {
                s.acquire_arc_for(Duration::from_millis(1))
            }),
            ("acquire_arc_until", 1, |s| {
                s.acquire_arc_until(Instant::now() + Duration::from_millis(1))
            }),
            ("acquire_many_arc", 2, |s| Some(s.acquire_many_arc(2))),
            ("try_acquire_many_arc", 2, |s| s.try_acquire_many_arc(2)),
            ("acquire_many_arc_for", 2, |s| {
                s.acquire_many_arc_for(2, Duration::from_millis(1))
            }),
            ("acquire_many_arc_until", 2, |s| {
                s.acquire_many_arc_until(2, Instant::now() + Duration::from_millis(1))
            }),
        ];
        let bounded: [(&str, u32, Form<BoundedSemaphore>); 8] = [
            ("acquire_arc", 1, |s| Some(s.acquire_arc())),
            ("try_acquire_arc", 1, |s| s.try_acquire_arc()),
            ("acquire_arc_for", 1, |s| {
                s.acquire_arc_for(Duration::from_millis(1))
            }),
            ("acquire_arc_until", 1, |s| {
                s.acquire_arc_until(Instant::now() + Duration::from_millis(1))
            }),
            ("acquire_many_arc", 2, |s| Some(s.acquire_many_arc(2))),
            ("try_acquire_many_arc", 2, |s| s.try_acquire_many_arc(2)),
            ("acquire_many_arc_for", 2, |s| {
                s.acquire_many_arc_for(2, Duration::from_millis(1))
            }),
            ("acquire_many_arc_until", 2, |s| {
                s.acquire_many_arc_until(2, Instant::now() + Duration::from_millis(1))
            }),
        ];
        let sem = Arc::new(Semaphore::new(2));
        for (what, n, form) in plain {
            let p = form(&sem).unwrap_or_else(|| panic!("Semaphore::{what} failed when free"));
            assert_eq!(
                (ArcSemaphorePermit::permits(&p), sem.available_permits()),
                (n, 2 - n),
                "Semaphore::{what} must take exactly {n}"
            );
            assert_eq!(Arc::strong_count(&sem), 2, "the permit holds the Arc");
            drop(p);
            assert_eq!(
                sem.available_permits(),
                2,
                "Semaphore::{what}: the drop gives back"
            );
            // One short: the non-blocking and timed forms fail and take nothing.
            let hold = sem.acquire_many(3 - n);
            if !matches!(what, "acquire_arc" | "acquire_many_arc") {
                assert!(
                    form(&sem).is_none(),
                    "Semaphore::{what} succeeded one short"
                );
            }
            drop(hold);
        }
        let sem = Arc::new(BoundedSemaphore::new(2));
        for (what, n, form) in bounded {
            let p =
                form(&sem).unwrap_or_else(|| panic!("BoundedSemaphore::{what} failed when free"));
            assert_eq!(
                (ArcSemaphorePermit::permits(&p), sem.available_permits()),
                (n, 2 - n),
                "BoundedSemaphore::{what} must take exactly {n}"
            );
            drop(p);
            assert_eq!(
                sem.available_permits(),
                2,
                "BoundedSemaphore::{what}: the drop gives back"
            );
            assert!(
                sem.release(1).is_err(),
                "a dropped permit is not released twice"
            );
            let hold = sem.acquire_many(3 - n);
            if !matches!(what, "acquire_arc" | "acquire_many_arc") {
                assert!(
                    form(&sem).is_none(),
                    "BoundedSemaphore::{what} succeeded one short"
                );
            }
            drop(hold);
        }
    });
}

/// Forgetting an owned permit keeps its permits out but releases the `Arc`; on a bounded
/// semaphore the forgotten permits may then come back through `release`, and no more.
#[test]
fn arc_permit_forget_keeps_permits_out_and_releases_the_arc() {
    watched(|| {
        let sem = Arc::new(Semaphore::new(2));
        ArcSemaphorePermit::forget(sem.acquire_arc());
        assert_eq!((sem.available_permits(), Arc::strong_count(&sem)), (1, 1));
        let bounded = Arc::new(BoundedSemaphore::new(3));
        ArcSemaphorePermit::forget(bounded.acquire_many_arc(2));
        assert_eq!(
            (bounded.available_permits(), Arc::strong_count(&bounded)),
            (1, 1)
        );
        assert!(bounded.release(3).is_err(), "only 2 were forgotten");
        bounded
            .release(2)
            .expect("2 forgotten permits may come back");
        assert!(bounded.release(1).is_err());
        assert_eq!(bounded.available_permits(), 3);
    });
}

/// Every blocking form's waiting loop ends in a sleep on the semaphore's own word (the word a
/// release wakes), not in a spin: a thread blocked in `acquire`, `acquire_for(60 s)` and a
/// bounded `acquire_many_arc(2)` is seen in `/proc` waiting in the kernel on that word's
/// address, within 10 s; then a release lets it through. Linux futex backend only (the
/// portable table sleeps on a condvar elsewhere).
#[test]
#[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
fn a_blocked_acquire_sleeps_in_the_kernel_on_the_semaphore_word() {
    watched(|| {
        type Blocker = fn(&Arc<BoundedSemaphore>);
        let forms: [(&str, Blocker); 3] = [
            ("acquire", |s| SemaphorePermit::forget(s.acquire())),
            ("acquire_for(60 s)", |s| {
                SemaphorePermit::forget(s.acquire_for(Duration::from_secs(60)).unwrap())
            }),
            ("acquire_many_arc(2)", |s| {
                ArcSemaphorePermit::forget(s.acquire_many_arc(2))
            }),
        ];
        for (what, block) in forms {
            let sem = Arc::new(BoundedSemaphore::new(2));
            SemaphorePermit::forget(sem.acquire_many(2));
            // The futex word lies inside the semaphore (`slack` is never waited on).
            let start = Arc::as_ptr(&sem) as usize;
            let inside = start..start + std::mem::size_of::<BoundedSemaphore>();
            let tid = Arc::new(std::sync::atomic::AtomicI32::new(0));
            let (s, t) = (Arc::clone(&sem), Arc::clone(&tid));
            let waiter = std::thread::spawn(move || {
                // SAFETY: gettid has no preconditions and cannot fail.
                t.store(unsafe { libc::gettid() }, SeqCst);
                block(&s);
            });
            let give_up = Instant::now() + Duration::from_secs(10);
            let mut seen = None;
            while !seen.is_some_and(|a| inside.contains(&a)) && Instant::now() < give_up {
                std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
                let tid = tid.load(SeqCst);
                seen = if tid == 0 {
                    None
                } else {
                    crate::watchdog::futex_wait_address(tid)
                };
            }
            assert!(
                seen.is_some_and(|a| inside.contains(&a)),
                "{what}: a blocked acquire must sleep in a futex wait on the semaphore's word \
                 ({inside:x?}), seen: {seen:x?}"
            );
            sem.release(2).unwrap();
            waiter.join().unwrap();
        }
    });
}
