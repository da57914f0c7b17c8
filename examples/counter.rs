//! `cargo run --example counter`: one program of the tour (see examples/tour.rs).

#[path = "programs/counter.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
