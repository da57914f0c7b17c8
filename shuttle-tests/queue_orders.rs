//! Shuttle scenarios for `LifoQueue`, `PriorityQueue` and unbounded queues: more threads than
//! loom can search, and a `PriorityQueue` whose `Ord` panics inside a get. Random scheduler and
//! PCT, 1,000 iterations each.

use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicBool, Ordering::SeqCst};
use shuttle::{check_pct, check_random, thread};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
use weftsync::queue::{Order, OrderedQueue};
use weftsync::{
    LifoQueue, PriorityQueue, Queue, RecvTimeoutError, Semaphore, SemaphorePermit, ZeroCapacity,
};

const LONG: Duration = Duration::from_secs(5);

/// 2 producers × 3 items (one producer with `put_for`, retrying with the handed-back item) and 2
/// consumers (one with `get_for`), then a plain shutdown: every item is received exactly once.
fn mpmc<O: Order<usize> + 'static>(q: OrderedQueue<usize, O>) {
    let q = Arc::new(q);
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                for k in 0..3 {
                    let mut v = p * 3 + k;
                    if p == 1 {
                        while let Err(e) = q.put_for(v, LONG) {
                            v = e.into_inner();
                        }
                    } else {
                        q.put(v).unwrap();
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|c| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let r = if c == 0 {
                        q.get_for(LONG)
                    } else {
                        q.get().map_err(RecvTimeoutError::from)
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
    for p in producers {
        p.join().unwrap();
    }
    q.shutdown(false);
    let mut all: Vec<usize> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..6).collect::<Vec<_>>(),
        "an item was lost or duplicated"
    );
}

/// The scenario on a bounded LIFO, a bounded priority queue and an unbounded FIFO queue.
fn every_kind_mpmc() {
    mpmc(LifoQueue::new(2));
    mpmc(PriorityQueue::new(2));
    mpmc(Queue::unbounded());
}

/// Random scheduler, 1,000 iterations (5 threads, three queues per iteration).
#[test]
fn every_kind_mpmc_every_item_received_exactly_once_random() {
    crate::isolated(|| check_random(every_kind_mpmc, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn every_kind_mpmc_every_item_received_exactly_once_pct() {
    crate::isolated(|| check_pct(every_kind_mpmc, 1_000, 3));
}

/// Under the checkers the constructors are not `const` and are separate functions
/// (`src/queue.rs`); they answer as the std ones do: `try_new(0)` is `ZeroCapacity` and
/// `try_new(n)` a queue of capacity `n`, for every kind, and `unbounded()` has no capacity.
#[test]
fn every_kinds_constructors_answer_under_the_checker_as_on_real_threads() {
    crate::isolated(|| {
        check_random(
            || {
                assert_eq!(Queue::<u8>::try_new(0).unwrap_err(), ZeroCapacity);
                assert_eq!(LifoQueue::<u8>::try_new(0).unwrap_err(), ZeroCapacity);
                assert_eq!(PriorityQueue::<u8>::try_new(0).unwrap_err(), ZeroCapacity);
                assert_eq!(Queue::<u8>::try_new(3).unwrap().capacity(), Some(3));
                assert_eq!(LifoQueue::<u8>::try_new(3).unwrap().capacity(), Some(3));
                assert_eq!(PriorityQueue::<u8>::try_new(3).unwrap().capacity(), Some(3));
                assert_eq!(Queue::<u8>::unbounded().capacity(), None);
                assert_eq!(LifoQueue::<u8>::unbounded().capacity(), None);
                assert_eq!(PriorityQueue::<u8>::unbounded().capacity(), None);
            },
            1,
        )
    });
}

shuttle::thread_local! {
    /// Set on the getter threads: only their comparisons may explode.
    static GETTER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// An item that compares by value, except that the first comparison a getter makes with the
/// bomb panics.
struct Item {
    value: u32,
    bomb: Option<Arc<AtomicBool>>,
}
impl Item {
    fn explode(&self) {
        if let Some(fuse) = &self.bomb {
            if GETTER.with(|g| g.get()) && fuse.swap(false, SeqCst) {
                panic!("Item::cmp panics");
            }
        }
    }
}
impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.explode();
        other.explode();
        self.value.cmp(&other.value)
    }
}

/// 4 getters blocked on an empty priority queue, 3 puts, and the first comparison a getter makes
/// with one of the items panics (its get takes nothing and that getter gives up). The other
/// getters must get all three items: a getter woken for an item must not leave it behind for a
/// getter that is still asleep and that no later put will wake. (Without passing the panicking
/// getter's wake on, 3 puts release 3 getters, one panics, two take, and the 4th sleeps beside
/// the last item; the main thread then waits forever for it, which shuttle reports: with that
/// wake taken out of `Ring::pass_on_wake`, the random scheduler fails within its 1,000
/// iterations; PCT does not find it.)
fn panicking_cmp_in_a_get_strands_no_getter() {
    let q = Arc::new(PriorityQueue::new(4));
    let got = Arc::new(Semaphore::new(0));
    let fuse = Arc::new(AtomicBool::new(true));
    let getters: Vec<_> = (0..4)
        .map(|_| {
            let (q, got) = (Arc::clone(&q), Arc::clone(&got));
            thread::spawn(move || {
                GETTER.with(|g| g.set(true));
                match catch_unwind(AssertUnwindSafe(|| q.get())) {
                    Ok(Ok(_item)) => got.release(1),
                    Ok(Err(_)) => {} // shut down: nothing left for this getter
                    Err(_) => {}     // its comparison panicked: it took nothing
                }
            })
        })
        .collect();
    // Heap after the puts: [1, 3, 2]. A get with all three inside compares 3 (the bomb) with 2
    // to refill the root; the puts' own comparisons run on this thread, which never explodes.
    for (value, bomb) in [(1, false), (3, true), (2, false)] {
        let bomb = bomb.then(|| Arc::clone(&fuse));
        q.put(Item { value, bomb }).unwrap();
    }
    // Every item must be got (a panicking get takes nothing, so three getters are left for
    // three items). Blocks forever, and so deadlocks the model, if one is stranded.
    SemaphorePermit::forget(got.acquire_many(3));
    q.shutdown(false); // releases the getter left with nothing to get
    for g in getters {
        g.join().unwrap();
    }
    assert!(q.is_empty());
}

/// Keeps the expected `Item::cmp` panics off the output (this runs in the test's own child
/// process, `crate::isolated`); every other panic is printed as usual.
fn quiet_item_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"Item::cmp panics") {
            previous(info);
        }
    }));
}

/// Random scheduler, 1,000 iterations (5 threads).
#[test]
fn panicking_cmp_in_a_get_strands_no_getter_random() {
    crate::isolated(|| {
        quiet_item_panics();
        check_random(panicking_cmp_in_a_get_strands_no_getter, 1_000);
    });
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn panicking_cmp_in_a_get_strands_no_getter_pct() {
    crate::isolated(|| {
        quiet_item_panics();
        check_pct(panicking_cmp_in_a_get_strands_no_getter, 1_000, 3);
    });
}
