//! `process::Condition`: a condition variable for a [`process::Lock`](super::Lock), across
//! processes, with waiter slots in the shared memory instead of waiter nodes on stacks.
//!
//! The in-process `Condition` links each waiter's node, on the waiter's own stack, into a queue:
//! a pointer into another process's stack means nothing here. So each waiter takes a **slot** in
//! the condition itself, and sleeps on the slot's own futex word:
//!
//! | slot `state` (futex word) | meaning | moved on by |
//! |---|---|---|
//! | FREE | nobody | a waiter claims it (under the lock) |
//! | WAITING | a waiter (`token`, arrival `seq`) sleeps or is about to | a notifier: → NOTIFIED; the waiter on timeout: → FREE |
//! | NOTIFIED | picked by a notify; the waiter has not yet left | the waiter: → FREE |
//!
//! Other fields, all under `lock` (a `RawLock`): `next_seq`; `overflow`, the waiters that found
//! every slot taken, and `overflow_notified`, the notifications owed to them; `freed`, the futex
//! word overflow waiters sleep on.
//!
//! Protocol:
//! - **wait**: under the condition's lock, claim a FREE slot (token, seq, then `state = WAITING`)
//!   or register as overflow; only then release the user's lock (so a notify that follows a state
//!   change made under the user's lock always finds this waiter). Sleep on the slot word while it
//!   is WAITING. NOTIFIED: free the slot, re-take the user's lock, return `true`. Timeout: under
//!   the lock, a slot still WAITING is freed and `false` returned; NOTIFIED wins (`true`).
//! - **notify(n)**: under the lock, mark the `n` oldest WAITING slots NOTIFIED (FIFO by `seq`);
//!   the rest of `n`, up to the overflow waiters not yet owed one, goes to `overflow_notified`.
//!   After unlocking, wake each picked slot's word and, if any went to overflow, `freed`.
//!   Returns the count: exact, as the in-process one.
//! - **overflow waiters** sleep on `freed`; woken, they take an owed notification (`true`), or
//!   move into a slot that has freed up (they stay registered throughout, so no notify is
//!   missed), or sleep again. A freed slot bumps `freed` when overflow waiters want one.
//!
//! **Dead waiters.** A waiter's slice ends every 10 ms; then (at most once per slice across all
//! waiters) it scans the slots: a slot whose thread is dead is freed, and if it was NOTIFIED its
//! notification is **passed on** to the oldest WAITING slot (or an overflow waiter), first, then
//! the slot freed: a killed waiter never swallows a notification. If the scanner is itself killed
//! between the two steps, the next scan passes the notification again: at worst one waiter more
//! is woken, never one fewer. Overflow waiters have no identity: a killed overflow waiter is not
//! found (documented limit; it takes more than 64 simultaneous waiters to have any).
//!
//! A killed notifier: marking slots is one store each, and waiters whose wake was never sent
//! find NOTIFIED at the end of their slice. The condition's lock is robust; every step above
//! leaves a state the next holder can use as it is.
//!
//! Memory ordering: every field is changed under the condition's lock (Acquire take, Release
//! release). A waiter reads its slot's `state` with Acquire outside the lock; NOTIFIED is stored
//! under the lock, so that read only decides *whether* to take the lock and re-check. The data the
//! waiter then looks at is ordered by the user's lock, which it re-takes before returning.

use core::fmt;

use super::lock::LockGuard;
use super::robust::{RawLock, Taken};
use crate::shim::{
    self, AtomicU32, AtomicU64, Duration, Instant,
    Ordering::{Acquire, Relaxed, Release},
    WakeMode,
    owner::{self, Slept, Watch},
};

/// Waiter slots per condition: more waiters than this at once wait in the overflow.
pub(crate) const SLOTS: usize = if cfg!(weft_checker) { 3 } else { 64 };

const FREE: u32 = 0;
const WAITING: u32 = 1;
const NOTIFIED: u32 = 2;

#[repr(C)]
struct Slot {
    state: AtomicU32,
    _pad: AtomicU32,
    seq: AtomicU64,
    token: AtomicU64,
}

