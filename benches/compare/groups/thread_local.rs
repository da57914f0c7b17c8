//! Placeholder until the thread_local benchmark lands.

use crate::harness::Report;

pub fn run(_r: &mut Report) {}
