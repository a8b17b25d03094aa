//! The real `retune` binary against the emulator, started in this test process on
//! 127.0.0.1:0 and pointed at with `GOOGLE_VERTEX_BASE_URL`: every remote command, its JSON
//! output parsed back, and the errors and exit codes for bad input.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use mock_vertex::{JobSpeed, MockVertex};
use predicates::prelude::*;
use serde_json::Value;

const PROJECT: &str = "cli-tests";

/// `text` with every resource name written with its project's derived number, as the emulator
/// answers (google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`).
fn numbered(text: &str) -> String {
    mock_vertex::projects::Projects::default()
        .canonical(text)
        .into_owned()
}
const TRAIN: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
const OTHER_KEY: &str = "projects/cli-tests/locations/us-central1/keyRings/r/cryptoKeys/other";

/// An emulator serving on a free loopback port for the life of the test.
struct Emulator {
    // Dropped first: the server stops, then its runtime.
    server: MockVertex,
    runtime: tokio::runtime::Runtime,
}

impl Emulator {
    fn start(speed: JobSpeed) -> Emulator {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let server = runtime
            .block_on(MockVertex::builder().jobs(speed).start())
            .expect("the emulator starts");
        Emulator { server, runtime }
    }

    /// `retune` pointed at this emulator through the environment.
    fn retune(&self) -> Command {
        let mut cmd = Command::cargo_bin("retune").expect("the retune binary is built");
        cmd.env("GOOGLE_VERTEX_BASE_URL", self.server.base_url())
            .env("GOOGLE_CLOUD_PROJECT", PROJECT)
            .env("GOOGLE_CLOUD_LOCATION", "us-central1")
            .env_remove("RETUNE_ACCESS_TOKEN")
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs `retune --format json ARGS`, expects exit 0 and parses stdout.
    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let output = self
            .retune()
            .args(["--format", "json"])
            .args(args)
            .output()
            .expect("retune runs");
        assert!(
            output.status.success(),
            "retune {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "retune {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Tunes `base` on the sample data and waits; returns the final job.
    #[track_caller]
    fn tune(&self, base: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "tune",
            "--base-model",
            base,
            "--train",
            TRAIN,
            "--epochs",
            "3",
            "--wait",
        ];
        args.extend_from_slice(extra);
        self.json(&args)
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// `projects/.../models/M@V` -> `M`.
fn model_id(tuned: &str) -> String {
    let last = tuned.rsplit('/').next().unwrap_or_default();
    last.split('@').next().unwrap_or_default().to_owned()
}

#[test]
fn tune_with_wait_prints_the_succeeded_job_as_api_json() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune(
        "gemini-2.5-flash",
        &["--display-name", "support", "--label", "team=nlp"],
    );
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(job["baseModel"], "gemini-2.5-flash");
    assert_eq!(job["tunedModelDisplayName"], "support");
    assert_eq!(job["labels"]["team"], "nlp");
    assert!(text(&job["tunedModel"]["model"]).contains("/models/"));
    // int64 fields travel as strings, as the API sends them.
    assert_eq!(
        job["supervisedTuningSpec"]["hyperParameters"]["epochCount"],
        "3"
    );
}

#[test]
fn tune_sends_the_service_account_the_job_runs_as() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune(
        "gemini-2.5-flash",
        &[
            "--service-account",
            "tuner@my-project.iam.gserviceaccount.com",
        ],
    );
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(
        job["serviceAccount"],
        "tuner@my-project.iam.gserviceaccount.com"
    );
}

#[test]
fn tune_without_wait_says_how_to_follow_the_job() {
    let emu = Emulator::start(JobSpeed::Instant);
    emu.retune()
        .args(["tune", "--base-model", "gemini-2.5-flash", "--train", TRAIN])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "Created tuning job {}",
            numbered("projects/cli-tests/locations/us-central1/tuningJobs/")
        )))
        .stdout(predicate::str::contains("retune jobs wait"));
}

