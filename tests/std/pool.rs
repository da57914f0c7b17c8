//! ThreadPool and its futures on real threads: behaviour, the timed forms, panics (task,
//! callback, initializer, closure drop), shutdown, map, scope, wait and as_completed, property
//! tests against sequential models, and stress.
//!
//! No test sleeps to order threads: tasks that must still be queued sit behind a task that waits
//! on a `gate` Event, so the only worker is known to be busy until the test opens it.

use crate::watchdog::watched;
use crate::{assert_waits_its_timeout, assert_waits_until};
use proptest::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::pool::{
    self, BuildError, Builder, Future, ResultError, ResultTimeoutError, TryResultError, WaitFor,
};
use weftsync::{Event, ThreadPool};

// Auto traits, pinned: the pool is shared freely; a future is handed over, never shared (its
// outcome, a panic payload included, is not `Sync`); both are unwind safe, as the channel ends.
mod traits {
    use static_assertions::{assert_impl_all, assert_not_impl_any};
    use std::panic::{RefUnwindSafe, UnwindSafe};
    use weftsync::pool::*;
    assert_impl_all!(weftsync::ThreadPool: Send, Sync, Unpin, UnwindSafe, RefUnwindSafe, std::fmt::Debug);
    assert_impl_all!(Future<u8>: Send, Unpin, UnwindSafe, RefUnwindSafe, std::fmt::Debug);
    assert_not_impl_any!(Future<u8>: Sync);
    assert_not_impl_any!(Future<std::rc::Rc<u8>>: Send);
    assert_impl_all!(ResultError: Send, std::error::Error);
    assert_not_impl_any!(ResultError: Sync);
    assert_impl_all!(SubmitError<u8>: Send, Sync, Copy, Eq, std::error::Error);
    assert_impl_all!(WaitFor: Send, Sync, Copy, Eq, std::hash::Hash);
    assert_impl_all!(Builder: Send, Sync, Default, std::fmt::Debug);
    assert_impl_all!(TimeoutError<Future<u8>>: Send, std::error::Error);
}

/// An Event that is set when dropped too, so a failing test unblocks its gate task and the
/// pool's drop (which waits for running tasks) does not hang.
struct Gate(Arc<Event>);

impl std::ops::Deref for Gate {
    type Target = Arc<Event>;
    fn deref(&self) -> &Arc<Event> {
        &self.0
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// A gate: a task that waits on the returned Event, occupying one worker until it is set.
fn block_worker(pool: &ThreadPool) -> (Gate, Future<()>) {
    let gate = Gate(Arc::new(Event::new()));
    let g = Arc::clone(&gate);
    let started = Arc::new(Event::new());
    let s = Arc::clone(&started);
    let f = pool
        .submit(move || {
            s.set();
            g.wait();
        })
        .unwrap();
    started.wait();
    (gate, f)
}

#[test]
fn submit_returns_the_tasks_value() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let f = pool.submit(|| 21 * 2).unwrap();
        assert_eq!(
            f.result().unwrap(),
            42,
            "result() must return the task's value"
        );
    });
}

#[test]
fn a_panicking_task_is_reported_by_its_future_and_the_worker_survives() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let bad = pool.submit(|| -> u32 { panic!("task failed") }).unwrap();
        let good = pool.submit(|| 7).unwrap();
        match bad.result() {
            Err(ResultError::Panicked(p)) => {
                assert_eq!(
                    *p.downcast::<&str>().unwrap(),
                    "task failed",
                    "payload kept"
                )
            }
            other => panic!("a panicking task must report Panicked, got {other:?}"),
        }
        assert_eq!(
            good.result().unwrap(),
            7,
            "the only worker must survive a panicking task and run the next"
        );
    });
}

#[test]
fn cancel_before_start_wins_and_the_task_never_runs() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let queued = pool.submit(move || r.fetch_add(1, SeqCst)).unwrap();
        assert!(!queued.running() && !queued.done());
        assert!(queued.cancel(), "a queued task must be cancellable");
        assert!(
            queued.cancel(),
            "cancelling again still says cancelled (Python)"
        );
        assert!(
            queued.cancelled() && queued.done(),
            "cancel completes the future"
        );
        gate.set();
        busy.result().unwrap();
        pool.shutdown(true, false);
        assert_eq!(ran.load(SeqCst), 0, "a cancelled task must never run");
        assert!(matches!(queued.result(), Err(ResultError::Cancelled)));
    });
}

#[test]
fn cancel_after_start_fails_and_the_task_finishes() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, running) = block_worker(&pool);
        assert!(running.running(), "the gate task is running");
        assert!(!running.cancel(), "a running task cannot be cancelled");
        assert!(!running.cancelled());
        gate.set();
        assert!(
            running.result().is_ok(),
            "a refused cancel leaves the task to finish"
        );
    });
}

