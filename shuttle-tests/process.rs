//! Shuttle scenarios for `weftsync::process`: more "processes" (modelled threads), more
//! operations and deaths at scheduler-chosen points. Each scenario runs under the random
//! scheduler and PCT, 1,000 iterations each (seconds in a debug build).

use shuttle::sync::Arc;
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::process::{
    __simulate_death, Condition, Lock, LockGuard, Plain, Queue, RecvError, Semaphore,
};

const LONG: Duration = Duration::from_secs(5);

/// 4 "processes" each make 3 two-step updates of a pair under the robust lock; process 0 dies in
/// the middle of its second. Exactly one later acquirer is told the owner died and repairs the
/// pair; every other update is whole, and the final count is exact.
fn lock_with_a_dying_holder() {
    let lock = Arc::new(Lock::new(([0u32; 2], 0u32)));
    let ts: Vec<_> = (0..4)
        .map(|p| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                for round in 0..3 {
                    let mut g = lock.lock();
                    if LockGuard::owner_died(&g) {
                        g.0[1] = g.0[0]; // repair the half update
                        g.1 += 1;
                    }
                    assert_eq!(g.0[0], g.0[1], "a torn update was not reported");
                    g.0[0] += 1;
                    if p == 0 && round == 1 {
                        core::mem::forget(g);
                        __simulate_death();
                        return;
                    }
                    g.0[1] += 1;
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    let g = lock.lock();
    let (pair, repairs) = if LockGuard::owner_died(&g) {
        ([g.0[0]; 2], g.1 + 1)
    } else {
        (g.0, g.1)
    };
    assert_eq!(
        repairs, 1,
        "exactly one acquirer must be told the owner died"
    );
    assert_eq!(
        pair,
        [11, 11],
        "3 × 3 whole updates + 2 by the dead one, repaired"
    );
}

#[test]
fn lock_with_a_dying_holder_random() {
    crate::isolated(|| check_random(lock_with_a_dying_holder, 1_000));
}

#[test]
fn lock_with_a_dying_holder_pct() {
    crate::isolated(|| check_pct(lock_with_a_dying_holder, 1_000, 3));
}

/// 4 "processes" take and give back permits of a 2-permit semaphore; one dies holding one. At
/// most 2 holders at once, and after everyone is done all 2 permits are back (the dead one's
/// reclaimed: `reclaimed_permits` is 1).
fn semaphore_with_a_dying_holder() {
    let sem = Arc::new(Semaphore::new(2));
    let inside = Arc::new(Lock::new(0u32));
    let ts: Vec<_> = (0..4)
        .map(|p| {
            let (sem, inside) = (Arc::clone(&sem), Arc::clone(&inside));
            thread::spawn(move || {
                for _ in 0..2 {
                    let permit = sem.acquire();
                    {
                        let mut n = inside.lock();
                        *n += 1;
                        assert!(*n <= 2, "more holders than permits");
                    }
                    *inside.lock() -= 1;
                    if p == 3 {
                        core::mem::forget(permit);
                        __simulate_death();
                        return;
                    }
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    let all = sem
        .acquire_many_for(2, LONG)
        .expect("the dead holder's permit must come back");
    drop(all);
    assert_eq!(sem.reclaimed_permits(), 1);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn semaphore_with_a_dying_holder_random() {
    crate::isolated(|| check_random(semaphore_with_a_dying_holder, 1_000));
}

#[test]
fn semaphore_with_a_dying_holder_pct() {
    crate::isolated(|| check_pct(semaphore_with_a_dying_holder, 1_000, 3));
}

/// 3 producers × 4 plain messages, 2 consumers, a 24-byte ring (two messages): every message is
/// got exactly once; after a plain shutdown the consumers drain and stop.
fn queue_accounting() {
    let q = Arc::new(Queue::boxed(24));
    let producers: Vec<_> = (0..3u32)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for k in 0..4 {
                    if p == 1 {
                        while q.put_for(&Plain(p * 4 + k), LONG).is_err() {}
                    } else {
                        q.put(&Plain(p * 4 + k)).unwrap();
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    match q.get::<Plain<u32>>() {
                        Ok(Plain(v)) => got.push(v),
                        Err(RecvError::Disconnected) => return got,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    q.shutdown(false);
    let mut all: Vec<u32> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..12).collect::<Vec<_>>(),
        "lost or duplicated messages"
    );
}

#[test]
fn queue_accounting_random() {
    crate::isolated(|| check_random(queue_accounting, 1_000));
}

#[test]
fn queue_accounting_pct() {
    crate::isolated(|| check_pct(queue_accounting, 1_000, 3));
}

/// 3 waiters (one timed) and 2 notifiers on a process Condition, with a count under the lock:
/// every unit made is consumed, no waiter is stranded, and notify's counts never exceed the
/// waiters that reported "notified".
fn condition_handoff() {
    let pair = Arc::new((Lock::new((0u32, 0u32)), Condition::new()));
    let waiters: Vec<_> = (0..3)
        .map(|w| {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (lock, cond) = &*pair;
                let mut g = lock.lock();
                while g.0 == 0 {
                    if w == 0 {
                        let _ = cond.wait_for(&mut g, LONG);
                    } else {
                        cond.wait(&mut g);
                    }
                }
                g.0 -= 1;
                g.1 += 1;
            })
        })
        .collect();
    let notifiers: Vec<_> = (0..2)
        .map(|n| {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (lock, cond) = &*pair;
                let units = if n == 0 { 1 } else { 2 };
                lock.lock().0 += units;
                cond.notify(units as usize);
            })
        })
        .collect();
    for t in notifiers {
        t.join().unwrap();
    }
    for t in waiters {
        t.join().unwrap();
    }
    let g = pair.0.lock();
    assert_eq!(
        *g,
        (0, 3),
        "every unit consumed, by exactly one waiter each"
    );
}

#[test]
fn condition_handoff_random() {
    crate::isolated(|| check_random(condition_handoff, 1_000));
}

#[test]
fn condition_handoff_pct() {
    crate::isolated(|| check_pct(condition_handoff, 1_000, 3));
}
