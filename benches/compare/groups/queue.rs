//! Queue against crossbeam_channel::bounded, flume::bounded and std::sync::mpsc::sync_channel:
//! SPSC and MPMC (2 producers, 2 consumers) at capacities 1, 64 and 1024. Figures are wall-clock
//! ns per item moved. std's receiver cannot be cloned: its two consumers share it under a Mutex.

use crate::harness::Report;
use std::sync::Mutex;

/// Runs `producers` threads each calling `put(i)` `n / producers` times and `consumers` threads
/// each calling `get()` `n / consumers` times (n rounded so both divide it).
fn run_mpmc(
    n: u64,
    producers: u64,
    consumers: u64,
    put: impl Fn(u64) + Sync,
    get: impl Fn() + Sync,
) {
    let per = (n / (producers * consumers)).max(1);
    std::thread::scope(|s| {
        for _ in 0..producers {
            s.spawn(|| (0..per * consumers).for_each(&put));
        }
        for _ in 0..consumers {
            s.spawn(|| (0..per * producers).for_each(|_| get()));
        }
    });
}

pub fn run(r: &mut Report) {
    let g = "queue";
    for (p, c) in [(1, 1), (2, 2)] {
        for cap in [1usize, 64, 1024] {
            let s = format!("{}p/{}c capacity {cap}", p, c);
            let s = s.as_str();
            r.multi(g, s, "weftsync::Queue", |n| {
                let q = weftsync::Queue::new(cap);
                run_mpmc(
                    n,
                    p,
                    c,
                    |i| q.put(i).unwrap(),
                    || {
                        std::hint::black_box(q.get().unwrap());
                    },
                );
            });
            r.multi(g, s, "crossbeam_channel::bounded", |n| {
                let (tx, rx) = crossbeam_channel::bounded(cap);
                run_mpmc(
                    n,
                    p,
                    c,
                    |i| tx.send(i).unwrap(),
                    || {
                        std::hint::black_box(rx.recv().unwrap());
                    },
                );
            });
            r.multi(g, s, "flume::bounded", |n| {
                let (tx, rx) = flume::bounded(cap);
                run_mpmc(
                    n,
                    p,
                    c,
                    |i| tx.send(i).unwrap(),
                    || {
                        std::hint::black_box(rx.recv().unwrap());
                    },
                );
            });
            r.multi(g, s, "std::sync::mpsc::sync_channel", |n| {
                let (tx, rx) = std::sync::mpsc::sync_channel(cap);
                let rx = Mutex::new(rx);
                run_mpmc(
                    n,
                    p,
                    c,
                    |i| tx.send(i).unwrap(),
                    || {
                        std::hint::black_box(rx.lock().unwrap().recv().unwrap());
                    },
                );
            });
        }
    }
}
