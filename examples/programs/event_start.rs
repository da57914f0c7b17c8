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
//! all are at the line, checks none has started, then sets the Event once. Each runner checks,
//! when its wait returns, that the Event is set: a wait that returned early (a spurious return
//! taken as the signal) fails. A `set` that woke only one runner (a `notify_one`, a
//! `Semaphore::release(1)`) leaves the others waiting; their wait runs out a generous timeout
//! and fails instead of hanging.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weftsync::{Event, Semaphore, SemaphorePermit};

pub const NAME: &str = "event: 8 runners released together by one Event.set()";

pub fn run() -> Result<String, String> {
    const RUNNERS: u32 = 8;
    let start = Event::new();
    let at_the_line = Semaphore::new(0);
    let (started, early, never_woken) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let before_set = std::thread::scope(|s| {
        for _ in 0..RUNNERS {
            s.spawn(|| {
                at_the_line.release(1); // "I am at the line"
                // Python: start.wait(timeout=10), which says whether the flag was set.
                if !start.wait_for(Duration::from_secs(10)) {
                    never_woken.fetch_add(1, SeqCst);
                } else if !start.is_set() {
                    early.fetch_add(1, SeqCst); // returned before the set
                }
                started.fetch_add(1, SeqCst);
            });
        }
        // Wait until every runner is at the line (not necessarily asleep yet: that is fine,
        // a runner that reaches `wait` after `set` returns at once).
        for _ in 0..RUNNERS {
            // Consume the runner's signal for good: it is not a permit to give back.
            SemaphorePermit::forget(at_the_line.acquire());
        }
        let before_set = started.load(SeqCst);
        start.set();
        before_set
    });
    let (n, early, never_woken) = (
        started.load(SeqCst),
        early.load(SeqCst),
        never_woken.load(SeqCst),
    );
    let line = format!(
        "{n} of {RUNNERS} runners started, all after set(): {}; {never_woken} never woken",
        if before_set + early == 0 {
            "yes".to_string()
        } else {
            format!("no, {} before it", before_set.max(early))
        }
    );
    if before_set == 0 && early == 0 && never_woken == 0 && n == RUNNERS as usize {
        Ok(line)
    } else {
        Err(line)
    }
}
