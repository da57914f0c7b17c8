//! Shuttle scenarios for `Barrier`: more parties, threads and generations than loom can search.

use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use shuttle::{check_pct, check_random, thread};
use std::sync::Mutex;
use std::time::Duration;
use weftsync::{Barrier, BarrierTimeoutError};

const PARTIES: usize = 4;
const GENERATIONS: usize = 3;

/// 4 parties pass 3 generations, each with an action: in every generation the indices are
/// `0..4` once each, the last arrival (index 3) ran the action, and no party passes a generation
/// before its action ran. A lost wake-up is a shuttle deadlock.
fn generations_scenario() {
    let b = Arc::new(Barrier::new(PARTIES));
    let actions = Arc::new(AtomicUsize::new(0));
    let ts: Vec<_> = (0..PARTIES)
        .map(|_| {
            let (b, actions) = (Arc::clone(&b), Arc::clone(&actions));
            thread::spawn(move || {
                let mut indices = Vec::new();
                for generation in 0..GENERATIONS {
                    let mut ran = false;
                    let i = b
                        .wait_with(|| {
                            ran = true;
                            actions.fetch_add(1, SeqCst);
                        })
                        .unwrap();
                    assert_eq!(
                        ran,
                        i == PARTIES - 1,
                        "only the last arrival runs the action"
                    );
                    assert!(
                        actions.load(SeqCst) > generation,
                        "passed generation {generation} before its action"
                    );
                    indices.push(i);
                }
                indices
            })
        })
        .collect();
    let all: Vec<Vec<usize>> = ts.into_iter().map(|t| t.join().unwrap()).collect();
    for generation in 0..GENERATIONS {
        let mut got: Vec<usize> = all.iter().map(|v| v[generation]).collect();
        got.sort_unstable();
        assert_eq!(
            got,
            [0, 1, 2, 3],
            "generation {generation}: indices not 0..4 once each"
        );
    }
    assert_eq!(
        actions.load(SeqCst),
        GENERATIONS,
        "one action per generation"
    );
}

/// 5 threads share 3 parties for 4 generations, claiming arrivals one at a time from a shared
/// total: threads race into the next generation while others are still leaving the last, and
/// must be counted in exactly one. Every index appears once per generation in total.
fn extra_threads_scenario() {
    const THREADS: usize = 5;
    const PARTIES: usize = 3;
    const GENERATIONS: usize = 4;
    let b = Arc::new(Barrier::new(PARTIES));
    let claimed = Arc::new(AtomicUsize::new(0));
    let actions = Arc::new(AtomicUsize::new(0));
    let per_index = Arc::new([
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    ]);
    let ts: Vec<_> = (0..THREADS)
        .map(|_| {
            let (b, claimed, actions, per_index) = (
                Arc::clone(&b),
                Arc::clone(&claimed),
                Arc::clone(&actions),
                Arc::clone(&per_index),
            );
            thread::spawn(move || {
                while claimed.fetch_add(1, SeqCst) < GENERATIONS * PARTIES {
                    let i = b
                        .wait_with(|| {
                            actions.fetch_add(1, SeqCst);
                        })
                        .unwrap();
                    per_index[i].fetch_add(1, SeqCst);
                }
            })
        })
        .collect();
    for t in ts {
        t.join().unwrap();
    }
    assert_eq!(
        actions.load(SeqCst),
        GENERATIONS,
        "one action per generation"
    );
    for (i, n) in per_index.iter().enumerate() {
        assert_eq!(
            n.load(SeqCst),
            GENERATIONS,
            "index {i} not once per generation"
        );
    }
}

/// 3 parties run 3 rounds of `wait_for` (whose timeout the emulated wait layer may end at any
/// step) while a fourth thread aborts once somewhere in round 1. After each round the last party
/// to finish resets the barrier and opens the next round. Every round is all-or-nothing: all
/// three pass, or none does and at most one got `Timeout` (the one that broke it). No thread
/// hangs.
fn timeouts_and_abort_scenario() {
    const PARTIES: usize = 3;
    const ROUNDS: usize = 3;
    let b = Arc::new(Barrier::new(PARTIES));
    let round = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let parties: Vec<_> = (0..PARTIES)
        .map(|_| {
            let (b, round, finished, outcomes) = (
                Arc::clone(&b),
                Arc::clone(&round),
                Arc::clone(&finished),
                Arc::clone(&outcomes),
            );
            thread::spawn(move || {
                for r in 0..ROUNDS {
                    while round.load(SeqCst) < r {
                        thread::yield_now();
                    }
                    let got = b.wait_for(Duration::from_millis(10));
                    outcomes.lock().unwrap().push((r, got));
                    if finished.fetch_add(1, SeqCst) + 1 == PARTIES * (r + 1) {
                        b.reset();
                        round.fetch_add(1, SeqCst);
                    }
                }
            })
        })
        .collect();
    let aborter = {
        let (b, round) = (Arc::clone(&b), Arc::clone(&round));
        thread::spawn(move || {
            while round.load(SeqCst) < 1 {
                thread::yield_now();
            }
            b.abort();
        })
    };
    for t in parties.into_iter().chain([aborter]) {
        t.join().unwrap();
    }
    let outcomes = outcomes.lock().unwrap();
    for r in 0..ROUNDS {
        let mine: Vec<_> = outcomes.iter().filter(|o| o.0 == r).map(|o| o.1).collect();
        let ok = mine.iter().filter(|o| o.is_ok()).count();
        let timeouts = mine
            .iter()
            .filter(|o| **o == Err(BarrierTimeoutError::Timeout))
            .count();
        assert!(
            ok == PARTIES || (ok == 0 && timeouts <= 1),
            "round {r} not all-or-nothing: {mine:?}"
        );
    }
}

/// Random scheduler, 1,000 iterations.
#[test]
fn generations_random() {
    crate::isolated(|| check_random(generations_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn generations_pct() {
    crate::isolated(|| check_pct(generations_scenario, 1_000, 3));
}

/// Random scheduler, 1,000 iterations.
#[test]
fn extra_threads_random() {
    crate::isolated(|| check_random(extra_threads_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn extra_threads_pct() {
    crate::isolated(|| check_pct(extra_threads_scenario, 1_000, 3));
}

/// Random scheduler, 1,000 iterations.
#[test]
fn timeouts_and_abort_random() {
    crate::isolated(|| check_random(timeouts_and_abort_scenario, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn timeouts_and_abort_pct() {
    crate::isolated(|| check_pct(timeouts_and_abort_scenario, 1_000, 3));
}
