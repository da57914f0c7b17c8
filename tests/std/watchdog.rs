//! The watchdog every std test that can block runs under: a lost wake-up fails the test that lost
//! it, by name, within seconds, and says what each thread of the process was waiting on, instead
//! of leaving `cargo test` hanging with no test named.
//!
//! ```text
//! #[test]
//! fn set_wakes_every_waiter() {
//!     watched(|| {
//!         // the test body, unchanged
//!     });
//! }
//! ```
//!
//! - [`watched`]`(body)` runs `body` on a thread of its own, named after the test, and returns
//!   what it returns (a proptest body returns its `Result`: `watched(move || { …; Ok(()) })?`).
//!   A panic in `body` fails the test with the body's own message (so `should_panic` works).
//!   If `body` is still running after [`DEFAULT_LIMIT`], the calling test panics with its name
//!   and a dump of every thread: name, state, kernel wait channel, and for a thread in a `futex`
//!   wait the word's address.
//! - [`watched_for`]`(limit, body)`: the same with another limit.
//! - [`label`]`(&object, "name")` names an object's bytes for the dump while the returned guard
//!   lives, so a futex address inside it is printed as `futex wait on 0x… (name+offset)`.
//!
//! Limits are multiplied by [`MIRI_SCALE`] under Miri. `WEFT_WATCHDOG_SECS=<seconds>` replaces
//! every limit (default and explicit): longer for slow tools, shorter when hunting a hang.
//!
//! A test that hangs leaves its body thread behind, blocked, until the test binary exits; the
//! other tests keep running.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Duration;

/// The limit of [`watched`]: the slowest std test takes well under a second on a quiet machine.
pub const DEFAULT_LIMIT: Duration = Duration::from_secs(30);

/// Miri runs threads thousands of times slower; the tests scale their loops down, and the
/// watchdog scales its limits up by this much.
pub const MIRI_SCALE: u32 = 20;

/// Runs `body` under the watchdog with [`DEFAULT_LIMIT`]; see the module docs.
#[track_caller]
pub fn watched<R, F>(body: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    watched_for(DEFAULT_LIMIT, body)
}

/// Runs `body` on its own thread; panics, naming the calling test and dumping every thread, if
/// `body` has not returned within `limit` (scaled for Miri, replaced by `WEFT_WATCHDOG_SECS`).
#[track_caller]
pub fn watched_for<R, F>(limit: Duration, body: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let name = test_name(std::any::type_name::<F>());
    let limit = effective_limit(limit);
    let (done, finished) = mpsc::channel();
    let body_tid = std::sync::Arc::new(AtomicU64::new(0));
    let tid = std::sync::Arc::clone(&body_tid);
    let runner = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            tid.store(os_thread_id(), Relaxed);
            // A panic drops `done` unsent: the caller sees a disconnect and re-raises it.
            let _ = done.send(body());
        })
        .expect("watchdog: could not spawn the test body's thread");
    match finished.recv_timeout(limit) {
        Ok(value) => {
            let _ = runner.join();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body's thread ended without sending its result"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!(
            "watchdog: test `{name}` did not finish within {limit:?} (a lost wake-up or a \
             deadlock; WEFT_WATCHDOG_SECS changes the limit). Threads of this process:\n{}",
            thread_dump(body_tid.load(Relaxed))
        ),
    }
}

/// Names `object`'s bytes in the watchdog's dump until the guard drops. Declare the guard after
/// the object (`let _q = label(&*queue, "queue");`) so it drops first.
pub fn label<T: ?Sized>(object: &T, name: impl Into<String>) -> Label {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let id = NEXT.fetch_add(1, Relaxed);
    let start = std::ptr::from_ref(object).cast::<u8>() as usize;
    let len = std::mem::size_of_val(object);
    labels().push(Named {
        id,
        start,
        len,
        name: name.into(),
    });
    Label { id }
}

/// Keeps a [`label`] in the dump; removes it when dropped.
#[must_use = "the label is removed when this guard drops"]
#[derive(Debug)]
pub struct Label {
    id: u64,
}

impl Drop for Label {
    fn drop(&mut self) {
        labels().retain(|n| n.id != self.id);
    }
}

struct Named {
    id: u64,
    start: usize,
    len: usize,
    name: String,
}

static LABELS: Mutex<Vec<Named>> = Mutex::new(Vec::new());

fn labels() -> std::sync::MutexGuard<'static, Vec<Named>> {
    LABELS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The test's name: libtest names each test's thread after the test; where the test runs on a
/// thread without that name, the body closure's type path (`std::lock::some_test::{{closure}}`)
/// names it instead.
fn test_name(closure_type: &str) -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => {
            let path = closure_type
                .split_once("::")
                .map_or(closure_type, |(_crate, rest)| rest);
            path.trim_end_matches("::{{closure}}").to_owned()
        }
    }
}

fn effective_limit(limit: Duration) -> Duration {
    if let Some(secs) = std::env::var_os("WEFT_WATCHDOG_SECS") {
        let secs = secs.to_string_lossy();
        let secs: f64 = secs
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("WEFT_WATCHDOG_SECS must be a number of seconds: {secs:?}"));
        return Duration::from_secs_f64(secs);
    }
    if cfg!(miri) {
        limit * MIRI_SCALE
    } else {
        limit
    }
}

