//! `Barrier` on real threads: API checks, behaviour, a property test against a sequential model,
//! and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use static_assertions::{assert_eq_size, assert_impl_all};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weftsync::{Barrier, BarrierTimeoutError, BrokenBarrier};

// Barrier: the word and the party count, 8 bytes (std's Barrier is 40); shared freely.
assert_eq_size!(Barrier, u64);
assert_impl_all!(Barrier: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug);
assert_impl_all!(BrokenBarrier: Send, Sync, Copy, Eq, std::error::Error);
assert_impl_all!(BarrierTimeoutError: Send, Sync, Copy, Eq, std::error::Error);

/// Scaled down under Miri, which runs threads thousands of times slower.
const STRESS_ROUNDS: usize = if cfg!(miri) { 20 } else { 5_000 };

/// Spins until `n` threads have arrived in the current generation.
fn until_arrived(b: &Barrier, n: usize) {
    while b.n_waiting() < n {
        std::thread::yield_now();
    }
}

#[test]
fn every_party_passes_only_after_all_arrived() {
    watched(|| {
        const PARTIES: usize = 5;
        let b = Barrier::new(PARTIES);
        let arrived = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..PARTIES {
                s.spawn(|| {
                    arrived.fetch_add(1, SeqCst);
                    b.wait().unwrap();
                    assert_eq!(
                        arrived.load(SeqCst),
                        PARTIES,
                        "a party passed before every party arrived"
                    );
                });
            }
        });
    });
}

#[test]
fn indices_are_distinct_and_the_last_arrival_runs_the_action() {
    watched(|| {
        const PARTIES: usize = 4;
        let b = Barrier::new(PARTIES);
        let actions = AtomicUsize::new(0);
        let results: Vec<(usize, bool)> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..PARTIES)
                .map(|_| {
                    s.spawn(|| {
                        let mut ran = false;
                        let i = b
                            .wait_with(|| {
                                ran = true;
                                actions.fetch_add(1, SeqCst);
                            })
                            .unwrap();
                        assert_eq!(actions.load(SeqCst), 1, "released before the action ran");
                        (i, ran)
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut indices: Vec<usize> = results.iter().map(|r| r.0).collect();
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2, 3], "each index once per generation");
        for (i, ran) in results {
            assert_eq!(
                ran,
                i == PARTIES - 1,
                "exactly the last arrival runs its action"
            );
        }
        assert_eq!(actions.load(SeqCst), 1, "the action must run exactly once");
    });
}

/// B2 for each of the six ways to wait: as the first of two arrivals it gets index 0, as the
/// last index 1 (and then runs its action, if it has one).
#[test]
fn every_form_returns_its_arrival_index() {
    watched(|| {
        type Form = fn(&Barrier, &AtomicUsize) -> Result<usize, BarrierTimeoutError>;
        let forms: [(&str, Form); 6] = [
            ("wait", |b, _| Ok(b.wait()?)),
            ("wait_with", |b, ran| {
                Ok(b.wait_with(|| _ = ran.fetch_add(1, SeqCst))?)
            }),
            ("wait_for", |b, _| b.wait_for(Duration::from_secs(3600))),
            ("wait_until", |b, _| {
                b.wait_until(Instant::now() + Duration::from_secs(3600))
            }),
            ("wait_with_for", |b, ran| {
                b.wait_with_for(|| _ = ran.fetch_add(1, SeqCst), Duration::from_secs(3600))
            }),
            ("wait_with_until", |b, ran| {
                b.wait_with_until(
                    || _ = ran.fetch_add(1, SeqCst),
                    Instant::now() + Duration::from_secs(3600),
                )
            }),
        ];
        let b = Barrier::new(2);
        for (name, form) in forms {
            let ran = AtomicUsize::new(0);
            std::thread::scope(|s| {
                let first = s.spawn(|| form(&b, &ran));
                until_arrived(&b, 1);
                assert_eq!(b.wait(), Ok(1));
                assert_eq!(first.join().unwrap(), Ok(0), "{name} as the first arrival");
                let other = s.spawn(|| b.wait());
                until_arrived(&b, 1);
                assert_eq!(form(&b, &ran), Ok(1), "{name} as the last arrival");
                assert_eq!(other.join().unwrap(), Ok(0));
            });
            let want = usize::from(name.starts_with("wait_with"));
            assert_eq!(
                ran.load(SeqCst),
                want,
                "{name}: its action runs only when it arrives last"
            );
        }
    });
}

#[test]
fn writes_before_wait_are_visible_to_the_action_and_after_wait() {
    watched(|| {
        let b = Barrier::new(2);
        let data = [AtomicUsize::new(0), AtomicUsize::new(0)];
        let seen_by_action = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for me in 0..2 {
                let (b, data, seen) = (&b, &data, &seen_by_action);
                s.spawn(move || {
                    data[me].store(me + 10, std::sync::atomic::Ordering::Relaxed);
                    b.wait_with(|| {
                        let sum = data[0].load(std::sync::atomic::Ordering::Relaxed)
                            + data[1].load(std::sync::atomic::Ordering::Relaxed);
                        seen.store(sum, std::sync::atomic::Ordering::Relaxed);
                    })
                    .unwrap();
                    let other = data[1 - me].load(std::sync::atomic::Ordering::Relaxed);
                    assert_eq!(other, 11 - me, "a write before wait() not visible after it");
                    let action = seen.load(std::sync::atomic::Ordering::Relaxed);
                    assert_eq!(
                        action, 21,
                        "the action did not see both writes, or ran late"
                    );
                });
            }
        });
    });
}

