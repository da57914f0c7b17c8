//! `Lock`, `Semaphore` and `Event` against a real server: exclusion across clients, leases that
//! free a dead holder's lock or permit, fencing tokens, and waits woken by the server.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use common::{shared, unique, within};
use weftsync_redis::{Client, ErrorKind, Event, Lock, Semaphore};

const _: fn() = || {
    fn is<T: Send + Sync>() {}
    is::<Lock>();
    is::<Semaphore>();
    is::<Event>();
};

macro_rules! server {
    ($test:expr) => {{
        let Some(s) = shared($test) else {
            return;
        };
        s
    }};
}

#[test]
fn lock_excludes_across_clients_and_fences_increase() {
    let (url, _g) = server!("lock-exclusion");
    let name = unique("lock-exclusion");
    let inside = Arc::new(AtomicBool::new(false));
    let fences = Arc::new(std::sync::Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (url, name, inside, fences) =
                (url.clone(), name.clone(), inside.clone(), fences.clone());
            std::thread::spawn(move || {
                let lock = Lock::open(&Client::open(&url).unwrap(), &name).unwrap();
                for _ in 0..25 {
                    let g = lock.lock().unwrap();
                    assert!(
                        !inside.swap(true, SeqCst),
                        "two clients inside the distributed lock at once"
                    );
                    fences.lock().unwrap().push(g.fence());
                    inside.store(false, SeqCst);
                    assert!(g.unlock().unwrap(), "released while still held");
                }
            })
        })
        .collect();
    within("lock exclusion", Duration::from_secs(60), move || {
        for t in threads {
            t.join().unwrap();
        }
    });
    let f = fences.lock().unwrap();
    assert_eq!(f.len(), 100);
    assert!(
        f.windows(2).all(|w| w[0] < w[1]),
        "fencing tokens must increase with every acquisition, in acquisition order"
    );
}

#[test]
fn a_dead_holders_lock_frees_itself_when_the_lease_ends() {
    let (url, _g) = server!("lock-lease");
    let name = unique("lock-lease");
    let client = Client::open(&url).unwrap();
    let dead = Lock::open(&client, &name)
        .unwrap()
        .with_lease(Duration::from_millis(500));
    let g = dead.lock().unwrap();
    let first = g.fence();
    std::mem::forget(g); // the holder "dies": no release is ever sent
    let other = Lock::open(&Client::open(&url).unwrap(), &name).unwrap();
    assert!(
        other.try_lock().unwrap().is_none(),
        "held until the lease ends"
    );
    let t = Instant::now();
    let g2 = other
        .lock_for(Duration::from_secs(10))
        .unwrap()
        .expect("the lease's end frees the lock");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "the waiter wakes at the lease's end (the script's hint), not later"
    );
    assert!(
        g2.fence() > first,
        "the new holder's fencing token is larger"
    );
}

#[test]
fn a_holder_that_outlived_its_lease_learns_it() {
    let (url, _g) = server!("lock-lost");
    let name = unique("lock-lost");
    let client = Client::open(&url).unwrap();
    let lock = Lock::open(&client, &name)
        .unwrap()
        .with_lease(Duration::from_millis(100));
    let g = lock.lock().unwrap();
    assert!(g.extend().unwrap(), "extend while held");
    std::thread::sleep(Duration::from_millis(300));
    assert!(!g.is_held().unwrap());
    let other = Lock::open(&client, &name).unwrap();
    let g2 = other.try_lock().unwrap().expect("free after the lease");
    assert!(
        !g.extend().unwrap(),
        "the old holder cannot extend a lost lease"
    );
    assert!(!g.unlock().unwrap(), "nor release someone else's lock");
    assert!(g2.is_held().unwrap(), "the new holder keeps it");
}

#[test]
fn lock_timed_forms() {
    let (url, _g) = server!("lock-timed");
    let name = unique("lock-timed");
    let client = Client::open(&url).unwrap();
    let lock = Lock::open(&client, &name).unwrap();
    let _g = lock.lock().unwrap();
    assert!(lock.is_locked().unwrap());
    let t = Instant::now();
    assert!(lock.lock_until(Instant::now()).unwrap().is_none());
    assert!(lock.lock_for(Duration::ZERO).unwrap().is_none());
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "zero timeouts are one try"
    );
    let t = Instant::now();
    assert!(lock.lock_for(Duration::from_millis(300)).unwrap().is_none());
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "waits its timeout"
    );
}

