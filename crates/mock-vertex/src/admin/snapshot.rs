//! Export and import of the emulator's whole state as JSON ([`StateSnapshot`]).
//!
//! A snapshot holds every location's jobs (with their timelines, phases, pending events and job
//! faults, so a running job keeps running after import), models with their versions, aliases,
//! checkpoints and provenance, endpoints, operations, the id counters, the clock and the job
//! speed. It leaves out the object store (data sets are read when a job is created, so no stored
//! job needs them again), the route faults and the journal: those are the test's controls, not
//! the service's state.
//!
//! Everything is ordered (locations and ids sorted), so export, import, export gives the same
//! bytes (on a running system clock, `clock.now` moves between two exports; nothing else does).
//! Import sets the clock to the snapshot's mode and time, so jobs stand where they stood. The types derive serde: they are the emulator's own file format, not the domain.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use retune_model::base_model::BaseModel;
use retune_model::checkpoints::ScheduledCheckpoint;
use retune_model::continuous::{
    ContinuousTuningPlan, TuningMethod, TuningOutcome, TuningProvenance,
};
use retune_model::job_state::{JobProgress, JobState, JobTimeline, TuningJobState};
use retune_model::names::{LocationName, TuningJobName};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire::{self, EnumEncoding, WireMessage};
use retune_model::{Code, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::jobs::{Continuation, DataOutcome, JobRecord, Phase, TunedOutput};
use crate::state::JobSpeed;
use crate::store::{
    CheckpointRecord, Counters, EndpointRecord, EpochFailure, JobFaults, ModelRecord, Namespace,
    OperationRecord, Store, VersionRecord,
};

/// The version of the snapshot format.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// A snapshot that cannot be imported: which part, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid state snapshot: {what}: {reason}")]
pub struct SnapshotError {
    what: String,
    reason: String,
}

impl SnapshotError {
    fn new(what: impl Into<String>, reason: impl Display) -> SnapshotError {
        SnapshotError {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    /// The part of the snapshot at fault.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// Why it was refused.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// A snapshot error about `what`.
pub(crate) fn error(what: &str, reason: impl Display) -> SnapshotError {
    SnapshotError::new(what, reason)
}

fn parse<T: FromStr>(what: &str, s: &str) -> Result<T, SnapshotError>
where
    T::Err: Display,
{
    s.parse()
        .map_err(|e| SnapshotError::new(format!("{what} {s:?}"), e))
}

/// The whole state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateSnapshot {
    /// [`SNAPSHOT_FORMAT`].
    pub format: u32,
    /// The clock.
    pub clock: ClockSnapshot,
    /// `instant`, `scaled` or `manual`.
    pub jobs_speed: String,
    /// The id counters.
    pub counters: CountersSnapshot,
    /// Faults waiting for the next job created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_job_faults: Option<JobFaultsSnapshot>,
    /// Every location with something stored, by name.
    pub locations: Vec<LocationSnapshot>,
}

/// The clock's time and mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClockSnapshot {
    /// RFC 3339.
    pub now: String,
    /// `manual` or `system`.
    pub mode: String,
}

/// The next id of each kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CountersSnapshot {
    pub next_job: u64,
    pub next_model: u64,
    pub next_endpoint: u64,
    pub next_operation: u64,
    pub next_event: u64,
}

/// Everything under one location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct LocationSnapshot {
    pub name: String,
    pub jobs: Vec<JobSnapshot>,
    pub models: Vec<ModelSnapshot>,
    pub endpoints: Vec<EndpointSnapshot>,
    pub operations: Vec<OperationSnapshot>,
}

/// One tuning job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct JobSnapshot {
    pub name: String,
    /// The request as received, in the REST shape.
    pub request: Value,
    pub base_model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<PlanSnapshot>,
    pub create_time: String,
    pub timeline: TimelineSnapshot,
    pub export_last_checkpoint_only: bool,
    pub data: DataSnapshot,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    pub phase: PhaseSnapshot,
    /// The pending event: when, and its sequence number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<(String, u64)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<JobFaultsSnapshot>,
}

/// A continuous-tuning plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PlanSnapshot {
    pub model: String,
    pub version: String,
    pub checkpoint: String,
    /// Set when the outcome is a new version of this parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_version_of: Option<String>,
    /// Set when the outcome is a new model with this display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_model: Option<String>,
    pub root_base_model: String,
}

