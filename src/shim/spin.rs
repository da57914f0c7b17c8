//! How long a waiting loop spins and yields before it sleeps: one policy for every primitive.
//!
//! A thread that must wait for another (a lock's owner, a setter, a notifier, the other end of
//! a queue) may wait actively for a moment before it sleeps, because a sleep and the wake that
//! ends it cost both threads a system call and a context switch. Whether that pays depends on
//! where the awaited thread is, which only experience tells:
//! - running on another core: a short spin sees its move at once, far cheaper than a sleep;
//! - queued behind us on our own core (more runnable threads than cores): every spin round only
//!   delays it, and a yield hands it the core: the cheapest hand-over there is;
//! - elsewhere, with an unrelated busy thread queued on our core: a yield gives that thread the
//!   core for a whole time slice (milliseconds), far worse than a sleep.
//!
//! So every waiting loop asks [`Spin`] for its budget, and the budget follows the outcomes. A
//! wait has up to three phases: busy rounds (round `k` spins `2^(min(k, SHIFT_CAP) + 1)` hints,
//! an exponential backoff that also reads a contended word ever less often; a lock's contender
//! gets fewer, see [`Site::max_spins`]), then yield rounds, then the caller's sleep on a word
//! its awaited party wakes. Each thread keeps, per [`Site`] (the
//! kind of loop), one credit per active phase in a thread-local: the number of rounds the phase
//! gets.
//! - A wait that ended during a phase, **quickly**, adds two rounds to that phase's credit (up
//!   to `MAX_SPINS` / the site's yield cap). "Quickly" means within `SLOW` of its first round:
//!   a wait that took longer lost its core meanwhile (preempted while spinning), which is the
//!   very sign that threads outnumber cores.
//! - A phase that ran in vain (the wait went on to the next phase or to sleep), or a wait that
//!   ended slowly, takes one round off its credit. Rounds in vain cost about a microsecond, a
//!   paying phase saves a sleep and a wake (a few), so the credit climbs while more than a third
//!   of the waits pay, and drains in a few waits when none do.
//! - A yield that returned only after `LONG_YIELD` handed the core to some other thread for a
//!   slice, a loss worth about a thousand quick hand-overs (tens of them when many threads queue
//!   for the core), when the partner waits for this thread next (a hand-over: Event, Semaphore,
//!   Barrier, Condition, Queue, Pipe): yielding stops at once, the yield credit drops to zero
//!   and its next trial is `2^PROBE_MAX` waits away. And the loss is the one thing shared between
//!   threads: for a while after it no hand-over waiter of the process yields on the CPU where
//!   it was lost (words per CPU, written only on such a loss), so a thread that starts later, or
//!   another kind of loop, does not have to lose a slice of its own to learn that the CPU is
//!   busy; on the other CPUs, yields still reach the partners they are meant for. The hold is
//!   short (`MIN_HOLD_MICROS`) after a lone loss and doubles, up to `MAX_HOLD_MICROS`, while
//!   the CPU keeps costing slices (`estimate::next_hold`). A lock's
//!   contender is on no one's path (the owner and the other contenders go on without it), so its
//!   long yield only ends its own yielding, as any yield phase in vain; so does a queue waiter's
//!   long yield while the queue moved on without it ([`Spin::pause_beside`]).
//! - A credit at zero gets a trial (the full budget) every `2^shift` waits at its site. Each
//!   trial that fails doubles the distance to the next (from `2^PROBE_MIN` up to `2^PROBE_MAX`
//!   waits), each wait that pays halves it. So a thread whose partner moved to another core finds
//!   out, and one whose yields lose slices rarely tries again.
//!
//! The estimate is per thread so it costs no shared cache line (but for that one rarely written
//! word), and it is touched only when a wait reaches its first round and when it ends: the
//! uncontended fast paths, and waits that end before their first round, do not touch it. A
//! budget is bounded whatever the estimate says (at most `MAX_SPINS` busy and `MAX_YIELDS` yield
//! rounds, and no yield after `YIELD_TIME`), so every loop still ends in its sleep; a real-time
//! waiter (whose yields do not let a normal thread run) loses at most that much before it
//! sleeps, and then its credits are gone.
//!
//! Under the checkers there is no estimate: no rounds at all under loom (a spin adds
//! interleavings, not behaviour), one busy round under shuttle (so its schedules still cover the
//! spinning paths).

#[cfg(not(weft_checker))]
use std::cell::Cell;
#[cfg(not(weft_checker))]
use std::time::{Duration, Instant};

/// The kind of waiting loop. Each keeps its own estimate, because a lock's owner, an event's
/// setter and a queue's other end keep a waiter waiting for very different times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Site {
    /// `RawLock::lock_slow`: waiting for the owner to unlock.
    Lock,
    /// Event, Semaphore and Barrier waiters: waiting for a set, a release, the last party.
    Flag,
    /// A Condition waiter, waiting for a notify.
    Condition,
    /// Condition's internal queue lock, held for a few pointer writes.
    QueueLock,
    /// A Queue or Pipe put or get (or an unbounded queue's get), waiting for the other end.
    Ring,
    /// A `select::wait` on several objects, waiting for one to be ready.
    Select,
}

