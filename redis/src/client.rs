//! The connection to the server: URL and authentication, a small pool, reconnection, and the one
//! waiting loop every blocking call uses.
//!
//! **How a blocking call waits** (the distributed form of the core's futex words, see
//! `docs/distributed.md`): each object keeps, on the server, a sorted set of *sleepers* (a token
//! per waiting call, scored by when its registration expires) and a list of *wake tokens*. A
//! call runs its script; if it cannot act, the same script registers the caller as a sleeper and
//! returns "wait". The caller then blocks in `BLPOP` on the wake list, with a timeout. Whatever
//! lets a sleeper act (a put for a getter, a release for a locker…) pushes a wake token in its own
//! script while more sleepers are registered than tokens are waiting, so:
//! - a wake between the failed try and the `BLPOP` waits in the list: it is never lost;
//! - one token wakes one sleeper (Redis serves blocked clients first come, first served);
//! - a sleeper leaves the set in its next script; if more tokens wait than sleepers remain, the
//!   surplus is trimmed, so a sleeper that timed out passes its token on, never swallows it.
//!
//! A registration expires (a caller that died stops counting) a grace period after the wait it
//! announced; waits are cut in chunks of at most [`WAIT_CHUNK`] so a registration never needs to
//! be long. Leases that expire with nobody to announce it (a lock holder that died) are covered
//! by the script's hint: the wait's timeout never runs past the next expiry.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::{ConnectionLike, Value};

use crate::error::{Error, ErrorKind, is_transport};

/// The longest single `BLPOP`; a longer wait is several, each after a fresh registration.
pub(crate) const WAIT_CHUNK: Duration = Duration::from_secs(5);
/// How long a sleeper's registration outlives the wait it announced.
pub(crate) const REGISTRATION_GRACE: Duration = Duration::from_secs(5);
/// Idle connections kept per client.
const POOL_MAX: usize = 16;

/// Timeouts of a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use weftsync_redis::Options;
/// let o = Options { reconnect_for: Duration::from_secs(30), ..Options::default() };
/// assert_eq!(o.connect_timeout, Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// How long the server may take to answer a non-blocking command before the connection is
    /// taken for lost.
    pub io_timeout: Duration,
    /// How long an operation keeps reconnecting after its connection failed before it gives up
    /// with [`ErrorKind::ConnectionLost`] (or [`ErrorKind::Unreachable`]).
    pub reconnect_for: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            connect_timeout: Duration::from_secs(2),
            io_timeout: Duration::from_secs(5),
            reconnect_for: Duration::from_secs(10),
        }
    }
}

/// A connection to one Redis server, by URL, with its password: Python's
/// `multiprocessing.managers.BaseManager(address, authkey)`. Cheap to clone (shared pool); open
/// the objects from it: [`Queue::open`](crate::Queue::open), [`Lock::open`](crate::Lock::open),
/// [`Semaphore::open`](crate::Semaphore::open), [`Event::open`](crate::Event::open).
///
/// URLs: `redis://:password@host:port/db`, `redis://user:password@host:port/db` (ACL users),
/// `rediss://…` for TLS with the `tls` feature, `redis+unix:///path/to.sock?pass=…`.
///
/// ```no_run
/// use weftsync_redis::Client;
/// let client = Client::open("redis://:secret@127.0.0.1:6379/")?;
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
#[derive(Clone)]
#[doc(alias = "BaseManager")]
#[doc(alias = "authkey")]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    client: redis::Client,
    pool: Mutex<Vec<Conn>>,
    opts: Options,
    /// Distinguishes this process's connections and sleeper tokens from every other's.
    instance: u64,
    counter: AtomicU64,
}

/// A pooled connection: its id names it in the per-connection records the server keeps to
/// answer "did my last operation take effect?" after a failure.
pub(crate) struct Conn {
    pub(crate) con: redis::Connection,
    pub(crate) id: String,
    seq: u64,
}

impl Conn {
    /// Numbers the next operation sent on this connection (increasing, so the server can tell
    /// the last applied one from a later one).
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

impl Client {
    /// Connects to the server at `url` (and authenticates), with the default [`Options`].
    /// Fails with [`ErrorKind::Auth`] for a wrong password or user, [`ErrorKind::Unreachable`]
    /// when nothing answers, [`ErrorKind::Config`] for a malformed URL.
    ///
    /// ```no_run
    /// use weftsync_redis::{Client, ErrorKind};
    /// match Client::open("redis://:wrong@127.0.0.1:6379/") {
    ///     Err(e) if e.kind() == ErrorKind::Auth => eprintln!("bad password: {e}"),
    ///     other => { other?; }
    /// }
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn open(url: &str) -> Result<Client, Error> {
        Client::open_with(url, Options::default())
    }

