//! `cargo run --example worker_pool`: one program of the tour (see examples/tour.rs).

#[path = "programs/worker_pool.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
