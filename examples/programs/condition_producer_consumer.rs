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

use std::collections::VecDeque;
use std::time::Duration;
use weftsync::{Condition, Lock};

pub const NAME: &str = "condition: 2 producers, 3 consumers on a Lock<VecDeque> + Condition";

const PRODUCERS: u64 = 2;
const PER_PRODUCER: u64 = 5_000;
const TOTAL: u64 = PRODUCERS * PER_PRODUCER;

struct Shared {
    items: VecDeque<u64>,
    /// How many items consumers have taken so far.
    taken: u64,
}

pub fn run() -> Result<String, String> {
    let lock = Lock::new(Shared {
        items: VecDeque::new(),
        taken: 0,
    });
    let changed = Condition::new();
    let (count, sum) = std::thread::scope(|s| {
        for _ in 0..PRODUCERS {
            s.spawn(|| {
                for i in 1..=PER_PRODUCER {
                    lock.lock().items.push_back(i);
                    changed.notify_one(); // Python: cv.notify()
                }
            });
        }
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let (mut count, mut sum) = (0u64, 0u64);
                    loop {
                        let mut shared = lock.lock();
                        // Python: cv.wait_for(lambda: items or all_taken, timeout=10), which
                        // waits *until*; `wait_while_for` waits *while*: the predicate negated.
                        let ready = changed.wait_while_for(
                            &mut shared,
                            |s| s.items.is_empty() && s.taken < TOTAL,
                            Duration::from_secs(10),
                        );
                        assert!(ready, "no item for 10 s: a notify was lost");
                        let Some(item) = shared.items.pop_front() else {
                            return (count, sum); // every item is taken
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
        consumers
            .into_iter()
            .map(|c| c.join().unwrap())
            .fold((0, 0), |(c, s), (c2, s2)| (c + c2, s + s2))
    });
    let expected_sum = PRODUCERS * PER_PRODUCER * (PER_PRODUCER + 1) / 2;
    let line = format!("consumed {count} items, sum {sum} (expected {TOTAL}, {expected_sum})");
    if count == TOTAL && sum == expected_sum {
        Ok(line)
    } else {
        Err(line)
    }
}
