//! Shuttle scenarios for `RLock`: more threads, deeper nesting and more operations than loom can
//! search.

use shuttle::scheduler::PctScheduler;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use shuttle::{Config, Runner, check_pct, check_random, thread};
use std::time::{Duration, Instant};
use weftsync::RLock;

/// The protected state: who owns the lock (checked by the owner at every level) and a count.
struct Shared {
    owner: AtomicUsize,
    count: AtomicU64,
}

/// 6 threads × 3 rounds; each round nests to depth 1–3 through `lock`, `try_lock`, and
/// `lock_for` / `lock_until` (which may time out, counted). At every level the thread checks
/// that it alone is inside and that `depth()` matches its nesting; the final count is exact.
fn nesting_scenario() {
    let lock = Arc::new(RLock::new(Shared {
        owner: AtomicUsize::new(usize::MAX),
        count: AtomicU64::new(0),
    }));
    let timeouts = Arc::new(AtomicU64::new(0));
    let ts: Vec<_> = (0..6usize)
        .map(|i| {
            let (l, timeouts) = (Arc::clone(&lock), Arc::clone(&timeouts));
            thread::spawn(move || {
                for round in 0..3usize {
                    let outer = if i % 3 == 2 {
                        let timed = if round % 2 == 0 {
                            l.lock_for(Duration::from_secs(1))
                        } else {
                            l.lock_until(Instant::now() + Duration::from_secs(1))
                        };
                        match timed {
                            Some(g) => g,
                            None => {
                                assert_eq!(l.depth(), 0, "timed-out caller owns the lock");
                                timeouts.fetch_add(1, SeqCst);
                                continue;
                            }
                        }
                    } else {
                        l.lock()
                    };
                    assert_eq!(
                        outer.owner.swap(i, SeqCst),
                        usize::MAX,
                        "two threads inside the RLock"
                    );
                    outer.count.fetch_add(1, SeqCst);
                    let levels = 1 + (i + round) % 3;
                    let mut held = vec![outer];
                    for level in 1..levels {
                        let g = match level % 2 {
                            0 => l.lock(),
                            _ => l.try_lock().expect("the owner may always re-enter"),
                        };
                        held.push(g);
                        assert_eq!(
                            l.depth() as usize,
                            held.len(),
                            "depth disagrees with nesting"
                        );
                        thread::yield_now();
                        assert_eq!(
                            held[0].owner.load(SeqCst),
                            i,
                            "another thread got in at depth > 1"
                        );
                    }
                    // Drop all but one first, from the front, so the last guard standing is not
                    // the first one taken.
                    let last = held.pop().unwrap();
                    drop(held);
                    assert_eq!(l.depth(), 1, "only the last guard should remain");
                    last.owner.store(usize::MAX, SeqCst);
                    drop(last);
                    assert_eq!(l.depth(), 0, "depth must return to 0 after the last guard");
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    assert!(
        !lock.is_locked(),
        "lock left held after every guard dropped"
    );
    let count = lock.lock().count.load(SeqCst);
    assert_eq!(
        count + timeouts.load(SeqCst),
        18,
        "an acquisition was lost or duplicated"
    );
}

/// Random scheduler, 1,500 iterations.
#[test]
fn nesting_exact_random() {
    crate::isolated(|| check_random(nesting_scenario, 1_500));
}

/// PCT scheduler (depth 3), 1,500 iterations.
#[test]
fn nesting_exact_pct() {
    crate::isolated(|| check_pct(nesting_scenario, 1_500, 3));
}

/// PCT with a deeper bug depth through the Runner API, 1,000 iterations.
#[test]
fn nesting_exact_pct_depth5() {
    crate::isolated(|| {
        let runner = Runner::new(PctScheduler::new(5, 1_000), Config::new());
        runner.run(nesting_scenario);
    });
}
