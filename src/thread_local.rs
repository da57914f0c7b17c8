//! [`ThreadLocal<T>`]: one value per thread on a shared object, Python's `threading.local()`,
//! and its iterators [`Iter`], [`IterMut`] and [`IntoIter`].
//!
//! `ThreadLocal` is also at the crate root (`weftsync::ThreadLocal`); its iterators are only
//! here, so no root-level name is ambiguous. Promises, state table and the tests behind them:
//! [`docs::thread_local`](crate::docs::thread_local).
//!
//! ```
//! # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
//! use weftsync::thread_local::{Iter, ThreadLocal};
//!
//! let tl = ThreadLocal::new();
//! tl.get_or(|| 1);
//! let values: Iter<'_, i32> = tl.iter();
//! assert_eq!(values.copied().collect::<Vec<_>>(), [1]);
//! # }
//! ```

// Implementation notes.
//
// Layout: `buckets[b]` points to an array of `2^b` slot heads (allocated on first use, freed
// only by `clear` or drop). A thread's `ThreadSlot` index `i` picks bucket `b = ilog2(i + 1)`,
// head `i + 1 - 2^b` (precomputed in the slot). A head points to the newest node of a chain;
// each node holds one value, the lease of the thread that created it, and the node it displaced.
// Nodes are cache-line padded, so threads updating their own values never share a line.
//
// State of one slot head (the index is held by at most one live thread at a time):
//
// | head                                | meaning                                          |
// |-------------------------------------|--------------------------------------------------|
// | null                                | no thread that held this index stored a value    |
// | node, `lease == holder's lease`     | the value of the thread holding the index now    |
// | node, `lease != holder's lease`     | an exited thread's value; the holder has none    |
//
// Transitions under `&self`: only the holder changes its head, by pushing a new node in front
// (null → node, or exited thread's node → node; the old node stays reachable as `older`).
// Under `&self` no node is ever removed, changed or freed, so every `&T` handed out stays valid
// until `&mut self` (`clear`, `iter_mut`, `into_iter`, drop) proves none is left. `clear` and
// drop unlink each node (head → its `older`) before dropping its value, so when a `T::drop`
// panics, the walk resumed during unwinding starts past it: every value dropped once.
// A thread finds its value by comparing leases, never by index alone: an index is reused by a
// new thread after its holder exits, a lease never is.
//
// Memory ordering: a node (its lease, `older` link and value) and a bucket (its null heads)
// are written before they are published by a Release compare-exchange; every load that follows
// a pointer to them is Acquire. A chain is safe to walk because each push read the node it
// displaces with Acquire before publishing its own with Release, so the chain is ordered
// transitively. Under `&mut self`, the borrow itself orders every other thread's writes first
// (whatever handed out the `&mut` synchronised with them), so those paths load Relaxed.

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::ptr;

use crossbeam_utils::CachePadded;

use crate::shim::{
    self, AtomicPtr,
    Ordering::{Acquire, Relaxed, Release},
    ThreadSlot, UnsafeCell,
};

/// The iterators are not at the crate root (issue 9: `weftsync::Iter` was ambiguous):
///
/// ```compile_fail,E0432
/// use weftsync::Iter;
/// ```
#[cfg(doctest)]
pub struct IteratorsAreNotAtTheCrateRoot;

/// One bucket per bit of the index: bucket `b` has `2^b` heads, enough for any `usize` index.
const BUCKETS: usize = usize::BITS as usize;

/// One thread's value, with the lease of the thread that created it.
struct Node<T> {
    /// The creating thread's `ThreadSlot::lease`: never reused, so never another thread's.
    lease: u64,
    /// The node this one displaced at its head (an exited thread's), or null. Never changes
    /// after the node is published.
    older: *mut Entry<T>,
    value: UnsafeCell<T>,
}

/// A node on a cache line of its own.
type Entry<T> = CachePadded<Node<T>>;

/// A slot head: the newest node pushed for its index.
type Head<T> = AtomicPtr<Entry<T>>;

