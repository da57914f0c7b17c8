//! The lock-free core of a bounded FIFO [`Queue`](crate::Queue) and of the pipes: an array of
//! `capacity` slots, each holding one item and a *stamp*, and two position counters, `tail` (the
//! next put) and `head` (the next get). No lock anywhere: a put or get claims its position with
//! one compare-exchange on its counter and then owns the slot until it writes the slot's stamp.
//! `src/ring.rs` (the locked ring) still carries the LIFO, priority and unbounded queues.
//!
//! Positions. A position is a lap and an index, `lap × LAP + index` with `LAP` the power of two
//! above `capacity` (so `index < capacity < LAP`, and the index never carries into the lap). The
//! put at position `p` uses slot `index(p)`; after the last index the next position is the first
//! slot of the next lap. Positions grow monotonically (wrapping at 2^63, which no program reaches)
//! and `count(p) = lap × capacity + index` is the number of puts (gets) before `p`.
//!
//! Stamps. Each slot's stamp is a position shifted left by `MARK_BITS`, plus sleeper marks:
//!
//! | stamp (position part) | the slot is                                            | next change by |
//! |-----------------------|--------------------------------------------------------|----------------|
//! | `p`                   | free for the put at position `p`                       | that put: `p + 1` |
//! | `p + 1`               | full, holding the item of the put at `p`, for the get at `p` | that get: `p + LAP` |
//!
//! `p + 1` is never a position of the same slot (its index is `index(p) + 1`), so the two rows
//! never meet. A stamp only grows, so a put at `t` reading a stamp *below* `t` knows the slot is
//! still busy with an earlier lap (full, or a put or get of that lap has claimed it and not yet
//! finished): it must wait. A stamp *above* means its copy of `tail` is stale: it reloads. Gets
//! are the same with `h + 1`. Whoever claimed a position owns the slot until it changes the stamp,
//! which it does with one swap: Release publishes the item (put) or the slot's emptiness (get), and
//! Acquire reads the marks below.
//!
//! Marks (the low `MARK_BITS` bits): a caller about to sleep because the slot it needs is busy
//! sets its mark on *that slot's* stamp with a compare-exchange on the exact stamp it saw:
//!
//! | mark      | set by                                   | the swap that finds it wakes |
//! |-----------|------------------------------------------|------------------------------|
//! | `GETTER`  | a get waiting for the slot at `head`     | `not_empty` (all)            |
//! | `PUTTER`  | a put waiting for the slot at `tail`     | `not_full` (all)             |
//! | `POLLER`  | a `poll` or a selector waiting for `head`| `readable` (`wake_ready`)    |
//! | `OFFERER` | a put waiting for `tail`, its item on offer | a get's: puts the item; a put's: bumps `offer` |
//!
//! Why no wake-up is lost: a waiter reads the word's epoch, then marks. The slot it needs cannot
//! become ready without its owner's swap on that very stamp (nothing else changes a stamp), so
//! either the swap comes first (the mark's compare-exchange fails, the waiter looks again) or the
//! swap reads the mark and bumps the epoch after it (the waiter's sleep on the older epoch returns
//! at once, or the wake reaches it). The waker needs no count of sleepers: a stamp without marks
//! (the fast path) wakes nobody and makes no system call. A mark left by a waiter that timed out
//! costs one needless wake. A swap that is not the one the waiter waits for (an earlier lap's) also
//! wakes it; it looks again and marks again. The wakes are to all: every waiting getter (putter)
//! waits for the same slot, the one at `head` (`tail`), and whichever wins it, the others mark the
//! next one.
//!
//! The offer: one put at a time may wait with its item on offer, in `offered` (the states are at
//! `EMPTY` ...): it publishes the item, then marks the stamp it waits for with `OFFERER`, and
//! sleeps on `offer`. The get whose swap frees that slot reads the mark, takes the offer and makes
//! the put itself (`put_offered`: a `try_push`), then reports `DONE`, or `RETURNED` with the item
//! back when another put claimed the slot first or the ring closed. So a get on a CPU shared with
//! the putter finds the next item without a switch back to it. The put withdraws its offer on a
//! bump (a shutdown, or a put's swap of the marked stamp: an earlier lap's put that had claimed
//! and not published when the put looked), a past deadline or a close, and looks again. Why no
//! wake is lost: the put publishes before it marks (Release, then an AcqRel compare-exchange on
//! the exact stamp, even when the mark is on already), so the swap that reads the mark sees the
//! offer; a mark that fails means the stamp changed, and the put looks again. The put announces
//! its sleep (`SLEEPER`) with a compare-exchange on the exact word it saw, and whoever changes
//! the state afterwards reads the bit in its read-modify-write and wakes it.
//!
//! Shutdown: `tail`'s top bit (`CLOSED`) closes the ring to puts: a put claims only with a
//! compare-exchange from a `tail` without it, so every put either claimed its position before the
//! close (and will publish its item) or fails with the item handed back. A get that finds the slot
//! at `head` not full and `tail == head | CLOSED` knows nothing more can come: `Disconnected`.
//! `state` says what kind of shutdown (the table in `src/ring.rs`, the same three states):
//! `Dropped` makes gets fail at once. An immediate shutdown then takes every item left as a get
//! would (waiting, asleep if need be, for a put that claimed before the close to publish) and
//! drops them after every wake.
//!
//! Tasks: `done` counts `task_done` calls and the items an immediate shutdown dropped. Items got
//! and not done are `count(head) − done`; unfinished tasks (got and not done, or inside) are
//! `count(tail) − done`. So a put and a get count their task by moving their counter, at no cost.
//! Joiners register in `joiners` and sleep on `all_done`; a `task_done` that leaves nothing
//! unfinished wakes them if any is registered. The two sides meet in a store-then-load pattern
//! (the joiner counts itself then reads the counters; `task_done` bumps `done` then reads
//! `joiners`), so each side has a `fence(SeqCst)` between its write and its read: then at least
//! one of them sees the other.
//!
//! Storage: the slots are allocated at the first put (or the first get that must sleep), all
//! `capacity` of them, and kept until the ring drops.
//!
//! Memory ordering, in one place: stamps are read with Acquire (a get sees the item its put wrote;
//! a put sees that the earlier lap's get has moved its item out) and changed by their owner with
//! an AcqRel swap (Release publishes; Acquire reads a waiter's mark and so everything the waiter
//! did before marking, which a selector relies on). `head` and `tail` may be Relaxed: a claim only
//! reserves a position, and every datum moves through the stamps; a stale value is caught by the
//! stamp comparison. `tail` is still loaded with Acquire and closed with AcqRel so that a shutdown
//! happens-before the errors it causes. Every epoch bump is Release and waiters load their epoch
//! with Acquire, so a waiter that saw a bump also sees what came before it: the close, or the swap
//! that read its mark (a waiter that returned spuriously and read the new epoch must not see the
//! old, marked stamp and sleep on an epoch nobody bumps again).
//!
//! Selectors (`src/select.rs`) arm by marking the slot at `head` with `POLLER`, each round (a mark
//! lasts one swap), and read the state with a read-modify-write (`fetch_or(0)`), so the shutdown's
//! read-modify-write of the state comes after it and carries the selector's registration to the
//! shutdown's `wake_ready`.

use core::mem::MaybeUninit;
use std::panic::{AssertUnwindSafe, RefUnwindSafe, UnwindSafe, catch_unwind, resume_unwind};

use crate::channel_error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::ring::{Ring, State};
use crate::shim::{
    self, AtomicPtr, AtomicU32, AtomicUsize, Instant,
    Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst},
    UnsafeCell, fence,
};
use crate::store::Store;
use std::collections::VecDeque;

/// Low bits of a stamp that hold marks, not the position.
const MARK_BITS: u32 = 4;
const MARKS: usize = (1 << MARK_BITS) - 1;
/// A get sleeps on `not_empty` waiting for this slot.
const GETTER: usize = 1;
/// A put sleeps on `not_full` waiting for this slot.
const PUTTER: usize = 2;
/// A poller or selector waits on `readable` for this slot.
const POLLER: usize = 4;
/// A put waits for this slot with its item on offer (`offered`): the get that frees the slot
/// puts the item for it (`put_offered`); any other swap of the stamp bumps `offer`.
const OFFERER: usize = 8;

/// The offer word (`offer`): a state in the low bits, `SLEEPER`, and above them a count that a
/// shutdown, or a swap that finds `OFFERER` but frees nothing, bumps to send the offering put
/// back.
const OFFER_STATE: u32 = 7;
/// The offering put sleeps (or is about to) on `offer`: whoever changes the word must wake it.
const SLEEPER: u32 = 8;
const OFFER_BUMP: u32 = 16;
/// No offer: a waiting put may claim `offered`.
const EMPTY: u32 = 0;
/// A put owns `offered`: it is writing its item in, or taking it back out.
const FILLING: u32 = 1;
/// `offered` holds a waiting put's item; the get that frees the slot the put waits for may take
/// it.
const OFFERED: u32 = 2;
/// A get owns `offered`: it is putting the item.
const TAKEN: u32 = 3;
/// The get put the item: the put has happened, and its caller returns.
const DONE: u32 = 4;
/// The get could not put it (the slot was claimed by another put first, or the ring closed): the
/// item is back in `offered`, and the put looks again.
const RETURNED: u32 = 5;

/// `tail`'s top bit: the ring is shut down, no put may claim.
const CLOSED: usize = 1 << (usize::BITS - 1);
/// The position part of `tail`.
const POSITION: usize = !CLOSED;

/// The largest capacity that gets this core; a larger bounded queue stays on the locked ring,
/// which allocates as items arrive (this one allocates every slot at the first put).
pub(crate) const MAX_SLOTS: usize = 1 << 16;

/// Keeps `head` and `tail` on cache lines of their own (two lines: the adjacent-line prefetch).
#[repr(align(128))]
struct Padded<T>(T);

