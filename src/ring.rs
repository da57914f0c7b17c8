//! The bounded FIFO core shared by [`Queue`](crate::Queue) and the [`pipe`](crate::pipe) ends:
//! a ring of items under a [`Lock`], plus three futex words that blocked callers sleep on.
//!
//! Everything that decides anything (the items, the shutdown state, the task count, the
//! waiter counts) lives under the lock. The futex words are *epochs*: a caller that must wait
//! registers itself in a waiter count and reads the epoch, both under the lock; a caller that
//! changes the state bumps the epoch under the lock when the count says someone waits, and
//! wakes after unlocking. A bump that lands between the waiter's read and its sleep makes the
//! sleep return at once, so no wake-up can be lost; and with no registered waiter nobody bumps
//! or wakes, so an uncontended put or get never enters the kernel.
//!
//! Shutdown state (`Inner::state`):
//!
//! | value       | puts         | gets                              |
//! |-------------|--------------|-----------------------------------|
//! | `Open`      | accepted     | take an item, or wait for one     |
//! | `Draining`  | `ShutDown(T)`| take what is left, then `ShutDown`|
//! | `Dropped`   | `ShutDown(T)`| `ShutDown` (the ring was emptied) |
//!
//! Transitions: `Open → Draining`, `Open → Dropped`, `Draining → Dropped` (an upgrade to an
//! immediate shutdown). Never backwards; shutting down again in the same or a weaker mode changes
//! nothing.
//!
//! Which word each waiter sleeps on, and who bumps it:
//!
//! | word        | sleepers                  | bumped by                                           |
//! |-------------|---------------------------|-----------------------------------------------------|
//! | `not_empty` | getters, pollers          | put (one getter, or all if a poller waits), shutdown |
//! | `not_full`  | putters                   | get (one putter), shutdown                           |
//! | `all_done`  | joiners                   | task_done / immediate shutdown reaching zero; shutdown |
//!
//! A woken getter or putter always re-checks under the lock and acts if it can, even when its
//! deadline has passed, so a wake-up handed to one waiter is either used or was not needed.
//! Pollers do not consume, so a put wakes every sleeper while a poller waits: otherwise the one
//! wake could land on the poller and leave a getter asleep beside an item.
//!
//! Memory ordering: the items and counts are published by the lock (Acquire lock, Release
//! unlock). The epochs are read and bumped only under the lock, so Relaxed is enough for them;
//! the futex compares the word atomically with the sleep, and the wait layer orders nothing.
//!
//! Items are dropped outside the lock: a got item is returned, a refused one is handed back in
//! the error, the items an immediate shutdown removes are moved out first and dropped after the
//! unlock. A `T::drop` that panics or re-enters the queue can therefore never run while the lock
//! is held.

use std::collections::VecDeque;

use crate::lock::{Lock, LockGuard};
use crate::queue::{GetError, PutError};
use crate::shim::{self, AtomicU32, Instant, Ordering::Relaxed};

/// How many times a put or get that must wait first unlocks, spins briefly and re-checks before
/// it sleeps: a short pause is cheaper than a sleep and a wake when the other side is running.
/// Capped by `shim::SPIN_LIMIT`: none under loom (the spin adds no behaviour, only
/// interleavings), one under shuttle.
const SPIN_ROUNDS: u32 = 6;

/// How long a put or get may wait.
#[derive(Clone, Copy)]
pub(crate) enum Block {
    /// One try: `Full` / `Empty` instead of waiting.
    No,
    /// Wait until the deadline (`None` = forever); `Timeout` when it passes.
    Until(Option<Instant>),
}

/// The shutdown state; see the table at the top of the file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    Open,
    Draining,
    Dropped,
}

struct Inner<T> {
    items: VecDeque<T>,
    state: State,
    /// Items got and not yet marked done (Queue only; see `Ring::tasks`).
    unfinished: usize,
    getters: u32,
    putters: u32,
    joiners: u32,
    pollers: u32,
}

pub(crate) struct Ring<T> {
    inner: Lock<Inner<T>>,
    capacity: usize,
    /// Whether gets count tasks for `task_done` / `join` (Queue does, Pipe does not).
    tasks: bool,
    not_empty: AtomicU32,
    not_full: AtomicU32,
    all_done: AtomicU32,
}

/// Who is about to sleep, and so which waiter count and futex word it uses.
#[derive(Clone, Copy)]
enum Sleeper {
    Getter,
    Putter,
    Joiner,
    Poller,
}

impl<T> Inner<T> {
    fn count(&mut self, who: Sleeper) -> &mut u32 {
        match who {
            Sleeper::Getter => &mut self.getters,
            Sleeper::Putter => &mut self.putters,
            Sleeper::Joiner => &mut self.joiners,
            Sleeper::Poller => &mut self.pollers,
        }
    }
}

