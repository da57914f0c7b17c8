//! Python: an `Event` that starts a crowd of workers together.
//!
//! ```python
//! start = threading.Event()
//! def runner(i):
//!     start.wait()      # every runner blocks here...
//!     ...
//! start.set()           # ...until the starter fires
//! ```
//!
//! Eight runners wait on the Event; the starter waits (on a Semaphore the runners release) until
//! all are at the line, checks none has started, then sets the Event once.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use weftsync::{Event, Semaphore, SemaphorePermit};

pub const NAME: &str = "event: 8 runners released together by one Event.set()";

pub fn run() -> Result<String, String> {
    const RUNNERS: u32 = 8;
    let start = Event::new();
    let at_the_line = Semaphore::new(0);
    let started = AtomicUsize::new(0);
    let early = std::thread::scope(|s| {
        for _ in 0..RUNNERS {
            s.spawn(|| {
                at_the_line.release(1); // "I am at the line"
                start.wait();
                started.fetch_add(1, SeqCst);
            });
        }
        // Wait until every runner is at the line (not necessarily asleep yet: that is fine,
        // a runner that reaches `wait` after `set` returns at once).
        for _ in 0..RUNNERS {
            // Consume the runner's signal for good: it is not a permit to give back.
            SemaphorePermit::forget(at_the_line.acquire());
        }
        let early = started.load(SeqCst);
        start.set();
        early
    });
    let n = started.load(SeqCst);
    let line = format!("{n} of {RUNNERS} runners started after set(); {early} before it");
    if early == 0 && n == RUNNERS as usize {
        Ok(line)
    } else {
        Err(line)
    }
}
