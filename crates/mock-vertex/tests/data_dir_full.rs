//! A data directory on a full "disk", through the real binary: the disk is a file-size limit
//! (`RLIMIT_FSIZE`, `ulimit -f` in the shell that starts it), which needs no mount and no
//! privilege. Full at start: one
//! line and exit status 1. Filling while serving: the write that cannot be committed is refused
//! with 503 UNAVAILABLE (never a 200), the emulator stops with one line and exit status 1, and
//! a restart with space again has every acknowledged write and nothing else.

mod process;

use std::path::Path;

use std::process::Stdio;

use process::{Emulator, call, refusal_limited, runtime, the_refusal_line};
use reqwest::Method;
use serde_json::{Value, json};

const LOC: &str = "projects/p/locations/us-central1";
const SAMPLE: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
/// What the emulator says of a write refused for want of space.
const NO_SPACE: &str = "no space to write (the disk is full, or a file-size limit was reached)";

fn job_body() -> Value {
    json!({
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE}
    })
}

/// Every tuning job stored in `LOC`, by name, page after page.
async fn listed_jobs(client: &reqwest::Client, url: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let (status, page) = call(
            client,
            Method::GET,
            &format!("{url}/v1/{LOC}/tuningJobs?pageSize=100&pageToken={token}"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{page}");
        for job in page["tuningJobs"].as_array().into_iter().flatten() {
            names.push(job["name"].as_str().unwrap().to_owned());
        }
        match page["nextPageToken"].as_str() {
            Some(next) if !next.is_empty() => token = next.to_owned(),
            _ => return names,
        }
    }
}

fn stderr_file(dir: &Path) -> (std::path::PathBuf, std::fs::File) {
    let path = dir.with_extension("stderr");
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}

#[test]
fn full_disk_at_start_is_one_line_and_exit_status_1() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let (code, stderr) = refusal_limited(&dir, &[], 0);
    let line = the_refusal_line(code, &stderr);
    assert!(line.contains("data directory"), "{stderr}");
    assert!(line.contains(NO_SPACE), "{stderr}");
}

#[test]
fn disk_filling_while_serving_refuses_the_write_stops_and_keeps_every_acknowledged_one() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let (stderr_path, stderr) = stderr_file(&dir);
    // 512 KiB or 1 MiB: room for some dozens of jobs (each with its model, version and
    // endpoints).
    let emulator = Emulator::start_limited(&dir, &["--jobs", "instant"], 1024, Stdio::from(stderr));
    let rt = runtime();
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let refused = rt.block_on(async {
        for _ in 0..5_000 {
            let (status, body) = call(
                &client,
                Method::POST,
                &format!("{}/v1/{LOC}/tuningJobs", emulator.url),
                Some(&job_body()),
            )
            .await
            .unwrap();
            if status != 200 {
                return (status, body);
            }
            acknowledged.push(body["name"].as_str().unwrap().to_owned());
        }
        panic!("5,000 jobs fitted in 1 MiB: the limit did not apply");
    });
    assert!(!acknowledged.is_empty(), "the first write already failed");
    let (status, body) = refused;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["status"], "UNAVAILABLE", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(NO_SPACE), "{message}");

    let exit = emulator.wait();
    assert_eq!(exit.code(), Some(1));
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let stopped: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("mock-vertex: stopped"))
        .collect();
    assert_eq!(stopped.len(), 1, "{stderr}");
    assert!(
        stopped[0].contains("the data directory can no longer be written"),
        "{stderr}"
    );
    assert!(stopped[0].contains(NO_SPACE), "{stderr}");

    // Space again: every acknowledged job is there, and the refused one is not.
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let mut stored = rt.block_on(listed_jobs(&client, &emulator.url));
    stored.sort();
    acknowledged.sort();
    assert_eq!(stored, acknowledged);
    // And it writes again.
    let (status, body) = rt
        .block_on(call(
            &client,
            Method::POST,
            &format!("{}/v1/{LOC}/tuningJobs", emulator.url),
            Some(&job_body()),
        ))
        .unwrap();
    assert_eq!(status, 200, "{body}");
}
