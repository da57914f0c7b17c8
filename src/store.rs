//! The storage orders of the ring (`src/ring.rs`): which item a get takes. One small trait with
//! three implementations, so `Queue`, `LifoQueue` and `PriorityQueue` (and the pipe) share every
//! line of the ring's locking, waiting and accounting, and differ only here.
//!
//! | store      | order                                   | put        | get        | slots hold   |
//! |------------|-----------------------------------------|------------|------------|--------------|
//! | `VecDeque` | FIFO (`Queue`, the pipe)                | O(1)       | O(1)       | `T`          |
//! | `Vec`      | LIFO (`LifoQueue`)                      | O(1)       | O(1)       | `T`          |
//! | `Heap`     | smallest first, ties oldest first (`PriorityQueue`) | O(log n) | O(log n) | `T` + `u64` |
//!
//! The ring decides how many slots to allocate (`Store::slots`, `reserve_exact`, `shrink_to`); a
//! store only holds items. No store runs user code except the heap, which calls `T::cmp`. The
//! heap calls it only before it moves anything, so a panicking `cmp` never leaves an item half
//! moved or drops one: see [`Heap`].

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A panic caught inside a store, for the ring to resume once it has finished its bookkeeping
/// and released its lock.
pub(crate) type Panic = Box<dyn Any + Send>;

/// Items in some order. Crate-private: a `pub` trait in a private module, so the sealed queue
/// orders can name it.
pub trait Store {
    /// What the store holds.
    type Item;
    /// An empty store that has allocated nothing (`const`, so a queue can be a `static`).
    const EMPTY: Self;
    /// Items inside.
    fn len(&self) -> usize;
    /// Whether nothing is inside.
    #[inline]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Items the current allocation holds.
    fn slots(&self) -> usize;
    /// Allocates room for exactly `extra` more items than are inside.
    fn reserve_exact(&mut self, extra: usize);
    /// Shrinks the allocation to `slots` (never below `len`).
    fn shrink_to(&mut self, slots: usize);
    /// Adds `item`; the caller made room. `Err` only for the heap, when `T::cmp` panicked: the
    /// item is inside nonetheless (perhaps out of order), and the panic is handed back.
    fn push(&mut self, item: Self::Item) -> Result<(), Panic>;
    /// Takes the next item in this store's order. `Err` only for the heap, when `T::cmp`
    /// panicked: then nothing was taken or moved, and the panic is handed back.
    fn pop(&mut self) -> Result<Option<Self::Item>, Panic>;
}

/// FIFO: `Queue` and the pipe.
impl<T> Store for VecDeque<T> {
    type Item = T;
    const EMPTY: Self = VecDeque::new();

    #[inline]
    fn len(&self) -> usize {
        VecDeque::len(self)
    }

    #[inline]
    fn slots(&self) -> usize {
        self.capacity()
    }

    fn reserve_exact(&mut self, extra: usize) {
        VecDeque::reserve_exact(self, extra);
    }

    fn shrink_to(&mut self, slots: usize) {
        VecDeque::shrink_to(self, slots);
    }

    #[inline]
    fn push(&mut self, item: T) -> Result<(), Panic> {
        self.push_back(item);
        Ok(())
    }

    #[inline]
    fn pop(&mut self) -> Result<Option<T>, Panic> {
        Ok(self.pop_front())
    }
}

/// LIFO: `LifoQueue`.
impl<T> Store for Vec<T> {
    type Item = T;
    const EMPTY: Self = Vec::new();

    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }

    #[inline]
    fn slots(&self) -> usize {
        self.capacity()
    }

    fn reserve_exact(&mut self, extra: usize) {
        Vec::reserve_exact(self, extra);
    }

    fn shrink_to(&mut self, slots: usize) {
        Vec::shrink_to(self, slots);
    }

    #[inline]
    fn push(&mut self, item: T) -> Result<(), Panic> {
        Vec::push(self, item);
        Ok(())
    }

    #[inline]
    fn pop(&mut self) -> Result<Option<T>, Panic> {
        Ok(Vec::pop(self))
    }
}

/// An item and the number of its put: the heap orders by the item, then by the number, so
/// equal items leave in the order they were put (Python's heap of `(priority, count, item)`).
struct Ranked<T> {
    item: T,
    seq: u64,
}

