//! `Timer` on real threads and real time: API checks, behaviour, a property test against a
//! sequential model, and stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use static_assertions::{assert_impl_all, assert_not_impl_any};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{Event, Timer, TimerError};

// The handle moves and is shared freely when its value can cross threads. Like
// `std::thread::JoinHandle` (which it holds), it is neither `UnwindSafe` nor `RefUnwindSafe`.
assert_impl_all!(Timer<()>: Send, Sync, Unpin, core::fmt::Debug);
assert_not_impl_any!(Timer<()>: UnwindSafe, RefUnwindSafe);
assert_impl_all!(Timer<std::cell::Cell<u8>>: Send, Sync);
assert_impl_all!(TimerError: Send, core::fmt::Debug, core::fmt::Display, std::error::Error);

/// Scaled down under Miri, which runs threads thousands of times slower.
const STRESS_TIMERS: usize = if cfg!(miri) { 10 } else { 2_000 };

/// A delay no test waits out: timers with it end only by `cancel`.
const NEVER: Duration = Duration::from_secs(3600);

#[test]
fn closure_runs_once_and_not_before_its_delay() {
    watched(|| {
        let delay = Duration::from_millis(30);
        let runs = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let t = {
            let runs = Arc::clone(&runs);
            Timer::start(delay, move || {
                runs.fetch_add(1, SeqCst);
                started.elapsed()
            })
        };
        let ran_after = t.join().unwrap();
        assert!(
            ran_after >= delay,
            "fired early: after {ran_after:?}, delay {delay:?}"
        );
        assert_eq!(runs.load(SeqCst), 1, "the closure must run exactly once");
    });
}

#[test]
fn start_at_a_past_deadline_fires_at_once() {
    watched(|| {
        let t = Timer::start_at(Instant::now() - Duration::from_secs(1), || 3);
        assert_eq!(t.join().unwrap(), 3);
    });
}

#[test]
fn cancel_before_fire_means_it_never_runs_and_the_thread_exits() {
    watched(|| {
        let ran = Arc::new(AtomicBool::new(false));
        let t = {
            let ran = Arc::clone(&ran);
            Timer::start(NEVER, move || ran.store(true, SeqCst))
        };
        assert!(!t.is_finished());
        assert!(t.cancel(), "a pending timer must be cancellable");
        assert!(t.cancel(), "cancel stays true: the closure will never run");
        assert!(t.is_finished(), "a cancelled timer is finished");
        // `join` also reaps the timer's thread: it returns promptly only if cancel woke it.
        let start = Instant::now();
        assert!(t.join().unwrap_err().is_cancelled());
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the timer's thread slept on after cancel"
        );
        assert!(!ran.load(SeqCst), "a cancelled closure ran");
    });
}

#[test]
fn cancel_after_fire_returns_false() {
    watched(|| {
        let t = Timer::start(Duration::ZERO, || "done");
        assert!(
            t.join_for(Duration::from_secs(30)),
            "a zero-delay timer finishes"
        );
        assert!(!t.cancel(), "too late: the closure already ran");
        assert_eq!(t.join().unwrap(), "done");
    });
}

#[test]
fn cancel_while_the_closure_runs_returns_false_and_join_waits_for_it() {
    watched(|| {
        let (started, release) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let t = {
            let (started, release) = (Arc::clone(&started), Arc::clone(&release));
            Timer::start(Duration::ZERO, move || {
                started.set();
                release.wait();
                1
            })
        };
        started.wait();
        assert!(!t.cancel(), "the closure is running: cancel is too late");
        assert!(!t.is_finished(), "still running");
        assert!(
            !t.join_for(Duration::from_millis(5)),
            "not finished while running"
        );
        release.set();
        assert_eq!(t.join().unwrap(), 1);
    });
}

