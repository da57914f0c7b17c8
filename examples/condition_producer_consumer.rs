//! `cargo run --example condition_producer_consumer`: one program of the tour (see examples/tour.rs).

#[path = "programs/condition_producer_consumer.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
