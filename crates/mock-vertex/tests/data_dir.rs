//! `mock-vertex --data-dir` through the real binary: state that survives SIGKILL, a scaled job
//! that finishes after a restart, the format-0 fixture migrated, and every directory it cannot
//! use refused with one line and exit status 1 (never a panic, never an empty state).

mod process;

use std::path::Path;

use process::{Emulator, call, ok, refusal, runtime, the_refusal_line};
use reqwest::Method;
use serde_json::{Value, json};

const LOC: &str = "projects/p/locations/us-central1";
const SAMPLE: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";

fn job_body() -> Value {
    json!({
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE}
    })
}

async fn create_job(client: &reqwest::Client, url: &str) -> String {
    let job = ok(
        client,
        Method::POST,
        &format!("{url}/v1/{LOC}/tuningJobs"),
        Some(&job_body()),
    )
    .await;
    job["name"].as_str().unwrap().to_owned()
}

/// Writes one job through a running emulator, then stops it with SIGTERM.
fn dir_with_one_job(dir: &Path) -> String {
    let emulator = Emulator::start(dir, &["--jobs", "instant"]);
    let client = reqwest::Client::new();
    let name = runtime().block_on(create_job(&client, &emulator.url));
    assert!(emulator.stop().success());
    name
}

fn assert_one_line_refusal(dir: &Path, args: &[&str], expected: &str) {
    let (code, stderr) = refusal(dir, args);
    let line = the_refusal_line(code, &stderr);
    assert!(
        line.contains(expected),
        "expected {expected:?} in {stderr:?}"
    );
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let rt = runtime();
    let client = reqwest::Client::new();
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let job = rt.block_on(create_job(&client, &emulator.url));
    let finished = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{job}", emulator.url),
        None,
    ));
    assert_eq!(finished["state"], "JOB_STATE_SUCCEEDED");
    let model = finished["tunedModel"]["model"].as_str().unwrap().to_owned();
    emulator.kill();

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let again = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{job}", emulator.url),
        None,
    ));
    assert_eq!(again, finished, "the job reads as before the kill");
    let version = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{model}", emulator.url),
        None,
    ));
    assert_eq!(version["versionAliases"], json!(["default"]));
    // Ids go on from where they were: no id is issued twice.
    let next = rt.block_on(create_job(&client, &emulator.url));
    assert!(next > job, "{next} after {job}");
    let problems = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/_emulator/check", emulator.url),
        None,
    ));
    assert_eq!(problems["problems"], json!([]));
}

#[test]
fn scaled_job_started_before_a_restart_finishes_after_it_registered_once() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let rt = runtime();
    let client = reqwest::Client::new();
    let emulator = Emulator::start(&dir, &["--jobs", "scaled"]);
    let job = rt.block_on(create_job(&client, &emulator.url));
    let state = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{job}", emulator.url),
        None,
    ));
    assert_ne!(
        state["state"], "JOB_STATE_SUCCEEDED",
        "the job is still running"
    );
    emulator.kill();

    let emulator = Emulator::start(&dir, &["--jobs", "scaled"]);
    let done = rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{}/_emulator/await", emulator.url),
        Some(&json!({"job": job, "timeout": "30s"})),
    ));
    assert_eq!(done["state"], "JOB_STATE_SUCCEEDED", "{done}");
    // Restarted once more after it finished: still one version, made by this job.
    emulator.kill();
    let emulator = Emulator::start(&dir, &["--jobs", "scaled"]);
    let models = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{LOC}/models", emulator.url),
        None,
    ));
    let mut versions = Vec::new();
    for model in models["models"].as_array().unwrap() {
        let name = model["name"].as_str().unwrap();
        let listed = rt.block_on(ok(
            &client,
            Method::GET,
            &format!("{}/v1/{name}:listVersions", emulator.url),
            None,
        ));
        versions.extend(listed["models"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(versions.len(), 1, "one version: {versions:?}");
    let tuned = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{job}", emulator.url),
        None,
    ));
    assert_eq!(tuned["tunedModel"]["model"], versions[0]["name"]);
}

