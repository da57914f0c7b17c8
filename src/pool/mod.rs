//! A thread pool with futures: Python's `concurrent.futures` (`ThreadPoolExecutor`, `Future`,
//! `wait`, `as_completed`) and `multiprocessing.Pool.map`, built from the crate's own
//! primitives.
//!
//! [`ThreadPool`] is also at the crate root. [`Future`] lives only here, because the Rust 2024
//! prelude's `Future` is the async trait: write `pool::Future<T>` (or import it under that name).
//!
//! ```
//! # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
//! use std::time::Duration;
//! use weftsync::ThreadPool;
//! use weftsync::pool::{self, WaitFor};
//!
//! let pool = ThreadPool::new(4);
//! let futures: Vec<_> = (1..=3u64).map(|n| pool.submit(move || n * 10).unwrap()).collect();
//! let waited = pool::wait(futures, WaitFor::AllCompleted);
//! assert_eq!(waited.not_done.len(), 0);
//! let mut total = 0;
//! for f in pool::as_completed(waited.done) {
//!     total += f.result().unwrap();
//! }
//! assert_eq!(total, 60);
//! let squares: Vec<u64> = pool.map(|x: u64| x * x, 0..5).map(Result::unwrap).collect();
//! assert_eq!(squares, [0, 1, 4, 9, 16]);
//! # }
//! ```
//!
//! How it is built (state tables in each file, promises in `docs/pool.md`):
//! - jobs wait in a [`Queue`] of practically unbounded capacity ([`JOB_QUEUE_CAPACITY`]); a
//!   worker sleeps in its `get`, and `shutdown` is the queue's shutdown;
//! - each future's outcome is published by an [`Event`] (its `result()` waits on it) and a
//!   [`Lock`] over its callbacks and waiters;
//! - [`wait`] and [`as_completed`] sleep in a `Queue` of their own that each completing future
//!   puts a note in; the pool's exit and each scope's end are `Event`s.

use core::any::Any;
use core::fmt;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use crate::event::Event;
use crate::lock::Lock;
use crate::queue::Queue;
use crate::shim::{
    self, Arc, AtomicUsize,
    Ordering::{AcqRel, Relaxed},
};

mod future;
mod map;
mod wait;

pub use future::{Future, ResultError, ResultTimeoutError, TryResultError};
pub use map::Map;
pub use wait::{
    AsCompleted, AsCompletedUntil, TimeoutError, WaitFor, Waited, as_completed, as_completed_for,
    as_completed_until, try_as_completed, try_wait, wait, wait_for, wait_until,
};

use future::{FINISHED, Shared};

/// The capacity of a pool's job queue: `usize::MAX`, so [`ThreadPool::submit`] never waits
/// for room (as Python's executor never does). The queue's storage grows by doubling as jobs
/// arrive and is kept for the pool's life.
pub const JOB_QUEUE_CAPACITY: usize = usize::MAX;

/// One queued unit of work. Dropping a job that never ran cancels its future.
pub(crate) trait Job: Send {
    fn run(self: Box<Self>);
}

type BoxedJob = Box<dyn Job + 'static>;

/// A task and its future's shared state. `f` is `Some` until the job runs.
struct Task<F, T> {
    f: Option<F>,
    shared: ManuallyDrop<Arc<Shared<T>>>,
    /// The scope this task belongs to: told when the task is over (run or dropped), last.
    scope: Option<Arc<ScopeData>>,
}

impl<F, T> Job for Task<F, T>
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    fn run(mut self: Box<Self>) {
        let f = self.f.take().expect("a job runs once");
        if self.shared.claim() {
            let outcome = catch_unwind(AssertUnwindSafe(f)).map_err(ResultError::Panicked);
            self.shared.complete(outcome, FINISHED);
        } else {
            // Cancelled before a worker picked it up: it never runs.
            drop(f);
        }
    }
}

