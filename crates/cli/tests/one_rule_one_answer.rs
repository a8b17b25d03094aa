//! One rule, one answer: the same label, `gs://` URI, duration, update level, continuation or
//! hostile value given to the `retune` binary, to the client (with its checks before sending)
//! and to the emulator (as a raw request) is accepted by all three or refused by all three, with
//! the same field and status, because all three call `retune_model`.
//!
//! The emulator serves on 127.0.0.1:0; the binary and the client reach it over HTTP.

use std::sync::Arc;

use assert_cmd::Command;
use bytes::Bytes;
use mock_vertex::{JobSpeed, MockVertex};
use retune_client::transport::{ReqwestTransport, Transport};
use retune_client::{Client, ClientConfig, DatasetUri, Error, ModelUpdate, TuningJobSpec};
use retune_model::Code;
use retune_model::base_model::BaseModel;
use retune_model::continuous::TuningOutcome;
use retune_model::duration::HumanDuration;
use retune_model::gcs::GcsUri;
use retune_model::labels::Label;
use retune_model::names::{CheckpointId, LocationName, ModelRef, TuningJobName};
use serde_json::{Value, json};

const PROJECT: &str = "one-answer";
const LOCATION: &str = "projects/one-answer/locations/us-central1";
const TRAIN: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
const GOOD_LINE: &str = r#"{"contents": [{"role": "user", "parts": [{"text": "2+2?"}]}, {"role": "model", "parts": [{"text": "4"}]}]}"#;

/// What each side said about one input.
#[derive(Debug, PartialEq, Eq)]
struct Answers {
    cli: bool,
    client: bool,
    emulator: bool,
}

impl Answers {
    #[track_caller]
    fn assert_all(&self, accepted: bool, input: &str) {
        let want = Answers {
            cli: accepted,
            client: accepted,
            emulator: accepted,
        };
        assert_eq!(self, &want, "{input:?}");
    }
}

