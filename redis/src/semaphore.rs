//! `Semaphore` on Redis: at most `permits` holders at once, each under a lease.
//!
//! Server state of a semaphore named `n`:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `meta` | hash | `permits` (set by the first `open`) |
//! | `holders` | sorted set | holder token → lease deadline (ms, server time) |
//! | `w` / `k` | sorted set / list | sleepers and wake tokens |
//!
//! Acquire first drops holders whose lease has ended, then joins `holders` if fewer than
//! `permits` remain; otherwise it waits until a release (which wakes one sleeper) or the earliest
//! lease's end (the script's hint bounds the wait).

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::{Script, Value};

use crate::client::{Client, Deadline, LUA_PRELUDE, Step, array, deadline_after, hint, int};
use crate::error::{Error, ErrorKind};
use crate::lock::DEFAULT_LEASE;

const LUA_SEM: &str = r#"
local META, HOLDERS, W, K = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
"#;

fn script(body: &str) -> Script {
    Script::new(&format!("{LUA_PRELUDE}{LUA_SEM}{body}"))
}

/// ARGV: permits. Reply: the permits the semaphore has.
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local p = redis.call('HGET', META, 'permits')
if p then return tonumber(p) end
redis.call('HSET', META, 'permits', ARGV[1])
return tonumber(ARGV[1])
"#,
    )
});

/// ARGV: holder token, lease ms, sleeper token, register ms. Reply {0} | {1, hint} | {9}.
/// Idempotent per holder token.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local permits = tonumber(redis.call('HGET', META, 'permits'))
if not permits then return {9} end
redis.call('ZREMRANGEBYSCORE', HOLDERS, '-inf', now)
if redis.call('ZSCORE', HOLDERS, ARGV[1]) then leave(W, K, ARGV[3], now); return {0} end
if redis.call('ZCARD', HOLDERS) < permits then
  redis.call('ZADD', HOLDERS, now + tonumber(ARGV[2]), ARGV[1])
  leave(W, K, ARGV[3], now)
  return {0}
end
local first = redis.call('ZRANGE', HOLDERS, 0, 0, 'WITHSCORES')
local reg = tonumber(ARGV[4])
if reg > 0 then enter(W, ARGV[3], now, reg) else leave(W, K, ARGV[3], now) end
return {1, tonumber(first[2]) - now}
"#,
    )
});

/// ARGV: holder token. Reply 1 released, 0 not a holder (lease ended).
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if redis.call('ZREM', HOLDERS, ARGV[1]) == 0 then return 0 end
wake_n(W, K, now, 1)
return 1
"#,
    )
});

/// ARGV: holder token, lease ms. Reply 1 extended, 0 not a holder.
static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local s = redis.call('ZSCORE', HOLDERS, ARGV[1])
if not s or tonumber(s) <= now then return 0 end
redis.call('ZADD', HOLDERS, now + tonumber(ARGV[2]), ARGV[1])
return 1
"#,
    )
});

/// Reply: {permits, live holders}.
static STATUS: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', HOLDERS, '-inf', now)
return {tonumber(redis.call('HGET', META, 'permits') or '-1'), redis.call('ZCARD', HOLDERS)}
"#,
    )
});

/// A counting semaphore shared by every process that opens it by name: at most `permits`
/// holders at once, each holding its permit under a **lease**, so a holder that dies gives its
/// permit back when the lease ends. Python's `multiprocessing.BoundedSemaphore` served by a
/// manager, across machines.
///
/// Unlike Python's `Semaphore`, a permit is released by its holder only (through the
/// [`SemaphorePermit`]): there is no anonymous `release` that could raise the count, since a
/// lease needs an owner.
///
/// ```no_run
/// use weftsync_redis::{Client, Semaphore};
/// let client = Client::open("redis://:secret@127.0.0.1:6379/")?;
/// let downloads = Semaphore::open(&client, "downloads", 3)?;
/// let permit = downloads.acquire()?; // at most 3 processes past this line
/// drop(permit);
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
#[doc(alias = "BoundedSemaphore")]
pub struct Semaphore {
    client: Client,
    name: String,
    keys: [String; 4],
    permits: u32,
    lease: Duration,
}

/// One permit of a [`Semaphore`], held under a lease; dropping it releases the permit (best
/// effort; the lease ends it anyway).
///
/// ```no_run
/// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
/// let s = weftsync_redis::Semaphore::open(&client, "permit-doc", 1)?;
/// let p = s.acquire()?;
/// assert!(p.release()?);
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
#[must_use = "dropping the permit releases it at once"]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    token: String,
    released: bool,
}