impl Site {
    /// Whether the awaited thread will wait for this one next (a hand-over), so that this
    /// thread losing its core for a slice stalls both. A lock's contender is on no one's path:
    /// while it is away the owner and the other contenders go on, and the lock is taken by
    /// whoever comes, so a slice lost to a yield costs only its own wait (as parking_lot's
    /// contenders accept).
    #[cfg(not(weft_checker))]
    const fn hands_over(self) -> bool {
        matches!(
            self,
            Site::Flag | Site::Condition | Site::Ring | Site::Select
        )
    }

    /// Busy rounds at most. A lock's contender backs off to yielding sooner (2 + 4 + 8 hints,
    /// as parking_lot's contenders): each read of the word it waits on takes the cache line from
    /// the owner, who is about to write it again, and the owner of a short critical section
    /// usually takes the lock again before the contender sees it free. Measured: see
    /// `docs/lock.md`, "Cost".
    #[cfg(not(weft_checker))]
    const fn max_spins(self) -> u8 {
        match self {
            Site::Lock | Site::QueueLock => LOCK_SPINS,
            _ => MAX_SPINS,
        }
    }

    /// Yield rounds at most. A lock's contender gets as many as parking_lot's; a hand-over
    /// waiter many more, each still ending when `YIELD_TIME` has passed since the first round.
    #[cfg(not(weft_checker))]
    const fn max_yields(self) -> u8 {
        match self {
            Site::Lock | Site::QueueLock => LOCK_YIELDS,
            _ => MAX_YIELDS,
        }
    }
}

/// How many [`Site`]s.
#[cfg(not(weft_checker))]
const SITES: usize = 6;

/// Busy rounds at most: 2 + 4 + 8 + 16 + 32 + 32 = 94 spin hints, about 1 µs on the CI
/// machine (a hint costs ~10 ns there), under the cost of one sleep and wake.
#[cfg(not(weft_checker))]
const MAX_SPINS: u8 = 6;
/// Busy rounds at most for a lock's contender: 2 + 4 + 8 = 14 hints.
#[cfg(not(weft_checker))]
const LOCK_SPINS: u8 = 3;
/// Busy round `k` spins `2^(min(k, SHIFT_CAP) + 1)` hints.
#[cfg(not(weft_checker))]
const SHIFT_CAP: u32 = 4;
/// Yield rounds at most for a hand-over waiter. A yield that returns at once costs ~0.2 µs; one
/// that runs the partner is a whole hand-over (~1 µs on the CI machine). Many, because on a
/// machine with idle cores a sleep costs more than its two system calls: the partner that wakes
/// this thread must wait for an idle core to come back, tens of microseconds on a virtual
/// machine. While each side's active wait is shorter than that, every hand-over sleeps, and the
/// two take turns sleeping for good (a convoy: `docs/wait-layer.md`, "Spinning").
#[cfg(not(weft_checker))]
const MAX_YIELDS: u8 = 128;
/// Yield rounds at most for a lock's contender (as parking_lot's).
#[cfg(not(weft_checker))]
const LOCK_YIELDS: u8 = 8;
/// The yield phase ends once this much time has passed since the first round, whatever its
/// credit: a bound in time on the active wait, however fast yields return.
#[cfg(not(weft_checker))]
const YIELD_TIME: Duration = Duration::from_micros(100);
/// A wait that ended later than this after its first round did not end *because* of its rounds:
/// the thread lost its core meanwhile (a slice is 0.75 ms and up). Above `YIELD_TIME`, so that a
/// wait its yields saw through to the end counts as paid.
#[cfg(not(weft_checker))]
const SLOW: Duration = Duration::from_micros(200);
/// A yield that took longer than this ran some other thread for a slice (the scheduler's
/// slices are 0.75 ms and up), not a partner that did a little work and waits again.
#[cfg(not(weft_checker))]
const LONG_YIELD: Duration = Duration::from_micros(200);
/// After a thread of the process lost a slice to a yield on a CPU, no hand-over waiter yields
/// there for a while: this long after a first (or a lone) loss ...
#[cfg(not(weft_checker))]
const MIN_HOLD_MICROS: u64 = 10_000;
/// ... twice the last hold after a loss within twice the last hold (the CPU is still busy, and
/// the first yield after the hold lost again), up to this long.
#[cfg(not(weft_checker))]
const MAX_HOLD_MICROS: u64 = 1_000_000;
/// A credit at zero is tried again after `2^PROBE_MIN` waits at first ...
#[cfg(not(weft_checker))]
const PROBE_MIN: u8 = 4;
/// ... and after at most `2^PROBE_MAX` waits once trials keep failing.
#[cfg(not(weft_checker))]
const PROBE_MAX: u8 = 12;

