//! Pipe request/response round trip (capacity 1 each way) against two bounded(1) channels of
//! crossbeam_channel, flume, kanal and std::sync::mpsc::sync_channel. ns per round trip. (The
//! pipe streaming one way, at capacities 1, 64 and 1024, is measured in the `queue` group's
//! scenarios as `weftsync::pipe_oneway`.)

use crate::harness::{Bench, timed_pair};
use std::time::Duration;

/// `n` round trips: a server thread answers each request with `serve`, a client thread makes
/// each call with `call`.
fn round_trips(n: u64, serve: impl Fn() + Send, call: impl Fn(u64) + Send) -> Duration {
    timed_pair(
        move || (0..n).for_each(|_| serve()),
        move || (0..n).for_each(call),
    )
}

/// Round trips over a pair of one-way channels, each made by `make`.
macro_rules! channel_pair {
    ($r:expr, $g:expr, $s:expr, $who:expr, $make:expr) => {
        $r.multi($g, $s, $who, |n| {
            let (req_tx, req_rx) = $make;
            let (resp_tx, resp_rx) = $make;
            round_trips(
                n,
                move || resp_tx.send(req_rx.recv().unwrap() + 1).unwrap(),
                move |i| {
                    req_tx.send(i).unwrap();
                    assert_eq!(resp_rx.recv().unwrap(), i + 1);
                },
            )
        })
    };
}

pub fn run(r: &mut Bench) {
    let g = "pipe";
    let s = "request/response round trip";
    r.multi(g, s, "weftsync::pipe", |n| {
        let (client, server) = weftsync::pipe::<u64>(1);
        round_trips(
            n,
            move || server.send(server.recv().unwrap() + 1).unwrap(),
            move |i| {
                client.send(i).unwrap();
                assert_eq!(client.recv().unwrap(), i + 1);
            },
        )
    });
    channel_pair!(
        r,
        g,
        s,
        "crossbeam_channel::bounded(1) x2",
        crossbeam_channel::bounded::<u64>(1)
    );
    channel_pair!(r, g, s, "flume::bounded(1) x2", flume::bounded::<u64>(1));
    channel_pair!(r, g, s, "kanal::bounded(1) x2", kanal::bounded::<u64>(1));
    channel_pair!(
        r,
        g,
        s,
        "std sync_channel(1) x2",
        std::sync::mpsc::sync_channel::<u64>(1)
    );
}
