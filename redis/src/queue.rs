//! `Queue<T>` on Redis: the core `weftsync::Queue`'s semantics across processes and machines,
//! with at-least-once delivery.
//!
//! Server state of a queue named `n` (every key carries the hash tag `{n}`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `meta` | hash | `cap`, `state` (0 open, 1 shut down, 2 immediate), `unfinished`, `next` id |
//! | `ready` | list | ids of the items inside, oldest first |
//! | `items` | hash | id → encoded item (until it is marked done) |
//! | `leased` | sorted set | ids got and not yet done, scored by visibility deadline (ms) |
//! | `att` | hash | id → delivery count (a `task_done` names the delivery it finishes) |
//! | `gw`/`gk`, `pw`/`pk`, `jw`/`jk` | sorted set / list | getters', putters', joiners' sleepers and wake tokens |
//! | `conn:<id>` | string | the last operation connection `<id>` applied (expires after an hour) |
//!
//! | state | put | get | join waits for |
//! |---|---|---|---|
//! | open | waits for room (`len < cap`) | leases the oldest item, or waits | `unfinished == 0` |
//! | shut down | `Disconnected(item)` | leases what is left; waits while items are leased (they may come back); then `Disconnected` | the same |
//! | immediate | `Disconnected(item)` | `Disconnected` (the ready items were dropped, counted done) | leased items done or expired |
//!
//! Every operation is one Lua script, so each is atomic on the server. An item whose lease
//! (visibility timeout) expires goes back to the front of `ready`, found by the next script that
//! runs on the queue; a sleeping getter's wait never runs past the next expiry, so one is there.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use redis::{Script, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{Client, Deadline, LUA_PRELUDE, Ran, Step, array, deadline_after, hint, int};
use crate::error::{
    Error, ErrorKind, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TaskDoneError,
    TryRecvError, TrySendError,
};

/// Default visibility timeout: how long a got item stays the getter's before it is redelivered.
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);

const KEYS: [&str; 11] = [
    "meta", "ready", "items", "leased", "att", "gw", "gk", "pw", "pk", "jw", "jk",
];

const LUA_QUEUE: &str = r#"
local META, READY, ITEMS, LEASED, ATT = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local GW, GK, PW, PK, JW, JK, CONN = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local function state() return tonumber(redis.call('HGET', META, 'state') or '0') end
-- Leases past their deadline: back to the front of the queue (or dropped, counted done, after
-- an immediate shutdown).
local function reap(now)
  local ids = redis.call('ZRANGEBYSCORE', LEASED, '-inf', now)
  if #ids == 0 then return end
  redis.call('ZREMRANGEBYSCORE', LEASED, '-inf', now)
  if state() == 2 then
    for _, id in ipairs(ids) do redis.call('HDEL', ITEMS, id); redis.call('HDEL', ATT, id) end
    if redis.call('HINCRBY', META, 'unfinished', -#ids) <= 0 then wake_all(JW, JK, now) end
  else
    for i = #ids, 1, -1 do redis.call('LPUSH', READY, ids[i]) end
    wake_n(GW, GK, now, #ids)
  end
end
-- Whether this connection already applied operation `seq` or a later one (or a recovery
-- tombstoned it): such a request must not apply.
local function stale(seq)
  local v = redis.call('GET', CONN)
  if not v then return false end
  local last = tonumber(string.match(v, '^(%d+)'))
  return last ~= nil and last >= tonumber(seq)
end
local function record(v) redis.call('SET', CONN, v, 'EX', 3600) end
local function next_expiry(now)
  local nxt = redis.call('ZRANGE', LEASED, 0, 0, 'WITHSCORES')
  if #nxt == 0 then return -1 end
  local h = tonumber(nxt[2]) - now
  if h < 0 then h = 0 end
  return h
end
"#;

fn script(body: &str) -> Script {
    Script::new(&format!("{LUA_PRELUDE}{LUA_QUEUE}{body}"))
}

// Replies: {0, ...} done; {1, hint} registered, wait; {2} full; {3, hint} empty; {4} shut down;
// {5} lease lost; {8} stale request; {9} no such queue.

/// ARGV: payload, sleeper token, register ms (0: only try), seq.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local cap = tonumber(redis.call('HGET', META, 'cap'))
if not cap then return {9} end
if stale(ARGV[4]) then return {8} end
reap(now)
if state() ~= 0 then leave(PW, PK, ARGV[2], now); return {4} end
if redis.call('LLEN', READY) >= cap then
  local reg = tonumber(ARGV[3])
  if reg > 0 then enter(PW, ARGV[2], now, reg); return {1, -1} end
  leave(PW, PK, ARGV[2], now)
  return {2}
end
local id = redis.call('HINCRBY', META, 'next', 1)
redis.call('HSET', ITEMS, id, ARGV[1])
redis.call('RPUSH', READY, id)
redis.call('HINCRBY', META, 'unfinished', 1)
record(ARGV[4])
leave(PW, PK, ARGV[2], now)
wake_n(GW, GK, now, 1)
return {0}
"#,
    )
});

