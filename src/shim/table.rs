//! The wait layer as a table of sleepers keyed by address: used under the model checkers, and
//! on std targets other than Linux.
//!
//! One mutex guards the table; one condition variable wakes its sleepers. A waiter checks the
//! word and registers while holding the mutex, and every waker changes the word *before* it takes
//! the mutex, so a wake can never fall between a waiter's check and its sleep: the futex rule.
//!
//! **Which sleeper a wake reaches is not decided by the waker.** A `wake(word, n)` posts a
//! *ticket*: "up to `n` of the sleepers registered on this word right now may wake". Then every
//! sleeper is let run (`notify_all`), and the eligible ones race for the mutex; the first to get
//! it claims the ticket, the others sleep on. So the order is whatever the scheduler makes it:
//! under loom every order is explored, under shuttle each schedule draws one, with std it is the
//! OS's. Nothing here is FIFO, and nothing in the crate may rely on FIFO (`docs/wait-layer.md`).
//!
//! Tickets keep the futex's counting exact. At posting, a ticket's count is capped by the
//! sleepers not yet spoken for by older tickets on the same word, so `wake` returns how many it
//! will wake, as `FUTEX_WAKE` does. A sleeper always claims the *oldest* ticket it is eligible
//! for, and a timed sleeper that gives up claims one too if it can (a wake that reached it wins
//! over its timeout, as in the kernel). Since a ticket's candidates are all the sleepers
//! registered before it, the candidate sets of one word's tickets are nested, and these two rules
//! keep every posted count claimable: no wake is lost, none is counted twice.
//!
//! **Under the checkers, also:**
//! - *Time.* Neither loom nor shuttle models it. A timed wait registers, yields once, and then
//!   reports "woken" if it could claim a ticket in between, else "timed out". The checker picks
//!   the interleaving, so every crossing of a wake and a timeout is explored.
//! - *Spurious returns.* An untimed wait, right after it registers, yields once (a timed wait
//!   yields anyway). If some `wake` (on any word) happened in that window and it could claim no
//!   ticket, it may return `true` without having been woken. Whether a wake falls into the window
//!   is the scheduler's choice, so the checkers explore both "a spurious return happened here" and
//!   "it did not". Only the window right after registering can produce one: a sleeper stranded
//!   later by a lost wake is never rescued by a spurious return, so lost wakes stay deadlocks
//!   the checkers report. At most [`SPURIOUS_PER_EXECUTION`] are taken per execution (one model
//!   run); once they are spent, untimed waits no longer yield first, which keeps models small.
//!
//! With std (non-Linux targets, and `--cfg weft_force_table` on Linux) the table is a real,
//! coarse implementation: no emulated time, no injected spurious returns.

use super::{AtomicU32, Instant, Ordering};

#[cfg(weft_loom)]
use loom::sync::{Condvar, Mutex, MutexGuard};
#[cfg(weft_shuttle)]
use shuttle::sync::{Condvar, Mutex, MutexGuard};
#[cfg(not(weft_checker))]
use std::sync::{Condvar, Mutex, MutexGuard};

/// How many spurious returns the checkers inject per execution (one model run). One is enough
/// to drive every re-check path a spurious return can reach; more multiplies loom's schedules.
#[cfg(weft_checker)]
const SPURIOUS_PER_EXECUTION: u32 = if cfg!(weft_loom) { 1 } else { 3 };

struct Sleeper {
    addr: usize,
    /// Registration order; also this sleeper's identity in the table.
    seq: u64,
}

/// A posted wake: up to `left` sleepers on `addr` registered before `seq` may claim it.
struct Ticket {
    addr: usize,
    seq: u64,
    left: u32,
}

struct Sleepers {
    next_seq: u64,
    list: Vec<Sleeper>,
    /// Oldest first.
    tickets: Vec<Ticket>,
    /// `wake` calls so far: a sleeper that sees it move during its window may return
    /// spuriously (checkers only).
    #[cfg(weft_checker)]
    wakes: u64,
    /// Spurious returns still allowed in this execution.
    #[cfg(weft_checker)]
    spurious_budget: u32,
    /// Simulated process deaths so far in this execution (`owner.rs`): a sleeper that watches
    /// them leaves its wait when the count moves, as a real waiter's time slice would end.
    #[cfg(weft_checker)]
    deaths: u64,
    /// The identities that died (checkers only).
    #[cfg(weft_checker)]
    dead: Vec<u32>,
}