/// A waiting loop's budget of busy and yield rounds before it sleeps.
///
/// Make one per wait (a lock woken to wait again makes a fresh one: its situation changed), call
/// [`pause`](Self::pause) between looks at what it waits for, and [`stop`](Self::stop) when it
/// gives up waiting actively (to sleep, or on a timeout). Dropping it without a `stop` and
/// before its budget ran out tells the estimate the rounds paid off.
#[derive(Debug)]
pub(crate) struct Spin {
    /// Rounds done so far.
    round: u32,
    /// Busy rounds in the budget; the yield rounds follow them.
    spins: u32,
    /// Busy plus yield rounds: the whole budget.
    limit: u32,
    /// The estimate has been told how this wait went, or there is no estimate.
    settled: bool,
    /// The budget is not read yet: that waits for the first round, so a wait that ends or gives
    /// up before it (a zero timeout, a free queue lock) never touches the estimate.
    #[cfg(not(weft_checker))]
    fresh: bool,
    #[cfg(not(weft_checker))]
    site: Site,
    /// When the first round began.
    #[cfg(not(weft_checker))]
    started: Option<Instant>,
    /// When the last yield returned.
    #[cfg(not(weft_checker))]
    yielded_at: Option<Instant>,
    /// What the watched object had done when the yield phase began (see `pause_beside`).
    #[cfg(not(weft_checker))]
    moves_at_first_yield: usize,
}

impl Spin {
    /// A budget for one wait at `site`, from this thread's estimate (read at the first round).
    #[inline]
    pub(crate) fn new(site: Site) -> Self {
        #[cfg(not(weft_checker))]
        {
            Spin {
                round: 0,
                spins: 0,
                limit: 0,
                settled: false,
                fresh: true,
                site,
                started: None,
                yielded_at: None,
                moves_at_first_yield: 0,
            }
        }
        #[cfg(weft_checker)]
        {
            let _ = site;
            let rounds = if cfg!(weft_loom) { 0 } else { 1 };
            Spin {
                round: 0,
                spins: rounds,
                limit: rounds,
                settled: true,
            }
        }
    }

    /// Waits a little (one round: a burst of spin hints, or a yield) and returns `true`; or,
    /// when the budget is spent, returns `false` at once: the caller must then sleep. The caller
    /// re-reads what it waits for after each `true`.
    #[inline]
    pub(crate) fn pause(&mut self) -> bool {
        self.pause_watching(None::<(fn() -> usize, usize)>)
    }

    /// [`pause`](Self::pause) for a wait beside threads that need not wait for this one (a
    /// queue's other putters and getters). `moves` counts what the waited-on object has done so
    /// far (puts plus gets, read once when the yield phase begins and again after a long
    /// yield), and `alone` is the most it can do from there without this thread (a queue's
    /// capacity, plus one: the partner fills or drains it once, and then must wait for this
    /// thread). A yield that took long while the object moved more than that ran threads that
    /// carried on without this one (on a machine with more of the process's runnable threads
    /// than cores, most often its own partners): that costs this thread its wait, as a lock
    /// contender's long yield does, and tells nothing about a busy machine, so it is no lost
    /// slice (see the module docs).
    #[inline]
    pub(crate) fn pause_beside(&mut self, moves: impl Fn() -> usize, alone: usize) -> bool {
        self.pause_watching(Some((moves, alone)))
    }

    #[inline]
    fn pause_watching<M: Fn() -> usize>(&mut self, watch: Option<(M, usize)>) -> bool {
        if self.is_spent() {
            self.settle(Outcome::Spent);
            return false;
        }
        if self.round < self.spins {
            for _ in 0..hints(self.round) {
                super::spin_loop();
            }
        } else if !self.yield_once(watch) {
            return false;
        }
        self.round += 1;
        true
    }

    /// Whether the budget is spent: the next [`pause`](Self::pause) would return `false`.
    #[inline]
    pub(crate) fn is_spent(&mut self) -> bool {
        #[cfg(not(weft_checker))]
        if self.fresh {
            self.fresh = false;
            let now = Instant::now();
            self.started = Some(now);
            let (spins, yields) = estimate::begin(self.site, now);
            (self.spins, self.limit) = (spins, spins + yields);
        }
        self.round >= self.limit
    }

    /// Whether busy rounds are left: the next [`pause`](Self::pause) would spin, not yield (a
    /// caller may change how it waits once spinning did not pay).
    #[inline]
    pub(crate) fn is_busy(&mut self) -> bool {
        !self.is_spent() && self.round < self.spins
    }

    /// The caller stops waiting actively (it will sleep, or give up): the rounds spent so far
    /// did not pay, and no more will be granted.
    #[inline]
    pub(crate) fn stop(&mut self) {
        self.settle(Outcome::Spent);
        #[cfg(not(weft_checker))]
        {
            self.fresh = false;
        }
        self.limit = self.round;
    }

