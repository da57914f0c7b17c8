//! Condition: waiters (`wait_for` with timeouts of 0–49 µs) and notifiers (`notify(n)`,
//! `notify_one`, `notify_all`) on 1–4 threads, on two Conditions: one used with a `Lock`, one
//! with an `RLock` whose waiters hold it at depth 1–3. Accounting, per Condition: every waiter
//! returns (all waits are timed), and the sum of what the notifies returned equals the number of
//! waits that reported "notified"; an RLock waiter gets its depth back. Predicate ops use a third
//! Condition over a counter: `wait_while_for` returns whether the condition became false, and the
//! counter ends equal to the increments made.

use super::script;
use std::time::Duration;
use weftsync::{Condition, Lock, RLock};

#[derive(Default)]
struct Tally {
    sent: [usize; 2],
    notified: [usize; 2],
    increments: u64,
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let (lock, rlock) = (Lock::new(()), RLock::new(()));
    let conds = [Condition::new(), Condition::new()];
    let (counter, changed) = (Lock::new(0u64), Condition::new());
    let tallies = script::run_threads(&scripts, |_, ops| {
        let mut t = Tally::default();
        for &op in ops {
            let arg = usize::from(op / 8);
            // Which Condition a notify or wait uses: 0 with `lock`, 1 with `rlock`.
            let which = arg % 2;
            let cond = &conds[which];
            match op % 8 {
                0 => t.sent[which] += cond.notify(arg / 2 % 4),
                1 => t.sent[which] += usize::from(cond.notify_one()),
                2 => t.sent[which] += cond.notify_all(),
                3 | 4 => {
                    let timeout = Duration::from_micros((arg % 50) as u64);
                    let notified = if which == 0 {
                        let mut g = lock.lock();
                        cond.wait_for(&mut g, timeout)
                    } else {
                        let depth = 1 + arg % 3;
                        let mut held: Vec<_> = (0..depth).map(|_| rlock.lock()).collect();
                        let g = held.last_mut().expect("depth is at least 1");
                        let notified = cond.wait_for(g, timeout);
                        assert_eq!(rlock.depth() as usize, depth, "depth not restored");
                        notified
                    };
                    t.notified[which] += usize::from(notified);
                }
                5 => {
                    *counter.lock() += 1;
                    t.increments += 1;
                    changed.notify_all();
                }
                6 => {
                    let mut g = counter.lock();
                    let target = (arg % 4) as u64;
                    let timeout = Duration::from_micros((arg % 30) as u64);
                    let got = changed.wait_while_for(&mut g, |c| *c < target, timeout);
                    assert_eq!(
                        got,
                        *g >= target,
                        "result is not whether the condition became false"
                    );
                }
                _ => {
                    let mut g = counter.lock();
                    let before = *g;
                    let r = changed.wait_while_for(&mut g, |c| *c == before, Duration::ZERO);
                    assert_eq!(r, *g != before, "true iff the value changed");
                }
            }
        }
        t
    });
    for (which, cond) in conds.iter().enumerate() {
        let sent: usize = tallies.iter().map(|t| t.sent[which]).sum();
        let notified: usize = tallies.iter().map(|t| t.notified[which]).sum();
        assert_eq!(
            sent, notified,
            "Condition {which}: notifies counted {sent} wake-ups but {notified} waits reported one"
        );
        assert_eq!(cond.notify_all(), 0, "a waiter was left queued");
    }
    assert_eq!(
        changed.notify_all(),
        0,
        "a predicate waiter was left queued"
    );
    assert!(!lock.is_locked() && !rlock.is_locked() && !counter.is_locked());
    let increments: u64 = tallies.iter().map(|t| t.increments).sum();
    assert_eq!(counter.into_inner(), increments, "an increment was lost");
}
