//! The thin layer between the groups and criterion: each figure is one criterion benchmark
//! whose id is `group/scenario/implementation`, timed with `iter_custom` so a multi-thread
//! scenario is timed whole (from the release of its threads to the last one's return; spawning
//! and joining are not timed), with flat sampling (every sample the same op count, so each
//! sample gives one ns/op figure and the spread is the spread of those figures).
//!
//! Beside criterion's own files (`$CRITERION_HOME`, by default `target/criterion`), a benchmark
//! run writes the machine state of every figure when `WEFTSYNC_BENCH_LOG` names a file: one
//! JSON line per benchmark with the other load during it (`crate::machine`). `scripts/bench`
//! joins the two into `benches/results/*.json`.

use crate::machine::Snapshot;
use criterion::{Criterion, SamplingMode};
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

/// Runs the groups' scenarios as criterion benchmarks.
pub struct Bench {
    c: Criterion,
    /// Where to append the machine state of each figure (`WEFTSYNC_BENCH_LOG`), when timing.
    log: Option<std::fs::File>,
}

impl Bench {
    /// Criterion configured for this suite, then from the command line (`--sample-size`,
    /// `--measurement-time`, a filter, `--test`, ...: `cargo bench --bench compare -- --help`).
    pub fn from_args() -> Bench {
        let c = Criterion::default()
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_millis(1500))
            .nresamples(10_000)
            .without_plots()
            .configure_from_args();
        // Criterion runs each benchmark once, untimed, unless it was asked to benchmark
        // (`cargo bench` passes `--bench`; `cargo test --benches` does not).
        let args: Vec<String> = std::env::args().collect();
        let timing = args.iter().any(|a| a == "--bench")
            && !args.iter().any(|a| a == "--test" || a == "--list");
        let log = match std::env::var_os("WEFTSYNC_BENCH_LOG") {
            Some(path) if timing => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("WEFTSYNC_BENCH_LOG: cannot open the file"),
            ),
            _ => None,
        };
        Bench { c, log }
    }

    /// Times `op` (one operation per call) on this thread.
    pub fn single(&mut self, group: &str, scenario: &str, who: &str, mut op: impl FnMut()) {
        self.multi(group, scenario, who, |n| {
            let t = Instant::now();
            for _ in 0..n {
                op();
            }
            t.elapsed()
        });
    }

    /// Times a scenario that measures itself: `run(n)` performs `n` operations in total (on as
    /// many threads as it likes) and returns the time they took (`on_threads`, `timed_threads`).
    pub fn multi(
        &mut self,
        group: &str,
        scenario: &str,
        who: &str,
        mut run: impl FnMut(u64) -> Duration,
    ) {
        let mut g = self.c.benchmark_group(format!("{group}/{scenario}"));
        g.sampling_mode(SamplingMode::Flat);
        let mut ran = false;
        let before = Snapshot::now();
        g.bench_function(who, |b| {
            ran = true;
            b.iter_custom(|n| run(black_box(n)))
        });
        g.finish();
        if let (true, Some(log)) = (ran, &mut self.log) {
            let state = Snapshot::now().since(&before);
            let line = format!(
                "{{\"id\":{},\"group\":{},\"scenario\":{},\"who\":{},{}}}",
                json_str(&format!("{group}/{scenario}/{who}")),
                json_str(group),
                json_str(scenario),
                json_str(who),
                state.json_fields(),
            );
            writeln!(log, "{line}").expect("WEFTSYNC_BENCH_LOG: write failed");
        }
    }

    /// Criterion's closing summary.
    pub fn finish(self) {
        self.c.final_summary();
    }
}

/// Runs each role on its own scoped thread, all released together by a barrier; returns the
/// time from the first role's release to the last one's return.
pub fn timed_roles<'a>(roles: Vec<Box<dyn FnOnce() + Send + 'a>>) -> Duration {
    let start = std::sync::Barrier::new(roles.len());
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let handles: Vec<_> = roles
            .into_iter()
            .map(|role| {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    let t0 = Instant::now();
                    role();
                    (t0, Instant::now())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let first = spans.iter().map(|s| s.0).min().unwrap();
    let last = spans.iter().map(|s| s.1).max().unwrap();
    last - first
}

/// Two roles (`timed_roles`), each closure moved to its own thread.
pub fn timed_pair(a: impl FnOnce() + Send, b: impl FnOnce() + Send) -> Duration {
    timed_roles(vec![Box::new(a), Box::new(b)])
}

/// Runs `body(i)` for each `i` in `0..threads`, each on its own thread (`timed_roles`).
pub fn timed_threads(threads: usize, body: impl Fn(usize) + Sync) -> Duration {
    let body = &body;
    timed_roles(
        (0..threads)
            .map(|i| Box::new(move || body(i)) as Box<dyn FnOnce() + Send + '_>)
            .collect(),
    )
}

/// Spreads `n` operations over `threads` threads: `per_thread(i, k)` performs `k` of them on
/// thread `i` (`k` is `n / threads` rounded up). The time is rescaled to exactly `n` operations.
pub fn on_threads(threads: u64, n: u64, per_thread: impl Fn(u64, u64) + Sync) -> Duration {
    let k = n.div_ceil(threads).max(1);
    let took = timed_threads(threads as usize, |i| per_thread(i as u64, k));
    rescale(took, k * threads, n)
}

/// The time `took` for `done` operations, scaled to `wanted` operations.
pub fn rescale(took: Duration, done: u64, wanted: u64) -> Duration {
    if done == wanted {
        took
    } else {
        took.mul_f64(wanted as f64 / done as f64)
    }
}

/// A JSON string literal (the names here have no control characters).
fn json_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
