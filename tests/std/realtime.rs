//! Hand-overs between a real-time waiter and a normal-priority partner on one CPU.
//!
//! A thread at `SCHED_FIFO` priority is never preempted by a normal thread on its CPU, and
//! `sched_yield` only gives the CPU to threads of its own priority. So a waiter that yields (or
//! spins) until its partner does something, instead of sleeping on a word the partner wakes,
//! keeps the partner off the CPU until the kernel's real-time throttling steps in (by default it
//! leaves normal threads 50 ms of every second): about a second per hand-over. Every case here
//! pins both threads to one CPU, puts the waiter at `SCHED_FIFO` and the partner at normal
//! priority, and requires a number of hand-overs to finish within a generous bound.
//!
//! Setting `SCHED_FIFO` needs root (or `CAP_SYS_NICE`); where it is refused the test prints
//! `SKIPPED <test>: <why>` and passes. CI runs as root.
//!
//! To add a case (Queue, Pipe, ...): write the two thread bodies, each a `FnOnce() + Send +
//! 'static` that performs its side of the hand-overs, and pass them to [`on_one_cpu`].

// Not under Miri: it has no real-time scheduler to ask for.
#![cfg(all(target_os = "linux", not(miri)))]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use weftsync::{Condition, Event, Lock};
use weftsync::{Queue, pipe};

/// Hand-overs per ping-pong case. Healthy, each takes microseconds; a waiter that yields instead
/// of sleeping takes about a second each (measured: 0.7 s per Condition hand-over before the
/// fix), so a handful of them already break the bound.
const HAND_OVERS: u64 = 200;

/// The bound on all hand-overs of a case: about a hundred times what a healthy build takes on a
/// loaded machine, and a few throttling periods at most.
const BOUND: Duration = Duration::from_secs(10);

/// Why real-time scheduling is unavailable here, if it is: tries `SCHED_FIFO` on a throwaway
/// thread.
fn realtime_refused() -> Option<String> {
    std::thread::spawn(|| set_fifo().err()).join().unwrap()
}

/// Puts the calling thread at `SCHED_FIFO`, priority 1 (the lowest real-time priority, which is
/// still above every normal thread).
fn set_fifo() -> Result<(), String> {
    let param = libc::sched_param { sched_priority: 1 };
    // SAFETY: `param` is a valid `sched_param`; pid 0 is the calling thread.
    let r = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
    if r == 0 {
        Ok(())
    } else {
        Err(format!(
            "sched_setscheduler(SCHED_FIFO) refused: {}",
            std::io::Error::last_os_error()
        ))
    }
}

/// The first CPU the calling thread may run on.
fn some_allowed_cpu() -> usize {
    // SAFETY: an all-zero `cpu_set_t` is a valid empty set; the size passed is its own.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `cpu_set_t` of the size given; pid 0 is this thread.
    let r = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) };
    assert_eq!(
        r,
        0,
        "sched_getaffinity: {}",
        std::io::Error::last_os_error()
    );
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE and `set` is a valid `cpu_set_t`.
        .find(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .expect("the calling thread may run on some CPU")
}

/// Pins the calling thread to `cpu`.
fn pin_to(cpu: usize) {
    // SAFETY: an all-zero `cpu_set_t` is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `cpu` is below CPU_SETSIZE (it came from `some_allowed_cpu`); `set` is valid.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a valid `cpu_set_t` of the size given; pid 0 is the calling thread.
    let r = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) };
    assert_eq!(
        r,
        0,
        "sched_setaffinity: {}",
        std::io::Error::last_os_error()
    );
}