struct Slot<T> {
    stamp: AtomicUsize,
    item: UnsafeCell<MaybeUninit<T>>,
}

pub struct Slots<T> {
    /// The next put's position, and `CLOSED`.
    tail: Padded<AtomicUsize>,
    /// The next get's position.
    head: Padded<AtomicUsize>,
    /// `capacity` slots, or null until the first put.
    buf: AtomicPtr<Slot<T>>,
    capacity: usize,
    /// The power of two above `capacity`: one lap of positions.
    lap: usize,
    /// `task_done` calls plus items an immediate shutdown dropped.
    done: AtomicUsize,
    /// Registered joiners.
    joiners: AtomicU32,
    /// `State` as a number (see `state_of`).
    state: AtomicU32,
    not_empty: AtomicU32,
    not_full: AtomicU32,
    readable: AtomicU32,
    all_done: AtomicU32,
    /// The offer's state and bump count (`EMPTY` ...); the offering put sleeps on it.
    offer: AtomicU32,
    /// A waiting put's item, while `offer` says `OFFERED` (and while its owner, `FILLING` or
    /// `TAKEN`, moves it in or out).
    offered: UnsafeCell<MaybeUninit<T>>,
}

/// As the locked ring (`src/ring.rs`): no user code runs inside the ring except an item's `Drop`,
/// which runs only once the ring is consistent (after the swap that emptied the slot), and the
/// items move in and out whole. So a panic leaves nothing half-changed.
impl<T> UnwindSafe for Slots<T> {}
/// See the `UnwindSafe` impl.
impl<T> RefUnwindSafe for Slots<T> {}

// SAFETY: the ring moves `T`s between threads and never shares one: each slot's item is accessed
// only by the thread that claimed its position, between the claim and the stamp swap, and the
// stamps order those accesses (see the top). So `T: Send` is enough for both.
unsafe impl<T: Send> Send for Slots<T> {}
// SAFETY: see `Send`.
unsafe impl<T: Send> Sync for Slots<T> {}

const OPEN: u32 = 0;
const DRAINING: u32 = 1;
const DROPPED: u32 = 2;

fn state_of(v: u32) -> State {
    match v {
        OPEN => State::Open,
        DRAINING => State::Draining,
        _ => State::Dropped,
    }
}

/// Why a put or get did not happen (as `src/ring.rs`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fail {
    NotNow,
    Closed,
}

/// A slot that was not ready, as seen: where, the exact stamp (for the mark), and the position
/// the caller wanted it for.
struct Busy<'a, T> {
    slot: &'a Slot<T>,
    stamp: usize,
    position: usize,
}

#[inline]
fn stamp_of(position: usize) -> usize {
    position << MARK_BITS
}

/// Signed distance from the position part of `stamp` to `want` (a stamp without marks).
#[inline]
fn behind(stamp: usize, want: usize) -> isize {
    (stamp & !MARKS).wrapping_sub(want) as isize
}