/// Smallest first, equal items oldest first: `PriorityQueue`. A binary min-heap in a `Vec`,
/// written here rather than taken from `BinaryHeap` for one property: **a panicking `T::cmp`
/// never loses or drops an item**. `BinaryHeap::pop` drops the item it removed if a comparison
/// panics during its sift (here that would be under the queue's lock, and a lost item). So each
/// operation first finds, by comparisons alone, where the moving item belongs, and only then
/// moves items, which runs no user code:
/// - `push` looks for the new item's place along the path from the end to the root (the usual
///   sift up, comparing only). If `cmp` panics, the item is appended at the end (inside, perhaps
///   out of order, as Python's `heappush` leaves it) and the panic is handed back for the ring to
///   resume after its bookkeeping.
/// - `pop` follows the smaller child from the root to the bottom (one comparison per level, as
///   `BinaryHeap::pop`'s sift to the bottom), then walks back up to where the last item belongs
///   (usually a step or two). If `cmp` panics, nothing has been taken or moved.
///
/// The moves then shift each item on the path one level (one `mem::replace` each) and put the
/// moving item in its place. Without a panic both keep the heap property, so the smallest item
/// (oldest among equals) is at the root. Equal items cannot tie: the sequence numbers differ (a
/// `u64` that would take centuries of puts to wrap).
pub struct Heap<T> {
    data: Vec<Ranked<T>>,
    next_seq: u64,
}

/// Prints the length only (no `T: Debug` needed).
impl<T> core::fmt::Debug for Heap<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Heap")
            .field("len", &self.data.len())
            .finish_non_exhaustive()
    }
}

impl<T: Ord> Heap<T> {
    /// Whether `a` leaves before `b`.
    #[inline]
    fn before(a: &Ranked<T>, b: &Ranked<T>) -> bool {
        match a.item.cmp(&b.item) {
            core::cmp::Ordering::Less => true,
            core::cmp::Ordering::Greater => false,
            core::cmp::Ordering::Equal => a.seq < b.seq,
        }
    }

    /// Where `new`, about to be appended at index `data.len()`, belongs: comparisons only.
    fn place_up(data: &[Ranked<T>], new: &Ranked<T>) -> usize {
        let mut i = data.len();
        while i > 0 {
            let parent = (i - 1) / 2;
            if !Self::before(new, &data[parent]) {
                break;
            }
            i = parent;
        }
        i
    }

    /// Where the last item belongs once the root is removed, in a heap of the other
    /// `data.len() - 1` items: down the smaller children to the bottom, then back up while the
    /// last item leaves before the node there. Comparisons only.
    fn place_down(data: &[Ranked<T>]) -> usize {
        let last = data.len() - 1;
        let mut i = 0;
        loop {
            let left = 2 * i + 1;
            if left >= last {
                break;
            }
            let right = left + 1;
            i = if right < last && Self::before(&data[right], &data[left]) {
                right
            } else {
                left
            };
        }
        while i > 0 && Self::before(&data[last], &data[i]) {
            i = (i - 1) / 2;
        }
        i
    }
}

impl<T: Ord> Store for Heap<T> {
    type Item = T;
    const EMPTY: Self = Heap {
        data: Vec::new(),
        next_seq: 0,
    };

    #[inline]
    fn len(&self) -> usize {
        self.data.len()
    }

    #[inline]
    fn slots(&self) -> usize {
        self.data.capacity()
    }

    fn reserve_exact(&mut self, extra: usize) {
        self.data.reserve_exact(extra);
    }

    fn shrink_to(&mut self, slots: usize) {
        self.data.shrink_to(slots);
    }

