//! Lock: every successful acquisition increments the protected counter exactly once, so the
//! final value equals the number of acquisitions the threads report; a held lock is never entered
//! by a second guard (checked with an "inside" flag under the lock).

use super::script;
use std::time::Duration;
use weftsync::Lock;

pub fn run(data: &[u8]) {
    let scripts = script::threads(data);
    // (count, inside): `inside` is true only while a guard is held.
    let lock = Lock::new((0u64, false));
    let entered = script::run_threads(&scripts, |_, ops| {
        let mut n = 0u64;
        for &op in ops {
            let guard = match op % 5 {
                0 | 1 => Some(lock.lock()),
                2 => lock.try_lock(),
                3 => lock.lock_for(Duration::ZERO),
                _ => lock.lock_for(Duration::from_micros(u64::from(op % 64))),
            };
            if let Some(mut g) = guard {
                assert!(!g.1, "two guards inside the lock at once");
                g.1 = true;
                g.0 += 1;
                std::hint::spin_loop();
                g.1 = false;
                n += 1;
            }
        }
        n
    });
    assert!(
        !lock.is_locked(),
        "lock still held after every guard dropped"
    );
    let (count, inside) = lock.into_inner();
    assert!(!inside);
    assert_eq!(
        count,
        entered.iter().sum::<u64>(),
        "acquisitions and increments disagree"
    );
}