/// A condition variable for a [`process::Lock`](super::Lock), shared between processes: Python's
/// `multiprocessing.Condition(lock)`.
///
/// The API of [`crate::Condition`]: waits take the guard by `&mut`, release the lock while
/// asleep and hold it again on return.
///
/// - **No spurious wake-ups**, **exact counts** (`notify` returns how many waiters it woke, and
///   each of them reports "notified"), **FIFO** among waiters that hold a slot, as in-process.
/// - **A killed waiter never swallows a notification**: a notification given to a waiter that
///   died is passed to the next waiter within about one slice (10 ms).
/// - 64 waiters can hold a slot at once; more wait in an overflow (their order is arrival at a
///   slot, and a killed overflow waiter is not noticed).
/// - Notifying does not need the lock; the state change a waiter tests must still be made under
///   the lock.
///
/// ```
/// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
/// use weftsync::process::{Condition, Lock};
/// let (lock, cond) = (Lock::new(false), Condition::new());
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         *lock.lock() = true;
///         cond.notify_one();
///     });
///     let mut ready = lock.lock();
///     cond.wait_while(&mut ready, |r| !*r);
///     assert!(*ready);
/// });
/// # }
/// ```
#[repr(C)]
pub struct Condition {
    lock: RawLock,
    next_seq: AtomicU64,
    overflow: AtomicU32,
    overflow_notified: AtomicU32,
    freed: AtomicU32,
    scan_at: AtomicU32,
    slots: [Slot; SLOTS],
}

/// Where a waiter waits.
#[derive(Clone, Copy)]
enum Place {
    Slot(usize),
    Overflow,
}

/// How a round in the overflow ended.
enum Round {
    /// The wait is over: notified or not.
    Done(bool),
    /// Moved into this slot; still waiting.
    MovedTo(usize),
    /// Still waiting in the overflow.
    Again,
}

impl Condition {
    /// Creates a condition with no waiters.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// let cond = weftsync::process::Condition::new();
    /// assert_eq!(cond.notify_all(), 0);
    /// # }
    /// ```
    #[cfg(not(weft_checker))]
    pub const fn new() -> Self {
        Condition {
            lock: RawLock::new(),
            next_seq: AtomicU64::new(0),
            overflow: AtomicU32::new(0),
            overflow_notified: AtomicU32::new(0),
            freed: AtomicU32::new(0),
            scan_at: AtomicU32::new(0),
            slots: [const {
                Slot {
                    state: AtomicU32::new(FREE),
                    _pad: AtomicU32::new(0),
                    seq: AtomicU64::new(0),
                    token: AtomicU64::new(0),
                }
            }; SLOTS],
        }
    }

    /// Creates a condition (not `const` under the model checkers).
    #[cfg(weft_checker)]
    pub fn new() -> Self {
        Condition {
            lock: RawLock::new(),
            next_seq: AtomicU64::new(0),
            overflow: AtomicU32::new(0),
            overflow_notified: AtomicU32::new(0),
            freed: AtomicU32::new(0),
            scan_at: AtomicU32::new(0),
            slots: core::array::from_fn(|_| Slot {
                state: AtomicU32::new(FREE),
                _pad: AtomicU32::new(0),
                seq: AtomicU64::new(0),
                token: AtomicU64::new(0),
            }),
        }
    }

    /// Releases the lock, waits for a notify, and locks again.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// std::thread::scope(|s| {
    ///     let mut g = lock.lock();
    ///     s.spawn(|| {
    ///         *lock.lock() = 1;
    ///         cond.notify_all();
    ///     });
    ///     while *g == 0 {
    ///         cond.wait(&mut g);
    ///     }
    /// });
    /// # }
    /// ```
    pub fn wait<T: ?Sized>(&self, guard: &mut LockGuard<'_, T>) {
        let notified = self.wait_deadline(guard, None);
        debug_assert!(notified, "an untimed wait returns only when notified");
    }