/// An emulator on a free loopback port, a client for it, and raw HTTP to it.
struct Emulator {
    server: MockVertex,
    runtime: tokio::runtime::Runtime,
    client: Client,
    http: Arc<dyn Transport>,
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
        let http: Arc<dyn Transport> = Arc::new(ReqwestTransport::new().expect("HTTP"));
        let config = ClientConfig::new(
            LOCATION.parse::<LocationName>().expect("valid"),
            server.base_url().parse().expect("the emulator's URL"),
        );
        let client = Client::from_transport(http.clone(), config);
        Emulator {
            server,
            runtime,
            client,
            http,
        }
    }

    /// `retune ARGS` against this emulator: `true` for exit 0, `false` for a usage error (exit
    /// 2, one line); anything else fails the test.
    #[track_caller]
    fn retune(&self, args: &[&str]) -> bool {
        let (exit, _, stderr) = self.run(args);
        match exit {
            Some(0) => true,
            Some(2) => {
                assert_eq!(stderr.lines().count(), 1, "retune {args:?}: {stderr}");
                false
            }
            other => panic!("retune {args:?} ended with {other:?}: {stderr}"),
        }
    }

    /// `retune ARGS` against this emulator: its exit code, stdout and stderr.
    #[track_caller]
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let output = Command::cargo_bin("retune")
            .expect("the retune binary is built")
            .env("GOOGLE_VERTEX_BASE_URL", self.server.base_url())
            .env("GOOGLE_CLOUD_PROJECT", PROJECT)
            .env("GOOGLE_CLOUD_LOCATION", "us-central1")
            .env_remove("RETUNE_ACCESS_TOKEN")
            .env_remove("RUST_LOG")
            .args(["--silent", "--format", "json"])
            .args(args)
            .output()
            .expect("retune runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// A raw request: the HTTP status and the JSON body of the answer.
    #[track_caller]
    fn answer(&self, method: http::Method, path: &str, body: &Value) -> (http::StatusCode, Value) {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.server.base_url()))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(body.to_string()))
            .expect("a request");
        let response = self
            .runtime
            .block_on(self.http.send(request))
            .expect("the emulator answers");
        let json = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
        (response.status(), json)
    }

    /// A refused raw request: its status name and the fields of its `BadRequest` detail.
    #[track_caller]
    fn refusal(&self, method: http::Method, path: &str, body: &Value) -> (Code, Vec<Violation>) {
        let (status, json) = self.answer(method, path, body);
        assert!(status.is_client_error(), "{path}: {status} {json}");
        let code = json["error"]["status"]
            .as_str()
            .and_then(|s| s.parse::<Code>().ok())
            .unwrap_or_else(|| panic!("{path}: no status in {json}"));
        assert_eq!(
            Code::from_http_status(status.as_u16()).http_status(),
            code.http_status(),
            "{json}"
        );
        let violations = json["error"]["details"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["fieldViolations"].as_array())
            .flatten()
            .map(|v| Violation {
                field: v["field"].as_str().unwrap_or_default().to_owned(),
                description: v["description"].as_str().unwrap_or_default().to_owned(),
            })
            .collect();
        (code, violations)
    }

    /// `POST /_emulator/seed/tunedModel`: the tuned model version it made.
    #[track_caller]
    fn seed(&self, seed: Value) -> ModelRef {
        let (status, json) = self.answer(http::Method::POST, "/_emulator/seed/tunedModel", &seed);
        assert!(status.is_success(), "seed {seed}: {status} {json}");
        json["model"]
            .as_str()
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("seed {seed}: {json}"))
    }

    /// A client call that must be refused before sending: its code and violations.
    #[track_caller]
    fn client_refuses<T: std::fmt::Debug>(
        &self,
        call: impl std::future::Future<Output = Result<T, Error>>,
    ) -> (Code, Vec<Violation>) {
        let err = match self.runtime.block_on(call) {
            Ok(accepted) => panic!("the client sent it: {accepted:?}"),
            Err(err) => err,
        };
        assert!(!err.may_have_been_sent(), "{err}");
        let code = err.code().unwrap_or_else(|| panic!("no code: {err}"));
        let violations = err
            .violations()
            .iter()
            .map(|v| Violation {
                field: v.field.clone(),
                description: v.description.clone(),
            })
            .collect();
        (code, violations)
    }

    /// A raw request; `true` for a 2xx answer (or a 409: it exists already), `false` for a 400,
    /// anything else fails the test.
    #[track_caller]
    fn raw(&self, method: http::Method, path: &str, body: serde_json::Value) -> bool {
        self.raw_bytes(method, path, Bytes::from(body.to_string()))
    }

    #[track_caller]
    fn raw_bytes(&self, method: http::Method, path: &str, body: Bytes) -> bool {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.server.base_url()))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body)
            .expect("a request");
        let response = self
            .runtime
            .block_on(self.http.send(request))
            .expect("the emulator answers");
        match response.status() {
            // A bucket made by an earlier case is already there.
            s if s.is_success() || s == http::StatusCode::CONFLICT => true,
            http::StatusCode::BAD_REQUEST => false,
            s => panic!(
                "{path}: unexpected {s}: {}",
                String::from_utf8_lossy(response.body())
            ),
        }
    }

    /// `client.create_tuning_job`: `true` when created, `false` when the client refused to build
    /// the request; a service error fails the test.
    #[track_caller]
    fn client_creates(&self, spec: &TuningJobSpec) -> bool {
        match self.runtime.block_on(self.client.create_tuning_job(spec)) {
            Ok(_) => true,
            Err(Error::Build(_)) => false,
            Err(other) => panic!("the client failed otherwise: {other}"),
        }
    }
}

/// One field violation, as the emulator's `BadRequest` detail or the client's error names it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Violation {
    field: String,
    description: String,
}

/// The fields of some violations.
fn fields_of(violations: &[Violation]) -> Vec<&str> {
    violations.iter().map(|v| v.field.as_str()).collect()
}

fn base() -> &'static BaseModel {
    BaseModel::lookup("gemini-2.5-flash").expect("a supported base model")
}

fn train() -> DatasetUri {
    TRAIN.parse().expect("the sample data set")
}