impl<T> Ring<T> {
    #[cfg(not(weft_checker))]
    pub(crate) const fn new(capacity: usize, tasks: bool) -> Self {
        Ring {
            inner: Lock::new(Inner::new()),
            capacity,
            tasks,
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new(capacity: usize, tasks: bool) -> Self {
        Ring {
            inner: Lock::new(Inner::new()),
            capacity,
            tasks,
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
        }
    }

    fn word(&self, who: Sleeper) -> &AtomicU32 {
        match who {
            Sleeper::Getter | Sleeper::Poller => &self.not_empty,
            Sleeper::Putter => &self.not_full,
            Sleeper::Joiner => &self.all_done,
        }
    }

    /// Registers in `who`'s waiter count, reads the epoch, unlocks, sleeps, relocks and
    /// unregisters. Returns the guard, and `false` if the wait timed out without a wake.
    fn sleep<'a>(
        &'a self,
        mut g: LockGuard<'a, Inner<T>>,
        who: Sleeper,
        deadline: Option<Instant>,
    ) -> (LockGuard<'a, Inner<T>>, bool) {
        *g.count(who) += 1;
        let word = self.word(who);
        // Relaxed: read under the lock, and every bump happens under the lock too, so a bump
        // after this read is ordered after it by the lock and makes `wait` return at once.
        let epoch = word.load(Relaxed);
        drop(g);
        let woken = shim::wait(word, epoch, deadline);
        let mut g = self.inner.lock();
        *g.count(who) -= 1;
        (g, woken)
    }

    /// Unlocks, spins `2^(round + 1)` times, relocks: one round of waiting without sleeping.
    fn pause<'a>(&'a self, g: LockGuard<'a, Inner<T>>, round: u32) -> LockGuard<'a, Inner<T>> {
        drop(g);
        for _ in 0..2u32 << round {
            shim::spin_loop();
        }
        self.inner.lock()
    }

    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().items.len()
    }

    /// `(len, state)` if the lock is free right now; for `Debug`, which must never block.
    pub(crate) fn snapshot(&self) -> Option<(usize, State)> {
        self.inner.try_lock().map(|g| (g.items.len(), g.state))
    }

    #[inline]
    pub(crate) fn state(&self) -> State {
        self.inner.lock().state
    }

    /// Appends `item`, waiting for room as `block` allows.
    #[inline]
    pub(crate) fn put(&self, item: T, block: Block) -> Result<(), PutError<T>> {
        let mut g = self.inner.lock();
        if g.state == State::Open && g.items.len() < self.capacity {
            g.items.push_back(item);
            self.after_put(g);
            return Ok(());
        }
        self.put_slow(g, item, block)
    }

