//! Shuttle scenarios for `Event`: more threads and operations than loom can search.

use shuttle::scheduler::PctScheduler;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicU64, Ordering::SeqCst};
use shuttle::{Config, Runner, check_pct, check_random, thread};
use std::time::Duration;
use weftsync::Event;

const RING: usize = 5;
const LAPS: u64 = 3;

/// A token ring of 5 threads and 5 events: thread i waits for event i, clears it, counts, and
/// sets event i+1. Every hand-off is a wait/clear/set on an event that other threads also touch,
/// so a lost wake-up stops the ring (shuttle reports the deadlock); the count is exact. Thread 0
/// waits with `wait_for` and retries on timeout, so timeouts race the sets too.
fn token_ring_scenario() {
    let events: Arc<Vec<Event>> = Arc::new((0..RING).map(|_| Event::new()).collect());
    let passes = Arc::new(AtomicU64::new(0));
    let ts: Vec<_> = (0..RING)
        .map(|i| {
            let (ev, passes) = (Arc::clone(&events), Arc::clone(&passes));
            thread::spawn(move || {
                for _ in 0..LAPS {
                    if i == 0 {
                        while !ev[0].wait_for(Duration::from_millis(10)) {}
                    } else {
                        ev[i].wait();
                    }
                    ev[i].clear();
                    passes.fetch_add(1, SeqCst);
                    ev[(i + 1) % RING].set();
                }
            })
        })
        .collect();
    events[0].set();
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(
        passes.load(SeqCst),
        RING as u64 * LAPS,
        "a pass was lost or duplicated"
    );
    // The last pass set event 0 again and nobody took it.
    assert!(events[0].is_set());
    assert!(
        (1..RING).all(|i| !events[i].is_set()),
        "a stray set survived"
    );
}

/// 4 waiters (two untimed, two timed and retrying) on one event; 2 setters each set and clear
/// repeatedly, then set for good. Every waiter must return (a lost wake-up is a shuttle
/// deadlock), and none may return before the first set was made.
fn many_waiters_scenario() {
    let ev = Arc::new(Event::new());
    let sets = Arc::new(AtomicU64::new(0));
    let waiters: Vec<_> = (0..4)
        .map(|i| {
            let (e, sets) = (Arc::clone(&ev), Arc::clone(&sets));
            thread::spawn(move || {
                if i < 2 {
                    e.wait();
                } else {
                    while !e.wait_for(Duration::from_millis(5)) {}
                }
                assert!(sets.load(SeqCst) > 0, "a wait returned before any set");
            })
        })
        .collect();
    let setters: Vec<_> = (0..2)
        .map(|_| {
            let (e, sets) = (Arc::clone(&ev), Arc::clone(&sets));
            thread::spawn(move || {
                for _ in 0..2 {
                    sets.fetch_add(1, SeqCst);
                    e.set();
                    e.clear();
                }
                sets.fetch_add(1, SeqCst);
                e.set();
            })
        })
        .collect();
    for t in setters.into_iter().chain(waiters) {
        t.join().unwrap();
    }
    assert!(ev.is_set());
}

/// Random scheduler, 1,500 iterations.
#[test]
fn token_ring_random() {
    crate::isolated(|| check_random(token_ring_scenario, 1_500));
}

/// PCT scheduler (depth 3), 1,500 iterations.
#[test]
fn token_ring_pct() {
    crate::isolated(|| check_pct(token_ring_scenario, 1_500, 3));
}

/// Random scheduler, 1,500 iterations.
#[test]
fn many_waiters_all_return_random() {
    crate::isolated(|| check_random(many_waiters_scenario, 1_500));
}

/// PCT scheduler (depth 3), 1,500 iterations.
#[test]
fn many_waiters_all_return_pct() {
    crate::isolated(|| check_pct(many_waiters_scenario, 1_500, 3));
}

/// PCT with a deeper bug depth through the Runner API, 1,000 iterations.
#[test]
fn many_waiters_all_return_pct_depth5() {
    crate::isolated(|| {
        let runner = Runner::new(PctScheduler::new(5, 1_000), Config::new());
        runner.run(many_waiters_scenario);
    });
}