#[test]
fn labels_get_one_answer_from_the_cli_the_client_and_the_emulator() {
    let emu = Emulator::start(JobSpeed::Manual);
    let long_value = format!("k={}", "言".repeat(65));
    let longest_value = format!("k={}", "言".repeat(64));
    let cases: [(&str, bool); 8] = [
        ("チーム=言語", true),
        ("team=nlp", true),
        ("env=", true),
        (&longest_value, true),
        ("Team=nlp", false),
        ("team=NLP", false),
        (&long_value, false),
        ("1team=x", false),
    ];
    for (input, accepted) in cases {
        let (key, value) = input.split_once('=').expect("KEY=VALUE");
        let answers = Answers {
            cli: emu.retune(&[
                "tune",
                "--base-model",
                "gemini-2.5-flash",
                "--train",
                TRAIN,
                "--label",
                input,
            ]),
            client: emu.client_creates(
                &TuningJobSpec::from_base_model(base(), train()).with_label(key, value),
            ) && input.parse::<Label>().is_ok(),
            emulator: emu.raw(
                http::Method::POST,
                &format!("/v1/{LOCATION}/tuningJobs"),
                serde_json::json!({
                    "baseModel": "gemini-2.5-flash",
                    "supervisedTuningSpec": {"trainingDatasetUri": TRAIN},
                    "labels": {key: value},
                }),
            ),
        };
        answers.assert_all(accepted, input);
    }
}

#[test]
fn gcs_uris_get_one_answer_from_the_cli_the_client_and_the_emulator() {
    let emu = Emulator::start(JobSpeed::Manual);
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), format!("{GOOD_LINE}\n")).expect("written");
    let file = file.path().to_str().expect("a UTF-8 path");
    let cases = [
        ("gs://my-bucket/data/train.jsonl", true),
        ("gs://b-2.example/x", true),
        ("gs://Bad_Bucket/x", false),
        ("gs://b", false),
        ("gs://b/x", false),
        ("gs://my-bucket/", false),
        ("gs://goog-bucket/x", false),
        ("gs://my-bucket/..", false),
    ];
    for (input, accepted) in cases {
        // The emulator's Cloud Storage API, raw: create the bucket, then upload the object.
        let (bucket, object) = input
            .strip_prefix("gs://")
            .and_then(|rest| rest.split_once('/'))
            .unwrap_or((input.trim_start_matches("gs://"), ""));
        let emulator = emu.raw(
            http::Method::POST,
            &format!("/storage/v1/b?project={PROJECT}"),
            serde_json::json!({ "name": bucket }),
        ) && emu.raw_bytes(
            http::Method::POST,
            &format!(
                "/upload/storage/v1/b/{bucket}/o?uploadType=media&name={}",
                percent_encoding::utf8_percent_encode(object, percent_encoding::NON_ALPHANUMERIC)
            ),
            Bytes::from(format!("{GOOD_LINE}\n")),
        );
        let answers = Answers {
            cli: emu.retune(&["dataset", "upload", file, input]),
            client: input
                .parse::<DatasetUri>()
                .is_ok_and(|uri| emu.client_creates(&TuningJobSpec::from_base_model(base(), uri))),
            emulator,
        };
        answers.assert_all(accepted, input);
    }
}

#[test]
fn durations_get_one_answer_from_the_cli_the_model_and_the_emulator() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu
        .runtime
        .block_on(
            emu.client
                .create_tuning_job(&TuningJobSpec::from_base_model(base(), train())),
        )
        .expect("a job");
    let job: TuningJobName = job.name.parse().expect("the job's name");
    let cases = [
        ("90s", true),
        ("1.5h", true),
        ("250ms", true),
        ("2 m", true),
        ("soon", false),
        ("-1s", false),
        ("1d", false),
        ("1e3", false),
    ];
    for (input, accepted) in cases {
        let answers = Answers {
            cli: emu.retune(&[
                "jobs",
                "wait",
                &job.to_string(),
                &format!("--timeout={input}"),
            ]),
            // The client takes `std::time::Duration`s; a string becomes one through the model.
            client: input.parse::<HumanDuration>().is_ok(),
            emulator: emu.raw(
                http::Method::POST,
                "/_emulator/await",
                serde_json::json!({ "job": job.to_string(), "timeout": input }),
            ),
        };
        answers.assert_all(accepted, input);
    }
}