#[test]
fn result_for_times_out_and_leaves_the_future_usable() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let gate = Arc::new(Event::new());
        // Opens the gate on the way out too, so a failed assert below reports itself instead
        // of leaving the pool's drop to join a worker that waits for the gate forever.
        struct OpenOnDrop(Arc<Event>);
        impl Drop for OpenOnDrop {
            fn drop(&mut self) {
                self.0.set();
            }
        }
        let _open = OpenOnDrop(Arc::clone(&gate));
        let g = Arc::clone(&gate);
        let f = pool
            .submit(move || {
                g.wait();
                5
            })
            .unwrap();
        let t = Duration::from_millis(30);
        let mut back = None;
        assert_waits_its_timeout(t, || back = Some(f.result_for(t)));
        let f = match back.take().unwrap() {
            Err(ResultTimeoutError::Timeout(f)) => f,
            other => panic!("must time out, got {other:?}"),
        };
        let deadline = Instant::now() + t;
        assert_waits_until(deadline, || back = Some(f.result_until(deadline)));
        let f = match back.take().unwrap() {
            Err(ResultTimeoutError::Timeout(f)) => f,
            other => panic!("must time out, got {other:?}"),
        };
        gate.set();
        assert_eq!(
            f.result_for(Duration::MAX).unwrap(),
            5,
            "a timed-out future still delivers; Duration::MAX waits forever without overflow"
        );
    });
}

/// A future that is already cancelled (its task never runs).
fn dead_future<T: Send + 'static>() -> Future<T> {
    let pool = ThreadPool::new(1);
    let (gate, busy) = block_worker(&pool);
    let f = pool.submit(|| -> T { unreachable!("cancelled") }).unwrap();
    assert!(f.cancel());
    gate.set();
    busy.result().unwrap();
    f
}

#[test]
fn zero_timeout_and_past_deadline_are_one_check() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let f = pool.submit(|| 1).unwrap();
        let f = match f.result_for(Duration::ZERO) {
            Err(ResultTimeoutError::Timeout(f)) => f,
            other => panic!("zero timeout on a queued task: {other:?}"),
        };
        let f = match f.result_until(Instant::now()) {
            Err(ResultTimeoutError::Timeout(f)) => f,
            other => panic!("past deadline on a queued task: {other:?}"),
        };
        let f = match f.try_result() {
            Err(TryResultError::NotDone(f)) => f,
            other => panic!("try_result on a queued task: {other:?}"),
        };
        gate.set();
        busy.result().unwrap();
        let f = match pool::wait([f], WaitFor::AllCompleted).done.pop() {
            Some(f) => f,
            None => panic!("an untimed AllCompleted wait returns every future done"),
        };
        assert_eq!(
            f.result_for(Duration::ZERO).unwrap(),
            1,
            "done: one check suffices"
        );
    });
}

#[test]
fn callbacks_run_once_on_the_completing_thread_before_done() {
    watched(|| {
        let pool = Builder::new()
            .workers(1)
            .thread_name_prefix("cbworker")
            .build()
            .unwrap();
        let (gate, busy) = block_worker(&pool);
        let f = pool.submit(|| 3).unwrap();
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        for i in 0..3 {
            let log = Arc::clone(&log);
            f.add_done_callback(move |outcome| {
                let name = std::thread::current().name().map(String::from);
                log.lock().unwrap().push((i, *outcome.unwrap(), name));
            });
        }
        gate.set();
        busy.result().unwrap();
        assert_eq!(f.result().unwrap(), 3);
        let log = log.lock().unwrap();
        assert_eq!(
            log.len(),
            3,
            "each callback runs exactly once before result() returns"
        );
        for (k, (i, v, name)) in log.iter().enumerate() {
            assert_eq!(
                (*i, *v),
                (k, 3),
                "callbacks run in the order added, with the value"
            );
            assert_eq!(
                name.as_deref(),
                Some("cbworker_0"),
                "on the worker that ran the task"
            );
        }
    });
}

#[test]
fn a_callback_added_after_done_runs_at_once_on_the_caller() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 9).unwrap();
        let f = pool::wait([f], WaitFor::AllCompleted).done.pop().unwrap();
        let me = std::thread::current().id();
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        f.add_done_callback(move |outcome| {
            assert_eq!(std::thread::current().id(), me, "runs on the adding thread");
            assert_eq!(*outcome.unwrap(), 9);
            r.fetch_add(1, SeqCst);
        });
        assert_eq!(
            ran.load(SeqCst),
            1,
            "already done: the callback ran before returning"
        );
        assert_eq!(
            f.result().unwrap(),
            9,
            "the value is still there after the callback"
        );
    });
}

#[test]
fn a_cancelled_futures_callbacks_run_on_the_cancelling_thread() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let f = pool.submit(|| ()).unwrap();
        let me = std::thread::current().id();
        let seen = Arc::new(AtomicUsize::new(0));
        let s = Arc::clone(&seen);
        f.add_done_callback(move |outcome| {
            assert!(matches!(outcome, Err(ResultError::Cancelled)));
            assert_eq!(
                std::thread::current().id(),
                me,
                "the canceller runs the callbacks"
            );
            s.fetch_add(1, SeqCst);
        });
        assert!(f.cancel());
        assert_eq!(
            seen.load(SeqCst),
            1,
            "callbacks ran before cancel() returned"
        );
        gate.set();
        busy.result().unwrap();
    });
}

