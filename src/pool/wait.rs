//! Waiting on many futures: [`wait`] (Python's `concurrent.futures.wait`) and [`as_completed`].
//!
//! A waiter never polls. It makes one [`Queue`] of notes with a slot per future it registers
//! with, and registers it with every future not yet done (under that future's hooks lock). A
//! completing future takes its registrations when it closes its hooks and puts one note in each
//! queue, after `done` is set; a future found already closed is counted done by the waiter
//! itself. So every completion the waiter needs either is seen at registration or arrives as a
//! note, and the waiter sleeps in the queue's `get` on the queue's own futex word, which the
//! completer's put wakes. On the way out it removes its registrations from the futures it did
//! not hear from.
//!
//! | waiter state | meaning                                                   |
//! |--------------|-----------------------------------------------------------|
//! | registering  | each future: done already (counted), or queue registered |
//! | waiting      | sleeping in the queue's `get`, until its condition holds or the deadline |
//! | leaving      | unregistered from every future it did not hear from       |

use core::fmt;
use core::marker::PhantomData;
use std::collections::VecDeque;

use super::Future;
use super::future::{Listener, Note};
use crate::queue::Queue;
use crate::shim::{self, Arc, Duration, Instant};

/// When [`wait`] returns (Python's `return_when`).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::{self, WaitFor};
/// let pool = weftsync::ThreadPool::new(2);
/// let fs = vec![pool.submit(|| 1).unwrap(), pool.submit(|| 2).unwrap()];
/// let w = pool::wait(fs, WaitFor::FirstCompleted);
/// assert!(!w.done.is_empty());
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WaitFor {
    /// As soon as any future is done (or at once if one already is).
    #[doc(alias = "FIRST_COMPLETED")]
    FirstCompleted,
    /// As soon as any future's task panicked, else when all are done (`Cancelled` is not an
    /// exception, as in Python).
    #[doc(alias = "FIRST_EXCEPTION")]
    FirstException,
    /// When every future is done.
    #[doc(alias = "ALL_COMPLETED")]
    AllCompleted,
}

/// What [`wait`] returns: the futures split into done and not done (Python's
/// `DoneAndNotDoneFutures`), each list in input order.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::{self, WaitFor};
/// let pool = weftsync::ThreadPool::new(1);
/// let w = pool::wait(vec![pool.submit(|| ()).unwrap()], WaitFor::AllCompleted);
/// assert_eq!((w.done.len(), w.not_done.len()), (1, 0));
/// # }
/// ```
#[must_use = "the futures are inside: `done` and `not_done`"]
#[doc(alias = "DoneAndNotDoneFutures")]
#[derive(Debug)]
pub struct Waited<F> {
    /// Futures done when `wait` returned.
    pub done: Vec<F>,
    /// Futures not done when `wait` returned (empty after an untimed `AllCompleted` wait).
    pub not_done: Vec<F>,
}

/// How long a wait may block.
#[derive(Clone, Copy)]
enum Block {
    No,
    Until(Option<Instant>),
}

/// Waits until `when` holds for `futures`, then returns them split into done and not done.
/// The futures may be owned (`Vec<Future<T>>`), borrowed (`&[Future<T>]`, `&Vec<_>`), or keyed
/// (`(key, Future<T>)`); they come back as they went in.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::{self, WaitFor};
/// let pool = weftsync::ThreadPool::new(2);
/// let fs: Vec<_> = (0..4).map(|i| pool.submit(move || i).unwrap()).collect();
/// let w = pool::wait(&fs, WaitFor::AllCompleted);
/// assert_eq!(w.done.len(), 4);
/// # }
/// ```
pub fn wait<T, F, I>(futures: I, when: WaitFor) -> Waited<F>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    wait_block(futures, when, Block::Until(None))
}

/// [`wait`] without blocking: splits the futures by what is done now.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::{self, WaitFor};
/// let pool = weftsync::ThreadPool::new(1);
/// let gate = std::sync::Arc::new(weftsync::Event::new());
/// let g = std::sync::Arc::clone(&gate);
/// let f = pool.submit(move || g.wait()).unwrap();
/// let w = pool::try_wait([&f], WaitFor::AllCompleted);
/// assert_eq!(w.not_done.len(), 1);
/// gate.set();
/// # }
/// ```
pub fn try_wait<T, F, I>(futures: I, when: WaitFor) -> Waited<F>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    wait_block(futures, when, Block::No)
}

