//! [`SimpleQueue<T>`]: Python's `queue.SimpleQueue`, an unbounded FIFO whose `put` takes no lock.
//!
//! Three parts:
//!
//! | field   | holds                                                        | changed by                       |
//! |---------|--------------------------------------------------------------|----------------------------------|
//! | `head`  | the items put and not yet moved, newest first (a list of boxed nodes); bit 0 of the pointer is `SLEEPERS` | puts (push, compare-exchange), gets and selectors under `out`'s lock (take all, announce) |
//! | `out`   | the items moved from `head`, oldest first, under a `Lock`     | gets                             |
//! | `epoch` | the futex word getters sleep on                               | a put that finds `SLEEPERS`      |
//!
//! `SLEEPERS` can be on only while `head` holds no node: it is set by a compare-exchange from an
//! empty `head` (by a getter about to sleep, or a selector arming), and every push replaces
//! `head` with a node pointer, which clears it. A put that cleared it bumps `epoch` and wakes
//! every sleeper (`shim::wake_ready`, which also reaches selectors).
//!
//! A put is: allocate the node, count it in `len`, compare-exchange it onto `head`, and wake if
//! `SLEEPERS` was on. It takes no lock of the queue's, so it cannot deadlock with anything that
//! holds one, whatever runs inside a get (Python's reentrancy promise; here even a global
//! allocator that logs into the queue is safe). It never waits for room.
//!
//! A get holds `out`'s lock throughout: it takes the oldest node of `out`; if `out` is empty, it
//! swaps `head` to empty and reverses the list it took into `out` (so the oldest is first). Since
//! getters and selectors change `head` only under `out`'s lock and puts only push, a `head` seen
//! non-empty stays non-empty until the swap, and the items of `out` are always older than those
//! of `head`: so items leave in the order their puts' compare-exchanges took effect.
//!
//! Before sleeping, a getter that found nothing watches `head` unlocked for a few rounds (spins,
//! then yields, for a `shim::Spin` budget, as the ring's pause; none under loom): a put that
//! comes soon then costs neither side a system call.
//!
//! Sleeping (the announce, re-check, sleep pattern of `docs/wait-layer.md`): with `out` locked
//! and both parts empty, a getter reads `epoch`, then sets `SLEEPERS` with a compare-exchange
//! from the empty `head` it saw (Release), unlocks, and sleeps on the epoch value it read. A put
//! after that compare-exchange finds `SLEEPERS` (every change of `head` is a read-modify-write,
//! so it reads the announcement or a later value of its release sequence), fences (Acquire), and
//! bumps `epoch`: the getter's read of `epoch` happens-before the bump, so its sleep returns at
//! once or is woken. A put before the compare-exchange made `head` non-empty, so the
//! compare-exchange fails and the getter takes the item instead. Every sleeper is woken at once
//! (a herd), because one woken getter may take every item moved to `out` and leave; each woken
//! getter re-checks under the lock and the ones that find nothing announce again. A getter that
//! times out leaves `SLEEPERS` on: the next put then makes one needless wake call.
//!
//! Memory ordering: the push is a Release compare-exchange and the take an Acquire swap, so
//! everything a thread did before `put` happens-before the `get` that returns its item. `len`
//! only counts (Relaxed); a put counts before it pushes, so `len` is never below the items inside.
//!
//! Every item is dropped exactly once: by its getter's caller, or by the queue's drop (which
//! moves the items out of their nodes first, so a panicking `T::drop` still lets every other item
//! be dropped). No user code runs under `out`'s lock.

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;
use core::ptr;
use std::panic::{RefUnwindSafe, UnwindSafe};

use crate::lock::Lock;
use crate::shim::{
    self, AtomicPtr, AtomicU32, AtomicUsize, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    UnsafeCell, fence,
};

/// Bit 0 of `head`: a getter may be asleep (or a selector armed) while `head` is empty.
const SLEEPERS: usize = 1;

