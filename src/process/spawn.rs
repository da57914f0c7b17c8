//! Starting processes, Python's `multiprocessing.Process` with the "spawn" start method: a child
//! is this same program, started afresh, told which entry point to run and handed the region.
//!
//! The child is `std::env::current_exe()` run with the caller's arguments and two environment
//! variables: `WEFTSYNC_ENTRY` (the entry point's name, [`entry`] in the child) and
//! `WEFTSYNC_REGION_FD` (the region's descriptor, which [`Region::attach`] maps). The
//! descriptor is close-on-exec in the parent; the flag is cleared only in the child being
//! started (between its fork and exec), so no other program the parent starts inherits it.
//!
//! Waiting: right after the start the parent opens a *pidfd* for the child (`pidfd_open`, Linux
//! 5.3), which becomes readable when the child exits. Every join form sleeps in `poll` on it,
//! with the time left as the poll timeout, then reaps the child; no form sleeps in a loop of
//! fixed naps. Signals are sent through the pidfd too (`pidfd_send_signal`), so a kill can never
//! reach another process that reused the child's pid after it was reaped.

use core::fmt;
use std::ffi::{OsStr, OsString};
use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::Region;

/// The environment variable that names the entry point a started child runs.
pub(crate) const ENTRY_ENV: &str = "WEFTSYNC_ENTRY";

/// The entry point this process was started to run ([`Builder::new`]'s name), or `None` if it
/// was not started by [`Builder::spawn`]. A program's `main` (or a test) checks it first, as a
/// Python program checks `__name__ == "__main__"`.
///
/// ```
/// // A program with one entry point, "worker":
/// fn main() {
///     if weftsync::process::entry().as_deref() == Some("worker") {
///         // ... attach the region, do the work, return
///         return;
///     }
///     // ... the parent: create the region, start "worker" children, join them
/// }
/// # main();
/// ```
pub fn entry() -> Option<String> {
    std::env::var(ENTRY_ENV).ok()
}

/// Starts a child process running an entry point of this program, Python's
/// `Process(target=…)`: configure it, then [`spawn`](Builder::spawn).
///
/// ```no_run
/// use weftsync::process::{Builder, Region};
///
/// let region = Region::create(4096)?;
/// let child = Builder::new("worker").region(&region).spawn()?;
/// let status = child.join()?;
/// assert!(status.success());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Builder {
    entry: String,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    region_fd: Option<i32>,
    stdout: Option<Stdio>,
    stderr: Option<Stdio>,
}

impl Builder {
    /// A child that will run the entry point `entry` (what [`entry`] returns in the child).
    ///
    /// ```
    /// let b = weftsync::process::Builder::new("worker");
    /// # drop(b);
    /// ```
    pub fn new(entry: &str) -> Builder {
        Builder {
            entry: entry.to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
            region_fd: None,
            stdout: None,
            stderr: None,
        }
    }

