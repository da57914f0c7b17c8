//! The only module that knows which backend runs: std, loom or shuttle.
//!
//! Every atomic, cell, thread and wait call in the primitives comes from here, so the model
//! checkers run the primitives' real code. The backend is chosen by `build.rs`:
//! `weft_loom` (feature `loom`, wins if both are on), `weft_shuttle` (feature `shuttle`), or
//! neither (std). `weft_checker` is set under either checker.
//!
//! The wait layer is a futex-style contract, described in `docs/wait-layer.md`:
//! - [`wait`]`(word, expected, deadline)` sleeps while `*word == expected`; it returns `false`
//!   only when the deadline passed without a wake, and `true` otherwise (woken, value differed,
//!   or **spuriously**). It orders nothing: callers re-read the word with the ordering they need.
//! - [`wake_one`] / [`wake_all`] / [`wake`] wake sleepers on that word's address, **any** of
//!   them (no FIFO); [`wake_one_at`] takes only the address, which may already be freed.
//! - [`wake_ready`] is `wake_all` for a *ready word* (an object a selector can wait on became
//!   ready, or may have): it also wakes the selectors registered on that word
//!   (`selectors.rs`, `docs/select.md`).
//!
//! On Linux with std this is the kernel futex (`futex.rs`). Elsewhere, and under the checkers,
//! it is the wait table in `table.rs` (also on Linux with `--cfg weft_force_table`). Under a
//! checker the table does everything the contract allows: a timed wait may time out at any point
//! the scheduler picks, a wake reaches whichever sleeper the scheduler lets claim it, and a wait
//! may return spuriously.

#![allow(dead_code, unused_imports)]

pub(crate) use std::time::{Duration, Instant};

#[cfg(weft_loom)]
pub(crate) use loom::{
    hint::spin_loop,
    sync::Arc,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence},
    thread,
};

#[cfg(weft_shuttle)]
pub(crate) use shuttle::{
    hint::spin_loop,
    sync::Arc,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence},
    thread,
};

#[cfg(not(weft_checker))]
pub(crate) use std::{
    hint::spin_loop,
    sync::Arc,
    sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence},
    thread,
};

mod cell;
pub(crate) use cell::UnsafeCell;

mod epochs;
pub(crate) use epochs::epoch_word;

mod identity;
pub(crate) use identity::{ThreadSlot, current_thread_id, current_thread_slot, known_thread_slot};

mod selectors;
pub(crate) use selectors::Registration;

// `--cfg weft_force_table` runs the portable wait table on Linux too, so CI tests the fallback
// that other targets use in production. The shared wake mode keeps the kernel futex even then:
// a table in one process cannot wake another.
#[cfg(all(target_os = "linux", not(weft_checker)))]
mod futex;
#[cfg(all(target_os = "linux", not(weft_checker), not(weft_force_table)))]
pub(crate) use futex::{wait, wake};

#[cfg(any(weft_checker, not(target_os = "linux"), weft_force_table))]
mod table;
#[cfg(any(weft_checker, not(target_os = "linux"), weft_force_table))]
pub(crate) use table::{wait, wake};

pub(crate) mod owner;

/// Who can sleep on a word and be woken: the protocol code of a primitive is written once and
/// run in either mode (`docs/wait-layer.md`, "Wake modes").
///
/// - [`Private`]: threads of this process. On Linux, `FUTEX_PRIVATE_FLAG`: the kernel keys the
///   word by this address space, the cheapest lookup. What every in-process primitive uses.
/// - [`Shared`]: threads of any process that maps the memory holding the word (the primitives of
///   `weftsync::process`). On Linux, the futex without the private flag, keyed by the memory
///   itself, so two processes that map one file at different addresses meet on one word.
///
/// Under loom and shuttle both modes are the emulated table (a model's "processes" are threads),
/// so every model of a protocol covers it in both modes. On other targets both are the table
/// too, which cannot reach another process; `weftsync::process` refuses to share memory there.
pub(crate) trait WakeMode {
    /// `wait` of the contract, in this mode.
    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool;
    /// `wake` of the contract, in this mode: only the address is used.
    fn wake(word: *const AtomicU32, n: u32) -> u32;
    /// Wakes every sleeper on a *ready word* (see [`wake_ready`]). Private: also the selectors
    /// registered on it. Shared: only the sleepers (selectors are of this process and wait on
    /// in-process objects only), the same as `wake(word, u32::MAX)`.
    fn wake_ready(word: &AtomicU32);
}

