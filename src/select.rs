//! Waiting on many objects at once, Python's `multiprocessing.connection.wait`: [`wait`],
//! [`try_wait`], [`wait_for`] and [`wait_until`] block until any of several [`Selectable`]
//! objects is *ready*, and return which are, without consuming anything.
//!
//! | object | ready when |
//! |---|---|
//! | [`Queue`], [`LifoQueue`], [`PriorityQueue`] | a `get` would not block: an item is inside, or the queue is shut down |
//! | [`SimpleQueue`] | a `get` would not block: an item is inside |
//! | [`Connection`], [`PipeReceiver`] | a `recv` would not block: a message is buffered, or end-of-file is pending |
//! | [`Event`] | the flag is set |
//! | [`Semaphore`], [`BoundedSemaphore`] | a permit is available: an `acquire()` would not block |
//!
//! How it works (the reviewer's page, with the ordering argument and the loom models, is
//! `docs/select.md`): a selector sleeps on a futex word of its own, registered in a process-wide
//! registry under each object's *ready word* (`src/shim/selectors.rs`). It then *arms* each
//! object the way one of that object's own sleepers announces itself (the `WAITERS` bit of an
//! `Event`, the `SLEEPERS` bit of a `Semaphore` or `SimpleQueue`, the poller count of a queue or
//! pipe), and looks. Whoever next makes the object ready already wakes that object's sleepers,
//! through `shim::wake_ready`, which also wakes the selectors registered on the word. No object's
//! fast path changes: a `put`, `set` or `release` that finds nobody announced does exactly what
//! it did before, and with no selector anywhere a wake costs one load more.
//!
//! The interface an object implements (`private::Sealed`, crate-private) is a few calls:
//! `ready_word` (the registry key), `is_ready` (one look, no side effect), `ready_hint` (a
//! lock-free guess for the spin), `arm(first)` (announce and look, carrying the selector's earlier
//! steps to the next waker), and `disarm` (undo what the first `arm` left that must not stay).
//!
//! [`Queue`]: crate::Queue
//! [`LifoQueue`]: crate::LifoQueue
//! [`PriorityQueue`]: crate::PriorityQueue
//! [`SimpleQueue`]: crate::SimpleQueue
//! [`Connection`]: crate::Connection
//! [`PipeReceiver`]: crate::PipeReceiver
//! [`Event`]: crate::Event
//! [`Semaphore`]: crate::Semaphore
//! [`BoundedSemaphore`]: crate::BoundedSemaphore

use crate::pipe::{Connection, PipeReceiver};
use crate::queue::{Order, OrderedQueue};
use crate::shim::{self, AtomicU32, Duration, Instant, Ordering::Acquire, Registration};
use crate::slots::Core;
use crate::{BoundedSemaphore, Event, Semaphore, SimpleQueue};

/// An object [`wait`] can wait on: the queues, the pipes' receiving ends, [`Event`] and the
/// semaphores (see the table in the [module docs](self)). Sealed: implemented by weftsync's
/// types only, since each must announce itself to its own wakers in its own way.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Event, Queue, Selectable};
/// let (q, ev) = (Queue::<u8>::new(1), Event::new());
/// let watched: [&dyn Selectable; 2] = [&q, &ev];
/// ev.set();
/// assert_eq!(weftsync::select::try_wait(&watched), Some(vec![1]));
/// # }
/// ```
pub trait Selectable: private::Sealed {}

/// The crate-private interface behind [`Selectable`]; see the module docs and `docs/select.md`.
pub(crate) mod private {
    use crate::shim::AtomicU32;

    /// What a selector needs from an object. Implementations must keep one rule: every change
    /// that can make the object ready, made after an `arm` that returned `false`, calls
    /// `shim::wake_ready(self.ready_word())` after a read-modify-write (or a critical section)
    /// that comes after that arm in the object's own order and reads its announcement.
    pub trait Sealed {
        /// The word this object's wakers pass to `shim::wake_ready`: the registry key.
        fn ready_word(&self) -> &AtomicU32;
        /// Whether the object is ready right now. One look; changes nothing.
        fn is_ready(&self) -> bool;
        /// A cheap guess at `is_ready` for the selector's short spin: a plain load, no lock.
        /// It decides nothing (a `true` is followed by `is_ready`).
        fn ready_hint(&self) -> bool {
            self.is_ready()
        }
        /// Announces a sleeper, as the object's own waiters do, with a Release read-modify-write
        /// (or a critical section) the next readiness-making change must come after, then looks.
        /// `first` is `true` on a selector's first round only. Returns whether it is ready.
        fn arm(&self, first: bool) -> bool;
        /// Undoes what `arm(true)` left that must not outlive the selector (a poller count).
        /// Bits left on cost at most one needless wake and are not undone.
        fn disarm(&self) {}
    }
}

