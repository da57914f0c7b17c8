//! Waiting on many: `select::wait` over 4 pipes against crossbeam_channel's `Select` over 4
//! bounded channels (the nearest peer). A producer sends to the 4 in turn; the consumer waits for
//! any to be ready and receives from the ones reported (weftsync reports all ready ones; crossbeam
//! one at a time). ns per message. A ping-pong where the server waits on 4 request pipes and
//! answers on a fifth, so each side waits for the other on every message (round trips). Also the
//! uncontended cost of one look (`try_wait` / `try_ready`) at 4 idle objects.

use crate::harness::{Bench, timed_pair};

const CHANNELS: usize = 4;

pub fn run(r: &mut Bench) {
    let g = "select";
    let (rxs, txs): (Vec<_>, Vec<_>) = (0..CHANNELS)
        .map(|_| weftsync::pipe_oneway::<u64>(16))
        .unzip();
    r.single(
        g,
        "one look at 4 idle objects",
        "weftsync::select::try_wait",
        || {
            let all: Vec<&dyn weftsync::Selectable> = rxs.iter().map(|r| r as _).collect();
            std::hint::black_box(weftsync::select::try_wait(&all));
        },
    );
    drop((rxs, txs));
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..CHANNELS)
        .map(|_| crossbeam_channel::bounded::<u64>(16))
        .unzip();
    r.single(
        g,
        "one look at 4 idle objects",
        "crossbeam_channel::Select::try_ready",
        || {
            let mut sel = crossbeam_channel::Select::new();
            for rx in &rxs {
                sel.recv(rx);
            }
            std::hint::black_box(sel.try_ready().ok());
        },
    );
    drop((txs, rxs));

    let s = "1 producer round-robin over 4, consumer waits on all";
    r.multi(g, s, "weftsync::select::wait + pipes", |n| {
        let (rxs, txs): (Vec<_>, Vec<_>) = (0..CHANNELS)
            .map(|_| weftsync::pipe_oneway::<u64>(16))
            .unzip();
        timed_pair(
            || (0..n).for_each(|i| txs[i as usize % CHANNELS].send(i).unwrap()),
            || {
                let all: Vec<&dyn weftsync::Selectable> = rxs.iter().map(|r| r as _).collect();
                let mut got = 0;
                while got < n {
                    for i in weftsync::select::wait(&all) {
                        while let Ok(v) = rxs[i].try_recv() {
                            std::hint::black_box(v);
                            got += 1;
                        }
                    }
                }
            },
        )
    });
    r.multi(g, s, "crossbeam_channel::Select + bounded", |n| {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..CHANNELS)
            .map(|_| crossbeam_channel::bounded::<u64>(16))
            .unzip();
        timed_pair(
            || (0..n).for_each(|i| txs[i as usize % CHANNELS].send(i).unwrap()),
            || {
                let mut sel = crossbeam_channel::Select::new();
                for rx in &rxs {
                    sel.recv(rx);
                }
                let mut got = 0;
                while got < n {
                    let i = sel.ready();
                    while let Ok(v) = rxs[i].try_recv() {
                        std::hint::black_box(v);
                        got += 1;
                    }
                }
            },
        )
    });

    let s = "ping-pong: server waits on 4, answers on a 5th (round trip)";
    r.multi(g, s, "weftsync::select::wait + pipes", |n| {
        let (rxs, txs): (Vec<_>, Vec<_>) = (0..CHANNELS)
            .map(|_| weftsync::pipe_oneway::<u64>(1))
            .unzip();
        let (reply_rx, reply_tx) = weftsync::pipe_oneway::<u64>(1);
        timed_pair(
            || {
                let all: Vec<&dyn weftsync::Selectable> = rxs.iter().map(|r| r as _).collect();
                let mut served = 0;
                while served < n {
                    for i in weftsync::select::wait(&all) {
                        if let Ok(v) = rxs[i].try_recv() {
                            reply_tx.send(v + 1).unwrap();
                            served += 1;
                        }
                    }
                }
            },
            || {
                for i in 0..n {
                    txs[i as usize % CHANNELS].send(i).unwrap();
                    assert_eq!(reply_rx.recv().unwrap(), i + 1);
                }
            },
        )
    });
    r.multi(g, s, "crossbeam_channel::Select + bounded", |n| {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..CHANNELS)
            .map(|_| crossbeam_channel::bounded::<u64>(1))
            .unzip();
        let (reply_tx, reply_rx) = crossbeam_channel::bounded::<u64>(1);
        timed_pair(
            || {
                let mut sel = crossbeam_channel::Select::new();
                for rx in &rxs {
                    sel.recv(rx);
                }
                let mut served = 0;
                while served < n {
                    let i = sel.ready();
                    if let Ok(v) = rxs[i].try_recv() {
                        reply_tx.send(v + 1).unwrap();
                        served += 1;
                    }
                }
            },
            || {
                for i in 0..n {
                    txs[i as usize % CHANNELS].send(i).unwrap();
                    assert_eq!(reply_rx.recv().unwrap(), i + 1);
                }
            },
        )
    });
}
