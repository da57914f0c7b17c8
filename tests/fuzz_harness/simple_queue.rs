//! SimpleQueue: 1–4 threads put, try_get and get_for on a shared queue. Every item is unique
//! (thread, sequence). Checked: no item is got twice, nothing is got that was not put, each
//! consumer gets each producer's items in the order they were put, every item put is got or
//! still inside (and what is left comes out per producer in order), and `len` ends right.

use super::script;
use std::collections::HashSet;
use std::time::Duration;
use weftsync::SimpleQueue;

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let q = SimpleQueue::new();
    let results = script::run_threads(&scripts, |t, ops| {
        let (mut put, mut got) = (Vec::new(), Vec::new());
        for (next, &op) in ops.iter().enumerate() {
            let item = (t as u32) << 16 | next as u32;
            match op % 5 {
                0 | 1 => {
                    q.put(item);
                    put.push(item);
                }
                2 | 3 => got.extend(q.try_get()),
                _ => got.extend(q.get_for(Duration::from_micros(u64::from(op % 32)))),
            }
        }
        (put, got)
    });
    let left: Vec<u32> = q.try_iter().collect();
    assert_eq!(q.len(), 0, "len after draining");
    let mut put = HashSet::new();
    let mut seen = HashSet::new();
    for (p, g) in &results {
        put.extend(p.iter().copied());
        let mut last = [None::<u32>; script::MAX_THREADS];
        for &v in g {
            let from = (v >> 16) as usize;
            assert!(
                last[from].is_none_or(|l| l < v),
                "thread {from}'s items reordered"
            );
            last[from] = Some(v);
        }
    }
    let mut last = [None::<u32>; script::MAX_THREADS];
    for &v in &left {
        let from = (v >> 16) as usize;
        assert!(
            last[from].is_none_or(|l| l < v),
            "thread {from}'s items left out of order"
        );
        last[from] = Some(v);
    }
    for v in results.iter().flat_map(|(_, g)| g).chain(&left) {
        assert!(seen.insert(*v), "item {v:#x} got twice");
        assert!(put.contains(v), "item {v:#x} got but never put");
    }
    assert_eq!(seen.len(), put.len(), "an item put was lost");
}
