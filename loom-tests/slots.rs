//! Loom models of the lock-free slot protocol under a bounded FIFO `Queue` (`src/slots.rs`):
//! claims racing for one slot, a get and a put racing at the empty and the full boundary (the
//! stamp of one slot changing under both), and each blocking call woken by its one documented
//! waker after the positions have wrapped (so the stamps are a lap on). Bound:
//! LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml); the eight models take under 2 s together (debug
//! build, 2 busy cores).

use crate::LONG;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use weftsync::{Queue, RecvError, SendError, SendTimeoutError, TryRecvError, TrySendError};

/// Two producers race to claim the one free slot of a queue of capacity 1: exactly one wins, the
/// other gets `Full` with its item handed back, and the winner's item is the one inside.
#[test]
fn two_producers_racing_for_one_slot() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        let other = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.try_put(2))
        };
        let mine = q.try_put(1);
        let theirs = other.join().unwrap();
        let (won, lost) = match (mine, theirs) {
            (Ok(()), Err(TrySendError::Full(v))) => (1, v),
            (Err(TrySendError::Full(v)), Ok(())) => (2, v),
            other => panic!("exactly one claim of the one slot must win: {other:?}"),
        };
        assert_eq!(won + lost, 3, "the loser must get its own item back");
        assert_eq!(q.try_get(), Ok(won), "the winner's item is inside");
        assert_eq!(q.try_get(), Err(TryRecvError::Empty));
    });
}

/// Two producers claim the two slots of a queue of capacity 2 whose positions have wrapped once
/// (the slots' stamps are a lap on): both succeed, and each item is got exactly once.
#[test]
fn two_producers_racing_for_two_wrapped_slots() {
    crate::model(|| {
        let q = Arc::new(Queue::new(2));
        for v in [7, 8] {
            q.put(v).unwrap();
            assert_eq!(q.get(), Ok(v));
        }
        let other = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.try_put(2))
        };
        assert_eq!(q.try_put(1), Ok(()), "a free slot must be claimed");
        assert_eq!(other.join().unwrap(), Ok(()), "a free slot must be claimed");
        let mut got = [q.try_get().unwrap(), q.try_get().unwrap()];
        got.sort_unstable();
        assert_eq!(got, [1, 2], "each item got exactly once");
    });
}

/// At the empty boundary a `try_get` races the `try_put` of the only item: it gets the item or
/// `Empty`, and in the second case the item is inside afterwards; nothing is lost or duplicated.
#[test]
fn consumer_racing_producer_at_the_empty_boundary() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.try_put(1))
        };
        let got = q.try_get();
        assert_eq!(producer.join().unwrap(), Ok(()), "the queue had room");
        match got {
            Ok(v) => {
                assert_eq!(v, 1);
                assert_eq!(q.try_get(), Err(TryRecvError::Empty), "got once only");
            }
            Err(TryRecvError::Empty) => assert_eq!(q.try_get(), Ok(1), "the item stayed inside"),
            Err(e) => panic!("open queue: {e:?}"),
        }
    });
}

/// At the full boundary (capacity 1, one item inside) a `try_put` races the `try_get` that frees
/// the slot: the get always succeeds; the put succeeds only if it saw the slot freed, else it is
/// handed back `Full`; afterwards exactly the accepted items are inside.
#[test]
fn consumer_racing_producer_at_the_full_boundary() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.try_put(2))
        };
        assert_eq!(q.try_get(), Ok(1), "the full slot must be taken");
        match producer.join().unwrap() {
            Ok(()) => assert_eq!(q.try_get(), Ok(2), "the accepted item is inside"),
            Err(TrySendError::Full(2)) => {
                assert_eq!(q.try_get(), Err(TryRecvError::Empty), "nothing else inside")
            }
            Err(e) => panic!("open queue: {e:?}"),
        }
    });
}

/// A get blocked on an empty queue (positions wrapped once) is woken by a put and nothing else:
/// no shutdown, no other thread. A put that did not see the getter's mark, or a mark set on a
/// stamp that had already changed, would leave it asleep beside the item (a deadlock to loom).
#[test]
fn getter_sleeping_on_a_wrapped_slot_is_woken_by_the_put_alone() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(0).unwrap();
        assert_eq!(q.get(), Ok(0));
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get())
        };
        q.put(1).unwrap();
        assert_eq!(
            getter.join().unwrap(),
            Ok(1),
            "the put's item reaches the getter"
        );
    });
}

