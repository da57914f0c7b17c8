//! `Lock` on Redis: a lease with an owner token and a fencing token.
//!
//! Server state of a lock named `n`:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `owner` | string, expires with the lease | `<owner token>:<fence>` while held |
//! | `fence` | integer | the last fencing token handed out (never reset) |
//! | `w` / `k` | sorted set / list | sleepers and wake tokens |
//!
//! | state | acquire | release by the owner | lease runs out |
//! |---|---|---|---|
//! | free | takes it: `owner` set with the lease, `fence` + 1 | — | — |
//! | held | waits (until a release or the lease's end) | frees it, wakes one sleeper | frees it (no wake: sleepers' waits end by then) |

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::{Script, Value};

use crate::client::{Client, Deadline, LUA_PRELUDE, Step, array, deadline_after, hint, int};
use crate::error::Error;

/// Default lease of a [`Lock`] or a [`Semaphore`](crate::Semaphore) permit.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

const LUA_LOCK: &str = r#"
local OWNER, FENCE, W, K = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
"#;

fn script(body: &str) -> Script {
    Script::new(&format!("{LUA_PRELUDE}{LUA_LOCK}{body}"))
}

/// ARGV: owner token, lease ms, sleeper token, register ms. Reply {0, fence} | {1, pttl}.
/// Idempotent per owner token, so a call whose reply was lost can simply be sent again.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local v = redis.call('GET', OWNER)
if v then
  -- A retry after a lost reply finds the lock already taken for this owner token.
  local t, f = string.match(v, '^(.*):(%d+)$')
  if t == ARGV[1] then leave(W, K, ARGV[3], now); return {0, tonumber(f)} end
else
  local f = redis.call('INCR', FENCE)
  redis.call('SET', OWNER, ARGV[1] .. ':' .. f, 'PX', ARGV[2])
  leave(W, K, ARGV[3], now)
  return {0, f}
end
local reg = tonumber(ARGV[4])
if reg > 0 then enter(W, ARGV[3], now, reg) else leave(W, K, ARGV[3], now) end
return {1, redis.call('PTTL', OWNER)}
"#,
    )
});

/// ARGV: owner token. Reply: fence if `token` holds the lock, else -1.
static HOLDER: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local v = redis.call('GET', OWNER)
if not v then return -1 end
local t, f = string.match(v, '^(.*):(%d+)$')
if t == ARGV[1] then return tonumber(f) end
return -1
"#,
    )
});

/// ARGV: owner token. Reply 1 released, 0 not the owner (lease expired).
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local v = redis.call('GET', OWNER)
if not v or string.match(v, '^(.*):%d+$') ~= ARGV[1] then return 0 end
redis.call('DEL', OWNER)
wake_n(W, K, now, 1)
return 1
"#,
    )
});

/// ARGV: owner token, lease ms. Reply 1 extended, 0 not the owner.
static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local v = redis.call('GET', OWNER)
if not v or string.match(v, '^(.*):%d+$') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', OWNER, ARGV[2])
return 1
"#,
    )
});

/// A mutual-exclusion lock shared by every process that opens it by name, held under a
/// **lease**: a holder that dies (or stalls past the lease) loses it when the lease ends, so a
/// crashed process never blocks the others forever. Python's `multiprocessing.Lock` served by a
/// manager, across machines.
///
/// Because a holder can lose the lock without knowing (a pause longer than its lease), every
/// acquisition comes with a **fencing token** ([`LockGuard::fence`]), larger than every earlier
/// one: a resource that remembers the largest token it has seen and refuses smaller ones is safe
/// even then. See `docs/distributed.md`.
///
/// ```no_run
/// use weftsync_redis::{Client, Lock};
/// let client = Client::open("redis://:secret@127.0.0.1:6379/")?;
/// let lock = Lock::open(&client, "ledger")?;
/// let guard = lock.lock()?;
/// println!("writing with fencing token {}", guard.fence());
/// drop(guard); // releases
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
pub struct Lock {
    client: Client,
    name: String,
    keys: [String; 4],
    lease: Duration,
}

/// Proof of holding a [`Lock`] (for as long as its lease lasts). Dropping it releases the lock
/// (best effort: an error on drop is ignored and the lease ends it anyway);
/// [`unlock`](LockGuard::unlock) reports the outcome.
///
/// ```no_run
/// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
/// let lock = weftsync_redis::Lock::open(&client, "guard-doc")?;
/// let g = lock.lock()?;
/// assert!(g.fence() > 0);
/// assert!(g.unlock()?, "released while still held");
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
#[must_use = "dropping the guard releases the lock at once"]
#[clippy::has_significant_drop]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    token: String,
    fence: u64,
    released: bool,
}

