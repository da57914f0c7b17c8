//! Lock against std::sync::Mutex and parking_lot::Mutex: uncontended, and 2 threads contended.

use crate::harness::{Report, on_threads};
use std::hint::black_box;

pub fn run(r: &mut Report) {
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

    let s = "2 threads contended lock+unlock";
    let w = weftsync::Lock::new(0u64);
    r.multi(g, s, "weftsync::Lock", |n| {
        on_threads(2, n, |_, k| (0..k).for_each(|_| *w.lock() += 1));
    });
    let m = std::sync::Mutex::new(0u64);
    r.multi(g, s, "std::sync::Mutex", |n| {
        on_threads(2, n, |_, k| (0..k).for_each(|_| *m.lock().unwrap() += 1));
    });
    let p = parking_lot::Mutex::new(0u64);
    r.multi(g, s, "parking_lot::Mutex", |n| {
        on_threads(2, n, |_, k| (0..k).for_each(|_| *p.lock() += 1));
    });
}