#[test]
fn a_panicking_callback_on_a_worker_loses_nothing() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let f = pool.submit(|| 4).unwrap();
        let after = Arc::new(AtomicUsize::new(0));
        f.add_done_callback(|_| panic!("callback failed"));
        let a = Arc::clone(&after);
        f.add_done_callback(move |_| {
            a.fetch_add(1, SeqCst);
        });
        gate.set();
        busy.result().unwrap();
        assert_eq!(
            f.result().unwrap(),
            4,
            "the future completes with the task's value"
        );
        assert_eq!(
            after.load(SeqCst),
            1,
            "the callbacks after a panicking one still run"
        );
        assert_eq!(
            pool.submit(|| 5).unwrap().result().unwrap(),
            5,
            "the worker survives a panicking callback"
        );
    });
}

#[test]
fn a_panicking_callback_on_the_caller_propagates_and_leaves_the_future_done() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let f = pool.submit(|| 1).unwrap();
        let f = pool::wait([f], WaitFor::AllCompleted).done.pop().unwrap();
        let r = catch_unwind(AssertUnwindSafe(|| {
            f.add_done_callback(|_| panic!("mine"));
        }));
        assert!(
            r.is_err(),
            "a callback run on the caller's thread panics in the caller"
        );
        assert_eq!(f.result().unwrap(), 1, "the future is unchanged");
    });
}

#[test]
fn shutdown_wait_returns_after_every_started_task_finished() {
    watched(|| {
        let pool = ThreadPool::new(3);
        let finished = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = (0..30)
            .map(|_| {
                let f = Arc::clone(&finished);
                pool.submit(move || {
                    std::thread::yield_now();
                    f.fetch_add(1, SeqCst);
                })
                .unwrap()
            })
            .collect();
        pool.shutdown(true, false);
        assert_eq!(
            finished.load(SeqCst),
            30,
            "shutdown(wait, no cancel) returns after every queued task ran"
        );
        assert!(futures.iter().all(Future::done));
    });
}

#[test]
fn shutdown_with_cancel_futures_cancels_every_queued_task() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let ran = Arc::new(AtomicUsize::new(0));
        let queued: Vec<_> = (0..5)
            .map(|_| {
                let r = Arc::clone(&ran);
                pool.submit(move || r.fetch_add(1, SeqCst)).unwrap()
            })
            .collect();
        // The gate opens only after `shutdown(wait = false)` has returned, so every queued task
        // was still queued when it was cancelled. (Opening it from a thread racing the shutdown
        // once let the worker start two of them first, under Miri.)
        pool.shutdown(false, true);
        gate.set();
        busy.result().unwrap();
        pool.shutdown(true, false);
        assert_eq!(ran.load(SeqCst), 0, "cancel_futures: no queued task runs");
        for f in queued {
            assert!(matches!(f.result(), Err(ResultError::Cancelled)));
        }
    });
}

#[test]
fn submit_after_shutdown_hands_the_closure_back() {
    watched(|| {
        let pool = ThreadPool::new(1);
        pool.shutdown(false, false);
        assert!(pool.is_shutdown());
        let token = String::from("kept");
        let err = pool.submit(move || token).unwrap_err();
        assert_eq!(
            (err.into_inner())(),
            "kept",
            "the refused closure comes back intact"
        );
    });
}

#[test]
fn dropping_the_pool_runs_queued_tasks_and_joins() {
    watched(|| {
        let ran = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = {
            let pool = ThreadPool::new(2);
            (0..20)
                .map(|_| {
                    let r = Arc::clone(&ran);
                    pool.submit(move || r.fetch_add(1, SeqCst)).unwrap()
                })
                .collect()
        };
        assert_eq!(ran.load(SeqCst), 20, "drop = shutdown(wait, no cancel)");
        assert!(futures.iter().all(Future::done));
    });
}

#[test]
fn the_last_handle_dropped_by_the_pools_own_task_does_not_deadlock() {
    watched(|| {
        let pool = Arc::new(ThreadPool::new(1));
        let inner = Arc::clone(&pool);
        let done = Arc::new(Event::new());
        let d = Arc::clone(&done);
        let gate = Arc::new(Event::new());
        let g = Arc::clone(&gate);
        let f = pool
            .submit(move || {
                g.wait();
                drop(inner); // the last handle, dropped on the pool's own worker
                d.set();
            })
            .unwrap();
        drop(pool);
        gate.set();
        done.wait();
        assert!(
            f.result().is_ok(),
            "the task finished; its worker was not made to wait for itself"
        );
    });
}

#[test]
fn shutdown_wait_from_the_pools_own_task_panics_instead_of_deadlocking() {
    watched(|| {
        let pool = Arc::new(ThreadPool::new(1));
        let p = Arc::clone(&pool);
        let f = pool.submit(move || p.shutdown(true, false)).unwrap();
        match f.result() {
            Err(ResultError::Panicked(_)) => {}
            other => panic!("shutdown(wait) on its own worker must panic, got {other:?}"),
        }
        assert!(pool.is_shutdown(), "the shutdown itself happened");
    });
}