#[test]
fn jobs_list_get_and_wait_show_the_job() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &[]);
    let id = text(&job["name"])
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();

    let list = emu.json(&["jobs", "list"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["name"], job["name"]);

    emu.retune()
        .args(["jobs", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("JOB"))
        .stdout(predicate::str::contains("SUCCEEDED"));

    let got = emu.json(&["jobs", "get", &id]);
    assert_eq!(got["name"], job["name"]);
    emu.retune()
        .args(["jobs", "get", text(&job["name"])])
        .assert()
        .success()
        .stdout(predicate::str::contains("state:"))
        .stdout(predicate::str::contains("SUCCEEDED"));

    // Not a terminal: plain progress lines on stderr, the job on stdout.
    emu.retune()
        .args(["jobs", "wait", &id])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!("job {id}  SUCCEEDED")));
}

#[test]
fn jobs_list_honours_limit() {
    let emu = Emulator::start(JobSpeed::Instant);
    emu.tune("gemini-2.5-flash", &[]);
    emu.tune("gemini-2.5-flash", &[]);
    let list = emu.json(&["jobs", "list", "--limit", "1", "--page-size", "1"]);
    assert_eq!(list.as_array().map(Vec::len), Some(1));
}

#[test]
fn cancelled_job_ends_wait_with_exit_code_4_told_as_news_not_as_an_error() {
    let emu = Emulator::start(JobSpeed::Manual);
    let created = emu.json(&["tune", "--base-model", "gemini-2.5-flash", "--train", TRAIN]);
    let id = text(&created["name"])
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();

    emu.retune()
        .args(["jobs", "cancel", &id])
        .assert()
        .success()
        .stdout(predicate::str::contains("Cancellation of tuning job"));
    emu.server.emulator().advance(Duration::from_secs(3600));

    emu.retune()
        .args(["jobs", "wait", &id])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("CANCELLED"))
        .stderr(predicate::str::ends_with(format!(
            "\ntuning job {} was cancelled\n",
            numbered(&format!(
                "projects/{PROJECT}/locations/us-central1/tuningJobs/{id}"
            ))
        )))
        .stderr(predicate::str::contains("error").not());
}

#[test]
fn models_commands_show_versions_checkpoints_and_lineage() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &["--display-name", "support"]);
    let tuned = text(&job["tunedModel"]["model"]).to_owned();
    let model = model_id(&tuned);

    let models = emu.json(&["models", "list"]);
    assert_eq!(models.as_array().map(Vec::len), Some(1));
    assert_eq!(models[0]["displayName"], "support");

    let got = emu.json(&["models", "get", &model]);
    assert_eq!(got["versionId"], "1");
    assert!(
        got["versionAliases"]
            .as_array()
            .is_some_and(|a| a.contains(&Value::from("default")))
    );

    let versions = emu.json(&["models", "versions", &model]);
    assert_eq!(versions.as_array().map(Vec::len), Some(1));

    let checkpoints = emu.json(&["models", "checkpoints", &format!("{model}@1")]);
    let ids: Vec<&str> = checkpoints
        .as_array()
        .map(|a| a.iter().map(|c| text(&c["checkpointId"])).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["1", "2", "3"]);
    emu.retune()
        .args(["models", "checkpoints", &model])
        .assert()
        .success()
        .stdout(predicate::str::contains("CHECKPOINT  EPOCH  STEP  DEFAULT"));

    let updated = emu.json(&[
        "models",
        "set-default-checkpoint",
        &format!("{model}@1"),
        "1",
    ]);
    assert_eq!(updated["defaultCheckpointId"], "1");
    assert_eq!(
        emu.json(&["models", "get", &model])["defaultCheckpointId"],
        "1"
    );

    let lineage = emu.json(&["models", "lineage", &model]);
    assert_eq!(
        lineage["versions"][0]["foundationModel"],
        "gemini-2.5-flash"
    );
    emu.retune()
        .args(["models", "lineage", &model])
        .assert()
        .success()
        .stdout(predicate::str::contains("version 1"))
        .stdout(predicate::str::contains("gemini-2.5-flash"));
}

