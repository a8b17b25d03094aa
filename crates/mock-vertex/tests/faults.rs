//! Injected faults, from Rust (`emulator.fail(…)`, `fail_job_at_epoch`, `hold_job`) and over
//! HTTP (`/_emulator/faults`): route faults by count and by seeded probability, before and after
//! handling, failing a job at an epoch, holding a job in `PENDING`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{AuthMode, Emulator, EpochFailure, JobTarget, Rpc};
use retune_model::Code;
use retune_model::names::TuningJobName;
use serde_json::{Value, json};
use tower::ServiceExt;

mod support;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";

impl App {
    async fn create(&self, epochs: u32) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            Some(json!({
                "baseModel": "gemini-2.5-flash",
                "supervisedTuningSpec": {
                    "trainingDatasetUri": SAMPLE_TRAIN_URI,
                    "hyperParameters": {"epochCount": epochs.to_string()}
                }
            })),
        )
        .await
    }

    async fn created(&self, epochs: u32) -> String {
        let (status, job) = self.create(epochs).await;
        assert_eq!(status, StatusCode::OK, "{job}");
        job["name"].as_str().unwrap().to_owned()
    }

    async fn job(&self, name: &str) -> Value {
        self.ok(Method::GET, &format!("/v1beta1/{name}"), None)
            .await
    }

    async fn job_count(&self) -> usize {
        let list = self
            .ok(Method::GET, &format!("/v1/{LOC}/tuningJobs"), None)
            .await;
        list["tuningJobs"].as_array().map_or(0, Vec::len)
    }
}

fn name(s: &str) -> TuningJobName {
    s.parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Route faults
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_route_fault_answers_its_status_exactly_n_times_in_google_shape() {
    let app = App::instant();
    let job = app.created(1).await;
    app.emulator
        .fail(Rpc::GetTuningJob)
        .with_status(503)
        .times(2);
    for _ in 0..2 {
        let (status, body) = app.call(Method::GET, &format!("/v1/{job}"), None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["error"]["code"], 503);
        assert_eq!(body["error"]["status"], "UNAVAILABLE");
        assert!(body["error"]["message"].is_string());
    }
    app.job(&job).await;
    // Other routes were never affected.
    app.ok(Method::GET, &format!("/v1/{LOC}/tuningJobs"), None)
        .await;
    let faults = app.emulator.route_faults();
    assert_eq!((faults[0].fired, faults[0].remaining), (2, Some(0)));
}

#[tokio::test]
async fn a_create_fault_before_handling_creates_no_job() {
    let app = App::instant();
    app.emulator
        .fail(Rpc::CreateTuningJob)
        .with_status(503)
        .times(1);
    let (status, _) = app.create(1).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.job_count().await, 0);
    // The retry succeeds, and there is exactly one job.
    app.created(1).await;
    assert_eq!(app.job_count().await, 1);
}

#[tokio::test]
async fn a_create_fault_after_handling_creates_the_job_and_still_fails() {
    let app = App::instant();
    app.emulator
        .fail(Rpc::CreateTuningJob)
        .with_status(500)
        .with_message("backend hiccup")
        .after_handling()
        .times(1);
    let (status, body) = app.create(1).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"]["status"], "INTERNAL");
    assert_eq!(body["error"]["message"], "backend hiccup");
    assert_eq!(app.job_count().await, 1);
    let journal = app.emulator.requests();
    assert!(journal[0].faulted);
    assert_eq!(journal[0].status, 500);
}

#[tokio::test]
async fn a_probabilistic_fault_is_deterministic_for_its_seed() {
    async fn pattern(seed: u64) -> Vec<bool> {
        let app = App::instant();
        app.emulator
            .fail(Rpc::ListModels)
            .with_status(429)
            .with_probability(0.3, seed);
        let mut hits = Vec::new();
        for _ in 0..200 {
            let (status, _) = app
                .call(Method::GET, &format!("/v1/{LOC}/models"), None)
                .await;
            hits.push(status == StatusCode::TOO_MANY_REQUESTS);
        }
        hits
    }
    let a = pattern(42).await;
    assert_eq!(a, pattern(42).await);
    assert_ne!(a, pattern(7).await);
    let fired = a.iter().filter(|h| **h).count();
    assert!((30..90).contains(&fired), "{fired} of 200");
}