impl<F, T> Drop for Task<F, T> {
    fn drop(&mut self) {
        // Declared first, so dropped last (also while unwinding): the scope hears of this task
        // only after everything it holds, the closure and the outcome included, is gone.
        let _ended = self.scope.take().map(ScopeTicket);
        // SAFETY: `shared` is not used after this line; `drop` runs once.
        let shared = unsafe { ManuallyDrop::take(&mut self.shared) };
        if let Some(f) = self.f.take() {
            // Never ran (shutdown with cancel_futures, or a refused submission): cancel, even if
            // dropping the closure panics.
            let _cancel = CancelOnDrop(&shared);
            drop(f);
        }
        drop(shared);
    }
}

/// Cancels a future when dropped (a no-op if it was already cancelled).
struct CancelOnDrop<'a, T>(&'a Shared<T>);

impl<T> Drop for CancelOnDrop<'_, T> {
    fn drop(&mut self) {
        let _ = self.0.cancel();
    }
}

/// What a scope waits for: tasks submitted in it and not yet over, plus one for the scope's own
/// closure while it runs. `all_done` is set by whoever brings `pending` to zero.
struct ScopeData {
    pending: AtomicUsize,
    all_done: Event,
}

impl ScopeData {
    fn task_over(&self) {
        // AcqRel: the last decrement acquires every earlier task's release (the decrements form
        // one release sequence), then `set` (Release) hands all of it to the scope's `wait`.
        if self.pending.fetch_sub(1, AcqRel) == 1 {
            self.all_done.set();
        }
    }
}

/// Tells a scope that one task is over, when dropped.
struct ScopeTicket(Arc<ScopeData>);

impl Drop for ScopeTicket {
    fn drop(&mut self) {
        self.0.task_over();
    }
}

/// The pool's side shared with its workers.
struct PoolInner {
    jobs: Queue<BoxedJob>,
    /// Workers that have not exited; the last one sets `exited`.
    live: AtomicUsize,
    exited: Event,
}

/// Submits jobs to a pool, for the pool itself (`'static` jobs) or for a scope.
#[derive(Clone, Copy)]
pub(crate) struct Spawner<'a> {
    inner: &'a PoolInner,
    scope: Option<&'a Arc<ScopeData>>,
}

impl<'a> Spawner<'a> {
    /// Queues `f`; hands it back if the pool is shut down.
    ///
    /// # Safety
    /// Without a scope, `F` and `T` must be `'static` (nothing waits for the job to end). With
    /// one, the scope waits for the job to be over before `'a` ends.
    pub(crate) unsafe fn spawn<F, T>(&self, f: F) -> Result<Future<T>, F>
    where
        F: FnOnce() -> T + Send + 'a,
        T: Send + 'a,
    {
        let shared = Arc::new(Shared::new());
        let scope = self.scope.map(|s| {
            // Relaxed: this thread is the scope's closure or one of its tasks, so its own
            // decrement (AcqRel) comes later in program order: `pending` cannot reach 0 before.
            s.pending.fetch_add(1, Relaxed);
            Arc::clone(s)
        });
        let job = Box::new(Task {
            f: Some(f),
            shared: ManuallyDrop::new(Arc::clone(&shared)),
            scope,
        });
        // SAFETY: the caller's contract: every borrow in the job outlives the job.
        match unsafe { push(&self.inner.jobs, job) } {
            Ok(()) => Ok(Future::from_shared(shared)),
            Err(mut job) => Err(job.f.take().expect("a refused job never ran")),
        }
    }
}

