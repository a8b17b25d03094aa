//! The `mock-vertex` binary as a newcomer runs it: the ready line, the source document's example
//! request (as written, and corrected), clean stops on SIGTERM and SIGINT, `--help`, bad flags.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mock-vertex");

/// How long a test waits for the process before calling it hung (a guard, not a sleep).
const GUARD: Duration = Duration::from_secs(60);

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("MOCK_VERTEX_PORT")
        .env_remove("MOCK_VERTEX_HOST");
    command
}

/// A running `mock-vertex` process; killed if a test fails before stopping it.
struct Server {
    child: Option<Child>,
    base_url: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(GUARD).unwrap();
        let base_url = line
            .trim()
            .strip_prefix("mock-vertex listening on ")
            .unwrap_or_else(|| panic!("unexpected ready line {line:?}"))
            .to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
        Server {
            child: Some(child),
            base_url,
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends `signal` (a name `kill` knows) and waits for the process to end.
    fn stop_with(mut self, signal: &str) -> ExitStatus {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} failed");
        let mut child = self.child.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        rx.recv_timeout(GUARD)
            .unwrap_or_else(|_| panic!("mock-vertex did not stop on SIG{signal}"))
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the binary to completion (for flags that make it exit at once).
fn output(args: &[&str]) -> Output {
    let child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(GUARD).unwrap().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("authorization", "Bearer token-from-gcloud")
        .header("content-type", "application/json; charset=utf-8")
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn get(url: &str) -> Value {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.unwrap()
}

/// The source document's worked example, as written: location `global`, the public sample data
/// sets, `tunedModelDisplayName: tuned_gemini`, and a string `preTunedModel`.
fn document_example() -> Value {
    json!({
        "preTunedModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {
            "trainingDatasetUri": "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl",
            "validationDatasetUri": "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_validation_data.jsonl"
        },
        "tunedModelDisplayName": "tuned_gemini"
    })
}

#[test]
fn the_document_example_is_refused_as_written_and_succeeds_corrected() {
    let server = Server::start(&["--port", "0", "--jobs", "instant"]);
    let jobs = format!(
        "{}/v1/projects/my-project/locations/global/tuningJobs",
        server.base_url
    );
    runtime().block_on(async {
        // As written: a clear INVALID_ARGUMENT naming preTunedModel.
        let (status, err) = post(&jobs, &document_example()).await;
        assert_eq!(status, 400, "{err}");
        assert_eq!(err["error"]["status"], "INVALID_ARGUMENT");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("preTunedModel") || message.contains("pre_tuned_model"),
            "{message}"
        );

        // Corrected, first form: tune the base model the example names.
        let mut body = document_example();
        let base = body["preTunedModel"].take();
        body.as_object_mut().unwrap().remove("preTunedModel");
        body["baseModel"] = base;
        let (status, created) = post(&jobs, &body).await;
        assert_eq!(status, 200, "{created}");
        let name = created["name"].as_str().unwrap();
        let job = get(&format!("{}/v1/{name}", server.base_url)).await;
        assert_eq!(job["state"], "JOB_STATE_SUCCEEDED", "{job}");
        let tuned = job["tunedModel"]["model"].as_str().unwrap().to_owned();
        let model = get(&format!("{}/v1/{tuned}", server.base_url)).await;
        assert_eq!(model["displayName"], "tuned_gemini");

        // Corrected, second form: the continuous-tuning request the document is about, with
        // preTunedModel as an object naming the tuned model.
        let mut body = document_example();
        body["preTunedModel"] = json!({"tunedModelName": tuned.split('@').next().unwrap()});
        let (status, created) = post(&jobs, &body).await;
        assert_eq!(status, 200, "{created}");
        let name = created["name"].as_str().unwrap();
        let job = get(&format!("{}/v1/{name}", server.base_url)).await;
        assert_eq!(job["state"], "JOB_STATE_SUCCEEDED", "{job}");
        assert!(
            job["tunedModel"]["model"].as_str().unwrap().ends_with("@2"),
            "{job}"
        );
    });
    assert!(server.stop_with("TERM").success());
}

#[test]
fn sigterm_stops_it_cleanly() {
    let server = Server::start(&["--port", "0"]);
    let status = server.stop_with("TERM");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn sigint_stops_it_cleanly() {
    let server = Server::start(&["--port", "0", "--jobs", "manual", "--auth", "any-token"]);
    let status = server.stop_with("INT");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn help_lists_every_flag_and_exits_zero() {
    let out = output(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--port", "--host", "--gcs-dir", "--auth", "--jobs"] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
    }
}

#[test]
fn bad_flags_give_one_line_and_a_non_zero_status() {
    for args in [
        &["--jobs", "fast"][..],
        &["--auth", "token="],
        &["--port", "http"],
        &["--frobnicate"],
    ] {
        let out = output(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr:?}");
        assert!(stderr.starts_with("mock-vertex: "), "{args:?}: {stderr:?}");
    }
}

#[test]
fn a_port_in_use_is_one_line_and_a_failure() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = output(&["--port", &port]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.contains("cannot listen on 127.0.0.1:"), "{stderr:?}");
}
