//! Barrier: 1–4 threads share a barrier of 1..=threads parties and run scripts of blocking
//! waits (with an action), timed waits, aborts, resets and snapshots. A thread that finishes its
//! script keeps aborting until every thread has finished, so no blocking wait can be left
//! waiting for a party that is gone. Checks:
//! - a wait that passes returns an index in `0..parties`, and ran its own action exactly when
//!   it got `parties - 1` (it arrived last);
//! - every released generation ran one action and handed out each index once: at the end, each
//!   index was returned as many times as actions ran;
//! - a timed wait returns `Timeout` only after its timeout elapsed;
//! - `n_waiting` never exceeds `parties`.

use super::script;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{Barrier, BarrierTimeoutError};

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let threads = scripts.len();
    let parties = 1 + usize::from(data.first().copied().unwrap_or(0) / 4) % threads;
    let b = Barrier::new(parties);
    let actions = AtomicUsize::new(0);
    let per_index: Vec<AtomicUsize> = (0..parties).map(|_| AtomicUsize::new(0)).collect();
    let finished = AtomicUsize::new(0);
    let passed = |i: usize, ran: bool| {
        assert!(i < parties, "index {i} out of 0..{parties}");
        assert_eq!(
            ran,
            i == parties - 1,
            "the action runs in the last arrival only"
        );
        per_index[i].fetch_add(1, SeqCst);
    };
    script::run_threads(&scripts, |_, ops| {
        for &op in ops {
            match op % 6 {
                0 | 1 => {
                    let mut ran = false;
                    let got = b.wait_with(|| {
                        ran = true;
                        actions.fetch_add(1, SeqCst);
                    });
                    if let Ok(i) = got {
                        passed(i, ran);
                    }
                }
                2 => {
                    let timeout = Duration::from_micros(u64::from(op / 6) * 20);
                    let start = Instant::now();
                    let mut ran = false;
                    let action = || {
                        ran = true;
                        actions.fetch_add(1, SeqCst);
                    };
                    match b.wait_with_for(action, timeout) {
                        Ok(i) => passed(i, ran),
                        Err(BarrierTimeoutError::Timeout) => assert!(
                            start.elapsed() >= timeout,
                            "Timeout before the timeout elapsed"
                        ),
                        Err(BarrierTimeoutError::Broken) => {}
                    }
                }
                3 => b.abort(),
                4 => b.reset(),
                _ => {
                    assert!(b.n_waiting() <= parties, "n_waiting above parties");
                    let _ = b.is_broken();
                }
            }
        }
        finished.fetch_add(1, SeqCst);
        while finished.load(SeqCst) < threads {
            b.abort();
            std::thread::yield_now();
        }
    });
    let actions = actions.load(SeqCst);
    for (i, n) in per_index.iter().enumerate() {
        assert_eq!(
            n.load(SeqCst),
            actions,
            "index {i} not handed out once per released generation"
        );
    }
}
