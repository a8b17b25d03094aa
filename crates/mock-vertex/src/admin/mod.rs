//! The emulator's own control API under `/_emulator/`, and the same controls as methods on
//! [`Emulator`] so Rust tests never build admin URLs.
//!
//! Admin routes are the test writer's controls: they bypass the Vertex auth mode, are never
//! faulted and are not journaled. Their errors use Google's error shape. Bodies are JSON
//! (camelCase, unknown fields refused); an empty body is `{}`.
//!
//! | Method | Path | Rust | Does |
//! |---|---|---|---|
//! | GET | `/_emulator/health` | | `{"status":"SERVING"}` while the process runs |
//! | GET | `/_emulator/ready` | [`Emulator::is_ready`] | `{"status":"READY"}` once it can serve |
//! | POST | `/_emulator/reset` | [`Emulator::reset`], [`Emulator::reset_location`] | forget everything (jobs, models, endpoints, operations, ids, faults, journal), or with `{"project","location"}` one location's resources; the clock, job speed and object store stay |
//! | GET, PUT | `/_emulator/state` | [`Emulator::export_state`], [`Emulator::import_state`] | the whole state as JSON ([`StateSnapshot`]) |
//! | POST | `/_emulator/seed/tunedModel` | [`Emulator::seed_tuned_model`] | a tuned model version with chosen facts ([`SeedTunedModel`]) |
//! | GET, POST | `/_emulator/clock` | [`Emulator::now`], [`Emulator::advance`], [`Emulator::set_time`], [`Emulator::set_clock_mode`], [`Emulator::set_job_speed`] | read, or `{"mode": "manual"\|"system", "jobs": "instant"\|"scaled"\|"manual", "set": RFC3339, "advance": "30s"}` (applied in that order) |
//! | GET, POST, DELETE | `/_emulator/faults` | [`Emulator::fail`], [`Emulator::fail_job_at_epoch`], [`Emulator::hold_job`], [`Emulator::clear_faults`] | list, add, clear all (held jobs are released) |
//! | DELETE | `/_emulator/faults/{id}` | [`Emulator::remove_fault`] | remove one route fault |
//! | POST | `/_emulator/release` | [`Emulator::release_job`] | `{"job": name}`: a held job starts running |
//! | GET, DELETE | `/_emulator/requests` | [`Emulator::requests`], [`Emulator::clear_requests`] | the journal ([`crate::journal`]) |
//! | POST | `/_emulator/await` | [`Emulator::await_job`] | `{"job", "state"?, "timeout"?}`: blocks until the job is in `state` (default: any terminal state) |
//!
//! Faults (`POST /_emulator/faults`), one kind per call:
//! - `{"route": "CreateTuningJob" | … | "*", "status": 503, "times": 2}` or with
//!   `"probability": 0.3, "seed": 42` (both may be given), `"message"`, `"when": "before" |
//!   "after"` (default before: the request has no effect; after: it takes effect and the answer is
//!   the error). Answers `{"id": n}`. See [`crate::faults`].
//! - `{"failJob": name | "next", "atEpoch": 2, "status"?: 500, "message"?}`: the job fails once it
//!   has completed that many epochs (`completedEpochCount` stays there, `error` is set; default
//!   code INTERNAL). `next` applies to the next job created.
//! - `{"holdJob": name | "next"}`: the job stays `PENDING` until released. A job that already
//!   runs cannot be held; instant jobs are created and finished at once, so hold them as `next`.
//!
//! Await: the answer is the job (v1beta1 shape). If the job ends in another terminal state than
//! the one awaited, the answer is 400 FAILED_PRECONDITION at once. When the timeout passes, the
//! answer is 504 DEADLINE_EXCEEDED (the canonical status of that code) naming the current
//! state. Waiting is driven by the store's change signal and, on a running clock, a timer to the
//! job's next change; it never polls. On a manual clock waiting does not move time: another task
//! (or request) must advance it. The timeout is in real (tokio) time; default 60 s.

