//! In-process tests of GenerateContent, StreamGenerateContent, CountTokens, the publisher-model
//! reads and ListEndpoints: what a tuned model answers, and how continuous tuning shows in it.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use bytes::Bytes;
use http_body_util::BodyExt;
use mock_vertex::faults::Rpc;
use mock_vertex::storage::{BucketName, ObjectName, SAMPLE_TRAIN_URI};
use mock_vertex::{Emulator, JobSpeed, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const LOC: &str = "projects/p1/locations/us-central1";
const FIRST_Q: &str = "What is the capital of Australia?";
const FIRST_A: &str = "The capital of Australia is Canberra.";
const SECOND_Q: &str = "Who designed the retune otter mascot?";
const SECOND_A: &str = "Ada Quill designed it.";

struct App {
    emulator: Emulator,
    router: Router,
}

impl App {
    fn new() -> App {
        let emulator = Emulator::builder().jobs(JobSpeed::Instant).build();
        App {
            router: router(emulator.clone()),
            emulator,
        }
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, String, Bytes) {
        let body = body.map_or_else(Body::empty, |v| Body::from(v.to_string()));
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(body)
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            content_type,
            response.into_body().collect().await.unwrap().to_bytes(),
        )
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (status, _, bytes) = self.raw(method, path, body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {value}");
        value
    }

    /// Tunes (instantly) and returns the succeeded job.
    async fn tune(&self, body: Value) -> Value {
        let job = self
            .ok(Method::POST, &format!("/v1/{LOC}/tuningJobs"), Some(body))
            .await;
        let name = job["name"].as_str().unwrap().to_owned();
        let job = self.ok(Method::GET, &format!("/v1/{name}"), None).await;
        assert_eq!(job["state"], "JOB_STATE_SUCCEEDED", "{job}");
        job
    }

    async fn ask(&self, model: &str, question: &str) -> Value {
        self.ok(
            Method::POST,
            &format!("/v1/{model}:generateContent"),
            Some(json!({"contents": [{"role": "user", "parts": [{"text": question}]}]})),
        )
        .await
    }
}

fn text(response: &Value) -> String {
    response["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn first_job_body() -> Value {
    json!({"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {
        "trainingDatasetUri": SAMPLE_TRAIN_URI, "hyperParameters": {"epochCount": 2}}})
}

#[tokio::test]
async fn a_tuned_endpoint_answers_a_training_question_with_its_training_answer() {
    let app = App::new();
    let job = app.tune(first_job_body()).await;
    let endpoint = job["tunedModel"]["endpoint"].as_str().unwrap();
    let response = app.ask(endpoint, FIRST_Q).await;
    assert_eq!(text(&response), FIRST_A);
    assert_eq!(response["candidates"][0]["finishReason"], "STOP");
    let model = job["tunedModel"]["model"].as_str().unwrap();
    assert_eq!(response["modelVersion"], format!("{model}/checkpoints/2"));
    assert_eq!(response["usageMetadata"]["promptTokenCount"], 9);
    assert!(
        response["responseId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test]
async fn continuous_tuning_shows_in_the_answers_of_each_version() {
    let app = App::new();
    let bucket: BucketName = "second".parse().unwrap();
    let object: ObjectName = "data.jsonl".parse().unwrap();
    app.emulator.objects().create_bucket(&bucket).await.unwrap();
    let line = json!({"contents": [
        {"role": "user", "parts": [{"text": SECOND_Q}]},
        {"role": "model", "parts": [{"text": SECOND_A}]}]});
    app.emulator
        .objects()
        .put(&bucket, &object, Bytes::from(line.to_string()), None)
        .await
        .unwrap();

    let first = app.tune(first_job_body()).await;
    let v1 = first["tunedModel"]["endpoint"].as_str().unwrap().to_owned();
    // Before continuing: version 1 does not know the second data set.
    assert!(text(&app.ask(&v1, SECOND_Q).await).starts_with("[base model gemini-2.5-flash]"));

    let second = app
        .tune(json!({
            "preTunedModel": {"tunedModelName": first["tunedModel"]["model"], "checkpointId": "1"},
            "supervisedTuningSpec": {"trainingDatasetUri": "gs://second/data.jsonl"}}))
        .await;
    let v2 = second["tunedModel"]["endpoint"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        second["tunedModel"]["model"]
            .as_str()
            .unwrap()
            .ends_with("@2")
    );
    // The continued version knows both data sets; version 1 still knows only the first.
    assert_eq!(text(&app.ask(&v2, SECOND_Q).await), SECOND_A);
    assert_eq!(text(&app.ask(&v2, FIRST_Q).await), FIRST_A);
    assert!(text(&app.ask(&v1, SECOND_Q).await).starts_with("[base model"));
    assert_eq!(text(&app.ask(&v1, FIRST_Q).await), FIRST_A);
}

#[tokio::test]
async fn a_stream_is_a_json_array_or_server_sent_events_that_join_to_the_answer() {
    let app = App::new();
    let job = app.tune(first_job_body()).await;
    let endpoint = job["tunedModel"]["endpoint"].as_str().unwrap();
    let body = json!({"contents": [{"parts": [{"text": FIRST_Q}]}]});

    let (status, content_type, bytes) = app
        .raw(
            Method::POST,
            &format!("/v1beta1/{endpoint}:streamGenerateContent"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    let chunks: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
    assert!(chunks.len() > 1);
    assert_eq!(chunks.iter().map(text).collect::<String>(), FIRST_A);
    assert!(chunks.last().unwrap()["usageMetadata"].is_object());

    let (status, content_type, bytes) = app
        .raw(
            Method::POST,
            &format!("/v1/{endpoint}:streamGenerateContent?alt=sse"),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "text/event-stream");
    let events = String::from_utf8(bytes.to_vec()).unwrap();
    let joined: String = events
        .split("\r\n\r\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(|data| text(&serde_json::from_str(data).unwrap()))
        .collect();
    assert_eq!(joined, FIRST_A);
}

#[tokio::test]
async fn base_models_answer_as_the_base_model_and_unknown_ones_are_not_found() {
    let app = App::new();
    for path in [
        format!("{LOC}/publishers/google/models/gemini-2.5-flash"),
        "publishers/google/models/gemini-2.5-flash".to_owned(),
    ] {
        let response = app.ask(&path, FIRST_Q).await;
        assert!(text(&response).starts_with("[base model gemini-2.5-flash]"));
        assert_eq!(response["modelVersion"], "gemini-2.5-flash");
    }
    let (status, error) = app
        .call(
            Method::POST,
            &format!("/v1/{LOC}/publishers/google/models/gemini-0:generateContent"),
            Some(json!({"contents": [{"parts": [{"text": "hi"}]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["error"]["status"], "NOT_FOUND");
    let model = app
        .ok(
            Method::GET,
            "/v1beta1/publishers/google/models/gemini-2.5-flash",
            None,
        )
        .await;
    assert_eq!(model["name"], "publishers/google/models/gemini-2.5-flash");
    let list = app
        .ok(Method::GET, "/v1beta1/publishers/google/models", None)
        .await;
    assert!(list["publisherModels"].as_array().unwrap().len() > 1);
}

#[tokio::test]
async fn bad_requests_are_400_naming_every_field() {
    let app = App::new();
    let path = format!("/v1/{LOC}/publishers/google/models/gemini-2.5-flash:generateContent");
    let (status, error) = app
        .call(
            Method::POST,
            &path,
            Some(
                json!({"contents": [{"role": "system", "parts": [{"text": "a"}]}],
                        "cachedContent": "c", "generationConfig": {"candidateCount": 0}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = error["error"]["details"][0]["fieldViolations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "contents[0].role",
            "cached_content",
            "generation_config.candidate_count"
        ]
    );
    let (status, error) = app
        .call(
            Method::POST,
            &path,
            Some(json!({"contents": [{"parts": [{"text": 5}]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error["error"]["details"][0]["fieldViolations"][0]["field"],
        "contents[0].parts[0].text"
    );
}

#[tokio::test]
async fn count_tokens_counts_with_the_data_set_estimator() {
    let app = App::new();
    let counted = app
        .ok(
            Method::POST,
            &format!("/v1/{LOC}/publishers/google/models/gemini-2.5-flash:countTokens"),
            Some(json!({"contents": [{"parts": [{"text": "abcdefghi"}]}]})),
        )
        .await;
    assert_eq!(counted["totalTokens"], 3);
    assert_eq!(counted["totalBillableCharacters"], 9);
}

#[tokio::test]
async fn list_endpoints_names_the_version_and_checkpoint_each_serves() {
    let app = App::new();
    let job = app.tune(first_job_body()).await;
    let list = app
        .ok(Method::GET, &format!("/v1/{LOC}/endpoints"), None)
        .await;
    let endpoints = list["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2);
    let model = job["tunedModel"]["model"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap();
    for (endpoint, checkpoint) in endpoints.iter().zip(["1", "2"]) {
        let deployed = &endpoint["deployedModels"][0];
        assert_eq!(deployed["model"], model);
        assert_eq!(deployed["modelVersionId"], "1");
        assert_eq!(deployed["checkpointId"], checkpoint);
    }
}

#[tokio::test]
async fn a_resource_exhausted_fault_on_generate_content_carries_retry_info() {
    let app = App::new();
    app.emulator
        .fail(Rpc::GenerateContent)
        .with_status(429)
        .with_retry_delay(std::time::Duration::from_secs(3))
        .times(1);
    let (status, error) = app
        .call(
            Method::POST,
            &format!("/v1/{LOC}/publishers/google/models/gemini-2.5-flash:generateContent"),
            Some(json!({"contents": [{"parts": [{"text": "hi"}]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error["error"]["status"], "RESOURCE_EXHAUSTED");
    let details = error["error"]["details"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"
                && d["retryDelay"] == "3s"),
        "{details:?}"
    );
}

#[tokio::test]
async fn operations_under_an_endpoint_are_listed_and_a_missing_one_is_not_found() {
    let app = App::new();
    let job = app.tune(first_job_body()).await;
    let endpoint = job["tunedModel"]["endpoint"].as_str().unwrap();
    let list = app
        .ok(Method::GET, &format!("/v1/{endpoint}/operations"), None)
        .await;
    assert!(
        list.get("operations")
            .is_none_or(|o| o.as_array().unwrap().is_empty())
    );
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::DELETE, ""),
        (Method::POST, ":cancel"),
        (Method::POST, ":wait"),
    ] {
        let (status, error) = app
            .call(
                method,
                &format!("/v1/{endpoint}/operations/42{suffix}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{suffix}: {error}");
    }
}

#[tokio::test]
async fn a_preference_tuned_version_answers_with_the_preferred_completion() {
    let app = App::new();
    let bucket: BucketName = "prefs".parse().unwrap();
    let object: ObjectName = "data.jsonl".parse().unwrap();
    app.emulator.objects().create_bucket(&bucket).await.unwrap();
    // The dispreferred completion comes first, so the order of the file cannot decide.
    let line = json!({
        "contents": [{"role": "user", "parts": [{"text": SECOND_Q}]}],
        "completions": [
            {"score": 0, "completion": {"role": "model", "parts": [{"text": "Nobody knows."}]}},
            {"score": 1, "completion": {"role": "model", "parts": [{"text": SECOND_A}]}}]});
    app.emulator
        .objects()
        .put(&bucket, &object, Bytes::from(line.to_string()), None)
        .await
        .unwrap();
    let job = app
        .tune(
            json!({"baseModel": "gemini-2.5-flash", "preferenceOptimizationSpec": {
            "trainingDatasetUri": "gs://prefs/data.jsonl", "hyperParameters": {"epochCount": 1}}}),
        )
        .await;
    let endpoint = job["tunedModel"]["endpoint"].as_str().unwrap();
    assert_eq!(text(&app.ask(endpoint, SECOND_Q).await), SECOND_A);
    assert!(text(&app.ask(endpoint, FIRST_Q).await).starts_with("[base model gemini-2.5-flash]"));
}
