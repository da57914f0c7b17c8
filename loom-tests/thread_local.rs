//! Loom models of `ThreadLocal`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! Thread identity comes from the shim's loom thread-locals, and the thread-slot pool is a
//! loom mutex, so loom explores a thread's slot being handed back (at its exit, which loom runs
//! after `join` returns) against a new thread taking one.

use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::thread;
use weftsync::ThreadLocal;

/// Counts drops, to check each value is dropped exactly once.
struct Counted {
    value: usize,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// Main stores first (thread slot 0), then two threads initialise at once: they hold slots 1
/// and 2, which share bucket 1, so they also race to allocate it. Each sees only its own value.
#[test]
fn two_threads_initialise_at_once_each_see_own_value() {
    crate::model(|| {
        let tl = Arc::new(ThreadLocal::new());
        assert_eq!(*tl.get_or(|| 0usize), 0);
        let ts: Vec<_> = (1..=2usize)
            .map(|i| {
                let tl = Arc::clone(&tl);
                thread::spawn(move || {
                    assert_eq!(*tl.get_or(|| i), i, "thread {i} saw another thread's value");
                    assert_eq!(tl.get(), Some(&i), "thread {i}'s get lost its value");
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        assert_eq!(tl.get(), Some(&0), "main's value changed");
    });
}

/// After the joins, `iter` sees every thread's value (exited threads' included), and the drop
/// of the `ThreadLocal` drops each exactly once.
#[test]
fn iter_after_joins_sees_every_value() {
    crate::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let tl = Arc::new(ThreadLocal::new());
        let ts: Vec<_> = (1..=2usize)
            .map(|i| {
                let (tl, drops) = (Arc::clone(&tl), Arc::clone(&drops));
                thread::spawn(move || {
                    tl.get_or(|| Counted { value: i, drops });
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        let mut seen: Vec<usize> = tl.iter().map(|c| c.value).collect();
        seen.sort_unstable();
        assert_eq!(seen, [1, 2], "iter after joins missed a value");
        assert_eq!(
            drops.load(SeqCst),
            0,
            "a value was dropped while the ThreadLocal lives"
        );
        drop(tl);
        assert_eq!(drops.load(SeqCst), 2, "each value is dropped exactly once");
    });
}

/// A thread stores a value and exits; a new thread then starts, and may take the exited
/// thread's slot (loom tries both orders of the exit's slot release and the new thread's slot
/// take). The new thread never sees the exited thread's value, and both values are kept.
#[test]
fn exited_thread_and_new_thread_never_share_a_value() {
    crate::model(|| {
        let tl = Arc::new(ThreadLocal::new());
        let first = {
            let tl = Arc::clone(&tl);
            thread::spawn(move || *tl.get_or(|| 1usize))
        };
        assert_eq!(first.join().unwrap(), 1);
        let second = {
            let tl = Arc::clone(&tl);
            thread::spawn(move || {
                assert_eq!(tl.get(), None, "a new thread saw an exited thread's value");
                *tl.get_or(|| 2usize)
            })
        };
        assert_eq!(second.join().unwrap(), 2);
        let mut all: Vec<usize> = tl.iter().copied().collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2], "the exited thread's value must be kept");
    });
}

/// One thread exits while another, started before that exit, stores concurrently; a third
/// starts after the first has been joined. No thread ever sees a value it did not store.
#[test]
fn slot_handed_back_during_concurrent_store_is_never_shared() {
    crate::model(|| {
        let tl = Arc::new(ThreadLocal::new());
        let spawn = |v: usize| {
            let tl = Arc::clone(&tl);
            thread::spawn(move || {
                assert_eq!(tl.get(), None, "thread {v} saw a value it did not store");
                assert_eq!(*tl.get_or(|| v), v);
            })
        };
        let a = spawn(1);
        let b = spawn(2);
        a.join().unwrap();
        let c = spawn(3);
        b.join().unwrap();
        c.join().unwrap();
        assert_eq!(tl.iter().count(), 3, "every value is kept");
    });
}

/// `iter` on one thread races a first `get_or` on another: it yields nothing or the whole
/// value, never a half-published one. Main yields once first, so loom's first schedule runs
/// the store before the iteration and DPOR then tries the other orders (without the yield,
/// loom's last-access DPOR misses the race: the storing thread's own loads hide main's).
#[test]
fn iter_racing_first_store_sees_whole_value_or_nothing() {
    crate::model(|| {
        let tl = Arc::new(ThreadLocal::new());
        let t = {
            let tl = Arc::clone(&tl);
            thread::spawn(move || {
                tl.get_or(|| String::from("seven"));
            })
        };
        thread::yield_now();
        let seen: Vec<String> = tl.iter().cloned().collect();
        assert!(
            seen.is_empty() || seen == ["seven"],
            "iter saw a partial value: {seen:?}"
        );
        t.join().unwrap();
        assert_eq!(tl.iter().count(), 1);
    });
}

/// A reader that spins until `iter` finds the other thread's value must then read the whole
/// value: loom checks the value's cell for a causality violation, so a publishing store weaker
/// than Release (or a load weaker than Acquire) fails here.
#[test]
fn iter_that_finds_a_value_reads_it_whole() {
    crate::model(|| {
        let tl = Arc::new(ThreadLocal::new());
        let t = {
            let tl = Arc::clone(&tl);
            thread::spawn(move || {
                tl.get_or(|| String::from("seven"));
            })
        };
        loop {
            if let Some(v) = tl.iter().next() {
                assert_eq!(v, "seven", "iter found a value not fully written");
                break;
            }
            thread::yield_now();
        }
        t.join().unwrap();
    });
}

/// As above, but the storing thread reuses an exited thread's slot (in the schedules where the
/// exit's slot release comes first), so the bucket and head already exist and only the
/// node's publication orders the value: with the bucket freshly allocated, the bucket's own
/// Release would hide a too-weak node publication from loom.
#[test]
fn iter_that_finds_a_reused_slots_value_reads_it_whole() {
    crate::model(|| {
        let tl = Arc::new(ThreadLocal::new());
        let spawn = |v: &'static str| {
            let tl = Arc::clone(&tl);
            thread::spawn(move || {
                tl.get_or(|| String::from(v));
            })
        };
        spawn("exited").join().unwrap();
        let t = spawn("seven");
        loop {
            let seen: Vec<&String> = tl.iter().collect();
            if seen.len() == 2 {
                assert!(
                    seen.contains(&&"seven".to_string()) && seen.contains(&&"exited".to_string()),
                    "iter found a value not fully written: {seen:?}"
                );
                break;
            }
            thread::yield_now();
        }
        t.join().unwrap();
    });
}

/// `clear` after the joins drops every value once and leaves every thread without a value.
#[test]
fn clear_after_joins_drops_each_value_once() {
    crate::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let tl = Arc::new(ThreadLocal::new());
        let t = {
            let (tl, drops) = (Arc::clone(&tl), Arc::clone(&drops));
            thread::spawn(move || {
                tl.get_or(|| Counted { value: 1, drops });
            })
        };
        tl.get_or(|| Counted {
            value: 0,
            drops: Arc::clone(&drops),
        });
        t.join().unwrap();
        let mut tl = Arc::try_unwrap(tl)
            .ok()
            .expect("the thread dropped its Arc");
        tl.clear();
        assert_eq!(drops.load(SeqCst), 2, "clear drops each value exactly once");
        assert!(
            tl.get().is_none(),
            "clear leaves this thread without a value"
        );
        assert_eq!(tl.iter_mut().count(), 0);
    });
}