#[test]
fn bad_gcs_uris_in_create_tuning_job_are_refused_by_all_three_for_the_same_field() {
    let emu = Emulator::start(JobSpeed::Manual);
    // The CLI's flag, the API field it fills, and its JSON key.
    let fields = [
        (
            "--train",
            "tuning_job.supervised_tuning_spec.training_dataset_uri",
            "trainingDatasetUri",
        ),
        (
            "--validation",
            "tuning_job.supervised_tuning_spec.validation_dataset_uri",
            "validationDatasetUri",
        ),
    ];
    for input in ["gs://Bad_Bucket/x", "gs://b", "gs://bucket/"] {
        // The one rule: `GcsUri::parse`, whose reason every side quotes.
        let reason = GcsUri::parse(input)
            .expect_err("not a Cloud Storage object")
            .to_string();
        for (flag, field, key) in fields {
            let mut spec = json!({ "trainingDatasetUri": TRAIN });
            spec[key] = json!(input);
            let (code, violations) = emu.refusal(
                http::Method::POST,
                &format!("/v1/{LOCATION}/tuningJobs"),
                &json!({ "baseModel": "gemini-2.5-flash", "supervisedTuningSpec": spec }),
            );
            assert_eq!(code, Code::InvalidArgument, "{input}");
            assert_eq!(fields_of(&violations), [field], "{input}");
            assert!(violations[0].description.contains(&reason), "{input}");

            let mut args = vec!["tune", "--base-model", "gemini-2.5-flash", "--train"];
            args.push(if flag == "--train" { input } else { TRAIN });
            if flag == "--validation" {
                args.extend(["--validation", input]);
            }
            let (exit, _, stderr) = emu.run(&args);
            assert_eq!(exit, Some(2), "{input}: {stderr}");
            assert!(
                stderr.contains(&format!("invalid {flag}: {reason}")),
                "{input}: {stderr}"
            );

            // The client takes parsed URIs: the same parse refuses it, so no job can carry it.
            let err = input
                .parse::<DatasetUri>()
                .expect_err("the client refuses it");
            assert_eq!(err.reason(), reason, "{input}");
        }
    }
}

#[test]
fn update_fields_of_the_other_level_are_refused_by_all_three_with_the_same_code() {
    let emu = Emulator::start(JobSpeed::Manual);
    let version = emu.seed(json!({ "project": PROJECT, "location": "us-central1" }));
    let model: ModelRef = version.name().clone().into();
    // Each field: the CLI flag and value, the client's update, and the JSON key sent raw (as the
    // body's only field and the mask), with the same value.
    let version_description = (
        "--version-description",
        "v",
        ModelUpdate::new().with_version_description("v"),
        "versionDescription",
    );
    let default_checkpoint = (
        "--default-checkpoint",
        "1",
        ModelUpdate::new().with_default_checkpoint(CheckpointId::from_number(1)),
        "defaultCheckpointId",
    );
    let display_name = (
        "--display-name",
        "renamed",
        ModelUpdate::new().with_display_name("renamed"),
        "displayName",
    );
    // (name, field, refused?)
    let cases = [
        (&model, &version_description, true),
        (&model, &default_checkpoint, true),
        (&version, &display_name, true),
        (&version, &version_description, false),
        (&model, &display_name, false),
    ];
    for (name, (flag, value, update, key), refused) in cases {
        let (flag, value, mask) = (*flag, *value, *key);
        let body = json!({ mask: value });
        let shown = format!("{flag} on {name}");
        let path = format!("/v1/{name}?updateMask={mask}");
        let (exit, _, stderr) = emu.run(&["models", "update", &name.to_string(), flag, value]);
        if !refused {
            assert_eq!(exit, Some(0), "{shown}: {stderr}");
            assert!(
                emu.runtime
                    .block_on(emu.client.update_model(name, update))
                    .is_ok()
            );
            let (status, json) = emu.answer(http::Method::PATCH, &path, &body);
            assert!(status.is_success(), "{shown}: {json}");
            continue;
        }
        let (emulator, emulator_violations) = emu.refusal(http::Method::PATCH, &path, &body);
        let (client, client_violations) = emu.client_refuses(emu.client.update_model(name, update));
        assert_eq!(emulator, Code::FailedPrecondition, "{shown}");
        assert_eq!(client, emulator, "{shown}");
        assert_eq!(fields_of(&client_violations), ["update_mask"], "{shown}");
        assert_eq!(fields_of(&emulator_violations), ["update_mask"], "{shown}");
        // The binary exits 3 (refused, nothing sent) and names the same code.
        assert_eq!(exit, Some(3), "{shown}: {stderr}");
        assert!(
            stderr.contains(&format!("({})", emulator.as_str())),
            "{shown}: {stderr}"
        );
    }
}

