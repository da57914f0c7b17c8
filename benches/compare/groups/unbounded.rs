//! Unbounded FIFO queues: `Queue::unbounded` and `SimpleQueue` against crossbeam_channel::unbounded
//! (the nearest peer), flume::unbounded and std::sync::mpsc::channel, SPSC and MPMC (2 producers,
//! 2 consumers). Wall-clock ns per item moved. std's receiver cannot be cloned: its two consumers
//! share it under a Mutex. A `SimpleQueue` has no shutdown, so its consumers stop on a count.

use crate::harness::{Bench, rescale, timed_threads};
use std::sync::Mutex;
use std::time::Duration;

/// `producers` threads call `put(i)` and `consumers` threads call `get()`, about `n` items in
/// all (each producer puts and each consumer gets the same number); the time is rescaled to `n`.
fn run_mpmc(
    n: u64,
    producers: u64,
    consumers: u64,
    put: impl Fn(u64) + Sync,
    get: impl Fn() + Sync,
) -> Duration {
    let per = n.div_ceil(producers * consumers).max(1);
    let took = timed_threads((producers + consumers) as usize, |i| {
        if (i as u64) < producers {
            (0..per * consumers).for_each(&put);
        } else {
            (0..per * producers).for_each(|_| get());
        }
    });
    rescale(took, per * producers * consumers, n)
}

pub fn run(r: &mut Bench) {
    let g = "unbounded";
    for (p, c) in [(1, 1), (2, 2)] {
        let s = format!("{p}p/{c}c");
        let s = s.as_str();
        r.multi(g, s, "weftsync::Queue::unbounded", |n| {
            let q = weftsync::Queue::unbounded();
            run_mpmc(
                n,
                p,
                c,
                |i| q.put(i).unwrap(),
                || {
                    std::hint::black_box(q.get().unwrap());
                },
            )
        });
        r.multi(g, s, "weftsync::SimpleQueue", |n| {
            let q = weftsync::SimpleQueue::new();
            run_mpmc(
                n,
                p,
                c,
                |i| q.put(i),
                || {
                    std::hint::black_box(q.get());
                },
            )
        });
        r.multi(g, s, "crossbeam_channel::unbounded", |n| {
            let (tx, rx) = crossbeam_channel::unbounded();
            run_mpmc(
                n,
                p,
                c,
                |i| tx.send(i).unwrap(),
                || {
                    std::hint::black_box(rx.recv().unwrap());
                },
            )
        });
        r.multi(g, s, "flume::unbounded", |n| {
            let (tx, rx) = flume::unbounded();
            run_mpmc(
                n,
                p,
                c,
                |i| tx.send(i).unwrap(),
                || {
                    std::hint::black_box(rx.recv().unwrap());
                },
            )
        });
        r.multi(g, s, "std::sync::mpsc::channel", |n| {
            let (tx, rx) = std::sync::mpsc::channel();
            let rx = Mutex::new(rx);
            run_mpmc(
                n,
                p,
                c,
                |i| tx.send(i).unwrap(),
                || {
                    std::hint::black_box(rx.lock().unwrap().recv().unwrap());
                },
            )
        });
    }
}
