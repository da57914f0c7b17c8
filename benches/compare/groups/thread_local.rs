//! ThreadLocal against the `thread_local` crate and std's `thread_local!`: the hot path
//! `get_or` plus an increment of a `Cell<u64>`, on 1 thread and on 2 threads at once.
//!
//! The 2-thread figures are the cost per operation *per thread* (each thread does `n`
//! operations and the wall time is divided by `n`), so they compare directly with the 1-thread
//! figures: equal means no false sharing; the `thread_local` crate keeps neighbouring threads'
//! values on one cache line.

use crate::harness::{Bench, on_threads};
use std::cell::Cell;
use std::hint::black_box;

std::thread_local! {
    static STD: Cell<u64> = const { Cell::new(0) };
}

#[inline(always)]
fn bump(c: &Cell<u64>) {
    c.set(c.get() + 1);
}

pub fn run(r: &mut Bench) {
    let g = "thread_local";
    let s = "1 thread get_or+increment";
    let w: weftsync::ThreadLocal<Cell<u64>> = weftsync::ThreadLocal::new();
    r.single(g, s, "weftsync::ThreadLocal", || {
        bump(black_box(&w).get_or(|| Cell::new(0)))
    });
    let t: thread_local::ThreadLocal<Cell<u64>> = thread_local::ThreadLocal::new();
    r.single(g, s, "thread_local::ThreadLocal", || {
        bump(black_box(&t).get_or(|| Cell::new(0)))
    });
    r.single(g, s, "std thread_local!", || {
        STD.with(|c| bump(black_box(c)))
    });

    let s = "2 threads at once, per-thread ns/op";
    let w: weftsync::ThreadLocal<Cell<u64>> = weftsync::ThreadLocal::new();
    r.multi(g, s, "weftsync::ThreadLocal", |n| {
        on_threads(2, 2 * n, |_, k| {
            (0..k).for_each(|_| bump(black_box(&w).get_or(|| Cell::new(0))))
        })
    });
    let t: thread_local::ThreadLocal<Cell<u64>> = thread_local::ThreadLocal::new();
    r.multi(g, s, "thread_local::ThreadLocal", |n| {
        on_threads(2, 2 * n, |_, k| {
            (0..k).for_each(|_| bump(black_box(&t).get_or(|| Cell::new(0))))
        })
    });
    r.multi(g, s, "std thread_local!", |n| {
        on_threads(2, 2 * n, |_, k| {
            (0..k).for_each(|_| STD.with(|c| bump(black_box(c))))
        })
    });
}