impl<T> Node<T> {
    #[inline]
    fn value(&self) -> &T {
        // SAFETY: a published value is only written or dropped through `&mut ThreadLocal`, and
        // the returned reference borrows the node, which borrows the `ThreadLocal`.
        self.value.with(|p| unsafe { &*p })
    }
}

/// Per-object thread-local storage: each thread that uses a `ThreadLocal` gets its own value.
/// Python's `threading.local()`; a non-static `std::thread_local!`.
///
/// - [`get`](Self::get) returns the calling thread's value; after the thread's first access it
///   takes no lock and is O(1) (a few loads).
/// - **A thread never sees another thread's value**, even one that exited and whose thread
///   slot this thread now reuses (unlike the `thread_local` crate, which hands an exited
///   thread's value to the next thread that takes its id).
/// - **Values live until `&mut self`**: an exited thread's value is kept (and [`iter`](Self::iter)
///   still yields it) until [`clear`](Self::clear), [`iter_mut`](Self::iter_mut)'s owner,
///   [`into_iter`](IntoIterator::into_iter) or drop. It is not dropped when its thread exits,
///   because a scoped thread may have handed a `&T` to its parent. Each value is dropped exactly
///   once, on the thread that clears or drops the `ThreadLocal`, hence `T: Send`.
/// - Memory: one cache-line-padded node per thread that stored a value since the last `clear`
///   (exited threads included), plus 8 bytes per thread slot up to the most threads alive at
///   once. A long-lived `ThreadLocal` touched by an endless stream of short threads grows until
///   it is cleared: `clear` it periodically, or keep one per pool of long-lived threads.
///
/// Promises, state table and the tests behind them: `docs/thread_local.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::cell::Cell;
/// use weftsync::ThreadLocal;
///
/// let hits: ThreadLocal<Cell<u32>> = ThreadLocal::new();
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| {
///             for _ in 0..10 {
///                 let mine = hits.get_or_default();
///                 mine.set(mine.get() + 1);
///             }
///         });
///     }
/// });
/// // Every thread's value is still here after the threads exited.
/// let total: u32 = hits.into_iter().map(Cell::into_inner).sum();
/// assert_eq!(total, 40);
/// # }
/// ```
#[doc(alias = "local")]
#[doc(alias = "thread_local")]
pub struct ThreadLocal<T: Send> {
    buckets: [AtomicPtr<Head<T>>; BUCKETS],
    /// Owns its `T`s (for drop check).
    _owns: PhantomData<T>,
}

/// Moving a `ThreadLocal` moves every thread's value with it, which `T: Send` allows.
// SAFETY: the `ThreadLocal` owns its nodes (reachable only through it); sending it sends the `T`s.
unsafe impl<T: Send> Send for ThreadLocal<T> {}

/// Sharing needs only `T: Send`: through `&ThreadLocal` a thread reaches only the value it
/// created (`get`/`get_or` compare leases), except through [`ThreadLocal::iter`], which
/// requires `T: Sync`. A value may be dropped on another thread than its creator: `T: Send`.
// SAFETY: see above; a value is written only by its creator before publication, and mutated or
// dropped only under `&mut self`, so `&self` users never race on a `T`.
unsafe impl<T: Send> Sync for ThreadLocal<T> {}

impl<T: Send> ThreadLocal<T> {
    /// Creates an empty `ThreadLocal`. `const` and allocation-free, so it can be a `static`;
    /// storage is allocated as threads store values.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::ThreadLocal;
    /// static NAME: ThreadLocal<String> = ThreadLocal::new();
    /// assert_eq!(NAME.get_or(|| "main".to_string()), "main");
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new() -> Self {
        ThreadLocal {
            buckets: [const { AtomicPtr::new(ptr::null_mut()) }; BUCKETS],
            _owns: PhantomData,
        }
    }

    /// Creates an empty `ThreadLocal` (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new() -> Self {
        ThreadLocal {
            buckets: core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
            _owns: PhantomData,
        }
    }

    /// The calling thread's value, if it has stored one. Takes no lock; O(1).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let tl = weftsync::ThreadLocal::new();
    /// assert_eq!(tl.get(), None);
    /// tl.get_or(|| 7);
    /// assert_eq!(tl.get(), Some(&7));
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert_eq!(tl.get(), None, "another thread's value is not ours"));
    /// });
    /// # }
    /// ```
    #[inline]
    pub fn get(&self) -> Option<&T> {
        // A thread without a slot yet has no value: `known_thread_slot` then has lease 0, which
        // no node carries, so the lookup finds nothing without taking a slot.
        self.own(shim::known_thread_slot()).map(Node::value)
    }

    /// The calling thread's value, created by `init` if it has none yet.
    ///
    /// # Panics
    /// If `init` panics (nothing is stored), or if `init` itself stored a value for this thread
    /// in this `ThreadLocal` (a reentrant call; as `std::cell::OnceCell`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let tl = weftsync::ThreadLocal::new();
    /// assert_eq!(*tl.get_or(|| 1), 1);
    /// assert_eq!(*tl.get_or(|| 2), 1, "init runs only once per thread");
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn get_or<F>(&self, init: F) -> &T
    where
        F: FnOnce() -> T,
    {
        match self.get_or_try(|| Ok::<T, core::convert::Infallible>(init())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The calling thread's value, created by `init` if it has none yet; if `init` fails,
    /// nothing is stored and its error is returned.
    ///
    /// # Panics
    /// As [`get_or`](Self::get_or).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let tl = weftsync::ThreadLocal::new();
    /// assert_eq!(tl.get_or_try(|| "x".parse::<u32>()).ok(), None);
    /// assert_eq!(tl.get(), None, "a failed init stores nothing");
    /// assert_eq!(tl.get_or_try(|| "5".parse::<u32>()), Ok(&5));
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn get_or_try<F, E>(&self, init: F) -> Result<&T, E>
    where
        F: FnOnce() -> Result<T, E>,
    {
        // Fast path: one thread-local read, no check that the thread has a slot (lease 0, "none
        // yet", matches no node).
        if let Some(node) = self.own(shim::known_thread_slot()) {
            return Ok(node.value());
        }
        // A miss with a real slot means this thread has no value; with lease 0, it takes its
        // slot now, whose fresh lease has no value either. So no second lookup.
        let me = shim::current_thread_slot();
        let value = init()?;
        Ok(self.insert(me, value))
    }

    /// The calling thread's value, `T::default()` if it has none yet.
    ///
    /// # Panics
    /// As [`get_or`](Self::get_or).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::cell::Cell;
    /// let tl: weftsync::ThreadLocal<Cell<u64>> = weftsync::ThreadLocal::new();
    /// tl.get_or_default().set(3);
    /// assert_eq!(tl.get_or_default().get(), 3);
    /// # }
    /// ```
    #[inline]
    #[track_caller]
    pub fn get_or_default(&self) -> &T
    where
        T: Default,
    {
        self.get_or(T::default)
    }

    /// Every stored value, exited threads' included, in no particular order. Values stored
    /// while the iterator runs may or may not be yielded. Needs `T: Sync`: it hands this
    /// thread references to other threads' values.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
    /// let tl: weftsync::ThreadLocal<AtomicU32> = weftsync::ThreadLocal::new();
    /// std::thread::scope(|s| {
    ///     for i in 1..=3 {
    ///         let tl = &tl;
    ///         s.spawn(move || tl.get_or_default().store(i, Relaxed));
    ///     }
    /// });
    /// let sum: u32 = tl.iter().map(|v| v.load(Relaxed)).sum();
    /// assert_eq!(sum, 6);
    /// # }
    /// ```
    pub fn iter(&self) -> Iter<'_, T>
    where
        T: Sync,
    {
        Iter {
            buckets: &self.buckets,
            walk: Walk::new(),
        }
    }

    /// Every stored value, mutably, exited threads' included, in no particular order.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let mut tl = weftsync::ThreadLocal::new();
    /// tl.get_or(|| 1);
    /// std::thread::scope(|s| {
    ///     s.spawn(|| tl.get_or(|| 10));
    /// });
    /// tl.iter_mut().for_each(|v| *v *= 2);
    /// let mut all: Vec<i32> = tl.into_iter().collect();
    /// all.sort();
    /// assert_eq!(all, [2, 20]);
    /// # }
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut {
            buckets: &self.buckets,
            walk: Walk::new(),
            _exclusive: PhantomData,
        }
    }

    /// Drops every stored value (exited threads' included) and frees the storage; every thread
    /// then starts again without a value.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let mut tl = weftsync::ThreadLocal::new();
    /// tl.get_or(|| 1);
    /// tl.clear();
    /// assert_eq!(tl.get(), None);
    /// assert_eq!(*tl.get_or(|| 2), 2);
    /// # }
    /// ```
    ///
    /// # Panics
    /// If a value's `drop` panics, `clear` still drops every other value and frees the storage
    /// while that panic unwinds (as `Vec` does), then the panic goes on; the `ThreadLocal` is
    /// left empty. If a second value's `drop` panics during that, the process aborts, as any
    /// panic during unwinding does.
    pub fn clear(&mut self) {
        self.free_all();
    }

    /// The node the calling thread (`me`) created, if any.
    #[inline]
    fn own(&self, me: ThreadSlot) -> Option<&Node<T>> {
        let (bucket, offset) = (me.bucket, me.offset);
        // Acquire: pairs with the Release that published the bucket, so its heads are seen
        // initialised.
        // `% BUCKETS` is a no-op (`bucket < BUCKETS` by ThreadSlot's promise) that spares the
        // fast path a bounds check.
        let heads = self.buckets[bucket % BUCKETS].load(Acquire);
        if heads.is_null() {
            return None;
        }
        // SAFETY: bucket `bucket` holds `2^bucket > offset` heads (ThreadSlot's promise), and
        // is freed only under `&mut self`.
        let head = unsafe { &*heads.add(offset) };
        // Acquire: pairs with the Release push, so the node's fields are seen initialised.
        let node = head.load(Acquire);
        if node.is_null() {
            return None;
        }
        // SAFETY: a published node is freed only under `&mut self`; the reference borrows
        // `self`.
        let node: &Node<T> = unsafe { &*node };
        // An equal lease means this very thread created the node: leases are never reused.
        (node.lease == me.lease).then_some(node)
    }

    /// Stores `value` as `me`'s value (which the caller found missing) and returns it.
    #[cold]
    #[track_caller]
    fn insert(&self, me: ThreadSlot, value: T) -> &T {
        let (bucket, offset) = (me.bucket, me.offset);
        let heads = self.bucket(bucket);
        // SAFETY: as in `own`: `offset < 2^bucket`, and buckets live until `&mut self`.
        let head = unsafe { &*heads.add(offset) };
        let node = Box::into_raw(Box::new(CachePadded::new(Node {
            lease: me.lease,
            older: ptr::null_mut(),
            value: UnsafeCell::new(value),
        })));
        // Acquire: we read the lease of the node we find, and link to it.
        let mut current = head.load(Acquire);
        loop {
            // SAFETY: a non-null head is a published node, freed only under `&mut self`.
            if !current.is_null() && unsafe { &*current }.lease == me.lease {
                // `init` stored a value for this thread itself. Ours was never published.
                // SAFETY: `node` came from `Box::into_raw` above and nothing else points to it.
                drop(unsafe { Box::from_raw(node) });
                panic!("weftsync::ThreadLocal: `init` stored this thread's value itself");
            }
            // SAFETY: `node` is not published yet, so this thread is its only user.
            unsafe { (&mut *node).older = current };
            // Release: publishes the node's fields (and, through `older`, the chain we read
            // with Acquire) to every Acquire load of this head. Acquire on failure: we read the
            // winner's lease. (Only the index's holder pushes here, so failure needs a thread
            // that exited without its pushes ordered before our slot was taken; never with
            // the shim's pool, but cheap to survive.)
            match head.compare_exchange(current, node, Release, Acquire) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
        // SAFETY: published above; freed only under `&mut self`.
        unsafe { &*node }.value()
    }

    /// Bucket `bucket`'s heads, allocating them if no thread has.
    fn bucket(&self, bucket: usize) -> *mut Head<T> {
        let at = &self.buckets[bucket];
        // Acquire: pairs with the Release that published it, so its heads are initialised.
        let found = at.load(Acquire);
        if !found.is_null() {
            return found;
        }
        let fresh: Box<[Head<T>]> = (0..1usize << bucket)
            .map(|_| AtomicPtr::new(ptr::null_mut()))
            .collect();
        let fresh = Box::into_raw(fresh).cast::<Head<T>>();
        // Release: publishes the null heads. Acquire on failure: we use the winner's.
        match at.compare_exchange(ptr::null_mut(), fresh, Release, Acquire) {
            Ok(_) => fresh,
            Err(winner) => {
                // SAFETY: `fresh` is the boxed slice of `2^bucket` heads made above, never
                // published.
                drop(unsafe { free_bucket(fresh, bucket) });
                winner
            }
        }
    }
}

/// Rebuilds bucket `bucket`'s boxed slice from its pointer.
///
/// # Safety
/// `heads` must come from `ThreadLocal::bucket`'s allocation for the same `bucket`, and no
/// other pointer to it may be used afterwards.
unsafe fn free_bucket<T>(heads: *mut Head<T>, bucket: usize) -> Box<[Head<T>]> {
    // SAFETY: the caller promises `heads` is such a slice of `2^bucket` heads, now ours.
    unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(heads, 1usize << bucket)) }
}

