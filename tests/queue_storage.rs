//! What a `Queue` and a pipe allocate for their items, measured at the allocator: a full queue of
//! capacity `n` holds exactly `n` slots (`VecDeque`'s own doubling would give 8 for 5, 1024 for
//! 1000). Its own test binary, because it installs a counting global allocator.
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
            (capacity * 8) as isize,
            "a full queue of capacity {capacity} must hold exactly {capacity} slots of 8 bytes"
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
            (capacity * 8) as isize,
            "a full pipe of capacity {capacity} must hold exactly {capacity} slots of 8 bytes"
        );
        drop((rx, tx));
    }
}
