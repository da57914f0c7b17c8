//! `PriorityQueue` against a `BinaryHeap` under a Mutex + Condvar (what users write by hand,
//! with std's and with parking_lot's), and `LifoQueue` against a `Vec` under std's Mutex + Condvar.
//! Uncontended: one thread puts and gets with 64 items inside (random priorities). Contended: one
//! producer and one consumer through an unbounded queue. ns per put+get (per item moved).

use crate::harness::{Bench, timed_threads};
use std::collections::BinaryHeap;
use std::time::Duration;

/// The hand-written peer: a heap under a lock, a condvar for the getters.
struct Locked<M, C> {
    heap: M,
    ready: C,
}

type StdHeap = Locked<std::sync::Mutex<BinaryHeap<std::cmp::Reverse<u64>>>, std::sync::Condvar>;
type PlHeap = Locked<parking_lot::Mutex<BinaryHeap<std::cmp::Reverse<u64>>>, parking_lot::Condvar>;
type StdStack = Locked<std::sync::Mutex<Vec<u64>>, std::sync::Condvar>;

impl StdHeap {
    fn new() -> Self {
        Locked {
            heap: Default::default(),
            ready: Default::default(),
        }
    }
    fn put(&self, v: u64) {
        self.heap.lock().unwrap().push(std::cmp::Reverse(v));
        self.ready.notify_one();
    }
    fn get(&self) -> u64 {
        let mut h = self.heap.lock().unwrap();
        loop {
            if let Some(std::cmp::Reverse(v)) = h.pop() {
                return v;
            }
            h = self.ready.wait(h).unwrap();
        }
    }
}

impl PlHeap {
    fn new() -> Self {
        Locked {
            heap: Default::default(),
            ready: Default::default(),
        }
    }
    fn put(&self, v: u64) {
        self.heap.lock().push(std::cmp::Reverse(v));
        self.ready.notify_one();
    }
    fn get(&self) -> u64 {
        let mut h = self.heap.lock();
        loop {
            if let Some(std::cmp::Reverse(v)) = h.pop() {
                return v;
            }
            self.ready.wait(&mut h);
        }
    }
}

impl StdStack {
    fn new() -> Self {
        Locked {
            heap: Default::default(),
            ready: Default::default(),
        }
    }
    fn put(&self, v: u64) {
        self.heap.lock().unwrap().push(v);
        self.ready.notify_one();
    }
    fn get(&self) -> u64 {
        let mut h = self.heap.lock().unwrap();
        loop {
            if let Some(v) = h.pop() {
                return v;
            }
            h = self.ready.wait(h).unwrap();
        }
    }
}

/// A fixed xorshift stream of priorities.
fn priorities() -> impl FnMut() -> u64 {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % 1000
    }
}

/// Fills with 64 items, then times put+get pairs.
fn uncontended(r: &mut Bench, who: &str, put: impl Fn(u64), get: impl Fn() -> u64) {
    let mut next = priorities();
    (0..64).for_each(|_| put(next()));
    r.single("priority", "uncontended put+get, 64 inside", who, || {
        put(next());
        std::hint::black_box(get());
    });
}

/// One producer, one consumer, `n` items; returns the time they took.
fn spsc(n: u64, put: impl Fn(u64) + Sync, get: impl Fn() -> u64 + Sync) -> Duration {
    timed_threads(2, |i| {
        if i == 0 {
            let mut next = priorities();
            (0..n).for_each(|_| put(next()));
        } else {
            (0..n).for_each(|_| {
                std::hint::black_box(get());
            });
        }
    })
}

pub fn run(r: &mut Bench) {
    let q = weftsync::PriorityQueue::unbounded();
    uncontended(
        r,
        "weftsync::PriorityQueue",
        |v| q.put(v).unwrap(),
        || q.get().unwrap(),
    );
    let h = StdHeap::new();
    uncontended(r, "std Mutex<BinaryHeap>+Condvar", |v| h.put(v), || h.get());
    let h = PlHeap::new();
    uncontended(
        r,
        "parking_lot Mutex<BinaryHeap>+Condvar",
        |v| h.put(v),
        || h.get(),
    );
    let g = "priority";
    let s = "1p/1c unbounded";
    r.multi(g, s, "weftsync::PriorityQueue", |n| {
        let q = weftsync::PriorityQueue::unbounded();
        spsc(n, |v| q.put(v).unwrap(), || q.get().unwrap())
    });
    r.multi(g, s, "std Mutex<BinaryHeap>+Condvar", |n| {
        let h = StdHeap::new();
        spsc(n, |v| h.put(v), || h.get())
    });
    r.multi(g, s, "parking_lot Mutex<BinaryHeap>+Condvar", |n| {
        let h = PlHeap::new();
        spsc(n, |v| h.put(v), || h.get())
    });
    let s = "LIFO 1p/1c unbounded";
    r.multi(g, s, "weftsync::LifoQueue", |n| {
        let q = weftsync::LifoQueue::unbounded();
        spsc(n, |v| q.put(v).unwrap(), || q.get().unwrap())
    });
    r.multi(g, s, "std Mutex<Vec>+Condvar", |n| {
        let h = StdStack::new();
        spsc(n, |v| h.put(v), || h.get())
    });
}
