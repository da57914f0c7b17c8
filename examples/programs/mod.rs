//! The tour's programs, one module each; every standalone example includes its own module.
//! Each `run()` returns the line it prints, or an error saying what came out wrong.

pub mod counter;

/// A program: its title, and its body returning the checked result line.
pub type Program = (&'static str, fn() -> Result<String, String>);

/// Every program, in tour order.
pub const ALL: &[Program] = &[(counter::NAME, counter::run)];
