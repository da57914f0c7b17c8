//! Shuttle scenarios for `Queue`: more threads and operations than loom can search. Each
//! scenario runs under the random scheduler and PCT, 1,000 iterations each.

use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::{Queue, RecvTimeoutError};

const LONG: Duration = Duration::from_secs(5);

/// 3 producers × 4 items (odd producers use `put_for`, retrying with the handed-back item) and
/// 3 consumers (one uses `get_for`) through a capacity-2 queue; after the producers finish, a
/// plain shutdown lets the consumers drain and stop. Every item is received exactly once.
fn mpmc_accounting() {
    let q = Arc::new(Queue::new(2));
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for k in 0..4 {
                    let mut v = p * 4 + k;
                    if p % 2 == 1 {
                        while let Err(e) = q.put_for(v, LONG) {
                            v = e.into_inner();
                        }
                    } else {
                        q.put(v).unwrap();
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|c| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let r = if c == 0 {
                        q.get_for(LONG)
                    } else {
                        q.get().map_err(RecvTimeoutError::from)
                    };
                    match r {
                        Ok(v) => got.push(v),
                        Err(RecvTimeoutError::Disconnected) => return got,
                        // The checker may let a timed wait give up: nothing was taken.
                        Err(RecvTimeoutError::Timeout) => {}
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    q.shutdown(false);
    let mut all: Vec<usize> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..12).collect::<Vec<_>>(),
        "an item was lost or duplicated"
    );
}

/// Random scheduler, 1,000 iterations (7 threads).
#[test]
fn mpmc_every_item_received_exactly_once_random() {
    crate::isolated(|| check_random(mpmc_accounting, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn mpmc_every_item_received_exactly_once_pct() {
    crate::isolated(|| check_pct(mpmc_accounting, 1_000, 3));
}

/// 2 producers × 3 items, 2 workers that get and `task_done` each item, and the main thread in
/// `join`: join returns only after all 6 were marked done; no `task_done` fails.
fn task_done_join() {
    let q = Arc::new(Queue::new(2));
    let done = Arc::new(AtomicUsize::new(0));
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || (0..3).for_each(|k| q.put(p * 3 + k).unwrap()))
        })
        .collect();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (q, done) = (Arc::clone(&q), Arc::clone(&done));
            thread::spawn(move || {
                while q.get().is_ok() {
                    done.fetch_add(1, SeqCst);
                    q.task_done()
                        .expect("one task_done per got item never fails");
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    q.join();
    assert_eq!(
        done.load(SeqCst),
        6,
        "join returned before every task was done"
    );
    q.shutdown(false);
    for w in workers {
        w.join().unwrap();
    }
    assert!(q.task_done().is_err(), "no task left to mark done");
}

/// Random scheduler, 1,000 iterations (5 threads).
#[test]
fn join_waits_for_every_task_done_random() {
    crate::isolated(|| check_random(task_done_join, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn join_waits_for_every_task_done_pct() {
    crate::isolated(|| check_pct(task_done_join, 1_000, 3));
}

/// An immediate shutdown in the middle of 2 producers and 2 consumers, with a joiner waiting:
/// every item is accounted for exactly once (got, handed back, or dropped by the shutdown), and
/// every blocked caller returns.
fn immediate_shutdown_races() {
    struct Item(Arc<AtomicUsize>);
    impl Drop for Item {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let q = Arc::new(Queue::new(1));
    let producers: Vec<_> = (0..2)
        .map(|_| {
            let (q, drops) = (Arc::clone(&q), Arc::clone(&drops));
            thread::spawn(move || {
                for _ in 0..3 {
                    // A blocking put fails only on shutdown; the item handed back drops here.
                    let _ = q.put(Item(Arc::clone(&drops)));
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut n = 0;
                while let Ok(item) = q.get() {
                    drop(item);
                    q.task_done().unwrap();
                    n += 1;
                }
                n
            })
        })
        .collect();
    let joiner = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.join())
    };
    q.shutdown(true);
    for p in producers {
        p.join().unwrap();
    }
    for c in consumers {
        c.join().unwrap();
    }
    joiner.join().unwrap();
    assert_eq!(drops.load(SeqCst), 6, "an item was dropped twice or leaked");
    assert!(q.is_empty());
}

/// Random scheduler, 1,000 iterations (6 threads).
#[test]
fn immediate_shutdown_accounts_every_item_random() {
    crate::isolated(|| check_random(immediate_shutdown_races, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn immediate_shutdown_accounts_every_item_pct() {
    crate::isolated(|| check_pct(immediate_shutdown_races, 1_000, 3));
}
