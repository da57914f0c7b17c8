//! One scenario per run, for `scripts/spin-ab/run` to alternate between two builds:
//!
//!   spin-ab SCENARIO WHO        prints `SCENARIO WHO median min max` in ns per operation
//!   spin-ab summarize FILE      medians and quartiles over the rounds `run` collected
//!
//! WHO is `w` (weftsync) or a peer: `pl` (parking_lot, by hand where it has no such type),
//! `std`, `cb` (crossbeam-channel), `k` (kanal), `c` (the thread_local crate). A figure is the
//! median of 5 samples of about `SAMPLE_MS` (default 60) milliseconds each; with `ONCE=N`, of
//! one run of exactly N operations (for `scripts/spin-ab/switches`).
//!
//! Scenarios (ns per operation; per round trip for event, sem, pipe; per hand-over for cond;
//! per item for the queues): lock2 / lock4 (2 or 4 threads locking and incrementing), lock2p /
//! lock4p (the same, thread i pinned to CPU i % 2), event / sem (2-thread ping-pong), cond
//! (ping-pong through a Condition), q1 / q64 / q1024 (1 producer, 1 consumer, that capacity),
//! m1 / m64 (2 producers, 2 consumers), pipe (request/response, capacity 1 each way), tl
//! (ThreadLocal get_or and increment, one thread), lock1n (1,000,000 calls of an
//! `#[inline(never)]` lock-increment-unlock, for an instruction count under callgrind).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

const SAMPLES: usize = 5;

/// Set for the `…p` lock scenarios: each worker pins itself to CPU `i % 2`.
static PINNED: AtomicBool = AtomicBool::new(false);

fn sample_time() -> Duration {
    let ms = std::env::var("SAMPLE_MS").ok().and_then(|s| s.parse().ok());
    Duration::from_millis(ms.unwrap_or(60))
}

/// Calibrates an operation count to one sample's time, then returns (median, min, max) of the
/// ns per operation of `SAMPLES` samples.
fn measure(mut run: impl FnMut(u64) -> Duration) -> (f64, f64, f64) {
    if let Some(n) = std::env::var("ONCE").ok().and_then(|s| s.parse::<u64>().ok()) {
        // One run of exactly `n` operations, for counting what they cost (scripts/spin-ab/switches).
        let ns = run(n).as_nanos() as f64 / n as f64;
        return (ns, ns, ns);
    }
    let target = sample_time();
    let mut n = 16u64;
    loop {
        let took = run(n);
        if took >= target / 4 || n >= 1 << 30 {
            let scale = target.as_secs_f64() / took.as_secs_f64().max(1e-9);
            n = ((n as f64) * scale).max(1.0) as u64;
            break;
        }
        n *= 2;
    }
    let mut v: Vec<f64> = (0..SAMPLES)
        .map(|_| run(n).as_nanos() as f64 / n as f64)
        .collect();
    v.sort_by(f64::total_cmp);
    (v[SAMPLES / 2], v[0], v[SAMPLES - 1])
}

fn pin_to(cpu: usize) {
    // SAFETY: an all-zero cpu_set_t is a valid empty set, CPU_SET stays inside it, and the size
    // passed is its own.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
    }
}

