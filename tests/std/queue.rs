//! `Queue` on real threads: API checks, behaviour, property tests against a `VecDeque` model, and
//! stress with a drop-counting item type.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{GetError, PutError, Queue, TaskDoneError, ZeroCapacity};

// Queue: shared by reference, so Sync needs only T: Send (the items move, are never shared).
static_assertions::assert_impl_all!(Queue<u32>: Send, Sync, core::fmt::Debug);
static_assertions::assert_impl_all!(Queue<std::cell::Cell<u8>>: Send, Sync);
static_assertions::assert_not_impl_any!(Queue<std::rc::Rc<u8>>: Send, Sync);
static_assertions::assert_impl_all!(PutError<std::rc::Rc<u8>>: std::error::Error, core::fmt::Debug);
static_assertions::assert_impl_all!(GetError: std::error::Error, Send, Sync, Copy);
static_assertions::assert_impl_all!(TaskDoneError: std::error::Error, Send, Sync, Copy);
static_assertions::assert_impl_all!(ZeroCapacity: std::error::Error, Send, Sync, Copy);

/// Scaled: 1M items in release builds, fewer in debug builds (the std suite must stay < 20 s),
/// a few hundred under Miri.
const STRESS_ITEMS: usize = if cfg!(miri) {
    200
} else if cfg!(debug_assertions) {
    40_000
} else {
    1_000_000
};

/// Counts drops of each value, so a test can prove every item was dropped exactly once.
#[derive(Debug)]
struct Counted {
    id: usize,
    drops: Arc<Vec<AtomicUsize>>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, SeqCst);
    }
}

fn drop_table(n: usize) -> Arc<Vec<AtomicUsize>> {
    Arc::new((0..n).map(|_| AtomicUsize::new(0)).collect())
}

fn assert_each_dropped_once(drops: &[AtomicUsize]) {
    for (id, d) in drops.iter().enumerate() {
        assert_eq!(d.load(SeqCst), 1, "item {id} dropped {d:?} times, not once");
    }
}

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn new_with_zero_capacity_panics() {
    let _ = Queue::<u8>::new(0);
}

#[test]
fn try_new_with_zero_capacity_is_an_error() {
    assert_eq!(Queue::<u8>::try_new(0).unwrap_err(), ZeroCapacity);
    assert_eq!(Queue::<u8>::try_new(1).unwrap().capacity(), 1);
}

#[test]
fn items_leave_in_fifo_order() {
    watched(|| {
        let q = Queue::new(8);
        for i in 0..8 {
            q.put(i).unwrap();
        }
        assert!(q.is_full());
        let got: Vec<_> = (0..8).map(|_| q.get().unwrap()).collect();
        assert_eq!(
            got,
            (0..8).collect::<Vec<_>>(),
            "items must leave in FIFO order"
        );
        assert!(q.is_empty());
    });
}

#[test]
fn failed_puts_hand_the_item_back() {
    watched(|| {
        let q = Queue::new(1);
        q.put(String::from("a")).unwrap();
        assert_eq!(q.try_put("b".into()), Err(PutError::Full("b".into())));
        assert_eq!(
            q.put_for("c".into(), Duration::ZERO),
            Err(PutError::Timeout("c".into()))
        );
        q.shutdown(false);
        assert_eq!(q.put("d".into()), Err(PutError::ShutDown("d".into())));
        assert_eq!(q.try_put("e".into()).unwrap_err().into_inner(), "e");
    });
}

#[test]
fn put_for_times_out_on_a_full_queue() {
    watched(|| {
        let q = Queue::new(1);
        q.put(1).unwrap();
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert_eq!(
                q.put_for(2, Duration::from_millis(50)),
                Err(PutError::Timeout(2))
            );
        });
    });
}

