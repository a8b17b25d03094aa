//! The control API over real TCP (`127.0.0.1:0`): await blocking while another connection moves
//! the clock, faults and the journal, seeding and state export.

use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{JobSpeed, MockVertex, Rpc};
use reqwest::StatusCode;
use serde_json::{Value, json};

const LOC: &str = "projects/p1/locations/us-central1";

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

fn job_body() -> Value {
    json!({
        "baseModel": "gemini-2.5-flash",
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
    })
}

#[tokio::test]
async fn await_blocks_until_another_connection_advances_the_clock() {
    let server = MockVertex::builder()
        .jobs(JobSpeed::Manual)
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let client = reqwest::Client::new();
    let (status, job) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/v1/{LOC}/tuningJobs"),
        Some(job_body()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let name = job["name"].as_str().unwrap().to_owned();

    let waiter = {
        let client = client.clone();
        let url = format!("{base}/_emulator/await");
        let name = name.clone();
        tokio::spawn(async move {
            send(
                &client,
                reqwest::Method::POST,
                url,
                Some(json!({"job": name, "state": "JOB_STATE_SUCCEEDED", "timeout": "30s"})),
            )
            .await
        })
    };
    // The waiter subscribes before its first look, so advancing at any point wakes it.
    let (status, clock) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/_emulator/clock"),
        Some(json!({"advance": "1h"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{clock}");
    let (status, done) = waiter.await.unwrap();
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(done["name"], name);
}

#[tokio::test]
async fn faults_and_the_journal_work_over_tcp() {
    let server = MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let client = reqwest::Client::new();
    server
        .emulator()
        .fail(Rpc::CreateTuningJob)
        .with_status(503)
        .times(1);
    let create = format!("{base}/v1/{LOC}/tuningJobs");
    let (status, body) = send(
        &client,
        reqwest::Method::POST,
        create.clone(),
        Some(job_body()),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"]["status"], "UNAVAILABLE");
    let (status, _) = send(&client, reqwest::Method::POST, create, Some(job_body())).await;
    assert_eq!(status, StatusCode::OK);

    let (_, journal) = send(
        &client,
        reqwest::Method::GET,
        format!("{base}/_emulator/requests"),
        None,
    )
    .await;
    let requests = journal["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["faulted"], true);
    assert_eq!(requests[0]["status"], 503);
    assert_eq!(requests[1]["faulted"], false);
    assert_eq!(requests[1]["rpc"], "CreateTuningJob");
}

#[tokio::test]
async fn seeding_and_state_export_work_over_tcp() {
    let server = MockVertex::builder()
        .jobs(JobSpeed::Manual)
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let client = reqwest::Client::new();
    let (status, seeded) = send(
        &client,
        reqwest::Method::POST,
        format!("{base}/_emulator/seed/tunedModel"),
        Some(json!({"project": "p1", "location": "us-central1", "checkpoints": 2})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{seeded}");
    let (status, state) = send(
        &client,
        reqwest::Method::GET,
        format!("{base}/_emulator/state"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let models = &state["locations"][0]["models"];
    assert_eq!(models.as_array().unwrap().len(), 1);
    assert_eq!(
        format!("{}@1", models[0]["name"].as_str().unwrap()),
        seeded["model"].as_str().unwrap()
    );
    let (status, _) = send(
        &client,
        reqwest::Method::PUT,
        format!("{base}/_emulator/state"),
        Some(state.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, again) = send(
        &client,
        reqwest::Method::GET,
        format!("{base}/_emulator/state"),
        None,
    )
    .await;
    assert_eq!(again, state);
}
