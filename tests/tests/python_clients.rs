//! The official Python clients (google-genai, google-cloud-aiplatform's REST and gRPC transports,
//! google-cloud-storage) against a real emulator over TCP.
//!
//! Each test starts its own server in this process on a free loopback port and runs one script of
//! `tests/python/` with `RETUNE_EMULATOR_URL` and `STORAGE_EMULATOR_HOST` pointing at it: the
//! whole emulator (the router and server the `mock-vertex` binary runs) with instant jobs, or the
//! Cloud Storage router alone over each object store backend. The clients talk real HTTP to it.
//!
//! The interpreter is `RETUNE_PYTHON` or `target/python-venv/bin/python`, made by
//! `scripts/python-env.sh` (which `cargo xtask test` runs first). Without it a test fails and says
//! how to create it. A script passes only when exactly the number of checks below passed, and is
//! killed (the test fails) if it runs longer than `SCRIPT_TIMEOUT`.

use std::path::Path;

use mock_vertex::storage::{ObjectStore, gcs_router};
use mock_vertex::{JobSpeed, MockVertex};
use retune_tests::python::{
    EMULATOR_URL_ENV_VAR, SCRIPT_TIMEOUT, ScriptRun, python_env, run_script, script_path,
};

/// Checks in `genai_conformance.py`: 16 per API version, under v1beta1 and v1.
const GENAI_CHECKS: u32 = 32;
/// Checks in `genai_generate.py`: 15 per API version, under v1beta1 and v1.
const GENAI_GENERATE_CHECKS: u32 = 30;
/// Checks in `aiplatform_conformance.py`: 16 per module, `aiplatform_v1beta1` and `aiplatform_v1`.
const AIPLATFORM_CHECKS: u32 = 32;
/// Checks in `aiplatform_grpc_conformance.py`: 18 per module, `aiplatform_v1beta1` and
/// `aiplatform_v1`.
const AIPLATFORM_GRPC_CHECKS: u32 = 36;
/// Checks in `preference_conformance.py`: 8 per API version, under v1beta1 and v1.
const PREFERENCE_CHECKS: u32 = 16;
/// Checks in `gcs_conformance.py`.
const GCS_CHECKS: u32 = 10;

/// Runs `tests/python/{file_name}` with the emulator at `url`; panics when there is no Python
/// environment or the script cannot start.
fn run_python_script(file_name: &str, url: &str) -> ScriptRun {
    let python = python_env().require();
    let script = script_path(file_name);
    assert!(
        script.is_file(),
        "missing conformance script {}",
        script.display()
    );
    let run = run_script(
        &python,
        &script,
        &[(EMULATOR_URL_ENV_VAR, url), ("STORAGE_EMULATOR_HOST", url)],
        SCRIPT_TIMEOUT,
    )
    .unwrap_or_else(|err| {
        panic!(
            "cannot run {} with {}: {err}",
            script.display(),
            python.display()
        )
    });
    // The script's output is shown with --nocapture and on failure.
    println!("{}", run.report());
    run
}

/// Runs `tests/python/{file_name}` against a fresh emulator with instant jobs.
fn run_against_emulator(file_name: &str) -> ScriptRun {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let server = runtime
        .block_on(MockVertex::builder().jobs(JobSpeed::Instant).start())
        .expect("the emulator starts on a loopback port");
    let run = run_python_script(file_name, &server.base_url());
    drop(server);
    run
}

/// Runs `gcs_conformance.py` against the Cloud Storage router alone, over `store`.
fn run_against_storage(store: ObjectStore) -> ScriptRun {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let address = listener.local_addr().expect("the listener's address");
    let server = runtime.spawn(async move { axum::serve(listener, gcs_router(store)).await });
    let run = run_python_script("gcs_conformance.py", &format!("http://{address}"));
    server.abort();
    run
}

#[test]
fn google_genai_sdk_tunes_continues_cancels_and_lists_against_emulator() {
    run_against_emulator("genai_conformance.py").assert_passed(GENAI_CHECKS);
}

#[test]
fn google_genai_sdk_calls_tuned_endpoints_checkpoints_and_base_models_against_emulator() {
    run_against_emulator("genai_generate.py").assert_passed(GENAI_GENERATE_CHECKS);
}

#[test]
fn google_genai_sdk_preference_tunes_continues_an_sft_model_and_fails_bad_data_against_emulator() {
    run_against_emulator("preference_conformance.py").assert_passed(PREFERENCE_CHECKS);
}

#[test]
fn google_cloud_aiplatform_rest_clients_tune_cancel_and_manage_versions_against_emulator() {
    run_against_emulator("aiplatform_conformance.py").assert_passed(AIPLATFORM_CHECKS);
}

#[test]
fn google_cloud_aiplatform_grpc_clients_tune_cancel_and_manage_versions_on_the_same_port() {
    run_against_emulator("aiplatform_grpc_conformance.py").assert_passed(AIPLATFORM_GRPC_CHECKS);
}

#[test]
fn google_cloud_storage_client_round_trips_objects_against_emulator() {
    run_against_emulator("gcs_conformance.py").assert_passed(GCS_CHECKS);
}

#[test]
fn google_cloud_storage_client_round_trips_objects_on_the_in_memory_store() {
    run_against_storage(ObjectStore::with_samples()).assert_passed(GCS_CHECKS);
}

#[test]
fn google_cloud_storage_client_round_trips_objects_on_a_directory_store() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    run_against_storage(ObjectStore::directory(dir.path())).assert_passed(GCS_CHECKS);
    assert!(
        Path::new(dir.path())
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some()),
        "the script's buckets were not written under {}",
        dir.path().display()
    );
}
