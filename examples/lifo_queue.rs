//! `cargo run --example lifo_queue`: one program of the tour (see examples/tour.rs).

#[path = "programs/lifo_queue.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
