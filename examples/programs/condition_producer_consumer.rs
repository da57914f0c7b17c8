//! Python: producer/consumer on a `Condition`.
//!
//! ```python
//! items, cv = collections.deque(), threading.Condition(threading.Lock())
//! def producer(n):
//!     for i in range(n):
//!         with cv:
//!             items.append(i); cv.notify()
//! def consumer():
//!     with cv:
//!         cv.wait_for(lambda: items)
//!         return items.popleft()
//! ```
//!
//! Two producers put 1..=5,000 each into a `Lock<VecDeque>`; three consumers take until every
//! item is taken. Checks the count and the sum.
//!
//! The producers start only when every consumer waits on the Condition, so items reach the
//! consumers through notifies, not because a consumer happened to look. A consumer waits at most
//! 10 s: a Condition that lost notifies (a `notify_one` that reached nobody, a waiter that missed
//! it) leaves the consumers waiting for nothing, and the program fails instead of hanging.

use std::collections::VecDeque;
use std::time::{Duration, Instant};
use weftsync::{Condition, Lock};

pub const NAME: &str = "condition: 2 producers, 3 consumers on a Lock<VecDeque> + Condition";

const PRODUCERS: u64 = 2;
const PER_PRODUCER: u64 = 5_000;
const TOTAL: u64 = PRODUCERS * PER_PRODUCER;
const CONSUMERS: u32 = 3;
/// How long a consumer waits for a notify: far longer than any notify takes to arrive.
const WAIT: Duration = Duration::from_secs(10);

struct Shared {
    items: VecDeque<u64>,
    /// How many items consumers have taken so far.
    taken: u64,
    /// How many consumers have reached the Condition (counted once each).
    consumers_waiting: u32,
}

pub fn run() -> Result<String, String> {
    let lock = Lock::new(Shared {
        items: VecDeque::new(),
        taken: 0,
        consumers_waiting: 0,
    });
    let changed = Condition::new();
    let (count, sum, lost) = std::thread::scope(|s| {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                s.spawn(|| {
                    let (mut count, mut sum) = (0u64, 0u64);
                    let mut first = true;
                    loop {
                        let mut shared = lock.lock();
                        if std::mem::take(&mut first) {
                            shared.consumers_waiting += 1;
                            changed.notify_all(); // the main thread waits for all of us
                        }
                        // Python: cv.wait_for(lambda: items or all_taken, timeout=10), which
                        // waits *until*; `wait_while_for` waits *while*: the predicate negated.
                        // Like Python's, it returns the predicate's value at the end, which a
                        // late look may find true: a wait that took its whole timeout is what
                        // says that the notifies were lost.
                        let asked = Instant::now();
                        let _ = changed.wait_while_for(
                            &mut shared,
                            |s| s.items.is_empty() && s.taken < TOTAL,
                            WAIT,
                        );
                        if asked.elapsed() >= WAIT {
                            return (count, sum, true); // no item for 10 s: a notify was lost
                        }
                        let Some(item) = shared.items.pop_front() else {
                            return (count, sum, false); // every item is taken
                        };
                        shared.taken += 1;
                        if shared.taken == TOTAL {
                            changed.notify_all(); // wake the consumers still waiting
                        }
                        drop(shared);
                        count += 1;
                        sum += item;
                    }
                })
            })
            .collect();
        // Every consumer counted itself and went on waiting without letting go of the lock in
        // between, so once all have, all are inside the Condition's wait. (If they never all
        // get there, their own timeouts report it.)
        let mut shared = lock.lock();
        let _ = changed.wait_while_for(&mut shared, |s| s.consumers_waiting < CONSUMERS, WAIT);
        drop(shared);
        for _ in 0..PRODUCERS {
            s.spawn(|| {
                for i in 1..=PER_PRODUCER {
                    lock.lock().items.push_back(i);
                    changed.notify_one(); // Python: cv.notify()
                }
            });
        }
        consumers
            .into_iter()
            .map(|c| c.join().unwrap())
            .fold((0, 0, false), |(c, s, l), (c2, s2, l2)| {
                (c + c2, s + s2, l || l2)
            })
    });
    let expected_sum = PRODUCERS * PER_PRODUCER * (PER_PRODUCER + 1) / 2;
    let mut line = format!("consumed {count} items, sum {sum} (expected {TOTAL}, {expected_sum})");
    if lost {
        line += "; a consumer waited 10 s for a notify that never came";
    }
    if count == TOTAL && sum == expected_sum && !lost {
        Ok(line)
    } else {
        Err(line)
    }
}
