//! `Model.etag` (model.proto: "Used to perform consistent read-modify-write updates. If not set,
//! a blind overwrite update happens."): emitted on every model read, and an UpdateModel with a
//! stale one is 409 ABORTED (AIP-154), so concurrent edits of a model are testable.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;

mod support;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";

#[tokio::test]
async fn an_update_with_a_stale_etag_is_aborted_and_a_current_one_applies() {
    let (app, _clock) = App::manual();
    app.create_sft_job(LOC).await;
    app.emulator.advance(Duration::from_secs(3600));
    let models = app
        .ok(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
    let name = models["models"][0]["name"].as_str().unwrap().to_owned();
    let read = app.ok(Method::GET, &format!("/v1/{name}"), None).await;
    let etag = read["etag"].as_str().unwrap().to_owned();
    assert!(!etag.is_empty());

    // Another writer updates the model first (a blind overwrite: no etag).
    app.emulator.advance(Duration::from_secs(1));
    let other = app
        .ok(
            Method::PATCH,
            &format!("/v1/{name}?updateMask=description"),
            Some(json!({"description": "theirs"})),
        )
        .await;
    assert_ne!(other["etag"], etag, "an update changes the etag");

    // Our read-modify-write with the etag we read is refused.
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/v1/{name}?updateMask=description"),
            Some(json!({"description": "ours", "etag": etag})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["status"], "ABORTED");

    // With the current etag it applies.
    let current = other["etag"].as_str().unwrap();
    let updated = app
        .ok(
            Method::PATCH,
            &format!("/v1/{name}?updateMask=description"),
            Some(json!({"description": "ours", "etag": current})),
        )
        .await;
    assert_eq!(updated["description"], "ours");
}
