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
    pub(super) fn panic_location(f: impl FnOnce()) -> (String, u32) {
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

// Queue: shared by reference; Send + Sync when T: Send (items move between threads, are never
// shared). Unwind-safe whatever T is: a panic never leaves it half-changed (items are dropped
// outside its lock, and never lent out). Its size is pinned so a change of layout is a decision.
assert_impl_all!(Queue<u32>: Send, Sync, Unpin, core::fmt::Debug);
assert_impl_all!(Queue<std::cell::Cell<u8>>: Send, Sync);
assert_not_impl_any!(Queue<std::rc::Rc<u8>>: Send, Sync);
assert_impl_all!(Queue<&'static mut u8>: std::panic::UnwindSafe, std::panic::RefUnwindSafe);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(
    core::mem::size_of::<Queue<u32>>() == 512,
    "Queue's layout changed: the lock-free slots core (head and tail on 128-byte lines of their own, a slot pointer, counts, four futex words) or the locked ring"
);
assert_impl_all!(queue::Iter<'static, u32>: Send, Sync, core::fmt::Debug, core::iter::FusedIterator);
assert_impl_all!(queue::TryIter<'static, u32>: Send, Sync, core::fmt::Debug);
assert_impl_all!(queue::Iter<'static, &'static mut u8>: std::panic::UnwindSafe, std::panic::RefUnwindSafe);
assert_eq_size!(queue::Iter<'static, u32>, usize);
assert_impl_all!(&'static Queue<u32>: IntoIterator);

// Pipe ends: Send + Sync when T: Send (threads may share an end), not Clone (Python's
// connections are single objects), unwind-safe like every channel end.
assert_impl_all!(Connection<u32>: Send, Sync, Unpin, core::fmt::Debug);
assert_impl_all!(PipeReceiver<u32>: Send, Sync, Unpin, core::fmt::Debug);
assert_impl_all!(PipeSender<u32>: Send, Sync, Unpin, core::fmt::Debug);
assert_not_impl_any!(Connection<std::rc::Rc<u8>>: Send, Sync);
assert_not_impl_any!(PipeReceiver<std::rc::Rc<u8>>: Send, Sync);
assert_not_impl_any!(PipeSender<std::rc::Rc<u8>>: Send, Sync);
assert_not_impl_any!(Connection<u32>: Clone);
assert_not_impl_any!(PipeReceiver<u32>: Clone);
assert_not_impl_any!(PipeSender<u32>: Clone);
assert_impl_all!(Connection<&'static mut u8>: std::panic::UnwindSafe, std::panic::RefUnwindSafe);
assert_impl_all!(PipeReceiver<&'static mut u8>: std::panic::UnwindSafe, std::panic::RefUnwindSafe);
assert_impl_all!(PipeSender<&'static mut u8>: std::panic::UnwindSafe, std::panic::RefUnwindSafe);
assert_eq_size!(Connection<u32>, [usize; 2]);
assert_eq_size!(PipeReceiver<u32>, usize);
assert_eq_size!(PipeSender<u32>, usize);
assert_impl_all!(pipe::Iter<'static, u32>: Send, Sync, core::fmt::Debug, core::iter::FusedIterator);
assert_impl_all!(pipe::TryIter<'static, u32>: Send, Sync, core::fmt::Debug);
assert_impl_all!(pipe::Iter<'static, &'static mut u8>: std::panic::UnwindSafe, std::panic::RefUnwindSafe);
assert_impl_all!(&'static PipeReceiver<u32>: IntoIterator);

// The channel error family: Debug without T: Debug, Display, Error; Send + Sync when T is; Copy /
// Eq where T allows; a closed-and-drained or empty error carries nothing.
assert_impl_all!(SendError<std::rc::Rc<u8>>: std::error::Error, core::fmt::Debug, core::fmt::Display);
assert_impl_all!(TrySendError<std::rc::Rc<u8>>: std::error::Error, core::fmt::Debug);
assert_impl_all!(SendTimeoutError<std::rc::Rc<u8>>: std::error::Error, core::fmt::Debug);
assert_not_impl_any!(SendError<std::rc::Rc<u8>>: Send, Sync);
assert_impl_all!(SendError<u32>: Send, Sync, Copy, Eq, Unpin, std::panic::UnwindSafe);
assert_impl_all!(TrySendError<u32>: Send, Sync, Copy, Eq);
assert_impl_all!(SendTimeoutError<u32>: Send, Sync, Copy, Eq);
assert_impl_all!(RecvError: std::error::Error, Send, Sync, Copy, Eq, core::fmt::Debug);
assert_impl_all!(TryRecvError: std::error::Error, Send, Sync, Copy, Eq, From<RecvError>);
assert_impl_all!(RecvTimeoutError: std::error::Error, Send, Sync, Copy, Eq, From<RecvError>);
assert_impl_all!(TrySendError<u32>: From<SendError<u32>>);
assert_impl_all!(SendTimeoutError<u32>: From<SendError<u32>>);
assert_eq_size!(SendError<u32>, u32);
assert_eq_size!(RecvError, ());
assert_eq_size!(TryRecvError, u8);
assert_eq_size!(RecvTimeoutError, u8);
assert_impl_all!(TaskDoneError: std::error::Error, Send, Sync, Copy);
assert_impl_all!(ZeroCapacity: std::error::Error, Send, Sync, Copy);

// LifoQueue and PriorityQueue are Queue's type with another order, so they share its auto
// traits; only the store in the layout differs. Generic code over the order sees Send + Sync too
// (they are written out).
mod queue_orders_auto_traits {
    use core::panic::{RefUnwindSafe, UnwindSafe};
    use static_assertions::{assert_impl_all, assert_not_impl_any};
    use weftsync::queue::{Fifo, Iter, Lifo, Order, OrderedQueue, Priority, TryIter};
    use weftsync::{LifoQueue, PriorityQueue, Queue, Selectable};

    assert_impl_all!(LifoQueue<u32>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug, Selectable);
    assert_impl_all!(PriorityQueue<u32>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug, Selectable);
    assert_impl_all!(Queue<u32>: Selectable);
    assert_not_impl_any!(LifoQueue<std::rc::Rc<u8>>: Send, Sync);
    assert_not_impl_any!(PriorityQueue<std::rc::Rc<u8>>: Send, Sync);
    assert_impl_all!(PriorityQueue<&'static mut u8>: UnwindSafe, RefUnwindSafe);
    assert_impl_all!(Iter<'static, u32, Lifo>: Send, Sync, core::iter::FusedIterator);
    assert_impl_all!(TryIter<'static, u32, Priority>: Send, Sync, core::fmt::Debug);
    assert_impl_all!(&'static PriorityQueue<u32>: IntoIterator);
    assert_impl_all!(Fifo: Order<u8>, core::fmt::Debug);
    assert_impl_all!(Lifo: Order<u8>);
    assert_impl_all!(Priority: Order<u8>);
    assert_not_impl_any!(Priority: Order<f32>); // not `Ord`

    #[cfg(target_pointer_width = "64")]
    const _: () = assert!(
        core::mem::size_of::<LifoQueue<u32>>() == 112
            && core::mem::size_of::<PriorityQueue<u32>>() == 120,
        "Queue's layout with a Vec (24 bytes) for the VecDeque (32): LIFO 112 bytes; priority \
         120 (the heap's Vec and its put counter)"
    );

    /// Generic code over the order sees the queue as `Sync` when `T: Send`.
    const fn _generic_is_sync<T: Send, O: Order<T>>() {
        const fn sync<S: Sync>() {}
        sync::<OrderedQueue<T, O>>();
    }
}

// SimpleQueue: Send + Sync when T: Send; unwind-safe whatever T is, like the channel ends.
mod simple_queue_auto_traits {
    use core::panic::{RefUnwindSafe, UnwindSafe};
    use static_assertions::{assert_eq_size, assert_impl_all, assert_not_impl_any};
    use weftsync::simple_queue::{Iter, TryIter};
    use weftsync::{Selectable, SimpleQueue};

    assert_impl_all!(SimpleQueue<u32>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Default, core::fmt::Debug, Selectable);
    assert_impl_all!(SimpleQueue<std::cell::Cell<u8>>: Send, Sync);
    assert_not_impl_any!(SimpleQueue<std::rc::Rc<u8>>: Send, Sync);
    assert_impl_all!(SimpleQueue<&'static mut u8>: UnwindSafe, RefUnwindSafe);
    assert_impl_all!(Iter<'static, u32>: Send, Sync, core::fmt::Debug, core::iter::FusedIterator);
    assert_impl_all!(TryIter<'static, u32>: Send, Sync, core::fmt::Debug);
    // A head pointer, a `Lock` of the getters' list (a word and a pointer), the epoch word, the
    // length.
    #[cfg(target_pointer_width = "64")]
    assert_eq_size!(SimpleQueue<u32>, [u64; 5]);
}

// select: the objects it can wait on.
mod select_auto_traits {
    use static_assertions::assert_impl_all;
    use weftsync::{BoundedSemaphore, Connection, Event, PipeReceiver, Selectable, Semaphore};

    assert_impl_all!(Event: Selectable);
    assert_impl_all!(Semaphore: Selectable);
    assert_impl_all!(BoundedSemaphore: Selectable);
    assert_impl_all!(Connection<u8>: Selectable);
    assert_impl_all!(PipeReceiver<u8>: Selectable);
}
// Semaphore: one 32-bit word (count + SLEEPERS bit). BoundedSemaphore: the word, the slack word
// and the limit. A permit may be sent to and dropped on another thread (the semaphore, the
// bounded one's slack word, the count); the owned permit keeps one of the two `Arc`s alive and is
// `Send + 'static`, so it moves into a spawned thread. Nothing is poisoned and no `&mut` is handed
// out, so all are unwind safe.
assert_eq_size!(Semaphore, u32);
assert_impl_all!(Semaphore: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug);
assert_eq_size!(BoundedSemaphore, [u32; 3]);
assert_impl_all!(BoundedSemaphore: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug);
assert_eq_size!(SemaphorePermit<'static>, [usize; 3]);
assert_impl_all!(SemaphorePermit<'static>: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug);
assert_eq_size!(ArcSemaphorePermit, [usize; 3]);
assert_impl_all!(ArcSemaphorePermit: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, core::fmt::Debug);
const _: fn() = is_static::<ArcSemaphorePermit>;
assert_impl_all!(ReleaseError: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, Copy, Eq, core::fmt::Debug, core::fmt::Display, std::error::Error);

/// Every documented panic of `Semaphore` and `BoundedSemaphore` names the caller's line:
/// `#[track_caller]` on every function on the path (API rule 4). Uses the one panic hook of
/// `condition_panic_location`.
#[test]
fn semaphore_panics_name_the_callers_line() {
    // Watched: without the request check, `acquire_many(big)` would block for ever.
    crate::watchdog::watched(|| {
        use condition_panic_location::panic_location;
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
                    (file!().to_owned(), line!()),
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
        assert!(
            sem.checked_release(1).is_err(),
            "checked_release returns the error instead of panicking"
        );
    });
}

/// `Barrier::new`'s documented panics (0 parties, more than `MAX_PARTIES`) name the caller's line
/// (API rule 4; barrier promise B10). Uses the one panic hook of `condition_panic_location`.
#[test]
fn barrier_new_panics_name_the_callers_line() {
    use condition_panic_location::panic_location;
    use std::hint::black_box;
    for parties in [0, Barrier::MAX_PARTIES + 1] {
        let line = line!() + 1;
        let at = panic_location(|| _ = Barrier::new(black_box(parties)));
        assert_eq!(
            at,
            (file!().to_owned(), line),
            "`Barrier::new({parties})` must panic naming the caller's line"
        );
    }
}
