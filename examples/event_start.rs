//! `cargo run --example event_start`: one program of the tour (see examples/tour.rs).

#[path = "programs/event_start.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
