//! put + get round trips per second: the in-process `weftsync::Queue` next to the Redis `Queue`
//! against a local server, and the bare Redis list (`RPUSH` + `LPOP`) as the floor of what a
//! round trip to the server costs. `scripts/redis-bench` starts the server and runs this.

use std::time::{Duration, Instant};

use weftsync_redis::{Client, Queue};

fn per_sec(n: u64, t: Duration) -> f64 {
    n as f64 / t.as_secs_f64()
}

fn row(what: &str, n: u64, t: Duration) {
    println!(
        "| {what} | {n} | {:.0} | {:.2} µs |",
        per_sec(n, t),
        t.as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    let Ok(url) = std::env::var("WEFTSYNC_REDIS_URL") else {
        println!("SKIPPED roundtrip: set WEFTSYNC_REDIS_URL (scripts/redis-bench does)");
        return;
    };
    let client = Client::open(&url).expect("the benchmark server accepts the password");
    println!("| round trip (one thread unless noted) | count | per second | each |");
    println!("|---|---|---|---|");

    // In-process: weftsync::Queue, same thread.
    let q = weftsync::Queue::new(1024);
    let n = 2_000_000u64;
    let t = Instant::now();
    for i in 0..n {
        q.put(i).unwrap();
        std::hint::black_box(q.get().unwrap());
    }
    row("`weftsync::Queue` put + get (in process)", n, t.elapsed());

    // The floor: one RPUSH and one LPOP, two network round trips.
    let raw = redis::Client::open(url.as_str()).unwrap();
    let mut con = raw.get_connection().unwrap();
    let key = format!("weftsync:bench:raw:{}", std::process::id());
    let n = 20_000u64;
    let t = Instant::now();
    for i in 0..n {
        redis::cmd("RPUSH")
            .arg(&key)
            .arg(i)
            .query::<i64>(&mut con)
            .unwrap();
        std::hint::black_box(redis::cmd("LPOP").arg(&key).query::<u64>(&mut con).unwrap());
    }
    row("bare Redis `RPUSH` + `LPOP` (the floor)", n, t.elapsed());

    let name = format!("bench-{}", std::process::id());
    let rq: Queue<u64> = Queue::open(&client, &name, 1024).unwrap();
    let t = Instant::now();
    for i in 0..n {
        rq.put(i).unwrap();
        std::hint::black_box(rq.get().unwrap());
        rq.task_done().unwrap();
    }
    row(
        "`weftsync_redis::Queue` put + get + task_done",
        n,
        t.elapsed(),
    );
    let t = Instant::now();
    for i in 0..n {
        rq.put(i).unwrap();
        std::hint::black_box(rq.get().unwrap());
    }
    row("`weftsync_redis::Queue` put + get", n, t.elapsed());
    rq.destroy().unwrap();

    // Four clients at once (each its own connection), one shared queue.
    let name = format!("bench4-{}", std::process::id());
    let per = 5_000u64;
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..4 {
            let (url, name) = (url.clone(), name.clone());
            s.spawn(move || {
                let q: Queue<u64> = Queue::open(&Client::open(&url).unwrap(), &name, 1024).unwrap();
                for i in 0..per {
                    q.put(i).unwrap();
                    std::hint::black_box(q.get().unwrap());
                    q.task_done().unwrap();
                }
            });
        }
    });
    row(
        "`weftsync_redis::Queue` put + get + task_done, 4 threads, total",
        4 * per,
        t.elapsed(),
    );
    Queue::<u64>::open(&client, &name, 1024)
        .unwrap()
        .destroy()
        .unwrap();
}
