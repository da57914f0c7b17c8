//! The locked core of the queues ([`LifoQueue`](crate::LifoQueue),
//! [`PriorityQueue`](crate::PriorityQueue), unbounded queues, and a FIFO [`Queue`](crate::Queue)
//! or [`pipe`](crate::pipe) direction above `slots::MAX_SLOTS`; a smaller bounded FIFO runs on the
//! lock-free slots of `src/slots.rs`): a store of items
//! under a [`Lock`], plus four futex words that blocked callers sleep on. The store decides only
//! which item a get takes (FIFO, LIFO or smallest first: `src/store.rs`); everything below is
//! the same for all of them, bounded or unbounded.
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
//! | value       | puts            | gets                                      |
//! |-------------|-----------------|-------------------------------------------|
//! | `Open`      | accepted        | take an item, or wait for one             |
//! | `Draining`  | `Disconnected`  | take what is left, then `Disconnected`    |
//! | `Dropped`   | `Disconnected`  | `Disconnected` (the ring was emptied)     |
//!
//! Transitions: `Open → Draining`, `Open → Dropped`, `Draining → Dropped` (an upgrade to an
//! immediate shutdown). Never backwards; shutting down again in the same or a weaker mode changes
//! nothing.
//!
//! One word per kind of sleeper, so a wake can only ever reach the kind it is meant for:
//!
//! | word        | sleepers | bumped and woken by                                          |
//! |-------------|----------|--------------------------------------------------------------|
//! | `not_empty` | getters  | put (one, unless every registered getter is owed one), shutdown (all) |
//! | `not_full`  | putters  | get (one, unless every registered putter is owed one), shutdown (all) |
//! | `readable`  | pollers  | put (all, while any poller is registered), shutdown (all)    |
//! | `all_done`  | joiners  | `task_done` reaching zero (all), shutdown (all)              |
//!
//! The wait layer's contract is all this file relies on: a wake reaches *any* sleeper on its word
//! (no FIFO), a wait may return spuriously, and a timed wait may end at any moment. No argument
//! below depends on which sleeper a wake reaches, and every waiting loop re-checks its condition
//! under the lock after every return, whatever the return said.
//!
//! Owed wakes (getters; putters are the same with the roles swapped). A woken getter stays in
//! `getters` until it has relocked, so without more care every put in that window would bump and
//! wake again, one needless system call each. `getter_wakes` counts single wakes sent and not
//! yet settled; a put wakes only while `getters > getter_wakes`, and every getter that relocks
//! settles one (saturating), whatever made it return.
//!
//! Call a registered getter *released* once it will relock without any further wake: its `wait`
//! has returned, or a wake counted it, or it has not yet gone to sleep and its epoch is stale.
//! The invariant is **`getter_wakes` ≤ the number of released registered getters**:
//! - A getter registering adds an unreleased getter: the invariant holds.
//! - A getter relocking removes a released one and settles one owed wake (none if none is owed):
//!   it holds. This is so for a woken getter, one that returned spuriously and one that timed
//!   out alike; which of them the wake "was for" does not matter.
//! - A put that wakes (`getters > getter_wakes`) bumps `not_empty` and wakes one. If released
//!   getters already outnumbered the owed wakes, the invariant holds after the increment.
//!   Otherwise some registered getter is unreleased. Only getters sleep on `not_empty`, so a
//!   sleeper there is an unreleased getter: if one sleeps, the wake counts one of them (any one)
//!   and releases it; if none sleeps, the unreleased getter has not gone to sleep yet, and the
//!   bump has made its epoch stale, which releases it. Either way one more getter is released.
//! - A put that skips its wake has `getters ≤ getter_wakes ≤ released`, so *every* registered
//!   getter is released: each will relock and see the item before it can sleep or time out
//!   (a relocked getter checks the items first, even past its deadline).
//!
//! So no getter sleeps beside an item. A getter that arrives later sees the item at once. An
//! owed count that runs low (settled by a getter that was not woken) costs a needless wake later,
//! never a lost one. Pollers and joiners are woken all at once (nothing is owed), and each kind
//! having its own word is what keeps "a sleeper on `not_empty` is an unreleased getter" true: the
//! ring once let pollers share `not_empty`, and a getter's wake landing on a poller that did not
//! settle it left a getter asleep beside a message (issue 8, `loom-tests/pipe.rs::
//! wake_meant_for_receiver_landing_on_poller_is_not_lost`).
//!
//! Every loop here that waits ends in a sleep on the word its awaited party wakes: `put_slow` on
//! `not_full` (a get or shutdown), `get_slow` on `not_empty` (a put or shutdown), `poll` on
//! `readable` (a put or shutdown), `join` on `all_done` (`task_done` or shutdown). The only
//! other loop, `pause`, spins then yields for a bounded `shim::Spin` budget before its caller
//! sleeps.
//!
//! Storage: the store grows as items arrive (doubling, from 4 slots) but never past `capacity`
//! slots: `push` reserves exactly up to `capacity`, so a queue of 5 allocates 5 slots, not the 8
//! that `VecDeque`'s own doubling would give. A bounded ring keeps its slots until it drops (a
//! queue that fills and drains over and over does not reallocate). An unbounded ring
//! (`capacity == UNBOUNDED`) also shrinks: after a get that leaves the items at an eighth of the
//! slots or fewer, the slots are halved (never below 4). So an unbounded ring holds at most
//! `max(4, 8 × len)` slots after every call, and growing and shrinking each cost O(1) amortized:
//! after a halving the items fill a quarter of the slots, so the next resize needs them to grow
//! fourfold or shrink by half, and a queue whose length swings by less than that never
//! reallocates.
//!
//! Memory ordering: the items and counts are published by the lock (Acquire lock, Release
//! unlock). The epochs are read and bumped only under the lock, so Relaxed is enough for them;
//! the futex compares the word atomically with the sleep, and the wait layer orders nothing.
//!
//! Items are dropped outside the lock: a got item is returned, a refused one is handed back in
//! the error, the items an immediate shutdown removes are moved out first and dropped after the
//! unlock and after every wake. A `T::drop` that panics or re-enters the ring can therefore never
//! run while the lock is held; if one panics, the store's drop still drops the rest exactly once
//! and the panic reaches the caller of `shutdown` (or `close`, or the drop of the owner), with the
//! ring already consistent.
//!
//! The only user code that runs under the lock is the priority store's `T::cmp`. If it panics
//! in a put, the item is inside (perhaps out of order): the put finishes its bookkeeping (length,
//! wakes), unlocks, and then resumes the panic. If it panics in a get, nothing was taken: the get
//! passes on the wake it may have used (`pass_on_wake`), unlocks, and resumes the panic. Either
//! way the ring is consistent and no sleeper is left beside an item.
//!
//! Selectors (`src/select.rs`) arm a ring by registering as pollers (`select_arm`), so every put
//! then wakes `readable` through `shim::wake_ready`, which also reaches the selectors registered
//! on that word; `select_disarm` unregisters. Nothing else in the ring knows about them.

