//! Running the official Node.js clients' conformance scripts (`tests/node/*.js`) from Rust tests.
//!
//! The clients are installed by `scripts/node-env.sh` (`npm ci` on the committed lock) into
//! `target/node-env`; `cargo xtask test` runs it first. The scripts report like the Python ones
//! (one `ok`/`FAIL` line per check, then `N passed, M failed`), so a run is judged by
//! [`crate::python::ScriptRun::check_passed`]. A test that finds no Node.js or no installed
//! clients fails with a message saying how to get them, so a missing environment never passes.

use std::path::{Path, PathBuf};

use crate::python::workspace_root;

/// The `node_modules` directory `scripts/node-env.sh` fills.
pub fn node_modules() -> PathBuf {
    workspace_root().join("target/node-env/node_modules")
}

/// The path of a script in `tests/node/`.
pub fn script_path(file_name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("node")
        .join(file_name)
}

/// The `node` binary on `PATH` and the installed clients; without them, panics with how to get
/// them (the test fails, visibly).
#[track_caller]
pub fn require_node_env() -> (PathBuf, PathBuf) {
    let node = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("node"))
            .find(|candidate| candidate.is_file())
    });
    let modules = node_modules();
    match node {
        Some(node) if modules.join("@google-cloud/aiplatform").is_dir() => (node, modules),
        Some(_) => panic!(
            "no Node.js clients in {}: this test runs @google-cloud/aiplatform and did not run. \
             Install them with `cargo xtask test` (which then runs every test) or \
             `scripts/node-env.sh` (npm and the npm registry)",
            modules.display()
        ),
        None => panic!(
            "no `node` on PATH: this test runs the Node.js clients and did not run. Install \
             Node.js 18+ and npm (`apt-get install nodejs npm`), then `scripts/node-env.sh`"
        ),
    }
}