#[test]
fn abort_breaks_waiters_and_every_later_arrival() {
    watched(|| {
        let b = Arc::new(Barrier::new(3));
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let b = Arc::clone(&b);
                std::thread::spawn(move || b.wait())
            })
            .collect();
        until_arrived(&b, 2);
        b.abort();
        for h in hs {
            assert_eq!(
                h.join().unwrap(),
                Err(BrokenBarrier),
                "a waiter passed an abort"
            );
        }
        assert!(b.is_broken());
        assert_eq!(b.n_waiting(), 0, "n_waiting is 0 while broken");
        assert_eq!(
            b.wait(),
            Err(BrokenBarrier),
            "a later arrival must see the break"
        );
        assert_eq!(
            b.wait_for(Duration::from_secs(10)),
            Err(BarrierTimeoutError::Broken),
            "a broken barrier fails a timed arrival at once, with Broken"
        );
    });
}

#[test]
fn reset_breaks_waiters_and_leaves_the_barrier_reusable() {
    watched(|| {
        let b = Arc::new(Barrier::new(2));
        let h = {
            let b = Arc::clone(&b);
            std::thread::spawn(move || b.wait())
        };
        until_arrived(&b, 1);
        b.reset();
        assert_eq!(
            h.join().unwrap(),
            Err(BrokenBarrier),
            "reset must break the waiter"
        );
        assert!(!b.is_broken(), "reset leaves the barrier whole");
        assert_eq!(b.n_waiting(), 0, "reset leaves the barrier empty");
        let h = {
            let b = Arc::clone(&b);
            std::thread::spawn(move || b.wait())
        };
        let mine = b.wait();
        let theirs = h.join().unwrap();
        assert!(
            mine.is_ok() && theirs.is_ok(),
            "after reset two parties pass"
        );
        // A broken barrier is reset to whole too.
        b.abort();
        b.reset();
        assert!(!b.is_broken());
    });
}

#[test]
fn abort_from_the_action_breaks_after_the_release() {
    watched(|| {
        let b = Barrier::new(2);
        std::thread::scope(|s| {
            let other = s.spawn(|| b.wait_with(|| b.abort()));
            let mine = b.wait_with(|| b.abort());
            assert!(
                mine.is_ok() && other.join().unwrap().is_ok(),
                "an abort while the action runs must not break the complete generation"
            );
        });
        assert!(b.is_broken(), "the abort takes effect after the release");
    });
}

