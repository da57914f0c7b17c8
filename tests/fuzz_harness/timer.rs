//! Timer: the first bytes start up to 4 timers (delays of 0–300 µs, or never); then 1–4
//! threads race cancels, `is_finished` and `join_for` on them. At the end every timer that never
//! fires on its own is cancelled and all are joined. Checks:
//! - all cancels of one timer agree, and `true` exactly when its closure never ran;
//! - `join` agrees: `Cancelled` after a winning cancel, the closure's value otherwise;
//! - a closure never runs before its delay;
//! - `join_for` returns `false` only after its timeout, and once a timer showed finished it
//!   stays finished.

use super::script;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{Timer, TimerError};

const MAX_TIMERS: usize = 4;
/// Cancel results seen per timer: bit 0 some `true`, bit 1 some `false`.
const SAW_TRUE: u8 = 1;
const SAW_FALSE: u8 = 2;

pub fn run(data: &[u8]) {
    let count = 1 + usize::from(data.first().copied().unwrap_or(0)) % MAX_TIMERS;
    let (head, rest) = data.split_at(data.len().min(1 + count));
    let never = |i: usize| head.get(1 + i).is_some_and(|b| b % 5 == 4);
    let ran: Arc<Vec<AtomicBool>> = Arc::new((0..count).map(|_| AtomicBool::new(false)).collect());
    let timers: Vec<Timer<usize>> = (0..count)
        .map(|i| {
            let delay = if never(i) {
                Duration::MAX
            } else {
                Duration::from_micros(u64::from(head.get(1 + i).copied().unwrap_or(0) % 4) * 100)
            };
            let (ran, started) = (Arc::clone(&ran), Instant::now());
            Timer::start(delay, move || {
                assert!(
                    started.elapsed() >= delay,
                    "timer {i} fired before its delay"
                );
                ran[i].store(true, SeqCst);
                i
            })
        })
        .collect();
    let cancels: Vec<AtomicU8> = (0..count).map(|_| AtomicU8::new(0)).collect();
    let scripts = script::threads(rest);
    script::run_threads(&scripts, |_, ops| {
        let mut seen_finished = [false; MAX_TIMERS];
        for &op in ops {
            let i = usize::from(op / 3) % count;
            let t = &timers[i];
            match op % 3 {
                0 => {
                    let bit = if t.cancel() { SAW_TRUE } else { SAW_FALSE };
                    cancels[i].fetch_or(bit, SeqCst);
                }
                1 => {
                    let finished = t.is_finished();
                    assert!(finished || !seen_finished[i], "timer {i} unfinished again");
                    seen_finished[i] |= finished;
                }
                _ => {
                    let timeout = Duration::from_micros(u64::from(op % 32) * 10);
                    let start = Instant::now();
                    if t.join_for(timeout) {
                        seen_finished[i] = true;
                    } else {
                        assert!(!seen_finished[i], "timer {i} unfinished again");
                        assert!(start.elapsed() >= timeout, "join_for false before timeout");
                    }
                }
            }
        }
    });
    for (i, t) in timers.into_iter().enumerate() {
        if never(i) {
            let won = t.cancel();
            assert!(won, "a timer that never fires is always cancellable");
            cancels[i].fetch_or(SAW_TRUE, SeqCst);
        }
        let seen = cancels[i].load(SeqCst);
        assert_ne!(seen, SAW_TRUE | SAW_FALSE, "timer {i}: cancels disagreed");
        let joined = t.join();
        let ran = ran[i].load(SeqCst);
        match joined {
            Ok(v) => {
                assert_eq!(v, i);
                assert!(
                    ran && seen & SAW_TRUE == 0,
                    "timer {i}: ran though cancel won"
                );
            }
            Err(TimerError::Cancelled) => {
                assert!(
                    !ran && seen & SAW_FALSE == 0,
                    "timer {i}: cancelled yet ran"
                );
            }
            Err(TimerError::Panicked(_)) => panic!("timer {i}: the closure panicked"),
        }
    }
}
