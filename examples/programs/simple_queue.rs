//! Python: `queue.SimpleQueue`, whose `put` is safe to call from a `__del__`.
//!
//! ```python
//! log = queue.SimpleQueue()
//! class Conn:
//!     def __del__(self): log.put(f"closed {self.id}")   # reentrant put
//! ```
//!
//! Connection objects report their own closing from their destructor, into a static
//! `SimpleQueue` that other threads also write to, and a logger thread reads it, stopping on a
//! sentinel (a `SimpleQueue` has no shutdown). The check: every "closed" line arrives, once, and
//! each thread's lines in its order.

use std::sync::OnceLock;
use weftsync::SimpleQueue;

pub const NAME: &str = "SimpleQueue: destructors log their closing with a put that takes no lock";

/// The log every destructor writes to. (A plain `static LOG: SimpleQueue<…> = SimpleQueue::new()`
/// works too; the `OnceLock` keeps the example compiling under the model-checker features, where
/// `new` is not `const`.)
static LOG: OnceLock<SimpleQueue<Option<(u32, u32)>>> = OnceLock::new();

fn log() -> &'static SimpleQueue<Option<(u32, u32)>> {
    LOG.get_or_init(SimpleQueue::new)
}

/// Logs `(thread, id)` when dropped.
struct Conn {
    thread: u32,
    id: u32,
}

impl Drop for Conn {
    fn drop(&mut self) {
        log().put(Some((self.thread, self.id))); // never blocks, takes no lock
    }
}

pub fn run() -> Result<String, String> {
    let logged = std::thread::scope(|s| {
        let logger = s.spawn(|| std::iter::from_fn(|| log().get()).collect::<Vec<_>>());
        let workers: Vec<_> = (0..4)
            .map(|thread| {
                s.spawn(move || {
                    for id in 0..250 {
                        drop(Conn { thread, id }); // the destructor puts
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        log().put(None); // the sentinel
        logger.join().unwrap()
    });
    let mut next = [0u32; 4];
    for &(thread, id) in &logged {
        if id != next[thread as usize] {
            return Err(format!(
                "thread {thread}: got {id}, want {}",
                next[thread as usize]
            ));
        }
        next[thread as usize] += 1;
    }
    if next == [250; 4] {
        Ok(format!(
            "{} destructors logged, each thread's in order",
            logged.len()
        ))
    } else {
        Err(format!("logged per thread: {next:?}"))
    }
}
