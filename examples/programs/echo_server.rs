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
//!
//! The limit must be reached, not only respected: a handler holding a permit waits (until a
//! generous deadline) for the moment `LIMIT` were served together, so a Lock in place of the
//! semaphore fails. And a stray `release` with no permit out must be refused, which is what the
//! *bounded* semaphore is for (Python's `ValueError`): a plain `Semaphore` would accept it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::{BoundedSemaphore, Event};

pub const NAME: &str = "echo server: TCP on 127.0.0.1, 6 clients, 2 served at once and never more";

const CLIENTS: usize = 6;
const LIMIT: u32 = 2;
const LINES: usize = 3;
const TIMEOUT: Duration = Duration::from_secs(5);

pub fn run() -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let limit = BoundedSemaphore::new(LIMIT);
    let (full, deadline) = (Event::new(), Instant::now() + TIMEOUT);
    let over_granted = AtomicBool::new(false); // a permit granted with LIMIT already out
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
                let (limit, serving, max_serving, echoed, full, over_granted) = (
                    &limit,
                    &serving,
                    &max_serving,
                    &echoed,
                    &full,
                    &over_granted,
                );
                s.spawn(move || {
                    let _permit = limit.acquire(); // with limit:
                    let now = serving.fetch_add(1, SeqCst) + 1;
                    max_serving.fetch_max(now, SeqCst);
                    if now == LIMIT as usize {
                        over_granted.fetch_or(limit.try_acquire().is_some(), SeqCst);
                        full.set();
                    }
                    let _ = full.wait_until(deadline); // the check below reads the outcome
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
    let (max, n, reached) = (max_serving.load(SeqCst), echoed.load(SeqCst), full.is_set());
    if !reached {
        return Err(format!(
            "never {LIMIT} clients served at once (at most {max})"
        ));
    }
    for r in client_results {
        r?;
    }
    let refused = limit.release(1).is_err() && !over_granted.load(SeqCst);
    let line = format!(
        "{n} lines echoed to {CLIENTS} clients; {LIMIT} served at once, never more (at most \
         {max}); a permit past the limit, and a stray release, refused: {}",
        if refused { "yes" } else { "no" }
    );
    if max == LIMIT as usize && n == CLIENTS * LINES && refused {
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
