//! `cargo run --example echo_server`: one program of the tour (see examples/tour.rs).

#[path = "programs/echo_server.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main(program::NAME, program::run);
}
