//! Shuttle scenarios for the pipe, random and PCT schedulers, 1,000 iterations each.

use shuttle::sync::Arc;
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::{RecvError, SendError, pipe};

/// Round trips per iteration of the ping-pong scenario.
const PINGS: u32 = 100;

/// Parent and child over a duplex pipe of capacity 1: the parent sends `PINGS` numbers, the
/// child answers each with its double, some through the timed calls; then the parent closes and
/// the child sees end-of-file. Every answer matches its question, in order.
fn ping_pong() {
    let (parent, child) = pipe::<u32>(1);
    let t = thread::spawn(move || {
        let mut answered = 0;
        loop {
            let r = if answered % 3 == 0 {
                child.recv_for(Duration::from_secs(5))
            } else {
                child.recv()
            };
            match r {
                Ok(v) => {
                    child.send(v * 2).unwrap();
                    answered += 1;
                }
                Err(RecvError::Eof) => return answered,
                // The checker may let a timed wait give up: nothing was consumed, try again.
                Err(e) => assert_eq!(e, RecvError::Timeout),
            }
        }
    });
    for i in 0..PINGS {
        parent.send(i).unwrap();
        assert_eq!(parent.recv(), Ok(i * 2), "answer out of order or lost");
    }
    drop(parent);
    assert_eq!(t.join().unwrap(), PINGS);
}

/// Random scheduler, 1,000 iterations of `PINGS` (100) round trips: 100,000 in all.
#[test]
fn ping_pong_answers_every_message_in_order_random() {
    crate::isolated(|| check_random(ping_pong, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations of 100 round trips.
#[test]
fn ping_pong_answers_every_message_in_order_pct() {
    crate::isolated(|| check_pct(ping_pong, 1_000, 3));
}

/// Two threads share end A and send 3 messages each; two threads share end B and receive until
/// end-of-file; A is closed once both senders finish, while B's receivers may be blocked.
/// Every message is received exactly once, and both receivers see end-of-file.
fn shared_ends_with_close() {
    let (a, b) = pipe::<u32>(2);
    let (a, b) = (Arc::new(a), Arc::new(b));
    let senders: Vec<_> = (0..2)
        .map(|s| {
            let a = Arc::clone(&a);
            thread::spawn(move || (0..3).for_each(|k| a.send(s * 3 + k).unwrap()))
        })
        .collect();
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let b = Arc::clone(&b);
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    match b.recv() {
                        Ok(v) => got.push(v),
                        Err(e) => {
                            assert_eq!(e, RecvError::Eof);
                            return got;
                        }
                    }
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    a.close();
    assert_eq!(a.send(99), Err(SendError::Disconnected(99)));
    let mut all: Vec<u32> = receivers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    all.sort_unstable();
    assert_eq!(all, [0, 1, 2, 3, 4, 5], "a message was lost or duplicated");
}

/// Random scheduler, 1,000 iterations (5 threads).
#[test]
fn shared_ends_every_message_once_then_eof_random() {
    crate::isolated(|| check_random(shared_ends_with_close, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn shared_ends_every_message_once_then_eof_pct() {
    crate::isolated(|| check_pct(shared_ends_with_close, 1_000, 3));
}