struct Node<T> {
    item: T,
    /// In `head`: the next older node. In `out`: the next newer node. Written by the put before
    /// it publishes the node, then only by getters under `out`'s lock.
    next: UnsafeCell<*mut Node<T>>,
}

/// The nodes moved out of `head`, oldest first.
struct Out<T> {
    first: *mut Node<T>,
}

// SAFETY: `Out` owns the nodes it points to (each reached from exactly one list), so sending it
// sends the items: sound when `T: Send`. It is only ever reached under `out`'s lock.
unsafe impl<T: Send> Send for Out<T> {}

/// An unbounded FIFO queue whose [`put`](SimpleQueue::put) never blocks and takes no lock,
/// Python's `queue.SimpleQueue`.
///
/// - **Unbounded FIFO**: items leave in the order their puts took effect.
/// - **`put` never blocks and cannot fail**: it allocates a node and links it in with one
///   compare-exchange (retried only while other puts race it), plus a wake call when a getter
///   sleeps. It takes no lock of the queue's, so it is safe wherever allocating is: from a `Drop`,
///   from inside any call on this or another weftsync object, from a panic hook or a global
///   allocator's logging. (Not from a Unix signal handler: allocating is not async-signal-safe.)
/// - **No task accounting, no shutdown**, as in Python: a consumer stops on a sentinel item.
///   For `task_done` / `join` / `shutdown` use [`Queue::unbounded`](crate::Queue::unbounded).
/// - **Gets** take the oldest item: [`get`](SimpleQueue::get) waits, and the non-blocking and
///   timed forms return `None` when nothing came (the only way they can fail).
/// - Memory grows and shrinks with the queue: one node (the item and a pointer) per item inside,
///   allocated by its put and freed by its get.
/// - [`select::wait`](crate::select::wait) can wait on it with other objects.
/// - Used by reference (share it with `Arc` or scoped threads); `Send + Sync` when `T: Send`;
///   `UnwindSafe` and `RefUnwindSafe` whatever `T` is (no user code runs under its lock).
///
/// Promises, state table and the tests behind them: `docs/queue.md` (`SimpleQueue`).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::SimpleQueue;
///
/// let q = SimpleQueue::new();
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         for i in 0..3 {
///             q.put(Some(i));
///         }
///         q.put(None); // the sentinel: no shutdown in a SimpleQueue, as in Python
///     });
///     let got: Vec<i32> = core::iter::from_fn(|| q.get()).collect();
///     assert_eq!(got, [0, 1, 2]);
/// });
/// # }
/// ```
pub struct SimpleQueue<T> {
    /// Items put and not yet moved to `out`, newest first; bit 0 is `SLEEPERS`.
    head: AtomicPtr<Node<T>>,
    /// Items moved from `head`, oldest first; gets take from here.
    out: Lock<Out<T>>,
    /// Getters sleep on this word; a put that finds `SLEEPERS` bumps it and wakes them.
    epoch: AtomicU32,
    /// Items put and not yet got; a put counts its item before it pushes it.
    len: AtomicUsize,
    /// The queue owns its items (for the drop checker).
    _items: PhantomData<T>,
}

// SAFETY: the queue moves its items between threads and never shares one: `T: Send` is enough
// for both. Its raw pointers are owned nodes, reached only through `head` (atomic) or under
// `out`'s lock.
unsafe impl<T: Send> Send for SimpleQueue<T> {}
// SAFETY: see `Send`; `&SimpleQueue` only moves items in and out whole.
unsafe impl<T: Send> Sync for SimpleQueue<T> {}

/// No user code runs while `out`'s lock is held or a list is half changed, and items are only
/// moved in and out whole, so a panic (in the caller's code, or an item's `Drop`) cannot leave a
/// state another caller could see; as the channel ends and `Queue`.
impl<T> UnwindSafe for SimpleQueue<T> {}
/// See the `UnwindSafe` impl.
impl<T> RefUnwindSafe for SimpleQueue<T> {}

/// `head`'s node pointer without the `SLEEPERS` bit.
#[inline]
fn node_of<T>(head: *mut Node<T>) -> *mut Node<T> {
    head.map_addr(|a| a & !SLEEPERS)
}

/// The empty `head` with `SLEEPERS` on.
#[inline]
fn empty_with_sleepers<T>() -> *mut Node<T> {
    ptr::without_provenance_mut(SLEEPERS)
}

impl<T> SimpleQueue<T> {
    /// Creates an empty queue. `const`, so a `SimpleQueue` can be a `static`; nothing is
    /// allocated until the first put.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// static LOG: weftsync::SimpleQueue<String> = weftsync::SimpleQueue::new();
    /// LOG.put("started".to_string());
    /// assert_eq!(LOG.try_get().as_deref(), Some("started"));
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new() -> Self {
        SimpleQueue {
            head: AtomicPtr::new(ptr::null_mut()),
            out: Lock::new(Out {
                first: ptr::null_mut(),
            }),
            epoch: AtomicU32::new(0),
            len: AtomicUsize::new(0),
            _items: PhantomData,
        }
    }

    /// Creates an empty queue (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new() -> Self {
        SimpleQueue {
            head: AtomicPtr::new(ptr::null_mut()),
            out: Lock::new(Out {
                first: ptr::null_mut(),
            }),
            epoch: AtomicU32::new(0),
            len: AtomicUsize::new(0),
            _items: PhantomData,
        }
    }

    /// Puts `item` at the back. Never blocks, never fails, takes no lock (see the type's docs).
    /// Python's `put`, `put_nowait` (their `block` and `timeout` are ignored there too).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// q.put(1);
    /// q.put(2);
    /// assert_eq!((q.get(), q.get()), (1, 2));
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "put_nowait", alias = "send")]
    pub fn put(&self, item: T) {
        const {
            assert!(
                align_of::<Node<T>>() > SLEEPERS,
                "the tag bit needs aligned nodes"
            )
        };
        let node = Box::into_raw(Box::new(Node {
            item,
            next: UnsafeCell::new(ptr::null_mut()),
        }));
        // Relaxed: only counts. Before the push, so `len` never falls below the items inside.
        self.len.fetch_add(1, Relaxed);
        let mut head = self.head.load(Relaxed);
        loop {
            // SAFETY: `node` is ours alone until the compare-exchange below publishes it.
            unsafe { (*node).next.with_mut(|next| *next = node_of(head)) };
            // Release: publishes the node and its item to the get whose swap takes it (Acquire).
            match self
                .head
                .compare_exchange_weak(head, node, Release, Relaxed)
            {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        if head.addr() & SLEEPERS != 0 {
            self.wake_sleepers();
        }
    }

    #[cold]
    fn wake_sleepers(&self) {
        // Acquire: pairs with the Release of the announcement this put's compare-exchange read
        // (or continued the release sequence of), so the sleeper's read of `epoch` happens-before
        // the bump below, which its sleep therefore sees. Relaxed bump: ordered by the fence.
        fence(Acquire);
        self.epoch.fetch_add(1, Relaxed);
        shim::wake_ready(&self.epoch);
    }

    /// Takes the oldest item, waiting for one.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| q.put("hello"));
    ///     assert_eq!(q.get(), "hello");
    /// });
    /// # }
    /// ```
    #[inline]
    #[doc(alias = "recv")]
    pub fn get(&self) -> T {
        match self.get_deadline(None) {
            Some(item) => item,
            None => unreachable!("a get without deadline returns only with an item"),
        }
    }

    /// Takes the oldest item if there is one right now; never blocks. Python's `get_nowait`
    /// (where `Empty` is raised, this returns `None`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// assert_eq!(q.try_get(), None);
    /// q.put(3);
    /// assert_eq!(q.try_get(), Some(3));
    /// # }
    /// ```
    ///
    /// Ignoring the result is a warning (here made an error):
    ///
    /// ```compile_fail
    /// #![deny(unused_must_use)]
    /// let q = weftsync::SimpleQueue::<u8>::new();
    /// q.try_get();
    /// ```
    ///
    /// The same code using the result compiles:
    ///
    /// ```no_run
    /// #![deny(unused_must_use)]
    /// let q = weftsync::SimpleQueue::<u8>::new();
    /// let _ = q.try_get();
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "get_nowait", alias = "try_recv")]
    pub fn try_get(&self) -> Option<T> {
        let mut out = self.out.lock();
        self.take(&mut out.first)
    }

    /// Takes the oldest item, waiting at most `timeout`; `None` if none came (Python's
    /// `get(timeout=t)` raising `Empty`). `Duration::ZERO` is one try with no side effect; a
    /// timeout too large for `Instant` waits forever.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// let q = weftsync::SimpleQueue::<u8>::new();
    /// assert_eq!(q.get_for(Duration::from_millis(1)), None);
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "recv_timeout")]
    pub fn get_for(&self, timeout: Duration) -> Option<T> {
        self.get_deadline(shim::deadline_after(timeout))
    }

    /// Takes the oldest item, waiting until `deadline` at the latest; `None` if none came. A
    /// deadline already past is one try.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// q.put('x');
    /// assert_eq!(q.get_until(std::time::Instant::now()), Some('x'));
    /// # }
    /// ```
    #[inline]
    #[must_use = "ignoring the result drops the item got, if any"]
    #[doc(alias = "recv_deadline")]
    pub fn get_until(&self, deadline: Instant) -> Option<T> {
        self.get_deadline(Some(deadline))
    }

    /// A blocking iterator: each `next` is a [`get`](SimpleQueue::get), so it never ends by
    /// itself (there is no shutdown); stop it with a sentinel, as in Python.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// for word in ["a", "b", "STOP"] {
    ///     q.put(word);
    /// }
    /// let got: Vec<_> = q.iter().take_while(|w| *w != "STOP").collect();
    /// assert_eq!(got, ["a", "b"]);
    /// # }
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { queue: self }
    }

    /// A non-blocking iterator over the items inside right now: each `next` is a
    /// [`try_get`](SimpleQueue::try_get), and it ends at the first `None`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// q.put(1);
    /// q.put(2);
    /// assert_eq!(q.try_iter().collect::<Vec<_>>(), [1, 2]);
    /// # }
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { queue: self }
    }

    /// Number of items inside right now (Python's `qsize`). Only a snapshot, which may include
    /// a put still in progress.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::new();
    /// q.put(());
    /// assert_eq!(q.len(), 1);
    /// # }
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// Whether the queue holds no item right now (Python's `empty`). A snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q = weftsync::SimpleQueue::<u8>::new();
    /// assert!(q.is_empty());
    /// # }
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The one path of every get: takes an item, or announces itself and sleeps, until
    /// `deadline` (`None`: forever). A deadline already past is one look, with no side effect.
    fn get_deadline(&self, deadline: Option<Instant>) -> Option<T> {
        let mut out = self.out.lock();
        // The rounds a get that finds nothing spends watching `head` before it announces itself
        // and sleeps: spins, then yields, as many as paid off lately (none under loom, one under
        // shuttle), as the ring's pause.
        let (mut timed_out, mut spin) = (false, shim::Spin::new(shim::Site::Ring));
        loop {
            if let Some(item) = self.take(&mut out.first) {
                return Some(item);
            }
            // After the look, before any spin or announcement: a zero timeout leaves no trace.
            if timed_out || shim::expired(deadline) {
                return None;
            }
            // Wait briefly without sleeping, watching `head` unlocked: a put often comes soon,
            // and seeing it here saves this getter a sleep and the putter a wake call.
            if !spin.is_spent() {
                drop(out);
                self.pause(&mut spin);
                out = self.out.lock();
                continue;
            }
            // Relaxed: the compare-exchange below (Release) carries this read to the put that
            // finds SLEEPERS; see the top of the file.
            let seen = self.epoch.load(Relaxed);
            let head = self.head.load(Relaxed);
            if !node_of(head).is_null() {
                continue; // a put came: take it
            }
            // Release: carries the read of `epoch` to the put that finds SLEEPERS. Written even
            // when SLEEPERS is on already, so this getter's own read is carried too.
            if self
                .head
                .compare_exchange(head, empty_with_sleepers(), Release, Relaxed)
                .is_err()
            {
                continue; // a put came meanwhile
            }
            spin.stop();
            drop(out);
            timed_out = !shim::wait(&self.epoch, seen, deadline);
            out = self.out.lock();
        }
    }

    /// Spends rounds from `spin` (spins, then yields, as the ring's pause) until `head` holds a
    /// node or the budget is spent.
    fn pause(&self, spin: &mut shim::Spin) {
        // Relaxed: only a look; the take under the lock is the Acquire.
        while spin.pause() && node_of(self.head.load(Relaxed)).is_null() {}
    }

    /// Takes the oldest item: the first of `out`, after moving everything from `head` into `out`
    /// if `out` is empty. The caller holds `out`'s lock (`first` is behind it).
    fn take(&self, first: &mut *mut Node<T>) -> Option<T> {
        if first.is_null() {
            // Relaxed: a look; the swap below is the Acquire.
            if node_of(self.head.load(Relaxed)).is_null() {
                return None;
            }
            // Acquire: pairs with the puts' Release, so their items are visible. Under `out`'s
            // lock only puts change `head`, and they only push, so the list taken is the one
            // seen: non-empty, and with SLEEPERS off (a push cleared it).
            let mut newest = self.head.swap(ptr::null_mut(), Acquire);
            let mut oldest_first = ptr::null_mut();
            while !newest.is_null() {
                // SAFETY: every node in the list taken is a live box that only this getter now
                // reaches (the swap unlinked the list from `head`, and `out` is locked).
                let older = unsafe {
                    (*newest)
                        .next
                        .with_mut(|next| core::mem::replace(&mut *next, oldest_first))
                };
                oldest_first = newest;
                newest = older;
            }
            *first = oldest_first;
        }
        let oldest = *first;
        // SAFETY: `oldest` heads `out`, a list of live boxes only reached under `out`'s lock,
        // which the caller holds; unlinking it here makes this the only owner.
        let node = unsafe { Box::from_raw(oldest) };
        *first = node.next.with(|next| unsafe_read(next));
        // Relaxed: only counts.
        self.len.fetch_sub(1, Relaxed);
        Some(node.item)
    }

    /// Whether a get would not block right now: one look, no side effect. A selector's first
    /// look (`src/select.rs`).
    pub(crate) fn is_ready(&self) -> bool {
        let out = self.out.lock();
        !out.first.is_null() || !node_of(self.head.load(Acquire)).is_null()
    }

    /// A selector arms the queue (`src/select.rs`): under `out`'s lock (so no get moves items
    /// into `out` between the look and the announcement), looks, and if both parts are empty sets
    /// `SLEEPERS` as a sleeping getter would, with a compare-exchange written even when the bit
    /// is on already. Release: carries the selector's earlier steps to the next put's acquire
    /// fence. A `SLEEPERS` bit left behind costs the next put one needless wake. Returns whether
    /// a get would not block.
    pub(crate) fn select_arm(&self) -> bool {
        let out = self.out.lock();
        if !out.first.is_null() {
            return true;
        }
        let mut head = self.head.load(Acquire);
        loop {
            if !node_of(head).is_null() {
                return true;
            }
            match self
                .head
                .compare_exchange(head, empty_with_sleepers(), Release, Acquire)
            {
                Ok(_) => return false,
                Err(now) => head = now,
            }
        }
    }

    /// The word a put wakes through `shim::wake_ready`: the selectors' registry key.
    pub(crate) fn ready_word(&self) -> &AtomicU32 {
        &self.epoch
    }
}

