//! `LifoQueue`, `PriorityQueue` and unbounded queues on real threads: order, the semantics they
//! share with `Queue` (one property test runs the same scripts against all three orders, bounded
//! and unbounded), stress, and a `PriorityQueue` whose `Ord` panics. (`Queue`'s own FIFO tests
//! are in `queue.rs`; the unbounded storage is measured at the allocator in
//! `tests/queue_storage.rs`.)

use crate::watchdog::watched;
use proptest::prelude::*;
use std::cell::Cell;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weftsync::queue::{Order, OrderedQueue};
use weftsync::{
    LifoQueue, PriorityQueue, Queue, RecvError, RecvTimeoutError, SendError, SendTimeoutError,
    TaskDoneError, TryRecvError, TrySendError, ZeroCapacity,
};

/// Scaled as `queue.rs`'s stress: fewer items in debug builds and under Miri.
const STRESS_ITEMS: usize = if cfg!(miri) {
    200
} else if cfg!(debug_assertions) {
    40_000
} else {
    1_000_000
};

#[test]
fn lifo_queue_gets_the_newest_item_first() {
    watched(|| {
        for q in [LifoQueue::new(8), LifoQueue::unbounded()] {
            for i in 0..8 {
                q.put(i).unwrap();
            }
            let got: Vec<i32> = q.try_iter().collect();
            assert_eq!(
                got,
                [7, 6, 5, 4, 3, 2, 1, 0],
                "a LIFO queue gets newest first"
            );
            q.put(1).unwrap();
            q.put(2).unwrap();
            assert_eq!(q.get(), Ok(2));
            q.put(3).unwrap();
            assert_eq!(q.get(), Ok(3), "a put after a get is the newest");
            assert_eq!(q.get(), Ok(1));
        }
    });
}

/// Compares by `key` only: equal keys are ties the queue must order by put.
#[derive(Debug, Clone, Copy)]
struct Keyed {
    key: u8,
    id: usize,
}
impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key.cmp(&other.key)
    }
}

#[test]
fn priority_queue_gets_the_smallest_first_and_ties_in_put_order() {
    watched(|| {
        let keys = [5u8, 1, 3, 1, 5, 0, 3, 3, 9, 1, 0, 2, 7, 7, 0];
        for q in [PriorityQueue::new(keys.len()), PriorityQueue::unbounded()] {
            for (id, &key) in keys.iter().enumerate() {
                q.put(Keyed { key, id }).unwrap();
            }
            let got: Vec<(u8, usize)> = q.try_iter().map(|k| (k.key, k.id)).collect();
            let mut want: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            want.sort(); // by key, then put order
            assert_eq!(
                got, want,
                "smallest first; equal keys in the order they were put"
            );
        }
    });
}

/// The checks every kind shares, run once per kind: bounded at `cap`, or unbounded.
fn shared_semantics<O: Order<u32>>(q: OrderedQueue<u32, O>, cap: Option<usize>) {
    assert_eq!(q.capacity(), cap);
    let room = cap.unwrap_or(1000);
    for i in 0..room as u32 {
        assert_eq!(q.try_put(i), Ok(()), "a queue with room takes a put");
    }
    assert_eq!(
        q.is_full(),
        cap.is_some(),
        "only a bounded queue is ever full"
    );
    if cap.is_some() {
        assert_eq!(q.try_put(99), Err(TrySendError::Full(99)));
        assert_eq!(
            q.put_for(99, Duration::ZERO),
            Err(SendTimeoutError::Timeout(99))
        );
    } else {
        assert_eq!(q.put_for(99, Duration::ZERO), Ok(()), "never full");
        assert_eq!(q.get_for(Duration::ZERO).map(|_| ()), Ok(()));
        q.task_done().unwrap();
    }
    assert_eq!(q.len(), room);
    assert_eq!(q.task_done(), Err(TaskDoneError), "nothing got yet");
    let first = q.get().unwrap();
    q.task_done().unwrap();
    assert!(!q.try_join(), "items are still inside");
    q.shutdown(false);
    assert_eq!(
        q.put(first),
        Err(SendError(first)),
        "shut down: handed back"
    );
    let drained = q.try_iter().count();
    assert_eq!(drained, room - 1, "a plain shutdown lets gets drain");
    assert_eq!(q.get(), Err(RecvError));
    assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));
    assert!(!q.try_join(), "drained items are not done yet");
    for _ in 0..drained {
        q.task_done().unwrap();
    }
    assert!(q.try_join());
}

