//! `RawLock`: the process-shared lock word every `weftsync::process` primitive is built on. It
//! names its holder, so a holder that dies (kill -9) is found and replaced, and the one who
//! replaces it is told.
//!
//! State, two words:
//!
//! | `word` (futex, 32 bits) | meaning                                                  |
//! |-------------------------|----------------------------------------------------------|
//! | 0                       | free                                                     |
//! | `id`                    | held by thread `id` (kernel thread id), no sleeper       |
//! | `id \| WAITERS`         | held by thread `id`; threads may be asleep on the word    |
//!
//! | `record` (64 bits) | meaning                                                        |
//! |--------------------|----------------------------------------------------------------|
//! | 0                  | no record: the holder has not written it yet, or is letting go |
//! | token              | the holder's token (`shim::owner`): its id and start time       |
//!
//! Transitions:
//! - take: `0 → me` (fast path) or `0 → me | WAITERS` (slow path, which may have slept: it keeps
//!   the bit so sleepers it cannot see stay announced), then `record = my token`.
//! - announce: `id → id | WAITERS` by a contender that will sleep on exactly that value.
//! - release, by the holder: `record = 0`, then `word → 0`; wake one sleeper if `WAITERS` was set.
//! - recover, by a contender whose slice ended and who found holder `id` dead: clear the dead
//!   holder's record (only if it is still that holder's), then `word: dead → me | WAITERS` by
//!   compare-exchange (only one contender wins), then `record = my token`. The winner is told
//!   the previous holder died.
//!
//! Why the id lives in the futex word and not only in `record`: taking the lock and naming the
//! holder must be one atomic step, or a holder killed between the two would leave a lock held by
//! nobody anyone could find. `record` adds the start time, which the word has no room for, to
//! tell a reused id from the holder (`alive` compares them). The record is cleared before every
//! change of holder, so while a live thread holds the word the record is 0 or that thread's own
//! token, never a predecessor's: a live holder is never judged dead by a stale record.
//!
//! Invariant (no lost wake-up, as `Lock`'s): a thread sleeps only on a value with `WAITERS`
//! set, that bit is cleared only by a release, and a release that clears it wakes one sleeper.
//! A woken thread takes with `WAITERS` set again. A dead holder never releases: its waiters find
//! it at the end of a slice (`shim::owner::wait_slice`), so a death costs at most one slice.
//!
//! Memory ordering: taking (fast, slow or recovering) is an Acquire compare-exchange and releasing
//! a Release swap, so the data written under the lock happens-before the next holder's access.
//! The record is Relaxed: it is read after an Acquire load of `word`, and it is cleared before the
//! Release that hands the word on, so a reader that sees the new holder's id also sees the cleared
//! (or the new) record, through the release sequence of the word. A recoverer's Acquire pairs with
//! nothing of the dead holder: what the dead holder wrote under the lock is seen because its death
//! was observed (a `/proc` read; the death announcement under the checkers) after those writes,
//! and that is exactly why the recoverer is told to repair the data.

use crate::shim::{
    self, AtomicU32, AtomicU64, Instant,
    Ordering::{Acquire, Relaxed, Release},
    WakeMode,
    owner::{self, Slept, Watch},
};

/// Bit 31: threads may be asleep on the word.
pub(crate) const WAITERS: u32 = 1 << 31;
/// The holder's id: kernel thread ids are below 2^22 (`PID_MAX_LIMIT`), so 30 bits are plenty.
pub(crate) const ID_MASK: u32 = (1 << 30) - 1;

/// How a take ended, when it got the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Taken {
    /// From a live holder's release, or free.
    Clean,
    /// From a holder that died holding it: the data may be half-updated.
    OwnerDied,
}

/// The robust lock word; see the file docs. `#[repr(C)]` and made of atomics only, so it can live
/// in memory shared between processes; all zeroes is a free lock.
#[repr(C)]
pub(crate) struct RawLock {
    word: AtomicU32,
    _pad: AtomicU32,
    record: AtomicU64,
}

impl RawLock {
    #[cfg(not(weft_checker))]
    pub(crate) const fn new() -> Self {
        RawLock {
            word: AtomicU32::new(0),
            _pad: AtomicU32::new(0),
            record: AtomicU64::new(0),
        }
    }

    #[cfg(weft_checker)]
    pub(crate) fn new() -> Self {
        RawLock {
            word: AtomicU32::new(0),
            _pad: AtomicU32::new(0),
            record: AtomicU64::new(0),
        }
    }