#[cfg(all(target_os = "linux", not(miri)))]
fn os_thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    u64::try_from(unsafe { libc::gettid() }).unwrap_or(0)
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn os_thread_id() -> u64 {
    0
}

/// Whether thread `tid` of this process is blocked in a futex wait, and on which address (from
/// `/proc/self/task/<tid>/syscall`): how a test sees that a blocking call sleeps in the kernel on
/// the word it should, and not in a spin.
#[cfg(all(target_os = "linux", not(miri)))]
pub fn futex_wait_address(tid: i32) -> Option<usize> {
    let syscall = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).ok()?;
    let mut fields = syscall.split_whitespace();
    let number: i64 = fields.next()?.parse().ok()?;
    let addr = usize::from_str_radix(fields.next()?.trim_start_matches("0x"), 16).ok()?;
    (number == libc::SYS_futex).then_some(addr)
}

/// One line per thread of this process, from `/proc/self/task/*`. Best effort: a file that
/// cannot be read leaves a `?`, and nothing here panics.
#[cfg(all(target_os = "linux", not(miri)))]
fn thread_dump(body_tid: u64) -> String {
    let read = |tid: u64, file: &str| {
        std::fs::read_to_string(format!("/proc/self/task/{tid}/{file}"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|_| "?".to_owned())
    };
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return "  (/proc/self/task cannot be read)".to_owned();
    };
    let mut tids: Vec<u64> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    tids.sort_unstable();
    let named = labels();
    let me = os_thread_id();
    let mut out = String::new();
    for tid in tids {
        let stat = read(tid, "stat");
        // The state is the first field after the command name, which is in parentheses.
        let state = stat
            .rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .unwrap_or("?");
        let what = blocked_in(&read(tid, "syscall"), &named);
        let _ = writeln!(
            out,
            "  tid {tid:<7} {:<16} state {state} ({}), wchan {}, {what}{}",
            read(tid, "comm"),
            state_word(state),
            read(tid, "wchan"),
            match tid {
                _ if tid == body_tid => "  <- the test body",
                _ if tid == me => "  <- the watchdog (this dump)",
                _ => "",
            },
        );
    }
    out
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn thread_dump(_body_tid: u64) -> String {
    "  (no thread dump: it reads Linux's /proc, which Miri and other systems do not give)"
        .to_owned()
}

/// Reads `/proc/<tid>/syscall`: `running`, `-1 sp pc` (not in a syscall), or the number and
/// six arguments of the syscall the thread is blocked in.
#[cfg(all(target_os = "linux", not(miri)))]
fn blocked_in(syscall: &str, named: &[Named]) -> String {
    let mut fields = syscall.split_whitespace();
    let number = fields.next().and_then(|n| n.parse::<i64>().ok());
    let args: Vec<usize> = fields
        .take(6)
        .filter_map(|a| usize::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .collect();
    match number {
        None => format!("syscall: {syscall}"),
        Some(-1) => "not in a syscall".to_owned(),
        Some(n) if n == libc::SYS_futex && !args.is_empty() => {
            let addr = args[0];
            // FUTEX_WAIT = 0, FUTEX_WAIT_BITSET = 9, with or without FUTEX_PRIVATE_FLAG (128).
            let op = match args.get(1).map(|op| op & 0x7f) {
                Some(0 | 9) => "futex wait",
                _ => "futex call",
            };
            let what = named
                .iter()
                .find(|l| (l.start..l.start + l.len.max(1)).contains(&addr))
                .map(|l| format!(" ({}+{})", l.name, addr - l.start))
                .unwrap_or_default();
            format!("{op} on {addr:#x}{what}")
        }
        Some(n) => format!("in syscall {n}"),
    }
}

#[cfg(all(target_os = "linux", not(miri)))]
fn state_word(state: &str) -> &'static str {
    match state {
        "R" => "running",
        "S" => "sleeping",
        "D" => "uninterruptible",
        "T" | "t" => "stopped",
        "Z" => "zombie",
        _ => "?",
    }
}

/// The watchdog's own proof: a body blocked forever on an Event that nobody sets must fail the
/// calling test by name, and the dump must show the futex wait. The hung body stays blocked in
/// the kernel (no CPU) until the test binary exits; the Event is a static so it outlives it.
#[test]
#[cfg_attr(miri, ignore = "Miri's threads have no /proc entries to dump")]
fn watchdog_fails_a_hung_test_by_name_and_shows_its_futex_wait() {
    static NEVER_SET: weftsync::Event = weftsync::Event::new();
    let hung = std::panic::catch_unwind(|| {
        watched_for(Duration::from_millis(200), || {
            let _label = label(&NEVER_SET, "never-set event");
            NEVER_SET.wait();
        });
    });
    let panic = hung.expect_err("watched_for must panic when its body does not finish");
    let message = panic
        .downcast_ref::<String>()
        .map_or("(not a String)", String::as_str);
    assert!(
        message.contains("watchdog::watchdog_fails_a_hung_test_by_name_and_shows_its_futex_wait"),
        "the watchdog's panic must name the hung test: {message}"
    );
    assert!(
        message.contains("futex wait on 0x"),
        "the dump must show the body's futex wait: {message}"
    );
    // On the kernel futex the word is the Event's own; the wait table sleeps on another word.
    if !cfg!(weft_force_table) {
        assert!(
            message.contains("(never-set event+0)"),
            "the dump must name the labelled Event the body sleeps on: {message}"
        );
    }
}
