//! select: 1–4 threads act on five shared objects (a queue, a SimpleQueue, an event, a semaphore,
//! a pipe) and look at them with `try_wait` and short `wait_for`s. Checked: every report is
//! sorted, within bounds and never empty; a report consumes nothing (the objects' counts always
//! equal what the threads put minus what they took); and at the end, on one thread, `try_wait`
//! reports exactly the objects whose final state is ready.

use super::script;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weftsync::{
    Event, Queue, Selectable, Semaphore, SemaphorePermit, SimpleQueue, pipe_oneway, select,
};

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let q = Queue::new(4);
    let sq = SimpleQueue::new();
    let ev = Event::new();
    let sem = Semaphore::new(0);
    let (rx, tx) = pipe_oneway(4);
    // Items in q, in sq, permits, messages: what the threads put minus what they took.
    let counts: [AtomicUsize; 4] = Default::default();
    script::run_threads(&scripts, |_, ops| {
        let all: [&dyn Selectable; 5] = [&q, &sq, &ev, &sem, &rx];
        for &op in ops {
            match op % 12 {
                0 => {
                    if q.try_put(1u8).is_ok() {
                        counts[0].fetch_add(1, SeqCst);
                    }
                }
                1 => {
                    if q.try_get().is_ok() {
                        counts[0].fetch_sub(1, SeqCst);
                    }
                }
                2 => {
                    counts[1].fetch_add(1, SeqCst);
                    sq.put(1u8);
                }
                3 => {
                    if sq.try_get().is_some() {
                        counts[1].fetch_sub(1, SeqCst);
                    }
                }
                4 => ev.set(),
                5 => ev.clear(),
                6 => {
                    counts[2].fetch_add(1, SeqCst);
                    sem.release(1);
                }
                7 => {
                    if let Some(p) = sem.try_acquire() {
                        SemaphorePermit::forget(p);
                        counts[2].fetch_sub(1, SeqCst);
                    }
                }
                8 => {
                    if tx.try_send(1u8).is_ok() {
                        counts[3].fetch_add(1, SeqCst);
                    }
                }
                9 => {
                    if rx.try_recv().is_ok() {
                        counts[3].fetch_sub(1, SeqCst);
                    }
                }
                10 => check(select::try_wait(&all)),
                _ => check(select::wait_for(
                    &all,
                    Duration::from_micros(u64::from(op % 64)),
                )),
            }
        }
    });
    // A report consumed nothing: each object holds exactly what was put and not taken.
    assert_eq!(q.len(), counts[0].load(SeqCst), "queue items");
    assert_eq!(sq.len(), counts[1].load(SeqCst), "SimpleQueue items");
    assert_eq!(
        sem.available_permits() as usize,
        counts[2].load(SeqCst),
        "permits"
    );
    let messages = rx.try_iter().count();
    assert_eq!(messages, counts[3].load(SeqCst), "messages");
    let want: Vec<usize> = [
        !q.is_empty(),
        !sq.is_empty(),
        ev.is_set(),
        sem.available_permits() > 0,
        false,
    ]
    .iter()
    .enumerate()
    .filter(|(_, r)| **r)
    .map(|(i, _)| i)
    .collect();
    let all: [&dyn Selectable; 5] = [&q, &sq, &ev, &sem, &rx];
    assert_eq!(
        select::try_wait(&all),
        (!want.is_empty()).then_some(want),
        "final readiness"
    );
}

/// A report is `None` or sorted, unique, within bounds, and non-empty.
fn check(report: Option<Vec<usize>>) {
    if let Some(ready) = report {
        assert!(!ready.is_empty(), "an empty report");
        assert!(
            ready.windows(2).all(|w| w[0] < w[1]),
            "unsorted report {ready:?}"
        );
        assert!(
            ready.iter().all(|&i| i < 5),
            "index out of bounds {ready:?}"
        );
    }
}