/// ARGV: sleeper token, register ms, lease ms, seq.
static GET: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if not redis.call('HGET', META, 'cap') then return {9} end
if stale(ARGV[4]) then return {8} end
reap(now)
local st = state()
if st == 2 then leave(GW, GK, ARGV[1], now); return {4} end
local id = redis.call('LPOP', READY)
if id then
  local att = redis.call('HINCRBY', ATT, id, 1)
  redis.call('ZADD', LEASED, now + tonumber(ARGV[3]), id)
  record(ARGV[4] .. ':' .. id .. ':' .. att)
  leave(GW, GK, ARGV[1], now)
  if st == 0 then wake_n(PW, PK, now, 1) end
  return {0, tonumber(id), att, redis.call('HGET', ITEMS, id)}
end
local h = next_expiry(now)
if st == 1 and h < 0 then leave(GW, GK, ARGV[1], now); return {4} end
local reg = tonumber(ARGV[2])
if reg > 0 then enter(GW, ARGV[1], now, reg); return {1, h} end
leave(GW, GK, ARGV[1], now)
return {3, h}
"#,
    )
});

/// ARGV: id, delivery count, seq.
static ACK: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if stale(ARGV[3]) then return {8} end
if redis.call('HGET', ATT, ARGV[1]) ~= ARGV[2] then return {5} end
local st = state()
if redis.call('ZREM', LEASED, ARGV[1]) == 0 then
  -- Expired and put back, not yet handed on: still this delivery's to finish.
  if redis.call('LREM', READY, 1, ARGV[1]) == 0 then return {5} end
  if st == 0 then wake_n(PW, PK, now, 1) end
end
redis.call('HDEL', ITEMS, ARGV[1])
redis.call('HDEL', ATT, ARGV[1])
record(ARGV[3])
if redis.call('HINCRBY', META, 'unfinished', -1) <= 0 then wake_all(JW, JK, now) end
if st == 1 and redis.call('LLEN', READY) == 0 and redis.call('ZCARD', LEASED) == 0 then
  wake_all(GW, GK, now)
end
return {0}
"#,
    )
});

/// KEYS[12] is the dead connection's record. ARGV: seq.
/// {0}: not applied (now it never will); {1}: applied; {2, id, att, payload}: a get applied and
/// its lease still holds; {3}: a get applied but its lease is gone (the item is back inside).
static RECOVER: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local v = redis.call('GET', CONN)
if v then
  local s, id, att = string.match(v, '^(%d+):(%d+):(%d+)$')
  if not s then s = string.match(v, '^(%d+)') end
  if tonumber(s) >= tonumber(ARGV[1]) then
    if not id then return {1} end
    if redis.call('HGET', ATT, id) == att and redis.call('ZSCORE', LEASED, id) then
      return {2, tonumber(id), tonumber(att), redis.call('HGET', ITEMS, id)}
    end
    return {3}
  end
end
record(ARGV[1])
return {0}
"#,
    )
});

/// ARGV: sleeper token, register ms.
static JOIN: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if not redis.call('HGET', META, 'cap') then return {9} end
reap(now)
if tonumber(redis.call('HGET', META, 'unfinished')) <= 0 then
  leave(JW, JK, ARGV[1], now)
  return {0}
end
local reg = tonumber(ARGV[2])
if reg > 0 then enter(JW, ARGV[1], now, reg); return {1, next_expiry(now)} end
leave(JW, JK, ARGV[1], now)
return {3, -1}
"#,
    )
});

/// ARGV: lease ms, then (id, delivery count) pairs. Reply: how many are still this handle's.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
local held = 0
for i = 2, #ARGV, 2 do
  if redis.call('HGET', ATT, ARGV[i]) == ARGV[i + 1] and redis.call('ZSCORE', LEASED, ARGV[i]) then
    redis.call('ZADD', LEASED, now + tonumber(ARGV[1]), ARGV[i])
    held = held + 1
  end
end
return held
"#,
    )
});

/// ARGV: 1 for immediate.
static SHUTDOWN: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if not redis.call('HGET', META, 'cap') then return {9} end
local st = state()
local new = 1
if ARGV[1] == '1' then new = 2 end
if new > st then
  redis.call('HSET', META, 'state', new)
  if new == 2 then
    local n = redis.call('LLEN', READY)
    while true do
      local ids = redis.call('LPOP', READY, 500)
      if not ids then break end
      redis.call('HDEL', ITEMS, unpack(ids))
      redis.call('HDEL', ATT, unpack(ids))
    end
    if n > 0 then redis.call('HINCRBY', META, 'unfinished', 0 - n) end
  end