/// Drops every value once, even if one value's `drop` panics: see [`ThreadLocal::clear`].
impl<T: Send> Drop for ThreadLocal<T> {
    fn drop(&mut self) {
        self.free_all();
    }
}

impl<T: Send> ThreadLocal<T> {
    /// Drops every value and frees every node and bucket, leaving the table as `new` made it.
    /// A panicking value's drop does not stop it: the rest are freed while the panic unwinds.
    fn free_all(&mut self) {
        /// Finishes the walk if a value's drop unwinds out of it, as `Vec`'s drop keeps dropping
        /// the remaining elements. The walk unlinks each node before dropping it, so the resumed
        /// walk starts after the node that panicked and never drops a value twice.
        struct Resume<'a, T: Send>(&'a mut ThreadLocal<T>);
        impl<T: Send> Drop for Resume<'_, T> {
            fn drop(&mut self) {
                self.0.free_each();
            }
        }
        let resume = Resume(self);
        resume.0.free_each();
        // Done without a panic: nothing is left to resume.
        core::mem::forget(resume);
    }

    /// The walk of [`free_all`](Self::free_all), resumable at any point: whatever it has not
    /// freed yet is still linked from the table, and nothing it freed is.
    fn free_each(&mut self) {
        for (bucket, at) in self.buckets.iter().enumerate() {
            // Relaxed: `&mut self`; every other thread's access was ordered before it.
            let heads = at.load(Relaxed);
            if heads.is_null() {
                continue;
            }
            for offset in 0..1usize << bucket {
                // SAFETY: a published bucket of `2^bucket > offset` heads, freed only below.
                let head = unsafe { &*heads.add(offset) };
                loop {
                    let node = head.load(Relaxed);
                    if node.is_null() {
                        break;
                    }
                    // SAFETY: every node was made by `Box::into_raw` in `insert` and is linked
                    // exactly once (from a head or an `older`); it is unlinked on the next line,
                    // before its value drops, so it is freed exactly once.
                    let entry = unsafe { Box::from_raw(node) };
                    head.store(entry.older, Relaxed);
                    // May panic (the user's `T::drop`); the box is still freed while unwinding.
                    drop(entry);
                }
            }
            at.store(ptr::null_mut(), Relaxed);
            // SAFETY: allocated by `bucket()` for this index and published; every head in it
            // is null now and the table no longer points to it, so this is its last use.
            drop(unsafe { free_bucket(heads, bucket) });
        }
    }
}

