//! The data directory's write-ahead log stays small: SQLite reads every valid frame of a log
//! left behind when it opens the database again, so a large import followed by a kill must not
//! leave a log that each later start reads again.

mod process;

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{Emulator as InProcess, JobSpeed, router};
use process::Emulator;
use tower::ServiceExt;

/// Enough finished jobs for a state export of several MiB (more than the log kept at start).
const JOBS: usize = 1500;

/// The most a log may hold once a start is ready (the emulator empties a longer one).
const SMALL_LOG: u64 = 4 * 1024 * 1024;

/// A state export of [`JOBS`] finished jobs, written to `path`.
fn big_export(path: &Path) {
    let emulator = InProcess::builder().jobs(JobSpeed::Instant).build();
    let app = router(emulator.clone());
    let body = format!(
        r#"{{"baseModel":"gemini-2.5-flash","supervisedTuningSpec":{{"trainingDatasetUri":"{SAMPLE_TRAIN_URI}"}}}}"#
    );
    process::runtime().block_on(async {
        for _ in 0..JOBS {
            let request = Request::post("/v1/projects/p/locations/us-central1/tuningJobs")
                .header("content-type", "application/json")
                .body(Body::from(body.clone()))
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
    });
    std::fs::write(path, emulator.export_state_json()).unwrap();
}

fn log_len(dir: &Path) -> u64 {
    std::fs::metadata(dir.join("state.sqlite3-wal")).map_or(0, |m| m.len())
}

#[test]
fn a_start_after_a_killed_big_import_reads_no_big_log_and_a_stop_leaves_none() {
    let temp = tempfile::tempdir().unwrap();
    let export = temp.path().join("export.json");
    big_export(&export);
    let dir = temp.path().join("data");
    let import = ["--jobs", "instant", "--import", export.to_str().unwrap()];
    // Killed as soon as it is ready: the import's whole transaction may still be in the log.
    Emulator::start(&dir, &import).kill();

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let len = log_len(&dir);
    assert!(len <= SMALL_LOG, "the log holds {len} bytes once ready");
    emulator.kill();

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    assert!(emulator.stop().success());
    assert_eq!(log_len(&dir), 0, "a stopped emulator leaves an empty log");
}