impl Lock {
    /// A handle on the lock called `name` (nothing is created until it is first taken), with
    /// the default lease ([`DEFAULT_LEASE`], 30 s).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "printer")?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn open(client: &Client, name: &str) -> Result<Lock, Error> {
        let k = |s: &str| format!("weftsync:lock:{{{name}}}:{s}");
        Ok(Lock {
            client: client.clone(),
            name: name.to_string(),
            keys: [k("owner"), k("fence"), k("w"), k("k")],
            lease: DEFAULT_LEASE,
        })
    }

    /// Sets the lease of the acquisitions made through this handle: how long a holder keeps
    /// the lock without [`LockGuard::extend`]. Longer than the work it protects, shorter than
    /// the others may wait for a crashed holder.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let lock = weftsync_redis::Lock::open(&client, "short")?.with_lease(Duration::from_secs(5));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Lock {
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

    fn acquire(&self, deadline: Deadline) -> Result<Option<LockGuard<'_>>, Error> {
        // A fresh owner token per call: ACQUIRE is idempotent for it.
        let owner = self.client.inner.unique_id();
        let lease = self.lease.as_millis() as u64;
        let got = self
            .client
            .inner
            .wait_loop(deadline, &self.keys[3], |sleeper, reg| {
                let v = array(self.invoke(
                    &ACQUIRE,
                    &[
                        owner.clone(),
                        lease.to_string(),
                        sleeper.into(),
                        reg.to_string(),
                    ],
                )?);
                match v.first().map(int) {
                    Some(0) => Ok(Step::Done(int(&v[1]) as u64)),
                    _ => Ok(Step::Wait(hint(v.get(1)))),
                }
            })?;
        Ok(got.map(|fence| LockGuard {
            lock: self,
            token: owner,
            fence,
            released: false,
        }))
    }

    /// Takes the lock, waiting while another process holds it (until it releases or its lease
    /// ends). Fails only if the server cannot be reached.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "lock-doc")?;
    /// let _g = lock.lock()?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "acquire")]
    pub fn lock(&self) -> Result<LockGuard<'_>, Error> {
        Ok(self
            .acquire(None)?
            .expect("an untimed wait does not time out"))
    }

    /// Takes the lock if it is free right now: one script run. `Ok(None)` if it is held.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "try-lock-doc")?;
    /// let g = lock.try_lock()?.expect("free");
    /// assert!(lock.try_lock()?.is_none(), "held by g");
    /// # drop(g);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`None` means the lock was not taken"]
    pub fn try_lock(&self) -> Result<Option<LockGuard<'_>>, Error> {
        self.acquire(Some(Instant::now()))
    }

    /// Takes the lock, waiting at most `timeout`. `Ok(None)` if it stayed held; Python's
    /// `acquire(timeout=t)`.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let lock = weftsync_redis::Lock::open(&client, "lock-for-doc")?;
    /// let g = lock.lock_for(Duration::from_secs(1))?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`None` means the lock was not taken"]
    #[doc(alias = "try_lock_for")]
    #[doc(alias = "acquire")]
    pub fn lock_for(&self, timeout: Duration) -> Result<Option<LockGuard<'_>>, Error> {
        self.acquire(deadline_after(timeout))
    }

    /// Takes the lock, waiting until `deadline` at the latest.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "lock-until-doc")?;
    /// let g = lock.lock_until(std::time::Instant::now())?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`None` means the lock was not taken"]
    #[doc(alias = "try_lock_until")]
    pub fn lock_until(&self, deadline: Instant) -> Result<Option<LockGuard<'_>>, Error> {
        self.acquire(Some(deadline))
    }

    /// Whether some process holds the lock right now (a snapshot).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "locked-doc")?;
    /// assert!(!lock.is_locked()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "locked")]
    pub fn is_locked(&self) -> Result<bool, Error> {
        let key = &self.keys[0];
        self.client
            .inner
            .run_idempotent(|c| redis::cmd("EXISTS").arg(key).query::<i64>(&mut c.con))
            .map(|n| n > 0)
    }

    /// The lock's name on the server.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// assert_eq!(weftsync_redis::Lock::open(&client, "x")?.name(), "x");
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl LockGuard<'_> {
    /// The fencing token of this acquisition: larger than that of every earlier acquisition of
    /// the same lock. Pass it to the protected resource, which refuses tokens smaller than the
    /// largest it has seen.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "fence-doc")?;
    /// let a = lock.lock()?.fence();
    /// let b = lock.lock()?.fence();
    /// assert!(b > a);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn fence(&self) -> u64 {
        self.fence
    }

    /// Renews the lease for the handle's lease time from now. `Ok(false)` if the lease had
    /// already ended (the lock may be someone else's: stop writing).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "extend-doc")?;
    /// let g = lock.lock()?;
    /// assert!(g.extend()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`false` means the lock was lost"]
    pub fn extend(&self) -> Result<bool, Error> {
        let lease = self.lock.lease.as_millis() as u64;
        Ok(int(&self
            .lock
            .invoke(&EXTEND, &[self.token.clone(), lease.to_string()])?)
            == 1)
    }

    /// Whether this guard's lease still holds the lock (a snapshot).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "held-doc")?;
    /// assert!(lock.lock()?.is_held()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn is_held(&self) -> Result<bool, Error> {
        Ok(int(&self
            .lock
            .invoke(&HOLDER, std::slice::from_ref(&self.token))?)
            > 0)
    }

    /// Releases the lock and says whether it was still held (`Ok(false)`: the lease had ended
    /// before, and someone else may have had the lock meanwhile).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let lock = weftsync_redis::Lock::open(&client, "unlock-doc")?;
    /// assert!(lock.lock()?.unlock()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "release")]
    pub fn unlock(mut self) -> Result<bool, Error> {
        self.released = true;
        Ok(int(&self
            .lock
            .invoke(&RELEASE, std::slice::from_ref(&self.token))?)
            == 1)
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        if !self.released {
            let _ = self
                .lock
                .invoke(&RELEASE, std::slice::from_ref(&self.token));
        }
    }
}

/// Prints the name and lease; never talks to the server.
impl core::fmt::Debug for Lock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lock")
            .field("name", &self.name)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LockGuard")
            .field("lock", &self.lock.name)
            .field("fence", &self.fence)
            .finish_non_exhaustive()
    }
}
