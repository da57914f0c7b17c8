//! Python: a `Barrier` that keeps workers in step, phase by phase, with an action per phase.
//!
//! ```python
//! barrier = threading.Barrier(4, action=lambda: print("phase done"), timeout=10)
//! def worker(i):
//!     for phase in range(5):
//!         results[phase][i] = work(i, phase)
//!         barrier.wait()            # nobody starts the next phase early...
//!         assert all(results[phase]) # ...so every result of this phase is there
//! ```
//!
//! Four workers write their result for a phase, wait, then read the whole phase's row: with a
//! barrier that let a thread through before all arrived (or without its happens-before edge), a
//! reader would find a cell still empty. The last arrival of each phase runs the action, which
//! checks the row is full and counts the phase; every worker checks the action ran before it
//! was released. A barrier that let a thread through early fails those checks; one that held
//! threads for a party that never comes (a `Barrier(3)` for 4 workers leaves the last two waiting
//! forever) runs out the 10 s timeout, breaks, and fails instead of hanging.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Duration;
use weftsync::Barrier;

pub const NAME: &str = "barrier: 4 workers in lockstep through 5 phases, one action per phase";

pub fn run() -> Result<String, String> {
    const WORKERS: usize = 4;
    const PHASES: usize = 5;
    let barrier = Barrier::new(WORKERS);
    // results[phase][worker]: 0 until the worker has written it. Relaxed: only the barrier
    // orders these writes before the reads.
    let results: Vec<Vec<AtomicUsize>> = (0..PHASES)
        .map(|_| (0..WORKERS).map(|_| AtomicUsize::new(0)).collect())
        .collect();
    let actions = AtomicUsize::new(0);
    let problems = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (barrier, results, actions) = (&barrier, &results, &actions);
                s.spawn(move || {
                    let mut problems = Vec::new();
                    for (phase, row) in results.iter().enumerate() {
                        row[w].store(1 + w * 10 + phase, Relaxed);
                        let action = || {
                            if row.iter().all(|c| c.load(Relaxed) != 0) {
                                actions.fetch_add(1, Relaxed);
                            }
                        };
                        let passed = barrier.wait_with_for(action, Duration::from_secs(10));
                        if let Err(e) = passed {
                            problems.push(format!("worker {w}, phase {phase}: {e}"));
                            break;
                        }
                        let missing = row.iter().filter(|c| c.load(Relaxed) == 0).count();
                        if missing > 0 {
                            problems.push(format!(
                                "worker {w} passed phase {phase} with {missing} results missing"
                            ));
                        }
                        if actions.load(Relaxed) != phase + 1 {
                            problems
                                .push(format!("worker {w}: phase {phase}'s action had not run"));
                        }
                    }
                    problems
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker panicked"))
            .collect::<Vec<_>>()
    });
    let actions = actions.load(Relaxed);
    let line = format!(
        "{WORKERS} workers x {PHASES} phases: each saw every result of each phase after wait(); \
         {actions} actions ran, one per phase"
    );
    if problems.is_empty() && actions == PHASES {
        Ok(line)
    } else {
        Err(format!(
            "{WORKERS} workers x {PHASES} phases: {actions} actions ran (one per phase \
             expected); problems: {problems:?}"
        ))
    }
}
