//! The machine state during one benchmark, recorded beside its figure: how busy the cores were
//! with work other than this process, and the load average.
//!
//! Linux only (`/proc`); elsewhere the fields are `null`. Both counters are in the kernel's
//! clock ticks: `/proc/stat`'s first line adds up every core's time (busy or idle), and
//! `/proc/self/stat` gives this process's CPU time (all its threads, finished ones included).
//! Over a benchmark, the other load is (busy time of all cores - this process's CPU time) /
//! (all cores' time), as a percentage of the whole machine: one core busy elsewhere on a
//! 2-core machine is 50 %.

use std::time::Instant;

/// The counters at one moment.
pub struct Snapshot {
    at: Instant,
    /// All cores' (busy, total) ticks.
    cores: Option<(u64, u64)>,
    /// This process's CPU ticks.
    own: Option<u64>,
}

/// The machine state over an interval.
pub struct State {
    wall_s: f64,
    other_load_pct: Option<f64>,
    own_cpu_pct: Option<f64>,
    loadavg1: Option<f64>,
}

impl Snapshot {
    pub fn now() -> Snapshot {
        Snapshot {
            at: Instant::now(),
            cores: cores_ticks(),
            own: own_ticks(),
        }
    }

    /// The state between `before` and now.
    pub fn since(&self, before: &Snapshot) -> State {
        let mut s = State {
            wall_s: (self.at - before.at).as_secs_f64(),
            other_load_pct: None,
            own_cpu_pct: None,
            loadavg1: loadavg1(),
        };
        if let (Some((b1, t1)), Some((b0, t0)), Some(o1), Some(o0)) =
            (self.cores, before.cores, self.own, before.own)
        {
            let total = t1.saturating_sub(t0).max(1) as f64;
            let busy = b1.saturating_sub(b0) as f64;
            let own = o1.saturating_sub(o0) as f64;
            s.other_load_pct = Some(((busy - own) / total * 100.0).clamp(0.0, 100.0));
            s.own_cpu_pct = Some((own / total * 100.0).clamp(0.0, 100.0));
        }
        s
    }
}

impl State {
    /// The fields as JSON members (`"name":value,...`).
    pub fn json_fields(&self) -> String {
        fn num(v: Option<f64>) -> String {
            v.map_or("null".into(), |v| format!("{v:.2}"))
        }
        format!(
            "\"wall_s\":{:.3},\"other_load_pct\":{},\"own_cpu_pct\":{},\"loadavg1\":{}",
            self.wall_s,
            num(self.other_load_pct),
            num(self.own_cpu_pct),
            num(self.loadavg1),
        )
    }
}

/// (busy, total) ticks of all cores, from the `cpu` line of `/proc/stat`.
fn cores_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user already).
    let get = |i: usize| f.get(i).copied().unwrap_or(0);
    let idle = get(3) + get(4);
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    Some((busy, busy + idle))
}

/// This process's user + system ticks, fields 14 and 15 of `/proc/self/stat`.
fn own_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so field 14 is f[11].
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The 1-minute load average.
fn loadavg1() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