#[test]
fn format_0_directory_is_migrated_and_its_export_kept() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data-dir-v0/state.json");
    std::fs::copy(&fixture, dir.join("state.json")).unwrap();
    let rt = runtime();
    let client = reqwest::Client::new();
    let base = "projects/fixture/locations/us-central1";

    let emulator = Emulator::start(&dir, &["--jobs", "manual"]);
    let done = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{base}/tuningJobs/1000000000000001", emulator.url),
        None,
    ));
    assert_eq!(done["state"], "JOB_STATE_SUCCEEDED");
    // The fixture's records were written with the project id; they load under the number, the
    // form Vertex AI answers (google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`),
    // and the id still reaches them.
    let numbered = mock_vertex::projects::Projects::default()
        .canonical(base)
        .into_owned();
    assert_ne!(numbered, base);
    assert_eq!(
        done["name"],
        format!("{numbered}/tuningJobs/1000000000000001")
    );
    assert!(
        done["tunedModel"]["model"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{numbered}/models/")),
        "{done}"
    );
    let by_number = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{numbered}/tuningJobs/1000000000000001", emulator.url),
        None,
    ));
    assert_eq!(by_number, done);
    let clock = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/_emulator/clock", emulator.url),
        None,
    ));
    assert_eq!(clock["now"], "2026-01-15T11:00:00Z", "{clock}");
    emulator.kill();
    assert_eq!(
        std::fs::read(dir.join("state.json")).unwrap(),
        std::fs::read(&fixture).unwrap(),
        "the export is left as it was"
    );

    // Now from the database: the pending job goes on where the clock was.
    let emulator = Emulator::start(&dir, &["--jobs", "manual"]);
    let pending = format!("{}/v1/{base}/tuningJobs/1000000000000002", emulator.url);
    let job = rt.block_on(ok(&client, Method::GET, &pending, None));
    assert_eq!(job["state"], "JOB_STATE_PENDING");
    assert_eq!(
        job["name"],
        format!("{numbered}/tuningJobs/1000000000000002")
    );
    let export = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/_emulator/state", emulator.url),
        None,
    ));
    assert!(
        !export.to_string().contains(&format!("\"{base}")),
        "no record keeps its id name after the restart: {export}"
    );
    rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{}/_emulator/clock", emulator.url),
        Some(&json!({"advance": "3600s"})),
    ));
    let job = rt.block_on(ok(&client, Method::GET, &pending, None));
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    let problems = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/_emulator/check", emulator.url),
        None,
    ));
    assert_eq!(problems["problems"], json!([]));
}

#[test]
fn data_dir_that_is_a_file_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("file");
    std::fs::write(&file, "not a directory").unwrap();
    assert_one_line_refusal(&file, &[], "not a directory");
}

#[test]
fn database_that_cannot_be_opened_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    std::fs::create_dir_all(dir.join("state.sqlite3")).unwrap();
    assert_one_line_refusal(&dir, &[], "database");
}

#[test]
fn second_emulator_on_one_directory_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let first = Emulator::start(&dir, &[]);
    assert_one_line_refusal(&dir, &[], "in use by another emulator");
    // The first one is unharmed.
    let rt = runtime();
    let client = reqwest::Client::new();
    rt.block_on(create_job(&client, &first.url));
}

#[test]
fn truncated_database_is_refused_never_read_as_empty() {
    for keep in [0_u64, 100, 5000] {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("data");
        dir_with_one_job(&dir);
        let db = dir.join("state.sqlite3");
        let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        file.set_len(keep.min(file.metadata().unwrap().len() / 2))
            .unwrap();
        drop(file);
        let _ = std::fs::remove_file(dir.join("state.sqlite3-wal"));
        assert_one_line_refusal(&dir, &[], "damaged");
    }
}

#[test]
fn database_missing_its_last_page_is_refused_as_truncated() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    dir_with_one_job(&dir);
    let db = dir.join("state.sqlite3");
    let _ = std::fs::remove_file(dir.join("state.sqlite3-wal"));
    let page_size: u64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    let len = file.metadata().unwrap().len();
    file.set_len(len - page_size).unwrap();
    drop(file);
    assert_one_line_refusal(&dir, &[], "pages its header counts: truncated");
}

#[test]
fn database_with_a_damaged_table_page_is_refused_when_read() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    dir_with_one_job(&dir);
    let db = dir.join("state.sqlite3");
    let _ = std::fs::remove_file(dir.join("state.sqlite3-wal"));
    let (page_size, root): (u64, u64) = {
        let connection = rusqlite::Connection::open(&db).unwrap();
        let page_size = connection
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .unwrap();
        let root = connection
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE name = 'records'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        (page_size, root)
    };
    let mut bytes = std::fs::read(&db).unwrap();
    let start = usize::try_from((root - 1) * page_size).unwrap();
    let end = start + usize::try_from(page_size).unwrap();
    bytes[start..end].fill(0xA5);
    std::fs::write(&db, bytes).unwrap();
    assert_one_line_refusal(&dir, &[], "damaged");
}

#[test]
fn newer_format_is_refused_with_the_versions() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    dir_with_one_job(&dir);
    let db = rusqlite::Connection::open(dir.join("state.sqlite3")).unwrap();
    db.execute("UPDATE meta SET value = '99' WHERE key = 'format'", [])
        .unwrap();
    drop(db);
    assert_one_line_refusal(
        &dir,
        &[],
        "format 99, newer than this emulator reads (up to 3)",
    );
}

