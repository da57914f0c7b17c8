//! Lock against std::sync::Mutex and parking_lot::Mutex: uncontended, contended by 2 threads
//! and by 4 threads (on a 2-core machine, more threads than cores), and a zero-timeout try on a
//! held lock; RLock against parking_lot::ReentrantMutex, uncontended.

use crate::harness::{Bench, on_threads};
use std::hint::black_box;
use std::time::Duration;

pub fn run(r: &mut Bench) {
    let g = "lock";
    let s = "uncontended lock+unlock";
    let w = weftsync::Lock::new(0u64);
    r.single(g, s, "weftsync::Lock", || *black_box(&w).lock() += 1);
    let m = std::sync::Mutex::new(0u64);
    r.single(g, s, "std::sync::Mutex", || {
        *black_box(&m).lock().unwrap() += 1
    });
    let p = parking_lot::Mutex::new(0u64);
    r.single(g, s, "parking_lot::Mutex", || *black_box(&p).lock() += 1);

    for threads in [2, 4] {
        let s = format!("{threads} threads contended lock+unlock");
        let s = s.as_str();
        let w = weftsync::Lock::new(0u64);
        r.multi(g, s, "weftsync::Lock", |n| {
            on_threads(threads, n, |_, k| (0..k).for_each(|_| *w.lock() += 1))
        });
        let m = std::sync::Mutex::new(0u64);
        r.multi(g, s, "std::sync::Mutex", |n| {
            on_threads(threads, n, |_, k| {
                (0..k).for_each(|_| *m.lock().unwrap() += 1)
            })
        });
        let p = parking_lot::Mutex::new(0u64);
        r.multi(g, s, "parking_lot::Mutex", |n| {
            on_threads(threads, n, |_, k| (0..k).for_each(|_| *p.lock() += 1))
        });
    }

    // A zero timeout is one try (docs/api.md): on a held lock it should cost what a failed
    // `try_lock` costs, with no spin and nothing left for the owner's unlock to do.
    let s = "lock_for(0) on a held lock";
    let w = weftsync::Lock::new(0u64);
    let held = w.lock();
    r.single(g, s, "weftsync::Lock::lock_for", || {
        assert!(black_box(&w).lock_for(Duration::ZERO).is_none())
    });
    drop(held);
    let p = parking_lot::Mutex::new(0u64);
    let held = p.lock();
    r.single(g, s, "parking_lot::Mutex::try_lock_for", || {
        assert!(black_box(&p).try_lock_for(Duration::ZERO).is_none())
    });
    drop(held);
    let m = std::sync::Mutex::new(0u64);
    let held = m.lock().unwrap();
    r.single(g, s, "std::sync::Mutex::try_lock", || {
        assert!(black_box(&m).try_lock().is_err())
    });
    drop(held);

    let s = "uncontended reentrant lock+unlock";
    let w = weftsync::RLock::new(std::cell::Cell::new(0u64));
    r.single(g, s, "weftsync::RLock", || {
        let c = black_box(&w).lock();
        c.set(c.get() + 1);
    });
    let p = parking_lot::ReentrantMutex::new(std::cell::Cell::new(0u64));
    r.single(g, s, "parking_lot::ReentrantMutex", || {
        let c = black_box(&p).lock();
        c.set(c.get() + 1);
    });
}
