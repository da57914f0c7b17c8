//! LifoQueue, PriorityQueue and unbounded queues: 1–4 threads put, get (try and timed),
//! `task_done` and now and then shut down a shared queue. The second byte picks the kind (FIFO
//! unbounded, LIFO or priority, each bounded at 1–4 or unbounded). Every item is unique (thread,
//! sequence). Checked: no item is got twice, nothing is got that was not put, every successful put
//! is got or still inside (unless an immediate shutdown dropped it), `task_done` succeeds at most
//! once per got item, an unbounded queue never refuses a put as full, and what is left comes out
//! in the kind's order.

use super::script;
use std::collections::HashSet;
use std::time::Duration;
use weftsync::queue::{Order, OrderedQueue};
use weftsync::{LifoQueue, PriorityQueue, Queue, RecvTimeoutError, TryRecvError, TrySendError};

pub fn run(data: &[u8]) {
    let kind = data.get(1).copied().unwrap_or(0);
    let cap = 1 + data.len() % 4;
    match kind % 5 {
        0 => exercise(data, Queue::unbounded(), None, |_| true),
        1 => exercise(data, LifoQueue::new(cap), Some(cap), |left| {
            left.windows(2).all(|w| w[0] > w[1]) // newest first
        }),
        2 => exercise(data, LifoQueue::unbounded(), None, |left| {
            left.windows(2).all(|w| w[0] > w[1])
        }),
        3 => exercise(data, PriorityQueue::new(cap), Some(cap), |left| {
            left.windows(2).all(|w| w[0] < w[1]) // smallest first
        }),
        _ => exercise(data, PriorityQueue::unbounded(), None, |left| {
            left.windows(2).all(|w| w[0] < w[1])
        }),
    }
}

/// Items are `thread << 16 | sequence`, so within one thread later items are larger: the LIFO
/// check on what is left holds per thread, and is checked on one thread's items at a time.
fn exercise<O: Order<u32>>(
    data: &[u8],
    q: OrderedQueue<u32, O>,
    cap: Option<usize>,
    in_order: impl Fn(&[u32]) -> bool,
) {
    let scripts = script::threads(data);
    let results = script::run_threads(&scripts, |t, ops| {
        let (mut put, mut got, mut done, mut immediate) = (Vec::new(), Vec::new(), 0usize, false);
        for (next, &op) in ops.iter().enumerate() {
            let item = (t as u32) << 16 | next as u32;
            let wait = Duration::from_micros(u64::from(op % 32));
            match op % 9 {
                0 | 1 => match q.try_put(item) {
                    Ok(()) => put.push(item),
                    Err(TrySendError::Full(v)) => {
                        assert_eq!(v, item);
                        assert!(cap.is_some(), "an unbounded queue is never full");
                    }
                    Err(TrySendError::Disconnected(v)) => assert_eq!(v, item),
                },
                2 => match q.put_for(item, wait) {
                    Ok(()) => put.push(item),
                    Err(e) => {
                        assert_eq!(e.into_inner(), item, "a failed put must hand the item back")
                    }
                },
                3 | 4 => match q.try_get() {
                    Ok(v) => got.push(v),
                    Err(e) => assert!(e == TryRecvError::Empty || e == TryRecvError::Disconnected),
                },
                5 => match q.get_for(wait) {
                    Ok(v) => got.push(v),
                    Err(e) => assert!(e.is_timeout() || e == RecvTimeoutError::Disconnected),
                },
                6 | 7 => done += usize::from(q.task_done().is_ok()),
                _ => {
                    if op > 250 {
                        immediate |= op % 2 == 0;
                        q.shutdown(op % 2 == 0);
                    } else if let Some(cap) = cap {
                        assert!(q.len() <= cap, "len above capacity");
                    }
                }
            }
        }
        (put, got, done, immediate)
    });
    let (mut got, mut put, mut done, mut immediate) = (Vec::new(), HashSet::new(), 0, false);
    for (p, g, d, i) in &results {
        got.extend(g);
        put.extend(p.iter().copied());
        done += d;
        immediate |= i;
    }
    assert!(
        done <= got.len(),
        "task_done succeeded more often than items were got"
    );
    let left: Vec<u32> = core::iter::from_fn(|| q.try_get().ok()).collect();
    for t in 0..script::MAX_THREADS as u32 {
        let mine: Vec<u32> = left.iter().copied().filter(|v| v >> 16 == t).collect();
        assert!(
            in_order(&mine),
            "thread {t}'s items left out of order: {mine:?}"
        );
    }
    let mut seen = HashSet::new();
    for v in got.iter().chain(&left) {
        assert!(seen.insert(*v), "item {v:#x} got twice");
        assert!(put.contains(v), "item {v:#x} got but never put");
    }
    if !immediate {
        assert_eq!(seen.len(), put.len(), "an item put was lost");
    }
}