impl Selectable for Event {}
impl private::Sealed for Event {
    fn ready_word(&self) -> &AtomicU32 {
        Event::ready_word(self)
    }
    fn is_ready(&self) -> bool {
        self.is_set()
    }
    fn arm(&self, _first: bool) -> bool {
        self.select_arm()
    }
}

impl Selectable for Semaphore {}
impl private::Sealed for Semaphore {
    fn ready_word(&self) -> &AtomicU32 {
        Semaphore::ready_word(self)
    }
    fn is_ready(&self) -> bool {
        self.available_permits() > 0
    }
    fn arm(&self, _first: bool) -> bool {
        self.select_arm()
    }
}

impl Selectable for BoundedSemaphore {}
impl private::Sealed for BoundedSemaphore {
    fn ready_word(&self) -> &AtomicU32 {
        self.semaphore().ready_word()
    }
    fn is_ready(&self) -> bool {
        self.available_permits() > 0
    }
    fn arm(&self, _first: bool) -> bool {
        self.semaphore().select_arm()
    }
}

impl<T> Selectable for SimpleQueue<T> {}
impl<T> private::Sealed for SimpleQueue<T> {
    fn ready_word(&self) -> &AtomicU32 {
        SimpleQueue::ready_word(self)
    }
    fn is_ready(&self) -> bool {
        SimpleQueue::is_ready(self)
    }
    fn arm(&self, _first: bool) -> bool {
        self.select_arm()
    }
}

// The ring-based objects (the queues, the pipes' receiving ends) arm by counting a poller.
impl<T, O: Order<T>> Selectable for OrderedQueue<T, O> {}
impl<T, O: Order<T>> private::Sealed for OrderedQueue<T, O> {
    fn ready_word(&self) -> &AtomicU32 {
        self.ring().readable_word()
    }
    fn is_ready(&self) -> bool {
        self.ring().is_readable()
    }
    fn ready_hint(&self) -> bool {
        self.ring().readable_hint()
    }
    fn arm(&self, first: bool) -> bool {
        self.ring().select_arm(first)
    }
    fn disarm(&self) {
        self.ring().select_disarm();
    }
}

impl<T> Selectable for Connection<T> {}
impl<T> private::Sealed for Connection<T> {
    fn ready_word(&self) -> &AtomicU32 {
        self.incoming_ring().readable_word()
    }
    fn is_ready(&self) -> bool {
        self.incoming_ring().is_readable()
    }
    fn ready_hint(&self) -> bool {
        self.incoming_ring().readable_hint()
    }
    fn arm(&self, first: bool) -> bool {
        self.incoming_ring().select_arm(first)
    }
    fn disarm(&self) {
        self.incoming_ring().select_disarm();
    }
}

impl<T> Selectable for PipeReceiver<T> {}
impl<T> private::Sealed for PipeReceiver<T> {
    fn ready_word(&self) -> &AtomicU32 {
        self.incoming_ring().readable_word()
    }
    fn is_ready(&self) -> bool {
        self.incoming_ring().is_readable()
    }
    fn ready_hint(&self) -> bool {
        self.incoming_ring().readable_hint()
    }
    fn arm(&self, first: bool) -> bool {
        self.incoming_ring().select_arm(first)
    }
    fn disarm(&self) {
        self.incoming_ring().select_disarm();
    }
}