/// Reads a `next` pointer through the cell's shared access.
#[inline]
fn unsafe_read<T>(next: *const *mut Node<T>) -> *mut Node<T> {
    // SAFETY: `next` comes from the cell of a node the caller owns (see `take`).
    unsafe { *next }
}

impl<T> Default for SimpleQueue<T> {
    /// An empty queue.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let q: weftsync::SimpleQueue<u8> = Default::default();
    /// assert!(q.is_empty());
    /// # }
    /// ```
    fn default() -> Self {
        SimpleQueue::new()
    }
}

impl<T> Drop for SimpleQueue<T> {
    fn drop(&mut self) {
        // Move every item out of its node first (freeing the nodes), then drop them in a `Vec`,
        // whose drop keeps going if one item's `Drop` panics: each is dropped exactly once.
        // Relaxed loads: `&mut self`, no other thread is left.
        let mut items = Vec::with_capacity(self.len.load(Relaxed));
        let mut unlink = |mut at: *mut Node<T>| {
            while !at.is_null() {
                // SAFETY: `&mut self`: no other thread reaches the lists; each node is a live box
                // reached from exactly one list.
                let node = unsafe { Box::from_raw(at) };
                at = node.next.with(|next| unsafe_read(next));
                items.push(node.item);
            }
        };
        unlink(self.out.get_mut().first);
        unlink(node_of(self.head.load(Relaxed)));
        drop(items);
    }
}