/// `unfinished_tasks` counts the items inside plus those got and not yet marked done.
fn unfinished_counts<O: Order<u32>>(q: OrderedQueue<u32, O>) {
    assert_eq!(q.unfinished_tasks(), 0);
    for i in 0..3 {
        q.put(i).unwrap();
    }
    assert_eq!(q.unfinished_tasks(), 3, "three inside");
    q.get().unwrap();
    assert_eq!(q.unfinished_tasks(), 3, "one got, not done, and two inside");
    q.task_done().unwrap();
    q.get().unwrap();
    assert_eq!(q.unfinished_tasks(), 2, "one got and one inside");
    q.task_done().unwrap();
    assert_eq!(q.unfinished_tasks(), 1);
}

#[test]
fn every_kind_counts_its_unfinished_tasks() {
    watched(|| {
        unfinished_counts(Queue::new(3));
        unfinished_counts(Queue::unbounded());
        unfinished_counts(LifoQueue::new(3));
        unfinished_counts(LifoQueue::unbounded());
        unfinished_counts(PriorityQueue::new(3));
        unfinished_counts(PriorityQueue::unbounded());
    });
}

#[test]
fn every_kind_bounded_or_not_shares_puts_gets_tasks_and_shutdown() {
    watched(|| {
        shared_semantics(Queue::new(3), Some(3));
        shared_semantics(Queue::unbounded(), None);
        shared_semantics(LifoQueue::new(3), Some(3));
        shared_semantics(LifoQueue::unbounded(), None);
        shared_semantics(PriorityQueue::new(3), Some(3));
        shared_semantics(PriorityQueue::unbounded(), None);
    });
}

#[test]
fn zero_capacity_is_an_error_for_every_kind() {
    assert_eq!(LifoQueue::<u8>::try_new(0).unwrap_err(), ZeroCapacity);
    assert_eq!(PriorityQueue::<u8>::try_new(0).unwrap_err(), ZeroCapacity);
    let lifo = std::panic::catch_unwind(|| LifoQueue::<u8>::new(0));
    let prio = std::panic::catch_unwind(|| PriorityQueue::<u8>::new(0));
    assert!(lifo.is_err() && prio.is_err(), "new(0) panics");
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn lifo_and_priority_new_with_zero_capacity_panic_at_the_callers_line() {
    let line = line!() + 1;
    let Some(at) = crate::queue::panic_location(|| drop(PriorityQueue::<u8>::new(0))) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "the capacity-0 panic must name the caller's line (track_caller)"
    );
}

#[test]
fn debug_names_the_kind_and_its_capacity() {
    watched(|| {
        let lifo = LifoQueue::new(2);
        lifo.put(1).unwrap();
        assert_eq!(
            format!("{lifo:?}"),
            "LifoQueue { capacity: 2, len: 1, state: Open, .. }"
        );
        let prio: PriorityQueue<u8> = PriorityQueue::unbounded();
        assert_eq!(
            format!("{prio:?}"),
            "PriorityQueue { capacity: unbounded, len: 0, state: Open, .. }"
        );
        assert_eq!(
            format!("{:?}", Queue::<u8>::unbounded()),
            "Queue { capacity: unbounded, len: 0, state: Open, .. }"
        );
    });
}

/// A get blocked on an empty queue of each kind is woken by a put; a put blocked on a full
/// bounded one by a get.
fn wakes<O: Order<u32> + 'static>(make: fn() -> OrderedQueue<u32, O>, bounded: bool) {
    let q = make();
    std::thread::scope(|s| {
        let t = s.spawn(|| q.get());
        q.put(42).unwrap();
        assert_eq!(t.join().unwrap(), Ok(42), "a put must wake the blocked get");
    });
    if bounded {
        let q = make();
        q.put(0).unwrap();
        std::thread::scope(|s| {
            let t = s.spawn(|| q.put(1));
            assert_eq!(q.get(), Ok(0));
            t.join().unwrap().expect("a get must wake the blocked put");
        });
        assert_eq!(q.get(), Ok(1));
    }
}

#[test]
fn blocked_calls_of_every_kind_are_woken() {
    watched(|| {
        wakes(Queue::unbounded, false);
        wakes(|| LifoQueue::new(1), true);
        wakes(LifoQueue::unbounded, false);
        wakes(|| PriorityQueue::new(1), true);
        wakes(PriorityQueue::unbounded, false);
    });
}

