//! Shuttle scenarios for `Lock`: more threads and operations than loom can search.

use shuttle::scheduler::PctScheduler;
use shuttle::sync::Arc;
use shuttle::{Config, Runner, check_pct, check_random, thread};
use std::time::Duration;
use weftsync::Lock;

/// 6 threads × 3 increments, some through `try_lock_for` that may time out (counted).
fn counter_scenario() {
    let lock = Arc::new(Lock::new((0u32, 0u32)));
    let ts: Vec<_> = (0..6)
        .map(|i| {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                for _ in 0..3 {
                    if i % 2 == 0 {
                        l.lock().0 += 1;
                    } else if let Some(mut g) = l.try_lock_for(Duration::from_secs(1)) {
                        g.0 += 1;
                    } else {
                        l.lock().1 += 1; // record the timeout, under the lock
                    }
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    let (done, timed_out) = *lock.lock();
    assert_eq!(done + timed_out, 18, "an increment was lost or duplicated");
    assert!(!lock.is_locked() || lock.try_lock().is_none());
}

/// Random scheduler, 2,000 iterations.
#[test]
fn counter_exact_random() {
    crate::isolated(|| check_random(counter_scenario, 2_000));
}

/// PCT scheduler (depth 3), 2,000 iterations.
#[test]
fn counter_exact_pct() {
    crate::isolated(|| check_pct(counter_scenario, 2_000, 3));
}

/// PCT with a deeper bug depth through the Runner API, 1,000 iterations.
#[test]
fn counter_exact_pct_depth5() {
    crate::isolated(|| {
        let runner = Runner::new(PctScheduler::new(5, 1_000), Config::new());
        runner.run(counter_scenario);
    });
}
