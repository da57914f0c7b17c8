//! `cargo run --example barrier_phases`: one program of the tour (see examples/tour.rs).

#[path = "programs/barrier_phases.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