#[test]
fn builder_names_threads_and_runs_the_initializer_once_per_worker() {
    watched(|| {
        let inits = Arc::new(AtomicUsize::new(0));
        let i = Arc::clone(&inits);
        let pool = Builder::new()
            .workers(3)
            .thread_name_prefix("w")
            .stack_size(1 << 20)
            .initializer(move || {
                i.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        assert_eq!(
            inits.load(SeqCst),
            3,
            "build returns after every initializer"
        );
        let names: Vec<_> = (0..9)
            .map(|_| {
                pool.submit(|| std::thread::current().name().unwrap().to_owned())
                    .unwrap()
            })
            .collect();
        for n in names {
            let n = n.result().unwrap();
            assert!(
                ["w_0", "w_1", "w_2"].contains(&n.as_str()),
                "unexpected name {n}"
            );
        }
        drop(pool);
        assert_eq!(
            inits.load(SeqCst),
            3,
            "the initializer runs once per worker, no more"
        );
    });
}

/// Counts a thread's end: set in a worker's thread-local, it is dropped as the thread exits,
/// before a join of that thread returns.
struct CountsExit(Arc<AtomicUsize>);

impl Drop for CountsExit {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

thread_local! {
    static EXIT: std::cell::RefCell<Option<CountsExit>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn a_panicking_initializer_fails_build_and_joins_every_worker() {
    watched(|| {
        let started = Arc::new(AtomicUsize::new(0));
        let exited = Arc::new(AtomicUsize::new(0));
        let (s, e) = (Arc::clone(&started), Arc::clone(&exited));
        let r = Builder::new()
            .workers(3)
            .initializer(move || {
                EXIT.with(|x| *x.borrow_mut() = Some(CountsExit(Arc::clone(&e))));
                if s.fetch_add(1, SeqCst) == 1 {
                    panic!("second worker's initializer");
                }
            })
            .build();
        match r {
            Err(BuildError::Initializer(p)) => {
                assert_eq!(
                    *p.downcast::<&str>().unwrap(),
                    "second worker's initializer"
                )
            }
            other => panic!("a panicking initializer must fail build, got {other:?}"),
        }
        assert_eq!(
            started.load(SeqCst),
            3,
            "every worker ran its initializer first"
        );
        assert_eq!(
            exited.load(SeqCst),
            3,
            "build returned the error only after joining every worker"
        );
        assert!(matches!(
            Builder::new().workers(0).build(),
            Err(BuildError::ZeroWorkers)
        ));
    });
}

/// No address space holds a stack of half of `usize::MAX` bytes, so the first worker's spawn
/// fails: `build` hands the OS error back (and neither panics nor ignores the stack size).
#[test]
#[cfg_attr(
    miri,
    ignore = "under Miri this stack size does not make a spawn fail: build returns Ok"
)]
fn a_worker_that_cannot_start_fails_build_with_spawn() {
    watched(
        || match Builder::new().workers(2).stack_size(usize::MAX / 2).build() {
            Err(e @ BuildError::Spawn(_)) => {
                let (debug, shown) = (format!("{e:?}"), e.to_string());
                assert!(debug.starts_with("Spawn("), "{debug}");
                assert!(
                    shown.starts_with("could not start a worker thread: "),
                    "{shown}"
                );
            }
            other => panic!("an unstartable worker must fail build, got {other:?}"),
        },
    );
}

#[test]
#[should_panic(expected = "a thread pool needs at least one worker")]
fn new_with_zero_workers_panics() {
    let _ = ThreadPool::new(0);
}

#[test]
fn map_yields_results_in_input_order() {
    watched(|| {
        let pool = ThreadPool::new(4);
        // Later items finish first: without ordering the output would come out reversed.
        let out: Vec<u64> = pool
            .map(
                |x: u64| {
                    for _ in 0..(100 - x) * 50 {
                        std::thread::yield_now();
                    }
                    x * x
                },
                0..100,
            )
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            out,
            (0..100).map(|x| x * x).collect::<Vec<_>>(),
            "input order"
        );
    });
}

#[test]
fn map_submits_at_most_buffersize_ahead_and_nothing_before_next() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let taken = AtomicUsize::new(0);
        let inputs = (0..1000).inspect(|_| {
            taken.fetch_add(1, SeqCst);
        });
        let mut it = pool.map(|x: u32| x, inputs).buffersize(4).chunksize(3);
        assert_eq!(
            taken.load(SeqCst),
            0,
            "lazy: nothing taken before the first next()"
        );
        for want in 0..10 {
            assert_eq!(it.next().unwrap().unwrap(), want);
            let ahead = taken.load(SeqCst) - (want as usize + 1);
            assert!(
                ahead <= 4 * 3,
                "ran {ahead} items ahead with buffersize 4 × chunksize 3"
            );
        }
    });
}

/// A chunk is one task of `chunksize` inputs, taken from the input together: with one task in
/// flight (`buffersize(1)`), the first `next()` takes 4 inputs, the next three results come
/// from that chunk without taking any, and the fifth `next()` takes the next 4.
#[test]
fn a_chunk_is_one_task_taking_chunksize_inputs_at_once() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let taken = AtomicUsize::new(0);
        let inputs = (0..100).inspect(|_| {
            taken.fetch_add(1, SeqCst);
        });
        let mut it = pool.map(|x: u32| x, inputs).buffersize(1).chunksize(4);
        for want in 0..8 {
            assert_eq!(it.next().unwrap().unwrap(), want);
            assert_eq!(
                taken.load(SeqCst),
                4 * (want as usize / 4 + 1),
                "after result {want}: the chunks of 4 taken so far"
            );
        }
    });
}

