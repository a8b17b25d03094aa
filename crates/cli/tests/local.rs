//! The real `retune` binary on commands that need no service: help, usage errors and their exit
//! codes, `dataset validate` and `completions`.

use assert_cmd::Command;
use predicates::prelude::*;

/// `retune` with no Google Cloud settings inherited from the environment.
fn retune() -> Command {
    let mut cmd = Command::cargo_bin("retune").expect("the retune binary is built");
    for var in [
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
        "GOOGLE_VERTEX_BASE_URL",
        "RETUNE_ACCESS_TOKEN",
        "RUST_LOG",
        "CLOUDSDK_CORE_PROJECT",
        "CLOUDSDK_AI_REGION",
        "CLOUDSDK_COMPUTE_REGION",
        "CLOUDSDK_ACTIVE_CONFIG_NAME",
    ] {
        cmd.env_remove(var);
    }
    // No gcloud configuration either.
    cmd.env("CLOUDSDK_CONFIG", "/nonexistent/gcloud");
    cmd
}

const GOOD: &str = r#"{"contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]}, {"role": "model", "parts": [{"text": "4"}]}]}"#;
const NO_MODEL_TURN: &str =
    r#"{"contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]}]}"#;

fn file_with(lines: &[&str]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), lines.join("\n") + "\n").expect("written");
    file
}