    #[cold]
    fn put_slow<'a>(
        &'a self,
        mut g: LockGuard<'a, Inner<T>>,
        item: T,
        block: Block,
    ) -> Result<(), PutError<T>> {
        let (mut timed_out, mut spin) = (false, shim::Spin::at_most(SPIN_ROUNDS));
        loop {
            if g.state != State::Open {
                return Err(PutError::ShutDown(item));
            }
            if g.items.len() < self.capacity {
                g.items.push_back(item);
                self.after_put(g);
                return Ok(());
            }
            let deadline = match block {
                Block::No => return Err(PutError::Full(item)),
                Block::Until(d) => d,
            };
            // Checked after the condition: a put that was woken (or raced a get) just as its
            // time ran out still takes the free slot.
            if timed_out || shim::expired(deadline) {
                return Err(PutError::Timeout(item));
            }
            if let Some(round) = spin.next_round() {
                g = self.pause(g, round);
                continue;
            }
            let (relocked, woken) = self.sleep(g, Sleeper::Putter, deadline);
            g = relocked;
            timed_out = !woken;
        }
    }

    /// Wakes a getter (all of them if a poller waits) after an item went in; unlocks.
    #[inline]
    fn after_put(&self, g: LockGuard<'_, Inner<T>>) {
        if g.getters == 0 && g.pollers == 0 {
            return;
        }
        let all = g.pollers > 0;
        // Relaxed: bumped under the lock; the waiter read its epoch under the lock.
        self.not_empty.fetch_add(1, Relaxed);
        drop(g);
        if all {
            shim::wake_all(&self.not_empty);
        } else {
            shim::wake_one(&self.not_empty);
        }
    }

    /// Takes the oldest item, waiting for one as `block` allows.
    #[inline]
    pub(crate) fn get(&self, block: Block) -> Result<T, GetError> {
        let mut g = self.inner.lock();
        if let Some(item) = g.items.pop_front() {
            self.after_get(g);
            return Ok(item);
        }
        self.get_slow(g, block)
    }

    #[cold]
    fn get_slow<'a>(&'a self, mut g: LockGuard<'a, Inner<T>>, block: Block) -> Result<T, GetError> {
        let (mut timed_out, mut spin) = (false, shim::Spin::at_most(SPIN_ROUNDS));
        loop {
            if let Some(item) = g.items.pop_front() {
                self.after_get(g);
                return Ok(item);
            }
            if g.state != State::Open {
                return Err(GetError::ShutDown);
            }
            let deadline = match block {
                Block::No => return Err(GetError::Empty),
                Block::Until(d) => d,
            };
            if timed_out || shim::expired(deadline) {
                return Err(GetError::Timeout);
            }
            if let Some(round) = spin.next_round() {
                g = self.pause(g, round);
                continue;
            }
            let (relocked, woken) = self.sleep(g, Sleeper::Getter, deadline);
            g = relocked;
            timed_out = !woken;
        }
    }

    /// Counts the task, wakes one putter after a slot freed up; unlocks.
    #[inline]
    fn after_get(&self, mut g: LockGuard<'_, Inner<T>>) {
        if self.tasks {
            g.unfinished += 1;
        }
        if g.putters == 0 {
            return;
        }
        // Relaxed: bumped under the lock.
        self.not_full.fetch_add(1, Relaxed);
        drop(g);
        shim::wake_one(&self.not_full);
    }

    /// Waits until an item is ready or the ring is shut down (a get would not block), without
    /// taking anything. `false` if the deadline passed first.
    pub(crate) fn poll(&self, deadline: Option<Instant>) -> bool {
        let mut g = self.inner.lock();
        let mut timed_out = false;
        loop {
            if !g.items.is_empty() || g.state != State::Open {
                return true;
            }
            if timed_out || shim::expired(deadline) {
                return false;
            }
            let (relocked, woken) = self.sleep(g, Sleeper::Poller, deadline);
            g = relocked;
            timed_out = !woken;
        }
    }

    /// Marks one got item done. `false` if no got item is waiting to be marked.
    pub(crate) fn task_done(&self) -> bool {
        let mut g = self.inner.lock();
        if g.unfinished == 0 {
            return false;
        }
        g.unfinished -= 1;
        if g.unfinished == 0 && g.items.is_empty() && g.joiners > 0 {
            // Relaxed: bumped under the lock.
            self.all_done.fetch_add(1, Relaxed);
            drop(g);
            shim::wake_all(&self.all_done);
        }
        true
    }

    /// Number of items got and not yet marked done, plus the items still inside.
    pub(crate) fn unfinished(&self) -> usize {
        let g = self.inner.lock();
        g.unfinished + g.items.len()
    }

    /// Waits until every item put has been got and marked done (or dropped by an immediate
    /// shutdown). `false` if the deadline passed first.
    pub(crate) fn join(&self, deadline: Option<Instant>) -> bool {
        let mut g = self.inner.lock();
        let mut timed_out = false;
        loop {
            if g.unfinished == 0 && g.items.is_empty() {
                return true;
            }
            if timed_out || shim::expired(deadline) {
                return false;
            }
            let (relocked, woken) = self.sleep(g, Sleeper::Joiner, deadline);
            g = relocked;
            timed_out = !woken;
        }
    }

    /// Shuts the ring down (see the state table); with `immediate`, drops what is left, after
    /// the unlock. Wakes every blocked caller.
    pub(crate) fn shutdown(&self, immediate: bool) {
        let mut g = self.inner.lock();
        let target = if immediate {
            State::Dropped
        } else {
            State::Draining
        };
        let dropped = match (g.state, target) {
            (State::Open, _) | (State::Draining, State::Dropped) => {
                g.state = target;
                if immediate {
                    core::mem::take(&mut g.items)
                } else {
                    VecDeque::new()
                }
            }
            // Already as far down as asked: nothing changes, nobody needs waking.
            _ => return,
        };
        // Relaxed: bumped under the lock. Bumped even with no waiter registered: cheap, and it
        // keeps this rare path free of cases.
        self.not_empty.fetch_add(1, Relaxed);
        self.not_full.fetch_add(1, Relaxed);
        self.all_done.fetch_add(1, Relaxed);
        drop(g);
        shim::wake_all(&self.not_empty);
        shim::wake_all(&self.not_full);
        shim::wake_all(&self.all_done);
        // The items an immediate shutdown removed are dropped here, outside the lock.
        drop(dropped);
    }
}

impl<T> Inner<T> {
    const fn new() -> Self {
        Inner {
            items: VecDeque::new(),
            state: State::Open,
            unfinished: 0,
            getters: 0,
            putters: 0,
            joiners: 0,
            pollers: 0,
        }
    }
}