/// Blocks until at least one of `objects` is ready; returns the indices of those that were
/// (ascending, never empty), having consumed nothing. Python's
/// `multiprocessing.connection.wait(objects)`.
///
/// The answer is a snapshot: another thread may take an item or a permit before the caller acts
/// on it, so follow it with a `try_` call (`try_get`, `try_recv`, `try_acquire`), as with
/// Python's `wait`. A shut-down queue and a pipe whose peer closed count as ready (a `get` or
/// `recv` returns at once, with an error), as end-of-file does in Python.
///
/// # Panics
/// If `objects` is empty: nothing could ever end the wait. The panic names the caller's line.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Event, pipe_oneway, select};
///
/// let (rx, tx) = pipe_oneway::<String>(4);
/// let stop = Event::new();
/// std::thread::scope(|s| {
///     s.spawn(|| tx.send("job".to_string()).unwrap());
///     let ready = select::wait(&[&rx, &stop]);
///     assert_eq!(ready, [0], "the pipe is ready, the event is not");
///     assert_eq!(rx.try_recv().unwrap(), "job", "wait consumed nothing");
/// });
/// # }
/// ```
#[track_caller]
#[doc(alias = "multiprocessing.connection.wait", alias = "select")]
pub fn wait(objects: &[&dyn Selectable]) -> Vec<usize> {
    assert!(
        !objects.is_empty(),
        "weftsync::select::wait: no objects to wait on (it would block forever)"
    );
    select(objects, None).expect("a wait without deadline returns only with a ready object")
}

/// Which of `objects` are ready right now: one look at each, never blocks, changes nothing.
/// `None` if none is (Python's `wait(objects, 0)` returning `[]`).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::{Semaphore, select};
/// let (idle, free) = (Semaphore::new(0), Semaphore::new(1));
/// assert_eq!(select::try_wait(&[&idle]), None);
/// assert_eq!(select::try_wait(&[&idle, &free]), Some(vec![1]));
/// assert_eq!(free.available_permits(), 1, "nothing was taken");
/// # }
/// ```
///
/// Ignoring the answer is a warning (here made an error):
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// weftsync::select::try_wait(&[&weftsync::Event::new()]);
/// ```
///
/// The same code using the result compiles:
///
/// ```no_run
/// #![deny(unused_must_use)]
/// let _ = weftsync::select::try_wait(&[&weftsync::Event::new()]);
/// ```
#[must_use = "`None` means no object was ready"]
#[doc(alias = "multiprocessing.connection.wait")]
pub fn try_wait(objects: &[&dyn Selectable]) -> Option<Vec<usize>> {
    look(objects)
}

/// [`wait`], for at most `timeout`: the indices of the ready objects, or `None` if none became
/// ready in time (Python's `wait(objects, timeout)` returning `[]`). `Duration::ZERO` is one look
/// with no side effect, like [`try_wait`]; a timeout too large for `Instant` waits forever. An
/// empty `objects` waits out the timeout.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::{Queue, select};
/// let (a, b) = (Queue::<u8>::new(1), Queue::<u8>::new(1));
/// assert_eq!(select::wait_for(&[&a, &b], Duration::from_millis(1)), None);
/// b.shutdown(false);
/// assert_eq!(select::wait_for(&[&a, &b], Duration::from_secs(5)), Some(vec![1]));
/// # }
/// ```
///
/// Ignoring the answer is a warning (here made an error):
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// weftsync::select::wait_for(&[&weftsync::Event::new()], std::time::Duration::ZERO);
/// ```
///
/// The same code using the result compiles:
///
/// ```no_run
/// #![deny(unused_must_use)]
/// let _ = weftsync::select::wait_for(&[&weftsync::Event::new()], std::time::Duration::ZERO);
/// ```
#[must_use = "`None` means the time ran out with no object ready"]
#[doc(alias = "multiprocessing.connection.wait", alias = "select_timeout")]
pub fn wait_for(objects: &[&dyn Selectable], timeout: Duration) -> Option<Vec<usize>> {
    select(objects, shim::deadline_after(timeout))
}

/// [`wait`], until `deadline` at the latest: the indices of the ready objects, or `None` if
/// none became ready in time. A deadline already past is one look, like [`try_wait`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::{Duration, Instant};
/// use weftsync::{Event, select};
/// let ev = Event::new();
/// std::thread::scope(|s| {
///     s.spawn(|| ev.set());
///     let deadline = Instant::now() + Duration::from_secs(60);
///     assert_eq!(select::wait_until(&[&ev], deadline), Some(vec![0]));
/// });
/// # }
/// ```
#[must_use = "`None` means the deadline passed with no object ready"]
#[doc(alias = "multiprocessing.connection.wait", alias = "select_deadline")]
pub fn wait_until(objects: &[&dyn Selectable], deadline: Instant) -> Option<Vec<usize>> {
    select(objects, Some(deadline))
}

