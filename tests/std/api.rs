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

// ThreadLocal: Send + Sync with only `T: Send` (each thread reaches only its own value through
// `&self`); unwind safety follows `T`, as for a container. Its iterators live in
// `weftsync::thread_local` and follow `slice::Iter` / `IterMut` and `vec::IntoIter`.
mod thread_local_auto_traits {
    use core::cell::Cell;
    use core::panic::{RefUnwindSafe, UnwindSafe};
    use static_assertions::{assert_impl_all, assert_not_impl_any};
    use weftsync::ThreadLocal;
    use weftsync::thread_local::{IntoIter, Iter, IterMut};

    assert_impl_all!(ThreadLocal<u64>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe);
    assert_impl_all!(ThreadLocal<Cell<u64>>: Send, Sync, Unpin, UnwindSafe);
    assert_not_impl_any!(ThreadLocal<Cell<u64>>: RefUnwindSafe);
    assert_not_impl_any!(ThreadLocal<&'static mut u64>: UnwindSafe);
    assert_impl_all!(Iter<'static, u64>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe);
    assert_impl_all!(IterMut<'static, u64>: Send, Sync, Unpin, RefUnwindSafe);
    assert_not_impl_any!(IterMut<'static, u64>: UnwindSafe);
    assert_impl_all!(IterMut<'static, Cell<u64>>: Send, Unpin);
    assert_not_impl_any!(IterMut<'static, Cell<u64>>: Sync, RefUnwindSafe);
    assert_impl_all!(IntoIter<u64>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe);
    assert_impl_all!(IntoIter<Cell<u64>>: Send, Unpin, UnwindSafe);
    assert_not_impl_any!(IntoIter<Cell<u64>>: Sync, RefUnwindSafe);
}