#[test]
fn get_for_times_out_on_an_empty_queue() {
    watched(|| {
        let q: Queue<u8> = Queue::new(1);
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert_eq!(q.get_for(Duration::from_millis(50)), Err(GetError::Timeout));
        });
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_try() {
    watched(|| {
        let q = Queue::new(1);
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(q.get_for(Duration::ZERO), Err(GetError::Timeout));
        assert_eq!(q.get_until(past), Err(GetError::Timeout));
        assert!(
            q.put_until(1, past).is_ok(),
            "a free slot is taken even with a past deadline"
        );
        assert_eq!(q.put_for(2, Duration::ZERO), Err(PutError::Timeout(2)));
        assert_eq!(
            q.get_until(past),
            Ok(1),
            "an item is taken even with a past deadline"
        );
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let q = Queue::new(1);
        std::thread::scope(|s| {
            let t = s.spawn(|| q.get_for(Duration::MAX));
            q.put_for(7, Duration::MAX).unwrap();
            assert_eq!(
                t.join().unwrap(),
                Ok(7),
                "Duration::MAX must mean wait forever"
            );
        });
    });
}

#[test]
fn blocked_put_is_woken_by_get() {
    watched(|| {
        let q = Queue::new(1);
        q.put(0).unwrap();
        std::thread::scope(|s| {
            let t = s.spawn(|| q.put(1));
            assert_eq!(q.get(), Ok(0));
            t.join()
                .unwrap()
                .expect("the get must wake the put blocked on a full queue");
        });
        assert_eq!(q.get(), Ok(1), "the woken put must have gone in");
    });
}

#[test]
fn blocked_get_is_woken_by_put() {
    watched(|| {
        let q = Queue::new(1);
        std::thread::scope(|s| {
            let t = s.spawn(|| q.get());
            q.put(42).unwrap();
            assert_eq!(t.join().unwrap(), Ok(42), "a put must wake the blocked get");
        });
    });
}

#[test]
fn task_done_more_often_than_got_is_an_error() {
    watched(|| {
        let q = Queue::new(2);
        assert_eq!(q.task_done(), Err(TaskDoneError));
        q.put(1).unwrap();
        assert_eq!(
            q.task_done(),
            Err(TaskDoneError),
            "an item put but not got is not a task that can be done"
        );
        q.get().unwrap();
        assert_eq!(q.task_done(), Ok(()));
        assert_eq!(
            q.task_done(),
            Err(TaskDoneError),
            "one get allows one task_done"
        );
        assert_eq!(q.unfinished_tasks(), 0);
    });
}

#[test]
fn join_waits_for_every_task_done() {
    watched(|| {
        let q = Queue::new(4);
        let done = AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                while let Ok(_item) = q.get() {
                    done.fetch_add(1, SeqCst);
                    q.task_done().unwrap();
                }
            });
            for i in 0..20 {
                q.put(i).unwrap();
            }
            q.join();
            assert_eq!(
                done.load(SeqCst),
                20,
                "join returned before every item was marked done"
            );
            q.shutdown(false);
        });
    });
}

#[test]
fn join_for_times_out_while_a_task_is_open() {
    watched(|| {
        let q = Queue::new(1);
        q.put(1).unwrap();
        q.get().unwrap();
        let start = Instant::now();
        assert!(
            !q.join_for(Duration::from_millis(30)),
            "a got item is not done yet"
        );
        assert!(start.elapsed() >= Duration::from_millis(30));
        q.task_done().unwrap();
        assert!(q.join_for(Duration::ZERO));
        assert!(q.join_until(Instant::now()));
    });
}

#[test]
fn shutdown_makes_puts_fail_and_gets_drain_then_fail() {
    watched(|| {
        let q = Queue::new(4);
        q.put(1).unwrap();
        q.put(2).unwrap();
        q.shutdown(false);
        assert!(q.is_shutdown());
        assert_eq!(q.put(3), Err(PutError::ShutDown(3)));
        assert_eq!(q.try_put(3), Err(PutError::ShutDown(3)));
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.try_get(), Ok(2));
        assert_eq!(q.get(), Err(GetError::ShutDown));
        assert_eq!(q.try_get(), Err(GetError::ShutDown));
        assert_eq!(q.get_for(Duration::from_secs(5)), Err(GetError::ShutDown));
    });
}

#[test]
fn immediate_shutdown_drops_what_is_left_and_counts_it_done() {
    watched(|| {
        let drops = drop_table(3);
        let q = Queue::new(3);
        for id in 0..3 {
            q.put(Counted {
                id,
                drops: Arc::clone(&drops),
            })
            .unwrap();
        }
        let first = q.get().unwrap();
        q.shutdown(true);
        assert_eq!(
            drops[1].load(SeqCst) + drops[2].load(SeqCst),
            2,
            "left items not dropped"
        );
        assert_eq!(q.get().err(), Some(GetError::ShutDown));
        assert!(
            !q.join_for(Duration::ZERO),
            "the got item is still unfinished"
        );
        q.task_done().unwrap();
        assert!(q.join_for(Duration::ZERO), "dropped items count as done");
        drop(first);
        drop(q);
        assert_each_dropped_once(&drops);
    });
}

