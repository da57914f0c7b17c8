//! RLock: each thread keeps a stack of guards and checks, after every operation, that `depth()`
//! equals the guards it holds (the model). A thread that takes the lock at depth 1 records itself
//! as the owner and checks no one else was recorded: two owners at once fail. Every acquisition
//! increments the protected counter exactly once, so the final count equals the acquisitions the
//! threads report. Acquisitions go through every form (blocking, one try, zero and short
//! timeouts, deadlines, owned `Arc` guards), and guards drop in any order. A thread drops all its
//! guards at the end of its script, so every blocked `lock` is eventually served.

use super::script;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{ArcRLockGuard, RLock, RLockGuard};

const NOBODY: usize = usize::MAX;

struct Shared {
    owner: AtomicUsize,
    count: AtomicU64,
}

/// One level held by a thread: a borrowed or an owned guard.
enum Level<'a> {
    Borrowed(RLockGuard<'a, Shared>),
    Owned(ArcRLockGuard<Shared>),
}

impl Level<'_> {
    fn shared(&self) -> &Shared {
        match self {
            Level::Borrowed(g) => g,
            Level::Owned(g) => g,
        }
    }
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let lock = Arc::new(RLock::new(Shared {
        owner: AtomicUsize::new(NOBODY),
        count: AtomicU64::new(0),
    }));
    let entered = script::run_threads(&scripts, |me, ops| {
        let mut held: Vec<Level<'_>> = Vec::new();
        let mut n = 0u64;
        for &op in ops {
            let micros = Duration::from_micros(u64::from(op % 64));
            match op % 8 {
                0..=5 => {
                    let level = match op % 8 {
                        0 => Some(Level::Borrowed(lock.lock())),
                        1 => lock.try_lock().map(Level::Borrowed),
                        2 => lock.lock_for(Duration::ZERO).map(Level::Borrowed),
                        3 => lock.lock_for(micros).map(Level::Borrowed),
                        4 => lock
                            .lock_until(Instant::now() + micros)
                            .map(Level::Borrowed),
                        _ => lock.lock_arc_for(micros).map(Level::Owned),
                    };
                    if let Some(level) = level {
                        let shared = level.shared();
                        if held.is_empty() {
                            assert_eq!(shared.owner.swap(me, SeqCst), NOBODY, "two owners at once");
                        } else {
                            assert_eq!(
                                shared.owner.load(SeqCst),
                                me,
                                "owner changed under a guard"
                            );
                        }
                        shared.count.fetch_add(1, SeqCst);
                        n += 1;
                        held.push(level);
                    } else {
                        assert!(held.is_empty(), "the owner's re-entry failed");
                    }
                }
                // Drop the guard at an op-chosen index: drops come in any order.
                6 if !held.is_empty() => {
                    let i = usize::from(op / 8) % held.len();
                    if held.len() == 1 {
                        held[0].shared().owner.store(NOBODY, SeqCst);
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
        if let Some(level) = held.first() {
            level.shared().owner.store(NOBODY, SeqCst);
        }
        drop(held);
        assert_eq!(lock.depth(), 0);
        n
    });
    assert!(
        !lock.is_locked(),
        "lock still held after every guard dropped"
    );
    let shared = &*lock.lock();
    assert_eq!(shared.owner.load(SeqCst), NOBODY);
    assert_eq!(
        shared.count.load(SeqCst),
        entered.iter().sum::<u64>(),
        "acquisitions and increments disagree"
    );
}