    fn push(&mut self, item: T) -> Result<(), Panic> {
        let new = Ranked {
            item,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        let data = &self.data;
        let target = match catch_unwind(AssertUnwindSafe(|| Self::place_up(data, &new))) {
            Ok(target) => target,
            Err(panic) => {
                self.data.push(new);
                return Err(panic);
            }
        };
        // The ancestors of the new slot, from `target` down to its parent, each move one level
        // down; the new item takes `target`, and the parent's old item the new slot.
        let at = self.data.len();
        let levels = (at + 1).ilog2() - (target + 1).ilog2();
        let mut carry = new;
        for shift in (1..=levels).rev() {
            let ancestor = ((at + 1) >> shift) - 1;
            carry = core::mem::replace(&mut self.data[ancestor], carry);
        }
        self.data.push(carry);
        Ok(())
    }

    fn pop(&mut self) -> Result<Option<T>, Panic> {
        if self.data.len() <= 1 {
            return Ok(self.data.pop().map(|r| r.item));
        }
        let data = &self.data;
        let target = catch_unwind(AssertUnwindSafe(|| Self::place_down(data)))?;
        // The last item takes `target`; each node from there up to the root's child moves one
        // level up; what the root held comes out.
        let mut carry = self.data.pop().expect("at least two items");
        let mut at = target;
        loop {
            carry = core::mem::replace(&mut self.data[at], carry);
            if at == 0 {
                return Ok(Some(carry.item));
            }
            at = (at - 1) / 2;
        }
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! The heap against a sorted model, and its behaviour when `cmp` panics. (The queues' own
    //! order promises are checked through the public API in `tests/std/queue_orders.rs`.)
    use super::*;
    use std::cell::Cell;

    fn drain<T: Ord>(h: &mut Heap<T>) -> Vec<T> {
        core::iter::from_fn(|| h.pop().unwrap()).collect()
    }

    #[test]
    fn heap_pops_smallest_first_and_equal_items_oldest_first() {
        let mut h = Heap::EMPTY;
        // (key, id): keys repeat, ids are the put order.
        let keys = [5u8, 1, 3, 1, 5, 0, 3, 3, 9, 1, 0, 2];
        for (id, &k) in keys.iter().enumerate() {
            h.push(Key(k, id)).unwrap();
        }
        let got: Vec<(u8, usize)> = drain(&mut h)
            .into_iter()
            .map(|Key(k, id)| (k, id))
            .collect();
        let mut want: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
        want.sort(); // by key, then id: ties oldest first
        assert_eq!(got, want, "smallest first, equal keys in put order");
    }

    /// Compares by the key only, so equal keys are ties the heap must order by put.
    #[derive(Debug)]
    struct Key(u8, usize);
    impl PartialEq for Key {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0
        }
    }
    impl Eq for Key {}
    impl PartialOrd for Key {
        fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Key {
        fn cmp(&self, o: &Self) -> core::cmp::Ordering {
            self.0.cmp(&o.0)
        }
    }

    thread_local! {
        static FUSE: Cell<u32> = const { Cell::new(u32::MAX) };
    }

    /// Panics in `cmp` once the thread's fuse has burnt down.
    #[derive(Debug, PartialEq, Eq)]
    struct Touchy(u32);
    impl PartialOrd for Touchy {
        fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Touchy {
        fn cmp(&self, o: &Self) -> core::cmp::Ordering {
            let left = FUSE.with(|f| {
                f.set(f.get().saturating_sub(1));
                f.get()
            });
            assert!(left != 0, "cmp panics");
            self.0.cmp(&o.0)
        }
    }

    #[test]
    fn a_panicking_cmp_never_loses_or_duplicates_an_item() {
        let mut panics = 0;
        // Each operation makes at most 6 comparisons here: fuses 1..=6 burn down inside one.
        for fuse in 1..=6 {
            let mut h = Heap::EMPTY;
            for v in [7u32, 3, 9, 1, 4, 8, 2, 6, 5, 0] {
                FUSE.with(|f| f.set(fuse));
                if h.push(Touchy(v)).is_err() {
                    panics += 1;
                }
            }
            assert_eq!(
                h.len(),
                10,
                "a push whose cmp panicked still holds its item"
            );
            let mut got = Vec::new();
            while !h.data.is_empty() {
                FUSE.with(|f| f.set(fuse));
                let before = h.len();
                match h.pop() {
                    Ok(Some(Touchy(v))) => got.push(v),
                    Ok(None) => unreachable!(),
                    Err(_) => {
                        panics += 1;
                        assert_eq!(h.len(), before, "a pop whose cmp panicked took nothing");
                        FUSE.with(|f| f.set(u32::MAX));
                        got.push(h.pop().unwrap().unwrap().0);
                    }
                }
            }
            got.sort_unstable();
            assert_eq!(
                got,
                (0..10).collect::<Vec<_>>(),
                "fuse {fuse}: every item once"
            );
        }
        assert!(
            panics > 10,
            "the fuses must have made cmp panic often: {panics}"
        );
    }
}
