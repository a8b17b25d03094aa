//! What a data directory keeps besides the records' fields, through the real binary: a tuned
//! version's GenerateContent answers and a rebase operation's job after a SIGKILL and restart,
//! each data set's statistics and training pairs stored once, the endpoints of tuned versions
//! derived from them instead of stored, and the format-1 and format-2 fixtures migrated.

mod process;

use std::path::Path;

use process::{Emulator, ok, runtime};
use reqwest::Method;
use serde_json::{Value, json};

const LOC: &str = "projects/p/locations/us-central1";
const SAMPLE: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
/// A question of the sample data set, and the answer it was trained with.
const QUESTION: &str = "What is the capital of Australia?";
const TRAINED: &str = "The capital of Australia is Canberra.";

async fn tuned_job(client: &reqwest::Client, url: &str) -> Value {
    let body = json!({
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE}
    });
    let job = ok(
        client,
        Method::POST,
        &format!("{url}/v1/{LOC}/tuningJobs"),
        Some(&body),
    )
    .await;
    let name = job["name"].as_str().unwrap();
    ok(client, Method::GET, &format!("{url}/v1/{name}"), None).await
}

async fn ask(client: &reqwest::Client, url: &str, endpoint: &str) -> String {
    let body = json!({"contents": [{"role": "user", "parts": [{"text": QUESTION}]}]});
    let reply = ok(
        client,
        Method::POST,
        &format!("{url}/v1/{endpoint}:generateContent"),
        Some(&body),
    )
    .await;
    reply["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn consistent(client: &reqwest::Client, url: &str) {
    let problems = ok(client, Method::GET, &format!("{url}/_emulator/check"), None).await;
    assert_eq!(problems["problems"], json!([]));
}

/// The database of a data directory, opened to read what it holds.
fn read_only(db: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

/// A data directory holding a copy of the fixture database of format `format`: the temporary
/// directory (removed when dropped), the data directory and its database file.
fn fixture_copy(format: u32) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/data-dir-v{format}/state.sqlite3"));
    let db = dir.join("state.sqlite3");
    std::fs::copy(&fixture, &db).unwrap();
    (temp, dir, db)
}

fn blob_count(db: &Path, prefix: &str) -> i64 {
    read_only(db)
        .query_row(
            "SELECT count(*) FROM blobs WHERE key LIKE ?1 || '%'",
            [prefix],
            |row| row.get(0),
        )
        .unwrap()
}

#[test]
fn tuned_version_answers_as_before_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let rt = runtime();
    let client = reqwest::Client::new();
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let first = rt.block_on(tuned_job(&client, &emulator.url));
    let second = rt.block_on(tuned_job(&client, &emulator.url));
    let endpoint = first["tunedModel"]["endpoint"].as_str().unwrap().to_owned();
    let before = rt.block_on(ask(&client, &emulator.url, &endpoint));
    assert_eq!(before, TRAINED, "trained on the sample data set");
    emulator.kill();

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    assert_eq!(rt.block_on(ask(&client, &emulator.url, &endpoint)), before);
    let other = second["tunedModel"]["endpoint"].as_str().unwrap();
    assert_eq!(rt.block_on(ask(&client, &emulator.url, other)), TRAINED);
    let name = first["name"].as_str().unwrap();
    let reread = rt.block_on(ok(
        &client,
        Method::GET,
        &format!("{}/v1/{name}", emulator.url),
        None,
    ));
    assert_eq!(reread["tuningDataStats"], first["tuningDataStats"]);
    rt.block_on(consistent(&client, &emulator.url));
    emulator.kill();

    // Two jobs on one data set: its statistics and its pairs are stored once.
    let db = dir.join("state.sqlite3");
    assert_eq!(blob_count(&db, "stats-"), 1);
    assert_eq!(blob_count(&db, "pairs-"), 1);
}