#[test]
fn help_documents_every_exit_code() {
    let assert = retune().arg("--help").assert().success();
    let help = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for line in [
        "0    success",
        "2    usage error",
        "3    refused",
        "4    the tuning job failed, was cancelled or expired",
        "5    the service (or the network) returned an error",
        "6    gave up waiting (--timeout): the job is still running",
        "130  interrupted (Ctrl-C)",
    ] {
        assert!(help.contains(line), "--help lacks {line:?}:\n{help}");
    }
    assert!(help.contains("quickstart"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    retune()
        .args(["jobs", "list", "--bogus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--bogus"));
}

#[test]
fn remote_command_without_project_says_how_to_set_one() {
    retune()
        .args(["jobs", "list"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "error: no project given: pass --project PROJECT, set GOOGLE_CLOUD_PROJECT, or run `gcloud config set project PROJECT`\n",
        );
}

#[test]
fn malformed_model_reference_is_a_one_line_usage_error() {
    let assert = retune()
        .args([
            "--project",
            "p",
            "models",
            "get",
            "projects/p/locations/us-central1/models/9@Gold",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: invalid model reference"),
        "{stderr}"
    );
    assert!(
        stderr.contains("version alias must start with a lowercase letter"),
        "{stderr}"
    );
}

#[test]
fn short_model_reference_with_two_selectors_is_rejected() {
    retune()
        .args([
            "--project",
            "p",
            "continue",
            "9@1@2",
            "--train",
            "gs://bucket/t.jsonl",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: invalid version selector",
        ));
}

#[test]
fn bad_label_kms_key_and_dataset_uri_are_usage_errors() {
    let base = ["--project", "p", "tune", "--base-model", "gemini-2.5-flash"];
    retune()
        .args(base)
        .args(["--train", "gs://bucket/t.jsonl", "--label", "Team=nlp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--label \"Team=nlp\""));
    retune()
        .args(base)
        .args(["--train", "gs://bucket/t.jsonl", "--kms-key", "my-key"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--kms-key"));
    retune()
        .args(base)
        .args(["--train", "train.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid --train"));
    retune()
        .args(base)
        .args([
            "--train",
            "gs://bucket/t.jsonl",
            "--service-account",
            "tuner",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--service-account"));
}

#[test]
fn unsupported_base_model_lists_the_supported_ones() {
    retune()
        .args([
            "--project",
            "p",
            "tune",
            "--base-model",
            "gemini-9",
            "--train",
            "gs://bucket/t.jsonl",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("gemini-2.5-flash"));
}

#[test]
fn unsupported_adapter_size_is_a_usage_error_found_before_sending() {
    // The endpoint is never contacted: the rule is checked locally.
    retune()
        .args(["--project", "p", "--endpoint", "http://127.0.0.1:9", "tune"])
        .args([
            "--base-model",
            "gemini-2.5-flash",
            "--train",
            "gs://bucket/t.jsonl",
        ])
        .args(["--adapter-size", "32"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: invalid hyperparameters: for gemini-2.5-flash: The adapter size is not supported",
        ));
}

#[test]
fn deleting_a_version_needs_a_version_number() {
    retune()
        .args(["--project", "p", "models", "delete-version", "9@golden"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MODEL@VERSION"));
}

#[test]
fn valid_data_set_prints_statistics_and_exits_zero() {
    let file = file_with(&[GOOD, GOOD, ""]);
    retune()
        .args(["dataset", "validate"])
        .arg(file.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("2 examples, valid"))
        .stdout(predicate::str::contains("valid examples:"))
        .stdout(predicate::str::contains("tuning steps:"));
}

#[test]
fn invalid_data_set_line_is_named_with_its_field_and_exits_3() {
    let file = file_with(&[GOOD, NO_MODEL_TURN, "{not json"]);
    retune()
        .args(["dataset", "validate"])
        .arg(file.path())
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "line 2: contents[0].role: the last turn must come from `model`, found `user`",
        ))
        .stdout(predicate::str::contains("line 3: invalid JSON"))
        .stderr(predicate::str::contains("has 2 errors"));
}

#[test]
fn data_set_report_as_json_parses_back() {
    let file = file_with(&[GOOD, NO_MODEL_TURN]);
    let assert = retune()
        .args(["--format", "json", "dataset", "validate"])
        .arg(file.path())
        .assert()
        .code(3);
    let report: serde_json::Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON");
    assert_eq!(report["valid"], false);
    assert_eq!(report["exampleCount"], 2);
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["errors"][0]["field"], "contents[0].role");
    // int64 travels as a string, as in the API.
    assert_eq!(
        report["supervisedTuningDataStats"]["tuningDatasetExampleCount"],
        "1"
    );
}

const PREFERENCE: &str = r#"{"contents": [{"role": "user", "parts": [{"text": "Favourite fruit?"}]}], "completions": [{"score": 1, "completion": {"role": "model", "parts": [{"text": "Apple!"}]}}, {"score": 0, "completion": {"role": "model", "parts": [{"text": "Pear."}]}}]}"#;

#[test]
fn preference_data_set_is_checked_with_the_preference_rules() {
    let bad_score = PREFERENCE.replacen(r#""score": 1"#, r#""score": "high""#, 1);
    let file = file_with(&[PREFERENCE, NO_MODEL_TURN, &bad_score, GOOD]);
    retune()
        .args(["dataset", "validate", "--kind", "preference"])
        .arg(file.path())
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "an invalid training preference data set",
        ))
        .stdout(predicate::str::contains(
            "line 2: completions: `completions` is required",
        ))
        .stdout(predicate::str::contains(
            "line 3: completions[0].score: expected a number, found a string",
        ))
        .stdout(predicate::str::contains(
            "line 4: contents[1].role: the last turn must come from `user`, found `model`",
        ));
}

#[test]
fn preference_data_set_report_as_json_carries_preference_statistics() {
    let file = file_with(&[PREFERENCE, PREFERENCE]);
    let assert = retune()
        .args([
            "--format",
            "json",
            "dataset",
            "validate",
            "--kind",
            "preference",
        ])
        .arg(file.path())
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON");
    assert_eq!(report["format"], "preference");
    let stats = &report["preferenceOptimizationDataStats"];
    assert_eq!(stats["tuningDatasetExampleCount"], "2");
    assert_eq!(stats["scoresDistribution"]["sum"], 2.0);
    assert_eq!(
        stats["userDatasetExamples"][0]["completions"][1]["score"],
        0.0
    );
}

#[test]
fn missing_data_set_file_is_an_other_error() {
    retune()
        .args(["dataset", "validate", "/nonexistent/train.jsonl"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "error: cannot read /nonexistent/train.jsonl",
        ));
}

#[test]
fn non_utf8_data_set_is_refused() {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), b"{\"contents\": \xff}\n").expect("written");
    retune()
        .args(["dataset", "validate"])
        .arg(file.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is not UTF-8"));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_retune()"),
        ("zsh", "#compdef retune"),
        ("fish", "complete -c retune"),
    ] {
        retune()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("quickstart"));
    }
    retune()
        .args(["completions", "powershell"])
        .assert()
        .code(2);
}

#[test]
fn upload_refuses_an_invalid_file_before_sending() {
    let file = file_with(&[NO_MODEL_TURN]);
    retune()
        .args(["--endpoint", "http://127.0.0.1:9", "dataset", "upload"])
        .arg(file.path())
        .arg("gs://bucket/train.jsonl")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("nothing was uploaded"));
}

#[test]
fn upload_destination_must_name_an_object() {
    let file = file_with(&[GOOD]);
    retune()
        .args(["dataset", "upload"])
        .arg(file.path())
        .arg("gs://bucket")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "names no object: expected gs://BUCKET/OBJECT",
        ));
}

#[test]
fn help_resolves_nothing_from_the_environment() {
    // Phase one only: a malformed endpoint or project in the environment cannot break --help.
    retune()
        .env("GOOGLE_VERTEX_BASE_URL", "not a url")
        .env("GOOGLE_CLOUD_PROJECT", "Not A Project")
        .args(["jobs", "list", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--filter"));
}

#[test]
fn malformed_endpoint_in_the_environment_is_a_usage_error() {
    retune()
        .env("GOOGLE_VERTEX_BASE_URL", "localhost:8080")
        .args(["--project", "p", "jobs", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid --endpoint"));
}
