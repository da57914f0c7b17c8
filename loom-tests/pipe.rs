//! Loom models of the pipe's promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml), except
//! where a model sets its own (written in its doc comment, with its run time).
//!
//! The `*_alone` models give each blocking call exactly one thing that may wake it, the event its
//! docs name: the other end stays open until the blocked thread has returned, and no other thread
//! blocks, closes or drops anything, so a lost wake-up is a deadlock loom reports.

use crate::LONG;
use loom::sync::Arc;
use loom::thread;
use weftsync::{RecvError, SendError, TryRecvError, pipe, pipe_oneway};

/// The peer closes while this end is blocked in `recv` (or about to be): it receives the
/// buffered message first, then end-of-file, and end-of-file stays.
#[test]
fn close_while_peer_blocked_in_recv_wakes_it_with_eof_after_buffer_drains() {
    crate::model(|| {
        let (a, b) = pipe(2);
        let t = thread::spawn(move || {
            let first = b.recv();
            let second = b.recv();
            let third = b.try_recv();
            (first, second, third)
        });
        a.send(1).unwrap();
        drop(a);
        let (first, second, third) = t.join().unwrap();
        assert_eq!(
            first,
            Ok(1),
            "the buffered message comes before end-of-file"
        );
        assert_eq!(
            second,
            Err(RecvError),
            "closing must wake the blocked recv with EOF"
        );
        assert_eq!(
            third,
            Err(TryRecvError::Disconnected),
            "end-of-file is sticky"
        );
    });
}

/// A send blocked on a full buffer when the peer closes wakes and hands its message back.
#[test]
fn send_to_closed_peer_returns_the_message() {
    crate::model(|| {
        let (a, b) = pipe(1);
        a.send(1).unwrap();
        let t = thread::spawn(move || a.send(2));
        drop(b);
        assert_eq!(
            t.join().unwrap(),
            Err(SendError(2)),
            "a send to a closed peer must hand the message back"
        );
    });
}

/// One send while a poller and a receiver both wait on the same direction: the receiver gets the
/// message, and the poller (on its own word) is woken by the send or, if the receiver took the
/// message first, by the close.
#[test]
fn send_wakes_both_poller_and_receiver() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        let rx = Arc::new(rx);
        let poller = {
            let rx = Arc::clone(&rx);
            thread::spawn(move || rx.poll())
        };
        let receiver = {
            let rx = Arc::clone(&rx);
            thread::spawn(move || rx.recv())
        };
        tx.send(5).unwrap();
        let got = receiver.join().unwrap();
        assert_eq!(got, Ok(5), "the receiver must be woken by the send");
        // The receiver may have taken the message before the poller looked: closing wakes it.
        drop(tx);
        poller.join().unwrap();
    });
}

/// `poll` blocked on an empty pipe wakes when the peer closes (end-of-file pending) and does
/// not consume: a later `recv` still reports EOF after the buffered message.
#[test]
fn poll_wakes_on_close_and_never_consumes() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        let t = thread::spawn(move || {
            rx.poll();
            (rx.recv(), rx.recv())
        });
        tx.send(9).unwrap();
        drop(tx);
        let (first, second) = t.join().unwrap();
        assert_eq!(first, Ok(9), "poll must not consume the message");
        assert_eq!(second, Err(RecvError), "end-of-file after the message");
    });
}

/// Issue 8's schedule: a receiver blocked in `recv`; a send; a racing `try_recv` takes the
/// message; a `poll_for` registers late and the send's wake lands on it (the contract lets a wake
/// reach any sleeper); the poll times out; a second send. The blocked `recv` must get the second
/// message: only the sends can wake it (the sender end stays open and nobody else receives).
///
/// Before the fix (pollers slept on the getters' word and did not settle the wake owed to the
/// getter) this deadlocked at preemption bound 3 and passed at 2, so the model sets bound 3
/// itself: about 3 s of model checking (debug build, loom at opt-level 3, 2 busy cores).
#[test]
fn wake_meant_for_receiver_landing_on_poller_is_not_lost() {
    crate::isolated::isolated(|| {
        let mut builder = loom::model::Builder::new();
        builder.preemption_bound = Some(3);
        builder.check(|| {
            let (rx, tx) = pipe_oneway::<u8>(1);
            let rx = Arc::new(rx);
            let receiver = {
                let rx = Arc::clone(&rx);
                thread::spawn(move || rx.recv())
            };
            let racer = {
                let rx = Arc::clone(&rx);
                thread::spawn(move || {
                    let took = rx.try_recv().is_ok();
                    let _ready = rx.poll_for(LONG);
                    took
                })
            };
            tx.send(1).unwrap();
            let racer_took = racer.join().unwrap();
            tx.send(2).unwrap();
            let got = receiver.join().unwrap();
            assert!(got.is_ok(), "the blocked recv must get a message");
            if !racer_took {
                // The receiver got the first message; the second stays buffered.
                assert_eq!(got, Ok(1));
            }
        });
    });
}

