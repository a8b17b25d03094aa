//! `tests/consumer`, a crate outside the workspace that uses `retune-client` as a dependent
//! crate would (prelude imports only, no `parse()` of anything the client returned), builds
//! offline and runs its recipe against the emulator, in process and over HTTP, then the README's
//! library snippet as pasted.
//!
//! It builds into this workspace's target directory, so a warm run compiles only the consumer.

use std::path::PathBuf;
use std::process::Command;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("tests/ has a parent"))
}

#[test]
fn the_consumer_crate_runs_the_recipe_against_the_emulator() {
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["run", "--quiet", "--offline", "--manifest-path"])
        .arg(root.join("tests/consumer/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the consumer failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    for line in ["in process: ok", "over HTTP: ok", "README snippet: ok"] {
        assert!(
            stdout.lines().any(|l| l.starts_with(line)),
            "the consumer did not print {line:?}:\n{stdout}"
        );
    }
}
