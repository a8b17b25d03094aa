//! Lifts the library snippet out of the root README, so the consumer runs exactly what a reader
//! pastes: the ` ```rust,no_run ` block of the README's "The library" paragraph, with its
//! `#[tokio::main] async fn main` turned into `readme_main` and the emulator address it hard-codes
//! (`http://127.0.0.1:8080`) replaced by the address of the emulator the consumer started.

use std::path::PathBuf;

const README: &str = "../../README.md";
const EMULATOR_ADDRESS: &str = "\"http://127.0.0.1:8080\"";

fn main() {
    println!("cargo::rerun-if-changed={README}");
    let readme = std::fs::read_to_string(README).expect("the root README is readable");
    let snippet = library_snippet(&readme);
    assert!(
        snippet.contains(EMULATOR_ADDRESS),
        "the README's library snippet no longer talks to {EMULATOR_ADDRESS}"
    );
    assert!(
        snippet.contains("#[tokio::main]\nasync fn main()"),
        "the README's library snippet no longer has `#[tokio::main] async fn main()`"
    );
    let adapted = snippet
        .replace(EMULATOR_ADDRESS, "crate::readme_emulator_url()")
        .replace("#[tokio::main]\nasync fn main()", "pub async fn readme_main()");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("readme_snippet.rs"), adapted).expect("OUT_DIR is writable");
}

/// The first ` ```rust ` block after the README's "**The library.**" paragraph starts.
fn library_snippet(readme: &str) -> String {
    let section = readme
        .split_once("**The library.**")
        .map(|(_, rest)| rest)
        .expect("the README has a **The library.** paragraph");
    let (_, from_fence) = section
        .split_once("```rust")
        .expect("the library paragraph has a rust block");
    let (_, body) = from_fence.split_once('\n').expect("the fence line ends");
    let (code, _) = body.split_once("\n```").expect("the rust block is closed");
    code.to_owned()
}