use std::panic::{RefUnwindSafe, UnwindSafe, resume_unwind};

use crate::channel_error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::lock::{Lock, LockGuard};
use crate::shim::{self, AtomicU32, AtomicUsize, Instant, Ordering::Relaxed};
use crate::store::{Panic, Store};

/// The first allocation holds this many slots (or `capacity`, if smaller), as `VecDeque`'s own.
/// An unbounded ring never shrinks below it.
const FIRST_SLOTS: usize = 4;

/// The capacity of an unbounded ring: no count of items can reach it.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// How long a put or get may wait.
#[derive(Clone, Copy)]
enum Block {
    /// One try: `NotNow` instead of waiting.
    No,
    /// Wait until the deadline (`None` = forever); `NotNow` when it passes.
    Until(Option<Instant>),
}

/// Why a put or get did not happen. Which public error that is depends on the form of the call:
/// `NotNow` is "full" / "empty" for a `try_` call, "timed out" for a timed one, and impossible
/// for a blocking one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fail {
    NotNow,
    Closed,
}

/// The shutdown state; see the table at the top of the file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Open,
    Draining,
    Dropped,
}

struct Inner<S> {
    items: S,
    state: State,
    /// Items got and not yet marked done (Queue only; see `Ring::tasks`).
    unfinished: usize,
    getters: u32,
    /// Registered putters. An unbounded ring counts one phantom putter for good: no put ever
    /// waits there (the ring is never full), and the phantom sends every get to the slow half of
    /// `after_get`, which shrinks the slots. So a bounded ring's get pays no instruction for the
    /// unbounded ring's shrinking.
    putters: u32,
    joiners: u32,
    pollers: u32,
    /// Single wakes sent on `not_empty` / `not_full` not yet settled by a relocking sleeper; see
    /// "Owed wakes" at the top of the file.
    getter_wakes: u32,
    putter_wakes: u32,
}

pub struct Ring<S> {
    inner: Lock<Inner<S>>,
    /// The most items inside; `UNBOUNDED` for none.
    capacity: usize,
    /// Whether gets count tasks for `task_done` / `join` (Queue does, Pipe does not).
    tasks: bool,
    not_empty: AtomicU32,
    not_full: AtomicU32,
    readable: AtomicU32,
    all_done: AtomicU32,
    /// `items.len()`, stored under the lock after every change: a hint a spinning put or get
    /// reads without the lock to see when relocking could help. It decides nothing.
    len_hint: AtomicUsize,
}

/// Prints the capacity only (no `T: Debug` needed); never blocks.
impl<S> core::fmt::Debug for Ring<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// A panic cannot leave a ring half-changed where a caller could see it: the lock is held only by
/// this file's code, which calls no user code under it (items are dropped after the unlock), so
/// every state a panicking thread leaves behind is one a finished call leaves. The items are only
/// ever moved in and out whole, never lent out. So the ring, and the `Queue` and pipe ends over
/// it, are unwind-safe whatever `T` is, as std's and crossbeam's channel ends are.
impl<S> UnwindSafe for Ring<S> {}
/// See the `UnwindSafe` impl.
impl<S> RefUnwindSafe for Ring<S> {}

/// Who is about to sleep, and so which waiter count and futex word it uses.
#[derive(Clone, Copy)]
enum Sleeper {
    Getter,
    Putter,
    Joiner,
    Poller,
}

