//! Condition: waiters (`wait_for` with timeouts of 0–49 µs) and notifiers (`notify(n)`,
//! `notify_one`, `notify_all`) on 1–4 threads. Accounting: every waiter returns (all waits are
//! timed), and the sum of what the notifies returned equals the number of waits that reported
//! "notified". Predicate ops use a second Condition over a counter: `wait_for_predicate` returns
//! the predicate's value at return, and the counter ends equal to the increments made.

use super::script;
use std::time::Duration;
use weftsync::{Condition, Lock};

#[derive(Default)]
struct Tally {
    sent: usize,
    notified: usize,
    increments: u64,
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let (lock, cond) = (Lock::new(()), Condition::new());
    let (counter, changed) = (Lock::new(0u64), Condition::new());
    let tallies = script::run_threads(&scripts, |_, ops| {
        let mut t = Tally::default();
        for &op in ops {
            let arg = usize::from(op / 8);
            match op % 8 {
                0 => t.sent += cond.notify(arg % 4),
                1 => t.sent += usize::from(cond.notify_one()),
                2 => t.sent += cond.notify_all(),
                3 | 4 => {
                    let mut g = lock.lock();
                    let timeout = Duration::from_micros((arg % 50) as u64);
                    t.notified += usize::from(!cond.wait_for(&mut g, timeout).timed_out());
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
                    let got = changed.wait_for_predicate(&mut g, |c| *c >= target, timeout);
                    assert_eq!(
                        got,
                        *g >= target,
                        "result is not the predicate's final value"
                    );
                }
                _ => {
                    let mut g = counter.lock();
                    let before = *g;
                    let r = changed.wait_while_for(&mut g, |c| *c == before, Duration::ZERO);
                    assert_eq!(r.timed_out(), *g == before, "timed_out iff still unchanged");
                }
            }
        }
        t
    });
    let sent: usize = tallies.iter().map(|t| t.sent).sum();
    let notified: usize = tallies.iter().map(|t| t.notified).sum();
    assert_eq!(
        sent, notified,
        "notifies counted {sent} wake-ups but {notified} waits reported one"
    );
    assert_eq!(cond.notify_all(), 0, "a waiter was left queued");
    assert_eq!(
        changed.notify_all(),
        0,
        "a predicate waiter was left queued"
    );
    assert!(!lock.is_locked() && !counter.is_locked());
    let increments: u64 = tallies.iter().map(|t| t.increments).sum();
    assert_eq!(counter.into_inner(), increments, "an increment was lost");
}