#[test]
fn map_chunks_report_each_items_panic_in_its_place() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let out: Vec<_> = pool
            .map(
                |x: u32| {
                    assert!(x % 5 != 3, "bad item");
                    x
                },
                0..20,
            )
            .chunksize(4)
            .collect();
        for (i, r) in out.into_iter().enumerate() {
            match r {
                Ok(v) => assert_eq!(v as usize, i),
                Err(e) => assert!(i % 5 == 3 && e.is_panicked(), "item {i}: {e:?}"),
            }
        }
    });
}

#[test]
fn dropping_a_map_cancels_its_queued_tasks() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        {
            let mut it = pool
                .map(move |_: u8| r.fetch_add(1, SeqCst), 0..10)
                .buffersize(5);
            // The first next() submits 5 and waits for the first; the gate opens meanwhile.
            let opener = {
                let gate = Arc::clone(&gate);
                std::thread::spawn(move || gate.set())
            };
            let first = it.next();
            opener.join().unwrap();
            assert!(first.unwrap().is_ok());
        }
        busy.result().unwrap();
        pool.shutdown(true, false);
        assert!(
            ran.load(SeqCst) <= 5,
            "at most the 5 submitted tasks may have run, got {}",
            ran.load(SeqCst)
        );
    });
}

/// Dropping a map cancels the tasks it submitted that have not started: one worker, held in
/// item 1's task (or not yet in it) while the map drops, so items 2 to 4 are still queued then
/// and never run, even though the pool runs every queued task it still has before it shuts down.
#[test]
fn dropping_a_map_never_runs_the_tasks_still_queued() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let gate = Arc::new(Event::new());
        let ran = Arc::new(AtomicUsize::new(0)); // bit x: item x ran
        {
            let (g, r) = (Arc::clone(&gate), Arc::clone(&ran));
            let mut it = pool
                .map(
                    move |x: u32| {
                        if x == 1 {
                            g.wait();
                        }
                        r.fetch_or(1 << x, SeqCst);
                    },
                    0..5,
                )
                .buffersize(5);
            assert!(it.next().unwrap().is_ok(), "item 0 ran");
        }
        gate.set();
        pool.shutdown(true, false);
        let ran = ran.load(SeqCst);
        assert_eq!(
            ran & !0b11,
            0,
            "items queued when the map dropped ran anyway: {ran:#b}"
        );
    });
}

/// `Map`'s `Debug` shows its settings and how many tasks are in flight, no item.
#[test]
fn map_debug_shows_its_settings_and_tasks_in_flight() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let it = pool.map(|x: u32| x, 0..10).buffersize(2).chunksize(3);
        assert_eq!(
            format!("{it:?}"),
            "Map { in_flight: 0, buffersize: 2, chunksize: 3, .. }"
        );
    });
}

/// Without `buffersize`, a map runs twice the workers ahead: the pool's count for
/// `ThreadPool::map`, the workers still serving for `Scope::map`.
#[test]
fn map_runs_twice_the_workers_ahead_by_default() {
    watched(|| {
        let pool = ThreadPool::new(3);
        let it = pool.map(|x: u32| x, 0..10);
        assert_eq!(
            format!("{it:?}"),
            "Map { in_flight: 0, buffersize: 6, chunksize: 1, .. }"
        );
        let items = [1u32, 2];
        let scoped = pool.scope(|s| format!("{:?}", s.map(|x: &u32| *x, &items)));
        assert_eq!(
            scoped,
            "Map { in_flight: 0, buffersize: 6, chunksize: 1, .. }"
        );
    });
}

#[test]
fn a_map_on_a_shut_down_pool_yields_cancelled_once_and_ends() {
    watched(|| {
        let pool = ThreadPool::new(1);
        pool.shutdown(true, false);
        let out: Vec<_> = pool.map(|x: u8| x, 0..).take(100).collect();
        assert_eq!(out.len(), 1, "the iterator ends after the refused item");
        assert!(matches!(out[0], Err(ResultError::Cancelled)));
    });
}

#[test]
fn scope_tasks_borrow_the_stack_and_all_finish_before_scope_returns() {
    watched(|| {
        let pool = ThreadPool::new(3);
        let mut cells = vec![0u64; 64];
        let base = 10u64;
        pool.scope(|s| {
            for (i, c) in cells.iter_mut().enumerate() {
                let base = &base;
                s.submit(move || *c = *base + i as u64).unwrap();
            }
        });
        assert_eq!(
            cells,
            (0..64).map(|i| 10 + i).collect::<Vec<_>>(),
            "every task ran"
        );
        let sum: u64 = pool.scope(|s| s.map(|c: &u64| *c, &cells).map(Result::unwrap).sum());
        assert_eq!(sum, (10..74).sum::<u64>());
    });
}

#[test]
fn scope_waits_for_its_tasks_even_when_its_closure_panics() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let finished = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            pool.scope(|s| {
                for _ in 0..8 {
                    s.submit(|| {
                        std::thread::yield_now();
                        finished.fetch_add(1, SeqCst);
                    })
                    .unwrap();
                }
                panic!("scope body failed");
            })
        }));
        assert!(r.is_err(), "the closure's panic is re-raised");
        assert_eq!(
            finished.load(SeqCst),
            8,
            "but only after every task is over"
        );
    });
}

