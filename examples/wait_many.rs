//! `cargo run --example wait_many`: one program of the tour (see examples/tour.rs).

#[path = "programs/wait_many.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