impl<T> Slots<T> {
    #[cfg(not(weft_checker))]
    pub(crate) const fn new(capacity: usize) -> Self {
        Slots {
            tail: Padded(AtomicUsize::new(0)),
            head: Padded(AtomicUsize::new(0)),
            buf: AtomicPtr::new(core::ptr::null_mut()),
            capacity,
            lap: (capacity + 1).next_power_of_two(),
            done: AtomicUsize::new(0),
            joiners: AtomicU32::new(0),
            state: AtomicU32::new(OPEN),
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            readable: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
            offer: AtomicU32::new(EMPTY),
            offered: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }

    /// Under loom the slots are allocated here, at once: every load of a lazily installed pointer
    /// is one more value loom would explore in every model (null, then the slots), multiplying
    /// the runs of the slot protocol the models are about. The lazy install (`allocate`) is
    /// explored by shuttle, which allocates lazily as std does.
    #[cfg(weft_checker)]
    pub(crate) fn new(capacity: usize) -> Self {
        let slots = Slots {
            tail: Padded(AtomicUsize::new(0)),
            head: Padded(AtomicUsize::new(0)),
            buf: AtomicPtr::new(core::ptr::null_mut()),
            capacity,
            lap: (capacity + 1).next_power_of_two(),
            done: AtomicUsize::new(0),
            joiners: AtomicU32::new(0),
            state: AtomicU32::new(OPEN),
            not_empty: AtomicU32::new(0),
            not_full: AtomicU32::new(0),
            readable: AtomicU32::new(0),
            all_done: AtomicU32::new(0),
            offer: AtomicU32::new(EMPTY),
            offered: UnsafeCell::new(MaybeUninit::uninit()),
        };
        if cfg!(weft_loom) {
            slots.allocate();
        }
        slots
    }

    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// The position after `p`.
    #[inline]
    fn next(&self, p: usize) -> usize {
        let index = p & (self.lap - 1);
        if index + 1 < self.capacity {
            p + 1
        } else {
            (p & !(self.lap - 1)).wrapping_add(self.lap) & POSITION
        }
    }

    /// Puts (gets) before position `p`.
    #[inline]
    fn count(&self, p: usize) -> usize {
        let p = p & POSITION;
        (p / self.lap)
            .wrapping_mul(self.capacity)
            .wrapping_add(p & (self.lap - 1))
    }

    /// Puts plus gets so far (wrapping): how far the ring has moved, for a waiter's spin
    /// (`shim::Spin::pause_beside`). Relaxed: a hint, read around a yield.
    fn moves(&self) -> usize {
        self.count(self.tail.0.load(Relaxed))
            .wrapping_add(self.count(self.head.0.load(Relaxed)))
    }

    /// The slots, allocating them if nobody has yet.
    #[inline]
    fn slots(&self) -> &[Slot<T>] {
        // Acquire: see the slots' initial stamps written by whoever allocated them.
        let buf = self.buf.load(Acquire);
        if buf.is_null() {
            return self.allocate();
        }
        // SAFETY: a non-null `buf` points to `capacity` initialized slots that live until the
        // ring drops (`allocate`), and `&self` keeps the ring alive.
        unsafe { core::slice::from_raw_parts(buf, self.capacity) }
    }

    /// The slots if allocated.
    #[inline]
    fn slots_if_any(&self) -> Option<&[Slot<T>]> {
        // Acquire: as `slots`.
        let buf = self.buf.load(Acquire);
        // SAFETY: as in `slots`.
        (!buf.is_null()).then(|| unsafe { core::slice::from_raw_parts(buf, self.capacity) })
    }

    #[cold]
    #[inline(never)]
    fn allocate(&self) -> &[Slot<T>] {
        let fresh: Box<[Slot<T>]> = (0..self.capacity)
            .map(|i| Slot {
                stamp: AtomicUsize::new(stamp_of(i)),
                item: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        let ptr = Box::into_raw(fresh).cast::<Slot<T>>();
        // AcqRel: Release publishes the initial stamps; Acquire (on failure too) sees the other
        // allocator's.
        match self
            .buf
            .compare_exchange(core::ptr::null_mut(), ptr, AcqRel, Acquire)
        {
            Ok(_) => {}
            Err(_) => {
                // SAFETY: `ptr` came from `Box::into_raw` of a `capacity`-long boxed slice just
                // above and was never shared: rebuilding the box frees it once.
                drop(unsafe {
                    Box::from_raw(core::ptr::slice_from_raw_parts_mut(ptr, self.capacity))
                });
            }
        }
        self.slots_if_any().expect("allocated")
    }

    // ---- put ----

    /// One attempt: `Ok` put; `Err(Ok(busy))` the slot at `tail` is busy; `Err(Err(()))` closed.
    #[inline]
    fn try_push<'a>(
        &self,
        slots: &'a [Slot<T>],
        item: T,
    ) -> Result<(), (T, Result<Busy<'a, T>, ()>)> {
        // Acquire: a `CLOSED` seen here comes after the shutdown that set it.
        let mut t = self.tail.0.load(Acquire);
        loop {
            if t & CLOSED != 0 {
                return Err((item, Err(())));
            }
            let slot = &slots[t & (self.lap - 1)];
            // Acquire: the earlier lap's get has moved its item out before it stamped `t`.
            let stamp = slot.stamp.load(Acquire);
            let d = behind(stamp, stamp_of(t));
            if d < 0 {
                return Err((
                    item,
                    Ok(Busy {
                        slot,
                        stamp,
                        position: t,
                    }),
                ));
            }
            if d > 0 {
                // A put has claimed `t` since: reload.
                t = self.tail.0.load(Acquire);
                continue;
            }
            // Relaxed: the claim only reserves the position; the stamp carries the item.
            match self
                .tail
                .0
                .compare_exchange_weak(t, self.next(t), Relaxed, Acquire)
            {
                Ok(_) => {
                    // SAFETY: the claim of `t` makes this thread the slot's only user until the
                    // swap below; the stamp was `t`, so the earlier lap's item was moved out.
                    slot.item.with_mut(|p| unsafe { (*p).write(item) });
                    // AcqRel: Release publishes the item; Acquire reads the marks.
                    let old = slot.stamp.swap(stamp_of(t + 1), AcqRel);
                    self.wake_marked(old, None);
                    return Ok(());
                }
                Err(now) => t = now,
            }
        }
    }

    #[inline]
    fn put(&self, item: T, block: Option<Option<Instant>>) -> Result<(), (T, Fail)> {
        let slots = self.slots();
        match self.try_push(slots, item) {
            Ok(()) => Ok(()),
            Err((item, Err(()))) => Err((item, Fail::Closed)),
            Err((item, Ok(_))) => self.put_slow(slots, item, block),
        }
    }

    #[cold]
    fn put_slow(
        &self,
        slots: &[Slot<T>],
        mut item: T,
        block: Option<Option<Instant>>,
    ) -> Result<(), (T, Fail)> {
        let (mut timed_out, mut spin) = (false, shim::Spin::new(shim::Site::Ring));
        let mut offering = true;
        loop {
            // Acquire: a bump by a shutdown comes after its close, which the try then sees.
            let epoch = self.not_full.load(Acquire);
            let busy = match self.try_push(slots, item) {
                Ok(()) => return Ok(()),
                Err((it, Err(()))) => return Err((it, Fail::Closed)),
                Err((it, Ok(busy))) => {
                    item = it;
                    busy
                }
            };
            let Some(deadline) = block else {
                return Err((item, Fail::NotNow));
            };
            // After the try, before any spin or mark: a past deadline is one try, no trace.
            if timed_out || shim::expired(deadline) {
                return Err((item, Fail::NotNow));
            }
            if offering && spin.is_busy() {
                // Spin first: with the other end on another core the slot is often freed
                // within the busy rounds, and an offer there would only move the put's work
                // (and the offer word's cache line) to the get. An offer pays where the get
                // runs on this thread's CPU (yields), or when this thread is about to sleep.
                // Relaxed: only a hint; the try re-reads with Acquire.
                while spin.is_busy() && spin.pause() && busy.slot.stamp.load(Relaxed) == busy.stamp
                {
                }
                continue;
            }
            if offering {
                match self.offer_and_wait(item, &busy, &mut spin, deadline) {
                    Ok(()) => return Ok(()),
                    Err((it, Some(expired))) => {
                        item = it;
                        timed_out = expired;
                        continue;
                    }
                    Err((it, None)) => {
                        // Another put's item is on offer: wait the usual way.
                        item = it;
                        offering = false;
                    }
                }
            }
            if !spin.is_spent() {
                // Relaxed: only a hint; the try re-reads with Acquire.
                while spin.pause_beside(|| self.moves(), self.capacity + 1)
                    && busy.slot.stamp.load(Relaxed) == busy.stamp
                {}
                continue;
            }
            spin.stop();
            if !self.mark(&busy, PUTTER) {
                continue;
            }
            timed_out = !shim::wait(&self.not_full, epoch, deadline);
        }
    }

    /// Sets `mark` on the busy slot's stamp if it is still the one seen; `false` if it changed
    /// (the caller looks again instead of sleeping).
    #[inline]
    fn mark(&self, busy: &Busy<'_, T>, mark: usize) -> bool {
        if busy.stamp & mark != 0 {
            // Already marked (by another waiter of this kind, or by this one before a spurious
            // return): the swap that changes the stamp reads the mark and bumps the epoch. If that
            // swap has happened already, its bump is one the caller's epoch read did not see (had
            // it seen the Release bump, its Acquire read would have shown it the new stamp), so
            // the sleep returns at once. No need to look again.
            return true;
        }
        // AcqRel: Release carries this thread's earlier steps (a selector's registration) to the
        // swap that reads the mark.
        busy.slot
            .stamp
            .compare_exchange(busy.stamp, busy.stamp | mark, AcqRel, Relaxed)
            .is_ok()
    }

    /// Wakes the sleepers whose marks an owner's swap found on a stamp. `freed`: the swap was a
    /// get's, which freed the slot (then an offering put's item is put here).
    #[inline]
    fn wake_marked(&self, old: usize, freed: Option<&[Slot<T>]>) {
        if old & MARKS != 0 {
            self.wake_marked_slow(old, freed);
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_marked_slow(&self, old: usize, freed: Option<&[Slot<T>]>) {
        // The swap read the mark, which the waiter set after reading its epoch, so that read
        // cannot see this bump: its sleep returns at once or this wake reaches it (see the top).
        // Release: a waiter that reads the bumped epoch (one that returned spuriously and looks
        // again) must also see this swap; with Relaxed it could read the new epoch and the old,
        // marked stamp, and sleep on an epoch nobody will bump again (loom found this:
        // `loom-tests/slots.rs::getter_returning_spuriously_sees_the_swap_behind_a_new_epoch`).
        if old & GETTER != 0 {
            self.not_empty.fetch_add(1, Release);
            shim::wake_all(&self.not_empty);
        }
        if old & PUTTER != 0 {
            self.not_full.fetch_add(1, Release);
            shim::wake_all(&self.not_full);
        }
        if old & POLLER != 0 {
            self.readable.fetch_add(1, Release);
            shim::wake_ready(&self.readable);
        }
        if old & OFFERER != 0 {
            match freed {
                Some(slots) => self.put_offered(slots),
                // A put's swap of a stamp an offering put marked (one of an earlier lap, claimed
                // and not yet published when the put looked): send the put back to look again.
                // Release: as the bumps above.
                None => {
                    if self.offer.fetch_add(OFFER_BUMP, Release) & SLEEPER != 0 {
                        shim::wake_all(&self.offer);
                    }
                }
            }
        }
    }

    /// A get that freed a slot an offering put waited for puts the put's item, if it is still on
    /// offer: it takes the offer (`TAKEN`), tries the put, and reports `DONE` or hands the item
    /// back (`RETURNED`: another put claimed the slot first, or the ring closed), then wakes the
    /// put. No user code runs here: the item only moves.
    fn put_offered(&self, slots: &[Slot<T>]) {
        // The swap that found the mark read (Acquire) the put's marking, which came after it
        // published the offer (Release), so this load sees the offer or a later state.
        let mut w = self.offer.load(Acquire);
        loop {
            if w & OFFER_STATE != OFFERED {
                // Withdrawn already (a timeout, a shutdown, a stamp that changed under the mark),
                // or taken by another get: nothing to do.
                return;
            }
            // Acquire: the put's write of the item happened before its `OFFERED` (Release).
            match self
                .offer
                .compare_exchange(w, w - OFFERED + TAKEN, Acquire, Acquire)
            {
                Ok(_) => break,
                Err(now) => w = now,
            }
        }
        // SAFETY: `TAKEN` makes this thread the only user of `offered` until it leaves that
        // state; the put wrote the item before `OFFERED`, and nobody has read it since.
        let item = self.offered.with(|p| unsafe { (*p).assume_init_read() });
        let outcome = match self.try_push(slots, item) {
            Ok(()) => DONE,
            Err((item, _)) => {
                // SAFETY: still `TAKEN`: the item goes back where it was read from.
                self.offered.with_mut(|p| unsafe { (*p).write(item) });
                RETURNED
            }
        };
        // Release: the put (or the item put back) happens-before the offering put's return.
        if self.offer.fetch_add(outcome - TAKEN, Release) & SLEEPER != 0 {
            shim::wake_all(&self.offer);
        }
    }

    /// The put waiting for the busy slot `busy` offers its item (see `OFFERER`) and waits for the
    /// get that frees the slot to put it. `Ok` when that get put it; `Err((item, None))` when the
    /// offer was already another put's (the caller waits the usual way); `Err((item,
    /// Some(timed_out)))` when the item came back (the caller looks again; `timed_out`: the
    /// deadline passed).
    fn offer_and_wait(
        &self,
        item: T,
        busy: &Busy<'_, T>,
        spin: &mut shim::Spin,
        deadline: Option<Instant>,
    ) -> Result<(), (T, Option<bool>)> {
        let w = self.offer.load(Relaxed);
        // Acquire: this thread reuses `offered` after the last owner's move out of it.
        if w & OFFER_STATE != EMPTY
            || self
                .offer
                .compare_exchange(w, w + FILLING, Acquire, Relaxed)
                .is_err()
        {
            return Err((item, None));
        }
        // SAFETY: `FILLING` makes this thread the only user of `offered`; it holds no item (every
        // owner moves the item out before it leaves its state for `EMPTY`).
        self.offered.with_mut(|p| unsafe { (*p).write(item) });
        // Release: the item is written before anyone can take it.
        let published = self.offer.fetch_add(OFFERED - FILLING, Release) + OFFERED - FILLING;
        // Mark the stamp seen busy, always with a compare-exchange (also where the mark is on
        // already, from an earlier offer): AcqRel, so the get whose swap reads the mark also
        // reads the offer above. A stamp that changed since it was seen means the slot may be
        // free: take the item back and look again.
        let marked = busy
            .slot
            .stamp
            .compare_exchange(busy.stamp, busy.stamp | OFFERER, AcqRel, Relaxed)
            .is_ok();
        let mut w = published;
        let mut timed_out = false;
        loop {
            match w & OFFER_STATE {
                DONE => {
                    // Release: this thread leaves the offer (`EMPTY`, no sleeper); the next
                    // owner's claim (Acquire) comes after.
                    self.offer.fetch_and(!(OFFER_STATE | SLEEPER), Release);
                    return Ok(());
                }
                RETURNED => {
                    // SAFETY: `RETURNED` (read with Acquire) hands `offered`, holding the item,
                    // back to this thread.
                    let item = self.offered.with(|p| unsafe { (*p).assume_init_read() });
                    // Release: the item is out before another put claims `offered`.
                    self.offer.fetch_and(!(OFFER_STATE | SLEEPER), Release);
                    return Err((item, Some(timed_out)));
                }
                OFFERED => {
                    let give_up = !marked
                        || timed_out
                        || w / OFFER_BUMP != published / OFFER_BUMP
                        || shim::expired(deadline)
                        || self.tail.0.load(Acquire) & CLOSED != 0;
                    if give_up {
                        // Withdraw: back to `FILLING`, this thread's again, unless a get took
                        // the offer meanwhile (then wait for its outcome).
                        match self.offer.compare_exchange(
                            w,
                            w - OFFERED + FILLING,
                            Acquire,
                            Acquire,
                        ) {
                            Ok(_) => {
                                // SAFETY: `FILLING` again: this thread's; the item is inside.
                                let item =
                                    self.offered.with(|p| unsafe { (*p).assume_init_read() });
                                self.offer.fetch_and(!(OFFER_STATE | SLEEPER), Release);
                                let expired = timed_out || shim::expired(deadline);
                                return Err((item, Some(expired)));
                            }
                            Err(now) => {
                                w = now;
                                continue;
                            }
                        }
                    }
                }
                _ => {} // `TAKEN`: a get is putting the item; wait for its outcome.
            }
            if !spin.is_spent() {
                // Relaxed: only a hint; the loop re-reads with Acquire.
                while spin.pause_beside(|| self.moves(), self.capacity + 1)
                    && self.offer.load(Relaxed) == w
                {}
            } else {
                spin.stop();
                if w & SLEEPER == 0 {
                    // Announce the sleep on the exact word seen; if it changed, look again.
                    // Relaxed: the wait's value check, not this store, is what the waker's
                    // read-modify-write orders against.
                    if let Err(now) = self
                        .offer
                        .compare_exchange(w, w | SLEEPER, Relaxed, Acquire)
                    {
                        w = now;
                        continue;
                    }
                    w |= SLEEPER;
                }
                // While a get holds the offer its outcome comes soon and must be waited for,
                // whatever the deadline: sleep without one.
                let until = if w & OFFER_STATE == TAKEN {
                    None
                } else {
                    deadline
                };
                if !shim::wait(&self.offer, w, until) && until.is_some() {
                    timed_out = true;
                }
            }
            w = self.offer.load(Acquire);
        }
    }

    // ---- get ----

    /// One attempt: `Ok` an item; `Err(busy)` the slot at `head` is not full.
    #[inline]
    fn try_pop<'a>(&self, slots: &'a [Slot<T>]) -> Result<T, Busy<'a, T>> {
        let mut h = self.head.0.load(Relaxed);
        loop {
            let slot = &slots[h & (self.lap - 1)];
            // Acquire: the put that stamped `h + 1` wrote the item before.
            let stamp = slot.stamp.load(Acquire);
            let d = behind(stamp, stamp_of(h + 1));
            if d < 0 {
                return Err(Busy {
                    slot,
                    stamp,
                    position: h,
                });
            }
            if d > 0 {
                h = self.head.0.load(Relaxed);
                continue;
            }
            // Relaxed: as the put's claim.
            match self
                .head
                .0
                .compare_exchange_weak(h, self.next(h), Relaxed, Relaxed)
            {
                Ok(_) => {
                    // SAFETY: the claim of `h` makes this thread the slot's only user until the
                    // swap; the stamp `h + 1` (Acquire) says the put at `h` initialized the item.
                    let item = slot.item.with(|p| unsafe { (*p).assume_init_read() });
                    // The same slot one lap on: the index bits stay, the lap grows.
                    let free = stamp_of(h.wrapping_add(self.lap) & POSITION);
                    // AcqRel: Release says the item is out; Acquire reads the marks.
                    let old = slot.stamp.swap(free, AcqRel);
                    self.wake_marked(old, Some(slots));
                    return Ok(item);
                }
                Err(now) => h = now,
            }
        }
    }

    /// Whether a get that found the slot at `head` position `h` not full must give up: the ring
    /// is closed and every put that claimed has been got (`tail == h`: no put can come, and
    /// `head` cannot have passed `tail`), or the shutdown was immediate.
    #[inline]
    fn drained(&self, h: usize) -> bool {
        // Acquire: the close happens-before the error.
        let t = self.tail.0.load(Acquire);
        if t & CLOSED == 0 {
            return false;
        }
        // The state is set after the close: read after seeing it.
        t & POSITION == h || self.state.load(Acquire) == DROPPED
    }

    #[inline]
    fn get(&self, block: Option<Option<Instant>>) -> Result<T, Fail> {
        if let Some(slots) = self.slots_if_any() {
            if let Ok(item) = self.try_pop(slots) {
                return Ok(item);
            }
        }
        self.get_slow(block)
    }

    #[cold]
    fn get_slow(&self, block: Option<Option<Instant>>) -> Result<T, Fail> {
        let (mut timed_out, mut spin) = (false, shim::Spin::new(shim::Site::Ring));
        let mut slots = self.slots_if_any();
        loop {
            let epoch = self.not_empty.load(Acquire);
            // A get racing an immediate shutdown may still take an item before the drain does;
            // once the shutdown has returned, nothing is left and `drained` says so.
            let busy = match slots {
                Some(slots) => match self.try_pop(slots) {
                    Ok(item) => return Ok(item),
                    Err(busy) => Some(busy),
                },
                None => None,
            };
            let h = match &busy {
                Some(busy) => busy.position,
                None => self.head.0.load(Relaxed),
            };
            if self.drained(h) {
                return Err(Fail::Closed);
            }
            let Some(deadline) = block else {
                return Err(Fail::NotNow);
            };
            if timed_out || shim::expired(deadline) {
                return Err(Fail::NotNow);
            }
            let Some(busy) = busy else {
                // Nothing allocated yet (or not seen yet): allocate, or find, a slot to mark.
                slots = Some(self.slots());
                continue;
            };
            if !spin.is_spent() {
                // Relaxed: only a hint; the try re-reads with Acquire.
                while spin.pause_beside(|| self.moves(), self.capacity + 1)
                    && busy.slot.stamp.load(Relaxed) == busy.stamp
                {}
                continue;
            }
            spin.stop();
            if !self.mark(&busy, GETTER) {
                continue;
            }
            // A shutdown whose bump this epoch missed has its close seen by `drained` (the bump
            // comes after the close, and `drained` read `tail` after the epoch).
            timed_out = !shim::wait(&self.not_empty, epoch, deadline);
        }
    }

    // ---- the public forms (the same as `src/ring.rs`) ----

    #[inline]
    pub(crate) fn put_blocking(&self, item: T) -> Result<(), SendError<T>> {
        self.put(item, Some(None))
            .map_err(|(item, _)| SendError(item))
    }

    #[inline]
    pub(crate) fn try_put(&self, item: T) -> Result<(), TrySendError<T>> {
        self.put(item, None).map_err(|(item, why)| match why {
            Fail::NotNow => TrySendError::Full(item),
            Fail::Closed => TrySendError::Disconnected(item),
        })
    }

    #[inline]
    pub(crate) fn put_until(
        &self,
        item: T,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<T>> {
        self.put(item, Some(deadline))
            .map_err(|(item, why)| match why {
                Fail::NotNow => SendTimeoutError::Timeout(item),
                Fail::Closed => SendTimeoutError::Disconnected(item),
            })
    }

    #[inline]
    pub(crate) fn get_blocking(&self) -> Result<T, RecvError> {
        self.get(Some(None)).map_err(|_| RecvError)
    }

    #[inline]
    pub(crate) fn try_get(&self) -> Result<T, TryRecvError> {
        self.get(None).map_err(|why| match why {
            Fail::NotNow => TryRecvError::Empty,
            Fail::Closed => TryRecvError::Disconnected,
        })
    }

    #[inline]
    pub(crate) fn get_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        self.get(Some(deadline)).map_err(|why| match why {
            Fail::NotNow => RecvTimeoutError::Timeout,
            Fail::Closed => RecvTimeoutError::Disconnected,
        })
    }

    // ---- counts, state ----

    /// Items inside (claimed puts not yet got), a snapshot.
    pub(crate) fn len(&self) -> usize {
        let h = self.head.0.load(Acquire);
        let t = self.tail.0.load(Acquire);
        let n = self.count(t).wrapping_sub(self.count(h)) as isize;
        (n.max(0) as usize).min(self.capacity)
    }

    pub(crate) fn state(&self) -> State {
        state_of(self.state.load(Acquire))
    }

    /// `(len, state)`; never blocks, always answers.
    pub(crate) fn snapshot(&self) -> Option<(usize, State)> {
        Some((self.len(), self.state()))
    }

    /// Got and not done, plus inside.
    pub(crate) fn unfinished(&self) -> usize {
        let d = self.done.load(Acquire);
        let t = self.tail.0.load(Acquire);
        let n = self.count(t).wrapping_sub(d) as isize;
        n.max(0) as usize
    }

    fn all_done(&self) -> bool {
        self.unfinished() == 0
    }

    pub(crate) fn task_done(&self) -> bool {
        let mut d = self.done.load(Relaxed);
        loop {
            let got = self.count(self.head.0.load(Relaxed));
            if got.wrapping_sub(d) as isize <= 0 {
                return false;
            }
            // AcqRel: Release carries the task's work to the join that sees it.
            match self
                .done
                .compare_exchange_weak(d, d.wrapping_add(1), AcqRel, Relaxed)
            {
                Ok(_) => break,
                Err(now) => d = now,
            }
        }
        self.wake_joiners();
        true
    }

    /// After `done` grew: wakes the joiners if any is registered and nothing is unfinished.
    fn wake_joiners(&self) {
        // SeqCst fence: against the joiner's fence between its registration and its look (top).
        fence(SeqCst);
        if self.joiners.load(Relaxed) > 0 && self.all_done() {
            self.all_done.fetch_add(1, Release);
            shim::wake_all(&self.all_done);
        }
    }

    pub(crate) fn join(&self, deadline: Option<Instant>) -> bool {
        let mut timed_out = false;
        loop {
            if self.all_done() {
                return true;
            }
            if timed_out || shim::expired(deadline) {
                return false;
            }
            self.joiners.fetch_add(1, Relaxed);
            let epoch = self.all_done.load(Acquire);
            // SeqCst fence: see `wake_joiners`.
            fence(SeqCst);
            if self.all_done() {
                self.joiners.fetch_sub(1, Relaxed);
                return true;
            }
            timed_out = !shim::wait(&self.all_done, epoch, deadline);
            self.joiners.fetch_sub(1, Relaxed);
        }
    }

    // ---- poll, select ----

    /// Ready: a get would not block (an item at `head`, or shut down). `Err(busy)` otherwise.
    /// `arming`: a selector's look, which reads the state with a read-modify-write (below).
    fn look(&self, arming: bool) -> Result<(), Option<Busy<'_, T>>> {
        let state = if arming {
            // AcqRel RMW: a shutdown changes `state` by a read-modify-write after this one, so it
            // reads this one and sees everything the selector did before (its registration):
            // the rule `select.rs` sets for a waker that has no mark to read.
            self.state.fetch_or(0, AcqRel)
        } else {
            self.state.load(Acquire)
        };
        if state != OPEN {
            return Ok(());
        }
        let Some(slots) = self.slots_if_any() else {
            return Err(None);
        };
        let h = self.head.0.load(Relaxed);
        let slot = &slots[h & (self.lap - 1)];
        let stamp = slot.stamp.load(Acquire);
        if behind(stamp, stamp_of(h + 1)) < 0 {
            Err(Some(Busy {
                slot,
                stamp,
                position: h,
            }))
        } else {
            // Full, or `head` moved on since (then something happened: report ready, the
            // caller's get decides).
            Ok(())
        }
    }

    pub(crate) fn is_readable(&self) -> bool {
        self.look(false).is_ok()
    }

    pub(crate) fn readable_hint(&self) -> bool {
        self.len() > 0
    }

    /// Announces a poller on the slot at `head` and looks; `true` if a get would not block.
    /// `selector`: see `look`.
    fn arm(&self, selector: bool) -> bool {
        loop {
            match self.look(selector) {
                Ok(()) => return true,
                Err(None) => {
                    self.slots();
                }
                Err(Some(busy)) => {
                    if self.mark(&busy, POLLER) {
                        return false;
                    }
                }
            }
        }
    }

    pub(crate) fn poll(&self, deadline: Option<Instant>) -> bool {
        let mut timed_out = false;
        loop {
            if timed_out || shim::expired(deadline) {
                // A past deadline is one look, no mark.
                return self.is_readable();
            }
            let epoch = self.readable.load(Acquire);
            if self.arm(false) {
                return true;
            }
            timed_out = !shim::wait(&self.readable, epoch, deadline);
        }
    }

    /// A selector's arm: marks the slot at `head` each round (a mark lasts for one swap).
    pub(crate) fn select_arm(&self, _first: bool) -> bool {
        self.arm(true)
    }

    pub(crate) fn select_disarm(&self) {}

    pub(crate) fn readable_word(&self) -> &AtomicU32 {
        &self.readable
    }

    // ---- shutdown ----

    pub(crate) fn shutdown(&self, immediate: bool) {
        let target = if immediate { DROPPED } else { DRAINING };
        // AcqRel: the close is what makes puts fail; see the top.
        self.tail.0.fetch_or(CLOSED, AcqRel);
        // AcqRel: with the close; the state only ever grows (`Open → Draining → Dropped`).
        let mut old = self.state.load(Acquire);
        loop {
            if old >= target {
                // An immediate shutdown already under way on another thread may still be
                // taking items out: help it, so that *this* shutdown, too, returns only when
                // nothing is left (`loom-tests/pipe.rs::each_of_two_racing_closes_ends_receiving_when_it_returns`).
                // Concurrent drains take each item once: they take them as gets do.
                if immediate {
                    self.drop_the_rest();
                }
                return;
            }
            match self.state.compare_exchange(old, target, AcqRel, Acquire) {
                Ok(_) => break,
                Err(now) => old = now,
            }
        }
        // Release: a waiter that reads the bump sees the close and the state.
        self.not_empty.fetch_add(1, Release);
        self.not_full.fetch_add(1, Release);
        self.readable.fetch_add(1, Release);
        self.all_done.fetch_add(1, Release);
        self.offer.fetch_add(OFFER_BUMP, Release);
        shim::wake_all(&self.not_empty);
        shim::wake_all(&self.not_full);
        shim::wake_ready(&self.readable);
        shim::wake_all(&self.all_done);
        shim::wake_all(&self.offer);
        if immediate {
            self.drop_the_rest();
        }
    }

    /// Takes every item left, as a get would, counting each done, and drops them: after the
    /// wakes, each one once even if one's `Drop` panics (the first panic then goes on).
    fn drop_the_rest(&self) {
        // Closed before: `tail` is final. Nothing claimed, nothing to drop (and no slots needed);
        // otherwise the slots exist, though this thread may not have seen them yet: `slots`
        // finds them (its compare-exchange reads the pointer the first put installed).
        if self.tail.0.load(Acquire) & POSITION == self.head.0.load(Relaxed) {
            return;
        }
        let slots = self.slots();
        let mut panic = None;
        let mut dropped = 0usize;
        loop {
            let epoch = self.not_empty.load(Acquire);
            let busy = match self.try_pop(slots) {
                Ok(item) => {
                    dropped += 1;
                    self.done.fetch_add(1, AcqRel);
                    if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(item))) {
                        panic.get_or_insert(p);
                    }
                    continue;
                }
                Err(busy) => busy,
            };
            // Closed before: `tail` is final, so `head == tail` means all is taken.
            let t = self.tail.0.load(Acquire) & POSITION;
            if t == self.head.0.load(Relaxed) {
                break;
            }
            // A put that claimed before the close has not published yet: sleep until it does.
            if self.mark(&busy, GETTER) {
                shim::wait(&self.not_empty, epoch, None);
            }
        }
        if dropped > 0 {
            self.wake_joiners();
        }
        if let Some(p) = panic {
            resume_unwind(p);
        }
    }
}

