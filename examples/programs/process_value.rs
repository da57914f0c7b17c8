//! Python: a counter in a `multiprocessing.Value`, incremented by several processes under
//! `get_lock()`.
//!
//! ```python
//! counter = Value('i', 0)
//! def work(counter):
//!     for _ in range(2000):
//!         with counter.get_lock(): counter.value += 1
//! ```
//!
//! Four child processes and the parent add 2,000 each to a `Value<u64>` in shared memory. The
//! check fails if one increment is lost: the read-modify-write is only atomic under the lock.

use weftsync::process::{Builder, Region, Value};

pub const NAME: &str = "process value: 4 processes + parent x 2,000 increments under get_lock()";

const ADDS: u64 = 2_000;

pub const ENTRIES: &[crate::standalone::Entry] = &[("value_adder", adder)];

fn adder() -> Result<(), String> {
    let r = Region::attach().map_err(|e| e.to_string())?;
    let counter = r.find::<Value<u64>>("counter").map_err(|e| e.to_string())?;
    for _ in 0..ADDS {
        *counter.get_lock().lock() += 1;
    }
    Ok(())
}

pub fn run() -> Result<String, String> {
    let r = Region::create(4096).map_err(|e| e.to_string())?;
    let counter = r
        .place("counter", Value::new(0u64))
        .map_err(|e| e.to_string())?;
    let kids = (0..4)
        .map(|_| Builder::new("value_adder").region(&r).spawn())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    for _ in 0..ADDS {
        *counter.get_lock().lock() += 1;
    }
    for k in &kids {
        let s = k.join().map_err(|e| e.to_string())?;
        if !s.success() {
            return Err(format!("an adder failed: {s}"));
        }
    }
    let total = counter.load();
    let line = format!("counter.value = {total} (expected {})", 5 * ADDS);
    if total == 5 * ADDS {
        Ok(line)
    } else {
        Err(line)
    }
}
