//! Compile-time checks of the public API: sizes, Send and Sync, one block per type.

use static_assertions::{assert_eq_size, assert_impl_all, assert_not_impl_any, const_assert};
use weftsync::*;

// Lock: 4 bytes for Python's data-less lock; Send + Sync when T: Send, like std's Mutex.
assert_eq_size!(Lock<()>, u32);
assert_impl_all!(Lock<()>: Send, Sync, Default, core::fmt::Debug);
assert_impl_all!(Lock<std::cell::Cell<u8>>: Send, Sync);
assert_not_impl_any!(Lock<std::rc::Rc<u8>>: Send, Sync);
assert_not_impl_any!(LockGuard<'static, ()>: Send);
assert_impl_all!(LockGuard<'static, ()>: Sync);
const_assert!(core::mem::size_of::<Lock<u32>>() == 8);