/// [`wait`] for at most `timeout` (Python's `wait(fs, timeout, return_when)`); what is not done
/// by then is in `not_done`. `Duration::ZERO` is [`try_wait`]; a timeout too large for
/// `Instant` waits forever.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::pool::{self, WaitFor};
/// let pool = weftsync::ThreadPool::new(1);
/// let gate = std::sync::Arc::new(weftsync::Event::new());
/// let g = std::sync::Arc::clone(&gate);
/// let slow = pool.submit(move || g.wait()).unwrap();
/// let w = pool::wait_for([&slow], WaitFor::AllCompleted, Duration::from_millis(10));
/// assert_eq!(w.not_done.len(), 1, "timed out");
/// gate.set();
/// # }
/// ```
pub fn wait_for<T, F, I>(futures: I, when: WaitFor, timeout: Duration) -> Waited<F>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    wait_block(futures, when, Block::Until(shim::deadline_after(timeout)))
}

/// [`wait`] until `deadline` at the latest; a deadline already past is [`try_wait`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::{Duration, Instant};
/// use weftsync::pool::{self, WaitFor};
/// let pool = weftsync::ThreadPool::new(1);
/// let f = pool.submit(|| 1).unwrap();
/// let w = pool::wait_until([f], WaitFor::AllCompleted, Instant::now() + Duration::from_secs(60));
/// assert_eq!(w.done.len(), 1);
/// # }
/// ```
pub fn wait_until<T, F, I>(futures: I, when: WaitFor, deadline: Instant) -> Waited<F>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    wait_block(futures, when, Block::Until(Some(deadline)))
}

/// The done count and whether a panicked future was seen, against the condition.
fn satisfied(when: WaitFor, done: usize, total: usize, panicked: bool) -> bool {
    match when {
        WaitFor::FirstCompleted => done > 0 || total == 0,
        WaitFor::FirstException => panicked || done == total,
        WaitFor::AllCompleted => done == total,
    }
}

fn wait_block<T, F, I>(futures: I, when: WaitFor, block: Block) -> Waited<F>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    let futures: Vec<F> = futures.into_iter().collect();
    let total = futures.len();
    let shared = |i: usize| futures[i].as_ref().shared();
    let mut seen = vec![false; total];
    let (mut done, mut panicked) = (0, false);
    for (i, s) in seen.iter_mut().enumerate() {
        if shared(i).is_done() {
            *s = true;
            done += 1;
            panicked |= shared(i).panicked();
        }
    }
    let deadline = match block {
        Block::Until(d) if !satisfied(when, done, total, panicked) && !shim::expired(d) => d,
        _ => return split(futures, |f| f.as_ref().done()),
    };
    let pending: Vec<usize> = (0..total).filter(|&i| !seen[i]).collect();
    let queue: Listener = Arc::new(Queue::new(pending.len()));
    for &i in &pending {
        if !shared(i).listen(&queue, i) {
            // Completed since we looked: no note will come, count it here.
            seen[i] = true;
            done += 1;
            panicked |= shared(i).panicked();
        }
    }
    while !satisfied(when, done, total, panicked) {
        let note = match deadline {
            None => queue.get().ok(),
            Some(d) => queue.get_until(d).ok(),
        };
        let Some(Note { index, panicked: p }) = note else {
            break; // timed out
        };
        if !seen[index] {
            seen[index] = true;
            done += 1;
            panicked |= p;
        }
    }
    for &i in &pending {
        shared(i).unlisten(&queue);
    }
    split(futures, |f| f.as_ref().done())
}

/// Splits `futures` by `is_done`, keeping input order in each half.
fn split<F>(futures: Vec<F>, is_done: impl Fn(&F) -> bool) -> Waited<F> {
    let (done, not_done) = futures.into_iter().partition(|f| is_done(f));
    Waited { done, not_done }
}

/// The futures not done when an [`as_completed_for`] or [`as_completed_until`] ran out of time,
/// in input order (Python raises `TimeoutError`; here nothing is lost).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(1);
/// let gate = std::sync::Arc::new(weftsync::Event::new());
/// let g = std::sync::Arc::clone(&gate);
/// let slow = p.submit(move || g.wait()).unwrap();
/// let mut it = pool::as_completed_for([slow], Duration::from_millis(10));
/// let pending = it.next().unwrap().unwrap_err().into_inner();
/// assert_eq!(pending.len(), 1);
/// gate.set();
/// # }
/// ```
pub struct TimeoutError<F>(pub Vec<F>);

impl<F> TimeoutError<F> {
    /// The futures that were not yielded, in input order.
    ///
    /// ```
    /// assert!(weftsync::pool::TimeoutError::<u8>(Vec::new()).into_inner().is_empty());
    /// ```
    pub fn into_inner(self) -> Vec<F> {
        self.0
    }
}

/// Prints how many futures were left, so any `F` can be unwrapped.
impl<F> fmt::Debug for TimeoutError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimeoutError({} unfinished)", self.0.len())
    }
}

impl<F> fmt::Display for TimeoutError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} futures unfinished at the deadline", self.0.len())
    }
}