/// `recv` (on a duplex `Connection`) blocked on an empty pipe is woken by the peer's `send`, the
/// only event that can wake it here.
#[test]
fn recv_blocked_is_woken_by_send_alone() {
    crate::model(|| {
        let (a, b) = pipe(1);
        let receiver = thread::spawn(move || {
            let got = b.recv();
            (got, b)
        });
        a.send(7).unwrap();
        let (got, b) = receiver.join().unwrap();
        assert_eq!(got, Ok(7), "the send must wake the blocked recv");
        drop((a, b));
    });
}

/// `send` blocked on a full pipe is woken by the receiver's `recv` freeing the slot, the only
/// event that can wake it here.
#[test]
fn send_blocked_on_full_is_woken_by_recv_alone() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        tx.send(1).unwrap();
        let sender = thread::spawn(move || {
            let sent = tx.send(2);
            (sent, tx)
        });
        assert_eq!(rx.recv(), Ok(1));
        let (sent, tx) = sender.join().unwrap();
        assert_eq!(sent, Ok(()), "the recv must wake the blocked send");
        assert_eq!(rx.try_recv(), Ok(2), "the woken send went in");
        drop(tx);
    });
}

/// `poll` blocked on an empty pipe is woken by a `send`, the only event that can wake it here,
/// and does not consume the message.
#[test]
fn poll_blocked_is_woken_by_send_alone() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        let rx = Arc::new(rx);
        let poller = {
            let rx = Arc::clone(&rx);
            thread::spawn(move || rx.poll())
        };
        tx.send(3).unwrap();
        poller.join().unwrap();
        assert_eq!(rx.try_recv(), Ok(3), "poll must not consume the message");
        drop(tx);
    });
}

/// `poll_for` giving up just as a send arrives: whatever it answers, the message is still there,
/// and a zero-timeout `try_poll` after it agrees.
#[test]
fn poll_for_timing_out_as_send_arrives_consumes_nothing() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        let rx = Arc::new(rx);
        let poller = {
            let rx = Arc::clone(&rx);
            thread::spawn(move || rx.poll_for(LONG))
        };
        tx.send(4).unwrap();
        let _ready = poller.join().unwrap();
        assert!(rx.try_poll(), "the message is buffered");
        assert_eq!(rx.try_recv(), Ok(4), "poll must not consume the message");
        drop(tx);
    });
}

/// Two threads close the same end while a message is buffered for it: after *each* close
/// returns, that end receives nothing (`Disconnected`), whichever close did the dropping.
/// Regression: on the lock-free slots the second `close` found the ring already shut down
/// immediately and returned while the first was still taking the buffered messages out, so
/// its `try_recv` could still take one (the pipe fuzz target found it:
/// "own close ends receiving", `Ok(0)`).
#[test]
fn each_of_two_racing_closes_ends_receiving_when_it_returns() {
    crate::model(|| {
        let (a, b) = pipe::<u32>(2);
        a.send(1).unwrap();
        a.send(2).unwrap();
        let b = Arc::new(b);
        let other = {
            let b = Arc::clone(&b);
            thread::spawn(move || {
                b.close();
                assert_eq!(
                    b.try_recv(),
                    Err(TryRecvError::Disconnected),
                    "own close ends receiving"
                );
            })
        };
        b.close();
        assert_eq!(
            b.try_recv(),
            Err(TryRecvError::Disconnected),
            "own close ends receiving"
        );
        other.join().unwrap();
        drop(a);
    });
}