/// Sleepers of this process only: see [`WakeMode`].
#[derive(Debug)]
pub(crate) struct Private;

/// Sleepers of every process mapping the word: see [`WakeMode`].
#[derive(Debug)]
pub(crate) struct Shared;

impl WakeMode for Private {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
        wait(word, expected, deadline)
    }
    #[inline]
    fn wake(word: *const AtomicU32, n: u32) -> u32 {
        wake(word, n)
    }
    #[inline]
    fn wake_ready(word: &AtomicU32) {
        wake_ready(word);
    }
}

impl WakeMode for Shared {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
        #[cfg(all(target_os = "linux", not(weft_checker)))]
        return futex::wait_shared(word, expected, deadline);
        #[cfg(not(all(target_os = "linux", not(weft_checker))))]
        return table::wait(word, expected, deadline);
    }
    #[inline]
    fn wake(word: *const AtomicU32, n: u32) -> u32 {
        #[cfg(all(target_os = "linux", not(weft_checker)))]
        return futex::wake_shared(word, n);
        #[cfg(not(all(target_os = "linux", not(weft_checker))))]
        return table::wake(word, n);
    }
    #[inline]
    fn wake_ready(word: &AtomicU32) {
        Shared::wake(word, u32::MAX);
    }
}

mod spin;
pub(crate) use spin::{Site, Spin};

/// Wakes at most one thread sleeping on `word` (any one of them); says whether it woke one.
#[inline]
pub(crate) fn wake_one(word: &AtomicU32) -> bool {
    wake(word, 1) > 0
}

/// Wakes every thread sleeping on `word`.
#[inline]
pub(crate) fn wake_all(word: &AtomicU32) {
    wake(word, u32::MAX);
}

/// Wakes every thread sleeping on `word`, a *ready word*, and every selector registered on it.
/// The caller has just changed the object that `word` belongs to with a read-modify-write (or in
/// a critical section) that read its "someone waits" state: that is what the selectors' ordering
/// argument rests on (`selectors.rs`). Costs one load more than `wake_all` while no selector is
/// registered anywhere.
#[inline]
pub(crate) fn wake_ready(word: &AtomicU32) {
    selectors::notify(word as *const AtomicU32 as usize);
    wake(word, u32::MAX);
}

/// Wakes at most one thread sleeping on the word at `word`, whose memory may have been freed
/// since the caller's last access: only the address is used. A wake that lands on an unrelated
/// sleeper now using the address is a spurious return for it, which the contract allows.
/// For a waker that hands a waiter its "done" and must not touch the waiter's word after.
#[inline]
pub(crate) fn wake_one_at(word: *const AtomicU32) -> bool {
    wake(word, 1) > 0
}

/// The one deadline type: `None` means "wait forever". A timeout too large for `Instant`
/// (`Duration::MAX` and its kin) is a wait forever, never an overflow.
#[inline]
pub(crate) fn deadline_after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// Whether a deadline has passed. `None` never passes.
#[inline]
pub(crate) fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

#[cfg(all(test, not(weft_checker)))]
pub(crate) mod tests {
    //! The wait layer's contract, tested directly on whichever backend this build uses; and
    //! [`watched`], the watchdog of the library's own unit tests that can block.
    use super::*;
    use std::sync::Arc;

