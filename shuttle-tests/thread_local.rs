//! Shuttle scenarios for `ThreadLocal`: eight threads storing, incrementing and iterating while
//! short-lived threads exit and new ones take their thread slots.

use shuttle::scheduler::PctScheduler;
use shuttle::sync::Arc;
use shuttle::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use shuttle::{Config, Runner, check_pct, check_random, thread};
use weftsync::ThreadLocal;

/// Each value: the tag of the thread that stored it, and that thread's counter.
type Value = (u64, AtomicU64);

/// Five workers store and increment their own value three times and iterate once; a churner
/// runs two short threads one after the other (the second may take the first's thread slot),
/// each checking it starts without a value. Eight threads besides main. Afterwards: one value
/// per storing thread, each with its own tag and exact count.
fn churn_scenario() {
    let tl: Arc<ThreadLocal<Value>> = Arc::new(ThreadLocal::new());
    let tags = Arc::new(AtomicU64::new(0));
    let stores = Arc::new(AtomicUsize::new(0));
    let store_and_count = |tl: &ThreadLocal<Value>, tags: &AtomicU64, stores: &AtomicUsize| {
        assert!(
            tl.get().is_none(),
            "a new thread saw a value it did not store"
        );
        let tag = tags.fetch_add(1, SeqCst);
        for _ in 0..3 {
            let (mine, n) = tl.get_or(|| {
                stores.fetch_add(1, SeqCst);
                (tag, AtomicU64::new(0))
            });
            assert_eq!(*mine, tag, "a thread saw another thread's value");
            n.fetch_add(1, SeqCst);
        }
    };
    let mut handles = Vec::new();
    for _ in 0..5 {
        let (tl, tags, stores) = (Arc::clone(&tl), Arc::clone(&tags), Arc::clone(&stores));
        handles.push(thread::spawn(move || {
            store_and_count(&tl, &tags, &stores);
            let mut seen: Vec<u64> = tl.iter().map(|(tag, _)| *tag).collect();
            let before = seen.len();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), before, "iter yielded one thread's value twice");
        }));
    }
    {
        let (tl, tags, stores) = (Arc::clone(&tl), Arc::clone(&tags), Arc::clone(&stores));
        handles.push(thread::spawn(move || {
            for _ in 0..2 {
                let (tl, tags, stores) = (Arc::clone(&tl), Arc::clone(&tags), Arc::clone(&stores));
                thread::spawn(move || store_and_count(&tl, &tags, &stores))
                    .join()
                    .unwrap();
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let mut tags_seen: Vec<u64> = Vec::new();
    for (tag, n) in tl.iter() {
        assert_eq!(
            n.load(SeqCst),
            3,
            "value {tag} was shared or lost an increment"
        );
        tags_seen.push(*tag);
    }
    tags_seen.sort_unstable();
    assert_eq!(
        tags_seen,
        (0..7).collect::<Vec<u64>>(),
        "one value per storing thread"
    );
    assert_eq!(stores.load(SeqCst), 7, "init ran once per thread");
}

/// Random scheduler, 2,000 iterations.
#[test]
fn churning_threads_keep_own_values_random() {
    crate::isolated(|| check_random(churn_scenario, 2_000));
}

/// PCT scheduler (depth 3), 2,000 iterations.
#[test]
fn churning_threads_keep_own_values_pct() {
    crate::isolated(|| check_pct(churn_scenario, 2_000, 3));
}

/// PCT with a deeper bug depth through the Runner API, 1,000 iterations.
#[test]
fn churning_threads_keep_own_values_pct_depth5() {
    crate::isolated(|| {
        let runner = Runner::new(PctScheduler::new(5, 1_000), Config::new());
        runner.run(churn_scenario);
    });
}
