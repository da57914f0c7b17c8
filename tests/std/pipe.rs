//! The pipe on real threads: API checks, behaviour, a property test against two `VecDeque`s
//! with closed flags, and a ping-pong stress.

use crate::watchdog::watched;
use proptest::prelude::*;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError, pipe,
    pipe_oneway,
};

// Sizes, Send / Sync, unwind safety and the other auto traits are pinned in tests/std/api.rs.

/// Round trips in the stress test: scaled for debug builds and Miri.
const ROUND_TRIPS: u32 = if cfg!(miri) {
    100
} else if cfg!(debug_assertions) {
    20_000
} else {
    200_000
};

#[test]
#[should_panic(expected = "capacity must be at least 1")]
fn pipe_with_zero_capacity_panics() {
    let _ = pipe::<u8>(0);
}

#[test]
fn each_direction_is_fifo_and_bounded() {
    watched(|| {
        let (a, b) = pipe(2);
        a.send(1).unwrap();
        a.send(2).unwrap();
        assert_eq!(
            a.try_send(3),
            Err(TrySendError::Full(3)),
            "capacity is per direction"
        );
        b.send(10).unwrap();
        assert_eq!(b.recv(), Ok(1));
        assert_eq!(b.recv(), Ok(2));
        assert_eq!(a.recv(), Ok(10));
    });
}

#[test]
fn peer_drop_gives_buffer_then_sticky_eof() {
    watched(|| {
        let (a, b) = pipe(4);
        b.send(1).unwrap();
        b.send(2).unwrap();
        drop(b);
        assert_eq!(a.recv(), Ok(1));
        assert_eq!(a.recv_for(Duration::from_secs(5)), Ok(2));
        for _ in 0..3 {
            assert_eq!(a.recv(), Err(RecvError), "end-of-file must be sticky");
        }
        assert_eq!(
            a.send(3),
            Err(SendError(3)),
            "send to a closed peer hands back"
        );
    });
}

#[test]
fn closing_wakes_a_peer_blocked_in_recv() {
    watched(|| {
        let (a, b) = pipe::<u8>(1);
        std::thread::scope(|s| {
            let t = s.spawn(|| b.recv());
            a.close();
            assert_eq!(
                t.join().unwrap(),
                Err(RecvError),
                "blocked recv must wake with EOF"
            );
        });
    });
}

#[test]
fn closing_wakes_a_peer_blocked_in_send() {
    watched(|| {
        let (rx, tx) = pipe_oneway(1);
        tx.send(1).unwrap();
        std::thread::scope(|s| {
            let t = s.spawn(|| tx.send(2));
            rx.close();
            assert_eq!(t.join().unwrap(), Err(SendError(2)));
        });
    });
}

#[test]
fn messages_buffered_for_a_closed_end_are_dropped_once() {
    watched(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        struct D(Arc<AtomicUsize>);
        impl Drop for D {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let (a, b) = pipe(3);
        a.send(D(Arc::clone(&drops))).unwrap();
        a.send(D(Arc::clone(&drops))).unwrap();
        drop(b);
        assert_eq!(
            drops.load(SeqCst),
            2,
            "closing the receiving end drops its buffer"
        );
        let back = a.send(D(Arc::clone(&drops))).unwrap_err().into_inner();
        assert_eq!(
            drops.load(SeqCst),
            2,
            "a refused message is handed back, not dropped"
        );
        drop(back);
        drop(a);
        assert_eq!(drops.load(SeqCst), 3);
    });
}

#[test]
fn poll_never_consumes_and_sees_eof() {
    watched(|| {
        let (a, b) = pipe(1);
        assert!(!a.try_poll());
        assert!(!a.poll_for(Duration::ZERO));
        let start = Instant::now();
        assert!(!a.poll_for(Duration::from_millis(30)));
        assert!(
            start.elapsed() >= Duration::from_millis(30),
            "poll returned early"
        );
        b.send(1).unwrap();
        assert!(a.try_poll());
        assert!(a.poll_until(Instant::now()), "poll must not consume");
        a.poll(); // returns at once: a message is buffered
        assert_eq!(a.recv(), Ok(1));
        std::thread::scope(|s| {
            let t = s.spawn(|| a.poll_for(Duration::MAX));
            drop(b);
            assert!(t.join().unwrap(), "a pending end-of-file makes poll true");
            a.poll(); // returns at once: end-of-file is pending
        });
    });
}