end
wake_all(GW, GK, now)
wake_all(PW, PK, now)
if tonumber(redis.call('HGET', META, 'unfinished')) <= 0 then wake_all(JW, JK, now) end
return {0}
"#,
    )
});

/// Reply: {len, unfinished, state, cap, leased}.
static STATUS: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local now = now_ms()
if not redis.call('HGET', META, 'cap') then return {9} end
reap(now)
return {redis.call('LLEN', READY), tonumber(redis.call('HGET', META, 'unfinished')), state(),
        tonumber(redis.call('HGET', META, 'cap')), redis.call('ZCARD', LEASED)}
"#,
    )
});

/// ARGV: capacity. Reply: the capacity the queue has (its creator's).
static CREATE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r#"
local cap = redis.call('HGET', META, 'cap')
if cap then return tonumber(cap) end
redis.call('HSET', META, 'cap', ARGV[1], 'state', 0, 'unfinished', 0, 'next', 0)
return tonumber(ARGV[1])
"#,
    )
});

/// A bounded FIFO queue on a Redis server, shared by every process that opens it by name:
/// Python's `queue.Queue(maxsize)` served by a `multiprocessing` manager, across machines.
///
/// The core [`weftsync::Queue`](https://docs.rs/weftsync)'s semantics, with what a network
/// changes:
/// - **Bounded FIFO**: at most [`capacity`](Queue::capacity) items inside; items are got in the
///   order their puts took effect on the server (a redelivered item goes back to the front).
/// - **At-least-once delivery**: a got item is *leased* to its getter for the
///   [visibility timeout](Queue::with_visibility_timeout). [`task_done`](Queue::task_done)
///   finishes it; if the getter dies (or takes longer) first, the item is put back at the front
///   and handed to another getter. So an item is processed at least once, and more than once
///   only when a getter died or overran its lease after getting it.
/// - **Task accounting**: [`join`](Queue::join) waits until every item put is done, across all
///   processes. A handle's `task_done` finishes the oldest item *this handle* got.
/// - **Shutdown** (Python 3.13): see [`shutdown`](Queue::shutdown).
/// - **Nothing lost**: a failed put hands the item back; a put whose connection failed is asked
///   about on a new connection, so it either took effect or is handed back (see
///   [`Error::outcome_unknown`] for the one case where the server stays away).
///
/// Items are encoded with `postcard` (compact, `serde`); every process must use the same `T`.
///
/// ```no_run
/// use weftsync_redis::{Client, Queue};
/// let client = Client::open("redis://:secret@127.0.0.1:6379/")?;
/// let q: Queue<String> = Queue::open(&client, "jobs", 100)?;
/// q.put("resize photo 1".to_string()).map_err(|e| e.into_inner())
///     .expect("the queue is open");
/// // in a worker process:
/// let job = q.get().unwrap();
/// // ... do the work ...
/// q.task_done().unwrap();
/// # Ok::<(), weftsync_redis::Error>(())
/// ```
#[doc(alias = "JoinableQueue")]
pub struct Queue<T> {
    client: Client,
    name: String,
    keys: Vec<String>,
    capacity: usize,
    visibility: Duration,
    /// Deliveries this handle got and has not marked done, oldest first: (id, delivery count).
    held: Mutex<VecDeque<(i64, i64)>>,
    _items: PhantomData<fn(T) -> T>,
}

enum Got {
    Item(Vec<u8>, i64, i64),
    ShutDown,
}

