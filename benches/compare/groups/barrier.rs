//! Barrier against `std::sync::Barrier`, the one users would pick instead: one generation per
//! operation, with 2 threads (one per core) and with 4 (more threads than cores, where a waiter
//! that spins delays the arrival it waits for).
//!
//! Not compared: crossbeam-utils' `WaitGroup`. It is one-shot (a generation needs a fresh group,
//! an `Arc` allocation and a clone handed to every thread through some other channel), so a
//! reusable-barrier loop built on it measures that hand-off more than the rendezvous. parking_lot
//! has no barrier.

use crate::harness::{Bench, on_threads};

trait Rendezvous: Sync {
    fn wait(&self);
}

impl Rendezvous for weftsync::Barrier {
    fn wait(&self) {
        weftsync::Barrier::wait(self).expect("never broken here");
    }
}

impl Rendezvous for std::sync::Barrier {
    fn wait(&self) {
        let _ = std::sync::Barrier::wait(self);
    }
}

/// `n` generations of `threads` parties: every thread waits `n` times.
fn generations<B: Rendezvous>(r: &mut Bench, scenario: &str, who: &str, threads: u64, b: &B) {
    r.multi("barrier", scenario, who, |n| {
        on_threads(threads, threads * n, |_, k| {
            for _ in 0..k {
                b.wait();
            }
        })
    });
}

pub fn run(r: &mut Bench) {
    for (threads, scenario) in [
        (2, "2 threads, one generation"),
        (4, "4 threads on 2 cores, one generation"),
    ] {
        let parties = threads as usize;
        generations(
            r,
            scenario,
            "weftsync::Barrier",
            threads,
            &weftsync::Barrier::new(parties),
        );
        generations(
            r,
            scenario,
            "std::sync::Barrier",
            threads,
            &std::sync::Barrier::new(parties),
        );
    }
}
