//! Loom models of `select::wait` (docs/select.md). Bound: LOOM_MAX_PREEMPTIONS=2
//! (.cargo/config.toml). The library runs its real selector code, the real registry
//! (`src/shim/selectors.rs`, on loom's mutex and atomics) and each object's real arm; only the
//! wait layer is emulated, so loom explores every place a waker can act relative to the
//! selector's steps: before it registers, between its registration and its arm of that object,
//! between the arm and the look, and between the look and the sleep ("readiness arrives between
//! the check and the sleep").
//!
//! The `*_alone` models give the selector exactly one thing that can wake it: the documented
//! waker of one object kind (no shutdown, no drop, no other thread that could wake it by the
//! way). A lost readiness leaves the selector asleep, which loom reports as a deadlock. Timed
//! forms use a 5 s timeout that never passes in real time: the shim lets loom decide when the
//! wait gives up.

use loom::sync::Arc;
use loom::thread;
use weftsync::{Event, Queue, Selectable, Semaphore, SimpleQueue, pipe, pipe_oneway, select};

use crate::LONG;

/// Runs `select::wait` on `objects` on a thread of its own, then `ready` on this one; the
/// selector must return with `want` among what it reports.
fn selector_woken_by<O: Send + Sync + 'static>(
    objects: Arc<O>,
    pick: fn(&O) -> Vec<&dyn Selectable>,
    want: usize,
    ready: impl FnOnce(&O),
) {
    let selector = {
        let objects = Arc::clone(&objects);
        thread::spawn(move || select::wait(&pick(&objects)))
    };
    ready(&objects);
    let got = selector.join().unwrap();
    assert!(
        got.contains(&want),
        "the selector reported {got:?}, not {want}"
    );
}

/// A selector on an event and an idle queue is woken by `set`, the event's documented waker.
#[test]
fn select_on_event_is_woken_by_set_alone() {
    crate::model(|| {
        let objects = Arc::new((Queue::<u8>::new(1), Event::new()));
        selector_woken_by(objects, |o| vec![&o.0, &o.1], 1, |o| o.1.set());
    });
}

/// A selector on a semaphore with no permit is woken by `release`, alone; nothing is taken.
#[test]
fn select_on_semaphore_is_woken_by_release_alone() {
    crate::model(|| {
        let objects = Arc::new(Semaphore::new(0));
        selector_woken_by(Arc::clone(&objects), |o| vec![o], 0, |o| o.release(1));
        assert_eq!(
            objects.available_permits(),
            1,
            "the selector took the permit"
        );
    });
}

/// A selector on an empty queue and an idle event is woken by a put, alone; the item stays.
#[test]
fn select_on_queue_is_woken_by_put_alone() {
    crate::model(|| {
        let objects = Arc::new((Event::new(), Queue::new(1)));
        selector_woken_by(
            Arc::clone(&objects),
            |o| vec![&o.0, &o.1],
            1,
            |o| o.1.put(5).unwrap(),
        );
        assert_eq!(objects.1.try_get(), Ok(5), "the selector consumed the item");
    });
}

/// Regression (found at bound 3 on the slot core, `scripts/loom-facts 3`): the selector arms
/// (a POLLER mark on the slot at `head`), returns spuriously, and re-arms: the mark is still on
/// the stamp it sees, so the arm announces nothing new and relies on its round's read of its own
/// word. When that read saw the bump of a put whose swap it could not yet see (a Relaxed read
/// of a Relaxed bump), it slept on that value and nobody bumped it again. The bump is Release
/// and the read Acquire now. Run at bound 3 (the suite's default bound does not reach it);
/// about 1 s.
#[test]
fn selector_rearming_on_its_own_mark_sees_the_put_behind_the_bump_it_read() {
    crate::model_at_bound(3, || {
        let objects = Arc::new(Queue::new(1));
        selector_woken_by(Arc::clone(&objects), |o| vec![o], 0, |o| o.put(5).unwrap());
        assert_eq!(objects.try_get(), Ok(5), "the selector consumed the item");
    });
}

/// A selector on an empty queue is woken by its shutdown, alone: a shut-down queue is ready.
#[test]
fn select_on_queue_is_woken_by_shutdown_alone() {
    crate::model(|| {
        let objects = Arc::new(Queue::<u8>::new(1));
        selector_woken_by(objects, |o| vec![o], 0, |o| o.shutdown(false));
    });
}