/// A walk over every node: buckets in order, each head's chain newest first.
struct Walk<T> {
    /// The next bucket to open.
    bucket: usize,
    heads: *mut Head<T>,
    len: usize,
    /// The next head to read in `heads`.
    offset: usize,
    /// The next node to yield.
    chain: *mut Entry<T>,
}

impl<T> Walk<T> {
    fn new() -> Self {
        Walk {
            bucket: 0,
            heads: ptr::null_mut(),
            len: 0,
            offset: 0,
            chain: ptr::null_mut(),
        }
    }

    /// The next node, or `None` at the end. Each node is returned once.
    ///
    /// # Safety
    /// `buckets` must be the same table on every call, borrowed for the whole walk (so no
    /// bucket or node is freed meanwhile).
    unsafe fn next(&mut self, buckets: &[AtomicPtr<Head<T>>; BUCKETS]) -> Option<*mut Entry<T>> {
        loop {
            if !self.chain.is_null() {
                let node = self.chain;
                // SAFETY: a published node, alive while `buckets` is borrowed (caller). We
                // read `older` through a shared reference that ends here, before the caller
                // may take `&mut` to the value.
                self.chain = unsafe { &*node }.older;
                return Some(node);
            }
            if self.offset < self.len {
                // SAFETY: `offset < len = 2^bucket`, the size of the live bucket `heads`.
                let head = unsafe { &*self.heads.add(self.offset) };
                self.offset += 1;
                // Acquire: pairs with the Release push, so the node and its chain are seen.
                self.chain = head.load(Acquire);
                continue;
            }
            if self.bucket == BUCKETS {
                return None;
            }
            // Acquire: pairs with the Release that published the bucket.
            self.heads = buckets[self.bucket].load(Acquire);
            self.len = if self.heads.is_null() {
                0
            } else {
                1 << self.bucket
            };
            self.offset = 0;
            self.bucket += 1;
        }
    }
}

