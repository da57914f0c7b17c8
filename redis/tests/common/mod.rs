//! Test servers. `scripts/redis-tests` starts one `redis-server` on localhost with a password
//! and passes its URL in `WEFTSYNC_REDIS_URL`; the tests share it, each under names of its own.
//! A test that kills or restarts a server starts a private one with [`Server::start`] (on a free
//! port, with a password, append-only persistence fsynced on every write). Without
//! `redis-server` installed, every test prints a `SKIPPED` line and passes.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "weftsync-test-secret";

/// A `redis-server` this test owns: killed and its directory removed on drop.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

fn installed() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Prints the SKIPPED line for `test` and returns `false` when no server can be had.
pub fn available(test: &str) -> bool {
    if std::env::var_os("WEFTSYNC_REDIS_URL").is_some() || installed() {
        return true;
    }
    println!("SKIPPED {test}: redis-server is not installed (apt-get install redis-server)");
    false
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A name no other test (or earlier run) uses.
pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{name}-{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The shared server's URL, or a private server's (kept alive by the returned guard).
pub fn shared(test: &str) -> Option<(String, Option<Server>)> {
    if let Ok(url) = std::env::var("WEFTSYNC_REDIS_URL") {
        return Some((url, None));
    }
    let s = Server::start(test)?;
    Some((s.url(), Some(s)))
}

impl Server {
    /// Starts a private server, or prints SKIPPED and returns `None` if none is installed.
    pub fn start(test: &str) -> Option<Server> {
        if !installed() {
            println!(
                "SKIPPED {test}: redis-server is not installed (apt-get install redis-server)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(unique("weftsync-redis-test"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut s = Server {
            child: None,
            port,
            dir,
        };
        s.launch();
        Some(s)
    }

    fn launch(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--requirepass", PASSWORD])
            .args(["--appendonly", "yes"])
            .args(["--appendfsync", "always"])
            .args(["--save", ""])
            .args(["--maxmemory-policy", "noeviction"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = redis::Client::open(self.url()).unwrap();
        loop {
            if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(200))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the test server on port {} did not come up in 20 s",
                self.port
            );
            // Test setup: waiting for another process to open its port.
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://:{PASSWORD}@127.0.0.1:{}/", self.port)
    }

    pub fn url_with_password(&self, password: &str) -> String {
        format!("redis://:{password}@127.0.0.1:{}/", self.port)
    }

    /// SIGKILL: the server dies as in a crash (what it acknowledged is in the AOF).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port and data directory, and waits until it answers.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on (bound, then released).
pub fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `f` on a thread and fails the test, naming `what`, if it has not returned in `limit`:
/// no test here can hang.
pub fn within<R: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> R + Send + 'static,
) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(r) => r,
        Err(_) => panic!("watchdog: {what} did not finish within {limit:?}"),
    }
}
