//! Loom models of `LifoQueue`, `PriorityQueue` and unbounded queues. Bound: LOOM_MAX_PREEMPTIONS=2
//! (.cargo/config.toml). The `*_alone` models give each blocking call only the waker its docs
//! name (no shutdown, no drop, no other blocked thread whose wake it could ride on). The three
//! orders share the ring's waiting code, so these models check what differs: the stores under
//! it, the unbounded ring's phantom putter and shrinking, and the orders seen across threads.
//! Timed calls use a 5 s timeout that never passes in real time: the shim lets loom decide when
//! a timed wait gives up.

use loom::sync::Arc;
use loom::thread;
use weftsync::{LifoQueue, PriorityQueue, Queue, SendTimeoutError};

use crate::LONG;

/// A LIFO get blocked on an empty queue is woken by the put, the only thing that can wake it.
#[test]
fn lifo_get_blocked_on_empty_is_woken_by_put_alone() {
    crate::model(|| {
        let q = Arc::new(LifoQueue::new(1));
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(7).unwrap();
        assert_eq!(
            t.join().unwrap(),
            Ok(7),
            "the put must wake the blocked get"
        );
    });
}

/// A LIFO put blocked on a full queue is woken by the get that frees the slot, alone.
#[test]
fn lifo_put_blocked_on_full_is_woken_by_get_alone() {
    crate::model(|| {
        let q = Arc::new(LifoQueue::new(1));
        q.put(1).unwrap();
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        assert_eq!(q.get(), Ok(1));
        assert_eq!(
            t.join().unwrap(),
            Ok(()),
            "the get must wake the blocked put"
        );
        assert_eq!(q.try_get(), Ok(2));
    });
}

/// A priority get blocked on an empty queue is woken by the put, alone.
#[test]
fn priority_get_blocked_on_empty_is_woken_by_put_alone() {
    crate::model(|| {
        let q = Arc::new(PriorityQueue::new(2));
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(7).unwrap();
        assert_eq!(
            t.join().unwrap(),
            Ok(7),
            "the put must wake the blocked get"
        );
    });
}

/// A priority put blocked on a full queue is woken by the get that frees the slot, alone; the
/// get takes the smallest item.
#[test]
fn priority_put_blocked_on_full_is_woken_by_get_alone() {
    crate::model(|| {
        let q = Arc::new(PriorityQueue::new(2));
        q.put(5).unwrap();
        q.put(1).unwrap();
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(3))
        };
        assert_eq!(q.get(), Ok(1), "the smallest item leaves first");
        assert_eq!(
            t.join().unwrap(),
            Ok(()),
            "the get must wake the blocked put"
        );
        assert_eq!(q.try_get(), Ok(3));
        assert_eq!(q.try_get(), Ok(5));
    });
}

/// Two producers put into a priority queue while a consumer takes one item: it gets an item
/// that was put, and once both producers are done the rest leave smallest first, nothing lost.
#[test]
fn priority_two_producers_and_a_consumer_lose_nothing_and_keep_the_order() {
    crate::model(|| {
        let q = Arc::new(PriorityQueue::new(3));
        let producers: Vec<_> = [[4, 1], [3, 2]]
            .into_iter()
            .map(|items| {
                let q = Arc::clone(&q);
                thread::spawn(move || items.into_iter().for_each(|i| q.put(i).unwrap()))
            })
            .collect();
        let first = q.get().unwrap();
        for p in producers {
            p.join().unwrap();
        }
        let rest: Vec<i32> = q.try_iter().collect();
        let mut sorted = rest.clone();
        sorted.sort_unstable();
        assert_eq!(rest, sorted, "what is left leaves smallest first: {rest:?}");
        let mut all = rest;
        all.push(first);
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3, 4], "an item was lost or duplicated");
    });
}

/// A priority `get_for` that gives up just as a put arrives loses nothing, and a second, untimed
/// getter is woken for the second item whatever the timed one did.
#[test]
fn priority_get_for_timing_out_as_put_arrives_loses_nothing() {
    crate::model(|| {
        let q = Arc::new(PriorityQueue::new(2));
        let timed = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get_for(LONG).ok())
        };
        let blocking = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().unwrap())
        };
        q.put(2).unwrap();
        q.put(1).unwrap();
        let a = timed.join().unwrap();
        let b = blocking.join().unwrap();
        let mut all: Vec<i32> = [a, Some(b), q.try_get().ok()]
            .into_iter()
            .flatten()
            .collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "an item was lost or duplicated");
    });
}

/// An unbounded queue's get blocked on empty is woken by the put alone (the get then runs the
/// unbounded ring's own end, which shrinks).
#[test]
fn unbounded_get_blocked_on_empty_is_woken_by_put_alone() {
    crate::model(|| {
        let q = Arc::new(Queue::unbounded());
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(7).unwrap();
        assert_eq!(
            t.join().unwrap(),
            Ok(7),
            "the put must wake the blocked get"
        );
    });
}

/// Puts on an unbounded LIFO queue never wait, even with a getter blocked beside them, and an
/// untimed getter blocked beside a timed one is woken whatever the timed one does (its phantom
/// putter never makes a get wake anyone or miss a getter).
#[test]
fn unbounded_get_for_timing_out_beside_a_blocked_get_never_swallows_its_wake() {
    crate::model(|| {
        let q = Arc::new(LifoQueue::unbounded());
        let timed = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get_for(LONG).ok())
        };
        let blocking = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get().unwrap())
        };
        assert_eq!(
            q.put_for(1, std::time::Duration::ZERO),
            Ok(()),
            "never full"
        );
        q.put(2).unwrap();
        let a = timed.join().unwrap();
        let b = blocking.join().unwrap();
        let mut all: Vec<i32> = [a, Some(b), q.try_get().ok()]
            .into_iter()
            .flatten()
            .collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "an item was lost or duplicated");
    });
}

/// A LIFO `put_for` that gives up just as a get frees the slot either went in or handed its item
/// back.
#[test]
fn lifo_put_for_timing_out_as_get_arrives_loses_nothing() {
    crate::model(|| {
        let q = Arc::new(LifoQueue::new(1));
        q.put(1).unwrap();
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put_for(2, LONG))
        };
        assert_eq!(q.get(), Ok(1));
        match t.join().unwrap() {
            Ok(()) => assert_eq!(q.try_get(), Ok(2), "a put that succeeded lost its item"),
            Err(e) => {
                assert_eq!(e, SendTimeoutError::Timeout(2), "handed back");
                assert!(q.is_empty());
            }
        }
    });
}

/// `task_done` wakes a join blocked on a priority queue's last unfinished task, alone.
#[test]
fn priority_join_is_woken_by_task_done_alone() {
    crate::model(|| {
        let q = Arc::new(PriorityQueue::unbounded());
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
