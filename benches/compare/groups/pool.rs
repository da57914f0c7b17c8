//! ThreadPool against what users pick instead: a thread spawned per task, a hand-rolled
//! crossbeam-channel worker pool (a job channel, a reply channel per task), and rayon (for
//! `map`). Per task: one submit + result round trip, and a burst of 1,000 submits then every
//! result. Per map item: a cheap function over 10,000 items, in order.

use crate::harness::Bench;
use crossbeam_channel::{Sender, bounded, unbounded};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

const WORKERS: usize = 2;
const BURST: u64 = 1_000;
const ITEMS: u64 = 10_000;

type Job = Box<dyn FnOnce() + Send>;

/// The hand-rolled pool: `WORKERS` threads draining one unbounded job channel.
struct ChannelPool {
    jobs: Option<Sender<Job>>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

impl ChannelPool {
    fn new() -> Self {
        let (tx, rx) = unbounded::<Job>();
        let workers = (0..WORKERS)
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || {
                    while let Ok(job) = rx.recv() {
                        job();
                    }
                })
            })
            .collect();
        ChannelPool {
            jobs: Some(tx),
            workers,
        }
    }

    /// Submits `f`; its result comes back on a one-slot channel (the usual "future").
    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> crossbeam_channel::Receiver<T> {
        let (tx, rx) = bounded(1);
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.jobs.as_ref().unwrap().send(job).unwrap();
        rx
    }
}

impl Drop for ChannelPool {
    fn drop(&mut self) {
        self.jobs.take();
        for w in self.workers.drain(..) {
            w.join().unwrap();
        }
    }
}

/// `n` operations as batches of at most `size`, so `Bench::multi` times exactly `n`.
fn batches(n: u64, size: u64) -> impl Iterator<Item = u64> {
    (0..n.div_ceil(size)).map(move |i| (n - i * size).min(size))
}

fn work(x: u64) -> u64 {
    black_box(x)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
}

pub fn run(r: &mut Bench) {
    let pool = weftsync::ThreadPool::new(WORKERS);
    let channel = ChannelPool::new();
    let rayon_pool = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .unwrap();

    let one = "per task: submit + result";
    r.single("pool", one, "weftsync ThreadPool", || {
        black_box(pool.submit(|| work(1)).unwrap().result().unwrap());
    });
    r.single("pool", one, "crossbeam-channel pool", || {
        black_box(channel.submit(|| work(1)).recv().unwrap());
    });
    r.single("pool", one, "std::thread::spawn + join", || {
        black_box(std::thread::spawn(|| work(1)).join().unwrap());
    });
    r.single("pool", one, "rayon::ThreadPool::install", || {
        black_box(rayon_pool.install(|| work(1)));
    });

    let burst = "per task: 1,000 submits, then results";
    r.multi("pool", burst, "weftsync ThreadPool", |n| {
        let t = Instant::now();
        for m in batches(n, BURST) {
            let fs: Vec<_> = (0..m)
                .map(|x| pool.submit(move || work(x)).unwrap())
                .collect();
            for f in fs {
                black_box(f.result().unwrap());
            }
        }
        t.elapsed()
    });
    r.multi("pool", burst, "crossbeam-channel pool", |n| {
        let t = Instant::now();
        for m in batches(n, BURST) {
            let fs: Vec<_> = (0..m).map(|x| channel.submit(move || work(x))).collect();
            for f in fs {
                black_box(f.recv().unwrap());
            }
        }
        t.elapsed()
    });
    r.multi("pool", burst, "rayon scope spawn", |n| {
        let t = Instant::now();
        for m in batches(n, BURST) {
            let mut out = vec![0u64; m as usize];
            rayon_pool.scope(|s| {
                for (x, slot) in out.iter_mut().enumerate() {
                    s.spawn(move |_| *slot = work(x as u64));
                }
            });
            black_box(out);
        }
        t.elapsed()
    });

    let map = "per map item: 10,000 items, in order";
    for (who, chunk) in [
        ("weftsync map, chunksize 1", 1),
        ("weftsync map, chunksize 100", 100),
    ] {
        r.multi("pool", map, who, |n| {
            let t = Instant::now();
            for m in batches(n, ITEMS) {
                let v: Vec<u64> = pool
                    .map(work, 0..m)
                    .chunksize(chunk)
                    .buffersize(4 * WORKERS)
                    .map(Result::unwrap)
                    .collect();
                black_box(v);
            }
            t.elapsed()
        });
    }
    r.multi("pool", map, "rayon par_iter collect", |n| {
        let t = Instant::now();
        for m in batches(n, ITEMS) {
            let v: Vec<u64> = rayon_pool.install(|| (0..m).into_par_iter().map(work).collect());
            black_box(v);
        }
        t.elapsed()
    });
    r.multi("pool", map, "crossbeam-channel pool, chunks of 100", |n| {
        let t = Instant::now();
        for m in batches(n, ITEMS) {
            let chunks: Vec<_> = (0..m)
                .step_by(100)
                .map(|start| {
                    channel
                        .submit(move || (start..(start + 100).min(m)).map(work).collect::<Vec<_>>())
                })
                .collect();
            let v: Vec<u64> = chunks.into_iter().flat_map(|c| c.recv().unwrap()).collect();
            black_box(v);
        }
        t.elapsed()
    });
}