#[test]
fn timeouts_are_one_try_at_zero() {
    watched(|| {
        let (a, b) = pipe(1);
        assert_eq!(a.recv_for(Duration::ZERO), Err(RecvTimeoutError::Timeout));
        a.send(1).unwrap();
        assert_eq!(
            a.send_for(2, Duration::ZERO),
            Err(SendTimeoutError::Timeout(2))
        );
        let start = Instant::now();
        assert_eq!(
            a.send_for(2, Duration::from_millis(30)),
            Err(SendTimeoutError::Timeout(2))
        );
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(b.recv_until(Instant::now()), Ok(1));
    });
}

#[test]
fn errors_display_and_debug_without_the_message() {
    assert_eq!(
        format!("{:?}", TrySendError::Disconnected(std::rc::Rc::new(1))),
        "Disconnected(..)"
    );
    assert!(RecvError.to_string().contains("closed"));
    assert!(TrySendError::Full(()).to_string().contains("full"));
}

/// Parent and child ping-pong `ROUND_TRIPS` messages over a capacity-1 duplex pipe; every
/// answer matches its question; the child stops on end-of-file.
#[test]
fn stress_ping_pong_round_trips() {
    watched(|| {
        let (parent, child) = pipe::<u32>(1);
        std::thread::scope(|s| {
            let t = s.spawn(move || {
                let mut n = 0;
                while let Ok(v) = child.recv() {
                    child.send(v + 1).unwrap();
                    n += 1;
                }
                n
            });
            for i in 0..ROUND_TRIPS {
                parent.send(i).unwrap();
                assert_eq!(parent.recv(), Ok(i + 1), "answer lost or out of order");
            }
            drop(parent);
            assert_eq!(t.join().unwrap(), ROUND_TRIPS);
        });
    });
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Send(bool, u8),
    Recv(bool),
    Poll(bool),
    Close(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), any::<u8>()).prop_map(|(s, v)| Op::Send(s, v)),
        4 => any::<bool>().prop_map(Op::Recv),
        1 => any::<bool>().prop_map(Op::Poll),
        1 => any::<bool>().prop_map(Op::Close),
    ]
}