#[test]
fn reset_from_the_action_cancels_an_abort_from_it() {
    watched(|| {
        let b = Barrier::new(2);
        std::thread::scope(|s| {
            let b = &b;
            let action = move || {
                b.abort();
                b.reset();
            };
            let other = s.spawn(move || b.wait_with(action));
            assert!(b.wait_with(action).is_ok() && other.join().unwrap().is_ok());
        });
        assert!(
            !b.is_broken(),
            "reset after abort, both during the action: whole"
        );
        assert_eq!(b.n_waiting(), 0);
    });
}

#[test]
fn panicking_action_breaks_the_barrier_and_panics_in_its_thread() {
    watched(|| {
        let b = Arc::new(Barrier::new(2));
        let waiter = {
            let b = Arc::clone(&b);
            std::thread::spawn(move || b.wait())
        };
        until_arrived(&b, 1);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            b.wait_with(|| panic!("action failed"))
        }));
        let payload = caught.expect_err("the action's panic must reach the thread that ran it");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"action failed"));
        assert_eq!(
            waiter.join().unwrap(),
            Err(BrokenBarrier),
            "the waiter must be broken, not released or hung"
        );
        assert!(b.is_broken());
        b.reset();
        assert!(!b.is_broken());
        assert_eq!(
            b.n_waiting(),
            0,
            "after a panicking action and a reset the barrier is empty"
        );
        std::thread::scope(|s| {
            let other = s.spawn(|| b.wait());
            assert!(
                b.wait().is_ok() && other.join().unwrap().is_ok(),
                "after a panicking action and a reset a full generation passes"
            );
        });
    });
}

#[test]
fn wait_for_times_out_and_breaks_the_barrier() {
    watched(|| {
        let b = Barrier::new(2);
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert_eq!(
                b.wait_for(Duration::from_millis(50)),
                Err(BarrierTimeoutError::Timeout),
                "Timeout when nobody else comes"
            );
        });
        assert!(
            b.is_broken(),
            "a timed-out party breaks the barrier (Python's rule)"
        );
        assert_eq!(b.n_waiting(), 0, "the timed-out party is no longer counted");
    });
}

#[test]
fn timeout_breaks_the_other_waiters_too() {
    watched(|| {
        let b = Arc::new(Barrier::new(3));
        let untimed = {
            let b = Arc::clone(&b);
            std::thread::spawn(move || b.wait())
        };
        until_arrived(&b, 1);
        assert_eq!(
            b.wait_for(Duration::from_millis(20)),
            Err(BarrierTimeoutError::Timeout)
        );
        assert_eq!(
            untimed.join().unwrap(),
            Err(BrokenBarrier),
            "an untimed waiter must be broken by another party's timeout"
        );
    });
}

#[test]
fn zero_timeout_passes_only_as_the_last_arrival() {
    watched(|| {
        let b = Barrier::new(2);
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(
            b.wait_for(Duration::ZERO),
            Err(BarrierTimeoutError::Timeout)
        );
        assert!(
            b.is_broken(),
            "a zero timeout that is not last breaks, as in Python"
        );
        b.reset();
        assert_eq!(b.wait_until(past), Err(BarrierTimeoutError::Timeout));
        b.reset();
        std::thread::scope(|s| {
            let first = s.spawn(|| b.wait());
            until_arrived(&b, 1);
            assert_eq!(
                b.wait_for(Duration::ZERO),
                Ok(1),
                "the last arrival passes at once"
            );
            assert_eq!(first.join().unwrap(), Ok(0));
        });
        let one = Barrier::new(1);
        assert_eq!(one.wait_until(past), Ok(0), "a lone party is always last");
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let b = Barrier::new(2);
        std::thread::scope(|s| {
            let t = s.spawn(|| b.wait_for(Duration::MAX));
            until_arrived(&b, 1);
            assert_eq!(b.wait(), Ok(1));
            assert_eq!(
                t.join().unwrap(),
                Ok(0),
                "Duration::MAX must mean wait forever"
            );
        });
    });
}