    /// Waits at most `timeout` for a notify; `true` if notified, `false` if the time ran out.
    /// The lock is held again on return either way.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::process::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let mut g = lock.lock();
    /// assert!(!cond.wait_for(&mut g, Duration::from_millis(1)));
    /// # }
    /// ```
    #[must_use = "false means the wait timed out"]
    pub fn wait_for<T: ?Sized>(&self, guard: &mut LockGuard<'_, T>, timeout: Duration) -> bool {
        self.wait_deadline(guard, shim::deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest for a notify; `true` if notified.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// use weftsync::process::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(()), Condition::new());
    /// let mut g = lock.lock();
    /// assert!(!cond.wait_until(&mut g, Instant::now()));
    /// # }
    /// ```
    #[must_use = "false means the wait timed out"]
    pub fn wait_until<T: ?Sized>(&self, guard: &mut LockGuard<'_, T>, deadline: Instant) -> bool {
        self.wait_deadline(guard, Some(deadline))
    }

    /// Waits while `condition` holds: returns with the lock held and `condition` false.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use weftsync::process::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(3), Condition::new());
    /// let mut g = lock.lock();
    /// cond.wait_while(&mut g, |n| *n == 0); // 3 != 0: returns at once
    /// # }
    /// ```
    pub fn wait_while<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) {
        while condition(guard) {
            self.wait(guard);
        }
    }

    /// Waits while `condition` holds, at most `timeout`; `true` if it stopped holding.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Duration;
    /// use weftsync::process::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(0), Condition::new());
    /// let mut g = lock.lock();
    /// assert!(!cond.wait_while_for(&mut g, |n| *n == 0, Duration::from_millis(1)));
    /// # }
    /// ```
    #[must_use = "false means the condition still held when the time ran out"]
    pub fn wait_while_for<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        condition: impl FnMut(&mut T) -> bool,
        timeout: Duration,
    ) -> bool {
        self.wait_while_deadline(guard, condition, shim::deadline_after(timeout))
    }