/// A put blocked on a full queue (positions wrapped once) is woken by a get and nothing else.
#[test]
fn putter_sleeping_on_a_wrapped_slot_is_woken_by_the_get_alone() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(0).unwrap();
        assert_eq!(q.get(), Ok(0));
        q.put(1).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        assert_eq!(q.get(), Ok(1));
        assert_eq!(putter.join().unwrap(), Ok(()));
        assert_eq!(q.try_get(), Ok(2), "the woken put's item is inside");
    });
}

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);
impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A put racing an immediate shutdown: the put either is refused (its item handed back, dropped
/// by the caller) or claims before the close, and then the shutdown waits for it to publish and
/// drops its item. Either way the item is dropped exactly once, and the shutdown leaves nothing
/// unfinished.
#[test]
fn put_racing_immediate_shutdown_drops_the_item_exactly_once() {
    crate::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let q = Arc::new(Queue::new(1));
        let putter = {
            let (q, drops) = (Arc::clone(&q), Arc::clone(&drops));
            thread::spawn(move || q.put(Counted(drops)).is_ok())
        };
        q.shutdown(true);
        let accepted = putter.join().unwrap();
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the item must be dropped exactly once"
        );
        assert!(
            q.try_get().is_err(),
            "nothing is left after an immediate shutdown"
        );
        if accepted {
            assert_eq!(q.unfinished_tasks(), 0, "the dropped item counts as done");
        }
    });
}

/// Regression: one producer puts two items through a queue of capacity 1 to one consumer. The
/// interleaving that broke it: the getter marked the slot and slept, returned spuriously, the
/// put's swap read its mark and bumped `not_empty`; the getter then read the bumped epoch but
/// (the bump being Relaxed) still the old marked stamp, took the mark as current and slept on
/// the new epoch, which nobody bumps again. The bumps are Release now.
#[test]
fn getter_returning_spuriously_sees_the_swap_behind_a_new_epoch() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(0).unwrap();
        assert_eq!(q.get(), Ok(0));
        let p = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                q.put(1).unwrap();
                q.put(2).unwrap();
            })
        };
        assert_eq!(q.get(), Ok(1), "FIFO");
        assert_eq!(q.get(), Ok(2), "FIFO, and no getter asleep beside the item");
        p.join().unwrap();
    });
}

/// A put blocked on a full queue offers its item; the get that frees the slot puts it. Raced
/// against the put's own deadline (which the emulated wait layer may end at any moment): the
/// put either happened (by the get's hand, or its own) and the item is inside, or it timed out
/// with its own item handed back and nothing was put. Never both, never neither.
#[test]
fn offering_put_racing_its_deadline_is_put_once_or_handed_back() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put_for(2, LONG))
        };
        assert_eq!(q.get(), Ok(1));
        match putter.join().unwrap() {
            Ok(()) => assert_eq!(q.try_get(), Ok(2), "an accepted item is inside once"),
            Err(SendTimeoutError::Timeout(v)) => {
                assert_eq!(v, 2, "the timed-out put gets its own item back");
                assert_eq!(q.try_get(), Err(TryRecvError::Empty), "and nothing was put");
            }
            Err(e) => panic!("open queue: {e:?}"),
        }
    });
}

/// A put blocked on a full queue (its item on offer) races a shutdown and the get that frees
/// the slot: the put either happened before the close (its item then drains to the getter) or
/// fails with its own item handed back; the getter sees exactly the accepted items, then the
/// end.
#[test]
fn offering_put_racing_a_shutdown_is_drained_or_handed_back() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        let getter = {
            let q = Arc::clone(&q);
            thread::spawn(move || [q.get(), q.get()])
        };
        q.shutdown(false);
        let got = getter.join().unwrap();
        assert_eq!(got[0], Ok(1), "the item inside before the close drains");
        match putter.join().unwrap() {
            Ok(()) => assert_eq!(got[1], Ok(2), "an accepted put drains too"),
            Err(SendError(v)) => {
                assert_eq!(v, 2, "a refused put gets its own item back");
                assert_eq!(got[1], Err(RecvError), "and the getter sees the end");
            }
        }
    });
}

/// A put blocked on a full queue of capacity 1 offers its item, and a `try_put` races the get
/// that frees the slot: the `try_put` may claim the freed slot before the get puts the offered
/// item (then the get hands it back and the offering put marks the slot again), or mark-time
/// may fall between the `try_put`'s claim and its publish (then that put's swap sends the
/// offering put back to look again). Every accepted item is got exactly once, and the blocked put
/// always happens.
#[test]
fn offering_put_racing_a_try_put_for_the_freed_slot_is_put_once() {
    crate::model(|| {
        let q = Arc::new(Queue::new(1));
        q.put(1).unwrap();
        let offering = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(2))
        };
        let trying = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.try_put(3))
        };
        assert_eq!(q.get(), Ok(1), "FIFO: the item inside first");
        let mut got = vec![q.get().unwrap()];
        match trying.join().unwrap() {
            Ok(()) => got.push(q.get().unwrap()),
            Err(TrySendError::Full(3)) => {}
            Err(e) => panic!("open queue: {e:?}"),
        }
        assert_eq!(offering.join().unwrap(), Ok(()), "the blocked put happens");
        got.sort_unstable();
        assert!(
            got == [2] || got == [2, 3],
            "each accepted item is got exactly once: {got:?}"
        );
        assert_eq!(q.try_get(), Err(TryRecvError::Empty));
    });
}
