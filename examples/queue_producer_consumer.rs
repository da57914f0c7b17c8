//! `cargo run --example queue_producer_consumer`: one program of the tour (see examples/tour.rs).

#[path = "programs/queue_producer_consumer.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
