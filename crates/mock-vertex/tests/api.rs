//! In-process tests of the emulator's REST surface, driven with `tower::ServiceExt::oneshot`.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use mock_vertex::storage::{SAMPLE_TRAIN_URI, SAMPLE_VALIDATION_URI};
use mock_vertex::{Emulator, JobSpeed, ManualClock, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const LOC: &str = "projects/p1/locations/us-central1";

/// `text` with every resource name written with its project's derived number, as the emulator
/// answers (`google/cloud/aiplatform/v1/model.proto`, `Model.name`).
fn numbered(text: &str) -> String {
    mock_vertex::projects::Projects::default()
        .canonical(text)
        .into_owned()
}

struct App {
    router: Router,
}

impl App {
    fn instant() -> App {
        App::with(Emulator::builder().jobs(JobSpeed::Instant).build())
    }

    fn with(emulator: Emulator) -> App {
        App {
            router: router(emulator),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let body = match body {
            Some(v) => Body::from(serde_json::to_vec(&v).unwrap()),
            None => Body::empty(),
        };
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json; charset=utf-8")
            .body(body)
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {value}");
        value
    }

    async fn get_ok(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None).await
    }

    async fn create_job(&self, body: Value) -> Value {
        self.ok(Method::POST, &format!("/v1/{LOC}/tuningJobs"), Some(body))
            .await
    }

    async fn job(&self, name: &str) -> Value {
        self.ok(Method::GET, &format!("/v1/{name}"), None).await
    }
}

fn sft(source: Value) -> Value {
    let mut body = json!({
        "supervisedTuningSpec": {
            "trainingDatasetUri": SAMPLE_TRAIN_URI,
            "validationDatasetUri": SAMPLE_VALIDATION_URI,
            "hyperParameters": {"epochCount": "2"}
        },
        "labels": {"team": "nlp"}
    });
    for (k, v) in source.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn base_job() -> Value {
    sft(json!({"baseModel": "gemini-2.5-flash", "tunedModelDisplayName": "support-bot"}))
}

/// Tunes the base model and returns the finished job.
async fn tuned(app: &App) -> Value {
    let created = app.create_job(base_job()).await;
    assert_eq!(created["state"], "JOB_STATE_PENDING");
    let job = app.job(created["name"].as_str().unwrap()).await;
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED", "{job}");
    job
}

fn model_of(job: &Value) -> String {
    let versioned = job["tunedModel"]["model"].as_str().unwrap();
    versioned.split('@').next().unwrap().to_owned()
}

#[tokio::test]
async fn create_returns_pending_and_instant_jobs_succeed_on_the_next_read() {
    let app = App::instant();
    let created = app.create_job(base_job()).await;
    assert_eq!(created["state"], "JOB_STATE_PENDING");
    assert!(created["createTime"].is_string());
    assert!(created["updateTime"].is_string());
    assert!(
        created["name"]
            .as_str()
            .unwrap()
            .starts_with(&numbered(&format!("{LOC}/tuningJobs/")))
    );

    let job = app.job(created["name"].as_str().unwrap()).await;
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    let model = job["tunedModel"]["model"].as_str().unwrap();
    assert!(model.ends_with("@1"), "{model}");
    let checkpoints = job["tunedModel"]["checkpoints"].as_array().unwrap();
    assert_eq!(checkpoints.len(), 2);
    assert_eq!(checkpoints[1]["checkpointId"], "2");
    assert_eq!(job["tunedModel"]["endpoint"], checkpoints[1]["endpoint"]);
    assert!(
        job["experiment"]
            .as_str()
            .unwrap()
            .contains("/metadataStores/default/contexts/tuning-experiment-")
    );
    let stats = &job["tuningDataStats"]["supervisedTuningDataStats"];
    assert!(stats["tuningDatasetExampleCount"].as_str().unwrap() != "0");
    assert!(job["endTime"].is_string());

    // The model version carries the system labels and the default alias.
    let model = app.ok(Method::GET, &format!("/v1/{model}"), None).await;
    assert_eq!(model["versionId"], "1");
    assert_eq!(model["versionAliases"], json!(["default"]));
    assert_eq!(model["labels"]["tune-type"], "sft");
    assert_eq!(
        model["labels"]["google-vertex-llm-tuning-base-model-id"],
        "gemini-2_5-flash"
    );
    assert_eq!(model["labels"]["team"], "nlp");
    assert_eq!(model["defaultCheckpointId"], "2");
    assert_eq!(model["displayName"], "support-bot");
}

#[tokio::test]
async fn continuous_tuning_flow_adds_versions_then_a_new_model() {
    let app = App::instant();
    let first = tuned(&app).await;
    let parent = model_of(&first);

    // Continue from checkpoint 1 of the default version: a new version under the same parent.
    let body = sft(json!({"preTunedModel": {"tuned_model_name": parent, "checkpoint_id": "1"}}));
    let created = app.create_job(body).await;
    assert!(created.get("baseModel").is_none());
    assert_eq!(created["preTunedModel"]["baseModel"], "gemini-2.5-flash");
    let second = app.job(created["name"].as_str().unwrap()).await;
    assert_eq!(second["state"], "JOB_STATE_SUCCEEDED", "{second}");
    assert_eq!(
        second["tunedModel"]["model"].as_str().unwrap(),
        format!("{parent}@2")
    );

    // The default alias stays on version 1.
    let model = app.ok(Method::GET, &format!("/v1/{parent}"), None).await;
    assert_eq!(model["versionId"], "1");
    assert_eq!(model["name"], parent.as_str());
    let v2 = app
        .ok(Method::GET, &format!("/v1/{parent}%402"), None)
        .await;
    assert_eq!(v2["name"], format!("{parent}@2"));
    assert_eq!(v2["checkpoints"].as_array().unwrap().len(), 2);

    // A new display name makes a new model.
    let body = sft(json!({
        "preTunedModel": {"tunedModelName": format!("{parent}@2")},
        "tunedModelDisplayName": "support-bot-v2"
    }));
    let created = app.create_job(body).await;
    let third = app.job(created["name"].as_str().unwrap()).await;
    let new_model = model_of(&third);
    assert_ne!(new_model, parent);
    assert!(
        third["tunedModel"]["model"]
            .as_str()
            .unwrap()
            .ends_with("@1")
    );

    let versions = app
        .ok(Method::GET, &format!("/v1/{parent}:listVersions"), None)
        .await;
    let names: Vec<&str> = versions["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [format!("{parent}@1"), format!("{parent}@2")]);

    let models = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/models?filter=labels.tune-type:*"),
            None,
        )
        .await;
    assert_eq!(models["models"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn fifty_concurrent_continuous_jobs_get_distinct_versions() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    let path = format!("/v1/{LOC}/tuningJobs");
    let creates = (0..50).map(|_| {
        let body = sft(json!({"preTunedModel": {"tunedModelName": parent.clone()}}));
        app.post(&path, body)
    });
    let created = futures::future::join_all(creates).await;
    let mut versions = Vec::new();
    for (status, job) in created {
        assert_eq!(status, StatusCode::OK, "{job}");
        let job = app.job(job["name"].as_str().unwrap()).await;
        versions.push(job["tunedModel"]["model"].as_str().unwrap().to_owned());
    }
    versions.sort();
    versions.dedup();
    assert_eq!(versions.len(), 50);
}

#[tokio::test]
async fn job_moves_through_its_lifecycle_on_a_manual_clock() {
    let clock = ManualClock::default();
    let app = App::with(
        Emulator::builder()
            .jobs(JobSpeed::Manual)
            .manual_clock(clock.clone())
            .build(),
    );
    let created = app.create_job(base_job()).await;
    let name = created["name"].as_str().unwrap().to_owned();
    let beta = |app: &App| {
        let name = name.clone();
        let app_router = app.router.clone();
        async move {
            let app = App { router: app_router };
            app.ok(Method::GET, &format!("/v1beta1/{name}"), None).await
        }
    };
    assert_eq!(beta(&app).await["state"], "JOB_STATE_PENDING");
    clock.advance(Duration::from_millis(600));
    let job = beta(&app).await;
    assert_eq!(job["state"], "JOB_STATE_RUNNING");
    assert_eq!(job["tuningJobState"], "TUNING_JOB_STATE_PROCESSING_DATASET");
    assert!(job["startTime"].is_string());
    clock.advance(Duration::from_millis(600));
    let job = beta(&app).await;
    assert_eq!(job["tuningJobState"], "TUNING_JOB_STATE_TUNING");
    // v1 omits the v1beta1-only fields.
    let v1 = app.job(&name).await;
    assert!(v1.get("tuningJobState").is_none());
    assert!(v1.get("tuningJobMetadata").is_none());
    clock.advance(Duration::from_secs(3600));
    let job = beta(&app).await;
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(job["tuningJobMetadata"]["completedEpochCount"], "2");
}

#[tokio::test]
async fn cancel_moves_a_running_job_to_cancelled_and_refuses_finished_ones() {
    let clock = ManualClock::default();
    let app = App::with(
        Emulator::builder()
            .jobs(JobSpeed::Manual)
            .manual_clock(clock.clone())
            .build(),
    );
    let created = app.create_job(base_job()).await;
    let name = created["name"].as_str().unwrap().to_owned();
    // No body at all, as google-genai sends it.
    app.ok(Method::POST, &format!("/v1/{name}:cancel"), None)
        .await;
    assert_eq!(app.job(&name).await["state"], "JOB_STATE_CANCELLING");
    clock.advance(Duration::from_secs(1));
    let job = app.job(&name).await;
    assert_eq!(job["state"], "JOB_STATE_CANCELLED");
    assert_eq!(job["error"]["code"], 1);
    // Cancelling again is accepted; a succeeded job is refused.
    app.ok(Method::POST, &format!("/v1/{name}:cancel"), Some(json!({})))
        .await;

    let done = App::instant();
    let job = tuned(&done).await;
    let (status, err) = done
        .post(
            &format!("/v1/{}:cancel", job["name"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["status"], "FAILED_PRECONDITION");
}

#[tokio::test]
async fn body_errors_are_invalid_argument_with_field_violations() {
    let app = App::instant();
    let path = format!("/v1/{LOC}/tuningJobs");
    let cases = [
        (json!({"baseModel": "gemini-2.5-flash", "foo": 1}), "foo"),
        (
            sft(
                json!({"baseModel": "gemini-2.5-flash", "preTunedModel": {"tunedModelName": format!("{LOC}/models/1")}}),
            ),
            "source_model",
        ),
        (
            sft(json!({"preTunedModel": "gemini-2.5-flash"})),
            "pre_tuned_model",
        ),
        (
            sft(json!({"baseModel": format!("{LOC}/models/9")})),
            "preTunedModel",
        ),
        (sft(json!({"baseModel": "gpt-4"})), "gpt-4"),
        (json!({"baseModel": "gemini-2.5-flash"}), "supervised"),
    ];
    for (body, needle) in cases {
        let (status, err) = app.post(&path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert_eq!(err["error"]["status"], "INVALID_ARGUMENT", "{err}");
        assert!(err.to_string().contains(needle), "{needle} not in {err}");
    }
    let (_, err) = app
        .post(&path, sft(json!({"preTunedModel": "gemini-2.5-flash"})))
        .await;
    assert_eq!(
        err["error"]["details"][0]["@type"],
        "type.googleapis.com/google.rpc.BadRequest"
    );
}

#[tokio::test]
async fn continuous_tuning_refusals_come_back_together() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    // Unknown alias: 404.
    let (status, err) = app
        .post(
            &format!("/v1/{LOC}/tuningJobs"),
            sft(json!({"preTunedModel": {"tunedModelName": format!("{parent}@nope")}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    // Unknown checkpoint and another KMS key: both reasons.
    let (status, err) = app
        .post(
            &format!("/v1/{LOC}/tuningJobs"),
            sft(json!({
                "preTunedModel": {"tunedModelName": parent, "checkpointId": "9"},
                "encryptionSpec": {"kmsKeyName": "projects/p1/locations/us-central1/keyRings/r/cryptoKeys/k"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let violations = err["error"]["details"][0]["violations"].as_array().unwrap();
    assert_eq!(violations.len(), 2, "{err}");
    // Unknown model: 404.
    let (status, _) = app
        .post(
            &format!("/v1/{LOC}/tuningJobs"),
            sft(json!({"preTunedModel": {"tunedModelName": format!("{LOC}/models/42")}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn missing_training_data_fails_the_job_naming_the_uri() {
    let app = App::instant();
    let mut body = base_job();
    body["supervisedTuningSpec"]["trainingDatasetUri"] = json!("gs://nope/train.jsonl");
    let created = app.create_job(body).await;
    let job = app.job(created["name"].as_str().unwrap()).await;
    assert_eq!(job["state"], "JOB_STATE_FAILED");
    assert!(
        job["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gs://nope/train.jsonl")
    );
}

#[tokio::test]
async fn unmatched_paths_and_unknown_resources_are_json_404() {
    let app = App::instant();
    for path in [
        format!("/v1beta1/{LOC}/123"),
        format!("/v1/{LOC}/tuningJobs/77"),
        format!("/v1/{LOC}/models/77"),
        "/nothing".to_owned(),
    ] {
        let (status, err) = app.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(err["error"]["status"], "NOT_FOUND", "{path}");
    }
}

#[tokio::test]
async fn rebase_tuned_model_creates_the_same_tuning_on_a_newer_base_model() {
    let app = App::instant();
    let job = tuned(&app).await;
    let rebase = format!("/v1beta1/{LOC}/tuningJobs:rebaseTunedModel");
    let body = json!({"tunedModelRef": {"tunedModel": job["tunedModel"]["model"]},
                      "tuningJob": {"tunedModelDisplayName": "support-bot-3.5"}});
    let op = app.ok(Method::POST, &rebase, Some(body)).await;
    assert_eq!(op["done"], true, "{op}");
    assert_eq!(
        op["metadata"]["@type"],
        "type.googleapis.com/google.cloud.aiplatform.v1beta1.RebaseTunedModelOperationMetadata"
    );
    assert_eq!(
        op["response"]["@type"],
        "type.googleapis.com/google.cloud.aiplatform.v1beta1.TuningJob"
    );
    let new_job = op["response"]["name"].as_str().unwrap().to_owned();
    assert!(
        op["name"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{new_job}/operations/"))
    );
    assert_eq!(
        app.get_ok(&format!("/v1/{}", op["name"].as_str().unwrap()))
            .await,
        {
            let mut v1 = op.clone();
            v1["metadata"]["@type"] = json!(
                "type.googleapis.com/google.cloud.aiplatform.v1.RebaseTunedModelOperationMetadata"
            );
            v1["response"]["@type"] =
                json!("type.googleapis.com/google.cloud.aiplatform.v1.TuningJob");
            v1
        }
    );

    let rebased = app.job(&new_job).await;
    assert_eq!(rebased["state"], "JOB_STATE_SUCCEEDED", "{rebased}");
    assert_eq!(rebased["baseModel"], "gemini-3.5-flash");
    assert_eq!(rebased["tunedModelDisplayName"], "support-bot-3.5");
    assert_eq!(rebased["supervisedTuningSpec"], job["supervisedTuningSpec"]);
    assert_eq!(rebased["labels"], job["labels"]);
    assert_ne!(model_of(&rebased), model_of(&job));

    // By job name too; a model already on the newest base is refused with the reason.
    let again = json!({"tunedModelRef": {"tuningJob": new_job}});
    let (status, err) = app.post(&rebase, again).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["status"], "FAILED_PRECONDITION");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gemini-3.5-flash has no newer base model"),
        "{err}"
    );
    let (status, err) = app.post(&rebase, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["status"], "INVALID_ARGUMENT");
    let pipeline = json!({"tunedModelRef": {"pipelineJob": format!("{LOC}/pipelineJobs/1")}});
    let (_, err) = app.post(&rebase, pipeline).await;
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not emulated")
    );
}

#[tokio::test]
async fn projects_are_isolated() {
    let app = App::instant();
    let job = tuned(&app).await;
    let other = job["name"].as_str().unwrap().replace(
        &numbered("projects/p1/locations/us"),
        "projects/p2/locations/us",
    );
    let (status, _) = app.get(&format!("/v1/{other}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let list = app
        .ok(
            Method::GET,
            "/v1/projects/p2/locations/us-central1/tuningJobs",
            None,
        )
        .await;
    assert!(list.get("tuningJobs").is_none());
}

#[tokio::test]
async fn enum_encoding_int_answers_numbers() {
    let app = App::instant();
    let job = tuned(&app).await;
    let name = job["name"].as_str().unwrap();
    let job = app
        .ok(
            Method::GET,
            &format!("/v1/{name}?%24alt=json%3Benum-encoding%3Dint"),
            None,
        )
        .await;
    assert_eq!(job["state"], 4);
}

#[tokio::test]
async fn list_pages_newest_first_with_an_opaque_token() {
    let app = App::instant();
    let mut names = Vec::new();
    for _ in 0..3 {
        names.push(app.create_job(base_job()).await["name"].clone());
    }
    let page = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?pageSize=2&filter=&pageToken="),
            None,
        )
        .await;
    let jobs = page["tuningJobs"].as_array().unwrap();
    assert_eq!(jobs[0]["name"], names[2]);
    assert_eq!(jobs[1]["name"], names[1]);
    let token = page["nextPageToken"].as_str().unwrap();
    let page = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?pageSize=2&pageToken={token}"),
            None,
        )
        .await;
    assert_eq!(page["tuningJobs"][0]["name"], names[0]);
    assert!(page.get("nextPageToken").is_none());
    let filtered = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?filter=state%3DJOB_STATE_SUCCEEDED"),
            None,
        )
        .await;
    assert_eq!(filtered["tuningJobs"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn patch_default_checkpoint_moves_the_tuned_endpoint() {
    let app = App::instant();
    let job = tuned(&app).await;
    let version = job["tunedModel"]["model"].as_str().unwrap().to_owned();
    let first_endpoint = job["tunedModel"]["checkpoints"][0]["endpoint"].clone();
    let model = app
        .ok(
            Method::PATCH,
            &format!("/v1/{version}"),
            Some(json!({"defaultCheckpointId": "1"})),
        )
        .await;
    assert_eq!(model["defaultCheckpointId"], "1");
    let job = app.job(job["name"].as_str().unwrap()).await;
    assert_eq!(job["tunedModel"]["endpoint"], first_endpoint);
    // Unknown checkpoint: 400; mixing levels: FAILED_PRECONDITION.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/{version}"),
            Some(json!({"defaultCheckpointId": "7"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, err) = app
        .call(
            Method::PATCH,
            &format!("/v1/{version}"),
            Some(json!({"defaultCheckpointId": "1", "displayName": "x"})),
        )
        .await;
    assert_eq!(err["error"]["status"], "FAILED_PRECONDITION");
    // Model level, with an explicit mask.
    let bare = model_of(&job);
    let model = app
        .ok(
            Method::PATCH,
            &format!("/v1/{bare}?updateMask=displayName"),
            Some(json!({"displayName": "renamed"})),
        )
        .await;
    assert_eq!(model["displayName"], "renamed");
}

#[tokio::test]
async fn an_ended_job_reads_the_same_again_in_each_api_version_and_enum_encoding() {
    let app = App::instant();
    let job = tuned(&app).await;
    let name = job["name"].as_str().unwrap();
    let beta_path = format!("/v1beta1/{name}");
    let ints_path = format!("/v1/{name}?$alt=json;enum-encoding=int");
    for _ in 0..2 {
        assert_eq!(app.job(name).await, job);
        let beta = app.ok(Method::GET, &beta_path, None).await;
        assert_eq!(beta["tuningJobMetadata"]["completedEpochCount"], "2");
        assert_eq!(beta["state"], "JOB_STATE_SUCCEEDED");
        let ints = app.ok(Method::GET, &ints_path, None).await;
        assert_eq!(ints["state"], 4);
        assert!(job.get("tuningJobMetadata").is_none());
    }
}

#[tokio::test]
async fn version_deletion_aliases_and_operations() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    // Only version: refused.
    let (status, err) = app
        .call(
            Method::DELETE,
            &format!("/v1/{parent}@1:deleteVersion"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let created = app
        .create_job(sft(json!({"preTunedModel": {"tunedModelName": parent}})))
        .await;
    app.job(created["name"].as_str().unwrap()).await;
    // Version 1 holds default: refused; move default, then delete.
    let (_, err) = app
        .call(
            Method::DELETE,
            &format!("/v1/{parent}@1:deleteVersion"),
            None,
        )
        .await;
    assert_eq!(err["error"]["status"], "FAILED_PRECONDITION");
    let merged = app
        .ok(
            Method::POST,
            &format!("/v1/{parent}@2:mergeVersionAliases"),
            Some(json!({"versionAliases": ["default", "golden"]})),
        )
        .await;
    assert_eq!(merged["versionAliases"], json!(["default", "golden"]));
    let golden = app
        .ok(Method::GET, &format!("/v1/{parent}@golden"), None)
        .await;
    assert_eq!(golden["versionId"], "2");
    let op = app
        .ok(
            Method::DELETE,
            &format!("/v1/{parent}@1:deleteVersion"),
            None,
        )
        .await;
    assert_eq!(op["done"], true);
    let op_name = op["name"].as_str().unwrap();
    let again = app.ok(Method::GET, &format!("/v1/{op_name}"), None).await;
    assert_eq!(again["name"], op_name);
    app.ok(
        Method::POST,
        &format!("/v1/{op_name}:wait"),
        Some(json!({})),
    )
    .await;
    // Unknown alias: 404.
    let (status, _) = app.get(&format!("/v1/{parent}@nope")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Delete the model.
    let op = app.ok(Method::DELETE, &format!("/v1/{parent}"), None).await;
    assert_eq!(op["done"], true);
    let (status, _) = app.get(&format!("/v1/{parent}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// DeleteModel naming a version, and MergeVersionAliases naming anything but an explicit version
/// id, are refused by their request validators: 400 before any lookup, so a missing model gets
/// the same answer.
#[tokio::test]
async fn model_calls_refuse_a_name_of_the_wrong_kind_before_the_lookup() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    let missing = format!("{LOC}/models/999");
    for model in [&parent, &missing] {
        for selector in ["@1", "@default", "@-"] {
            let (status, err) = app
                .call(Method::DELETE, &format!("/v1/{model}{selector}"), None)
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{model}{selector}: {err}");
            let message = err["error"]["message"].as_str().unwrap();
            assert!(message.contains(":deleteVersion"), "{message}");
        }
        for selector in ["", "@default", "@-"] {
            let (status, err) = app
                .call(
                    Method::POST,
                    &format!("/v1/{model}{selector}:mergeVersionAliases"),
                    Some(json!({"versionAliases": ["golden"]})),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{model}{selector}: {err}");
            let message = err["error"]["message"].as_str().unwrap();
            assert!(message.contains("explicit version id"), "{message}");
        }
    }
    // The model and its aliases are untouched.
    let model = app.ok(Method::GET, &format!("/v1/{parent}"), None).await;
    assert_eq!(model["versionAliases"], json!(["default"]));
}

/// `deployed_model_ref.proto`: a `DeployedModelRef` has `endpoint` (1) and `deployed_model_id`
/// (2) and nothing else; the checkpoint a deployment serves is `DeployedModel.checkpoint_id`
/// (29, `endpoint.proto`), read from the Endpoint.
#[tokio::test]
async fn a_models_deployments_name_endpoint_and_deployed_model_only() {
    let app = App::instant();
    let job = tuned(&app).await;
    let version = job["tunedModel"]["model"].as_str().unwrap();
    let model = app.ok(Method::GET, &format!("/v1/{version}"), None).await;
    let deployed = model["deployedModels"].as_array().unwrap();
    assert_eq!(
        deployed.len(),
        job["tunedModel"]["checkpoints"].as_array().unwrap().len()
    );
    for reference in deployed {
        let keys: Vec<&str> = reference
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["endpoint", "deployedModelId"], "{reference}");
        let endpoint = app
            .ok(
                Method::GET,
                &format!("/v1/{}", reference["endpoint"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(
            endpoint["deployedModels"][0]["id"],
            reference["deployedModelId"]
        );
        assert!(
            endpoint["deployedModels"][0]["checkpointId"].is_string(),
            "{endpoint}"
        );
    }
}

#[tokio::test]
async fn endpoints_exist_for_every_checkpoint() {
    let app = App::instant();
    let job = tuned(&app).await;
    for checkpoint in job["tunedModel"]["checkpoints"].as_array().unwrap() {
        let name = checkpoint["endpoint"].as_str().unwrap();
        let endpoint = app.ok(Method::GET, &format!("/v1/{name}"), None).await;
        assert_eq!(
            endpoint["deployedModels"][0]["checkpointId"],
            checkpoint["checkpointId"]
        );
    }
}

#[tokio::test]
async fn auth_modes_are_enforced() {
    let app = App::with(
        Emulator::builder()
            .auth(mock_vertex::AuthMode::AnyToken)
            .build(),
    );
    let (status, err) = app.get(&format!("/v1/{LOC}/tuningJobs")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["error"]["status"], "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------
// Refusals across projects and locations
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn continuous_tuning_from_another_project_or_location_is_refused() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    for (job_location, needle) in [
        ("projects/p2/locations/us-central1", "project"),
        ("projects/p1/locations/europe-west4", "location"),
    ] {
        let (status, err) = app
            .post(
                &format!("/v1/{job_location}/tuningJobs"),
                sft(json!({"preTunedModel": {"tunedModelName": parent}})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{job_location}: {err}");
        assert_eq!(err["error"]["status"], "INVALID_ARGUMENT", "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle} not in {message}");
        // Nothing was created there.
        let list = app
            .ok(Method::GET, &format!("/v1/{job_location}/tuningJobs"), None)
            .await;
        assert!(list.get("tuningJobs").is_none(), "{list}");
    }
}

#[tokio::test]
async fn locations_are_isolated_like_projects() {
    let app = App::instant();
    let job = tuned(&app).await;
    let parent = model_of(&job);
    let elsewhere = parent.replace("us-central1", "europe-west4");
    let (status, err) = app.get(&format!("/v1/{elsewhere}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(err["error"]["status"], "NOT_FOUND");
    let list = app
        .ok(
            Method::GET,
            "/v1/projects/p1/locations/europe-west4/models",
            None,
        )
        .await;
    assert!(list.get("models").is_none(), "{list}");
}

#[tokio::test]
async fn kms_key_in_another_region_is_refused_naming_both_locations() {
    let app = App::instant();
    let mut body = base_job();
    body["encryptionSpec"] =
        json!({"kmsKeyName": "projects/keys/locations/europe-west4/keyRings/r/cryptoKeys/k"});
    let (status, err) = app.post(&format!("/v1/{LOC}/tuningJobs"), body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("europe-west4") && message.contains("us-central1"),
        "{message}"
    );
    assert_eq!(
        err["error"]["details"][0]["fieldViolations"][0]["field"],
        "tuning_job.encryption_spec.kms_key_name"
    );
    // A key of another project in the same region is fine.
    let mut body = base_job();
    body["encryptionSpec"] =
        json!({"kmsKeyName": "projects/keys/locations/us-central1/keyRings/r/cryptoKeys/k"});
    app.create_job(body).await;
}

#[tokio::test]
async fn label_rules_come_from_the_model_crate() {
    let app = App::instant();
    let path = format!("/v1/{LOC}/tuningJobs");
    for (labels, ok) in [
        (json!({"チーム": "言語", "env": ""}), true),
        (json!({"Team": "nlp"}), false),
        (json!({"team": "NLP"}), false),
        (json!({"t": "a".repeat(65)}), false),
    ] {
        let mut body = base_job();
        body["labels"] = labels.clone();
        let (status, err) = app.post(&path, body).await;
        if ok {
            assert_eq!(status, StatusCode::OK, "{labels}: {err}");
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{labels}");
            let field = err["error"]["details"][0]["fieldViolations"][0]["field"]
                .as_str()
                .unwrap();
            assert!(field.starts_with("tuning_job.labels"), "{field}");
        }
    }
    let mut many = serde_json::Map::new();
    for i in 0..65 {
        many.insert(format!("k{i}"), json!("v"));
    }
    let mut body = base_job();
    body["labels"] = Value::Object(many);
    let (status, err) = app.post(&path, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(err.to_string().contains("64"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and operations
// ---------------------------------------------------------------------------------------------

fn checkpoint_ids(page: &Value) -> Vec<String> {
    page["checkpoints"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["checkpointId"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn list_checkpoints_by_version_alias_or_latest() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    // Version 2 with exportLastCheckpointOnly: one checkpoint.
    let mut body = sft(json!({"preTunedModel": {"tunedModelName": parent}}));
    body["supervisedTuningSpec"]["exportLastCheckpointOnly"] = json!(true);
    let created = app.create_job(body).await;
    let job = app.job(created["name"].as_str().unwrap()).await;
    assert_eq!(job["tunedModel"]["model"], format!("{parent}@2"));

    let v1 = app.get_ok(&format!("/v1/{parent}@1:listCheckpoints")).await;
    assert_eq!(checkpoint_ids(&v1), ["1", "2"]);
    assert_eq!(v1["checkpoints"][1]["epoch"], "2");
    assert!(v1["checkpoints"][1]["step"].is_string());
    // The alias `default` is on version 1.
    assert_eq!(
        app.get_ok(&format!("/v1/{parent}@default:listCheckpoints"))
            .await,
        v1
    );
    assert_eq!(
        app.get_ok(&format!("/v1/{parent}%40default:listCheckpoints"))
            .await,
        v1
    );
    // Without a version: the latest (version 2), not the default one.
    let latest = app.get_ok(&format!("/v1/{parent}:listCheckpoints")).await;
    // Checkpoint ids restart at 1 in every version: version 2's only checkpoint is its last epoch.
    assert_eq!(checkpoint_ids(&latest), ["1"]);
    assert_eq!(latest["checkpoints"][0]["epoch"], "2");
    // Paging.
    let page = app
        .ok(
            Method::GET,
            &format!("/v1/{parent}@1:listCheckpoints?pageSize=1"),
            None,
        )
        .await;
    assert_eq!(checkpoint_ids(&page), ["1"]);
    let token = page["nextPageToken"].as_str().unwrap();
    let page = app
        .ok(
            Method::GET,
            &format!("/v1/{parent}@1:listCheckpoints?pageSize=1&pageToken={token}"),
            None,
        )
        .await;
    assert_eq!(checkpoint_ids(&page), ["2"]);
    // Unknown version or alias: 404.
    for suffix in ["@9", "@nope"] {
        let (status, _) = app
            .get(&format!("/v1/{parent}{suffix}:listCheckpoints"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{suffix}");
    }
}

#[tokio::test]
async fn operations_can_be_listed_got_waited_cancelled_and_deleted() {
    let app = App::instant();
    let parent = model_of(&tuned(&app).await);
    let created = app
        .create_job(sft(json!({"preTunedModel": {"tunedModelName": parent}})))
        .await;
    app.job(created["name"].as_str().unwrap()).await;

    let version_op = app
        .ok(
            Method::DELETE,
            &format!("/v1/{parent}@2:deleteVersion"),
            None,
        )
        .await;
    let version_op_name = version_op["name"].as_str().unwrap().to_owned();
    assert!(
        version_op_name.starts_with(&format!("{parent}/operations/")),
        "{version_op_name}"
    );
    assert_eq!(version_op["done"], true);
    assert_eq!(
        version_op["metadata"]["@type"],
        "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata"
    );
    assert_eq!(
        version_op["response"]["@type"],
        "type.googleapis.com/google.protobuf.Empty"
    );

    // Listed under the model, not under the location.
    let under_model = app
        .ok(Method::GET, &format!("/v1/{parent}/operations"), None)
        .await;
    assert_eq!(
        under_model["operations"][0]["name"],
        version_op_name.as_str()
    );
    let under_location = app
        .ok(Method::GET, &format!("/v1/{LOC}/operations"), None)
        .await;
    assert!(
        under_location.get("operations").is_none(),
        "{under_location}"
    );

    // Get, wait (with and without a body), cancel (a no-op on a done operation).
    let got = app
        .ok(Method::GET, &format!("/v1/{version_op_name}"), None)
        .await;
    assert_eq!(got, version_op);
    let waited = app
        .ok(
            Method::POST,
            &format!("/v1/{version_op_name}:wait"),
            Some(json!({"timeout": "5s"})),
        )
        .await;
    assert_eq!(waited, version_op);
    app.ok(Method::POST, &format!("/v1/{version_op_name}:wait"), None)
        .await;
    let cancelled = app
        .ok(Method::POST, &format!("/v1/{version_op_name}:cancel"), None)
        .await;
    assert_eq!(cancelled, json!({}));
    assert_eq!(
        app.ok(Method::GET, &format!("/v1/{version_op_name}"), None)
            .await["done"],
        true
    );

    // Delete: gone afterwards.
    let deleted = app
        .ok(Method::DELETE, &format!("/v1/{version_op_name}"), None)
        .await;
    assert_eq!(deleted, json!({}));
    let (status, _) = app.get(&format!("/v1/{version_op_name}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/{version_op_name}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // DeleteModel operations live under the location.
    let model_op = app.ok(Method::DELETE, &format!("/v1/{parent}"), None).await;
    let model_op_name = model_op["name"].as_str().unwrap();
    assert!(
        model_op_name.starts_with(&numbered(&format!("{LOC}/operations/"))),
        "{model_op_name}"
    );
    let under_location = app
        .ok(Method::GET, &format!("/v1/{LOC}/operations"), None)
        .await;
    assert_eq!(under_location["operations"][0]["name"], model_op_name);
    // Unknown operations: 404.
    let (status, _) = app
        .get(&format!("/v1/{LOC}/operations/4999999999999999"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// Listing: orderBy, filters, paging
// ---------------------------------------------------------------------------------------------

fn names_of(page: &Value, key: &str, field: &str) -> Vec<String> {
    page[key]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| m[field].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn models_order_by_display_name_and_create_time() {
    let app = App::instant();
    for name in ["charlie", "alpha", "bravo"] {
        let body = sft(json!({"baseModel": "gemini-2.5-flash", "tunedModelDisplayName": name}));
        let created = app.create_job(body).await;
        app.job(created["name"].as_str().unwrap()).await;
    }
    let list = |query: &str| format!("/v1/{LOC}/models?{query}");
    let by_id = app.ok(Method::GET, &list(""), None).await;
    assert_eq!(
        names_of(&by_id, "models", "displayName"),
        ["charlie", "alpha", "bravo"]
    );
    let by_name = app
        .ok(Method::GET, &list("orderBy=display_name"), None)
        .await;
    assert_eq!(
        names_of(&by_name, "models", "displayName"),
        ["alpha", "bravo", "charlie"]
    );
    let by_name_desc = app
        .ok(Method::GET, &list("orderBy=displayName%20desc"), None)
        .await;
    assert_eq!(
        names_of(&by_name_desc, "models", "displayName"),
        ["charlie", "bravo", "alpha"]
    );
    let newest_first = app
        .ok(Method::GET, &list("orderBy=create_time+desc"), None)
        .await;
    let ids = names_of(&by_id, "models", "name");
    let mut reversed = ids.clone();
    reversed.reverse();
    assert_eq!(names_of(&newest_first, "models", "name"), reversed);
    for bad in ["orderBy=size", "orderBy=display_name%20sideways"] {
        let (status, err) = app.get(&list(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            err["error"]["details"][0]["fieldViolations"][0]["field"],
            "order_by"
        );
    }
}

/// AIP-158: a page token carries on the order it was issued for, and only that order.
#[tokio::test]
async fn a_models_page_token_follows_its_order_and_refuses_another() {
    let app = App::instant();
    for name in ["charlie", "alpha", "bravo"] {
        let body = sft(json!({"baseModel": "gemini-2.5-flash", "tunedModelDisplayName": name}));
        let created = app.create_job(body).await;
        app.job(created["name"].as_str().unwrap()).await;
    }
    let list = |query: &str| format!("/v1/{LOC}/models?pageSize=2&{query}");
    let first = app
        .ok(Method::GET, &list("orderBy=display_name"), None)
        .await;
    assert_eq!(
        names_of(&first, "models", "displayName"),
        ["alpha", "bravo"]
    );
    let token = first["nextPageToken"].as_str().unwrap();
    let second = app
        .ok(
            Method::GET,
            &list(&format!("orderBy=displayName%20asc&pageToken={token}")),
            None,
        )
        .await;
    assert_eq!(names_of(&second, "models", "displayName"), ["charlie"]);
    assert!(second.get("nextPageToken").is_none());
    for other in [
        "orderBy=display_name%20desc",
        "",
        "filter=labels.a%3A*&orderBy=display_name",
    ] {
        let (status, err) = app.get(&list(&format!("{other}&pageToken={token}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{other}");
        assert_eq!(
            err["error"]["details"][0]["fieldViolations"][0]["field"], "page_token",
            "{other}"
        );
    }
}

#[tokio::test]
async fn a_bad_filter_is_invalid_argument_naming_it() {
    let app = App::instant();
    for (path, filter, needle) in [
        (format!("/v1/{LOC}/tuningJobs"), "colour%3Dred", "colour"),
        (format!("/v1/{LOC}/models"), "size%3D3", "size"),
        (
            format!("/v1/{LOC}/tuningJobs"),
            "state%3D%22unterminated",
            "state",
        ),
        (
            format!("/v1/{LOC}/models"),
            "labels.a%3D%3D%3Db",
            "labels.a",
        ),
        // `TuningJob.state` is the enum `JobState` (google/cloud/aiplatform/v1/tuning_job.proto):
        // compared by value name (AIP-160), so a number is refused, naming the field.
        (format!("/v1/{LOC}/tuningJobs"), "state%3D4", "state"),
        // `TuningJob.create_time` is a `google.protobuf.Timestamp`: an RFC 3339 time or 400.
        (
            format!("/v1/{LOC}/tuningJobs"),
            "create_time%3C%222025-07-11%22",
            "create_time",
        ),
    ] {
        let (status, err) = app.get(&format!("{path}?filter={filter}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}: {err}");
        assert_eq!(err["error"]["status"], "INVALID_ARGUMENT");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle} not in {message}");
        assert_eq!(
            err["error"]["details"][0]["fieldViolations"][0]["field"],
            "filter"
        );
    }
}

#[tokio::test]
async fn tuning_jobs_filter_on_state_display_name_and_labels() {
    let app = App::instant();
    let ok = app.create_job(base_job()).await;
    let mut failing = base_job();
    failing["supervisedTuningSpec"]["trainingDatasetUri"] = json!("gs://nope/train.jsonl");
    failing["tunedModelDisplayName"] = json!("broken");
    failing["labels"] = json!({"team": "vision", "stage": "dev"});
    let failed = app.create_job(failing).await;
    app.job(ok["name"].as_str().unwrap()).await;
    app.job(failed["name"].as_str().unwrap()).await;

    let names = |query: &str| {
        let app_router = app.router.clone();
        let query = query.to_owned();
        async move {
            let app = App { router: app_router };
            let page = app
                .ok(Method::GET, &format!("/v1/{LOC}/tuningJobs?{query}"), None)
                .await;
            names_of(&page, "tuningJobs", "name")
        }
    };
    let ok_name = ok["name"].as_str().unwrap().to_owned();
    let failed_name = failed["name"].as_str().unwrap().to_owned();
    assert_eq!(
        names("filter=state%3DJOB_STATE_FAILED").await,
        [failed_name.as_str()]
    );
    assert_eq!(
        names("filter=state%21%3DJOB_STATE_FAILED").await,
        [ok_name.as_str()]
    );
    assert_eq!(
        names("filter=tuned_model_display_name%3D%22broken%22").await,
        [failed_name.as_str()]
    );
    assert_eq!(names("filter=labels.team%3Dnlp").await, [ok_name.as_str()]);
    assert_eq!(
        names("filter=labels.team%3Dvision%20AND%20labels.stage%3Ddev").await,
        [failed_name.as_str()]
    );
    assert_eq!(
        names("filter=labels.stage%3A%2A").await,
        [failed_name.as_str()]
    );
    assert!(names("filter=labels.team%3Daudio").await.is_empty());
    // A quoted label key, as model_service.proto documents for `labels."a key"`.
    assert_eq!(
        names("filter=labels.%22team%22%3Dnlp").await,
        [ok_name.as_str()]
    );
    // Times compare as instants: the offset is read, not compared as text.
    assert!(
        names("filter=create_time%3C%222000-01-01T05%3A00%3A00%2B05%3A00%22")
            .await
            .is_empty()
    );
    assert_eq!(
        names("filter=create_time%3E%222000-01-01T05%3A00%3A00.5%2B05%3A00%22")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn tuning_job_pages_are_complete_and_tokens_stable_under_inserts() {
    let app = App::instant();
    let mut created = Vec::new();
    for _ in 0..23 {
        created.push(
            app.create_job(base_job()).await["name"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let newest_first: Vec<String> = created.iter().rev().cloned().collect();
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = app
            .ok(
                Method::GET,
                &format!("/v1/{LOC}/tuningJobs?pageSize=4&pageToken={token}"),
                None,
            )
            .await;
        seen.extend(names_of(&page, "tuningJobs", "name"));
        pages += 1;
        if pages == 2 {
            // A job created mid-listing neither repeats nor shifts what is left.
            app.create_job(base_job()).await;
        }
        match page["nextPageToken"].as_str() {
            Some(next) => token = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 6);
    assert_eq!(seen, newest_first);
    // The same token gives the same page twice.
    let first = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?pageSize=4"),
            None,
        )
        .await;
    let token = first["nextPageToken"].as_str().unwrap();
    let again = |token: String| {
        let app_router = app.router.clone();
        async move {
            let app = App { router: app_router };
            app.ok(
                Method::GET,
                &format!("/v1/{LOC}/tuningJobs?pageSize=4&pageToken={token}"),
                None,
            )
            .await
        }
    };
    assert_eq!(again(token.to_owned()).await, again(token.to_owned()).await);
    let (status, err) = app
        .get(&format!("/v1/{LOC}/tuningJobs?pageToken=garbage"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
}

// ---------------------------------------------------------------------------------------------
// v1 and v1beta1
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn v1_and_v1beta1_differ_only_where_the_protos_do() {
    let clock = ManualClock::default();
    let app = App::with(
        Emulator::builder()
            .jobs(JobSpeed::Manual)
            .manual_clock(clock.clone())
            .build(),
    );
    let created = app.create_job(base_job()).await;
    let name = created["name"].as_str().unwrap().to_owned();
    clock.advance(Duration::from_millis(1200));
    let v1 = app.ok(Method::GET, &format!("/v1/{name}"), None).await;
    let beta = app.ok(Method::GET, &format!("/v1beta1/{name}"), None).await;
    assert_eq!(v1["state"], "JOB_STATE_RUNNING");
    assert_eq!(beta["tuningJobState"], "TUNING_JOB_STATE_TUNING");
    assert!(beta["tuningJobMetadata"].is_object(), "{beta}");
    let mut stripped = beta.clone();
    let object = stripped.as_object_mut().unwrap();
    object.remove("tuningJobState");
    object.remove("tuningJobMetadata");
    assert_eq!(stripped, v1);
    // Lists too.
    let v1_list = app
        .ok(Method::GET, &format!("/v1/{LOC}/tuningJobs"), None)
        .await;
    assert!(v1_list["tuningJobs"][0].get("tuningJobState").is_none());

    // Operations name the version's proto package.
    clock.advance(Duration::from_secs(3600));
    let model = model_of(&app.job(&name).await);
    let op = app
        .ok(Method::DELETE, &format!("/v1beta1/{model}"), None)
        .await;
    assert_eq!(
        op["metadata"]["@type"],
        "type.googleapis.com/google.cloud.aiplatform.v1beta1.DeleteOperationMetadata"
    );
    let op_name = op["name"].as_str().unwrap();
    let v1_op = app.ok(Method::GET, &format!("/v1/{op_name}"), None).await;
    assert_eq!(
        v1_op["metadata"]["@type"],
        "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata"
    );
}

// ---------------------------------------------------------------------------------------------
// UpdateModel masks
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn update_mask_selects_fields_and_bad_paths_are_named() {
    let app = App::instant();
    let job = tuned(&app).await;
    let bare = model_of(&job);
    // Only the masked field changes, although the body carries two.
    let model = app
        .ok(
            Method::PATCH,
            &format!("/v1/{bare}?updateMask=description"),
            Some(json!({"displayName": "ignored", "description": "what it does"})),
        )
        .await;
    assert_eq!(model["description"], "what it does");
    assert_eq!(model["displayName"], "support-bot");
    // Several paths, snake_case, comma-separated; labels at version level.
    let model = app
        .ok(
            Method::PATCH,
            &format!("/v1/{bare}@1?update_mask=version_description,labels"),
            Some(json!({"versionDescription": "first", "labels": {"stage": "prod"}})),
        )
        .await;
    assert_eq!(model["versionDescription"], "first");
    assert_eq!(model["labels"]["stage"], "prod");
    assert_eq!(model["name"], format!("{bare}@1"));
    // `@-` is the model level.
    let model = app
        .ok(
            Method::PATCH,
            &format!("/v1/{bare}@-?updateMask=displayName"),
            Some(json!({"displayName": "renamed"})),
        )
        .await;
    assert_eq!(model["displayName"], "renamed");
    // A bad path: 400 naming it, as a field violation on update_mask.
    for (suffix, mask) in [
        ("", "etag"),
        ("@1", "versionAliases"),
        ("", "displayName,colour"),
    ] {
        let (status, err) = app
            .call(
                Method::PATCH,
                &format!("/v1/{bare}{suffix}?updateMask={mask}"),
                Some(json!({"displayName": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{mask}: {err}");
        assert_eq!(err["error"]["status"], "INVALID_ARGUMENT");
        assert_eq!(
            err["error"]["details"][0]["fieldViolations"][0]["field"],
            "update_mask"
        );
        let bad = mask.rsplit(',').next().unwrap();
        assert!(err.to_string().contains(bad), "{bad} not in {err}");
    }
    // An explicit mask of the wrong level: FAILED_PRECONDITION naming the field.
    let (status, err) = app
        .call(
            Method::PATCH,
            &format!("/v1/{bare}?updateMask=defaultCheckpointId"),
            Some(json!({"defaultCheckpointId": "1"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["status"], "FAILED_PRECONDITION");
    assert!(err.to_string().contains("default_checkpoint_id"), "{err}");
    // Bad labels in an update: 400 naming model.labels.
    let (status, err) = app
        .call(
            Method::PATCH,
            &format!("/v1/{bare}?updateMask=labels"),
            Some(json!({"labels": {"Bad": "x"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        err["error"]["details"][0]["fieldViolations"][0]["field"]
            .as_str()
            .unwrap()
            .starts_with("model.labels"),
        "{err}"
    );
}
