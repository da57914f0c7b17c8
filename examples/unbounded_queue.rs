//! `cargo run --example unbounded_queue`: one program of the tour (see examples/tour.rs).

#[path = "programs/unbounded_queue.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
