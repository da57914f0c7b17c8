//! A holder killed in the middle of its critical section, and the survivor recovering. Python's
//! `multiprocessing.Lock` deadlocks here: the next `acquire()` waits for ever.
//!
//! A child process moves 10 from account A to account B under the lock of a `Value` holding
//! both balances: it debits A, then is killed (kill -9) before it credits B. The parent's next
//! lock gets the lock within a slice, is told the owner died (`LockGuard::owner_died`), finds
//! the money missing, and rolls the debit back. The check fails if the lock hangs (it waits
//! at most 5 s), if the death is not reported, or if the balances do not add up after repair.

use std::time::{Duration, Instant};
use weftsync::process::{Builder, Event, LockGuard, Region, Value};

pub const NAME: &str =
    "killed holder: a process dies mid-transfer; the survivor gets the lock, told";

pub const ENTRIES: &[crate::standalone::Entry] = &[("transfer", transfer)];

fn transfer() -> Result<(), String> {
    let r = Region::attach().map_err(|e| e.to_string())?;
    let accounts = r
        .find::<Value<[i64; 2]>>("accounts")
        .map_err(|e| e.to_string())?;
    let mid = r.find::<Event>("mid").map_err(|e| e.to_string())?;
    let mut g = accounts.get_lock().lock();
    g[0] -= 10; // debit A ...
    mid.set(); // ... and be killed here, before crediting B
    std::thread::sleep(Duration::from_secs(60));
    g[1] += 10;
    Ok(())
}

pub fn run() -> Result<String, String> {
    let r = Region::create(4096).map_err(|e| e.to_string())?;
    let accounts = r
        .place("accounts", Value::new([100i64, 0]))
        .map_err(|e| e.to_string())?;
    let mid = r.place("mid", Event::new()).map_err(|e| e.to_string())?;
    let kid = Builder::new("transfer")
        .region(&r)
        .spawn()
        .map_err(|e| e.to_string())?;
    if !mid.wait_for(Duration::from_secs(20)) {
        return Err("the child never reached the middle of its transfer".into());
    }
    kid.kill().map_err(|e| e.to_string())?;
    let killed = Instant::now();
    let status = kid.join().map_err(|e| e.to_string())?;
    let mut g = accounts
        .get_lock()
        .lock_for(Duration::from_secs(5))
        .ok_or("the lock of a killed holder was never handed on")?;
    let took = killed.elapsed();
    if !LockGuard::owner_died(&g) {
        return Err("the survivor was not told the holder died".into());
    }
    let before = *g;
    if g[0] + g[1] != 100 {
        g[0] += 10; // roll the half-done transfer back
    }
    let after = *g;
    let line = format!(
        "child {status}; survivor got the lock {took:.1?} after the kill, told the owner died; \
         balances {before:?} repaired to {after:?}"
    );
    if after[0] + after[1] == 100 {
        Ok(line)
    } else {
        Err(line)
    }
}
