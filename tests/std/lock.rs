//! `Lock` on real threads: behaviour, a property test against a sequential model, and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{ArcLockGuard, Lock, LockGuard, MappedLockGuard};

/// Scaled down under Miri, which runs threads thousands of times slower.
const STRESS_ITERS: u64 = if cfg!(miri) { 50 } else { 100_000 };

#[test]
fn stress_counter_is_exact() {
    watched(|| {
        let threads = 4;
        let lock = Arc::new(Lock::new(0u64));
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                let l = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..STRESS_ITERS {
                        *l.lock() += 1;
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(
            *lock.lock(),
            threads * STRESS_ITERS,
            "an increment was lost: exclusion broken"
        );
    });
}

#[test]
fn stress_mixed_timeouts_are_exact() {
    watched(|| {
        let lock = Arc::new(Lock::new(0u64));
        let got = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let (l, got) = (Arc::clone(&lock), Arc::clone(&got));
                std::thread::spawn(move || {
                    for k in 0..STRESS_ITERS / 10 {
                        let g = match (i + k) % 3 {
                            0 => Some(l.lock()),
                            1 => l.try_lock(),
                            _ => l.lock_for(Duration::from_micros(50)),
                        };
                        if let Some(mut g) = g {
                            *g += 1;
                            got.fetch_add(1, SeqCst);
                        }
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(
            *lock.lock(),
            got.load(SeqCst),
            "acquisitions and increments disagree"
        );
        assert!(!lock.is_locked() || lock.try_lock().is_none());
    });
}

#[test]
fn panic_while_holding_releases_without_poison() {
    watched(|| {
        let lock = Arc::new(Lock::new(1));
        let l = Arc::clone(&lock);
        let r = std::thread::spawn(move || {
            let mut g = l.lock();
            *g = 2;
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert!(
            !lock.is_locked(),
            "a panic while holding the guard must unlock"
        );
        assert_eq!(
            *lock.lock(),
            2,
            "the next owner sees the value as the panicking thread left it"
        );
    });
}

#[test]
fn lock_for_times_out_while_held() {
    watched(|| {
        let lock = Lock::new(());
        let _g = lock.lock();
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert!(lock.lock_for(Duration::from_millis(50)).is_none());
        });
    });
}

/// L3: a timed take of a held lock times out every time, also once its spins have stopped
/// paying and its spin budget is used up (`shim::Spin` drains a thread's budget after a few
/// waits in vain): the spin ends when the budget does, and the take goes on to its timed
/// sleep. The takes run on a thread that holds the lock itself between them, so the word reads
/// LOCKED at each take and nothing else can end a spin; the test thread waits for them with a
/// generous bound, so a take that never ends fails here by name.
#[test]
fn timed_takes_of_a_held_lock_time_out_also_with_the_spin_budget_used_up() {
    watched(|| {
        let lock = Arc::new(Lock::new(()));
        let done = Arc::new(AtomicBool::new(false));
        let taker = {
            let (lock, done) = (Arc::clone(&lock), Arc::clone(&done));
            std::thread::spawn(move || {
                for _ in 0..64 {
                    let held = lock.lock();
                    let took = lock.lock_for(Duration::from_micros(100)).is_some();
                    drop(held);
                    assert!(!took, "a timed take of a held lock must not take it");
                }
                done.store(true, SeqCst);
            })
        };
        let bound = Duration::from_secs(if cfg!(miri) { 120 } else { 10 });
        let since = Instant::now();
        while !done.load(SeqCst) && !taker.is_finished() && since.elapsed() < bound {
            std::thread::yield_now();
        }
        assert!(
            done.load(SeqCst) || taker.is_finished(),
            "a timed take of a held lock must time out, also once its spin budget is used up"
        );
        taker.join().unwrap();
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_try() {
    watched(|| {
        let lock = Lock::new(());
        assert!(lock.lock_for(Duration::ZERO).is_some());
        let past = Instant::now() - Duration::from_millis(1);
        assert!(
            lock.lock_until(past).is_some(),
            "a free lock is taken even with a past deadline"
        );
        let _g = lock.lock();
        assert!(lock.lock_for(Duration::ZERO).is_none());
        assert!(lock.lock_until(past).is_none());
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let lock = Arc::new(Lock::new(0));
        let started = Arc::new(AtomicBool::new(false));
        let g = lock.lock();
        let (l, s) = (Arc::clone(&lock), Arc::clone(&started));
        let t = std::thread::spawn(move || {
            s.store(true, SeqCst);
            *l.lock_for(Duration::MAX)
                .expect("Duration::MAX must mean wait forever") += 1;
        });
        while !started.load(SeqCst) {
            std::thread::yield_now();
        }
        drop(g);
        t.join().unwrap();
        assert_eq!(*lock.lock(), 1);
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let lock = Lock::new(7);
        assert_eq!(format!("{lock:?}"), "Lock { data: 7, .. }");
        let _g = lock.lock();
        assert_eq!(format!("{lock:?}"), "Lock { data: <locked>, .. }");
    });
}

#[test]
fn get_mut_and_into_inner_need_no_lock() {
    let mut lock = Lock::new(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(lock.into_inner(), [1, 2]);
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Take(usize),
    TryTake(usize),
    TimedTake(usize),
    Release(usize),
    IsLocked,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize).prop_map(Op::Take),
        (0..3usize).prop_map(Op::TryTake),
        (0..3usize).prop_map(Op::TimedTake),
        (0..3usize).prop_map(Op::Release),
        Just(Op::IsLocked),
    ]
}

// Sequential-model scripts: plain `cargo test` runs them (256 cases); under Miri, whose
// value is the unsafe paths, the behaviour and stress tests cover those and this is skipped.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// One thread, three guard slots: the lock is held exactly when the model says so; a take
    /// on a held lock fails without blocking (`Take` is only issued on a free lock).
    #[test]
    fn lock_matches_sequential_model(ops in proptest::collection::vec(op(), 0..64)) {
        watched(move || {
            let lock = Lock::new(0u32);
            let mut slots: [Option<weftsync::LockGuard<'_, u32>>; 3] = [None, None, None];
            let mut model_held = false;
            let mut model_count = 0u32;
            for op in ops {
                match op {
                    Op::Take(i) | Op::TryTake(i) | Op::TimedTake(i) => {
                        let got = match op {
                            Op::Take(_) if !model_held => Some(lock.lock()),
                            Op::Take(_) | Op::TryTake(_) => lock.try_lock(),
                            _ => lock.lock_for(Duration::ZERO),
                        };
                        prop_assert_eq!(got.is_some(), !model_held, "take succeeded iff free");
                        if let Some(mut g) = got {
                            *g += 1;
                            model_count += 1;
                            model_held = true;
                            prop_assert!(slots[i].is_none() || slots.iter().all(Option::is_none));
                            slots[i] = Some(g);
                        }
                    }
                    Op::Release(i) => {
                        if slots[i].take().is_some() {
                            model_held = false;
                        }
                    }
                    Op::IsLocked => prop_assert_eq!(lock.is_locked(), model_held),
                }
            }
            drop(slots);
            prop_assert_eq!(*lock.lock(), model_count);
            Ok(())
        })?;
    }
}

#[test]
fn lock_until_a_future_deadline_gets_a_lock_released_in_time() {
    watched(|| {
        let lock = Arc::new(Lock::new(0));
        let started = Arc::new(AtomicBool::new(false));
        let g = lock.lock();
        let (l, s) = (Arc::clone(&lock), Arc::clone(&started));
        let t = std::thread::spawn(move || {
            s.store(true, SeqCst);
            let deadline = Instant::now() + Duration::from_secs(60);
            *l.lock_until(deadline)
                .expect("the lock was released long before the deadline") += 1;
        });
        while !started.load(SeqCst) {
            std::thread::yield_now();
        }
        drop(g);
        t.join().unwrap();
        assert_eq!(*lock.lock(), 1);
    });
}

#[test]
fn arc_guard_keeps_the_lock_alive_and_held_after_every_other_handle_is_gone() {
    watched(|| {
        let lock = Arc::new(Lock::new(vec![1]));
        let weak = Arc::downgrade(&lock);
        let mut guard: ArcLockGuard<Vec<i32>> = lock.lock_arc();
        assert!(lock.try_lock().is_none(), "the owned guard holds the lock");
        assert!(lock.try_lock_arc().is_none());
        assert!(lock.lock_arc_for(Duration::ZERO).is_none());
        assert!(lock.lock_arc_until(Instant::now()).is_none());
        drop(lock);
        assert!(
            weak.upgrade().is_some(),
            "the guard's Arc keeps the lock alive"
        );
        guard.push(2);
        let lock = Arc::clone(ArcLockGuard::lock_of(&guard));
        drop(guard);
        assert!(!lock.is_locked(), "dropping the owned guard unlocks");
        assert_eq!(*lock.lock(), [1, 2]);
        let taken = lock.lock_arc_for(Duration::from_secs(1));
        assert!(taken.is_some(), "a free lock is taken through the Arc");
    });
}

#[test]
fn arc_guard_moves_into_a_struct_without_a_lifetime() {
    watched(|| {
        struct Holder {
            guard: ArcLockGuard<u32>,
        }
        fn hold(lock: &Arc<Lock<u32>>) -> Holder {
            // The temporary clone is gone when this returns; the guard holds its own.
            Holder {
                guard: Arc::clone(lock).lock_arc(),
            }
        }
        let lock = Arc::new(Lock::new(1));
        let mut h = hold(&lock);
        *h.guard += 1;
        drop(h);
        assert_eq!(*lock.lock(), 2);
    });
}

#[test]
fn mapped_guard_holds_the_whole_lock_until_it_drops() {
    watched(|| {
        let lock = Lock::new((String::from("a"), 1));
        let mut n: MappedLockGuard<'_, i32> = LockGuard::map(lock.lock(), |p| &mut p.1);
        *n += 1;
        assert!(lock.is_locked(), "the mapped guard holds the lock");
        assert!(lock.try_lock().is_none());
        assert_eq!(
            format!("{n:?} {n}"),
            "2 2",
            "Debug and Display print the part"
        );
        drop(n);
        assert!(!lock.is_locked(), "dropping the mapped guard unlocks");
        assert_eq!(*lock.lock(), (String::from("a"), 2));
    });
}

#[test]
fn try_map_hands_the_guard_back_when_there_is_no_part() {
    watched(|| {
        let lock = Lock::new(vec![10, 20]);
        let missing = LockGuard::try_map(lock.lock(), |v| v.get_mut(5));
        let mut guard = match missing {
            Ok(_) => panic!("there is no element 5"),
            Err(guard) => guard,
        };
        assert!(
            lock.is_locked(),
            "the handed-back guard still holds the lock"
        );
        guard.push(30);
        let found = LockGuard::try_map(guard, |v| v.get_mut(2));
        let Ok(mut part) = found else {
            panic!("element 2 exists now")
        };
        *part += 1;
        drop(part);
        assert!(!lock.is_locked());
        assert_eq!(*lock.lock(), [10, 20, 31]);
    });
}

#[test]
fn panic_inside_map_releases_the_lock() {
    watched(|| {
        let lock = Lock::new(5);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            LockGuard::map(lock.lock(), |_: &mut i32| -> &mut i32 { panic!("boom") })
        }));
        assert!(r.is_err());
        assert!(
            !lock.is_locked(),
            "a panic in map's closure must release the lock"
        );
        assert_eq!(*lock.lock(), 5);
    });
}

/// Every non-blocking and timed form takes a free lock, borrowed or through the `Arc`, with a
/// zero, a long and no time left alike; and its guard unlocks when it drops. (A form that
/// gave up on a free lock would pass every test that only tries it on a held one.)
#[test]
fn every_form_takes_a_free_lock() {
    watched(|| {
        let lock = Arc::new(Lock::new(0));
        let long = Duration::from_secs(60);
        let past = Instant::now();
        let forms: [(&str, &dyn Fn() -> bool); 10] = [
            ("try_lock", &|| lock.try_lock().is_some()),
            ("lock_for(ZERO)", &|| {
                lock.lock_for(Duration::ZERO).is_some()
            }),
            ("lock_for(60 s)", &|| lock.lock_for(long).is_some()),
            ("lock_until(past)", &|| lock.lock_until(past).is_some()),
            ("lock_until(in 60 s)", &|| {
                lock.lock_until(Instant::now() + long).is_some()
            }),
            ("try_lock_arc", &|| lock.try_lock_arc().is_some()),
            ("lock_arc_for(ZERO)", &|| {
                lock.lock_arc_for(Duration::ZERO).is_some()
            }),
            ("lock_arc_for(60 s)", &|| lock.lock_arc_for(long).is_some()),
            ("lock_arc_until(past)", &|| {
                lock.lock_arc_until(past).is_some()
            }),
            ("lock_arc_until(in 60 s)", &|| {
                lock.lock_arc_until(Instant::now() + long).is_some()
            }),
        ];
        for (what, take) in forms {
            assert!(take(), "{what} must take a free lock");
            assert!(
                !lock.is_locked(),
                "{what}'s guard must unlock when it drops"
            );
        }
    });
}

/// A guard, borrowed or owned, formats as the value it guards, with `Debug` and `Display`.
#[test]
fn guards_format_as_the_value_they_guard() {
    watched(|| {
        let lock = Arc::new(Lock::new(42));
        let g = lock.lock();
        assert_eq!(format!("{g:?} {g}"), "42 42", "LockGuard prints the value");
        drop(g);
        let g = lock.lock_arc();
        assert_eq!(
            format!("{g:?} {g}"),
            "42 42",
            "ArcLockGuard prints the value"
        );
        drop(g);
        let m = LockGuard::map(lock.lock(), |v| v);
        assert_eq!(
            format!("{m:?} {m}"),
            "42 42",
            "MappedLockGuard prints the part"
        );
    });
}

/// `Default` and `From` make an unlocked lock holding the default or the given value.
#[test]
fn default_and_from_make_a_free_lock_holding_the_value() {
    let made: Lock<u32> = Lock::default();
    assert!(!made.is_locked(), "Lock::default is unlocked");
    assert_eq!(made.into_inner(), 0, "Lock::default holds T::default()");
    let made = Lock::from(5);
    assert!(!made.is_locked(), "Lock::from is unlocked");
    assert_eq!(made.into_inner(), 5, "Lock::from holds the value");
}
