//! `weftsync::process` across real processes: every test here is both the parent and, re-run
//! by its own `Builder::spawn` as `<this test binary> process::<test> --exact`, the child. The
//! child's role is the entry point's name (`process::entry()`); the test checks it first and
//! plays the child. Children's standard output is discarded (libtest's banner); a failing child
//! exits non-zero and the parent's join says so.
//!
//! Every parent body runs under the watchdog; children block only with timeouts, so a failed
//! parent never leaves a child behind for long. Under Miri only the in-memory tests run (Miri
//! cannot start processes or map shared memory); they cover the ring's framing and wrap-around.
#![cfg(target_os = "linux")]

use std::process::Stdio;
use std::time::{Duration, Instant};

use weftsync::BarrierTimeoutError;
use weftsync::process::{
    self, Barrier, BoundedSemaphore, Builder, Child, Condition, End, Event, Lock, LockGuard,
    OpenError, Pipe, Plain, Queue, RLock, RLockGuard, RecvError, RecvTimeoutError, Region,
    RegionError, Semaphore, SendError, TryRecvError, TrySendError, Value,
};

use crate::watchdog::{watched, watched_for};

// API pins: sizes and auto traits of the process types (a change is a decision).
mod api {
    use static_assertions::{assert_eq_size, assert_impl_all, assert_not_impl_any};
    use weftsync::process::*;

