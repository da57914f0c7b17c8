//! The distributed `Queue` against a real server: behaviour of every form, blocking calls woken by
//! the server, shutdown, task accounting, redelivery after the visibility timeout, and property
//! tests against the core Queue's sequential model.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{shared, unique, within};
use proptest::prelude::*;
use weftsync_redis::{
    Client, ErrorKind, Queue, RecvError, RecvTimeoutError, SendError, SendTimeoutError,
    TaskDoneError, TryRecvError, TrySendError,
};

// Handles are Send + Sync whatever `T` is (items are only encoded and decoded, never shared).
const _: fn() = || {
    fn is<T: Send + Sync>() {}
    is::<Queue<std::rc::Rc<u8>>>();
    is::<Client>();
    is::<SendError<u8>>();
    is::<weftsync_redis::Error>();
};

/// Opens a fresh queue on the shared server (or a private one); `None` = skipped.
macro_rules! queue {
    ($test:expr, $cap:expr) => {{
        let Some((url, guard)) = shared($test) else {
            return;
        };
        let client = Client::open(&url).expect("the test server accepts the password");
        let q: Queue<u32> = Queue::open(&client, &unique($test), $cap).unwrap();
        (q, client, guard)
    }};
}

#[test]
fn items_leave_in_fifo_order_and_capacity_bounds_puts() {
    let (q, _c, _g) = queue!("fifo", 4);
    for i in 0..4 {
        q.put(i).unwrap();
    }
    assert!(q.is_full().unwrap());
    assert!(
        matches!(q.try_put(9), Err(TrySendError::Full(9))),
        "a full queue refuses try_put and hands the item back"
    );
    let got: Vec<u32> = (0..4).map(|_| q.get().unwrap()).collect();
    assert_eq!(got, [0, 1, 2, 3], "items must leave in FIFO order");
    assert_eq!(q.len().unwrap(), 0);
    assert_eq!(q.unfinished_tasks().unwrap(), 4, "got items are unfinished");
    q.destroy().unwrap();
}

#[test]
fn zero_timeout_and_past_deadline_are_one_try() {
    let (q, _c, _g) = queue!("zero-timeout", 1);
    let t = Instant::now();
    assert_eq!(q.get_for(Duration::ZERO), Err(RecvTimeoutError::Timeout));
    assert_eq!(q.get_until(Instant::now()), Err(RecvTimeoutError::Timeout));
    q.put(1).unwrap();
    assert!(matches!(
        q.put_for(2, Duration::ZERO),
        Err(SendTimeoutError::Timeout(2))
    ));
    assert!(matches!(
        q.put_until(3, Instant::now()),
        Err(SendTimeoutError::Timeout(3))
    ));
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "zero timeouts must not wait"
    );
    assert_eq!(
        q.get_for(Duration::ZERO),
        Ok(1),
        "a zero timeout still tries once"
    );
    q.destroy().unwrap();
}

#[test]
fn timed_forms_wait_their_timeout() {
    let (q, _c, _g) = queue!("timed", 1);
    let t = Instant::now();
    assert_eq!(
        q.get_for(Duration::from_millis(300)),
        Err(RecvTimeoutError::Timeout)
    );
    let waited = t.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "get_for must wait about its timeout, waited {waited:?}"
    );
    q.put(1).unwrap();
    let t = Instant::now();
    assert!(q.put_for(2, Duration::from_millis(300)).is_err());
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "put_for waits its timeout"
    );
    q.destroy().unwrap();
}

#[test]
fn blocked_get_is_woken_by_a_put_from_another_client() {
    let Some((url, _g)) = shared("wake-get") else {
        return;
    };
    let name = unique("wake-get");
    let c1 = Client::open(&url).unwrap();
    let q1: Queue<u32> = Queue::open(&c1, &name, 2).unwrap();
    let q2: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 2).unwrap();
    let getter = std::thread::spawn(move || {
        let t = Instant::now();
        let v = q1.get_for(Duration::from_secs(30));
        (v, t.elapsed())
    });
    // Let the getter register and block (any order works: a put before the get is just got).
    std::thread::sleep(Duration::from_millis(200));
    q2.put(7).unwrap();
    let (v, waited) = within("woken get", Duration::from_secs(20), move || {
        getter.join().unwrap()
    });
    assert_eq!(v, Ok(7), "the blocked get receives the put's item");
    assert!(
        waited < Duration::from_secs(4),
        "the put's wake token must end the BLPOP, not the chunk timeout (waited {waited:?})"
    );
    q2.destroy().unwrap();
}

