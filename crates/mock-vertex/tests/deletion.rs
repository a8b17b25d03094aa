//! DeleteModel and DeleteModelVersion answer long-running operations that run on the emulator's
//! clock, as Vertex AI's do (model_service.proto: `returns (google.longrunning.Operation)`
//! with `DeleteOperationMetadata`), so that polling code is exercised.

use std::time::Duration;

use axum::http::Method;
use serde_json::Value;

mod support;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";

/// A tuned model's name, made on `app` (whose clock is then moved past the job's end).
async fn tuned_model(app: &App) -> String {
    app.create_sft_job(LOC).await;
    app.emulator.advance(Duration::from_secs(3600));
    let models = app
        .ok(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
    models["models"][0]["name"].as_str().unwrap().to_owned()
}

async fn operation(app: &App, name: &str) -> Value {
    app.ok(Method::GET, &format!("/v1/{name}"), None).await
}

#[tokio::test]
async fn a_delete_model_operation_is_running_until_the_clock_moves() {
    let (app, _clock) = App::manual();
    let model = tuned_model(&app).await;
    let op = app.ok(Method::DELETE, &format!("/v1/{model}"), None).await;
    assert_eq!(op["done"], Value::Null, "not done yet: {op}");
    assert!(op.get("response").is_none(), "{op}");
    let name = op["name"].as_str().unwrap().to_owned();
    assert_eq!(operation(&app, &name).await["done"], Value::Null);
    app.emulator.advance(Duration::from_secs(1));
    let done = operation(&app, &name).await;
    assert_eq!(done["done"], true, "{done}");
    assert_eq!(
        done["response"]["@type"],
        "type.googleapis.com/google.protobuf.Empty"
    );
    assert_eq!(
        done["metadata"]["@type"],
        "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata"
    );
}

#[tokio::test]
async fn instant_jobs_keep_delete_operations_instant() {
    let app = App::instant();
    let model = tuned_model(&app).await;
    let op = app.ok(Method::DELETE, &format!("/v1/{model}"), None).await;
    assert_eq!(op["done"], true, "{op}");
}
