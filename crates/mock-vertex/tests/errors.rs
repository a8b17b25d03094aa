//! Error details as AIP-193 and `google/rpc/error_details.proto` describe them: an `ErrorInfo`
//! on every error, `BadRequest` field violations for malformed names, realistic 429 and 503
//! faults, and the two 403 PERMISSION_DENIED paths (a token limited to some projects, a project
//! whose API is disabled).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use mock_vertex::access::Grant;
use mock_vertex::{Emulator, JobSpeed, Rpc};
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::{App, numbered};

const LOC: &str = "projects/p1/locations/us-central1";
const ERROR_INFO: &str = "type.googleapis.com/google.rpc.ErrorInfo";

fn detail<'a>(error: &'a Value, type_url: &str) -> &'a Value {
    error["error"]["details"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["@type"] == type_url))
        .unwrap_or_else(|| panic!("no {type_url} in {error}"))
}

async fn call_as(app: &App, token: &str, method: Method, path: &str) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_error_carries_an_error_info_naming_the_method() {
    // AIP-193; google/rpc/error_details.proto ErrorInfo {reason, domain, metadata}.
    let app = App::instant();
    let (status, body) = app
        .call(Method::GET, &format!("/v1/{LOC}/models/404"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let info = detail(&body, ERROR_INFO);
    assert_eq!(info["reason"], "NOT_FOUND");
    assert_eq!(info["domain"], "aiplatform.googleapis.com");
    assert_eq!(
        info["metadata"]["method"],
        "google.cloud.aiplatform.v1.ModelService.GetModel"
    );

    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1beta1/{LOC}/tuningJobs?filter=nope%3D1"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&body, ERROR_INFO)["metadata"]["method"],
        "google.cloud.aiplatform.v1beta1.GenAiTuningService.ListTuningJobs"
    );

    // A URL that names no method still carries one, without a method.
    let (status, body) = app.call(Method::GET, "/v1/nowhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        detail(&body, ERROR_INFO)["metadata"]
            .get("method")
            .is_none()
    );
}

#[tokio::test]
async fn a_malformed_name_is_a_bad_request_naming_the_field() {
    // google/rpc/error_details.proto BadRequest.FieldViolation; GetTuningJobRequest.name.
    let app = App::instant();
    let (status, body) = app
        .call(Method::GET, &format!("/v1/{LOC}/tuningJobs/abc"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let bad = detail(&body, "type.googleapis.com/google.rpc.BadRequest");
    assert_eq!(bad["fieldViolations"][0]["field"], "name");
    assert_eq!(detail(&body, ERROR_INFO)["reason"], "INVALID_ARGUMENT");

    // ListTuningJobsRequest.parent.
    let (status, body) = app
        .call(
            Method::GET,
            "/v1/projects/Bad_Project/locations/us-central1/tuningJobs",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let bad = detail(&body, "type.googleapis.com/google.rpc.BadRequest");
    assert_eq!(bad["fieldViolations"][0]["field"], "parent");
}

#[tokio::test]
async fn a_resource_exhausted_fault_carries_quota_failure_and_error_info() {
    // google/rpc/error_details.proto QuotaFailure, ErrorInfo (RATE_LIMIT_EXCEEDED).
    let app = App::instant();
    app.emulator
        .fail(Rpc::CreateTuningJob)
        .with_status(429)
        .times(1);
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let info = detail(&body, ERROR_INFO);
    assert_eq!(info["reason"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(info["domain"], "googleapis.com");
    // The consumer is named by number, as the project's resources are.
    assert_eq!(
        info["metadata"]["consumer"],
        numbered("projects/p1/locations/us").trim_end_matches("/locations/us")
    );
    let quota = detail(&body, "type.googleapis.com/google.rpc.QuotaFailure");
    assert_eq!(
        quota["violations"][0]["subject"],
        format!(
            "project:{}",
            numbered("projects/p1/locations/us")
                .trim_start_matches("projects/")
                .trim_end_matches("/locations/us")
        )
    );
}

#[tokio::test]
async fn a_token_granted_other_projects_is_denied_naming_the_permission() {
    // Vertex AI IAM: aiplatform.tuningJobs.list on projects/*/locations/*.
    let emulator = Emulator::builder()
        .jobs(JobSpeed::Instant)
        .grant(Grant::new("alice", ["p2"]))
        .build();
    let app = App::new(emulator);
    let (status, _) = call_as(
        &app,
        "alice",
        Method::GET,
        "/v1/projects/p2/locations/us-central1/tuningJobs",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        call_as(&app, "alice", Method::GET, &format!("/v1/{LOC}/tuningJobs")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["status"], "PERMISSION_DENIED");
    let info = detail(&body, ERROR_INFO);
    assert_eq!(info["reason"], "IAM_PERMISSION_DENIED");
    assert_eq!(info["metadata"]["permission"], "aiplatform.tuningJobs.list");
    assert_eq!(info["metadata"]["resource"], numbered(LOC));
    // Another token is not limited.
    let (status, _) = call_as(&app, "bob", Method::GET, &format!("/v1/{LOC}/tuningJobs")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_disabled_api_answers_service_disabled_until_enabled_over_the_admin_api() {
    // google/api/error_reason.proto SERVICE_DISABLED: domain googleapis.com, metadata
    // service and consumer, and a google.rpc.Help link to the activation page.
    let app = App::instant();
    let switch = |enabled: bool| {
        app.ok(
            Method::POST,
            "/_emulator/services",
            Some(json!({"project": "p1", "enabled": enabled})),
        )
    };
    assert_eq!(switch(false).await["disabledProjects"], json!(["p1"]));
    let (status, body) = app
        .call(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let info = detail(&body, ERROR_INFO);
    assert_eq!(info["reason"], "SERVICE_DISABLED");
    assert_eq!(info["domain"], "googleapis.com");
    assert_eq!(info["metadata"]["service"], "aiplatform.googleapis.com");
    assert_eq!(
        info["metadata"]["consumer"],
        numbered("projects/p1/locations/us").trim_end_matches("/locations/us")
    );
    let help = detail(&body, "type.googleapis.com/google.rpc.Help");
    assert!(
        help["links"][0]["url"]
            .as_str()
            .unwrap()
            .contains("aiplatform.googleapis.com")
    );
    // Other projects are served.
    let (status, _) = app
        .call(
            Method::GET,
            "/v1/projects/p2/locations/us-central1/models",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(switch(true).await["disabledProjects"], json!([]));
    app.ok(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
}
