//! A small timing harness: warm up, take samples, keep the median.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// How long one sample should last; the op count per sample is calibrated to it.
const SAMPLE: Duration = Duration::from_millis(60);
const SAMPLES: usize = 9;

/// Collected rows: (group, scenario, implementation, ns per op).
#[derive(Default)]
pub struct Report {
    rows: Vec<(String, String, String, f64)>,
}

impl Report {
    /// Times `op` (one operation per call) on this thread and records ns/op.
    pub fn single(&mut self, group: &str, scenario: &str, who: &str, mut op: impl FnMut()) {
        let ns = median_ns(|n| {
            let t = Instant::now();
            for _ in 0..n {
                op();
            }
            t.elapsed()
        });
        self.record(group, scenario, who, ns);
    }

    /// Times a multi-thread scenario: `run(n)` performs `n` operations in total (spread over
    /// its threads as it likes) and returns when all are done; records wall-clock ns/op.
    pub fn multi(&mut self, group: &str, scenario: &str, who: &str, run: impl FnMut(u64)) {
        let mut run = run;
        let ns = median_ns(|n| {
            let t = Instant::now();
            run(n);
            t.elapsed()
        });
        self.record(group, scenario, who, ns);
    }

    /// Records a figure measured some other way.
    pub fn record(&mut self, group: &str, scenario: &str, who: &str, ns_per_op: f64) {
        eprintln!("  {group:<12} {scenario:<34} {who:<28} {ns_per_op:>10.1} ns/op");
        self.rows
            .push((group.into(), scenario.into(), who.into(), ns_per_op));
    }

    /// Prints the table as Markdown, each scenario's rows together, fastest marked.
    pub fn print(&self) {
        println!("| group | scenario | implementation | ns/op | vs fastest |");
        println!("|---|---|---|---:|---:|");
        let mut i = 0;
        while i < self.rows.len() {
            let (g, s) = (&self.rows[i].0, &self.rows[i].1);
            let end = i + self.rows[i..]
                .iter()
                .take_while(|r| &r.0 == g && &r.1 == s)
                .count();
            let best = self.rows[i..end]
                .iter()
                .map(|r| r.3)
                .fold(f64::INFINITY, f64::min);
            for (g, s, w, ns) in &self.rows[i..end] {
                let w = code_generics(w);
                println!("| {g} | {s} | {w} | {ns:.1} | {:.2}× |", ns / best);
            }
            i = end;
        }
    }
}

/// Calibrates an op count so one sample lasts about `SAMPLE`, then returns the median ns/op.
fn median_ns(mut sample: impl FnMut(u64) -> Duration) -> f64 {
    let mut n = 1u64;
    loop {
        let took = sample(n);
        if took >= SAMPLE / 4 || n >= 1 << 30 {
            let scale = SAMPLE.as_secs_f64() / took.as_secs_f64().max(1e-9);
            n = ((n as f64) * scale).clamp(1.0, (1u64 << 32) as f64) as u64;
            break;
        }
        n *= 2;
    }
    let mut v: Vec<f64> = (0..SAMPLES)
        .map(|_| sample(black_box(n)).as_nanos() as f64 / n as f64)
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[SAMPLES / 2]
}

/// Runs `per_thread(i, n / threads)` on `threads` scoped threads, started together.
pub fn on_threads(threads: u64, n: u64, per_thread: impl Fn(u64, u64) + Sync) {
    let start = std::sync::Barrier::new(threads as usize);
    std::thread::scope(|s| {
        for i in 0..threads {
            let (start, per_thread) = (&start, &per_thread);
            s.spawn(move || {
                start.wait();
                per_thread(i, n / threads);
            });
        }
    });
}

/// Puts each word with a generic argument (`Mutex<bool>+Condvar`) in backticks, so the table
/// pasted into `docs/benchmarks.md` is not read as HTML by rustdoc.
fn code_generics(cell: &str) -> String {
    cell.split(' ')
        .map(|w| {
            if w.contains('<') {
                format!("`{w}`")
            } else {
                w.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
