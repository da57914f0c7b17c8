//! `Map`: [`ThreadPool::map`](super::ThreadPool::map)'s lazy, ordered, bounded iterator
//! (Python's `Executor.map` with 3.14's `buffersize`, and `Pool.imap` with `chunksize`).
//!
//! State: the input (fused), a FIFO of in-flight tasks (each one item, or one chunk of up to
//! `chunksize` items), and the rest of the chunk being yielded. `next()` first tops the FIFO up
//! to `buffersize` tasks from the input, then takes the oldest task's outcome, blocking in its
//! `Future::result` (an `Event` the task's completion sets). So results come out in input order,
//! at most `buffersize` tasks are submitted ahead of the consumer, and nothing is submitted
//! before the first `next()`.
//!
//! A refused submission (the pool was shut down) stops the input: that item's future is
//! cancelled, it is yielded in its place as `Err(Cancelled)`, and the iterator ends after it.

use core::fmt;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Future, ResultError, Spawner};
use crate::shim::Arc;

/// One submitted task of a map: one item, or a chunk of `len` items.
enum InFlight<T> {
    One(Future<T>),
    Chunk(Future<Vec<Result<T, ResultError>>>, usize),
    /// A chunk whose submission was refused: `len` items, all cancelled.
    Refused(usize),
}

/// The iterator of [`ThreadPool::map`](super::ThreadPool::map) and
/// [`Scope::map`](super::Scope::map): each item is `Ok(f(input))`, or the [`ResultError`] of
/// its task, in input order.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let pool = weftsync::ThreadPool::new(2);
/// let mut it = pool.map(|x: u8| 10 / x, [5, 0, 2]).buffersize(1);
/// assert_eq!(it.next().unwrap().unwrap(), 2);
/// assert!(it.next().unwrap().unwrap_err().is_panicked()); // 10 / 0
/// assert_eq!(it.next().unwrap().unwrap(), 5);
/// assert!(it.next().is_none());
/// # }
/// ```
#[must_use = "a map submits nothing until it is iterated"]
pub struct Map<'a, I: Iterator, F, T> {
    spawner: Spawner<'a>,
    f: Arc<F>,
    items: core::iter::Fuse<I>,
    in_flight: VecDeque<InFlight<T>>,
    /// The rest of the chunk being yielded.
    ready: std::vec::IntoIter<Result<T, ResultError>>,
    /// `Cancelled` results still owed for a refused or cancelled chunk.
    cancelled_owed: usize,
    buffersize: usize,
    chunksize: usize,
    /// A submission was refused: take nothing more from the input.
    refused: bool,
}

