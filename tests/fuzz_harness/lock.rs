//! Lock: every successful acquisition increments the protected counter exactly once, so the
//! final value equals the number of acquisitions the threads report; a held lock is never entered
//! by a second guard (checked with an "inside" flag under the lock). Acquisitions go through
//! every form: blocking, one try, zero and short timeouts, deadlines, the owned `Arc` guard and a
//! guard narrowed with `LockGuard::map`.

use super::script;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weftsync::{Lock, LockGuard};

/// The critical section: `(count, inside)`, where `inside` is true only while a guard is held.
fn inside(state: &mut (u64, bool)) {
    assert!(!state.1, "two guards inside the lock at once");
    state.1 = true;
    state.0 += 1;
    std::hint::spin_loop();
    state.1 = false;
}

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    let lock = Arc::new(Lock::new((0u64, false)));
    let entered = script::run_threads(&scripts, |_, ops| {
        let mut n = 0u64;
        for &op in ops {
            let micros = Duration::from_micros(u64::from(op % 64));
            let took = match op % 8 {
                0 | 1 => {
                    inside(&mut lock.lock());
                    true
                }
                2 => lock.try_lock().map(|mut g| inside(&mut g)).is_some(),
                3 => lock
                    .lock_for(Duration::ZERO)
                    .map(|mut g| inside(&mut g))
                    .is_some(),
                4 => lock.lock_for(micros).map(|mut g| inside(&mut g)).is_some(),
                5 => lock
                    .lock_until(Instant::now() + micros)
                    .map(|mut g| inside(&mut g))
                    .is_some(),
                6 => lock
                    .lock_arc_for(micros)
                    .map(|mut g| inside(&mut g))
                    .is_some(),
                _ => {
                    let mut all = LockGuard::map(lock.lock(), |state| state);
                    inside(&mut all);
                    true
                }
            };
            n += u64::from(took);
        }
        n
    });
    assert!(
        !lock.is_locked(),
        "lock still held after every guard dropped"
    );
    let (count, inside) = *lock.lock();
    assert!(!inside);
    assert_eq!(
        count,
        entered.iter().sum::<u64>(),
        "acquisitions and increments disagree"
    );
}