/// Runs `body(i, n / threads)` on `threads` threads released together; the time is from the
/// first worker's start to the last one's end, so thread start-up does not count.
fn on_threads(threads: u64, n: u64, body: impl Fn(u64, u64) + Sync) -> Duration {
    let start = std::sync::Barrier::new(threads as usize);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let (start, body) = (&start, &body);
                s.spawn(move || {
                    if PINNED.load(Relaxed) {
                        pin_to((i % 2) as usize);
                    }
                    start.wait();
                    let t0 = Instant::now();
                    body(i, n / threads);
                    (t0, Instant::now())
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let first = spans.iter().map(|s| s.0).min().unwrap();
    spans.iter().map(|s| s.1).max().unwrap() - first
}

fn timed(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// A counting semaphore written by hand over parking_lot, as a user would without one.
struct PlSemaphore {
    count: parking_lot::Mutex<u32>,
    cv: parking_lot::Condvar,
}

impl PlSemaphore {
    fn new() -> Self {
        PlSemaphore {
            count: parking_lot::Mutex::new(0),
            cv: parking_lot::Condvar::new(),
        }
    }
    fn acquire(&self) {
        let mut c = self.count.lock();
        while *c == 0 {
            self.cv.wait(&mut c);
        }
        *c -= 1;
    }
    fn release(&self) {
        *self.count.lock() += 1;
        self.cv.notify_one();
    }
}

/// An event (flag plus condition variable) written by hand over parking_lot.
#[derive(Default)]
struct PlEvent {
    set: parking_lot::Mutex<bool>,
    cv: parking_lot::Condvar,
}

impl PlEvent {
    fn set(&self) {
        *self.set.lock() = true;
        self.cv.notify_all();
    }
    fn wait(&self) {
        let mut g = self.set.lock();
        while !*g {
            self.cv.wait(&mut g);
        }
    }
    fn clear(&self) {
        *self.set.lock() = false;
    }
}

/// `producers` threads put `per * consumers` items each, `consumers` threads get as many.
fn through_queue(
    n: u64,
    producers: u64,
    consumers: u64,
    put: impl Fn(u64) + Sync,
    get: impl Fn() + Sync,
) -> Duration {
    let per = (n / (producers * consumers)).max(1);
    timed(|| {
        std::thread::scope(|s| {
            for _ in 0..producers {
                s.spawn(|| (0..per * consumers).for_each(&put));
            }
            for _ in 0..consumers {
                s.spawn(|| (0..per * producers).for_each(|_| get()));
            }
        })
    })
}

/// A server thread answers `n` requests with `serve`; this thread makes `n` calls to `call`.
fn round_trips(n: u64, serve: impl FnOnce(u64) + Send, call: impl Fn(u64)) -> Duration {
    timed(|| {
        std::thread::scope(|s| {
            s.spawn(move || serve(n));
            (0..n).for_each(call);
        })
    })
}

#[inline(never)]
fn lock_increment_unlock(l: &weftsync::Lock<u64>) {
    *l.lock() += 1;
}

fn contended_locks(threads: u64, who: &str) -> (f64, f64, f64) {
    match who {
        "w" => {
            let l = weftsync::Lock::new(0u64);
            measure(|n| on_threads(threads, n, |_, k| (0..k).for_each(|_| *l.lock() += 1)))
        }
        "pl" => {
            let l = parking_lot::Mutex::new(0u64);
            measure(|n| on_threads(threads, n, |_, k| (0..k).for_each(|_| *l.lock() += 1)))
        }
        _ => {
            let l = std::sync::Mutex::new(0u64);
            measure(|n| {
                on_threads(threads, n, |_, k| {
                    (0..k).for_each(|_| *l.lock().unwrap() += 1)
                })
            })
        }
    }
}

fn condition_ping_pong(who: &str) -> (f64, f64, f64) {
    if who == "w" {
        let (lock, cond) = (weftsync::Lock::new(0u64), weftsync::Condition::new());
        return measure(|n| {
            *lock.lock() = 0;
            on_threads(2, n, |me, k| {
                for _ in 0..k {
                    let mut turn = lock.lock();
                    cond.wait_while(&mut turn, |t| *t % 2 != me);
                    *turn += 1;
                    cond.notify_one();
                }
            })
        });
    }
    let (lock, cond) = (parking_lot::Mutex::new(0u64), parking_lot::Condvar::new());
    measure(|n| {
        *lock.lock() = 0;
        on_threads(2, n, |me, k| {
            for _ in 0..k {
                let mut turn = lock.lock();
                cond.wait_while(&mut turn, |t| *t % 2 != me);
                *turn += 1;
                cond.notify_one();
            }
        })
    })
}

fn event_ping_pong(who: &str) -> (f64, f64, f64) {
    /// One round trip: thread 0 sets ping and waits for pong; thread 1 the other way round.
    fn run<E: Sync>(n: u64, ping: &E, pong: &E, set: fn(&E), wait: fn(&E), clear: fn(&E)) -> Duration {
        on_threads(2, 2 * n, |i, k| {
            for _ in 0..k {
                if i == 0 {
                    set(ping);
                    wait(pong);
                    clear(pong);
                } else {
                    wait(ping);
                    clear(ping);
                    set(pong);
                }
            }
        })
    }
    if who == "w" {
        let (a, b) = (weftsync::Event::new(), weftsync::Event::new());
        let wait = |e: &weftsync::Event| e.wait();
        return measure(|n| run(n, &a, &b, weftsync::Event::set, wait, weftsync::Event::clear));
    }
    let (a, b) = (PlEvent::default(), PlEvent::default());
    measure(|n| run(n, &a, &b, PlEvent::set, PlEvent::wait, PlEvent::clear))
}

fn semaphore_ping_pong(who: &str) -> (f64, f64, f64) {
    fn run<S: Sync>(n: u64, ping: &S, pong: &S, acquire: fn(&S), release: fn(&S)) -> Duration {
        timed(|| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    for _ in 0..n {
                        acquire(ping);
                        release(pong);
                    }
                });
                for _ in 0..n {
                    release(ping);
                    acquire(pong);
                }
            })
        })
    }
    if who == "w" {
        let (a, b) = (weftsync::Semaphore::new(0), weftsync::Semaphore::new(0));
        let acquire = |s: &weftsync::Semaphore| weftsync::SemaphorePermit::forget(s.acquire());
        let release = |s: &weftsync::Semaphore| s.release(1);
        return measure(|n| run(n, &a, &b, acquire, release));
    }
    let (a, b) = (PlSemaphore::new(), PlSemaphore::new());
    measure(|n| run(n, &a, &b, PlSemaphore::acquire, PlSemaphore::release))
}