/// One look at every object, no side effect: the ready ones, or `None`.
fn look(objects: &[&dyn Selectable]) -> Option<Vec<usize>> {
    let ready: Vec<usize> = (0..objects.len())
        .filter(|&i| objects[i].is_ready())
        .collect();
    (!ready.is_empty()).then_some(ready)
}

/// The one path of `wait`, `wait_for` and `wait_until`: a look, then (unless the deadline
/// passed) the sleeping protocol.
fn select(objects: &[&dyn Selectable], deadline: Option<Instant>) -> Option<Vec<usize>> {
    if let Some(ready) = look(objects) {
        return Some(ready);
    }
    // After the look, before any registration or arming: a zero timeout leaves no trace.
    if shim::expired(deadline) {
        return None;
    }
    // Wait briefly without sleeping, read-only, on each object's hint: readiness often comes
    // soon, and seeing it here saves the registration, the arms and a sleep (and the waker a wake
    // call). As the ring's pause: spins, then yields, for a `shim::Spin` budget (as many as paid
    // off lately; none under loom, one round under shuttle), then the sleeping protocol.
    let mut spin = shim::Spin::new(shim::Site::Select);
    while spin.pause() {
        if objects.iter().any(|o| o.ready_hint()) {
            if let Some(ready) = look(objects) {
                return Some(ready);
            }
        }
    }
    select_slow(objects, deadline)
}

/// Registers, arms and sleeps until an object is ready or the deadline passes; see the module
/// docs and `docs/select.md`.
#[cold]
fn select_slow(objects: &[&dyn Selectable], deadline: Option<Instant>) -> Option<Vec<usize>> {
    let own = AtomicU32::new(0);
    let keys = objects
        .iter()
        .map(|o| o.ready_word() as *const AtomicU32 as usize)
        .collect();
    let armed = Armed {
        objects,
        first_done: 0,
        _registration: Registration::new(&own, keys),
    };
    armed.wait(&own, deadline)
}

/// A selector's hold on its objects: its registry entries, and how many objects it armed for
/// the first time (to disarm exactly those, even if an arm panicked). Dropping it undoes both.
struct Armed<'a, 'o> {
    objects: &'a [&'o dyn Selectable],
    first_done: usize,
    _registration: Registration<'a>,
}

impl Armed<'_, '_> {
    fn wait(mut self, own: &AtomicU32, deadline: Option<Instant>) -> Option<Vec<usize>> {
        let mut timed_out = false;
        loop {
            // The arms below (Release, or critical sections) carry this read to any waker, whose
            // bump therefore comes after it: see `src/shim/selectors.rs`. Acquire, with the
            // waker's Release bump: a selector that reads a bump also sees the change behind it.
            // An arm that announces nothing new (the slot core's POLLER mark is already on the
            // stamp, from this selector's last round or another poller) leans on that: it looks
            // with the stamp it can see, and must not see the marked stamp from before the
            // swap whose bump it read, and then sleep on a value nobody bumps again.
            let seen = own.load(Acquire);
            let mut ready = Vec::new();
            for (i, object) in self.objects.iter().enumerate() {
                let first = i >= self.first_done;
                if object.arm(first) {
                    ready.push(i);
                }
                if first {
                    self.first_done = i + 1;
                }
            }
            if !ready.is_empty() {
                return Some(ready);
            }
            // Checked after a full round of arms: a selector woken (or that raced a waker) just
            // as its time ran out still reports what it saw ready.
            if timed_out || shim::expired(deadline) {
                return None;
            }
            // Sleeps only while no waker has bumped `own` since `seen` was read.
            timed_out = !shim::wait(own, seen, deadline);
        }
    }
}

