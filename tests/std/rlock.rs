//! `RLock` on real threads: API checks, behaviour, a property test of depth against a sequential
//! model, and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{ArcRLockGuard, RLock, RLockGuard};

// Size and auto traits: tests/std/api.rs.

/// Scaled down under Miri, which runs threads thousands of times slower.
const STRESS_ITERS: u64 = if cfg!(miri) { 50 } else { 100_000 };

/// Whether another thread can take `lock` right now (a `try_lock` on a fresh thread).
fn other_thread_can_lock<T: Send>(lock: &RLock<T>) -> bool {
    std::thread::scope(|s| s.spawn(|| lock.try_lock().is_some()).join().unwrap())
}

#[test]
fn owner_reenters_without_deadlock() {
    watched(|| {
        let lock = RLock::new(RefCell::new(0));
        let a = lock.lock();
        let b = lock.lock();
        let c = lock.try_lock().expect("owner's try_lock must re-enter");
        let d = lock
            .lock_for(Duration::ZERO)
            .expect("owner's zero-timeout try must re-enter");
        *d.borrow_mut() += 1;
        assert_eq!(lock.depth(), 4, "four guards, depth 4");
        drop((a, b, c, d));
        assert_eq!(lock.depth(), 0);
        assert_eq!(*lock.lock().borrow(), 1);
    });
}

#[test]
fn other_thread_waits_until_last_guard_drops() {
    watched(|| {
        let lock = RLock::new(());
        let a = lock.lock();
        let b = lock.lock();
        drop(a);
        assert!(
            !other_thread_can_lock(&lock),
            "another thread got in while the owner still held a guard"
        );
        drop(b);
        assert!(
            other_thread_can_lock(&lock),
            "the lock stayed held after the owner's last guard"
        );
    });
}

#[test]
fn blocked_thread_gets_lock_after_last_guard() {
    watched(|| {
        let lock = Arc::new(RLock::new(Cell::new(0)));
        let a = lock.lock();
        let b = lock.lock();
        let started = Arc::new(AtomicBool::new(false));
        let (l, s) = (Arc::clone(&lock), Arc::clone(&started));
        let t = std::thread::spawn(move || {
            s.store(true, SeqCst);
            let g = l.lock();
            assert_eq!(g.get(), 2, "new owner must see the old owner's writes");
            g.set(3);
        });
        while !started.load(SeqCst) {
            std::thread::yield_now();
        }
        b.set(1);
        drop(b);
        a.set(2);
        drop(a);
        t.join().unwrap();
        assert_eq!(lock.lock().get(), 3);
    });
}

#[test]
fn depth_is_per_thread() {
    watched(|| {
        let lock = RLock::new(());
        let _g = lock.lock();
        let _h = lock.lock();
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(lock.depth(), 0, "another thread must read depth 0"));
        });
        assert_eq!(lock.depth(), 2);
    });
}

