//! The control API for test writers (`/_emulator/…` and the same methods on `Emulator`):
//! readiness, reset, state export and import, seeding (with one test per continuous-tuning
//! refusal it makes possible), the clock, the journal and await.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use mock_vertex::Clock;
use mock_vertex::journal::JOURNAL_CAPACITY;
use mock_vertex::storage::SAMPLE_TRAIN_URI;
use mock_vertex::{
    AuthMode, ClockMode, Emulator, EpochFailure, JobSpeed, ManualClock, SeedTunedModel,
};
use retune_model::Timestamp;
use retune_model::continuous::TuningMethod;
use retune_model::job_state::JobState;
use retune_model::names::{LocationName, TuningJobName};
use serde_json::{Value, json};

mod support;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";
const OTHER: &str = "projects/p2/locations/europe-west4";
const KEY: &str = "projects/p1/locations/us-central1/keyRings/r/cryptoKeys/k";
const OTHER_KEY: &str = "projects/p1/locations/us-central1/keyRings/r/cryptoKeys/other";

impl App {
    async fn create_job(&self, body: Value) -> String {
        let job = self
            .ok(Method::POST, &format!("/v1/{LOC}/tuningJobs"), Some(body))
            .await;
        job["name"].as_str().unwrap().to_owned()
    }

    async fn job(&self, name: &str) -> Value {
        self.ok(Method::GET, &format!("/v1beta1/{name}"), None)
            .await
    }
}

fn base_job(epochs: u32) -> Value {
    json!({
        "baseModel": "gemini-2.5-flash",
        "tunedModelDisplayName": "support-bot",
        "supervisedTuningSpec": {
            "trainingDatasetUri": SAMPLE_TRAIN_URI,
            "hyperParameters": {"epochCount": epochs.to_string()}
        }
    })
}

