//! How each cost grows with the thread count: 1, 2, 4, 8 and 16 threads (on a 2-core machine,
//! up to 8 threads per core), each figure the wall-clock ns per operation of all the threads
//! together (`n` operations spread over the threads), against the best peers.
//!
//! - `lock`: every thread locks, increments, unlocks one shared lock (Lock, parking_lot, std).
//! - `semaphore`: every thread acquires and releases one semaphore of 2 permits (weftsync and
//!   the hand-written `Mutex<u32> + Condvar` semaphores of the `semaphore` group).
//! - `queue`: MPMC at capacity 64, half the threads producers and half consumers (1 thread:
//!   put then get in turn), against crossbeam_channel and kanal; ns per item.
//! - `thread_local`: every thread `get_or` + increments its own value (weftsync::ThreadLocal
//!   against the thread_local crate).
//!
//! Scenario names are `<primitive>, <k> threads`: `scripts/bench-report` reads them that way.

use super::queue::stream;
use super::semaphore::{PlSem, StdSem};
use crate::harness::{Bench, on_threads};
use std::cell::Cell;
use std::hint::black_box;

pub const THREADS: [u64; 5] = [1, 2, 4, 8, 16];

pub fn run(r: &mut Bench) {
    let g = "scaling";
    for t in THREADS {
        let s = format!("lock, {t} thread{}", if t == 1 { "" } else { "s" });
        let s = s.as_str();
        let w = weftsync::Lock::new(0u64);
        r.multi(g, s, "weftsync::Lock", |n| {
            on_threads(t, n, |_, k| (0..k).for_each(|_| *w.lock() += 1))
        });
        let p = parking_lot::Mutex::new(0u64);
        r.multi(g, s, "parking_lot::Mutex", |n| {
            on_threads(t, n, |_, k| (0..k).for_each(|_| *p.lock() += 1))
        });
        let m = std::sync::Mutex::new(0u64);
        r.multi(g, s, "std::sync::Mutex", |n| {
            on_threads(t, n, |_, k| (0..k).for_each(|_| *m.lock().unwrap() += 1))
        });
    }
    for t in THREADS {
        let s = format!("semaphore, {t} thread{}", if t == 1 { "" } else { "s" });
        let s = s.as_str();
        let w = weftsync::Semaphore::new(2);
        r.multi(g, s, "weftsync::Semaphore", |n| {
            on_threads(t, n, |_, k| (0..k).for_each(|_| drop(w.acquire())))
        });
        let p = PlSem::new(2);
        r.multi(g, s, "parking_lot Mutex+Condvar", |n| {
            on_threads(t, n, |_, k| {
                (0..k).for_each(|_| {
                    p.acquire();
                    p.release();
                })
            })
        });
        let m = StdSem::new(2);
        r.multi(g, s, "std Mutex+Condvar", |n| {
            on_threads(t, n, |_, k| {
                (0..k).for_each(|_| {
                    m.acquire();
                    m.release();
                })
            })
        });
    }
    for t in THREADS {
        let s = format!("queue, {t} thread{}", if t == 1 { "" } else { "s" });
        let s = s.as_str();
        // 1 thread: one producer that is also the consumer.
        let (p, c) = if t == 1 { (1, 0) } else { (t / 2, t - t / 2) };
        r.multi(g, s, "weftsync::Queue", |n| {
            stream(n, p, c, &weftsync::Queue::new(64))
        });
        r.multi(g, s, "crossbeam_channel::bounded", |n| {
            stream(n, p, c, &crossbeam_channel::bounded(64))
        });
        r.multi(g, s, "kanal::bounded", |n| {
            stream(n, p, c, &kanal::bounded(64))
        });
    }
    for t in THREADS {
        let s = format!("thread_local, {t} thread{}", if t == 1 { "" } else { "s" });
        let s = s.as_str();
        let w: weftsync::ThreadLocal<Cell<u64>> = weftsync::ThreadLocal::new();
        r.multi(g, s, "weftsync::ThreadLocal", |n| {
            on_threads(t, n, |_, k| {
                (0..k).for_each(|_| bump(black_box(&w).get_or(|| Cell::new(0))))
            })
        });
        let c: thread_local::ThreadLocal<Cell<u64>> = thread_local::ThreadLocal::new();
        r.multi(g, s, "thread_local::ThreadLocal", |n| {
            on_threads(t, n, |_, k| {
                (0..k).for_each(|_| bump(black_box(&c).get_or(|| Cell::new(0))))
            })
        });
    }
}

#[inline(always)]
fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}
