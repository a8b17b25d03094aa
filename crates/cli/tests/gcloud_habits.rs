//! gcloud's habits in the real `retune` binary: `--region`, the active gcloud configuration as a
//! fallback, `--format yaml|value(...)`, short state names in `--filter`, `describe`, delete
//! confirmation with `--quiet`, `--request-timeout`, 100-column tables, the default checkpoint
//! in JSON and a JSON-only quickstart.

mod support;

use mock_vertex::JobSpeed;
use support::{Emulator, PROJECT, TRAIN, bare_retune, numbered};

#[test]
fn region_is_an_alias_of_location() {
    let emu = Emulator::start(JobSpeed::Instant);
    let job = emu.json(&[
        "--region",
        "europe-west4",
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        TRAIN,
    ]);
    let name = job["name"].as_str().unwrap_or_default();
    assert!(
        name.starts_with(&numbered(&format!(
            "projects/{PROJECT}/locations/europe-west4"
        ))),
        "{name}"
    );
}

#[test]
fn project_and_region_fall_back_to_the_active_gcloud_configuration() {
    let emu = Emulator::start(JobSpeed::Instant);
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("configurations")).expect("created");
    std::fs::write(dir.path().join("active_config"), "work\n").expect("written");
    std::fs::write(
        dir.path().join("configurations/config_work"),
        "[core]\naccount = me@example.com\nproject = from-gcloud\n\n[ai]\nregion = asia-east1\n",
    )
    .expect("written");
    let tune = |project: Option<&str>| {
        let mut cmd = bare_retune();
        cmd.env("CLOUDSDK_CONFIG", dir.path())
            .env("GOOGLE_VERTEX_BASE_URL", emu.server.base_url());
        if let Some(project) = project {
            cmd.env("GOOGLE_CLOUD_PROJECT", project);
        }
        let output = cmd
            .args([
                "--format",
                "value(name)",
                "tune",
                "--base-model",
                "gemini-2.5-flash",
            ])
            .args(["--train", TRAIN])
            .output()
            .expect("retune runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    assert!(
        tune(None).starts_with(&numbered(
            "projects/from-gcloud/locations/asia-east1/tuningJobs/"
        )),
        "{}",
        tune(None)
    );
    // The environment wins over gcloud's configuration.
    assert!(
        tune(Some("from-env")).starts_with(&numbered("projects/from-env/locations/asia-east1")),
        "{}",
        tune(Some("from-env"))
    );
}

