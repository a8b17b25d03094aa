//! The `/_emulator/` routes: each parses its JSON body (camelCase, unknown fields refused, an
//! empty body is `{}`), calls the matching [`Emulator`] method and answers JSON, or an error in
//! Google's shape.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use retune_model::duration::HumanDuration;
use retune_model::emulator_env::DEFAULT_PROJECT;
use retune_model::job_state::JobState;
use retune_model::names::{
    LocationName, ProjectId, ProjectNumber, ProjectNumbering, ProjectRef, TuningJobName,
    VersionAlias,
};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire::{self, EnumEncoding};
use retune_model::{Code, Timestamp};
use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::api::{DEFAULT_AWAIT_TIMEOUT, JobTarget, parse_clock_mode};
use super::seed::SeedTunedModel;
use super::snapshot;
use crate::error::ApiError;
use crate::faults::{FaultId, FaultSpec, FaultTiming, RouteMatch, code_for_status};
use crate::server::json_ok;
use crate::state::{Emulator, JobSpeed};
use crate::store::EpochFailure;

/// The admin routes, merged into [`crate::router`].
pub fn router() -> Router<Emulator> {
    Router::new()
        .route("/_emulator/health", get(health))
        .route("/_emulator/ready", get(ready))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/state", get(get_state).put(put_state))
        .route("/_emulator/check", get(check))
        .route("/_emulator/snapshots", get(list_snapshots))
        .route(
            "/_emulator/snapshots/{name}",
            post(save_snapshot).delete(delete_snapshot),
        )
        .route("/_emulator/snapshots/{name}/load", post(load_snapshot))
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
        .route(
            "/_emulator/services",
            get(list_services).post(switch_service),
        )
        .route(
            "/_emulator/projects",
            get(list_projects).post(number_project),
        )
        .route("/_emulator/projects/{project}", get(get_project))
}

/// One project: its id (when known) and the number its resource names are answered with.
fn project_json(
    id: Option<&ProjectId>,
    number: ProjectNumber,
    configured: bool,
) -> serde_json::Value {
    json!({
        "projectId": id.map(ProjectId::as_str),
        "projectNumber": number.to_string(),
        "configured": configured,
    })
}

/// The configured projects and the default one, with their numbers.
fn projects_json(emulator: &Emulator) -> serde_json::Value {
    let projects = emulator.projects();
    let mut listed: Vec<serde_json::Value> = projects
        .configured()
        .map(|(id, number)| project_json(Some(id), number, true))
        .collect();
    if let Ok(default) = DEFAULT_PROJECT.parse::<ProjectId>()
        && !projects.configured().any(|(id, _)| id == &default)
    {
        listed.push(project_json(
            Some(&default),
            projects.number_of(&default),
            false,
        ));
    }
    json!({ "projects": listed })
}

async fn list_projects(State(emulator): State<Emulator>) -> Response {
    json(&projects_json(&emulator))
}

/// The number of any project id (configured or derived); a number is itself.
async fn get_project(State(emulator): State<Emulator>, Path(project): Path<String>) -> Response {
    respond((|| {
        let project: ProjectId = field("project", &project)?;
        let projects = emulator.projects();
        let answer = match ProjectRef::of(&project) {
            ProjectRef::Id(id) => project_json(
                Some(&id),
                projects.number_of(&id),
                projects.configured().any(|(c, _)| c == &id),
            ),
            ProjectRef::Number(number) => {
                let id = projects
                    .configured()
                    .find(|(_, n)| *n == number)
                    .map(|(id, _)| id.clone());
                project_json(id.as_ref(), number, id.is_some())
            }
        };
        Ok(json(&answer))
    })())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProjectNumberBody {
    project_id: String,
    project_number: String,
}

async fn number_project(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let b: ProjectNumberBody = body(&bytes)?;
        let numbering: ProjectNumbering = field(
            "projectNumber",
            &format!("{}={}", b.project_id, b.project_number),
        )?;
        emulator.set_project_number(numbering);
        Ok(json(&projects_json(&emulator)))
    })())
}

type AdminResult = Result<Response, ApiError>;

async fn list_services(State(emulator): State<Emulator>) -> Response {
    json(&json!({ "disabledProjects": emulator.disabled_apis() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ServiceSwitch {
    project: String,
    enabled: bool,
}

async fn switch_service(State(emulator): State<Emulator>, bytes: Bytes) -> Response {
    respond((|| {
        let switch: ServiceSwitch = body(&bytes)?;
        let project: ProjectId = field("project", &switch.project)?;
        emulator.set_api_enabled(project.as_str(), switch.enabled);
        Ok(json(
            &json!({ "disabledProjects": emulator.disabled_apis() }),
        ))
    })())
}

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

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SaveRequest {
    #[serde(default)]
    objects: bool,
}

async fn list_snapshots(State(emulator): State<Emulator>) -> Response {
    respond(
        emulator
            .list_snapshots()
            .map(|snapshots| json(&serde_json::json!({ "snapshots": snapshots }))),
    )
}

async fn save_snapshot(
    State(emulator): State<Emulator>,
    Path(name): Path<String>,
    bytes: Bytes,
) -> Response {
    let request: SaveRequest = match body(&bytes) {
        Ok(request) => request,
        Err(e) => return e.into_response(),
    };
    respond(
        emulator
            .save_snapshot(&name, request.objects)
            .await
            .map(|info| json(&info)),
    )
}

async fn load_snapshot(State(emulator): State<Emulator>, Path(name): Path<String>) -> Response {
    respond(
        emulator
            .load_snapshot(&name)
            .await
            .map(|()| json(&serde_json::json!({}))),
    )
}

async fn delete_snapshot(State(emulator): State<Emulator>, Path(name): Path<String>) -> Response {
    respond(
        emulator
            .delete_snapshot(&name)
            .map(|()| json(&serde_json::json!({}))),
    )
}

async fn check(State(emulator): State<Emulator>) -> Response {
    json(&serde_json::json!({ "problems": emulator.check_consistency() }))
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
    retry_delay: Option<String>,
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
                spec.retry_delay = match &r.retry_delay {
                    Some(d) => Some(field::<HumanDuration>("retryDelay", d)?.get()),
                    None => None,
                };
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