/// Iterator over every value of a [`ThreadLocal`], from [`ThreadLocal::iter`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let tl = weftsync::ThreadLocal::new();
/// tl.get_or(|| "main");
/// let all: Vec<&&str> = tl.iter().collect();
/// assert_eq!(all, [&"main"]);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T: Send + Sync> {
    buckets: &'a [AtomicPtr<Head<T>>; BUCKETS],
    walk: Walk<T>,
}

/// Hands `&T` to whichever thread holds it, which `T: Sync` (required to make one) allows.
// SAFETY: the iterator only yields `&'a T` and reads the table as `iter()` would.
unsafe impl<T: Send + Sync> Send for Iter<'_, T> {}
/// `&Iter` exposes nothing but its `Debug`.
// SAFETY: no method reads or writes through `&Iter`.
unsafe impl<T: Send + Sync> Sync for Iter<'_, T> {}

/// Unwind safety as `slice::Iter`'s: it hands out `&T` only. (Its node pointers would hide
/// this from the compiler.)
impl<T: Send + Sync + RefUnwindSafe> UnwindSafe for Iter<'_, T> {}
impl<T: Send + Sync + RefUnwindSafe> RefUnwindSafe for Iter<'_, T> {}

impl<'a, T: Send + Sync> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        // SAFETY: `self.buckets` is borrowed for 'a, the whole walk.
        let node = unsafe { self.walk.next(self.buckets) }?;
        // SAFETY: nodes live while the table is borrowed ('a); values are only read here.
        Some(unsafe { &*node }.value())
    }
}

