//! Training data into the emulator and checked before a job, through the real `retune` binary:
//! `dataset upload --create-bucket`, `emulator serve --bucket NAME`, and `--dry-run` reading the
//! data it names.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use mock_vertex::JobSpeed;
use support::{Emulator, GOOD_LINE, bare_child, bare_retune, file_with};

#[test]
fn upload_with_create_bucket_makes_the_bucket_and_tune_dry_run_reads_the_data() {
    let emu = Emulator::start(JobSpeed::Instant);
    let file = file_with(&[GOOD_LINE, GOOD_LINE]);
    let path = file.path().to_string_lossy().into_owned();
    let (code, stdout, stderr) = emu.run(&[
        "dataset",
        "upload",
        &path,
        "gs://fresh-bucket/train.jsonl",
        "--create-bucket",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("to gs://fresh-bucket/train.jsonl"),
        "{stdout}"
    );
    let (code, stdout, stderr) = emu.run(&[
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        "gs://fresh-bucket/train.jsonl",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("--train gs://fresh-bucket/train.jsonl: 2 examples, valid."),
        "{stdout}"
    );
    assert!(stdout.contains("nothing was sent"), "{stdout}");
    // Nothing was created.
    assert_eq!(emu.json(&["jobs", "list"]), serde_json::json!([]));
}

#[test]
fn dry_run_refuses_training_data_that_is_not_there() {
    let emu = Emulator::start(JobSpeed::Instant);
    emu.bucket("data");
    let (code, _, stderr) = emu.run(&[
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        "gs://data/missing.jsonl",
        "--dry-run",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(
        stderr,
        "error: --train gs://data/missing.jsonl does not exist; upload it with `retune dataset upload FILE gs://data/missing.jsonl`; nothing was sent\n"
    );
}

#[test]
fn dry_run_refuses_invalid_training_data_with_its_lines() {
    let emu = Emulator::start(JobSpeed::Instant);
    let file = file_with(&[
        GOOD_LINE,
        r#"{"contents": [{"role": "user", "parts": [{"text": "no answer"}]}]}"#,
    ]);
    let path = file.path().to_string_lossy().into_owned();
    let (code, _, stderr) = emu.run(&[
        "dataset",
        "upload",
        &path,
        "gs://data/bad.jsonl",
        "--create-bucket",
        "--no-validate",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let model = emu.tuned_model();
    let (code, stdout, stderr) = emu.run(&[
        "continue",
        &model,
        "--train",
        "gs://data/bad.jsonl",
        "--dry-run",
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stdout.contains("line 2: contents[0].role: the last turn must come from `model`"),
        "{stdout}"
    );
    assert!(
        stderr.contains("--train gs://data/bad.jsonl has 1 error"),
        "{stderr}"
    );
}

#[test]
fn emulator_serve_bucket_is_ready_for_uploads() {
    let mut child = bare_child()
        .args([
            "emulator", "serve", "--port", "0", "--jobs", "instant", "--bucket", "my-data",
        ])
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
    let file = file_with(&[GOOD_LINE]);
    let uploaded = bare_retune()
        .args(["--project", "p", "--endpoint", &url, "dataset", "upload"])
        .arg(file.path())
        .arg("gs://my-data/train.jsonl")
        .output();
    let _ = child.kill();
    let _ = child.wait();
    let uploaded = uploaded.expect("retune runs");
    assert!(
        uploaded.status.success(),
        "{}",
        String::from_utf8_lossy(&uploaded.stderr)
    );
}

#[test]
fn a_large_file_is_uploaded_whole_through_resumable_chunks() {
    let emu = Emulator::start(JobSpeed::Instant);
    emu.bucket("big-data");
    // About 9 MiB: more than one 8 MiB chunk.
    let lines: Vec<&str> =
        std::iter::repeat_n(GOOD_LINE, 9 * 1024 * 1024 / GOOD_LINE.len() + 1).collect();
    let file = file_with(&lines);
    let path = file.path().to_string_lossy().into_owned();
    let (code, stdout, stderr) = emu.run(&[
        "dataset",
        "upload",
        &path,
        "gs://big-data/train.jsonl",
        "--no-validate",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("to gs://big-data/train.jsonl"), "{stdout}");
    let uri = "gs://big-data/train.jsonl".parse().expect("a URI");
    let stored = emu
        .runtime
        .block_on(emu.server.emulator().objects().read(&uri))
        .expect("the object is stored");
    let sent = std::fs::read(file.path()).expect("the file reads");
    assert!(sent.len() > 8 * 1024 * 1024);
    assert_eq!(stored.len(), sent.len());
    assert!(stored == sent, "the stored object differs from the file");
}
