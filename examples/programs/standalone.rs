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
