//! `select::wait` and its forms on real threads: each kind of object is reported when ready and
//! not consumed, each kind's waker wakes a blocked selector, timeouts, stress with many selectors
//! and wakers, and a property test of `try_wait` against a model of which objects are ready.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{
    BoundedSemaphore, Event, LifoQueue, PriorityQueue, Queue, Selectable, Semaphore,
    SemaphorePermit, SimpleQueue, pipe, pipe_oneway, select,
};

#[test]
fn each_kind_is_reported_ready_and_nothing_is_consumed() {
    watched(|| {
        let (q, lifo, prio, sq) = (
            Queue::new(2),
            LifoQueue::unbounded(),
            PriorityQueue::new(2),
            SimpleQueue::new(),
        );
        let (rx, tx) = pipe_oneway::<u8>(2);
        let (a, b) = pipe::<u8>(2);
        let (ev, sem, bsem) = (Event::new(), Semaphore::new(0), BoundedSemaphore::new(1));
        let _held = bsem.acquire();
        let all: [&dyn Selectable; 9] = [&q, &lifo, &prio, &sq, &rx, &a, &ev, &sem, &bsem];
        assert_eq!(select::try_wait(&all), None, "nothing is ready yet");
        // Make each ready in turn: exactly it is reported, and a second look reports it again.
        let ready_one = |i: usize| {
            let want = Some(vec![i]);
            assert_eq!(select::try_wait(&all), want, "object {i} alone is ready");
            assert_eq!(
                select::wait_for(&all, Duration::ZERO),
                want,
                "again: nothing consumed"
            );
            assert_eq!(select::wait(&all), [i], "and the blocking form agrees");
        };
        q.put(1).unwrap();
        ready_one(0);
        assert_eq!(q.try_get(), Ok(1), "the item is still there");
        lifo.put(1).unwrap();
        ready_one(1);
        assert_eq!(lifo.try_get(), Ok(1));
        prio.put(1).unwrap();
        ready_one(2);
        assert_eq!(prio.try_get(), Ok(1));
        sq.put(1);
        ready_one(3);
        assert_eq!(sq.try_get(), Some(1));
        tx.send(1).unwrap();
        ready_one(4);
        assert_eq!(rx.try_recv(), Ok(1));
        b.send(1).unwrap();
        ready_one(5);
        assert_eq!(a.try_recv(), Ok(1));
        ev.set();
        ready_one(6);
        assert!(ev.is_set(), "the flag is still set");
        ev.clear();
        sem.release(1);
        ready_one(7);
        assert_eq!(sem.available_permits(), 1, "the permit is still there");
        SemaphorePermit::forget(sem.acquire());
        drop(_held);
        ready_one(8);
        assert_eq!(bsem.available_permits(), 1);
    });
}

#[test]
fn a_shut_down_queue_and_a_closed_pipe_count_as_ready() {
    watched(|| {
        let q = Queue::<u8>::new(1);
        let (rx, tx) = pipe_oneway::<u8>(1);
        let (a, b) = pipe::<u8>(1);
        let all: [&dyn Selectable; 3] = [&q, &rx, &a];
        assert_eq!(select::try_wait(&all), None);
        q.shutdown(false);
        assert_eq!(
            select::try_wait(&all),
            Some(vec![0]),
            "shut down: a get returns at once"
        );
        drop(tx);
        assert_eq!(
            select::try_wait(&all),
            Some(vec![0, 1]),
            "end-of-file is ready"
        );
        drop(b);
        assert_eq!(
            select::wait(&all),
            [0, 1, 2],
            "every ready object is reported"
        );
    });
}

/// A selector blocked on three idle objects and `target`, woken by `ready` (which makes `target`
/// ready from this thread): it reports exactly `target`.
fn woken_by(target: &(dyn Selectable + Sync), ready: impl FnOnce()) {
    let (idle_q, idle_ev, idle_sem) = (Queue::<u8>::new(1), Event::new(), Semaphore::new(0));
    std::thread::scope(|s| {
        let t = s.spawn(|| select::wait(&[&idle_q, &idle_ev, target, &idle_sem]));
        ready();
        // The idle objects' state and the semaphore's address go into the message: a report of
        // an idle object (seen once, not reproduced) would show what changed in it.
        assert_eq!(
            t.join().unwrap(),
            [2],
            "the selector must wake and report the object; idle: {idle_q:?}, {idle_ev:?}, \
             {idle_sem:?} at {:p}",
            &idle_sem
        );
    });
}