    /// Runs a unit test's body on a thread of its own and fails the test, by name, if the body
    /// has not returned within `WEFT_WATCHDOG_SECS` (default 30 s): a lost wake-up or a deadline
    /// that never comes fails the test instead of hanging `cargo test --lib`. The std suite's
    /// `tests/std/watchdog.rs` does the same (with a thread dump) for the integration tests.
    pub(crate) fn watched<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
        use std::sync::mpsc::{RecvTimeoutError, channel};
        let name = std::thread::current()
            .name()
            .unwrap_or("a unit test")
            .to_owned();
        let limit = std::env::var("WEFT_WATCHDOG_SECS")
            .ok()
            .and_then(|secs| secs.trim().parse::<f64>().ok())
            .map_or(Duration::from_secs(30), Duration::from_secs_f64);
        let (done, finished) = channel();
        let runner = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                // A panic drops `done` unsent: the caller sees a disconnect and re-raises it.
                let _ = done.send(body());
            })
            .expect("watchdog: could not spawn the test body's thread");
        match finished.recv_timeout(limit) {
            Ok(value) => {
                let _ = runner.join();
                value
            }
            Err(RecvTimeoutError::Disconnected) => match runner.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the body's thread ended without sending its result"),
            },
            Err(RecvTimeoutError::Timeout) => panic!(
                "watchdog: unit test `{name}` did not finish within {limit:?} (a lost wake-up, \
                 or a deadline that never came; WEFT_WATCHDOG_SECS changes the limit)"
            ),
        }
    }

    /// Where thread `tid` of this process sleeps, from `/proc/self/task/<tid>/syscall`: the
    /// word's address and the value it waits for while the thread is blocked in a futex wait,
    /// `None` otherwise. How a unit test sees that a blocked call sleeps in the kernel on the
    /// word (and value) it should. Linux futex backend only.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    pub(crate) fn futex_wait_of(tid: i32) -> Option<(usize, u32)> {
        let syscall = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).ok()?;
        let fields: Vec<&str> = syscall.split_whitespace().collect();
        let hex = |i: usize| {
            fields
                .get(i)
                .and_then(|f| u64::from_str_radix(f.trim_start_matches("0x"), 16).ok())
        };
        let number: i64 = fields.first()?.parse().ok()?;
        let addr = usize::try_from(hex(1)?).ok()?;
        let expected = u32::try_from(hex(3)?).ok()?;
        (number == libc::SYS_futex).then_some((addr, expected))
    }

    #[test]
    fn wait_returns_at_once_when_value_differs() {
        watched(|| {
            let w = AtomicU32::new(1);
            assert!(wait(&w, 0, None), "a mismatched value must not sleep");
        });
    }

    #[test]
    fn timed_wait_reports_timeout_after_deadline() {
        watched(|| {
            let w = AtomicU32::new(0);
            let start = Instant::now();
            assert!(
                !wait(&w, 0, deadline_after(Duration::from_millis(30))),
                "nobody woke us"
            );
            assert!(
                start.elapsed() >= Duration::from_millis(30),
                "returned before the deadline"
            );
        });
    }

    #[test]
    fn past_deadline_does_not_sleep() {
        watched(|| {
            let w = AtomicU32::new(0);
            assert!(!wait(&w, 0, Some(Instant::now())));
        });
    }

    #[test]
    fn huge_timeout_is_forever_not_overflow() {
        watched(|| {
            assert_eq!(deadline_after(Duration::MAX), None);
            // A deadline far out but representable must not overflow the timespec either.
            let w = Arc::new(AtomicU32::new(0));
            let far = Instant::now().checked_add(Duration::from_secs(1 << 40));
            let w2 = Arc::clone(&w);
            let t = std::thread::spawn(move || while !wait(&w2, 0, far) {});
            while w.load(Ordering::SeqCst) == 0 {
                w.store(1, Ordering::SeqCst);
                wake_all(&w);
            }
            t.join().unwrap();
        });
    }

    #[test]
    fn shared_mode_wakes_a_sleeper_and_counts_it() {
        // The shared mode on ordinary memory: the kernel keys the word by its memory, and a
        // waker of the same mode finds it. (Across processes: tests/std/process.rs.)
        watched(|| {
            let w = Arc::new(AtomicU32::new(0));
            assert_eq!(Shared::wake(&*w, 1), 0, "nobody sleeps on the word yet");
            let w2 = Arc::clone(&w);
            let t = std::thread::spawn(move || {
                while w2.load(Ordering::Acquire) == 0 {
                    Shared::wait(&w2, 0, None);
                }
            });
            w.store(1, Ordering::Release);
            while !t.is_finished() {
                Shared::wake(&*w, 1);
                std::thread::yield_now();
            }
            t.join().unwrap();
            assert_eq!(Shared::wake(&*w, 1), 0, "nobody is left to wake");
            assert!(
                Shared::wait(&w, 0, None),
                "a mismatched value must not sleep, and is no timeout, in the shared mode too"
            );
            assert!(
                !Shared::wait(&w, 1, Some(Instant::now())),
                "a past deadline is one try in the shared mode too"
            );
        });
    }

    /// A thread that sleeps on `w` in the shared mode while it reads 0, returned once `/proc`
    /// shows it asleep in the kernel on that word, so that only a wake can end its sleep.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    fn shared_sleeper_seen_asleep(w: &Arc<AtomicU32>) -> std::thread::JoinHandle<()> {
        use std::sync::atomic::AtomicI32;
        let tid = Arc::new(AtomicI32::new(0));
        let (w2, t2) = (Arc::clone(w), Arc::clone(&tid));
        let sleeper = std::thread::spawn(move || {
            // SAFETY: gettid has no preconditions and cannot fail.
            t2.store(unsafe { libc::gettid() }, Ordering::SeqCst);
            while w2.load(Ordering::Acquire) == 0 {
                Shared::wait(&w2, 0, None);
            }
        });
        let word = Arc::as_ptr(w) as usize;
        loop {
            let tid = tid.load(Ordering::SeqCst);
            if tid != 0 && futex_wait_of(tid) == Some((word, 0)) {
                return sleeper;
            }
            std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
        }
    }

    /// A shared wake reaches a thread asleep in the kernel on the word in the shared mode, and
    /// counts it. The sleeper is seen asleep on the word (from /proc) before the store and the
    /// wake, so only the wake can end its sleep: the test above may pass with no wake at all
    /// when the sleeper sees the store before it sleeps.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    #[test]
    fn a_shared_wake_reaches_a_sleeper_asleep_on_the_word_and_counts_it() {
        watched(|| {
            let w = Arc::new(AtomicU32::new(0));
            let sleeper = shared_sleeper_seen_asleep(&w);
            w.store(1, Ordering::Release);
            assert_eq!(
                Shared::wake(&*w, 1),
                1,
                "the sleeper sleeps on the word: the shared wake must reach it and count it"
            );
            sleeper.join().unwrap();
        });
    }

    /// A shared ready-wake (`Shared::wake_ready`, what a process-shared `Event`'s `set` calls)
    /// reaches a thread seen asleep on the word in the shared mode, which nothing else wakes.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    #[test]
    fn a_shared_ready_wake_reaches_a_sleeper_asleep_on_the_word() {
        watched(|| {
            let w = Arc::new(AtomicU32::new(0));
            let sleeper = shared_sleeper_seen_asleep(&w);
            w.store(1, Ordering::Release);
            Shared::wake_ready(&w);
            sleeper.join().unwrap();
        });
    }

    /// A signal that interrupts a futex wait (`EINTR`: a handler installed without
    /// `SA_RESTART`) does not end it: `futex.rs` sleeps again against the same deadline, so the
    /// sleeper is seen asleep on the word again after its handler ran, and returns only when
    /// woken. (A return there would be a spurious one, which the contract allows, but
    /// `futex.rs` promises the retry.)
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    #[test]
    fn a_signal_that_interrupts_a_wait_does_not_end_it() {
        use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize};
        static HANDLED: AtomicUsize = AtomicUsize::new(0);
        extern "C" fn on_signal(_: libc::c_int) {
            HANDLED.fetch_add(1, Ordering::SeqCst);
        }
        watched(|| {
            // SAFETY: a zeroed sigaction is a valid value (empty mask, no flags, so no
            // SA_RESTART); the handler is an `extern "C" fn(c_int)` that only touches an atomic,
            // which is async-signal-safe. No other test uses SIGUSR2; the old action is put back
            // below.
            let old = unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                assert_eq!(libc::sigaction(libc::SIGUSR2, &action, &mut old), 0);
                old
            };
            let w = Arc::new(AtomicU32::new(0));
            let tid = Arc::new(AtomicI32::new(0));
            let returned = Arc::new(AtomicBool::new(false));
            let (w2, t2, r2) = (Arc::clone(&w), Arc::clone(&tid), Arc::clone(&returned));
            let sleeper = std::thread::spawn(move || {
                // SAFETY: gettid has no preconditions and cannot fail.
                t2.store(unsafe { libc::gettid() }, Ordering::SeqCst);
                let woken = wait(&w2, 0, None);
                r2.store(true, Ordering::SeqCst);
                (woken, w2.load(Ordering::SeqCst))
            });
            let word = Arc::as_ptr(&w) as usize;
            let asleep = || {
                let tid = tid.load(Ordering::SeqCst);
                tid != 0 && futex_wait_of(tid) == Some((word, 0))
            };
            while !asleep() {
                std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
            }
            let before = HANDLED.load(Ordering::SeqCst);
            // SAFETY: tgkill with this process's id and a live thread of it, and a signal whose
            // handler is installed above.
            let sent = unsafe {
                libc::syscall(
                    libc::SYS_tgkill,
                    libc::getpid(),
                    tid.load(Ordering::SeqCst),
                    libc::SIGUSR2,
                )
            };
            assert_eq!(sent, 0, "tgkill failed");
            while HANDLED.load(Ordering::SeqCst) == before {
                std::thread::yield_now();
            }
            // The handler ran: the sleeper either returns from `wait` or sleeps on the word again.
            while !returned.load(Ordering::SeqCst) && !asleep() {
                std::thread::yield_now();
            }
            assert!(
                !returned.load(Ordering::SeqCst),
                "a signal ended the wait: an interrupted futex wait must sleep again"
            );
            w.store(1, Ordering::SeqCst);
            wake_all(&w);
            assert_eq!(
                sleeper.join().unwrap(),
                (true, 1),
                "the wait ends with the wake, after the store"
            );
            // SAFETY: puts back the action saved above.
            unsafe {
                assert_eq!(
                    libc::sigaction(libc::SIGUSR2, &old, std::ptr::null_mut()),
                    0
                )
            };
        });
    }

    /// The private mode (`Private`, which the generic primitives such as `RawEvent` and
    /// `RawBarrier` sleep and wake through) keeps the contract: a past deadline is one try
    /// (`false`), a differing value returns `true` at once, a wake with nobody asleep counts 0,
    /// and a wake or a ready-wake reaches a sleeper seen asleep on the word (from /proc), which
    /// nothing else would wake.
    #[cfg(all(target_os = "linux", not(miri), not(weft_force_table)))]
    #[test]
    fn the_private_mode_keeps_the_contract() {
        use std::sync::atomic::AtomicI32;
        watched(|| {
            let w = Arc::new(AtomicU32::new(0));
            assert!(
                !Private::wait(&w, 0, Some(Instant::now())),
                "a past deadline is one try that reports the timeout"
            );
            assert!(
                Private::wait(&w, 1, None),
                "a differing value returns at once and is no timeout"
            );
            assert_eq!(Private::wake(&*w, 1), 0, "nobody sleeps on the word");
            let wakes: [fn(&AtomicU32) -> Option<u32>; 2] = [
                |w| Some(Private::wake(w, 1)),
                |w| {
                    Private::wake_ready(w);
                    None
                },
            ];
            for (round, wake_it) in wakes.into_iter().enumerate() {
                let round = round as u32;
                let tid = Arc::new(AtomicI32::new(0));
                let (w2, t2) = (Arc::clone(&w), Arc::clone(&tid));
                let sleeper = std::thread::spawn(move || {
                    // SAFETY: gettid has no preconditions and cannot fail.
                    t2.store(unsafe { libc::gettid() }, Ordering::SeqCst);
                    while w2.load(Ordering::SeqCst) == round {
                        Private::wait(&w2, round, None);
                    }
                });
                let word = Arc::as_ptr(&w) as usize;
                let asleep = || {
                    let tid = tid.load(Ordering::SeqCst);
                    tid != 0 && futex_wait_of(tid) == Some((word, round))
                };
                while !asleep() {
                    std::thread::sleep(Duration::from_millis(1)); // polling /proc, not ordering
                }
                w.store(round + 1, Ordering::SeqCst);
                if let Some(woken) = wake_it(&w) {
                    assert_eq!(woken, 1, "the wake reached the sleeper and counts it");
                }
                sleeper.join().unwrap();
            }
        });
    }

    #[test]
    fn wake_one_wakes_a_sleeper_and_counts_it() {
        watched(|| {
            let w = Arc::new(AtomicU32::new(0));
            let w2 = Arc::clone(&w);
            let t = std::thread::spawn(move || {
                while w2.load(Ordering::Acquire) == 0 {
                    wait(&w2, 0, None);
                }
            });
            // No sleep to order threads: keep waking until the sleeper has seen the store.
            w.store(1, Ordering::Release);
            while !t.is_finished() {
                wake_one(&w);
                std::thread::yield_now();
            }
            t.join().unwrap();
            assert_eq!(wake(&*w, 1), 0, "nobody is left to wake");
        });
    }

    /// `wake_one` and `wake_one_at` say whether they woke a sleeper: `false` with nobody asleep
    /// on the word, `true` once one was.
    #[test]
    fn wake_one_and_wake_one_at_say_whether_they_woke_a_sleeper() {
        watched(|| {
            let w = Arc::new(AtomicU32::new(0));
            assert!(
                !wake_one(&w),
                "wake_one woke nobody: nobody sleeps on the word"
            );
            assert!(
                !wake_one_at(&*w),
                "wake_one_at woke nobody: nobody sleeps on the word"
            );
            let wakes: [fn(&AtomicU32) -> bool; 2] = [wake_one, |w| wake_one_at(w)];
            for (round, wake_it) in wakes.into_iter().enumerate() {
                let round = round as u32;
                let w2 = Arc::clone(&w);
                // Sleeps until woken at least once while the word reads `round`.
                let sleeper = std::thread::spawn(move || {
                    while w2.load(Ordering::SeqCst) == round {
                        wait(&w2, round, None);
                    }
                });
                // No sleep to order threads: keep waking until a wake reached the sleeper.
                while !wake_it(&w) {
                    std::thread::yield_now();
                }
                w.store(round + 1, Ordering::SeqCst);
                wake_all(&w);
                sleeper.join().unwrap();
            }
        });
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    //! The emulated wait layer does everything the contract allows, and loom explores each
    //! choice: outcomes are collected across all executions of a model (in a std static, which
    //! loom does not track) and every allowed outcome must show up at least once.
    use super::*;
    use loom::sync::Arc;
    use std::collections::BTreeSet;
    use std::sync::Mutex as StdMutex;

    fn outcomes_of(
        model: impl Fn(&StdMutex<BTreeSet<&'static str>>) + Sync + Send + 'static,
    ) -> BTreeSet<&'static str> {
        let seen: &'static StdMutex<BTreeSet<&'static str>> = Box::leak(Box::default());
        loom::model(move || model(seen));
        seen.lock().unwrap().clone()
    }

    /// Wakes one sleeper on `word`, retrying until one was there to wake.
    fn wake_one_sleeper(word: &AtomicU32) {
        while !wake_one(word) {
            thread::yield_now();
        }
    }

    #[test]
    fn wake_one_may_reach_either_of_two_sleepers() {
        let seen = outcomes_of(|seen| {
            let word = Arc::new(AtomicU32::new(0));
            let first = Arc::new(AtomicU32::new(0));
            let sleepers: Vec<_> = [1u32, 2]
                .into_iter()
                .map(|id| {
                    let (word, first) = (Arc::clone(&word), Arc::clone(&first));
                    thread::spawn(move || {
                        // One wait each; a spurious return is as good as a wake here.
                        wait(&word, 0, None);
                        if first
                            .compare_exchange(0, id, Ordering::SeqCst, Ordering::SeqCst)
                            .is_ok()
                        {
                            wake_all(&first);
                        }
                    })
                })
                .collect();
            wake_one_sleeper(&word);
            while first.load(Ordering::SeqCst) == 0 {
                wait(&first, 0, None);
            }
            word.store(1, Ordering::SeqCst);
            wake_all(&word);
            for s in sleepers {
                s.join().unwrap();
            }
            let name = match first.load(Ordering::SeqCst) {
                1 => "first sleeper returned first",
                _ => "second sleeper returned first",
            };
            seen.lock().unwrap().insert(name);
        });
        assert_eq!(
            seen.len(),
            2,
            "a wake must be able to reach either sleeper: {seen:?}"
        );
    }

    #[test]
    fn an_untimed_wait_may_return_spuriously_but_not_always() {
        let seen = outcomes_of(|seen| {
            let word = Arc::new(AtomicU32::new(0));
            let other = Arc::new(AtomicU32::new(0));
            let sleeper = {
                let word = Arc::clone(&word);
                thread::spawn(move || {
                    let woken = wait(&word, 0, None);
                    assert!(woken, "an untimed wait never reports a timeout");
                    word.load(Ordering::SeqCst)
                })
            };
            // A wake on an unrelated word opens a chance for a spurious return.
            wake_one(&other);
            word.store(1, Ordering::SeqCst);
            wake_all(&word);
            let name = match sleeper.join().unwrap() {
                0 => "returned before the store: spurious",
                _ => "returned after the store",
            };
            seen.lock().unwrap().insert(name);
        });
        assert_eq!(
            seen.len(),
            2,
            "both a spurious return and none must be explored: {seen:?}"
        );
    }

    #[test]
    fn a_timed_wait_may_time_out_or_be_woken() {
        let seen = outcomes_of(|seen| {
            let word = Arc::new(AtomicU32::new(0));
            let sleeper = {
                let word = Arc::clone(&word);
                // An hour: real time must not end it in an execution (loom-tests/main.rs, LONG).
                thread::spawn(move || wait(&word, 0, deadline_after(Duration::from_secs(3600))))
            };
            word.store(1, Ordering::SeqCst);
            let woke = wake_one(&word);
            let timed_in_time = sleeper.join().unwrap();
            if woke {
                assert!(
                    timed_in_time,
                    "a wake that counted this sleeper must win over its timeout"
                );
            }
            let name = match (woke, timed_in_time) {
                (true, _) => "woken",
                (false, true) => "saw the store",
                (false, false) => "timed out",
            };
            seen.lock().unwrap().insert(name);
        });
        assert!(
            seen.contains("woken") && seen.contains("timed out"),
            "{seen:?}"
        );
    }
}