/// The timed party's deadline passes while the last arrival's action runs: the generation is
/// complete, so it passes instead of breaking. The action spins until the clock shows the
/// deadline passed (the timeout is the subject here), no sleep orders the threads. The deadline
/// leaves the last party time to arrive first even on a loaded machine or under Miri (which
/// once took more than 30 ms to get there, so the timed party broke the barrier before the
/// generation was complete).
#[test]
fn timeout_passing_during_the_action_does_not_break_the_generation() {
    watched(|| {
        let b = Barrier::new(2);
        let margin = Duration::from_millis(if cfg!(miri) { 20_000 } else { 500 });
        let deadline = Instant::now() + margin;
        std::thread::scope(|s| {
            let timed = s.spawn(|| b.wait_until(deadline));
            until_arrived(&b, 1);
            let last = b.wait_with(|| {
                while Instant::now() < deadline + Duration::from_millis(20) {
                    std::thread::yield_now();
                }
            });
            assert_eq!(last, Ok(1));
            assert_eq!(
                timed.join().unwrap(),
                Ok(0),
                "a timeout passing during the action must not break the complete generation"
            );
        });
        assert!(!b.is_broken());
    });
}

#[test]
#[should_panic(expected = "at least one party")]
fn zero_parties_panics() {
    let _ = Barrier::new(0);
}

#[test]
#[should_panic(expected = "MAX_PARTIES")]
fn too_many_parties_panics() {
    let _ = Barrier::new(Barrier::MAX_PARTIES + 1);
}

#[test]
fn debug_never_blocks_and_errors_display() {
    watched(|| {
        let b = Barrier::new(2);
        assert_eq!(
            format!("{b:?}"),
            "Barrier { parties: 2, n_waiting: 0, is_broken: false, .. }"
        );
        std::thread::scope(|s| {
            let t = s.spawn(|| b.wait());
            until_arrived(&b, 1);
            assert_eq!(
                format!("{b:?}"),
                "Barrier { parties: 2, n_waiting: 1, is_broken: false, .. }",
                "Debug must print a snapshot while a thread waits"
            );
            b.abort();
            assert!(t.join().unwrap().is_err());
        });
        assert!(format!("{b:?}").contains("is_broken: true"));
        assert!(BrokenBarrier.to_string().contains("broken"));
        assert!(
            BarrierTimeoutError::Timeout
                .to_string()
                .contains("timed out")
        );
        assert_eq!(
            BarrierTimeoutError::from(BrokenBarrier),
            BarrierTimeoutError::Broken
        );
        assert!(BarrierTimeoutError::Timeout.is_timeout());
        assert!(
            !BarrierTimeoutError::Broken.is_timeout(),
            "is_timeout is only for this thread's own timeout"
        );
        static STATIC: Barrier = Barrier::new(1);
        assert_eq!(STATIC.wait(), Ok(0), "const fn new: a static barrier works");
    });
}