impl Sleepers {
    /// Registers a sleeper on `addr`; returns its identity.
    fn register(&mut self, addr: usize) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.list.push(Sleeper { addr, seq });
        seq
    }

    /// Posts a ticket for up to `n` sleepers on `addr`; returns how many it will wake.
    fn post(&mut self, addr: usize, n: u32) -> u32 {
        let sleeping = self.list.iter().filter(|s| s.addr == addr).count();
        let spoken_for: usize = self
            .tickets
            .iter()
            .filter(|t| t.addr == addr)
            .map(|t| t.left as usize)
            .sum();
        let count = (n as usize).min(sleeping - spoken_for) as u32;
        if count > 0 {
            self.tickets.push(Ticket {
                addr,
                seq: self.next_seq,
                left: count,
            });
        }
        count
    }

    /// Lets sleeper `seq` claim the oldest ticket it is eligible for. On success removes the
    /// sleeper and returns `true`.
    fn settle(&mut self, seq: u64) -> bool {
        let at = self.list.iter().position(|s| s.seq == seq);
        let at = at.expect("weftsync wait table: a sleeper's entry vanished");
        let addr = self.list[at].addr;
        let ticket = self
            .tickets
            .iter()
            .position(|t| t.addr == addr && seq < t.seq && t.left > 0);
        let claimed = match ticket {
            Some(i) => {
                self.tickets[i].left -= 1;
                if self.tickets[i].left == 0 {
                    self.tickets.remove(i);
                }
                true
            }
            None => false,
        };
        if claimed {
            self.list.remove(at);
        }
        claimed
    }

    /// Sleeper `seq`, registered when `wake` calls were `wakes_then`, ends its window without a
    /// ticket: it returns spuriously if a wake happened meanwhile and the budget allows, leaving
    /// the table. Checkers only.
    #[cfg(weft_checker)]
    fn spurious(&mut self, seq: u64, wakes_then: u64) -> bool {
        if self.wakes == wakes_then || self.spurious_budget == 0 {
            return false;
        }
        self.spurious_budget -= 1;
        let at = self.list.iter().position(|s| s.seq == seq);
        self.list
            .remove(at.expect("weftsync wait table: a sleeper's entry vanished"));
        true
    }

    /// Sleeper `seq` gives up (its deadline passed). It still claims a ticket if it can: a wake
    /// that reached it wins over the timeout. Returns whether it was woken.
    fn leave(&mut self, seq: u64) -> bool {
        if self.settle(seq) {
            return true;
        }
        let at = self.list.iter().position(|s| s.seq == seq);
        self.list
            .remove(at.expect("weftsync wait table: a sleeper's entry vanished"));
        false
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
                next_seq: 0,
                list: Vec::new(),
                tickets: Vec::new(),
                wakes: 0,
                spurious_budget: SPURIOUS_PER_EXECUTION,
                deaths: 0,
                dead: Vec::new(),
            }),
            bell: Condvar::new(),
        }
    }

    #[cfg(not(weft_checker))]
    const fn new() -> Self {
        Table {
            sleepers: Mutex::new(Sleepers {
                next_seq: 0,
                list: Vec::new(),
                tickets: Vec::new(),
            }),
            bell: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Sleepers> {
        // The table's own code never panics while holding the mutex, so poison cannot happen;
        // ignoring it keeps a panicking user thread from breaking every other primitive.
        self.sleepers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn sleep<'a>(&'a self, sleepers: MutexGuard<'a, Sleepers>) -> MutexGuard<'a, Sleepers> {
        self.bell.wait(sleepers).unwrap_or_else(|e| e.into_inner())
    }
}

/// Sleeps while `*word == expected`, until woken or until `deadline`. Returns `false` only
/// when the deadline passed without a wake; a `true` may be spurious.
pub(crate) fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
    wait_watching(word, expected, deadline, None)
}

/// [`wait`] that also returns (`true`) when a simulated death happens while it sleeps, or has
/// happened since `deaths_seen` (which it then updates): under the checkers, the end of a real
/// waiter's time slice after a holder died (`owner.rs`). With std, `deaths_seen` is ignored.
pub(crate) fn wait_watching(
    word: &AtomicU32,
    expected: u32,
    deadline: Option<Instant>,
    mut deaths_seen: Option<&mut u64>,
) -> bool {
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
    // A death is checked under the table mutex, like the word: a death announced after this
    // point finds our entry and interrupts us.
    if sleepers.saw_new_death(&mut deaths_seen) {
        return true;
    }
    let me = sleepers.register(word as *const AtomicU32 as usize);
    match deadline {
        None => {
            #[cfg(weft_checker)]
            if sleepers.spurious_budget > 0 {
                let wakes_then = sleepers.wakes;
                drop(sleepers);
                super::thread::yield_now();
                sleepers = table.lock();
                if sleepers.settle(me) || sleepers.spurious(me, wakes_then) {
                    return true;
                }
            }
            loop {
                if sleepers.saw_new_death(&mut deaths_seen) {
                    sleepers.leave(me);
                    return true;
                }
                sleepers = table.sleep(sleepers);
                if sleepers.settle(me) {
                    return true;
                }
            }
        }
        Some(deadline) => timed_sleep(table, sleepers, me, deadline, deaths_seen),
    }
}

impl Sleepers {
    /// Whether a death happened since `seen` (updating it). Always `false` with std.
    #[cfg(weft_checker)]
    fn saw_new_death(&self, seen: &mut Option<&mut u64>) -> bool {
        match seen {
            Some(seen) if **seen != self.deaths => {
                **seen = self.deaths;
                true
            }
            _ => false,
        }
    }

    #[cfg(not(weft_checker))]
    #[inline]
    fn saw_new_death(&self, _: &mut Option<&mut u64>) -> bool {
        false
    }
}

/// Under a checker: yield once, then woken-or-timed-out, as the scheduler decided (or
/// interrupted by a death, which counts as woken).
#[cfg(weft_checker)]
fn timed_sleep(
    table: &Table,
    sleepers: MutexGuard<'_, Sleepers>,
    me: u64,
    _: Instant,
    mut deaths_seen: Option<&mut u64>,
) -> bool {
    let wakes_then = sleepers.wakes;
    drop(sleepers);
    super::thread::yield_now();
    let mut sleepers = table.lock();
    if sleepers.settle(me) || sleepers.spurious(me, wakes_then) {
        return true;
    }
    if sleepers.saw_new_death(&mut deaths_seen) {
        sleepers.leave(me);
        return true;
    }
    sleepers.leave(me)
}

/// With std: a real timed sleep on the condition variable, against the fixed deadline.
#[cfg(not(weft_checker))]
fn timed_sleep(
    table: &Table,
    mut sleepers: MutexGuard<'_, Sleepers>,
    me: u64,
    deadline: Instant,
    _: Option<&mut u64>,
) -> bool {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return sleepers.leave(me);
        }
        sleepers = table
            .bell
            .wait_timeout(sleepers, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        if sleepers.settle(me) {
            return true;
        }
    }
}