#[test]
fn a_blocked_wait_is_woken_by_each_kind_of_waker() {
    watched(|| {
        let q = Queue::new(1);
        woken_by(&q, || q.put(1).unwrap());
        let q = Queue::<u8>::new(1);
        woken_by(&q, || q.shutdown(false));
        let q = PriorityQueue::unbounded();
        woken_by(&q, || q.put(1).unwrap());
        let q = LifoQueue::new(1);
        woken_by(&q, || q.put(1).unwrap());
        let q = SimpleQueue::new();
        woken_by(&q, || q.put(1));
        let (rx, tx) = pipe_oneway(1);
        woken_by(&rx, || tx.send(1).unwrap());
        let (rx, tx) = pipe_oneway::<u8>(1);
        woken_by(&rx, move || drop(tx));
        let (a, b) = pipe(1);
        woken_by(&a, || b.send(1).unwrap());
        let (a, b) = pipe::<u8>(1);
        woken_by(&a, move || b.close());
        let ev = Event::new();
        woken_by(&ev, || ev.set());
        let sem = Semaphore::new(0);
        woken_by(&sem, || sem.release(1));
        let bsem = BoundedSemaphore::new(1);
        let held = bsem.acquire();
        woken_by(&bsem, move || drop(held));
    });
}

/// W1 under stress: round after round, fresh idle objects (a queue, an event, a semaphore: on
/// this thread's stack, at the addresses the round before used) and a fresh target of a kind
/// chosen by the round, a selector blocked on all four on a new thread (whose stack is often the
/// last round's selector's, recycled), and the target made ready from this thread. The selector
/// must report exactly the target: an idle object reported ready would be a readiness made up
/// (a registry entry or a wake outliving its selector and landing on reused memory, say).
#[test]
fn stress_a_blocked_selector_reports_exactly_the_object_made_ready() {
    watched(|| {
        let rounds = if cfg!(miri) { 12 } else { 1_200 };
        for round in 0..rounds {
            match round % 6 {
                0 => {
                    let q = Queue::new(1);
                    woken_by(&q, || q.put(round).unwrap());
                }
                1 => {
                    let (a, b) = pipe(1);
                    woken_by(&a, || b.send(round).unwrap());
                }
                2 => {
                    let (rx, tx) = pipe_oneway(1);
                    woken_by(&rx, || tx.send(round).unwrap());
                }
                3 => {
                    let sem = Semaphore::new(0);
                    woken_by(&sem, || sem.release(1));
                }
                4 => {
                    let ev = Event::new();
                    woken_by(&ev, || ev.set());
                }
                _ => {
                    let q = SimpleQueue::new();
                    woken_by(&q, || q.put(round));
                }
            }
        }
    });
}

/// Returns once the thread whose id is in `tid` has been seen in `/proc` blocked in one futex
/// wait for three polls in a row (a selector past its spin, registered, armed and asleep; a
/// brief wait for a registry shard's lock is not three polls long), or once `done()` says it
/// has returned. Panics after 10 s.
#[cfg(all(target_os = "linux", not(miri)))]
fn until_asleep_or_done(tid: &std::sync::atomic::AtomicI32, done: impl Fn() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(10);
    let (mut last, mut polls) = (None, 0);
    while polls < 3 && !done() {
        assert!(
            Instant::now() < give_up,
            "the selector neither slept in a futex wait nor returned within 10 s"
        );
        std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
        let now = match tid.load(SeqCst) {
            0 => None,
            tid => crate::watchdog::futex_wait_address(tid),
        };
        polls = if now.is_some() && now == last {
            polls + 1
        } else {
            0
        };
        last = now;
    }
}