fn queue(capacity: usize, ends: u64, who: &str) -> (f64, f64, f64) {
    match who {
        "w" => measure(|n| {
            let q = weftsync::Queue::new(capacity);
            let get = || drop(black_box(q.get().unwrap()));
            through_queue(n, ends, ends, |i| q.put(i).unwrap(), get)
        }),
        "cb" => measure(|n| {
            let (tx, rx) = crossbeam_channel::bounded(capacity);
            let get = || drop(black_box(rx.recv().unwrap()));
            through_queue(n, ends, ends, |i| tx.send(i).unwrap(), get)
        }),
        _ => measure(|n| {
            let (tx, rx) = kanal::bounded(capacity);
            let get = || drop(black_box(rx.recv().unwrap()));
            through_queue(n, ends, ends, |i| tx.send(i).unwrap(), get)
        }),
    }
}

fn pipe_round_trips(who: &str) -> (f64, f64, f64) {
    match who {
        "w" => measure(|n| {
            let (client, server) = weftsync::pipe::<u64>(1);
            round_trips(
                n,
                |n| (0..n).for_each(|_| server.send(server.recv().unwrap() + 1).unwrap()),
                |i| {
                    client.send(i).unwrap();
                    assert_eq!(client.recv().unwrap(), i + 1);
                },
            )
        }),
        "cb" => measure(|n| {
            let (req_tx, req_rx) = crossbeam_channel::bounded::<u64>(1);
            let (resp_tx, resp_rx) = crossbeam_channel::bounded::<u64>(1);
            round_trips(
                n,
                move |n| (0..n).for_each(|_| resp_tx.send(req_rx.recv().unwrap() + 1).unwrap()),
                |i| {
                    req_tx.send(i).unwrap();
                    assert_eq!(resp_rx.recv().unwrap(), i + 1);
                },
            )
        }),
        _ => measure(|n| {
            let (req_tx, req_rx) = kanal::bounded::<u64>(1);
            let (resp_tx, resp_rx) = kanal::bounded::<u64>(1);
            round_trips(
                n,
                move |n| (0..n).for_each(|_| resp_tx.send(req_rx.recv().unwrap() + 1).unwrap()),
                |i| {
                    req_tx.send(i).unwrap();
                    assert_eq!(resp_rx.recv().unwrap(), i + 1);
                },
            )
        }),
    }
}

fn thread_local_get_or(who: &str) -> (f64, f64, f64) {
    let bump = |c: &Cell<u64>| c.set(c.get() + 1);
    if who == "w" {
        let t: weftsync::ThreadLocal<Cell<u64>> = weftsync::ThreadLocal::new();
        return measure(|n| timed(|| (0..n).for_each(|_| bump(black_box(&t).get_or(|| Cell::new(0))))));
    }
    let t: thread_local::ThreadLocal<Cell<u64>> = thread_local::ThreadLocal::new();
    measure(|n| timed(|| (0..n).for_each(|_| bump(black_box(&t).get_or(|| Cell::new(0))))))
}

/// Reads the lines `run` appended (`round build scenario who median min max load`) and prints,
/// per scenario and build/peer, the median over rounds, the quartiles, and the load range.
fn summarize(path: &str) {
    let text = std::fs::read_to_string(path).expect("the results file");
    let mut rows: BTreeMap<(String, String), (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(med), Some(load)) = (f.get(4).and_then(|x| x.parse().ok()), f.get(7).and_then(|x| x.parse().ok())) else {
            continue;
        };
        let who = if f[3] == "w" { f[1].to_owned() } else { f[3].to_owned() };
        let row = rows.entry((f[2].to_owned(), who)).or_default();
        row.0.push(med);
        row.1.push(load);
    }
    println!("| scenario | build or peer | rounds | median ns/op | quartiles | load |");
    println!("|---|---|---:|---:|---|---|");
    for ((scenario, who), (mut v, l)) in rows {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        let (lo, hi) = l.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        println!(
            "| {scenario} | {who} | {n} | {median:.1} | {:.1}–{:.1} | {lo:.1}–{hi:.1} |",
            v[n / 4],
            v[(3 * n) / 4]
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    if arg(0) == "summarize" {
        return summarize(arg(1));
    }
    let (scenario, who) = (arg(0), arg(1));
    let base = match scenario.strip_suffix('p') {
        Some(b) if b.starts_with("lock") => {
            PINNED.store(true, Relaxed);
            b
        }
        _ => scenario,
    };
    let r = match base {
        "lock2" => contended_locks(2, who),
        "lock4" => contended_locks(4, who),
        "lock1n" => {
            let l = weftsync::Lock::new(0u64);
            (0..1_000_000).for_each(|_| lock_increment_unlock(black_box(&l)));
            (0.0, 0.0, 0.0)
        }
        "cond" => condition_ping_pong(who),
        "event" => event_ping_pong(who),
        "sem" => semaphore_ping_pong(who),
        "q1" => queue(1, 1, who),
        "q64" => queue(64, 1, who),
        "q1024" => queue(1024, 1, who),
        "m1" => queue(1, 2, who),
        "m64" => queue(64, 2, who),
        "pipe" => pipe_round_trips(who),
        "tl" => thread_local_get_or(who),
        _ => {
            eprintln!("usage: spin-ab SCENARIO WHO | spin-ab summarize FILE (see the source)");
            std::process::exit(2);
        }
    };
    println!("{scenario} {who} {:.1} {:.1} {:.1}", r.0, r.1, r.2);
}