/// Puts `job` on the queue, erasing its lifetime; hands it back, typed, if the queue is shut
/// down.
///
/// # Safety
/// Every borrow in `J` must stay valid until the job has been run or dropped.
unsafe fn push<'a, J: Job + 'a>(jobs: &Queue<BoxedJob>, job: Box<J>) -> Result<(), Box<J>> {
    let raw: *mut (dyn Job + 'a) = Box::into_raw(job);
    // SAFETY: only the lifetime bound of the trait object changes (same pointer, same vtable);
    // the caller guarantees the borrows outlive the job.
    let raw: *mut (dyn Job + 'static) = unsafe { mem::transmute(raw) };
    // SAFETY: `raw` came from `Box::into_raw` just above.
    let boxed = unsafe { Box::from_raw(raw) };
    match jobs.put(boxed) {
        Ok(()) => Ok(()),
        Err(e) => {
            let back: BoxedJob = e.into_inner();
            // SAFETY: the queue hands back the box it was given, which was made from a `Box<J>`:
            // its data pointer is that `J`, allocated with `J`'s layout.
            Err(unsafe { Box::from_raw(Box::into_raw(back) as *mut J) })
        }
    }
}

/// A pool of worker threads running submitted tasks, Python's
/// `concurrent.futures.ThreadPoolExecutor` and `multiprocessing.Pool`.
///
/// - [`submit`](ThreadPool::submit) queues a closure and returns its [`Future`];
///   [`map`](ThreadPool::map) runs a function over an iterator and yields the results in input
///   order, lazily, at most [`buffersize`](Map::buffersize) tasks ahead;
///   [`scope`](ThreadPool::scope) lets tasks borrow from the caller's stack.
/// - **A panicking task** is caught and reported by its future; the worker goes on.
/// - [`shutdown`](ThreadPool::shutdown)`(wait, cancel_futures)` as in Python; **dropping the pool**
///   is `shutdown(true, false)`: the queued tasks run, then the workers are joined.
/// - Jobs are taken in submission order (a FIFO queue), by whichever worker is free.
/// - `Send + Sync`: share it with `Arc` or by reference; tasks may submit to their own pool.
///
/// Promises, state table and the tests behind them: `docs/pool.md`.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::ThreadPool;
///
/// let pool = ThreadPool::new(4);
/// let urls = ["a", "bb", "ccc"];
/// let lengths: Vec<usize> = pool.map(|u: &str| u.len(), urls).map(Result::unwrap).collect();
/// assert_eq!(lengths, [1, 2, 3]);
/// # }
/// ```
#[doc(alias = "ThreadPoolExecutor")]
#[doc(alias = "Pool")]
#[doc(alias = "Executor")]
pub struct ThreadPool {
    inner: Arc<PoolInner>,
    /// Taken (and joined) by the first waiting shutdown or the drop.
    handles: Lock<Vec<shim::thread::JoinHandle<()>>>,
    /// The workers' `shim::current_thread_id()`s, to refuse waiting for themselves.
    worker_ids: Vec<u64>,
}

/// No operation leaves a pool half-changed when a panic unwinds through it (a `shutdown` whose
/// cancelled closure panics on drop finishes its work before re-raising), so it is unwind safe.
impl std::panic::UnwindSafe for ThreadPool {}
impl std::panic::RefUnwindSafe for ThreadPool {}

/// Configures a [`ThreadPool`]: worker count, thread names, stack size, an initializer.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::Builder;
/// let pool = Builder::new()
///     .workers(2)
///     .thread_name_prefix("fetch")
///     .stack_size(256 * 1024)
///     .initializer(|| println!("worker up"))
///     .build()
///     .unwrap();
/// let name = pool.submit(|| std::thread::current().name().map(String::from)).unwrap();
/// assert!(name.result().unwrap().unwrap().starts_with("fetch_"));
/// # }
/// ```
#[must_use = "a Builder does nothing until `build` is called"]
pub struct Builder {
    workers: Option<usize>,
    prefix: String,
    stack_size: Option<usize>,
    /// A std `Arc`: loom's cannot hold a `dyn`, and the closure is only read, never synchronized.
    initializer: Option<std::sync::Arc<dyn Fn() + Send + Sync + 'static>>,
}

#[doc(alias = "BrokenThreadPool")]
/// Why [`Builder::build`] made no pool. Every thread it started has been joined.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::pool::{BuildError, Builder};
/// let err = Builder::new().workers(2).initializer(|| panic!("no database")).build().unwrap_err();
/// assert!(matches!(err, BuildError::Initializer(_)));
/// # }
/// ```
pub enum BuildError {
    /// `workers(0)`: a pool needs at least one worker (Python's `ValueError`).
    ZeroWorkers,
    /// The operating system refused to start a thread.
    Spawn(std::io::Error),
    /// The initializer panicked on a worker; the payload of the first such panic.
    Initializer(Box<dyn Any + Send + 'static>),
}

/// The pool is shut down; the closure comes back unrun (Python raises `RuntimeError`).
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let pool = weftsync::ThreadPool::new(1);
/// pool.shutdown(true, false);
/// let err = pool.submit(|| 1).unwrap_err();
/// assert_eq!((err.into_inner())(), 1);
/// # }
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SubmitError<F>(pub F);

impl<F> SubmitError<F> {
    /// The closure that was not submitted.
    ///
    /// ```
    /// let e = weftsync::pool::SubmitError(5);
    /// assert_eq!(e.into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> F {
        self.0
    }
}

/// Prints `SubmitError(..)`, so any closure can be unwrapped.
impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SubmitError(..)")
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot submit to a thread pool that is shut down")
    }
}

