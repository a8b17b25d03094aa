//! The emulator as Google: programs that do not know about it (official clients built with their
//! defaults, `curl`) reach it through the environment `retune emulator env` exports, and nothing
//! leaves loopback.
//!
//! Each test starts an emulator on a free loopback port with a fresh CA directory. The Python
//! script and `curl` run with a cleared environment: only the exported variables (and a `HOME`
//! of their own, so no `gcloud` login on the machine is found) are visible to them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use mock_vertex::{AuthMode, JobSpeed, MockVertex};
use retune_model::emulator_env::{DEFAULT_LOCATION, DEFAULT_PROJECT, EmulatorEnv};
use retune_tests::python::{SCRIPT_TIMEOUT, python_env, run_script_in_clean_env, script_path};

/// Checks in `unmodified_programs.py`.
const UNMODIFIED_CHECKS: u32 = 7;

const REGIONAL_JOBS: &str =
    "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/tuningJobs";

struct Running {
    runtime: tokio::runtime::Runtime,
    server: MockVertex,
    ca_dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Running {
    /// An emulator that needs no credentials (as `curl` sends none).
    fn start() -> Running {
        Running::start_with(AuthMode::Anonymous)
    }

    fn start_with(auth: AuthMode) -> Running {
        let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
        let ca_dir = tempfile::tempdir().expect("a CA directory");
        let home = tempfile::tempdir().expect("a HOME");
        let server = runtime
            .block_on(
                MockVertex::builder()
                    .jobs(JobSpeed::Instant)
                    .auth(auth)
                    .ca_dir(ca_dir.path())
                    .start(),
            )
            .expect("the emulator starts on a loopback port");
        Running {
            runtime,
            server,
            ca_dir,
            home,
        }
    }

    fn ca_file(&self) -> String {
        let interceptor = self
            .server
            .emulator()
            .interceptor()
            .expect("a CA directory");
        let ca = interceptor.ca().expect("the CA is created");
        ca.cert_path().display().to_string()
    }

    /// What `retune emulator env` exports for this emulator, plus `HOME`.
    fn exported(&self) -> Vec<(String, String)> {
        let env = EmulatorEnv {
            authority: self.server.addr().to_string(),
            ca_file: self.ca_file(),
            project: DEFAULT_PROJECT.to_owned(),
            location: DEFAULT_LOCATION.to_owned(),
        };
        let mut vars: Vec<(String, String)> = env
            .vars()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        vars.push(("HOME".into(), self.home.path().display().to_string()));
        vars
    }

    /// `curl` with only `HTTPS_PROXY` and the CA in its environment.
    fn curl(&self, args: &[&str]) -> Output {
        Command::new("curl")
            .env_clear()
            .env("HTTPS_PROXY", format!("http://{}", self.server.addr()))
            .env("CURL_CA_BUNDLE", self.ca_file())
            .env("HOME", self.home.path())
            .args(["--silent", "--show-error", "--max-time", "20"])
            .args(args)
            .output()
            .expect("curl runs (it is needed by these tests)")
    }

    /// Sends raw bytes to the emulator and returns what it answers until it closes or pauses.
    fn raw(&self, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(self.server.addr()).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        stream.write_all(request).expect("writes");
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buffer) {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"\n") {
                break;
            }
        }
        String::from_utf8_lossy(&answer).into_owned()
    }

    fn still_serves(&self) {
        let out = self.curl(&[REGIONAL_JOBS]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), "{}");
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn official_clients_built_with_defaults_tune_continue_and_list_with_only_the_exported_environment()
{
    // Only the tokens its metadata server or token endpoint issue are accepted.
    let running = Running::start_with(AuthMode::Required);
    let python = python_env().require();
    let script = script_path("unmodified_programs.py");
    let source = std::fs::read_to_string(&script).expect("the script");
    for word in ["emulator", "127.0.0.1", "localhost", "base_url", "RETUNE"] {
        assert!(!source.contains(word), "the script mentions {word:?}");
    }
    let exported = running.exported();
    let envs: Vec<(&str, &str)> = exported
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let run = run_script_in_clean_env(&python, &script, &envs, SCRIPT_TIMEOUT)
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", script.display()));
    println!("{}", run.report());
    run.assert_passed(UNMODIFIED_CHECKS);
    // The Vertex calls came through the proxy, by the regional host's paths.
    let journal = running.server.emulator().requests();
    assert!(
        journal
            .iter()
            .any(|r| r.rpc.as_deref() == Some("CreateTuningJob")),
        "no CreateTuningJob in the journal"
    );
    drop(running.runtime);
}