pub mod seed;
pub mod snapshot;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use retune_model::duration::HumanDuration;
use retune_model::job_state::JobState;
use retune_model::names::{LocationName, TuningJobName, VersionAlias};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire::{self, EnumEncoding};
use retune_model::{Code, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub use seed::{SeedTunedModel, SeededModel};
pub use snapshot::{SnapshotError, StateSnapshot};

use crate::clock::ClockMode;
use crate::error::ApiError;
use crate::faults::{
    FaultBuilder, FaultId, FaultSpec, FaultTiming, RouteFaultInfo, RouteMatch, Rpc, code_for_status,
};
use crate::journal::JournalEntry;
use crate::routes::ApiVersion;
use crate::server::json_ok;
use crate::state::{Emulator, JobSpeed};
use crate::store::{EpochFailure, JobFaults, Store};

/// How long an await waits when the request gives no timeout.
pub const DEFAULT_AWAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Which job a job fault is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobTarget {
    /// This job.
    Job(TuningJobName),
    /// The next job created (anywhere).
    Next,
}

impl From<TuningJobName> for JobTarget {
    fn from(name: TuningJobName) -> JobTarget {
        JobTarget::Job(name)
    }
}

impl From<&TuningJobName> for JobTarget {
    fn from(name: &TuningJobName) -> JobTarget {
        JobTarget::Job(name.clone())
    }
}

impl FromStr for JobTarget {
    type Err = retune_model::names::NameError;
    fn from_str(s: &str) -> Result<JobTarget, Self::Err> {
        if s == "next" {
            Ok(JobTarget::Next)
        } else {
            s.parse().map(JobTarget::Job)
        }
    }
}

impl EpochFailure {
    /// Fails once `epoch` epochs are completed, with INTERNAL and a message naming the epoch.
    pub fn at(epoch: u64) -> EpochFailure {
        EpochFailure {
            epoch,
            code: Code::Internal,
            message: format!("Tuning failed at epoch {epoch}. (mock-vertex injected failure)"),
        }
    }

    /// With this message.
    pub fn with_message(mut self, message: impl Into<String>) -> EpochFailure {
        self.message = message.into();
        self
    }

    /// With this code.
    pub fn with_code(mut self, code: Code) -> EpochFailure {
        self.code = code;
        self
    }
}

/// A job fault as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFaultInfo {
    /// The job's name, or `next`.
    pub job: String,
    /// Held in `PENDING`.
    pub held: bool,
    /// Fails once this many epochs are completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_at_epoch: Option<u64>,
}

fn job_fault_info(job: String, faults: &JobFaults) -> JobFaultInfo {
    JobFaultInfo {
        job,
        held: faults.held,
        fail_at_epoch: faults.fail_at_epoch.as_ref().map(|f| f.epoch),
    }
}

impl Emulator {
    /// Whether the emulator can serve requests (always, once built).
    pub fn is_ready(&self) -> bool {
        true
    }

    /// Forgets everything: jobs, models, endpoints, operations, id counters, job and route
    /// faults, the journal. The clock, the job speed and the object store stay.
    pub fn reset(&self) {
        {
            let mut store = self.store_raw();
            let speed = store.speed();
            *store = Store::new(speed);
        }
        self.faults().clear();
        self.journal().clear();
        self.notify_changed();
    }

    /// Forgets everything under one location (id counters keep counting).
    pub fn reset_location(&self, location: &LocationName) {
        self.with_store_mut(|store, _| store.reset_location(location));
    }

    /// The whole state (after letting due job events happen).
    pub fn export_state(&self) -> StateSnapshot {
        let mode = self.clock_mode();
        self.with_store(|store, now| snapshot::export(store, now, mode.as_str()))
    }

