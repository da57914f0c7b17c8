//! Loom models of `weftsync::process`: the protocols that differ from the in-process ones (the
//! robust lock word, the recorded semaphore permits, the condition's waiter slots, the byte
//! ring and pipe ends), run with the shared wake mode (the emulated table, as every mode under
//! the checkers). A modelled thread stands for a process: `__simulate_death()` is its kill -9
//! (it is marked dead and every waiter's slice ends), after which it must return at once,
//! leaving what it holds held. Bound: LOOM_MAX_PREEMPTIONS=2 (.cargo/config.toml).
//!
//! Since waits never end by slice under the checkers unless a death happened, a lost wake-up is
//! still a deadlock loom reports; each "wakes" model below fails if its wake is removed.

use crate::LONG;
use loom::sync::Arc;
use loom::thread;
use weftsync::BarrierTimeoutError;
use weftsync::process::{
    __simulate_death, Barrier, Condition, End, Event, Lock, LockGuard, Pipe, Queue, RLock,
    RLockGuard, RecvError, Semaphore,
};

/// Two threads increment under the robust lock: exact count, and loom's cell tracking proves
/// the critical sections never overlap.
#[test]
fn robust_lock_exclusion_two_threads() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(0u32));
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || *other.lock() += 1);
        *lock.lock() += 1;
        t.join().unwrap();
        assert_eq!(*lock.lock(), 2, "an increment was lost: exclusion broken");
    });
}

/// A thread asleep on the robust lock is woken by the unlock (the only waker: no slice ends,
/// nobody dies). A lost wake-up is a loom deadlock.
#[test]
fn robust_unlock_wakes_sleeper() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(()));
        let g = lock.lock();
        let other = Arc::clone(&lock);
        let t = thread::spawn(move || {
            let g = other.lock();
            assert!(!LockGuard::owner_died(&g), "nobody died");
        });
        drop(g);
        t.join().unwrap();
        assert!(!lock.is_locked());
    });
}

/// A holder dies mid-update (its guard forgotten, then killed) while another thread locks, in
/// every order: the other thread gets the lock, is told the owner died, and sees the half update
/// (loom's cell tracking checks the dead holder's writes are ordered before its reads: the death
/// is observed before the data is touched). The death is the only thing that lets it in.
#[test]
fn dead_holder_is_replaced_with_owner_died() {
    crate::model(|| {
        let lock = Arc::new(Lock::new([0u32; 2]));
        let holder = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let mut g = lock.lock();
                g[0] = 1; // half an update
                core::mem::forget(g);
                __simulate_death();
            })
        };
        let g = lock.lock();
        let died = LockGuard::owner_died(&g);
        let data = *g;
        drop(g);
        holder.join().unwrap();
        // Either this thread locked first (the holder then waited, took it after our unlock,
        // and died holding it), or it found the holder dead.
        if died {
            assert_eq!(
                data,
                [1, 0],
                "the dead holder's write must be visible to the recoverer"
            );
        } else {
            assert_eq!(data, [0, 0]);
            let g = lock.lock();
            assert!(
                LockGuard::owner_died(&g),
                "the holder died holding the lock after us: the next locker must be told"
            );
        }
    });
}

/// A timed lock that gives up just as the holder unlocks leaves the lock usable: the blocked
/// third thread still gets it.
#[test]
fn timeout_racing_unlock_leaves_robust_lock_usable() {
    crate::model(|| {
        let lock = Arc::new(Lock::new(0u32));
        let g = lock.lock();
        let timed = {
            let l = Arc::clone(&lock);
            thread::spawn(move || {
                if let Some(mut g) = l.lock_for(LONG) {
                    *g += 1;
                }
            })
        };
        let blocking = {
            let l = Arc::clone(&lock);
            thread::spawn(move || *l.lock() += 10)
        };
        drop(g);
        timed.join().unwrap();
        blocking.join().unwrap();
        let n = *lock.lock();
        assert!(
            n == 10 || n == 11,
            "the blocking locker must get the lock: {n}"
        );
    });
}

/// A reentrant owner that dies at depth 2 is replaced by the next thread, at depth 1, told the
/// owner died; the owner's own reentry never blocks on itself.
#[test]
fn dead_rlock_owner_is_replaced_at_depth_one() {
    crate::model(|| {
        let lock = Arc::new(RLock::new(()));
        let owner = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let a = lock.lock();
                let b = lock.lock();
                assert_eq!(lock.depth(), 2);
                core::mem::forget((a, b));
                __simulate_death();
            })
        };
        let g = lock.lock();
        let died = RLockGuard::owner_died(&g);
        assert_eq!(lock.depth(), 1, "a new owner starts at depth 1");
        drop(g);
        owner.join().unwrap();
        if !died {
            assert!(RLockGuard::owner_died(&lock.lock()));
        }
    });
}

/// A release wakes a thread asleep in `acquire` (the only waker).
#[test]
fn semaphore_release_wakes_acquirer() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let t = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || drop(sem.acquire()))
        };
        sem.release(1);
        t.join().unwrap();
        assert_eq!(sem.available_permits(), 1, "the permit went back on drop");
    });
}

/// A process holding the only permit dies: an acquirer gets it back (recorded against the dead
/// process and reclaimed) and `reclaimed_permits` says 1. The death is its only way in.
#[test]
fn dead_holders_permit_comes_back() {
    crate::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let holder = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || {
                core::mem::forget(sem.acquire());
                __simulate_death();
            })
        };
        let p = sem.acquire();
        drop(p);
        holder.join().unwrap();
        if sem.reclaimed_permits() == 0 {
            // We went first; the holder then took the permit and died: it comes back now.
            drop(sem.acquire());
        }
        assert_eq!(
            sem.reclaimed_permits(),
            1,
            "exactly the dead holder's permit"
        );
        assert_eq!(sem.available_permits(), 1);
    });
}