/// As `woken_by`, but `ready` runs only once the selector sleeps in the kernel: the waker must
/// find it through the registry (under the object's ready word) and wake it, and its next round
/// of arms must see `target` ready. The spin and the first look cannot catch it.
#[cfg(all(target_os = "linux", not(miri)))]
fn woken_from_its_sleep_by(target: &(dyn Selectable + Sync), ready: impl FnOnce()) {
    let (idle_q, idle_ev, idle_sem) = (Queue::<u8>::new(1), Event::new(), Semaphore::new(0));
    let tid = std::sync::atomic::AtomicI32::new(0);
    std::thread::scope(|s| {
        let t = s.spawn(|| {
            // SAFETY: gettid has no preconditions and cannot fail.
            tid.store(unsafe { libc::gettid() }, SeqCst);
            select::wait(&[&idle_q, &idle_ev, target, &idle_sem])
        });
        until_asleep_or_done(&tid, || t.is_finished());
        assert!(
            !t.is_finished(),
            "the selector returned before any of its objects was ready"
        );
        ready();
        assert_eq!(
            t.join().unwrap(),
            [2],
            "a selector asleep must be woken by the object's waker and report the object alone"
        );
    });
}

/// Each kind of object, on each of its cores (the lock-free slots of a bounded FIFO queue or
/// pipe, the locked ring above `MAX_SLOTS` and under the other queues), wakes a selector that
/// is already asleep: a selector registered under the wrong word, or an arm that announces
/// nothing or never sees the object ready, sleeps on here until the watchdog fails the test.
#[test]
#[cfg(all(target_os = "linux", not(miri)))]
fn a_selector_asleep_is_woken_by_each_kind_of_waker_on_each_core() {
    watched(|| {
        let large = (1 << 16) + 1; // above the slots' MAX_SLOTS: the locked ring
        let q = Queue::new(1);
        woken_from_its_sleep_by(&q, || q.put(1).unwrap());
        let q = Queue::new(large);
        woken_from_its_sleep_by(&q, || q.put(1).unwrap());
        let q = Queue::unbounded();
        woken_from_its_sleep_by(&q, || q.put(1).unwrap());
        let q = Queue::<u8>::new(1);
        woken_from_its_sleep_by(&q, || q.shutdown(false));
        let q = LifoQueue::new(1);
        woken_from_its_sleep_by(&q, || q.put(1).unwrap());
        let q = PriorityQueue::new(1);
        woken_from_its_sleep_by(&q, || q.put(1).unwrap());
        let q = SimpleQueue::new();
        woken_from_its_sleep_by(&q, || q.put(1));
        for capacity in [1, large] {
            let (rx, tx) = pipe_oneway(capacity);
            woken_from_its_sleep_by(&rx, || tx.send(1).unwrap());
            let (rx, tx) = pipe_oneway::<u8>(capacity);
            woken_from_its_sleep_by(&rx, move || drop(tx));
            let (a, b) = pipe(capacity);
            woken_from_its_sleep_by(&a, || b.send(1).unwrap());
            let (a, b) = pipe::<u8>(capacity);
            woken_from_its_sleep_by(&a, move || b.close());
        }
        let ev = Event::new();
        woken_from_its_sleep_by(&ev, || ev.set());
        let sem = Semaphore::new(0);
        woken_from_its_sleep_by(&sem, || sem.release(1));
        let bsem = BoundedSemaphore::new(1);
        let held = bsem.acquire();
        woken_from_its_sleep_by(&bsem, move || drop(held));
    });
}

/// A blocking `wait` woken by a readiness that is gone again when it looks (an event set and
/// cleared at once) goes back to sleep: a wake is not a timeout, and only the next readiness
/// ends the wait (or, if the selector saw the event set, it reports it). Ten rounds, so that the
/// selector mostly looks after the clear.
#[test]
#[cfg(all(target_os = "linux", not(miri)))]
fn a_wake_whose_readiness_is_gone_does_not_end_a_blocking_wait() {
    watched(|| {
        for _ in 0..10 {
            let ev = Event::new();
            let tid = std::sync::atomic::AtomicI32::new(0);
            std::thread::scope(|s| {
                let t = s.spawn(|| {
                    // SAFETY: gettid has no preconditions and cannot fail.
                    tid.store(unsafe { libc::gettid() }, SeqCst);
                    select::wait(&[&ev])
                });
                until_asleep_or_done(&tid, || t.is_finished());
                ev.set();
                ev.clear();
                // Asleep again (or returned, having seen the set): the next set ends it.
                until_asleep_or_done(&tid, || t.is_finished());
                ev.set();
                assert_eq!(
                    t.join().expect(
                        "a woken blocking wait that finds nothing ready must sleep again, not end"
                    ),
                    [0],
                    "the selector reports the event"
                );
            });
        }
    });
}

