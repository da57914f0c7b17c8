//! Loom models of the pipe's promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).

use loom::thread;
use std::time::Duration;
use weftsync::{RecvError, SendError, pipe, pipe_oneway};

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
            Err(RecvError::Eof),
            "closing must wake the blocked recv with EOF"
        );
        assert_eq!(third, Err(RecvError::Eof), "end-of-file is sticky");
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
            Err(SendError::Disconnected(2)),
            "a send to a closed peer must hand the message back"
        );
    });
}

/// One send while a poller and a receiver both sleep on the same direction: the receiver gets the
/// message (the send's one wake cannot land on the poller alone and leave the receiver asleep).
#[test]
fn send_wakes_both_poller_and_receiver() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        let rx = loom::sync::Arc::new(rx);
        let poller = {
            let rx = loom::sync::Arc::clone(&rx);
            thread::spawn(move || rx.poll(Duration::MAX))
        };
        let receiver = {
            let rx = loom::sync::Arc::clone(&rx);
            thread::spawn(move || rx.recv())
        };
        tx.send(5).unwrap();
        let got = receiver.join().unwrap();
        assert_eq!(got, Ok(5), "the receiver must be woken by the send");
        // The receiver may have taken the message before the poller looked: closing wakes it.
        drop(tx);
        assert!(poller.join().unwrap());
    });
}

/// `poll` blocked on an empty pipe wakes when the peer closes (end-of-file pending) and does
/// not consume: a later `recv` still reports EOF after the buffered message.
#[test]
fn poll_wakes_on_close_and_never_consumes() {
    crate::model(|| {
        let (rx, tx) = pipe_oneway(1);
        let t = thread::spawn(move || {
            assert!(rx.poll(Duration::MAX), "poll must report readiness or EOF");
            (rx.recv(), rx.recv())
        });
        tx.send(9).unwrap();
        drop(tx);
        let (first, second) = t.join().unwrap();
        assert_eq!(first, Ok(9), "poll must not consume the message");
        assert_eq!(second, Err(RecvError::Eof));
    });
}