impl<F> std::error::Error for SubmitError<F> {}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroWorkers => f.write_str("ZeroWorkers"),
            BuildError::Spawn(e) => f.debug_tuple("Spawn").field(e).finish(),
            BuildError::Initializer(_) => f.write_str("Initializer(..)"),
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::ZeroWorkers => f.write_str("a thread pool needs at least one worker"),
            BuildError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
            BuildError::Initializer(_) => f.write_str("a worker's initializer panicked"),
        }
    }
}

impl std::error::Error for BuildError {}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with the defaults: one worker per available CPU, threads named `pool_0`,
    /// `pool_1`, …, std's default stack size, no initializer.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::pool::Builder::new().build().unwrap();
    /// assert!(pool.workers() >= 1);
    /// # }
    /// ```
    pub fn new() -> Self {
        Builder {
            workers: None,
            prefix: String::from("pool"),
            stack_size: None,
            initializer: None,
        }
    }

    /// How many worker threads (Python's `max_workers`); all are started by `build`.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::pool::Builder::new().workers(3).build().unwrap().workers(), 3);
    /// # }
    /// ```
    #[doc(alias = "max_workers")]
    #[doc(alias = "processes")]
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Names the workers `{prefix}_0`, `{prefix}_1`, … (Python's `thread_name_prefix`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::pool::Builder::new().workers(1).thread_name_prefix("io").build().unwrap();
    /// let name = pool.submit(|| std::thread::current().name().unwrap().to_owned()).unwrap();
    /// assert_eq!(name.result().unwrap(), "io_0");
    /// # }
    /// ```
    #[doc(alias = "thread_name")]
    pub fn thread_name_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The stack size of each worker, in bytes (`std::thread::Builder::stack_size`).
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::pool::Builder::new().workers(1).stack_size(8 << 20).build().unwrap();
    /// assert_eq!(pool.submit(|| [0u8; 1 << 20].len()).unwrap().result().unwrap(), 1 << 20);
    /// # }
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Runs `init` once on each worker when it starts, before it takes any task (Python's
    /// `initializer`). [`build`](Builder::build) waits for every worker's initializer; if one
    /// panics, `build` stops the pool and returns [`BuildError::Initializer`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static STARTED: AtomicUsize = AtomicUsize::new(0);
    /// let pool = weftsync::pool::Builder::new()
    ///     .workers(3)
    ///     .initializer(|| { STARTED.fetch_add(1, Ordering::Relaxed); })
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(STARTED.load(Ordering::Relaxed), 3, "build waits for every initializer");
    /// # drop(pool);
    /// # }
    /// ```
    pub fn initializer(mut self, init: impl Fn() + Send + Sync + 'static) -> Self {
        self.initializer = Some(std::sync::Arc::new(init));
        self
    }

    /// Starts the workers, runs each one's initializer, and returns the pool once every
    /// initializer has returned. On any failure every started worker is stopped and joined.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::pool::{BuildError, Builder};
    /// assert!(matches!(Builder::new().workers(0).build(), Err(BuildError::ZeroWorkers)));
    /// # }
    /// ```
    pub fn build(self) -> Result<ThreadPool, BuildError> {
        let workers = match self.workers {
            Some(0) => return Err(BuildError::ZeroWorkers),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let inner = Arc::new(PoolInner {
            jobs: Queue::new(JOB_QUEUE_CAPACITY),
            live: AtomicUsize::new(workers),
            exited: Event::new(),
        });
        // Each worker reports once: its thread id, or its initializer's panic.
        let reports: Arc<Queue<Result<u64, Box<dyn Any + Send>>>> = Arc::new(Queue::new(workers));
        let mut handles = Vec::with_capacity(workers);
        for index in 0..workers {
            let mut builder = shim::thread::Builder::new().name(format!("{}_{index}", self.prefix));
            if let Some(bytes) = self.stack_size {
                builder = builder.stack_size(bytes);
            }
            let (inner2, reports2, init) = (
                Arc::clone(&inner),
                Arc::clone(&reports),
                self.initializer.clone(),
            );
            match builder.spawn(move || worker(&inner2, &reports2, init)) {
                Ok(h) => handles.push(h),
                Err(e) => {
                    // The workers never started count as exited, so `exited` can still be set.
                    let never_started = workers - index;
                    let stop = PoolStopper::new(inner, handles);
                    stop.forget_workers(never_started);
                    drop(stop);
                    return Err(BuildError::Spawn(e));
                }
            }
        }
        let mut worker_ids = Vec::with_capacity(workers);
        let mut failed = None;
        for _ in 0..workers {
            match reports.get() {
                Ok(Ok(id)) => worker_ids.push(id),
                Ok(Err(payload)) => {
                    failed.get_or_insert(payload);
                }
                Err(_) => unreachable!("the report queue is never shut down"),
            }
        }
        if let Some(payload) = failed {
            drop(PoolStopper::new(inner, handles));
            return Err(BuildError::Initializer(payload));
        }
        Ok(ThreadPool {
            inner,
            handles: Lock::new(handles),
            worker_ids,
        })
    }
}

/// Shuts a half-built pool down and joins its started workers, when dropped.
struct PoolStopper {
    inner: Arc<PoolInner>,
    handles: Vec<shim::thread::JoinHandle<()>>,
}

impl PoolStopper {
    fn new(inner: Arc<PoolInner>, handles: Vec<shim::thread::JoinHandle<()>>) -> Self {
        PoolStopper { inner, handles }
    }

    /// Counts `n` workers that were never started as exited.
    fn forget_workers(&self, n: usize) {
        for _ in 0..n {
            self.inner.worker_exited();
        }
    }
}

impl Drop for PoolStopper {
    fn drop(&mut self) {
        self.inner.jobs.shutdown(false);
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

impl PoolInner {
    fn worker_exited(&self) {
        // AcqRel: the last worker out acquires every other worker's release of its last task's
        // effects, and hands them to the waiting `shutdown` through `exited.set()` (Release).
        if self.live.fetch_sub(1, AcqRel) == 1 {
            self.exited.set();
        }
    }
}

/// A worker: initializer, report, then jobs until the queue is shut down and empty.
fn worker(
    inner: &PoolInner,
    reports: &Queue<Result<u64, Box<dyn Any + Send>>>,
    init: Option<std::sync::Arc<dyn Fn() + Send + Sync + 'static>>,
) {
    let started = match init {
        Some(init) => catch_unwind(AssertUnwindSafe(|| init())),
        None => Ok(()),
    };
    let report = started.map(|()| shim::current_thread_id());
    let put = reports.put(report);
    debug_assert!(put.is_ok(), "the report queue has room for every worker");
    // `get` blocks until a job comes or the queue is shut down and drained.
    while let Ok(job) = inner.jobs.get() {
        // The task's own panic is caught inside `run`; this catches the rest (a closure's or a
        // result's `Drop` that panics), so the worker survives anything a job does.
        let _ = catch_unwind(AssertUnwindSafe(move || job.run()));
    }
    inner.worker_exited();
}

impl ThreadPool {
    /// A pool of `workers` threads, named `pool_0`, `pool_1`, …
    ///
    /// # Panics
    /// If `workers` is 0 or the operating system refuses to start a thread;
    /// [`Builder::build`] returns those as errors instead.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(2);
    /// assert_eq!(pool.workers(), 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn new(workers: usize) -> Self {
        match Builder::new().workers(workers).build() {
            Ok(pool) => pool,
            Err(e) => panic!("weftsync::ThreadPool::new({workers}): {e}"),
        }
    }

    /// A [`Builder`], for thread names, stack size or an initializer.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::builder().workers(1).build().unwrap();
    /// assert_eq!(pool.workers(), 1);
    /// # }
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// How many worker threads the pool was built with.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::ThreadPool::new(3).workers(), 3);
    /// # }
    /// ```
    pub fn workers(&self) -> usize {
        self.worker_ids.len()
    }

    fn spawner(&self) -> Spawner<'_> {
        Spawner {
            inner: &self.inner,
            scope: None,
        }
    }

    /// Queues `f` to run on a worker and returns its [`Future`]. Never blocks. After
    /// [`shutdown`](ThreadPool::shutdown), hands `f` back unrun in [`SubmitError`].
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(2);
    /// let f = pool.submit(|| "hello".len()).unwrap();
    /// assert_eq!(f.result().unwrap(), 5);
    /// # }
    /// ```
    #[doc(alias = "apply_async")]
    #[doc(alias = "spawn")]
    pub fn submit<F, T>(&self, f: F) -> Result<Future<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: `F` and `T` are `'static`.
        unsafe { self.spawner().spawn(f) }.map_err(SubmitError)
    }

    /// Runs `f` on every item of `items` on the pool and yields the results in input order,
    /// each `Ok(value)` or the [`ResultError`] its task's future would report (Python's
    /// `Executor.map`, `Pool.imap`; `.collect()` for `Pool.map`).
    ///
    /// Lazy: nothing is submitted before the first `next()`, and then at most
    /// [`buffersize`](Map::buffersize) tasks (default: twice the workers) run ahead of the
    /// consumer. [`chunksize`](Map::chunksize) sends several items per task. Dropping the
    /// iterator cancels the tasks not yet started.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(4);
    /// let doubled: Vec<i32> = pool
    ///     .map(|x: i32| x * 2, 0..1000)
    ///     .chunksize(50)
    ///     .map(Result::unwrap)
    ///     .collect();
    /// assert_eq!(doubled, (0..1000).map(|x| x * 2).collect::<Vec<_>>());
    /// # }
    /// ```
    #[doc(alias = "imap")]
    pub fn map<F, I, T>(&self, f: F, items: I) -> Map<'_, I::IntoIter, F, T>
    where
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: `F`, the items and `T` are `'static`.
        unsafe { Map::new(self.spawner(), f, items.into_iter(), 2 * self.workers()) }
    }

    /// Runs `f` with a [`Scope`] whose tasks may borrow from the caller's stack (as
    /// `std::thread::scope`), on this pool's workers. Returns once every task submitted in the
    /// scope is over (run, or cancelled and dropped), even if `f` panics; then re-raises `f`'s
    /// panic, if any. A task's own panic is reported by its future only.
    ///
    /// Calling `scope` from one of this pool's own tasks can deadlock when every worker does
    /// so: the scope's tasks need a free worker.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(2);
    /// let words = vec![String::from("borrowed"), String::from("words")];
    /// let total: usize = pool.scope(|s| {
    ///     let lengths: Vec<_> = words.iter().map(|w| s.submit(|| w.len()).unwrap()).collect();
    ///     lengths.into_iter().map(|f| f.result().unwrap()).sum()
    /// });
    /// assert_eq!(total, 13);
    /// # }
    /// ```
    pub fn scope<'env, F, R>(&self, f: F) -> R
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> R,
    {
        let scope = Scope {
            inner: &self.inner,
            data: Arc::new(ScopeData {
                pending: AtomicUsize::new(1),
                all_done: Event::new(),
            }),
            _scope: PhantomData,
            _env: PhantomData,
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| f(&scope)));
        scope.data.task_over();
        // Only the last task's end (or the closure's, above) sets it.
        scope.data.all_done.wait();
        match outcome {
            Ok(r) => r,
            Err(panic) => resume_unwind(panic),
        }
    }

    /// Shuts the pool down, as Python's `Executor.shutdown(wait, cancel_futures)`:
    /// - from now on [`submit`](ThreadPool::submit) fails, handing the closure back;
    /// - with `cancel_futures`, every task still queued is cancelled (its future reports
    ///   [`ResultError::Cancelled`], its callbacks run on this thread); otherwise the queued
    ///   tasks still run;
    /// - with `wait`, returns only after every worker has exited, so every task that started
    ///   has finished (and its callbacks have run).
    ///
    /// Calling it again is harmless. Dropping the pool is `shutdown(true, false)`.
    ///
    /// # Panics
    /// With `wait`, when called from one of this pool's own workers (it would wait for itself;
    /// Python raises `RuntimeError`): the shutdown has begun, only the wait is refused. If a
    /// closure's `Drop` panics while `cancel_futures` drops it, every other queued task is still
    /// cancelled, the wait still happens, and then the first such panic is re-raised here.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// let f = pool.submit(|| 3).unwrap();
    /// pool.shutdown(true, false);
    /// assert_eq!(f.result().unwrap(), 3, "queued tasks still run without cancel_futures");
    /// assert!(pool.submit(|| 4).is_err());
    /// # }
    /// ```
    #[track_caller]
    #[doc(alias = "close")]
    #[doc(alias = "terminate")]
    pub fn shutdown(&self, wait: bool, cancel_futures: bool) {
        self.inner.jobs.shutdown(false);
        let mut first_panic = None;
        if cancel_futures {
            // Workers may take some of these first: each job is run or cancelled, never both.
            while let Ok(job) = self.inner.jobs.try_get() {
                if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(job))) {
                    first_panic.get_or_insert(p);
                }
            }
        }
        if wait {
            assert!(
                !self.on_own_worker(),
                "weftsync::ThreadPool::shutdown(wait = true) called from one of the pool's own \
                 workers would wait for itself"
            );
            self.join_workers();
        }
        if let Some(p) = first_panic {
            resume_unwind(p);
        }
    }

    /// Whether [`shutdown`](ThreadPool::shutdown) has been called: `submit` now fails.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// assert!(!pool.is_shutdown());
    /// pool.shutdown(false, false);
    /// assert!(pool.is_shutdown());
    /// # }
    /// ```
    pub fn is_shutdown(&self) -> bool {
        self.inner.jobs.is_shutdown()
    }

    /// How many tasks are queued and not yet picked up by a worker. A snapshot.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::ThreadPool::new(1).queued(), 0);
    /// # }
    /// ```
    pub fn queued(&self) -> usize {
        self.inner.jobs.len()
    }

    fn on_own_worker(&self) -> bool {
        self.worker_ids.contains(&shim::current_thread_id())
    }

    /// Waits for every worker to exit, then joins the threads (if no other caller has).
    fn join_workers(&self) {
        self.inner.exited.wait();
        let handles = mem::take(&mut *self.handles.lock());
        for h in handles {
            // A worker catches every panic of its jobs; an `Err` here would be a weftsync bug.
            let joined = h.join();
            debug_assert!(joined.is_ok(), "a pool worker never panics");
        }
    }
}