// Sequential-model scripts: plain `cargo test` runs them (256 cases); under Miri, whose
// value is the unsafe paths, the behaviour and stress tests cover those and this is skipped.
#[cfg(not(miri))]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// One thread drives both ends of a duplex pipe with non-blocking calls; every result
    /// matches a model of two `VecDeque`s (one per direction) and a closed flag per end.
    #[test]
    fn pipe_matches_two_vecdeque_model(cap in 1usize..4, ops in proptest::collection::vec(op(), 0..80)) {
        watched(move || {
            let (a, b) = pipe(cap);
            let ends = [&a, &b];
            // queues[i]: messages sent by end i, waiting for end 1 - i.
            let mut queues = [VecDeque::new(), VecDeque::new()];
            let mut closed = [false, false];
            for op in ops {
                match op {
                    Op::Send(side, v) => {
                        let i = usize::from(side);
                        let want = if closed[0] || closed[1] {
                            Err(TrySendError::Disconnected(v))
                        } else if queues[i].len() == cap {
                            Err(TrySendError::Full(v))
                        } else {
                            queues[i].push_back(v);
                            Ok(())
                        };
                        prop_assert_eq!(ends[i].try_send(v), want);
                    }
                    Op::Recv(side) => {
                        let i = usize::from(side);
                        let want = match queues[1 - i].pop_front() {
                            Some(v) => Ok(v),
                            None if closed[0] || closed[1] => Err(TryRecvError::Disconnected),
                            None => Err(TryRecvError::Empty),
                        };
                        prop_assert_eq!(ends[i].try_recv(), want);
                    }
                    Op::Poll(side) => {
                        let i = usize::from(side);
                        let want = !queues[1 - i].is_empty() || closed[0] || closed[1];
                        prop_assert_eq!(ends[i].try_poll(), want);
                    prop_assert_eq!(ends[i].poll_for(Duration::ZERO), want);
                    }
                    Op::Close(side) => {
                        let i = usize::from(side);
                        ends[i].close();
                        closed[i] = true;
                        queues[1 - i].clear(); // buffered for the closed end: dropped
                    }
                }
                prop_assert_eq!(a.is_disconnected(), closed[0] || closed[1]);
            }
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------------------------
// The four poll forms, iteration, track_caller, and messages whose `Drop` panics.

#[test]
fn poll_forms_wait_look_and_time_out_without_consuming() {
    watched(|| {
        let (rx, tx) = pipe_oneway(1);
        assert!(!rx.try_poll(), "nothing buffered: a receive would block");
        assert!(
            !rx.poll_until(Instant::now()),
            "a past deadline is one look"
        );
        crate::assert_waits_its_timeout(Duration::from_millis(30), || {
            assert!(!rx.poll_for(Duration::from_millis(30)));
        });
        std::thread::scope(|s| {
            let poller = s.spawn(|| {
                rx.poll();
                rx.try_poll()
            });
            tx.send(1).unwrap();
            assert!(
                poller.join().unwrap(),
                "the blocking poll returns once a message is buffered"
            );
        });
        assert!(rx.poll_for(Duration::from_secs(5)));
        assert_eq!(rx.try_recv(), Ok(1), "no poll form consumes");
        drop(tx);
        rx.poll();
        assert!(
            rx.try_poll(),
            "end-of-file is pending: a receive would not block"
        );
    });
}

#[test]
fn iter_receives_until_end_of_file() {
    watched(|| {
        let (a, b) = pipe(2);
        let got: Vec<u32> = std::thread::scope(|s| {
            let reader = s.spawn(|| b.iter().collect());
            for i in 0..10 {
                a.send(i).unwrap();
            }
            a.close();
            reader.join().unwrap()
        });
        assert_eq!(
            got,
            (0..10).collect::<Vec<_>>(),
            "every message, in order, then EOF"
        );
        let (rx, tx) = pipe_oneway(2);
        tx.send("x").unwrap();
        drop(tx);
        let mut by_ref = Vec::new();
        for msg in &rx {
            by_ref.push(msg);
        }
        assert_eq!(by_ref, ["x"], "`for msg in &receiver` is `iter()`");
        assert_eq!(rx.iter().next(), None, "end-of-file is sticky");
    });
}

#[test]
fn try_iter_takes_what_is_buffered_and_never_blocks() {
    watched(|| {
        let (a, b) = pipe(3);
        assert_eq!(b.try_iter().next(), None);
        a.send(1).unwrap();
        a.send(2).unwrap();
        assert_eq!(b.try_iter().collect::<Vec<_>>(), [1, 2]);
        let (rx, tx) = pipe_oneway(3);
        tx.send(3).unwrap();
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3]);
        assert!(!tx.is_disconnected(), "try_iter closes nothing");
    });
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn pipe_with_zero_capacity_panics_at_the_callers_line() {
    let line = line!() + 1;
    let Some(at) = crate::queue::panic_location(|| drop(pipe::<u8>(0))) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "pipe(0) must name the caller's line"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn pipe_oneway_with_zero_capacity_panics_at_the_callers_line() {
    let line = line!() + 1;
    let Some(at) = crate::queue::panic_location(|| drop(pipe_oneway::<u8>(0))) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "pipe_oneway(0) must name the caller's line"
    );
}

/// Counts its drops; panics in its drop if told to.
struct Bomb {
    panics: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for Bomb {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if self.panics {
            panic!("a message panics in its drop");
        }
    }
}

#[test]
fn closing_with_a_panicking_message_drops_every_other_message_once() {
    watched(|| {
        let n = if cfg!(miri) { 8 } else { 64 };
        let drops = Arc::new(AtomicUsize::new(0));
        let (a, b) = pipe(n);
        for i in 0..n {
            let bomb = Bomb {
                panics: i == n / 2,
                drops: Arc::clone(&drops),
            };
            a.try_send(bomb).ok().unwrap();
        }
        // Closing `b` drops what was buffered for it; one drop panics.
        let closed = std::panic::catch_unwind(|| b.close());
        assert!(
            closed.is_err(),
            "the message's panic reaches the caller of close"
        );
        assert_eq!(
            drops.load(SeqCst),
            n,
            "every buffered message is dropped exactly once although one panicked"
        );
        // Both ends stay consistent and usable: closed, each call failing as after any close.
        let refused = a
            .send(Bomb {
                panics: false,
                drops: Arc::clone(&drops),
            })
            .unwrap_err();
        drop(refused.into_inner());
        assert_eq!(
            a.recv_for(Duration::ZERO).err(),
            Some(RecvTimeoutError::Disconnected)
        );
        assert_eq!(b.try_recv().err(), Some(TryRecvError::Disconnected));
        assert!(a.is_disconnected() && b.is_disconnected());
        drop((a, b));
        assert_eq!(drops.load(SeqCst), n + 1, "nothing dropped twice");
    });
}

// ---------------------------------------------------------------------------------------------
// Each form of each end, named (found by mutation testing: `scripts/mutants src/pipe.rs`).

#[test]
fn one_way_ends_send_and_receive_in_every_form_and_time_out_when_they_must() {
    watched(|| {
        let (rx, tx) = pipe_oneway(3);
        let later = Instant::now() + Duration::from_secs(5);
        tx.try_send(1).unwrap();
        tx.send_for(2, Duration::from_secs(5)).unwrap();
        tx.send_until(3, later).unwrap();
        assert_eq!(
            tx.send_for(4, Duration::ZERO),
            Err(SendTimeoutError::Timeout(4)),
            "a full pipe: the timed send hands the message back"
        );
        assert_eq!(
            tx.send_until(5, Instant::now()),
            Err(SendTimeoutError::Timeout(5)),
            "a full pipe: a past deadline hands the message back"
        );
        assert_eq!(rx.recv_for(Duration::from_secs(5)), Ok(1), "try_send sent");
        assert_eq!(rx.recv_until(later), Ok(2), "send_for sent");
        assert_eq!(rx.try_recv(), Ok(3), "send_until sent");
        assert_eq!(
            rx.recv_for(Duration::ZERO),
            Err(RecvTimeoutError::Timeout),
            "an empty pipe: the timed receive times out"
        );
        assert_eq!(
            rx.recv_until(Instant::now()),
            Err(RecvTimeoutError::Timeout),
            "an empty pipe: a past deadline times out"
        );
    });
}

#[test]
fn duplex_deadline_forms_send_look_and_time_out() {
    watched(|| {
        let (a, b) = pipe(1);
        assert!(
            !b.poll_until(Instant::now()),
            "nothing buffered: a past deadline is one look, false"
        );
        a.send_until(7, Instant::now() + Duration::from_secs(5))
            .unwrap();
        assert_eq!(
            a.send_until(8, Instant::now()),
            Err(SendTimeoutError::Timeout(8)),
            "a full direction: a past deadline hands the message back"
        );
        assert_eq!(b.try_recv(), Ok(7), "send_until sent");
    });
}

#[test]
fn one_way_look_forms_see_a_buffered_message_and_a_closed_receiver() {
    watched(|| {
        let (rx, tx) = pipe_oneway(1);
        tx.send(1).unwrap();
        assert!(
            rx.poll_until(Instant::now()),
            "a buffered message: a past deadline's one look is true"
        );
        assert!(!tx.is_disconnected(), "both ends open");
        drop(rx);
        assert!(
            tx.is_disconnected(),
            "dropping the receiver disconnects the sender"
        );
        assert_eq!(
            tx.send(2),
            Err(SendError(2)),
            "a send to a dropped receiver hands the message back"
        );
    });
}

#[test]
fn dropping_the_receiver_drops_its_buffer_and_wakes_a_blocked_sender() {
    watched(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let bomb = || Bomb {
            panics: false,
            drops: Arc::clone(&drops),
        };
        let (rx, tx) = pipe_oneway(1);
        tx.send(bomb()).unwrap();
        std::thread::scope(|s| {
            let sender = s.spawn(|| tx.send(bomb()).map_err(|e| e.into_inner().panics));
            drop(rx);
            assert_eq!(
                sender.join().unwrap(),
                Err(false),
                "the blocked send wakes and gets its message back"
            );
        });
        assert_eq!(
            drops.load(SeqCst),
            2,
            "the buffered message is dropped by the receiver's drop, the refused one by its caller"
        );
    });
}

#[test]
fn debug_names_the_end_and_never_blocks() {
    watched(|| {
        let (a, b) = pipe::<u8>(1);
        let (rx, tx) = pipe_oneway::<u8>(1);
        a.send(1).unwrap();
        assert_eq!(format!("{a:?}"), "Connection { side: 0, .. }");
        assert_eq!(format!("{b:?}"), "Connection { side: 1, .. }");
        assert_eq!(format!("{rx:?}"), "PipeReceiver { .. }");
        assert_eq!(format!("{tx:?}"), "PipeSender { .. }");
        assert_eq!(format!("{:?}", rx.iter()), "Iter { .. }");
        assert_eq!(format!("{:?}", b.try_iter()), "TryIter { .. }");
    });
}

/// Runs `block` on a thread of its own, runs `wake` once that thread sleeps in the kernel (its
/// state in `/proc` is `S`) or has returned, and hands back what `block` returned. The test is
/// right in any order; waiting to see the thread asleep only makes sure that a call which fails
/// to block returns before `wake`, every time. Where `/proc` cannot say (not Linux, Miri), `wake`
/// runs at once.
fn blocked_until<R: Send>(block: impl FnOnce() -> R + Send, wake: impl FnOnce()) -> R {
    let tid = AtomicI32::new(0);
    std::thread::scope(|s| {
        let blocked = s.spawn(|| {
            tid.store(os_thread_id(), SeqCst);
            block()
        });
        let give_up = Instant::now() + Duration::from_secs(10);
        while !blocked.is_finished() && !asleep(tid.load(SeqCst)) && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
        }
        wake();
        blocked.join().unwrap()
    })
}