    /// Waits while `condition` holds, until `deadline`; `true` if it stopped holding.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// use std::time::Instant;
    /// use weftsync::process::{Condition, Lock};
    /// let (lock, cond) = (Lock::new(1), Condition::new());
    /// let mut g = lock.lock();
    /// assert!(cond.wait_while_until(&mut g, |n| *n == 0, Instant::now()));
    /// # }
    /// ```
    #[must_use = "false means the condition still held when the time ran out"]
    pub fn wait_while_until<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        condition: impl FnMut(&mut T) -> bool,
        deadline: Instant,
    ) -> bool {
        self.wait_while_deadline(guard, condition, Some(deadline))
    }

    fn wait_while_deadline<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        mut condition: impl FnMut(&mut T) -> bool,
        deadline: Option<Instant>,
    ) -> bool {
        while condition(guard) {
            if !self.wait_deadline(guard, deadline) {
                return !condition(guard);
            }
        }
        true
    }

    /// Wakes up to `n` waiters, oldest first; returns how many it woke.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Condition::new().notify(3), 0);
    /// # }
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let _ = self.lock.lock(None);
        let mut picked = [usize::MAX; SLOTS];
        let mut count = 0;
        while count < n.min(SLOTS) {
            let Some(i) = self.oldest_waiting() else {
                break;
            };
            self.slots[i].state.store(NOTIFIED, Release);
            picked[count] = i;
            count += 1;
        }
        let to_overflow = self.give_overflow(n - count);
        self.lock.unlock();
        for &i in &picked[..count] {
            shim::Shared::wake(&self.slots[i].state, u32::MAX);
        }
        if to_overflow > 0 {
            shim::Shared::wake(&self.freed, u32::MAX);
        }
        count + to_overflow
    }

    /// Wakes the oldest waiter; `true` if there was one.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert!(!weftsync::process::Condition::new().notify_one());
    /// # }
    /// ```
    pub fn notify_one(&self) -> bool {
        self.notify(1) == 1
    }

    /// Wakes every waiter; returns how many.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "loom", feature = "shuttle")))] {
    /// assert_eq!(weftsync::process::Condition::new().notify_all(), 0);
    /// # }
    /// ```
    #[doc(alias = "notifyAll")]
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// The WAITING slot with the smallest `seq`; under the lock.
    fn oldest_waiting(&self) -> Option<usize> {
        (0..SLOTS)
            .filter(|&i| self.slots[i].state.load(Relaxed) == WAITING)
            .min_by_key(|&i| self.slots[i].seq.load(Relaxed))
    }

    /// Owes up to `n` notifications to overflow waiters not yet owed one; bumps `freed` if any.
    /// Returns how many. Under the lock.
    fn give_overflow(&self, n: usize) -> usize {
        let waiting = self.overflow.load(Relaxed);
        let owed = self.overflow_notified.load(Relaxed);
        let give = (waiting.saturating_sub(owed) as usize).min(n);
        if give > 0 {
            self.overflow_notified.store(owed + give as u32, Relaxed);
            self.freed.fetch_add(1, Relaxed);
        }
        give
    }

    /// Under the lock: frees slot `i`; returns whether overflow waiters must be woken (and bumps
    /// `freed` if so).
    fn free_slot(&self, i: usize) -> bool {
        self.slots[i].token.store(0, Relaxed);
        self.slots[i].state.store(FREE, Relaxed);
        let wanting = self.overflow.load(Relaxed) > self.overflow_notified.load(Relaxed);
        if wanting {
            self.freed.fetch_add(1, Relaxed);
        }
        wanting
    }

    /// Unlocks the condition's lock and wakes overflow waiters if `wake_freed`.
    fn unlock_waking(&self, wake_freed: bool) {
        self.lock.unlock();
        if wake_freed {
            shim::Shared::wake(&self.freed, u32::MAX);
        }
    }

    /// Claims a FREE slot for `me`; under the lock.
    fn claim(&self, me: u64) -> Option<usize> {
        let i = (0..SLOTS).find(|&i| self.slots[i].state.load(Relaxed) == FREE)?;
        let seq = self.next_seq.load(Relaxed);
        self.next_seq.store(seq + 1, Relaxed);
        self.slots[i].token.store(me, Relaxed);
        self.slots[i].seq.store(seq, Relaxed);
        // Last: a slot is in use from this store on (a kill before it leaves it FREE).
        self.slots[i].state.store(WAITING, Relaxed);
        Some(i)
    }

    fn wait_deadline<T: ?Sized>(
        &self,
        guard: &mut LockGuard<'_, T>,
        deadline: Option<Instant>,
    ) -> bool {
        let me = owner::thread_token();
        let _ = self.lock.lock(None);
        let mut place = match self.claim(me) {
            Some(i) => Place::Slot(i),
            None => {
                self.overflow.fetch_add(1, Relaxed);
                Place::Overflow
            }
        };
        self.lock.unlock();
        // Registered before the user's lock is released: a notify after a state change made
        // under that lock finds this waiter.
        let user = LockGuard::lock_of(guard).raw();
        user.unlock();
        let mut watch = Watch::new();
        let notified = loop {
            match place {
                Place::Slot(i) => match self.wait_in_slot(i, deadline, &mut watch) {
                    Some(notified) => break notified,
                    None => continue,
                },
                Place::Overflow => match self.wait_in_overflow(me, deadline, &mut watch) {
                    Round::Done(notified) => break notified,
                    Round::MovedTo(i) => place = Place::Slot(i),
                    Round::Again => continue,
                },
            }
        };
        if user.lock(None) == Some(Taken::OwnerDied) {
            LockGuard::set_owner_died(guard);
        }
        notified
    }

    /// Under the model checkers: registers as a waiter and releases the lock, as `wait` does,
    /// then "is killed" (`__simulate_death`) and returns, leaving its slot WAITING. The guard's
    /// lock is released: `mem::forget` the guard. For `loom-tests/process.rs`; not API.
    #[cfg(weft_checker)]
    #[doc(hidden)]
    pub fn __wait_then_die<T: ?Sized>(&self, guard: &mut LockGuard<'_, T>) {
        let _ = self.lock.lock(None);
        let claimed = self.claim(owner::thread_token());
        assert!(
            claimed.is_some(),
            "a model with a dying waiter needs a free slot"
        );
        self.lock.unlock();
        LockGuard::lock_of(guard).raw().unlock();
        owner::simulate_death();
    }

    /// One sleep in slot `i`. `Some(notified)` when the wait is over (the slot is freed).
    fn wait_in_slot(&self, i: usize, deadline: Option<Instant>, watch: &mut Watch) -> Option<bool> {
        let slot = &self.slots[i];
        // Acquire: pairs with the notifier's Release store; it only decides whether to re-check
        // under the lock.
        if slot.state.load(Acquire) == NOTIFIED {
            let _ = self.lock.lock(None);
            let wake = self.free_slot(i);
            self.unlock_waking(wake);
            return Some(true);
        }
        match owner::wait_slice(&slot.state, WAITING, deadline, watch) {
            Slept::Woken => None,
            Slept::Slice => {
                self.scan();
                None
            }
            Slept::TimedOut => {
                let _ = self.lock.lock(None);
                // NOTIFIED wins over the timeout: the notify counted this waiter.
                let notified = slot.state.load(Relaxed) == NOTIFIED;
                let wake = self.free_slot(i);
                self.unlock_waking(wake);
                Some(notified)
            }
        }
    }

    /// One round in the overflow: re-check under the lock, then sleep on `freed`.
    fn wait_in_overflow(&self, me: u64, deadline: Option<Instant>, watch: &mut Watch) -> Round {
        let _ = self.lock.lock(None);
        let owed = self.overflow_notified.load(Relaxed);
        if owed > 0 {
            self.overflow_notified.store(owed - 1, Relaxed);
            self.overflow.fetch_sub(1, Relaxed);
            self.lock.unlock();
            return Round::Done(true);
        }
        if let Some(i) = self.claim(me) {
            self.overflow.fetch_sub(1, Relaxed);
            self.lock.unlock();
            return Round::MovedTo(i);
        }
        if shim::expired(deadline) {
            self.overflow.fetch_sub(1, Relaxed);
            self.lock.unlock();
            return Round::Done(false);
        }
        let epoch = self.freed.load(Relaxed);
        self.lock.unlock();
        if owner::wait_slice(&self.freed, epoch, deadline, watch) == Slept::Slice {
            self.scan();
        }
        // Whatever woke us, the next round re-checks under the lock.
        Round::Again
    }

    /// At most once per slice across all waiters: frees the slots of dead waiters, passing on
    /// the notifications they were given.
    #[cold]
    fn scan(&self) {
        if !owner::scan_due(&self.scan_at) {
            return;
        }
        let _ = self.lock.lock(None);
        let mut wake = [usize::MAX; SLOTS];
        let mut woken = 0;
        let mut wake_freed = false;
        for i in 0..SLOTS {
            let state = self.slots[i].state.load(Relaxed);
            if state == FREE || owner::token_alive(self.slots[i].token.load(Relaxed)) {
                continue;
            }
            if state == NOTIFIED {
                // Pass it on first, then free: a kill between the two passes it twice (one
                // waiter too many), never zero times.
                match self.oldest_waiting() {
                    Some(j) => {
                        self.slots[j].state.store(NOTIFIED, Release);
                        wake[woken] = j;
                        woken += 1;
                    }
                    None => wake_freed |= self.give_overflow(1) > 0,
                }
            }
            wake_freed |= self.free_slot(i);
        }
        self.unlock_waking(wake_freed);
        for &j in &wake[..woken] {
            shim::Shared::wake(&self.slots[j].state, u32::MAX);
        }
    }
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