#[test]
fn formats_yaml_and_value_print_the_api_fields() {
    let emu = Emulator::start(JobSpeed::Instant);
    let id = emu.job();
    let (code, yaml, stderr) = emu.run(&["--format", "yaml", "jobs", "describe", &id]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        yaml.starts_with(&format!(
            "name: {}\n",
            numbered(&format!(
                "projects/{PROJECT}/locations/us-central1/tuningJobs/{id}"
            ))
        )),
        "{yaml}"
    );
    assert!(yaml.contains("\nstate: JOB_STATE_"), "{yaml}");
    let (code, value, stderr) = emu.run(&["jobs", "list", "--format", "value(state,baseModel)"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(value.lines().count(), 1, "{value}");
    assert_eq!(value, "JOB_STATE_SUCCEEDED\tgemini-2.5-flash\n");
}

#[test]
fn filter_takes_the_short_state_names_of_the_tables() {
    let emu = Emulator::start(JobSpeed::Manual);
    let pending = emu.job();
    let cancelled = emu.job();
    emu.json(&["jobs", "cancel", &cancelled]);
    emu.server
        .emulator()
        .advance(std::time::Duration::from_secs(3600));
    let ids = |filter: &str| {
        let (code, stdout, stderr) = emu.run(&[
            "jobs",
            "list",
            "--filter",
            filter,
            "--format",
            "value(name)",
        ]);
        assert_eq!(code, 0, "{stderr}");
        stdout
            .lines()
            .map(|l| l.rsplit('/').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("state=CANCELLED"), vec![cancelled.clone()]);
    assert_eq!(ids("state=JOB_STATE_CANCELLED"), vec![cancelled]);
    assert_eq!(ids("state!=CANCELLED"), vec![pending]);
}

#[test]
fn describe_and_get_show_the_same_job() {
    let emu = Emulator::start(JobSpeed::Instant);
    let id = emu.job();
    assert_eq!(
        emu.json(&["jobs", "describe", &id])["name"],
        emu.json(&["jobs", "get", &id])["name"]
    );
}

#[test]
fn delete_asks_on_a_terminal_and_quiet_does_not_ask() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    emu.json(&["continue", &model, "--train", TRAIN, "--wait"]);
    emu.json(&["continue", &model, "--train", TRAIN, "--wait"]);
    let retune = assert_cmd::cargo::cargo_bin("retune");
    // On a terminal (`script` gives it one), "n" keeps the version.
    let command = format!(
        "{} --project {PROJECT} --endpoint {} models delete-version {model}@2",
        retune.display(),
        emu.server.base_url()
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("CLOUDSDK_CONFIG", "/nonexistent/gcloud")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(b"n\n")?;
            }
            child.wait_with_output()
        })
        .expect("script runs retune on a terminal");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(
        shown.contains("Version 2 of") && shown.contains("Do you want to continue (Y/n)?"),
        "{shown}"
    );
    assert!(shown.contains("Nothing was deleted"), "{shown}");
    let versions = emu.json(&["models", "versions", &model]);
    assert_eq!(versions.as_array().map(Vec::len), Some(3), "{versions}");
    // --quiet does not ask; neither does a script (stdin is no terminal).
    let (code, stdout, stderr) =
        emu.run(&["--quiet", "models", "delete-version", &format!("{model}@2")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Deleted version 2"), "{stdout}");
    let (code, stdout, stderr) = emu.run(&["models", "delete-version", &format!("{model}@3")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Deleted version 3"), "{stdout}");
}

#[test]
fn request_timeout_ends_a_request_to_a_silent_endpoint_and_says_so() {
    // Accepts connections (the backlog) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
    let url = format!("http://{}", silent.local_addr().expect("an address"));
    let output = bare_retune()
        .args([
            "--project",
            "p",
            "--endpoint",
            &url,
            "--request-timeout",
            "300ms",
        ])
        .args(["jobs", "list"])
        .output()
        .expect("retune runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "a request to {} timed out after 0.3s",
            url.trim_start_matches("http://")
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: cannot list tuning jobs"),
        "{stderr}"
    );
}

#[test]
fn tables_fit_100_columns_with_short_ids_and_json_keeps_full_names() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    emu.json(&["continue", &model, "--train", TRAIN, "--wait"]);
    for args in [
        &["jobs", "list"][..],
        &["models", "list"],
        &["models", "versions", &model],
        &["models", "checkpoints", &model],
    ] {
        let (code, stdout, stderr) = emu.run(args);
        assert_eq!(code, 0, "{stderr}");
        for line in stdout.lines() {
            assert!(line.chars().count() <= 100, "{args:?}: {line}");
            assert!(!line.contains("projects/"), "{args:?}: {line}");
        }
    }
    let jobs = emu.json(&["jobs", "list"]);
    assert!(
        jobs[0]["tunedModel"]["model"]
            .as_str()
            .unwrap_or_default()
            .starts_with("projects/"),
        "{jobs}"
    );
}

#[test]
fn checkpoints_in_json_say_which_is_the_default() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    let version = emu.json(&["models", "describe", &model]);
    let checkpoints = emu.json(&["models", "checkpoints", &model]);
    let defaults: Vec<&serde_json::Value> = checkpoints
        .as_array()
        .expect("a list")
        .iter()
        .filter(|c| c["default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1, "{checkpoints}");
    assert_eq!(defaults[0]["checkpointId"], version["defaultCheckpointId"]);
}

#[test]
fn quickstart_in_json_prints_only_json() {
    let output = bare_retune()
        .args(["quickstart", "--format", "json"])
        .output()
        .expect("retune runs");
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document");
    assert!(
        summary["continuedVersion"]
            .as_str()
            .unwrap_or_default()
            .ends_with("@2"),
        "{summary}"
    );
    assert!(summary["lineage"]["versions"].is_array(), "{summary}");
}