#[tokio::test]
async fn a_fault_on_every_route_spares_the_admin_routes_and_auth_comes_first() {
    let app = App::new(Emulator::builder().auth(AuthMode::AnyToken).build());
    let id = app.emulator.fail_every_route().with_status(503).always();
    let (status, _) = app
        .call(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let request = Request::get(format!("/v1/{LOC}/models"))
        .header("authorization", "Bearer t")
        .body(Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    app.ok(Method::GET, "/_emulator/health", None).await;
    app.ok(Method::GET, "/_emulator/faults", None).await;
    assert!(app.emulator.remove_fault(id));
    assert!(!app.emulator.remove_fault(id));
}

#[tokio::test]
async fn route_faults_over_http_are_added_listed_removed_and_cleared() {
    let app = App::instant();
    let added = app
        .ok(
            Method::POST,
            "/_emulator/faults",
            Some(json!({"route": "CreateTuningJob", "status": 503, "times": 2})),
        )
        .await;
    let id = added["id"].as_u64().unwrap();
    let (status, _) = app.create(1).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let listed = app.ok(Method::GET, "/_emulator/faults", None).await;
    let fault = &listed["routeFaults"][0];
    assert_eq!(fault["route"], "CreateTuningJob");
    assert_eq!(fault["status"], 503);
    assert_eq!(fault["code"], "UNAVAILABLE");
    assert_eq!(fault["fired"], 1);
    assert_eq!(fault["remaining"], 1);
    app.ok(Method::DELETE, &format!("/_emulator/faults/{id}"), None)
        .await;
    app.created(1).await;
    let (status, _) = app
        .call(Method::DELETE, &format!("/_emulator/faults/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.ok(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"route": "*", "probability": 1.0, "seed": 3, "when": "after"})),
    )
    .await;
    let (status, _) = app.create(1).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.emulator.route_faults()[0].fired, 1);
    app.ok(Method::DELETE, "/_emulator/faults", None).await;
    assert!(app.emulator.route_faults().is_empty());
    assert_eq!(
        app.job_count().await,
        2,
        "the after-fault's create took effect"
    );
}

#[tokio::test]
async fn malformed_fault_requests_are_invalid_argument() {
    let app = App::instant();
    for body in [
        json!({"route": "CreateTuningJob", "status": 502}),
        json!({"route": "Frobnicate"}),
        json!({"route": "*", "probability": 1.5}),
        json!({"route": "*", "when": "during"}),
        json!({"failJob": "next"}),
        json!({"route": "*", "holdJob": "next"}),
        json!({}),
    ] {
        let (status, answer) = app
            .call(Method::POST, "/_emulator/faults", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["status"], "INVALID_ARGUMENT");
    }
    assert!(app.emulator.route_faults().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Failing a job at an epoch
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_job_failed_at_an_epoch_stops_there_with_its_error_and_registers_nothing() {
    let (app, clock) = App::manual();
    let job = app.created(3).await;
    app.emulator
        .fail_job_at_epoch(
            name(&job),
            EpochFailure::at(2).with_message("out of memory"),
        )
        .unwrap();
    clock.advance(Duration::from_secs(3600));
    let failed = app.job(&job).await;
    assert_eq!(failed["state"], "JOB_STATE_FAILED");
    assert_eq!(failed["error"]["code"], Code::Internal.number());
    assert_eq!(failed["error"]["message"], "out of memory");
    assert_eq!(failed["tuningJobMetadata"]["completedEpochCount"], "2");
    assert!(failed["endTime"].is_string());
    assert!(failed.get("tunedModel").is_none());
    let models = app
        .ok(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
    assert_eq!(models, json!({}));
}

#[tokio::test]
async fn a_job_fails_at_the_moment_it_completes_the_epoch() {
    let (app, clock) = App::manual();
    let job = app.created(3).await;
    app.emulator
        .fail_job_at_epoch(name(&job), EpochFailure::at(1))
        .unwrap();
    // Pending 0.5 s and data 0.5 s, then tuning: the job is running until epoch 1 completes.
    clock.advance(Duration::from_millis(1100));
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_RUNNING");
    clock.advance(Duration::from_secs(60));
    let failed = app.job(&job).await;
    assert_eq!(failed["state"], "JOB_STATE_FAILED");
    assert_eq!(failed["tuningJobMetadata"]["completedEpochCount"], "1");
}

#[tokio::test]
async fn failing_the_next_job_over_http_works_with_instant_jobs() {
    let app = App::instant();
    app.ok(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"failJob": "next", "atEpoch": 1, "status": 429, "message": "quota"})),
    )
    .await;
    let listed = app.ok(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(listed["jobFaults"][0]["job"], "next");
    let first = app.created(2).await;
    let second = app.created(2).await;
    let failed = app.job(&first).await;
    assert_eq!(failed["state"], "JOB_STATE_FAILED");
    assert_eq!(failed["error"]["code"], Code::ResourceExhausted.number());
    assert_eq!(failed["error"]["message"], "quota");
    assert_eq!(app.job(&second).await["state"], "JOB_STATE_SUCCEEDED");
}

#[tokio::test]
async fn failing_a_finished_or_passed_job_is_refused() {
    let (app, clock) = App::manual();
    let job = app.created(3).await;
    clock.advance(Duration::from_secs(60));
    let (status, body) = app
        .call(
            Method::POST,
            "/_emulator/faults",
            Some(json!({"failJob": job, "atEpoch": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["status"], "FAILED_PRECONDITION");
    let err = app
        .emulator
        .fail_job_at_epoch(name(&format!("{LOC}/tuningJobs/42")), EpochFailure::at(1))
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

// ---------------------------------------------------------------------------------------------
// Holding a job in PENDING
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_held_job_stays_pending_until_released_then_runs_from_then() {
    let (app, clock) = App::manual();
    let job = app.created(1).await;
    app.emulator.hold_job(name(&job)).unwrap();
    clock.advance(Duration::from_secs(3600));
    let held = app.job(&job).await;
    assert_eq!(held["state"], "JOB_STATE_PENDING");
    assert!(held.get("startTime").is_none());
    assert_eq!(app.emulator.job_faults()[0].job, job);

    app.emulator.release_job(&name(&job)).unwrap();
    let released = app.job(&job).await;
    assert_eq!(released["state"], "JOB_STATE_RUNNING");
    assert_eq!(released["startTime"], app.emulator.now().to_string());
    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_SUCCEEDED");
    assert!(app.emulator.job_faults().is_empty());
    let err = app.emulator.release_job(&name(&job)).unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn a_running_job_cannot_be_held() {
    let (app, clock) = App::manual();
    let job = app.created(1).await;
    clock.advance(Duration::from_secs(1));
    let err = app.emulator.hold_job(name(&job)).unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn holding_the_next_instant_job_over_http_and_releasing_it() {
    let app = App::instant();
    app.ok(
        Method::POST,
        "/_emulator/faults",
        Some(json!({"holdJob": "next"})),
    )
    .await;
    let job = app.created(1).await;
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_PENDING");
    app.ok(
        Method::POST,
        "/_emulator/release",
        Some(json!({"job": job})),
    )
    .await;
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_SUCCEEDED");
}

#[tokio::test]
async fn clearing_faults_releases_held_jobs_and_drops_failures() {
    let (app, clock) = App::manual();
    app.emulator.hold_job(JobTarget::Next).unwrap();
    let held = app.created(1).await;
    let failing = app.created(2).await;
    app.emulator
        .fail_job_at_epoch(name(&failing), EpochFailure::at(1))
        .unwrap();
    app.ok(Method::DELETE, "/_emulator/faults", None).await;
    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.job(&held).await["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(app.job(&failing).await["state"], "JOB_STATE_SUCCEEDED");
}

#[tokio::test]
async fn a_held_job_can_be_cancelled() {
    let (app, clock) = App::manual();
    let job = app.created(1).await;
    app.emulator.hold_job(name(&job)).unwrap();
    app.ok(Method::POST, &format!("/v1/{job}:cancel"), None)
        .await;
    clock.advance(Duration::from_secs(1));
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_CANCELLED");
}

#[tokio::test]
async fn releasing_a_cancelled_held_job_keeps_it_cancelled() {
    let (app, clock) = App::manual();
    let job = app.created(1).await;
    app.emulator.hold_job(name(&job)).unwrap();
    app.ok(Method::POST, &format!("/v1/{job}:cancel"), None)
        .await;
    app.emulator.clear_faults();
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_CANCELLING");
    clock.advance(Duration::from_secs(1));
    let cancelled = app.job(&job).await;
    assert_eq!(cancelled["state"], "JOB_STATE_CANCELLED");
    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_CANCELLED");
}