#[test]
fn scope_tasks_cancelled_by_shutdown_are_over_before_scope_returns() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let ran = AtomicUsize::new(0);
        pool.scope(|s| {
            let fs: Vec<_> = (0..4)
                .map(|_| s.submit(|| ran.fetch_add(1, SeqCst)).unwrap())
                .collect();
            pool.shutdown(false, true);
            gate.set();
            for f in fs {
                assert!(f.result().unwrap_err().is_cancelled());
            }
        });
        busy.result().unwrap();
        assert_eq!(ran.load(SeqCst), 0);
    });
}

#[test]
fn wait_first_completed_returns_when_one_future_is_done() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let (gate, slow) = block_worker(&pool);
        let fast = pool.submit(|| ()).unwrap();
        let w = pool::wait([slow, fast], WaitFor::FirstCompleted);
        assert_eq!(w.done.len(), 1, "only the fast one can be done");
        assert_eq!(w.not_done.len(), 1);
        gate.set();
        let w = pool::wait(w.not_done, WaitFor::AllCompleted);
        assert!(w.not_done.is_empty());
    });
}

#[test]
fn wait_first_exception_returns_early_on_a_panic() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let (gate, slow) = block_worker(&pool);
        let bad = pool.submit(|| -> () { panic!("x") }).unwrap();
        let w = pool::wait(vec![slow, bad], WaitFor::FirstException);
        assert_eq!(
            w.not_done.len(),
            1,
            "returned on the panic, the slow one still runs"
        );
        assert!(w.done[0].done());
        gate.set();
    });
}

#[test]
fn wait_first_exception_ignores_cancellation_and_waits_for_all() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let c = pool.submit(|| ()).unwrap();
        assert!(c.cancel());
        let opener = {
            let gate = Arc::clone(&gate);
            std::thread::spawn(move || gate.set())
        };
        let w = pool::wait(vec![c, busy], WaitFor::FirstException);
        opener.join().unwrap();
        assert!(
            w.not_done.is_empty(),
            "no exception: FirstException waits for all"
        );
    });
}

#[test]
fn timed_wait_returns_the_unfinished_in_not_done() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let t = Duration::from_millis(30);
        let mut w = None;
        assert_waits_its_timeout(t, || {
            w = Some(pool::wait_for([&busy], WaitFor::AllCompleted, t));
        });
        assert_eq!(w.unwrap().not_done.len(), 1);
        let w = pool::try_wait([&busy], WaitFor::FirstCompleted);
        assert_eq!(w.not_done.len(), 1, "try_wait never blocks");
        gate.set();
        let w = pool::wait_until(
            [&busy],
            WaitFor::AllCompleted,
            Instant::now() + Duration::from_secs(600),
        );
        assert_eq!(w.done.len(), 1);
    });
}

#[test]
fn as_completed_yields_in_completion_order() {
    watched(|| {
        let pool = ThreadPool::new(3);
        let gates: Vec<Arc<Event>> = (0..3).map(|_| Arc::new(Event::new())).collect();
        let futures: Vec<_> = (0..3)
            .map(|i| {
                let g = Arc::clone(&gates[i]);
                (
                    "key",
                    pool.submit(move || {
                        g.wait();
                        i
                    })
                    .unwrap(),
                )
            })
            .collect();
        let mut it = pool::as_completed(futures);
        for i in [2, 0, 1] {
            gates[i].set();
            let (key, f) = it.next().unwrap();
            assert_eq!((key, f.result().unwrap()), ("key", i), "completion order");
        }
        assert!(it.next().is_none());
    });
}

#[test]
fn as_completed_with_a_timeout_hands_back_the_rest() {
    watched(|| {
        let pool = ThreadPool::new(2);
        let (gate, slow) = block_worker(&pool);
        let fast = pool.submit(|| ()).unwrap();
        // Done before the timed wait starts: how long the other worker takes to run it (under
        // Miri on a loaded machine, more than the timeout) is not what this test is about.
        assert!(
            pool::wait([&fast], WaitFor::AllCompleted)
                .not_done
                .is_empty()
        );
        let t = Duration::from_millis(30);
        let start = Instant::now();
        let mut it = pool::as_completed_for(vec![slow, fast], t);
        assert!(it.next().unwrap().is_ok(), "the fast one first");
        let rest = it.next().unwrap().unwrap_err().into_inner();
        assert!(
            start.elapsed() >= t,
            "the timeout is reported only after it passed"
        );
        assert!(it.next().is_none(), "ends after the timeout");
        assert_eq!(rest.len(), 1, "the slow future comes back");
        gate.set();
        assert!(pool::wait(rest, WaitFor::AllCompleted).not_done.is_empty());
    });
}

#[test]
fn a_dropped_as_completed_unregisters_from_its_futures() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        for _ in 0..100 {
            // Each timed-out waiter must leave nothing behind in the future.
            let _ = pool::wait_for([&busy], WaitFor::AllCompleted, Duration::ZERO);
            drop(pool::as_completed([&busy]));
        }
        let debug = format!("{busy:?}");
        assert!(debug.contains("running"), "{debug}");
        gate.set();
        busy.result().unwrap();
    });
}

