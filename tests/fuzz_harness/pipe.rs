//! Pipe: 1–4 threads share the two ends of a duplex pipe of capacity 1–4 (even threads end A,
//! odd threads end B) and send, receive (try and timed), poll, and now and then close their
//! end. Messages are unique (thread, sequence). Checked: nothing is received twice or from the
//! wrong direction; each sender's messages arrive in order; once neither end is closed, every
//! message sent was received or is still buffered; a failed send hands its message back; and
//! after a close every receive ends in a sticky end-of-file.

use super::script;
use std::collections::HashSet;
use std::time::Duration;
use weftsync::{Connection, TryRecvError, TrySendError, pipe};

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let cap = 1 + data.len() % 4;
    let (a, b) = pipe::<u32>(cap);
    let ends: [&Connection<u32>; 2] = [&a, &b];
    let results = script::run_threads(&scripts, |t, ops| {
        let end = ends[t % 2];
        let (mut sent, mut got, mut closed) = (Vec::new(), Vec::new(), false);
        for (k, &op) in ops.iter().enumerate() {
            let msg = (t as u32) << 16 | k as u32;
            let wait = Duration::from_micros(u64::from(op % 32));
            match op % 7 {
                0 | 1 => match end.try_send(msg) {
                    Ok(()) => sent.push(msg),
                    Err(e) => assert!(
                        matches!(e, TrySendError::Full(m) | TrySendError::Disconnected(m) if m == msg)
                    ),
                },
                2 => match end.send_for(msg, wait) {
                    Ok(()) => sent.push(msg),
                    Err(e) => assert_eq!(
                        e.into_inner(),
                        msg,
                        "a failed send must hand the message back"
                    ),
                },
                3 | 4 => match end.try_recv() {
                    Ok(m) => got.push(m),
                    Err(e) => assert!(e == TryRecvError::Empty || e == TryRecvError::Disconnected),
                },
                5 => match end.recv_for(wait) {
                    Ok(m) => got.push(m),
                    Err(e) => assert!(e.is_timeout() || e.is_disconnected()),
                },
                _ => {
                    if op > 248 {
                        end.close();
                        closed = true;
                        assert_eq!(
                            end.try_recv(),
                            Err(TryRecvError::Disconnected),
                            "own close ends receiving"
                        );
                    } else {
                        // Never consumes; the answer may be stale at once, so only run it.
                        let _ready = if op % 2 == 0 {
                            end.try_poll()
                        } else {
                            end.poll_for(wait)
                        };
                    }
                }
            }
        }
        (sent, got, closed)
    });
    let any_closed = results.iter().any(|r| r.2);
    let mut left = [Vec::new(), Vec::new()];
    for (side, end) in ends.iter().enumerate() {
        while let Ok(m) = end.try_recv() {
            left[side].push(m);
        }
    }
    // Each receiving thread's list, then what was left buffered for each side.
    let lists = results
        .iter()
        .enumerate()
        .map(|(t, r)| (t % 2, &r.1))
        .chain([(0, &left[0]), (1, &left[1])]);
    let mut seen = HashSet::new();
    for (side, list) in lists {
        let mut last = [None::<u32>; script::MAX_THREADS];
        for &m in list {
            let from = (m >> 16) as usize;
            assert_ne!(from % 2, side, "a message came back to its own end");
            assert!(seen.insert(m), "message {m:#x} received twice");
            assert!(
                last[from].is_none_or(|l| l < m),
                "sender {from}'s messages reordered"
            );
            last[from] = Some(m);
        }
    }
    let sent: HashSet<u32> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    assert!(seen.is_subset(&sent), "received a message never sent");
    if !any_closed {
        assert_eq!(seen.len(), sent.len(), "a message was lost");
    } else {
        drop(a);
        assert_eq!(
            b.try_recv(),
            Err(TryRecvError::Disconnected),
            "end-of-file is sticky after a close"
        );
    }
}