    /// [`open`](Client::open) with explicit [`Options`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use weftsync_redis::{Client, Options};
    /// let opts = Options { reconnect_for: Duration::from_secs(1), ..Options::default() };
    /// let client = Client::open_with("redis://:secret@127.0.0.1:6379/", opts)?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn open_with(url: &str, opts: Options) -> Result<Client, Error> {
        Client::from_redis(redis::Client::open(url).map_err(config_error)?, opts)
    }

    /// [`open_with`](Client::open_with) for a `rediss://` URL whose server certificate is signed
    /// by `root_cert_pem` (a private CA) rather than by a root the system trusts. With the
    /// `tls` feature.
    ///
    /// ```no_run
    /// use weftsync_redis::{Client, Options};
    /// let ca = std::fs::read("/etc/redis/ca.pem").unwrap();
    /// let client = Client::open_tls("rediss://:secret@redis.internal:6380/", &ca, Options::default())?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[cfg(feature = "tls")]
    pub fn open_tls(url: &str, root_cert_pem: &[u8], opts: Options) -> Result<Client, Error> {
        let certs = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_cert_pem.to_vec()),
        };
        Client::from_redis(
            redis::Client::build_with_tls(url, certs).map_err(config_error)?,
            opts,
        )
    }

    fn from_redis(client: redis::Client, opts: Options) -> Result<Client, Error> {
        let instance = {
            let mut h = RandomState::new().build_hasher();
            h.write_u32(std::process::id());
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            h.finish()
        };
        let c = Client {
            inner: Arc::new(Inner {
                client,
                pool: Mutex::new(Vec::new()),
                opts,
                instance,
                counter: AtomicU64::new(0),
            }),
        };
        // Connect once now, so a wrong password or a dead address is reported here.
        let mut conn = c.inner.connect()?;
        redis::cmd("PING")
            .query::<Value>(&mut conn.con)
            .map_err(|e| Error::from_redis(&e, true))?;
        c.inner.checkin(conn);
        Ok(c)
    }

    /// The options this client was opened with.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// println!("{:?}", client.options().reconnect_for);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn options(&self) -> Options {
        self.inner.opts
    }
}

fn config_error(e: redis::RedisError) -> Error {
    let err = Error::from_redis(&e, true);
    if err.kind() == ErrorKind::Auth {
        err
    } else {
        Error::new(ErrorKind::Config, e.to_string())
    }
}

impl core::fmt::Debug for Client {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let info = self.inner.client.get_connection_info();
        f.debug_struct("Client")
            .field("addr", &info.addr().to_string())
            .field("options", &self.inner.opts)
            .finish_non_exhaustive()
    }
}

/// A step of a blocking call's script.
pub(crate) enum Step<R> {
    /// It acted (or failed for good): return this.
    Done(R),
    /// It could not act; it registered the caller (when asked to) and the next chance may come
    /// within `hint` (a lease expiring) or whenever a wake token arrives.
    Wait(Option<Duration>),
}

/// When a blocking call gives up: `None` waits forever.
pub(crate) type Deadline = Option<Instant>;

/// A deadline `timeout` from now; `None` (forever) when `Instant` cannot hold it.
pub(crate) fn deadline_after(timeout: Duration) -> Deadline {
    Instant::now().checked_add(timeout)
}

/// How an operation's script run ended after transport failures were handled.
pub(crate) enum Ran<V> {
    /// The script answered.
    Answer(V),
    /// The connection failed after sending; a fresh one found the operation applied and
    /// `recover` returned this.
    Recovered(V),
}

impl Inner {
    fn connect(&self) -> Result<Conn, Error> {
        let con = self
            .client
            .get_connection_with_timeout(self.opts.connect_timeout)
            .map_err(|e| Error::from_redis(&e, true))?;
        let _ = con.set_read_timeout(Some(self.opts.io_timeout));
        let _ = con.set_write_timeout(Some(self.opts.io_timeout));
        Ok(Conn {
            con,
            id: self.unique_id(),
            seq: 0,
        })
    }