    /// The whole state as JSON (pretty-printed, stable: the same state gives the same bytes).
    pub fn export_state_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.export_state()).unwrap_or_default()
    }

    /// Replaces the whole state with `snapshot`, clock included (its mode and time). Route
    /// faults and the journal are kept.
    pub fn import_state(&self, snapshot: &StateSnapshot) -> Result<(), SnapshotError> {
        let store = snapshot::import(snapshot)?;
        let now: Timestamp = snapshot
            .clock
            .now
            .parse()
            .map_err(|e| snapshot_error("clock.now", e))?;
        let mode = parse_clock_mode(&snapshot.clock.mode)
            .ok_or_else(|| snapshot_error("clock.mode", "expected manual or system"))?;
        self.set_clock_mode(mode);
        self.set_time(now);
        *self.store_raw() = store;
        self.notify_changed();
        Ok(())
    }

    /// Replaces the whole state with a JSON snapshot.
    pub fn import_state_json(&self, json: &[u8]) -> Result<(), SnapshotError> {
        let snapshot: StateSnapshot =
            serde_json::from_slice(json).map_err(|e| snapshot_error("JSON", e))?;
        self.import_state(&snapshot)
    }

    /// Seeds a tuned model version with chosen facts (see [`SeedTunedModel`]).
    pub fn seed_tuned_model(&self, seed: SeedTunedModel) -> Result<SeededModel, ApiError> {
        self.with_store_mut(|store, now| seed::seed_tuned_model(store, &seed, now))
    }

    /// Starts describing a fault on one RPC:
    /// `emulator.fail(Rpc::CreateTuningJob).with_status(503).times(2)`.
    pub fn fail(&self, rpc: Rpc) -> FaultBuilder<'_> {
        FaultBuilder::new(self, RouteMatch::Rpc(rpc))
    }

    /// Starts describing a fault on every Vertex AI route.
    pub fn fail_every_route(&self) -> FaultBuilder<'_> {
        FaultBuilder::new(self, RouteMatch::Any)
    }

    /// Installs a route fault.
    pub fn add_fault(&self, spec: FaultSpec) -> FaultId {
        self.faults().add(spec)
    }

    /// Removes a route fault; `false` if there was none with that id.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.faults().remove(id)
    }

    /// The route faults, in order.
    pub fn route_faults(&self) -> Vec<RouteFaultInfo> {
        self.faults().list().iter().map(|f| f.info()).collect()
    }

    /// The job faults (attached to jobs, then the one for the next job, if any).
    pub fn job_faults(&self) -> Vec<JobFaultInfo> {
        self.with_store(|store, _| {
            let mut list: Vec<JobFaultInfo> = store
                .faulted_jobs()
                .map(|(name, f)| job_fault_info(name.to_string(), f))
                .collect();
            if !store.next_job_faults().is_empty() {
                list.push(job_fault_info("next".to_owned(), store.next_job_faults()));
            }
            list
        })
    }

    /// Removes every route and job fault; held jobs start running now.
    pub fn clear_faults(&self) {
        self.faults().clear();
        self.with_store_mut(|store, now| store.clear_job_faults(now));
    }

    /// Makes a job (or the next one created) fail once it has completed `failure.epoch` epochs.
    pub fn fail_job_at_epoch(
        &self,
        job: impl Into<JobTarget>,
        failure: EpochFailure,
    ) -> Result<(), ApiError> {
        let faults = JobFaults {
            held: false,
            fail_at_epoch: Some(failure),
        };
        match job.into() {
            JobTarget::Next => {
                self.with_store_mut(|store, _| store.fault_next_job(faults));
                Ok(())
            }
            JobTarget::Job(name) => self.with_store_mut(|store, now| {
                store.fail_job_at_epoch(
                    &name,
                    faults.fail_at_epoch.unwrap_or(EpochFailure::at(0)),
                    now,
                )
            }),
        }
    }

    /// Holds a pending job (or the next one created) in `PENDING` until released.
    pub fn hold_job(&self, job: impl Into<JobTarget>) -> Result<(), ApiError> {
        match job.into() {
            JobTarget::Next => {
                self.with_store_mut(|store, _| {
                    store.fault_next_job(JobFaults {
                        held: true,
                        fail_at_epoch: None,
                    });
                });
                Ok(())
            }
            JobTarget::Job(name) => self.with_store_mut(|store, now| store.hold_job(&name, now)),
        }
    }

    /// Releases a held job: it starts running now.
    pub fn release_job(&self, job: &TuningJobName) -> Result<(), ApiError> {
        self.with_store_mut(|store, now| store.release_job(job, now))
    }

    /// The journal of requests, oldest first (at most [`crate::journal::JOURNAL_CAPACITY`]).
    pub fn requests(&self) -> Vec<JournalEntry> {
        self.journal().entries()
    }

    /// Empties the journal.
    pub fn clear_requests(&self) {
        self.journal().clear();
    }

    /// Waits until `job` is in `state` (`None`: any terminal state), at most `timeout` (tokio
    /// time); answers the job as a v1beta1 GetTuningJob would.
    ///
    /// Errors: NOT_FOUND for an unknown job; FAILED_PRECONDITION if the job ended in another
    /// state; DEADLINE_EXCEEDED (naming the current state) when the timeout passes. On a manual
    /// clock, waiting does not move time.
    pub async fn await_job(
        &self,
        job: &TuningJobName,
        state: Option<JobState>,
        timeout: Duration,
    ) -> Result<wire::TuningJob, ApiError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.subscribe_changes();
        loop {
            changes.borrow_and_update();
            let (rendered, current, next) = self.with_store(|store, now| {
                let record = store.job(job)?;
                let current = record.view(now).progress.state;
                let next = store
                    .next_change(record, now)
                    .map(|at| at.duration_since(now));
                Ok::<_, ApiError>((
                    store.render_job(record, now, ApiVersion::V1Beta1),
                    current,
                    next,
                ))
            })?;
            let wanted = |s: JobState| state.map_or(s.is_terminal(), |w| w == s);
            if wanted(current) {
                return Ok(rendered);
            }
            if current.is_terminal() {
                return Err(ApiError::failed_precondition(format!(
                    "TuningJob {job} ended in {} and will never be {}.",
                    current.proto_name(),
                    state.map_or("terminal", JobState::proto_name)
                )));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ApiError::new(
                    Code::DeadlineExceeded,
                    format!(
                        "TuningJob {job} did not reach {} within {timeout:?}; it is {}.",
                        state.map_or("a terminal state", JobState::proto_name),
                        current.proto_name()
                    ),
                )
                .with_detail(json!({
                    "@type": crate::error::ERROR_INFO_TYPE,
                    "reason": "AWAIT_TIMEOUT",
                    "domain": "mock-vertex",
                    "metadata": {"job": job.to_string(), "state": current.proto_name()},
                })));
            }
            let wake = match (self.clock_mode(), next) {
                (ClockMode::System, Some(d)) => {
                    deadline.min(tokio::time::Instant::now() + d.max(Duration::from_millis(1)))
                }
                _ => deadline,
            };
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