impl<'a, I, F, T> Map<'a, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'a,
    F: Fn(I::Item) -> T + Send + Sync + 'a,
    T: Send + 'a,
{
    /// # Safety
    /// As [`Spawner::spawn`]: without a scope, `F`, the items and `T` are `'static`.
    pub(crate) unsafe fn new(spawner: Spawner<'a>, f: F, items: I, buffersize: usize) -> Self {
        Map {
            spawner,
            f: Arc::new(f),
            items: items.fuse(),
            in_flight: VecDeque::new(),
            ready: Vec::new().into_iter(),
            cancelled_owed: 0,
            buffersize: buffersize.max(1),
            chunksize: 1,
            refused: false,
        }
    }

    /// At most `tasks` tasks submitted and not yet yielded (Python 3.14's `buffersize`); with
    /// a [`chunksize`](Map::chunksize) of `c`, at most `tasks × c` items taken ahead of the
    /// consumer. The default is twice the pool's workers.
    ///
    /// # Panics
    /// If `tasks` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = weftsync::ThreadPool::new(2);
    /// let taken = AtomicUsize::new(0);
    /// let inputs = (0..1_000_000).inspect(|_| { taken.fetch_add(1, Ordering::Relaxed); });
    /// let first = pool.map(|x: u32| x, inputs).buffersize(3).next();
    /// assert_eq!(first.unwrap().unwrap(), 0);
    /// assert!(taken.load(Ordering::Relaxed) <= 3, "submission runs at most 3 ahead");
    /// # }
    /// ```
    #[track_caller]
    pub fn buffersize(mut self, tasks: usize) -> Self {
        assert!(
            tasks > 0,
            "weftsync::pool::Map::buffersize must be at least 1"
        );
        self.buffersize = tasks;
        self
    }

    /// Sends up to `items` inputs per task (`Pool.map`'s `chunksize`): fewer, larger tasks for
    /// cheap functions. Each item still has its own result; a panic fails only its own item.
    ///
    /// # Panics
    /// If `items` is 0.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(2);
    /// let v: Vec<u64> = pool.map(|x: u64| x + 1, 0..10).chunksize(4).map(Result::unwrap).collect();
    /// assert_eq!(v, (1..11).collect::<Vec<_>>());
    /// # }
    /// ```
    #[track_caller]
    pub fn chunksize(mut self, items: usize) -> Self {
        assert!(
            items > 0,
            "weftsync::pool::Map::chunksize must be at least 1"
        );
        self.chunksize = items;
        self
    }

    /// Submits tasks from the input until `buffersize` are in flight or the input ends.
    fn fill(&mut self) {
        while !self.refused && self.in_flight.len() < self.buffersize {
            let task = if self.chunksize == 1 {
                let Some(item) = self.items.next() else {
                    return;
                };
                let f = Arc::clone(&self.f);
                // SAFETY: `new`'s contract covers `F`, the items and `T`.
                match unsafe { self.spawner.spawn(move || f(item)) } {
                    Ok(future) => InFlight::One(future),
                    Err(_) => {
                        self.refused = true;
                        InFlight::Refused(1)
                    }
                }
            } else {
                let chunk: Vec<I::Item> = self.items.by_ref().take(self.chunksize).collect();
                if chunk.is_empty() {
                    return;
                }
                let len = chunk.len();
                let f = Arc::clone(&self.f);
                let run_chunk = move || {
                    chunk
                        .into_iter()
                        .map(|item| {
                            catch_unwind(AssertUnwindSafe(|| f(item)))
                                .map_err(ResultError::Panicked)
                        })
                        .collect::<Vec<_>>()
                };
                // SAFETY: as above.
                match unsafe { self.spawner.spawn(run_chunk) } {
                    Ok(future) => InFlight::Chunk(future, len),
                    Err(_) => {
                        self.refused = true;
                        InFlight::Refused(len)
                    }
                }
            };
            self.in_flight.push_back(task);
        }
    }
}

impl<'a, I, F, T> Iterator for Map<'a, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'a,
    F: Fn(I::Item) -> T + Send + Sync + 'a,
    T: Send + 'a,
{
    type Item = Result<T, ResultError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = self.ready.next() {
                return Some(r);
            }
            if self.cancelled_owed > 0 {
                self.cancelled_owed -= 1;
                return Some(Err(ResultError::Cancelled));
            }
            self.fill();
            match self.in_flight.pop_front()? {
                InFlight::One(future) => return Some(future.result()),
                InFlight::Chunk(future, len) => match future.result() {
                    Ok(results) => self.ready = results.into_iter(),
                    // The chunk never ran (cancelled by a shutdown): every item reports it. A
                    // chunk task cannot panic (each item is caught), but would report the same.
                    Err(_) => self.cancelled_owed = len,
                },
                InFlight::Refused(len) => self.cancelled_owed = len,
            }
        }
    }
}

/// Cancels the tasks not yet started; the running ones finish and their results are dropped.
impl<I: Iterator, F, T> Drop for Map<'_, I, F, T> {
    fn drop(&mut self) {
        for task in &self.in_flight {
            match task {
                InFlight::One(f) => {
                    let _ = f.cancel();
                }
                InFlight::Chunk(f, _) => {
                    let _ = f.cancel();
                }
                InFlight::Refused(_) => {}
            }
        }
    }
}

impl<I: Iterator, F, T> fmt::Debug for Map<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Map")
            .field("in_flight", &self.in_flight.len())
            .field("buffersize", &self.buffersize)
            .field("chunksize", &self.chunksize)
            .finish_non_exhaustive()
    }
}