    assert_eq_size!(Event, u32);
    assert_eq_size!(Barrier, u64);
    assert_eq_size!(Lock<()>, [u64; 2]);
    assert_impl_all!(Lock<u64>: Send, Sync, core::fmt::Debug, Placeable);
    assert_impl_all!(RLock<u64>: Send, Sync, Placeable);
    assert_impl_all!(Value<[u32; 4]>: Send, Sync, Placeable);
    assert_impl_all!(Semaphore: Send, Sync, Placeable);
    assert_impl_all!(BoundedSemaphore: Send, Sync, Placeable);
    assert_impl_all!(Event: Send, Sync, Placeable);
    assert_impl_all!(Condition: Send, Sync, Placeable);
    assert_impl_all!(Barrier: Send, Sync, core::fmt::Debug, Placeable);
    assert_impl_all!(Region: Send, Sync);
    assert_impl_all!(Child: Send, Sync);
    assert_impl_all!(SemaphorePermit<'static>: Send);
    assert_not_impl_any!(LockGuard<'static, u64>: Send);
    assert_not_impl_any!(RLockGuard<'static, u64>: Send);
    assert_not_impl_any!(ArrayGuard<'static, u64>: Send);
    // Pointers and references are not plain data: they cannot be placed in a region.
    assert_not_impl_any!(Lock<&'static u8>: Placeable);
    assert_not_impl_any!(Value<*const u8>: Placeable);
    assert_not_impl_any!(Lock<String>: Placeable);
    assert_impl_all!(
        SendError: Send, Sync, Clone, PartialEq, std::error::Error
    );
    assert_impl_all!(
        RecvError: Send, Sync, Clone, PartialEq, std::error::Error
    );
    assert_impl_all!(RegionError: Send, Sync, std::error::Error);
}

/// How long a child waits for its parent before giving up (so a failed parent test never leaves
/// children blocked for long).
const CHILD_PATIENCE: Duration = Duration::from_secs(60);

/// Starts this test binary as a child playing `role` in test `test` (its bare name).
fn child(test: &str, role: &str, region: &Region) -> Child {
    Builder::new(role)
        .args([&format!("process::{test}"), "--exact", "--nocapture"])
        .region(region)
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start child {role} of {test}: {e}"))
}

/// Joins a child and checks it succeeded.
#[track_caller]
fn join_ok(c: &Child, what: &str) {
    let status = c.join().expect("join");
    assert!(status.success(), "child {what} failed: {status}");
}

/// The child's region.
fn attach() -> Region {
    Region::attach().expect("a child started with a region can attach it")
}

/// Waits (in a child) for an event the parent sets; panics after `CHILD_PATIENCE`.
fn await_event(ev: &Event, what: &str) {
    assert!(ev.wait_for(CHILD_PATIENCE), "the parent never set {what}");
}

// ---- regions ----

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn child_finds_what_the_parent_placed_and_wrong_lookups_are_errors() {
    if process::entry().as_deref() == Some("reader") {
        let r = attach();
        assert_eq!(*r.find_plain::<[u32; 3]>("config").unwrap(), [1, 2, 3]);
        assert_eq!(r.find::<Value<u64>>("v").unwrap().load(), 41);
        let err = r.find::<Lock<u64>>("v").unwrap_err();
        assert!(matches!(err, RegionError::WrongType { .. }), "{err}");
        assert!(matches!(
            r.find::<Value<u32>>("v"),
            Err(RegionError::WrongType { .. })
        ));
        assert!(matches!(
            r.find::<Value<u64>>("missing"),
            Err(RegionError::NotFound { .. })
        ));
        assert!(matches!(
            r.find_queue("v"),
            Err(RegionError::WrongType { .. })
        ));
        r.find::<Value<u64>>("v").unwrap().store(42);
        // A child may place too; the parent finds it.
        r.place("from_child", Value::new(7u32)).unwrap();
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        r.place_plain("config", [1u32, 2, 3]).unwrap();
        r.place("v", Value::new(41u64)).unwrap();
        let c = child(
            "child_finds_what_the_parent_placed_and_wrong_lookups_are_errors",
            "reader",
            &r,
        );
        join_ok(&c, "reader");
        assert_eq!(
            r.find::<Value<u64>>("v").unwrap().load(),
            42,
            "the child's store must be visible to the parent"
        );
        assert_eq!(r.find::<Value<u32>>("from_child").unwrap().load(), 7);
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn region_too_small_and_bad_names_are_errors_never_ub() {
    watched(|| {
        let r = Region::create(4096).unwrap();
        let err = r.place_queue("q", 1 << 20).unwrap_err();
        assert!(
            matches!(err, RegionError::TooSmall { requested, available } if requested > available),
            "a queue larger than the region must be refused: {err}"
        );
        assert!(
            r.place_array::<u64>("a", usize::MAX / 4).is_err(),
            "an array whose size overflows must be refused"
        );
        assert!(matches!(
            r.place("", Event::new()),
            Err(RegionError::BadName { .. })
        ));
        assert!(matches!(
            r.place(&"x".repeat(process::NAME_MAX + 1), Event::new()),
            Err(RegionError::BadName { .. })
        ));
        // The refusals allocated nothing: what fits still fits.
        assert!(r.place_queue("q", 1024).is_ok());
        assert!(matches!(
            r.place_queue("q", 16),
            Err(RegionError::Exists { .. })
        ));
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn attach_without_a_region_is_an_error() {
    if process::entry().as_deref() == Some("no_region") {
        assert!(
            matches!(Region::attach(), Err(RegionError::NoRegion)),
            "a child started without a region has none"
        );
        return;
    }
    watched(|| {
        let c = Builder::new("no_region")
            .args([
                "process::attach_without_a_region_is_an_error",
                "--exact",
                "--nocapture",
            ])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        join_ok(&c, "no_region");
    });
}

// ---- starting and joining ----

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn join_forms_and_exit_status() {
    if let Some(role) = process::entry() {
        match role.as_str() {
            "exit3" => std::process::exit(3),
            "sleeper" => {
                let r = attach();
                await_event(r.find::<Event>("stop").unwrap(), "stop");
            }
            other => panic!("unknown role {other}"),
        }
        return;
    }
    watched(|| {
        use std::os::unix::process::ExitStatusExt;
        let r = Region::create(4096).unwrap();
        let stop = r.place("stop", Event::new()).unwrap();
        let c = child("join_forms_and_exit_status", "exit3", &r);
        assert_eq!(
            c.join().unwrap().code(),
            Some(3),
            "the exit code comes back"
        );
        assert_eq!(c.try_join().unwrap().and_then(|s| s.code()), Some(3));

        let s = child("join_forms_and_exit_status", "sleeper", &r);
        assert!(
            s.try_join().unwrap().is_none(),
            "a sleeping child is running"
        );
        crate::assert_waits_its_timeout(Duration::from_millis(50), || {
            assert!(s.join_for(Duration::from_millis(50)).unwrap().is_none());
        });
        assert!(
            s.join_until(Instant::now()).unwrap().is_none(),
            "a past deadline is one look"
        );
        stop.set();
        let status = s.join_for(Duration::from_secs(20)).unwrap();
        assert!(status.is_some_and(|s| s.success()), "joined after stop");

        stop.clear();
        let k = child("join_forms_and_exit_status", "sleeper", &r);
        k.kill().unwrap();
        let status = k.join().unwrap();
        assert_eq!(status.signal(), Some(9), "a killed child reports SIGKILL");
        k.kill().unwrap(); // killing an exited child is fine
    });
}

// ---- exact accounting across processes ----

const ADDERS: usize = 4;
const ADDS: u64 = 2_000;

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn value_counter_is_exact_across_processes() {
    if process::entry().as_deref() == Some("adder") {
        let r = attach();
        let v = r.find::<Value<u64>>("total").unwrap();
        let rl = r.find::<RLock<u64>>("rl").unwrap();
        for _ in 0..ADDS {
            *v.get_lock().lock() += 1;
        }
        // The reentrant lock: owner = this process and thread; a nested lock must not block.
        for _ in 0..100 {
            let a = rl.lock();
            let b = rl.lock();
            assert_eq!(rl.depth(), 2);
            drop((a, b));
        }
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let v = r.place("total", Value::new(0u64)).unwrap();
        r.place("rl", RLock::new(0u64)).unwrap();
        let kids: Vec<_> = (0..ADDERS)
            .map(|_| child("value_counter_is_exact_across_processes", "adder", &r))
            .collect();
        for _ in 0..ADDS {
            *v.get_lock().lock() += 1;
        }
        for k in &kids {
            join_ok(k, "adder");
        }
        assert_eq!(
            v.load(),
            ADDS * (ADDERS as u64 + 1),
            "an increment was lost or duplicated across processes: mutual exclusion broken"
        );
    });
}

const PRODUCERS: u64 = 3;
const CONSUMERS: usize = 2;
const ITEMS: u64 = 600;

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn queue_items_are_neither_lost_nor_duplicated_across_processes() {
    if let Some(role) = process::entry() {
        let r = attach();
        let q = r.find_queue("q").unwrap();
        let seen = r.find_array::<u32>("seen").unwrap();
        if let Some(p) = role.strip_prefix("producer") {
            let p: u64 = p.parse().unwrap();
            for i in 0..ITEMS {
                q.put(&Plain(p * ITEMS + i)).unwrap();
            }
        } else {
            // A consumer: until shutdown, count every item it gets; check per-producer order.
            let mut last = [None::<u64>; PRODUCERS as usize];
            loop {
                match q.get::<Plain<u64>>() {
                    Ok(Plain(id)) => {
                        let p = (id / ITEMS) as usize;
                        assert!(last[p] < Some(id), "items of one producer out of order");
                        last[p] = Some(id);
                        seen.lock()[id as usize] += 1;
                    }
                    Err(RecvError::Disconnected) => break,
                    Err(e) => panic!("consumer: {e}"),
                }
            }
        }
        return;
    }
    watched(|| {
        let r = Region::create(256 * 1024).unwrap();
        // Small, so producers block on a full queue and consumers on an empty one.
        r.place_queue("q", 256).unwrap();
        let seen = r
            .place_array::<u32>("seen", (PRODUCERS * ITEMS) as usize)
            .unwrap();
        let test = "queue_items_are_neither_lost_nor_duplicated_across_processes";
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| child(test, "consumer", &r))
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| child(test, &format!("producer{p}"), &r))
            .collect();
        for p in &producers {
            join_ok(p, "producer");
        }
        r.find_queue("q").unwrap().shutdown(false);
        for c in &consumers {
            join_ok(c, "consumer");
        }
        let counts = seen.to_vec();
        let wrong: Vec<_> = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n != 1)
            .take(5)
            .collect();
        assert!(
            wrong.is_empty(),
            "every item must be got exactly once across processes; (id, times) {wrong:?}"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn semaphore_caps_concurrency_across_processes() {
    if process::entry().as_deref() == Some("worker") {
        let r = attach();
        let sem = r.find::<BoundedSemaphore>("slots").unwrap();
        let stats = r.find::<Value<[u32; 2]>>("stats").unwrap();
        for _ in 0..200 {
            let _p = sem.acquire();
            let now = {
                let mut s = stats.get_lock().lock();
                s[0] += 1;
                s[1] = s[1].max(s[0]);
                s[0]
            };
            assert!(now <= 2, "more than 2 holders at once");
            stats.get_lock().lock()[0] -= 1;
        }
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let sem = r.place("slots", BoundedSemaphore::new(2)).unwrap();
        let stats = r.place("stats", Value::new([0u32; 2])).unwrap();
        let kids: Vec<_> = (0..4)
            .map(|_| child("semaphore_caps_concurrency_across_processes", "worker", &r))
            .collect();
        for k in &kids {
            join_ok(k, "worker");
        }
        let [inside, most] = stats.load();
        assert_eq!(inside, 0);
        assert!(most <= 2, "the semaphore let {most} processes in at once");
        assert_eq!(sem.available_permits(), 2, "every permit came back");
        assert!(
            sem.release(1).is_err(),
            "bounded: no release past the limit"
        );
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn condition_and_event_wake_a_waiter_in_another_process() {
    if process::entry().as_deref() == Some("waiter") {
        let r = attach();
        let flag = r.find::<Lock<u32>>("flag").unwrap();
        let cond = r.find::<Condition>("cond").unwrap();
        let go = r.find::<Event>("go").unwrap();
        await_event(go, "go");
        let mut g = flag.lock();
        let deadline = Instant::now() + CHILD_PATIENCE;
        assert!(
            cond.wait_while_until(&mut g, |f| *f == 0, deadline),
            "the parent's notify never reached this process"
        );
        *g = 2; // answer
        drop(g);
        cond.notify_all();
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let flag = r.place("flag", Lock::new(0u32)).unwrap();
        let cond = r.place("cond", Condition::new()).unwrap();
        let go = r.place("go", Event::new()).unwrap();
        let c = child(
            "condition_and_event_wake_a_waiter_in_another_process",
            "waiter",
            &r,
        );
        go.set();
        *flag.lock() = 1;
        cond.notify_all();
        let mut g = flag.lock();
        cond.wait_while(&mut g, |f| *f != 2);
        drop(g);
        join_ok(&c, "waiter");
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn pipe_between_parent_and_child() {
    if process::entry().as_deref() == Some("echo") {
        let r = attach();
        let pipe = r.find_pipe("p").unwrap();
        let conn = pipe.open(End::B).unwrap();
        loop {
            match conn.recv_for::<String>(CHILD_PATIENCE) {
                Ok(m) => conn.send(&m.to_uppercase()).unwrap(),
                Err(RecvTimeoutError::Disconnected) => return,
                Err(e) => panic!("echo: {e}"),
            }
        }
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let pipe = r.place_pipe("p", 64).unwrap();
        let conn = pipe.open(End::A).unwrap();
        let c = child("pipe_between_parent_and_child", "echo", &r);
        for word in ["hello", "pipe", "between", "processes"] {
            conn.send(word).unwrap();
            assert_eq!(conn.recv::<String>().unwrap(), word.to_uppercase());
        }
        drop(conn); // the child sees end-of-file and exits
        join_ok(&c, "echo");
        assert_eq!(pipe.open(End::A).err(), Some(OpenError::Closed));
    });
}

// ---- bad input across the boundary ----

#[test]
fn oversized_messages_and_corrupt_frames_are_clear_errors() {
    watched(|| {
        let q = Queue::boxed(64);
        let big = [0u8; 61];
        assert!(
            matches!(q.put(&big[..]), Err(SendError::TooLarge(t)) if t.len == 61 && t.max == 60),
            "a message larger than the capacity must be refused"
        );
        assert!(matches!(
            q.try_put(&big[..]),
            Err(TrySendError::TooLarge(_))
        ));
        q.put(&[1u8; 60][..]).unwrap(); // exactly the largest
        assert_eq!(q.get::<Vec<u8>>().unwrap().len(), 60);
        q.put("abc").unwrap();
        q.__corrupt_oldest_prefix(1_000_000);
        for _ in 0..2 {
            match q.get::<Vec<u8>>() {
                Err(RecvError::Corrupt(f)) => {
                    assert_eq!(f.claimed, 1_000_000, "the error names the bad length")
                }
                other => panic!("a corrupted length prefix must be reported, got {other:?}"),
            }
        }
        // A wrong-sized plain message is a decode error that hands the bytes back.
        let q2 = Queue::boxed(64);
        q2.put("xyz").unwrap();
        match q2.get::<Plain<u64>>() {
            Err(RecvError::Decode(e)) => assert_eq!(e.into_bytes(), b"xyz"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    });
}

// ---- barrier ----

/// Rounds of the barrier test: each party adds its mark, then waits.
const BARRIER_ROUNDS: u64 = 50;

/// One party of `barrier_holds_every_process_until_all_arrived_each_generation`: each round it
/// adds 1 to `sum`, waits, and then must see every party's add of that round.
fn barrier_party(r: &Region) -> Vec<usize> {
    let b = r.find::<Barrier>("b").unwrap();
    let sum = r.find::<Value<u64>>("sum").unwrap();
    let parties = b.parties() as u64;
    let mut indices = Vec::new();
    for round in 0..BARRIER_ROUNDS {
        *sum.get_lock().lock() += 1;
        let index = b
            .wait_for(CHILD_PATIENCE)
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        indices.push(index);
        assert!(
            sum.load() >= parties * (round + 1),
            "a party passed round {round} before every process arrived"
        );
    }
    indices
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn barrier_holds_every_process_until_all_arrived_each_generation() {
    if process::entry().as_deref() == Some("party") {
        barrier_party(&attach());
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let b = r.place("b", Barrier::new(3)).unwrap();
        r.place("sum", Value::new(0u64)).unwrap();
        let test = "barrier_holds_every_process_until_all_arrived_each_generation";
        let children = [child(test, "party", &r), child(test, "party", &r)];
        let mine = barrier_party(&r);
        for c in &children {
            join_ok(c, "party");
        }
        assert!(mine.iter().all(|&i| i < 3), "indices are 0..parties");
        assert_eq!(
            r.find::<Value<u64>>("sum").unwrap().load(),
            3 * BARRIER_ROUNDS
        );
        assert!(!b.is_broken());
        assert_eq!(b.n_waiting(), 0, "every generation was released");
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn barrier_timeout_in_one_process_breaks_a_waiter_in_another() {
    if process::entry().as_deref() == Some("waiter") {
        let r = attach();
        let b = r.find::<Barrier>("b").unwrap();
        assert_eq!(
            b.wait_for(CHILD_PATIENCE),
            Err(BarrierTimeoutError::Broken),
            "the parent's timeout must break this waiter"
        );
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let b = r.place("b", Barrier::new(3)).unwrap();
        let c = child(
            "barrier_timeout_in_one_process_breaks_a_waiter_in_another",
            "waiter",
            &r,
        );
        while b.n_waiting() == 0 {
            std::thread::yield_now();
        }
        let t = Duration::from_millis(30);
        crate::assert_waits_its_timeout(t, || {
            assert_eq!(b.wait_for(t), Err(BarrierTimeoutError::Timeout))
        });
        join_ok(&c, "waiter");
        assert!(b.is_broken());
        b.reset();
        assert!(!b.is_broken(), "the waiter left: the reset completes");
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn killed_barrier_waiter_stays_arrived_and_the_generation_completes() {
    if process::entry().as_deref() == Some("doomed") {
        let r = attach();
        let _ = r.find::<Barrier>("b").unwrap().wait_for(CHILD_PATIENCE);
        unreachable!("killed while waiting");
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let b = r.place("b", Barrier::new(3)).unwrap();
        let c = child(
            "killed_barrier_waiter_stays_arrived_and_the_generation_completes",
            "doomed",
            &r,
        );
        while b.n_waiting() == 0 {
            std::thread::yield_now();
        }
        c.kill().unwrap();
        assert!(!c.join().unwrap().success(), "the waiter was killed");
        assert_eq!(b.n_waiting(), 1, "the dead waiter stays arrived");
        let mut indices: Vec<usize> = std::thread::scope(|s| {
            let other = s.spawn(|| b.wait_for(RECOVERY_BOUND));
            [b.wait_for(RECOVERY_BOUND), other.join().unwrap()]
                .into_iter()
                .map(|r| r.expect("the live parties complete the dead one's generation"))
                .collect()
        });
        indices.sort_unstable();
        assert_eq!(indices, [1, 2], "the dead waiter holds index 0");
        assert_eq!(b.n_waiting(), 0);
        assert_eq!(
            b.wait_until(Instant::now()),
            Err(BarrierTimeoutError::Timeout)
        );
    });
}

// ---- holders that die ----

/// The time from a holder's kill to the survivor's recovery must stay within this (the slice is
/// 10 ms; the margin is for a loaded machine).
const RECOVERY_BOUND: Duration = Duration::from_secs(2);

/// Roles that take something and then hang until killed.
fn hang_holding(role: &str) {
    let r = attach();
    let holding = r.find::<Event>("holding").unwrap();
    let never = r.find::<Event>("never").unwrap();
    match role {
        "lock" => {
            let v = r.find::<Value<[u64; 2]>>("pair").unwrap();
            let mut g = v.get_lock().lock();
            g[0] += 1; // half an update: [n+1, n]
            holding.set();
            let _ = never.wait_for(CHILD_PATIENCE);
            drop(g);
        }
        "rlock" => {
            let l = r.find::<RLock<u64>>("rl").unwrap();
            let _a = l.lock();
            let _b = l.lock();
            holding.set();
            let _ = never.wait_for(CHILD_PATIENCE);
        }
        "permits" => {
            let sem = r.find::<Semaphore>("sem").unwrap();
            let _p = sem.acquire_many(2);
            holding.set();
            let _ = never.wait_for(CHILD_PATIENCE);
        }
        "cond_waiter" => {
            let l = r.find::<Lock<u32>>("cl").unwrap();
            let cond = r.find::<Condition>("cond").unwrap();
            let mut g = l.lock();
            holding.set(); // the parent takes `cl` after this: then we are registered
            let _ = cond.wait_for(&mut g, CHILD_PATIENCE);
        }
        "pipe_end" => {
            let pipe = r.find_pipe("p").unwrap();
            let conn = pipe.open(End::B).unwrap();
            conn.send("last words").unwrap();
            holding.set();
            let _ = never.wait_for(CHILD_PATIENCE);
            drop(conn);
        }
        other => panic!("unknown role {other}"),
    }
}

/// Starts `role`, waits until it holds, kills it (SIGKILL) and reaps it.
fn kill_holder(test: &str, role: &str, r: &Region) {
    let c = child(test, role, r);
    assert!(
        r.find::<Event>("holding")
            .unwrap()
            .wait_for(Duration::from_secs(20)),
        "the child never took what it should hold"
    );
    c.kill().unwrap();
    let status = c.join().unwrap();
    assert!(!status.success(), "the holder was killed");
}

fn holder_region() -> Region {
    let r = Region::create(64 * 1024).unwrap();
    r.place("holding", Event::new()).unwrap();
    r.place("never", Event::new()).unwrap();
    r
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn killed_lock_holder_is_replaced_with_owner_died() {
    if let Some(role) = process::entry() {
        return hang_holding(&role);
    }
    watched(|| {
        let r = holder_region();
        let v = r.place("pair", Value::new([5u64, 5])).unwrap();
        r.place("rl", RLock::new(0u64)).unwrap();
        let test = "killed_lock_holder_is_replaced_with_owner_died";
        kill_holder(test, "lock", &r);
        let killed = Instant::now();
        let mut g = v.get_lock().lock();
        let took = killed.elapsed();
        assert!(
            LockGuard::owner_died(&g),
            "the acquirer after a dead holder must be told the owner died"
        );
        assert!(took < RECOVERY_BOUND, "recovery took {took:?}");
        assert_eq!(
            *g,
            [6, 5],
            "the dead holder's half update is there to repair"
        );
        g[1] = g[0]; // repair
        drop(g);
        let g = v.get_lock().lock();
        assert!(
            !LockGuard::owner_died(&g),
            "owner_died is reported once only"
        );
        assert_eq!(*g, [6, 6]);
        drop(g);

        r.find::<Event>("holding").unwrap().clear();
        kill_holder(test, "rlock", &r);
        let rl = r.find::<RLock<u64>>("rl").unwrap();
        let g = rl.lock();
        assert!(RLockGuard::owner_died(&g), "a dead RLock owner is reported");
        assert_eq!(rl.depth(), 1, "the new owner starts at depth 1");
        drop(g);
        assert!(!rl.is_locked());
        eprintln!("process lock recovery after SIGKILL: {took:?}");
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn killed_permit_holder_permits_come_back() {
    if let Some(role) = process::entry() {
        return hang_holding(&role);
    }
    watched(|| {
        let r = holder_region();
        let sem = r.place("sem", Semaphore::new(3)).unwrap();
        kill_holder("killed_permit_holder_permits_come_back", "permits", &r);
        let killed = Instant::now();
        let all = sem
            .acquire_many_for(3, RECOVERY_BOUND)
            .expect("the dead process's 2 permits must come back within the bound");
        assert_eq!(
            sem.reclaimed_permits(),
            2,
            "exactly the dead holder's permits"
        );
        drop(all);
        assert_eq!(sem.available_permits(), 3);
        eprintln!("permits back after SIGKILL: {:?}", killed.elapsed());
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn killed_condition_waiter_does_not_swallow_a_notification() {
    if let Some(role) = process::entry() {
        return hang_holding(&role);
    }
    watched(|| {
        let r = holder_region();
        let cl = r.place("cl", Lock::new(0u32)).unwrap();
        let cond = r.place("cond", Condition::new()).unwrap();
        let test = "killed_condition_waiter_does_not_swallow_a_notification";
        let c = child(test, "cond_waiter", &r);
        assert!(
            r.find::<Event>("holding")
                .unwrap()
                .wait_for(Duration::from_secs(20))
        );
        drop(cl.lock()); // the child has released `cl`: it is registered as a waiter
        c.kill().unwrap();
        let _ = c.join().unwrap();
        let w_locked = Event::new();
        std::thread::scope(|s| {
            let w = s.spawn(|| {
                let mut g = cl.lock();
                w_locked.set();
                cond.wait_for(&mut g, RECOVERY_BOUND)
            });
            // Once `w` has released `cl` inside its wait it is registered. Then notify one: the
            // oldest slot is the dead child's (unless `w` already cleared it), and its
            // notification must be passed on to `w`.
            w_locked.wait();
            drop(cl.lock());
            assert_eq!(cond.notify(1), 1);
            assert!(
                w.join().unwrap(),
                "the notification given to a dead waiter must reach the live one"
            );
        });
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn dead_processes_pipe_end_reads_as_closed() {
    if let Some(role) = process::entry() {
        return hang_holding(&role);
    }
    watched(|| {
        let r = holder_region();
        let pipe = r.place_pipe("p", 64).unwrap();
        let a = pipe.open(End::A).unwrap();
        kill_holder("dead_processes_pipe_end_reads_as_closed", "pipe_end", &r);
        assert_eq!(
            a.recv::<String>().unwrap(),
            "last words",
            "what was sent stays"
        );
        let killed = Instant::now();
        assert_eq!(
            a.recv_for::<String>(RECOVERY_BOUND),
            Err(RecvTimeoutError::Disconnected),
            "a dead process's end must read as closed"
        );
        assert!(killed.elapsed() < RECOVERY_BOUND);
        assert_eq!(a.send("anyone?"), Err(SendError::Disconnected));
        assert_eq!(pipe.open(End::B).err(), Some(OpenError::Closed));
    });
}

#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn child_that_exits_while_blocked_leaves_primitives_usable() {
    if process::entry().as_deref() == Some("blocked") {
        let r: &'static Region = Box::leak(Box::new(attach()));
        let q = r.find_queue("q").unwrap();
        let ready = r.find::<Event>("ready").unwrap();
        // One thread blocks in a lock the parent holds, the main thread in a get; a third
        // exits the whole process meanwhile.
        std::thread::spawn(|| drop(r.find::<Lock<u32>>("l").unwrap().lock()));
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            std::process::exit(7)
        });
        ready.set();
        let _ = q.get_for::<Vec<u8>>(CHILD_PATIENCE);
        unreachable!("the process exits while blocked");
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let q = r.place_queue("q", 64).unwrap();
        let lock = r.place("l", Lock::new(0u32)).unwrap();
        r.place("ready", Event::new()).unwrap();
        let held = lock.lock(); // the child's thread blocks on it
        let c = child(
            "child_that_exits_while_blocked_leaves_primitives_usable",
            "blocked",
            &r,
        );
        let status = c.join().unwrap();
        assert_eq!(status.code(), Some(7), "the child exited while blocked");
        drop(held);
        q.put("after").unwrap();
        assert_eq!(q.get::<String>().unwrap(), "after", "the queue still works");
        assert!(lock.try_lock().is_some(), "the lock still works");
    });
}

/// kill -9 at random points of a holder's loop, many times: nothing hangs, a half update is
/// always reported (and repaired), and the queue the holder fills never shows a torn frame, a
/// duplicate, or an entry the counter does not account for.
#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn kill_at_random_points_never_hangs_or_loses_committed_work() {
    const ROUNDS: u64 = 25;
    if process::entry().as_deref() == Some("busy") {
        let r = attach();
        let pair = r.find::<Value<[u64; 2]>>("pair").unwrap();
        let q = r.find_queue("log").unwrap();
        let started = r.find::<Event>("started").unwrap();
        started.set();
        for _ in 0..10_000_000u64 {
            let mut g = pair.get_lock().lock();
            let n = g[0] + 1;
            g[0] = n;
            // An entry per update, put while holding the lock (dropped when the log is full).
            let _ = q.try_put(&Plain(n));
            g[1] = n;
        }
        return;
    }
    watched_for(Duration::from_secs(120), || {
        let r = Region::create(64 * 1024).unwrap();
        let pair = r.place("pair", Value::new([0u64; 2])).unwrap();
        let q = r.place_queue("log", 4096).unwrap();
        let started = r.place("started", Event::new()).unwrap();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let (mut died_inside, mut last_logged) = (0, 0u64);
        for _ in 0..ROUNDS {
            started.clear();
            let c = child(
                "kill_at_random_points_never_hangs_or_loses_committed_work",
                "busy",
                &r,
            );
            assert!(started.wait_for(Duration::from_secs(20)));
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            std::thread::sleep(Duration::from_micros(seed % 3_000));
            c.kill().unwrap();
            let _ = c.join().unwrap();
            let mut g = pair.get_lock().lock();
            if LockGuard::owner_died(&g) {
                died_inside += 1;
                g[1] = g[0]; // repair: the update was under way
            }
            assert_eq!(g[0], g[1], "a torn update was not reported as owner-died");
            drop(g);
            // Drain the log: strictly increasing, no torn frame, nothing past the counter.
            loop {
                match q.try_get::<Plain<u64>>() {
                    Ok(Plain(n)) => {
                        assert!(n > last_logged, "an entry was duplicated or reordered");
                        last_logged = n;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(e) => panic!("the log must never show a torn frame: {e}"),
                }
            }
            assert!(last_logged <= pair.load()[0]);
        }
        eprintln!("kill -9 loop: {ROUNDS} kills, {died_inside} inside the critical section");
    });
}

#[test]
fn in_memory_forms_work_without_a_region() {
    watched(|| {
        let q = Queue::boxed(32);
        q.put("x").unwrap();
        assert_eq!(q.get::<String>().unwrap(), "x");
        // Frames that wrap around the end of the ring come out whole and in order.
        for round in 0..20u8 {
            let msg = vec![round; 1 + round as usize % 11];
            q.put(&msg).unwrap();
            assert_eq!(
                q.get::<Vec<u8>>().unwrap(),
                msg,
                "a wrapped frame came out torn"
            );
        }
        let pipe = Pipe::boxed(32);
        let a = pipe.open(End::A).unwrap();
        let b = pipe.open(End::B).unwrap();
        a.send("y").unwrap();
        assert_eq!(b.recv::<String>().unwrap(), "y");
    });
}

/// `process::Barrier` in ordinary memory, between threads: the untimed wait, `abort` waking a
/// waiter, `reset`, the snapshots and `Debug`.
#[test]
fn process_barrier_between_threads_passes_breaks_and_resets() {
    watched(|| {
        let b = Barrier::new(2);
        assert_eq!(b.parties(), 2, "parties is what new was given");
        assert_eq!(
            format!("{b:?}"),
            "process::Barrier { parties: 2, n_waiting: 0, is_broken: false, .. }",
            "Debug prints the snapshot"
        );
        let mut indices: Vec<usize> = std::thread::scope(|s| {
            let other = s.spawn(|| b.wait());
            while b.n_waiting() == 0 {
                std::thread::yield_now();
            }
            assert_eq!(b.n_waiting(), 1, "one party arrived and waits");
            [b.wait(), other.join().unwrap()]
                .into_iter()
                .map(|r| r.expect("both parties arrived: the untimed wait passes"))
                .collect()
        });
        indices.sort_unstable();
        assert_eq!(indices, [0, 1], "arrival indices are 0..parties");
        assert_eq!(b.n_waiting(), 0, "the generation was released");
        std::thread::scope(|s| {
            let waiter = s.spawn(|| b.wait());
            while b.n_waiting() == 0 {
                std::thread::yield_now();
            }
            b.abort();
            assert!(
                waiter.join().unwrap().is_err(),
                "abort breaks the barrier for the party waiting"
            );
        });
        assert!(b.is_broken(), "abort leaves the barrier broken");
        assert!(b.wait().is_err(), "an arrival at a broken barrier fails");
        assert_eq!(
            format!("{b:?}"),
            "process::Barrier { parties: 2, n_waiting: 0, is_broken: true, .. }",
            "Debug prints the snapshot"
        );
        b.reset();
        assert!(!b.is_broken(), "reset mends the barrier");
        assert_eq!(Barrier::new(1).wait(), Ok(0), "a lone party passes at once");
    });
}

/// `process::Event` in ordinary memory, between threads: set wakes the untimed wait, clear, the
/// one-check forms, `Default` and `Debug`.
#[test]
fn process_event_between_threads_sets_clears_and_wakes() {
    watched(|| {
        let ev = Event::default();
        assert!(!ev.is_set(), "a new event is clear");
        assert_eq!(format!("{ev:?}"), "process::Event { is_set: false, .. }");
        assert!(
            !ev.wait_for(Duration::ZERO),
            "a clear event: one check, false"
        );
        assert!(
            !ev.wait_until(Instant::now()),
            "a clear event: one check, false"
        );
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                ev.wait();
                assert!(ev.is_set(), "the untimed wait returned before the set");
            });
            ev.set();
            waiter.join().unwrap();
        });
        assert!(ev.is_set(), "set sets the flag");
        assert_eq!(format!("{ev:?}"), "process::Event { is_set: true, .. }");
        assert!(ev.wait_for(Duration::ZERO), "a set event: true at once");
        assert!(ev.wait_until(Instant::now()), "a set event: true at once");
        ev.clear();
        assert!(!ev.is_set(), "clear clears the flag");
        assert!(
            !ev.wait_for(Duration::ZERO),
            "a cleared event: one check, false"
        );
    });
}

/// Many threads on the process primitives in ordinary memory, exact accounting (also the test
/// ThreadSanitizer runs: `scripts/nightly-checks` stage tsan picks tests named `stress`).
#[test]
fn stress_process_primitives_between_threads_are_exact() {
    let rounds = if cfg!(miri) { 20 } else { 5_000 };
    watched(move || {
        let lock = Lock::new(0u64);
        let sem = Semaphore::new(2);
        let inside = Lock::new(0u32);
        let q = Queue::boxed(64);
        std::thread::scope(|s| {
            for t in 0..3u64 {
                let (lock, sem, inside, q) = (&lock, &sem, &inside, &q);
                s.spawn(move || {
                    for i in 0..rounds {
                        *lock.lock() += 1;
                        let _p = sem.acquire();
                        let mut n = inside.lock();
                        *n += 1;
                        assert!(*n <= 2, "more semaphore holders than permits");
                        *n -= 1;
                        drop(n);
                        q.put(&Plain(t * rounds + i)).unwrap();
                    }
                });
            }
            let mut got = vec![0u8; 3 * rounds as usize];
            for _ in 0..3 * rounds {
                let Plain(id) = q.get::<Plain<u64>>().unwrap();
                got[id as usize] += 1;
            }
            assert!(got.iter().all(|&n| n == 1), "a message lost or duplicated");
        });
        assert_eq!(lock.into_inner(), 3 * rounds, "an increment was lost");
        assert_eq!(sem.available_permits(), 2);
    });
}

/// Every timed form waits its timeout, and a zero timeout or past deadline is one try.
#[test]
fn timed_forms_wait_their_timeout_and_zero_is_one_try() {
    watched(|| {
        let t = Duration::from_millis(30);
        let lock = Lock::new(());
        let sem = Semaphore::new(0);
        let cond = Condition::new();
        let ev = Event::new();
        let q = Queue::boxed(16);
        std::thread::scope(|s| {
            let held = lock.lock();
            s.spawn(|| {
                crate::assert_waits_its_timeout(t, || assert!(lock.lock_for(t).is_none()));
                assert!(lock.lock_for(Duration::ZERO).is_none());
                assert!(lock.lock_until(Instant::now()).is_none());
            })
            .join()
            .unwrap();
            drop(held);
        });
        crate::assert_waits_its_timeout(t, || assert!(sem.acquire_for(t).is_none()));
        assert!(sem.acquire_many_until(1, Instant::now()).is_none());
        crate::assert_waits_its_timeout(t, || assert!(!ev.wait_for(t)));
        crate::assert_waits_its_timeout(t, || {
            assert_eq!(q.get_for::<Vec<u8>>(t), Err(RecvTimeoutError::Timeout))
        });
        let cl = Lock::new(0u32);
        let mut g = cl.lock();
        crate::assert_waits_its_timeout(t, || assert!(!cond.wait_for(&mut g, t)));
        assert!(!cond.wait_until(&mut g, Instant::now()));
        let b = Barrier::new(2);
        crate::assert_waits_its_timeout(t, || {
            assert_eq!(b.wait_for(t), Err(BarrierTimeoutError::Timeout))
        });
        assert_eq!(
            b.wait_until(Instant::now()),
            Err(BarrierTimeoutError::Broken),
            "a timed-out party breaks the barrier"
        );
        b.reset();
        assert_eq!(
            b.wait_until(Instant::now()),
            Err(BarrierTimeoutError::Timeout)
        );
        b.reset();
        let one = Barrier::new(1);
        assert_eq!(one.wait_for(Duration::ZERO), Ok(0), "the last party passes");
        assert_eq!(one.wait_until(Instant::now()), Ok(0));
    });
}

/// Typed messages through serde (feature `serde`, postcard's format), across processes.
#[cfg(feature = "serde")]
#[test]
#[cfg_attr(miri, ignore = "starts processes, maps shared memory")]
fn serde_messages_cross_processes() {
    use weftsync::process::Serde;
    type Job = (u32, String, Vec<u16>);
    if process::entry().as_deref() == Some("serde_echo") {
        let r = attach();
        let conn = r.find_pipe("p").unwrap().open(End::B).unwrap();
        let Serde((n, s, v)) = conn.recv::<Serde<Job>>().unwrap();
        conn.send(&Serde((
            n + 1,
            s.to_uppercase(),
            v.iter().rev().copied().collect::<Vec<_>>(),
        )))
        .unwrap();
        return;
    }
    watched(|| {
        let r = Region::create(64 * 1024).unwrap();
        let pipe = r.place_pipe("p", 256).unwrap();
        let a = pipe.open(End::A).unwrap();
        let c = child("serde_messages_cross_processes", "serde_echo", &r);
        a.send(&Serde((1u32, "job".to_string(), vec![1u16, 2, 3])))
            .unwrap();
        let Serde(back) = a.recv::<Serde<Job>>().unwrap();
        assert_eq!(back, (2, "JOB".to_string(), vec![3, 2, 1]));
        join_ok(&c, "serde_echo");
        // A message that is not a `Job` is a decode error that hands the bytes back.
        let q = Queue::boxed(64);
        q.put(&[0xffu8; 3][..]).unwrap();
        match q.get::<Serde<Job>>() {
            Err(RecvError::Decode(e)) => assert_eq!(e.into_bytes(), [0xff; 3]),
            other => panic!("expected a decode error, got {other:?}"),
        }
    });
}