#[test]
fn blocked_put_is_woken_by_a_get_from_another_client() {
    let Some((url, _g)) = shared("wake-put") else {
        return;
    };
    let name = unique("wake-put");
    let q1: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 1).unwrap();
    let q2: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 1).unwrap();
    q1.put(1).unwrap();
    let putter = std::thread::spawn(move || {
        let t = Instant::now();
        let r = q1.put_for(2, Duration::from_secs(30)).is_ok();
        (r, t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(q2.get(), Ok(1));
    let (ok, waited) = within("woken put", Duration::from_secs(20), move || {
        putter.join().unwrap()
    });
    assert!(ok, "the blocked put goes in once a get frees the slot");
    assert!(
        waited < Duration::from_secs(4),
        "woken by the get, not by the chunk timeout ({waited:?})"
    );
    assert_eq!(q2.get(), Ok(2));
    q2.destroy().unwrap();
}

#[test]
fn shutdown_wakes_every_blocked_caller() {
    let Some((url, _g)) = shared("shutdown-wakes") else {
        return;
    };
    let name = unique("shutdown-wakes");
    let client = Client::open(&url).unwrap();
    let q: Arc<Queue<u32>> = Arc::new(Queue::open(&client, &name, 1).unwrap());
    let getters: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            std::thread::spawn(move || q.get())
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    q.shutdown(false).unwrap();
    let results = within(
        "getters after shutdown",
        Duration::from_secs(20),
        move || {
            getters
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        },
    );
    assert!(
        results.iter().all(|r| *r == Err(RecvError::Disconnected)),
        "every blocked get ends with Disconnected at shutdown: {results:?}"
    );
}

#[test]
fn shutdown_makes_puts_fail_and_gets_drain_then_fail() {
    let (q, _c, _g) = queue!("shutdown-drain", 4);
    q.put(1).unwrap();
    q.put(2).unwrap();
    q.shutdown(false).unwrap();
    assert!(q.is_shutdown().unwrap());
    assert_eq!(
        q.put(3),
        Err(SendError::Disconnected(3)),
        "puts fail and hand the item back"
    );
    assert!(matches!(q.try_put(4), Err(TrySendError::Disconnected(4))));
    assert_eq!(q.get(), Ok(1), "gets drain what is left");
    assert_eq!(q.get(), Ok(2));
    q.task_done().unwrap();
    // Item 2 is still leased: it could come back, so a try finds nothing *yet*.
    assert_eq!(q.try_get(), Err(TryRecvError::Empty));
    q.task_done().unwrap();
    assert_eq!(q.get(), Err(RecvError::Disconnected), "drained: gets fail");
    assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));
    assert!(q.join_for(Duration::ZERO).unwrap());
    q.destroy().unwrap();
}

#[test]
fn immediate_shutdown_drops_what_is_left_and_counts_it_done() {
    let (q, _c, _g) = queue!("shutdown-immediate", 4);
    for i in 0..3 {
        q.put(i).unwrap();
    }
    assert_eq!(q.get(), Ok(0));
    q.shutdown(true).unwrap();
    assert_eq!(q.get(), Err(RecvError::Disconnected), "nothing left to get");
    assert_eq!(q.len().unwrap(), 0);
    assert_eq!(
        q.unfinished_tasks().unwrap(),
        1,
        "the dropped items count as done; the got one does not"
    );
    assert!(!q.join_for(Duration::from_millis(50)).unwrap());
    q.task_done().unwrap();
    assert!(q.join_for(Duration::ZERO).unwrap());
    // Upgrade only: a plain shutdown after an immediate one changes nothing.
    q.shutdown(false).unwrap();
    assert_eq!(q.get(), Err(RecvError::Disconnected));
    q.destroy().unwrap();
}

