//! Placeholder until the event primitive lands.

pub fn run(_data: &[u8]) {}