    /// A process-unique, run-unique string (connection ids, sleeper and owner tokens).
    pub(crate) fn unique_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}.{n}", self.instance)
    }

    fn checkout(&self) -> Result<Conn, Error> {
        let pooled = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match pooled {
            Some(c) => Ok(c),
            None => self.connect(),
        }
    }

    fn checkin(&self, conn: Conn) {
        if !conn.con.is_open() {
            return;
        }
        let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < POOL_MAX {
            pool.push(conn);
        }
    }

    /// A connection, reconnecting (with a short backoff) until `give_up`.
    fn checkout_until(&self, give_up: Instant) -> Result<Conn, Error> {
        let mut backoff = Duration::from_millis(20);
        loop {
            match self.checkout() {
                Ok(c) => return Ok(c),
                Err(e)
                    if matches!(e.kind(), ErrorKind::Unreachable | ErrorKind::ConnectionLost)
                        && Instant::now() + backoff < give_up =>
                {
                    // Reconnect backoff: the server is away, there is nothing to wait on.
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_millis(500));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs an operation that is safe to repeat (a read, `set`, `shutdown`, a release by
    /// token…), reconnecting after a transport failure until the reconnect window closes.
    pub(crate) fn run_idempotent<V>(
        &self,
        mut op: impl FnMut(&mut Conn) -> redis::RedisResult<V>,
    ) -> Result<V, Error> {
        let mut window: Option<Instant> = None;
        loop {
            let give_up = *window.get_or_insert_with(|| Instant::now() + self.opts.reconnect_for);
            let mut conn = self.checkout_until(give_up)?;
            match op(&mut conn) {
                Ok(v) => {
                    self.checkin(conn);
                    return Ok(v);
                }
                Err(e) if is_transport(&e) => {
                    drop(conn);
                    if Instant::now() >= give_up {
                        return Err(Error::from_redis(&e, false));
                    }
                }
                Err(e) => {
                    self.checkin(conn);
                    return Err(Error::from_redis(&e, false));
                }
            }
        }
    }

    /// Runs an operation that must take effect at most once (a put, a get, a `task_done`): the
    /// script records `(connection id, seq)` when it applies. After a transport failure a fresh
    /// connection runs `recover(dead connection id, seq)`, which either finds the record (the
    /// operation applied: its result is returned as [`Ran::Recovered`]) or leaves a tombstone so
    /// that the lost request can never apply later, and the operation is sent again. When no
    /// connection can be had within the reconnect window, the error's
    /// [`outcome_unknown`](Error::outcome_unknown) says whether the request may have applied.
    pub(crate) fn run_once<V>(
        &self,
        mut op: impl FnMut(&mut Conn, u64) -> redis::RedisResult<V>,
        mut recover: impl FnMut(&mut Conn, &str, u64) -> redis::RedisResult<Option<V>>,
    ) -> Result<Ran<V>, Error> {
        let give_up = Instant::now() + self.opts.reconnect_for;
        loop {
            let mut conn = self.checkout_until(give_up)?;
            let seq = conn.next_seq();
            let err = match op(&mut conn, seq) {
                Ok(v) => {
                    self.checkin(conn);
                    return Ok(Ran::Answer(v));
                }
                Err(e) if is_transport(&e) => e,
                Err(e) => {
                    self.checkin(conn);
                    return Err(Error::from_redis(&e, false));
                }
            };
            let dead = conn.id.clone();
            drop(conn);
            // Ask a fresh connection whether the lost request applied.
            let asked = self.run_idempotent_until(give_up, |c| recover(c, &dead, seq));
            match asked {
                Ok(Some(v)) => return Ok(Ran::Recovered(v)),
                Ok(None) if Instant::now() < give_up => continue,
                Ok(None) => return Err(Error::from_redis(&err, false)),
                Err(_) => return Err(Error::from_redis(&err, false).with_unknown_outcome()),
            }
        }
    }

    fn run_idempotent_until<V>(
        &self,
        give_up: Instant,
        mut op: impl FnMut(&mut Conn) -> redis::RedisResult<V>,
    ) -> Result<V, Error> {
        loop {
            let mut conn = self.checkout_until(give_up)?;
            match op(&mut conn) {
                Ok(v) => {
                    self.checkin(conn);
                    return Ok(v);
                }
                Err(e) if is_transport(&e) && Instant::now() < give_up => drop(conn),
                Err(e) => return Err(Error::from_redis(&e, false)),
            }
        }
    }

    /// Blocks in `BLPOP wake_key` for at most `wait` (a blocking server call with a timeout):
    /// returns when a wake token arrives, the timeout passes, or the connection failed and was
    /// replaced (the caller re-runs its script either way). Fails only when no connection can be
    /// had within the reconnect window.
    pub(crate) fn sleep_on(&self, wake_key: &str, wait: Duration) -> Result<(), Error> {
        let wait = wait.max(Duration::from_millis(1));
        let secs = format!("{:.3}", wait.as_secs_f64());
        let give_up = Instant::now() + self.opts.reconnect_for;
        let mut conn = self.checkout_until(give_up)?;
        // The socket waits a little longer than the server, so a timeout is the server's.
        let _ = conn.con.set_read_timeout(Some(wait + self.opts.io_timeout));
        let r = redis::cmd("BLPOP")
            .arg(wake_key)
            .arg(&secs)
            .query::<Value>(&mut conn.con);
        let _ = conn.con.set_read_timeout(Some(self.opts.io_timeout));
        match r {
            Ok(_) => {
                self.checkin(conn);
                Ok(())
            }
            Err(e) if is_transport(&e) => {
                drop(conn);
                // Come back at once: the caller's script re-registers on a new connection.
                if Instant::now() >= give_up {
                    Err(Error::from_redis(&e, false))
                } else {
                    Ok(())
                }
            }
            Err(e) => {
                self.checkin(conn);
                Err(Error::from_redis(&e, false))
            }
        }
    }

    /// The loop of every blocking call. `attempt(token, register_ms)` runs the object's script
    /// once: with `register_ms > 0` a failed try registers `token` as a sleeper for that long;
    /// with 0 it only tries (and deregisters `token` if an earlier round registered it).
    ///
    /// A deadline already past is one try; otherwise the call sleeps in `BLPOP` for at most the
    /// time left, the chunk, and the script's hint, then tries again. After the deadline passes
    /// it tries once more without registering, so a wake that raced the timeout is never
    /// swallowed. `None` = timed out.
    pub(crate) fn wait_loop<R>(
        &self,
        deadline: Deadline,
        wake_key: &str,
        mut attempt: impl FnMut(&str, u64) -> Result<Step<R>, Error>,
    ) -> Result<Option<R>, Error> {
        let token = self.unique_id();
        loop {
            let left = match deadline {
                None => WAIT_CHUNK,
                Some(d) => d.saturating_duration_since(Instant::now()).min(WAIT_CHUNK),
            };
            if left.is_zero() {
                return match attempt(&token, 0)? {
                    Step::Done(r) => Ok(Some(r)),
                    Step::Wait(_) => Ok(None),
                };
            }
            let register = (left + REGISTRATION_GRACE).as_millis() as u64;
            match attempt(&token, register)? {
                Step::Done(r) => return Ok(Some(r)),
                Step::Wait(hint) => {
                    let wait = hint.map_or(left, |h| h.min(left));
                    self.sleep_on(wake_key, wait)?;
                }
            }
        }
    }
}

/// The part of every script that knows sleepers and wake tokens (see the module comment).
/// `zk` is a sorted set of sleeper tokens scored by expiry (ms, server time), `lk` the list of
/// wake tokens.
///
/// The `#!lua` line (Redis 7) declares the script's flags (none): a server out of memory then
/// refuses the whole script before it runs, instead of failing at its first write with the
/// earlier ones applied, so every script stays all-or-nothing.
pub(crate) const LUA_PRELUDE: &str = r#"#!lua
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function live(zk, now)
  redis.call('ZREMRANGEBYSCORE', zk, '-inf', now)
  return redis.call('ZCARD', zk)
end
-- Wake up to n sleepers that are not already owed a wake.
local function wake_n(zk, lk, now, n)
  local extra = live(zk, now) - redis.call('LLEN', lk)
  if n < extra then extra = n end
  for i = 1, extra do redis.call('RPUSH', lk, 1) end
end
local function wake_all(zk, lk, now)
  wake_n(zk, lk, now, 1e9)
end
local function enter(zk, token, now, ms)
  redis.call('ZADD', zk, now + ms, token)
end
-- Deregister; tokens beyond the sleepers left are surplus (a sleeper that timed out passes its
-- wake on to the others, it never swallows it).
local function leave(zk, lk, token, now)
  redis.call('ZREM', zk, token)
  local n = live(zk, now)
  if redis.call('LLEN', lk) > n then
    if n == 0 then redis.call('DEL', lk) else redis.call('LTRIM', lk, 0, n - 1) end
  end
end
"#;

/// Reads an integer out of a script reply.
pub(crate) fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::BulkString(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1),
        Value::SimpleString(s) => s.parse().unwrap_or(-1),
        _ => -1,
    }
}

/// A script reply as an array.
pub(crate) fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Nil => Vec::new(),
        other => vec![other],
    }
}

/// A millisecond hint from a script (negative: none).
pub(crate) fn hint(v: Option<&Value>) -> Option<Duration> {
    let ms = v.map(int)?;
    (ms >= 0).then(|| Duration::from_millis(ms as u64 + 1))
}
