//! Who holds a process-shared primitive, and whether that holder still lives: identity tokens,
//! the liveness check, and the time-sliced wait that process primitives sleep in.
//!
//! **Tokens.** A token names a thread (or a process) across every process of the machine: the
//! kernel's thread id (or process id) in the high 32 bits, and the low 32 bits of its start time
//! (clock ticks since boot, field 22 of `/proc/<id>/stat`) in the low ones. Ids are reused by
//! the kernel once their owner is gone; the start time tells a reused id from the original, so a
//! token is never mistaken for another thread's, and never 0 (ids are at least 1).
//!
//! **Liveness.** [`alive`]`(id, record)` reads `/proc/<id>/stat`: no such entry, or a zombie
//! (`Z`) or dead (`X`) state, is dead; so is an id whose start time differs from `record`'s when
//! `record` names that id (the id was reused). A stopped process (`T`) is alive: it may be
//! continued. Without `/proc` nothing is ever found dead (the holders stay holders).
//!
//! **Slices.** A process primitive that waits for another process sleeps on the futex word the
//! awaited party wakes, but never longer than [`SLICE`] at a time ([`wait_slice`]): when a slice
//! ends without a wake, the waiter checks whether the party it waits for died. So a dead holder
//! is found within one slice, and every wait still ends in a sleep on the right word.
//!
//! **Under loom and shuttle** a modelled thread is a "process": its token is its shim thread id,
//! [`simulate_death`] marks it dead (the model's kill -9), and a slice ends exactly when a death
//! happened that the waiter has not seen yet (the table interrupts its sleepers at the death).
//! Waits never end by slice otherwise, so a lost wake-up is still a deadlock the checkers report,
//! instead of being papered over by a slice that polls.

use super::{AtomicU32, Duration, Instant, Ordering::Relaxed};

/// The longest a process primitive sleeps before it checks the party it waits for is alive:
/// the bound on how long a dead holder can keep others waiting (`docs/process.md`).
pub(crate) const SLICE: Duration = Duration::from_millis(10);

/// The id part of a token: a kernel thread or process id (a modelled thread id under the
/// checkers). Never 0 for a real token.
#[inline]
pub(crate) const fn token_id(token: u64) -> u32 {
    (token >> 32) as u32
}

/// How a sliced wait ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slept {
    /// Woken, the word differed, or a spurious return: re-check the state.
    Woken,
    /// The slice ended without a wake: re-check the state and the awaited party's liveness.
    Slice,
    /// The caller's deadline passed.
    TimedOut,
}

/// Per-call state of [`wait_slice`]: under the checkers, the deaths already seen.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    #[cfg(weft_checker)]
    deaths_seen: u64,
}

impl Watch {
    pub(crate) fn new() -> Self {
        Watch::default()
    }
}

/// Sleeps on `word` (shared wake mode) while it holds `expected`, for at most one [`SLICE`] and
/// never past `deadline`.
#[cfg(not(weft_checker))]
pub(crate) fn wait_slice(
    word: &AtomicU32,
    expected: u32,
    deadline: Option<Instant>,
    _: &mut Watch,
) -> Slept {
    use super::WakeMode;
    let slice_end = Instant::now().checked_add(SLICE);
    let (until, ends_slice) = match (deadline, slice_end) {
        (Some(d), Some(s)) if d <= s => (Some(d), false),
        (_, s) => (s, true),
    };
    if super::Shared::wait(word, expected, until) {
        Slept::Woken
    } else if ends_slice {
        Slept::Slice
    } else {
        Slept::TimedOut
    }
}

/// Under a checker: sleeps on `word` as an ordinary wait would, but a death this caller has not
/// seen yet (before or during the sleep) ends it as a slice would.
#[cfg(weft_checker)]
pub(crate) fn wait_slice(
    word: &AtomicU32,
    expected: u32,
    deadline: Option<Instant>,
    watch: &mut Watch,
) -> Slept {
    let before = watch.deaths_seen;
    let woken = super::table::wait_watching(word, expected, deadline, Some(&mut watch.deaths_seen));
    if watch.deaths_seen != before {
        Slept::Slice
    } else if woken {
        Slept::Woken
    } else {
        Slept::TimedOut
    }
}