    /// One yield; `false` (and no more rounds) if it took long.
    #[cfg(not(weft_checker))]
    fn yield_once<M: Fn() -> usize>(&mut self, watch: Option<(M, usize)>) -> bool {
        let before = self.yielded_at.unwrap_or_else(Instant::now);
        if self
            .started
            .is_some_and(|s| before.saturating_duration_since(s) > YIELD_TIME)
        {
            // The phase ran its time in vain: the caller sleeps.
            self.settle(Outcome::Spent);
            self.limit = self.round;
            return false;
        }
        if self.yielded_at.is_none() {
            // The first yield: from here on, the partner alone moves the object at most `alone`
            // times while this thread is away (while it is here, it sees the move it waits for).
            if let Some((moves, _)) = &watch {
                self.moves_at_first_yield = moves();
            }
        }
        let cpu = estimate::current_cpu();
        std::thread::yield_now();
        let after = Instant::now();
        if after.duration_since(before) > LONG_YIELD {
            // Counted as a round, so the estimate sees that the yield phase ran.
            self.round += 1;
            let carried_on = watch.is_some_and(|(moves, alone)| {
                moves().wrapping_sub(self.moves_at_first_yield) > alone
            });
            self.long_yield(after, cpu, carried_on);
            return false;
        }
        self.yielded_at = Some(after);
        true
    }

    /// A yield that returned at `after`, a slice or more later, ends the yield phase. It was a
    /// lost slice, which stops every hand-over waiter's yields for a while, only if this thread
    /// is on its partner's path and the others did not carry on meanwhile (`carried_on`, see
    /// [`pause_beside`](Self::pause_beside)); otherwise it cost only this thread: an ordinary
    /// yield phase in vain.
    #[cfg(not(weft_checker))]
    fn long_yield(&mut self, after: Instant, cpu: usize, carried_on: bool) {
        if self.site.hands_over() && !carried_on {
            estimate::lost_slice(after, cpu);
            self.settle(Outcome::LongYield);
        } else {
            self.settle(Outcome::Spent);
        }
        self.limit = self.round;
    }

    #[cfg(weft_checker)]
    fn yield_once<M: Fn() -> usize>(&mut self, watch: Option<(M, usize)>) -> bool {
        let _ = watch;
        super::thread::yield_now();
        true
    }

    /// Tells the estimate how this wait went, once.
    #[inline]
    fn settle(&mut self, outcome: Outcome) {
        if self.settled {
            return;
        }
        self.settled = true;
        #[cfg(not(weft_checker))]
        if self.round > 0 {
            let quick = self.started.is_none_or(|s| s.elapsed() < SLOW);
            estimate::end(self.site, self.spins, self.round, outcome, quick);
        }
        #[cfg(weft_checker)]
        let _ = outcome;
    }
}

impl Drop for Spin {
    /// Not stopped and not spent: the wait ended during its rounds.
    #[inline]
    fn drop(&mut self) {
        self.settle(Outcome::Ended);
    }
}

/// How a wait's rounds went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// The awaited change came during the rounds.
    Ended,
    /// The rounds ran out, or the caller stopped: it sleeps (or gives up).
    Spent,
    /// A yield took long: the core went to another thread for a slice.
    LongYield,
}

/// Spin hints in busy round `round`.
#[inline]
fn hints(round: u32) -> u32 {
    #[cfg(not(weft_checker))]
    {
        2 << round.min(SHIFT_CAP)
    }
    #[cfg(weft_checker)]
    {
        let _ = round;
        1
    }
}

/// The per-thread estimate: see the module docs.
#[cfg(not(weft_checker))]
mod estimate {
    use super::*;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