/// Never blocks: prints the length.
impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleQueue")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// The blocking iterator of [`SimpleQueue::iter`]: each `next` is a
/// [`get`](SimpleQueue::get); it never returns `None`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q = weftsync::SimpleQueue::new();
/// q.put(1);
/// let mut it: weftsync::simple_queue::Iter<'_, i32> = q.iter();
/// assert_eq!(it.next(), Some(1));
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Iter<'a, T> {
    queue: &'a SimpleQueue<T>,
}

/// The non-blocking iterator of [`SimpleQueue::try_iter`]: yields the items inside until the
/// first [`try_get`](SimpleQueue::try_get) that finds none.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let q = weftsync::SimpleQueue::<u8>::new();
/// let mut it: weftsync::simple_queue::TryIter<'_, u8> = q.try_iter();
/// assert_eq!(it.next(), None);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct TryIter<'a, T> {
    queue: &'a SimpleQueue<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        Some(self.queue.get())
    }
}

/// Never ends, so trivially fused.
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_get()
    }
}

/// Never blocks; prints no item.
impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").field("queue", self.queue).finish()
    }
}

/// Never blocks; prints no item.
impl<T> fmt::Debug for TryIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter")
            .field("queue", self.queue)
            .finish()
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! What the public API cannot show: that `put` takes no lock, and what a zero or expired
    //! timeout leaves in `head`.
    use super::*;
    use std::sync::Arc;

    fn sleepers_bit<T>(q: &SimpleQueue<T>) -> bool {
        q.head.load(Relaxed).addr() & SLEEPERS != 0
    }

    /// A put while another thread holds the getters' lock (`out`) finishes: it never waits for
    /// that lock. (If it took it, it would wait until the holder lets go, after the 10 s limit.)
    #[test]
    fn put_never_takes_the_getters_lock() {
        let q = Arc::new(SimpleQueue::new());
        let held = q.out.lock();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let putter = {
            let q = Arc::clone(&q);
            std::thread::spawn(move || {
                q.put(1);
                q.put(2);
                done_tx.send(()).unwrap();
            })
        };
        let finished = done_rx.recv_timeout(std::time::Duration::from_secs(10));
        drop(held);
        putter.join().unwrap();
        assert!(finished.is_ok(), "put waited for the lock the getters hold");
        assert_eq!(q.try_iter().collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn zero_timeout_and_past_deadline_leave_no_sleepers_bit() {
        let q = SimpleQueue::<u8>::new();
        assert_eq!(q.get_for(Duration::ZERO), None);
        assert_eq!(q.get_until(Instant::now()), None);
        assert_eq!(q.try_get(), None);
        assert!(
            !sleepers_bit(&q),
            "a one-try get must not announce a sleeper"
        );
    }

    #[test]
    fn a_timed_out_get_leaves_the_bit_for_one_needless_wake_which_the_next_put_clears() {
        crate::shim::tests::watched(|| {
            let q = SimpleQueue::<u8>::new();
            // A get whose deadline passes during its pause (a loaded machine, Miri) gives up before
            // announcing; one that reaches the announcement sleeps and times out with the bit on.
            let timeout = Duration::from_millis(if cfg!(miri) { 500 } else { 20 });
            for _ in 0..100 {
                assert_eq!(q.get_for(timeout), None);
                if sleepers_bit(&q) {
                    break;
                }
            }
            assert!(sleepers_bit(&q), "a getter that slept announced itself");
            let epoch = q.epoch.load(Relaxed);
            q.put(1);
            assert!(!sleepers_bit(&q), "a push clears the bit");
            assert_eq!(
                q.epoch.load(Relaxed),
                epoch + 1,
                "the put that found the bit bumped the epoch (one needless wake)"
            );
            q.put(2);
            assert_eq!(q.epoch.load(Relaxed), epoch + 1, "later puts do not");
        });
    }

    /// A getter woken with nothing to take (a wake that is not a put: the wait layer allows a
    /// spurious one; or a put whose item another getter took) announces itself again and sleeps:
    /// only an item or its deadline ends it. The test clears the announcement and bumps `epoch`
    /// as a put does, but puts nothing; the getter must set `SLEEPERS` again, so that the real
    /// put after it wakes it. (The test waits for the first announcement, which the getter makes
    /// after reading `epoch`, so the bump is one its sleep sees.)
    #[test]
    fn a_getter_woken_with_nothing_to_take_announces_itself_again() {
        crate::shim::tests::watched(|| {
            let q = Arc::new(SimpleQueue::<u8>::new());
            let getter = {
                let q = Arc::clone(&q);
                std::thread::spawn(move || q.get_for(Duration::from_secs(3600)))
            };
            // Not sleeps: each waits (under the watchdog) for the state this test is about.
            while !sleepers_bit(&q) {
                std::thread::yield_now();
            }
            assert!(
                q.head
                    .compare_exchange(empty_with_sleepers(), ptr::null_mut(), Relaxed, Relaxed)
                    .is_ok(),
                "the announced getter's head is empty with SLEEPERS"
            );
            q.epoch.fetch_add(1, Relaxed);
            shim::wake_all(&q.epoch);
            while !sleepers_bit(&q) && !getter.is_finished() {
                std::thread::yield_now();
            }
            q.put(7);
            assert_eq!(
                getter.join().unwrap(),
                Some(7),
                "a getter woken with nothing to take announced itself again and waited for the item"
            );
        });
    }

    /// A selector on an empty queue is not told it is ready (it times out), and one that has
    /// armed the queue (`SLEEPERS` on) is woken by the next put and reports it. The test waits
    /// for the arm's bit before it puts, so the put finds the selector armed.
    #[test]
    fn a_selector_armed_on_the_empty_queue_is_woken_by_a_put() {
        crate::shim::tests::watched(|| {
            let idle = SimpleQueue::<u8>::new();
            assert_eq!(
                crate::select::wait_for(&[&idle], Duration::from_millis(5)),
                None,
                "an empty queue is never reported ready to a selector"
            );
            let q = Arc::new(SimpleQueue::<u8>::new());
            let selector = {
                let q = Arc::clone(&q);
                std::thread::spawn(move || crate::select::wait(&[&*q]))
            };
            // Not a sleep: waits (under the watchdog) for the state this test is about.
            while !sleepers_bit(&q) {
                std::thread::yield_now();
            }
            q.put(1);
            assert_eq!(
                selector.join().unwrap(),
                [0],
                "the put woke the selector that armed the queue, which reports it ready"
            );
            assert_eq!(q.try_get(), Some(1), "the selector took nothing");
        });
    }
}
