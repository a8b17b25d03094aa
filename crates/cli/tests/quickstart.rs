//! `retune quickstart`, run as a newcomer would: the real binary, its own in-process emulator,
//! and the narrated lines that tell the story.

use assert_cmd::Command;

fn quickstart(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("retune")
        .expect("the retune binary is built")
        .env_remove("GOOGLE_VERTEX_BASE_URL")
        .env_remove("GOOGLE_CLOUD_PROJECT")
        .env_remove("RUST_LOG")
        .arg("quickstart")
        .args(args)
        .output()
        .expect("retune quickstart runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn quickstart_narrates_the_whole_continuous_tuning_flow() {
    let (code, stdout, stderr) = quickstart(&[]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let expected = [
        "[1/10] Started the Vertex AI emulator at http://127.0.0.1:",
        "[2/10] Checking the bundled data sets and uploading them to gs://retune-quickstart:",
        "gs://retune-quickstart/support-v1.jsonl  16 examples, training set, valid",
        "[3/10] Tuning gemini-2.5-flash on support-v1.jsonl for 3 epochs",
        "SUCCEEDED: it made model",
        "[4/10] Checkpoints of version 1",
        "CHECKPOINT  EPOCH  STEP  DEFAULT",
        "[5/10] Continuing tuning from checkpoint 2 (not the default)",
        // Names come back with the project number, as Vertex AI answers them.
        "result:           a new version of projects/",
        "SUCCEEDED: it made version 2 of the same model",
        "[6/10] Asking versions 1 and 2 a question of the new data",
        "Version 1: [base model gemini-2.5-flash]",
        "Version 2: Open Family > Schedules",
        "[7/10] Versions of model",
        "[8/10] Putting the alias \"production\" on version 2",
        "now has the aliases: production.",
        "[9/10] A continuation the rules refuse",
        "Refused before anything was sent, with every reason at once (2):",
        "must use the same KMS key",
        "[10/10] Lineage of model",
        "checkpoint 2 (job",
        "<-  gemini-2.5-flash",
        "Quickstart complete in",
    ];
    let mut rest = stdout.as_str();
    for line in expected {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("missing (in order) {line:?} in:\n{stdout}"));
        rest = &rest[at + line.len()..];
    }
}

#[test]
fn silent_quickstart_prints_only_its_result() {
    let (code, stdout, stderr) = quickstart(&["--silent"]);
    assert_eq!(code, 0, "stderr:\n{stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.starts_with("Quickstart complete in"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}
