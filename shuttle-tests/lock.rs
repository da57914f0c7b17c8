//! Shuttle scenarios for `Lock`: more threads and operations than loom can search.

use shuttle::scheduler::PctScheduler;
use shuttle::{Config, Runner, check_pct, check_random, thread};
use std::sync::Arc as StdArc;
use std::time::{Duration, Instant};
use weftsync::{Lock, LockGuard};

/// 6 threads × 3 increments through every form: `lock`, `lock_for` and `lock_until` (which may
/// time out, counted), the owned `lock_arc`, and a guard narrowed with `LockGuard::map`.
fn counter_scenario() {
    let lock = StdArc::new(Lock::new((0u32, 0u32)));
    let ts: Vec<_> = (0..6)
        .map(|i| {
            let l = StdArc::clone(&lock);
            thread::spawn(move || {
                for round in 0..3 {
                    let timed = match (i + round) % 5 {
                        0 => {
                            l.lock().0 += 1;
                            continue;
                        }
                        1 => {
                            l.lock_arc().0 += 1;
                            continue;
                        }
                        2 => {
                            *LockGuard::map(l.lock(), |c| &mut c.0) += 1;
                            continue;
                        }
                        3 => l.lock_for(Duration::from_secs(1)),
                        _ => l.lock_until(Instant::now() + Duration::from_secs(1)),
                    };
                    match timed {
                        Some(mut g) => g.0 += 1,
                        None => l.lock().1 += 1, // record the timeout, under the lock
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
    assert!(
        !lock.is_locked(),
        "lock left held after every guard dropped"
    );
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