/// `retune continue ... --dry-run` refused: the status the binary reports (exit 3, the line's
/// leading status, and the JSON `status`).
#[track_caller]
fn cli_refusal_status(emu: &Emulator, args: &[&str]) -> Code {
    let (exit, stdout, stderr) = emu.run(args);
    assert_eq!(exit, Some(3), "{args:?}: {stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("JSON refusals");
    let code: Code = json["status"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{args:?}: {json}"));
    assert!(
        stderr.contains(&format!("refused: {}: ", code.as_str())),
        "{args:?}: {stderr}"
    );
    code
}

/// A continuation of `model` (with the KMS key `key`) refused three ways: the status of the
/// binary's dry run, the client's refusal, and the status of the emulator's CreateTuningJob.
#[track_caller]
fn refused_continuation(emu: &Emulator, model: &str, key: Option<&str>) -> (Code, Error, Code) {
    let mut args = vec!["continue", model, "--train", TRAIN, "--dry-run"];
    let mut request = emu
        .client
        .continue_tuning(model.parse().expect("a model name"), train());
    let mut body = json!({
        "preTunedModel": { "tunedModelName": model },
        "supervisedTuningSpec": { "trainingDatasetUri": TRAIN },
    });
    if let Some(key) = key {
        args.extend(["--kms-key", key]);
        request = request.kms_key(key.parse().expect("a key"));
        body["encryptionSpec"] = json!({ "kmsKeyName": key });
    }
    let cli = cli_refusal_status(emu, &args);
    let client = emu
        .runtime
        .block_on(request.dry_run())
        .expect_err("the client refuses");
    let (emulator, _) = emu.refusal(
        http::Method::POST,
        &format!("/v1/{LOCATION}/tuningJobs"),
        &body,
    );
    (cli, client, emulator)
}

#[test]
fn a_refusal_with_several_reasons_gets_one_status_from_all_three() {
    let emu = Emulator::start(JobSpeed::Manual);
    let key = format!("{LOCATION}/keyRings/ring/cryptoKeys/key");

    // Tuned too early (FAILED_PRECONDITION) and another KMS key (INVALID_ARGUMENT).
    let early = emu.seed(json!({
        "project": PROJECT,
        "location": "us-central1",
        "finishedAt": "2025-06-01T00:00:00Z",
    }));
    let (cli, client, emulator) = refused_continuation(&emu, &early.to_string(), Some(&key));
    assert_eq!(client.refusals().len(), 2, "{client}");
    assert_eq!(emulator, Code::InvalidArgument);
    assert_eq!((cli, client.code()), (emulator, Some(emulator)));

    // A model in another project (INVALID_ARGUMENT) and a version it does not have
    // (NOT_FOUND). The binary creates the job beside the model, so for it only the version is
    // wrong; the status is the same.
    let elsewhere = emu.seed(json!({ "project": "elsewhere", "location": "us-central1" }));
    // Named by the project id, as a user writes it (the answered name carries the number).
    let answered = elsewhere.name().to_string();
    let model_id = answered
        .rsplit('/')
        .next()
        .and_then(|id| id.split('@').next())
        .unwrap_or_default();
    let missing = format!("projects/elsewhere/locations/us-central1/models/{model_id}@7");
    let (cli, client, emulator) = refused_continuation(&emu, &missing, None);
    assert_eq!(client.refusals().len(), 2, "{client}");
    assert_eq!(emulator, Code::NotFound);
    assert_eq!((cli, client.code()), (emulator, Some(emulator)));
}

#[test]
fn the_parents_display_name_or_none_makes_a_version_and_another_makes_a_model_everywhere() {
    let emu = Emulator::start(JobSpeed::Manual);
    let parent = emu.seed(json!({
        "project": PROJECT,
        "location": "us-central1",
        "displayName": "support-bot",
    }));
    let parent_model = parent.name().clone();
    for (display_name, new_version) in [
        (None, true),
        (Some("support-bot"), true),
        (Some("support-bot-2"), false),
    ] {
        // The binary's dry run.
        let shown = parent.to_string();
        let mut args = vec!["continue", shown.as_str(), "--train", TRAIN, "--dry-run"];
        if let Some(name) = display_name {
            args.extend(["--display-name", name]);
        }
        let (exit, stdout, stderr) = emu.run(&args);
        assert_eq!(exit, Some(0), "{display_name:?}: {stderr}");
        let plan: Value = serde_json::from_str(&stdout).expect("a JSON plan");
        let cli = plan["outcome"]["newVersionOf"] == json!(parent_model.to_string());

        // The client's plan.
        let mut request = emu.client.continue_tuning(parent.clone(), train());
        if let Some(name) = display_name {
            request = request.display_name(name);
        }
        let outcome = emu
            .runtime
            .block_on(request.dry_run())
            .expect("a plan")
            .outcome;
        let client = outcome
            == TuningOutcome::NewVersion {
                parent: parent_model.clone(),
            };

        // The emulator's seed of a tuned model from the same parent and name.
        let mut seed = json!({
            "project": PROJECT,
            "location": "us-central1",
            "parentModel": parent_model.to_string(),
        });
        if let Some(name) = display_name {
            seed["displayName"] = json!(name);
        }
        let emulator = emu.seed(seed).name() == &parent_model;

        assert_eq!(
            (cli, client, emulator),
            (new_version, new_version, new_version),
            "{display_name:?}"
        );
    }
}

#[test]
fn hostile_values_are_refused_by_the_client_for_the_field_the_emulator_names() {
    let emu = Emulator::start(JobSpeed::Manual);
    let version = emu.seed(json!({ "project": PROJECT, "location": "us-central1" }));
    let model: ModelRef = version.name().clone().into();
    let long = "n".repeat(129);
    let create = |spec: TuningJobSpec| emu.client_refuses(emu.client.create_tuning_job(&spec));
    let update = |update: ModelUpdate| emu.client_refuses(emu.client.update_model(&model, &update));
    let jobs = format!("/v1/{LOCATION}/tuningJobs");
    let job = |extra: Value| {
        let mut body = json!({
            "baseModel": "gemini-2.5-flash",
            "supervisedTuningSpec": { "trainingDatasetUri": TRAIN },
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        body
    };
    let patch = |mask: &str| format!("/v1/{model}?updateMask={mask}");
    let cases = [
        (
            "a 129-character tuned model display name",
            create(TuningJobSpec::from_base_model(base(), train()).with_display_name(&long)),
            emu.refusal(
                http::Method::POST,
                &jobs,
                &job(json!({ "tunedModelDisplayName": long })),
            ),
            "tuning_job.tuned_model_display_name",
        ),
        (
            "an uppercase label key on a job",
            create(TuningJobSpec::from_base_model(base(), train()).with_label("Team", "nlp")),
            emu.refusal(
                http::Method::POST,
                &jobs,
                &job(json!({ "labels": { "Team": "nlp" } })),
            ),
            "tuning_job.labels[\"Team\"]",
        ),
        (
            "a 129-character model display name",
            update(ModelUpdate::new().with_display_name(&long)),
            emu.refusal(
                http::Method::PATCH,
                &patch("displayName"),
                &json!({ "displayName": long }),
            ),
            "model.display_name",
        ),
        (
            "an uppercase label key on a model",
            update(
                ModelUpdate::new().with_labels(
                    [("Team".to_owned(), "nlp".to_owned())]
                        .into_iter()
                        .collect(),
                ),
            ),
            emu.refusal(
                http::Method::PATCH,
                &patch("labels"),
                &json!({ "labels": { "Team": "nlp" } }),
            ),
            "model.labels[\"Team\"]",
        ),
    ];
    for (what, (client, client_violations), (emulator, emulator_violations), field) in cases {
        assert_eq!(client, emulator, "{what}");
        assert_eq!(fields_of(&client_violations), [field], "{what}");
        assert_eq!(client_violations, emulator_violations, "{what}");
    }
}

#[test]
fn continuing_from_the_model_level_name_is_refused_by_all_three_with_one_status() {
    let emu = Emulator::start(JobSpeed::Manual);
    let version = emu.seed(json!({ "project": PROJECT, "location": "us-central1" }));
    let model_level = format!("{}@-", version.name());
    let (cli, client, emulator) = refused_continuation(&emu, &model_level, None);
    assert_eq!(emulator, Code::InvalidArgument);
    assert_eq!((cli, client.code()), (emulator, Some(emulator)));
}