/// Whether a scan for dead parties is due, claiming it: at most one scan per [`SLICE`] across
/// all waiters of a primitive (`at` holds the last scan's time, in coarse monotonic
/// milliseconds shared by every process). Under the checkers, always due.
pub(crate) fn scan_due(at: &AtomicU32) -> bool {
    if cfg!(weft_checker) {
        return true;
    }
    let now = monotonic_millis();
    let last = at.load(Relaxed);
    // Relaxed: the stamp only thins out scans; a lost race means one scan more or fewer.
    now.wrapping_sub(last) >= SLICE.as_millis() as u32
        && at.compare_exchange(last, now, Relaxed, Relaxed).is_ok()
}

/// CLOCK_MONOTONIC in milliseconds, truncated: the same clock in every process of the machine.
fn monotonic_millis() -> u32 {
    #[cfg(all(unix, not(weft_checker), not(miri)))]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC is always supported.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        (ts.tv_sec as u64)
            .wrapping_mul(1000)
            .wrapping_add(ts.tv_nsec as u64 / 1_000_000) as u32
    }
    #[cfg(all(not(weft_checker), any(not(unix), miri)))]
    {
        // No shared clock to read here (and no other process to share with): this process's own.
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_millis() as u32
    }
    #[cfg(weft_checker)]
    {
        0
    }
}

// ---- std on Linux: kernel ids and /proc ----

#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
mod os {
    use std::io::Read;

    /// What `/proc/<path>/stat` says: the state letter and the start time.
    pub(super) struct Stat {
        pub(super) state: u8,
        pub(super) start: u64,
    }

