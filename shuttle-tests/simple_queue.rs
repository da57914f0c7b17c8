//! Shuttle scenarios for `SimpleQueue`: more producers and consumers than loom can search.
//! Random scheduler and PCT, 1,000 iterations each.

use shuttle::sync::Arc;
use shuttle::{check_pct, check_random, thread};
use std::time::Duration;
use weftsync::SimpleQueue;

/// 3 producers × 3 items and 3 consumers (one with `get_for`), stopped by one sentinel each
/// after the producers finish: every item is received once, each producer's in its order.
fn mpmc_with_sentinels() {
    let q = Arc::new(SimpleQueue::new());
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || (0..3).for_each(|k| q.put(Some(p * 3 + k))))
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|c| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let item = if c == 0 {
                        match q.get_for(Duration::from_secs(5)) {
                            Some(item) => item,
                            None => continue, // the checker let the timed wait give up
                        }
                    } else {
                        q.get()
                    };
                    match item {
                        Some(v) => got.push(v),
                        None => return got,
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    (0..3).for_each(|_| q.put(None));
    let mut all = Vec::new();
    for c in consumers {
        let got = c.join().unwrap();
        for p in 0..3 {
            let mine: Vec<_> = got.iter().filter(|&&v| v / 3 == p).collect();
            let mut sorted = mine.clone();
            sorted.sort_unstable();
            assert_eq!(mine, sorted, "producer {p}'s items reordered: {got:?}");
        }
        all.extend(got);
    }
    all.sort_unstable();
    assert_eq!(
        all,
        (0..9).collect::<Vec<_>>(),
        "an item was lost or duplicated"
    );
    assert!(q.is_empty());
}

/// Random scheduler, 1,000 iterations (7 threads).
#[test]
fn mpmc_every_item_received_once_in_order_per_producer_random() {
    crate::isolated(|| check_random(mpmc_with_sentinels, 1_000));
}

/// PCT scheduler (depth 3), 1,000 iterations.
#[test]
fn mpmc_every_item_received_once_in_order_per_producer_pct() {
    crate::isolated(|| check_pct(mpmc_with_sentinels, 1_000, 3));
}