#[test]
fn shutdown_twice_and_upgrade_but_never_downgrade() {
    watched(|| {
        let q = Queue::new(4);
        q.put(1).unwrap();
        q.put(2).unwrap();
        q.shutdown(false);
        q.shutdown(false);
        assert_eq!(q.len(), 2, "a repeated plain shutdown drops nothing");
        q.shutdown(true);
        assert_eq!(q.len(), 0, "a plain shutdown upgrades to immediate");
        q.shutdown(false);
        assert_eq!(
            q.get(),
            Err(GetError::ShutDown),
            "no downgrade after immediate"
        );
        q.shutdown(true);
    });
}

#[test]
fn shutdown_wakes_every_blocked_caller() {
    watched(|| {
        let full = Queue::new(1);
        full.put(0).unwrap();
        let empty: Queue<u32> = Queue::new(1);
        let joined = Queue::<u32>::new(1);
        joined.put(1).unwrap();
        let started = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let putters: Vec<_> = (0..2)
                .map(|i| {
                    s.spawn({
                        let (full, started) = (&full, &started);
                        move || {
                            started.fetch_add(1, SeqCst);
                            full.put(i)
                        }
                    })
                })
                .collect();
            let getters: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        started.fetch_add(1, SeqCst);
                        empty.get()
                    })
                })
                .collect();
            let joiner = s.spawn(|| {
                started.fetch_add(1, SeqCst);
                joined.join();
            });
            while started.load(SeqCst) < 5 {
                std::thread::yield_now();
            }
            full.shutdown(false);
            empty.shutdown(false);
            joined.shutdown(true);
            for p in putters {
                assert!(
                    p.join().unwrap().unwrap_err().is_shutdown(),
                    "blocked put must fail"
                );
            }
            for g in getters {
                assert_eq!(
                    g.join().unwrap(),
                    Err(GetError::ShutDown),
                    "blocked get must fail"
                );
            }
            joiner.join().unwrap();
        });
    });
}

#[test]
fn items_inside_when_the_queue_drops_are_dropped_once() {
    watched(|| {
        let drops = drop_table(5);
        let q = Queue::new(5);
        for id in 0..5 {
            q.put(Counted {
                id,
                drops: Arc::clone(&drops),
            })
            .unwrap();
        }
        drop(q.get().unwrap());
        q.shutdown(false);
        drop(q);
        assert_each_dropped_once(&drops);
    });
}

