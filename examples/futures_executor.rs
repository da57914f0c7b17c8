//! `cargo run --example futures_executor`: one program of the tour (see examples/tour.rs).

#[path = "programs/futures_executor.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
