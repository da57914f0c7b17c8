//! `cargo run --example pipe_parent_child`: one program of the tour (see examples/tour.rs).

#[path = "programs/pipe_parent_child.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