impl<T: Serialize + DeserializeOwned> Queue<T> {
    /// Opens the queue called `name` on the client's server, creating it with `capacity` if it
    /// does not exist. Fails with [`ErrorKind::Mismatch`] if it exists with another capacity,
    /// [`ErrorKind::Config`] for capacity 0.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u64> = weftsync_redis::Queue::open(&client, "numbers", 16)?;
    /// assert_eq!(q.capacity(), 16);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn open(client: &Client, name: &str, capacity: usize) -> Result<Self, Error> {
        if capacity == 0 {
            return Err(Error::new(
                ErrorKind::Config,
                "a queue's capacity must be at least 1",
            ));
        }
        let keys: Vec<String> = KEYS
            .iter()
            .map(|k| format!("weftsync:q:{{{name}}}:{k}"))
            .collect();
        let q = Queue {
            client: client.clone(),
            name: name.to_string(),
            keys,
            capacity,
            visibility: DEFAULT_VISIBILITY_TIMEOUT,
            held: Mutex::new(VecDeque::new()),
            _items: PhantomData,
        };
        let have = q.client.inner.run_idempotent(|c| {
            q.invocation(&CREATE, &c.id)
                .arg(capacity)
                .invoke::<i64>(&mut c.con)
        })?;
        if have != capacity as i64 {
            return Err(Error::new(
                ErrorKind::Mismatch,
                format!("queue {name:?} exists with capacity {have}, not {capacity}"),
            ));
        }
        Ok(q)
    }

    /// Sets how long an item this handle gets stays its own before it is redelivered to another
    /// getter (default [`DEFAULT_VISIBILITY_TIMEOUT`], 30 s). Choose it longer than any task.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let q = weftsync_redis::Queue::<u8>::open(&client, "short", 4)?
    ///     .with_visibility_timeout(Duration::from_secs(2));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use]
    pub fn with_visibility_timeout(mut self, timeout: Duration) -> Self {
        self.visibility = timeout.max(Duration::from_millis(1));
        self
    }

    /// One put attempt: `Done(Ok)` it went in, `Done(Err(true))` shut down, `Wait` full.
    fn put_attempt(&self, payload: &[u8], token: &str, reg: u64) -> Result<Step<bool>, Error> {
        let ran = self.client.inner.run_once(
            |c, seq| {
                self.invocation(&PUT, &c.id)
                    .arg(payload)
                    .arg(token)
                    .arg(reg)
                    .arg(seq)
                    .invoke::<Value>(&mut c.con)
            },
            |c, dead, seq| self.recover(c, dead, seq),
        )?;
        let v = match ran {
            Ran::Recovered(_) => return Ok(Step::Done(true)),
            Ran::Answer(v) => array(v),
        };
        match v.first().map(int) {
            Some(0) => Ok(Step::Done(true)),
            Some(4) => Ok(Step::Done(false)),
            Some(1 | 2) => Ok(Step::Wait(None)),
            Some(9) => Err(self.missing()),
            _ => Err(Error::new(ErrorKind::Server, "unexpected reply to put")),
        }
    }

    /// The put of every form: `None` deadline = one try.
    fn put_deadline(&self, item: T, deadline: Deadline, try_only: bool) -> PutOutcome<T> {
        let payload = match postcard::to_stdvec(&item) {
            Ok(p) => p,
            Err(e) => return PutOutcome::Conn(item, Error::new(ErrorKind::Codec, e.to_string())),
        };
        let deadline = if try_only {
            Some(Instant::now())
        } else {
            deadline
        };
        let r = self
            .client
            .inner
            .wait_loop(deadline, &self.keys[8], |token, reg| {
                self.put_attempt(&payload, token, reg)
            });
        match r {
            Ok(Some(true)) => PutOutcome::Ok,
            Ok(Some(false)) => PutOutcome::ShutDown(item),
            Ok(None) => PutOutcome::Full(item),
            Err(e) => PutOutcome::Conn(item, e),
        }
    }

    /// Puts `item` at the back, waiting for room. Fails with [`SendError::Disconnected`] if the
    /// queue is shut down, [`SendError::Connection`] if the server cannot be reached within the
    /// reconnect window; both hand the item back.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "put-doc", 1)?;
    /// q.put(1u32).unwrap();
    /// q.shutdown(false)?;
    /// assert_eq!(q.put(2).unwrap_err().into_inner(), 2);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn put(&self, item: T) -> Result<(), SendError<T>> {
        match self.put_deadline(item, None, false) {
            PutOutcome::Ok => Ok(()),
            PutOutcome::ShutDown(t) => Err(SendError::Disconnected(t)),
            PutOutcome::Conn(t, e) => Err(SendError::Connection(t, e)),
            PutOutcome::Full(_) => unreachable!("an untimed put does not time out"),
        }
    }

    /// Puts `item` if there is room right now: one script run, never waits.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use weftsync_redis::TrySendError;
    /// let q = weftsync_redis::Queue::open(&client, "try-put-doc", 1)?;
    /// q.try_put('a').unwrap();
    /// assert!(matches!(q.try_put('b'), Err(TrySendError::Full('b'))));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "a failed try_put hands the item back"]
    #[doc(alias = "put_nowait")]
    pub fn try_put(&self, item: T) -> Result<(), TrySendError<T>> {
        match self.put_deadline(item, None, true) {
            PutOutcome::Ok => Ok(()),
            PutOutcome::Full(t) => Err(TrySendError::Full(t)),
            PutOutcome::ShutDown(t) => Err(TrySendError::Disconnected(t)),
            PutOutcome::Conn(t, e) => Err(TrySendError::Connection(t, e)),
        }
    }

    /// Puts `item`, waiting at most `timeout` for room. `Duration::ZERO` is one try.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let q = weftsync_redis::Queue::open(&client, "put-for-doc", 1)?;
    /// q.put(1u8).unwrap();
    /// assert!(q.put_for(2, Duration::from_millis(10)).is_err());
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "a failed put hands the item back"]
    #[doc(alias = "send_timeout")]
    pub fn put_for(&self, item: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.put_timed(item, deadline_after(timeout))
    }

    /// Puts `item`, waiting until `deadline` at the latest. A deadline already past is one try.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Instant;
    /// let q = weftsync_redis::Queue::open(&client, "put-until-doc", 1)?;
    /// q.put_until(7u8, Instant::now()).unwrap();
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "a failed put hands the item back"]
    #[doc(alias = "send_deadline")]
    pub fn put_until(&self, item: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.put_timed(item, Some(deadline))
    }

    fn put_timed(&self, item: T, deadline: Deadline) -> Result<(), SendTimeoutError<T>> {
        match self.put_deadline(item, deadline, false) {
            PutOutcome::Ok => Ok(()),
            PutOutcome::Full(t) => Err(SendTimeoutError::Timeout(t)),
            PutOutcome::ShutDown(t) => Err(SendTimeoutError::Disconnected(t)),
            PutOutcome::Conn(t, e) => Err(SendTimeoutError::Connection(t, e)),
        }
    }

    fn get_attempt(&self, token: &str, reg: u64) -> Result<Step<Got>, Error> {
        let lease = self.visibility.as_millis() as u64;
        let ran = self.client.inner.run_once(
            |c, seq| {
                self.invocation(&GET, &c.id)
                    .arg(token)
                    .arg(reg)
                    .arg(lease)
                    .arg(seq)
                    .invoke::<Value>(&mut c.con)
            },
            |c, dead, seq| self.recover(c, dead, seq),
        )?;
        let v = match ran {
            Ran::Answer(v) | Ran::Recovered(v) => array(v),
        };
        match v.first().map(int) {
            Some(0 | 2) => match (v.get(1), v.get(2), v.get(3)) {
                (Some(id), Some(att), Some(Value::BulkString(b))) => {
                    Ok(Step::Done(Got::Item(b.clone(), int(id), int(att))))
                }
                _ => Err(Error::new(
                    ErrorKind::Server,
                    "a leased item has no payload",
                )),
            },
            Some(4) => Ok(Step::Done(Got::ShutDown)),
            Some(1 | 3) => Ok(Step::Wait(hint(v.get(1)))),
            Some(9) => Err(self.missing()),
            _ => Err(Error::new(ErrorKind::Server, "unexpected reply to get")),
        }
    }

    /// The get of every form: `Ok(None)` = nothing before the deadline.
    fn get_deadline(&self, deadline: Deadline) -> Result<Option<Option<T>>, Error> {
        let r = self
            .client
            .inner
            .wait_loop(deadline, &self.keys[6], |token, reg| {
                self.get_attempt(token, reg)
            })?;
        match r {
            None => Ok(None),
            Some(Got::ShutDown) => Ok(Some(None)),
            Some(Got::Item(bytes, id, att)) => {
                // Held before decoding: an item that does not decode is still this handle's, so
                // `task_done` can finish it (or its lease expires and it is handed on).
                self.held
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_back((id, att));
                let item = postcard::from_bytes(&bytes)
                    .map_err(|e| Error::new(ErrorKind::Codec, e.to_string()))?;
                Ok(Some(Some(item)))
            }
        }
    }

    /// Takes the oldest item, waiting for one; the item is leased to this handle until
    /// [`task_done`](Queue::task_done) or the visibility timeout. After a plain shutdown it
    /// returns what is left (including leased items that come back), then
    /// [`RecvError::Disconnected`].
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "get-doc", 2)?;
    /// q.put("x".to_string()).unwrap();
    /// assert_eq!(q.get().unwrap(), "x");
    /// q.task_done().unwrap();
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "recv")]
    pub fn get(&self) -> Result<T, RecvError> {
        match self.get_deadline(None) {
            Ok(Some(Some(t))) => Ok(t),
            Ok(Some(None)) => Err(RecvError::Disconnected),
            Ok(None) => unreachable!("an untimed get does not time out"),
            Err(e) => Err(RecvError::Connection(e)),
        }
    }

    /// Takes the oldest item if there is one right now: one script run, never waits.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use weftsync_redis::TryRecvError;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "try-get-doc", 2)?;
    /// assert_eq!(q.try_get(), Err(TryRecvError::Empty));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "a got item must be used and marked done"]
    #[doc(alias = "get_nowait")]
    #[doc(alias = "try_recv")]
    pub fn try_get(&self) -> Result<T, TryRecvError> {
        match self.get_deadline(Some(Instant::now())) {
            Ok(Some(Some(t))) => Ok(t),
            Ok(Some(None)) => Err(TryRecvError::Disconnected),
            Ok(None) => Err(TryRecvError::Empty),
            Err(e) => Err(TryRecvError::Connection(e)),
        }
    }

    /// Takes the oldest item, waiting at most `timeout`. `Duration::ZERO` is one try; a timeout
    /// too large for `Instant` waits forever.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// use weftsync_redis::RecvTimeoutError;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "get-for-doc", 2)?;
    /// assert_eq!(q.get_for(Duration::from_millis(10)), Err(RecvTimeoutError::Timeout));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "a got item must be used and marked done"]
    #[doc(alias = "recv_timeout")]
    pub fn get_for(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.get_timed(deadline_after(timeout))
    }

    /// Takes the oldest item, waiting until `deadline` at the latest.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::{Duration, Instant};
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "get-until-doc", 2)?;
    /// assert!(q.get_until(Instant::now() + Duration::from_millis(5)).is_err());
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "a got item must be used and marked done"]
    #[doc(alias = "recv_deadline")]
    pub fn get_until(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.get_timed(Some(deadline))
    }

    /// A blocking iterator over the items: each `next` is a [`get`](Queue::get); it ends when
    /// the queue is shut down and drained, and yields `Err` (then goes on trying) when the
    /// server cannot be reached. Each item got must still be marked done.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "iter-doc", 4)?;
    /// q.put(1u32).unwrap();
    /// q.shutdown(false)?;
    /// for item in q.iter() {
    ///     assert_eq!(item?, 1);
    ///     q.task_done().unwrap();
    /// }
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = Result<T, Error>> + '_ {
        std::iter::from_fn(move || match self.get() {
            Ok(t) => Some(Ok(t)),
            Err(RecvError::Disconnected) => None,
            Err(RecvError::Connection(e)) => Some(Err(e)),
        })
    }

    /// An iterator over the items there right now: each `next` is a
    /// [`try_get`](Queue::try_get); it never blocks, and ends at the first empty (or shut-down)
    /// try. Yields `Err` when the server cannot be reached.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "try-iter-doc", 4)?;
    /// q.put(1u32).unwrap();
    /// q.put(2).unwrap();
    /// let now: Vec<u32> = q.try_iter().collect::<Result<_, _>>()?;
    /// assert_eq!(now, [1, 2]);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn try_iter(&self) -> impl Iterator<Item = Result<T, Error>> + '_ {
        std::iter::from_fn(move || match self.try_get() {
            Ok(t) => Some(Ok(t)),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => None,
            Err(TryRecvError::Connection(e)) => Some(Err(e)),
        })
    }

    fn get_timed(&self, deadline: Deadline) -> Result<T, RecvTimeoutError> {
        match self.get_deadline(deadline) {
            Ok(Some(Some(t))) => Ok(t),
            Ok(Some(None)) => Err(RecvTimeoutError::Disconnected),
            Ok(None) => Err(RecvTimeoutError::Timeout),
            Err(e) => Err(RecvTimeoutError::Connection(e)),
        }
    }
}

