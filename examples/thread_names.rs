//! `cargo run --example thread_names`: one program of the tour (see examples/tour.rs).

#[path = "programs/thread_names.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
