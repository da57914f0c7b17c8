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

// Semaphore: one 32-bit word (count + SLEEPERS bit).
assert_eq_size!(Semaphore, u32);
assert_impl_all!(Semaphore: Send, Sync, Unpin, std::panic::UnwindSafe, std::panic::RefUnwindSafe, core::fmt::Debug);
// BoundedSemaphore: the word, the slack word and the limit.
assert_eq_size!(BoundedSemaphore, [u32; 3]);
assert_impl_all!(BoundedSemaphore: Send, Sync, Unpin, std::panic::UnwindSafe, std::panic::RefUnwindSafe, core::fmt::Debug);
// A permit may be sent to and dropped on another thread: the semaphore, the bounded one's
// slack word, the count.
assert_eq_size!(SemaphorePermit<'static>, [usize; 3]);
assert_impl_all!(SemaphorePermit<'static>: Send, Sync, Unpin, std::panic::UnwindSafe, std::panic::RefUnwindSafe, core::fmt::Debug);
// The owned permit: which `Arc` it keeps alive, and the count; `Send + 'static`, so it moves
// into a spawned thread.
assert_eq_size!(ArcSemaphorePermit, [usize; 3]);
assert_impl_all!(ArcSemaphorePermit: Send, Sync, Unpin, std::panic::UnwindSafe, std::panic::RefUnwindSafe, core::fmt::Debug);
const _: fn() = || {
    fn is_static<T: 'static>() {}
    is_static::<ArcSemaphorePermit>();
};
assert_impl_all!(ReleaseError: Send, Sync, Unpin, std::panic::UnwindSafe, std::panic::RefUnwindSafe, Copy, Eq, core::fmt::Debug, core::fmt::Display, std::error::Error);

/// Where the panic raised by `f` says it happened (`file:line`), or `None` if `f` did not
/// panic. `f` runs on a probe thread; a panic hook, installed once, records the location for
/// probe threads and hands every other panic to the hook it replaced.
fn panic_location(f: impl FnOnce() + Send) -> Option<String> {
    use std::cell::RefCell;
    const PROBE: &str = "panic-location-probe";
    thread_local!(static SEEN: RefCell<Option<String>> = const { RefCell::new(None) });
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(PROBE) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()));
                SEEN.with(|s| *s.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name(PROBE.into())
            .spawn_scoped(s, || {
                let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
                SEEN.with(|s| s.borrow_mut().take()).filter(|_| panicked)
            })
            .unwrap()
            .join()
            .unwrap()
    })
}

/// Every documented panic of `Semaphore` and `BoundedSemaphore` names the caller's line:
/// `#[track_caller]` on every function on the path (API rule 4).
#[test]
fn semaphore_panics_name_the_callers_line() {
    // Watched: without the check, `acquire_many(big)` would block for ever.
    crate::watchdog::watched(|| {
        use std::sync::Arc;
        use std::time::{Duration, Instant};
        let big = std::hint::black_box(Semaphore::MAX_PERMITS + 1);
        let sem = Arc::new(Semaphore::new(Semaphore::MAX_PERMITS));
        let zero = Arc::new(BoundedSemaphore::new(0));
        let (t, now) = (Duration::ZERO, Instant::now());
        macro_rules! panics_here {
            ($call:expr) => {
                assert_eq!(
                    panic_location(|| {
                        let _ = $call;
                    }),
                    Some(format!("{}:{}", file!(), line!())),
                    "`{}` must panic naming the caller's line",
                    stringify!($call)
                )
            };
        }
        panics_here!(Semaphore::new(big));
        panics_here!(BoundedSemaphore::new(big));
        panics_here!(sem.release(1));
        panics_here!(sem.acquire_many(big));
        panics_here!(sem.try_acquire_many(big));
        panics_here!(sem.acquire_many_for(big, t));
        panics_here!(sem.acquire_many_until(big, now));
        panics_here!(sem.acquire_many_arc(big));
        panics_here!(sem.try_acquire_many_arc(big));
        panics_here!(sem.acquire_many_arc_for(big, t));
        panics_here!(sem.acquire_many_arc_until(big, now));
        panics_here!(zero.acquire());
        panics_here!(zero.try_acquire());
        panics_here!(zero.acquire_for(t));
        panics_here!(zero.acquire_until(now));
        panics_here!(zero.acquire_many(1));
        panics_here!(zero.try_acquire_many(1));
        panics_here!(zero.acquire_many_for(1, t));
        panics_here!(zero.acquire_many_until(1, now));
        panics_here!(zero.acquire_arc());
        panics_here!(zero.try_acquire_arc());
        panics_here!(zero.acquire_arc_for(t));
        panics_here!(zero.acquire_arc_until(now));
        panics_here!(zero.acquire_many_arc(1));
        panics_here!(zero.try_acquire_many_arc(1));
        panics_here!(zero.acquire_many_arc_for(1, t));
        panics_here!(zero.acquire_many_arc_until(1, now));
        assert_eq!(
            panic_location(|| {
                let _ = sem.checked_release(1);
            }),
            None,
            "checked_release returns the error instead of panicking"
        );
    });
}
