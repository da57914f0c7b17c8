//! Shuttle scenarios for `Condition`: more threads and operations than loom can search.
//! Under shuttle a timed wait yields once and then times out or not as the scheduler decides.

use shuttle::scheduler::PctScheduler;
use shuttle::sync::Arc;
use shuttle::{Config, Runner, check_pct, check_random, thread};
use std::collections::VecDeque;
use std::time::Duration;
use weftsync::{Condition, Lock, RLock};

const LONG: Duration = Duration::from_secs(60);

const PRODUCERS: u32 = 3;
const CONSUMERS: u32 = 3;
const PER_PRODUCER: u32 = 3;
const TOTAL: u32 = PRODUCERS * PER_PRODUCER;
const CAPACITY: usize = 2;

struct Buffer {
    items: VecDeque<u32>,
    taken: u32,
}

/// Bounded buffer of capacity 2 on one `Lock` and two Conditions (`not_empty`, `not_full`):
/// 3 producers × 3 items, 3 consumers (one of them using timed waits that may time out and
/// retry). Every item is received exactly once, each producer's items in order, and no thread
/// is left asleep (shuttle reports a deadlock otherwise).
fn bounded_buffer_scenario() {
    let shared = Arc::new((
        Lock::new(Buffer {
            items: VecDeque::new(),
            taken: 0,
        }),
        Condition::new(),
        Condition::new(),
    ));
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, not_empty, not_full) = &*s;
                for i in 0..PER_PRODUCER {
                    let mut b = lock.lock();
                    not_full.wait_while(&mut b, |b| b.items.len() == CAPACITY);
                    b.items.push_back(p * 100 + i);
                    drop(b);
                    not_empty.notify_one();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, not_empty, not_full) = &*s;
                let mut got = Vec::new();
                loop {
                    let mut b = lock.lock();
                    let blocked = |b: &mut Buffer| b.items.is_empty() && b.taken < TOTAL;
                    if c == 0 {
                        // Timed waits: a timeout just retries.
                        while !not_empty.wait_while_for(&mut b, blocked, LONG) {}
                    } else {
                        not_empty.wait_while(&mut b, blocked);
                    }
                    let Some(item) = b.items.pop_front() else {
                        break; // every item taken
                    };
                    b.taken += 1;
                    let last = b.taken == TOTAL;
                    drop(b);
                    got.push(item);
                    not_full.notify_one();
                    if last {
                        not_empty.notify_all(); // release consumers waiting for more
                    }
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all = Vec::new();
    for c in consumers {
        let got = c.join().unwrap();
        for p in 0..PRODUCERS {
            let mine: Vec<_> = got.iter().filter(|&&x| x / 100 == p).collect();
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "producer {p}'s items out of order at one consumer: {mine:?}"
            );
        }
        all.extend(got);
    }
    all.sort_unstable();
    let expected: Vec<u32> = (0..PRODUCERS)
        .flat_map(|p| (0..PER_PRODUCER).map(move |i| p * 100 + i))
        .collect();
    assert_eq!(all, expected, "an item was lost or received twice");
}

/// Random scheduler, 1,000 iterations.
#[test]
fn bounded_buffer_accounting_random() {
    crate::isolated(|| check_random(bounded_buffer_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn bounded_buffer_accounting_pct() {
    crate::isolated(|| check_pct(bounded_buffer_scenario, 1_000, 3));
}

/// 4 timed waiters and 2 notifiers (`notify(2)`, `notify_one`, `notify_all`, in different
/// orders), 6 threads: the sum of what the notifies returned equals the number of waits that
/// reported "notified", whatever timeouts crossed them, and nothing stays queued at the end.
fn exact_counts_scenario() {
    let shared = Arc::new((Lock::new(()), Condition::new()));
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond) = &*s;
                let mut g = lock.lock();
                usize::from(cond.wait_for(&mut g, LONG))
            })
        })
        .collect();
    let notifiers: Vec<_> = (0..2)
        .map(|i| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let cond = &s.1;
                if i == 0 {
                    cond.notify(2) + cond.notify_one() as usize
                } else {
                    cond.notify_one() as usize + cond.notify_all()
                }
            })
        })
        .collect();
    let sent: usize = notifiers.into_iter().map(|t| t.join().unwrap()).sum();
    let notified: usize = waiters.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(
        sent, notified,
        "notifies counted {sent} wake-ups but {notified} waiters reported one"
    );
    assert_eq!(shared.1.notify_all(), 0, "a waiter was left queued");
}

