//! Shared by the emulator's in-process test files: an emulator with its router, and JSON calls.

#![allow(dead_code)] // each test file uses a different part

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{Emulator, JobSpeed, ManualClock, router};
use serde_json::{Value, json};
use tower::ServiceExt;

/// An emulator and the router serving it, called in-process.
pub struct App {
    pub emulator: Emulator,
    pub router: Router,
}

impl App {
    pub fn new(emulator: Emulator) -> App {
        App {
            router: router(emulator.clone()),
            emulator,
        }
    }

    /// Jobs finish as soon as they are created.
    pub fn instant() -> App {
        App::new(Emulator::builder().jobs(JobSpeed::Instant).build())
    }

    /// Scaled durations on a manual clock: jobs move only when the clock does.
    pub fn manual() -> (App, ManualClock) {
        let clock = ManualClock::default();
        let emulator = Emulator::builder()
            .jobs(JobSpeed::Manual)
            .manual_clock(clock.clone())
            .build();
        (App::new(emulator), clock)
    }

    /// Sends a JSON body (or none) and returns the status and the JSON answer (`Null` if empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = match body {
            Some(v) => Body::from(serde_json::to_vec(&v).unwrap()),
            None => Body::empty(),
        };
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(body)
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, value)
    }

    /// Like `call`, asserting a 200.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.call(method, path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {value}");
        value
    }

    /// Creates a supervised tuning job from `gemini-2.5-flash` on the sample data set under
    /// `location` (`projects/P/locations/L`) and returns the job as answered.
    pub async fn create_sft_job(&self, location: &str) -> Value {
        self.ok(
            Method::POST,
            &format!("/v1/{location}/tuningJobs"),
            Some(json!({
                "baseModel": "gemini-2.5-flash",
                "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
            })),
        )
        .await
    }
}

/// `text` with every resource name written with its project's derived number, as the emulator
/// answers (`google/cloud/aiplatform/v1/model.proto`, `Model.name`: Vertex AI answers
/// `projects/{project number}/...`).
#[allow(dead_code)]
pub fn numbered(text: &str) -> String {
    mock_vertex::projects::Projects::default()
        .canonical(text)
        .into_owned()
}