#[test]
fn rebase_operation_keeps_its_job_after_a_restart() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let rt = runtime();
    let client = reqwest::Client::new();
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let job = rt.block_on(tuned_job(&client, &emulator.url));
    let body = json!({"tunedModelRef": {"tunedModel": job["tunedModel"]["model"]},
                      "tuningJob": {"tunedModelDisplayName": "rebased"}});
    let op = rt.block_on(ok(
        &client,
        Method::POST,
        &format!("{}/v1/{LOC}/tuningJobs:rebaseTunedModel", emulator.url),
        Some(&body),
    ));
    let op_name = op["name"].as_str().unwrap().to_owned();
    assert_eq!(op["response"]["tunedModelDisplayName"], "rebased", "{op}");
    let get = |url: &str| format!("{url}/v1/{op_name}");
    let before = rt.block_on(ok(&client, Method::GET, &get(&emulator.url), None));
    emulator.kill();

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let after = rt.block_on(ok(&client, Method::GET, &get(&emulator.url), None));
    assert_eq!(after, before);
    assert_eq!(after["response"]["name"], op["response"]["name"]);
    rt.block_on(consistent(&client, &emulator.url));
}

#[test]
fn format_1_directory_is_migrated_with_its_statistics_stored_once() {
    let (_temp, dir, db) = fixture_copy(1);
    let rt = runtime();
    let client = reqwest::Client::new();
    let base = "projects/fixture/locations/us-central1";
    let job = |url: &str, id: &str| format!("{url}/v1/{base}/tuningJobs/{id}");

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let first = rt.block_on(ok(
        &client,
        Method::GET,
        &job(&emulator.url, "1000000000000001"),
        None,
    ));
    let rebased = rt.block_on(ok(
        &client,
        Method::GET,
        &job(&emulator.url, "1000000000000002"),
        None,
    ));
    assert_eq!(first["state"], "JOB_STATE_SUCCEEDED", "{first}");
    assert_eq!(first["tunedModelDisplayName"], "fixture-bot");
    assert_eq!(rebased["baseModel"], "gemini-3.5-flash");
    let stats = &first["tuningDataStats"]["supervisedTuningDataStats"];
    assert!(stats["tuningDatasetExampleCount"].is_string(), "{first}");
    assert_eq!(rebased["tuningDataStats"], first["tuningDataStats"]);
    rt.block_on(consistent(&client, &emulator.url));
    // Written by the new format from now on: a new job's pairs are kept.
    let endpoint = rt.block_on(tuned_job(&client, &emulator.url))["tunedModel"]["endpoint"]
        .as_str()
        .unwrap()
        .to_owned();
    emulator.kill();

    assert_eq!(blob_count(&db, "stats-"), 1, "one data set, one copy");
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let reread = rt.block_on(ok(
        &client,
        Method::GET,
        &job(&emulator.url, "1000000000000001"),
        None,
    ));
    assert_eq!(reread, first);
    assert_eq!(rt.block_on(ask(&client, &emulator.url, &endpoint)), TRAINED);
}

