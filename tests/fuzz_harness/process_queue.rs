//! process::Queue (the byte-message queue placed in shared memory), here in ordinary memory
//! between 1–4 threads: put, try_put, try_get and get_for of messages of every length, some too
//! large for the ring, on a capacity the input picks. Every message carries its sender and
//! sequence number and a body derived from them. Checked: a message longer than `max_message`
//! is refused as `TooLarge` (and only such a message), nothing refused is ever received,
//! nothing is received twice or torn (length and every byte as sent), each receiver gets each
//! sender's messages in send order, every message accepted is received or still inside, and a
//! corrupted length prefix of the oldest frame (the last input byte picks it) gives a clear
//! `Corrupt` error or messages no longer than the ring can hold, never a panic or UB.

use super::script;
use std::collections::HashSet;
use std::time::Duration;
use weftsync::process::{Queue, RecvError, SendError, TryRecvError, TrySendError};

/// The message `(thread, seq)` of `len` bytes (at least 4): the id, then bytes derived from it.
fn message(id: u32, len: usize) -> Vec<u8> {
    let mut m = id.to_le_bytes().to_vec();
    m.extend((4..len).map(|i| (id as u8).wrapping_mul(31).wrapping_add(i as u8)));
    m
}

/// The id of a received message, after checking it is exactly what was sent.
fn check(m: &[u8]) -> u32 {
    assert!(m.len() >= 4, "a torn message of {} bytes", m.len());
    let id = u32::from_le_bytes(m[..4].try_into().unwrap());
    assert_eq!(m, message(id, m.len()), "message {id:#x} came out torn");
    id
}

pub fn run(data: &[u8]) {
    let capacity = 16 + usize::from(data.first().copied().unwrap_or(0) % 64);
    let q = Queue::boxed(capacity);
    let max = q.max_message();
    let scripts = script::threads(data);
    let results = script::run_threads(&scripts, |t, ops| {
        let (mut sent, mut got) = (Vec::new(), Vec::new());
        for (next, &op) in ops.iter().enumerate() {
            let id = (t as u32) << 16 | next as u32;
            // Up to 3 bytes past the largest message that fits.
            let len = 4 + usize::from(op) * 7 % max;
            let msg = message(id, len);
            match op % 6 {
                0 | 1 => {
                    let r = q.put_for(&msg, Duration::from_micros(u64::from(op % 64)));
                    match r {
                        Ok(()) => sent.push(id),
                        Err(weftsync::process::SendTimeoutError::Timeout) => {
                            assert!(len <= max, "too large reported as a timeout")
                        }
                        Err(weftsync::process::SendTimeoutError::TooLarge(e)) => {
                            assert!(len > max, "a {len}-byte message refused as too large");
                            assert_eq!((e.len, e.max), (len as u64, max as u64));
                        }
                        Err(e) => panic!("put_for failed: {e:?}"),
                    }
                    if len > max {
                        assert!(!sent.contains(&id), "a too-large message was accepted");
                    }
                }
                2 => match q.try_put(&msg) {
                    Ok(()) => sent.push(id),
                    Err(TrySendError::Full) => assert!(len <= max, "too large reported as Full"),
                    Err(TrySendError::TooLarge(_)) => {
                        assert!(len > max, "a {len}-byte message refused as too large")
                    }
                    Err(e) => panic!("try_put failed: {e:?}"),
                },
                3 | 4 => match q.try_get::<Vec<u8>>() {
                    Ok(m) => got.push(check(&m)),
                    Err(TryRecvError::Empty) => {}
                    Err(e) => panic!("try_get failed: {e:?}"),
                },
                _ => match q.get_for::<Vec<u8>>(Duration::from_micros(u64::from(op % 32))) {
                    Ok(m) => got.push(check(&m)),
                    Err(weftsync::process::RecvTimeoutError::Timeout) => {}
                    Err(e) => panic!("get_for failed: {e:?}"),
                },
            }
        }
        (sent, got)
    });
    // Corrupt the oldest frame's length prefix, if the input asks for it and one is left.
    let corrupt = data.len() > 1 && data[data.len() - 1] % 4 == 0 && !q.is_empty();
    if corrupt {
        let claimed = u32::from(data[data.len() - 1]) * 3;
        q.__corrupt_oldest_prefix(claimed);
        // The frames from there on are whatever the bytes now say: each read is a message of
        // the claimed length (the claim fits the bytes in the ring) or a clear `Corrupt`, and
        // never reads past what the ring holds.
        for _ in 0..=capacity {
            match q.try_get::<Vec<u8>>() {
                Ok(m) => assert!(
                    m.len() <= max,
                    "a {}-byte message from a {max}-byte ring",
                    m.len()
                ),
                Err(TryRecvError::Corrupt(_)) => return,
                Err(TryRecvError::Empty) => return,
                Err(e) => panic!("a corrupted prefix gave {e:?}, not Corrupt"),
            }
        }
        panic!("more messages than the ring has bytes after a corruption");
    }
    let mut left = Vec::new();
    q.shutdown(false);
    loop {
        match q.get::<Vec<u8>>() {
            Ok(m) => left.push(check(&m)),
            Err(RecvError::Disconnected) => break,
            Err(e) => panic!("draining failed: {e:?}"),
        }
    }
    assert!(q.is_empty(), "drained, yet not empty");
    assert!(
        matches!(q.put(&message(0, 4)), Err(SendError::Disconnected)),
        "a put after shutdown is refused"
    );
    let mut sent = HashSet::new();
    let mut seen = HashSet::new();
    for (s, g) in &results {
        sent.extend(s.iter().copied());
        let mut last = [None::<u32>; script::MAX_THREADS];
        for &id in g {
            let from = (id >> 16) as usize;
            assert!(
                last[from].is_none_or(|l| l < id),
                "thread {from}'s messages reordered"
            );
            last[from] = Some(id);
        }
    }
    for id in results.iter().flat_map(|(_, g)| g).chain(&left) {
        assert!(seen.insert(*id), "message {id:#x} received twice");
        assert!(
            sent.contains(id),
            "message {id:#x} received but never accepted"
        );
    }
    assert_eq!(seen.len(), sent.len(), "a message accepted was lost");
}