impl<F> std::error::Error for TimeoutError<F> {}

/// The engine shared by both iterators: the futures not yet yielded, the indices known done,
/// and the queue completing futures put notes in.
struct Completions<F, T> {
    futures: Vec<Option<F>>,
    /// Done before or at registration, in input order; yielded first.
    ready: VecDeque<usize>,
    queue: Option<Listener>,
    /// Registered futures not yet heard from.
    awaited: usize,
    _t: PhantomData<fn() -> T>,
}

impl<F: AsRef<Future<T>>, T> Completions<F, T> {
    fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<Option<F>> = futures.into_iter().map(Some).collect();
        let mut ready = VecDeque::new();
        let mut pending = Vec::new();
        for (i, f) in futures.iter().enumerate() {
            let f = f
                .as_ref()
                .expect("every future is here before the first next()");
            if f.as_ref().done() {
                ready.push_back(i);
            } else {
                pending.push(i);
            }
        }
        let mut queue = None;
        let mut awaited = 0;
        if !pending.is_empty() {
            let q: Listener = Arc::new(Queue::new(pending.len()));
            for i in pending {
                let f = futures[i].as_ref().expect("not yet yielded");
                if f.as_ref().shared().listen(&q, i) {
                    awaited += 1;
                } else {
                    ready.push_back(i);
                }
            }
            queue = Some(q);
        }
        Completions {
            futures,
            ready,
            queue,
            awaited,
            _t: PhantomData,
        }
    }

    /// The next future to finish, `Ok(None)` when all were yielded, `Err(())` at the deadline.
    fn next(&mut self, block: Block) -> Result<Option<F>, ()> {
        if let Some(i) = self.ready.pop_front() {
            return Ok(self.futures[i].take());
        }
        loop {
            if self.awaited == 0 {
                return Ok(None);
            }
            let queue = self
                .queue
                .as_ref()
                .expect("a queue while futures are awaited");
            let note = match block {
                Block::No => queue.try_get().ok(),
                Block::Until(None) => queue.get().ok(),
                Block::Until(Some(d)) => queue.get_until(d).ok(),
            };
            let Some(note) = note else { return Err(()) };
            self.awaited -= 1;
            // A future passed twice (by reference) is yielded once per position.
            if let Some(f) = self.futures[note.index].take() {
                return Ok(Some(f));
            }
        }
    }

    /// Everything not yet yielded, in input order, unregistered.
    fn take_rest(&mut self) -> Vec<F> {
        self.unlisten_all();
        self.ready.clear();
        self.awaited = 0;
        self.futures.iter_mut().filter_map(Option::take).collect()
    }

    fn unlisten_all(&mut self) {
        if let Some(q) = self.queue.take() {
            for f in self.futures.iter().flatten() {
                f.as_ref().shared().unlisten(&q);
            }
        }
    }
}

/// Yields each future as it finishes (Python's `as_completed`): those already done first, in
/// input order, then the others in the order they complete. Returned by [`as_completed`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(2);
/// let jobs = vec![("a", p.submit(|| 1).unwrap()), ("b", p.submit(|| 2).unwrap())];
/// let mut seen = Vec::new();
/// for (key, future) in pool::as_completed(jobs) {
///     seen.push((key, future.result().unwrap()));
/// }
/// seen.sort();
/// assert_eq!(seen, [("a", 1), ("b", 2)]);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct AsCompleted<F: AsRef<Future<T>>, T> {
    inner: Completions<F, T>,
}

/// Yields each future as it finishes, as `Ok(future)`, until a deadline; if it passes first,
/// yields one last `Err(TimeoutError(rest))` with every future not yet yielded, then ends.
/// Returned by [`as_completed_for`], [`as_completed_until`] and [`try_as_completed`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(2);
/// let fs = vec![p.submit(|| 1).unwrap(), p.submit(|| 2).unwrap()];
/// let mut sum = 0;
/// for r in pool::as_completed_for(fs, Duration::from_secs(60)) {
///     sum += r.expect("60 s is plenty").result().unwrap();
/// }
/// assert_eq!(sum, 3);
/// # }
/// ```
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct AsCompletedUntil<F: AsRef<Future<T>>, T> {
    inner: Completions<F, T>,
    block: Block,
    finished: bool,
}

/// Yields the futures as they finish; see [`AsCompleted`]. Never polls: it sleeps until a
/// future completes.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(2);
/// let fs: Vec<_> = (0..5).map(|i| p.submit(move || i).unwrap()).collect();
/// let mut got: Vec<i32> = pool::as_completed(fs).map(|f| f.result().unwrap()).collect();
/// got.sort();
/// assert_eq!(got, [0, 1, 2, 3, 4]);
/// # }
/// ```
pub fn as_completed<T, F, I>(futures: I) -> AsCompleted<F, T>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    AsCompleted {
        inner: Completions::new(futures),
    }
}

