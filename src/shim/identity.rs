//! Thread identity that the checkers can see.
//!
//! Loom and shuttle run every modelled thread on one OS thread, so `std::thread_local!` would
//! give them all one identity; the checker's own `thread_local!` gives each modelled thread its
//! own. Ids come from one process-wide counter and are never reused, so an id can stand for a
//! thread even after that thread has exited (RLock relies on this).
//!
//! Two kinds of identity:
//! - [`current_thread_id`]: a `u64`, never reused, stable for the thread's whole life.
//! - [`current_thread_slot`]: a [`ThreadSlot`], for per-object tables indexed by thread
//!   (`ThreadLocal`). Its `index` is small: the smallest index no live thread holds, handed back
//!   when the thread exits and then reused, so a table indexed by it stays as large as the most
//!   threads alive at once, not the number of threads ever started. Its `lease` is never reused,
//!   so a table can tell this thread's use of an index from an exited thread's.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Next id to hand out; 0 is never handed out, so it can mean "no thread".
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> u64 {
    // Relaxed: the counter only has to hand out distinct values; nothing is published with it.
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    assert!(id != 0, "weftsync: thread id counter overflowed");
    id
}

#[cfg(weft_loom)]
loom::thread_local! {
    static ID: u64 = fresh_id();
}

#[cfg(weft_shuttle)]
shuttle::thread_local! {
    static ID: u64 = fresh_id();
}

#[cfg(not(weft_checker))]
std::thread_local! {
    static ID: u64 = fresh_id();
}

/// The calling thread's id: non-zero, stable for the thread's life, never given to another
/// thread. Panics if called while the thread's locals are being destroyed.
#[inline]
pub(crate) fn current_thread_id() -> u64 {
    ID.with(|id| *id)
}

/// A thread's place in per-object tables: see the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ThreadSlot {
    /// Unique among the threads that hold a slot now; reused, smallest first, after its thread
    /// exits. Always `< usize::MAX`, so `index + 1` never overflows.
    pub(crate) index: usize,
    /// Never reused and never 0: tells this thread's tenure of `index` from every other one.
    pub(crate) lease: u64,
    /// `index` split for tables of doubling buckets (bucket `b` holds `2^b` entries), computed
    /// once here so the lookup is two plain loads: `bucket = ilog2(index + 1)`,
    /// `offset = index + 1 - 2^bucket < 2^bucket`.
    pub(crate) bucket: usize,
    /// See `bucket`.
    pub(crate) offset: usize,
}

impl ThreadSlot {
    fn new(index: usize, lease: u64) -> Self {
        // `index < usize::MAX` (the pool's limit), so `n >= 1` and never overflows.
        let n = index + 1;
        let bucket = n.ilog2() as usize;
        ThreadSlot {
            index,
            lease,
            bucket,
            offset: n - (1 << bucket),
        }
    }
}

/// The indices in use: every index below `next` is either held by a live thread or in `free`.
struct Pool {
    next: usize,
    free: BinaryHeap<Reverse<usize>>,
}

impl Pool {
    const fn new() -> Self {
        Pool {
            next: 0,
            free: BinaryHeap::new(),
        }
    }

    /// The smallest free index, so tables indexed by it stay dense.
    fn take(&mut self) -> usize {
        if let Some(Reverse(index)) = self.free.pop() {
            return index;
        }
        let index = self.next;
        assert!(index < usize::MAX - 1, "weftsync: thread slots exhausted");
        self.next += 1;
        index
    }

    fn give_back(&mut self, index: usize) {
        self.free.push(Reverse(index));
    }
}

// ---- std: a const-initialised cell read on the fast path, and a guard that frees the slot. ----

#[cfg(not(weft_checker))]
static POOL: std::sync::Mutex<Pool> = std::sync::Mutex::new(Pool::new());

/// Lease 0: this thread holds no slot yet (or handed it back during its exit).
#[cfg(not(weft_checker))]
const NO_SLOT: ThreadSlot = ThreadSlot {
    index: 0,
    lease: 0,
    bucket: 0,
    offset: 0,
};

#[cfg(not(weft_checker))]
std::thread_local! {
    // No destructor, so it stays readable while the thread's other locals are destroyed.
    static SLOT: core::cell::Cell<ThreadSlot> = const { core::cell::Cell::new(NO_SLOT) };
    // Its destructor (registered on first use) hands the slot back when the thread exits.
    static RELEASE: SlotRelease = const { SlotRelease };
}

#[cfg(not(weft_checker))]
fn lock_pool() -> std::sync::MutexGuard<'static, Pool> {
    // The pool's code cannot panic while holding the mutex (short of allocation failure), so
    // poison is ignored rather than spread to every thread that starts later.
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(not(weft_checker))]
struct SlotRelease;

#[cfg(not(weft_checker))]
impl Drop for SlotRelease {
    fn drop(&mut self) {
        let slot = SLOT.replace(NO_SLOT);
        if slot.lease != 0 {
            // The mutex orders this thread's last use of the index before the next holder's
            // first use (Release here, Acquire in `take`).
            lock_pool().give_back(slot.index);
        }
    }
}