    /// One phase's credit.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) struct Credit {
        /// Rounds granted while the phase pays; 0 once it stopped paying.
        level: u8,
        /// At level 0: log2 of the waits from one trial to the next.
        shift: u8,
        /// At level 0: waits left before the next trial.
        countdown: u16,
        /// The budget last handed out was a trial.
        trial: bool,
    }

    impl Credit {
        /// A thread starts out trusting each phase fully: the first waits tell.
        pub(super) const fn full() -> Credit {
            Credit {
                level: u8::MAX,
                shift: PROBE_MIN,
                countdown: 0,
                trial: false,
            }
        }

        /// The rounds for the next wait (a fresh credit starts at `max`).
        pub(super) fn budget(&mut self, max: u8) -> u8 {
            self.level = self.level.min(max);
            self.trial = false;
            if self.level > 0 {
                return self.level;
            }
            if self.countdown > 0 {
                self.countdown -= 1;
                return 0;
            }
            self.trial = true;
            self.countdown = 1 << self.shift;
            max
        }

        /// The phase ended the wait, quickly: two rounds more. A phase that ran in vain costs
        /// its rounds (about a microsecond), one that paid saves a sleep and a wake (a few), so
        /// the credit climbs while more than a third of the waits pay. Trust in trials comes back
        /// one step at a time: after a lost slice, one lucky trial must not bring back frequent
        /// trials.
        pub(super) fn paid(&mut self, max: u8) {
            self.level = (self.level + 2).min(max);
            self.shift = self.shift.saturating_sub(1).max(PROBE_MIN);
        }

        /// The phase ran in vain: one round less, or a sixteenth of a large credit (a hand-over's
        /// long yield phase in vain costs up to `YIELD_TIME`, not a microsecond).
        pub(super) fn failed(&mut self) {
            self.level = self.level.saturating_sub(1 + self.level / 16);
            if self.trial {
                self.back_off();
            }
        }

        /// The phase cost a time slice (about a thousand hand-overs' worth): zero at once, and
        /// try again only after the longest pause.
        pub(super) fn lost_slice(&mut self) {
            self.level = 0;
            self.shift = PROBE_MAX;
            self.countdown = 1 << PROBE_MAX;
        }

        fn back_off(&mut self) {
            self.shift = (self.shift + 1).min(PROBE_MAX);
            self.countdown = 1 << self.shift;
        }

        #[cfg(test)]
        pub(super) fn level(&self) -> u8 {
            self.level
        }
    }

    /// One site's credits.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(super) struct Credits {
        pub(super) spins: Credit,
        pub(super) yields: Credit,
    }

    pub(super) const START: Credits = Credits {
        spins: Credit::full(),
        yields: Credit::full(),
    };

    std::thread_local! {
        /// Const-initialized and without a destructor, so reading it is a plain
        /// thread-relative load, and it stays usable while the thread's locals are torn down.
        static CREDITS: Cell<[Credits; SITES]> = const { Cell::new([START; SITES]) };
    }

    fn with<R>(site: Site, f: impl FnOnce(&mut Credits) -> R) -> Option<R> {
        CREDITS
            .try_with(|cell| {
                let mut all = cell.get();
                let r = f(&mut all[site as usize]);
                cell.set(all);
                r
            })
            .ok()
    }

    /// This thread's credits at `site`, for the tests.
    #[cfg(test)]
    pub(super) fn snapshot(site: Site) -> Credits {
        with(site, |c| *c).unwrap_or(START)
    }

    /// The busy and yield rounds for a wait at `site` beginning `now`.
    pub(super) fn begin(site: Site, now: Instant) -> (u32, u32) {
        let (spins, yields) = with(site, |c| {
            (
                c.spins.budget(site.max_spins()),
                c.yields.budget(site.max_yields()),
            )
        })
        .unwrap_or((site.max_spins(), 0));
        let yields = if site.hands_over() && recently_lost_slice(now) {
            0
        } else {
            yields
        };
        (u32::from(spins), u32::from(yields))
    }

    /// The origin of `LOST_SLICE`'s clock: the first time any thread asked.
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    /// When a thread of this process last lost a slice to a yield, in microseconds after
    /// `ORIGIN`, plus one (0: never). Written only on such a loss, so it stays in every core's
    /// cache; Relaxed, as it is a hint that publishes nothing.
    static LOST_SLICE: AtomicU64 = AtomicU64::new(0);
    /// How many CPUs get words of their own in `LOST_ON` and `HOLD_ON` (more share them, by
    /// number modulo).
    const CPU_WORDS: usize = 64;
    /// The same time per CPU: when a yield made on that CPU last lost a slice there. Read only
    /// while `LOST_SLICE` holds, so a machine where no yield ever lost a slice never asks which
    /// CPU it runs on.
    static LOST_ON: [AtomicU64; CPU_WORDS] = [const { AtomicU64::new(0) }; CPU_WORDS];
    /// How long, in microseconds, the last loss on each CPU holds its yields back (see
    /// `next_hold`); 0 before the first.
    static HOLD_ON: [AtomicU64; CPU_WORDS] = [const { AtomicU64::new(0) }; CPU_WORDS];

    /// The CPU this thread runs on now (it may move at any moment: a hint), modulo `CPU_WORDS`:
    /// on Linux from the vDSO or the restartable-sequence area, about a nanosecond. Where the
    /// platform does not tell, 0: every thread then shares one CPU's words.
    pub(super) fn current_cpu() -> usize {
        #[cfg(all(target_os = "linux", not(miri)))]
        {
            // SAFETY: `sched_getcpu` takes no arguments and only reads this thread's CPU number.
            let cpu = unsafe { libc::sched_getcpu() };
            usize::try_from(cpu).map_or(0, |c| c % CPU_WORDS)
        }
        #[cfg(not(all(target_os = "linux", not(miri))))]
        {
            0
        }
    }

    fn micros_after_origin(t: Instant) -> u64 {
        let origin = *ORIGIN.get_or_init(|| t);
        u64::try_from(t.saturating_duration_since(origin).as_micros()).unwrap_or(u64::MAX)
    }

    /// Some thread of this process lost a slice at `t` to a yield it made on `cpu`.
    pub(super) fn lost_slice(t: Instant, cpu: usize) {
        let now = micros_after_origin(t);
        let hold = next_hold(LOST_ON[cpu].load(Relaxed), HOLD_ON[cpu].load(Relaxed), now);
        // Two losses recorded at once leave one of them: either hold is a fair estimate.
        HOLD_ON[cpu].store(hold, Relaxed);
        LOST_ON[cpu].store(now.saturating_add(1), Relaxed);
        LOST_SLICE.store(now.saturating_add(1), Relaxed);
    }

    /// The hold after a loss at `now` on a CPU whose last loss was at `last` (as stored: 0 for
    /// none) and held for `hold`: a loss within twice the last hold after the last loss (so,
    /// most often, by the first yield after the hold ended) says the CPU is still busy, and
    /// doubles the hold; a lone loss (a stray busy thread, a page fault) holds only briefly.
    /// Against a busy thread pinned to the CPU the hold reaches its longest after seven losses
    /// (a few slices in all), and a yield there then loses at most one slice a second.
    pub(super) fn next_hold(last: u64, hold: u64, now: u64) -> u64 {
        let hold = hold.max(MIN_HOLD_MICROS);
        if last != 0 && now < (last - 1).saturating_add(2 * hold) {
            (2 * hold).min(MAX_HOLD_MICROS)
        } else {
            MIN_HOLD_MICROS
        }
    }

    /// Whether a yield made now on this thread's CPU may hand it to another busy thread for a
    /// slice: a yield made on this CPU lost a slice within its hold before `now`. Per CPU,
    /// because the busy thread that took the slice is most often pinned or settled on one CPU:
    /// on the others a yield still reaches the partner it is meant for.
    pub(super) fn recently_lost_slice(now: Instant) -> bool {
        let now = micros_after_origin(now);
        if !held(LOST_SLICE.load(Relaxed), MAX_HOLD_MICROS, now) {
            return false;
        }
        let cpu = current_cpu();
        held(LOST_ON[cpu].load(Relaxed), HOLD_ON[cpu].load(Relaxed), now)
    }

    /// Whether a loss stored as `last` (0: none) with a hold of `hold` still stops yields at
    /// `now` (all in microseconds as stored).
    pub(super) fn held(last: u64, hold: u64, now: u64) -> bool {
        last != 0 && now < (last - 1).saturating_add(hold)
    }

    /// Records a wait at `site` that had `spins` busy rounds and did `rounds` (at least one).
    pub(super) fn end(site: Site, spins: u32, rounds: u32, outcome: Outcome, quick: bool) {
        with(site, |c| {
            update(
                c,
                site.max_spins(),
                site.max_yields(),
                spins,
                rounds,
                outcome,
                quick,
            )
        });
    }

    /// The update rule on its own, for the tests.
    pub(super) fn update(
        c: &mut Credits,
        max_spins: u8,
        max_yields: u8,
        spins: u32,
        rounds: u32,
        outcome: Outcome,
        quick: bool,
    ) {
        let paid = outcome == Outcome::Ended && quick;
        // The busy phase ran if there was one (rounds >= 1); it paid only if the wait also
        // ended within it.
        if spins > 0 {
            if paid && rounds <= spins {
                c.spins.paid(max_spins);
            } else {
                c.spins.failed();
            }
        }
        if rounds > spins {
            match outcome {
                Outcome::LongYield => c.yields.lost_slice(),
                _ if paid => c.yields.paid(max_yields),
                _ => c.yields.failed(),
            }
        }
    }
}