/// `workers`, `queued` and `is_shutdown` report the pool as it is: the worker count it was
/// built with, the tasks no worker has taken yet, and whether `shutdown` was called.
#[test]
fn workers_queued_and_is_shutdown_report_the_pools_state() {
    watched(|| {
        assert_eq!(ThreadPool::new(3).workers(), 3);
        let pool = ThreadPool::new(1);
        assert_eq!(pool.workers(), 1);
        assert!(!pool.is_shutdown(), "a new pool is not shut down");
        let (gate, busy) = block_worker(&pool);
        assert_eq!(pool.queued(), 0, "the running task is not queued");
        let later: Vec<_> = (0..2).map(|_| pool.submit(|| ()).unwrap()).collect();
        assert_eq!(pool.queued(), 2, "both tasks wait behind the busy worker");
        gate.set();
        busy.result().unwrap();
        for f in later {
            f.result().unwrap();
        }
        assert_eq!(pool.queued(), 0);
        pool.shutdown(true, false);
        assert!(pool.is_shutdown());
    });
}

/// The error types, the builder and a scope print what they hold without the closures.
#[test]
fn debug_and_display_of_errors_builder_and_scope() {
    watched(|| {
        let e = pool::SubmitError(|| 1);
        assert_eq!(format!("{e:?}"), "SubmitError(..)");
        assert_eq!(
            e.to_string(),
            "cannot submit to a thread pool that is shut down"
        );
        let b = Builder::new()
            .workers(2)
            .thread_name_prefix("io")
            .initializer(|| ());
        assert_eq!(
            format!("{b:?}"),
            "Builder { workers: Some(2), thread_name_prefix: \"io\", stack_size: None, initializer: true }"
        );
        let pool = ThreadPool::new(1);
        let shown = pool.scope(|s| format!("{s:?}"));
        assert_eq!(shown, "Scope { pending: 1, .. }", "the scope's own closure");
    });
}

#[test]
fn debug_never_blocks() {
    watched(|| {
        let pool = ThreadPool::new(1);
        let (gate, busy) = block_worker(&pool);
        let q = pool.submit(|| ()).unwrap();
        let s = format!("{pool:?} {busy:?} {q:?}");
        assert!(
            s.contains("queued: 1") && s.contains("running") && s.contains("pending"),
            "{s}"
        );
        gate.set();
        let e = format!("{:?} {}", ResultError::Cancelled, pool::SubmitError(()));
        assert!(e.contains("Cancelled"), "{e}");
    });
}

/// Each submitted task runs exactly once or is cancelled, never both: four submitting threads,
/// a canceller racing the workers for every other future.
#[test]
fn stress_every_task_runs_exactly_once_or_is_cancelled() {
    watched(|| {
        let n = if cfg!(miri) { 20 } else { 4_000 };
        let pool = ThreadPool::new(4);
        let runs: Vec<AtomicUsize> = (0..4 * n).map(|_| AtomicUsize::new(0)).collect();
        let runs = Arc::new(runs);
        std::thread::scope(|s| {
            for t in 0..4 {
                let (pool, runs) = (&pool, Arc::clone(&runs));
                s.spawn(move || {
                    for k in 0..n {
                        let id = t * n + k;
                        let r = Arc::clone(&runs);
                        let f = pool.submit(move || r[id].fetch_add(1, SeqCst)).unwrap();
                        let cancelled = k % 2 == 0 && f.cancel();
                        match f.result() {
                            Ok(_) => assert!(!cancelled, "task {id} ran after a winning cancel"),
                            Err(ResultError::Cancelled) => assert!(cancelled),
                            Err(e) => panic!("{e}"),
                        }
                        let ran = runs[id].load(SeqCst);
                        assert_eq!(ran, usize::from(!cancelled), "task {id} ran {ran} times");
                    }
                });
            }
        });
    });
}

/// Many waiters: `as_completed` over 200 futures from 4 threads at once, each must see all.
#[test]
fn stress_as_completed_sees_every_future_once() {
    watched(|| {
        let pool = ThreadPool::new(3);
        for _ in 0..if cfg!(miri) { 2 } else { 50 } {
            let futures: Vec<_> = (0..200).map(|i| pool.submit(move || i).unwrap()).collect();
            let mut got: Vec<i32> = pool::as_completed(futures)
                .map(|f| f.result().unwrap())
                .collect();
            got.sort_unstable();
            assert_eq!(
                got,
                (0..200).collect::<Vec<_>>(),
                "each future yielded once"
            );
        }
    });
}