/// Random scheduler, 2,000 iterations.
#[test]
fn notify_counts_exact_random() {
    crate::isolated(|| check_random(exact_counts_scenario, 2_000));
}

/// PCT with depth 5 through the Runner API, 1,000 iterations.
#[test]
fn notify_counts_exact_pct() {
    crate::isolated(|| {
        let runner = Runner::new(PctScheduler::new(5, 1_000), Config::new());
        runner.run(exact_counts_scenario);
    });
}

/// The exact-counts scenario with an `RLock`: 3 timed waiters, each holding the RLock at depth
/// 1–3 while it waits, and 2 notifiers; 5 threads. The counts agree, every waiter gets its depth
/// back, and nothing stays queued.
fn rlock_exact_counts_scenario() {
    let shared = Arc::new((RLock::new(()), Condition::new()));
    let waiters: Vec<_> = (1..=3u32)
        .map(|depth| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond) = &*s;
                let mut held: Vec<_> = (0..depth).map(|_| lock.lock()).collect();
                let notified = cond.wait_for(held.last_mut().unwrap(), LONG);
                assert_eq!(lock.depth(), depth, "the wait must restore the depth");
                usize::from(notified)
            })
        })
        .collect();
    let notifiers: Vec<_> = (0..2)
        .map(|i| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let cond = &s.1;
                if i == 0 {
                    cond.notify(2)
                } else {
                    usize::from(cond.notify_one())
                }
            })
        })
        .collect();
    let sent: usize = notifiers.into_iter().map(|t| t.join().unwrap()).sum();
    let notified: usize = waiters.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(
        sent, notified,
        "notifies counted {sent} but {notified} waiters reported one"
    );
    assert_eq!(shared.1.notify_all(), 0, "a waiter was left queued");
    assert!(!shared.0.is_locked());
}

/// Random scheduler, 2,000 iterations.
#[test]
fn rlock_notify_counts_exact_random() {
    crate::isolated(|| check_random(rlock_exact_counts_scenario, 2_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn rlock_notify_counts_exact_pct() {
    crate::isolated(|| check_pct(rlock_exact_counts_scenario, 1_000, 3));
}

/// Three threads take turns on a counter, each notifying all *after* it unlocks: a woken waiter
/// often finds the lock free while its notifier is still between popping it and storing DONE
/// (the hand-over that used to yield until DONE; now it sleeps on its node). Every turn is taken
/// exactly once and no thread is left asleep (shuttle reports a deadlock otherwise).
fn turns_notified_after_unlock_scenario() {
    const THREADS: u64 = 3;
    const ROUNDS: u64 = 3;
    let shared = Arc::new((Lock::new(0u64), Condition::new()));
    let ts: Vec<_> = (0..THREADS)
        .map(|me| {
            let s = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond) = &*s;
                for _ in 0..ROUNDS {
                    let mut turn = lock.lock();
                    cond.wait_while(&mut turn, |t| *t % THREADS != me);
                    *turn += 1;
                    drop(turn);
                    cond.notify_all();
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(
        *shared.0.lock(),
        THREADS * ROUNDS,
        "a turn was lost or repeated"
    );
}

/// Random scheduler, 1,000 iterations.
#[test]
fn turns_notified_after_unlock_random() {
    crate::isolated(|| check_random(turns_notified_after_unlock_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn turns_notified_after_unlock_pct() {
    crate::isolated(|| check_pct(turns_notified_after_unlock_scenario, 1_000, 3));
}