/// A selector on a pipe's receiving end is woken by the peer's send, alone; the message stays.
#[test]
fn select_on_pipe_is_woken_by_send_alone() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway::<u8>(1);
        let objects = Arc::new(rx);
        selector_woken_by(
            Arc::clone(&objects),
            |o| vec![o],
            0,
            |_| tx.send(9).unwrap(),
        );
        assert_eq!(
            objects.try_recv(),
            Ok(9),
            "the selector consumed the message"
        );
    });
}

/// A selector on a duplex end is woken by the peer closing, alone: end-of-file is ready.
#[test]
fn select_on_connection_is_woken_by_peer_close_alone() {
    crate::model(|| {
        let (a, b) = pipe::<u8>(1);
        let objects = Arc::new(a);
        selector_woken_by(objects, |o| vec![o], 0, move |_| b.close());
    });
}

/// A selector on a `SimpleQueue` is woken by a put, alone; the item stays.
#[test]
fn select_on_simple_queue_is_woken_by_put_alone() {
    crate::model(|| {
        let objects = Arc::new(SimpleQueue::new());
        selector_woken_by(Arc::clone(&objects), |o| vec![o], 0, |o| o.put(3));
        assert_eq!(objects.try_get(), Some(3), "the selector consumed the item");
    });
}

/// Readiness arriving between the check and the sleep, on the object checked first: the waker
/// readies the event while the selector arms and looks at the queue after it, then sleeps. Loom
/// places the `set` at every step of the selector; it must always be reported.
#[test]
fn readiness_of_the_first_object_arriving_while_the_second_is_checked_is_not_lost() {
    crate::model(|| {
        let objects = Arc::new((Event::new(), Queue::<u8>::new(1), Semaphore::new(0)));
        selector_woken_by(objects, |o| vec![&o.0, &o.1, &o.2], 0, |o| o.0.set());
    });
}

/// A `wait_for` that gives up just as a release arrives: it reports the semaphore or nothing,
/// and takes nothing either way.
#[test]
fn select_for_timing_out_as_release_arrives_reports_it_or_nothing_and_takes_nothing() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let selector = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || select::wait_for(&[&*sem], LONG))
        };
        sem.release(1);
        let got = selector.join().unwrap();
        assert!(got.is_none() || got == Some(vec![0]), "reported {got:?}");
        assert_eq!(sem.available_permits(), 1, "the selector took the permit");
    });
}

/// A selector and a blocked getter on one queue, and two puts: the getter's single wake is not
/// stolen by the selector (it gets an item), and the selector sees the other item.
#[test]
fn selector_beside_a_blocked_getter_steals_no_wake() {
    crate::model(|| {
        let q = Arc::new(Queue::new(2));
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        let selector = {
            let q = Arc::clone(&q);
            thread::spawn(move || select::wait(&[&*q]))
        };
        q.put(1).unwrap();
        q.put(2).unwrap();
        assert!(
            getter.join().unwrap().is_ok(),
            "the blocked getter got an item"
        );
        assert_eq!(
            selector.join().unwrap(),
            [0],
            "the selector saw the other item"
        );
    });
}

/// A selector and a plain waiter on one event: a single `set` wakes both.
#[test]
fn selector_and_waiter_on_one_event_are_both_woken_by_set() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let waiter = {
            let ev = Arc::clone(&ev);
            thread::spawn(move || ev.wait())
        };
        let selector = {
            let ev = Arc::clone(&ev);
            thread::spawn(move || select::wait(&[&*ev]))
        };
        ev.set();
        waiter.join().unwrap();
        assert_eq!(selector.join().unwrap(), [0]);
    });
}

/// A selector that timed out leaves its `WAITERS` bit on the event; a waiter that comes later is
/// still woken by the `set`, which makes at most one needless wake call for the stale bit.
#[test]
fn stale_waiters_bit_of_a_timed_out_selector_never_hides_a_later_waiter() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        {
            let ev = Arc::clone(&ev);
            thread::spawn(move || {
                let _ = select::wait_for(&[&*ev], LONG);
            })
            .join()
            .unwrap();
        }
        let waiter = {
            let ev = Arc::clone(&ev);
            thread::spawn(move || ev.wait())
        };
        ev.set();
        waiter.join().unwrap();
    });
}