/// 4 producers × 4 consumers through each kind: every item is received exactly once.
fn mpmc_exactly_once<O: Order<usize>>(q: &OrderedQueue<usize, O>, items: usize) {
    let per = items / 4;
    let results: Vec<Vec<usize>> = std::thread::scope(|s| {
        let producers: Vec<_> = (0..4)
            .map(|p| {
                s.spawn(move || {
                    for k in 0..per {
                        let mut v = p * per + k;
                        if k % 3 == 0 {
                            while let Err(e) = q.put_for(v, Duration::from_micros(50)) {
                                v = e.into_inner();
                            }
                        } else {
                            q.put(v).unwrap();
                        }
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..4)
            .map(|c| {
                s.spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        let r = if c % 2 == 0 {
                            q.get().map_err(RecvTimeoutError::from)
                        } else {
                            q.get_for(Duration::from_micros(50))
                        };
                        match r {
                            Ok(v) => {
                                got.push(v);
                                q.task_done().unwrap();
                            }
                            Err(RecvTimeoutError::Disconnected) => return got,
                            Err(RecvTimeoutError::Timeout) => {}
                        }
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        q.join();
        q.shutdown(false);
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let mut seen = vec![false; per * 4];
    for v in results.into_iter().flatten() {
        assert!(!seen[v], "item {v} received twice");
        seen[v] = true;
    }
    assert!(seen.iter().all(|&b| b), "an item was lost");
}

#[test]
fn stress_every_kind_4x4_every_item_received_exactly_once() {
    watched(|| {
        let n = STRESS_ITEMS / 4;
        mpmc_exactly_once(&Queue::unbounded(), n);
        mpmc_exactly_once(&LifoQueue::new(16), n);
        mpmc_exactly_once(&LifoQueue::unbounded(), n);
        mpmc_exactly_once(&PriorityQueue::new(16), n);
        mpmc_exactly_once(&PriorityQueue::unbounded(), n);
    });
}

// ---------------------------------------------------------------------------------------------
// A `PriorityQueue` whose `Ord` panics.

thread_local! {
    /// Comparisons left on this thread before `Touchy::cmp` panics.
    static FUSE: Cell<u32> = const { Cell::new(u32::MAX) };
}

fn light_fuse(comparisons: u32) {
    FUSE.with(|f| f.set(comparisons));
}

/// An item whose `cmp` panics once this thread's fuse burns down, and which counts its drops.
#[derive(Debug)]
struct Touchy {
    value: u32,
    drops: Arc<AtomicUsize>,
}
impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl Eq for Touchy {}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let left = FUSE.with(|f| {
            f.set(f.get().saturating_sub(1));
            f.get()
        });
        assert!(left != 0, "Touchy::cmp panics");
        self.value.cmp(&other.value)
    }
}
impl Drop for Touchy {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

#[test]
fn priority_queue_whose_cmp_panics_loses_nothing_and_stays_usable() {
    watched(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let item = |value| Touchy {
            value,
            drops: Arc::clone(&drops),
        };
        let q = PriorityQueue::new(8);
        q.put(item(5)).unwrap();
        q.put(item(3)).unwrap();
        // A put whose comparison panics: its item is inside anyway.
        light_fuse(1);
        let put = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.put(item(1))));
        assert!(put.is_err(), "the panic reaches the caller of put");
        assert_eq!(q.len(), 3, "the panicking put's item is inside");
        assert_eq!(drops.load(SeqCst), 0, "nothing was dropped");
        // A get whose comparison panics: nothing taken.
        light_fuse(1);
        let get = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.get()));
        assert!(get.is_err(), "the panic reaches the caller of get");
        assert_eq!(q.len(), 3, "a get whose cmp panicked takes nothing");
        assert_eq!(drops.load(SeqCst), 0, "nothing was dropped");
        assert_eq!(q.task_done(), Err(TaskDoneError), "no task was counted");
        // Usable: every item comes out once (the order may be off after the panicking put).
        light_fuse(u32::MAX);
        let mut got: Vec<u32> = q.try_iter().map(|t| t.value).collect();
        got.sort_unstable();
        assert_eq!(got, [1, 3, 5]);
        assert!(
            !format!("{q:?}").contains("<locked>"),
            "the lock was released"
        );
        assert_eq!(
            drops.load(SeqCst),
            3,
            "each item dropped once, by its getter"
        );
    });
}

#[test]
fn a_getter_blocked_beside_a_get_whose_cmp_panics_still_gets_the_item() {
    watched(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let q = PriorityQueue::<Touchy>::new(4);
        std::thread::scope(|s| {
            let blocked = s.spawn(|| q.get().map(|t| t.value));
            let item = |value| Touchy {
                value,
                drops: Arc::clone(&drops),
            };
            q.put(item(2)).unwrap();
            q.put(item(1)).unwrap();
            // Whether or not the blocked getter took an item already, a get on this thread whose
            // comparison panics takes nothing and must not strand it.
            light_fuse(1);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| q.get()));
            light_fuse(u32::MAX);
            let got = blocked.join().unwrap().unwrap();
            assert!(got == 1 || got == 2, "the blocked getter got an item");
        });
        assert_eq!(q.len() + drops.load(SeqCst), 2, "nothing lost");
    });
}

