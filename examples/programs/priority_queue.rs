//! Python: a `queue.PriorityQueue` of jobs, urgent first, served by worker threads.
//!
//! ```python
//! jobs = queue.PriorityQueue(maxsize=4)
//! jobs.put((priority, count, job))   # count: first come, first served among equals
//! while True: priority, _, job = jobs.get(); ...; jobs.task_done()
//! ```
//!
//! Producers fill a bounded priority queue while it is paused (no worker yet), then one worker
//! takes everything. The check: the jobs come out smallest priority first, and jobs of equal
//! priority in the order they were put (the queue numbers its puts, as Python's `count` does).
//! A FIFO or LIFO queue would fail it.

use weftsync::PriorityQueue;

pub const NAME: &str = "PriorityQueue: jobs served urgent first, equal priorities in put order";

/// A job compares by priority only, so equal priorities are ties the queue must keep in order.
#[derive(Debug)]
struct Job {
    priority: u8,
    name: String,
}
impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}
impl Eq for Job {}
impl PartialOrd for Job {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Job {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.cmp(&other.priority)
    }
}

pub fn run() -> Result<String, String> {
    let jobs = PriorityQueue::new(64);
    let mut put_order = Vec::new();
    for (i, priority) in [3u8, 1, 2, 1, 3, 0, 2, 1].into_iter().enumerate() {
        let name = format!("job{i}");
        put_order.push((priority, name.clone()));
        jobs.put(Job { priority, name })
            .map_err(|e| e.to_string())?;
    }
    let served: Vec<(u8, String)> = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let mut served = Vec::new();
            for job in &jobs {
                served.push((job.priority, job.name));
                jobs.task_done().expect("one task_done per job got");
            }
            served
        });
        jobs.join(); // every job served and marked done
        jobs.shutdown(false); // ends the worker's loop
        worker.join().unwrap()
    });
    // Stable sort by priority: equal priorities keep the put order.
    let mut want = put_order;
    want.sort_by_key(|(priority, _)| *priority);
    let names: Vec<&str> = served.iter().map(|(_, n)| n.as_str()).collect();
    if served == want {
        Ok(format!("served {}", names.join(" ")))
    } else {
        Err(format!("served {served:?}, want {want:?}"))
    }
}
