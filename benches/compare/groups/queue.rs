//! Queue, and the one-way pipe (the same ring behind a sender and a receiver), against the
//! bounded channels users would pick instead: crossbeam_channel, flume, kanal and
//! std::sync::mpsc::sync_channel. SPSC and MPMC (2 producers, 2 consumers) at capacities 1, 64
//! and 1024. Figures are wall-clock ns per item moved. std's receiver cannot be shared between
//! threads: its consumers share it under a Mutex (in SPSC too, so every implementation runs the
//! same code here).

use crate::harness::{Bench, rescale, timed_threads};
use std::hint::black_box;
use std::sync::Mutex;

/// A bounded channel of `u64`, both ends shared by reference between the threads.
pub trait Chan: Sync {
    fn put(&self, v: u64);
    fn get(&self) -> u64;
}

impl Chan for weftsync::Queue<u64> {
    fn put(&self, v: u64) {
        weftsync::Queue::put(self, v).unwrap();
    }
    fn get(&self) -> u64 {
        weftsync::Queue::get(self).unwrap()
    }
}

impl Chan for (weftsync::PipeReceiver<u64>, weftsync::PipeSender<u64>) {
    fn put(&self, v: u64) {
        self.1.send(v).unwrap();
    }
    fn get(&self) -> u64 {
        self.0.recv().unwrap()
    }
}

impl Chan
    for (
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    )
{
    fn put(&self, v: u64) {
        self.0.send(v).unwrap();
    }
    fn get(&self) -> u64 {
        self.1.recv().unwrap()
    }
}

impl Chan for (flume::Sender<u64>, flume::Receiver<u64>) {
    fn put(&self, v: u64) {
        self.0.send(v).unwrap();
    }
    fn get(&self) -> u64 {
        self.1.recv().unwrap()
    }
}

impl Chan for (kanal::Sender<u64>, kanal::Receiver<u64>) {
    fn put(&self, v: u64) {
        self.0.send(v).unwrap();
    }
    fn get(&self) -> u64 {
        self.1.recv().unwrap()
    }
}

impl Chan
    for (
        std::sync::mpsc::SyncSender<u64>,
        Mutex<std::sync::mpsc::Receiver<u64>>,
    )
{
    fn put(&self, v: u64) {
        self.0.send(v).unwrap();
    }
    fn get(&self) -> u64 {
        self.1.lock().unwrap().recv().unwrap()
    }
}

/// Moves about `n` items through a fresh channel from `producers` threads to `consumers`
/// threads (each producer puts the same number, each consumer gets the same number); returns
/// the time, rescaled to `n` items. With one thread in all, it puts and gets in turn.
pub fn stream<C: Chan>(n: u64, producers: u64, consumers: u64, ch: &C) -> std::time::Duration {
    if producers + consumers == 1 {
        let took = timed_threads(1, |_| {
            for i in 0..n {
                ch.put(i);
                black_box(ch.get());
            }
        });
        return took;
    }
    let per = n.div_ceil(producers * consumers).max(1);
    let took = timed_threads((producers + consumers) as usize, |i| {
        if (i as u64) < producers {
            (0..per * consumers).for_each(|v| ch.put(v));
        } else {
            (0..per * producers).for_each(|_| {
                black_box(ch.get());
            });
        }
    });
    rescale(took, per * producers * consumers, n)
}

pub fn run(r: &mut Bench) {
    let g = "queue";
    for (p, c) in [(1, 1), (2, 2)] {
        for cap in [1usize, 64, 1024] {
            let s = format!("{p}p/{c}c capacity {cap}");
            let s = s.as_str();
            r.multi(g, s, "weftsync::Queue", |n| {
                stream(n, p, c, &weftsync::Queue::new(cap))
            });
            r.multi(g, s, "weftsync::pipe_oneway", |n| {
                stream(n, p, c, &weftsync::pipe_oneway(cap))
            });
            r.multi(g, s, "crossbeam_channel::bounded", |n| {
                stream(n, p, c, &crossbeam_channel::bounded(cap))
            });
            r.multi(g, s, "flume::bounded", |n| {
                stream(n, p, c, &flume::bounded(cap))
            });
            r.multi(g, s, "kanal::bounded", |n| {
                stream(n, p, c, &kanal::bounded(cap))
            });
            r.multi(g, s, "std::sync::mpsc::sync_channel", |n| {
                let (tx, rx) = std::sync::mpsc::sync_channel(cap);
                stream(n, p, c, &(tx, Mutex::new(rx)))
            });
        }
    }
}