    /// Adds a command-line argument for the child (a test passes `--exact <name>` here, so the
    /// child test binary runs only the test that plays the child).
    ///
    /// ```
    /// let mut b = weftsync::process::Builder::new("worker");
    /// b.arg("--verbose");
    /// ```
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Builder {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Adds several command-line arguments.
    ///
    /// ```
    /// let mut b = weftsync::process::Builder::new("worker");
    /// b.args(["--exact", "my_test", "--nocapture"]);
    /// ```
    pub fn args<I, S>(&mut self, args: I) -> &mut Builder
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets an environment variable in the child (it inherits the parent's otherwise).
    ///
    /// ```
    /// let mut b = weftsync::process::Builder::new("worker");
    /// b.env("WORKER_ID", "3");
    /// ```
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Builder {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Hands `region` to the child: [`Region::attach`] in the child maps the same memory.
    ///
    /// ```no_run
    /// let region = weftsync::process::Region::create(4096)?;
    /// let mut b = weftsync::process::Builder::new("worker");
    /// b.region(&region);
    /// # Ok::<(), weftsync::process::RegionError>(())
    /// ```
    pub fn region(&mut self, region: &Region) -> &mut Builder {
        #[cfg(target_os = "linux")]
        {
            self.region_fd = Some(region.raw_fd());
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = region;
        }
        self
    }

    /// Where the child's standard output goes (inherited by default).
    ///
    /// ```
    /// let mut b = weftsync::process::Builder::new("worker");
    /// b.stdout(std::process::Stdio::null());
    /// ```
    pub fn stdout(&mut self, to: Stdio) -> &mut Builder {
        self.stdout = Some(to);
        self
    }

    /// Where the child's standard error goes (inherited by default).
    ///
    /// ```
    /// let mut b = weftsync::process::Builder::new("worker");
    /// b.stderr(std::process::Stdio::null());
    /// ```
    pub fn stderr(&mut self, to: Stdio) -> &mut Builder {
        self.stderr = Some(to);
        self
    }

    /// Starts the child. Python's `Process.start()`.
    ///
    /// Errors: the executable cannot be found or started, or this kernel has no pidfds
    /// (Linux before 5.3); on other targets, `ErrorKind::Unsupported`.
    ///
    /// ```no_run
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// child.join()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[doc(alias = "start")]
    pub fn spawn(&mut self) -> io::Result<Child> {
        #[cfg(target_os = "linux")]
        {
            os::spawn(self)
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "weftsync::process: starting children is supported on Linux only",
            ))
        }
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("entry", &self.entry)
            .field("args", &self.args)
            .field("region_fd", &self.region_fd)
            .finish_non_exhaustive()
    }
}

/// A started child process: join it (four forms), read its exit status, kill it.
///
/// Dropping a `Child` does not wait for it or kill it (as `std::process::Child`); the child is
/// reaped when the parent exits.
pub struct Child {
    pid: u32,
    #[cfg(target_os = "linux")]
    pidfd: std::os::fd::OwnedFd,
    inner: std::sync::Mutex<std::process::Child>,
    status: std::sync::OnceLock<ExitStatus>,
}

impl Child {
    /// The child's process id.
    ///
    /// ```no_run
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// println!("started {}", child.pid());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Waits for the child to exit and returns its status. Python's `join()`.
    ///
    /// ```no_run
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// assert!(child.join()?.success());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn join(&self) -> io::Result<ExitStatus> {
        match self.join_deadline(None)? {
            Some(s) => Ok(s),
            None => unreachable!("an untimed join cannot time out"),
        }
    }

    /// The exit status if the child has exited; never blocks. `Ok(None)`: still running.
    /// Python's `exitcode` / `is_alive()`.
    ///
    /// ```no_run
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// if child.try_join()?.is_none() {
    ///     println!("still running");
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use = "Ok(None) means the child has not exited"]
    #[doc(alias = "is_alive", alias = "exitcode")]
    pub fn try_join(&self) -> io::Result<Option<ExitStatus>> {
        self.join_deadline(Some(Instant::now()))
    }

    /// Waits at most `timeout` for the child to exit. `Ok(None)` if it is still running.
    /// Python's `join(timeout)`.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// match child.join_for(Duration::from_secs(5))? {
    ///     Some(status) => println!("exited: {status}"),
    ///     None => child.kill()?,
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use = "Ok(None) means the child has not exited"]
    pub fn join_for(&self, timeout: Duration) -> io::Result<Option<ExitStatus>> {
        self.join_deadline(Instant::now().checked_add(timeout))
    }

    /// Waits until `deadline` at the latest for the child to exit. `Ok(None)` if it is still
    /// running.
    ///
    /// ```no_run
    /// use std::time::{Duration, Instant};
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// let _ = child.join_until(Instant::now() + Duration::from_secs(1))?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use = "Ok(None) means the child has not exited"]
    pub fn join_until(&self, deadline: Instant) -> io::Result<Option<ExitStatus>> {
        self.join_deadline(Some(deadline))
    }

    fn join_deadline(&self, deadline: Option<Instant>) -> io::Result<Option<ExitStatus>> {
        if let Some(s) = self.status.get() {
            return Ok(Some(*s));
        }
        #[cfg(target_os = "linux")]
        if !os::wait_readable(&self.pidfd, deadline)? {
            return Ok(None);
        }
        #[cfg(not(target_os = "linux"))]
        let _ = deadline;
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = self.status.get() {
            return Ok(Some(*s));
        }
        // The pidfd is readable: the child has exited, so this does not block.
        match inner.try_wait()? {
            Some(s) => {
                let _ = self.status.set(s);
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }

    /// Kills the child at once (`SIGKILL`), Python's `kill()`. Killing a child that has already
    /// exited does nothing.
    ///
    /// ```no_run
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// child.kill()?;
    /// assert!(!child.join()?.success());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill(&self) -> io::Result<()> {
        self.signal(9)
    }

    /// Asks the child to stop (`SIGTERM`), Python's `terminate()`.
    ///
    /// ```no_run
    /// let child = weftsync::process::Builder::new("worker").spawn()?;
    /// child.terminate()?;
    /// child.join()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn terminate(&self) -> io::Result<()> {
        self.signal(15)
    }

    fn signal(&self, sig: i32) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            os::send_signal(&self.pidfd, sig)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = sig;
            self.inner.lock().unwrap_or_else(|e| e.into_inner()).kill()
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("pid", &self.pid)
            .field("status", &self.status.get())
            .finish_non_exhaustive()
    }
}

