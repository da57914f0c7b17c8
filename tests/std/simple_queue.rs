//! `SimpleQueue` on real threads: FIFO, the get forms, wake-ups, drops, stress, and a property
//! test against a `VecDeque` model. (That `put` takes no lock is checked inside the library,
//! `src/simple_queue.rs`, where the lock is visible.)

use crate::watchdog::watched;
use proptest::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::SimpleQueue;

const STRESS_ITEMS: usize = if cfg!(miri) {
    200
} else if cfg!(debug_assertions) {
    40_000
} else {
    1_000_000
};

#[test]
fn items_leave_in_fifo_order() {
    watched(|| {
        let q = SimpleQueue::new();
        for i in 0..100 {
            q.put(i);
        }
        assert_eq!(q.len(), 100);
        let got: Vec<i32> = (0..100).map(|_| q.get()).collect();
        assert_eq!(
            got,
            (0..100).collect::<Vec<_>>(),
            "items must leave in FIFO order"
        );
        q.put(1);
        assert_eq!(q.try_get(), Some(1));
        q.put(2);
        q.put(3);
        assert_eq!(
            q.try_get(),
            Some(2),
            "a put after the buffer was refilled is still last"
        );
        q.put(4);
        assert_eq!(q.try_iter().collect::<Vec<_>>(), [3, 4]);
        assert!(q.is_empty());
    });
}

#[test]
fn get_forms_time_out_and_a_zero_timeout_is_one_try() {
    watched(|| {
        let q = SimpleQueue::<u8>::new();
        assert_eq!(q.try_get(), None);
        assert_eq!(q.get_for(Duration::ZERO), None);
        assert_eq!(q.get_until(Instant::now() - Duration::from_millis(1)), None);
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert_eq!(q.get_for(Duration::from_millis(50)), None);
        });
        q.put(7);
        assert_eq!(
            q.get_until(Instant::now() - Duration::from_millis(1)),
            Some(7),
            "an item is taken even with a past deadline"
        );
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let q = SimpleQueue::new();
        std::thread::scope(|s| {
            let t = s.spawn(|| q.get_for(Duration::MAX));
            q.put(7);
            assert_eq!(
                t.join().unwrap(),
                Some(7),
                "Duration::MAX must mean wait forever"
            );
        });
    });
}

#[test]
fn every_blocked_getter_is_woken_by_the_puts() {
    watched(|| {
        let q = SimpleQueue::new();
        let got: Vec<u32> = std::thread::scope(|s| {
            let getters: Vec<_> = (0..3).map(|_| s.spawn(|| q.get())).collect();
            for i in 0..3 {
                q.put(i);
            }
            getters.into_iter().map(|g| g.join().unwrap()).collect()
        });
        let mut got = got;
        got.sort_unstable();
        assert_eq!(got, [0, 1, 2], "three puts wake three blocked getters");
    });
}

/// Counts drops, and panics in its drop if told to.
struct Counted {
    id: usize,
    panics: bool,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, SeqCst);
        if self.panics {
            panic!("item {} panics in its drop", self.id);
        }
    }
}

fn counted(n: usize, panicking: Option<usize>) -> (Vec<Counted>, Arc<Vec<AtomicUsize>>) {
    let drops: Arc<Vec<AtomicUsize>> = Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect());
    let items = (0..n)
        .map(|id| Counted {
            id,
            panics: Some(id) == panicking,
            drops: Arc::clone(&drops),
        })
        .collect();
    (items, drops)
}

#[test]
fn items_inside_when_the_queue_drops_are_dropped_once_even_if_one_panics() {
    watched(|| {
        let (items, drops) = counted(10, Some(6));
        let q = SimpleQueue::new();
        for item in items {
            q.put(item);
        }
        drop(q.get()); // moves the first batch into the getters' list
        q.put(Counted {
            id: 0,
            panics: false,
            drops: Arc::new((0..1).map(|_| AtomicUsize::new(0)).collect()),
        });
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(q)));
        assert!(dropped.is_err(), "the item's panic reaches the owner");
        for (id, d) in drops.iter().enumerate() {
            assert_eq!(d.load(SeqCst), 1, "item {id} must be dropped exactly once");
        }
    });
}

/// An item whose drop puts into the static queue it came from: gets and drops interleave with
/// puts from inside those drops.
struct PutsOnDrop(u32);

static REENTRANT: SimpleQueue<PutsOnDrop> = SimpleQueue::new();

impl Drop for PutsOnDrop {
    fn drop(&mut self) {
        if self.0 > 0 {
            REENTRANT.put(PutsOnDrop(self.0 - 1));
        }
    }
}