    /// Reads `/proc/<path>/stat`; `None` if it does not exist (or cannot be read).
    pub(super) fn stat(path: &str) -> Option<Stat> {
        let mut buf = [0u8; 1024];
        let mut file = std::fs::File::open(path).ok()?;
        let mut len = 0;
        while len < buf.len() {
            match file.read(&mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        parse_stat(&buf[..len])
    }

    /// Field 3 (state) and field 22 (start time) of a stat line. The command name (field 2) is
    /// in parentheses and may itself hold spaces and parentheses, so fields are counted after
    /// the last `)`.
    pub(super) fn parse_stat(line: &[u8]) -> Option<Stat> {
        let close = line.iter().rposition(|&b| b == b')')?;
        let rest = std::str::from_utf8(&line[close + 1..]).ok()?;
        let mut fields = rest.split_ascii_whitespace();
        let state = *fields.next()?.as_bytes().first()?;
        // Fields 4..=21 come before the start time: skip 18 of them.
        let start = fields.nth(18)?.parse().ok()?;
        Some(Stat { state, start })
    }

    pub(super) fn gettid() -> u32 {
        // SAFETY: gettid takes no arguments, cannot fail, and touches no memory.
        unsafe { libc::syscall(libc::SYS_gettid) as u32 }
    }
}

#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
std::thread_local! {
    static THREAD_TOKEN: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// The calling thread's token (see the module docs), read from `/proc` once per thread.
#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
#[inline]
pub(crate) fn thread_token() -> u64 {
    let cached = THREAD_TOKEN.with(|t| t.get());
    if cached != 0 {
        cached
    } else {
        new_thread_token()
    }
}

#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
#[cold]
fn new_thread_token() -> u64 {
    let tid = os::gettid();
    let start = os::stat(&format!("/proc/self/task/{tid}/stat")).map_or(0, |s| s.start);
    let token = (u64::from(tid) << 32) | (start & 0xffff_ffff);
    // `try_with`: during this thread's exit the cache may be gone; the token is then made anew.
    let _ = THREAD_TOKEN.try_with(|t| t.set(token));
    token
}

/// The calling process's token: its pid and the process's start time.
#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
pub(crate) fn process_token() -> u64 {
    static TOKEN: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TOKEN.get_or_init(|| {
        let pid = std::process::id();
        let start = os::stat("/proc/self/stat").map_or(0, |s| s.start);
        (u64::from(pid) << 32) | (start & 0xffff_ffff)
    })
}

/// Whether the thread or process `id` is alive. `record` is the holder's token as the
/// primitive recorded it, or 0 when it has none: when it names `id`, a start time that differs
/// from it means `id` was reused, so the holder is dead.
#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
pub(crate) fn alive(id: u32, record: u64) -> bool {
    if id == 0 {
        return false;
    }
    if !proc_mounted() {
        return true;
    }
    match os::stat(&format!("/proc/{id}/stat")) {
        None => false,
        Some(s) if s.state == b'Z' || s.state == b'X' || s.state == b'x' => false,
        Some(s) => {
            !(record != 0
                && token_id(record) == id
                && record & 0xffff_ffff != s.start & 0xffff_ffff)
        }
    }
}

#[cfg(all(target_os = "linux", not(weft_checker), not(miri)))]
fn proc_mounted() -> bool {
    static MOUNTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MOUNTED.get_or_init(|| os::stat("/proc/self/stat").is_some())
}

/// Whether the holder named by `token` is alive.
#[inline]
pub(crate) fn token_alive(token: u64) -> bool {
    alive(token_id(token), token)
}

// ---- other std targets, and Miri (no /proc, no raw system calls): ids from this process's
// own counter, no cross-process identity; nothing is ever found dead ----

#[cfg(all(any(not(target_os = "linux"), miri), not(weft_checker)))]
pub(crate) fn thread_token() -> u64 {
    ((super::current_thread_id() & 0x3fff_ffff) << 32) | 1
}

#[cfg(all(any(not(target_os = "linux"), miri), not(weft_checker)))]
pub(crate) fn process_token() -> u64 {
    (u64::from(std::process::id()) << 32) | 1
}

#[cfg(all(any(not(target_os = "linux"), miri), not(weft_checker)))]
pub(crate) fn alive(id: u32, _: u64) -> bool {
    id != 0
}

// ---- loom / shuttle: a modelled thread is a process; deaths are simulated ----

/// Under a checker: the calling modelled thread's token (its shim thread id; start time 1).
#[cfg(weft_checker)]
pub(crate) fn thread_token() -> u64 {
    let id = super::current_thread_id();
    assert!(
        id < (1 << 30),
        "weftsync: modelled thread ids ran past 2^30"
    );
    (id << 32) | 1
}

/// Under a checker, a modelled thread is a process of its own.
#[cfg(weft_checker)]
pub(crate) fn process_token() -> u64 {
    thread_token()
}

/// Under a checker: alive unless [`simulate_death`] marked it dead.
#[cfg(weft_checker)]
pub(crate) fn alive(id: u32, _: u64) -> bool {
    id != 0 && !super::table::is_dead(id)
}

/// Under a checker: the calling modelled thread "is killed" (kill -9): it is marked dead, and
/// every waiter that watches for deaths ends its slice. The thread should return at once
/// afterwards, leaving whatever it holds held (forget its guards first).
#[cfg(weft_checker)]
pub(crate) fn simulate_death() {
    super::table::announce_death(token_id(thread_token()));
}

#[cfg(all(test, target_os = "linux", not(weft_checker), not(miri)))]
mod tests {
    use super::*;

    #[test]
    fn stat_parsing_counts_fields_after_the_command_name() {
        let line = b"42 (a (weird) name) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 100000 10";
        let s = os::parse_stat(line).expect("a well-formed line parses");
        assert_eq!(
            (s.state, s.start),
            (b'S', 987654),
            "state is field 3, start time field 22"
        );
        assert!(os::parse_stat(b"42 (x").is_none(), "a cut line is refused");
    }

    #[test]
    fn own_thread_and_process_are_alive_and_tokens_are_stable() {
        let t = thread_token();
        assert_eq!(t, thread_token(), "the token is cached per thread");
        assert_ne!(token_id(t), 0);
        assert!(token_alive(t), "this thread is alive");
        assert!(token_alive(process_token()), "this process is alive");
        let other = std::thread::spawn(thread_token).join().unwrap();
        assert_ne!(other, t, "two threads have two tokens");
        // `join` returns when the kernel clears the thread's id word, which it does on the way
        // out, before the task leaves /proc: a joined thread may look alive for a moment (seen
        // once under load in CI). It must look dead soon after.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while token_alive(other) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(!token_alive(other), "a joined thread is dead within 10 s");
    }

    #[test]
    fn a_reused_id_with_another_start_time_is_dead() {
        let me = process_token();
        let forged = me ^ 1; // same pid, another start time: the pid was reused
        assert!(
            !token_alive(forged),
            "a start time mismatch means the holder died"
        );
        assert!(alive(token_id(me), 0), "no record: the id alone decides");
    }
}
