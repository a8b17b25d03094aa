//! The real `retune` binary's advice, in its own words: each mistake gets the hint that fits it
//! (no generic "check --project/--location" where it does not apply, no `.;`), and the same kind
//! of mistake gets the same exit code.

mod support;

use mock_vertex::JobSpeed;
use support::{Emulator, GOOD_LINE, TRAIN, bare_retune, file_with};

#[track_caller]
fn assert_clean(stderr: &str) {
    assert!(!stderr.contains(".;"), "{stderr}");
    assert!(!stderr.contains("--project/--location"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_missing_bucket_points_to_create_bucket() {
    let emu = Emulator::start(JobSpeed::Instant);
    let file = file_with(&[GOOD_LINE]);
    let path = file.path().to_string_lossy().into_owned();
    let (code, _, stderr) = emu.run(&["dataset", "upload", &path, "gs://no-such-bucket/t.jsonl"]);
    assert_eq!(code, 5, "{stderr}");
    assert_clean(&stderr);
    assert!(
        stderr.contains("no such bucket: gs://no-such-bucket"),
        "{stderr}"
    );
    assert!(stderr.contains("--create-bucket"), "{stderr}");
    assert!(
        stderr.contains("retune emulator serve --bucket NAME"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_alias_points_to_the_versions_and_their_aliases() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    let (code, _, stderr) = emu.run(&["models", "describe", &format!("{model}@nope")]);
    assert_eq!(code, 5, "{stderr}");
    assert_clean(&stderr);
    assert!(
        stderr.ends_with(&format!(
            "no version of the model holds the alias `nope`; `retune models versions {model}` lists the versions and their aliases\n"
        )),
        "{stderr}"
    );
}

#[test]
fn an_unknown_model_keeps_the_name_and_location_hint_without_a_stray_full_stop() {
    let emu = Emulator::start(JobSpeed::Instant);
    let (code, _, stderr) = emu.run(&["models", "describe", "12345"]);
    assert_eq!(code, 5, "{stderr}");
    assert!(
        stderr.contains("models/12345 not found; check the name and --project/--location"),
        "{stderr}"
    );
}

#[test]
fn removing_the_default_alias_says_which_command_moves_it() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    let (code, _, stderr) = emu.run(&["models", "alias", "remove", &model, "default"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "error: invalid alias \"default\": the default alias is never removed, it moves: make another version the default with `retune models alias add {model}@VERSION default`\n"
        )
    );
    assert!(
        !stderr.contains("-default") && !stderr.contains("merge"),
        "{stderr}"
    );
}

#[test]
fn adding_an_alias_held_by_another_version_says_from_which() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    emu.json(&["continue", &model, "--train", TRAIN, "--wait"]);
    let (code, stdout, stderr) =
        emu.run(&["models", "alias", "add", &format!("{model}@1"), "golden"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("Moved"), "{stdout}");
    let (code, stdout, stderr) =
        emu.run(&["models", "alias", "add", &format!("{model}@2"), "golden"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("Moved golden from version 1.\n"),
        "{stdout}"
    );
}

#[test]
fn alias_add_and_remove_take_the_model_in_the_same_form() {
    let emu = Emulator::start(JobSpeed::Instant);
    let model = emu.tuned_model();
    emu.json(&["continue", &model, "--train", TRAIN, "--wait"]);
    let on_two = format!("{model}@2");
    emu.json(&["models", "alias", "add", &on_two, "golden", "canary"]);
    // MODEL@VERSION names where the alias is expected, and is checked.
    let (code, _, stderr) =
        emu.run(&["models", "alias", "remove", &format!("{model}@1"), "golden"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("alias golden is on version 2"), "{stderr}");
    assert!(
        stderr.contains("not on version 1; nothing was changed"),
        "{stderr}"
    );
    let (code, stdout, stderr) = emu.run(&["models", "alias", "remove", &on_two, "golden"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Removed golden from version 2"), "{stdout}");
    // And without a version, the alias comes off whichever version holds it.
    let (code, stdout, stderr) = emu.run(&["models", "alias", "remove", &model, "canary"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Removed canary from version 2"), "{stdout}");
}

#[test]
fn a_tuned_model_as_base_model_points_to_continue() {
    let (code, _, stderr) = run_bare(&[
        "--project",
        "p",
        "tune",
        "--base-model",
        "projects/p/locations/us-central1/models/42@1",
        "--train",
        "gs://bucket/t.jsonl",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("is a tuned model, not a foundation model; tune it further with `retune continue projects/p/locations/us-central1/models/42@1 --train"),
        "{stderr}"
    );
}

#[test]
fn a_local_path_for_train_points_to_dataset_upload() {
    let (code, _, stderr) = run_bare(&[
        "--project",
        "p",
        "tune",
        "--base-model",
        "gemini-2.5-flash",
        "--train",
        "data/train.jsonl",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("upload a local file first with `retune dataset upload data/train.jsonl gs://BUCKET/OBJECT.jsonl`"),
        "{stderr}"
    );
}

#[test]
fn adapter_size_help_and_errors_agree_and_share_one_exit_code() {
    let help = bare_retune()
        .args(["tune", "--help"])
        .output()
        .expect("retune runs");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("1, 2, 4, 8, 16 or 32, as the base model allows"),
        "{help}"
    );
    let tune = |size: &str| {
        run_bare(&[
            "--project",
            "p",
            "--endpoint",
            "http://127.0.0.1:9",
            "tune",
            "--base-model",
            "gemini-2.5-flash",
            "--train",
            "gs://bucket/t.jsonl",
            "--adapter-size",
            size,
        ])
    };
    // Not a rank at all, and a rank this base model does not allow: both usage errors.
    let (code, _, stderr) = tune("3");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("use 1, 2, 4, 8, 16 or 32, as the base model allows"),
        "{stderr}"
    );
    let (code, _, stderr) = tune("32");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("adapter size is not supported"), "{stderr}");
    // And an unknown --format value is one too.
    let (code, _, stderr) = run_bare(&["--format", "xml", "dataset", "validate", "f.jsonl"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("use table, json, yaml or value(FIELD,...)"),
        "{stderr}"
    );
}

#[test]
fn openai_chat_data_gets_the_conversion_to_gemini_contents() {
    let file = file_with(&[
        r#"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#,
    ]);
    let output = bare_retune()
        .args(["dataset", "validate"])
        .arg(file.path())
        .output()
        .expect("retune runs");
    assert_eq!(output.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("line 1: messages: this is OpenAI's chat format"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`contents` instead of `messages`"),
        "{stdout}"
    );
}

fn run_bare(args: &[&str]) -> (i32, String, String) {
    let output = bare_retune().args(args).output().expect("retune runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
