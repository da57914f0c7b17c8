//! Python's `threading.local()` tour program: each worker keeps its own name in one shared
//! `ThreadLocal`, reads it back many times, and the main thread lists every name at the end.
//!
//! ```python
//! mydata = threading.local()
//! def worker(n):
//!     mydata.name = f"worker-{n}"
//!     assert mydata.name == f"worker-{n}"
//! ```
//!
//! `cargo run --example thread_names` prints the names, one per line, and exits non-zero if a
//! thread ever saw another thread's name.

#[cfg(not(any(feature = "loom", feature = "shuttle")))]
fn main() {
    use weftsync::ThreadLocal;

    let names: ThreadLocal<String> = ThreadLocal::new();
    let mut ok = true;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|n| {
                let names = &names;
                s.spawn(move || {
                    let mine = format!("worker-{n}");
                    assert!(names.get().is_none(), "a new thread starts without a name");
                    names.get_or(|| mine.clone());
                    (0..1_000).all(|_| names.get() == Some(&mine))
                })
            })
            .collect();
        for h in handles {
            ok &= h.join().unwrap_or(false);
        }
    });
    // Exited threads' values are kept until the ThreadLocal is dropped or cleared.
    let mut all: Vec<String> = names.into_iter().collect();
    all.sort();
    for name in &all {
        println!("{name}");
    }
    let want: Vec<String> = (0..4).map(|n| format!("worker-{n}")).collect();
    if !ok || all != want {
        eprintln!("FAILED: a thread saw another thread's name, or a name was lost: {all:?}");
        std::process::exit(1);
    }
    println!("ok: 4 threads, each saw only its own name");
}

#[cfg(any(feature = "loom", feature = "shuttle"))]
fn main() {
    eprintln!("examples are compiled out under the model-checker features");
}