/// Never blocks: counts the slots in use without the lock (a snapshot).
impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = self
            .slots
            .iter()
            .filter(|s| s.state.load(Relaxed) != FREE)
            .count();
        f.debug_struct("process::Condition")
            .field("waiters", &(waiting + self.overflow.load(Relaxed) as usize))
            .finish_non_exhaustive()
    }
}

/// Ignoring whether a process Condition call happened does not compile under
/// `#![deny(unused_must_use)]`: each `compile_fail` block below is paired with a `no_run` block
/// that differs only in using the result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let (l, c) = (weftsync::process::Lock::new(()), weftsync::process::Condition::new());
/// let mut g = l.lock();
/// c.wait_for(&mut g, std::time::Duration::ZERO);
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let (l, c) = (weftsync::process::Lock::new(()), weftsync::process::Condition::new());
/// let mut g = l.lock();
/// let _ = c.wait_for(&mut g, std::time::Duration::ZERO);
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// let (l, c) = (weftsync::process::Lock::new(()), weftsync::process::Condition::new());
/// let mut g = l.lock();
/// c.wait_while_until(&mut g, |_| true, std::time::Instant::now());
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// let (l, c) = (weftsync::process::Lock::new(()), weftsync::process::Condition::new());
/// let mut g = l.lock();
/// let _ = c.wait_while_until(&mut g, |_| true, std::time::Instant::now());
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
