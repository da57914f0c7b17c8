//! Shuttle scenarios for `select::wait`: several selectors and wakers on every kind of object at
//! once, more than loom can search. Random scheduler and PCT, 1,000 iterations each.

use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::{
    Event, Queue, Selectable, Semaphore, SemaphorePermit, SimpleQueue, pipe_oneway, select,
};

/// 2 selectors (one with `wait_for`) watch a queue, a `SimpleQueue`, a pipe, an event and a
/// semaphore; 2 wakers make one readiness of each kind between them. A selector consumes what it
/// is told is ready with a `try_` call; the event is cleared by whoever sees it and counted by whoever wins its flag. All five
/// readinesses must be consumed, so no selector may sleep through one: the main thread waits
/// for that on a semaphore, which deadlocks the model if one is lost. Then the queue's shutdown
/// and a final permit let the selectors stop.
fn selectors_and_wakers() {
    let q = Arc::new(Queue::new(2));
    let sq = Arc::new(SimpleQueue::new());
    let (rx, tx) = pipe_oneway(2);
    let rx = Arc::new(rx);
    let ev = Arc::new(Event::new());
    let sem = Arc::new(Semaphore::new(0));
    let event_pending = Arc::new(AtomicBool::new(false));
    let consumed = Arc::new(Semaphore::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let reports = Arc::new(AtomicUsize::new(0));
    let selectors: Vec<_> = (0..2)
        .map(|s| {
            let (q, sq, rx, ev, sem) = (
                Arc::clone(&q),
                Arc::clone(&sq),
                Arc::clone(&rx),
                Arc::clone(&ev),
                Arc::clone(&sem),
            );
            let (event_pending, consumed, stop, reports) = (
                Arc::clone(&event_pending),
                Arc::clone(&consumed),
                Arc::clone(&stop),
                Arc::clone(&reports),
            );
            thread::spawn(move || {
                let all: [&dyn Selectable; 5] = [&*q, &*sq, &*rx, &*ev, &*sem];
                while !stop.load(SeqCst) {
                    let ready = if s == 0 {
                        match select::wait_for(&all, Duration::from_secs(5)) {
                            Some(ready) => ready,
                            None => continue, // the checker let the timed wait give up
                        }
                    } else {
                        select::wait(&all)
                    };
                    reports.fetch_add(1, SeqCst);
                    for i in ready {
                        let took = match i {
                            0 => q.try_get().is_ok_and(|v: u8| v != 0),
                            1 => sq.try_get().is_some(),
                            2 => rx.try_recv().is_ok(),
                            3 => {
                                // Cleared by whoever sees it (the event is set once here), so
                                // no selector spins on it; counted by whoever wins the flag.
                                ev.clear();
                                event_pending.swap(false, SeqCst)
                            }
                            _ => sem.try_acquire().map(SemaphorePermit::forget).is_some(),
                        };
                        if took {
                            consumed.release(1);
                        }
                    }
                }
            })
        })
        .collect();
    let w1 = {
        let (q, ev, event_pending) = (Arc::clone(&q), Arc::clone(&ev), Arc::clone(&event_pending));
        thread::spawn(move || {
            q.put(1).unwrap();
            event_pending.store(true, SeqCst);
            ev.set();
        })
    };
    let w2 = {
        let (sq, sem) = (Arc::clone(&sq), Arc::clone(&sem));
        thread::spawn(move || {
            sq.put(1);
            tx.send(1).unwrap();
            sem.release(1);
            tx // keep the sender open until the selectors stop
        })
    };
    w1.join().unwrap();
    let tx = w2.join().unwrap();
    SemaphorePermit::forget(consumed.acquire_many(5));
    assert!(reports.load(SeqCst) >= 1, "readiness was reported");
    stop.store(true, SeqCst);
    // Ready for good from now on, so both selectors return and see `stop`; the 0 is not counted.
    q.shutdown(false);
    for s in selectors {
        s.join().unwrap();
    }
    drop(tx);
}

/// Random scheduler, 1,000 iterations (5 threads).
#[test]
fn selectors_never_sleep_through_a_readiness_random() {
    crate::isolated(|| check_random(selectors_and_wakers, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn selectors_never_sleep_through_a_readiness_pct() {
    crate::isolated(|| check_pct(selectors_and_wakers, 1_000, 3));
}