fn continue_from(model: &str, extra: Value) -> Value {
    let mut body = json!({
        "preTunedModel": {"tunedModelName": model},
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn location() -> LocationName {
    LOC.parse().unwrap()
}

fn job_name(name: &str) -> TuningJobName {
    name.parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Health, readiness, auth bypass
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn health_and_readiness_answer_and_bypass_vertex_auth() {
    let app = App::new(Emulator::builder().auth(AuthMode::AnyToken).build());
    assert!(app.emulator.is_ready());
    let health = app.ok(Method::GET, "/_emulator/health", None).await;
    assert_eq!(health["status"], "SERVING");
    let ready = app.ok(Method::GET, "/_emulator/ready", None).await;
    assert_eq!(ready["status"], "READY");
    // The Vertex API still wants a token.
    let (status, _) = app
        .call(Method::GET, &format!("/v1/{LOC}/tuningJobs"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_admin_paths_and_bad_bodies_are_google_shaped_errors() {
    let app = App::instant();
    let (status, body) = app.call(Method::GET, "/_emulator/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["status"], "NOT_FOUND");
    let (status, body) = app
        .call(
            Method::POST,
            "/_emulator/clock",
            Some(json!({"advanc": "1s"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
}

// ---------------------------------------------------------------------------------------------
// Reset
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn reset_forgets_everything_and_restarts_ids() {
    let app = App::instant();
    let first = app.create_job(base_job(1)).await;
    app.job(&first).await;
    app.emulator.reset();
    let (status, _) = app.call(Method::GET, &format!("/v1/{first}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.emulator.requests().len(), 1, "the journal restarts too");
    // Ids restart, so the same create gives the same name again.
    assert_eq!(app.create_job(base_job(1)).await, first);

    app.ok(Method::POST, "/_emulator/reset", None).await;
    let list = app
        .ok(Method::GET, &format!("/v1/{LOC}/tuningJobs"), None)
        .await;
    assert_eq!(list, json!({}));
}

#[tokio::test]
async fn reset_of_one_location_keeps_the_others() {
    let app = App::instant();
    let here = app.create_job(base_job(1)).await;
    let there = app
        .ok(
            Method::POST,
            &format!("/v1/{OTHER}/tuningJobs"),
            Some(base_job(1)),
        )
        .await["name"]
        .as_str()
        .unwrap()
        .to_owned();
    app.emulator.reset_location(&location());
    let (status, _) = app.call(Method::GET, &format!("/v1/{here}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.job(&there).await;

    app.ok(
        Method::POST,
        "/_emulator/reset",
        Some(json!({"project": "p2", "location": "europe-west4"})),
    )
    .await;
    let (status, _) = app.call(Method::GET, &format!("/v1/{there}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .call(
            Method::POST,
            "/_emulator/reset",
            Some(json!({"project": "p2"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// Export and import
// ---------------------------------------------------------------------------------------------

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// Equal texts, or the first differing line.
#[track_caller]
fn assert_same(got: &str, want: &str) {
    if let Some((i, (g, w))) = got
        .lines()
        .zip(want.lines())
        .enumerate()
        .find(|(_, (g, w))| g != w)
    {
        panic!("line {i} differs:\n got: {g}\nwant: {w}");
    }
    assert_eq!(got.len(), want.len());
}

/// A store with jobs in every phase: succeeded, continued, running, cancelled, held, failing.
async fn busy(app: &App, clock: &ManualClock) -> (String, String) {
    let done = app.create_job(base_job(2)).await;
    clock.advance(Duration::from_secs(3600));
    let model = app.job(&done).await["tunedModel"]["model"]
        .as_str()
        .unwrap()
        .split('@')
        .next()
        .unwrap()
        .to_owned();
    let continued = app.create_job(continue_from(&model, json!({}))).await;
    clock.advance(Duration::from_secs(3600));
    assert_eq!(app.job(&continued).await["state"], "JOB_STATE_SUCCEEDED");
    app.ok(
        Method::POST,
        &format!("/v1/{model}@2:mergeVersionAliases"),
        Some(json!({"versionAliases": ["golden"]})),
    )
    .await;
    let cancelled = app.create_job(base_job(1)).await;
    app.ok(Method::POST, &format!("/v1/{cancelled}:cancel"), None)
        .await;
    let held = app.create_job(base_job(1)).await;
    app.emulator.hold_job(job_name(&held)).unwrap();
    let failing = app.create_job(base_job(3)).await;
    app.emulator
        .fail_job_at_epoch(job_name(&failing), EpochFailure::at(2))
        .unwrap();
    let running = app.create_job(base_job(3)).await;
    clock.advance(Duration::from_millis(1200));
    assert_eq!(app.job(&running).await["state"], "JOB_STATE_RUNNING");
    (running, held)
}

#[tokio::test]
async fn export_reset_import_export_is_byte_identical_and_jobs_keep_running() {
    let (app, clock) = App::manual();
    let (running, held) = busy(&app, &clock).await;
    let exported = text(app.emulator.export_state_json());
    app.emulator.reset();
    app.emulator.advance(Duration::from_secs(7));
    assert_ne!(text(app.emulator.export_state_json()), exported);
    app.emulator.import_state_json(exported.as_bytes()).unwrap();
    assert_same(&text(app.emulator.export_state_json()), &exported);

    // The imported jobs carry on from where they stood.
    let job = app.job(&running).await;
    assert_eq!(job["state"], "JOB_STATE_RUNNING");
    app.emulator.advance(Duration::from_secs(3600));
    assert_eq!(app.job(&running).await["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(app.job(&held).await["state"], "JOB_STATE_PENDING");
    app.emulator.release_job(&job_name(&held)).unwrap();
    app.emulator.advance(Duration::from_secs(3600));
    assert_eq!(app.job(&held).await["state"], "JOB_STATE_SUCCEEDED");
}

#[tokio::test]
async fn state_round_trips_over_http() {
    let (app, clock) = App::manual();
    busy(&app, &clock).await;
    let exported = app.ok(Method::GET, "/_emulator/state", None).await;
    assert_eq!(exported["format"], 1);
    assert_eq!(exported["clock"]["mode"], "manual");
    app.ok(Method::POST, "/_emulator/reset", None).await;
    app.ok(Method::PUT, "/_emulator/state", Some(exported.clone()))
        .await;
    assert_eq!(
        app.ok(Method::GET, "/_emulator/state", None).await,
        exported
    );

    let (status, body) = app
        .call(Method::PUT, "/_emulator/state", Some(json!({"format": 9})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn an_invalid_snapshot_is_refused_and_changes_nothing() {
    let (app, clock) = App::manual();
    busy(&app, &clock).await;
    let before = app.emulator.export_state_json();
    let mut snapshot = app.emulator.export_state();
    snapshot.locations[0].jobs[0].base_model = "gemini-0".to_owned();
    let err = app.emulator.import_state(&snapshot).unwrap_err();
    assert!(err.what().contains("baseModel"), "{err}");
    assert_eq!(app.emulator.export_state_json(), before);
}

#[tokio::test]
async fn an_endpoint_edited_in_a_snapshot_is_kept_as_written() {
    let (app, clock) = App::manual();
    busy(&app, &clock).await;
    let mut snapshot = app.emulator.export_state();
    let edited = &mut snapshot.locations[0].endpoints[0];
    edited
        .labels
        .insert("edited".to_owned(), "by-hand".to_owned());
    edited.display_name = "hand-made".to_owned();
    let name = edited.name.clone();
    app.emulator.import_state(&snapshot).unwrap();
    assert_eq!(app.emulator.export_state(), snapshot);
    let endpoint = app.ok(Method::GET, &format!("/v1/{name}"), None).await;
    assert_eq!(endpoint["labels"]["edited"], "by-hand", "{endpoint}");
    assert_eq!(endpoint["displayName"], "hand-made");
    assert_eq!(app.emulator.check_consistency(), Vec::<String>::new());
}

#[tokio::test]
async fn endpoints_left_out_of_a_snapshot_are_those_their_tuned_versions_have() {
    let (app, clock) = App::manual();
    busy(&app, &clock).await;
    let full = app.emulator.export_state();
    assert!(!full.locations[0].endpoints.is_empty());
    let mut without = full.clone();
    without.locations[0].endpoints.clear();
    app.emulator.import_state(&without).unwrap();
    assert_eq!(app.emulator.export_state(), full);
    assert_eq!(app.emulator.check_consistency(), Vec::<String>::new());
}

#[tokio::test]
async fn version_labels_an_update_set_survive_export_and_import() {
    let (app, clock) = App::manual();
    let done = app.create_job(base_job(2)).await;
    clock.advance(Duration::from_secs(3600));
    let version = app.job(&done).await["tunedModel"]["model"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = app.ok(Method::GET, &format!("/v1/{version}"), None).await;
    assert_eq!(before["labels"]["tune-type"], "sft", "{before}");
    let relabelled = app
        .ok(
            Method::PATCH,
            &format!("/v1/{version}?updateMask=labels"),
            Some(json!({"labels": {"team": "a"}})),
        )
        .await;
    assert_eq!(relabelled["labels"], json!({"team": "a"}));
    let exported = text(app.emulator.export_state_json());
    app.emulator.reset();
    app.emulator.import_state_json(exported.as_bytes()).unwrap();
    assert_same(&text(app.emulator.export_state_json()), &exported);
    let after = app.ok(Method::GET, &format!("/v1/{version}"), None).await;
    assert_eq!(after["labels"], json!({"team": "a"}));
}

// ---------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

#[tokio::test]
async fn a_seeded_version_looks_like_one_a_job_produced() {
    let app = App::instant();
    let real = app.create_job(base_job(2)).await;
    let real_job = app.job(&real).await;
    let real_model = app
        .ok(
            Method::GET,
            &format!("/v1/{}", real_job["tunedModel"]["model"].as_str().unwrap()),
            None,
        )
        .await;

    let finished: Timestamp = "2025-08-02T10:00:00Z".parse().unwrap();
    let seeded = app
        .emulator
        .seed_tuned_model(
            SeedTunedModel::new(location(), "gemini-2.5-flash")
                .display_name("seeded")
                .checkpoints(2)
                .finished_at(finished),
        )
        .unwrap();
    let model = app
        .ok(Method::GET, &format!("/v1/{}", seeded.model), None)
        .await;
    assert_eq!(keys(&model), keys(&real_model));
    assert_eq!(keys(&model["labels"]), keys(&real_model["labels"]));
    assert_eq!(model["labels"]["tune-type"], "sft");
    assert_eq!(model["versionAliases"], json!(["default"]));
    assert_eq!(model["checkpoints"].as_array().unwrap().len(), 2);

    let job = app.job(&seeded.tuning_job.to_string()).await;
    assert_eq!(keys(&job), keys(&real_job));
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    assert_eq!(job["endTime"], "2025-08-02T10:00:00Z");
    assert_eq!(job["tunedModel"]["model"], seeded.model.to_string());
    let endpoint = job["tunedModel"]["endpoint"].as_str().unwrap();
    app.ok(Method::GET, &format!("/v1/{endpoint}"), None).await;

    // A version under a parent: version 2, as continuous tuning would make it.
    let second = app
        .emulator
        .seed_tuned_model(
            SeedTunedModel::new(location(), "gemini-2.5-flash")
                .version_of(seeded.model.name().clone())
                .alias("golden".parse().unwrap()),
        )
        .unwrap();
    assert!(second.model.to_string().ends_with("@2"));
    let v2 = app
        .ok(
            Method::GET,
            &format!("/v1/{}@golden", seeded.model.name()),
            None,
        )
        .await;
    assert_eq!(v2["versionId"], "2");
}

/// Seeding under a parent with a display name gives continuous tuning's answer: the parent's own
/// name (or a blank one) is a new version, only a different name is a new model.
#[tokio::test]
async fn a_seeded_version_with_the_parents_display_name_is_a_new_version() {
    let app = App::instant();
    let parent = app
        .emulator
        .seed_tuned_model(SeedTunedModel::new(location(), "gemini-2.5-flash").display_name("bot"))
        .unwrap();
    let parent = parent.model.name().clone();
    let seed = |name: &str| {
        SeedTunedModel::new(location(), "gemini-2.5-flash")
            .version_of(parent.clone())
            .display_name(name)
    };

    let same = app.emulator.seed_tuned_model(seed("bot")).unwrap();
    assert_eq!(same.model, parent.at_version("2".parse().unwrap()));
    let blank = app.emulator.seed_tuned_model(seed("  ")).unwrap();
    assert_eq!(blank.model, parent.at_version("3".parse().unwrap()));

    let other = app.emulator.seed_tuned_model(seed(" bot-2 ")).unwrap();
    assert_ne!(other.model.name(), &parent);
    assert!(other.model.to_string().ends_with("@1"));
    let model = app
        .ok(Method::GET, &format!("/v1/{}", other.model), None)
        .await;
    assert_eq!(model["displayName"], "bot-2");
    assert_eq!(model["versionAliases"], json!(["default"]));
}

#[tokio::test]
async fn seeding_over_http_answers_the_model_and_its_job() {
    let app = App::instant();
    let seeded = app
        .ok(
            Method::POST,
            "/_emulator/seed/tunedModel",
            Some(json!({
                "project": "p1", "location": "us-central1",
                "baseModel": "gemini-2.5-flash", "displayName": "po",
                "tuningMethod": "preferenceOptimization", "finishedAt": "2025-08-01T00:00:00Z",
                "kmsKey": KEY, "checkpoints": 3, "aliases": ["golden"], "labels": {"team": "a"}
            })),
        )
        .await;
    let model = seeded["model"].as_str().unwrap();
    let got = app.ok(Method::GET, &format!("/v1/{model}"), None).await;
    assert_eq!(got["encryptionSpec"]["kmsKeyName"], KEY);
    assert_eq!(got["labels"]["team"], "a");
    assert_eq!(got["labels"]["tune-type"], "preference_optimization");
    assert_eq!(got["versionAliases"], json!(["default", "golden"]));
    let job = app.job(seeded["tuningJob"].as_str().unwrap()).await;
    assert!(job["preferenceOptimizationSpec"].is_object());

    let (status, body) = app
        .call(
            Method::POST,
            "/_emulator/seed/tunedModel",
            Some(json!({"project": "p1", "location": "us-central1", "tuningMethod": "rlhf"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

/// Seeds a model in `LOC` and asks to continue tuning it through the REST API.
async fn refusal(seed: SeedTunedModel, selector: &str, extra: Value) -> (StatusCode, Value) {
    let app = App::instant();
    let seeded = app.emulator.seed_tuned_model(seed).unwrap();
    let model = format!("{}{selector}", seeded.model.name());
    app.call(
        Method::POST,
        &format!("/v1/{LOC}/tuningJobs"),
        Some(continue_from(&model, extra)),
    )
    .await
}

fn assert_refused(result: &(StatusCode, Value), status: StatusCode, code: &str, says: &str) {
    let (got, body) = result;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["error"]["status"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains(says), "{message}");
}

#[tokio::test]
async fn refusal_model_tuned_before_2025_07_11_is_failed_precondition() {
    let seed = SeedTunedModel::new(location(), "gemini-2.5-flash")
        .finished_at("2025-07-10T23:59:59Z".parse().unwrap());
    let result = refusal(seed, "", json!({})).await;
    assert_refused(
        &result,
        StatusCode::BAD_REQUEST,
        "FAILED_PRECONDITION",
        "2025-07-11",
    );
}

#[tokio::test]
async fn refusal_model_tuned_by_preference_optimization_is_failed_precondition() {
    let seed = SeedTunedModel::new(location(), "gemini-2.5-flash")
        .method(TuningMethod::PreferenceOptimization)
        .finished_at("2025-08-01T00:00:00Z".parse().unwrap());
    let result = refusal(seed, "", json!({})).await;
    assert_refused(
        &result,
        StatusCode::BAD_REQUEST,
        "FAILED_PRECONDITION",
        "preference",
    );
}

#[tokio::test]
async fn refusal_another_kms_key_is_invalid_argument() {
    let seed = SeedTunedModel::new(location(), "gemini-2.5-flash").kms_key(KEY.parse().unwrap());
    let result = refusal(
        seed,
        "",
        json!({"encryptionSpec": {"kmsKeyName": OTHER_KEY}}),
    )
    .await;
    assert_refused(
        &result,
        StatusCode::BAD_REQUEST,
        "INVALID_ARGUMENT",
        OTHER_KEY,
    );
}

#[tokio::test]
async fn refusal_unknown_checkpoint_is_invalid_argument() {
    let seed = SeedTunedModel::new(location(), "gemini-2.5-flash").checkpoints(2);
    let app = App::instant();
    let seeded = app.emulator.seed_tuned_model(seed).unwrap();
    let request = json!({
        "preTunedModel": {"tunedModelName": seeded.model.name().to_string(), "checkpointId": "7"},
        "supervisedTuningSpec": {"trainingDatasetUri": SAMPLE_TRAIN_URI}
    });
    let result = app
        .call(
            Method::POST,
            &format!("/v1/{LOC}/tuningJobs"),
            Some(request),
        )
        .await;
    assert_refused(&result, StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", "7");
}

#[tokio::test]
async fn refusal_unknown_alias_is_not_found() {
    let seed = SeedTunedModel::new(location(), "gemini-2.5-flash").alias("golden".parse().unwrap());
    let result = refusal(seed, "@silver", json!({})).await;
    assert_refused(&result, StatusCode::NOT_FOUND, "NOT_FOUND", "silver");
}

#[tokio::test]
async fn a_seeded_eligible_model_can_be_continued() {
    let seed = SeedTunedModel::new(location(), "gemini-2.5-flash")
        .kms_key(KEY.parse().unwrap())
        .alias("golden".parse().unwrap());
    let (status, body) = refusal(
        seed,
        "@golden",
        json!({"encryptionSpec": {"kmsKeyName": KEY}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---------------------------------------------------------------------------------------------
// Clock
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn clock_reads_advances_sets_and_switches_in_process() {
    let (app, clock) = App::manual();
    let emulator = &app.emulator;
    assert_eq!(emulator.clock_mode(), ClockMode::Manual);
    let start = emulator.now();
    emulator.advance(Duration::from_secs(30));
    assert_eq!(
        emulator.now().duration_since(start),
        Duration::from_secs(30)
    );
    assert_eq!(clock.now(), emulator.now());
    let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    emulator.set_time(at);
    assert_eq!(emulator.now(), at);
    emulator.set_clock_mode(ClockMode::System);
    assert_eq!(emulator.clock_mode(), ClockMode::System);
    assert!(emulator.now() >= at);
    emulator.set_job_speed(JobSpeed::Instant);
    assert_eq!(emulator.job_speed(), JobSpeed::Instant);
    emulator.set_job_speed(JobSpeed::Manual);
    assert_eq!(emulator.clock_mode(), ClockMode::Manual);
}

#[tokio::test]
async fn clock_over_http_moves_jobs() {
    let app = App::instant();
    let clock = app.ok(Method::GET, "/_emulator/clock", None).await;
    assert_eq!(clock["mode"], "system");
    assert_eq!(clock["jobs"], "instant");
    let clock = app
        .ok(
            Method::POST,
            "/_emulator/clock",
            Some(json!({"mode": "manual", "jobs": "scaled", "set": "2025-09-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(clock["mode"], "manual");
    assert_eq!(clock["jobs"], "scaled");
    assert_eq!(clock["now"], "2025-09-01T00:00:00Z");
    let job = app.create_job(base_job(1)).await;
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_PENDING");
    let clock = app
        .ok(
            Method::POST,
            "/_emulator/clock",
            Some(json!({"advance": "1h"})),
        )
        .await;
    assert_eq!(clock["now"], "2025-09-01T01:00:00Z");
    assert_eq!(app.job(&job).await["state"], "JOB_STATE_SUCCEEDED");
    let (status, _) = app
        .call(
            Method::POST,
            "/_emulator/clock",
            Some(json!({"advance": "soon"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------------
// Journal
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn journal_records_vertex_requests_only() {
    let app = App::instant();
    let name = app.create_job(base_job(1)).await;
    app.job(&name).await;
    app.call(Method::GET, &format!("/v1/{LOC}/models/404"), None)
        .await;
    app.ok(Method::GET, "/_emulator/health", None).await;
    let requests = app.emulator.requests();
    let seen: Vec<(String, Option<String>, u16)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.rpc.clone(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("POST".to_owned(), Some("CreateTuningJob".to_owned()), 200),
            ("GET".to_owned(), Some("GetTuningJob".to_owned()), 200),
            ("GET".to_owned(), Some("GetModel".to_owned()), 404),
        ]
    );
    assert!(
        requests[0]
            .body
            .as_deref()
            .unwrap()
            .contains("gemini-2.5-flash")
    );
    assert_eq!(requests[0].body_md5.len(), 32);

    let over_http = app.ok(Method::GET, "/_emulator/requests", None).await;
    assert_eq!(over_http["requests"].as_array().unwrap().len(), 3);
    assert_eq!(over_http["requests"][1]["path"], format!("/v1beta1/{name}"));
    app.ok(Method::DELETE, "/_emulator/requests", None).await;
    assert!(app.emulator.requests().is_empty());
}

#[tokio::test]
async fn journal_keeps_only_the_last_thousand_requests() {
    let app = App::instant();
    for i in 0..JOURNAL_CAPACITY + 3 {
        app.call(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs/{}", i + 1),
            None,
        )
        .await;
    }
    let requests = app.emulator.requests();
    assert_eq!(requests.len(), JOURNAL_CAPACITY);
    assert_eq!(requests[0].path, format!("/v1/{LOC}/tuningJobs/4"));
    assert_eq!(requests[0].seq, 4);
}

// ---------------------------------------------------------------------------------------------
// Await
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn await_returns_when_another_task_moves_the_clock() {
    let (app, _clock) = App::manual();
    let name = app.create_job(base_job(1)).await;
    let emulator = app.emulator.clone();
    let mover = tokio::spawn(async move {
        tokio::task::yield_now().await;
        emulator.advance(Duration::from_secs(3600));
    });
    let job = app
        .emulator
        .await_job(&job_name(&name), None, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(job.state, Some(JobState::Succeeded));
    mover.await.unwrap();
}

#[tokio::test]
async fn await_for_a_state_returns_as_soon_as_it_is_reached() {
    let (app, _clock) = App::manual();
    let name = app.create_job(base_job(1)).await;
    let emulator = app.emulator.clone();
    tokio::spawn(async move { emulator.advance(Duration::from_millis(700)) });
    let job = app
        .emulator
        .await_job(
            &job_name(&name),
            Some(JobState::Running),
            Duration::from_secs(30),
        )
        .await
        .unwrap();
    assert_eq!(job.state, Some(JobState::Running));
}

#[tokio::test(start_paused = true)]
async fn await_times_out_with_deadline_exceeded_and_the_current_state() {
    let (app, _clock) = App::manual();
    let name = app.create_job(base_job(1)).await;
    let err = app
        .emulator
        .await_job(&job_name(&name), None, Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), retune_model::Code::DeadlineExceeded);
    assert!(
        err.message().contains("JOB_STATE_PENDING"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn await_of_a_job_that_ended_otherwise_fails_at_once() {
    let app = App::instant();
    app.emulator
        .fail_job_at_epoch(mock_vertex::JobTarget::Next, EpochFailure::at(0))
        .unwrap();
    let name = app.create_job(base_job(1)).await;
    let err = app
        .emulator
        .await_job(
            &job_name(&name),
            Some(JobState::Succeeded),
            Duration::from_secs(3600),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), retune_model::Code::FailedPrecondition);
}

#[tokio::test]
async fn await_over_http_answers_the_job_or_504() {
    let (app, _clock) = App::manual();
    let name = app.create_job(base_job(1)).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/_emulator/await",
            Some(json!({"job": name, "state": "JOB_STATE_RUNNING", "timeout": "10ms"})),
        )
        .await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(body["error"]["status"], "DEADLINE_EXCEEDED");
    app.emulator.advance(Duration::from_secs(3600));
    let job = app
        .ok(
            Method::POST,
            "/_emulator/await",
            Some(json!({"job": name, "timeout": "1s"})),
        )
        .await;
    assert_eq!(job["state"], "JOB_STATE_SUCCEEDED");
    let (status, _) = app
        .call(
            Method::POST,
            "/_emulator/await",
            Some(json!({"job": format!("{LOC}/tuningJobs/9"), "timeout": "1s"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