#[test]
fn stress_counter_is_exact() {
    watched(|| {
        let threads = 4;
        let lock = Arc::new(RLock::new(Cell::new(0u64)));
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                let l = Arc::clone(&lock);
                std::thread::spawn(move || {
                    for _ in 0..STRESS_ITERS {
                        let outer = l.lock();
                        let inner = l.lock();
                        inner.set(inner.get() + 1);
                        drop(outer); // the outer guard first: the inner one must keep the lock
                        inner.set(inner.get() + 1);
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(
            lock.lock().get(),
            2 * threads * STRESS_ITERS,
            "an increment was lost: exclusion broken"
        );
    });
}

#[test]
fn stress_mixed_timeouts_are_exact() {
    watched(|| {
        let lock = Arc::new(RLock::new(Cell::new(0u64)));
        let got = Arc::new(AtomicU64::new(0));
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
                        if let Some(g) = g {
                            let again = l.try_lock().expect("owner re-enters");
                            again.set(again.get() + 1);
                            got.fetch_add(1, SeqCst);
                            drop(g);
                        }
                        assert_eq!(l.depth(), 0, "depth must be 0 after the last guard");
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(
            lock.lock().get(),
            got.load(SeqCst),
            "acquisitions and increments disagree"
        );
        assert!(!lock.is_locked());
    });
}

#[test]
fn panic_at_depth_releases_without_poison() {
    watched(|| {
        let lock = Arc::new(RLock::new(Cell::new(1)));
        let l = Arc::clone(&lock);
        let r = std::thread::spawn(move || {
            let _a = l.lock();
            let b = l.lock();
            b.set(2);
            panic!("boom");
        })
        .join();
        assert!(r.is_err());
        assert!(
            !lock.is_locked(),
            "a panic while holding guards must release the lock"
        );
        assert_eq!(
            lock.lock().get(),
            2,
            "the next owner sees the value as the panicking thread left it"
        );
    });
}

#[test]
fn lock_for_times_out_while_other_thread_owns() {
    watched(|| {
        let lock = RLock::new(());
        let _g = lock.lock();
        std::thread::scope(|s| {
            s.spawn(|| {
                crate::assert_waits_its_timeout(Duration::from_millis(50), || {
                    assert!(lock.lock_for(Duration::from_millis(50)).is_none());
                });
            });
        });
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_try() {
    watched(|| {
        let lock = RLock::new(());
        let past = Instant::now() - Duration::from_millis(1);
        let g = lock
            .lock_until(past)
            .expect("a free lock is taken even with a past deadline");
        std::thread::scope(|s| {
            s.spawn(|| {
                assert!(lock.lock_for(Duration::ZERO).is_none());
                assert!(lock.lock_until(past).is_none());
            });
        });
        drop(g);
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let lock = Arc::new(RLock::new(Cell::new(0)));
        let started = Arc::new(AtomicBool::new(false));
        let g = lock.lock();
        let (l, s) = (Arc::clone(&lock), Arc::clone(&started));
        let t = std::thread::spawn(move || {
            s.store(true, SeqCst);
            let g = l
                .lock_for(Duration::MAX)
                .expect("Duration::MAX must mean wait forever");
            g.set(g.get() + 1);
        });
        while !started.load(SeqCst) {
            std::thread::yield_now();
        }
        drop(g);
        t.join().unwrap();
        assert_eq!(lock.lock().get(), 1);
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let lock = RLock::new(7);
        assert_eq!(format!("{lock:?}"), "RLock { data: 7, .. }");
        let g = lock.lock();
        assert_eq!(
            format!("{lock:?}"),
            "RLock { data: 7, .. }",
            "the owner re-enters to print"
        );
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(format!("{lock:?}"), "RLock { data: <locked>, .. }"));
        });
        assert_eq!(lock.depth(), 1, "Debug must give back the level it took");
        drop(g);
    });
}

#[test]
fn get_mut_and_into_inner_need_no_lock() {
    let mut lock = RLock::new(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(lock.into_inner(), [1, 2]);
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Lock,
    TryLock,
    TimedLock,
    /// Drop the guard at this index (modulo the number held), so drops come in any order.
    Drop(usize),
    Depth,
    OtherThreadTries,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Lock),
        2 => Just(Op::TryLock),
        2 => Just(Op::TimedLock),
        4 => (0..8usize).prop_map(Op::Drop),
        1 => Just(Op::Depth),
        1 => Just(Op::OtherThreadTries),
    ]
}

// Sequential-model scripts: plain `cargo test` runs them (256 cases); under Miri, whose
// value is the unsafe paths, the behaviour and stress tests cover those and this is skipped.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// One owning thread takes and drops guards in any order: `depth()` always equals the number
    /// of guards held (the model), `is_locked()` is `depth > 0`, and another thread can take the
    /// lock exactly when the model holds none.
    #[test]
    fn depth_matches_sequential_model(ops in proptest::collection::vec(op(), 0..64)) {
        watched(move || {
            let lock = RLock::new(Cell::new(0u32));
            let mut held: Vec<RLockGuard<'_, Cell<u32>>> = Vec::new();
            let mut taken = 0u32;
            for op in ops {
                match op {
                    Op::Lock | Op::TryLock | Op::TimedLock => {
                        let g = match op {
                            Op::Lock => Some(lock.lock()),
                            Op::TryLock => lock.try_lock(),
                            _ => lock.lock_for(Duration::ZERO),
                        };
                        prop_assert!(g.is_some(), "the only user must always get the lock");
                        let g = g.unwrap();
                        g.set(g.get() + 1);
                        taken += 1;
                        held.push(g);
                    }
                    Op::Drop(i) => {
                        if !held.is_empty() {
                            let i = i % held.len();
                            drop(held.remove(i));
                        }
                    }
                    Op::Depth => {}
                    Op::OtherThreadTries => {
                        prop_assert_eq!(other_thread_can_lock(&lock), held.is_empty(),
                            "another thread may lock exactly when the owner holds no guard");
                    }
                }
                prop_assert_eq!(lock.depth() as usize, held.len(), "depth differs from the model");
                prop_assert_eq!(lock.is_locked(), !held.is_empty(), "is_locked differs from the model");
            }
            drop(held);
            prop_assert_eq!(lock.lock().get(), taken);
            Ok(())
        })?;
    }
}

#[test]
fn lock_until_a_future_deadline_gets_a_lock_released_in_time() {
    watched(|| {
        let lock = Arc::new(RLock::new(Cell::new(0)));
        let started = Arc::new(AtomicBool::new(false));
        let a = lock.lock();
        let b = lock.lock();
        let (l, s) = (Arc::clone(&lock), Arc::clone(&started));
        let t = std::thread::spawn(move || {
            s.store(true, SeqCst);
            let deadline = Instant::now() + Duration::from_secs(60);
            let g = l
                .lock_until(deadline)
                .expect("the owner's last guard dropped long before the deadline");
            g.set(g.get() + 1);
        });
        while !started.load(SeqCst) {
            std::thread::yield_now();
        }
        drop(a);
        drop(b);
        t.join().unwrap();
        assert_eq!(lock.lock().get(), 1);
    });
}

#[test]
fn arc_and_borrowed_guards_are_levels_of_one_ownership() {
    watched(|| {
        let lock = Arc::new(RLock::new(Cell::new(0)));
        let owned: ArcRLockGuard<Cell<i32>> = lock.lock_arc();
        let borrowed = lock.lock();
        let again = lock
            .try_lock_arc()
            .expect("the owner re-enters through the Arc");
        let timed = lock
            .lock_arc_for(Duration::ZERO)
            .expect("the owner re-enters at once, even with a zero timeout");
        let until = lock
            .lock_arc_until(Instant::now())
            .expect("the owner re-enters at once, even with a past deadline");
        assert_eq!(lock.depth(), 5, "owned and borrowed guards count alike");
        owned.set(1);
        drop(owned);
        assert!(
            !other_thread_can_lock(&lock),
            "dropping the first (owned) guard must not release the lock"
        );
        drop((borrowed, again, timed));
        assert_eq!(lock.depth(), 1);
        assert!(Arc::ptr_eq(ArcRLockGuard::rlock_of(&until), &lock));
        assert_eq!(format!("{until:?}"), "Cell { value: 1 }");
        drop(until);
        assert!(other_thread_can_lock(&lock), "the last guard releases");
    });
}

#[test]
fn arc_guard_keeps_the_rlock_alive_after_every_other_handle_is_gone() {
    watched(|| {
        let lock = Arc::new(RLock::new(7));
        let weak = Arc::downgrade(&lock);
        let guard = lock.lock_arc();
        drop(lock);
        assert!(
            weak.upgrade().is_some(),
            "the guard's Arc keeps the lock alive"
        );
        assert_eq!(*guard, 7);
        let lock = Arc::clone(ArcRLockGuard::rlock_of(&guard));
        drop(guard);
        assert!(!lock.is_locked(), "dropping the owned guard releases");
    });
}

#[test]
fn non_owner_arc_forms_fail_at_once_while_another_thread_owns() {
    watched(|| {
        let lock = Arc::new(RLock::new(()));
        let _held = lock.lock();
        let other = Arc::clone(&lock);
        std::thread::spawn(move || {
            assert!(other.try_lock_arc().is_none());
            assert!(other.lock_arc_for(Duration::ZERO).is_none());
            assert!(other.lock_arc_until(Instant::now()).is_none());
            assert_eq!(other.depth(), 0, "a failed try owns nothing");
        })
        .join()
        .unwrap();
    });
}

/// Every non-blocking and timed form takes a free lock (the first level, not a re-entry),
/// borrowed or through the `Arc`, with a zero, a long and no time left alike; and its guard
/// releases the lock when it drops.
#[test]
fn every_form_takes_a_free_lock() {
    watched(|| {
        let lock = Arc::new(RLock::new(0));
        let long = Duration::from_secs(60);
        let past = Instant::now();
        let forms: [(&str, &dyn Fn() -> u32); 10] = [
            ("try_lock", &|| lock.try_lock().map_or(0, |_| lock.depth())),
            ("lock_for(ZERO)", &|| {
                lock.lock_for(Duration::ZERO).map_or(0, |_| lock.depth())
            }),
            ("lock_for(60 s)", &|| {
                lock.lock_for(long).map_or(0, |_| lock.depth())
            }),
            ("lock_until(past)", &|| {
                lock.lock_until(past).map_or(0, |_| lock.depth())
            }),
            ("lock_until(in 60 s)", &|| {
                let deadline = Instant::now() + long;
                lock.lock_until(deadline).map_or(0, |_| lock.depth())
            }),
            ("try_lock_arc", &|| {
                lock.try_lock_arc().map_or(0, |_| lock.depth())
            }),
            ("lock_arc_for(ZERO)", &|| {
                lock.lock_arc_for(Duration::ZERO)
                    .map_or(0, |_| lock.depth())
            }),
            ("lock_arc_for(60 s)", &|| {
                lock.lock_arc_for(long).map_or(0, |_| lock.depth())
            }),
            ("lock_arc_until(past)", &|| {
                lock.lock_arc_until(past).map_or(0, |_| lock.depth())
            }),
            ("lock_arc_until(in 60 s)", &|| {
                let deadline = Instant::now() + long;
                lock.lock_arc_until(deadline).map_or(0, |_| lock.depth())
            }),
        ];
        for (what, take) in forms {
            assert_eq!(take(), 1, "{what} must take a free lock at depth 1");
            assert!(
                !lock.is_locked(),
                "{what}'s guard must release when it drops"
            );
            assert_eq!(lock.depth(), 0, "{what}'s guard must give its level back");
        }
    });
}

/// A guard, borrowed or owned, formats as the value it guards, with `Debug` and `Display`.
#[test]
fn guards_format_as_the_value_they_guard() {
    watched(|| {
        let lock = Arc::new(RLock::new(42));
        let g = lock.lock();
        assert_eq!(format!("{g:?} {g}"), "42 42", "RLockGuard prints the value");
        let h = lock.lock_arc();
        assert_eq!(
            format!("{h:?} {h}"),
            "42 42",
            "ArcRLockGuard prints the value"
        );
        drop((g, h));
    });
}

/// `Default` and `From` make a free lock holding the default or the given value.
#[test]
fn default_and_from_make_a_free_lock_holding_the_value() {
    let made: RLock<u32> = RLock::default();
    assert!(!made.is_locked(), "RLock::default is free");
    assert_eq!(made.into_inner(), 0, "RLock::default holds T::default()");
    let made = RLock::from(5);
    assert!(!made.is_locked(), "RLock::from is free");
    assert_eq!(made.into_inner(), 5, "RLock::from holds the value");
}