#[test]
fn join_waits_for_every_task_done() {
    let Some((url, _g)) = shared("join") else {
        return;
    };
    let name = unique("join");
    let q: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 8).unwrap();
    for i in 0..5 {
        q.put(i).unwrap();
    }
    let worker_q: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 8).unwrap();
    let worker = std::thread::spawn(move || {
        while let Ok(_job) = worker_q.get_for(Duration::from_secs(5)) {
            worker_q.task_done().unwrap();
        }
    });
    within("join", Duration::from_secs(20), move || {
        q.join().unwrap();
        assert_eq!(
            q.unfinished_tasks().unwrap(),
            0,
            "join returns when all are done"
        );
        q.shutdown(false).unwrap();
        worker.join().unwrap();
    });
}

#[test]
fn task_done_more_often_than_got_is_an_error() {
    let (q, _c, _g) = queue!("task-done", 2);
    assert_eq!(q.task_done(), Err(TaskDoneError::NothingGot));
    q.put(1).unwrap();
    q.get().unwrap();
    assert_eq!(q.held(), 1);
    assert_eq!(q.task_done(), Ok(()));
    assert_eq!(
        q.task_done(),
        Err(TaskDoneError::NothingGot),
        "a second task_done for one got item is an error"
    );
    q.destroy().unwrap();
}

#[test]
fn an_item_not_marked_done_is_redelivered_after_the_visibility_timeout() {
    let Some((url, _g)) = shared("redeliver") else {
        return;
    };
    let name = unique("redeliver");
    let lease = Duration::from_millis(400);
    let slow: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 4)
        .unwrap()
        .with_visibility_timeout(lease);
    let other: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 4).unwrap();
    slow.put(42).unwrap();
    assert_eq!(slow.get(), Ok(42));
    assert_eq!(slow.leased().unwrap(), 1);
    assert_eq!(
        other.try_get(),
        Err(TryRecvError::Empty),
        "a leased item is invisible to other getters"
    );
    // A blocked getter wakes when the lease expires (the script's hint bounds its BLPOP).
    let t = Instant::now();
    assert_eq!(
        other.get_for(Duration::from_secs(10)),
        Ok(42),
        "the item comes back after the visibility timeout"
    );
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "woken at the lease's end"
    );
    assert_eq!(
        slow.task_done(),
        Err(TaskDoneError::LeaseExpired),
        "the first getter's task_done no longer counts"
    );
    assert_eq!(other.task_done(), Ok(()));
    assert!(other.join_for(Duration::ZERO).unwrap());
    other.destroy().unwrap();
}

#[test]
fn task_done_after_expiry_but_before_redelivery_still_counts() {
    let (q, _c, _g) = queue!("late-ack", 2);
    let q = q.with_visibility_timeout(Duration::from_millis(50));
    q.put(5).unwrap();
    assert_eq!(q.get(), Ok(5));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(q.len().unwrap(), 1, "the expired item is back inside");
    assert_eq!(
        q.task_done(),
        Ok(()),
        "nobody else took it: the late task_done finishes it"
    );
    assert_eq!(q.len().unwrap(), 0);
    assert!(q.join_for(Duration::ZERO).unwrap());
    q.destroy().unwrap();
}

#[test]
fn open_checks_the_capacity() {
    let (q, client, _g) = queue!("capacity", 3);
    let again = Queue::<u32>::open(&client, q.name(), 4).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Mismatch);
    assert_eq!(
        Queue::<u32>::open(&client, "zero", 0).unwrap_err().kind(),
        ErrorKind::Config
    );
    assert!(Queue::<u32>::open(&client, q.name(), 3).is_ok());
    q.destroy().unwrap();
}

#[test]
fn a_value_of_another_type_is_a_codec_error() {
    let Some((url, _g)) = shared("codec") else {
        return;
    };
    let client = Client::open(&url).unwrap();
    let name = unique("codec");
    let w: Queue<Vec<u8>> = Queue::open(&client, &name, 2).unwrap();
    let r: Queue<String> = Queue::open(&client, &name, 2).unwrap();
    w.put(vec![0xff, 0xfe]).unwrap(); // not UTF-8
    match r.get() {
        Err(RecvError::Connection(e)) => assert_eq!(e.kind(), ErrorKind::Codec),
        other => panic!("a value that does not decode must be a Codec error, got {other:?}"),
    }
    assert_eq!(
        r.task_done(),
        Ok(()),
        "the undecodable item can still be marked done"
    );
    w.destroy().unwrap();
}