/// Many generations over more threads than parties (6 threads, 3 parties): every generation
/// hands out each index once and runs its action once, before its release; no arrival is
/// counted twice or in the wrong generation (that would leave a thread waiting forever or an
/// index twice in a generation). Threads claim arrivals from a shared total one at a time, so
/// the last generations always find enough distinct threads (fixed per-thread counts could
/// leave one thread with arrivals nobody else can meet).
#[test]
fn stress_generations_with_extra_threads_keep_indices_and_actions_exact() {
    watched(|| {
        const PARTIES: usize = 3;
        const THREADS: usize = 6;
        let generations = STRESS_ROUNDS / 5;
        let b = Barrier::new(PARTIES);
        let actions = AtomicUsize::new(0);
        let claimed = AtomicUsize::new(0);
        let per_index: [AtomicUsize; PARTIES] = Default::default();
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    while claimed.fetch_add(1, SeqCst) < generations * PARTIES {
                        let before = actions.load(SeqCst);
                        let mut ran = false;
                        let i = b
                            .wait_with(|| {
                                ran = true;
                                actions.fetch_add(1, SeqCst);
                            })
                            .unwrap();
                        assert_eq!(ran, i == PARTIES - 1, "only the last arrival's action runs");
                        assert!(
                            actions.load(SeqCst) > before,
                            "passed a generation whose action had not run"
                        );
                        per_index[i].fetch_add(1, SeqCst);
                    }
                });
            }
        });
        assert_eq!(
            actions.load(SeqCst),
            generations,
            "one action per generation"
        );
        for (i, n) in per_index.iter().enumerate() {
            assert_eq!(
                n.load(SeqCst),
                generations,
                "index {i} not once per generation"
            );
        }
    });
}

/// Rounds of 3 parties with short timeouts (so timeouts race the last arrival on real
/// threads): each round is all-or-nothing, either every party passes, or exactly one times out
/// (it broke the barrier) and the others are broken. Between rounds one thread resets.
#[test]
fn stress_timeouts_are_all_or_nothing_per_round() {
    watched(|| {
        const PARTIES: usize = 3;
        let rounds = STRESS_ROUNDS / 5;
        let b = Barrier::new(PARTIES);
        let between = std::sync::Barrier::new(PARTIES);
        let outcomes = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for me in 0..PARTIES {
                let (b, between, outcomes) = (&b, &between, &outcomes);
                s.spawn(move || {
                    for round in 0..rounds {
                        let timeout = Duration::from_micros(((round * 7 + me * 13) % 40) as u64);
                        let got = b.wait_for(timeout);
                        outcomes.lock().unwrap().push((round, got));
                        if between.wait().is_leader() {
                            b.reset();
                        }
                        between.wait();
                    }
                });
            }
        });
        let outcomes = outcomes.into_inner().unwrap();
        let (mut passed, mut broken) = (0, 0);
        for round in 0..rounds {
            let mine: Vec<_> = outcomes
                .iter()
                .filter(|o| o.0 == round)
                .map(|o| o.1)
                .collect();
            let ok = mine.iter().filter(|r| r.is_ok()).count();
            let timeouts = mine
                .iter()
                .filter(|r| **r == Err(BarrierTimeoutError::Timeout))
                .count();
            if ok == PARTIES {
                passed += 1;
            } else {
                assert_eq!(ok, 0, "round {round}: some passed, some did not: {mine:?}");
                assert_eq!(
                    timeouts, 1,
                    "round {round}: one timeout breaks it: {mine:?}"
                );
                broken += 1;
            }
        }
        assert_eq!(passed + broken, rounds);
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// A new thread arrives with `wait` (or `wait_for(1 h)`).
    Arrive {
        timed: bool,
    },
    /// This thread arrives with a zero timeout: passes as last, else times out and breaks.
    ArriveZero,
    Abort,
    Reset,
    Check,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => any::<bool>().prop_map(|timed| Op::Arrive { timed }),
        1 => Just(Op::ArriveZero),
        1 => Just(Op::Abort),
        1 => Just(Op::Reset),
        1 => Just(Op::Check),
    ]
}

/// What a helper thread's wait returned.
type Outcome = Result<usize, BarrierTimeoutError>;