fn snapshot_error(what: &str, reason: impl std::fmt::Display) -> SnapshotError {
    // Reuse the snapshot module's error through a JSON-free path.
    snapshot::error(what, reason)
}

fn parse_clock_mode(s: &str) -> Option<ClockMode> {
    match s {
        "manual" => Some(ClockMode::Manual),
        "system" => Some(ClockMode::System),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// The admin routes, merged into [`crate::router`].
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/ready", get(ready))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/state", get(get_state).put(put_state))
        .route("/_emulator/seed/tunedModel", post(seed_tuned_model))
        .route("/_emulator/clock", get(get_clock).post(post_clock))
        .route(
            "/_emulator/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/faults/{id}", delete(remove_fault))
        .route("/_emulator/release", post(release))
        .route(
            "/_emulator/requests",
            get(list_requests).delete(clear_requests),
        )
        .route("/_emulator/await", post(await_job))
}

type AdminResult = Result<Response, ApiError>;

fn json<T: Serialize>(value: &T) -> Response {
    json_ok(serde_json::to_vec(value).unwrap_or_default())
}

fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid_argument(format!("Invalid admin request body: {e}.")))
}

fn field<T: FromStr>(name: &str, value: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| ApiError::invalid_field(name, format!("{name}: {e}")))
}

fn respond(result: AdminResult) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

async fn health() -> Response {
    json_ok(b"{\"status\":\"SERVING\"}".to_vec())
}

async fn ready(State(emulator): State<Emulator>) -> Response {
    if emulator.is_ready() {
        json_ok(b"{\"status\":\"READY\"}".to_vec())
    } else {
        ApiError::new(Code::Unavailable, "mock-vertex is not ready.").into_response()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResetRequest {
    project: Option<String>,
    location: Option<String>,
}

async fn reset(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let request: ResetRequest = body(&bytes)?;
        match (request.project, request.location) {
            (None, None) => emulator.reset(),
            (Some(project), Some(location)) => {
                let name: LocationName = field(
                    "location",
                    &format!("projects/{project}/locations/{location}"),
                )?;
                emulator.reset_location(&name);
            }
            _ => {
                return Err(ApiError::invalid_argument(
                    "Reset takes both project and location, or neither.",
                ));
            }
        }
        Ok(json_ok(b"{}".to_vec()))
    })())
}

async fn get_state(State(emulator): State<Emulator>) -> Response {
    json_ok(emulator.export_state_json())
}

