//! Python: a `Semaphore` capping how many workers run at once.
//!
//! ```python
//! pool = threading.Semaphore(3)
//! def worker():
//!     with pool:
//!         ...  # at most 3 threads in here at once
//! ```
//!
//! Ten workers each enter the guarded section 200 times; a counter records how many are inside
//! at once and the highest value seen. The cap must be reached, not only respected: every holder
//! waits (until a generous deadline) for the moment 3 holders were inside together, so a Lock or
//! a `Semaphore(2)` in its place, which never lets 3 in, runs out the deadline and fails. At that
//! moment 3 permits are out, so a fourth `try_acquire` must be refused: a `Semaphore(4)` fails.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{Event, Semaphore};

pub const NAME: &str = "semaphore: 10 workers, 3 inside at once and never more";

pub fn run() -> Result<String, String> {
    const CAP: usize = 3;
    let pool = Semaphore::new(CAP as u32);
    let (inside, max_seen, entries) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    // Set by the holder that makes CAP inside at once. Until then the holders keep their permits
    // and wait, so the first CAP holders wait for each other: no sleeps order anything.
    let full = Event::new();
    let fourth_granted = AtomicBool::new(false);
    let deadline = Instant::now() + Duration::from_secs(10);
    std::thread::scope(|s| {
        for _ in 0..10 {
            s.spawn(|| {
                for _ in 0..200 {
                    let _permit = pool.acquire(); // with pool:
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    max_seen.fetch_max(now, SeqCst);
                    if now == CAP && !full.is_set() {
                        // The first time CAP are inside: the others wait below, keeping their
                        // permits, so all CAP are out now and a fourth must be refused. (Only
                        // then: later a holder may leave between our count and our try, and
                        // its permit would rightly be granted.)
                        fourth_granted.fetch_or(pool.try_acquire().is_some(), SeqCst);
                        full.set();
                    }
                    let _ = full.wait_until(deadline); // the check below reads the outcome
                    entries.fetch_add(1, SeqCst);
                    std::hint::spin_loop();
                    inside.fetch_sub(1, SeqCst);
                }
            });
        }
    });
    let (max, n, reached) = (max_seen.load(SeqCst), entries.load(SeqCst), full.is_set());
    let refused = !fourth_granted.load(SeqCst);
    let line = format!(
        "{n} entries; {CAP} workers inside at once: {}; a fourth then refused: {}; \
         at most {max} ever (cap {CAP})",
        if reached { "yes" } else { "never" },
        match (reached, refused) {
            (false, _) => "not tried",
            (true, true) => "yes",
            (true, false) => "no",
        },
    );
    if reached && refused && max == CAP && n == 2_000 && pool.available_permits() == CAP as u32 {
        Ok(line)
    } else {
        Err(line)
    }
}
