//! Semaphore (through `BoundedSemaphore`, which runs the same algorithm plus the release check):
//! permits in use never exceed the limit; every permit comes back; `release` succeeds only
//! for permits taken out with `forget`, so at the end the count is exactly the limit and one
//! more release is rejected.
//!
//! Each thread keeps a debt: permits it took out with `forget` and still has to give back. A
//! thread with a debt never blocks without a timeout, so a blocking acquire always ends.
//! `in_use` counts permits out (guards and forgotten): decremented *before* giving back and
//! incremented *after* taking, so it can only under-count, and `in_use > limit` is a real bug.
//! The timed acquires use the owned (`_arc`) forms when the timeout's low bit is set, so owned
//! and borrowed permits mix on one semaphore.

use super::script;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering::SeqCst};
use std::time::Duration;
use weftsync::{ArcSemaphorePermit, BoundedSemaphore, SemaphorePermit};

pub fn run(data: &[u8]) {
    let limit = 1 + u32::from(data.first().map_or(0, |b| b >> 2)) % 3;
    let scripts = script::threads(data);
    let sem = Arc::new(BoundedSemaphore::new(limit));
    // Signed: an extra release decrements before it knows whether it will be accepted.
    let in_use = AtomicI64::new(0);
    let taken = |n: u32| {
        let now = in_use.fetch_add(i64::from(n), SeqCst) + i64::from(n);
        assert!(
            now <= i64::from(limit),
            "{now} permits in use, more than the limit {limit}"
        );
    };
    let give_back = |p: SemaphorePermit<'_>| {
        in_use.fetch_sub(i64::from(SemaphorePermit::permits(&p)), SeqCst);
        drop(p);
    };
    // An owned permit: taken, held for a moment, given back, like a borrowed one.
    let use_owned = |p: Option<ArcSemaphorePermit>| {
        if let Some(p) = p {
            let n = ArcSemaphorePermit::permits(&p);
            taken(n);
            std::hint::spin_loop();
            in_use.fetch_sub(i64::from(n), SeqCst);
            drop(p);
        }
        None
    };
    let release_one = || {
        in_use.fetch_sub(1, SeqCst);
        let ok = sem.release(1).is_ok();
        if !ok {
            in_use.fetch_add(1, SeqCst); // nothing was given back
        }
        ok
    };
    script::run_threads(&scripts, |_, ops| {
        let mut debt = 0u32;
        for &op in ops {
            let n = 1 + u32::from(op >> 6) % limit; // 1..=limit
            let timeout = Duration::from_micros(u64::from(op >> 3 & 7) * 8);
            let owned = op >> 3 & 1 == 1;
            let got = match op % 8 {
                0 | 1 if debt == 0 => Some(sem.acquire()),
                2 if debt == 0 => Some(sem.acquire_many(n)),
                0..=2 => sem.try_acquire(),
                3 if owned => use_owned(sem.acquire_arc_for(timeout)),
                4 if owned => use_owned(sem.acquire_many_arc_for(n, timeout)),
                3 => sem.acquire_for(timeout),
                4 => sem.acquire_many_for(n, timeout),
                5 => {
                    // Take one out with forget: Python's acquire-without-release.
                    if let Some(p) = sem.acquire_for(Duration::ZERO) {
                        taken(1);
                        SemaphorePermit::forget(p);
                        debt += 1;
                    }
                    None
                }
                6 => {
                    // Pay a debt back (another thread's extra release may have done so).
                    if debt > 0 {
                        debt -= 1;
                        release_one();
                    }
                    None
                }
                _ => {
                    // A release with no debt of our own: accepted only if another thread's
                    // forgotten permit is out.
                    release_one();
                    None
                }
            };
            if let Some(p) = got {
                taken(SemaphorePermit::permits(&p));
                std::hint::spin_loop();
                give_back(p);
            }
        }
        while debt > 0 {
            debt -= 1;
            release_one();
        }
    });
    assert_eq!(in_use.load(SeqCst), 0, "permits still counted in use");
    assert_eq!(Arc::strong_count(&sem), 1, "an owned permit kept its Arc");
    assert_eq!(
        sem.available_permits(),
        limit,
        "a permit was lost or duplicated"
    );
    assert!(
        sem.release(1).is_err(),
        "release accepted past the initial count"
    );
}
