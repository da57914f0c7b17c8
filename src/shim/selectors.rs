//! The selectors' registry: which selector (`src/select.rs`) watches which object, so that an
//! object that may have become ready wakes exactly the selectors watching it, and nobody else.
//!
//! A selector waits on many objects but sleeps on one futex word, its own. Before it looks at
//! its objects it registers one entry per object ([`Registration::new`]): the object's *ready
//! word* (the word that object's wakers pass to [`super::wake_ready`]) as the key, and a pointer
//! to its own word. A waker that may have made an object ready calls `wake_ready(word)`, which
//! calls [`notify`] first: when any selector is registered at all (`SELECTORS > 0`), it looks up
//! the entries keyed by `word`, bumps each one's selector word and wakes it. With no selector
//! registered, `notify` is an acquire fence (no instruction on x86) and one load, on a path that
//! is about to make a system call anyway: the objects' uncontended paths never get here.
//!
//! Why no readiness is lost (the whole argument, with the loom models, is in `docs/select.md`):
//! a selector (1) counts itself in `SELECTORS` and registers its entries, then on every round
//! (2) reads its own word, (3) *arms* each object with a read-modify-write (Release) or a critical
//! section that the object's next readiness-making change must come after, and looks, and
//! (4) sleeps on the value read in (2). A waker changes the object with a read-modify-write (or
//! critical section) that comes after the arm in that object's order, so the arm synchronizes
//! with the waker's acquire fence below: steps (1)–(3) happen-before its `SELECTORS` load and its
//! lookup. So the waker sees the count, finds the entry, and bumps the word after the selector's
//! read of it: the selector's sleep returns at once or is woken. If the waker's change came
//! before the arm instead, the arm's look sees the object ready and the selector does not sleep.
//!
//! The registry is a fixed array of shards, each a mutex (std's, or the checker's: this module
//! sits below the primitives and must not wake through them) over a short list of entries,
//! keyed by the word's address. A shard's lock is a leaf: while holding it, only the plain wake
//! of the wait layer runs (itself a leaf).

use super::{
    AtomicU32, AtomicUsize, Ordering::Acquire, Ordering::Relaxed, Ordering::Release, fence,
};

#[cfg(weft_loom)]
use loom::sync::{Mutex, MutexGuard};
#[cfg(weft_shuttle)]
use shuttle::sync::{Mutex, MutexGuard};
#[cfg(not(weft_checker))]
use std::sync::{Mutex, MutexGuard};

/// How many shards. Under the checkers two keep the state small (collisions only share a lock).
const SHARDS: usize = if cfg!(weft_checker) { 2 } else { 64 };
const _: () = assert!(SHARDS.is_power_of_two());

/// One object watched by one selector.
struct Entry {
    /// The address of the object's ready word.
    key: usize,
    /// The selector's own word, which it sleeps on.
    word: *const AtomicU32,
}

// SAFETY: the pointer is only dereferenced under the shard's lock, while the entry is in the
// registry, and the selector removes its entries (under the same lock) before its word can be
// freed (`Registration::drop`), so sending an entry to another thread's lookup is sound.
unsafe impl Send for Entry {}

#[cfg(not(weft_checker))]
static SELECTORS: AtomicUsize = AtomicUsize::new(0);
#[cfg(not(weft_checker))]
static REGISTRY: [Mutex<Vec<Entry>>; SHARDS] = [const { Mutex::new(Vec::new()) }; SHARDS];

#[cfg(weft_loom)]
loom::lazy_static! {
    static ref SELECTORS: AtomicUsize = AtomicUsize::new(0);
    static ref REGISTRY: [Mutex<Vec<Entry>>; SHARDS] = core::array::from_fn(|_| Mutex::new(Vec::new()));
}
#[cfg(weft_shuttle)]
shuttle::lazy_static! {
    static ref SELECTORS: AtomicUsize = AtomicUsize::new(0);
    static ref REGISTRY: [Mutex<Vec<Entry>>; SHARDS] = core::array::from_fn(|_| Mutex::new(Vec::new()));
}

/// The shard of the entries keyed by `key`, locked.
fn shard(key: usize) -> MutexGuard<'static, Vec<Entry>> {
    // Fibonacci hashing, as in `epochs.rs`: the top bits of the product are the best mixed.
    const MULTIPLIER: usize = 0x9E37_79B9_7F4A_7C15_u64 as usize;
    let hash = key.wrapping_mul(MULTIPLIER) >> (usize::BITS - SHARDS.trailing_zeros());
    let registry: &'static [Mutex<Vec<Entry>>; SHARDS] = &REGISTRY;
    // Nothing panics while a shard is locked, so poison cannot happen; ignoring it keeps a
    // panicking user thread from breaking every selector.
    registry[hash % SHARDS]
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Wakes the selectors registered on the ready word at `key`. Called by `wake_ready` after the
/// waker changed its object with a read-modify-write or a critical section that read the
/// object's "someone waits" state.
#[inline]
pub(crate) fn notify(key: usize) {
    // Acquire: the waker's change read a value written by (or after) a selector's arm, whose
    // Release this fence pairs with, so everything the selector did before arming (counting
    // itself, registering, reading its own word) happens-before the load and lookup below.
    fence(Acquire);
    // Relaxed: ordered by the fence above (see there); a zero means no selector had armed any
    // object before the change this wake follows, so none needs this wake.
    if SELECTORS.load(Relaxed) != 0 {
        notify_slow(key);
    }
}