#[test]
fn wait_for_times_out_and_zero_timeout_is_one_look() {
    watched(|| {
        let (q, ev) = (Queue::<u8>::new(1), Event::new());
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(select::wait_for(&[&q, &ev], Duration::ZERO), None);
        assert_eq!(select::wait_until(&[&q, &ev], past), None);
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert_eq!(
                select::wait_for(&[&q, &ev], Duration::from_millis(50)),
                None
            );
        });
        crate::assert_waits_its_timeout(Duration::from_millis(30), || {
            assert_eq!(select::wait_for(&[], Duration::from_millis(30)), None);
        });
        ev.set();
        assert_eq!(select::wait_until(&[&q, &ev], past), Some(vec![1]));
    });
}

#[test]
fn huge_timeout_waits_forever_without_overflow() {
    watched(|| {
        let sem = Semaphore::new(0);
        std::thread::scope(|s| {
            let t = s.spawn(|| select::wait_for(&[&sem], Duration::MAX));
            sem.release(1);
            assert_eq!(
                t.join().unwrap(),
                Some(vec![0]),
                "Duration::MAX must mean forever"
            );
        });
    });
}

#[test]
#[should_panic(expected = "no objects to wait on")]
fn wait_on_no_objects_panics() {
    let _ = select::wait(&[]);
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn wait_on_no_objects_panics_at_the_callers_line() {
    let line = line!() + 1;
    let Some(at) = crate::queue::panic_location(|| drop(select::wait(&[]))) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "the empty-wait panic must name the caller's line (track_caller)"
    );
}

/// A getter and a selector blocked on one queue, then two puts: the getter's wake is not stolen
/// by the selector (it gets an item) and the selector wakes and sees the other one.
#[test]
fn a_selector_beside_a_blocked_getter_steals_no_wake() {
    watched(|| {
        let q = Queue::new(2);
        std::thread::scope(|s| {
            let getter = s.spawn(|| q.get());
            let selector = s.spawn(|| select::wait(&[&q]));
            q.put(1).unwrap();
            q.put(2).unwrap();
            assert!(
                getter.join().unwrap().is_ok(),
                "the blocked getter got an item"
            );
            assert_eq!(
                selector.join().unwrap(),
                [0],
                "the selector saw the other one"
            );
        });
        assert_eq!(q.len(), 1);
    });
}

/// Rounds of: 3 selectors wait on the same 5 objects while a waker readies one of them (chosen
/// by the round); each selector must return, and the first to see it consumes it with a `try_`
/// call. No selector may sleep through a readiness, and nothing is lost.
#[test]
fn stress_selectors_and_wakers_never_miss_readiness() {
    watched(|| {
        let rounds = if cfg!(miri) { 20 } else { 2_000 };
        let q = Queue::new(4);
        let sq = SimpleQueue::new();
        let (rx, tx) = pipe_oneway(4);
        let ev = Event::new();
        let sem = Semaphore::new(0);
        let consumed = AtomicUsize::new(0);
        // An event is not consumed by a look: the selector that wins this flag clears it.
        let event_pending = AtomicBool::new(false);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            let selectors: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        let all: [&dyn Selectable; 5] = [&q, &sq, &rx, &ev, &sem];
                        let mut reports = 0usize;
                        while !stop.load(SeqCst) {
                            let Some(ready) = select::wait_for(&all, Duration::from_millis(100))
                            else {
                                continue;
                            };
                            reports += 1;
                            for i in ready {
                                let took = match i {
                                    0 => q.try_get().is_ok(),
                                    1 => sq.try_get().is_some(),
                                    2 => rx.try_recv().is_ok(),
                                    3 => {
                                        let won = event_pending.swap(false, SeqCst);
                                        if won {
                                            ev.clear(); // before counting: the next set waits
                                        }
                                        won
                                    }
                                    _ => sem.try_acquire().map(SemaphorePermit::forget).is_some(),
                                };
                                if took {
                                    consumed.fetch_add(1, SeqCst);
                                }
                            }
                        }
                        reports
                    })
                })
                .collect();
            for round in 0..rounds {
                match round % 5 {
                    0 => q.put(round).unwrap(),
                    1 => sq.put(round),
                    2 => tx.send(round).unwrap(),
                    3 => {
                        event_pending.store(true, SeqCst);
                        ev.set();
                    }
                    _ => sem.release(1),
                }
                // Every readiness is consumed before the next, so none can hide another (an
                // event set twice is one readiness).
                while consumed.load(SeqCst) <= round {
                    std::thread::yield_now();
                }
            }
            stop.store(true, SeqCst);
            let reports: usize = selectors.into_iter().map(|t| t.join().unwrap()).sum();
            assert!(reports >= rounds, "every readiness was reported");
        });
        assert_eq!(
            consumed.load(SeqCst),
            rounds,
            "each readiness consumed exactly once"
        );
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Put,
    Get,
    Shutdown,
    SimplePut,
    SimpleGet,
    Send,
    Recv,
    CloseSender,
    Set,
    Clear,
    Release,
    Acquire,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::Put),
        4 => Just(Op::Get),
        1 => Just(Op::Shutdown),
        4 => Just(Op::SimplePut),
        4 => Just(Op::SimpleGet),
        4 => Just(Op::Send),
        4 => Just(Op::Recv),
        1 => Just(Op::CloseSender),
        4 => Just(Op::Set),
        4 => Just(Op::Clear),
        4 => Just(Op::Release),
        4 => Just(Op::Acquire),
    ]
}

