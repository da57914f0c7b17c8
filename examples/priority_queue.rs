//! `cargo run --example priority_queue`: one program of the tour (see examples/tour.rs).

#[path = "programs/priority_queue.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
