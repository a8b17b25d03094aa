//! `retune emulator snapshot save|list|load|delete` through the real binary against a running
//! emulator: a saved state comes back on load, a deleted snapshot is gone, and loading one that
//! does not exist is a one-line refusal with a non-zero exit.

use assert_cmd::Command;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{JobSpeed, MockVertex};
use serde_json::{Value, json};

const JOBS: &str = "v1/projects/p1/locations/us-central1/tuningJobs";

struct Running {
    server: MockVertex,
    runtime: tokio::runtime::Runtime,
    _snapshots: tempfile::TempDir,
}

impl Running {
    fn start() -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let snapshots = tempfile::tempdir().expect("a snapshot directory");
        let server = runtime
            .block_on(
                MockVertex::builder()
                    .jobs(JobSpeed::Instant)
                    .snapshot_dir(snapshots.path())
                    .start(),
            )
            .expect("the emulator starts");
        Running {
            server,
            runtime,
            _snapshots: snapshots,
        }
    }

    /// `retune emulator snapshot ARGS --endpoint <the emulator>`: its exit, stdout and stderr.
    fn snapshot(&self, args: &[&str]) -> (bool, String, String) {
        let output = Command::cargo_bin("retune")
            .expect("the retune binary is built")
            .args(["emulator", "snapshot"])
            .args(args)
            .args(["--endpoint", &self.server.base_url()])
            .output()
            .expect("retune runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn job_count(&self) -> usize {
        let url = format!("{}/{JOBS}", self.server.base_url());
        let answer: Value = self.runtime.block_on(async {
            reqwest::get(&url)
                .await
                .expect("the emulator answers")
                .json()
                .await
                .expect("JSON")
        });
        answer["tuningJobs"].as_array().map_or(0, Vec::len)
    }

    fn create_job(&self) {
        let url = format!("{}/{JOBS}", self.server.base_url());
        let body = json!({
            "baseModel": "gemini-2.5-flash",
            "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
        });
        let status = self.runtime.block_on(async {
            reqwest::Client::new()
                .post(&url)
                .json(&body)
                .send()
                .await
                .expect("the emulator answers")
                .status()
        });
        assert!(status.is_success(), "create answered {status}");
    }
}

#[test]
fn a_saved_snapshot_is_listed_loaded_back_and_deleted() {
    let emulator = Running::start();
    emulator.create_job();
    let (ok, out, err) = emulator.snapshot(&["save", "one-job"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("Saved snapshot one-job ("), "{out}");

    let (ok, out, err) = emulator.snapshot(&["list"]);
    assert!(ok, "{err}");
    assert!(out.lines().any(|l| l.starts_with("one-job\t")), "{out}");

    emulator.create_job();
    assert_eq!(emulator.job_count(), 2);
    let (ok, out, err) = emulator.snapshot(&["load", "one-job"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "Loaded snapshot one-job");
    assert_eq!(emulator.job_count(), 1, "the state as it was saved");

    let (ok, out, err) = emulator.snapshot(&["delete", "one-job"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "Deleted snapshot one-job");
    let (ok, out, _) = emulator.snapshot(&["list"]);
    assert!(ok);
    assert!(!out.contains("one-job"), "{out}");
}

#[test]
fn loading_a_snapshot_that_does_not_exist_is_a_one_line_refusal() {
    let emulator = Running::start();
    let (ok, out, err) = emulator.snapshot(&["load", "never-saved"]);
    assert!(!ok, "loading a missing snapshot succeeded: {out}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("never-saved"), "{err}");
}