impl Drop for Armed<'_, '_> {
    fn drop(&mut self) {
        for object in &self.objects[..self.first_done] {
            object.disarm();
        }
        // Then `_registration` drops: the registry entries go, and the selector count.
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! What the public API cannot show: a zero timeout arms nothing, and a finished wait leaves
    //! no poller count behind, or on a FIFO queue's slots a mark that costs one wake at most (the
    //! ready words show all three).
    //! Every test runs under `shim::tests::watched`: a lost wake fails it by name.
    use super::private::Sealed;
    use super::*;
    use crate::Queue;
    use crate::shim::{Ordering::Relaxed, tests::watched};

    /// The ready words' values: a put bumps a ring's `readable` only while a poller or selector
    /// is registered, and arming an event or semaphore writes its word.
    fn words(q: &Queue<u8>, ev: &Event, sem: &Semaphore, sq: &SimpleQueue<u8>) -> [u32; 4] {
        [q, ev as &dyn Selectable, sem, sq].map(|o| o.ready_word().load(Relaxed))
    }

    #[test]
    fn zero_timeout_and_past_deadline_arm_nothing() {
        watched(|| {
            let (q, ev, sem, sq) = (
                Queue::new(1),
                Event::new(),
                Semaphore::new(0),
                SimpleQueue::new(),
            );
            let before = words(&q, &ev, &sem, &sq);
            let all: [&dyn Selectable; 4] = [&q, &ev, &sem, &sq];
            assert_eq!(try_wait(&all), None);
            assert_eq!(wait_for(&all, Duration::ZERO), None);
            assert_eq!(wait_until(&all, Instant::now()), None);
            assert_eq!(
                words(&q, &ev, &sem, &sq),
                before,
                "a one-look wait armed an object"
            );
            q.put(1).unwrap();
            assert_eq!(
                q.ready_word().load(Relaxed),
                before[0],
                "no selector is registered as a poller: the put bumped `readable`"
            );
        });
    }

    /// Waits on an event and `q` until the event is set, having armed `q` or not (the selector
    /// armed the event, its WAITERS bit 2 is on, before it can see the set).
    fn finished_wait_on(q: &(dyn Selectable + Sync)) {
        let ev = Event::new();
        std::thread::scope(|s| {
            let t = s.spawn(|| wait(&[&ev, q]));
            while ev.ready_word().load(Relaxed) & 2 == 0 {
                std::thread::yield_now();
            }
            ev.set();
            assert_eq!(t.join().unwrap(), [0]);
        });
    }

    #[test]
    fn a_finished_wait_leaves_no_poller_behind() {
        watched(|| {
            // The locked ring (here a LIFO queue) counts a selector as a poller: undone on leaving.
            let q = crate::LifoQueue::new(1);
            finished_wait_on(&q);
            let before = q.ready_word().load(Relaxed);
            q.put(1).unwrap();
            assert_eq!(
                q.ready_word().load(Relaxed),
                before,
                "the selector's poller count was left behind: the put bumped `readable`"
            );
        });
    }

    #[test]
    fn a_finished_wait_on_a_large_pipe_leaves_no_poller_behind() {
        watched(|| {
            // Above `MAX_SLOTS` a pipe direction is the locked ring, which counts a selector as a
            // poller: both receiving ends must undo it on leaving.
            let large = crate::slots::MAX_SLOTS + 1;
            let (a, b) = crate::pipe::pipe::<u8>(large);
            finished_wait_on(&a);
            let before = a.ready_word().load(Relaxed);
            b.send(1).unwrap();
            assert_eq!(
                a.ready_word().load(Relaxed),
                before,
                "the selector's poller count was left on a Connection: the send bumped `readable`"
            );
            let (rx, tx) = crate::pipe::pipe_oneway::<u8>(large);
            finished_wait_on(&rx);
            let before = rx.ready_word().load(Relaxed);
            tx.send(1).unwrap();
            assert_eq!(
                rx.ready_word().load(Relaxed),
                before,
                "the selector's poller count was left on a PipeReceiver: the send bumped `readable`"
            );
        });
    }

    #[test]
    fn a_finished_wait_on_a_fifo_queue_costs_at_most_one_needless_wake() {
        watched(|| {
            // The slots (a bounded FIFO queue) hold a selector's POLLER mark on one stamp, not a
            // count: the put that changes that stamp may bump `readable` once, none after it.
            let q = Queue::new(1);
            finished_wait_on(&q);
            q.put(1).unwrap();
            assert_eq!(q.get(), Ok(1));
            let before = q.ready_word().load(Relaxed);
            q.put(2).unwrap();
            assert_eq!(
                q.ready_word().load(Relaxed),
                before,
                "a selector's mark outlived the swap that read it: a second put bumped `readable`"
            );
        });
    }
}
