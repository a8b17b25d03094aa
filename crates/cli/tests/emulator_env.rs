//! `retune emulator env`, and `retune` itself run with nothing but what it exports: the calls go
//! to Google's regional host through the emulator's proxy, trusted by its CA, with a token from
//! its metadata server (the emulator accepts only tokens it issued).

use assert_cmd::Command;
use mock_vertex::{AuthMode, JobSpeed, MockVertex};
use retune_model::emulator_env::ENV_NAMES;
use serde_json::Value;

struct Running {
    server: MockVertex,
    _runtime: tokio::runtime::Runtime,
    ca_dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Running {
    fn start() -> Running {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let ca_dir = tempfile::tempdir().expect("a CA directory");
        let server = runtime
            .block_on(
                MockVertex::builder()
                    .jobs(JobSpeed::Instant)
                    .auth(AuthMode::Required)
                    .ca_dir(ca_dir.path())
                    .start(),
            )
            .expect("the emulator starts");
        Running {
            server,
            _runtime: runtime,
            ca_dir,
            home: tempfile::tempdir().expect("a HOME"),
        }
    }

    /// `retune` with a cleared environment.
    fn retune(&self) -> Command {
        let mut cmd = Command::cargo_bin("retune").expect("the retune binary is built");
        cmd.env_clear().env("HOME", self.home.path());
        cmd
    }

    fn env_output(&self, extra: &[&str]) -> String {
        let output = self
            .retune()
            .args(["emulator", "env", "--endpoint", &self.server.base_url()])
            .args(extra)
            .output()
            .expect("retune runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    }

    /// The exported variables, read back from the `export NAME='value'` lines.
    fn exported(&self) -> Vec<(String, String)> {
        self.env_output(&[])
            .lines()
            .map(|line| {
                let (name, value) = line
                    .strip_prefix("export ")
                    .and_then(|rest| rest.split_once('='))
                    .unwrap_or_else(|| panic!("not an export line: {line}"));
                (name.to_owned(), value.trim_matches('\'').to_owned())
            })
            .collect()
    }
}

#[test]
fn env_prints_one_export_per_variable_naming_the_ca_and_the_emulator() {
    let running = Running::start();
    let exported = running.exported();
    let names: Vec<&str> = exported.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ENV_NAMES);
    let value = |name: &str| {
        exported
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let authority = running.server.addr().to_string();
    assert_eq!(value("HTTPS_PROXY"), format!("http://{authority}"));
    assert_eq!(value("GCE_METADATA_HOST"), authority);
    let ca = running.ca_dir.path().join("ca.pem");
    assert_eq!(value("SSL_CERT_FILE"), ca.display().to_string());
    assert!(ca.is_file());
}

#[test]
fn env_as_json_is_the_same_object_and_unset_undoes_it() {
    let running = Running::start();
    let json: Value =
        serde_json::from_str(&running.env_output(&["--format", "json"])).expect("JSON");
    for (name, value) in running.exported() {
        assert_eq!(json[&name], value, "{name}");
    }
    let unset = running.env_output(&["--unset"]);
    for name in ENV_NAMES {
        assert!(unset.contains(&format!("unset {name}\n")), "{unset}");
    }
}

#[test]
fn env_without_a_running_emulator_says_how_to_start_one() {
    let running = Running::start();
    let output = running
        .retune()
        .args(["emulator", "env", "--endpoint", "http://127.0.0.1:1"])
        .output()
        .expect("retune runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("retune emulator serve"), "{stderr}");
}

#[test]
fn retune_runs_against_the_emulator_with_only_the_exported_environment() {
    let running = Running::start();
    let mut cmd = running.retune();
    cmd.envs(running.exported());
    let output = cmd
        .args(["--format", "json", "jobs", "list"])
        .output()
        .expect("retune runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let journal = running.server.emulator().requests();
    let listed = journal
        .iter()
        .find(|r| r.rpc.as_deref() == Some("ListTuningJobs"))
        .expect("the call reached the emulator");
    assert_eq!(listed.status, 200);
    assert!(
        listed
            .path
            .contains("/projects/emulator-project/locations/us-central1/"),
        "{}",
        listed.path
    );
}