impl<T> Drop for Slots<T> {
    fn drop(&mut self) {
        // Relaxed loads: `&mut self` orders every earlier access before this drop.
        let buf = self.buf.load(Relaxed);
        if buf.is_null() {
            return;
        }
        // SAFETY: `buf` came from `allocate`'s `Box::into_raw` of `capacity` slots; `&mut self`
        // means no other access; rebuilt once here and freed when `slots` drops, after the loop
        // (an item's panicking drop is caught, so the loop always finishes).
        let slots =
            unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(buf, self.capacity)) };
        let mut h = self.head.0.load(Relaxed);
        let t = self.tail.0.load(Relaxed) & POSITION;
        let mut panic = None;
        while h != t {
            let slot = &slots[h & (self.lap - 1)];
            // SAFETY: with `&mut self` every claimed put has finished (a put never unwinds
            // between its claim and its stamp), so each position in `head..tail` holds an item
            // that no get took; each is read out once.
            let item = slot.item.with(|p| unsafe { (*p).assume_init_read() });
            if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(item))) {
                panic.get_or_insert(p);
            }
            h = self.next(h);
        }
        drop(slots);
        if let Some(p) = panic {
            resume_unwind(p);
        }
    }
}

/// The core under a FIFO queue or a pipe direction: these slots for a capacity up to
/// `MAX_SLOTS`, the locked ring (`src/ring.rs`) beyond it and for an unbounded queue, which both
/// allocate as items arrive.
// The slots are the large variant and the common one; boxing them would cost a pointer chase on
// every put and get and the `const fn new`.
#[allow(clippy::large_enum_variant)]
pub enum FifoCore<T> {
    Slots(Slots<T>),
    Ring(Ring<VecDeque<T>>),
}

