//! `Event` on Redis: a flag, a generation counter, and the sleepers of `client.rs`.
//!
//! | key | type | holds |
//! |---|---|---|
//! | `flag` | string | `1` while set; absent while clear |
//! | `gen` | integer | bumped by every `set` that found the flag clear |
//! | `w` / `k` | sorted set / list | sleepers and wake tokens |
//!
//! A waiter that finds the flag clear registers and remembers `gen`; `set` wakes every sleeper.
//! A woken waiter returns `true` if the flag is set *or* `gen` moved since it began: a `set`
//! followed at once by a `clear` still ends the wait, as Python's `Event.wait` does.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use redis::{Script, Value};

use crate::client::{Client, Deadline, LUA_PRELUDE, Step, array, deadline_after, int};
use crate::error::Error;

const LUA_EVENT: &str = r#"
local FLAG, GEN, W, K = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
"#;

fn script(body: &str) -> Script {
    Script::new(&format!("{LUA_PRELUDE}{LUA_EVENT}{body}"))
}

static SET: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if redis.call('GET', FLAG) ~= '1' then
  redis.call('SET', FLAG, '1')
  redis.call('INCR', GEN)
end
wake_all(W, K, now)
return 1
"#,
    )
});

/// ARGV: sleeper token, register ms, generation seen first ('' on the first round).
/// Reply {0} set (or set since), {1, gen} registered / not set.
static WAIT: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local g = redis.call('GET', GEN) or '0'
if redis.call('GET', FLAG) == '1' or (ARGV[3] ~= '' and ARGV[3] ~= g) then
  leave(W, K, ARGV[1], now)
  return {0}
end
local reg = tonumber(ARGV[2])
if reg > 0 then enter(W, ARGV[1], now, reg) else leave(W, K, ARGV[1], now) end
return {1, g}
"#,
    )
});

/// A flag shared by every process that opens it by name, with waits woken by the server: Python's
/// `multiprocessing.Event` served by a manager, across machines. The flag lives on the server,
/// so it survives its setter and (with persistence) a server restart.
///
/// ```no_run
/// use weftsync_redis::{Client, Event};
/// let client = Client::open("redis://:secret@127.0.0.1:6379/")?;
/// let ready = Event::open(&client, "data-ready")?;
/// // in one process:
/// ready.set()?;
/// // in others:
/// ready.wait()?;
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
pub struct Event {
    client: Client,
    name: String,
    keys: [String; 4],
}

impl Event {
    /// A handle on the event called `name` (clear until some process sets it).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let e = weftsync_redis::Event::open(&client, "go")?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn open(client: &Client, name: &str) -> Result<Event, Error> {
        let k = |s: &str| format!("weftsync:event:{{{name}}}:{s}");
        Ok(Event {
            client: client.clone(),
            name: name.to_string(),
            keys: [k("flag"), k("gen"), k("w"), k("k")],
        })
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

    /// Sets the flag and wakes every waiter, in every process.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let e = weftsync_redis::Event::open(&client, "set-doc")?;
    /// e.set()?;
    /// assert!(e.is_set()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn set(&self) -> Result<(), Error> {
        self.invoke(&SET, &[]).map(|_| ())
    }

    /// Clears the flag; later waits block until the next [`set`](Event::set).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let e = weftsync_redis::Event::open(&client, "clear-doc")?;
    /// e.set()?;
    /// e.clear()?;
    /// assert!(!e.is_set()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn clear(&self) -> Result<(), Error> {
        let flag = &self.keys[0];
        self.client
            .inner
            .run_idempotent(|c| redis::cmd("DEL").arg(flag).query::<i64>(&mut c.con))
            .map(|_| ())
    }

    /// Whether the flag is set: the non-blocking form of [`wait`](Event::wait).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let e = weftsync_redis::Event::open(&client, "is-set-doc")?;
    /// assert!(!e.is_set()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "try_wait")]
    pub fn is_set(&self) -> Result<bool, Error> {
        let flag = &self.keys[0];
        self.client
            .inner
            .run_idempotent(|c| redis::cmd("EXISTS").arg(flag).query::<i64>(&mut c.con))
            .map(|n| n > 0)
    }

    fn wait_deadline(&self, deadline: Deadline) -> Result<bool, Error> {
        let mut seen = String::new();
        let r = self
            .client
            .inner
            .wait_loop(deadline, &self.keys[3], |sleeper, reg| {
                let v =
                    array(self.invoke(&WAIT, &[sleeper.into(), reg.to_string(), seen.clone()])?);
                match v.first().map(int) {
                    Some(0) => Ok(Step::Done(())),
                    _ => {
                        if seen.is_empty() {
                            seen = int(v.get(1).unwrap_or(&Value::Nil)).to_string();
                        }
                        Ok(Step::Wait(None))
                    }
                }
            })?;
        Ok(r.is_some())
    }

    /// Waits until the flag is set (returns at once if it is). Fails only if the server cannot
    /// be reached.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let e = weftsync_redis::Event::open(&client, "wait-doc")?;
    /// e.set()?;
    /// e.wait()?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn wait(&self) -> Result<(), Error> {
        self.wait_deadline(None).map(|_| ())
    }

    /// Waits at most `timeout` for the flag; `Ok(true)` if it was set (or set and cleared again
    /// during the wait), as Python's `wait(timeout)`.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let e = weftsync_redis::Event::open(&client, "wait-for-doc")?;
    /// assert!(!e.wait_for(Duration::from_millis(10))?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`false` means the flag was not set in time"]
    #[doc(alias = "wait_timeout")]
    pub fn wait_for(&self, timeout: Duration) -> Result<bool, Error> {
        self.wait_deadline(deadline_after(timeout))
    }

    /// Waits until `deadline` at the latest; `Ok(true)` if the flag was set.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let e = weftsync_redis::Event::open(&client, "wait-until-doc")?;
    /// assert!(!e.wait_until(std::time::Instant::now())?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`false` means the flag was not set in time"]
    pub fn wait_until(&self, deadline: Instant) -> Result<bool, Error> {
        self.wait_deadline(Some(deadline))
    }

    /// The event's name on the server.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// assert_eq!(weftsync_redis::Event::open(&client, "e")?.name(), "e");
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Prints the name; never talks to the server.
impl core::fmt::Debug for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
