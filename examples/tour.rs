//! The tour: the programs Python users know from `threading`, `queue` and `multiprocessing`
//! tutorials, rewritten with weftsync, run one after another. Each prints a short result that it
//! also checks; the tour exits non-zero if any result is wrong.
//!
//! `cargo run --example tour` (each program is also its own example, e.g.
//! `cargo run --example counter`). The `process_*` programs start child processes of this same
//! executable (`weftsync::process`), which run an entry point and exit.

mod programs;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    // A child process started by one of the process programs runs its entry point and exits.
    standalone::run_entry_if_child(&programs::entries());
    if cfg!(any(feature = "loom", feature = "shuttle")) {
        eprintln!("the tour runs on real threads: build it without the checker features");
        return;
    }
    let started = std::time::Instant::now();
    let mut failed = 0;
    for (name, run) in programs::ALL {
        let t = std::time::Instant::now();
        match run() {
            Ok(line) => println!("ok   {name}\n     {line}  [{:.0?}]", t.elapsed()),
            Err(why) => {
                failed += 1;
                println!("FAIL {name}\n     {why}");
            }
        }
    }
    println!(
        "{} programs, {failed} failed, in {:.1?}",
        programs::ALL.len(),
        started.elapsed()
    );
    // The distributed master/worker program needs a Redis server and its own crate.
    println!(
        "beyond one machine: `cargo run -p weftsync-redis --example master_worker` \
         (docs/distributed.md)"
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