/// Runs `ops` against a barrier and a sequential model of it; see the proptest below.
fn run_against_model(parties: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let b = Arc::new(Barrier::new(parties));
    // The model: arrivals waiting (their expected index is their position), and broken.
    let mut waiting: Vec<std::thread::JoinHandle<Outcome>> = Vec::new();
    let mut broken = false;
    let mut actions_run = 0usize;
    let actions = Arc::new(AtomicUsize::new(0));
    // Every waiting thread's result, once the model says its generation ended.
    let settle = |waiting: &mut Vec<std::thread::JoinHandle<Outcome>>,
                  want: &dyn Fn(usize) -> Outcome|
     -> Result<(), TestCaseError> {
        for (i, h) in waiting.drain(..).enumerate() {
            let got = h.join().unwrap();
            prop_assert_eq!(got, want(i), "waiter {} of the generation", i);
        }
        Ok(())
    };
    for &op in ops {
        match op {
            Op::Arrive { timed } => {
                if broken {
                    let got = if timed {
                        b.wait_for(Duration::from_secs(3600))
                    } else {
                        b.wait().map_err(BarrierTimeoutError::from)
                    };
                    prop_assert_eq!(got, Err(BarrierTimeoutError::Broken));
                    continue;
                }
                let index = waiting.len();
                let (b2, actions2) = (Arc::clone(&b), Arc::clone(&actions));
                let h = std::thread::spawn(move || {
                    let action = || {
                        actions2.fetch_add(1, SeqCst);
                    };
                    if timed {
                        b2.wait_with_for(action, Duration::from_secs(3600))
                    } else {
                        b2.wait_with(action).map_err(BarrierTimeoutError::from)
                    }
                });
                waiting.push(h);
                if index + 1 == parties {
                    actions_run += 1;
                    settle(&mut waiting, &|i| Ok(i))?;
                } else {
                    // Wait until the barrier has counted it, so arrival order is known.
                    until_arrived(&b, index + 1);
                }
            }
            Op::ArriveZero => {
                if broken {
                    prop_assert_eq!(b.wait_for(Duration::ZERO), Err(BarrierTimeoutError::Broken));
                } else if waiting.len() + 1 == parties {
                    let action = || {
                        actions.fetch_add(1, SeqCst);
                    };
                    let got = b.wait_with_for(action, Duration::ZERO);
                    prop_assert_eq!(got, Ok(parties - 1), "the last arrival passes");
                    actions_run += 1;
                    settle(&mut waiting, &|i| Ok(i))?;
                } else {
                    prop_assert_eq!(
                        b.wait_for(Duration::ZERO),
                        Err(BarrierTimeoutError::Timeout)
                    );
                    broken = true;
                    settle(&mut waiting, &|_| Err(BarrierTimeoutError::Broken))?;
                }
            }
            Op::Abort => {
                b.abort();
                broken = true;
                settle(&mut waiting, &|_| Err(BarrierTimeoutError::Broken))?;
            }
            Op::Reset => {
                b.reset();
                broken = false;
                settle(&mut waiting, &|_| Err(BarrierTimeoutError::Broken))?;
            }
            Op::Check => {}
        }
        prop_assert_eq!(b.is_broken(), broken, "is_broken differs from the model");
        let n = if broken { 0 } else { waiting.len() };
        prop_assert_eq!(b.n_waiting(), n, "n_waiting differs from the model");
        prop_assert_eq!(actions.load(SeqCst), actions_run, "actions run");
    }
    // Leave no thread behind.
    b.abort();
    settle(&mut waiting, &|_| Err(BarrierTimeoutError::Broken))
}

// Sequential-model scripts: plain `cargo test` runs them; skipped under Miri (the behaviour and
// stress tests cover the same code there).
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arrivals in a known order (each new thread's arrival is seen counted before the next
    /// step), aborts, resets and zero-timeout arrivals, against a model of the count and the
    /// broken flag: each arrival gets its position as index when the generation fills, or
    /// `Broken` when an abort, a reset or a timeout ends it; `is_broken`, `n_waiting` and the
    /// number of actions run always match.
    #[test]
    fn barrier_matches_sequential_model(
        parties in 1usize..5,
        ops in proptest::collection::vec(op(), 0..24),
    ) {
        watched(move || run_against_model(parties, &ops))?;
    }
}