#[test]
fn curl_with_only_https_proxy_and_the_ca_reaches_the_regional_vertex_host() {
    let running = Running::start();
    for (flag, version) in [("--http1.1", "1.1"), ("--http2", "2")] {
        let out = running.curl(&[
            flag,
            "--write-out",
            "\n%{http_code} %{http_version}",
            REGIONAL_JOBS,
        ]);
        assert!(out.status.success(), "{flag}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert_eq!(stdout, format!("{{}}\n200 {version}"), "{flag}");
    }
}

#[test]
fn curl_to_any_other_host_is_refused_and_nothing_is_contacted() {
    let running = Running::start();
    // A loopback listener standing for "anywhere else": the emulator must never connect to it.
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    elsewhere.set_nonblocking(true).expect("non-blocking");
    let elsewhere_url = format!("https://{}/", elsewhere.local_addr().expect("an address"));
    for url in [
        "https://example.com/",
        "https://refused.invalid/",
        "https://generativelanguage.googleapis.com/v1beta/models",
        elsewhere_url.as_str(),
    ] {
        let out = running.curl(&["--include", "--proxy-header", "X: y", url]);
        assert_eq!(
            out.status.code(),
            Some(56),
            "{url}: curl should report the refused CONNECT"
        );
        assert!(
            text(&out.stderr).contains("403"),
            "{url}: {}",
            text(&out.stderr)
        );
    }
    let answer = running.raw(
        format!(
            "CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n\r\n",
            elsewhere.local_addr().expect("an address")
        )
        .as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("refused CONNECT"), "{answer}");
    assert!(answer.contains("never connects anywhere else"), "{answer}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        elsewhere.accept().is_err(),
        "the emulator opened a connection to a host it does not serve"
    );
    running.still_serves();
}

#[test]
fn a_malformed_connect_is_400_and_the_emulator_keeps_serving() {
    let running = Running::start();
    for request in [
        "CONNECT aiplatform.googleapis.com HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT aiplatform.googleapis.com:https HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n",
    ] {
        let answer = running.raw(request.as_bytes());
        assert!(answer.starts_with("HTTP/1.1 400"), "{request:?}: {answer}");
    }
    let refused_port =
        running.raw(b"CONNECT aiplatform.googleapis.com:80 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(refused_port.starts_with("HTTP/1.1 403"), "{refused_port}");
    assert!(refused_port.contains("port 443 only"), "{refused_port}");
    running.still_serves();
}

#[test]
fn tls_for_a_name_the_emulator_does_not_serve_fails_the_handshake_and_it_keeps_serving() {
    let running = Running::start();
    // The tunnel goes to a served host, but the TLS handshake asks for another name.
    let out = running.curl(&[
        "--connect-to",
        "example.com:443:aiplatform.googleapis.com:443",
        "https://example.com/",
    ]);
    assert_eq!(out.status.code(), Some(35), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("alert"), "{}", text(&out.stderr));
    running.still_serves();
}

#[test]
fn the_ca_is_kept_in_the_chosen_directory_and_reused() {
    let running = Running::start();
    let first = running.ca_file();
    assert!(Path::new(&first).starts_with(running.ca_dir.path()));
    let pem = std::fs::read_to_string(&first).expect("the CA certificate");
    let again =
        mock_vertex::proxy::LocalCa::load_or_create(running.ca_dir.path()).expect("reloads");
    assert_eq!(again.cert_pem(), pem);
}