#[cfg(all(test, not(weft_checker)))]
mod tests {
    //! The estimate's rules, on a `Credits` value (no threads, no clock), and the budget's
    //! bounds on the real thread-local.
    use super::estimate::{self, Credit, Credits, START, update};
    use super::*;

    /// Runs one wait through the rule: asks for a budget, then reports `rounds` and `outcome`.
    fn wait(
        c: &mut Credits,
        rounds_wanted: impl Fn(u32, u32) -> u32,
        outcome: Outcome,
        quick: bool,
    ) -> (u32, u32) {
        let spins = u32::from(c.spins.budget(MAX_SPINS));
        let yields = u32::from(c.yields.budget(MAX_YIELDS));
        let rounds = rounds_wanted(spins, yields);
        if rounds > 0 {
            update(c, MAX_SPINS, MAX_YIELDS, spins, rounds, outcome, quick);
        }
        (spins, yields)
    }

    #[test]
    fn spins_that_keep_failing_stop_and_are_retried_ever_more_rarely() {
        let mut c = START;
        // Every wait spends its whole budget and sleeps.
        let mut budgets = Vec::new();
        for _ in 0..2000 {
            budgets.push(wait(&mut c, |s, y| s + y, Outcome::Spent, true));
        }
        assert_eq!(
            budgets[0],
            (u32::from(MAX_SPINS), u32::from(MAX_YIELDS)),
            "a thread starts trusting spins"
        );
        let tail = &budgets[100..];
        let trials = tail.iter().filter(|b| **b != (0, 0)).count();
        assert!(trials > 0, "a zero credit must still be tried now and then");
        assert!(
            trials * 50 < tail.len(),
            "failed trials must grow rare: {trials} in {}",
            tail.len()
        );
    }

    #[test]
    fn spins_that_pay_keep_their_budget() {
        let mut c = START;
        for _ in 0..100 {
            // Ends in the second busy round, quickly.
            wait(&mut c, |s, _| s.min(2), Outcome::Ended, true);
        }
        assert_eq!(
            c.spins.level(),
            MAX_SPINS,
            "paying spins keep the full budget"
        );
        assert_eq!(
            c.yields.level(),
            MAX_YIELDS,
            "an unused phase keeps its credit"
        );
    }

