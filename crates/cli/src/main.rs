//! The `retune` command.

fn main() {}