fn endpoint_rows(db: &Path) -> Vec<String> {
    let connection = read_only(db);
    let mut statement = connection
        .prepare("SELECT name FROM records WHERE kind = 'endpoint' ORDER BY name")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn format_2_directory_keeps_its_endpoints_and_writes_none_for_new_versions() {
    let (_temp, dir, db) = fixture_copy(2);
    let stale = endpoint_rows(&db);
    assert_eq!(stale.len(), 3, "the fixture's endpoint rows");
    let rt = runtime();
    let client = reqwest::Client::new();
    // Written by the format-2 emulator: a job tuned for two epochs (labels `team=fixtures`),
    // continued from its checkpoint 1 as version 2, and version 1 relabelled `team=relabelled`.
    let base = "projects/180066002802/locations/us-central1";
    let model = format!("{base}/models/2000000000000001");

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let get = |url: &str, name: &str| {
        rt.block_on(ok(&client, Method::GET, &format!("{url}/v1/{name}"), None))
    };
    let first = get(
        &emulator.url,
        &format!("{base}/tuningJobs/1000000000000001"),
    );
    assert_eq!(first["state"], "JOB_STATE_SUCCEEDED", "{first}");
    let listed = get(&emulator.url, &format!("{base}/endpoints"));
    let endpoints: Vec<&str> = listed["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(endpoints, stale, "{listed}");
    let checkpoint_1 = get(&emulator.url, &stale[0]);
    assert_eq!(
        checkpoint_1["labels"],
        json!({"team": "fixtures"}),
        "{checkpoint_1}"
    );
    assert_eq!(checkpoint_1["displayName"], "1000000000000001-checkpoint-1");
    let v1 = get(&emulator.url, &format!("{model}@1"));
    assert_eq!(v1["labels"], json!({"team": "relabelled"}), "{v1}");
    let v2 = get(&emulator.url, &format!("{model}@2"));
    assert_eq!(v2["labels"]["tune-type"], "sft", "{v2}");
    assert_eq!(
        v2["labels"]["google-vertex-llm-tuning-job-id"], "1000000000000002",
        "{v2}"
    );
    assert_eq!(
        rt.block_on(ask(&client, &emulator.url, &stale[2])),
        TRAINED,
        "version 2 answers as trained"
    );
    rt.block_on(consistent(&client, &emulator.url));
    let tuned = rt.block_on(tuned_job(&client, &emulator.url));
    let new_endpoint = tuned["tunedModel"]["endpoint"].as_str().unwrap().to_owned();
    emulator.kill();

    assert_eq!(
        endpoint_rows(&db),
        stale,
        "a new version's endpoints have no row"
    );
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    assert_eq!(
        rt.block_on(ask(&client, &emulator.url, &new_endpoint)),
        TRAINED
    );
    // Deleting version 2 deletes its endpoint, and that endpoint's format-2 row.
    rt.block_on(ok(
        &client,
        Method::DELETE,
        &format!("{}/v1/{model}@2:deleteVersion", emulator.url),
        None,
    ));
    let (status, _) = rt
        .block_on(process::call(
            &client,
            Method::GET,
            &format!("{}/v1/{}", emulator.url, stale[2]),
            None,
        ))
        .unwrap();
    assert_eq!(status, 404);
    rt.block_on(consistent(&client, &emulator.url));
    emulator.kill();
    assert_eq!(endpoint_rows(&db), stale[..2].to_vec());
}

/// The JSON body of the row of record `name`.
fn row_body(db: &Path, name: &str) -> Value {
    let body: String = read_only(db)
        .query_row("SELECT body FROM records WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

#[test]
fn a_jobs_row_leaves_out_its_versions_checkpoints_until_the_version_is_deleted() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let db = dir.join("state.sqlite3");
    let rt = runtime();
    let client = reqwest::Client::new();
    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let job = rt.block_on(tuned_job(&client, &emulator.url));
    let name = job["name"].as_str().unwrap().to_owned();
    let model = job["tunedModel"]["model"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        !job["tunedModel"]["checkpoints"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    emulator.kill();
    let output = &row_body(&db, &name)["phase"]["output"];
    assert_eq!(output["checkpointsOfVersion"], true, "{output}");
    assert_eq!(output["checkpoints"], json!([]), "{output}");

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    let get = |url: &str| rt.block_on(ok(&client, Method::GET, &format!("{url}/v1/{name}"), None));
    assert_eq!(get(&emulator.url), job);
    rt.block_on(ok(
        &client,
        Method::DELETE,
        &format!("{}/v1/{model}", emulator.url),
        None,
    ));
    rt.block_on(consistent(&client, &emulator.url));
    emulator.kill();
    let output = &row_body(&db, &name)["phase"]["output"];
    assert!(output.get("checkpointsOfVersion").is_none(), "{output}");
    assert_eq!(
        output["checkpoints"].as_array().map(Vec::len),
        job["tunedModel"]["checkpoints"].as_array().map(Vec::len),
        "{output}"
    );

    let emulator = Emulator::start(&dir, &["--jobs", "instant"]);
    assert_eq!(get(&emulator.url), job, "the job still shows what it made");
    rt.block_on(consistent(&client, &emulator.url));
}