/// `shutdown(true, false)`: queued tasks run, then the workers are joined. When the last handle
/// to the pool is dropped by one of its own tasks (an `Arc<ThreadPool>` captured by a task), it
/// shuts down without waiting, and the workers exit on their own once the queue is empty.
impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.inner.jobs.shutdown(false);
        if !self.on_own_worker() {
            self.join_workers();
        }
    }
}

/// Never blocks: prints the worker count, the queued task count and whether it is shut down.
impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("workers", &self.workers())
            .field("queued", &self.queued())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("thread_name_prefix", &self.prefix)
            .field("stack_size", &self.stack_size)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

/// A scope of [`ThreadPool::scope`]: tasks submitted here may borrow anything that outlives
/// `'env`, because the scope waits for them all before it returns.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// let pool = weftsync::ThreadPool::new(2);
/// let mut counts = [0u32; 4];
/// pool.scope(|s| {
///     for c in counts.iter_mut() {
///         s.submit(move || *c += 1).unwrap();
///     }
/// });
/// assert_eq!(counts, [1; 4], "every task ran before scope returned");
/// # }
/// ```
pub struct Scope<'scope, 'env: 'scope> {
    inner: &'scope PoolInner,
    data: Arc<ScopeData>,
    /// Invariant in both lifetimes, as `std::thread::Scope`.
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