async fn put_state(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond(
        emulator
            .import_state_json(&bytes)
            .map(|()| json_ok(b"{}".to_vec()))
            .map_err(|e| ApiError::invalid_argument(e.to_string())),
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedRequest {
    project: String,
    location: String,
    base_model: Option<String>,
    display_name: Option<String>,
    tuning_method: Option<String>,
    finished_at: Option<String>,
    kms_key: Option<String>,
    checkpoints: Option<u32>,
    parent_model: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

async fn seed_tuned_model(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let r: SeedRequest = body(&bytes)?;
        let location: LocationName = field(
            "location",
            &format!("projects/{}/locations/{}", r.project, r.location),
        )?;
        let mut seed = SeedTunedModel::new(
            location,
            r.base_model
                .unwrap_or_else(|| "gemini-2.5-flash".to_owned()),
        );
        seed.display_name = r.display_name;
        if let Some(method) = r.tuning_method {
            seed.method = snapshot::parse_method(&method).ok_or_else(|| {
                ApiError::invalid_field(
                    "tuningMethod",
                    format!(
                        "Unknown tuningMethod {method:?}: expected supervised, \
                         preferenceOptimization, distillation or other."
                    ),
                )
            })?;
        }
        seed.finished_at = r
            .finished_at
            .map(|t| field::<Timestamp>("finishedAt", &t))
            .transpose()?;
        seed.kms_key = r.kms_key.map(|k| field("kmsKey", &k)).transpose()?;
        if let Some(n) = r.checkpoints {
            seed.checkpoints = n;
        }
        seed.parent = r
            .parent_model
            .map(|p| field("parentModel", &p))
            .transpose()?;
        seed.aliases = r
            .aliases
            .iter()
            .map(|a| field::<VersionAlias>("aliases", a))
            .collect::<Result<_, _>>()?;
        seed.labels = r.labels;
        let seeded = emulator.seed_tuned_model(seed)?;
        Ok(json(&json!({
            "model": seeded.model.to_string(),
            "tuningJob": seeded.tuning_job.to_string(),
        })))
    })())
}

fn clock_json(emulator: &Emulator) -> Response {
    json(&json!({
        "now": emulator.now().to_string(),
        "mode": emulator.clock_mode().as_str(),
        "jobs": emulator.job_speed().to_string(),
    }))
}

async fn get_clock(State(emulator): State<Emulator>) -> Response {
    clock_json(&emulator)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockRequest {
    advance: Option<String>,
    set: Option<String>,
    mode: Option<String>,
    jobs: Option<String>,
}

async fn post_clock(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let r: ClockRequest = body(&bytes)?;
        // Parse everything first, so a bad field changes nothing.
        let mode = r
            .mode
            .map(|m| {
                parse_clock_mode(&m).ok_or_else(|| {
                    ApiError::invalid_field(
                        "mode",
                        format!("Unknown clock mode {m:?}: expected manual or system."),
                    )
                })
            })
            .transpose()?;
        let jobs = r.jobs.map(|j| field::<JobSpeed>("jobs", &j)).transpose()?;
        let set = r.set.map(|t| field::<Timestamp>("set", &t)).transpose()?;
        let advance = r
            .advance
            .map(|d| {
                d.parse::<HumanDuration>()
                    .map(Duration::from)
                    .map_err(|e| ApiError::invalid_field("advance", format!("{e}.")))
            })
            .transpose()?;
        if let Some(mode) = mode {
            emulator.set_clock_mode(mode);
        }
        if let Some(jobs) = jobs {
            emulator.set_job_speed(jobs);
        }
        if let Some(at) = set {
            emulator.set_time(at);
        }
        if let Some(by) = advance {
            emulator.advance(by);
        }
        Ok(clock_json(&emulator))
    })())
}

