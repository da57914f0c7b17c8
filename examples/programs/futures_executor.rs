//! Python: `concurrent.futures`: submit, `as_completed`, a timeout, a failing task, a cancel.
//!
//! ```python
//! with ThreadPoolExecutor(max_workers=3) as ex:
//!     futures = {ex.submit(load, url): url for url in URLS}
//!     for future in as_completed(futures):
//!         url = futures[future]
//!         try:
//!             print(url, future.result())
//!         except Exception as exc:
//!             print(url, "failed:", exc)
//! ```
//!
//! Four "downloads" (one fails by panicking) on 3 workers, keyed by URL; a slow one held by a
//! gate shows a `result_for` timeout that hands the future back; one queued behind it is
//! cancelled. The checks: every page arrives once, the failure is reported as a panic, the
//! timeout really waited and left the future usable, and the cancelled task never ran.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::{Duration, Instant};
use weftsync::pool::{self, ResultError, ResultTimeoutError};
use weftsync::{Event, ThreadPool};

pub const NAME: &str =
    "concurrent.futures: submit, as_completed, a timeout, a failing task, a cancel (3 workers)";

fn load(url: &str) -> usize {
    assert!(!url.contains("broken"), "404 for {url}");
    url.len() * 100
}

/// Runs `body` with the panic hook silenced for the planned "404" panic (Python's executor
/// keeps a task's exception for `result()` without printing it; Rust's hook would print it).
fn quiet_404<R>(body: impl FnOnce() -> R) -> R {
    let default = Arc::new(std::panic::take_hook());
    let d = Arc::clone(&default);
    std::panic::set_hook(Box::new(move |info| {
        if !info.to_string().contains("404 for") {
            d(info);
        }
    }));
    let r = body();
    let _ours = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| default(info)));
    r
}

pub fn run() -> Result<String, String> {
    quiet_404(run_quietly)
}

fn run_quietly() -> Result<String, String> {
    let ex = ThreadPool::new(3);
    let urls = ["a.example", "bb.example", "broken.example", "dddd.example"];
    let futures: Vec<_> = urls
        .iter()
        .map(|&url| (url, ex.submit(move || load(url)).unwrap()))
        .collect();
    let (mut pages, mut failed) = (Vec::new(), Vec::new());
    for (url, future) in pool::as_completed(futures) {
        match future.result() {
            Ok(bytes) => pages.push((url, bytes)),
            Err(ResultError::Panicked(_)) => failed.push(url),
            Err(e) => return Err(format!("{url}: unexpected {e}")),
        }
    }
    pages.sort_unstable();
    let want = [
        ("a.example", 900),
        ("bb.example", 1000),
        ("dddd.example", 1200),
    ];
    if pages != want || failed != ["broken.example"] {
        return Err(format!("pages {pages:?}, failed {failed:?}"));
    }

    // A slow task on a 1-worker pool: a timed wait gives up and hands the future back.
    let one = ThreadPool::new(1);
    let gate = Arc::new(Event::new());
    let g = Arc::clone(&gate);
    let slow = one.submit(move || {
        g.wait();
        "slow page"
    });
    let slow = slow.map_err(|_| "submit refused")?;
    let ran = Arc::new(AtomicBool::new(false));
    let r = Arc::clone(&ran);
    let queued = one
        .submit(move || r.store(true, SeqCst))
        .map_err(|_| "refused")?;
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    let slow = match slow.result_for(timeout) {
        Err(ResultTimeoutError::Timeout(f)) => f,
        other => return Err(format!("expected a timeout, got {other:?}")),
    };
    let waited = start.elapsed();
    let cancelled = queued.cancel();
    gate.set();
    let page = slow
        .result()
        .map_err(|e| format!("after the timeout: {e}"))?;
    drop(one); // joins: the cancelled task would have run by now if cancel had lied
    if waited < timeout || !cancelled || ran.load(SeqCst) || page != "slow page" {
        return Err(format!(
            "waited {waited:?} (timeout {timeout:?}), cancelled {cancelled}, \
             cancelled task ran {}, page {page:?}",
            ran.load(SeqCst)
        ));
    }
    Ok(format!(
        "{} pages, failed {failed:?}; timed out after {waited:.0?} then got {page:?}; \
         a queued task cancelled and never ran",
        pages.len()
    ))
}
