//! `Event` on real threads: API checks, behaviour, a property test of the flag against a
//! sequential model, and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::Event;

/// Scaled down under Miri, which runs threads thousands of times slower.
const STRESS_ITERS: u64 = if cfg!(miri) { 50 } else { 100_000 };

#[test]
fn set_wakes_every_waiter() {
    watched(|| {
        let ev = Arc::new(Event::new());
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let e = Arc::clone(&ev);
                std::thread::spawn(move || e.wait())
            })
            .collect();
        ev.set();
        for h in hs {
            h.join().unwrap();
        }
        assert!(ev.is_set());
    });
}

#[test]
fn wait_for_times_out_when_never_set() {
    watched(|| {
        let ev = Event::new();
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert!(!ev.wait_for(Duration::from_millis(50)), "false on timeout");
        });
    });
}

#[test]
fn wait_until_a_future_deadline_times_out_when_never_set() {
    watched(|| {
        let ev = Event::new();
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            let deadline = Instant::now() + Duration::from_millis(50);
            assert!(!ev.wait_until(deadline), "false on timeout");
        });
    });
}

/// `wait_until` with a future deadline and a set from another thread: `true`, whether the set
/// comes before the call or while it waits (`src/event.rs` unit tests pin the second case).
#[test]
fn wait_until_a_future_deadline_returns_true_when_set() {
    watched(|| {
        let ev = Arc::new(Event::new());
        let e = Arc::clone(&ev);
        let t = std::thread::spawn(move || e.set());
        let deadline = Instant::now() + Duration::from_secs(60);
        assert!(
            ev.wait_until(deadline),
            "a set before the deadline must be reported"
        );
        t.join().unwrap();
        assert!(ev.wait_until(deadline), "a set flag is reported at once");
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_check() {
    watched(|| {
        let ev = Event::new();
        let past = Instant::now() - Duration::from_millis(1);
        let start = Instant::now();
        assert!(!ev.wait_for(Duration::ZERO), "one check: the flag is clear");
        assert!(!ev.wait_until(past), "one check: the flag is clear");
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "a one-check wait slept"
        );
        ev.set();
        assert!(ev.wait_for(Duration::ZERO), "one check: the flag is set");
        assert!(ev.wait_until(past), "one check: the flag is set");
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let ev = Event::new();
        assert_eq!(format!("{ev:?}"), "Event { is_set: false, .. }");
        ev.set();
        assert_eq!(format!("{ev:?}"), "Event { is_set: true, .. }");
    });
}

#[test]
fn set_publishes_writes_to_waiter() {
    watched(|| {
        let ev = Arc::new(Event::new());
        let data = Arc::new(AtomicU64::new(0));
        let (e, d) = (Arc::clone(&ev), Arc::clone(&data));
        let t = std::thread::spawn(move || {
            e.wait();
            d.load(std::sync::atomic::Ordering::Relaxed)
        });
        data.store(42, std::sync::atomic::Ordering::Relaxed);
        ev.set();
        assert_eq!(
            t.join().unwrap(),
            42,
            "write before set() not visible after wait()"
        );
    });
}

/// Two threads bounce a token with two events (wait, clear, set): any lost wake-up hangs.
#[test]
fn stress_ping_pong_is_exact() {
    watched(|| {
        let (ping, pong) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let rounds = STRESS_ITERS;
        let (pi, po) = (Arc::clone(&ping), Arc::clone(&pong));
        let t = std::thread::spawn(move || {
            let mut n = 0u64;
            for _ in 0..rounds {
                pi.wait();
                pi.clear();
                n += 1;
                po.set();
            }
            n
        });
        for _ in 0..rounds {
            ping.set();
            pong.wait();
            pong.clear();
        }
        assert_eq!(t.join().unwrap(), rounds, "a round was lost");
    });
}

/// Rounds of a start gate: 4 waiters (two with timeouts that retry) pass the gate once per
/// round; the gate is cleared only after all have passed, and the next round starts only after
/// every waiter saw the round end. Every round must release every waiter (a lost wake-up hangs).
#[test]
fn stress_gate_rounds_release_every_waiter() {
    watched(|| {
        let rounds = STRESS_ITERS / 100;
        let gate = Arc::new(Event::new());
        let passed = Arc::new(AtomicU64::new(0));
        let closed_rounds = Arc::new(AtomicU64::new(0));
        let all_passed = Arc::new(Event::new());
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let (gate, passed, closed, all) = (
                    Arc::clone(&gate),
                    Arc::clone(&passed),
                    Arc::clone(&closed_rounds),
                    Arc::clone(&all_passed),
                );
                std::thread::spawn(move || {
                    for r in 0..rounds {
                        if i < 2 {
                            gate.wait();
                        } else {
                            while !gate.wait_for(Duration::from_micros(20)) {}
                        }
                        if passed.fetch_add(1, SeqCst) + 1 == 4 * (r + 1) {
                            all.set();
                        }
                        // Do not pass the same open gate twice: wait until this round is closed.
                        while closed.load(SeqCst) <= r {
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        for _ in 0..rounds {
            gate.set();
            all_passed.wait();
            all_passed.clear();
            gate.clear();
            closed_rounds.fetch_add(1, SeqCst);
        }
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(passed.load(SeqCst), 4 * rounds, "a waiter missed a round");
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Set,
    Clear,
    IsSet,
    Wait,
    WaitZero,
    WaitUntilPast,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Set),
        Just(Op::Clear),
        Just(Op::IsSet),
        Just(Op::Wait),
        Just(Op::WaitZero),
        Just(Op::WaitUntilPast),
    ]
}

// Sequential-model scripts: plain `cargo test` runs them (256 cases); under Miri, whose
// value is the unsafe paths, the behaviour and stress tests cover those and this is skipped.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// One thread: the flag always equals a boolean model; a zero-timeout wait returns the
    /// flag; `Wait` is issued only when the model is set (else it would block forever).
    #[test]
    fn flag_matches_sequential_model(ops in proptest::collection::vec(op(), 0..64)) {
        watched(move || {
            let ev = Event::new();
            let mut model = false;
            for op in ops {
                match op {
                    Op::Set => { ev.set(); model = true; }
                    Op::Clear => { ev.clear(); model = false; }
                    Op::IsSet => prop_assert_eq!(ev.is_set(), model),
                    Op::Wait if model => ev.wait(),
                    Op::Wait | Op::WaitZero => prop_assert_eq!(ev.wait_for(Duration::ZERO), model),
                    Op::WaitUntilPast => {
                        let past = Instant::now() - Duration::from_millis(1);
                        prop_assert_eq!(ev.wait_until(past), model);
                    }
                }
                prop_assert_eq!(ev.is_set(), model, "flag differs from the model");
                prop_assert_eq!(format!("{ev:?}").contains("true"), model);
            }
            Ok(())
        })?;
    }
}
