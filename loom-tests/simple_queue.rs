//! Loom models of `SimpleQueue`. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml). Loom
//! checks the lock-free push against the take-all swap, the `SLEEPERS` announcement against
//! the push that must find it, and every `next` pointer access for data races (they are the
//! shim's `UnsafeCell`). The `*_alone` models give a blocked get only the waker its docs name.

use crate::LONG;
use loom::sync::Arc;
use loom::thread;
use weftsync::SimpleQueue;

/// A get blocked on an empty queue is woken by a put, the only thing that can wake it.
#[test]
fn get_blocked_on_empty_is_woken_by_put_alone() {
    crate::model(|| {
        let q = Arc::new(SimpleQueue::new());
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(7);
        assert_eq!(t.join().unwrap(), 7, "the put must wake the blocked get");
    });
}

/// Two getters blocked on an empty queue are both woken by two puts, even when one woken getter
/// takes both items into its list and the other must announce itself again: a put wakes every
/// sleeper, and the second put finds the re-announcement.
#[test]
fn two_blocked_getters_are_both_woken_by_two_puts() {
    crate::model(|| {
        let q = Arc::new(SimpleQueue::new());
        let getters: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.get())
            })
            .collect();
        q.put(1);
        q.put(2);
        let mut got: Vec<i32> = getters.into_iter().map(|g| g.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 2], "an item was lost or duplicated");
    });
}

/// A `get_for` that gives up just as a put arrives loses nothing, and an untimed getter beside
/// it is woken for the second item in every case.
#[test]
fn get_for_timing_out_as_put_arrives_loses_nothing_and_swallows_no_wake() {
    crate::model(|| {
        let q = Arc::new(SimpleQueue::new());
        let timed = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get_for(LONG))
        };
        let blocking = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(1);
        q.put(2);
        let a = timed.join().unwrap();
        let b = blocking.join().unwrap();
        let mut all: Vec<i32> = [a, Some(b), q.try_get()].into_iter().flatten().collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "an item was lost or duplicated");
    });
}

/// Two producers push while a consumer takes: the pushes race the consumer's take-all swap and
/// each other's compare-exchange. Every item arrives once, each producer's in its order.
#[test]
fn two_producers_racing_a_consumer_keep_fifo_per_producer() {
    crate::model(|| {
        let q = Arc::new(SimpleQueue::new());
        let p1 = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1);
                q.put(2);
            })
        };
        let p2 = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(10))
        };
        let first = q.get();
        p1.join().unwrap();
        p2.join().unwrap();
        let mut got = vec![first];
        got.extend(q.try_iter());
        let ones: Vec<_> = got.iter().filter(|&&v| v < 10).collect();
        assert_eq!(ones, [&1, &2], "producer 1's items reordered: {got:?}");
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            [1, 2, 10],
            "an item was lost or duplicated: {got:?}"
        );
    });
}

/// Dropping a queue that still holds items put by another thread drops each once (no race on
/// the nodes: the drop happens after the join).
#[test]
fn items_put_by_another_thread_are_dropped_once_with_the_queue() {
    crate::model(|| {
        // A std `Arc` as the item: loom does not need to see it, only count its drops.
        let item = std::sync::Arc::new(());
        let q = Arc::new(SimpleQueue::new());
        let p = {
            let (q, item) = (Arc::clone(&q), std::sync::Arc::clone(&item));
            thread::spawn(move || {
                q.put(std::sync::Arc::clone(&item));
                q.put(item);
            })
        };
        let got = q.try_get();
        p.join().unwrap();
        drop(got);
        drop(q); // the last handle: the producer's was dropped with its thread
        assert_eq!(
            std::sync::Arc::strong_count(&item),
            1,
            "every item dropped exactly once"
        );
    });
}
