//! RLock: each thread keeps a stack of guards and checks, after every operation, that `depth()`
//! equals the guards it holds (the model). A thread that takes the lock at depth 1 records itself
//! as the owner and checks no one else was recorded: two owners at once fail. Every acquisition
//! increments the protected counter exactly once, so the final count equals the acquisitions the
//! threads report. A thread drops all its guards at the end of its script, so every blocked
//! `lock` is eventually served.

use super::script;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weftsync::RLock;

const NOBODY: usize = usize::MAX;

struct Shared {
    owner: AtomicUsize,
    count: AtomicU64,
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let lock = RLock::new(Shared {
        owner: AtomicUsize::new(NOBODY),
        count: AtomicU64::new(0),
    });
    let entered = script::run_threads(&scripts, |me, ops| {
        let mut held = Vec::new();
        let mut n = 0u64;
        for &op in ops {
            match op % 6 {
                0..=3 => {
                    let guard = match op % 6 {
                        0 => Some(lock.lock()),
                        1 => lock.try_lock(),
                        2 => lock.lock_for(Duration::ZERO),
                        _ => lock.lock_for(Duration::from_micros(u64::from(op % 64))),
                    };
                    if let Some(g) = guard {
                        if held.is_empty() {
                            assert_eq!(g.owner.swap(me, SeqCst), NOBODY, "two owners at once");
                        } else {
                            assert_eq!(g.owner.load(SeqCst), me, "owner changed under a guard");
                        }
                        g.count.fetch_add(1, SeqCst);
                        n += 1;
                        held.push(g);
                    } else {
                        assert!(held.is_empty(), "the owner's re-entry failed");
                    }
                }
                // Drop the guard at an op-chosen index: drops come in any order.
                4 if !held.is_empty() => {
                    let i = usize::from(op / 6) % held.len();
                    if held.len() == 1 {
                        held[0].owner.store(NOBODY, SeqCst);
                    }
                    drop(held.remove(i));
                }
                _ => {}
            }
            assert_eq!(
                lock.depth() as usize,
                held.len(),
                "depth differs from the model"
            );
        }
        if let Some(g) = held.first() {
            g.owner.store(NOBODY, SeqCst);
        }
        drop(held);
        assert_eq!(lock.depth(), 0);
        n
    });
    assert!(
        !lock.is_locked(),
        "lock still held after every guard dropped"
    );
    let shared = lock.into_inner();
    assert_eq!(shared.owner.into_inner(), NOBODY);
    assert_eq!(
        shared.count.into_inner(),
        entered.iter().sum::<u64>(),
        "acquisitions and increments disagree"
    );
}