/// A notify wakes a waiter asleep in its slot (the only waker), and a timed wait that races the
/// notify reports exactly what the notify counted.
#[test]
fn notify_wakes_slot_waiter_and_counts_exactly() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(false), Condition::new()));
        let waiter = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (lock, cond) = &*pair;
                let mut g = lock.lock();
                let mut notified = false;
                while !*g {
                    notified = cond.wait_for(&mut g, LONG);
                    if !notified {
                        break;
                    }
                }
                (notified, *g)
            })
        };
        let (lock, cond) = &*pair;
        *lock.lock() = true;
        let woke = cond.notify_one();
        let (notified, flag) = waiter.join().unwrap();
        if woke {
            assert!(
                notified || flag,
                "a notify that counted the waiter must not be reported as a timeout"
            );
        }
    });
}

/// A waiter dies in its wait (registered in the oldest slot) and the notify picks it; the live
/// waiter must still be woken: the dead one's slot is freed, or its notification passed on, when
/// a slice ends after the death. Without the pass-on, loom finds the live waiter stranded.
#[test]
fn notification_to_dead_waiter_is_passed_on() {
    crate::model(|| {
        let pair = Arc::new((Lock::new(0u32), Condition::new()));
        let doomed = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (lock, cond) = &*pair;
                let mut g = lock.lock();
                cond.__wait_then_die(&mut g);
                core::mem::forget(g); // the wait released the lock; the process is gone
            })
        };
        doomed.join().unwrap();
        let live = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (lock, cond) = &*pair;
                let mut g = lock.lock();
                while *g == 0 {
                    cond.wait(&mut g);
                }
            })
        };
        let (lock, cond) = &*pair;
        *lock.lock() = 1;
        cond.notify_one();
        live.join().unwrap();
    });
}

/// `set` wakes a waiter asleep in the shared wake mode (the only waker).
#[test]
fn event_set_wakes_waiter_shared_mode() {
    crate::model(|| {
        let ev = Arc::new(Event::new());
        let t = {
            let ev = Arc::clone(&ev);
            thread::spawn(move || ev.wait())
        };
        ev.set();
        t.join().unwrap();
    });
}

/// `process::Barrier` is `src/barrier.rs`'s protocol in the shared mode: the last arrival's
/// release wakes the first party, its only waker; each gets its own index.
#[test]
fn barrier_release_wakes_waiter_shared_mode() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(2));
        let t = {
            let b = Arc::clone(&b);
            thread::spawn(move || b.wait())
        };
        let mine = b.wait().expect("nobody breaks it");
        let theirs = t.join().unwrap().expect("nobody breaks it");
        assert_eq!(mine + theirs, 1, "indices 0 and 1, once each");
    });
}

/// A party's timeout breaks a barrier whose other waiter sleeps untimed in the shared mode: the
/// break is that waiter's only waker (the third party never comes).
#[test]
fn timed_out_party_breaks_sleeping_waiter_shared_mode() {
    crate::model(|| {
        let b = Arc::new(Barrier::new(3));
        let t = {
            let b = Arc::clone(&b);
            thread::spawn(move || b.wait())
        };
        assert_eq!(
            b.wait_for(LONG),
            Err(BarrierTimeoutError::Timeout),
            "the third party never comes"
        );
        assert!(
            t.join().unwrap().is_err(),
            "the timeout must break the waiter"
        );
    });
}

/// A put wakes a getter asleep on the empty byte ring; the message arrives whole.
#[test]
fn put_wakes_getter_and_frames_arrive_whole() {
    crate::model(|| {
        let q = Arc::new(Queue::boxed(16));
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.get::<Vec<u8>>().unwrap())
        };
        q.put(&[1u8, 2, 3][..]).unwrap();
        assert_eq!(t.join().unwrap(), [1, 2, 3]);
    });
}

/// A get that frees room wakes a putter asleep on the full ring (the only waker).
#[test]
fn get_wakes_putter_on_full_ring() {
    crate::model(|| {
        let q = Arc::new(Queue::boxed(8));
        q.put("abcd").unwrap(); // 4 + 4 bytes: full
        let t = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put("e").unwrap())
        };
        assert_eq!(q.get::<String>().unwrap(), "abcd");
        t.join().unwrap();
        assert_eq!(q.get::<String>().unwrap(), "e");
    });
}

/// The process holding the other end of a pipe dies without closing it: a receiver blocked on
/// the empty ring reads end-of-file (the death is the only thing that ends its wait).
#[test]
fn dead_peer_end_reads_as_closed() {
    crate::model(|| {
        let pipe = Arc::new(Pipe::boxed(16));
        let a = pipe.open(End::A).unwrap();
        let peer = {
            let pipe = Arc::clone(&pipe);
            thread::spawn(move || {
                let b = pipe.open(End::B).unwrap();
                b.send("bye").unwrap();
                core::mem::forget(b);
                __simulate_death();
            })
        };
        let first = a.recv::<String>();
        let second = a.recv::<String>();
        peer.join().unwrap();
        assert_eq!(
            first.as_deref(),
            Ok("bye"),
            "what was sent before the death stays"
        );
        assert_eq!(
            second,
            Err(RecvError::Disconnected),
            "a dead end reads as closed"
        );
    });
}