impl<T: Send + Sync> FusedIterator for Iter<'_, T> {}

impl<T: Send + Sync> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// Mutable iterator over every value of a [`ThreadLocal`], from [`ThreadLocal::iter_mut`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let mut tl = weftsync::ThreadLocal::new();
/// tl.get_or(|| 1);
/// for v in &mut tl {
///     *v += 1;
/// }
/// assert_eq!(tl.get(), Some(&2));
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct IterMut<'a, T: Send> {
    buckets: &'a [AtomicPtr<Head<T>>; BUCKETS],
    walk: Walk<T>,
    /// Borrowed from `&'a mut ThreadLocal<T>`: yields `&'a mut T`.
    _exclusive: PhantomData<&'a mut T>,
}

/// Hands `&mut T` to whichever thread holds it, which `T: Send` allows (as `slice::IterMut`).
// SAFETY: built from `&mut ThreadLocal`, so no other thread touches the table meanwhile.
unsafe impl<T: Send> Send for IterMut<'_, T> {}
/// `&IterMut` exposes nothing but its `Debug`.
// SAFETY: no method reads or writes through `&IterMut`.
unsafe impl<T: Send + Sync> Sync for IterMut<'_, T> {}

/// `&IterMut` gives no access to any `T`, so as `slice::IterMut`: `RefUnwindSafe` when `T` is.
/// Not `UnwindSafe`, as it hands out `&mut T`.
impl<T: Send + RefUnwindSafe> RefUnwindSafe for IterMut<'_, T> {}