#[test]
fn errors_display_and_debug_without_the_item() {
    struct NoDebug;
    let e = SendError::Disconnected(NoDebug);
    assert_eq!(format!("{e:?}"), "Disconnected(..)");
    assert_eq!(e.to_string(), "put on a shut-down queue");
    assert_eq!(format!("{:?}", TrySendError::Full(NoDebug)), "Full(..)");
    assert_eq!(TryRecvError::Empty.to_string(), "get on an empty queue");
}

/// The core Queue's sequential model (`tests/std/queue.rs::queue_matches_vecdeque_model`): a
/// `VecDeque`, a shutdown state and the count of got-but-not-done items. One difference is the
/// distributed promise itself: after a plain shutdown a got item not yet done may come back, so
/// an empty queue with such items answers `Empty`, not `Disconnected`, until they are done.
#[derive(Debug, Clone, Copy)]
enum Op {
    TryPut(u32),
    PutZero(u32),
    Put(u32),
    TryGet,
    GetZero,
    Get,
    TaskDone,
    Shutdown(bool),
    JoinZero,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u32>().prop_map(Op::TryPut),
        any::<u32>().prop_map(Op::PutZero),
        any::<u32>().prop_map(Op::Put),
        Just(Op::TryGet),
        Just(Op::GetZero),
        Just(Op::Get),
        Just(Op::TaskDone),
        prop_oneof![9 => Just(Op::JoinZero), 1 => any::<bool>().prop_map(Op::Shutdown)],
    ]
}

#[derive(Default)]
struct Model {
    items: VecDeque<u32>,
    /// 0 open, 1 plain, 2 immediate.
    shut: u8,
    /// Got and not marked done (leased).
    got: usize,
}