    #[test]
    fn spins_that_pay_half_the_time_keep_their_budget_and_a_quarter_do_not() {
        let mut half = START;
        let mut quarter = START;
        for i in 0..400 {
            let ends = if i % 2 == 0 {
                Outcome::Ended
            } else {
                Outcome::Spent
            };
            wait(
                &mut half,
                |s, y| {
                    if ends == Outcome::Ended {
                        s.min(3)
                    } else {
                        s + y
                    }
                },
                ends,
                true,
            );
            let ends = if i % 4 == 0 {
                Outcome::Ended
            } else {
                Outcome::Spent
            };
            wait(
                &mut quarter,
                |s, y| {
                    if ends == Outcome::Ended {
                        s.min(3)
                    } else {
                        s + y
                    }
                },
                ends,
                true,
            );
        }
        assert!(
            half.spins.level() >= MAX_SPINS - 1,
            "a spin that saves a sleep every other wait is worth its budget"
        );
        assert!(
            quarter.spins.level() <= 1,
            "a spin that pays one wait in four costs more than it saves"
        );
    }

    #[test]
    fn a_wait_that_ended_slowly_counts_as_failed() {
        let mut c = START;
        for _ in 0..10 {
            wait(&mut c, |s, _| s.min(1), Outcome::Ended, false);
        }
        assert_eq!(
            c.spins.level(),
            0,
            "a wait that lost its core while spinning is no success"
        );
    }

    #[test]
    fn yields_that_pay_grow_back_after_spins_failed() {
        let mut c = START;
        for _ in 0..50 {
            // Every wait ends in its first yield round: the partner shares our core.
            wait(&mut c, |s, y| s + y.min(1), Outcome::Ended, true);
        }
        assert_eq!(c.spins.level(), 0, "spins that never end the wait stop");
        assert_eq!(
            c.yields.level(),
            MAX_YIELDS,
            "yields that end the wait keep their credit"
        );
    }

    #[test]
    fn a_long_yield_stops_yields_for_the_longest_pause() {
        let mut c = START;
        wait(&mut c, |s, _| s + 1, Outcome::LongYield, false);
        assert_eq!(
            c.yields.level(),
            0,
            "a lost slice zeroes the yield credit at once"
        );
        let mut quiet_waits = 0;
        while wait(&mut c, |_, _| 0, Outcome::Spent, true).1 == 0 {
            quiet_waits += 1;
        }
        assert!(
            quiet_waits >= 1 << PROBE_MAX,
            "after a lost slice, yields come back only after 2^PROBE_MAX waits, not {quiet_waits}"
        );
    }

    #[test]
    fn a_successful_trial_restores_the_credit() {
        let mut c = Credit::full();
        while c.level() > 0 {
            c.budget(MAX_SPINS);
            c.failed();
        }
        // Wait for the next trial, then let it pay.
        let mut budget = 0;
        for _ in 0..(1 << PROBE_MAX) + 1 {
            budget = c.budget(MAX_SPINS);
            if budget > 0 {
                break;
            }
        }
        assert!(budget > 0, "a trial comes within 2^PROBE_MAX waits");
        c.paid(MAX_SPINS);
        assert!(
            c.budget(MAX_SPINS) > 0,
            "a trial that paid brings the phase back"
        );
    }

    #[test]
    fn a_budget_is_bounded_and_ends() {
        let mut spin = Spin::new(Site::Flag);
        let mut rounds = 0;
        while spin.pause() {
            rounds += 1;
            assert!(
                rounds <= u32::from(MAX_SPINS) + u32::from(MAX_YIELDS),
                "the budget is bounded"
            );
        }
        assert!(!spin.pause(), "a spent budget stays spent");
        let mut spin = Spin::new(Site::Flag);
        spin.stop();
        assert!(
            !spin.pause() && spin.is_spent(),
            "a stopped budget grants no round"
        );
    }

    #[test]
    fn a_slice_lost_on_a_cpu_stops_every_thread_yielding_on_that_cpu_for_a_while() {
        // Both threads pinned to the CPU this one runs on: the loss is recorded for it, and the
        // other thread asks on it. (Another test's loss may have held other CPUs too: the
        // per-CPU rule is checked on `held` below, not on the shared words.)
        let cpu = estimate::current_cpu();
        #[cfg(not(all(target_os = "linux", not(miri))))]
        let _ = cpu;
        let pin = move || {
            // SAFETY: an all-zero cpu_set_t is a valid empty set, CPU_SET stays inside it, and
            // the size passed is its own.
            #[cfg(all(target_os = "linux", not(miri)))]
            unsafe {
                let mut set: libc::cpu_set_t = core::mem::zeroed();
                libc::CPU_SET(cpu, &mut set);
                libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
            }
        };
        let now = Instant::now();
        let other = std::thread::spawn(move || {
            pin();
            estimate::lost_slice(now, estimate::current_cpu());
            std::thread::spawn(move || {
                pin();
                estimate::recently_lost_slice(now)
            })
            .join()
        })
        .join()
        .unwrap();
        assert!(
            other.unwrap(),
            "a slice lost on a CPU is a hint for every thread of the process on that CPU"
        );
        // The hold's end on the rule itself: another test's lost slice may move the shared
        // words on at any moment.
        assert!(estimate::held(1, 10, 0) && estimate::held(1, 10, 9));
        assert!(!estimate::held(1, 10, 10), "the hold ends");
        assert!(!estimate::held(0, 10, 0), "no lost slice, no hold");
    }