#[test]
fn join_for_and_join_until_wait_their_timeout_then_see_the_fire() {
    watched(|| {
        let t = Timer::start(NEVER, || ());
        crate::assert_waits_its_timeout(Duration::from_millis(30), || {
            assert!(!t.join_for(Duration::from_millis(30)), "false on timeout");
        });
        crate::assert_waits_its_timeout(Duration::from_millis(30), || {
            let deadline = Instant::now() + Duration::from_millis(30);
            assert!(!t.join_until(deadline), "false on timeout");
        });
        assert!(t.cancel());
        assert!(t.join_for(Duration::ZERO) && t.join_until(Instant::now()));
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_check() {
    watched(|| {
        let t = Timer::start(NEVER, || ());
        assert!(!t.join_for(Duration::ZERO));
        assert!(!t.join_until(Instant::now() - Duration::from_millis(1)));
        assert!(t.cancel());
    });
}

#[test]
fn huge_timeout_and_delay_mean_forever_without_overflow() {
    watched(|| {
        // A delay too large for Instant never passes: only cancel ends the timer.
        let never = Arc::new(Timer::start(Duration::MAX, || ()));
        let joiner = {
            let never = Arc::clone(&never);
            std::thread::spawn(move || never.join_for(Duration::MAX))
        };
        assert!(!never.is_finished());
        assert!(never.cancel());
        assert!(
            joiner.join().unwrap(),
            "join_for(MAX) must wait, then see the cancel"
        );
    });
}

#[test]
fn panic_in_the_closure_reaches_the_joiner() {
    watched(|| {
        let t = Timer::start(Duration::ZERO, || -> u32 { panic!("timer closure failed") });
        match t.join() {
            Err(TimerError::Panicked(payload)) => {
                assert_eq!(
                    payload.downcast_ref::<&str>(),
                    Some(&"timer closure failed")
                )
            }
            other => panic!("expected the closure's panic, got {other:?}"),
        }
        // A later timer still works: the panic ended nothing but its own closure.
        assert_eq!(Timer::start(Duration::ZERO, || 1).join().unwrap(), 1);
    });
}

#[test]
fn dropped_handle_detaches_and_the_closure_still_runs() {
    watched(|| {
        let ran = Arc::new(Event::new());
        {
            let ran = Arc::clone(&ran);
            drop(Timer::start(Duration::from_millis(5), move || ran.set()));
        }
        assert!(
            ran.wait_for(Duration::from_secs(30)),
            "dropping the handle must not cancel the timer"
        );
    });
}

#[test]
fn closure_writes_and_result_are_visible_after_join() {
    watched(|| {
        let data = Arc::new(AtomicUsize::new(0));
        let t = {
            let data = Arc::clone(&data);
            Timer::start(Duration::ZERO, move || {
                data.store(41, std::sync::atomic::Ordering::Relaxed);
                vec![1, 2, 3]
            })
        };
        assert_eq!(t.join().unwrap(), [1, 2, 3]);
        assert_eq!(data.load(std::sync::atomic::Ordering::Relaxed), 41);
    });
}

#[test]
fn debug_never_blocks_and_errors_display() {
    watched(|| {
        let t = Timer::start(NEVER, || ());
        assert_eq!(format!("{t:?}"), "Timer { state: \"pending\", .. }");
        assert!(t.cancel());
        assert_eq!(format!("{t:?}"), "Timer { state: \"cancelled\", .. }");
        let e = t.join().unwrap_err();
        assert_eq!(format!("{e:?}"), "Cancelled");
        assert!(e.to_string().contains("cancelled"));
        assert!(!e.is_panic());
    });
}

#[test]
fn timer_error_kinds_and_texts_tell_cancel_from_panic() {
    watched(|| {
        let t = Timer::start(NEVER, || ());
        assert!(t.cancel());
        let cancelled = t.join().unwrap_err();
        let panicked = Timer::start(Duration::ZERO, || panic!("boom"))
            .join()
            .unwrap_err();
        assert!(
            cancelled.is_cancelled() && !cancelled.is_panic(),
            "a cancelled timer's error says cancelled, not panic"
        );
        assert!(
            panicked.is_panic() && !panicked.is_cancelled(),
            "a panicked closure's error says panic, not cancelled"
        );
        assert_eq!(
            format!("{cancelled:?}"),
            "Cancelled",
            "Debug names the kind"
        );
        assert_eq!(
            format!("{panicked:?}"),
            "Panicked(..)",
            "Debug names the kind"
        );
        assert_eq!(
            cancelled.to_string(),
            "the timer was cancelled before it fired",
            "Display says what happened"
        );
        assert_eq!(
            panicked.to_string(),
            "the timer's closure panicked",
            "Display says what happened"
        );
    });
}

#[test]
fn debug_names_the_running_and_finished_states() {
    watched(|| {
        let (started, release) = (Arc::new(Event::new()), Arc::new(Event::new()));
        let t = {
            let (started, release) = (Arc::clone(&started), Arc::clone(&release));
            Timer::start(Duration::ZERO, move || {
                started.set();
                release.wait();
            })
        };
        started.wait();
        assert_eq!(
            format!("{t:?}"),
            "Timer { state: \"running\", .. }",
            "Debug of a timer whose closure runs says running"
        );
        release.set();
        assert!(t.join_for(Duration::from_secs(30)), "the closure returns");
        assert_eq!(
            format!("{t:?}"),
            "Timer { state: \"finished\", .. }",
            "Debug of a timer whose closure returned says finished"
        );
        t.join().unwrap();
    });
}

/// Many timers with tiny delays, each cancelled at once from another thread: whoever wins,
/// `cancel()` is `true` exactly when the closure never ran (checked after every join).
#[test]
fn stress_cancel_racing_fire_has_exactly_one_winner() {
    watched(|| {
        let ran = Arc::new(
            (0..STRESS_TIMERS)
                .map(|_| AtomicBool::new(false))
                .collect::<Vec<_>>(),
        );
        let (mut cancelled, mut fired) = (0, 0);
        for chunk in (0..STRESS_TIMERS).collect::<Vec<_>>().chunks(50) {
            let timers: Vec<_> = chunk
                .iter()
                .map(|&i| {
                    let ran = Arc::clone(&ran);
                    let delay = Duration::from_micros((i % 50) as u64);
                    (i, Timer::start(delay, move || ran[i].store(true, SeqCst)))
                })
                .collect();
            for (i, t) in timers {
                let won = t.cancel();
                let joined = t.join();
                assert_eq!(
                    won,
                    joined.is_err(),
                    "cancel and join disagree on timer {i}"
                );
                assert_eq!(
                    won,
                    !ran[i].load(SeqCst),
                    "cancel's answer is wrong on timer {i}"
                );
                if won { cancelled += 1 } else { fired += 1 }
            }
        }
        assert_eq!(cancelled + fired, STRESS_TIMERS);
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// Start a timer that fires at once (`true`) or never (`false`).
    Start(bool),
    Cancel(usize),
    IsFinished(usize),
    JoinZero(usize),
    Join(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(Op::Start),
        (0usize..8).prop_map(Op::Cancel),
        (0usize..8).prop_map(Op::IsFinished),
        (0usize..8).prop_map(Op::JoinZero),
        (0usize..8).prop_map(Op::Join),
    ]
}

/// The model's view of one timer: what it may still become.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    /// Fires at once: running or finished, or cancelled if a cancel gets there first.
    Racing,
    /// Never fires on its own.
    Pending,
    Cancelled,
    Fired,
    Joined,
}

fn run_against_model(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut timers: Vec<(Option<Timer<usize>>, Model)> = Vec::new();
    let ran: Arc<Vec<AtomicBool>> =
        Arc::new((0..ops.len()).map(|_| AtomicBool::new(false)).collect());
    for &op in ops {
        match op {
            Op::Start(now) => {
                let (i, ran) = (timers.len(), Arc::clone(&ran));
                let delay = if now { Duration::ZERO } else { NEVER };
                let t = Timer::start(delay, move || {
                    ran[i].store(true, SeqCst);
                    i
                });
                timers.push((Some(t), if now { Model::Racing } else { Model::Pending }));
            }
            Op::Cancel(i) | Op::IsFinished(i) | Op::JoinZero(i) | Op::Join(i) => {
                let Some((slot, model)) = timers.get_mut(i) else {
                    continue;
                };
                let Some(t) = slot else { continue };
                match op {
                    Op::Cancel(_) => {
                        let won = t.cancel();
                        *model = match (*model, won) {
                            (Model::Racing | Model::Pending | Model::Cancelled, true) => {
                                Model::Cancelled
                            }
                            (Model::Racing | Model::Fired, false) => Model::Fired,
                            (m, w) => {
                                return Err(TestCaseError::fail(format!(
                                    "cancel returned {w} for a timer the model has {m:?}"
                                )));
                            }
                        };
                    }
                    Op::IsFinished(_) | Op::JoinZero(_) => {
                        let finished = if matches!(op, Op::IsFinished(_)) {
                            t.is_finished()
                        } else {
                            t.join_for(Duration::ZERO)
                        };
                        match *model {
                            Model::Pending => prop_assert!(!finished, "never-timer finished"),
                            Model::Cancelled => prop_assert!(finished, "cancelled not finished"),
                            _ => {}
                        }
                    }
                    _ => {
                        let t = slot.take().unwrap();
                        if *model == Model::Pending {
                            // Would block forever: cancel first, as a user must.
                            prop_assert!(t.cancel());
                            *model = Model::Cancelled;
                        }
                        match (t.join(), *model) {
                            (Ok(v), Model::Racing | Model::Fired) => {
                                prop_assert_eq!(v, i);
                                prop_assert!(ran[i].load(SeqCst));
                            }
                            (Err(TimerError::Cancelled), Model::Cancelled) => {
                                prop_assert!(!ran[i].load(SeqCst), "cancelled timer ran");
                            }
                            (got, m) => {
                                return Err(TestCaseError::fail(format!(
                                    "join gave {got:?} for a timer the model has {m:?}"
                                )));
                            }
                        }
                        *model = Model::Joined;
                    }
                }
            }
        }
    }
    // Leave no thread behind: cancel the pending ones and join all.
    for (t, _) in timers {
        if let Some(t) = t {
            let _ = t.cancel();
            let _ = t.join();
        }
    }
    Ok(())
}

// Sequential-model scripts: plain `cargo test` runs them; skipped under Miri.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Timers that fire at once or never, cancels, checks and joins, against a model that
    /// allows both outcomes where cancel races the fire and then holds the timer to the one it
    /// reported: a cancel that said `true` means `join` is `Cancelled` and the closure never
    /// ran; `false` means the value arrives; a never-timer is never finished until cancelled.
    #[test]
    fn timer_matches_sequential_model(ops in proptest::collection::vec(op(), 0..24)) {
        watched(move || run_against_model(&ops))?;
    }
}