#[test]
fn continue_dry_run_prints_the_plan_and_sends_nothing() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &[]);
    let model = model_id(text(&job["tunedModel"]["model"]));

    let plan = emu.json(&[
        "continue",
        &model,
        "--checkpoint",
        "2",
        "--train",
        TRAIN,
        "--dry-run",
    ]);
    assert_eq!(plan["checkpointId"], "2");
    assert!(text(&plan["preTunedModel"]).ends_with(&format!("/models/{model}@1")));
    assert!(plan["outcome"]["newVersionOf"].is_string());
    emu.retune()
        .args(["continue", &model, "--train", TRAIN, "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing was sent"))
        .stdout(predicate::str::contains("a new version of"));
    // Still one job: the dry runs sent nothing.
    assert_eq!(
        emu.json(&["jobs", "list"]).as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn continue_makes_a_new_version_under_the_same_parent_and_delete_version_removes_it() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &[]);
    let model = model_id(text(&job["tunedModel"]["model"]));

    let continued = emu.json(&[
        "continue",
        &format!("{model}@1"),
        "--checkpoint",
        "2",
        "--train",
        TRAIN,
        "--wait",
    ]);
    assert_eq!(continued["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(continued["preTunedModel"]["checkpointId"], "2");
    assert!(text(&continued["tunedModel"]["model"]).ends_with(&format!("/models/{model}@2")));
    assert_eq!(
        emu.json(&["models", "versions", &model])
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    emu.retune()
        .args(["models", "lineage", &model])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "model {model}@1 checkpoint 2"
        )));

    emu.retune()
        .args(["models", "delete-version", &format!("{model}@2")])
        .assert()
        .success()
        .stdout(predicate::str::contains("Deleted version 2 of"));
    assert_eq!(
        emu.json(&["models", "versions", &model])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn tune_with_preference_sends_a_preference_spec_and_checks_beta_first() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.json(&[
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        TRAIN,
        "--beta",
        "0.2",
        "--epochs",
        "1",
    ]);
    assert!(job.get("supervisedTuningSpec").is_none(), "{job}");
    assert_eq!(
        job["preferenceOptimizationSpec"]["hyperParameters"]["beta"],
        0.2
    );
    // The SFT sample is not preference data: the job fails naming the line and field.
    let failed = emu.json(&["jobs", "get", text(&job["name"])]);
    assert_eq!(failed["state"], "JOB_STATE_FAILED");
    assert!(
        text(&failed["error"]["message"])
            .contains("line 1: contents[1].role: the last turn must come from `user`"),
        "{failed}"
    );
    emu.retune()
        .args(["tune", "--base-model", "gemini-2.5-flash", "--train", TRAIN])
        .args(["--preference", "--beta", "0"])
        .assert()
        // A value the base model does not allow is a usage error, like any refused flag value.
        .code(2)
        .stderr(predicate::str::contains(
            "beta must be a finite number greater than 0",
        ))
        .stderr(predicate::str::contains("nothing was sent"));
}

#[test]
fn models_rebase_starts_a_job_on_the_newer_base_model() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &["--display-name", "support"]);
    let model = model_id(text(&job["tunedModel"]["model"]));
    emu.retune()
        .args(["models", "rebase", &format!("{model}@1")])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "onto gemini-3.5-flash: tuning job {}",
            numbered(&format!(
                "projects/{PROJECT}/locations/us-central1/tuningJobs/"
            ))
        )));
    let op = emu.json(&["models", "rebase", &model, "--display-name", "support-3"]);
    assert_eq!(op["done"], true);
    assert_eq!(op["response"]["baseModel"], "gemini-3.5-flash");
    assert_eq!(op["response"]["tunedModelDisplayName"], "support-3");
}

