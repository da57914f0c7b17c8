//! Event against the `Mutex<bool>` + `Condvar` flag users write by hand (parking_lot and std):
//! uncontended set/wait/clear, and a 2-thread ping-pong over two events.

use crate::harness::{Bench, on_threads};
use std::hint::black_box;

/// The hand-written event: a flag under a mutex, a condition variable to wait on.
trait Flag: Sync {
    fn set(&self);
    fn wait(&self);
    fn clear(&self);
}

impl Flag for weftsync::Event {
    fn set(&self) {
        weftsync::Event::set(self);
    }
    fn wait(&self) {
        weftsync::Event::wait(self);
    }
    fn clear(&self) {
        weftsync::Event::clear(self);
    }
}

#[derive(Default)]
struct PlFlag {
    set: parking_lot::Mutex<bool>,
    cv: parking_lot::Condvar,
}

impl Flag for PlFlag {
    fn set(&self) {
        *self.set.lock() = true;
        self.cv.notify_all();
    }
    fn wait(&self) {
        let mut g = self.set.lock();
        while !*g {
            self.cv.wait(&mut g);
        }
    }
    fn clear(&self) {
        *self.set.lock() = false;
    }
}

#[derive(Default)]
struct StdFlag {
    set: std::sync::Mutex<bool>,
    cv: std::sync::Condvar,
}

impl Flag for StdFlag {
    fn set(&self) {
        *self.set.lock().unwrap() = true;
        self.cv.notify_all();
    }
    fn wait(&self) {
        let g = self.set.lock().unwrap();
        drop(self.cv.wait_while(g, |set| !*set).unwrap());
    }
    fn clear(&self) {
        *self.set.lock().unwrap() = false;
    }
}

fn uncontended<F: Flag>(r: &mut Bench, who: &str, f: &F) {
    r.single("event", "uncontended set+wait+clear", who, || {
        let f = black_box(f);
        f.set();
        f.wait();
        f.clear();
    });
}

/// One round trip: A sets ping and waits for pong; B waits for ping, clears it, sets pong.
fn ping_pong<F: Flag>(r: &mut Bench, who: &str, ping: &F, pong: &F) {
    r.multi("event", "2-thread ping-pong (round trip)", who, |n| {
        on_threads(2, 2 * n, |i, k| {
            for _ in 0..k {
                if i == 0 {
                    ping.set();
                    pong.wait();
                    pong.clear();
                } else {
                    ping.wait();
                    ping.clear();
                    pong.set();
                }
            }
        })
    });
}

pub fn run(r: &mut Bench) {
    uncontended(r, "weftsync::Event", &weftsync::Event::new());
    uncontended(r, "parking_lot Mutex<bool>+Condvar", &PlFlag::default());
    uncontended(r, "std Mutex<bool>+Condvar", &StdFlag::default());

    let (a, b) = (weftsync::Event::new(), weftsync::Event::new());
    ping_pong(r, "weftsync::Event", &a, &b);
    let (a, b) = (PlFlag::default(), PlFlag::default());
    ping_pong(r, "parking_lot Mutex<bool>+Condvar", &a, &b);
    let (a, b) = (StdFlag::default(), StdFlag::default());
    ping_pong(r, "std Mutex<bool>+Condvar", &a, &b);
}
