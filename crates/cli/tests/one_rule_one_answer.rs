//! One rule, one answer: the same label, `gs://` URI or duration given to the `retune` binary,
//! to the client (with its checks before sending) and to the emulator (as a raw request) is
//! accepted by all three or refused by all three, because all three call `retune_model`.
//!
//! The emulator serves on 127.0.0.1:0; the binary and the client reach it over HTTP.

use std::sync::Arc;

use assert_cmd::Command;
use bytes::Bytes;
use mock_vertex::{JobSpeed, MockVertex};
use retune_client::transport::{ReqwestTransport, Transport};
use retune_client::{Client, ClientConfig, DatasetUri, Error, TuningJobSpec};
use retune_model::base_model::BaseModel;
use retune_model::duration::HumanDuration;
use retune_model::labels::Label;
use retune_model::names::{LocationName, TuningJobName};

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
        let output = Command::cargo_bin("retune")
            .expect("the retune binary is built")
            .env("GOOGLE_VERTEX_BASE_URL", self.server.base_url())
            .env("GOOGLE_CLOUD_PROJECT", PROJECT)
            .env("GOOGLE_CLOUD_LOCATION", "us-central1")
            .env_remove("RETUNE_ACCESS_TOKEN")
            .env_remove("RUST_LOG")
            .args(["-q", "--format", "json"])
            .args(args)
            .output()
            .expect("retune runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => true,
            Some(2) => {
                assert_eq!(stderr.lines().count(), 1, "retune {args:?}: {stderr}");
                false
            }
            other => panic!("retune {args:?} ended with {other:?}: {stderr}"),
        }
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