proptest! {
    // Each case is a few hundred round trips to the server: 48 cases stay within seconds.
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// One client: every call returns what the model says, including shutdown (plain,
    /// immediate, upgrade) and task_done / join, and after every call `len`, `is_full`,
    /// `is_shutdown` and `unfinished_tasks` agree with it. Blocking calls are issued only when
    /// the model says they would not block. The visibility timeout is long enough that nothing
    /// is redelivered.
    #[test]
    fn queue_matches_the_core_sequential_model(
        cap in 1usize..5,
        ops in proptest::collection::vec(op(), 0..60),
    ) {
        let Some((url, _g)) = shared("model") else { return Ok(()); };
        let client = Client::open(&url).unwrap();
        let q: Queue<u32> = Queue::open(&client, &unique("model"), cap).unwrap();
        let mut m = Model::default();
        for op in ops {
            match op {
                Op::TryPut(v) | Op::PutZero(v) | Op::Put(v) => {
                    let r = match op {
                        Op::TryPut(_) => q.try_put(v),
                        Op::PutZero(_) => q.put_for(v, Duration::ZERO).map_err(|e| match e {
                            SendTimeoutError::Timeout(v) => TrySendError::Full(v),
                            SendTimeoutError::Disconnected(v) => TrySendError::Disconnected(v),
                            SendTimeoutError::Connection(v, e) => TrySendError::Connection(v, e),
                        }),
                        _ if m.shut > 0 || m.items.len() < cap => q.put(v).map_err(|e| match e {
                            SendError::Disconnected(v) => TrySendError::Disconnected(v),
                            SendError::Connection(v, e) => TrySendError::Connection(v, e),
                        }),
                        _ => continue,
                    };
                    let want = if m.shut > 0 {
                        Err(TrySendError::Disconnected(v))
                    } else if m.items.len() == cap {
                        Err(TrySendError::Full(v))
                    } else {
                        m.items.push_back(v);
                        Ok(())
                    };
                    prop_assert_eq!(r, want, "put result differs from the model");
                }
                Op::TryGet | Op::GetZero | Op::Get => {
                    let drained = m.shut == 2 || (m.shut == 1 && m.got == 0);
                    let r = match op {
                        Op::TryGet => q.try_get(),
                        Op::GetZero => q.get_for(Duration::ZERO).map_err(|e| match e {
                            RecvTimeoutError::Timeout => TryRecvError::Empty,
                            RecvTimeoutError::Disconnected => TryRecvError::Disconnected,
                            RecvTimeoutError::Connection(e) => TryRecvError::Connection(e),
                        }),
                        _ if drained || !m.items.is_empty() => q.get().map_err(|e| match e {
                            RecvError::Disconnected => TryRecvError::Disconnected,
                            RecvError::Connection(e) => TryRecvError::Connection(e),
                        }),
                        _ => continue,
                    };
                    let want = match m.items.pop_front() {
                        Some(v) => {
                            m.got += 1;
                            Ok(v)
                        }
                        None if drained => Err(TryRecvError::Disconnected),
                        None => Err(TryRecvError::Empty),
                    };
                    prop_assert_eq!(r, want, "get result differs from the model");
                }
                Op::TaskDone => {
                    let want = if m.got > 0 {
                        m.got -= 1;
                        Ok(())
                    } else {
                        Err(TaskDoneError::NothingGot)
                    };
                    prop_assert_eq!(q.task_done(), want, "task_done differs from the model");
                }
                Op::Shutdown(immediate) => {
                    q.shutdown(immediate).unwrap();
                    if immediate {
                        m.shut = 2;
                        m.items.clear();
                    } else {
                        m.shut = m.shut.max(1);
                    }
                }
                Op::JoinZero => prop_assert_eq!(
                    q.join_for(Duration::ZERO).unwrap(),
                    m.got == 0 && m.items.is_empty(),
                    "join_for(0) differs from the model"
                ),
            }
            prop_assert_eq!(q.len().unwrap(), m.items.len(), "len");
            prop_assert_eq!(q.is_full().unwrap(), m.items.len() == cap, "is_full");
            prop_assert_eq!(q.is_shutdown().unwrap(), m.shut > 0, "is_shutdown");
            prop_assert_eq!(q.unfinished_tasks().unwrap(), m.got + m.items.len(), "unfinished_tasks");
        }
        q.destroy().unwrap();
    }
}

#[test]
fn extend_leases_keeps_a_long_task_from_being_redelivered() {
    let Some((url, _g)) = shared("extend-leases") else {
        return;
    };
    let name = unique("extend-leases");
    let slow: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 2)
        .unwrap()
        .with_visibility_timeout(Duration::from_millis(300));
    let other: Queue<u32> = Queue::open(&Client::open(&url).unwrap(), &name, 2).unwrap();
    slow.put(1).unwrap();
    assert_eq!(slow.get(), Ok(1));
    // Heartbeat for three visibility timeouts: the item must stay invisible to others.
    for _ in 0..9 {
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(slow.extend_leases().unwrap(), 1, "the item is still ours");
    }
    assert_eq!(
        other.try_get(),
        Err(TryRecvError::Empty),
        "a renewed lease is not redelivered"
    );
    assert_eq!(slow.task_done(), Ok(()));
    assert_eq!(slow.extend_leases().unwrap(), 0);
    other.destroy().unwrap();
}

#[test]
fn iter_ends_at_shutdown_and_try_iter_at_empty() {
    let (q, _c, _g) = queue!("iter", 4);
    for i in 0..3 {
        q.put(i).unwrap();
    }
    let now: Vec<u32> = q.try_iter().map(Result::unwrap).take(2).collect();
    assert_eq!(now, [0, 1]);
    q.shutdown(false).unwrap();
    for _ in 0..2 {
        q.task_done().unwrap();
    }
    let rest: Vec<u32> = q
        .iter()
        .map(|r| {
            let v = r.unwrap();
            q.task_done().unwrap();
            v
        })
        .collect();
    assert_eq!(rest, [2], "iter yields what is left, then ends at shutdown");
    assert_eq!(q.try_iter().count(), 0);
    q.destroy().unwrap();
}
