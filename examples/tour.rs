//! The tour: the programs Python users know from `threading`, `queue` and `multiprocessing`
//! tutorials, rewritten with weftsync, run one after another. Each prints a short result that it
//! also checks; the tour exits non-zero if any result is wrong.
//!
//! `cargo run --example tour` (each program is also its own example, e.g.
//! `cargo run --example counter`). The `process_*` programs start child processes of this same
//! executable (`weftsync::process`), which run an entry point and exit. Each program runs on its
//! own thread: one that panics fails, and one that has not finished after a minute (a weaker
//! primitive may hang rather than answer wrong) fails the tour at once. The last program, the
//! distributed master/worker, is its own crate's example; the tour builds and runs it when
//! `redis-server` is installed.

mod programs;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    // A child process started by one of the process programs runs its entry point and exits.
    standalone::run_entry_if_child(&programs::entries());
    if cfg!(any(feature = "loom", feature = "shuttle")) {
        eprintln!("the tour runs on real threads: build it without the checker features");
        return;
    }
    let started = std::time::Instant::now();
    let mut failed = 0;
    for (name, run) in programs::ALL {
        let t = std::time::Instant::now();
        match watched(name, *run) {
            Ok(line) => println!("ok   {name}\n     {line}  [{:.0?}]", t.elapsed()),
            Err(why) => {
                failed += 1;
                println!("FAIL {name}\n     {why}");
            }
        }
    }
    // The last program: the distributed master/worker, on Redis, in its own crate.
    let t = std::time::Instant::now();
    let mut skipped = 0;
    match master_worker() {
        Ok(Ran(line)) => println!(
            "ok   {MASTER_WORKER}\n     {line}  [{:.1?} with cargo]",
            t.elapsed()
        ),
        Ok(Skipped(why)) => {
            skipped += 1;
            println!("skip {MASTER_WORKER}\n     skipped: {why}");
        }
        Err(why) => {
            failed += 1;
            println!("FAIL {MASTER_WORKER}\n     {why}");
        }
    }
    println!(
        "{} programs ({skipped} skipped), {failed} failed, in {:.1?}",
        programs::ALL.len() + 1,
        started.elapsed()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

/// Runs a program on its own thread, so a panic is a failure like a wrong result, and a program
/// that has not finished after `LIMIT` (a lost wake-up, a missing end-of-file) stops the tour
/// with a failure instead of hanging it.
fn watched(name: &str, run: fn() -> Result<String, String>) -> Result<String, String> {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(run()));
    match result.recv_timeout(LIMIT) {
        Ok(outcome) => outcome,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err("it panicked".into()),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            println!("FAIL {name}\n     not finished after {LIMIT:?}: it hangs; the tour stops");
            std::process::exit(1);
        }
    }
}

const MASTER_WORKER: &str =
    "distributed master/worker: 3 worker processes share Redis queues (crate weftsync-redis)";

/// What became of the distributed program.
enum Distributed {
    /// It ran and checked its results: its result line.
    Ran(String),
    /// It cannot run here: why.
    Skipped(String),
}
use Distributed::{Ran, Skipped};

/// The distributed master/worker program of `docs/distributed.md`: `cargo run -p weftsync-redis
/// --example master_worker`, which starts a private `redis-server` (or uses
/// `WEFTSYNC_REDIS_URL`), checks every result and exits non-zero if one is wrong.
fn master_worker() -> Result<Distributed, String> {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !workspace.join("redis/Cargo.toml").is_file() {
        return Ok(Skipped(
            "the weftsync-redis crate is not here (a packaged copy)".into(),
        ));
    }
    let installed = std::process::Command::new("redis-server")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed && std::env::var_os("WEFTSYNC_REDIS_URL").is_none() {
        return Ok(Skipped(
            "redis-server is not installed (apt-get install redis-server)".into(),
        ));
    }
    // `CARGO` is set when the tour runs under cargo. The first run builds the redis crate.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "run",
            "-q",
            "-p",
            "weftsync-redis",
            "--example",
            "master_worker",
        ])
        .current_dir(workspace)
        .output()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default().trim().to_string();
    if !out.status.success() {
        let why = last.strip_prefix("FAIL master_worker: ").unwrap_or(&last);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join(" / ");
        return Err(format!("{why} ({}) {tail}", out.status).trim().to_string());
    }
    match last.strip_prefix("SKIPPED master_worker: ") {
        Some(why) => Ok(Skipped(why.to_string())),
        None => Ok(Ran(last)),
    }
}
