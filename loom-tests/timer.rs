//! Loom models of `Timer`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! The timer's thread waits out its delay with a timed wait on its word; under loom that wait
//! may end at any step, so `cancel` is explored landing before, during and after the fire. A
//! join that is never woken shows as a loom deadlock.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use loom::thread;
use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;
use std::time::Duration;
use weftsync::{Timer, TimerError};

use crate::LONG;

/// The delay of the models' timers: long enough that the clock never ends it during a model (see
/// `LONG`), so only the emulated wait layer decides when it ends (at any step it likes).
const DELAY: Duration = LONG;

/// Runs a loom model and returns the outcomes it recorded across all executions (kept in a std
/// static that loom does not track), so a model can show that loom explored every side of a race.
/// Call it inside `crate::isolated::isolated`, so the model and the check of its outcomes share
/// one process.
fn outcomes_of(
    model: impl Fn(&StdMutex<BTreeSet<&'static str>>) + Sync + Send + 'static,
) -> BTreeSet<&'static str> {
    let seen: &'static StdMutex<BTreeSet<&'static str>> = Box::leak(Box::default());
    loom::model(move || model(seen));
    seen.lock().unwrap().clone()
}

/// Exactly one of `cancel` and fire wins, wherever the cancel lands: `cancel()` is `true` if
/// and only if the closure never ran, and `join` agrees with both. Both winners occur across
/// the model's executions (the emulated timed wait really races the cancel).
#[test]
fn cancel_racing_fire_has_exactly_one_winner() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let ran = Arc::new(AtomicBool::new(false));
            let timer = {
                let ran = Arc::clone(&ran);
                Timer::start(DELAY, move || {
                    ran.store(true, Relaxed);
                    7
                })
            };
            // Loom runs a thread that yielded (the timer's, inside its timed wait) only once the
            // others yield or block: this yield lets the delay end before the cancel too.
            thread::yield_now();
            let cancelled = timer.cancel();
            let joined = timer.join();
            if cancelled {
                assert!(
                    matches!(joined, Err(TimerError::Cancelled)),
                    "cancel won but join says {joined:?}"
                );
                assert!(
                    !ran.load(Relaxed),
                    "cancel returned true but the closure ran"
                );
            } else {
                assert_eq!(
                    joined.ok(),
                    Some(7),
                    "cancel lost, so the closure must have run"
                );
                assert!(
                    ran.load(Relaxed),
                    "cancel returned false but the closure never ran"
                );
            }
            seen.lock()
                .unwrap()
                .insert(if cancelled { "cancel won" } else { "fire won" });
        });
        assert_eq!(seen.len(), 2, "both winners must be explored: {seen:?}");
    });
}

/// Two cancellers racing the fire: they agree (both `true` or both `false`), as the first
/// cancel's outcome is final.
#[test]
fn two_cancels_racing_fire_agree() {
    crate::model(|| {
        let timer = Arc::new(Timer::start(DELAY, || ()));
        let other = {
            let timer = Arc::clone(&timer);
            thread::spawn(move || {
                thread::yield_now(); // lets the timer's timed wait end first (see above)
                timer.cancel()
            })
        };
        thread::yield_now();
        let mine = timer.cancel();
        assert_eq!(mine, other.join().unwrap(), "two cancels disagreed");
        let timer = Arc::try_unwrap(timer).expect("the other thread dropped its handle");
        assert_eq!(timer.join().is_ok(), !mine);
    });
}

/// The only-documented-waker model for `join`: the joiner sleeps until the timer's thread
/// publishes the result, and nothing else wakes it. It then sees the closure's (Relaxed) write.
#[test]
fn join_is_woken_by_the_fire_and_sees_the_closures_writes() {
    crate::model(|| {
        let data = Arc::new(AtomicUsize::new(0));
        let timer = {
            let data = Arc::clone(&data);
            Timer::start(DELAY, move || {
                data.store(42, Relaxed);
                data.load(Relaxed) + 1
            })
        };
        assert_eq!(timer.join().ok(), Some(43));
        assert_eq!(
            data.load(Relaxed),
            42,
            "the closure's write is not visible after join"
        );
    });
}

/// The only-documented-waker model for the timer's own sleep and for a joiner, when the delay
/// never passes (`Duration::MAX`): only `cancel` ends them. A cancel that forgot to wake leaves
/// the joiner (and the timer's thread) asleep: a loom deadlock.
#[test]
fn cancel_wakes_the_joiner_and_the_sleeping_timer_thread() {
    crate::model(|| {
        let timer = Arc::new(Timer::start(Duration::MAX, || ()));
        let joiner = {
            let timer = Arc::clone(&timer);
            thread::spawn(move || timer.join_for(Duration::MAX))
        };
        assert!(
            timer.cancel(),
            "a timer that never fires is always cancellable"
        );
        assert!(joiner.join().unwrap(), "join_for(MAX) must see the cancel");
        let timer = Arc::try_unwrap(timer).expect("the joiner dropped its handle");
        assert!(timer.join().unwrap_err().is_cancelled());
    });
}

/// A `join_for` whose timeout races the fire: `true` means finished (and `join` then has the
/// value at once), `false` means not yet; either way the value arrives. Both occur.
#[test]
fn join_for_timeout_racing_fire_is_honest() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let timer = Timer::start(DELAY, || 5);
            let finished = timer.join_for(LONG);
            if finished {
                assert!(
                    timer.is_finished(),
                    "join_for said finished, is_finished disagrees"
                );
            }
            assert_eq!(timer.join().ok(), Some(5));
            seen.lock()
                .unwrap()
                .insert(if finished { "finished" } else { "timed out" });
        });
        assert_eq!(seen.len(), 2, "both outcomes must be explored: {seen:?}");
    });
}

/// A panicking closure is caught on the timer's thread and its payload reaches the joiner.
#[test]
fn panicking_closure_reaches_the_joiner() {
    crate::model(|| {
        let timer = Timer::start(DELAY, || -> u8 { panic!("timer closure failed") });
        match timer.join() {
            Err(TimerError::Panicked(payload)) => {
                assert_eq!(*payload.downcast::<&str>().unwrap(), "timer closure failed")
            }
            other => panic!("expected the panic, got {other:?}"),
        }
    });
}

/// Dropping the handle detaches the timer: the closure still runs.
#[test]
fn dropped_handle_detaches_and_the_closure_still_runs() {
    crate::model(|| {
        let ran = Arc::new(AtomicBool::new(false));
        {
            let ran = Arc::clone(&ran);
            drop(Timer::start(DELAY, move || ran.store(true, Relaxed)));
        }
        while !ran.load(Relaxed) {
            thread::yield_now();
        }
    });
}
