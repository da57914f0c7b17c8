//! `Queue` on real threads: API checks, behaviour, property tests against a `VecDeque` model, and
//! stress with a drop-counting item type.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{
    Queue, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TaskDoneError, TryRecvError,
    TrySendError, ZeroCapacity,
};

// Sizes, Send / Sync, unwind safety and the other auto traits are pinned in tests/std/api.rs.

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
    assert_eq!(Queue::<u8>::try_new(1).unwrap().capacity(), Some(1));
    assert_eq!(
        ZeroCapacity.to_string(),
        "a queue's capacity must be at least 1",
        "the error says what was wrong with the capacity"
    );
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
        assert_eq!(q.try_put("b".into()), Err(TrySendError::Full("b".into())));
        assert_eq!(
            q.put_for("c".into(), Duration::ZERO),
            Err(SendTimeoutError::Timeout("c".into()))
        );
        q.shutdown(false);
        assert_eq!(q.put("d".into()), Err(SendError("d".into())));
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
                Err(SendTimeoutError::Timeout(2))
            );
        });
    });
}

#[test]
fn get_for_times_out_on_an_empty_queue() {
    watched(|| {
        let q: Queue<u8> = Queue::new(1);
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert_eq!(
                q.get_for(Duration::from_millis(50)),
                Err(RecvTimeoutError::Timeout)
            );
        });
    });
}