#[test]
fn a_drop_may_put_into_the_queue_it_came_from() {
    watched(|| {
        REENTRANT.put(PutsOnDrop(50));
        let mut dropped = 0;
        while let Some(item) = REENTRANT.try_get() {
            drop(item); // puts the next one
            dropped += 1;
        }
        assert_eq!(dropped, 51, "each drop put the next item");
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let q = SimpleQueue::new();
        q.put(1);
        assert_eq!(format!("{q:?}"), "SimpleQueue { len: 1, .. }");
    });
}

/// `iter()` is a get per step: it yields the items in order and then waits for the next put
/// (it never ends).
#[test]
fn iter_yields_each_item_in_order_and_waits_for_the_next() {
    watched(|| {
        let q = SimpleQueue::new();
        q.put(1);
        q.put(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                // Put while the iterator waits (or before it looks): either way it yields 3.
                q.put(3);
            });
            assert_eq!(
                q.iter().take(3).collect::<Vec<_>>(),
                [1, 2, 3],
                "iter yields every item in order, waiting for the one still to come"
            );
        });
    });
}

#[test]
fn iterators_debug_shows_the_queue_and_no_item() {
    watched(|| {
        let q = SimpleQueue::new();
        q.put(1);
        assert_eq!(
            format!("{:?}", q.iter()),
            "Iter { queue: SimpleQueue { len: 1, .. } }",
            "Iter's Debug shows its queue (length only), takes nothing"
        );
        assert_eq!(
            format!("{:?}", q.try_iter()),
            "TryIter { queue: SimpleQueue { len: 1, .. } }",
            "TryIter's Debug shows its queue (length only), takes nothing"
        );
        assert_eq!(q.len(), 1, "formatting an iterator took no item");
    });
}

/// 4 producers × 4 consumers (two with `get_for`): every item received exactly once, and each
/// producer's items in the order it put them.
#[test]
fn stress_4x4_every_item_received_exactly_once_in_order_per_producer() {
    watched(|| {
        let per = STRESS_ITEMS / 4;
        let q = SimpleQueue::new();
        let done = AtomicUsize::new(0);
        let results: Vec<Vec<usize>> = std::thread::scope(|s| {
            for p in 0..4 {
                let q = &q;
                s.spawn(move || (0..per).for_each(|k| q.put(Some(p * per + k))));
            }
            let consumers: Vec<_> = (0..4)
                .map(|c| {
                    let (q, done) = (&q, &done);
                    s.spawn(move || {
                        let mut got = Vec::new();
                        let mut last = [None::<usize>; 4];
                        loop {
                            let item = if c % 2 == 0 {
                                q.get()
                            } else {
                                match q.get_for(Duration::from_micros(50)) {
                                    Some(item) => item,
                                    None => continue,
                                }
                            };
                            let Some(v) = item else { return got }; // the sentinel
                            let p = v / per;
                            assert!(last[p].is_none_or(|l| l < v), "producer {p} reordered");
                            last[p] = Some(v);
                            got.push(v);
                            done.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            while done.load(SeqCst) < 4 * per {
                std::thread::yield_now();
            }
            (0..4).for_each(|_| q.put(None));
            consumers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        let mut seen = vec![false; 4 * per];
        for v in results.into_iter().flatten() {
            assert!(!seen[v], "item {v} received twice");
            seen[v] = true;
        }
        assert!(seen.iter().all(|&b| b), "an item was lost");
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Put(u8),
    TryGet,
    GetZero,
    Get,
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Put),
        1 => Just(Op::TryGet),
        1 => Just(Op::GetZero),
        1 => Just(Op::Get),
        1 => Just(Op::Drain),
    ]
}

#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// One thread: every call returns what a `VecDeque` says (a blocking get only when the model
    /// holds an item).
    #[test]
    fn simple_queue_matches_vecdeque_model(ops in proptest::collection::vec(op(), 0..100)) {
        watched(move || {
            let q = SimpleQueue::new();
            let mut m = VecDeque::new();
            for op in ops {
                match op {
                    Op::Put(v) => {
                        q.put(v);
                        m.push_back(v);
                    }
                    Op::TryGet => prop_assert_eq!(q.try_get(), m.pop_front()),
                    Op::GetZero => prop_assert_eq!(q.get_for(Duration::ZERO), m.pop_front()),
                    Op::Get => {
                        if let Some(v) = m.pop_front() {
                            prop_assert_eq!(q.get(), v);
                        }
                    }
                    Op::Drain => {
                        prop_assert_eq!(q.try_iter().collect::<Vec<_>>(), Vec::from(m.clone()));
                        m.clear();
                    }
                }
                prop_assert_eq!(q.len(), m.len());
                prop_assert_eq!(q.is_empty(), m.is_empty());
            }
            Ok(())
        })?;
    }
}
