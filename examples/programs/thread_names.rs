//! Python: `threading.local()`: each worker keeps its own name in one shared object.
//!
//! ```python
//! mydata = threading.local()
//! def worker(n):
//!     mydata.name = f"worker-{n}"
//!     assert mydata.name == f"worker-{n}"
//! ```

use weftsync::ThreadLocal;

pub const NAME: &str = "thread_local: 4 workers, each with its own name in one ThreadLocal";

pub fn run() -> Result<String, String> {
    let names: ThreadLocal<String> = ThreadLocal::new();
    let mut ok = true;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|n| {
                let names = &names;
                s.spawn(move || {
                    let mine = format!("worker-{n}");
                    let fresh = names.get().is_none(); // a new thread starts without a name
                    names.get_or(|| mine.clone());
                    fresh && (0..1_000).all(|_| names.get() == Some(&mine))
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
    let want: Vec<String> = (0..4).map(|n| format!("worker-{n}")).collect();
    let line = format!("names: {}", all.join(", "));
    if ok && all == want {
        Ok(line)
    } else {
        Err(format!(
            "{line}: a thread saw another's name, or a name was lost"
        ))
    }
}
