//! Pipe request/response round trip (capacity 1 each way) against two bounded(1) channels of
//! crossbeam_channel, flume and std::sync::mpsc::sync_channel. ns per round trip.

use crate::harness::Report;

/// A server thread answers `n` requests with `serve`; this thread makes `n` calls to `call`.
fn round_trips(n: u64, serve: impl FnOnce(u64) + Send, call: impl Fn(u64)) {
    std::thread::scope(|s| {
        s.spawn(move || serve(n));
        (0..n).for_each(call);
    });
}

pub fn run(r: &mut Report) {
    let g = "pipe";
    let s = "request/response round trip";
    r.multi(g, s, "weftsync::pipe", |n| {
        let (client, server) = weftsync::pipe::<u64>(1);
        round_trips(
            n,
            |n| (0..n).for_each(|_| server.send(server.recv().unwrap() + 1).unwrap()),
            |i| {
                client.send(i).unwrap();
                assert_eq!(client.recv().unwrap(), i + 1);
            },
        );
    });
    r.multi(g, s, "crossbeam_channel::bounded(1) x2", |n| {
        let (req_tx, req_rx) = crossbeam_channel::bounded::<u64>(1);
        let (resp_tx, resp_rx) = crossbeam_channel::bounded::<u64>(1);
        round_trips(
            n,
            move |n| (0..n).for_each(|_| resp_tx.send(req_rx.recv().unwrap() + 1).unwrap()),
            |i| {
                req_tx.send(i).unwrap();
                assert_eq!(resp_rx.recv().unwrap(), i + 1);
            },
        );
    });
    r.multi(g, s, "flume::bounded(1) x2", |n| {
        let (req_tx, req_rx) = flume::bounded::<u64>(1);
        let (resp_tx, resp_rx) = flume::bounded::<u64>(1);
        round_trips(
            n,
            move |n| (0..n).for_each(|_| resp_tx.send(req_rx.recv().unwrap() + 1).unwrap()),
            |i| {
                req_tx.send(i).unwrap();
                assert_eq!(resp_rx.recv().unwrap(), i + 1);
            },
        );
    });
    r.multi(g, s, "std sync_channel(1) x2", |n| {
        let (req_tx, req_rx) = std::sync::mpsc::sync_channel::<u64>(1);
        let (resp_tx, resp_rx) = std::sync::mpsc::sync_channel::<u64>(1);
        round_trips(
            n,
            move |n| (0..n).for_each(|_| resp_tx.send(req_rx.recv().unwrap() + 1).unwrap()),
            |i| {
                req_tx.send(i).unwrap();
                assert_eq!(resp_rx.recv().unwrap(), i + 1);
            },
        );
    });
}