/// The calling thread's slot, taken on its first call. A thread whose slot was handed back
/// during its exit (a `ThreadLocal` used from another thread-local's destructor) gets a new
/// slot with a new lease, and keeps that index for good: one index wasted, never shared.
#[cfg(not(weft_checker))]
#[inline]
pub(crate) fn current_thread_slot() -> ThreadSlot {
    let slot = SLOT.get();
    if slot.lease != 0 { slot } else { new_slot() }
}

/// The calling thread's slot if it has taken one, else a slot with `lease == 0` (which no table
/// entry carries, so a lookup with it finds nothing). One thread-local read and no branch: for
/// fast paths that fall back to [`current_thread_slot`] on a miss.
#[cfg(not(weft_checker))]
#[inline]
pub(crate) fn known_thread_slot() -> ThreadSlot {
    SLOT.get()
}

#[cfg(not(weft_checker))]
#[cold]
fn new_slot() -> ThreadSlot {
    let slot = ThreadSlot::new(lock_pool().take(), fresh_id());
    SLOT.set(slot);
    // Registers RELEASE's destructor. It fails only while this thread's locals are being
    // destroyed; the index then stays taken (see `current_thread_slot`).
    let _ = RELEASE.try_with(|_| ());
    slot
}

// ---- loom / shuttle: the checker's thread-locals and mutex, one pool per execution. ----

#[cfg(weft_loom)]
use loom::sync::Mutex as CheckerMutex;
#[cfg(weft_shuttle)]
use shuttle::sync::Mutex as CheckerMutex;

/// The pool is shared through an `Arc` because loom drops its lazy statics before the main
/// thread's locals: the main thread's lease must still reach the pool to hand its slot back.
#[cfg(weft_checker)]
type SharedPool = std::sync::Arc<CheckerMutex<Pool>>;

#[cfg(weft_loom)]
loom::lazy_static! {
    static ref POOL: SharedPool = std::sync::Arc::new(CheckerMutex::new(Pool::new()));
}
#[cfg(weft_shuttle)]
shuttle::lazy_static! {
    static ref POOL: SharedPool = std::sync::Arc::new(CheckerMutex::new(Pool::new()));
}

/// A modelled thread's slot; dropped with the thread's locals, which hands the index back.
#[cfg(weft_checker)]
struct Lease {
    slot: ThreadSlot,
    pool: SharedPool,
}

#[cfg(weft_checker)]
impl Lease {
    fn take() -> Self {
        let pool = SharedPool::clone(&POOL);
        let index = pool.lock().unwrap_or_else(|e| e.into_inner()).take();
        Lease {
            slot: ThreadSlot::new(index, fresh_id()),
            pool,
        }
    }
}

#[cfg(weft_checker)]
impl Drop for Lease {
    fn drop(&mut self) {
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .give_back(self.slot.index);
    }
}

#[cfg(weft_loom)]
loom::thread_local! {
    static LEASE: Lease = Lease::take();
}
#[cfg(weft_shuttle)]
shuttle::thread_local! {
    static LEASE: Lease = Lease::take();
}

/// The calling modelled thread's slot, taken on its first call.
#[cfg(weft_checker)]
#[inline]
pub(crate) fn current_thread_slot() -> ThreadSlot {
    LEASE.with(|lease| lease.slot)
}

/// Under the checkers, the same as [`current_thread_slot`] (the std twin may return lease 0).
#[cfg(weft_checker)]
#[inline]
pub(crate) fn known_thread_slot() -> ThreadSlot {
    current_thread_slot()
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    use super::*;

    /// The pool hands out the smallest index no holder has: fresh ones in order, and an index
    /// given back before any fresh one.
    #[test]
    fn the_pool_hands_out_the_smallest_free_index() {
        let mut pool = Pool::new();
        assert_eq!((pool.take(), pool.take(), pool.take()), (0, 1, 2));
        pool.give_back(1);
        pool.give_back(0);
        assert_eq!(pool.take(), 0, "the smallest index given back comes first");
        assert_eq!(pool.take(), 1, "then the next one given back");
        assert_eq!(pool.take(), 3, "then a fresh one");
    }

    /// A thread's slot index goes back to the process-wide pool when the thread exits. Other
    /// tests start threads meanwhile, and one may take the index between the exit and the look:
    /// so the test tries up to 100 threads and needs the index free after one of them.
    #[test]
    fn an_exited_threads_slot_index_is_free_again() {
        crate::shim::tests::watched(|| {
            let handed_back = (0..100).any(|_| {
                let index = std::thread::spawn(|| current_thread_slot().index)
                    .join()
                    .unwrap();
                lock_pool().free.iter().any(|&Reverse(free)| free == index)
            });
            assert!(
                handed_back,
                "no exited thread's index was free again: SlotRelease must hand it back"
            );
        });
    }
}

#[cfg(all(test, weft_shuttle))]
mod shuttle_tests {
    use super::*;

    /// Under the checkers too, a thread's slot index goes back to the execution's pool when the
    /// thread exits: the next thread started takes the same, smallest free, index.
    #[test]
    fn an_exited_threads_slot_index_is_taken_by_the_next_thread() {
        shuttle::check_random(
            || {
                let first = shuttle::thread::spawn(|| current_thread_slot().index)
                    .join()
                    .unwrap();
                let second = shuttle::thread::spawn(|| current_thread_slot().index)
                    .join()
                    .unwrap();
                assert_eq!(
                    first, second,
                    "the exited thread's index must be free for the next thread"
                );
            },
            10,
        );
    }
}
