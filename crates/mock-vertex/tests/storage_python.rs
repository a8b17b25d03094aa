//! The GCS JSON API driven over TCP by the official `google-cloud-storage` Python client.
//!
//! Runs `tests/python/gcs_conformance.py` against `gcs_router` over each backend. The interpreter
//! is `RETUNE_PYTHON`, else `target/python-venv/bin/python` (made by `scripts/python-env.sh`), as
//! for the workspace's other conformance scripts. Without one the tests fail under CI and say
//! loudly that they skipped elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use mock_vertex::storage::{ObjectStore, gcs_router};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("RETUNE_PYTHON")
        .filter(|v| !v.is_empty())
        .map_or_else(
            || workspace_root().join("target/python-venv/bin/python"),
            PathBuf::from,
        );
    if candidate.is_file() {
        return Some(candidate);
    }
    let message = format!(
        "no Python environment at {}: run scripts/python-env.sh (or set RETUNE_PYTHON)",
        candidate.display()
    );
    let in_ci = std::env::var("CI").is_ok_and(|v| !matches!(v.as_str(), "" | "0" | "false"));
    assert!(!in_ci, "{message}");
    eprintln!("\n*** SKIPPED gcs_conformance.py: {message} ***\n");
    None
}

/// Serves `store` on a port-0 listener and runs the conformance script against it.
async fn run_conformance_script(python: PathBuf, store: ObjectStore) -> TestResult {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, gcs_router(store)).await });
    let script = workspace_root().join("tests/python/gcs_conformance.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("STORAGE_EMULATOR_HOST", format!("http://{address}"))
            .env("PYTHONUNBUFFERED", "1")
            .stdin(std::process::Stdio::null())
            .output()
    })
    .await??;
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success() && stdout.contains(" passed, 0 failed"),
        "conformance script failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_client_passes_the_conformance_script_in_memory() -> TestResult {
    let Some(python) = python() else {
        return Ok(());
    };
    run_conformance_script(python, ObjectStore::with_samples()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_python_client_passes_the_conformance_script_on_a_directory() -> TestResult {
    let Some(python) = python() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    run_conformance_script(python, ObjectStore::directory(dir.path())).await
}
