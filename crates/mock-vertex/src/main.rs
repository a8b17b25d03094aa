//! The `mock-vertex` server binary.

fn main() {}