#[cfg(all(target_os = "linux", not(miri)))]
fn os_thread_id() -> i32 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() }
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn os_thread_id() -> i32 {
    0
}

/// Whether thread `tid` of this process sleeps in the kernel; `true` where `/proc` cannot say.
fn asleep(tid: i32) -> bool {
    if !cfg!(all(target_os = "linux", not(miri))) {
        return true;
    }
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    // The state is the field after the command name, which is in parentheses.
    stat.rfind(')')
        .and_then(|at| stat[at + 1..].split_whitespace().next())
        == Some("S")
}

#[test]
fn blocking_poll_returns_only_once_a_message_is_buffered_and_consumes_nothing() {
    watched(|| {
        let (a, b) = pipe(1);
        let got = blocked_until(
            || {
                b.poll();
                b.try_recv()
            },
            || a.send(1).unwrap(),
        );
        assert_eq!(
            got,
            Ok(1),
            "Connection::poll must wait for the send and leave its message"
        );
        let (rx, tx) = pipe_oneway(1);
        let got = blocked_until(
            || {
                rx.poll();
                rx.try_recv()
            },
            || tx.send(2).unwrap(),
        );
        assert_eq!(
            got,
            Ok(2),
            "PipeReceiver::poll must wait for the send and leave its message"
        );
    });
}
