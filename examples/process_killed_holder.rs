//! `cargo run --example process_killed_holder`: one program of the tour (see examples/tour.rs); it starts child
//! processes of itself.

#[path = "programs/process_killed_holder.rs"]
mod program;
#[path = "programs/standalone.rs"]
mod standalone;

fn main() {
    standalone::main_with_entries(program::NAME, program::run, program::ENTRIES);
}
