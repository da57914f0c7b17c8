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
//! | `not_empty` | getters, pollers          | put (one getter unless all are owed; all if a poller waits), shutdown |
//! | `not_full`  | putters                   | get (one putter unless all are owed), shutdown       |
//! | `all_done`  | joiners                   | task_done / immediate shutdown reaching zero; shutdown |
//!
//! A woken getter or putter always re-checks under the lock and acts if it can, even when its
//! deadline has passed, so a wake-up handed to one waiter is either used or was not needed.
//! Pollers do not consume, so a put wakes every sleeper while a poller waits: otherwise the one
//! wake could land on the poller and leave a getter asleep beside an item.
//!
//! Owed wakes: a woken getter or putter stays in its waiter count until it has relocked, so
//! without more care every put (get) in that window would bump and wake again, one needless
//! system call each. `getter_wakes` / `putter_wakes` count the single wakes sent whose sleeper
//! has not yet relocked, and a put (get) wakes only while more are registered than are owed
//! (`getters > getter_wakes`). Every sleeper that relocks settles one owed wake, whether or not
//! it was the one woken (timeouts, spurious returns). The count never exceeds the sleepers that
//! will still relock: a wake is sent only when some registered sleeper is not yet owed one, and
//! it either wakes a sleeper or, with none asleep, every registered one returns on the bumped
//! epoch. So a skipped wake always has a woken sleeper on its way to the lock, which re-checks
//! and takes the item (slot); settling too much only costs a needless wake later.
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
use crate::shim::{self, AtomicU32, AtomicUsize, Instant, Ordering::Relaxed};

/// How many rounds a put or get that must wait spends unlocked, watching the length hint, before
/// it sleeps: a short pause is cheaper than a sleep and a wake when the other side is running.
/// Tuned on a loaded 2-core machine, where 3 short spins and then yields beat 6 spins (2x at
/// capacity 1 and for the pipe round trip).
/// Capped by `shim::SPIN_LIMIT`: none under loom (the spin adds no behaviour, only
/// interleavings), one under shuttle.
const SPIN_ROUNDS: u32 = 20;

/// Rounds before this one spin (`2^(round + 1)` hints); the later ones yield the processor,
/// which lets the other side run when threads outnumber cores.
const BUSY_ROUNDS: u32 = 3;

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
    /// Single wakes sent on `not_empty` / `not_full` whose sleeper has not yet relocked; see
    /// "Owed wakes" at the top of the file.
    getter_wakes: u32,
    putter_wakes: u32,
}

pub(crate) struct Ring<T> {
    inner: Lock<Inner<T>>,
    capacity: usize,
    /// Whether gets count tasks for `task_done` / `join` (Queue does, Pipe does not).
    tasks: bool,
    not_empty: AtomicU32,
    not_full: AtomicU32,
    all_done: AtomicU32,
    /// `items.len()`, stored under the lock after every change: a hint a spinning put or get
    /// reads without the lock to see when relocking could help. It decides nothing.
    len_hint: AtomicUsize,
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

    /// The owed-wake count of the sleepers woken one at a time.
    fn owed(&mut self, who: Sleeper) -> Option<&mut u32> {
        match who {
            Sleeper::Getter => Some(&mut self.getter_wakes),
            Sleeper::Putter => Some(&mut self.putter_wakes),
            Sleeper::Joiner | Sleeper::Poller => None,
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
            len_hint: AtomicUsize::new(0),
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
            len_hint: AtomicUsize::new(0),
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
        // Settles one owed wake, which this return may or may not have been: an owed count
        // that runs low only costs a needless wake later, never a lost one.
        if let Some(owed) = g.owed(who) {
            *owed = owed.saturating_sub(1);
        }
        (g, woken)
    }

    /// Stores the item count in the hint; called under the lock after every change.
    #[inline]
    fn publish_len(&self, g: &Inner<T>) {
        // Relaxed: a hint for spinners, who re-check under the lock before acting on it.
        self.len_hint.store(g.items.len(), Relaxed);
    }

    /// Waits without sleeping: unlocks, then spends the rounds left in `spin` (round `r` spins
    /// `2^(r + 1)` hints, or yields from round `BUSY_ROUNDS`) until the length hint says `ready`,
    /// and relocks. Reading the hint instead of relocking each round keeps the lock free for the
    /// other side. `Err` with the guard still held when the budget was already spent.
    fn pause<'a>(
        &'a self,
        g: LockGuard<'a, Inner<T>>,
        spin: &mut shim::Spin,
        ready: impl Fn(usize) -> bool,
    ) -> Result<LockGuard<'a, Inner<T>>, LockGuard<'a, Inner<T>>> {
        let Some(mut round) = spin.next_round() else {
            return Err(g);
        };
        drop(g);
        loop {
            if round < BUSY_ROUNDS {
                for _ in 0..2u32 << round {
                    shim::spin_loop();
                }
            } else {
                shim::thread::yield_now();
            }
            // Relaxed: only a hint; the caller re-checks under the lock.
            if ready(self.len_hint.load(Relaxed)) {
                break;
            }
            match spin.next_round() {
                Some(next) => round = next,
                None => break,
            }
        }
        Ok(self.inner.lock())
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
            g = match self.pause(g, &mut spin, |len| len < self.capacity) {
                Ok(relocked) => relocked,
                Err(still) => {
                    let (relocked, woken) = self.sleep(still, Sleeper::Putter, deadline);
                    timed_out = !woken;
                    relocked
                }
            };
        }
    }

    /// Publishes the length, wakes a getter (all of them if a poller waits) after an item went
    /// in; unlocks.
    #[inline]
    fn after_put(&self, mut g: LockGuard<'_, Inner<T>>) {
        self.publish_len(&g);
        let all = g.pollers > 0;
        if !all && g.getters <= g.getter_wakes {
            // Every registered getter is already owed a wake (or none waits).
            return;
        }
        if !all {
            g.getter_wakes += 1;
        }
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
            g = match self.pause(g, &mut spin, |len| len > 0) {
                Ok(relocked) => relocked,
                Err(still) => {
                    let (relocked, woken) = self.sleep(still, Sleeper::Getter, deadline);
                    timed_out = !woken;
                    relocked
                }
            };
        }
    }

    /// Publishes the length, counts the task, wakes one putter after a slot freed up; unlocks.
    #[inline]
    fn after_get(&self, mut g: LockGuard<'_, Inner<T>>) {
        self.publish_len(&g);
        if self.tasks {
            g.unfinished += 1;
        }
        if g.putters <= g.putter_wakes {
            // Every registered putter is already owed a wake (or none waits).
            return;
        }
        g.putter_wakes += 1;
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
                    let items = core::mem::take(&mut g.items);
                    self.publish_len(&g);
                    items
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
            getter_wakes: 0,
            putter_wakes: 0,
        }
    }
}