impl<T> FifoCore<T> {
    /// `tasks` as `Ring::new` (the slots count tasks at no cost, so they ignore it).
    #[cfg(not(weft_checker))]
    pub(crate) const fn new(capacity: usize, tasks: bool) -> Self {
        if capacity <= MAX_SLOTS {
            FifoCore::Slots(Slots::new(capacity))
        } else {
            FifoCore::Ring(Ring::new(capacity, tasks))
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new(capacity: usize, tasks: bool) -> Self {
        if capacity <= MAX_SLOTS {
            FifoCore::Slots(Slots::new(capacity))
        } else {
            FifoCore::Ring(Ring::new(capacity, tasks))
        }
    }
}

/// What a queue or a pipe end needs from its core: implemented by the locked ring (every order)
/// and by `FifoCore`. Crate-private: a `pub` trait in a private module, so the sealed queue
/// orders can name it.
pub trait Core<T> {
    fn put_blocking(&self, item: T) -> Result<(), SendError<T>>;
    fn try_put(&self, item: T) -> Result<(), TrySendError<T>>;
    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>>;
    fn get_blocking(&self) -> Result<T, RecvError>;
    fn try_get(&self) -> Result<T, TryRecvError>;
    fn get_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError>;
    fn task_done(&self) -> bool;
    fn unfinished(&self) -> usize;
    fn join(&self, deadline: Option<Instant>) -> bool;
    fn shutdown(&self, immediate: bool);
    fn state(&self) -> State;
    fn len(&self) -> usize;
    fn capacity(&self) -> usize;
    fn snapshot(&self) -> Option<(usize, State)>;
    fn poll(&self, deadline: Option<Instant>) -> bool;
    fn is_readable(&self) -> bool;
    fn readable_hint(&self) -> bool;
    fn select_arm(&self, first: bool) -> bool;
    fn select_disarm(&self);
    fn readable_word(&self) -> &AtomicU32;
}

impl<S: Store> Core<S::Item> for Ring<S> {
    #[inline]
    fn put_blocking(&self, item: S::Item) -> Result<(), SendError<S::Item>> {
        Ring::put_blocking(self, item)
    }
    #[inline]
    fn try_put(&self, item: S::Item) -> Result<(), TrySendError<S::Item>> {
        Ring::try_put(self, item)
    }
    #[inline]
    fn put_until(
        &self,
        item: S::Item,
        deadline: Option<Instant>,
    ) -> Result<(), SendTimeoutError<S::Item>> {
        Ring::put_until(self, item, deadline)
    }
    #[inline]
    fn get_blocking(&self) -> Result<S::Item, RecvError> {
        Ring::get_blocking(self)
    }
    #[inline]
    fn try_get(&self) -> Result<S::Item, TryRecvError> {
        Ring::try_get(self)
    }
    #[inline]
    fn get_until(&self, deadline: Option<Instant>) -> Result<S::Item, RecvTimeoutError> {
        Ring::get_until(self, deadline)
    }
    fn task_done(&self) -> bool {
        Ring::task_done(self)
    }
    fn unfinished(&self) -> usize {
        Ring::unfinished(self)
    }
    fn join(&self, deadline: Option<Instant>) -> bool {
        Ring::join(self, deadline)
    }
    fn shutdown(&self, immediate: bool) {
        Ring::shutdown(self, immediate);
    }
    fn state(&self) -> State {
        Ring::state(self)
    }
    fn len(&self) -> usize {
        Ring::len(self)
    }
    fn capacity(&self) -> usize {
        Ring::capacity(self)
    }
    fn snapshot(&self) -> Option<(usize, State)> {
        Ring::snapshot(self)
    }
    fn poll(&self, deadline: Option<Instant>) -> bool {
        Ring::poll(self, deadline)
    }
    fn is_readable(&self) -> bool {
        Ring::is_readable(self)
    }
    fn readable_hint(&self) -> bool {
        Ring::readable_hint(self)
    }
    fn select_arm(&self, first: bool) -> bool {
        Ring::select_arm(self, first)
    }
    fn select_disarm(&self) {
        Ring::select_disarm(self);
    }
    fn readable_word(&self) -> &AtomicU32 {
        Ring::readable_word(self)
    }
}

impl<T> Core<T> for FifoCore<T> {
    #[inline]
    fn put_blocking(&self, item: T) -> Result<(), SendError<T>> {
        match self {
            FifoCore::Slots(s) => s.put_blocking(item),
            FifoCore::Ring(r) => r.put_blocking(item),
        }
    }
    #[inline]
    fn try_put(&self, item: T) -> Result<(), TrySendError<T>> {
        match self {
            FifoCore::Slots(s) => s.try_put(item),
            FifoCore::Ring(r) => r.try_put(item),
        }
    }
    #[inline]
    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), SendTimeoutError<T>> {
        match self {
            FifoCore::Slots(s) => s.put_until(item, deadline),
            FifoCore::Ring(r) => r.put_until(item, deadline),
        }
    }
    #[inline]
    fn get_blocking(&self) -> Result<T, RecvError> {
        match self {
            FifoCore::Slots(s) => s.get_blocking(),
            FifoCore::Ring(r) => r.get_blocking(),
        }
    }
    #[inline]
    fn try_get(&self) -> Result<T, TryRecvError> {
        match self {
            FifoCore::Slots(s) => s.try_get(),
            FifoCore::Ring(r) => r.try_get(),
        }
    }
    #[inline]
    fn get_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        match self {
            FifoCore::Slots(s) => s.get_until(deadline),
            FifoCore::Ring(r) => r.get_until(deadline),
        }
    }
    fn task_done(&self) -> bool {
        match self {
            FifoCore::Slots(s) => s.task_done(),
            FifoCore::Ring(r) => r.task_done(),
        }
    }
    fn unfinished(&self) -> usize {
        match self {
            FifoCore::Slots(s) => s.unfinished(),
            FifoCore::Ring(r) => r.unfinished(),
        }
    }
    fn join(&self, deadline: Option<Instant>) -> bool {
        match self {
            FifoCore::Slots(s) => s.join(deadline),
            FifoCore::Ring(r) => r.join(deadline),
        }
    }
    fn shutdown(&self, immediate: bool) {
        match self {
            FifoCore::Slots(s) => s.shutdown(immediate),
            FifoCore::Ring(r) => r.shutdown(immediate),
        }
    }
    fn state(&self) -> State {
        match self {
            FifoCore::Slots(s) => s.state(),
            FifoCore::Ring(r) => r.state(),
        }
    }
    fn len(&self) -> usize {
        match self {
            FifoCore::Slots(s) => s.len(),
            FifoCore::Ring(r) => r.len(),
        }
    }
    fn capacity(&self) -> usize {
        match self {
            FifoCore::Slots(s) => s.capacity(),
            FifoCore::Ring(r) => r.capacity(),
        }
    }
    fn snapshot(&self) -> Option<(usize, State)> {
        match self {
            FifoCore::Slots(s) => s.snapshot(),
            FifoCore::Ring(r) => r.snapshot(),
        }
    }
    fn poll(&self, deadline: Option<Instant>) -> bool {
        match self {
            FifoCore::Slots(s) => s.poll(deadline),
            FifoCore::Ring(r) => r.poll(deadline),
        }
    }
    fn is_readable(&self) -> bool {
        match self {
            FifoCore::Slots(s) => s.is_readable(),
            FifoCore::Ring(r) => r.is_readable(),
        }
    }
    fn readable_hint(&self) -> bool {
        match self {
            FifoCore::Slots(s) => s.readable_hint(),
            FifoCore::Ring(r) => r.readable_hint(),
        }
    }
    fn select_arm(&self, first: bool) -> bool {
        match self {
            FifoCore::Slots(s) => s.select_arm(first),
            FifoCore::Ring(r) => r.select_arm(first),
        }
    }
    fn select_disarm(&self) {
        match self {
            FifoCore::Slots(s) => s.select_disarm(),
            FifoCore::Ring(r) => r.select_disarm(),
        }
    }
    fn readable_word(&self) -> &AtomicU32 {
        match self {
            FifoCore::Slots(s) => s.readable_word(),
            FifoCore::Ring(r) => r.readable_word(),
        }
    }
}

