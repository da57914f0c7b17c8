//! The wait layer as a table of sleepers keyed by address: used under the model checkers, and
//! on std targets other than Linux.
//!
//! One mutex guards a list of waiters; one condition variable wakes them. A waiter checks the
//! word and registers while holding the mutex, and every waker changes the word *before* it takes
//! the mutex, so a wake can never fall between a waiter's check and its sleep: the futex rule.
//! A woken entry is marked in the table, so a waiter that gives up at the same moment still sees
//! that it was woken and reports it: a timeout never swallows a wake.
//!
//! Time under the checkers: neither loom nor shuttle models it. A timed wait therefore
//! registers, yields once to the scheduler, and then reports "woken" if a wake marked it in
//! between, else "timed out". The checker explores both orders, which is exactly the race
//! between a timeout and a wake that the primitives must survive.

use super::{AtomicU32, Instant, Ordering};

#[cfg(weft_loom)]
use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(weft_shuttle)]
use shuttle::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(weft_checker))]
use std::sync::{Condvar, Mutex, MutexGuard};

struct Sleeper {
    addr: usize,
    token: u64,
    woken: bool,
}

struct Sleepers {
    next_token: u64,
    list: Vec<Sleeper>,
}

impl Sleepers {
    /// Removes `token`'s entry and says whether a wake had marked it.
    fn leave(&mut self, token: u64) -> bool {
        let at = self.list.iter().position(|s| s.token == token);
        let at = at.expect("weftsync wait table: a sleeper's entry vanished");
        self.list.remove(at).woken
    }

    fn is_woken(&self, token: u64) -> bool {
        self.list.iter().any(|s| s.token == token && s.woken)
    }
}

struct Table {
    sleepers: Mutex<Sleepers>,
    bell: Condvar,
}

#[cfg(weft_loom)]
loom::lazy_static! {
    static ref TABLE: Table = Table::new();
}
#[cfg(weft_shuttle)]
shuttle::lazy_static! {
    static ref TABLE: Table = Table::new();
}
#[cfg(not(weft_checker))]
static TABLE: Table = Table::new();

impl Table {
    #[cfg(weft_checker)]
    fn new() -> Self {
        Table {
            sleepers: Mutex::new(Sleepers {
                next_token: 0,
                list: Vec::new(),
            }),
            bell: Condvar::new(),
        }
    }

    #[cfg(not(weft_checker))]
    const fn new() -> Self {
        Table {
            sleepers: Mutex::new(Sleepers {
                next_token: 0,
                list: Vec::new(),
            }),
            bell: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Sleepers> {
        // The table's own code never panics while holding the mutex, so poison cannot happen;
        // ignoring it keeps a panicking user thread from breaking every other primitive.
        self.sleepers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sleeps while `*word == expected`, until woken or until `deadline`. Returns `false` only
/// when the deadline passed.
pub(crate) fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
    let table: &Table = &TABLE;
    let mut sleepers = table.lock();
    // Relaxed is enough: a waker stores to the word before it locks the table, so either that
    // store happens-before our lock (and we see it), or the waker finds our entry.
    if word.load(Ordering::Relaxed) != expected {
        return true;
    }
    if super::expired(deadline) {
        return false;
    }
    let token = sleepers.next_token;
    sleepers.next_token += 1;
    let addr = word as *const AtomicU32 as usize;
    sleepers.list.push(Sleeper {
        addr,
        token,
        woken: false,
    });
    match deadline {
        None => loop {
            sleepers = table.bell.wait(sleepers).unwrap_or_else(|e| e.into_inner());
            if sleepers.is_woken(token) {
                return sleepers.leave(token);
            }
        },
        Some(deadline) => timed_sleep(table, sleepers, token, deadline),
    }
}

/// Under a checker: yield once, then woken-or-timed-out, as the scheduler decided.
#[cfg(weft_checker)]
fn timed_sleep(table: &Table, sleepers: MutexGuard<'_, Sleepers>, token: u64, _: Instant) -> bool {
    drop(sleepers);
    super::thread::yield_now();
    table.lock().leave(token)
}

/// With std: a real timed sleep on the condition variable, against the fixed deadline.
#[cfg(not(weft_checker))]
fn timed_sleep(
    table: &Table,
    mut sleepers: MutexGuard<'_, Sleepers>,
    token: u64,
    deadline: Instant,
) -> bool {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if sleepers.is_woken(token) || left.is_zero() {
            return sleepers.leave(token);
        }
        sleepers = table
            .bell
            .wait_timeout(sleepers, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

/// Wakes at most `n` sleepers on `word`, oldest first; returns how many it woke.
pub(crate) fn wake(word: &AtomicU32, n: u32) -> u32 {
    let addr = word as *const AtomicU32 as usize;
    let mut sleepers = TABLE.lock();
    let mut woke = 0;
    for s in sleepers
        .list
        .iter_mut()
        .filter(|s| s.addr == addr && !s.woken)
    {
        if woke == n {
            break;
        }
        s.woken = true;
        woke += 1;
    }
    if woke > 0 {
        TABLE.bell.notify_all();
    }
    woke
}
