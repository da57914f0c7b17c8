//! ThreadLocal: 1–4 threads run get_or / get / iter ops on a shared `ThreadLocal`, in two
//! rounds of fresh threads (the second round's threads take the first round's thread slots).
//! Between the rounds the main thread clears or `iter_mut`-bumps the values. Checked: a thread
//! only ever sees the value it stored (tagged with its round and thread number), `init` runs at
//! most once per thread, `iter` never yields a value twice, the values left match the threads
//! that stored, and every value is dropped exactly once.

use super::script;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use weftsync::ThreadLocal;

/// A stored value: which round and thread stored it, a bump count, and a drop record.
struct Val<'a> {
    owner: (u8, usize),
    bumps: u64,
    drops: &'a Mutex<Vec<(u8, usize)>>,
}

impl Drop for Val<'_> {
    fn drop(&mut self) {
        self.drops.lock().unwrap().push(self.owner);
    }
}

/// One round: thread `i` runs its ops; returns whether each thread stored a value.
fn round<'a>(
    tl: &ThreadLocal<Val<'a>>,
    scripts: &[Vec<u8>],
    round: u8,
    drops: &'a Mutex<Vec<(u8, usize)>>,
    inits: &AtomicU64,
) -> Vec<bool> {
    script::run_threads(scripts, |i, ops| {
        let me = (round, i);
        let mut stored = false;
        for &op in ops {
            match op % 4 {
                0 | 1 => {
                    let v = tl.get_or(|| {
                        assert!(!stored, "init ran twice on one thread");
                        inits.fetch_add(1, SeqCst);
                        Val {
                            owner: me,
                            bumps: 0,
                            drops,
                        }
                    });
                    stored = true;
                    assert_eq!(v.owner, me, "a thread saw another thread's value");
                }
                2 => {
                    let got = tl.get().map(|v| v.owner);
                    assert_eq!(got, stored.then_some(me), "get disagrees with the stores");
                }
                _ => {
                    let mut seen: Vec<(u8, usize)> = tl.iter().map(|v| v.owner).collect();
                    let n = seen.len();
                    seen.sort_unstable();
                    seen.dedup();
                    assert_eq!(seen.len(), n, "iter yielded a value twice");
                    if stored {
                        assert!(seen.contains(&me), "iter missed this thread's own value");
                    }
                }
            }
        }
        stored
    })
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let clear_between = data.first().is_some_and(|b| b & 0x80 != 0);
    let drops = Mutex::new(Vec::new());
    let inits = AtomicU64::new(0);
    let mut tl: ThreadLocal<Val<'_>> = ThreadLocal::new();

    let first = round(&tl, &scripts, 0, &drops, &inits);
    let mut expected: Vec<(u8, usize)> = (0..first.len())
        .filter(|&i| first[i])
        .map(|i| (0, i))
        .collect();
    if clear_between {
        tl.clear();
        let mut dropped = drops.lock().unwrap().clone();
        dropped.sort_unstable();
        assert_eq!(dropped, expected, "clear drops each value exactly once");
        expected.clear();
    } else {
        for v in tl.iter_mut() {
            v.bumps += 1;
        }
    }

    let second = round(&tl, &scripts, 1, &drops, &inits);
    expected.extend((0..second.len()).filter(|&i| second[i]).map(|i| (1, i)));
    expected.sort_unstable();

    let mut left: Vec<(u8, usize)> = Vec::new();
    for v in tl.iter_mut() {
        let want = u64::from(v.owner.0 == 0 && !clear_between);
        assert_eq!(v.bumps, want, "iter_mut missed or repeated a value");
        left.push(v.owner);
    }
    left.sort_unstable();
    assert_eq!(
        left, expected,
        "the values left are exactly the storing threads'"
    );
    drop(tl);
    let mut dropped = drops.into_inner().unwrap();
    dropped.sort_unstable();
    assert_eq!(
        dropped.len() as u64,
        inits.load(SeqCst),
        "a value was not dropped exactly once"
    );
    dropped.dedup();
    assert_eq!(
        dropped.len() as u64,
        inits.load(SeqCst),
        "a value was dropped twice"
    );
}
