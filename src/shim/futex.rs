//! The wait layer on Linux: the kernel's futex, private or shared.
//!
//! `FUTEX_WAIT_BITSET` takes an absolute `CLOCK_MONOTONIC` deadline, computed once per call, so
//! a wait interrupted by a signal (`EINTR`) retries against the same deadline and can never
//! stretch its timeout. `std::time::Instant` reads the same clock on Linux.
//!
//! Two wake modes, one code path: [`wait`] / [`wake`] use `FUTEX_PRIVATE_FLAG` (the kernel keys
//! the word by this process's address space, the cheap lookup), [`wait_shared`] /
//! [`wake_shared`] leave it out (the kernel keys the word by the memory it names, so a process
//! that maps the same file at another address sleeps and wakes on the same word).

use super::{AtomicU32, Instant};

/// Sleeps while `*word == expected`, until woken or until `deadline`. Returns `false` only
/// when the deadline passed; a `true` return may be spurious. Private: only threads of this
/// process can wake it.
pub(crate) fn wait(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
    wait_flags(word, expected, deadline, libc::FUTEX_PRIVATE_FLAG)
}

/// [`wait`] on a word that may live in memory shared with other processes: any process that
/// maps the memory can wake it with [`wake_shared`].
pub(crate) fn wait_shared(word: &AtomicU32, expected: u32, deadline: Option<Instant>) -> bool {
    wait_flags(word, expected, deadline, 0)
}

fn wait_flags(
    word: &AtomicU32,
    expected: u32,
    deadline: Option<Instant>,
    private: libc::c_int,
) -> bool {
    let abs = match deadline {
        None => None,
        Some(d) => match monotonic_deadline(d) {
            Deadline::Passed => return false,
            Deadline::At(ts) => Some(ts),
            // Further out than a timespec can say: the same as no deadline.
            Deadline::Never => None,
        },
    };
    let ts_ptr = abs
        .as_ref()
        .map_or(core::ptr::null(), |ts| ts as *const libc::timespec);
    loop {
        // SAFETY: `word.as_ptr()` is a valid, aligned u32 for the duration of the call (we hold
        // `&AtomicU32`); `ts_ptr` is null or points to a live timespec on this stack frame; the
        // kernel only reads both. FUTEX_WAIT_BITSET with a null uaddr2 and MATCH_ANY is the
        // documented form of a plain wait with an absolute timeout.
        let r = unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT_BITSET | private,
                expected,
                ts_ptr,
                core::ptr::null::<u32>(),
                !0u32, // FUTEX_BITSET_MATCH_ANY
            )
        };
        if r == 0 {
            return true;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::ETIMEDOUT) => return false,
            // EAGAIN: the word no longer held `expected`. Anything else is reported as a
            // spurious return, which every caller already handles by re-checking.
            _ => return true,
        }
    }
}

/// Wakes at most `n` threads of this process sleeping on the word at `word`; returns how many it
/// woke.
///
/// Only the address is used: `word` may point to memory that was freed meanwhile (a waiter that
/// already returned). A private `FUTEX_WAKE` never touches the memory; it only looks the address
/// up among this process's sleepers, so the worst case is a spurious return for an unrelated
/// sleeper that now uses the address, which the contract allows.
pub(crate) fn wake(word: *const AtomicU32, n: u32) -> u32 {
    wake_flags(word, n, libc::FUTEX_PRIVATE_FLAG)
}

/// Wakes at most `n` threads, of any process, sleeping on the word at `word` with
/// [`wait_shared`]; returns how many it woke.
///
/// The kernel turns the address into a key (the mapped file and offset, for a shared mapping)
/// without reading the word. If the address is no longer mapped at all, the call fails with
/// `EFAULT` and wakes nobody (reported as 0); if it is mapped to other memory now, the worst case
/// is a spurious return for a sleeper there, which the contract allows.
pub(crate) fn wake_shared(word: *const AtomicU32, n: u32) -> u32 {
    wake_flags(word, n, 0)
}

fn wake_flags(word: *const AtomicU32, n: u32, private: libc::c_int) -> u32 {
    let n = n.min(i32::MAX as u32) as libc::c_int;
    // SAFETY: the kernel never dereferences the address for FUTEX_WAKE: a private wake looks it
    // up among this process's sleepers, a shared one resolves the mapping into a key (and fails
    // with EFAULT if nothing is mapped). It checks the alignment, which `AtomicU32` guarantees.
    // No Rust reference is made.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.cast::<u32>(),
            libc::FUTEX_WAKE | private,
            n,
        )
    };
    if r > 0 { r as u32 } else { 0 }
}

enum Deadline {
    Passed,
    At(libc::timespec),
    Never,
}

/// Converts an `Instant` deadline into an absolute CLOCK_MONOTONIC timespec.
fn monotonic_deadline(deadline: Instant) -> Deadline {
    let now = Instant::now();
    let Some(left) = deadline
        .checked_duration_since(now)
        .filter(|d| !d.is_zero())
    else {
        return Deadline::Passed;
    };
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC is always supported on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let nanos = ts.tv_nsec as u64 + u64::from(left.subsec_nanos());
    let secs = i64::try_from(left.as_secs())
        .ok()
        // `time_t` is i32 on some targets and i64 on others; `from` covers both.
        .and_then(|s| {
            #[allow(clippy::useless_conversion)]
            s.checked_add(i64::from(ts.tv_sec))
        })
        .and_then(|s| s.checked_add((nanos / 1_000_000_000) as i64));
    match secs.and_then(|s| libc::time_t::try_from(s).ok()) {
        Some(s) => Deadline::At(libc::timespec {
            tv_sec: s,
            tv_nsec: (nanos % 1_000_000_000) as libc::c_long,
        }),
        None => Deadline::Never,
    }
}