impl<S> Inner<S> {
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

impl<S: Store> Ring<S> {
    #[cfg(not(weft_checker))]
    pub(crate) const fn new(capacity: usize, tasks: bool) -> Self {
        Ring {
            inner: Lock::new(Inner::new(capacity)),
            capacity,
            tasks,
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            readable: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
            len_hint: AtomicUsize::new(0),
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new(capacity: usize, tasks: bool) -> Self {
        Ring {
            inner: Lock::new(Inner::new(capacity)),
            capacity,
            tasks,
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            readable: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
            len_hint: AtomicUsize::new(0),
        }
    }

    fn word(&self, who: Sleeper) -> &AtomicU32 {
        match who {
            Sleeper::Getter => &self.not_empty,
            Sleeper::Putter => &self.not_full,
            Sleeper::Poller => &self.readable,
            Sleeper::Joiner => &self.all_done,
        }
    }

    /// Registers in `who`'s waiter count, reads the epoch, unlocks, sleeps, relocks and
    /// unregisters. Returns the guard, and `false` if the wait timed out without a wake.
    fn sleep<'a>(
        &'a self,
        mut g: LockGuard<'a, Inner<S>>,
        who: Sleeper,
        deadline: Option<Instant>,
    ) -> (LockGuard<'a, Inner<S>>, bool) {
        *g.count(who) += 1;
        let word = self.word(who);
        // Relaxed: read under the lock, and every bump happens under the lock too, so a bump
        // after this read is ordered after it by the lock and makes `wait` return at once.
        let epoch = word.load(Relaxed);
        drop(g);
        let woken = shim::wait(word, epoch, deadline);
        let mut g = self.inner.lock();
        *g.count(who) -= 1;
        // Settles one owed wake, whichever sleeper it reached: see "Owed wakes" at the top.
        if let Some(owed) = g.owed(who) {
            *owed = owed.saturating_sub(1);
        }
        (g, woken)
    }

    /// Stores the item count in the hint; called under the lock after every change.
    #[inline]
    fn publish_len(&self, g: &Inner<S>) {
        // Relaxed: a hint for spinners, who re-check under the lock before acting on it.
        self.len_hint.store(g.items.len(), Relaxed);
    }

    /// Waits without sleeping: unlocks, then spends the rounds left in `spin` (spins, then
    /// yields: `shim::Spin` sets how many) until the length hint says `ready`, and relocks.
    /// Reading the hint instead of relocking each round keeps the lock free for the other side.
    /// `Err` with the guard still held when the budget was already spent: the caller sleeps.
    fn pause<'a>(
        &'a self,
        g: LockGuard<'a, Inner<S>>,
        spin: &mut shim::Spin,
        ready: impl Fn(usize) -> bool,
    ) -> Result<LockGuard<'a, Inner<S>>, LockGuard<'a, Inner<S>>> {
        if spin.is_spent() {
            spin.stop();
            return Err(g);
        }
        drop(g);
        // Relaxed: only a hint; the caller re-checks under the lock.
        while spin.pause() && !ready(self.len_hint.load(Relaxed)) {}
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

    /// `put` / `send`: waits for room; fails only once the ring is shut down.
    #[inline]
    pub(crate) fn put_blocking(&self, item: S::Item) -> Result<(), SendError<S::Item>> {
        // With no deadline, `NotNow` cannot happen: only `Closed` ends the wait.
        self.put(item, Block::Until(None))
            .map_err(|(item, _closed)| SendError(item))
    }

    /// `try_put` / `try_send`: one try.
    #[inline]
    pub(crate) fn try_put(&self, item: S::Item) -> Result<(), TrySendError<S::Item>> {
        self.put(item, Block::No).map_err(|(item, why)| match why {
            Fail::NotNow => TrySendError::Full(item),
            Fail::Closed => TrySendError::Disconnected(item),
        })
    }

    /// `put_for` / `put_until` / `send_for` / `send_until`: waits until `deadline`.
    #[inline]
    pub(crate) fn put_until(
        &self,
        item: S::Item,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<S::Item>> {
        self.put(item, Block::Until(deadline))
            .map_err(|(item, why)| match why {
                Fail::NotNow => SendTimeoutError::Timeout(item),
                Fail::Closed => SendTimeoutError::Disconnected(item),
            })
    }

    /// `get` / `recv`: waits for an item; fails only once the ring is shut down and drained.
    #[inline]
    pub(crate) fn get_blocking(&self) -> Result<S::Item, RecvError> {
        // With no deadline, `NotNow` cannot happen: only `Closed` ends the wait.
        self.get(Block::Until(None)).map_err(|_closed| RecvError)
    }

    /// `try_get` / `try_recv`: one try.
    #[inline]
    pub(crate) fn try_get(&self) -> Result<S::Item, TryRecvError> {
        self.get(Block::No).map_err(|why| match why {
            Fail::NotNow => TryRecvError::Empty,
            Fail::Closed => TryRecvError::Disconnected,
        })
    }

    /// `get_for` / `get_until` / `recv_for` / `recv_until`: waits until `deadline`.
    #[inline]
    pub(crate) fn get_until(&self, deadline: Option<Instant>) -> Result<S::Item, RecvTimeoutError> {
        self.get(Block::Until(deadline)).map_err(|why| match why {
            Fail::NotNow => RecvTimeoutError::Timeout,
            Fail::Closed => RecvTimeoutError::Disconnected,
        })
    }

    /// Appends `item`, waiting for room as `block` allows; hands it back on failure.
    #[inline]
    fn put(&self, item: S::Item, block: Block) -> Result<(), (S::Item, Fail)> {
        let mut g = self.inner.lock();
        if g.state == State::Open && g.items.len() < self.capacity {
            let pushed = self.push(&mut g.items, item);
            self.after_put(g);
            resume(pushed);
            return Ok(());
        }
        self.put_slow(g, item, block)
    }

    #[cold]
    fn put_slow<'a>(
        &'a self,
        mut g: LockGuard<'a, Inner<S>>,
        item: S::Item,
        block: Block,
    ) -> Result<(), (S::Item, Fail)> {
        let (mut timed_out, mut spin) = (false, shim::Spin::new(shim::Site::Ring));
        loop {
            if g.state != State::Open {
                return Err((item, Fail::Closed));
            }
            if g.items.len() < self.capacity {
                let pushed = self.push(&mut g.items, item);
                self.after_put(g);
                resume(pushed);
                return Ok(());
            }
            let deadline = match block {
                Block::No => return Err((item, Fail::NotNow)),
                Block::Until(d) => d,
            };
            // Checked after the condition: a put that was woken (or raced a get) just as its
            // time ran out still takes the free slot. Checked before any spin or registration:
            // a zero timeout or past deadline is one try that leaves no trace.
            if timed_out || shim::expired(deadline) {
                return Err((item, Fail::NotNow));
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

    /// Adds `item`; the caller has checked that fewer than `capacity` items are inside.
    /// Grows the storage as `VecDeque` would (doubling), but never past `capacity` slots.
    /// `Err`: the priority store's `cmp` panicked, the item is inside; resume after unlocking.
    #[inline]
    fn push(&self, items: &mut S, item: S::Item) -> Result<(), Panic> {
        if items.len() == items.slots() {
            self.grow(items);
        }
        items.push(item)
    }

    #[cold]
    #[inline(never)]
    fn grow(&self, items: &mut S) {
        let len = items.len();
        // `len < capacity` here (the caller checked), so `slots > len`.
        let slots = len.saturating_mul(2).max(FIRST_SLOTS).min(self.capacity);
        items.reserve_exact(slots - len);
    }

    /// Publishes the length; wakes one getter unless every registered one is owed a wake, and
    /// every poller; unlocks.
    #[inline]
    fn after_put(&self, mut g: LockGuard<'_, Inner<S>>) {
        self.publish_len(&g);
        let getter = g.getters > g.getter_wakes;
        let pollers = g.pollers > 0;
        if !getter && !pollers {
            // Nobody waits, or every registered getter is already released: see the top.
            return;
        }
        // Relaxed: bumped under the lock; each waiter read its epoch under the lock.
        if getter {
            g.getter_wakes += 1;
            self.not_empty.fetch_add(1, Relaxed);
        }
        if pollers {
            self.readable.fetch_add(1, Relaxed);
        }
        drop(g);
        if getter {
            shim::wake_one(&self.not_empty);
        }
        if pollers {
            shim::wake_ready(&self.readable);
        }
    }

    /// Takes the oldest item, waiting for one as `block` allows.
    #[inline]
    fn get(&self, block: Block) -> Result<S::Item, Fail> {
        let mut g = self.inner.lock();
        match g.items.pop() {
            Ok(Some(item)) => {
                self.after_get(g);
                return Ok(item);
            }
            Ok(None) => {}
            Err(panic) => self.pass_on_wake(g, panic),
        }
        self.get_slow(g, block)
    }

    #[cold]
    fn get_slow<'a>(
        &'a self,
        mut g: LockGuard<'a, Inner<S>>,
        block: Block,
    ) -> Result<S::Item, Fail> {
        let (mut timed_out, mut spin) = (false, shim::Spin::new(shim::Site::Ring));
        loop {
            match g.items.pop() {
                Ok(Some(item)) => {
                    self.after_get(g);
                    return Ok(item);
                }
                Ok(None) => {}
                Err(panic) => self.pass_on_wake(g, panic),
            }
            if g.state != State::Open {
                return Err(Fail::Closed);
            }
            let deadline = match block {
                Block::No => return Err(Fail::NotNow),
                Block::Until(d) => d,
            };
            // As in `put_slow`: after the condition, before any spin or registration.
            if timed_out || shim::expired(deadline) {
                return Err(Fail::NotNow);
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

    /// Publishes the length, counts the task, shrinks an unbounded ring's storage, wakes one
    /// putter after a slot freed up unless every registered one is owed a wake; unlocks.
    #[inline]
    fn after_get(&self, mut g: LockGuard<'_, Inner<S>>) {
        self.publish_len(&g);
        if self.tasks {
            g.unfinished += 1;
        }
        if g.putters <= g.putter_wakes {
            // Nobody waits, or every registered putter is already released: see the top.
            return;
        }
        if self.capacity == UNBOUNDED {
            // Only the phantom putter of an unbounded ring (see `Inner::putters`) gets here: no
            // put waits there, so nobody needs a wake; the slots may need shrinking.
            return shrink(g);
        }
        g.putter_wakes += 1;
        // Relaxed: bumped under the lock.
        self.not_full.fetch_add(1, Relaxed);
        drop(g);
        shim::wake_one(&self.not_full);
    }

    /// The priority store's `cmp` panicked in a get, which took nothing. This getter may have
    /// used a wake meant for an item that is still inside: passes one on if a registered getter
    /// may need it, unlocks, and resumes the panic. (A getter that relocks always takes an item if
    /// one is inside; this one could not, so the owed-wake argument at the top needs this step.)
    #[cold]
    fn pass_on_wake(&self, mut g: LockGuard<'_, Inner<S>>, panic: Panic) -> ! {
        let wake = !g.items.is_empty() && g.getters > g.getter_wakes;
        if wake {
            g.getter_wakes += 1;
            // Relaxed: bumped under the lock.
            self.not_empty.fetch_add(1, Relaxed);
        }
        drop(g);
        if wake {
            shim::wake_one(&self.not_empty);
        }
        resume_unwind(panic)
    }

    /// Waits until an item is ready or the ring is shut down (a get would not block), without
    /// taking anything. `false` if the deadline passed first; a deadline already past is one look.
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

    /// Whether a get would not block right now (an item is inside, or the ring is shut down):
    /// one look, no side effect. A selector's first look. Items seen in the length hint answer
    /// without the lock: the hint is stored after every change, so a change that happens-before
    /// this look is seen (or a later one), which is all a snapshot can promise; only an empty
    /// hint needs the lock, to see the shutdown state.
    pub(crate) fn is_readable(&self) -> bool {
        // Relaxed: a snapshot, see above; the caller's next get takes the lock.
        if self.len_hint.load(Relaxed) > 0 {
            return true;
        }
        let g = self.inner.lock();
        !g.items.is_empty() || g.state != State::Open
    }

    /// Whether items seem to be inside, from the length hint, without the lock: a selector's
    /// spin reads it (`src/select.rs`). Decides nothing; misses a shutdown.
    pub(crate) fn readable_hint(&self) -> bool {
        // Relaxed: only a hint; the selector re-checks under the lock.
        self.len_hint.load(Relaxed) > 0
    }

    /// A selector arms the ring (`src/select.rs`): the first time (`register`) it counts itself
    /// among the pollers, so that every later put wakes `readable` through `shim::wake_ready`,
    /// which reaches the selectors registered on that word. Then, in the same critical section,
    /// it looks. The critical section is what carries the selector's earlier steps (its registry
    /// entry, the value of its own word) to any put that comes after it: the put locks after this
    /// unlock. Returns whether a get would not block.
    pub(crate) fn select_arm(&self, register: bool) -> bool {
        let mut g = self.inner.lock();
        if register {
            g.pollers += 1;
        }
        !g.items.is_empty() || g.state != State::Open
    }

    /// Undoes one `select_arm(true)`.
    pub(crate) fn select_disarm(&self) {
        self.inner.lock().pollers -= 1;
    }

    /// The word a put or shutdown wakes through `shim::wake_ready`: the selectors' registry key.
    pub(crate) fn readable_word(&self) -> &AtomicU32 {
        &self.readable
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
    /// shutdown). `false` if the deadline passed first; a deadline already past is one look.
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
    /// the unlock and the wakes. Wakes every blocked caller.
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
                    let items = core::mem::replace(&mut g.items, S::EMPTY);
                    self.publish_len(&g);
                    items
                } else {
                    S::EMPTY
                }
            }
            // Already as far down as asked: nothing changes, nobody needs waking.
            _ => return,
        };
        // Relaxed: bumped under the lock. Bumped even with no waiter registered: cheap, and it
        // keeps this rare path free of cases.
        self.not_empty.fetch_add(1, Relaxed);
        self.not_full.fetch_add(1, Relaxed);
        self.readable.fetch_add(1, Relaxed);
        self.all_done.fetch_add(1, Relaxed);
        drop(g);
        shim::wake_all(&self.not_empty);
        shim::wake_all(&self.not_full);
        shim::wake_ready(&self.readable);
        shim::wake_all(&self.all_done);
        // The items an immediate shutdown removed are dropped here, outside the lock and after
        // every wake; if one's drop panics, the store still drops the others, then unwinds.
        drop(dropped);
    }
}

/// Resumes a panic a store caught (the priority store's `cmp`), once the caller has finished its
/// bookkeeping and unlocked. Nothing for the FIFO and LIFO stores, whose push never fails.
#[inline]
fn resume(pushed: Result<(), Panic>) {
    if let Err(panic) = pushed {
        resume_unwind(panic);
    }
}

/// The end of an unbounded ring's get: halves the slots once the items fill an eighth of them or
/// fewer (never below `FIRST_SLOTS`, see "Storage" at the top), and unlocks.
#[inline(never)]
fn shrink<S: Store>(mut g: LockGuard<'_, Inner<S>>) {
    let slots = g.items.slots();
    if slots > FIRST_SLOTS && g.items.len() <= slots / 8 {
        g.items.shrink_to((slots / 2).max(FIRST_SLOTS));
    }
}

impl<S: Store> Inner<S> {
    const fn new(capacity: usize) -> Self {
        Inner {
            items: S::EMPTY,
            state: State::Open,
            unfinished: 0,
            getters: 0,
            // The phantom putter of an unbounded ring: see `putters`.
            putters: if capacity == UNBOUNDED { 1 } else { 0 },
            joiners: 0,
            pollers: 0,
            getter_wakes: 0,
            putter_wakes: 0,
        }
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! What the public API cannot show: a zero timeout leaves no trace in the ring's counts and
    //! words. (The storage bound is measured at the allocator in `tests/queue_storage.rs`.)
    use super::*;
    use crate::shim::Duration;
    use std::collections::VecDeque;

    /// Every waiter count, owed wake and epoch, for comparing before and after a call.
    fn trace<S: Store>(r: &Ring<S>) -> [u64; 10] {
        let g = r.inner.lock();
        [
            u64::from(g.getters),
            u64::from(g.putters),
            u64::from(g.joiners),
            u64::from(g.pollers),
            u64::from(g.getter_wakes),
            u64::from(g.putter_wakes),
            u64::from(r.not_empty.load(Relaxed)),
            u64::from(r.not_full.load(Relaxed)),
            u64::from(r.readable.load(Relaxed)),
            u64::from(r.all_done.load(Relaxed)),
        ]
    }

    #[test]
    fn zero_timeout_and_past_deadline_leave_no_trace() {
        let past = Instant::now().checked_sub(Duration::from_millis(1));
        let now = shim::deadline_after(Duration::ZERO);
        let empty: Ring<VecDeque<u8>> = Ring::new(1, true);
        let before = trace(&empty);
        for deadline in [past, now] {
            assert_eq!(empty.get_until(deadline), Err(RecvTimeoutError::Timeout));
            assert!(!empty.poll(deadline), "nothing to poll");
        }
        assert_eq!(
            trace(&empty),
            before,
            "a zero-timeout get or poll must not register, bump or owe a wake"
        );
        let full: Ring<VecDeque<u8>> = Ring::new(1, true);
        full.put_blocking(0).unwrap();
        let before = trace(&full);
        for deadline in [past, now] {
            assert_eq!(
                full.put_until(1, deadline),
                Err(SendTimeoutError::Timeout(1))
            );
            assert!(!full.join(deadline), "an item is inside");
        }
        assert_eq!(
            trace(&full),
            before,
            "a zero-timeout put or join must not register, bump or owe a wake"
        );
    }

    /// Sets the registered getters, putters and pollers as sleepers would (without sleeping).
    fn register<S: Store>(r: &Ring<S>, getters: u32, putters: u32, pollers: u32) {
        let mut g = r.inner.lock();
        (g.getters, g.putters, g.pollers) = (getters, putters, pollers);
    }

    /// `(getter_wakes, putter_wakes, not_empty, not_full, readable)`.
    fn owed_and_epochs<S: Store>(r: &Ring<S>) -> [u64; 5] {
        let t = trace(r);
        [t[4], t[5], t[6], t[7], t[8]]
    }

    #[test]
    fn a_put_wakes_a_getter_only_while_one_is_not_owed_a_wake_and_every_poller_while_any_waits() {
        let r: Ring<Vec<u8>> = Ring::new(8, false);
        r.put_blocking(0).unwrap();
        assert_eq!(owed_and_epochs(&r), [0; 5], "nobody registered: no bump");
        register(&r, 2, 0, 0);
        r.put_blocking(1).unwrap();
        assert_eq!(
            owed_and_epochs(&r),
            [1, 0, 1, 0, 0],
            "2 getters, none owed: one wake"
        );
        r.put_blocking(2).unwrap();
        assert_eq!(
            owed_and_epochs(&r),
            [2, 0, 2, 0, 0],
            "2 getters, 1 owed: one more wake"
        );
        r.put_blocking(3).unwrap();
        assert_eq!(
            owed_and_epochs(&r),
            [2, 0, 2, 0, 0],
            "every getter owed a wake: no wake"
        );
        register(&r, 0, 0, 1);
        r.put_blocking(4).unwrap();
        assert_eq!(
            owed_and_epochs(&r),
            [2, 0, 2, 0, 1],
            "a poller: readable is bumped"
        );
    }

    #[test]
    fn a_get_wakes_a_putter_only_while_one_is_not_owed_a_wake() {
        let r: Ring<Vec<u8>> = Ring::new(4, true);
        for i in 0..4 {
            r.put_blocking(i).unwrap();
        }
        assert_eq!(r.try_get(), Ok(3));
        assert_eq!(owed_and_epochs(&r), [0; 5], "nobody registered: no bump");
        register(&r, 0, 2, 0);
        assert_eq!(r.try_get(), Ok(2));
        assert_eq!(
            owed_and_epochs(&r),
            [0, 1, 0, 1, 0],
            "2 putters, none owed: one wake"
        );
        assert_eq!(r.get_until(None), Ok(1));
        assert_eq!(
            owed_and_epochs(&r),
            [0, 2, 0, 2, 0],
            "2 putters, 1 owed: one more wake"
        );
        assert_eq!(r.try_get(), Ok(0));
        assert_eq!(
            owed_and_epochs(&r),
            [0, 2, 0, 2, 0],
            "every putter owed a wake: no wake"
        );
        assert_eq!(
            r.unfinished(),
            4,
            "a queue's ring counts each get as a task"
        );
    }

    #[test]
    fn a_sleep_registers_then_unregisters_and_settles_one_owed_wake() {
        let r: Ring<Vec<u8>> = Ring::new(1, false);
        let past = Instant::now().checked_sub(Duration::from_millis(1));
        {
            let mut g = r.inner.lock();
            (g.getters, g.getter_wakes, g.putters, g.putter_wakes) = (1, 2, 1, 0);
        }
        let (g, woken) = r.sleep(r.inner.lock(), Sleeper::Getter, past);
        assert!(!woken, "a past deadline times out");
        assert_eq!(
            (g.getters, g.getter_wakes),
            (1, 1),
            "back to 1 getter, one wake settled"
        );
        drop(g);
        let (g, _) = r.sleep(r.inner.lock(), Sleeper::Putter, past);
        assert_eq!(
            (g.putters, g.putter_wakes),
            (1, 0),
            "none owed: settles nothing"
        );
        assert_eq!(g.getter_wakes, 1, "a putter settles no getter's wake");
        drop(g);
        let (g, _) = r.sleep(r.inner.lock(), Sleeper::Poller, past);
        assert_eq!(
            (g.pollers, g.getter_wakes, g.putter_wakes),
            (0, 1, 0),
            "pollers owe nothing"
        );
    }

    #[test]
    fn select_arm_counts_a_poller_and_disarm_uncounts_it() {
        let r: Ring<Vec<u8>> = Ring::new(1, false);
        assert!(!r.select_arm(true), "empty and open: a get would block");
        assert!(!r.select_arm(false), "a look does not register");
        assert_eq!(r.inner.lock().pollers, 1);
        r.put_blocking(1).unwrap();
        assert_eq!(
            owed_and_epochs(&r)[4],
            1,
            "an armed ring's put bumps readable"
        );
        assert!(r.select_arm(false), "an item inside");
        r.select_disarm();
        assert_eq!(r.inner.lock().pollers, 0);
        assert!(
            core::ptr::eq(r.readable_word(), &r.readable),
            "the registry key is readable"
        );
    }

    #[test]
    fn a_bounded_ring_grows_by_doubling_from_four_slots_but_never_past_its_capacity() {
        let r: Ring<Vec<u8>> = Ring::new(9, false);
        let mut slots = Vec::new();
        for i in 0..9 {
            r.put_blocking(i).unwrap();
            slots.push(r.inner.lock().items.slots());
        }
        assert_eq!(slots, [4, 4, 4, 4, 8, 8, 8, 8, 9]);
        assert_eq!((r.capacity(), r.len()), (9, 9));
    }

    #[test]
    fn an_unbounded_ring_halves_its_slots_once_the_items_fill_an_eighth_never_below_four() {
        let r: Ring<Vec<u8>> = Ring::new(UNBOUNDED, false);
        for i in 0..64 {
            r.put_blocking(i).unwrap();
        }
        assert_eq!(r.inner.lock().items.slots(), 64);
        let mut slots = Vec::new();
        while r.try_get().is_ok() {
            slots.push((r.len(), r.inner.lock().items.slots()));
        }
        let halved: Vec<_> = slots
            .windows(2)
            .filter(|w| w[1].1 != w[0].1)
            .map(|w| w[1])
            .collect();
        assert_eq!(slots[0], (63, 64));
        assert_eq!(
            halved,
            [(8, 32), (4, 16), (2, 8), (1, 4)],
            "halved at len <= slots / 8, down to 4"
        );
        assert_eq!(
            owed_and_epochs(&r),
            [0; 5],
            "the phantom putter is never woken"
        );
    }

    #[test]
    fn debug_prints_the_capacity_without_the_lock() {
        let r: Ring<Vec<u8>> = Ring::new(3, false);
        let held = r.inner.lock();
        assert_eq!(format!("{r:?}"), "Ring { capacity: 3, .. }");
        drop(held);
    }

    #[test]
    fn the_length_hint_follows_every_change_of_the_items() {
        let r: Ring<Vec<u8>> = Ring::new(UNBOUNDED, false);
        assert!(!r.readable_hint() && !r.is_readable(), "empty and open");
        r.put_blocking(1).unwrap();
        r.put_blocking(2).unwrap();
        assert_eq!(r.len_hint.load(Relaxed), 2, "published by each put");
        assert!(r.readable_hint() && r.is_readable(), "items inside");
        assert_eq!(r.try_get(), Ok(2));
        assert_eq!(r.len_hint.load(Relaxed), 1, "published by each get");
        r.shutdown(true);
        assert_eq!(
            r.len_hint.load(Relaxed),
            0,
            "published by an immediate shutdown"
        );
        assert!(!r.readable_hint(), "the hint misses a shutdown");
        assert!(
            r.is_readable(),
            "a shut-down ring is readable: a get would not block"
        );
    }

    std::thread_local! {
        static GRUMPY: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
    }

    /// Its `cmp` panics while this thread's `GRUMPY` is set.
    #[derive(PartialEq, Eq)]
    struct Grumpy(u8);
    impl PartialOrd for Grumpy {
        fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Grumpy {
        fn cmp(&self, o: &Self) -> core::cmp::Ordering {
            assert!(!GRUMPY.with(core::cell::Cell::get), "cmp panics");
            self.0.cmp(&o.0)
        }
    }

    #[test]
    fn a_get_whose_cmp_panics_passes_its_wake_on_only_to_a_getter_not_owed_one() {
        use crate::store::Heap;
        use std::panic::catch_unwind;
        let r: Ring<Heap<Grumpy>> = Ring::new(4, false);
        r.put_blocking(Grumpy(1)).unwrap();
        r.put_blocking(Grumpy(2)).unwrap();
        GRUMPY.with(|g| g.set(true));
        assert!(
            catch_unwind(|| r.put_blocking(Grumpy(0))).is_err(),
            "a put whose cmp panicked resumes the panic"
        );
        register(&r, 1, 0, 0);
        assert!(
            catch_unwind(|| r.try_get()).is_err(),
            "the get's cmp panics"
        );
        assert_eq!(
            owed_and_epochs(&r),
            [1, 0, 1, 0, 0],
            "items inside and a getter not owed a wake: the wake is passed on"
        );
        assert!(catch_unwind(|| r.try_get()).is_err());
        assert_eq!(
            owed_and_epochs(&r),
            [1, 0, 1, 0, 0],
            "the one getter is owed a wake already: none passed on"
        );
        GRUMPY.with(|g| g.set(false));
        assert_eq!(r.len(), 3, "nothing taken, the panicking put's item inside");
        register(&r, 0, 0, 0);
    }

    /// A wake on `not_empty` that brings no item (the wait layer lets a wait return spuriously,
    /// and a wake may reach a getter whose item another getter took) must not end a blocked get,
    /// untimed or timed: the test sends a getter such a wake, as a put would (owed, bumped,
    /// woken), waits until the getter has relocked (the owed wake is settled) and registered
    /// again, and only then puts the item it must return.
    #[test]
    fn a_wake_that_brings_no_item_does_not_end_a_blocked_get() {
        use std::sync::Arc;
        shim::tests::watched(|| {
            // Capacity 2: the puts below never block, whatever the getter did.
            let r: Arc<Ring<Vec<u8>>> = Arc::new(Ring::new(2, false));
            let getter = {
                let r = Arc::clone(&r);
                std::thread::spawn(move || {
                    let deadline = Instant::now().checked_add(Duration::from_secs(60));
                    (r.get_blocking(), r.get_until(deadline))
                })
            };
            let until = |done: &dyn Fn(&Inner<Vec<u8>>) -> bool| {
                while !done(&r.inner.lock()) && !getter.is_finished() {
                    std::thread::sleep(Duration::from_millis(1)); // polling, not ordering
                }
            };
            // Registered and owed nothing: asleep, or about to be, since the last wake settled.
            let asleep = |g: &Inner<Vec<u8>>| g.getters == 1 && g.getter_wakes == 0;
            for item in 1..=2 {
                until(&asleep);
                {
                    let mut g = r.inner.lock();
                    g.getter_wakes += 1;
                    r.not_empty.fetch_add(1, Relaxed);
                }
                shim::wake_all(&r.not_empty);
                until(&asleep);
                r.put_blocking(item).unwrap();
            }
            assert_eq!(
                getter.join().unwrap(),
                (Ok(1), Ok(2)),
                "a blocked get and a timed get end only with an item"
            );
        });
    }

    /// Whether thread `tid` sleeps in a futex wait on `word` expecting `value` (from `/proc`).
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn asleep_on(tid: i32, word: &AtomicU32, value: u32) -> bool {
        shim::tests::futex_wait_of(tid) == Some((word as *const AtomicU32 as usize, value))
    }

    /// As for a get above, a wake on `readable` that brings no item must not end a blocked poll:
    /// the test bumps and wakes `readable` as a put would, waits until `/proc` shows the poller
    /// asleep again on the bumped epoch, and only then puts. Linux futex backend only.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn a_wake_that_brings_no_item_does_not_end_a_blocked_poll() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
        shim::tests::watched(|| {
            let r: Arc<Ring<Vec<u8>>> = Arc::new(Ring::new(1, false));
            let tid = Arc::new(AtomicI32::new(0));
            let poller = {
                let (r, tid) = (Arc::clone(&r), Arc::clone(&tid));
                std::thread::spawn(move || {
                    // SAFETY: gettid has no preconditions and cannot fail.
                    tid.store(unsafe { libc::gettid() }, SeqCst);
                    r.poll(None)
                })
            };
            let until = |done: &dyn Fn() -> bool| {
                while !done() && !poller.is_finished() {
                    std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
                }
            };
            until(&|| r.inner.lock().pollers == 1);
            let epoch = {
                let _g = r.inner.lock();
                r.readable.fetch_add(1, Relaxed) + 1
            };
            shim::wake_ready(&r.readable);
            until(&|| asleep_on(tid.load(SeqCst), &r.readable, epoch));
            r.put_blocking(1).unwrap();
            assert!(
                poller.join().unwrap(),
                "a blocked poll ends only when a get would not block"
            );
        });
    }

    #[test]
    fn a_poll_is_true_exactly_when_a_get_would_not_block() {
        let past = Instant::now().checked_sub(Duration::from_millis(1));
        let r: Ring<Vec<u8>> = Ring::new(2, false);
        assert!(!r.poll(past), "empty and open: a get would block");
        r.put_blocking(1).unwrap();
        assert!(r.poll(past) && r.poll(None), "an item inside");
        assert_eq!(r.len(), 1, "a poll takes nothing");
        r.shutdown(false);
        assert!(r.poll(past), "draining, an item inside");
        assert_eq!(r.try_get(), Ok(1));
        assert!(
            r.poll(past) && r.poll(None),
            "shut down and empty: a get fails at once"
        );
    }

    #[test]
    fn task_done_counts_down_and_only_the_last_one_wakes_the_joiners() {
        let past = Instant::now().checked_sub(Duration::from_millis(1));
        let r: Ring<Vec<u8>> = Ring::new(4, true);
        assert!(
            r.join(past) && !r.task_done(),
            "nothing put: joined, nothing to mark"
        );
        for i in 0..3 {
            r.put_blocking(i).unwrap();
        }
        assert_eq!(r.try_get(), Ok(2));
        assert_eq!(r.try_get(), Ok(1));
        assert_eq!(r.unfinished(), 3, "2 got and not done, 1 inside");
        r.inner.lock().joiners = 1;
        assert!(r.task_done());
        assert_eq!(trace(&r)[9], 0, "an item inside: no wake");
        assert_eq!(r.try_get(), Ok(0));
        assert!(r.task_done());
        assert_eq!(
            (r.unfinished(), trace(&r)[9]),
            (1, 0),
            "one not done: no wake"
        );
        assert!(!r.join(past), "one not done: not joined");
        assert!(r.task_done(), "the last one");
        assert_eq!(
            (r.unfinished(), trace(&r)[9]),
            (0, 1),
            "the last one wakes the joiners"
        );
        assert!(!r.task_done(), "nothing left to mark");
        assert_eq!(trace(&r)[9], 1);
        r.inner.lock().joiners = 0;
        assert!(r.join(past) && r.join(None), "every task done");
        r.put_blocking(3).unwrap();
        assert_eq!(r.try_get(), Ok(3));
        assert!(r.task_done());
        assert_eq!(trace(&r)[9], 1, "the last one, but no joiner: no wake");
    }

    /// As for a poll above: a wake on `all_done` that is not the last `task_done` must not end a
    /// blocked `join`. Linux futex backend only.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn a_wake_that_is_not_the_last_task_done_does_not_end_a_blocked_join() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
        shim::tests::watched(|| {
            let r: Arc<Ring<Vec<u8>>> = Arc::new(Ring::new(1, true));
            r.put_blocking(1).unwrap();
            assert_eq!(r.try_get(), Ok(1));
            let tid = Arc::new(AtomicI32::new(0));
            let joiner = {
                let (r, tid) = (Arc::clone(&r), Arc::clone(&tid));
                std::thread::spawn(move || {
                    // SAFETY: gettid has no preconditions and cannot fail.
                    tid.store(unsafe { libc::gettid() }, SeqCst);
                    r.join(None)
                })
            };
            let until = |done: &dyn Fn() -> bool| {
                while !done() && !joiner.is_finished() {
                    std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
                }
            };
            until(&|| r.inner.lock().joiners == 1);
            let epoch = {
                let _g = r.inner.lock();
                r.all_done.fetch_add(1, Relaxed) + 1
            };
            shim::wake_all(&r.all_done);
            until(&|| asleep_on(tid.load(SeqCst), &r.all_done, epoch));
            assert!(r.task_done());
            assert!(
                joiner.join().unwrap(),
                "a blocked join ends only when every task is done"
            );
        });
    }
}
