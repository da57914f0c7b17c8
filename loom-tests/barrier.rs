//! Loom models of `Barrier`'s promises. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! A wait that is never woken shows as a loom deadlock, so every model that joins a waiter is a
//! no-hang check. Under loom a timed wait may time out at any step, so every model with a
//! `wait_for` explores the timeout at every point of the other threads' progress.

use crate::LONG;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use loom::thread;
use std::collections::BTreeSet;
use std::sync::Mutex as StdMutex;
use weftsync::{Barrier, BarrierTimeoutError, BrokenBarrier};

/// Blocks until `n` threads have arrived in the current generation (they may be spinning,
/// about to sleep or asleep; loom explores each).
fn until_arrived(b: &Barrier, n: usize) {
    while b.n_waiting() < n {
        thread::yield_now();
    }
}

/// Runs a loom model and returns the outcomes it recorded across all executions (kept in a std
/// static that loom does not track), so a model can show that loom explored every side of a race.
/// Call it inside `crate::isolated::isolated`, so the model and the check of its outcomes share
/// one process.
fn outcomes_of(
    model: impl Fn(&StdMutex<BTreeSet<&'static str>>) + Sync + Send + 'static,
) -> BTreeSet<&'static str> {
    let seen: &'static StdMutex<BTreeSet<&'static str>> = Box::leak(Box::default());
    loom::model(move || model(seen));
    seen.lock().unwrap().clone()
}

/// After `reset`, two parties pass together again: whatever broke the barrier left its count
/// and bits in a state `reset` can clean (a timed-out or broken waiter that stayed counted would
/// keep the reset from ever finishing, and this second round would hang).
fn reset_then_two_parties_pass(b: &Arc<Barrier>) {
    b.reset();
    assert!(!b.is_broken(), "reset must leave the barrier whole");
    let t = {
        let b = Arc::clone(b);
        thread::spawn(move || b.wait())
    };
    let mine = b.wait();
    let theirs = t.join().unwrap();
    assert!(
        mine.is_ok() && theirs.is_ok(),
        "after reset the barrier must work: {mine:?} / {theirs:?}"
    );
}

/// Two parties: each passes with a distinct index, and sees what the other wrote before its
/// `wait` (Relaxed writes, so only the barrier's edges can order them).
#[test]
fn two_parties_pass_with_distinct_indices_and_see_each_others_writes() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(2));
        let data = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let other = {
            let (b, data) = (Arc::clone(&b), Arc::clone(&data));
            thread::spawn(move || {
                data[1].store(1, Relaxed);
                let i = b.wait().unwrap();
                assert_eq!(data[0].load(Relaxed), 1, "passed without the other's write");
                i
            })
        };
        data[0].store(1, Relaxed);
        let mine = b.wait().unwrap();
        assert_eq!(data[1].load(Relaxed), 1, "passed without the other's write");
        let theirs = other.join().unwrap();
        assert_ne!(mine, theirs, "two parties got the same arrival index");
        assert!(mine < 2 && theirs < 2, "index out of 0..parties");
        assert_eq!(b.n_waiting(), 0);
    });
}

/// The action runs exactly once, in the last arrival, after every party's pre-wait write and
/// before any party is released: each party sees the action's (Relaxed) write after it passes.
#[test]
fn action_runs_once_after_all_arrive_and_before_any_release() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(2));
        let arrived = Arc::new(AtomicUsize::new(0));
        let actions = Arc::new(AtomicUsize::new(0));
        let party = |b: Arc<Barrier>, arrived: Arc<AtomicUsize>, actions: Arc<AtomicUsize>| {
            arrived.fetch_add(1, Relaxed);
            let mut ran = false;
            let i = b
                .wait_with(|| {
                    assert_eq!(arrived.load(Relaxed), 2, "action before all arrived");
                    actions.fetch_add(1, Relaxed);
                    ran = true;
                })
                .unwrap();
            assert_eq!(actions.load(Relaxed), 1, "released before the action ran");
            assert_eq!(
                ran,
                i == 1,
                "the last arrival (index parties-1) runs the action"
            );
        };
        let t = {
            let (b, a, c) = (Arc::clone(&b), Arc::clone(&arrived), Arc::clone(&actions));
            thread::spawn(move || party(b, a, c))
        };
        party(Arc::clone(&b), Arc::clone(&arrived), Arc::clone(&actions));
        t.join().unwrap();
        assert_eq!(actions.load(Relaxed), 1, "the action must run exactly once");
    });
}

