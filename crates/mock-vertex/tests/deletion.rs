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

// WaitOperation (google/longrunning/operations.proto `Operations.WaitOperation`: "Waits until the
// specified long-running operation is done or reaches at most a specified timeout, returning the
// latest state"; `WaitOperationRequest.timeout`, bound from the query string of
// `POST {name=projects/*/locations/*/models/*/operations/*}:wait`).

#[tokio::test]
async fn wait_operation_blocks_until_the_clock_moves_past_the_deletion() {
    let (app, _clock) = App::manual();
    let model = tuned_model(&app).await;
    let op = app.ok(Method::DELETE, &format!("/v1/{model}"), None).await;
    let name = op["name"].as_str().unwrap().to_owned();

    let waiter = {
        let app = App::new(app.emulator.clone());
        let name = name.clone();
        tokio::spawn(async move {
            app.ok(Method::POST, &format!("/v1/{name}:wait?timeout=60s"), None)
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !waiter.is_finished(),
        "the wait answered before the operation was done"
    );
    app.emulator.advance(Duration::from_secs(1));
    let done = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the wait answers once the operation is done")
        .unwrap();
    assert_eq!(done["done"], true, "{done}");
    assert_eq!(
        done["response"]["@type"],
        "type.googleapis.com/google.protobuf.Empty"
    );
}

#[tokio::test]
async fn wait_operation_answers_a_running_operation_when_its_timeout_passes_on_the_clock() {
    let (app, _clock) = App::manual();
    let model = tuned_model(&app).await;
    let op = app.ok(Method::DELETE, &format!("/v1/{model}"), None).await;
    let name = op["name"].as_str().unwrap().to_owned();

    let waiter = {
        let app = App::new(app.emulator.clone());
        tokio::spawn(async move {
            app.ok(
                Method::POST,
                &format!("/v1/{name}:wait?timeout=0.100s"),
                None,
            )
            .await
        })
    };
    // Moving the clock past the timeout, not past the deletion (SCALED_DELETION is 500 ms).
    tokio::time::sleep(Duration::from_millis(20)).await;
    app.emulator.advance(Duration::from_millis(200));
    let running = tokio::time::timeout(Duration::from_secs(10), waiter)
        .await
        .expect("the wait answers when its timeout has passed")
        .unwrap();
    assert_eq!(running["done"], Value::Null, "{running}");
}

#[tokio::test]
async fn wait_operation_answers_a_done_operation_at_once_and_refuses_a_bad_timeout() {
    let app = App::instant();
    let model = tuned_model(&app).await;
    let op = app.ok(Method::DELETE, &format!("/v1/{model}"), None).await;
    let name = op["name"].as_str().unwrap();
    let done = app
        .ok(Method::POST, &format!("/v1/{name}:wait"), None)
        .await;
    assert_eq!(done["done"], true, "{done}");

    let (status, body) = app
        .call(Method::POST, &format!("/v1/{name}:wait?timeout=soon"), None)
        .await;
    assert_eq!(status, axum::http::StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        body["error"]["message"],
        "Invalid value at 'timeout' (type.googleapis.com/google.protobuf.Duration), \"soon\""
    );
}