#[test]
fn continuing_with_an_unknown_alias_is_refused_with_exit_code_3() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &[]);
    let model = model_id(text(&job["tunedModel"]["model"]));
    emu.retune()
        .args(["continue", &format!("{model}@nope"), "--train", TRAIN])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("refused for 1 reason"))
        .stderr(predicate::str::contains("NOT_FOUND"))
        .stderr(predicate::str::contains("nothing was sent"));
}

#[test]
fn continuing_with_another_kms_key_lists_every_reason() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &[]);
    let model = model_id(text(&job["tunedModel"]["model"]));
    let assert = emu
        .retune()
        .args(["--format", "json", "continue", &model, "--train", TRAIN])
        .args(["--kms-key", OTHER_KEY, "--checkpoint", "99", "--dry-run"])
        .assert()
        .code(3);
    let refusals: Value =
        serde_json::from_slice(&assert.get_output().stdout).expect("JSON refusals");
    let messages: Vec<&str> = refusals["refusals"]
        .as_array()
        .map(|a| a.iter().map(|r| text(&r["message"])).collect())
        .unwrap_or_default();
    assert_eq!(messages.len(), 2, "{refusals}");
    assert!(
        messages.iter().any(|m| m.contains("same KMS key")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("checkpointId")),
        "{messages:?}"
    );
}

#[test]
fn continuing_an_ineligible_model_is_refused() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.0-flash-001", &[]);
    let model = model_id(text(&job["tunedModel"]["model"]));
    emu.retune()
        .args(["continue", &model, "--train", TRAIN])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("FAILED_PRECONDITION"))
        .stderr(predicate::str::contains(
            "does not support continuous tuning",
        ));
}

#[test]
fn unknown_model_is_a_service_error_with_its_status_name() {
    let emu = Emulator::start(JobSpeed::Instant);
    let assert = emu
        .retune()
        .args(["models", "get", "12345"])
        .assert()
        .code(5);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("NOT_FOUND"), "{stderr}");
    assert!(stderr.contains("check the name"), "{stderr}");
}

#[test]
fn unreachable_endpoint_is_a_service_error_that_names_the_flag() {
    Command::cargo_bin("retune")
        .expect("the retune binary is built")
        .args([
            "--project",
            "p",
            "--endpoint",
            "http://127.0.0.1:1",
            "jobs",
            "list",
        ])
        .env_remove("GOOGLE_VERTEX_BASE_URL")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("check --endpoint"));
}

#[test]
fn uploaded_data_set_can_be_tuned_on() {
    let emu = Emulator::start(JobSpeed::Instant);
    let bucket = mock_vertex::storage::BucketName::parse("my-data").expect("a bucket name");
    emu.runtime
        .block_on(emu.server.emulator().objects().create_bucket(&bucket))
        .expect("the bucket is created");
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(
        file.path(),
        concat!(
            r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello!"}]}]}"#,
            "\n"
        ),
    )
    .expect("written");
    emu.retune()
        .args(["dataset", "upload"])
        .arg(file.path())
        .arg("gs://my-data/dir/train.jsonl")
        .assert()
        .success()
        .stdout(predicate::str::contains("to gs://my-data/dir/train.jsonl"));
    let job = emu.json(&[
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        "gs://my-data/dir/train.jsonl",
        "--wait",
    ]);
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
}

#[test]
fn upload_to_a_missing_bucket_is_a_service_error() {
    let emu = Emulator::start(JobSpeed::Instant);
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(
        file.path(),
        r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello!"}]}]}"#,
    )
    .expect("written");
    emu.retune()
        .args(["dataset", "upload"])
        .arg(file.path())
        .arg("gs://no-such-bucket/train.jsonl")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("cannot upload"));
}