impl<T> Queue<T> {
    fn conn_key(&self, conn_id: &str) -> String {
        format!("weftsync:q:{{{}}}:conn:{conn_id}", self.name)
    }

    fn invocation<'a>(&self, s: &'a Script, conn_id: &str) -> redis::ScriptInvocation<'a> {
        let mut inv = s.prepare_invoke();
        for k in &self.keys {
            inv.key(k);
        }
        inv.key(self.conn_key(conn_id));
        inv
    }

    fn missing(&self) -> Error {
        Error::new(
            ErrorKind::Server,
            format!("queue {:?} no longer exists on the server", self.name),
        )
    }

    fn recover(
        &self,
        c: &mut crate::client::Conn,
        dead: &str,
        seq: u64,
    ) -> redis::RedisResult<Option<Value>> {
        let v = array(
            self.invocation(&RECOVER, dead)
                .arg(seq)
                .invoke::<Value>(&mut c.con)?,
        );
        Ok(match v.first().map(int) {
            Some(1) => Some(Value::Int(1)),
            Some(2) => Some(Value::Array(v)),
            _ => None,
        })
    }

    /// Marks the oldest item this handle got and has not yet marked as done, for
    /// [`join`](Queue::join), and ends its lease. [`TaskDoneError::NothingGot`] if this handle
    /// holds none; [`TaskDoneError::LeaseExpired`] if its visibility timeout passed and it was
    /// handed to another getter (who now owns it).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use weftsync_redis::TaskDoneError;
    /// let q = weftsync_redis::Queue::open(&client, "done-doc", 2)?;
    /// q.put(()).unwrap();
    /// q.get().unwrap();
    /// assert_eq!(q.task_done(), Ok(()));
    /// assert_eq!(q.task_done(), Err(TaskDoneError::NothingGot));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let Some((id, att)) = self
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
        else {
            return Err(TaskDoneError::NothingGot);
        };
        let ran = self.client.inner.run_once(
            |c, seq| {
                self.invocation(&ACK, &c.id)
                    .arg(id)
                    .arg(att)
                    .arg(seq)
                    .invoke::<Value>(&mut c.con)
            },
            |c, dead, seq| {
                let v = array(
                    self.invocation(&RECOVER, dead)
                        .arg(seq)
                        .invoke::<Value>(&mut c.con)?,
                );
                Ok((v.first().map(int) == Some(1)).then_some(Value::Int(0)))
            },
        );
        let v = match ran {
            Ok(Ran::Recovered(_)) => return Ok(()),
            Ok(Ran::Answer(v)) => array(v),
            Err(e) => {
                self.held
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push_front((id, att));
                return Err(TaskDoneError::Connection(e));
            }
        };
        match v.first().map(int) {
            Some(0) => Ok(()),
            _ => Err(TaskDoneError::LeaseExpired),
        }
    }

    fn join_deadline(&self, deadline: Deadline) -> Result<bool, Error> {
        let r = self
            .client
            .inner
            .wait_loop(deadline, &self.keys[10], |token, reg| {
                let v = array(self.client.inner.run_idempotent(|c| {
                    self.invocation(&JOIN, &c.id)
                        .arg(token)
                        .arg(reg)
                        .invoke::<Value>(&mut c.con)
                })?);
                match v.first().map(int) {
                    Some(0) => Ok(Step::Done(())),
                    Some(1 | 3) => Ok(Step::Wait(hint(v.get(1)))),
                    Some(9) => Err(self.missing()),
                    _ => Err(Error::new(ErrorKind::Server, "unexpected reply to join")),
                }
            })?;
        Ok(r.is_some())
    }

    /// Waits until every item put (by any process) has been got and marked done; items dropped
    /// by an immediate shutdown count as done. A plain shutdown does not end the wait, as in
    /// Python. Fails only if the server cannot be reached.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "join-doc", 2)?;
    /// q.join()?; // nothing unfinished: returns at once
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn join(&self) -> Result<(), Error> {
        self.join_deadline(None).map(|_| ())
    }

    /// [`join`](Queue::join), waiting at most `timeout`. `Ok(true)` if every task was done.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use std::time::Duration;
    /// let q = weftsync_redis::Queue::open(&client, "join-for-doc", 2)?;
    /// q.put(1u8).unwrap();
    /// assert!(!q.join_for(Duration::from_millis(10))?, "an item is still inside");
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`false` means the tasks are not all done"]
    pub fn join_for(&self, timeout: Duration) -> Result<bool, Error> {
        self.join_deadline(deadline_after(timeout))
    }

    /// [`join`](Queue::join), waiting until `deadline` at the latest. `Ok(true)` if every task
    /// was done.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "join-until-doc", 2)?;
    /// assert!(q.join_until(std::time::Instant::now())?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[must_use = "`false` means the tasks are not all done"]
    pub fn join_until(&self, deadline: Instant) -> Result<bool, Error> {
        self.join_deadline(Some(deadline))
    }

    /// Shuts the queue down for every process, with Python 3.13's meaning: afterwards every put
    /// fails (handing the item back); gets return what is left, then fail; with `immediate`, the
    /// items inside are dropped (counted done for `join`) and gets fail at once. Every blocked
    /// caller, in any process, wakes. Twice is fine; plain → immediate is an upgrade; never
    /// backwards.
    ///
    /// Items leased at the time stay their getters' to finish; after a plain shutdown one whose
    /// lease expires comes back to be got, so gets wait for leased items before failing. After
    /// an immediate one it is dropped and counted done.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// use weftsync_redis::RecvError;
    /// let q = weftsync_redis::Queue::open(&client, "shutdown-doc", 4)?;
    /// q.put(1u8).unwrap();
    /// q.shutdown(false)?;
    /// assert_eq!(q.get(), Ok(1));
    /// q.task_done().unwrap();
    /// assert_eq!(q.get(), Err(RecvError::Disconnected));
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn shutdown(&self, immediate: bool) -> Result<(), Error> {
        let v = array(self.client.inner.run_idempotent(|c| {
            self.invocation(&SHUTDOWN, &c.id)
                .arg(if immediate { "1" } else { "0" })
                .invoke::<Value>(&mut c.con)
        })?);
        match v.first().map(int) {
            Some(0) => Ok(()),
            _ => Err(self.missing()),
        }
    }

    fn status(&self) -> Result<[i64; 5], Error> {
        let v = array(
            self.client
                .inner
                .run_idempotent(|c| self.invocation(&STATUS, &c.id).invoke::<Value>(&mut c.con))?,
        );
        if v.len() != 5 {
            return Err(self.missing());
        }
        Ok([int(&v[0]), int(&v[1]), int(&v[2]), int(&v[3]), int(&v[4])])
    }

    /// Whether [`shutdown`](Queue::shutdown) was called (by any process).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "is-shut-doc", 1)?;
    /// assert!(!q.is_shutdown()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn is_shutdown(&self) -> Result<bool, Error> {
        Ok(self.status()?[2] != 0)
    }

    /// Items inside right now (not counting leased ones). A snapshot.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "len-doc", 3)?;
    /// q.put(1u8).unwrap();
    /// assert_eq!(q.len()?, 1);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "qsize")]
    pub fn len(&self) -> Result<usize, Error> {
        Ok(self.status()?[0].max(0) as usize)
    }

    /// Whether no item is inside right now. A snapshot.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "empty-doc", 3)?;
    /// assert!(q.is_empty()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "empty")]
    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.len()? == 0)
    }

    /// Whether `capacity` items are inside right now. A snapshot.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "full-doc", 1)?;
    /// q.put(1u8).unwrap();
    /// assert!(q.is_full()?);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "full")]
    pub fn is_full(&self) -> Result<bool, Error> {
        Ok(self.len()? >= self.capacity)
    }

    /// The most items the queue holds (Python's `maxsize`).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "cap-doc", 8)?;
    /// assert_eq!(q.capacity(), 8);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "maxsize")]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Items put and not yet marked done, by any process: inside plus leased (Python's
    /// `unfinished_tasks`). A snapshot.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "unfinished-doc", 2)?;
    /// q.put(1u8).unwrap();
    /// assert_eq!(q.unfinished_tasks()?, 1);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn unfinished_tasks(&self) -> Result<usize, Error> {
        Ok(self.status()?[1].max(0) as usize)
    }

    /// Items got (by any process) and neither done nor expired yet. A snapshot.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "leased-doc", 2)?;
    /// assert_eq!(q.leased()?, 0);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn leased(&self) -> Result<usize, Error> {
        Ok(self.status()?[4].max(0) as usize)
    }

    /// Items this handle got and has not marked done (what its `task_done` calls will finish).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "held-doc", 2)?;
    /// assert_eq!(q.held(), 0);
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn held(&self) -> usize {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Renews the visibility timeout of every item this handle got and has not marked done, for
    /// a task that may take longer than the timeout (call it as a heartbeat). Returns how many
    /// are still this handle's; an item whose lease had already run out and that was handed on
    /// is not renewed (its [`task_done`](Queue::task_done) will say
    /// [`TaskDoneError::LeaseExpired`]).
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q = weftsync_redis::Queue::open(&client, "renew-doc", 2)?;
    /// q.put(1u8).unwrap();
    /// let _job = q.get().unwrap();
    /// assert_eq!(q.extend_leases()?, 1, "still ours for another visibility timeout");
    /// q.task_done().unwrap();
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    #[doc(alias = "touch")]
    #[doc(alias = "heartbeat")]
    pub fn extend_leases(&self) -> Result<usize, Error> {
        let held: Vec<(i64, i64)> = self
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
        if held.is_empty() {
            return Ok(0);
        }
        let lease = self.visibility.as_millis() as u64;
        let n = self.client.inner.run_idempotent(|c| {
            let mut inv = self.invocation(&RENEW, &c.id);
            inv.arg(lease);
            for (id, att) in &held {
                inv.arg(id).arg(att);
            }
            inv.invoke::<i64>(&mut c.con)
        })?;
        Ok(n.max(0) as usize)
    }

    /// The queue's name on the server.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "named", 2)?;
    /// assert_eq!(q.name(), "named");
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Deletes the queue and everything in it from the server, for every process (their next
    /// call fails with [`ErrorKind::Server`]). Per-connection records expire on their own.
    ///
    /// ```no_run
    /// # let client = weftsync_redis::Client::open("redis://127.0.0.1/")?;
    /// let q: weftsync_redis::Queue<u8> = weftsync_redis::Queue::open(&client, "gone", 2)?;
    /// q.destroy()?;
    /// # Ok::<(), weftsync_redis::Error>(())
    /// ```
    pub fn destroy(self) -> Result<(), Error> {
        self.client.inner.run_idempotent(|c| {
            let mut cmd = redis::cmd("DEL");
            for k in &self.keys {
                cmd.arg(k);
            }
            cmd.query::<i64>(&mut c.con)
        })?;
        Ok(())
    }
}

enum PutOutcome<T> {
    Ok,
    Full(T),
    ShutDown(T),
    Conn(T, Error),
}

/// Prints the name, capacity, visibility timeout and the count of items this handle holds;
/// never talks to the server, never blocks.
impl<T> core::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Queue")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("visibility_timeout", &self.visibility)
            .field(
                "held",
                &match self.held.try_lock() {
                    Ok(h) => h.len().to_string(),
                    Err(_) => "<locked>".to_string(),
                },
            )
            .finish_non_exhaustive()
    }
}
