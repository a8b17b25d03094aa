//! Resource names are answered with the project number, as Vertex AI does, whichever form the
//! request named the project by; both forms reach the same resources.
//!
//! google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`
//! ("projects/{project}/locations/{location}/tuningJobs/{tuning_job}"), `TunedModel.model` and
//! `TunedModel.endpoint`; google/cloud/aiplatform/v1/model.proto, `Model.name` and
//! `DeployedModelRef.endpoint`; google/longrunning/operations.proto, `Operation.name`: Vertex AI
//! writes `{project}` as the project number in every answer.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{Emulator, JobSpeed, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const BY_ID: &str = "projects/p1/locations/us-central1";
const BY_NUMBER: &str = "projects/424242424242/locations/us-central1";

fn app() -> Router {
    router(
        Emulator::builder()
            .jobs(JobSpeed::Instant)
            .project_number("p1=424242424242".parse().unwrap())
            .build(),
    )
}

async fn call(
    app: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let body = body.map_or_else(Body::empty, |v| Body::from(v.to_string()));
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn ok(app: &Router, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, value) = call(app, method, path, body).await;
    assert_eq!(status, StatusCode::OK, "{path}: {value}");
    value
}

fn job(source: Value) -> Value {
    let mut body = json!({"supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}});
    for (k, v) in source.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn names_are_answered_with_the_configured_number_and_either_form_reaches_them() {
    let app = app();
    let created = ok(
        &app,
        Method::POST,
        &format!("/v1/{BY_ID}/tuningJobs"),
        Some(job(json!({"baseModel": "gemini-2.5-flash"}))),
    )
    .await;
    let name = created["name"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with(&format!("{BY_NUMBER}/tuningJobs/")),
        "{name}"
    );
    let id_name = name.replace(BY_NUMBER, BY_ID);
    let done = ok(&app, Method::GET, &format!("/v1/{id_name}"), None).await;
    assert_eq!(done["name"], name);
    assert_eq!(done["state"], "JOB_STATE_SUCCEEDED");
    let model = done["tunedModel"]["model"].as_str().unwrap().to_owned();
    assert!(
        model.starts_with(&format!("{BY_NUMBER}/models/")),
        "{model}"
    );
    let endpoint = done["tunedModel"]["endpoint"].as_str().unwrap();
    assert!(
        endpoint.starts_with(&format!("{BY_NUMBER}/endpoints/")),
        "{endpoint}"
    );
    for checkpoint in done["tunedModel"]["checkpoints"].as_array().unwrap() {
        let at = checkpoint["endpoint"].as_str().unwrap();
        assert!(at.starts_with(&format!("{BY_NUMBER}/endpoints/")), "{at}");
    }

    // The model, by id and by number alike; its deployments name the endpoint by number.
    let bare = model.split('@').next().unwrap();
    let by_id = ok(
        &app,
        Method::GET,
        &format!("/v1/{}", bare.replace(BY_NUMBER, BY_ID)),
        None,
    )
    .await;
    let by_number = ok(&app, Method::GET, &format!("/v1/{bare}"), None).await;
    assert_eq!(by_id["name"], bare);
    assert_eq!(by_id, by_number);
    for deployed in by_id["deployedModels"].as_array().unwrap() {
        let at = deployed["endpoint"].as_str().unwrap();
        assert!(at.starts_with(&format!("{BY_NUMBER}/endpoints/")), "{at}");
    }

    // A continuation naming the model by id is the same model; the answer names it by number.
    let continued = ok(
        &app,
        Method::POST,
        &format!("/v1/{BY_NUMBER}/tuningJobs"),
        Some(job(json!({
            "preTunedModel": {"tunedModelName": bare.replace(BY_NUMBER, BY_ID)}
        }))),
    )
    .await;
    assert_eq!(continued["preTunedModel"]["tunedModelName"], bare);
    let continued = ok(
        &app,
        Method::GET,
        &format!("/v1/{}", continued["name"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(continued["tunedModel"]["model"], format!("{bare}@2"));

    // Code that compares an answered name with one built from the project id is wrong here, as
    // it is against Vertex AI.
    assert_ne!(name, id_name);
}

#[tokio::test]
async fn an_unconfigured_id_gets_its_stable_derived_number_and_a_bare_number_is_its_own_project() {
    let app = app();
    let created = ok(
        &app,
        Method::POST,
        "/v1/projects/other-project/locations/us-central1/tuningJobs",
        Some(job(json!({"baseModel": "gemini-2.5-flash"}))),
    )
    .await;
    let number = ok(&app, Method::GET, "/_emulator/projects/other-project", None).await;
    let number = number["projectNumber"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 12);
    assert!(
        created["name"].as_str().unwrap().starts_with(&format!(
            "projects/{number}/locations/us-central1/tuningJobs/"
        )),
        "{created}"
    );
    let elsewhere = ok(
        &app,
        Method::GET,
        "/v1/projects/111111111111/locations/us-central1/tuningJobs",
        None,
    )
    .await;
    assert_eq!(elsewhere, json!({}));
}

#[tokio::test]
async fn the_admin_api_lists_and_sets_project_numbers() {
    let app = app();
    let listed = ok(&app, Method::GET, "/_emulator/projects", None).await;
    assert!(
        listed["projects"].as_array().unwrap().contains(
            &json!({"projectId": "p1", "projectNumber": "424242424242", "configured": true})
        ),
        "{listed}"
    );
    ok(
        &app,
        Method::POST,
        "/_emulator/projects",
        Some(json!({"projectId": "p2", "projectNumber": "555555555555"})),
    )
    .await;
    let p2 = ok(&app, Method::GET, "/_emulator/projects/555555555555", None).await;
    assert_eq!(p2["projectId"], "p2");
    let created = ok(
        &app,
        Method::POST,
        "/v1/projects/p2/locations/us-central1/tuningJobs",
        Some(job(json!({"baseModel": "gemini-2.5-flash"}))),
    )
    .await;
    assert!(
        created["name"]
            .as_str()
            .unwrap()
            .starts_with("projects/555555555555/"),
        "{created}"
    );
    // The numbers are part of the exported state.
    let state = ok(&app, Method::GET, "/_emulator/state", None).await;
    assert_eq!(state["projectNumbers"]["p2"], "555555555555");
    let (status, refused) = call(
        &app,
        Method::POST,
        "/_emulator/projects",
        Some(json!({"projectId": "123", "projectNumber": "5"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
}

#[tokio::test]
async fn the_metadata_server_reports_the_number_names_are_answered_with() {
    let app = router(
        Emulator::builder()
            .project_number("emulator-project=777777777777".parse().unwrap())
            .build(),
    );
    let request = Request::builder()
        .uri("/computeMetadata/v1/project/numeric-project-id")
        .header("Metadata-Flavor", "Google")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&bytes[..], b"777777777777");
}