/// Prints the capacity and a snapshot of the length (no `T: Debug` needed); never blocks.
impl<T> core::fmt::Debug for Slots<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Slots")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

/// Prints the core it holds; never blocks.
impl<T> core::fmt::Debug for FifoCore<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FifoCore::Slots(s) => s.fmt(f),
            FifoCore::Ring(r) => r.fmt(f),
        }
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! Every test runs under `shim::tests::watched`: a lost wake fails it by name.
    use super::*;
    use crate::shim::tests::watched;
    use std::sync::Arc;

    /// The get that frees the slot an offering put waits for puts that put's item before it
    /// returns: right after the get, the slot is full again, whatever the putter's thread does.
    #[test]
    fn the_get_that_frees_the_slot_puts_the_offering_puts_item() {
        watched(|| {
            let q = Arc::new(Slots::new(1));
            q.put_blocking(1).unwrap();
            let putter = {
                let q = Arc::clone(&q);
                std::thread::spawn(move || q.put_blocking(2))
            };
            // Until the put has offered and marked the full slot (bounded by the watchdog).
            let slots = q.slots();
            while slots[0].stamp.load(Acquire) & OFFERER == 0 {
                std::thread::yield_now();
            }
            assert_eq!(q.get_blocking(), Ok(1));
            assert_eq!(
                q.try_get(),
                Ok(2),
                "the freeing get put the offered item before it returned"
            );
            assert_eq!(
                putter.join().unwrap(),
                Ok(()),
                "and the put reports it done"
            );
            assert_eq!(
                q.offer.load(Acquire) & OFFER_STATE,
                EMPTY,
                "the offer is free again"
            );
        })
    }

    /// A bounded FIFO of up to `MAX_SLOTS` items runs on these slots, a larger one on the locked
    /// ring (`FifoCore::new`, as `src/queue.rs` and `src/pipe.rs` make them).
    #[test]
    fn fifo_cores_up_to_max_slots_run_on_the_slots_and_larger_ones_on_the_ring() {
        assert!(matches!(FifoCore::<u8>::new(1, false), FifoCore::Slots(_)));
        assert!(matches!(
            FifoCore::<u8>::new(MAX_SLOTS, true),
            FifoCore::Slots(_)
        ));
        assert!(matches!(
            FifoCore::<u8>::new(MAX_SLOTS + 1, true),
            FifoCore::Ring(_)
        ));
    }

    /// What a waiter may leave behind: every stamp (with its marks), the offer word and the wake
    /// words' epochs.
    fn trace(q: &Slots<u8>) -> (Vec<usize>, [u32; 5]) {
        let stamps = q.slots().iter().map(|s| s.stamp.load(Acquire)).collect();
        let words = [
            &q.offer,
            &q.not_empty,
            &q.not_full,
            &q.readable,
            &q.all_done,
        ];
        (stamps, words.map(|w| w.load(Acquire)))
    }

    /// A put, get, poll or join whose deadline has passed (or is now) is one try: it marks no
    /// stamp, offers nothing and bumps no epoch, so no later swap owes it a wake
    /// (`src/ring.rs::zero_timeout_and_past_deadline_leave_no_trace` for the locked ring).
    #[test]
    fn zero_timeout_and_past_deadline_leave_no_trace() {
        watched(|| {
            let past = Instant::now().checked_sub(std::time::Duration::from_millis(1));
            let now = shim::deadline_after(std::time::Duration::ZERO);
            let empty = Slots::new(1);
            empty.put_blocking(0).unwrap();
            assert_eq!(empty.try_get(), Ok(0), "the slots are allocated, and empty");
            let before = trace(&empty);
            for deadline in [past, now] {
                assert_eq!(empty.get_until(deadline), Err(RecvTimeoutError::Timeout));
                assert!(!empty.poll(deadline), "nothing to poll");
            }
            assert_eq!(
                trace(&empty),
                before,
                "a zero-timeout get or poll must not mark a stamp or bump an epoch"
            );
            let full = Slots::new(1);
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
                "a zero-timeout put or join must not mark a stamp, offer or bump an epoch"
            );
        })
    }

    /// The epochs of `not_empty`, `not_full`, `readable` and the offer word.
    fn epochs(q: &Slots<u8>) -> [u32; 4] {
        [&q.not_empty, &q.not_full, &q.readable, &q.offer].map(|w| w.load(Acquire))
    }

    /// A swap wakes only the kind of waiter whose mark it finds on the stamp: a getter's mark
    /// bumps `not_empty` alone, a poller's `readable` alone, a putter's `not_full` alone (and
    /// none of them the offer word), so no other sleeper returns for nothing.
    #[test]
    fn a_swap_wakes_only_the_kind_of_waiter_whose_mark_it_finds() {
        watched(|| {
            // On an empty ring, the put's swap finds a getter's or a poller's mark.
            for (mark, word) in [(GETTER, 0), (POLLER, 2)] {
                let q = Slots::new(1);
                let busy = q.try_pop(q.slots()).expect_err("empty");
                assert!(q.mark(&busy, mark));
                let before = epochs(&q);
                q.put_blocking(1).unwrap();
                let mut want = before;
                want[word] += 1;
                assert_eq!(epochs(&q), want, "mark {mark}: only its word is bumped");
            }
            // On a full ring, the get's swap finds a putter's mark.
            let q = Slots::new(1);
            q.put_blocking(1).unwrap();
            let Err((2, Ok(busy))) = q.try_push(q.slots(), 2) else {
                panic!("full")
            };
            assert!(q.mark(&busy, PUTTER));
            let before = epochs(&q);
            assert_eq!(q.get_blocking(), Ok(1));
            let mut want = before;
            want[1] += 1;
            assert_eq!(epochs(&q), want, "a putter's mark: only not_full is bumped");
        })
    }

    /// Whether thread `tid` sleeps in a futex wait on `word` (from `/proc`), whatever the value.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn asleep_on(tid: i32, word: &AtomicU32) -> bool {
        shim::tests::futex_wait_of(tid).map(|(addr, _)| addr)
            == Some(word as *const AtomicU32 as usize)
    }

    /// Threads calling into `q`, each with its thread id for `/proc`.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    type Callers<R> = Vec<(
        std::thread::JoinHandle<R>,
        Arc<std::sync::atomic::AtomicI32>,
    )>;

    /// Starts `n` threads that each run `call(i)`.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn spawn_callers<R: Send + 'static>(
        q: &Arc<Slots<u32>>,
        n: u32,
        call: fn(&Slots<u32>, u32) -> R,
    ) -> Callers<R> {
        use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
        (0..n)
            .map(|i| {
                let (q, tid) = (Arc::clone(q), Arc::new(AtomicI32::new(0)));
                let t = Arc::clone(&tid);
                let thread = std::thread::spawn(move || {
                    // SAFETY: gettid has no preconditions and cannot fail.
                    t.store(unsafe { libc::gettid() }, SeqCst);
                    call(&q, i)
                });
                (thread, tid)
            })
            .collect()
    }

    /// Waits until `/proc` shows every caller asleep on one of `words` (bounded by the
    /// watchdog): a call that spins on instead of sleeping never gets there, and one that
    /// returns fails the test.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn until_asleep<R>(callers: &Callers<R>, words: &[&AtomicU32]) {
        use std::sync::atomic::Ordering::SeqCst;
        let asleep = |tid: i32| tid != 0 && words.iter().any(|w| asleep_on(tid, w));
        while !callers.iter().all(|(_, tid)| asleep(tid.load(SeqCst))) {
            assert!(
                callers.iter().all(|(t, _)| !t.is_finished()),
                "a blocked call returned with nothing to return"
            );
            std::thread::sleep(std::time::Duration::from_millis(1)); // polling /proc, not ordering
        }
    }

    /// Bumps and wakes `word` as a swap or a shutdown would (by `bump`), with nothing changed
    /// for its sleepers: each must look again and go back to sleep.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn wake_for_nothing(word: &AtomicU32, bump: u32) {
        word.fetch_add(bump, Release);
        shim::wake_all(word);
    }

    /// Blocked calls sleep in the kernel once their spin is spent, a wake that brings nothing
    /// sends them back to sleep (not into a spin, not out with an error), and the swap that
    /// fills (frees) their slot ends them: two gets on an empty ring sleep on `not_empty`; two
    /// puts on a full ring sleep, the first with its item on offer (on `offer`), the second on
    /// `not_full`; each finishes with its own item. Linux futex backend only.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn blocked_gets_and_puts_sleep_until_a_swap_wakes_them() {
        watched(|| {
            let q = Arc::new(Slots::new(1));
            q.put_blocking(0).unwrap();
            assert_eq!(q.get_blocking(), Ok(0), "allocated, and empty");
            let getters = spawn_callers(&q, 2, |q, _| q.get_blocking());
            until_asleep(&getters, &[&q.not_empty]);
            wake_for_nothing(&q.not_empty, 1);
            until_asleep(&getters, &[&q.not_empty]);
            q.put_blocking(1).unwrap();
            q.put_blocking(2).unwrap();
            let mut got: Vec<_> = getters
                .into_iter()
                .map(|(g, _)| g.join().unwrap().expect("an item"))
                .collect();
            got.sort_unstable();
            assert_eq!(got, [1, 2], "each sleeping get got one item");

            // Blocking puts, then puts with a deadline far out: a wake for nothing is no timeout.
            let puts: [fn(&Slots<u32>, u32) -> bool; 2] = [
                |q, i| q.put_blocking(10 + i).is_ok(),
                |q, i| {
                    let far = Instant::now() + std::time::Duration::from_secs(3600);
                    q.put_until(10 + i, Some(far)).is_ok()
                },
            ];
            for put in puts {
                q.put_blocking(0).unwrap();
                let putters = spawn_callers(&q, 2, put);
                until_asleep(&putters, &[&q.offer, &q.not_full]);
                wake_for_nothing(&q.not_full, 1);
                wake_for_nothing(&q.offer, OFFER_BUMP);
                until_asleep(&putters, &[&q.offer, &q.not_full]);
                let mut got: Vec<_> = (0..3).map(|_| q.get_blocking().expect("an item")).collect();
                for (p, _) in putters {
                    assert!(p.join().unwrap(), "each sleeping put was made");
                }
                got[1..].sort_unstable();
                assert_eq!(got, [0, 10, 11]);
            }
            assert_eq!(q.try_get(), Err(TryRecvError::Empty));
        })
    }

    /// A blocked poll sleeps on `readable`, goes back to sleep after a wake that brings no
    /// item, and ends `true` when one comes, with or without a deadline. Linux futex backend
    /// only.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn a_blocked_poll_sleeps_until_an_item_comes() {
        watched(|| {
            let polls: [fn(&Slots<u32>, u32) -> bool; 2] = [
                |q, _| q.poll(None),
                |q, _| q.poll(Some(Instant::now() + std::time::Duration::from_secs(3600))),
            ];
            for poll in polls {
                let q = Arc::new(Slots::new(1));
                let pollers = spawn_callers(&q, 1, poll);
                until_asleep(&pollers, &[&q.readable]);
                wake_for_nothing(&q.readable, 1);
                until_asleep(&pollers, &[&q.readable]);
                q.put_blocking(1).unwrap();
                for (p, _) in pollers {
                    assert!(p.join().unwrap(), "the poll ends when an item comes");
                }
                assert_eq!(q.try_get(), Ok(1), "and takes nothing");
            }
        })
    }

    /// Claims the next put's position as a put would and stops there, as a put preempted between
    /// its claim and its publication; `publish` finishes it.
    fn claim(q: &Slots<u32>) -> usize {
        let t = q.tail.0.load(Acquire);
        q.tail
            .0
            .compare_exchange(t, q.next(t), Relaxed, Relaxed)
            .expect("no other put");
        t
    }

    /// Publishes `item` at the position `claim` returned, as the claiming put does.
    fn publish(q: &Slots<u32>, t: usize, item: u32) {
        let slot = &q.slots()[t & (q.lap - 1)];
        // SAFETY: `claim` reserved position `t`: this thread is the slot's only user.
        slot.item.with_mut(|p| unsafe { (*p).write(item) });
        let old = slot.stamp.swap(stamp_of(t + 1), AcqRel);
        q.wake_marked(old, None);
    }

    /// A put offering its item for a slot that an earlier put has claimed and not yet
    /// published is sent back by that put's publication (it bumps the offer and wakes the
    /// sleeping put, as the get's swap could not: it frees nothing), offers again for the slot
    /// now full, and the get that frees it puts the item.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn a_put_offering_for_a_claimed_slot_is_sent_back_by_its_publication() {
        watched(|| {
            let q = Arc::new(Slots::new(1));
            q.put_blocking(0).unwrap();
            assert_eq!(q.get_blocking(), Ok(0), "allocated, and empty");
            let stalled = claim(&q);
            let putters = spawn_callers(&q, 1, |q, _| q.put_blocking(10));
            until_asleep(&putters, &[&q.offer]);
            let bumps = q.offer.load(Acquire) / OFFER_BUMP;
            publish(&q, stalled, 5);
            assert_eq!(
                q.offer.load(Acquire) / OFFER_BUMP,
                bumps + 1,
                "the offer is bumped"
            );
            // Back asleep with a new offer, for the slot that is full now.
            let slots = q.slots();
            while slots[0].stamp.load(Acquire) & OFFERER == 0 {
                assert!(
                    !putters[0].0.is_finished(),
                    "the put waits for the full slot"
                );
                std::thread::yield_now();
            }
            until_asleep(&putters, &[&q.offer]);
            assert_eq!(q.get_blocking(), Ok(5));
            assert_eq!(q.try_get(), Ok(10), "the freeing get put the offered item");
            for (p, _) in putters {
                assert_eq!(p.join().unwrap(), Ok(()));
            }
        })
    }

    /// The get that frees the slot an offering put waits for, finding the ring closed (and the
    /// offer not yet withdrawn), hands the item back (`RETURNED`): the put fails with its own
    /// item, and the offer is free again.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn an_offered_item_that_cannot_be_put_goes_back_to_its_put() {
        watched(|| {
            let q = Arc::new(Slots::new(1));
            q.put_blocking(0).unwrap();
            let putters = spawn_callers(&q, 1, |q, _| q.put_blocking(10));
            until_asleep(&putters, &[&q.offer]);
            // Closed as a shutdown closes, before its bump reaches the offer.
            q.tail.0.fetch_or(CLOSED, AcqRel);
            assert_eq!(q.get_blocking(), Ok(0));
            for (p, _) in putters {
                assert_eq!(
                    p.join().unwrap(),
                    Err(SendError(10)),
                    "the put fails with its own item"
                );
            }
            assert_eq!(q.offer.load(Acquire) & (OFFER_STATE | SLEEPER), EMPTY);
            assert_eq!(
                q.try_get(),
                Err(TryRecvError::Disconnected),
                "nothing was put"
            );
        })
    }

    /// A get that finds the slot at `head` not yet published by a put that claimed it before the
    /// close waits for it while the ring drains (the item will come), and fails at once after
    /// an immediate shutdown.
    #[test]
    fn a_get_waits_for_a_put_claimed_before_a_plain_shutdown_but_not_an_immediate_one() {
        watched(|| {
            let q = Slots::new(2);
            let stalled = claim(&q);
            q.shutdown(false);
            assert_eq!(
                q.try_get(),
                Err(TryRecvError::Empty),
                "the claimed item will come"
            );
            publish(&q, stalled, 1);
            assert_eq!(q.try_get(), Ok(1));
            assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));

            let q = Slots::new(2);
            let stalled = claim(&q);
            // As `shutdown(true)` leaves it while its drain waits for the claimed put.
            q.tail.0.fetch_or(CLOSED, AcqRel);
            q.state.store(DROPPED, Release);
            assert_eq!(
                q.try_get(),
                Err(TryRecvError::Disconnected),
                "dropped: at once"
            );
            publish(&q, stalled, 1);
        })
    }

    /// `task_done` (and an immediate shutdown's drop, which counts items done) wakes the joiners
    /// only when some joiner is registered and nothing is left unfinished.
    #[test]
    fn only_the_last_task_done_wakes_registered_joiners() {
        watched(|| {
            let q = Slots::new(2);
            q.put_blocking(1).unwrap();
            q.put_blocking(2).unwrap();
            assert_eq!(q.get_blocking(), Ok(1));
            assert_eq!(q.get_blocking(), Ok(2));
            q.joiners.store(1, Relaxed);
            let epoch = q.all_done.load(Acquire);
            assert!(q.task_done());
            assert_eq!(q.all_done.load(Acquire), epoch, "one task left: no wake");
            q.joiners.store(0, Relaxed);
            assert!(q.task_done());
            assert_eq!(q.all_done.load(Acquire), epoch, "no joiner: no wake");

            q.put_blocking(3).unwrap();
            q.put_blocking(4).unwrap();
            q.joiners.store(1, Relaxed);
            // Closed as a shutdown closes; its drain counts both items done.
            q.tail.0.fetch_or(CLOSED, AcqRel);
            q.drop_the_rest();
            assert_eq!(q.unfinished(), 0);
            assert_eq!(
                q.all_done.load(Acquire),
                epoch + 1,
                "the drain left nothing unfinished: one wake"
            );
        })
    }

    /// A core's `Debug` prints the capacity and, for the slots, the length; never an item.
    #[test]
    fn debug_prints_the_core_its_capacity_and_length() {
        let q = FifoCore::new(2, false);
        q.put_blocking(7u8).unwrap();
        assert_eq!(format!("{q:?}"), "Slots { capacity: 2, len: 1, .. }");
        let large = FifoCore::<u8>::new(MAX_SLOTS + 1, false);
        assert_eq!(
            format!("{large:?}"),
            format!("Ring {{ capacity: {}, .. }}", MAX_SLOTS + 1)
        );
    }

    /// Through `Core`, a selector's arm and disarm of a locked ring (a `LifoQueue`'s, or a FIFO
    /// core above `MAX_SLOTS`) leave no poller registered: a later put bumps no `readable`.
    #[test]
    fn a_disarmed_ring_core_keeps_no_poller() {
        let lifo: Ring<Vec<u8>> = Ring::new(1, false);
        let large = FifoCore::<u8>::new(MAX_SLOTS + 1, false);
        for core in [&lifo as &dyn Core<u8>, &large] {
            assert!(!core.select_arm(true), "empty");
            core.select_disarm();
            let epoch = core.readable_word().load(Acquire);
            core.put_blocking(1).unwrap();
            assert_eq!(
                core.readable_word().load(Acquire),
                epoch,
                "no poller left to wake"
            );
        }
    }

    /// A blocked join sleeps on `all_done`, goes back to sleep after a wake that finished
    /// nothing, and returns `true` at the last `task_done`, with or without a deadline. Linux
    /// futex backend only.
    #[test]
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn a_blocked_join_sleeps_until_the_last_task_is_done() {
        watched(|| {
            let joins: [fn(&Slots<u32>, u32) -> bool; 2] = [
                |q, _| q.join(None),
                |q, _| q.join(Some(Instant::now() + std::time::Duration::from_secs(3600))),
            ];
            for join in joins {
                let q = Arc::new(Slots::new(2));
                q.put_blocking(1).unwrap();
                assert_eq!(q.get_blocking(), Ok(1));
                let joiners = spawn_callers(&q, 1, join);
                until_asleep(&joiners, &[&q.all_done]);
                wake_for_nothing(&q.all_done, 1);
                until_asleep(&joiners, &[&q.all_done]);
                assert!(q.task_done());
                for (j, _) in joiners {
                    assert!(j.join().unwrap(), "the join ends at the last task_done");
                }
            }
        })
    }

    /// Nothing is allocated before the first put (docs/queue.md, Q13): not by gets, polls or
    /// timed puts that find nothing, nor by an immediate shutdown of a ring nothing was put into.
    #[test]
    fn a_ring_nothing_was_put_into_allocates_nothing_even_when_shut_down() {
        let past = Some(Instant::now());
        let q = Slots::<u8>::new(4);
        assert_eq!(q.try_get(), Err(TryRecvError::Empty));
        assert_eq!(q.get_until(past), Err(RecvTimeoutError::Timeout));
        assert!(!q.is_readable());
        q.shutdown(true);
        assert_eq!(q.try_get(), Err(TryRecvError::Disconnected));
        assert!(q.buf.load(Acquire).is_null(), "no slots allocated");
    }

    /// An offer that cannot be waited on is withdrawn at once, the item back to its put, the
    /// offer free again: when the mark finds the stamp changed since the put saw it (the slot may
    /// be free now, and no swap will come for the mark), and when the ring was closed (and the
    /// offer bumped) between the put's try and its offer. Neither may sleep.
    #[test]
    fn an_offer_made_too_late_is_withdrawn_at_once() {
        watched(|| {
            for close in [false, true] {
                let q = Slots::new(1);
                q.put_blocking(1).unwrap();
                let Err((2, Ok(busy))) = q.try_push(q.slots(), 2) else {
                    panic!("full")
                };
                if close {
                    q.shutdown(false);
                } else {
                    assert_eq!(q.get_blocking(), Ok(1), "the stamp seen changes");
                }
                let mut spin = shim::Spin::new(shim::Site::Ring);
                match q.offer_and_wait(2, &busy, &mut spin, None) {
                    Err((2, Some(false))) => {}
                    other => panic!("close {close}: withdrawn at once, not {other:?}"),
                }
                assert_eq!(q.offer.load(Acquire) & (OFFER_STATE | SLEEPER), EMPTY);
            }
        })
    }

    /// An offering put whose deadline passes takes its item back, and the offer is free again.
    #[test]
    fn an_offering_put_that_times_out_takes_its_item_back() {
        watched(|| {
            let q = Slots::new(1);
            q.put_blocking(1).unwrap();
            let deadline = Instant::now() + std::time::Duration::from_millis(20);
            match q.put_until(2, Some(deadline)) {
                Err(SendTimeoutError::Timeout(v)) => assert_eq!(v, 2, "its own item back"),
                other => panic!("a full queue times the put out: {other:?}"),
            }
            assert_eq!(
                q.offer.load(Acquire) & OFFER_STATE,
                EMPTY,
                "the offer is free again"
            );
            assert_eq!(q.get_blocking(), Ok(1));
            assert_eq!(
                q.try_get(),
                Err(TryRecvError::Empty),
                "nothing else was put"
            );
        })
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    //! A model of two puts offering in turn, which the integration models in `loom-tests/`
    //! (one offering put each) do not reach.
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two puts blocked on a full ring of capacity 1, each with a deadline the model may end at
    /// any moment, race the get that frees the slot: a put that withdraws its offer owns
    /// `offered` (`FILLING`) until its item is out, so the other put cannot claim the offer and
    /// write its own item over it (loom's cell tracking sees every access to `offered` ordered).
    /// Each accepted item is got exactly once; each refused put gets its own item back.
    #[test]
    fn a_withdrawn_offer_is_not_claimed_before_its_item_is_out() {
        loom::model(|| {
            let q = Arc::new(Slots::new(1));
            q.put_blocking(1).unwrap();
            let putters: Vec<_> = [2u32, 3]
                .into_iter()
                .map(|v| {
                    let q = Arc::clone(&q);
                    thread::spawn(move || {
                        q.put_until(v, shim::deadline_after(shim::Duration::from_secs(3600)))
                    })
                })
                .collect();
            assert_eq!(q.get_blocking(), Ok(1));
            let mut accepted = vec![];
            for (v, putter) in [2u32, 3].into_iter().zip(putters) {
                match putter.join().unwrap() {
                    Ok(()) => accepted.push(v),
                    Err(SendTimeoutError::Timeout(w)) => {
                        assert_eq!(w, v, "a refused put gets its own item back")
                    }
                    Err(e) => panic!("open ring: {e:?}"),
                }
            }
            let mut got = vec![];
            while let Ok(v) = q.try_get() {
                got.push(v);
            }
            got.sort_unstable();
            assert_eq!(got, accepted, "each accepted item is got exactly once");
        });
    }
}