/// Yields what is done now, then `Err(TimeoutError(rest))` if anything is left; never blocks.
/// See [`AsCompletedUntil`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(1);
/// let f = p.submit(|| 1).unwrap();
/// let outcome: Vec<_> = pool::try_as_completed([&f]).collect();
/// assert_eq!(outcome.len(), 1, "either the future, or a TimeoutError holding it");
/// # }
/// ```
pub fn try_as_completed<T, F, I>(futures: I) -> AsCompletedUntil<F, T>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    AsCompletedUntil {
        inner: Completions::new(futures),
        block: Block::No,
        finished: false,
    }
}

/// [`as_completed`] with a time limit (Python's `as_completed(fs, timeout)`): see
/// [`AsCompletedUntil`]. A timeout too large for `Instant` waits forever.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::Duration;
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(1);
/// let f = p.submit(|| 1).unwrap();
/// let first = pool::as_completed_for([f], Duration::from_secs(60)).next().unwrap();
/// assert_eq!(first.unwrap().result().unwrap(), 1);
/// # }
/// ```
pub fn as_completed_for<T, F, I>(futures: I, timeout: Duration) -> AsCompletedUntil<F, T>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    AsCompletedUntil {
        inner: Completions::new(futures),
        block: Block::Until(shim::deadline_after(timeout)),
        finished: false,
    }
}

/// [`as_completed`] until `deadline`: see [`AsCompletedUntil`].
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use std::time::{Duration, Instant};
/// use weftsync::pool;
/// let p = weftsync::ThreadPool::new(1);
/// let f = p.submit(|| 1).unwrap();
/// let mut it = pool::as_completed_until([f], Instant::now() + Duration::from_secs(60));
/// assert!(it.next().unwrap().is_ok());
/// assert!(it.next().is_none());
/// # }
/// ```
pub fn as_completed_until<T, F, I>(futures: I, deadline: Instant) -> AsCompletedUntil<F, T>
where
    I: IntoIterator<Item = F>,
    F: AsRef<Future<T>>,
{
    AsCompletedUntil {
        inner: Completions::new(futures),
        block: Block::Until(Some(deadline)),
        finished: false,
    }
}

impl<F: AsRef<Future<T>>, T> Iterator for AsCompleted<F, T> {
    type Item = F;

    fn next(&mut self) -> Option<F> {
        match self.inner.next(Block::Until(None)) {
            Ok(f) => f,
            Err(()) => unreachable!("an untimed wait does not time out"),
        }
    }
}

impl<F: AsRef<Future<T>>, T> Iterator for AsCompletedUntil<F, T> {
    type Item = Result<F, TimeoutError<F>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.inner.next(self.block) {
            Ok(Some(f)) => Some(Ok(f)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(()) => {
                self.finished = true;
                Some(Err(TimeoutError(self.inner.take_rest())))
            }
        }
    }
}

/// Unregisters from the futures not yet yielded.
impl<F: AsRef<Future<T>>, T> Drop for AsCompleted<F, T> {
    fn drop(&mut self) {
        self.inner.unlisten_all();
    }
}

/// Unregisters from the futures not yet yielded.
impl<F: AsRef<Future<T>>, T> Drop for AsCompletedUntil<F, T> {
    fn drop(&mut self) {
        self.inner.unlisten_all();
    }
}

impl<F: AsRef<Future<T>>, T> fmt::Debug for AsCompleted<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("left", &self.inner.futures.iter().flatten().count())
            .finish_non_exhaustive()
    }
}

impl<F: AsRef<Future<T>>, T> fmt::Debug for AsCompletedUntil<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompletedUntil")
            .field("left", &self.inner.futures.iter().flatten().count())
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a pool wait call happened does not compile under `#![deny(unused_must_use)]`:
/// each `compile_fail` block below is paired with a `no_run` block that differs only in using the
/// result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(fs: Vec<weftsync::pool::Future<u8>>) {
/// weftsync::pool::wait_for(fs, weftsync::pool::WaitFor::AllCompleted, std::time::Duration::ZERO); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(fs: Vec<weftsync::pool::Future<u8>>) {
/// let _ = weftsync::pool::wait_for(fs, weftsync::pool::WaitFor::AllCompleted, std::time::Duration::ZERO); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(fs: Vec<weftsync::pool::Future<u8>>) {
/// weftsync::pool::as_completed_for(fs, std::time::Duration::ZERO); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(fs: Vec<weftsync::pool::Future<u8>>) {
/// let _ = weftsync::pool::as_completed_for(fs, std::time::Duration::ZERO); }
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