#[test]
fn failed_start_leaves_the_directory_usable() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let job = dir_with_one_job(&dir);
    let holder = Emulator::start(&dir, &[]);
    assert_one_line_refusal(&dir, &[], "in use");
    holder.kill();
    let emulator = Emulator::start(&dir, &[]);
    let rt = runtime();
    let client = reqwest::Client::new();
    let (status, _) = rt
        .block_on(call(
            &client,
            Method::GET,
            &format!("{}/v1/{job}", emulator.url),
            None,
        ))
        .unwrap();
    assert_eq!(status, 200);
}

#[test]
fn named_snapshots_save_load_list_delete_with_objects() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let rt = runtime();
    let client = reqwest::Client::new();
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let url = emulator.url.clone();
    let job = rt.block_on(create_job(&client, &url));
    rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{url}/storage/v1/b?project=p"),
        Some(&json!({"name": "mine"})),
    ));
    let (status, _) = rt
        .block_on(async {
            client
                .post(format!(
                    "{url}/upload/storage/v1/b/mine/o?uploadType=media&name=a.txt"
                ))
                .body("hello")
                .send()
                .await
                .map(|r| (r.status().as_u16(), ()))
        })
        .unwrap();
    assert_eq!(status, 200);
    let saved = rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{url}/_emulator/snapshots/one"),
        Some(&json!({"objects": true})),
    ));
    assert_eq!(saved["name"], "one");
    rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{url}/_emulator/snapshots/bare"),
        None,
    ));
    let listed = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{url}/_emulator/snapshots"),
        None,
    ));
    let names: Vec<&str> = listed["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bare", "one"]);
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.join("snapshots/one.json")).unwrap()).unwrap();
    assert_eq!(
        file["objects"][0]["name"], "a.txt",
        "the object store is included"
    );
    let bare: Value =
        serde_json::from_slice(&std::fs::read(dir.join("snapshots/bare.json")).unwrap()).unwrap();
    assert!(bare.get("objects").is_none(), "left out without the flag");

    // Forget everything, then load: the job and the object are back.
    rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{url}/_emulator/reset"),
        None,
    ));
    let (status, _) = rt
        .block_on(call(&client, Method::GET, &format!("{url}/v1/{job}"), None))
        .unwrap();
    assert_eq!(status, 404);
    rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{url}/_emulator/snapshots/one/load"),
        None,
    ));
    rt.block_on(ok(&client, Method::GET, &format!("{url}/v1/{job}"), None));
    let object = rt
        .block_on(async {
            client
                .get(format!("{url}/storage/v1/b/mine/o/a.txt?alt=media"))
                .send()
                .await?
                .text()
                .await
        })
        .unwrap();
    assert_eq!(object, "hello");
    // A loaded snapshot is the state the data directory keeps.
    emulator.kill();
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let url = emulator.url.clone();
    rt.block_on(ok(&client, Method::GET, &format!("{url}/v1/{job}"), None));

    rt.block_on(ok(
        &client,
        Method::DELETE,
        &format!("{url}/_emulator/snapshots/bare"),
        None,
    ));
    let (status, body) = rt
        .block_on(call(
            &client,
            Method::POST,
            &format!("{url}/_emulator/snapshots/bare/load"),
            None,
        ))
        .unwrap();
    assert_eq!(status, 404, "{body}");
    let (status, body) = rt
        .block_on(call(
            &client,
            Method::POST,
            &format!("{url}/_emulator/snapshots/..%2Fx"),
            None,
        ))
        .unwrap();
    assert_eq!(status, 400, "{body}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        [std::ffi::OsString::from("one.json")],
        "no temporary files left"
    );
}

#[test]
fn export_on_exit_writes_a_file_that_import_reads_back() {
    let temp = tempfile::tempdir().unwrap();
    let export = temp.path().join("export.json");
    std::fs::write(&export, "the previous export").unwrap();
    let rt = runtime();
    let client = reqwest::Client::new();
    let first = temp.path().join("first");
    let export_arg = export.to_str().unwrap();
    let emulator = Emulator::start(
        &first,
        &["--jobs", "instant", "--export-on-exit", export_arg],
    );
    let job = rt.block_on(create_job(&client, &emulator.url));
    assert!(emulator.stop().success());
    let written: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(written["format"], 1);

    let second = temp.path().join("second");
    let emulator = Emulator::start(&second, &["--jobs", "instant", "--import", export_arg]);
    rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{job}", emulator.url),
        None,
    ));
    assert!(first.join("state.sqlite3").exists(), "nothing was deleted");
}