/// An item whose drop uses the queue that held it: if any item were dropped while the queue's
/// lock is held, the drop would deadlock (the lock is not reentrant).
struct TouchesQueueOnDrop(&'static AtomicBool);

static REENTRANT: Queue<TouchesQueueOnDrop> = Queue::new(4);

impl Drop for TouchesQueueOnDrop {
    fn drop(&mut self) {
        let _ = REENTRANT.len();
        let _ = format!("{REENTRANT:?}");
        self.0.store(true, SeqCst);
    }
}

#[test]
fn items_are_dropped_outside_the_lock() {
    watched(|| {
        static DROPPED: [AtomicBool; 4] = [const { AtomicBool::new(false) }; 4];
        REENTRANT.put(TouchesQueueOnDrop(&DROPPED[0])).unwrap();
        REENTRANT.put(TouchesQueueOnDrop(&DROPPED[1])).unwrap();
        drop(REENTRANT.get().unwrap());
        // A failed put drops its item after returning it, outside the lock.
        REENTRANT.put(TouchesQueueOnDrop(&DROPPED[2])).unwrap();
        REENTRANT.shutdown(false);
        drop(REENTRANT.put(TouchesQueueOnDrop(&DROPPED[3])));
        REENTRANT.shutdown(true); // drops items 1 and 2
        assert!(
            DROPPED.iter().all(|d| d.load(SeqCst)),
            "every item dropped without deadlocking on the queue's lock"
        );
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let q = Queue::new(2);
        q.put(1).unwrap();
        assert_eq!(
            format!("{q:?}"),
            "Queue { capacity: 2, len: 1, state: Open, .. }"
        );
    });
}

#[test]
fn errors_display_and_debug_without_the_item() {
    assert_eq!(
        format!("{:?}", PutError::Full(std::rc::Rc::new(1))),
        "Full(..)"
    );
    assert!(PutError::Timeout(1).to_string().contains("timed out"));
    assert!(GetError::ShutDown.to_string().contains("shut-down"));
    assert!(TaskDoneError.to_string().contains("task_done"));
}

/// 4 producers × 4 consumers, `STRESS_ITEMS` distinct items: each is received exactly once, and
/// each producer's items arrive in the order it put them.
#[test]
fn stress_4x4_every_item_received_exactly_once() {
    watched(|| {
        let producers = 4;
        let per = STRESS_ITEMS / producers;
        let q = Queue::new(64);
        let results: Vec<Vec<usize>> = std::thread::scope(|s| {
            let ps: Vec<_> = (0..producers)
                .map(|p| {
                    let q = &q;
                    s.spawn(move || {
                        for k in 0..per {
                            q.put(p * per + k).unwrap();
                        }
                    })
                })
                .collect();
            let consumers: Vec<_> = (0..4)
                .map(|_| {
                    let q = &q;
                    s.spawn(move || {
                        let mut got = Vec::new();
                        let mut last = [None::<usize>; 4];
                        while let Ok(v) = q.get() {
                            let p = v / per;
                            assert!(
                                last[p].is_none_or(|l| l < v),
                                "producer {p}'s items reordered"
                            );
                            last[p] = Some(v);
                            got.push(v);
                            q.task_done().unwrap();
                        }
                        got
                    })
                })
                .collect();
            for p in ps {
                p.join().unwrap();
            }
            // Every item put; once all are marked done, the shutdown ends the consumers.
            q.join();
            q.shutdown(false);
            consumers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        let mut seen = vec![false; producers * per];
        for v in results.into_iter().flatten() {
            assert!(!seen[v], "item {v} received twice");
            seen[v] = true;
        }
        assert!(seen.iter().all(|&b| b), "an item was lost");
    });
}

/// Drop-counting items through 4 × 4 threads with timed operations, an immediate shutdown in the
/// middle, and the queue dropped with items inside: every item is dropped exactly once, whether
/// got, refused (handed back), drained by the shutdown, or left in the queue.
#[test]
fn stress_drop_counting_with_shutdown_and_drop() {
    watched(|| {
        let n = STRESS_ITEMS / 20;
        let drops = drop_table(n);
        let q = Queue::new(8);
        let got = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let producers: Vec<_> = (0..4)
                .map(|p| {
                    let (q, drops) = (&q, &drops);
                    s.spawn(move || {
                        for id in (p..n).step_by(4) {
                            let item = Counted {
                                id,
                                drops: Arc::clone(drops),
                            };
                            let r = if id % 3 == 0 {
                                q.put_for(item, Duration::from_micros(100))
                            } else {
                                q.put(item)
                            };
                            match r {
                                Ok(()) => {}
                                // Timed out or shut down: handed back and dropped here. After
                                // the shutdown the producer keeps going, so every id is made once.
                                Err(e) => drop(e.into_inner()),
                            }
                        }
                    })
                })
                .collect();
            for c in 0..4 {
                let (q, got) = (&q, &got);
                s.spawn(move || {
                    loop {
                        let r = if c % 2 == 0 {
                            q.get()
                        } else {
                            q.get_for(Duration::from_micros(100))
                        };
                        match r {
                            Ok(item) => {
                                if got.fetch_add(1, SeqCst) == n / 2 {
                                    q.shutdown(true);
                                }
                                drop(item);
                            }
                            Err(GetError::ShutDown) => break,
                            Err(_) => {}
                        }
                    }
                });
            }
            for p in producers {
                p.join().unwrap();
            }
            // In case the consumers got fewer than n / 2 items: lets them drain and stop.
            q.shutdown(false);
        });
        drop(q);
        assert_each_dropped_once(&drops);
    });
}

// ---------------------------------------------------------------------------------------------
// Property tests.

#[derive(Debug, Clone, Copy)]
enum Op {
    TryPut(u8),
    PutZero(u8),
    Put(u8),
    TryGet,
    GetZero,
    Get,
    TaskDone,
    Shutdown(bool),
    JoinZero,
    Len,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u8>().prop_map(Op::TryPut),
        any::<u8>().prop_map(Op::PutZero),
        any::<u8>().prop_map(Op::Put),
        Just(Op::TryGet),
        Just(Op::GetZero),
        Just(Op::Get),
        Just(Op::TaskDone),
        prop_oneof![9 => Just(Op::Len), 1 => any::<bool>().prop_map(Op::Shutdown)],
        Just(Op::JoinZero),
    ]
}

/// The sequential model: a `VecDeque`, a shutdown state and the count of got-but-not-done items.
#[derive(Default)]
struct Model {
    items: VecDeque<u8>,
    shut: u8, // 0 open, 1 plain, 2 immediate
    unfinished: usize,
}