/// The only-documented-waker model: a waiter in `wait` (counted before the last party arrives,
/// so it is spinning, about to sleep or asleep) is woken by the last arrival and by nothing else
/// (no abort, reset or timeout exists in this model). A release that forgot to wake is a loom
/// deadlock.
#[test]
fn sleeping_waiter_is_woken_only_by_the_last_arrival() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(2));
        let t = {
            let b = Arc::clone(&b);
            thread::spawn(move || b.wait())
        };
        until_arrived(&b, 1);
        assert_eq!(b.wait(), Ok(1), "the second to arrive is the last");
        assert_eq!(t.join().unwrap(), Ok(0));
    });
}

/// An arrival that finds the action running waits for the release and joins the next
/// generation: with one party every wait runs the action, and two actions never overlap (the
/// second arrival sleeps until the first generation's release wakes it).
#[test]
fn arrival_during_action_waits_for_release_and_joins_next_generation() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(1));
        let in_action = Arc::new(AtomicBool::new(false));
        let run = |b: &Barrier, in_action: &AtomicBool| {
            b.wait_with(|| {
                assert!(!in_action.swap(true, Relaxed), "two actions overlapped");
                in_action.store(false, Relaxed);
            })
        };
        let t = {
            let (b, f) = (Arc::clone(&b), Arc::clone(&in_action));
            thread::spawn(move || run(&b, &f))
        };
        assert_eq!(run(&b, &in_action), Ok(0));
        assert_eq!(t.join().unwrap(), Ok(0));
    });
}

/// Python's rule under every crossing of a timeout with the last arrival: either both pass, or
/// the timed-out party gets `Timeout` (it broke the barrier) and the other `Broken`; never a
/// hang, never one passing alone. The last arrival runs an action, so the timeout also lands
/// while the action runs, where the generation is already complete and must pass.
#[test]
fn timeout_racing_last_arrival_is_all_or_nothing() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let b = Arc::new(Barrier::new(2));
            let timed = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.wait_for(LONG))
            };
            // Loom runs a thread that yielded (the timed waiter, inside its timed wait) only once the
            // others yield or block: these yields let its timeout land before and during the action.
            thread::yield_now();
            let last = b.wait_with(thread::yield_now);
            let timed = timed.join().unwrap();
            let outcome = match (timed, last) {
                (Ok(i), Ok(j)) => {
                    assert_ne!(i, j, "same index twice");
                    "both passed"
                }
                (Err(BarrierTimeoutError::Timeout), Err(BrokenBarrier)) => {
                    assert!(b.is_broken(), "a timeout must leave the barrier broken");
                    "timed out, other broken"
                }
                other => panic!("inconsistent outcome {other:?}"),
            };
            seen.lock().unwrap().insert(outcome);
            reset_then_two_parties_pass(&b);
        });
        assert_eq!(seen.len(), 2, "both outcomes must be explored: {seen:?}");
    });
}

/// `abort` racing two arrivals: both parties get the same outcome (both passed, if the abort
/// came after the last arrival, even while its action ran; both broken otherwise), and the
/// barrier is broken afterwards in every case.
#[test]
fn abort_racing_arrivals_breaks_all_or_none_and_sticks() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let b = Arc::new(Barrier::new(2));
            let t = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.wait().is_ok())
            };
            let aborter = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.abort())
            };
            let mine = b.wait().is_ok();
            let theirs = t.join().unwrap();
            aborter.join().unwrap();
            assert_eq!(mine, theirs, "one party passed and the other was broken");
            assert!(b.is_broken(), "an abort must leave the barrier broken");
            assert_eq!(
                b.wait(),
                Err(BrokenBarrier),
                "a broken barrier fails new arrivals"
            );
            seen.lock()
                .unwrap()
                .insert(if mine { "both passed" } else { "both broken" });
            reset_then_two_parties_pass(&b);
        });
        assert_eq!(seen.len(), 2, "both outcomes must be explored: {seen:?}");
    });
}

