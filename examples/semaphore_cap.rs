//! `cargo run --example semaphore_cap`: one program of the tour (see examples/tour.rs).

#[path = "programs/semaphore_cap.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