impl<'scope> Scope<'scope, '_> {
    fn spawner(&'scope self) -> Spawner<'scope> {
        Spawner {
            inner: self.inner,
            scope: Some(&self.data),
        }
    }

    /// Queues `f`, which may borrow from outside the scope, and returns its [`Future`]. Hands
    /// `f` back if the pool is shut down.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(1);
    /// let text = String::from("scoped");
    /// let n = pool.scope(|s| s.submit(|| text.len()).unwrap().result().unwrap());
    /// assert_eq!(n, 6);
    /// # }
    /// ```
    pub fn submit<F, T>(&'scope self, f: F) -> Result<Future<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        // SAFETY: the spawner carries this scope, which waits for the job to be over.
        unsafe { self.spawner().spawn(f) }.map_err(SubmitError)
    }

    /// [`ThreadPool::map`] with a function and items that may borrow from outside the scope.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let pool = weftsync::ThreadPool::new(2);
    /// let offset = 100;
    /// let data = vec![1, 2, 3];
    /// let out: Vec<i32> = pool.scope(|s| {
    ///     s.map(|x: &i32| x + offset, &data).map(Result::unwrap).collect()
    /// });
    /// assert_eq!(out, [101, 102, 103]);
    /// # }
    /// ```
    pub fn map<F, I, T>(&'scope self, f: F, items: I) -> Map<'scope, I::IntoIter, F, T>
    where
        F: Fn(I::Item) -> T + Send + Sync + 'scope,
        I: IntoIterator,
        I::Item: Send + 'scope,
        T: Send + 'scope,
    {
        let ahead = 2 * self.inner.live_hint();
        // SAFETY: the spawner carries this scope, which waits for every job to be over.
        unsafe { Map::new(self.spawner(), f, items.into_iter(), ahead) }
    }
}

impl PoolInner {
    /// The number of workers still serving (for a scope's default buffer size; at least 1).
    fn live_hint(&self) -> usize {
        self.live.load(Relaxed).max(1)
    }
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("pending", &self.data.pending.load(Relaxed))
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a ThreadPool call happened does not compile under `#![deny(unused_must_use)]`:
/// each `compile_fail` block below is paired with a `no_run` block that differs only in using the
/// result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(pool: &weftsync::ThreadPool) {
/// pool.submit(|| 1); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(pool: &weftsync::ThreadPool) {
/// let _ = pool.submit(|| 1); }
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
