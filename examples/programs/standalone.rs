//! `main` for a program run on its own (`cargo run --example <name>`).

/// Runs one program, prints its result, exits non-zero if the result is wrong.
pub fn main(name: &str, run: fn() -> Result<String, String>) {
    if cfg!(any(feature = "loom", feature = "shuttle")) {
        eprintln!("{name}: runs on real threads; build it without the checker features");
        return;
    }
    match run() {
        Ok(line) => println!("{name}\n{line}"),
        Err(why) => {
            eprintln!("{name}\nFAIL: {why}");
            std::process::exit(1);
        }
    }
}

/// An entry point a program starts as a child process of itself (`weftsync::process::Builder`).
pub type Entry = (&'static str, fn() -> Result<(), String>);

/// [`main`] for a program that starts child processes of itself: in a child (started for one of
/// `entries`), runs that entry point and exits; otherwise runs the program.
#[allow(dead_code)]
pub fn main_with_entries(name: &str, run: fn() -> Result<String, String>, entries: &[Entry]) {
    run_entry_if_child(entries);
    main(name, run);
}

/// If this process was started for one of `entries`, runs it and exits (non-zero on failure).
#[allow(dead_code)]
pub fn run_entry_if_child(entries: &[Entry]) {
    let Some(entry) = weftsync::process::entry() else {
        return;
    };
    match entries.iter().find(|(name, _)| *name == entry) {
        Some((_, body)) => match body() {
            Ok(()) => std::process::exit(0),
            Err(why) => {
                eprintln!("entry point {entry}: {why}");
                std::process::exit(1);
            }
        },
        None => {
            eprintln!("no entry point {entry:?} in this program");
            std::process::exit(2);
        }
    }
}
