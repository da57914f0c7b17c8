//! Python: the threaded TCP echo server, with a `Semaphore` limiting concurrent clients.
//!
//! ```python
//! limit = threading.BoundedSemaphore(2)
//! def handle(conn):
//!     with limit, conn:
//!         for line in conn.makefile(): conn.sendall(line)
//! while True:
//!     conn, _ = server.accept()
//!     threading.Thread(target=handle, args=(conn,)).start()
//! ```
//!
//! The server listens on 127.0.0.1 (a port the OS picks), serves exactly `CLIENTS` connections
//! and stops. Each connection gets a handler thread that holds a permit while it serves, so at
//! most `LIMIT` clients are served at once. Client threads in the same run send a few lines and
//! check the echoes. Every socket has a timeout, so nothing can hang.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;
use weftsync::BoundedSemaphore;

pub const NAME: &str = "echo server: TCP on 127.0.0.1, 6 clients, at most 2 served at once";

const CLIENTS: usize = 6;
const LIMIT: u32 = 2;
const LINES: usize = 3;
const TIMEOUT: Duration = Duration::from_secs(5);

pub fn run() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let limit = BoundedSemaphore::new(LIMIT);
    let (serving, max_serving, echoed) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let client_results: Vec<Result<(), String>> = std::thread::scope(|s| {
        // The server: accept exactly CLIENTS connections, one handler thread each.
        s.spawn(|| {
            for conn in listener.incoming().take(CLIENTS) {
                let Ok(conn) = conn else { continue };
                let (limit, serving, max_serving, echoed) =
                    (&limit, &serving, &max_serving, &echoed);
                s.spawn(move || {
                    let _permit = limit.acquire(); // with limit:
                    let now = serving.fetch_add(1, SeqCst) + 1;
                    max_serving.fetch_max(now, SeqCst);
                    let n = echo(conn).unwrap_or(0);
                    echoed.fetch_add(n, SeqCst);
                    serving.fetch_sub(1, SeqCst);
                });
            }
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| s.spawn(move || client(addr, c)))
            .collect();
        clients.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in client_results {
        r?;
    }
    let (max, n) = (max_serving.load(SeqCst), echoed.load(SeqCst));
    let line = format!(
        "{n} lines echoed to {CLIENTS} clients; at most {max} served at once (limit {LIMIT})"
    );
    if max <= LIMIT as usize && n == CLIENTS * LINES {
        Ok(line)
    } else {
        Err(line)
    }
}

/// Echoes lines until the client closes; returns how many.
fn echo(conn: TcpStream) -> std::io::Result<usize> {
    conn.set_read_timeout(Some(TIMEOUT))?;
    let mut out = conn.try_clone()?;
    let mut n = 0;
    for line in BufReader::new(conn).lines() {
        writeln!(out, "{}", line?)?;
        n += 1;
    }
    Ok(n)
}

/// Sends LINES lines and checks each echo.
fn client(addr: std::net::SocketAddr, c: usize) -> Result<(), String> {
    let conn = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("connect: {e}"))?;
    conn.set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut out = conn.try_clone().map_err(|e| e.to_string())?;
    let mut lines = BufReader::new(conn).lines();
    for i in 0..LINES {
        let msg = format!("client {c} line {i}");
        writeln!(out, "{msg}").map_err(|e| e.to_string())?;
        let back = lines
            .next()
            .ok_or("server closed early")?
            .map_err(|e| e.to_string())?;
        if back != msg {
            return Err(format!("sent {msg:?}, got {back:?}"));
        }
    }
    Ok(()) // dropping `out` and `lines` closes the connection: the handler's loop ends
}