/// Under a checker: marks `id` dead and interrupts every sleeper that watches deaths, as the end
/// of its time slice would in a real run. Returns the deaths so far.
#[cfg(weft_checker)]
pub(crate) fn announce_death(id: u32) -> u64 {
    let table: &Table = &TABLE;
    let mut sleepers = table.lock();
    sleepers.dead.push(id);
    sleepers.deaths += 1;
    let deaths = sleepers.deaths;
    drop(sleepers);
    table.bell.notify_all();
    deaths
}

/// Under a checker: whether `id` was marked dead by [`announce_death`] in this execution.
#[cfg(weft_checker)]
pub(crate) fn is_dead(id: u32) -> bool {
    let table: &Table = &TABLE;
    table.lock().dead.contains(&id)
}

/// Wakes at most `n` sleepers on the word at `word`, whichever the scheduler lets claim first;
/// returns how many it will wake. Only the address is used: `word` may already be freed.
pub(crate) fn wake(word: *const AtomicU32, n: u32) -> u32 {
    let table: &Table = &TABLE;
    let mut sleepers = table.lock();
    #[cfg(weft_checker)]
    {
        sleepers.wakes += 1;
    }
    let woke = sleepers.post(word as usize, n);
    drop(sleepers);
    if woke > 0 {
        table.bell.notify_all();
    }
    woke
}