/// A job's phases, durations in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TimelineSnapshot {
    pub pending_nanos: u64,
    pub processing_dataset_nanos: u64,
    pub tuning_per_step_nanos: u64,
    pub post_processing_nanos: u64,
    pub steps_per_epoch: u64,
    pub epochs: u32,
}

/// The data-set outcome: statistics (`TuningDataStats`) or the job's future error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum DataSnapshot {
    Valid(Value),
    Invalid(Value),
}

/// Where a job stands apart from its timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "phase")]
#[allow(missing_docs)]
pub enum PhaseSnapshot {
    Scheduled,
    #[serde(rename_all = "camelCase")]
    Cancelling {
        at: String,
        progress: ProgressSnapshot,
    },
    #[serde(rename_all = "camelCase")]
    Ended {
        state: String,
        at: String,
        progress: ProgressSnapshot,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<OutputSnapshot>,
    },
}

/// A job's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ProgressSnapshot {
    pub state: String,
    pub tuning_state: String,
    pub completed_epoch_count: u64,
    pub completed_step_count: u64,
}

/// A finished job's outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OutputSnapshot {
    pub model: String,
    pub checkpoints: Vec<CheckpointSnapshot>,
    pub list_checkpoints: bool,
    pub experiment: String,
}

/// A checkpoint (of a job's output or of a version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct CheckpointSnapshot {
    pub id: String,
    pub epoch: u64,
    pub step: u64,
    pub endpoint: String,
}

/// Faults attached to a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct JobFaultsSnapshot {
    #[serde(default)]
    pub held: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_at_epoch: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_message: Option<String>,
}

/// A model and its versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ModelSnapshot {
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub labels: BTreeMap<String, String>,
    pub create_time: String,
    pub update_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highest_version: Option<String>,
    pub versions: Vec<VersionSnapshot>,
}

/// One version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct VersionSnapshot {
    pub id: String,
    pub aliases: Vec<String>,
    pub description: String,
    pub labels: BTreeMap<String, String>,
    pub create_time: String,
    pub update_time: String,
    pub checkpoints: Vec<CheckpointSnapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_checkpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceSnapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// How a version was tuned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ProvenanceSnapshot {
    /// `supervised`, `preferenceOptimization`, `distillation` or `other`.
    pub method: String,
    pub finished_at: String,
    pub root_base_model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// An endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct EndpointSnapshot {
    pub name: String,
    pub display_name: String,
    pub model: String,
    pub version: String,
    pub checkpoint: String,
    pub create_time: String,
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// An operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct OperationSnapshot {
    pub name: String,
    pub create_time: String,
}

/// The snapshot name of a tuning method.
pub fn method_name(method: TuningMethod) -> &'static str {
    match method {
        TuningMethod::Supervised => "supervised",
        TuningMethod::PreferenceOptimization => "preferenceOptimization",
        TuningMethod::Distillation => "distillation",
        TuningMethod::Other => "other",
    }
}