/// `reset` racing two arrivals that retry once when broken: a waiter broken by the reset
/// leaves, the other arrival waits for it to leave (or joins after), and the retry meets it in
/// the fresh generation. Both end up passing together, with distinct indices, and the barrier
/// is whole and empty. A reset that let a newcomer into the broken generation, or that never
/// finished, hangs or fails here.
#[test]
fn reset_racing_arrivals_lets_retries_meet_in_a_fresh_generation() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let b = Arc::new(Barrier::new(2));
            // Returns the index, and whether this party was broken first.
            let party = |b: &Barrier| {
                for attempt in 0..2 {
                    if let Ok(i) = b.wait() {
                        return (i, attempt == 1);
                    }
                }
                panic!("broken twice by a single reset");
            };
            let t = {
                let b = Arc::clone(&b);
                thread::spawn(move || party(&b))
            };
            let resetter = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.reset())
            };
            let (mine, i_retried) = party(&b);
            let (theirs, they_retried) = t.join().unwrap();
            resetter.join().unwrap();
            assert_ne!(mine, theirs, "same index twice in one generation");
            if i_retried || they_retried {
                seen.lock()
                    .unwrap()
                    .insert("a party was broken and retried");
            }
            assert!(!b.is_broken(), "a reset must leave the barrier whole");
            assert_eq!(b.n_waiting(), 0, "a reset must leave the barrier empty");
        });
        assert!(
            seen.contains("a party was broken and retried"),
            "the reset must be explored breaking a waiter: {seen:?}"
        );
    });
}

/// Two generations back to back: a party that passes the first generation and arrives again at
/// once is counted in the second, never in the first (the slower party may not even have seen
/// the first release yet). Each generation's action runs once, before its release.
#[test]
fn two_generations_back_to_back_count_each_arrival_once() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(2));
        let actions = Arc::new(AtomicUsize::new(0));
        let party = |b: &Barrier, actions: &AtomicUsize| {
            let mut indices = [0; 2];
            for (round, index) in indices.iter_mut().enumerate() {
                *index = b
                    .wait_with(|| {
                        actions.fetch_add(1, Relaxed);
                    })
                    .unwrap();
                assert!(
                    actions.load(Relaxed) > round,
                    "passed generation {round} before its action ran"
                );
            }
            indices
        };
        let t = {
            let (b, a) = (Arc::clone(&b), Arc::clone(&actions));
            thread::spawn(move || party(&b, &a))
        };
        let mine = party(&b, &actions);
        let theirs = t.join().unwrap();
        for round in 0..2 {
            assert_ne!(
                mine[round], theirs[round],
                "generation {round}: same index twice"
            );
        }
        assert_eq!(actions.load(Relaxed), 2, "one action per generation");
    });
}

/// A panicking action breaks the barrier and the panic reaches the thread that ran it; the
/// waiter gets `Broken` instead of hanging. Only the last arrival's closure runs: if the
/// non-panicking party is last, both pass and the panicking closure is dropped unrun.
#[test]
fn panicking_action_breaks_barrier_and_reaches_its_runner() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let b = Arc::new(Barrier::new(2));
            let t = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.wait())
            };
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                b.wait_with(|| panic!("action failed"))
            }));
            let other = t.join().unwrap();
            let outcome = match panicked {
                Err(_) => {
                    assert_eq!(
                        other,
                        Err(BrokenBarrier),
                        "waiter must see the broken barrier"
                    );
                    assert!(b.is_broken());
                    "action panicked"
                }
                Ok(mine) => {
                    assert_eq!(mine, Ok(0), "the panicking party arrived first");
                    assert_eq!(other, Ok(1), "the other party ran its own (empty) action");
                    "other party was last"
                }
            };
            seen.lock().unwrap().insert(outcome);
            reset_then_two_parties_pass(&b);
        });
        assert_eq!(
            seen.len(),
            2,
            "both arrival orders must be explored: {seen:?}"
        );
    });
}

/// An arrival whose timeout passes while the previous generation's action runs (it was never
/// counted) breaks the barrier for after the release: the complete generation still passes.
#[test]
fn timeout_of_arrival_during_action_breaks_after_the_release() {
    crate::isolated::isolated(|| {
        let seen = outcomes_of(|seen| {
            let b = Arc::new(Barrier::new(1));
            let t = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.wait_for(LONG))
            };
            assert_eq!(b.wait_with(thread::yield_now), Ok(0), "a lone party passes");
            let outcome = match t.join().unwrap() {
                Ok(i) => {
                    assert_eq!(i, 0);
                    "passed"
                }
                Err(BarrierTimeoutError::Timeout) => {
                    assert!(b.is_broken(), "the timeout must leave the barrier broken");
                    "timed out during the action"
                }
                Err(e) => panic!("a lone party with a timeout cannot be {e:?}"),
            };
            seen.lock().unwrap().insert(outcome);
        });
        assert_eq!(seen.len(), 2, "both outcomes must be explored: {seen:?}");
    });
}
