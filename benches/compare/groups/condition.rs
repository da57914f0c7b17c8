//! Condition ping-pong against parking_lot::Condvar and std::sync::Condvar: two threads take
//! turns on a counter behind a lock, each turn one wait (until it is this thread's turn) and one
//! notify. One op = one hand-over.

use crate::harness::{Bench, on_threads};

pub fn run(r: &mut Bench) {
    let g = "condition";
    let s = "ping-pong, 2 threads (per hand-over)";

    let (lock, cond) = (weftsync::Lock::new(0u64), weftsync::Condition::new());
    r.multi(g, s, "weftsync::Condition", |n| {
        *lock.lock() = 0;
        on_threads(2, n, |me, k| {
            for _ in 0..k {
                let mut turn = lock.lock();
                cond.wait_while(&mut turn, |t| *t % 2 != me);
                *turn += 1;
                cond.notify_one();
            }
        })
    });

    let (lock, cond) = (parking_lot::Mutex::new(0u64), parking_lot::Condvar::new());
    r.multi(g, s, "parking_lot::Condvar", |n| {
        *lock.lock() = 0;
        on_threads(2, n, |me, k| {
            for _ in 0..k {
                let mut turn = lock.lock();
                cond.wait_while(&mut turn, |t| *t % 2 != me);
                *turn += 1;
                cond.notify_one();
            }
        })
    });

    let (lock, cond) = (std::sync::Mutex::new(0u64), std::sync::Condvar::new());
    r.multi(g, s, "std::sync::Condvar", |n| {
        *lock.lock().unwrap() = 0;
        on_threads(2, n, |me, k| {
            for _ in 0..k {
                let turn = lock.lock().unwrap();
                let mut turn = cond.wait_while(turn, |t| *t % 2 != me).unwrap();
                *turn += 1;
                cond.notify_one();
            }
        })
    });
}