#[test]
fn zero_timeout_and_past_deadline_are_one_try() {
    watched(|| {
        let q = Queue::new(1);
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(q.get_for(Duration::ZERO), Err(RecvTimeoutError::Timeout));
        assert_eq!(q.get_until(past), Err(RecvTimeoutError::Timeout));
        assert!(
            q.put_until(1, past).is_ok(),
            "a free slot is taken even with a past deadline"
        );
        assert_eq!(
            q.put_for(2, Duration::ZERO),
            Err(SendTimeoutError::Timeout(2))
        );
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
        assert!(
            !q.join_until(Instant::now()),
            "a got item is not done yet, whatever form the join takes"
        );
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
        assert_eq!(q.put(3), Err(SendError(3)));
        assert_eq!(q.try_put(3), Err(TrySendError::Disconnected(3)));
        assert_eq!(q.get(), Ok(1));
        assert_eq!(q.try_get(), Ok(2));
        assert_eq!(q.get(), Err(RecvError));
        assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));
        assert_eq!(
            q.get_for(Duration::from_secs(5)),
            Err(RecvTimeoutError::Disconnected)
        );
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
        assert_eq!(q.get().err(), Some(RecvError));
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
        assert_eq!(q.get(), Err(RecvError), "no downgrade after immediate");
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
                let refused = p.join().unwrap().unwrap_err();
                assert!(
                    refused.0 < 2,
                    "a blocked put must fail, handing its item back"
                );
            }
            for g in getters {
                assert_eq!(g.join().unwrap(), Err(RecvError), "blocked get must fail");
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

/// The iterators print their queue as the queue's own `Debug` does (so never blocking, and no
/// item), under their own names.
#[test]
fn iterators_debug_as_their_queue_under_their_own_names() {
    watched(|| {
        let q = Queue::new(2);
        q.put(1).unwrap();
        assert_eq!(
            format!("{:?}", q.iter()),
            "Iter { queue: Queue { capacity: 2, len: 1, state: Open, .. } }"
        );
        assert_eq!(
            format!("{:?}", q.try_iter()),
            "TryIter { queue: Queue { capacity: 2, len: 1, state: Open, .. } }"
        );
    });
}

#[test]
fn debug_names_the_shutdown_a_queue_is_in() {
    watched(|| {
        let q = Queue::new(2);
        q.put(1).unwrap();
        q.shutdown(false);
        assert_eq!(
            format!("{q:?}"),
            "Queue { capacity: 2, len: 1, state: Draining, .. }",
            "a plain shutdown drains"
        );
        q.shutdown(true);
        assert_eq!(
            format!("{q:?}"),
            "Queue { capacity: 2, len: 0, state: Dropped, .. }",
            "an immediate one drops"
        );
    });
}

#[test]
fn errors_display_and_debug_without_the_item() {
    assert_eq!(
        format!("{:?}", TrySendError::Full(std::rc::Rc::new(1))),
        "Full(..)"
    );
    assert_eq!(
        format!("{:?}", SendError(std::rc::Rc::new(1))),
        "SendError(..)"
    );
    assert!(
        SendTimeoutError::Timeout(1)
            .to_string()
            .contains("timed out")
    );
    assert!(RecvError.to_string().contains("shut-down"));
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
                                q.put(item).map_err(SendTimeoutError::from)
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
                            q.get().map_err(RecvTimeoutError::from)
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
                            Err(RecvTimeoutError::Disconnected) => break,
                            Err(RecvTimeoutError::Timeout) => {}
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

/// What the model says an operation does now, whichever form of it is called: it happens, it
/// cannot happen yet (full / empty), or it never will (shut down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Now {
    Done,
    Later,
    Closed,
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
                        // What the model says a put does now, whichever form makes it.
                        let now = if m.shut > 0 { Now::Closed } else if m.items.len() == cap { Now::Later } else { Now::Done };
                        match op {
                            Op::TryPut(_) => prop_assert_eq!(q.try_put(v), match now {
                                Now::Done => Ok(()),
                                Now::Later => Err(TrySendError::Full(v)),
                                Now::Closed => Err(TrySendError::Disconnected(v)),
                            }, "try_put differs from the model"),
                            Op::PutZero(_) => prop_assert_eq!(q.put_for(v, Duration::ZERO), match now {
                                Now::Done => Ok(()),
                                Now::Later => Err(SendTimeoutError::Timeout(v)),
                                Now::Closed => Err(SendTimeoutError::Disconnected(v)),
                            }, "put_for(0) differs from the model"),
                            _ if now == Now::Later => continue, // a blocking put would block
                            _ => prop_assert_eq!(q.put(v), match now {
                                Now::Closed => Err(SendError(v)),
                                _ => Ok(()),
                            }, "put differs from the model"),
                        }
                        if now == Now::Done {
                            m.items.push_back(v);
                        }
                    }
                    Op::TryGet | Op::GetZero | Op::Get => {
                        let now = if !m.items.is_empty() { Now::Done } else if m.shut > 0 { Now::Closed } else { Now::Later };
                        let front = m.items.front().copied();
                        match op {
                            Op::TryGet => prop_assert_eq!(q.try_get(), match now {
                                Now::Done => Ok(front.unwrap()),
                                Now::Later => Err(TryRecvError::Empty),
                                Now::Closed => Err(TryRecvError::Disconnected),
                            }, "try_get differs from the model"),
                            Op::GetZero => prop_assert_eq!(q.get_for(Duration::ZERO), match now {
                                Now::Done => Ok(front.unwrap()),
                                Now::Later => Err(RecvTimeoutError::Timeout),
                                Now::Closed => Err(RecvTimeoutError::Disconnected),
                            }, "get_for(0) differs from the model"),
                            _ if now == Now::Later => continue, // a blocking get would block
                            _ => prop_assert_eq!(q.get(), match now {
                                Now::Closed => Err(RecvError),
                                _ => Ok(front.unwrap()),
                            }, "get differs from the model"),
                        }
                        if now == Now::Done {
                            m.items.pop_front();
                            m.unfinished += 1;
                        }
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
                                let r = if c % 2 == 0 {
                                    q.get().map_err(RecvTimeoutError::from)
                                } else {
                                    q.get_for(Duration::from_micros(20))
                                };
                                match r {
                                    Ok(v) => got.push(v),
                                    Err(RecvTimeoutError::Disconnected) => return got,
                                    Err(RecvTimeoutError::Timeout) => {}
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

// ---------------------------------------------------------------------------------------------
// Iteration, the error family, track_caller, and items whose `Drop` panics.

#[test]
fn iter_gets_until_the_queue_is_shut_down_and_drained() {
    watched(|| {
        let q = Queue::new(2);
        let got: Vec<i32> = std::thread::scope(|s| {
            let consumer = s.spawn(|| q.iter().collect::<Vec<_>>());
            for i in 0..10 {
                q.put(i).unwrap();
            }
            q.shutdown(false);
            consumer.join().unwrap()
        });
        assert_eq!(
            got,
            (0..10).collect::<Vec<_>>(),
            "iter must yield every item in order, then end at shutdown"
        );
        assert_eq!(
            q.iter().next(),
            None,
            "a drained, shut-down queue stays ended"
        );
        let q = Queue::new(2);
        q.put('a').unwrap();
        q.shutdown(false);
        let mut by_ref = Vec::new();
        for item in &q {
            by_ref.push(item);
        }
        assert_eq!(by_ref, ['a'], "`for item in &queue` is `iter()`");
    });
}

#[test]
fn try_iter_takes_what_is_there_and_never_blocks() {
    watched(|| {
        let q = Queue::new(4);
        assert_eq!(
            q.try_iter().next(),
            None,
            "an empty open queue yields nothing"
        );
        q.put(1).unwrap();
        q.put(2).unwrap();
        assert_eq!(q.try_iter().collect::<Vec<_>>(), [1, 2]);
        assert!(!q.is_shutdown(), "try_iter leaves the queue open");
        q.put(3).unwrap();
        q.shutdown(false);
        assert_eq!(
            q.try_iter().collect::<Vec<_>>(),
            [3],
            "a shut-down queue still gives what is left"
        );
    });
}

#[test]
fn try_join_is_one_look() {
    watched(|| {
        let q = Queue::new(1);
        assert!(q.try_join(), "nothing put: every task is done");
        q.put(1).unwrap();
        assert!(!q.try_join(), "an item is inside");
        q.get().unwrap();
        assert!(!q.try_join(), "a got item is not done yet");
        q.task_done().unwrap();
        assert!(q.try_join());
    });
}

#[test]
fn errors_convert_and_answer_like_channel_errors() {
    watched(|| {
        let closed = SendError(5);
        assert_eq!(TrySendError::from(closed), TrySendError::Disconnected(5));
        assert_eq!(
            SendTimeoutError::from(closed),
            SendTimeoutError::Disconnected(5)
        );
        assert_eq!(TryRecvError::from(RecvError), TryRecvError::Disconnected);
        assert_eq!(
            RecvTimeoutError::from(RecvError),
            RecvTimeoutError::Disconnected
        );
        assert!(TrySendError::Full(1).is_full() && !TrySendError::Full(1).is_disconnected());
        assert!(SendTimeoutError::Timeout(1).is_timeout());
        assert!(!SendTimeoutError::Disconnected(1).is_timeout());
        assert!(TryRecvError::Empty.is_empty() && TryRecvError::Disconnected.is_disconnected());
        assert!(RecvTimeoutError::Timeout.is_timeout());
        assert!(RecvTimeoutError::Disconnected.is_disconnected());
        assert_eq!(SendError("a").into_inner(), "a");
        assert_eq!(TrySendError::Disconnected("b").into_inner(), "b");
        assert_eq!(SendTimeoutError::Timeout("c").into_inner(), "c");
        // Display says what happened; Debug never needs `T: Debug`.
        let msgs = [
            SendError(()).to_string(),
            TrySendError::Full(()).to_string(),
            TrySendError::Disconnected(()).to_string(),
            SendTimeoutError::Timeout(()).to_string(),
            RecvError.to_string(),
            TryRecvError::Empty.to_string(),
            RecvTimeoutError::Timeout.to_string(),
        ];
        assert!(
            msgs.iter().all(|m| !m.is_empty()),
            "every error displays a message: {msgs:?}"
        );
        struct NoDebug;
        assert_eq!(
            format!("{:?}", SendTimeoutError::Timeout(NoDebug)),
            "Timeout(..)"
        );
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(TrySendError::Full(1u8));
        assert_eq!(boxed.to_string(), TrySendError::Full(()).to_string());
    });
}

/// Each error's predicates answer for its own variant and no other: on every variant of every
/// error type, exactly the predicate named after that variant is true.
#[test]
fn each_error_predicate_is_true_for_its_own_variant_only() {
    let try_send = [TrySendError::Full(1), TrySendError::Disconnected(1)];
    let got: Vec<_> = try_send
        .iter()
        .map(|e| (e.is_full(), e.is_disconnected()))
        .collect();
    assert_eq!(
        got,
        [(true, false), (false, true)],
        "TrySendError: {try_send:?}"
    );
    let send_timeout = [
        SendTimeoutError::Timeout(1),
        SendTimeoutError::Disconnected(1),
    ];
    let got: Vec<_> = send_timeout
        .iter()
        .map(|e| (e.is_timeout(), e.is_disconnected()))
        .collect();
    assert_eq!(
        got,
        [(true, false), (false, true)],
        "SendTimeoutError: {send_timeout:?}"
    );
    let try_recv = [TryRecvError::Empty, TryRecvError::Disconnected];
    let got: Vec<_> = try_recv
        .iter()
        .map(|e| (e.is_empty(), e.is_disconnected()))
        .collect();
    assert_eq!(
        got,
        [(true, false), (false, true)],
        "TryRecvError: {try_recv:?}"
    );
    let recv_timeout = [RecvTimeoutError::Timeout, RecvTimeoutError::Disconnected];
    let got: Vec<_> = recv_timeout
        .iter()
        .map(|e| (e.is_timeout(), e.is_disconnected()))
        .collect();
    assert_eq!(
        got,
        [(true, false), (false, true)],
        "RecvTimeoutError: {recv_timeout:?}"
    );
}

#[path = "../support/isolated.rs"]
mod isolated;

/// Runs `f`, which must panic, and returns the file and line its panic reports; `None` in the
/// child process. The calling test runs again in a child process of its own
/// (`tests/support/isolated.rs`), which installs a panic hook that prints the location: no other
/// test runs there, so swapping the hook cannot race another test's hook. Returns `None` in the
/// child; the parent reads the location from the child's output.
pub(crate) fn panic_location(f: impl FnOnce()) -> Option<(String, u32)> {
    const MARK: &str = "weftsync panic location: ";
    if isolated::in_child() {
        std::panic::set_hook(Box::new(|info| {
            if let Some(at) = info.location() {
                println!("{MARK}{}:{}", at.file(), at.line());
            }
        }));
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        assert!(result.is_err(), "the call was expected to panic");
        return None;
    }
    let name = isolated::test_name(std::any::type_name_of_val(&f));
    let output = isolated::run_child(&name, isolated::limit()).unwrap_or_else(|e| panic!("{e}"));
    let at = output
        .lines()
        .find_map(|l| l.split_once(MARK).map(|(_, at)| at.to_owned()))
        .expect("the child printed no panic location");
    let (file, line) = at.rsplit_once(':').expect("file:line");
    Some((file.to_owned(), line.parse().expect("a line number")))
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn new_with_zero_capacity_panics_at_the_callers_line() {
    let line = line!() + 1;
    let Some(at) = panic_location(|| drop(Queue::<u8>::new(0))) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "the capacity-0 panic must name the caller's line (track_caller)"
    );
}

/// An item that counts its drops, and panics in its drop if told to. Its drop also records
/// whether the queue's internal lock was held at that moment (`Debug` shows `<locked>` without
/// blocking), so a test can prove no item is dropped under the lock.
struct Bomb {
    id: usize,
    panics: bool,
    drops: Arc<Vec<AtomicUsize>>,
    queue: Arc<std::sync::OnceLock<Arc<Queue<Bomb>>>>,
    under_lock: Arc<AtomicBool>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, SeqCst);
        if let Some(q) = self.queue.get() {
            if format!("{q:?}").contains("<locked>") {
                self.under_lock.store(true, SeqCst);
            }
        }
        if self.panics {
            panic!("item {} panics in its drop", self.id);
        }
    }
}

/// Items in a Miri-friendly number.
const BOMBS: usize = if cfg!(miri) { 8 } else { 64 };

/// A queue full of `Bomb`s, the one with id `BOMBS / 2` panicking when dropped; with
/// `watch_lock`, each knows the queue, to check its lock when dropped.
fn queue_of_bombs(watch_lock: bool) -> (Arc<Queue<Bomb>>, Arc<Vec<AtomicUsize>>, Arc<AtomicBool>) {
    let q = Arc::new(Queue::new(BOMBS));
    let cell = Arc::new(std::sync::OnceLock::new());
    if watch_lock {
        cell.set(Arc::clone(&q)).ok().unwrap();
    }
    let drops = drop_table(BOMBS);
    let under_lock = Arc::new(AtomicBool::new(false));
    for id in 0..BOMBS {
        q.try_put(Bomb {
            id,
            panics: id == BOMBS / 2,
            drops: Arc::clone(&drops),
            queue: Arc::clone(&cell),
            under_lock: Arc::clone(&under_lock),
        })
        .ok()
        .unwrap();
    }
    (q, drops, under_lock)
}

#[test]
fn immediate_shutdown_with_a_panicking_drop_drops_every_other_item_once() {
    watched(|| {
        let (q, drops, under_lock) = queue_of_bombs(true);
        let first = q.get().unwrap(); // one task outstanding, kept out of the shutdown
        let shutdown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.shutdown(true)));
        assert!(
            shutdown.is_err(),
            "the item's panic reaches the caller of shutdown"
        );
        for (id, d) in drops.iter().enumerate().skip(1) {
            assert_eq!(
                d.load(SeqCst),
                1,
                "item {id} must be dropped exactly once although item {} panicked",
                BOMBS / 2
            );
        }
        assert!(
            !under_lock.load(SeqCst),
            "no item may be dropped while the queue's lock is held"
        );
        // Consistent and usable: shut down, empty, the got item still a task.
        assert_eq!(q.len(), 0);
        assert!(q.is_shutdown());
        assert_eq!(q.try_get().err(), Some(TryRecvError::Disconnected));
        assert_eq!(q.get().err(), Some(RecvError));
        assert_eq!(q.unfinished_tasks(), 1, "only the got item is unfinished");
        assert!(!q.try_join());
        q.task_done().unwrap();
        assert!(q.try_join(), "the dropped items count as done");
        assert!(format!("{q:?}").contains("Dropped"));
        drop(first);
        assert_eq!(drops[0].load(SeqCst), 1);
    });
}

#[test]
fn dropping_a_queue_with_a_panicking_item_drops_every_other_item_once() {
    watched(|| {
        // The items do not hold the queue here, so this is its only owner.
        let (q, drops, _) = queue_of_bombs(false);
        let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(q)));
        assert!(dropped.is_err(), "the item's panic reaches the owner");
        assert_each_dropped_once(&drops);
    });
}
