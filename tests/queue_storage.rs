//! What the queues and a pipe allocate for their items, measured at the allocator: a full queue of
//! capacity `n` holds exactly `n` slots (`VecDeque`'s own doubling would give 8 for 5, 1024 for
//! 1000). A FIFO queue's or pipe's slot is its item and an 8-byte stamp (`src/slots.rs`). Its own test binary, because it installs a counting global allocator.
//!
//! The allocator counts the live bytes of each thread separately (a const thread-local with no
//! destructor, so counting never allocates and works during thread teardown), so tests running
//! in parallel do not disturb each other's counts.
#![cfg(not(any(feature = "loom", feature = "shuttle")))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = LIVE_BYTES.try_with(|live| live.set(live.get() + delta));
}

// SAFETY: every call is passed on to `System` unchanged; the counting touches no memory the
// allocator hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller's obligations for `alloc` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes this thread allocated and has not freed while `f` ran.
fn bytes_kept_by(f: impl FnOnce()) -> isize {
    let before = LIVE_BYTES.with(Cell::get);
    f();
    LIVE_BYTES.with(Cell::get) - before
}

const CAPACITIES: [usize; 9] = [1, 2, 3, 4, 5, 7, 9, 1000, 1024];

#[test]
fn a_full_queue_holds_exactly_capacity_slots() {
    for capacity in CAPACITIES {
        let q = weftsync::Queue::<u64>::new(capacity);
        let fill = || (0..capacity as u64).for_each(|i| q.put(i).unwrap());
        let kept = bytes_kept_by(fill);
        assert_eq!(
            kept,
            (capacity * 16) as isize,
            "a full queue of capacity {capacity} must hold exactly {capacity} slots of 16 bytes \
             (an item and a stamp)"
        );
        // Emptied and refilled (the ring wraps): nothing more is allocated.
        for _ in 0..capacity {
            q.get().unwrap();
        }
        let kept = bytes_kept_by(fill);
        assert_eq!(
            kept, 0,
            "refilling a queue of capacity {capacity} allocated again"
        );
    }
}

#[test]
fn a_full_pipe_direction_holds_exactly_capacity_slots() {
    for capacity in CAPACITIES {
        let (rx, tx) = weftsync::pipe_oneway::<u64>(capacity);
        let kept = bytes_kept_by(|| (0..capacity as u64).for_each(|i| tx.send(i).unwrap()));
        assert_eq!(
            kept,
            (capacity * 16) as isize,
            "a full pipe of capacity {capacity} must hold exactly {capacity} slots of 16 bytes \
             (an item and a stamp)"
        );
        drop((rx, tx));
    }
}

/// This thread's live bytes now.
fn live() -> isize {
    LIVE_BYTES.with(Cell::get)
}

/// Puts `n` items one at a time, then gets them all, checking after every call that the queue
/// holds at least `len` and at most `max(4, 8 × len)` slots of `slot` bytes, and that a drained
/// queue is back to 4 slots. `put` / `get` act on one queue made just before.
fn grows_and_shrinks(slot: usize, n: u64, put: impl Fn(u64), get: impl Fn() -> u64) {
    let base = live();
    let check = |len: usize, when: &str| {
        let bytes = (live() - base) as usize;
        assert!(
            bytes >= len * slot && bytes <= 4.max(8 * len) * slot,
            "{when}: {bytes} bytes for {len} items of {slot}: must be between len and \
             max(4, 8 × len) slots"
        );
    };
    for i in 0..n {
        put(i);
        check(i as usize + 1, "growing");
    }
    for left in (0..n).rev() {
        get();
        check(left as usize, "shrinking");
    }
    assert_eq!(
        (live() - base) as usize,
        4 * slot,
        "a drained unbounded queue keeps 4 slots"
    );
}

#[test]
fn an_unbounded_queue_grows_and_shrinks_with_its_items() {
    for n in [1, 5, 100, 1000] {
        let q = weftsync::Queue::<u64>::unbounded();
        grows_and_shrinks(8, n, |i| q.put(i).unwrap(), || q.get().unwrap());
        let q = weftsync::LifoQueue::<u64>::unbounded();
        grows_and_shrinks(8, n, |i| q.put(i).unwrap(), || q.get().unwrap());
        // A priority queue's slot holds the item and its 64-bit put number.
        let q = weftsync::PriorityQueue::<u64>::unbounded();
        grows_and_shrinks(16, n, |i| q.put(i).unwrap(), || q.get().unwrap());
    }
}

#[test]
fn a_bounded_lifo_or_priority_queue_holds_exactly_capacity_slots() {
    for capacity in CAPACITIES {
        let q = weftsync::LifoQueue::<u64>::new(capacity);
        let kept = bytes_kept_by(|| (0..capacity as u64).for_each(|i| q.put(i).unwrap()));
        assert_eq!(kept, (capacity * 8) as isize, "LIFO capacity {capacity}");
        let q = weftsync::PriorityQueue::<u64>::new(capacity);
        let kept = bytes_kept_by(|| (0..capacity as u64).for_each(|i| q.put(i).unwrap()));
        assert_eq!(
            kept,
            (capacity * 16) as isize,
            "priority capacity {capacity}"
        );
    }
}

#[test]
fn a_simple_queue_holds_one_node_per_item() {
    let q = weftsync::SimpleQueue::<u64>::new();
    let node = 16; // the item and the next pointer
    let base = live();
    for i in 0..100u64 {
        q.put(i);
        assert_eq!(
            live() - base,
            (i as isize + 1) * node,
            "one node per item put"
        );
    }
    for left in (0..100isize).rev() {
        q.get();
        assert_eq!(live() - base, left * node, "a get frees its node");
    }
}