#[cfg(target_os = "linux")]
mod os {
    use super::*;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;

    pub(super) fn spawn(b: &mut Builder) -> io::Result<Child> {
        let exe = std::env::current_exe()?;
        let mut cmd = std::process::Command::new(exe);
        cmd.args(&b.args).env(ENTRY_ENV, &b.entry);
        for (k, v) in &b.envs {
            cmd.env(k, v);
        }
        if let Some(to) = b.stdout.take() {
            cmd.stdout(to);
        }
        if let Some(to) = b.stderr.take() {
            cmd.stderr(to);
        }
        if let Some(fd) = b.region_fd {
            cmd.env(super::super::region::REGION_FD_ENV, fd.to_string());
            // SAFETY: the closure runs in the child between fork and exec, where only
            // async-signal-safe calls are allowed: fcntl is one, and nothing is allocated.
            unsafe {
                cmd.pre_exec(move || {
                    // Clear close-on-exec on the region's descriptor in this child only.
                    if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                        return Err(io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = cmd.spawn()?;
        let pid = child.id();
        // The child is not reaped until we wait for it, so its pid cannot be reused yet: the
        // pidfd names exactly this child.
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        if fd < 0 {
            let e = io::Error::last_os_error();
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                e.kind(),
                format!("weftsync::process needs pidfds (Linux 5.3): {e}"),
            ));
        }
        Ok(Child {
            pid,
            // SAFETY: `fd` is a new descriptor owned by nothing else.
            pidfd: unsafe { OwnedFd::from_raw_fd(fd as i32) },
            inner: std::sync::Mutex::new(child),
            status: std::sync::OnceLock::new(),
        })
    }

    /// Sleeps in `poll` until the pidfd is readable (the child exited) or `deadline` passes.
    /// Returns whether it became readable. The poll timeout is the time left, rounded up to a
    /// millisecond, so it never returns early for want of precision.
    pub(super) fn wait_readable(fd: &OwnedFd, deadline: Option<Instant>) -> io::Result<bool> {
        loop {
            let timeout_ms: libc::c_int = match deadline {
                None => -1,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    let ms = left.as_nanos().div_ceil(1_000_000);
                    ms.min(i32::MAX as u128) as libc::c_int
                }
            };
            let mut pfd = libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd on this stack frame.
            let r = unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
            if r > 0 {
                return Ok(true);
            }
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            // Timed out: done if the deadline has passed (a zero timeout is one look).
            if timeout_ms == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(false);
            }
        }
    }

    pub(super) fn send_signal(fd: &OwnedFd, sig: i32) -> io::Result<()> {
        // SAFETY: pidfd_send_signal(pidfd, sig, info = NULL, flags = 0) is its documented
        // plain form; the kernel reads nothing else.
        let r = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                fd.as_raw_fd(),
                sig,
                core::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        // ESRCH: the child has exited already; nothing to do.
        if e.raw_os_error() == Some(libc::ESRCH) {
            Ok(())
        } else {
            Err(e)
        }
    }
}

/// Ignoring whether a Child call happened does not compile under `#![deny(unused_must_use)]`: each
/// `compile_fail` block below is paired with a `no_run` block that differs only in using the
/// result, so each fails for the lint alone.
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(c: &weftsync::process::Child) {
/// c.try_join(); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(c: &weftsync::process::Child) {
/// let _ = c.try_join(); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(c: &weftsync::process::Child) {
/// c.join_for(std::time::Duration::ZERO); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(c: &weftsync::process::Child) {
/// let _ = c.join_for(std::time::Duration::ZERO); }
/// ```
/// ```compile_fail
/// #![deny(unused_must_use)]
/// fn f(c: &weftsync::process::Child) {
/// c.join_until(std::time::Instant::now()); }
/// ```
/// ```no_run
/// #![deny(unused_must_use)]
/// fn f(c: &weftsync::process::Child) {
/// let _ = c.join_until(std::time::Instant::now()); }
/// ```
#[cfg(doctest)]
#[allow(dead_code)]
struct MustUseWarns;