impl Semaphore {
    /// Opens the semaphore called `name`, creating it with `permits` if it does not exist.
    /// [`ErrorKind::Mismatch`] if it exists with another count; [`ErrorKind::Config`] for 0.
    /// Leases last [`DEFAULT_LEASE`] (30 s) unless [`with_lease`](Semaphore::with_lease) says.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "slots", 4)?;
    /// assert_eq!(s.permits(), 4);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn open(client: &Client, name: &str, permits: u32) -> Result<Semaphore, Error> {
        if permits == 0 {
            return Err(Error::new(
                ErrorKind::Config,
                "a semaphore needs at least 1 permit",
            ));
        }
        let k = |s: &str| format!("weftsync:sem:{{{name}}}:{s}");
        let s = Semaphore {
            client: client.clone(),
            name: name.to_string(),
            keys: [k("meta"), k("holders"), k("w"), k("k")],
            permits,
            lease: DEFAULT_LEASE,
        };
        let have = int(&s.invoke(&CREATE, &[permits.to_string()])?);
        if have != i64::from(permits) {
            return Err(Error::new(
                ErrorKind::Mismatch,
                format!("semaphore {name:?} exists with {have} permits, not {permits}"),
            ));
        }
        Ok(s)
    }

    /// Sets the lease of the permits acquired through this handle.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let s = weftsync_redis::Semaphore::open(&client, "s", 2)?.with_lease(Duration::from_secs(5));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Semaphore {
        self.lease = lease.max(Duration::from_millis(1));
        self
    }

    fn invoke(&self, s: &Script, args: &[String]) -> Result<Value, Error> {
        self.client.inner.run_idempotent(|c| {
            let mut inv = s.prepare_invoke();
            for k in &self.keys {
                inv.key(k);
            }
            for a in args {
                inv.arg(a);
            }
            inv.invoke::<Value>(&mut c.con)
        })
    }

    fn acquire_deadline(&self, deadline: Deadline) -> Result<Option<SemaphorePermit<'_>>, Error> {
        let token = self.client.inner.unique_id();
        let lease = self.lease.as_millis() as u64;
        let got = self
            .client
            .inner
            .wait_loop(deadline, &self.keys[3], |sleeper, reg| {
                let v = array(self.invoke(
                    &ACQUIRE,
                    &[
                        token.clone(),
                        lease.to_string(),
                        sleeper.into(),
                        reg.to_string(),
                    ],
                )?);
                match v.first().map(int) {
                    Some(0) => Ok(Step::Done(())),
                    Some(1) => Ok(Step::Wait(hint(v.get(1)))),
                    _ => Err(Error::new(
                        ErrorKind::Server,
                        format!("semaphore {:?} no longer exists", self.name),
                    )),
                }
            })?;
        Ok(got.map(|()| SemaphorePermit {
            sem: self,
            token,
            released: false,
        }))
    }

    /// Takes a permit, waiting for one (a release, or a holder's lease ending).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "acquire-doc", 2)?;
    /// let _p = s.acquire()?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn acquire(&self) -> Result<SemaphorePermit<'_>, Error> {
        Ok(self
            .acquire_deadline(None)?
            .expect("an untimed wait does not time out"))
    }

    /// Takes a permit if one is free right now: one script run.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "try-acquire-doc", 1)?;
    /// let p = s.try_acquire()?.expect("free");
    /// assert!(s.try_acquire()?.is_none());
    /// # drop(p);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`None` means no permit was taken"]
    pub fn try_acquire(&self) -> Result<Option<SemaphorePermit<'_>>, Error> {
        self.acquire_deadline(Some(Instant::now()))
    }

    /// Takes a permit, waiting at most `timeout`; Python's `acquire(timeout=t)`.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let s = weftsync_redis::Semaphore::open(&client, "acquire-for-doc", 1)?;
    /// let p = s.acquire_for(Duration::from_secs(1))?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`None` means no permit was taken"]
    pub fn acquire_for(&self, timeout: Duration) -> Result<Option<SemaphorePermit<'_>>, Error> {
        self.acquire_deadline(deadline_after(timeout))
    }

    /// Takes a permit, waiting until `deadline` at the latest.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "acquire-until-doc", 1)?;
    /// let p = s.acquire_until(std::time::Instant::now())?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`None` means no permit was taken"]
    pub fn acquire_until(&self, deadline: Instant) -> Result<Option<SemaphorePermit<'_>>, Error> {
        self.acquire_deadline(Some(deadline))
    }

    /// Permits free right now (a snapshot; holders whose lease ended count as free).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "available-doc", 3)?;
    /// let _p = s.acquire()?;
    /// assert_eq!(s.available_permits()?, 2);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn available_permits(&self) -> Result<u32, Error> {
        let v = array(self.invoke(&STATUS, &[])?);
        let (p, held) = (int(&v[0]), int(&v[1]));
        Ok((p - held).max(0) as u32)
    }

    /// The number of permits (the creator's count).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// assert_eq!(weftsync_redis::Semaphore::open(&client, "p", 2)?.permits(), 2);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn permits(&self) -> u32 {
        self.permits
    }
}

impl SemaphorePermit<'_> {
    /// Renews this permit's lease. `Ok(false)` if it had already ended.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "extend-doc", 1)?;
    /// assert!(s.acquire()?.extend()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`false` means the permit was lost"]
    pub fn extend(&self) -> Result<bool, Error> {
        let lease = self.sem.lease.as_millis() as u64;
        Ok(int(&self
            .sem
            .invoke(&EXTEND, &[self.token.clone(), lease.to_string()])?)
            == 1)
    }

    /// Releases the permit; `Ok(false)` if its lease had already ended.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let s = weftsync_redis::Semaphore::open(&client, "release-doc", 1)?;
    /// assert!(s.acquire()?.release()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn release(mut self) -> Result<bool, Error> {
        self.released = true;
        Ok(int(&self
            .sem
            .invoke(&RELEASE, std::slice::from_ref(&self.token))?)
            == 1)
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        if !self.released {
            let _ = self.sem.invoke(&RELEASE, std::slice::from_ref(&self.token));
        }
    }
}

/// Prints the name, permits and lease; never talks to the server.
impl core::fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Semaphore")
            .field("name", &self.name)
            .field("permits", &self.permits)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("semaphore", &self.sem.name)
            .finish_non_exhaustive()
    }
}
