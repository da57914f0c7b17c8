//! Turns fuzz bytes into per-thread operation lists.

/// Most threads a script runs.
pub const MAX_THREADS: usize = 4;
/// Most operations one thread runs, so every input finishes quickly.
pub const MAX_OPS: usize = 48;

/// Splits `data` into 1–4 threads' op bytes: the first byte picks the thread count, then bytes
/// are dealt round-robin. Each op byte is left for the harness to interpret (`byte % n_ops`).
pub fn threads(data: &[u8]) -> Vec<Vec<u8>> {
    let Some((&first, rest)) = data.split_first() else {
        return vec![Vec::new()];
    };
    let n = 1 + usize::from(first) % MAX_THREADS;
    let mut out = vec![Vec::new(); n];
    for (i, &b) in rest.iter().enumerate() {
        let ops = &mut out[i % n];
        if ops.len() < MAX_OPS {
            ops.push(b);
        }
    }
    out
}

/// Runs one closure per thread's op list on scoped threads and returns their results in order.
pub fn run_threads<R: Send>(
    scripts: &[Vec<u8>],
    body: impl Fn(usize, &[u8]) -> R + Sync,
) -> Vec<R> {
    std::thread::scope(|s| {
        let handles: Vec<_> = scripts
            .iter()
            .enumerate()
            .map(|(i, ops)| {
                let body = &body;
                s.spawn(move || body(i, ops))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("fuzz thread panicked"))
            .collect()
    })
}