    #[test]
    fn a_hold_doubles_while_the_cpu_keeps_losing_slices_and_is_short_after_a_lone_loss() {
        let first = estimate::next_hold(0, 0, 5_000_000);
        assert_eq!(first, MIN_HOLD_MICROS, "a first loss holds briefly");
        // Each next loss comes with the first yield after the hold ended.
        let (mut last, mut hold, mut losses) = (5_000_000 + 1, first, 1);
        while hold < MAX_HOLD_MICROS {
            let now = last - 1 + hold;
            let next = estimate::next_hold(last, hold, now);
            assert!(next > hold, "a loss right after the hold doubles it");
            (last, hold, losses) = (now + 1, next, losses + 1);
        }
        assert!(
            losses <= 8,
            "a CPU kept busy reaches the longest hold within a few losses, not {losses}"
        );
        assert_eq!(
            estimate::next_hold(last, hold, last - 1 + hold),
            MAX_HOLD_MICROS,
            "and the hold stays bounded"
        );
        assert_eq!(
            estimate::next_hold(last, hold, last - 1 + 3 * hold),
            MIN_HOLD_MICROS,
            "a loss long after the last hold ended is a lone loss again"
        );
    }

    #[test]
    fn a_long_yield_while_the_others_carried_on_is_no_lost_slice() {
        // On a fresh thread, so that its credits are its own.
        std::thread::spawn(|| {
            let mut spin = Spin::new(Site::Ring);
            assert!(!spin.is_spent(), "a fresh thread gets rounds");
            // One yield round done, as `yield_once` counts it before it calls `long_yield`.
            spin.round = spin.spins + 1;
            spin.long_yield(Instant::now(), 0, true);
            assert!(spin.is_spent(), "a long yield ends the wait's yield phase");
            // A lost slice would have dropped the credit to zero (and held every CPU).
            assert_ne!(
                estimate::snapshot(Site::Ring).yields.level(),
                0,
                "a long yield while the others carried on costs one phase in vain, not the credit"
            );
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_lock_contender_backs_off_to_yields_sooner_than_a_hand_over() {
        let now = Instant::now();
        let (lock_spins, _) = estimate::begin(Site::Lock, now);
        let (flag_spins, _) = estimate::begin(Site::Flag, now);
        assert!(
            lock_spins <= u32::from(LOCK_SPINS) && flag_spins <= u32::from(MAX_SPINS),
            "each site's busy budget stays within its own cap"
        );
        const { assert!(LOCK_SPINS < MAX_SPINS) };
    }

    #[test]
    fn a_hand_over_waiter_may_yield_longer_than_a_lock_contender_but_not_past_yield_time() {
        // A fresh thread: full credits, and no slice lost by this process's other tests can be
        // seen there as a reason to withhold the hand-over's yields (checked below).
        std::thread::spawn(|| {
            let now = Instant::now();
            let (_, lock_yields) = estimate::begin(Site::Lock, now);
            assert_eq!(
                lock_yields,
                u32::from(LOCK_YIELDS),
                "a contender gets parking_lot's 8"
            );
            let (_, flag_yields) = estimate::begin(Site::Flag, now);
            assert!(
                flag_yields == u32::from(MAX_YIELDS) || estimate::recently_lost_slice(now),
                "a hand-over waiter on a fresh thread gets the long yield phase"
            );
            // The whole budget, however fast the yields return, ends by YIELD_TIME plus one
            // yield and one busy phase; the bound asserted is generous for a loaded machine.
            let start = Instant::now();
            let mut spin = Spin::new(Site::Flag);
            while spin.pause() {}
            assert!(
                start.elapsed() < YIELD_TIME + Duration::from_secs(1),
                "a yield phase is bounded in time"
            );
        })
        .join()
        .unwrap();
        const { assert!(LOCK_YIELDS < MAX_YIELDS && SLOW.as_nanos() > YIELD_TIME.as_nanos()) };
    }

    #[test]
    fn a_wait_that_ends_before_its_first_round_leaves_no_trace() {
        let before = estimate::snapshot(Site::Ring);
        drop(Spin::new(Site::Ring));
        let mut spin = Spin::new(Site::Ring);
        spin.stop();
        drop(spin);
        assert_eq!(
            estimate::snapshot(Site::Ring),
            before,
            "the estimate is read and written only once a wait spends a round"
        );
    }
}
