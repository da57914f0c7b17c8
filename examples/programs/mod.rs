//! The tour's programs, one module each; every standalone example includes its own module.
//! Each `run()` returns the line it prints, or an error saying what came out wrong.

pub mod counter;

/// Every program, in tour order.
pub const ALL: &[(&str, fn() -> Result<String, String>)] = &[(counter::NAME, counter::run)];
