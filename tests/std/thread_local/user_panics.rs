//! `ThreadLocal` when user code panics or re-enters: a value's `drop` during `clear` or the
//! `ThreadLocal`'s drop, and `init` in `get_or` / `get_or_try`. Nothing may be leaked, dropped
//! twice or left half-stored. Run under Miri, whose leak check reports any value left behind.

use super::{Counted, DropLog, THREADS};
use crate::watchdog::watched;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use weftsync::ThreadLocal;

/// A counted value; the first of its kind to be dropped (per shared flag) panics in `drop`.
/// Its field is still dropped while that panic unwinds, so the log records every value.
struct FirstDropPanics {
    counted: Counted,
    armed: Arc<AtomicBool>,
}

impl Drop for FirstDropPanics {
    fn drop(&mut self) {
        if self.armed.swap(false, Relaxed) {
            panic!("value {} panics in drop", self.counted.id);
        }
    }
}

/// A `ThreadLocal` holding values stored by `THREADS` threads at once (several slots and
/// buckets) and by three threads one after another (which reuse one slot, so a chain of exited
/// threads' values behind one head), plus the calling thread's.
fn filled(log: &Arc<DropLog>, armed: &Arc<AtomicBool>) -> ThreadLocal<FirstDropPanics> {
    let make = || FirstDropPanics {
        counted: log.make(),
        armed: Arc::clone(armed),
    };
    let tl = ThreadLocal::new();
    tl.get_or(make);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                tl.get_or(make);
            });
        }
    });
    for _ in 0..3 {
        std::thread::scope(|s| {
            s.spawn(|| {
                tl.get_or(make);
            });
        });
    }
    assert_eq!(log.made.load(Relaxed), THREADS as u64 + 4);
    tl
}

/// Regression (issue 8): the first value's panicking drop ended the walk, so every value after
/// it in the table leaked (1 of 8 dropped, measured with 8 values).
#[test]
fn drop_drops_every_value_once_when_one_drop_panics() {
    watched(|| {
        let log = Arc::new(DropLog::default());
        let armed = Arc::new(AtomicBool::new(true));
        let tl = filled(&log, &armed);
        let r = catch_unwind(AssertUnwindSafe(move || drop(tl)));
        assert!(r.is_err(), "the value's panic reaches the caller of drop");
        assert!(!armed.load(Relaxed), "one value panicked");
        log.assert_each_dropped_once("after a drop in which one value's drop panicked");
    });
}

/// The same for `clear`; and the `ThreadLocal` is left empty and usable.
#[test]
fn clear_drops_every_value_once_when_one_drop_panics_and_empties() {
    watched(|| {
        let log = Arc::new(DropLog::default());
        let armed = Arc::new(AtomicBool::new(true));
        let mut tl = filled(&log, &armed);
        let r = catch_unwind(AssertUnwindSafe(|| tl.clear()));
        assert!(r.is_err(), "the value's panic reaches the caller of clear");
        log.assert_each_dropped_once("after a clear in which one value's drop panicked");
        assert!(tl.get().is_none(), "a clear that panicked still empties");
        assert_eq!(
            tl.iter_mut().count(),
            0,
            "a clear that panicked still empties"
        );
        let again = tl
            .get_or(|| FirstDropPanics {
                counted: log.make(),
                armed: Arc::clone(&armed),
            })
            .counted
            .id;
        assert_eq!(again, THREADS as u64 + 4, "usable after the panic");
        drop(tl);
        log.assert_each_dropped_once("after drop");
    });
}

/// A panicking `init` stores nothing, allocates nothing that outlives the call, and the next
/// `get_or` on the same thread runs its own `init`.
#[test]
fn panicking_init_stores_nothing_and_leaks_nothing() {
    let log = Arc::new(DropLog::default());
    let tl: ThreadLocal<Counted> = ThreadLocal::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        tl.get_or(|| {
            let _made_then_dropped = log.make();
            panic!("init panics")
        });
    }));
    assert!(r.is_err(), "init's panic reaches the caller");
    assert!(tl.get().is_none(), "a panicking init stores nothing");
    assert_eq!(tl.get_or(|| log.make()).id, 1, "the next init runs");
    drop(tl);
    log.assert_each_dropped_once("after a panicking init");
}

/// Runs `f`, which must panic, and returns the file and line its panic reported. The hook is
/// installed once and records only while the calling thread is inside this function, so
/// other tests' panics print as usual.
fn panic_location(f: impl FnOnce()) -> (String, u32) {
    use std::cell::{Cell, RefCell};
    std::thread_local! {
        static CAPTURING: Cell<bool> = const { Cell::new(false) };
        static CAUGHT: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.get() {
                let at = info.location().map(|l| (l.file().to_owned(), l.line()));
                CAUGHT.set(at);
            } else {
                previous(info);
            }
        }));
    });
    CAPTURING.set(true);
    let r = catch_unwind(AssertUnwindSafe(f));
    CAPTURING.set(false);
    assert!(r.is_err(), "the call panics");
    CAUGHT.take().expect("the hook saw the panic's location")
}

/// The documented panic of a reentrant `init` ("init stored this thread's value itself")
/// names the caller's line, not a line inside the crate (`#[track_caller]` on its path).
#[test]
fn reentrant_init_panic_reports_the_callers_line() {
    let tl: ThreadLocal<u32> = ThreadLocal::new();
    let call_line = line!() + 3;
    let (file, line) = panic_location(|| {
        // The outer call is the one that panics.
        tl.get_or(|| *tl.get_or(|| 1) + 1);
    });
    assert_eq!(
        (file.as_str(), line),
        (file!(), call_line),
        "panic names the caller's line"
    );
    assert_eq!(tl.get(), Some(&1), "the inner init's value is kept");

    let tl: ThreadLocal<u32> = ThreadLocal::new();
    let call_line = line!() + 2;
    let (file, line) = panic_location(|| {
        let _ = tl.get_or_try(|| Ok::<_, ()>(*tl.get_or(|| 1) + 1));
    });
    assert_eq!(
        (file.as_str(), line),
        (file!(), call_line),
        "get_or_try's too"
    );
}

/// A reentrant `init` whose own value panics in drop (when the outer call discards it): the
/// value's panic replaces the reentrancy panic, and nothing leaks or is dropped twice.
#[test]
fn reentrant_init_whose_discarded_value_panics_in_drop_leaks_nothing() {
    let log = Arc::new(DropLog::default());
    let armed = Arc::new(AtomicBool::new(false));
    let tl: ThreadLocal<FirstDropPanics> = ThreadLocal::new();
    let make = || FirstDropPanics {
        counted: log.make(),
        armed: Arc::clone(&armed),
    };
    let r = catch_unwind(AssertUnwindSafe(|| {
        tl.get_or(|| {
            tl.get_or(make);
            // Arm only the outer value's drop: it is the one discarded.
            let outer = make();
            armed.store(true, Relaxed);
            outer
        });
    }));
    let message = r.expect_err("a reentrant init panics");
    assert_eq!(
        message.downcast_ref::<String>().map(String::as_str),
        Some("value 1 panics in drop"),
        "the discarded value's own panic is what unwinds"
    );
    assert_eq!(tl.get().map(|v| v.counted.id), Some(0), "inner value kept");
    assert_eq!(log.dropped(), 1, "the outer value was dropped");
    drop(tl);
    log.assert_each_dropped_once("after a reentrant init with a panicking drop");
}