    /// Takes the lock if it is free right now; never blocks, never sets `WAITERS`.
    #[inline]
    pub(crate) fn try_lock(&self) -> Option<Taken> {
        let me = owner::thread_token();
        // Acquire: the previous holder's Release release happens-before our access.
        self.word
            .compare_exchange(0, owner::token_id(me) & ID_MASK, Acquire, Relaxed)
            .is_ok()
            .then(|| {
                self.record.store(me, Relaxed);
                Taken::Clean
            })
    }

    /// Takes the lock, waiting until `deadline` (`None`: for ever). `None` if it passed first.
    #[inline]
    pub(crate) fn lock(&self, deadline: Option<Instant>) -> Option<Taken> {
        match self.try_lock() {
            Some(t) => Some(t),
            None => self.lock_slow(deadline),
        }
    }

    #[cold]
    fn lock_slow(&self, deadline: Option<Instant>) -> Option<Taken> {
        let me = owner::thread_token();
        let my_id = owner::token_id(me) & ID_MASK;
        let mut watch = Watch::new();
        // A short read-only spin (then yields: `shim::Spin` sets how many, from what paid off
        // lately): a holder in a short critical section lets go sooner than a sleep and a wake
        // would take.
        let mut spin = shim::Spin::new(shim::Site::Lock);
        loop {
            let w = self.word.load(Relaxed);
            if w == 0 {
                break;
            }
            if w & WAITERS != 0 || !spin.pause() {
                spin.stop();
                break;
            }
        }
        drop(spin);
        loop {
            let w = self.word.load(Relaxed);
            if w == 0 {
                // Acquire: pairs with the previous holder's Release in `unlock`.
                if self
                    .word
                    .compare_exchange(0, my_id | WAITERS, Acquire, Relaxed)
                    .is_ok()
                {
                    self.record.store(me, Relaxed);
                    return Some(Taken::Clean);
                }
                continue;
            }
            if w & WAITERS == 0
                && self
                    .word
                    .compare_exchange(w, w | WAITERS, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            match owner::wait_slice(&self.word, w | WAITERS, deadline, &mut watch) {
                Slept::Woken => {}
                // Leaves WAITERS set: the holder still wakes any other sleeper (one empty wake
                // at worst), as a timed-out `Lock` waiter does.
                Slept::TimedOut => return None,
                Slept::Slice => {
                    if self.recover(me) {
                        return Some(Taken::OwnerDied);
                    }
                }
            }
        }
    }

    /// After a slice: if the holder is dead, takes the lock from it. Returns whether it did.
    #[cold]
    fn recover(&self, me: u64) -> bool {
        // Acquire: the record read below is then at least as new as the word's holder's.
        let w = self.word.load(Acquire);
        let id = w & ID_MASK;
        if w == 0 {
            return false;
        }
        let record = self.record.load(Relaxed);
        if owner::alive(id, record) {
            return false;
        }
        // The dead holder's record must not outlive it: clear it, but only if it is still the
        // dead holder's (another recoverer may already have written its own).
        if record != 0 && owner::token_id(record) & ID_MASK == id {
            let _ = self.record.compare_exchange(record, 0, Relaxed, Relaxed);
        }
        let my_id = owner::token_id(me) & ID_MASK;
        // Acquire: see the file docs (what the dead holder wrote is seen through its death).
        if self
            .word
            .compare_exchange(w, my_id | WAITERS, Acquire, Relaxed)
            .is_ok()
        {
            self.record.store(me, Relaxed);
            true
        } else {
            false
        }
    }

    /// Releases the lock; the caller must hold it.
    #[inline]
    pub(crate) fn unlock(&self) {
        self.record.store(0, Relaxed);
        // Release: publishes the critical section (and the cleared record) to the next holder.
        if self.word.swap(0, Release) & WAITERS != 0 {
            self.wake_one();
        }
    }

    #[cold]
    fn wake_one(&self) {
        shim::Shared::wake(&self.word, 1);
    }

    /// Whether the calling thread holds the lock: its id in the word and its token in the
    /// record. Only the holder writes its own token, so a match cannot be another thread's.
    #[inline]
    pub(crate) fn held_by_me(&self) -> bool {
        let me = owner::thread_token();
        self.word.load(Relaxed) & ID_MASK == owner::token_id(me) & ID_MASK
            && self.record.load(Relaxed) == me
    }

    /// Whether some thread holds the lock right now (a snapshot).
    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.word.load(Relaxed) != 0
    }

    /// The holder's id (0 if free): a snapshot, for `Debug`.
    pub(crate) fn holder_id(&self) -> u32 {
        self.word.load(Relaxed) & ID_MASK
    }
}

impl core::fmt::Debug for RawLock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawLock")
            .field("holder", &self.holder_id())
            .finish_non_exhaustive()
    }
}
