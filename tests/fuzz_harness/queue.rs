//! Queue: 1–4 threads put, get (try and timed), `task_done` and now and then shut down a shared
//! queue of capacity 1–4. Every item is unique (thread, sequence). Checked: no item is got twice,
//! nothing is got that was not put, each thread's items are got in the order it put them, every
//! successful put is got or still inside (unless an immediate shutdown dropped it), and
//! `task_done` succeeds at most once per got item.

use super::script;
use std::collections::HashSet;
use std::time::Duration;
use weftsync::{Queue, RecvTimeoutError, TryRecvError, TrySendError};

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let cap = 1 + data.len() % 4;
    let q = Queue::new(cap);
    let results = script::run_threads(&scripts, |t, ops| {
        let (mut put, mut got, mut done, mut immediate) = (Vec::new(), Vec::new(), 0usize, false);
        for (next, &op) in ops.iter().enumerate() {
            let item = (t as u32) << 16 | next as u32;
            let wait = Duration::from_micros(u64::from(op % 32));
            match op % 9 {
                0 | 1 => match q.try_put(item) {
                    Ok(()) => put.push(item),
                    Err(e) => assert!(
                        matches!(e, TrySendError::Full(v) | TrySendError::Disconnected(v) if v == item)
                    ),
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
                    } else {
                        assert!(q.len() <= cap, "len above capacity");
                    }
                }
            }
        }
        (put, got, done, immediate)
    });
    let mut got: Vec<u32> = Vec::new();
    let mut done = 0;
    let mut immediate = false;
    let mut put = HashSet::new();
    for (p, g, d, i) in &results {
        // Per-producer FIFO within each consumer's list.
        let mut last = [None::<u32>; script::MAX_THREADS];
        for &v in g {
            let from = (v >> 16) as usize;
            assert!(
                last[from].is_none_or(|l| l < v),
                "thread {from}'s items reordered"
            );
            last[from] = Some(v);
        }
        got.extend(g);
        put.extend(p.iter().copied());
        done += d;
        immediate |= i;
    }
    assert!(
        done <= got.len(),
        "task_done succeeded more often than items were got"
    );
    let mut left = Vec::new();
    while let Ok(v) = q.try_get() {
        left.push(v);
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