// ---------------------------------------------------------------------------------------------
// One property test for every kind, bounded and unbounded, against a sequential model.

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
    // Few distinct values, so a priority queue sees many ties.
    let v = 0u8..6;
    prop_oneof![
        v.clone().prop_map(Op::TryPut),
        v.clone().prop_map(Op::PutZero),
        v.prop_map(Op::Put),
        Just(Op::TryGet),
        Just(Op::GetZero),
        Just(Op::Get),
        Just(Op::TaskDone),
        prop_oneof![9 => Just(Op::Len), 1 => any::<bool>().prop_map(Op::Shutdown)],
        Just(Op::JoinZero),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

/// The sequential model: items as `(value, put number)` in put order, and where the next get
/// comes from for each kind.
struct Model {
    kind: Kind,
    cap: Option<usize>,
    items: Vec<(u8, usize)>,
    puts: usize,
    shut: u8, // 0 open, 1 plain, 2 immediate
    unfinished: usize,
}

impl Model {
    fn next(&self) -> Option<usize> {
        if self.items.is_empty() {
            return None;
        }
        Some(match self.kind {
            Kind::Fifo => 0,
            Kind::Lifo => self.items.len() - 1,
            // The smallest value; the first such in put order (ties oldest first).
            Kind::Priority => (0..self.items.len())
                .min_by_key(|&i| self.items[i])
                .unwrap(),
        })
    }

    fn full(&self) -> bool {
        self.cap.is_some_and(|c| self.items.len() >= c)
    }
}

/// Runs `ops` against `q` and the model; every call's result must match.
fn run_script<O: Order<(u8, usize)>>(
    q: &OrderedQueue<(u8, usize), O>,
    m: &mut Model,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    for &op in ops {
        match op {
            Op::TryPut(v) | Op::PutZero(v) | Op::Put(v) => {
                let item = (v, m.puts);
                let (closed, full) = (m.shut > 0, m.full());
                match op {
                    Op::TryPut(_) => prop_assert_eq!(
                        q.try_put(item),
                        if closed {
                            Err(TrySendError::Disconnected(item))
                        } else if full {
                            Err(TrySendError::Full(item))
                        } else {
                            Ok(())
                        }
                    ),
                    Op::PutZero(_) => prop_assert_eq!(
                        q.put_for(item, Duration::ZERO),
                        if closed {
                            Err(SendTimeoutError::Disconnected(item))
                        } else if full {
                            Err(SendTimeoutError::Timeout(item))
                        } else {
                            Ok(())
                        }
                    ),
                    _ if full && !closed => continue, // a blocking put would block
                    _ => prop_assert_eq!(
                        q.put(item),
                        if closed { Err(SendError(item)) } else { Ok(()) }
                    ),
                }
                if !closed && !full {
                    m.items.push(item);
                    m.puts += 1;
                }
            }
            Op::TryGet | Op::GetZero | Op::Get => {
                let next = m.next();
                let want = next.map(|i| m.items[i]);
                let closed = m.shut > 0;
                match op {
                    Op::TryGet => prop_assert_eq!(
                        q.try_get(),
                        match (want, closed) {
                            (Some(w), _) => Ok(w),
                            (None, false) => Err(TryRecvError::Empty),
                            (None, true) => Err(TryRecvError::Disconnected),
                        },
                        "try_get differs from the {:?} model",
                        m.kind
                    ),
                    Op::GetZero => prop_assert_eq!(
                        q.get_for(Duration::ZERO),
                        match (want, closed) {
                            (Some(w), _) => Ok(w),
                            (None, false) => Err(RecvTimeoutError::Timeout),
                            (None, true) => Err(RecvTimeoutError::Disconnected),
                        },
                        "get_for(0) differs from the {:?} model",
                        m.kind
                    ),
                    _ if want.is_none() && !closed => continue, // would block
                    _ => prop_assert_eq!(
                        q.get(),
                        want.ok_or(RecvError),
                        "get differs from the {:?} model",
                        m.kind
                    ),
                }
                if let Some(i) = next {
                    m.items.remove(i);
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
            Op::JoinZero => prop_assert_eq!(
                q.join_for(Duration::ZERO),
                m.unfinished == 0 && m.items.is_empty()
            ),
            Op::Len => {}
        }
        prop_assert_eq!(q.len(), m.items.len());
        prop_assert_eq!(q.is_full(), m.full());
        prop_assert_eq!(q.capacity(), m.cap);
        prop_assert_eq!(q.is_shutdown(), m.shut > 0);
        prop_assert_eq!(q.unfinished_tasks(), m.unfinished + m.items.len());
    }
    Ok(())
}

#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// One thread: every form of every call of `Queue`, `LifoQueue` and `PriorityQueue`, bounded
    /// (capacity 1–4) and unbounded, returns what the sequential model says, including the order
    /// (ties in a priority queue oldest first), shutdown, task accounting and errors.
    #[test]
    fn every_kind_matches_its_sequential_model(
        kind in prop_oneof![Just(Kind::Fifo), Just(Kind::Lifo), Just(Kind::Priority)],
        cap in proptest::option::of(1usize..5),
        ops in proptest::collection::vec(op(), 0..80),
    ) {
        watched(move || {
            let mut m = Model { kind, cap, items: Vec::new(), puts: 0, shut: 0, unfinished: 0 };
            match (kind, cap) {
                (Kind::Fifo, Some(c)) => run_script(&Queue::new(c), &mut m, &ops),
                (Kind::Fifo, None) => run_script(&Queue::unbounded(), &mut m, &ops),
                (Kind::Lifo, Some(c)) => run_script(&LifoQueue::new(c), &mut m, &ops),
                (Kind::Lifo, None) => run_script(&LifoQueue::unbounded(), &mut m, &ops),
                (Kind::Priority, Some(c)) => run_script(&PriorityQueue::new(c), &mut m, &ops),
                (Kind::Priority, None) => run_script(&PriorityQueue::unbounded(), &mut m, &ops),
            }
        })?;
    }

    /// Real threads, every kind: 1–3 producers and consumers move every item through a small or
    /// unbounded queue, some with timed calls; each item is received exactly once.
    #[test]
    fn every_kind_concurrent_no_loss_no_duplicate(
        kind in prop_oneof![Just(Kind::Fifo), Just(Kind::Lifo), Just(Kind::Priority)],
        cap in proptest::option::of(1usize..4),
        producers in 1usize..4,
        consumers in 1usize..4,
        per in 0usize..40,
    ) {
        watched(move || {
            let got = match (kind, cap) {
                (Kind::Fifo, Some(c)) => concurrent(&Queue::new(c), producers, consumers, per),
                (Kind::Fifo, None) => concurrent(&Queue::unbounded(), producers, consumers, per),
                (Kind::Lifo, Some(c)) => concurrent(&LifoQueue::new(c), producers, consumers, per),
                (Kind::Lifo, None) => concurrent(&LifoQueue::unbounded(), producers, consumers, per),
                (Kind::Priority, Some(c)) => {
                    concurrent(&PriorityQueue::new(c), producers, consumers, per)
                }
                (Kind::Priority, None) => {
                    concurrent(&PriorityQueue::unbounded(), producers, consumers, per)
                }
            };
            let set: HashSet<usize> = got.iter().copied().collect();
            prop_assert_eq!(got.len(), producers * per, "an item was lost or duplicated");
            prop_assert_eq!(set.len(), producers * per, "an item was received twice");
            Ok(())
        })?;
    }
}

/// Producers put `per` items each (timed puts, retried); consumers get until the shutdown after
/// every item was put. Returns everything got.
fn concurrent<O: Order<usize>>(
    q: &OrderedQueue<usize, O>,
    producers: usize,
    consumers: usize,
    per: usize,
) -> Vec<usize> {
    std::thread::scope(|s| {
        for p in 0..producers {
            s.spawn(move || {
                for k in 0..per {
                    let mut v = p * per + k;
                    while let Err(e) = q.put_for(v, Duration::from_micros(20)) {
                        v = e.into_inner();
                    }
                }
            });
        }
        let cs: Vec<_> = (0..consumers)
            .map(|c| {
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
        cs.into_iter().flat_map(|c| c.join().unwrap()).collect()
    })
}