/// Runs `waiter` at `SCHED_FIFO` and `notifier` at normal priority, both pinned to one CPU, and
/// fails `test` if they do not both finish within [`BOUND`]. Returns how long they took, or
/// `None` (after printing `SKIPPED`) where real-time scheduling is refused.
///
/// On failure the two threads are left running (they may need a second per hand-over to finish);
/// the test binary's exit ends them.
fn on_one_cpu(
    test: &str,
    hand_overs: u64,
    waiter: impl FnOnce() + Send + 'static,
    notifier: impl FnOnce() + Send + 'static,
) -> Option<Duration> {
    if let Some(why) = realtime_refused() {
        println!("SKIPPED {test}: {why}");
        return None;
    }
    let cpu = some_allowed_cpu();
    let (done, finished) = mpsc::channel();
    let start = Instant::now();
    let done_w = done.clone();
    std::thread::spawn(move || {
        pin_to(cpu);
        set_fifo().expect("SCHED_FIFO was allowed a moment ago");
        waiter();
        let _ = done_w.send("waiter");
    });
    std::thread::spawn(move || {
        pin_to(cpu);
        notifier();
        let _ = done.send("notifier");
    });
    for _ in 0..2 {
        let left = BOUND.saturating_sub(start.elapsed());
        if finished.recv_timeout(left).is_err() {
            panic!(
                "{test}: {hand_overs} hand-overs between a SCHED_FIFO waiter and a normal \
                 partner on one CPU did not finish within {BOUND:?}: some wait yields or spins \
                 instead of sleeping on a word its partner wakes"
            );
        }
    }
    let took = start.elapsed();
    println!("{test}: {hand_overs} hand-overs in {took:?}");
    Some(took)
}

/// Condition ping-pong: the two threads take turns on a counter, each notifying *after* it
/// unlocks, so a woken waiter finds the Lock free and must then wait for its notifier to let go
/// of its queue node (the notifier is off the CPU at that moment).
#[test]
fn condition_hand_overs_finish_with_a_realtime_waiter() {
    let shared = Arc::new((Lock::new(0u64), Condition::new()));
    let turns = |me: u64| {
        let s = Arc::clone(&shared);
        move || {
            let (lock, cond) = &*s;
            for _ in 0..HAND_OVERS {
                let mut turn = lock.lock();
                cond.wait_while(&mut turn, |t| *t % 2 != me);
                *turn += 1;
                drop(turn);
                cond.notify_one();
            }
        }
    };
    on_one_cpu(
        "condition_hand_overs_finish_with_a_realtime_waiter",
        HAND_OVERS,
        turns(1),
        turns(0),
    );
    assert_eq!(*shared.0.lock(), 2 * HAND_OVERS, "a turn was lost");
}

/// Timed waits in the timeout case: most of them never meet the other thread's queue lock, so
/// it takes many to hit that window a few times.
const TIMEOUTS: u64 = 2_000;

