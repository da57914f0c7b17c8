//! The classic distributed master/worker program of Python's `multiprocessing` tutorial ("using
//! a remote manager"): a master puts tasks on a shared queue, worker *processes* (here: this
//! program re-run with `worker` as its argument; on other machines in real life) take them,
//! compute, and put results on a second queue; the master collects and checks them. The manager
//! with its `authkey` is a Redis server with a password.
//!
//! `cargo run -p weftsync-redis --example master_worker` uses `WEFTSYNC_REDIS_URL` if set;
//! otherwise it starts a private `redis-server` (on a free localhost port, with a random
//! password) and stops it at the end; without `redis-server` installed it says so and exits 0.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use weftsync_redis::{Client, Queue, RecvTimeoutError};

/// Python's tutorial sends `(func, args)`; here the task names its operation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum Task {
    Mul(i64, i64),
    Plus(i64, i64),
}

#[derive(Debug, Serialize, Deserialize)]
struct Done {
    task: usize,
    value: i64,
    worker: u32,
}

const WORKERS: usize = 3;
const TASKS: usize = 20;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        worker(&args[2], &args[3]);
        return;
    }
    let (url, server) = match std::env::var("WEFTSYNC_REDIS_URL") {
        Ok(url) => (url, None),
        Err(_) => match LocalServer::start() {
            Some(s) => (s.url.clone(), Some(s)),
            None => {
                println!(
                    "SKIPPED master_worker: redis-server is not installed \
                     (apt-get install redis-server), so there is no server to share queues on"
                );
                return;
            }
        },
    };
    let run = format!("tour-{}", std::process::id());
    match master(&url, &run) {
        Ok(line) => println!("{line}"),
        Err(why) => {
            println!("FAIL master_worker: {why}");
            drop(server);
            std::process::exit(1);
        }
    }
    drop(server);
}

fn master(url: &str, run: &str) -> Result<String, String> {
    let started = Instant::now();
    let client = Client::open(url).map_err(|e| e.to_string())?;
    let tasks: Queue<(usize, Task)> =
        Queue::open(&client, &format!("{run}-tasks"), 8).map_err(|e| e.to_string())?;
    let results: Queue<Done> =
        Queue::open(&client, &format!("{run}-results"), 64).map_err(|e| e.to_string())?;

    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut workers: Vec<Child> = (0..WORKERS)
        .map(|_| {
            Command::new(&exe)
                .args(["worker", url, run])
                .stdout(Stdio::inherit())
                .spawn()
                .expect("the example re-runs itself as a worker")
        })
        .collect();

    let jobs: Vec<Task> = (0..TASKS as i64)
        .map(|i| {
            if i % 2 == 0 {
                Task::Mul(i, 7)
            } else {
                Task::Plus(i, 8)
            }
        })
        .collect();
    for (i, t) in jobs.iter().enumerate() {
        tasks
            .put((i, *t))
            .map_err(|e| format!("put task {i}: {e}"))?;
    }
    tasks.join().map_err(|e| e.to_string())?;
    tasks.shutdown(false).map_err(|e| e.to_string())?; // workers' gets now fail: they exit

    let mut seen = [false; TASKS];
    let mut by_worker = std::collections::BTreeMap::new();
    for _ in 0..TASKS {
        let d = results
            .get_for(Duration::from_secs(30))
            .map_err(|e| format!("result: {e}"))?;
        results.task_done().map_err(|e| e.to_string())?;
        let want = match jobs[d.task] {
            Task::Mul(a, b) => a * b,
            Task::Plus(a, b) => a + b,
        };
        if d.value != want || seen[d.task] {
            return Err(format!(
                "task {} came back as {} (want {want})",
                d.task, d.value
            ));
        }
        seen[d.task] = true;
        *by_worker.entry(d.worker).or_insert(0) += 1;
    }
    for w in &mut workers {
        let ok = w.wait().map(|s| s.success()).unwrap_or(false);
        if !ok {
            return Err("a worker process failed".into());
        }
    }
    let _ = tasks.destroy();
    let _ = results.destroy();
    Ok(format!(
        "{TASKS} tasks done by {} worker processes (tasks per worker: {:?}) through Redis \
         queues with password auth, every result checked [{:.0?}]",
        by_worker.len(),
        by_worker.values().collect::<Vec<_>>(),
        started.elapsed()
    ))
}

fn worker(url: &str, run: &str) {
    let client = Client::open(url).expect("the worker reaches the server");
    let tasks: Queue<(usize, Task)> = Queue::open(&client, &format!("{run}-tasks"), 8).unwrap();
    let results: Queue<Done> = Queue::open(&client, &format!("{run}-results"), 64).unwrap();
    loop {
        match tasks.get_for(Duration::from_secs(60)) {
            Ok((i, task)) => {
                let value = match task {
                    Task::Mul(a, b) => a * b,
                    Task::Plus(a, b) => a + b,
                };
                results
                    .put(Done {
                        task: i,
                        value,
                        worker: std::process::id(),
                    })
                    .map_err(|e| e.to_string())
                    .unwrap();
                tasks.task_done().unwrap();
            }
            Err(RecvTimeoutError::Disconnected) => return, // the master shut the queue down
            Err(e) => panic!("worker {}: {e}", std::process::id()),
        }
    }
}

/// A private `redis-server` for this run: a free localhost port, a random password, no
/// persistence; killed (and its directory removed) on drop.
struct LocalServer {
    child: Child,
    url: String,
    dir: std::path::PathBuf,
}

impl LocalServer {
    fn start() -> Option<LocalServer> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let password = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos()
                ^ u128::from(std::process::id())
        );
        let dir = std::env::temp_dir().join(format!("weftsync-master-worker-{port}"));
        std::fs::create_dir_all(&dir).ok()?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--requirepass",
                &password,
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let server = LocalServer {
            child,
            url: format!("redis://:{password}@127.0.0.1:{port}/"),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Client::open(&server.url).is_err() {
            if Instant::now() > deadline {
                return None;
            }
            // Waiting for the server process to open its port.
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
