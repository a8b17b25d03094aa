//! What the end-to-end tests of the `retune` binary share: an emulator on 127.0.0.1:0 in the
//! test process, `retune` pointed at it with no settings inherited from the machine, and small
//! data sets.

// Each test binary uses its own part of this module.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use assert_cmd::Command;
use mock_vertex::{JobSpeed, MockVertex};
use serde_json::Value;

/// The project the tests work in.
pub const PROJECT: &str = "cli-tests";
/// A data set the emulator serves from the start.
pub const TRAIN: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
/// One valid Gemini example.
pub const GOOD_LINE: &str = r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello!"}]}]}"#;

/// The variables that would point `retune` somewhere else.
const INHERITED: [&str; 9] = [
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_VERTEX_BASE_URL",
    "RETUNE_ACCESS_TOKEN",
    "RUST_LOG",
    "CLOUDSDK_CORE_PROJECT",
    "CLOUDSDK_AI_REGION",
    "CLOUDSDK_COMPUTE_REGION",
    "CLOUDSDK_ACTIVE_CONFIG_NAME",
];

/// `retune` with nothing from the machine's environment or gcloud configuration.
pub fn bare_retune() -> Command {
    let mut cmd = Command::cargo_bin("retune").expect("the retune binary is built");
    for var in INHERITED {
        cmd.env_remove(var);
    }
    cmd.env("CLOUDSDK_CONFIG", "/nonexistent/gcloud");
    cmd
}

/// The same, as a `std` command to spawn and signal.
pub fn bare_child() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("retune"));
    for var in INHERITED {
        cmd.env_remove(var);
    }
    cmd.env("CLOUDSDK_CONFIG", "/nonexistent/gcloud");
    cmd
}

/// An emulator serving on a free loopback port for the life of the test.
pub struct Emulator {
    // Dropped first: the server stops, then its runtime.
    pub server: MockVertex,
    pub runtime: tokio::runtime::Runtime,
}

impl Emulator {
    pub fn start(speed: JobSpeed) -> Emulator {
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
    pub fn retune(&self) -> Command {
        let mut cmd = bare_retune();
        cmd.env("GOOGLE_VERTEX_BASE_URL", self.server.base_url())
            .env("GOOGLE_CLOUD_PROJECT", PROJECT)
            .env("GOOGLE_CLOUD_LOCATION", "us-central1");
        cmd
    }

    /// The same, to spawn.
    pub fn child(&self) -> std::process::Command {
        let mut cmd = bare_child();
        cmd.env("GOOGLE_VERTEX_BASE_URL", self.server.base_url())
            .env("GOOGLE_CLOUD_PROJECT", PROJECT)
            .env("GOOGLE_CLOUD_LOCATION", "us-central1");
        cmd
    }

    /// Runs `retune ARGS`: exit code, stdout, stderr.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.retune().args(args).output().expect("retune runs");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `retune --format json ARGS`, expects exit 0 and parses stdout.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let (code, stdout, stderr) = self.run(&all);
        assert_eq!(code, 0, "retune {args:?} failed: {stderr}");
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("retune {args:?} printed no JSON ({e}): {stdout}"))
    }

    /// Creates a bucket in the emulator's store.
    pub fn bucket(&self, name: &str) {
        let bucket = mock_vertex::storage::BucketName::parse(name).expect("a bucket name");
        self.runtime
            .block_on(self.server.emulator().objects().create_bucket(&bucket))
            .expect("the bucket is created");
    }

    /// Tunes gemini-2.5-flash on the sample data and waits; the tuned model's id.
    pub fn tuned_model(&self) -> String {
        let job = self.json(&[
            "tune",
            "--base-model",
            "gemini-2.5-flash",
            "--train",
            TRAIN,
            "--wait",
        ]);
        let tuned = job["tunedModel"]["model"].as_str().unwrap_or_default();
        let last = tuned.rsplit('/').next().unwrap_or_default();
        last.split('@').next().unwrap_or_default().to_owned()
    }

    /// Creates a job without waiting; its id.
    pub fn job(&self) -> String {
        let job = self.json(&["tune", "--base-model", "gemini-2.5-flash", "--train", TRAIN]);
        job["name"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A file holding these lines.
pub fn file_with(lines: &[&str]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(file.path(), lines.join("\n") + "\n").expect("written");
    file
}

/// A `retune` started in the background, with its stderr being read.
pub struct Running {
    child: Child,
    seen: Vec<String>,
    rest: std::thread::JoinHandle<String>,
}

impl Running {
    /// Spawns `cmd` with stderr piped and returns once its stderr has a line containing `mark`.
    pub fn until(mut cmd: std::process::Command, mark: &str) -> Running {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("retune starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut reader = BufReader::new(stderr);
        let mut seen = Vec::new();
        loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).expect("stderr reads");
            if n == 0 {
                let _ = child.kill();
                panic!("stderr ended before {mark:?}: {seen:?}");
            }
            let found = line.contains(mark);
            seen.push(line);
            if found {
                break;
            }
        }
        // The rest of stderr goes on being read, so that the child never blocks on it.
        let rest = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut reader, &mut text);
            text
        });
        Running { child, seen, rest }
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -INT failed");
    }

    /// Waits for the end: the exit code (-1 for a signal) and the whole stderr.
    pub fn finish(mut self) -> (i32, String) {
        let status = self.child.wait().expect("retune ends");
        let rest = self.rest.join().unwrap_or_default();
        (status.code().unwrap_or(-1), self.seen.concat() + &rest)
    }
}

/// `text` with every resource name written with its project's derived number: the emulator, as
/// Vertex AI (google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`), answers names with
/// the project number.
#[allow(dead_code)]
pub fn numbered(text: &str) -> String {
    mock_vertex::projects::Projects::default()
        .canonical(text)
        .into_owned()
}
