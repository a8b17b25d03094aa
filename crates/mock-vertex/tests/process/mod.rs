//! The `mock-vertex` binary run on a data directory, as the restart and crash tests need it:
//! started (waiting for its ready line), killed with SIGKILL, stopped with SIGTERM, or run to
//! its refusal.

#![allow(dead_code)] // Each test file uses its own part.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mock-vertex");

/// How long a test waits for the process before calling it hung (a guard, not a sleep).
pub const GUARD: Duration = Duration::from_secs(60);

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--port")
        .arg("0")
        .arg("--data-dir")
        .arg(dir)
        .arg("--ca-dir")
        .arg(dir.with_extension("ca"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("MOCK_VERTEX_PORT")
        .env_remove("MOCK_VERTEX_HOST")
        .env_remove("MOCK_VERTEX_DATA_DIR");
    command
}

/// A running emulator; killed if a test fails before stopping it.
pub struct Emulator {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

/// `command` run with every file it writes limited to `blocks` blocks of 512 or 1,024 bytes (as
/// the shell counts them; `RLIMIT_FSIZE`, set by `ulimit -f` in `sh`): a "disk" that fills up
/// without mounting anything or any privilege. A write past it fails with `EFBIG` (the emulator
/// handles the SIGXFSZ that comes with it).
fn with_file_size_limit(command: &Command, blocks: u64) -> Command {
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(r#"ulimit -f "$0" && exec "$@""#)
        .arg(blocks.to_string())
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => limited.env(key, value),
            None => limited.env_remove(key),
        };
    }
    limited
}

impl Emulator {
    /// Starts the binary on `dir` and waits for its ready line.
    pub fn start(dir: &Path, args: &[&str]) -> Emulator {
        Emulator::spawn(command(dir, args), Stdio::inherit())
    }

    /// Starts the binary on `dir` with every file it writes limited to `blocks` (see
    /// [`with_file_size_limit`]), its stderr going to `stderr`.
    pub fn start_limited(dir: &Path, args: &[&str], blocks: u64, stderr: Stdio) -> Emulator {
        let command = with_file_size_limit(&command(dir, args), blocks);
        Emulator::spawn(command, stderr)
    }

    fn spawn(mut command: Command, stderr: Stdio) -> Emulator {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
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
        let url = line
            .trim()
            .strip_prefix("mock-vertex listening on ")
            .unwrap_or_else(|| {
                let _ = child.kill();
                panic!("no ready line, got {line:?}")
            })
            .to_owned();
        Emulator {
            child: Some(child),
            url,
        }
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Waits for the process to end by itself; its status.
    pub fn wait(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        rx.recv_timeout(GUARD).unwrap().unwrap()
    }

    /// SIGTERM, and waits for the process to end; its status.
    pub fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        rx.recv_timeout(GUARD).unwrap().unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the binary on `dir` expecting it to refuse: its exit code and stderr.
pub fn refusal(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    refused(command(dir, args))
}

/// [`refusal`] with every file written limited to `blocks` (see [`with_file_size_limit`]).
pub fn refusal_limited(dir: &Path, args: &[&str], blocks: u64) -> (Option<i32>, String) {
    refused(with_file_size_limit(&command(dir, args), blocks))
}

/// The one line a refusal wrote, checked as every refusal must be: exit status 1, no panic, a
/// single `mock-vertex:` line on stderr.
pub fn the_refusal_line(code: Option<i32>, stderr: &str) -> &str {
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("mock-vertex:"))
        .collect();
    assert_eq!(errors.len(), 1, "one line: {stderr}");
    errors[0]
}

fn refused(mut command: Command) -> (Option<i32>, String) {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = rx.recv_timeout(GUARD).unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains("listening"),
        "it started instead of refusing: {stdout}"
    );
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A call to the emulator: status and JSON body (`Value::Null` when not JSON).
pub async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> reqwest::Result<(u16, Value)> {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap());
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// A call that must answer 200: its body.
pub async fn ok(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> Value {
    let (status, value) = call(client, method.clone(), url, body).await.unwrap();
    assert_eq!(status, 200, "{method} {url}: {value}");
    value
}

/// A tokio runtime for one test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
