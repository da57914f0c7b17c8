//! Loom models of `Queue`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//! `put_blocked_on_full_is_woken_by_get`, `get_blocked_on_empty_is_woken_by_put` and
//! `task_done_wakes_join` give each blocking call only the waker its docs name: no shutdown, no
//! drop, no other blocked thread whose wake it could ride on.
//! Timed calls use a 5 s timeout that never passes in real time: the shim lets loom decide when
//! a timed wait gives up, so every crossing of a timeout and a wake is explored.

use loom::sync::Arc;
use loom::thread;
use weftsync::{Queue, RecvError, SendError, SendTimeoutError, TryRecvError};

use crate::LONG;

/// Capacity 1, one producer putting two items and a consumer taking both: the second put blocks
/// on the full slot until the get frees it, and the items arrive once each, in put order.
///
/// (Until the lock-free slots, one model had two producers, three items and this consumer; on
/// `src/slots.rs` it took about 430 s at bound 2, so it is split into this model and the next.)
#[test]
fn producer_blocked_on_capacity_1_delivers_in_order() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        let p = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        let got: Vec<i32> = (0..2).map(|_| q.get().unwrap()).collect();
        p.join().unwrap();
        assert_eq!(
            got,
            [1, 2],
            "an item lost, duplicated or reordered: {got:?}"
        );
        assert!(q.is_empty());
    });
}

/// Capacity 1, two producers with one item each and one consumer taking both: one put blocks on
/// the full slot while the other's item waits, and every item arrives exactly once.
#[test]
fn two_producers_one_consumer_capacity_1_no_loss() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        let p1 = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(1).unwrap())
        };
        let p2 = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(10).unwrap())
        };
        let mut got: Vec<i32> = (0..2).map(|_| q.get().unwrap()).collect();
        p1.join().unwrap();
        p2.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, [1, 10], "an item was lost or duplicated: {got:?}");
        assert!(q.is_empty());
    });
}

/// A put blocked on a full queue is woken by the get that frees the slot (a lost wake-up would
/// leave it asleep, which loom reports as a deadlock).
#[test]
fn put_blocked_on_full_is_woken_by_get() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2).unwrap())
        };
        assert_eq!(q.get(), Ok(1));
        t.join().unwrap();
        assert_eq!(q.try_get(), Ok(2), "the woken put must have gone in");
    });
}

/// Two puts blocked on a full queue of capacity 2 are both woken by two gets, even when the
/// second get comes before the first woken put has relocked: a get skips its wake only while
/// every blocked put is already owed one, so treating "a wake is owed" as "no wake is needed"
/// would leave the second put asleep beside a free slot (a deadlock to loom).
#[test]
fn two_blocked_puts_are_both_woken_by_two_gets() {
    crate::model(|| {
        let q = Arc::new(Queue::new(2));
        q.put(0).unwrap();
        q.put(1).unwrap();
        let putters: Vec<_> = [2, 3]
            .into_iter()
            .map(|v| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.put(v).unwrap())
            })
            .collect();
        let mut got: Vec<i32> = (0..2).map(|_| q.get().unwrap()).collect();
        for t in putters {
            t.join().unwrap();
        }
        got.extend((0..2).map(|_| q.try_get().unwrap()));
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2, 3], "an item was lost or duplicated");
    });
}

/// A get blocked on an empty queue is woken by a put.
#[test]
fn get_blocked_on_empty_is_woken_by_put() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(7).unwrap();
        assert_eq!(t.join().unwrap(), Ok(7));
    });
}

/// Two getters blocked on an empty queue both wake when it is shut down, and fail with ShutDown.
#[test]
fn shutdown_wakes_every_blocked_getter() {
    crate::model(|| {
        let q: Arc<Queue<u8>> = Arc::new(Queue::new(1));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.get())
            })
            .collect();
        q.shutdown(false);
        for t in ts {
            assert_eq!(t.join().unwrap(), Err(RecvError));
        }
    });
}

/// A put blocked on a full queue and a join blocked on its item both wake at an immediate
/// shutdown: the put fails handing its item back, and the dropped item counts as done.
#[test]
fn immediate_shutdown_wakes_blocked_put_and_join() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        let joiner = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.join())
        };
        q.shutdown(true);
        assert_eq!(putter.join().unwrap(), Err(SendError(2)));
        joiner.join().unwrap();
        assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));
    });
}

/// A `get_for` that gives up just as a put arrives loses nothing: either it got the item, or
/// the item is still there. A second, untimed getter is woken for the second item in every case
/// (a timeout never swallows a wake meant for it).
#[test]
fn get_for_timing_out_as_put_arrives_loses_nothing() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        let timed = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get_for(LONG).ok())
        };
        let blocking = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().unwrap())
        };
        q.put(1).unwrap();
        q.put(2).unwrap();
        let a = timed.join().unwrap();
        let b = blocking.join().unwrap();
        let left = q.try_get().ok();
        let mut all: Vec<i32> = [a, Some(b), left].into_iter().flatten().collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "an item was lost or duplicated");
    });
}

/// A `put_for` that gives up just as a get frees the slot either went in or handed its item back.
#[test]
fn put_for_timing_out_as_get_arrives_loses_nothing() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put_for(2, LONG))
        };
        assert_eq!(q.get(), Ok(1));
        match t.join().unwrap() {
            Ok(()) => assert_eq!(q.try_get(), Ok(2), "a put that succeeded lost its item"),
            Err(e) => {
                assert_eq!(
                    e,
                    SendTimeoutError::Timeout(2),
                    "a timed-out put must hand its item back"
                );
                assert!(q.is_empty());
            }
        }
    });
}

/// `task_done` wakes a join blocked on the last unfinished task, and join does not return early.
#[test]
fn task_done_wakes_join() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let worker = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.get().unwrap();
                q.task_done().unwrap();
            })
        };
        q.join();
        assert_eq!(q.unfinished_tasks(), 0, "join returned before task_done");
        worker.join().unwrap();
    });
}

/// Two puts blocked on a full queue, one timed: the timed one may give up at any point, even just
/// as a get frees the slot, but never with the wake that the untimed one needs. Every get frees a
/// slot, and only gets can wake the untimed put here (no shutdown, no other getter): it must go
/// in, and the timed one either went in or handed its item back.
#[test]
fn put_for_timing_out_beside_a_blocked_put_never_swallows_its_wake() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(0).unwrap();
        let timed = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put_for(1, LONG).is_ok())
        };
        let blocking = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        let mut got = vec![q.get().unwrap(), q.get().unwrap()];
        let timed_went_in = timed.join().unwrap();
        if timed_went_in {
            // Three items went in and two were got: the third is inside or on its way.
            got.push(q.get().unwrap());
        }
        assert_eq!(
            blocking.join().unwrap(),
            Ok(()),
            "the blocked put must go in"
        );
        got.extend(q.try_get());
        got.sort_unstable();
        let want: &[i32] = if timed_went_in { &[0, 1, 2] } else { &[0, 2] };
        assert_eq!(got, want, "an item was lost or duplicated");
    });
}
