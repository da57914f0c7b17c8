//! Epoch words: a small fixed array of futex words that a thread can sleep on while it waits for
//! a lock too small to hold a futex word of its own (Condition's queue lock lives in the spare
//! low bits of a pointer). Shared by every object, keyed by the object's address: two objects
//! whose keys collide share a word, which costs only spurious returns, which every caller of
//! the wait layer tolerates anyway.
//!
//! Protocol (the caller's side, see `src/condition.rs`): a waiter reads the epoch, then announces
//! itself in its own object's state with a read-modify-write that the releaser reads, then sleeps
//! on the epoch value it read. A releaser that sees the announcement bumps the epoch and wakes all
//! sleepers on the word. The epoch read happens-before the bump (the announcement orders them),
//! so the sleeper's value is stale exactly when the bump has happened, and the wait layer's
//! atomic check-and-sleep does the rest.

use super::AtomicU32;

/// How many epoch words. Under the checkers a few are plenty (collisions are allowed) and keep
/// each execution's state small.
const WORDS: usize = if cfg!(weft_checker) { 4 } else { 64 };
// The hash keeps the top bits of a product: a power of two of words takes them all.
const _: () = assert!(WORDS.is_power_of_two());

#[cfg(not(weft_checker))]
static EPOCHS: [AtomicU32; WORDS] = [const { AtomicU32::new(0) }; WORDS];

#[cfg(weft_loom)]
loom::lazy_static! {
    static ref EPOCHS: [AtomicU32; WORDS] = core::array::from_fn(|_| AtomicU32::new(0));
}
#[cfg(weft_shuttle)]
shuttle::lazy_static! {
    static ref EPOCHS: [AtomicU32; WORDS] = core::array::from_fn(|_| AtomicU32::new(0));
}

/// The epoch word for the object at address `key`.
#[inline]
pub(crate) fn epoch_word(key: usize) -> &'static AtomicU32 {
    // Fibonacci hashing: the multiplier spreads nearby addresses (objects in one allocation,
    // stack frames) over the words; the top bits of the product are the best mixed.
    const MULTIPLIER: usize = 0x9E37_79B9_7F4A_7C15_u64 as usize;
    let hash = key.wrapping_mul(MULTIPLIER) >> (usize::BITS - WORDS.trailing_zeros());
    let words: &'static [AtomicU32; WORDS] = &EPOCHS;
    &words[hash % WORDS]
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! The hash from an object's address to its epoch word.
    use super::*;

    #[test]
    fn an_object_always_gets_the_same_epoch_word() {
        let object = 0u64;
        let key = &object as *const u64 as usize;
        assert!(
            core::ptr::eq(epoch_word(key), epoch_word(key)),
            "a waiter and its releaser must meet on one word"
        );
    }

    /// 64 objects side by side land on at least 16 of the 64 words (Fibonacci hashing gives 26
    /// or more for any base address): collisions cost only spurious returns, but a hash that
    /// sent every object to one word would make each release wake every sleeper in the process.
    #[test]
    fn nearby_objects_spread_over_many_epoch_words() {
        let objects = [0u64; 64];
        let words: std::collections::HashSet<*const AtomicU32> = objects
            .iter()
            .map(|o| epoch_word(o as *const u64 as usize) as *const AtomicU32)
            .collect();
        assert!(
            words.len() >= 16,
            "64 nearby objects share {} epoch words: the hash does not spread them",
            words.len()
        );
    }
}