#[test]
fn emulator_serve_prints_its_ready_line_and_answers() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("retune"))
        .args(["emulator", "serve", "--port", "0", "--jobs", "instant"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("retune emulator serve starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a ready line");
    let url = line
        .trim()
        .strip_prefix("mock-vertex listening on ")
        .unwrap_or_default()
        .to_owned();
    let listed = Command::cargo_bin("retune")
        .expect("the retune binary is built")
        .args([
            "--project",
            "p",
            "--endpoint",
            &url,
            "--format",
            "json",
            "jobs",
            "list",
        ])
        .output();
    let _ = child.kill();
    let _ = child.wait();
    let listed = listed.expect("retune runs");
    assert!(url.starts_with("http://127.0.0.1:"), "ready line: {line:?}");
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), "[]");
}

#[test]
fn emulator_serve_rejects_an_unknown_job_speed() {
    Command::cargo_bin("retune")
        .expect("the retune binary is built")
        .args(["emulator", "serve", "--jobs", "warp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("use instant, scaled or manual"));
}

#[test]
fn aliases_are_added_moved_used_and_removed() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.tune("gemini-2.5-flash", &[]);
    let model = model_id(text(&job["tunedModel"]["model"]));
    emu.json(&["continue", &model, "--train", TRAIN, "--wait"]);

    let added = emu.json(&[
        "models",
        "alias",
        "add",
        &format!("{model}@2"),
        "golden",
        "canary",
    ]);
    assert_eq!(added["versionId"], "2");
    assert_eq!(
        emu.json(&["models", "get", &format!("{model}@golden")])["versionId"],
        "2"
    );

    // Adding an alias another version holds moves it.
    emu.retune()
        .args(["models", "alias", "add", &format!("{model}@1"), "canary"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Version 1 of"));
    assert_eq!(
        emu.json(&["models", "get", &format!("{model}@canary")])["versionId"],
        "1"
    );

    emu.retune()
        .args(["models", "alias", "remove", &model, "golden", "canary"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Removed golden from version 2"))
        .stdout(predicate::str::contains("Removed canary from version 1"));
    emu.retune()
        .args(["models", "get", &format!("{model}@golden")])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("NOT_FOUND"));
}

#[test]
fn alias_edits_name_what_they_need() {
    let emu = Emulator::start(JobSpeed::Instant);
    emu.retune()
        .args(["models", "alias", "add", "9", "golden"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MODEL@VERSION"));
    emu.retune()
        .args(["models", "alias", "add", "9@1", "Golden"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid alias \"Golden\""));
}

#[test]
fn generate_asks_a_model_version_a_checkpoint_an_endpoint_and_a_base_model() {
    let emulator = Emulator::start(JobSpeed::Instant);
    let job = emulator.tune("gemini-2.5-flash", &[]);
    let model = text(&job["tunedModel"]["model"]).to_owned();
    let question = "What is the capital of Australia?";
    let answer = "The capital of Australia is Canberra.";

    let by_version = emulator.json(&["generate", &model_id(&model), question]);
    assert_eq!(
        text(&by_version["candidates"][0]["content"]["parts"][0]["text"]),
        answer
    );
    assert_eq!(
        text(&by_version["modelVersion"]),
        format!("{model}/checkpoints/3")
    );

    let chunks = emulator.json(&[
        "generate",
        &model,
        question,
        "--checkpoint",
        "1",
        "--stream",
    ]);
    let joined: String = chunks
        .as_array()
        .expect("a JSON array of chunks")
        .iter()
        .map(|c| text(&c["candidates"][0]["content"]["parts"][0]["text"]))
        .collect();
    assert_eq!(joined, answer);

    emulator
        .retune()
        .args(["generate", text(&job["tunedModel"]["endpoint"]), question])
        .assert()
        .success()
        .stdout(predicate::str::contains(answer));
    emulator
        .retune()
        .args(["generate", "gemini-2.5-flash", question, "--stream"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("[base model gemini-2.5-flash]"));
    emulator
        .retune()
        .args([
            "generate",
            "gemini-2.5-flash",
            question,
            "--checkpoint",
            "1",
        ])
        .assert()
        .code(2);
}