// Sequential-model scripts: plain `cargo test` runs them (256 cases); under Miri, whose
// value is the unsafe paths, the behaviour and stress tests cover those and this is skipped.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// One thread: every call returns what the `VecDeque` model says, including shutdown
    /// (plain, immediate, upgrade) and task_done / join. Blocking calls are issued only when
    /// the model says they would not block.
    #[test]
    fn queue_matches_vecdeque_model(cap in 1usize..5, ops in proptest::collection::vec(op(), 0..80)) {
        watched(move || {
            let q = Queue::new(cap);
            let mut m = Model::default();
            for op in ops {
                match op {
                    Op::TryPut(v) | Op::PutZero(v) | Op::Put(v) => {
                        let r = match op {
                            Op::TryPut(_) => q.try_put(v),
                            Op::PutZero(_) => q.put_for(v, Duration::ZERO),
                            _ if m.shut > 0 || m.items.len() < cap => q.put(v),
                            _ => continue,
                        };
                        let want = if m.shut > 0 {
                            Err(PutError::ShutDown(v))
                        } else if m.items.len() == cap {
                            Err(if matches!(op, Op::TryPut(_)) { PutError::Full(v) } else { PutError::Timeout(v) })
                        } else {
                            m.items.push_back(v);
                            Ok(())
                        };
                        prop_assert_eq!(r, want, "put result differs from the model");
                    }
                    Op::TryGet | Op::GetZero | Op::Get => {
                        let r = match op {
                            Op::TryGet => q.try_get(),
                            Op::GetZero => q.get_for(Duration::ZERO),
                            _ if m.shut > 0 || !m.items.is_empty() => q.get(),
                            _ => continue,
                        };
                        let want = match m.items.pop_front() {
                            Some(v) => {
                                m.unfinished += 1;
                                Ok(v)
                            }
                            None if m.shut > 0 => Err(GetError::ShutDown),
                            None if matches!(op, Op::TryGet) => Err(GetError::Empty),
                            None => Err(GetError::Timeout),
                        };
                        prop_assert_eq!(r, want, "get result differs from the model");
                    }
                    Op::TaskDone => {
                        let want = if m.unfinished > 0 {
                            m.unfinished -= 1;
                            Ok(())
                        } else {
                            Err(TaskDoneError)
                        };
                        prop_assert_eq!(q.task_done(), want);
                    }
                    Op::Shutdown(immediate) => {
                        q.shutdown(immediate);
                        if immediate {
                            m.shut = 2;
                            m.items.clear();
                        } else {
                            m.shut = m.shut.max(1);
                        }
                    }
                    Op::JoinZero => {
                        prop_assert_eq!(q.join_for(Duration::ZERO), m.unfinished == 0 && m.items.is_empty());
                    }
                    Op::Len => {}
                }
                prop_assert_eq!(q.len(), m.items.len());
                prop_assert_eq!(q.is_empty(), m.items.is_empty());
                prop_assert_eq!(q.is_full(), m.items.len() == cap);
                prop_assert_eq!(q.is_shutdown(), m.shut > 0);
                prop_assert_eq!(q.unfinished_tasks(), m.unfinished + m.items.len());
            }
            Ok(())
        })?;
    }

    /// Real threads: 1–4 producers and 1–4 consumers move every item through a small queue,
    /// some with timed calls; each item is received exactly once, and nothing else is received.
    #[test]
    fn concurrent_no_loss_no_duplicate(
        cap in 1usize..4,
        producers in 1usize..4,
        consumers in 1usize..4,
        per in 0usize..60,
    ) {
        watched(move || {
            let q = Queue::new(cap);
            let received: Vec<Vec<usize>> = std::thread::scope(|s| {
                for p in 0..producers {
                    let q = &q;
                    s.spawn(move || {
                        for k in 0..per {
                            let mut v = p * per + k;
                            while let Err(e) = q.put_for(v, Duration::from_micros(20)) {
                                v = e.into_inner(); // a timed-out put hands the item back: retry
                            }
                        }
                    });
                }
                let cs: Vec<_> = (0..consumers)
                    .map(|c| {
                        let q = &q;
                        s.spawn(move || {
                            let mut got = Vec::new();
                            loop {
                                let r = if c % 2 == 0 { q.get() } else { q.get_for(Duration::from_micros(20)) };
                                match r {
                                    Ok(v) => got.push(v),
                                    Err(GetError::ShutDown) => return got,
                                    Err(_) => {}
                                }
                            }
                        })
                    })
                    .collect();
                while q.unfinished_tasks() < producers * per {
                    std::thread::yield_now();
                }
                q.shutdown(false);
                cs.into_iter().map(|c| c.join().unwrap()).collect()
            });
            let all: Vec<usize> = received.into_iter().flatten().collect();
            let set: HashSet<usize> = all.iter().copied().collect();
            prop_assert_eq!(all.len(), producers * per, "an item was lost or duplicated");
            prop_assert_eq!(set.len(), producers * per, "an item was received twice");
            Ok(())
        })?;
    }
}
