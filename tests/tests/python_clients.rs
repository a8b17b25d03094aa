//! The official Python clients (google-genai, google-cloud-aiplatform's REST transport,
//! google-cloud-storage) against a real emulator over TCP.
//!
//! Each test starts its own emulator in this process on a free loopback port with instant jobs
//! (the same router and server the `mock-vertex` binary runs; the clients talk real HTTP to it)
//! and runs one script of `tests/python/` with `RETUNE_EMULATOR_URL` and `STORAGE_EMULATOR_HOST`
//! pointing at it. The interpreter is `RETUNE_PYTHON` or `target/python-venv/bin/python`, made by
//! `scripts/python-env.sh`. Without it the tests fail under CI and are skipped loudly elsewhere.

use std::io::Write;

use mock_vertex::{JobSpeed, MockVertex};
use retune_tests::python::{
    EMULATOR_URL_ENV_VAR, PythonEnv, ScriptRun, python_env, run_script, running_in_ci, script_path,
};

/// Runs `tests/python/{file_name}` against a fresh emulator, or returns `None` when the Python
/// environment is missing outside CI.
fn run_against_emulator(file_name: &str) -> Option<ScriptRun> {
    let python = match python_env() {
        PythonEnv::Ready(python) => python,
        PythonEnv::Missing { looked_at } => {
            let message = format!(
                "no Python environment at {}: run scripts/python-env.sh (or set RETUNE_PYTHON) \
                 to create it",
                looked_at.display()
            );
            assert!(!running_in_ci(), "{message}");
            // Straight to the process's stderr: the test harness captures eprintln!.
            let _ = writeln!(
                std::io::stderr().lock(),
                "\n*** SKIPPED {file_name}: {message} ***\n"
            );
            return None;
        }
    };
    let script = script_path(file_name);
    assert!(
        script.is_file(),
        "missing conformance script {}",
        script.display()
    );

    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let server = runtime
        .block_on(MockVertex::builder().jobs(JobSpeed::Instant).start())
        .expect("the emulator starts on a loopback port");
    let url = server.base_url();
    let run = run_script(
        &python,
        &script,
        &[
            (EMULATOR_URL_ENV_VAR, &url),
            ("STORAGE_EMULATOR_HOST", &url),
        ],
    )
    .unwrap_or_else(|err| {
        panic!(
            "cannot run {} with {}: {err}",
            script.display(),
            python.display()
        )
    });
    drop(server);
    // The script's output is shown with --nocapture and on failure.
    println!("{}", run.report());
    Some(run)
}

/// Asserts a check script succeeded and ran checks, none of which failed.
fn assert_all_checks_passed(run: &ScriptRun) {
    assert!(run.succeeded(), "{}", run.report());
    match run.summary() {
        Some((passed, 0)) if passed > 0 => {}
        other => panic!(
            "expected 'N passed, 0 failed' with N > 0, got {other:?}\n{}",
            run.report()
        ),
    }
}

#[test]
fn google_genai_sdk_tunes_continues_and_lists_against_emulator() {
    if let Some(run) = run_against_emulator("genai_conformance.py") {
        assert_all_checks_passed(&run);
    }
}

#[test]
fn google_cloud_aiplatform_rest_clients_tune_and_manage_versions_against_emulator() {
    if let Some(run) = run_against_emulator("aiplatform_conformance.py") {
        assert_all_checks_passed(&run);
    }
}

#[test]
fn google_cloud_storage_client_round_trips_objects_against_emulator() {
    if let Some(run) = run_against_emulator("gcs_conformance.py") {
        assert_all_checks_passed(&run);
    }
}