impl<'a, T: Send> Iterator for IterMut<'a, T> {
    type Item = &'a mut T;

    fn next(&mut self) -> Option<&'a mut T> {
        // SAFETY: `self.buckets` is borrowed (mutably, through the ThreadLocal) for 'a.
        let node = unsafe { self.walk.next(self.buckets) }?;
        // SAFETY: the table is exclusively borrowed for 'a and the walk yields each node once,
        // so this is the only reference to this value.
        Some(unsafe { &*node }.value.with_mut(|p| unsafe { &mut *p }))
    }
}

impl<T: Send> FusedIterator for IterMut<'_, T> {}

impl<T: Send> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut").finish_non_exhaustive()
    }
}

/// Owning iterator over every value of a [`ThreadLocal`], from `into_iter`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let tl = weftsync::ThreadLocal::new();
/// tl.get_or(|| String::from("main"));
/// let all: Vec<String> = tl.into_iter().collect();
/// assert_eq!(all, ["main"]);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
#[derive(Debug)]
pub struct IntoIter<T> {
    values: std::vec::IntoIter<T>,
}

/// Unwind-safe when `T` is, like any owning container. Stated here rather than inherited from
/// `vec::IntoIter`, whose auto impl differs between Rust versions (1.85 says no for `Cell`).
impl<T: UnwindSafe> UnwindSafe for IntoIter<T> {}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.values.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.values.size_hint()
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}
impl<T> FusedIterator for IntoIter<T> {}

impl<T: Send> IntoIterator for ThreadLocal<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    /// Every stored value, exited threads' included, in no particular order.
    fn into_iter(self) -> IntoIter<T> {
        let mut values = Vec::new();
        let mut walk = Walk::new();
        // Take the nodes out first; `self`'s drop then frees only the buckets.
        // SAFETY: `self.buckets` is owned by this call for the whole walk.
        while let Some(node) = unsafe { walk.next(&self.buckets) } {
            // SAFETY: each node is yielded once and was made by `Box::into_raw`; the walk
            // already read its `older` link, and the head is cleared below before drop.
            let entry = unsafe { Box::from_raw(node) };
            values.push(entry.into_inner().value.into_inner());
        }
        for (bucket, at) in self.buckets.iter().enumerate() {
            // Relaxed: we own `self`.
            let heads = at.load(Relaxed);
            if !heads.is_null() {
                for i in 0..1usize << bucket {
                    // SAFETY: a published bucket of `2^bucket > i` heads, alive until drop.
                    unsafe { &*heads.add(i) }.store(ptr::null_mut(), Relaxed);
                }
            }
        }
        IntoIter {
            values: values.into_iter(),
        }
    }
}

impl<'a, T: Send> IntoIterator for &'a mut ThreadLocal<T> {
    type Item = &'a mut T;
    type IntoIter = IterMut<'a, T>;

    fn into_iter(self) -> IterMut<'a, T> {
        self.iter_mut()
    }
}

impl<'a, T: Send + Sync> IntoIterator for &'a ThreadLocal<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Send> Default for ThreadLocal<T> {
    fn default() -> Self {
        ThreadLocal::new()
    }
}

/// Never blocks: prints only the calling thread's value (other threads' values may not be
/// `Sync`).
impl<T: Send + fmt::Debug> fmt::Debug for ThreadLocal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadLocal")
            .field("local", &self.get())
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a ThreadLocal call happened does not compile under `#![deny(unused_must_use)]`:
/// each `compile_fail` block below is paired with a `no_run` block that differs only in using the
/// result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let tl = weftsync::ThreadLocal::<u8>::new();
/// tl.get_or_try(|| Ok::<u8, ()>(1));
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let tl = weftsync::ThreadLocal::<u8>::new();
/// let _ = tl.get_or_try(|| Ok::<u8, ()>(1));
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