async fn list_faults(State(emulator): State<Emulator>) -> Response {
    json(&json!({
        "routeFaults": emulator.route_faults(),
        "jobFaults": emulator.job_faults(),
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultRequest {
    route: Option<String>,
    status: Option<u16>,
    message: Option<String>,
    times: Option<u64>,
    probability: Option<f64>,
    seed: Option<u64>,
    when: Option<String>,
    fail_job: Option<String>,
    at_epoch: Option<u64>,
    hold_job: Option<String>,
}

fn status_code(status: Option<u16>, default: Code) -> Result<Code, ApiError> {
    status.map_or(Ok(default), |s| {
        code_for_status(s).map_err(|e| ApiError::invalid_field("status", e.to_string()))
    })
}

async fn add_fault(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let r: FaultRequest = body(&bytes)?;
        match (&r.route, &r.fail_job, &r.hold_job) {
            (Some(route), None, None) => {
                let mut spec = FaultSpec::new(field::<RouteMatch>("route", route)?);
                spec.code = status_code(r.status, Code::Unavailable)?;
                spec.message = r.message;
                spec.times = r.times;
                if let Some(p) = r.probability {
                    if !(0.0..=1.0).contains(&p) {
                        return Err(ApiError::invalid_field(
                            "probability",
                            format!("probability must be between 0 and 1; found {p}."),
                        ));
                    }
                    spec.probability = p;
                }
                spec.seed = r.seed.unwrap_or(0);
                spec.timing = match r.when.as_deref() {
                    None | Some("before") => FaultTiming::Before,
                    Some("after") => FaultTiming::After,
                    Some(other) => {
                        return Err(ApiError::invalid_field(
                            "when",
                            format!("Unknown when {other:?}: expected before or after."),
                        ));
                    }
                };
                let id = emulator.add_fault(spec);
                Ok(json(&json!({ "id": id })))
            }
            (None, Some(job), None) => {
                let target: JobTarget = field("failJob", job)?;
                let epoch = r
                    .at_epoch
                    .ok_or_else(|| ApiError::invalid_field("atEpoch", "failJob needs atEpoch."))?;
                let mut failure =
                    EpochFailure::at(epoch).with_code(status_code(r.status, Code::Internal)?);
                if let Some(message) = r.message {
                    failure = failure.with_message(message);
                }
                emulator.fail_job_at_epoch(target, failure)?;
                Ok(json_ok(b"{}".to_vec()))
            }
            (None, None, Some(job)) => {
                emulator.hold_job(field::<JobTarget>("holdJob", job)?)?;
                Ok(json_ok(b"{}".to_vec()))
            }
            _ => Err(ApiError::invalid_argument(
                "A fault is exactly one of route, failJob or holdJob.",
            )),
        }
    })())
}

async fn clear_faults(State(emulator): State<Emulator>) -> Response {
    emulator.clear_faults();
    json_ok(b"{}".to_vec())
}

async fn remove_fault(State(emulator): State<Emulator>, Path(id): Path<String>) -> Response {
    respond((|| {
        let id: u64 = field("id", &id)?;
        if emulator.remove_fault(FaultId(id)) {
            Ok(json_ok(b"{}".to_vec()))
        } else {
            Err(ApiError::not_found(format!("Fault {id} not found.")))
        }
    })())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct JobRequest {
    job: String,
}

async fn release(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let r: JobRequest = body(&bytes)?;
        emulator.release_job(&field("job", &r.job)?)?;
        Ok(json_ok(b"{}".to_vec()))
    })())
}

async fn list_requests(State(emulator): State<Emulator>) -> Response {
    json(&json!({ "requests": emulator.requests() }))
}

async fn clear_requests(State(emulator): State<Emulator>) -> Response {
    emulator.clear_requests();
    json_ok(b"{}".to_vec())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AwaitRequest {
    job: String,
    state: Option<String>,
    timeout: Option<String>,
}

async fn await_job(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    let parsed = (|| {
        let r: AwaitRequest = body(&bytes)?;
        let job: TuningJobName = field("job", &r.job)?;
        let state = r
            .state
            .map(|s| {
                JobState::from_proto_name(&s).ok_or_else(|| {
                    ApiError::invalid_field("state", format!("Unknown job state {s:?}."))
                })
            })
            .transpose()?;
        let timeout = match r.timeout {
            Some(t) => t
                .parse::<HumanDuration>()
                .map(Duration::from)
                .map_err(|e| ApiError::invalid_field("timeout", format!("{e}.")))?,
            None => DEFAULT_AWAIT_TIMEOUT,
        };
        Ok::<_, ApiError>((job, state, timeout))
    })();
    let result = match parsed {
        Ok((job, state, timeout)) => emulator
            .await_job(&job, state, timeout)
            .await
            .map(|job| json_ok(wire::encode(&job, EnumEncoding::Names))),
        Err(err) => Err(err),
    };
    respond(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_targets_parse_next_or_a_job_name() {
        assert_eq!("next".parse::<JobTarget>(), Ok(JobTarget::Next));
        assert!(matches!(
            "projects/p/locations/us-central1/tuningJobs/7".parse::<JobTarget>(),
            Ok(JobTarget::Job(_))
        ));
        assert!("tomorrow".parse::<JobTarget>().is_err());
    }
}
