//! Python: `multiprocessing.Queue` between producer and consumer *processes*.
//!
//! ```python
//! q = Queue()
//! producers = [Process(target=produce, args=(q, p)) for p in range(2)]
//! consumers = [Process(target=consume, args=(q, seen)) for _ in range(2)]
//! ... join the producers; put one None per consumer; join the consumers
//! ```
//!
//! Two producer processes put 300 numbered messages each through a 256-byte queue in shared
//! memory; two consumer processes count every message they get in a shared `Array`. The check
//! fails if any message is lost or got twice, across processes.

use weftsync::process::{Builder, Plain, Region};

pub const NAME: &str = "process queue: 2 producer and 2 consumer processes, every message once";

const PER_PRODUCER: u64 = 300;
const DONE: u64 = u64::MAX;

pub const ENTRIES: &[crate::standalone::Entry] =
    &[("queue_producer", producer), ("queue_consumer", consumer)];

fn producer() -> Result<(), String> {
    let r = Region::attach().map_err(|e| e.to_string())?;
    let q = r.find_queue("q").map_err(|e| e.to_string())?;
    let p: u64 = std::env::var("PRODUCER")
        .map_err(|e| e.to_string())?
        .parse()
        .unwrap();
    for i in 0..PER_PRODUCER {
        q.put(&Plain(p * PER_PRODUCER + i))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn consumer() -> Result<(), String> {
    let r = Region::attach().map_err(|e| e.to_string())?;
    let q = r.find_queue("q").map_err(|e| e.to_string())?;
    let seen = r.find_array::<u32>("seen").map_err(|e| e.to_string())?;
    loop {
        let Plain(n) = q.get::<Plain<u64>>().map_err(|e| e.to_string())?;
        if n == DONE {
            return Ok(()); // Python's sentinel `None`
        }
        seen.lock()[n as usize] += 1;
    }
}

pub fn run() -> Result<String, String> {
    let r = Region::create(64 * 1024).map_err(|e| e.to_string())?;
    let q = r.place_queue("q", 256).map_err(|e| e.to_string())?;
    let seen = r
        .place_array::<u32>("seen", 2 * PER_PRODUCER as usize)
        .map_err(|e| e.to_string())?;
    let start = |entry: &str, p: u64| {
        Builder::new(entry)
            .env("PRODUCER", p.to_string())
            .region(&r)
            .spawn()
            .map_err(|e| e.to_string())
    };
    let consumers = [start("queue_consumer", 0)?, start("queue_consumer", 0)?];
    let producers = [start("queue_producer", 0)?, start("queue_producer", 1)?];
    for p in &producers {
        let s = p.join().map_err(|e| e.to_string())?;
        if !s.success() {
            return Err(format!("a producer failed: {s}"));
        }
    }
    for _ in &consumers {
        q.put(&Plain(DONE)).map_err(|e| e.to_string())?;
    }
    for c in &consumers {
        let s = c.join().map_err(|e| e.to_string())?;
        if !s.success() {
            return Err(format!("a consumer failed: {s}"));
        }
    }
    let counts = seen.to_vec();
    let once = counts.iter().filter(|&&n| n == 1).count();
    let line = format!(
        "{once} of {} messages got exactly once across 4 processes",
        counts.len()
    );
    if once == counts.len() {
        Ok(line)
    } else {
        Err(line)
    }
}