#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// One thread: after every operation on five objects, `try_wait`, `wait_for(0)` and (when
    /// something is ready) `wait` report exactly the objects a model says are ready, and the
    /// objects still hold what the model says (nothing consumed).
    #[test]
    fn try_wait_matches_a_readiness_model(ops in proptest::collection::vec(op(), 0..60)) {
        watched(move || {
            let q = Queue::new(3);
            let sq = SimpleQueue::new();
            let (rx, tx) = pipe_oneway(3);
            let mut tx = Some(tx);
            let ev = Event::new();
            let sem = Semaphore::new(0);
            // The model: items in q, items in sq, messages, sender closed, flag, permits.
            let (mut mq, mut mshut, mut msq, mut mpipe, mut mclosed, mut mset, mut mperm) =
                (0usize, false, 0usize, 0usize, false, false, 0u32);
            for op in ops {
                match op {
                    Op::Put => if !mshut && mq < 3 { q.put(1).unwrap(); mq += 1; },
                    Op::Get => if mq > 0 { q.get().unwrap(); mq -= 1; },
                    Op::Shutdown => { q.shutdown(false); mshut = true; }
                    Op::SimplePut => { sq.put(1); msq += 1; }
                    Op::SimpleGet => if msq > 0 { sq.get(); msq -= 1; },
                    Op::Send => if let Some(tx) = &tx { if mpipe < 3 { tx.send(1).unwrap(); mpipe += 1; } },
                    Op::Recv => if mpipe > 0 { rx.recv().unwrap(); mpipe -= 1; },
                    Op::CloseSender => { tx = None; mclosed = true; }
                    Op::Set => { ev.set(); mset = true; }
                    Op::Clear => { ev.clear(); mset = false; }
                    Op::Release => { sem.release(1); mperm += 1; }
                    Op::Acquire => if mperm > 0 { SemaphorePermit::forget(sem.acquire()); mperm -= 1; },
                }
                let want: Vec<usize> = [mq > 0 || mshut, msq > 0, mpipe > 0 || mclosed, mset, mperm > 0]
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| **r)
                    .map(|(i, _)| i)
                    .collect();
                let all: [&dyn Selectable; 5] = [&q, &sq, &rx, &ev, &sem];
                let want = (!want.is_empty()).then_some(want);
                prop_assert_eq!(select::try_wait(&all), want.clone());
                prop_assert_eq!(select::wait_for(&all, Duration::ZERO), want.clone());
                if let Some(w) = want {
                    prop_assert_eq!(select::wait(&all), w);
                }
                prop_assert_eq!(q.len(), mq);
                prop_assert_eq!(sq.len(), msq);
                prop_assert_eq!(ev.is_set(), mset);
                prop_assert_eq!(sem.available_permits(), mperm);
            }
            Ok(())
        })?;
    }
}