#[test]
fn semaphore_admits_n_holders_and_a_release_wakes_a_waiter() {
    let (url, _g) = server!("sem");
    let name = unique("sem");
    let client = Client::open(&url).unwrap();
    let s = Semaphore::open(&client, &name, 3).unwrap();
    assert_eq!(
        Semaphore::open(&client, &name, 4).unwrap_err().kind(),
        ErrorKind::Mismatch
    );
    let peak = Arc::new(AtomicUsize::new(0));
    let now = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (url, name, peak, now) = (url.clone(), name.clone(), peak.clone(), now.clone());
            std::thread::spawn(move || {
                let s = Semaphore::open(&Client::open(&url).unwrap(), &name, 3).unwrap();
                for _ in 0..10 {
                    let p = s.acquire().unwrap();
                    let n = now.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(n, SeqCst);
                    std::thread::sleep(Duration::from_millis(2));
                    now.fetch_sub(1, SeqCst);
                    assert!(p.release().unwrap());
                }
            })
        })
        .collect();
    within("semaphore", Duration::from_secs(60), move || {
        for t in threads {
            t.join().unwrap();
        }
    });
    assert!(
        peak.load(SeqCst) <= 3,
        "at most 3 holders at once, saw {}",
        peak.load(SeqCst)
    );
    assert_eq!(s.available_permits().unwrap(), 3);
}

#[test]
fn a_dead_holders_permit_comes_back_when_its_lease_ends() {
    let (url, _g) = server!("sem-lease");
    let name = unique("sem-lease");
    let client = Client::open(&url).unwrap();
    let s = Semaphore::open(&client, &name, 1)
        .unwrap()
        .with_lease(Duration::from_millis(400));
    std::mem::forget(s.acquire().unwrap());
    assert!(s.try_acquire().unwrap().is_none());
    assert!(s.acquire_until(Instant::now()).unwrap().is_none());
    let t = Instant::now();
    let p = s.acquire_for(Duration::from_secs(10)).unwrap();
    assert!(p.is_some(), "the expired lease frees the permit");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "woken at the lease's end"
    );
}

#[test]
fn event_set_wakes_every_waiter_in_every_client() {
    let (url, _g) = server!("event");
    let name = unique("event");
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let (url, name) = (url.clone(), name.clone());
            std::thread::spawn(move || {
                let e = Event::open(&Client::open(&url).unwrap(), &name).unwrap();
                let t = Instant::now();
                let r = e.wait_for(Duration::from_secs(30)).unwrap();
                (r, t.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let e = Event::open(&Client::open(&url).unwrap(), &name).unwrap();
    e.set().unwrap();
    let results = within("event waiters", Duration::from_secs(20), move || {
        waiters
            .into_iter()
            .map(|w| w.join().unwrap())
            .collect::<Vec<_>>()
    });
    for (r, waited) in results {
        assert!(r, "every waiter sees the set");
        assert!(
            waited < Duration::from_secs(4),
            "woken by the set, not by a chunk timeout ({waited:?})"
        );
    }
}

#[test]
fn event_set_then_clear_still_ends_a_wait_and_timeouts_report_false() {
    let (url, _g) = server!("event-clear");
    let name = unique("event-clear");
    let client = Client::open(&url).unwrap();
    let e = Event::open(&client, &name).unwrap();
    assert!(!e.is_set().unwrap());
    assert!(!e.wait_for(Duration::ZERO).unwrap());
    assert!(!e.wait_until(Instant::now()).unwrap());
    let t = Instant::now();
    assert!(!e.wait_for(Duration::from_millis(300)).unwrap());
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "waits its timeout"
    );

    let waiter = {
        let (url, name) = (url.clone(), name.clone());
        std::thread::spawn(move || {
            let e = Event::open(&Client::open(&url).unwrap(), &name).unwrap();
            e.wait_for(Duration::from_secs(30)).unwrap()
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    e.set().unwrap();
    e.clear().unwrap();
    let r = within(
        "waiter after set+clear",
        Duration::from_secs(20),
        move || waiter.join().unwrap(),
    );
    assert!(
        r,
        "a set during the wait ends it even if cleared at once (Python's Event)"
    );
    assert!(!e.is_set().unwrap());
    e.set().unwrap();
    e.wait().unwrap();
}