#[cold]
fn notify_slow(key: usize) {
    let entries = shard(key);
    for entry in entries.iter().filter(|e| e.key == key) {
        // SAFETY: the entry is in the registry and we hold its shard's lock, so its selector has
        // not yet removed it, and a selector's word outlives its entries (see `Entry`).
        let word = unsafe { &*entry.word };
        // The selector read its word before arming, and the arm carries that read to this
        // thread (see `notify`), so the bump comes after it in the word's order. Release: a
        // selector whose next read sees this bump also sees the change that led here (the
        // object it must then find ready; `src/select.rs`, the round's read of its word).
        word.fetch_add(1, Release);
        super::wake(word, 1);
    }
}

/// A selector's entries in the registry, one per watched object; dropping it removes them.
pub(crate) struct Registration<'a> {
    word: &'a AtomicU32,
    keys: Vec<usize>,
}

impl<'a> Registration<'a> {
    /// Counts a selector sleeping on `word` and registers it on every ready word in `keys`
    /// (addresses; the same key may appear more than once).
    pub(crate) fn new(word: &'a AtomicU32, keys: Vec<usize>) -> Self {
        // Relaxed: published to wakers by the selector's arms (Release), which come after.
        SELECTORS.fetch_add(1, Relaxed);
        for &key in &keys {
            shard(key).push(Entry { key, word });
        }
        Registration { word, keys }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let word: *const AtomicU32 = self.word;
        for &key in &self.keys {
            let mut entries = shard(key);
            if let Some(at) = entries
                .iter()
                .position(|e| e.key == key && core::ptr::eq(e.word, word))
            {
                entries.swap_remove(at);
            }
        }
        // Relaxed: a waker that still reads the old count finds no entry of ours: harmless.
        SELECTORS.fetch_sub(1, Relaxed);
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! The registry's bookkeeping, seen through `notify`: which selector words a wake reaches.
    //! Each test uses ready words of its own, so the selectors of tests running beside it (on
    //! other keys) change nothing here.
    use super::*;

    fn key(word: &AtomicU32) -> usize {
        word as *const AtomicU32 as usize
    }

    /// 64 ready words side by side, as in one allocation, land in at least 16 of the 64 shards
    /// (Fibonacci hashing gives 26 or more for any base address): a hash that sent them all to
    /// one shard would make every readiness wake in the process contend for one lock.
    #[test]
    fn nearby_ready_words_spread_over_many_shards() {
        let words: [AtomicU32; 64] = core::array::from_fn(|_| AtomicU32::new(0));
        let shards: std::collections::HashSet<*const Vec<Entry>> = words
            .iter()
            .map(|w| &*shard(key(w)) as *const Vec<Entry>)
            .collect();
        assert!(
            shards.len() >= 16,
            "64 nearby ready words share {} shards: the registry hash does not spread them",
            shards.len()
        );
    }

    #[test]
    fn notify_bumps_each_registered_entry_and_nothing_after_the_registration_drops() {
        let (ready, other, own) = (AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0));
        let registration = Registration::new(&own, vec![key(&ready), key(&ready), key(&other)]);
        notify(key(&ready));
        assert_eq!(
            own.load(Relaxed),
            2,
            "a wake of a ready word bumps the selector once per entry under that word"
        );
        notify(key(&other));
        assert_eq!(own.load(Relaxed), 3, "and once for the other word");
        drop(registration);
        notify(key(&ready));
        notify(key(&other));
        assert_eq!(
            own.load(Relaxed),
            3,
            "a dropped registration was still notified: its entries stayed in the registry"
        );
    }

    #[test]
    fn dropping_one_selectors_registration_keeps_the_other_selectors_entry_on_that_word() {
        let (ready, first, second) = (AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0));
        let kept = Registration::new(&first, vec![key(&ready)]);
        let dropped = Registration::new(&second, vec![key(&ready)]);
        drop(dropped);
        notify(key(&ready));
        assert_eq!(
            (first.load(Relaxed), second.load(Relaxed)),
            (1, 0),
            "the drop removed another selector's entry, or left its own: the wake reached the \
             wrong selector"
        );
        drop(kept);
    }
}