/// An operation on a pool whose only worker is held by a gate task, so every queued task stays
/// pending until the script ends: then the outcomes are those of a sequential model.
#[derive(Clone, Debug)]
enum Op {
    Submit { panics: bool },
    Cancel(usize),
    Callback(usize),
    TryResult(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<bool>().prop_map(|panics| Op::Submit { panics }),
        (0..8usize).prop_map(Op::Cancel),
        (0..8usize).prop_map(Op::Callback),
        (0..8usize).prop_map(Op::TryResult),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(miri) { 4 } else { 64 }, ..ProptestConfig::default() })]

    /// Futures against a sequential model: cancel succeeds exactly on pending futures, a
    /// cancelled task never runs, every callback runs exactly once, outcomes match.
    #[test]
    fn futures_match_sequential_model(script in proptest::collection::vec(op(), 0..40)) {
        watched(move || {
            {
                let pool = ThreadPool::new(1);
                let (gate, busy) = block_worker(&pool);
                let mut futures: Vec<Option<Future<usize>>> = Vec::new();
                let mut model: Vec<(bool, bool, usize, bool)> = Vec::new(); // (panics, cancelled, callbacks, replaced)
                let ran = Arc::new((0..40).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
                let calls = Arc::new((0..40).map(|_| AtomicUsize::new(0)).collect::<Vec<_>>());
                for op in script {
                    match op {
                        Op::Submit { panics } => {
                            let id = futures.len();
                            let r = Arc::clone(&ran);
                            let f = pool.submit(move || {
                                r[id].fetch_add(1, SeqCst);
                                assert!(!panics, "planned panic");
                                id
                            }).unwrap();
                            futures.push(Some(f));
                            model.push((panics, false, 0, false));
                        }
                        Op::Cancel(i) if i < futures.len() && !model[i].3 => {
                            let got = futures[i].as_ref().unwrap().cancel();
                            model[i].1 = true;
                            assert!(got, "every queued task is pending, so cancel wins");
                        }
                        Op::Callback(i) if i < futures.len() && !model[i].3 => {
                            let c = Arc::clone(&calls);
                            futures[i].as_ref().unwrap().add_done_callback(move |_| {
                                c[i].fetch_add(1, SeqCst);
                            });
                            model[i].2 += 1;
                            if model[i].1 {
                                assert_eq!(calls[i].load(SeqCst), model[i].2, "done: runs at once");
                            }
                        }
                        Op::TryResult(i) if i < futures.len() && !model[i].3 => {
                            let f = futures[i].take().unwrap();
                            futures[i] = Some(match f.try_result() {
                                Err(TryResultError::NotDone(f)) => { assert!(!model[i].1); f }
                                Err(TryResultError::Cancelled) => { assert!(model[i].1); dead_future() }
                                other => panic!("a pending task has no result: {other:?}"),
                            });
                            if model[i].1 {
                                model[i].3 = true; // the result was taken: a placeholder now
                            }
                        }
                        _ => {}
                    }
                }
                gate.set();
                busy.result().unwrap();
                for (i, f) in futures.into_iter().enumerate() {
                    let (panics, cancelled, callbacks, replaced) = model[i];
                    if replaced {
                        assert_eq!(ran[i].load(SeqCst), 0, "task {i} was cancelled");
                        continue;
                    }
                    let r = f.unwrap().result();
                    match (cancelled, panics, r) {
                        (true, _, Err(ResultError::Cancelled)) => {}
                        (false, false, Ok(v)) => assert_eq!(v, i),
                        (false, true, Err(ResultError::Panicked(_))) => {}
                        (c, p, r) => panic!("task {i}: cancelled {c}, panics {p}, got {r:?}"),
                    }
                    assert_eq!(ran[i].load(SeqCst), usize::from(!cancelled), "task {i} runs");
                    assert_eq!(calls[i].load(SeqCst), callbacks, "task {i}'s callbacks run once each");
                }
            }
            Ok::<(), TestCaseError>(())
        })?;
    }

    /// `map` against `Iterator::map`: any chunk and buffer size, any panicking items.
    #[test]
    fn map_matches_sequential_map(
        inputs in proptest::collection::vec(0u16..1000, 0..200),
        chunk in 1usize..9,
        buffer in 1usize..9,
        workers in 1usize..4,
    ) {
        watched(move || {
            {
                let pool = ThreadPool::new(workers);
                let f = |x: u16| {
                    assert!(x % 97 != 0, "planned panic");
                    u32::from(x) * 3
                };
                let got: Vec<_> = pool.map(f, inputs.clone()).chunksize(chunk).buffersize(buffer).collect();
                assert_eq!(got.len(), inputs.len());
                for (x, r) in inputs.iter().zip(got) {
                    match r {
                        Ok(v) => assert_eq!(v, u32::from(*x) * 3),
                        Err(e) => assert!(x % 97 == 0 && e.is_panicked(), "{x}: {e:?}"),
                    }
                }
            }
            Ok::<(), TestCaseError>(())
        })?;
    }
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn new_with_zero_workers_panics_at_the_callers_line() {
    let line = line!() + 1;
    let Some(at) = crate::queue::panic_location(|| drop(ThreadPool::new(0))) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "ThreadPool::new(0) must name the caller's line (track_caller)"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn zero_buffersize_panics_at_the_callers_line() {
    // The pool lives in the child only: a pool whose drop hangs fails the child by its time
    // limit, instead of hanging the parent outside any watchdog.
    let line = line!() + 3;
    let Some(at) = crate::queue::panic_location(|| {
        let pool = ThreadPool::new(1);
        drop(pool.map(|x: u8| x, 0..1).buffersize(0));
    }) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "buffersize(0): the caller's line"
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs the panic in a child process")]
fn zero_chunksize_panics_at_the_callers_line() {
    // The pool lives in the child only: a pool whose drop hangs fails the child by its time
    // limit, instead of hanging the parent outside any watchdog.
    let line = line!() + 3;
    let Some(at) = crate::queue::panic_location(|| {
        let pool = ThreadPool::new(1);
        drop(pool.map(|x: u8| x, 0..1).chunksize(0));
    }) else {
        return; // the child: the parent checks
    };
    assert_eq!(
        at,
        (file!().to_string(), line),
        "chunksize(0): the caller's line"
    );
}