/// The tuning method of a snapshot name (also accepted: `preference_optimization`).
pub fn parse_method(s: &str) -> Option<TuningMethod> {
    match s {
        "supervised" | "sft" => Some(TuningMethod::Supervised),
        "preferenceOptimization" | "preference_optimization" => {
            Some(TuningMethod::PreferenceOptimization)
        }
        "distillation" => Some(TuningMethod::Distillation),
        "other" => Some(TuningMethod::Other),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn wire_value<T: Serialize>(value: &T) -> Value {
    wire::to_value(value, EnumEncoding::Names)
}

fn progress_snapshot(p: &JobProgress) -> ProgressSnapshot {
    ProgressSnapshot {
        state: p.state.proto_name().to_owned(),
        tuning_state: p.tuning_state.proto_name().to_owned(),
        completed_epoch_count: p.completed_epoch_count,
        completed_step_count: p.completed_step_count,
    }
}

fn faults_snapshot(f: &JobFaults) -> JobFaultsSnapshot {
    JobFaultsSnapshot {
        held: f.held,
        fail_at_epoch: f.fail_at_epoch.as_ref().map(|e| e.epoch),
        fail_code: f.fail_at_epoch.as_ref().map(|e| e.code.as_str().to_owned()),
        fail_message: f.fail_at_epoch.as_ref().map(|e| e.message.clone()),
    }
}

fn job_snapshot(job: &JobRecord, faults: Option<&JobFaults>) -> JobSnapshot {
    let t = &job.timeline;
    JobSnapshot {
        name: job.name.to_string(),
        request: wire_value(&job.request.to_wire()),
        base_model: job.base_model.id().to_owned(),
        continuation: job.continuation.as_ref().map(|c| {
            let (new_version_of, new_model) = match &c.plan.outcome {
                TuningOutcome::NewVersion { parent } => (Some(parent.to_string()), None),
                TuningOutcome::NewModel { display_name } => (None, Some(display_name.clone())),
            };
            PlanSnapshot {
                model: c.plan.model.to_string(),
                version: c.plan.version.to_string(),
                checkpoint: c.plan.checkpoint.to_string(),
                new_version_of,
                new_model,
                root_base_model: c.plan.root_base_model.id().to_owned(),
            }
        }),
        create_time: job.created.to_string(),
        timeline: TimelineSnapshot {
            pending_nanos: nanos(t.pending),
            processing_dataset_nanos: nanos(t.processing_dataset),
            tuning_per_step_nanos: nanos(t.tuning_per_step),
            post_processing_nanos: nanos(t.post_processing),
            steps_per_epoch: t.steps_per_epoch,
            epochs: t.epochs,
        },
        export_last_checkpoint_only: job.export_last_checkpoint_only,
        data: match &job.data {
            DataOutcome::Valid(stats) => DataSnapshot::Valid(wire_value(&wire::TuningDataStats {
                supervised_tuning_data_stats: Some((**stats).clone()),
                ..wire::TuningDataStats::default()
            })),
            DataOutcome::Invalid(status) => DataSnapshot::Invalid(wire_value(status)),
        },
        kms_key: job.kms_key.as_ref().map(ToString::to_string),
        phase: match &job.phase {
            Phase::Scheduled => PhaseSnapshot::Scheduled,
            Phase::Cancelling { at, progress } => PhaseSnapshot::Cancelling {
                at: at.to_string(),
                progress: progress_snapshot(progress),
            },
            Phase::Ended {
                state,
                at,
                progress,
                error,
                output,
            } => PhaseSnapshot::Ended {
                state: state.proto_name().to_owned(),
                at: at.to_string(),
                progress: progress_snapshot(progress),
                error: error.as_ref().map(wire_value),
                output: output.as_ref().map(|o| OutputSnapshot {
                    model: o.model.to_string(),
                    checkpoints: o
                        .checkpoints
                        .iter()
                        .map(|(c, e)| CheckpointSnapshot {
                            id: c.id.to_string(),
                            epoch: c.epoch,
                            step: c.step,
                            endpoint: e.to_string(),
                        })
                        .collect(),
                    list_checkpoints: o.list_checkpoints,
                    experiment: o.experiment.clone(),
                }),
            },
        },
        event: job.event.map(|(at, seq)| (at.to_string(), seq)),
        faults: faults.map(faults_snapshot),
    }
}

fn checkpoint_snapshot(c: &CheckpointRecord) -> CheckpointSnapshot {
    CheckpointSnapshot {
        id: c.id.to_string(),
        epoch: c.epoch,
        step: c.step,
        endpoint: c.endpoint.to_string(),
    }
}

fn version_snapshot(v: &VersionRecord) -> VersionSnapshot {
    VersionSnapshot {
        id: v.id.to_string(),
        aliases: v.aliases.iter().map(ToString::to_string).collect(),
        description: v.description.clone(),
        labels: v.labels.clone(),
        create_time: v.created.to_string(),
        update_time: v.updated.to_string(),
        checkpoints: v.checkpoints.iter().map(checkpoint_snapshot).collect(),
        default_checkpoint: v.default_checkpoint.map(|c| c.to_string()),
        provenance: v.provenance.as_ref().map(|p| ProvenanceSnapshot {
            method: method_name(p.method).to_owned(),
            finished_at: p.finished_at.to_string(),
            root_base_model: p.root_base_model.id().to_owned(),
            kms_key: p.kms_key.as_ref().map(ToString::to_string),
        }),
        job: v.job.as_ref().map(ToString::to_string),
        kms_key: v.kms_key.as_ref().map(ToString::to_string),
    }
}

fn model_snapshot(m: &ModelRecord) -> ModelSnapshot {
    ModelSnapshot {
        name: m.name.to_string(),
        display_name: m.display_name.clone(),
        description: m.description.clone(),
        labels: m.labels.clone(),
        create_time: m.created.to_string(),
        update_time: m.updated.to_string(),
        highest_version: m.highest_version.map(|v| v.to_string()),
        versions: m.versions.values().map(version_snapshot).collect(),
    }
}

fn endpoint_snapshot(e: &EndpointRecord) -> EndpointSnapshot {
    EndpointSnapshot {
        name: e.name.to_string(),
        display_name: e.display_name.clone(),
        model: e.model.to_string(),
        version: e.version.to_string(),
        checkpoint: e.checkpoint.to_string(),
        create_time: e.created.to_string(),
        labels: e.labels.clone(),
        kms_key: e.kms_key.as_ref().map(ToString::to_string),
    }
}

/// The snapshot of `store`, with the clock at `now` in `mode`.
pub fn export(store: &Store, now: Timestamp, mode: &str) -> StateSnapshot {
    let mut locations: Vec<(&LocationName, &Namespace)> = store.locations().collect();
    locations.sort_by_key(|(name, _)| name.to_string());
    let counters = store.counters();
    StateSnapshot {
        format: SNAPSHOT_FORMAT,
        clock: ClockSnapshot {
            now: now.to_string(),
            mode: mode.to_owned(),
        },
        jobs_speed: store.speed().to_string(),
        counters: CountersSnapshot {
            next_job: counters.next_job,
            next_model: counters.next_model,
            next_endpoint: counters.next_endpoint,
            next_operation: counters.next_operation,
            next_event: counters.next_event,
        },
        next_job_faults: (!store.next_job_faults().is_empty())
            .then(|| faults_snapshot(store.next_job_faults())),
        locations: locations
            .into_iter()
            .map(|(name, space)| LocationSnapshot {
                name: name.to_string(),
                jobs: space
                    .jobs
                    .values()
                    .map(|j| job_snapshot(j, store.faults_of(&j.name)))
                    .collect(),
                models: space.models.values().map(model_snapshot).collect(),
                endpoints: space.endpoints.values().map(endpoint_snapshot).collect(),
                operations: space
                    .operations
                    .values()
                    .map(|o| OperationSnapshot {
                        name: o.name.to_string(),
                        create_time: o.created.to_string(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

fn from_wire<T: DeserializeOwned + WireMessage>(
    what: &str,
    value: &Value,
) -> Result<T, SnapshotError> {
    wire::decode_value(value.clone()).map_err(|e| SnapshotError::new(what, e))
}

fn base_model(what: &str, id: &str) -> Result<&'static BaseModel, SnapshotError> {
    BaseModel::lookup(id).map_err(|e| SnapshotError::new(format!("{what} {id:?}"), e))
}

fn optional<T: FromStr>(what: &str, s: Option<&String>) -> Result<Option<T>, SnapshotError>
where
    T::Err: Display,
{
    s.map(|s| parse(what, s)).transpose()
}

fn proto<T: ProtoEnum>(what: &str, s: &str) -> Result<T, SnapshotError> {
    T::from_proto_name(s)
        .ok_or_else(|| SnapshotError::new(format!("{what} {s:?}"), "unknown value"))
}

fn progress(p: &ProgressSnapshot) -> Result<JobProgress, SnapshotError> {
    Ok(JobProgress {
        state: proto::<JobState>("progress.state", &p.state)?,
        tuning_state: proto::<TuningJobState>("progress.tuningState", &p.tuning_state)?,
        completed_epoch_count: p.completed_epoch_count,
        completed_step_count: p.completed_step_count,
    })
}

fn faults(f: &JobFaultsSnapshot) -> Result<JobFaults, SnapshotError> {
    let fail_at_epoch = match f.fail_at_epoch {
        None => None,
        Some(epoch) => Some(EpochFailure {
            epoch,
            code: match &f.fail_code {
                Some(code) => parse::<Code>("faults.failCode", code)?,
                None => Code::Internal,
            },
            message: f.fail_message.clone().unwrap_or_default(),
        }),
    };
    Ok(JobFaults {
        held: f.held,
        fail_at_epoch,
    })
}

fn job(s: &JobSnapshot) -> Result<JobRecord, SnapshotError> {
    let name: TuningJobName = parse("job.name", &s.name)?;
    let continuation = match &s.continuation {
        None => None,
        Some(plan) => Some(Continuation {
            plan: ContinuousTuningPlan {
                model: parse("continuation.model", &plan.model)?,
                version: parse("continuation.version", &plan.version)?,
                checkpoint: parse("continuation.checkpoint", &plan.checkpoint)?,
                outcome: match (&plan.new_version_of, &plan.new_model) {
                    (Some(parent), None) => TuningOutcome::NewVersion {
                        parent: parse("continuation.newVersionOf", parent)?,
                    },
                    (None, Some(display_name)) => TuningOutcome::NewModel {
                        display_name: display_name.clone(),
                    },
                    _ => {
                        return Err(SnapshotError::new(
                            format!("job {name} continuation"),
                            "exactly one of newVersionOf and newModel",
                        ));
                    }
                },
                root_base_model: base_model("continuation.rootBaseModel", &plan.root_base_model)?,
            },
        }),
    };
    let t = &s.timeline;
    let phase = match &s.phase {
        PhaseSnapshot::Scheduled => Phase::Scheduled,
        PhaseSnapshot::Cancelling { at, progress: p } => Phase::Cancelling {
            at: parse("phase.at", at)?,
            progress: progress(p)?,
        },
        PhaseSnapshot::Ended {
            state,
            at,
            progress: p,
            error,
            output,
        } => Phase::Ended {
            state: proto::<JobState>("phase.state", state)?,
            at: parse("phase.at", at)?,
            progress: progress(p)?,
            error: error
                .as_ref()
                .map(|e| from_wire::<wire::Status>("phase.error", e))
                .transpose()?,
            output: match output {
                None => None,
                Some(o) => Some(Box::new(TunedOutput {
                    model: parse("output.model", &o.model)?,
                    checkpoints: o
                        .checkpoints
                        .iter()
                        .map(|c| {
                            Ok((
                                ScheduledCheckpoint {
                                    id: parse("output.checkpoints.id", &c.id)?,
                                    epoch: c.epoch,
                                    step: c.step,
                                },
                                parse("output.checkpoints.endpoint", &c.endpoint)?,
                            ))
                        })
                        .collect::<Result<_, SnapshotError>>()?,
                    list_checkpoints: o.list_checkpoints,
                    experiment: o.experiment.clone(),
                })),
            },
        },
    };
    Ok(JobRecord {
        request: from_wire::<wire::TuningJob>("job.request", &s.request)?.into(),
        base_model: base_model("job.baseModel", &s.base_model)?,
        continuation: continuation.map(Box::new),
        created: parse("job.createTime", &s.create_time)?,
        timeline: JobTimeline {
            pending: Duration::from_nanos(t.pending_nanos),
            processing_dataset: Duration::from_nanos(t.processing_dataset_nanos),
            tuning_per_step: Duration::from_nanos(t.tuning_per_step_nanos),
            post_processing: Duration::from_nanos(t.post_processing_nanos),
            steps_per_epoch: t.steps_per_epoch,
            epochs: t.epochs,
        },
        export_last_checkpoint_only: s.export_last_checkpoint_only,
        data: match &s.data {
            DataSnapshot::Valid(v) => {
                let stats: wire::TuningDataStats = from_wire("job.data.valid", v)?;
                DataOutcome::Valid(Arc::new(
                    stats.supervised_tuning_data_stats.unwrap_or_default(),
                ))
            }
            DataSnapshot::Invalid(v) => DataOutcome::Invalid(from_wire("job.data.invalid", v)?),
        },
        kms_key: optional("job.kmsKey", s.kms_key.as_ref())?.map(Box::new),
        phase,
        event: match &s.event {
            Some((at, seq)) => Some((parse("job.event", at)?, *seq)),
            None => None,
        },
        name,
    })
}

fn version(s: &VersionSnapshot) -> Result<VersionRecord, SnapshotError> {
    Ok(VersionRecord {
        id: parse("version.id", &s.id)?,
        aliases: s
            .aliases
            .iter()
            .map(|a| parse("version.aliases", a))
            .collect::<Result<_, _>>()?,
        description: s.description.clone(),
        labels: s.labels.clone(),
        created: parse("version.createTime", &s.create_time)?,
        updated: parse("version.updateTime", &s.update_time)?,
        checkpoints: s
            .checkpoints
            .iter()
            .map(|c| {
                Ok(CheckpointRecord {
                    id: parse("checkpoint.id", &c.id)?,
                    epoch: c.epoch,
                    step: c.step,
                    endpoint: parse("checkpoint.endpoint", &c.endpoint)?,
                })
            })
            .collect::<Result<_, SnapshotError>>()?,
        default_checkpoint: optional("version.defaultCheckpoint", s.default_checkpoint.as_ref())?,
        provenance: match &s.provenance {
            None => None,
            Some(p) => Some(TuningProvenance {
                method: parse_method(&p.method).ok_or_else(|| {
                    SnapshotError::new(
                        format!("provenance.method {:?}", p.method),
                        "unknown method",
                    )
                })?,
                finished_at: parse("provenance.finishedAt", &p.finished_at)?,
                root_base_model: base_model("provenance.rootBaseModel", &p.root_base_model)?,
                kms_key: optional("provenance.kmsKey", p.kms_key.as_ref())?,
            }),
        },
        job: optional("version.job", s.job.as_ref())?,
        kms_key: optional("version.kmsKey", s.kms_key.as_ref())?,
    })
}

fn model(s: &ModelSnapshot) -> Result<ModelRecord, SnapshotError> {
    let versions = s
        .versions
        .iter()
        .map(|v| version(v).map(|v| (v.id, v)))
        .collect::<Result<_, _>>()?;
    Ok(ModelRecord {
        name: parse("model.name", &s.name)?,
        display_name: s.display_name.clone(),
        description: s.description.clone(),
        labels: s.labels.clone(),
        created: parse("model.createTime", &s.create_time)?,
        updated: parse("model.updateTime", &s.update_time)?,
        versions,
        highest_version: optional("model.highestVersion", s.highest_version.as_ref())?,
    })
}

fn endpoint(s: &EndpointSnapshot) -> Result<EndpointRecord, SnapshotError> {
    Ok(EndpointRecord {
        name: parse("endpoint.name", &s.name)?,
        display_name: s.display_name.clone(),
        model: parse("endpoint.model", &s.model)?,
        version: parse("endpoint.version", &s.version)?,
        checkpoint: parse("endpoint.checkpoint", &s.checkpoint)?,
        created: parse("endpoint.createTime", &s.create_time)?,
        labels: s.labels.clone(),
        kms_key: optional("endpoint.kmsKey", s.kms_key.as_ref())?,
    })
}

/// The store a snapshot describes (the clock is the caller's to set).
pub fn import(snapshot: &StateSnapshot) -> Result<Store, SnapshotError> {
    if snapshot.format != SNAPSHOT_FORMAT {
        return Err(SnapshotError::new(
            "format",
            format!(
                "{} is not a known format (expected {SNAPSHOT_FORMAT})",
                snapshot.format
            ),
        ));
    }
    let speed: JobSpeed = parse("jobsSpeed", &snapshot.jobs_speed)?;
    let mut store = Store::new(speed);
    let c = &snapshot.counters;
    store.set_counters(Counters {
        next_job: c.next_job,
        next_model: c.next_model,
        next_endpoint: c.next_endpoint,
        next_operation: c.next_operation,
        next_event: c.next_event,
    });
    if let Some(f) = &snapshot.next_job_faults {
        store.fault_next_job(faults(f)?);
    }
    for location in &snapshot.locations {
        let name: LocationName = parse("location.name", &location.name)?;
        store.restore_location(&name);
        let not_under = |what: String| SnapshotError::new(what, format!("not under {name}"));
        for s in &location.jobs {
            let record = job(s)?;
            if record.name.location_name() != &name {
                return Err(not_under(format!("job {}", record.name)));
            }
            let faults = s.faults.as_ref().map(faults).transpose()?;
            store.restore_job(record, faults);
        }
        for s in &location.models {
            let record = model(s)?;
            if record.name.location_name() != &name {
                return Err(not_under(format!("model {}", record.name)));
            }
            store.restore_model(record);
        }
        for s in &location.endpoints {
            let record = endpoint(s)?;
            if record.name.location_name() != &name {
                return Err(not_under(format!("endpoint {}", record.name)));
            }
            store.restore_endpoint(record);
        }
        for s in &location.operations {
            let record = OperationRecord {
                name: parse("operation.name", &s.name)?,
                created: parse("operation.createTime", &s.create_time)?,
            };
            if record.name.location_name() != &name {
                return Err(not_under(format!("operation {}", record.name)));
            }
            store.restore_operation(record);
        }
    }
    Ok(store)
}
