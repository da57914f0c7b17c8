//! Semaphore against the `Mutex<u32> + Condvar` semaphores users write by hand, with
//! parking_lot and with std: acquire+release uncontended, and a 2-thread ping-pong where two
//! semaphores are used as signals (one op = one round trip).

use crate::harness::{Bench, timed_threads};
use std::hint::black_box;
use std::time::Duration;

/// The hand-written semaphore, over parking_lot.
pub struct PlSem {
    count: parking_lot::Mutex<u32>,
    cv: parking_lot::Condvar,
}

impl PlSem {
    pub fn new(n: u32) -> Self {
        PlSem {
            count: parking_lot::Mutex::new(n),
            cv: parking_lot::Condvar::new(),
        }
    }
    pub fn acquire(&self) {
        let mut c = self.count.lock();
        while *c == 0 {
            self.cv.wait(&mut c);
        }
        *c -= 1;
    }
    pub fn release(&self) {
        *self.count.lock() += 1;
        self.cv.notify_one();
    }
}

/// The hand-written semaphore, over std.
pub struct StdSem {
    count: std::sync::Mutex<u32>,
    cv: std::sync::Condvar,
}

impl StdSem {
    pub fn new(n: u32) -> Self {
        StdSem {
            count: std::sync::Mutex::new(n),
            cv: std::sync::Condvar::new(),
        }
    }
    pub fn acquire(&self) {
        let mut c = self.count.lock().unwrap();
        while *c == 0 {
            c = self.cv.wait(c).unwrap();
        }
        *c -= 1;
    }
    pub fn release(&self) {
        *self.count.lock().unwrap() += 1;
        self.cv.notify_one();
    }
}

/// `n` round trips between two threads: one signals `ping` and waits for `pong`, the other
/// the other way round.
fn ping_pong<S: Sync>(n: u64, ping: &S, pong: &S, acquire: fn(&S), release: fn(&S)) -> Duration {
    timed_threads(2, |i| {
        for _ in 0..n {
            if i == 0 {
                release(ping);
                acquire(pong);
            } else {
                acquire(ping);
                release(pong);
            }
        }
    })
}

pub fn run(r: &mut Bench) {
    let g = "semaphore";
    let s = "uncontended acquire+release";
    let w = weftsync::Semaphore::new(1);
    r.single(g, s, "weftsync::Semaphore", || {
        drop(black_box(&w).acquire())
    });
    let p = PlSem::new(1);
    r.single(g, s, "parking_lot Mutex+Condvar", || {
        let p = black_box(&p);
        p.acquire();
        p.release();
    });
    let m = StdSem::new(1);
    r.single(g, s, "std Mutex+Condvar", || {
        let m = black_box(&m);
        m.acquire();
        m.release();
    });

    let s = "2-thread ping-pong (round trip)";
    r.multi(g, s, "weftsync::Semaphore", |n| {
        let (a, b) = (weftsync::Semaphore::new(0), weftsync::Semaphore::new(0));
        ping_pong(
            n,
            &a,
            &b,
            |x| weftsync::SemaphorePermit::forget(x.acquire()),
            |x| x.release(1),
        )
    });
    r.multi(g, s, "parking_lot Mutex+Condvar", |n| {
        let (a, b) = (PlSem::new(0), PlSem::new(0));
        ping_pong(n, &a, &b, PlSem::acquire, PlSem::release)
    });
    r.multi(g, s, "std Mutex+Condvar", |n| {
        let (a, b) = (StdSem::new(0), StdSem::new(0));
        ping_pong(n, &a, &b, StdSem::acquire, StdSem::release)
    });
}
