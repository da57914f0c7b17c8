//! `cargo run --example timer_cancel`: one program of the tour (see examples/tour.rs).

#[path = "programs/timer_cancel.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
