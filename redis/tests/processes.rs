//! Several worker *processes* (this test binary, re-run as a child): exact accounting of every
//! item, and a worker killed (SIGKILL) while it holds an item, whose item comes back.
//!
//! The child entry is the ignored test `child_worker`, run with `--ignored --exact`; the parent
//! passes its role and the server's URL in the environment and reads `ITEM <n>` lines from the
//! child's stdout.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{shared, unique, within};
use weftsync_redis::{Client, Queue, RecvTimeoutError};

fn spawn_child(url: &str, tasks: &str, results: &str, role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "child_worker", "--nocapture"])
        .args(["--test-threads", "1"])
        .env("WEFTSYNC_CHILD_URL", url)
        .env("WEFTSYNC_CHILD_TASKS", tasks)
        .env("WEFTSYNC_CHILD_RESULTS", results)
        .env("WEFTSYNC_CHILD_ROLE", role)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the test binary runs as a child")
}

/// Child entry: `work` squares every task into the results queue until shutdown; `hang` gets
/// one task, reports it, and never finishes it (the parent kills it).
#[test]
#[ignore = "child-process entry of the tests in this file"]
fn child_worker() {
    let env = |k: &str| std::env::var(k).expect("run by the parent test");
    let client = Client::open(&env("WEFTSYNC_CHILD_URL")).unwrap();
    let tasks: Queue<u64> = Queue::open(&client, &env("WEFTSYNC_CHILD_TASKS"), 8)
        .unwrap()
        .with_visibility_timeout(Duration::from_millis(800));
    let results: Queue<(u64, u64)> =
        Queue::open(&client, &env("WEFTSYNC_CHILD_RESULTS"), 1000).unwrap();
    match env("WEFTSYNC_CHILD_ROLE").as_str() {
        "work" => loop {
            match tasks.get_for(Duration::from_secs(60)) {
                Ok(n) => {
                    results.put((n, n * n)).unwrap();
                    tasks.task_done().unwrap();
                }
                Err(RecvTimeoutError::Disconnected) => return,
                Err(e) => panic!("worker: {e}"),
            }
        },
        "hang" => {
            let n = tasks.get().unwrap();
            println!("ITEM {n}");
            // Hold the item until killed: the parent does not let this run out.
            std::thread::sleep(Duration::from_secs(120));
        }
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn worker_processes_account_for_every_item_exactly_once() {
    let Some((url, _g)) = shared("processes") else {
        return;
    };
    let (tn, rn) = (unique("p-tasks"), unique("p-results"));
    let client = Client::open(&url).unwrap();
    let tasks: Queue<u64> = Queue::open(&client, &tn, 8).unwrap();
    let results: Queue<(u64, u64)> = Queue::open(&client, &rn, 1000).unwrap();
    let children: Vec<Child> = (0..3)
        .map(|_| spawn_child(&url, &tn, &rn, "work"))
        .collect();
    const N: u64 = 300;
    let got = within("3 worker processes", Duration::from_secs(120), move || {
        for n in 0..N {
            tasks.put(n).unwrap();
        }
        tasks.join().unwrap();
        tasks.shutdown(false).unwrap();
        let mut got = BTreeMap::new();
        for _ in 0..N {
            let (n, sq) = results.get().unwrap();
            results.task_done().unwrap();
            assert_eq!(sq, n * n, "a worker computed a wrong result");
            *got.entry(n).or_insert(0u32) += 1;
        }
        assert_eq!(
            results.try_get().err(),
            Some(weftsync_redis::TryRecvError::Empty),
            "no result beyond one per task"
        );
        for mut c in children {
            assert!(c.wait().unwrap().success(), "a worker process failed");
        }
        tasks.destroy().unwrap();
        results.destroy().unwrap();
        got
    });
    assert_eq!(got.len(), N as usize, "every task's result arrives");
    assert!(
        got.values().all(|&c| c == 1),
        "no worker died, so no task may be processed twice"
    );
}

#[test]
fn a_worker_killed_mid_task_has_its_item_redelivered() {
    let Some((url, _g)) = shared("killed-worker") else {
        return;
    };
    let (tn, rn) = (unique("k-tasks"), unique("k-results"));
    let client = Client::open(&url).unwrap();
    let tasks: Queue<u64> = Queue::open(&client, &tn, 8).unwrap();
    let results: Queue<(u64, u64)> = Queue::open(&client, &rn, 1000).unwrap();
    for n in 0..5 {
        tasks.put(n).unwrap();
    }
    let mut hanger = spawn_child(&url, &tn, &rn, "hang");
    let out = hanger.stdout.take().unwrap();
    let taken: u64 = within("the child's report", Duration::from_secs(60), move || {
        let mut line = String::new();
        let mut r = BufReader::new(out);
        loop {
            line.clear();
            assert!(r.read_line(&mut line).unwrap() > 0, "child exited early");
            // libtest prints `test child_worker ... ` on the same line first.
            if let Some((_, n)) = line.trim().split_once("ITEM ") {
                return n.parse().unwrap();
            }
        }
    });
    hanger.kill().unwrap(); // SIGKILL: no task_done, no goodbye
    hanger.wait().unwrap();
    assert_eq!(taken, 0, "the first item is got first");
    let worker = spawn_child(&url, &tn, &rn, "work");
    let got = within(
        "redelivery to a second worker",
        Duration::from_secs(60),
        move || {
            tasks.join().unwrap();
            tasks.shutdown(false).unwrap();
            let mut got: Vec<u64> = (0..5).map(|_| results.get().unwrap().0).collect();
            got.sort();
            let mut worker = worker;
            assert!(worker.wait().unwrap().success());
            tasks.destroy().unwrap();
            results.destroy().unwrap();
            got
        },
    );
    assert_eq!(
        got,
        [0, 1, 2, 3, 4],
        "the killed worker's item comes back after the visibility timeout and is done once"
    );
}
