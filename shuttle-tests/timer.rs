//! Shuttle scenarios for `Timer`: several timers, cancellers and joiners at once.

use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicBool, Ordering::SeqCst};
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::Timer;

const TIMERS: usize = 3;

/// 3 timers (their delays end whenever the emulated wait layer likes), each with a canceller
/// thread and a joiner thread polling with `join_for`, all racing the fires. For every timer:
/// the canceller's answer is `true` exactly when the closure never ran; `join_for` says
/// finished only when it is; `join` agrees with the cancel. No thread hangs.
fn cancel_and_join_race_scenario() {
    let ran: Arc<Vec<AtomicBool>> = Arc::new((0..TIMERS).map(|_| AtomicBool::new(false)).collect());
    let timers: Vec<Arc<Timer<usize>>> = (0..TIMERS)
        .map(|i| {
            let ran = Arc::clone(&ran);
            Arc::new(Timer::start(Duration::from_secs(60), move || {
                ran[i].store(true, SeqCst);
                i
            }))
        })
        .collect();
    let cancellers: Vec<_> = timers
        .iter()
        .map(|t| {
            let t = Arc::clone(t);
            thread::spawn(move || t.cancel())
        })
        .collect();
    let joiners: Vec<_> = timers
        .iter()
        .map(|t| {
            let t = Arc::clone(t);
            thread::spawn(move || while !t.join_for(Duration::from_millis(1)) {})
        })
        .collect();
    let cancelled: Vec<bool> = cancellers.into_iter().map(|c| c.join().unwrap()).collect();
    for j in joiners {
        j.join().unwrap();
    }
    for (i, t) in timers.into_iter().enumerate() {
        let t = Arc::try_unwrap(t).expect("every other handle was dropped");
        assert!(
            t.is_finished(),
            "a joiner returned before timer {i} finished"
        );
        let joined = t.join();
        assert_eq!(
            cancelled[i],
            joined.is_err(),
            "timer {i}: cancel and join disagree"
        );
        assert_eq!(
            cancelled[i],
            !ran[i].load(SeqCst),
            "timer {i}: cancel's answer is wrong"
        );
        if let Ok(v) = joined {
            assert_eq!(v, i);
        }
    }
}

/// A detached timer (handle dropped at once) still fires, while another is cancelled: the two
/// threads share nothing but the scheduler. The main thread waits for the detached closure.
fn detach_and_cancel_scenario() {
    let fired = Arc::new(AtomicBool::new(false));
    {
        let fired = Arc::clone(&fired);
        drop(Timer::start(Duration::from_secs(60), move || {
            fired.store(true, SeqCst)
        }));
    }
    let other = Timer::start(Duration::from_secs(60), || ());
    let cancelled = other.cancel();
    assert_eq!(other.join().is_err(), cancelled);
    while !fired.load(SeqCst) {
        thread::yield_now();
    }
}

/// Random scheduler, 1,000 iterations.
#[test]
fn cancel_and_join_race_random() {
    crate::isolated(|| check_random(cancel_and_join_race_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn cancel_and_join_race_pct() {
    crate::isolated(|| check_pct(cancel_and_join_race_scenario, 1_000, 3));
}

/// Random scheduler, 1,000 iterations.
#[test]
fn detach_and_cancel_random() {
    crate::isolated(|| check_random(detach_and_cancel_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn detach_and_cancel_pct() {
    crate::isolated(|| check_pct(detach_and_cancel_scenario, 1_000, 3));
}
