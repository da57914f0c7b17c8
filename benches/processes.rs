//! `weftsync::process` against the in-process primitives and against the usual way two
//! processes talk (a Unix socket): `cargo bench --bench processes`, on the criterion harness of
//! `benches/compare` (group `process`; `scripts/bench` runs it with the others and puts its
//! figures in `docs/benchmarks.md`).
//!
//! The cross-process figures start a child that is this same benchmark binary, run for an entry
//! point (`weftsync::process::Builder`): it serves round trips (or hammers a lock) until told
//! to stop. Figures are nanoseconds per operation (round trip, or lock+unlock).

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
#[path = "compare/harness.rs"]
#[allow(dead_code)]
mod harness;
#[cfg(not(any(feature = "loom", feature = "shuttle")))]
#[path = "compare/machine.rs"]
mod machine;

#[cfg(all(target_os = "linux", not(any(feature = "loom", feature = "shuttle"))))]
mod bench {
    use crate::harness::{Bench, on_threads};
    use std::hint::black_box;
    use std::io::{Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::time::Instant;
    use weftsync::process::{Builder, Child, End, Event, Lock, Plain, Region, Value};

    const STOP: u64 = u64::MAX;

    /// Runs the entry point this process was started for, if any; returns whether it did.
    pub fn child_entry() -> bool {
        let Some(entry) = weftsync::process::entry() else {
            return false;
        };
        match entry.as_str() {
            "queue_echo" => {
                let r = Region::attach().unwrap();
                let (req, resp) = (r.find_queue("req").unwrap(), r.find_queue("resp").unwrap());
                loop {
                    let Plain(n) = req.get::<Plain<u64>>().unwrap();
                    resp.put(&Plain(n)).unwrap();
                    if n == STOP {
                        break;
                    }
                }
            }
            "pipe_echo" => {
                let r = Region::attach().unwrap();
                let conn = r.find_pipe("p").unwrap().open(End::B).unwrap();
                while let Ok(Plain(n)) = conn.recv::<Plain<u64>>() {
                    conn.send(&Plain(n)).unwrap();
                }
            }
            "socket_echo" => {
                let path = std::env::var("SOCKET").unwrap();
                let mut s = UnixStream::connect(path).unwrap();
                let mut buf = [0u8; 8];
                while s.read_exact(&mut buf).is_ok() {
                    s.write_all(&buf).unwrap();
                }
            }
            "lock_hammer" => {
                let r = Region::attach().unwrap();
                let v = r.find::<Value<u64>>("v").unwrap();
                let (ready, go, done) = (
                    r.find::<Event>("ready").unwrap(),
                    r.find::<Event>("go").unwrap(),
                    r.find::<Event>("done").unwrap(),
                );
                let ops = *r.find::<Value<u64>>("ops").unwrap().get_lock().lock();
                ready.set();
                go.wait();
                for _ in 0..ops {
                    *v.get_lock().lock() += 1;
                }
                done.set();
            }
            other => panic!("no entry point {other}"),
        }
        true
    }

    fn start(entry: &str, region: Option<&Region>, env: Option<(&str, &str)>) -> Child {
        let mut b = Builder::new(entry);
        if let Some(r) = region {
            b.region(r);
        }
        if let Some((k, v)) = env {
            b.env(k, v);
        }
        b.spawn().expect("cannot start the benchmark's child")
    }

    pub fn run(r: &mut Bench) {
        let g = "process";
        let s = "uncontended lock+unlock";
        let w = weftsync::Lock::new(0u64);
        r.single(g, s, "weftsync::Lock", || *black_box(&w).lock() += 1);
        let region = Region::create(1 << 20).unwrap();
        let p = region.place("lock", Lock::new(0u64)).unwrap();
        r.single(g, s, "weftsync::process::Lock (in a Region)", || {
            *black_box(p).lock() += 1
        });

        let s = "2 threads contended lock+unlock";
        r.multi(g, s, "weftsync::Lock", |n| {
            on_threads(2, n, |_, k| (0..k).for_each(|_| *w.lock() += 1))
        });
        r.multi(g, s, "weftsync::process::Lock (in a Region)", |n| {
            on_threads(2, n, |_, k| (0..k).for_each(|_| *p.lock() += 1))
        });

        // `n` lock+unlock pairs, half in this process and half in a child started (untimed)
        // for each sample; the time runs from `go` until both halves are done.
        let s = "2 processes contended lock+unlock";
        let v = region.place("v", Value::new(0u64)).unwrap();
        let ops = region.place("ops", Value::new(0u64)).unwrap();
        let ready = region.place("ready", Event::new()).unwrap();
        let go = region.place("go", Event::new()).unwrap();
        let done = region.place("done", Event::new()).unwrap();
        r.multi(g, s, "weftsync::process::Lock (in a Region)", |n| {
            let k = n.div_ceil(2);
            *ops.get_lock().lock() = k;
            ready.clear();
            go.clear();
            done.clear();
            let c = start("lock_hammer", Some(&region), None);
            ready.wait();
            let t = Instant::now();
            go.set();
            for _ in 0..k {
                *v.get_lock().lock() += 1;
            }
            done.wait();
            let took = t.elapsed();
            c.join().unwrap();
            crate::harness::rescale(took, 2 * k, n)
        });

        let s = "8-byte round trip";
        let (req, resp) = (weftsync::Queue::new(64), weftsync::Queue::new(64));
        std::thread::scope(|sc| {
            sc.spawn(|| {
                while let Ok(n) = req.get() {
                    if n == STOP {
                        break;
                    }
                    resp.put(n).unwrap();
                }
            });
            let mut i = 0u64;
            r.single(g, s, "weftsync::Queue, 2 threads", || {
                i += 1;
                req.put(i).unwrap();
                black_box(resp.get().unwrap());
            });
            req.put(STOP).unwrap();
        });

        let qreq = region.place_queue("req", 4096).unwrap();
        let qresp = region.place_queue("resp", 4096).unwrap();
        let c = start("queue_echo", Some(&region), None);
        let mut i = 0u64;
        r.single(g, s, "weftsync::process::Queue, 2 processes", || {
            i += 1;
            qreq.put(&Plain(i)).unwrap();
            black_box(qresp.get::<Plain<u64>>().unwrap());
        });
        qreq.put(&Plain(STOP)).unwrap();
        c.join().unwrap();

        let pipe = region.place_pipe("p", 4096).unwrap();
        let a = pipe.open(End::A).unwrap();
        let c = start("pipe_echo", Some(&region), None);
        r.single(g, s, "weftsync::process::Pipe, 2 processes", || {
            a.send(&Plain(7u64)).unwrap();
            black_box(a.recv::<Plain<u64>>().unwrap());
        });
        drop(a);
        c.join().unwrap();

        let path = std::env::temp_dir().join(format!("weftsync-bench-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).unwrap();
        let c = start(
            "socket_echo",
            None,
            Some(("SOCKET", path.to_str().unwrap())),
        );
        let (mut sock, _) = listener.accept().unwrap();
        let mut buf = [0u8; 8];
        r.single(g, s, "Unix socket, 2 processes", || {
            sock.write_all(&7u64.to_le_bytes()).unwrap();
            sock.read_exact(&mut buf).unwrap();
            black_box(buf);
        });
        drop(sock);
        c.join().unwrap();
        let _ = std::fs::remove_file(&path);
    }
}

#[cfg(all(target_os = "linux", not(any(feature = "loom", feature = "shuttle"))))]
fn main() {
    if bench::child_entry() {
        return;
    }
    let mut bench = harness::Bench::from_args();
    bench::run(&mut bench);
    bench.finish();
}

#[cfg(not(all(target_os = "linux", not(any(feature = "loom", feature = "shuttle")))))]
fn main() {
    eprintln!("the process benchmarks need Linux and no model-checker feature");
}
