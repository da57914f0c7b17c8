//! Tests on real threads and real time: API checks, behaviour, property tests against sequential
//! models, stress, and the fuzz-corpus replays. Compiled out under the model-checker features,
//! where the primitives only work inside a model.
#![cfg(not(any(feature = "loom", feature = "shuttle")))]
// Under Miri the proptest blocks are compiled out, leaving their strategies unused.
#![cfg_attr(miri, allow(unused))]

mod api;
mod condition;
mod docs_check;
mod event;
mod fuzz_corpus;
mod lock;
mod pipe;
mod queue;
mod rlock;
mod semaphore;
mod thread_local;