/// Condition timed waits racing another thread's timed waits: neither is ever notified, so every
/// wait times out and takes the Condition's queue lock to leave the queue. The real-time waiter's
/// timeouts fire at arbitrary moments, some while the normal thread holds that queue lock; the
/// waiter must then sleep until it is released rather than yield.
///
/// Before the fix: 2,000 timeouts took 56 s (the queue lock's contender yielded until throttling
/// let the holder run); a healthy build takes well under a second.
#[test]
fn condition_timeouts_finish_with_a_realtime_waiter() {
    let shared = Arc::new((Lock::new(()), Condition::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let (s, st) = (Arc::clone(&shared), Arc::clone(&stop));
    let waiter = move || {
        let (lock, cond) = &*s;
        for _ in 0..TIMEOUTS {
            let mut g = lock.lock();
            let notified = cond.wait_for(&mut g, Duration::from_micros(20));
            assert!(!notified, "nobody notifies");
        }
        st.store(true, Relaxed);
    };
    let s = Arc::clone(&shared);
    let other = move || {
        let (lock, cond) = &*s;
        while !stop.load(Relaxed) {
            let mut g = lock.lock();
            let _ = cond.wait_for(&mut g, Duration::from_micros(1));
        }
    };
    on_one_cpu(
        "condition_timeouts_finish_with_a_realtime_waiter",
        TIMEOUTS,
        waiter,
        other,
    );
}

/// Event ping-pong over two events: the real-time thread waits for `ping`, clears it and sets
/// `pong`; the normal thread does the reverse.
#[test]
fn event_hand_overs_finish_with_a_realtime_waiter() {
    let events = Arc::new((Event::new(), Event::new()));
    let e = Arc::clone(&events);
    let waiter = move || {
        let (ping, pong) = &*e;
        for _ in 0..HAND_OVERS {
            ping.wait();
            ping.clear();
            pong.set();
        }
    };
    let e = Arc::clone(&events);
    let notifier = move || {
        let (ping, pong) = &*e;
        for _ in 0..HAND_OVERS {
            ping.set();
            pong.wait();
            pong.clear();
        }
    };
    on_one_cpu(
        "event_hand_overs_finish_with_a_realtime_waiter",
        HAND_OVERS,
        waiter,
        notifier,
    );
}

/// Queue ping-pong over two capacity-1 queues: the real-time thread gets a request and puts the
/// answer; the normal thread puts requests and gets answers. A get that yields or spins instead
/// of sleeping on `not_empty` would keep the partner off the CPU.
#[test]
fn queue_hand_overs_finish_with_a_realtime_waiter() {
    let queues = Arc::new((Queue::new(1), Queue::new(1)));
    let q = Arc::clone(&queues);
    let waiter = move || {
        let (requests, answers) = &*q;
        for _ in 0..HAND_OVERS {
            let n: u64 = requests.get().unwrap();
            answers.put(n + 1).unwrap();
        }
    };
    let q = Arc::clone(&queues);
    let notifier = move || {
        let (requests, answers) = &*q;
        for i in 0..HAND_OVERS {
            requests.put(i).unwrap();
            assert_eq!(answers.get(), Ok(i + 1), "an answer was lost or reordered");
        }
    };
    on_one_cpu(
        "queue_hand_overs_finish_with_a_realtime_waiter",
        HAND_OVERS,
        waiter,
        notifier,
    );
}

/// The real-time thread is the one that waits for room and for `join`: it puts into a full
/// capacity-1 queue and joins after each put, while the normal thread gets and marks done. A put
/// or join that yields instead of sleeping on `not_full` / `all_done` would starve the getter.
#[test]
fn queue_put_and_join_finish_with_a_realtime_waiter() {
    let q = Arc::new(Queue::new(1));
    let producer = Arc::clone(&q);
    let waiter = move || {
        for i in 0..HAND_OVERS {
            producer.put(i).unwrap();
            producer.join();
        }
        producer.shutdown(false);
    };
    let consumer = Arc::clone(&q);
    let notifier = move || {
        for (want, got) in consumer.iter().enumerate() {
            assert_eq!(got, want as u64, "items out of order");
            consumer.task_done().unwrap();
        }
    };
    on_one_cpu(
        "queue_put_and_join_finish_with_a_realtime_waiter",
        HAND_OVERS,
        waiter,
        notifier,
    );
}

/// Pipe ping-pong over a capacity-1 duplex pipe, the real-time end first polling (on the
/// pollers' own word) and then receiving: `poll` and `recv` must each sleep on a word the
/// normal end's `send` wakes.
#[test]
fn pipe_hand_overs_finish_with_a_realtime_waiter() {
    let (parent, child) = pipe::<u64>(1);
    let waiter = move || {
        for _ in 0..HAND_OVERS {
            child.poll();
            let n = child.recv().unwrap();
            child.send(n + 1).unwrap();
        }
    };
    let notifier = move || {
        for i in 0..HAND_OVERS {
            parent.send(i).unwrap();
            assert_eq!(parent.recv(), Ok(i + 1), "an answer was lost or reordered");
        }
    };
    on_one_cpu(
        "pipe_hand_overs_finish_with_a_realtime_waiter",
        HAND_OVERS,
        waiter,
        notifier,
    );
}
