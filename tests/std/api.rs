//! Compile-time checks of the public API: sizes, Send and Sync, one block per type.

use static_assertions::{assert_eq_size, assert_impl_all, assert_not_impl_any, const_assert};
use std::panic::{RefUnwindSafe, UnwindSafe};
use weftsync::*;

// Lock: 4 bytes for Python's data-less lock; Send + Sync when T: Send, like std's Mutex.
assert_eq_size!(Lock<()>, u32);
assert_impl_all!(Lock<()>: Send, Sync, Default, core::fmt::Debug);
assert_impl_all!(Lock<std::cell::Cell<u8>>: Send, Sync);
assert_not_impl_any!(Lock<std::rc::Rc<u8>>: Send, Sync);
assert_not_impl_any!(LockGuard<'static, ()>: Send);
assert_impl_all!(LockGuard<'static, ()>: Sync);
const_assert!(core::mem::size_of::<Lock<u32>>() == 8);

// Lock's other guards. All are !Send (they unlock on the thread that locked) and pointer-sized.
// The owned guard is 'static and Sync only when T is Sync + Send (a shared `&ArcLockGuard` hands
// out an `Arc` of the lock, which another thread could keep and lock later). Unwind safety is
// left to the auto traits: with no poisoning, a panic can leave the value half-updated for the
// next owner, so `Lock` is not `RefUnwindSafe` (parking_lot's choice; std's Mutex is, because
// it poisons), and no guard is `UnwindSafe` (each hands out `&mut T`).
assert_impl_all!(Lock<()>: Unpin, UnwindSafe);
assert_not_impl_any!(Lock<()>: RefUnwindSafe);
assert_impl_all!(LockGuard<'static, ()>: Unpin);
assert_not_impl_any!(LockGuard<'static, ()>: UnwindSafe, RefUnwindSafe);
assert_impl_all!(ArcLockGuard<()>: Sync, Unpin);
assert_not_impl_any!(ArcLockGuard<()>: Send, UnwindSafe, RefUnwindSafe);
assert_not_impl_any!(ArcLockGuard<std::sync::MutexGuard<'static, ()>>: Sync);
assert_impl_all!(MappedLockGuard<'static, ()>: Sync, Unpin, RefUnwindSafe);
assert_not_impl_any!(MappedLockGuard<'static, ()>: Send, UnwindSafe);
assert_not_impl_any!(MappedLockGuard<'static, std::cell::Cell<u8>>: Sync);
assert_eq_size!(LockGuard<'static, ()>, usize);
assert_eq_size!(ArcLockGuard<()>, usize);
assert_eq_size!(MappedLockGuard<'static, u32>, [usize; 2]);
const _: fn() = is_static::<ArcLockGuard<u32>>;

// RLock: Send + Sync when T: Send (as std's ReentrantLock), since only the owner touches T.
// Guards are !Send (ownership belongs to the locking thread) and Sync only when T is (the owned
// one when T is Sync + Send, as for Lock). A RawLock (4 bytes), the depth (4), the owner id (8).
assert_impl_all!(RLock<()>: Send, Sync, Default, core::fmt::Debug, Unpin, UnwindSafe);
assert_impl_all!(RLock<std::cell::Cell<u8>>: Send, Sync);
assert_not_impl_any!(RLock<std::rc::Rc<u8>>: Send, Sync);
assert_not_impl_any!(RLock<()>: RefUnwindSafe);
assert_impl_all!(RLockGuard<'static, ()>: Sync, Unpin);
assert_not_impl_any!(RLockGuard<'static, ()>: Send, UnwindSafe, RefUnwindSafe);
assert_not_impl_any!(RLockGuard<'static, std::cell::Cell<u8>>: Send, Sync);
assert_impl_all!(ArcRLockGuard<()>: Sync, Unpin);
assert_not_impl_any!(ArcRLockGuard<()>: Send, UnwindSafe, RefUnwindSafe);
assert_not_impl_any!(ArcRLockGuard<std::sync::MutexGuard<'static, ()>>: Sync);
assert_eq_size!(RLock<()>, [u64; 2]);
assert_eq_size!(RLockGuard<'static, ()>, usize);
assert_eq_size!(ArcRLockGuard<()>, usize);
const _: fn() = is_static::<ArcRLockGuard<u32>>;

/// Compiles only for `'static` types: the owned guards borrow nothing.
fn is_static<T: 'static>() {}

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

// Event: one 32-bit word; shared freely; no interior state a panic could leave half-changed.
mod event_auto_traits {
    use core::panic::{RefUnwindSafe, UnwindSafe};
    use static_assertions::{assert_eq_size, assert_impl_all};
    use weftsync::Event;

    assert_eq_size!(Event, u32);
    assert_impl_all!(Event: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Default, core::fmt::Debug);
}

// Condition: one pointer-sized word (waiters live on their own stacks); shared by reference
// between threads. Its waits take any `CondGuard`: a LockGuard or an RLockGuard.
mod condition_auto_traits {
    use core::panic::{RefUnwindSafe, UnwindSafe};
    use static_assertions::{assert_eq_size, assert_impl_all};
    use weftsync::{CondGuard, Condition, LockGuard, RLockGuard};

    assert_eq_size!(Condition, usize);
    assert_impl_all!(
        Condition: Send,
        Sync,
        Unpin,
        UnwindSafe,
        RefUnwindSafe,
        Default,
        core::fmt::Debug
    );
    const _: () = {
        const fn cond_guard<G: for<'g> CondGuard<'g>>() {}
        cond_guard::<LockGuard<'static, u8>>();
        cond_guard::<RLockGuard<'static, [u8]>>();
    };
}

/// Documented panics name the caller's line (`#[track_caller]` on every public function on the
/// path): Condition's "two locks at once".
mod condition_panic_location {
    use std::cell::RefCell;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::{Arc, Once};
    use std::time::{Duration, Instant};
    use weftsync::{Condition, Lock, RLock};

    thread_local! {
        /// Where the last panic on this thread happened: (file, line).
        static LAST_PANIC: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
    }

    /// Runs `f`, which must panic, and returns the file and line the panic reported. A process
    /// hook (installed once, chained to the previous one) records each thread's last panic
    /// location, so tests panicking on other threads meanwhile do not interfere.
    fn panic_location(f: impl FnOnce()) -> (String, u32) {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if let Some(at) = info.location() {
                    let here = Some((at.file().to_owned(), at.line()));
                    LAST_PANIC.with(|p| *p.borrow_mut() = here);
                }
                previous(info);
            }));
        });
        LAST_PANIC.with(|p| *p.borrow_mut() = None);
        assert!(
            catch_unwind(AssertUnwindSafe(f)).is_err(),
            "expected a panic"
        );
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .expect("the panic hook recorded no location")
    }

    #[test]
    fn two_locks_panic_reports_the_callers_line() {
        crate::watchdog::watched(|| {
            const LONG: Duration = Duration::from_secs(60);
            let shared = Arc::new((Lock::new(false), Condition::new()));
            let s = Arc::clone(&shared);
            let waiter = std::thread::spawn(move || {
                let mut g = s.0.lock();
                *g = true;
                s.1.wait_while(&mut g, |queued| *queued);
            });
            // Queued once the flag reads true under the lock (set and queued in one section).
            while !*shared.0.lock() {
                std::thread::yield_now();
            }
            let cond = &shared.1;
            let (other, rlock) = (Lock::new(0u8), RLock::new(0u8));
            let later = || Instant::now() + LONG;
            let (o, r) = (|| other.lock(), || rlock.lock());
            let check = |line: u32, f: &dyn Fn()| {
                assert_eq!(
                    panic_location(f),
                    (file!().to_owned(), line),
                    "the two-locks panic must name the caller's line"
                );
            };
            // One line per call, so `line!()` is the call's line: rustfmt must not split them.
            #[rustfmt::skip]
            let every_form = || {
                check(line!(), &|| cond.wait(&mut o()));
                check(line!(), &|| cond.wait(&mut r()));
                check(line!(), &|| _ = cond.wait_for(&mut o(), LONG));
                check(line!(), &|| _ = cond.wait_until(&mut o(), later()));
                check(line!(), &|| cond.wait_while(&mut o(), |_| true));
                check(line!(), &|| _ = cond.wait_while_for(&mut o(), |_| true, LONG));
                check(line!(), &|| _ = cond.wait_while_until(&mut r(), |_| true, later()));
            };
            every_form();
            *shared.0.lock() = false;
            assert_eq!(
                cond.notify_all(),
                1,
                "the first waiter stayed queued throughout"
            );
            waiter.join().unwrap();
        });
    }
}
