//! Export and import of the emulator's whole state as JSON ([`StateSnapshot`]).
//!
//! A snapshot holds every location's jobs (with their timelines, phases, pending events and job
//! faults, so a running job keeps running after import), models with their versions, aliases,
//! checkpoints and provenance, endpoints, operations, the id counters, the clock and the job
//! speed. It leaves out the object store (data sets are read when a job is created, so no stored
//! job needs them again), the route faults and the journal: those are the test's controls, not
//! the service's state.
//!
//! Content many records share (data-set statistics, the training pairs of jobs and versions) is
//! stored once, in [`SharedSnapshot`], and referred to by key (`shared`).
//!
//! Everything is ordered (locations and ids sorted), so export, import, export gives the same
//! bytes (on a running system clock, `clock.now` moves between two exports; nothing else does).
//! Import sets the clock to the snapshot's mode and time, so jobs stand where they stood. The types derive serde: they are the emulator's own file format, not the domain.

mod export;
mod import;
mod shared;

pub(crate) use export::{
    endpoint_snapshot, export, globals, job_snapshot, model_snapshot, operation_snapshot,
};
pub(crate) use import::{Restored, Restorer, canonical, import, restoring};
pub(crate) use shared::{Sharing, stats_key};

use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

use retune_model::continuous::TuningMethod;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    /// The configured project numbers, by project id (every other id has its derived number,
    /// `crate::projects`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub project_numbers: BTreeMap<String, String>,
    /// Every location with something stored, by name.
    pub locations: Vec<LocationSnapshot>,
    /// Content many records share, stored once and referred to by key.
    #[serde(default, skip_serializing_if = "SharedSnapshot::is_empty")]
    pub shared: SharedSnapshot,
}

/// Content many records share (data-set statistics, training pairs), each stored once under a
/// key derived from the content (`stats-` or `pairs-` and its MD5 digest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SharedSnapshot {
    /// Data-set statistics (`TuningDataStats`), by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stats: BTreeMap<String, Value>,
    /// Training pairs (prompt, answer), in order, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pairs: BTreeMap<String, Vec<(String, String)>>,
}

impl SharedSnapshot {
    /// True when nothing is shared.
    pub fn is_empty(&self) -> bool {
        self.stats.is_empty() && self.pairs.is_empty()
    }
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
    /// The training pairs the job read (a key of [`SharedSnapshot::pairs`]; none when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<String>,
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

/// The data-set outcome: statistics (`TuningDataStats`, inline or a key of
/// [`SharedSnapshot::stats`]) or the job's future error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum DataSnapshot {
    Valid(Value),
    ValidShared(String),
    Invalid(Value),
}

/// Where a job stands apart from its timeline.
///
/// Written as an internally tagged object (`{"phase": "ended", ...}`) and read through
/// `PhaseFields`: serde reads an internally tagged enum by first copying the whole object
/// into a buffer of its own, which a start reading a hundred thousand jobs pays for each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "phase", try_from = "PhaseFields")]
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

/// Every field a [`PhaseSnapshot`] may have, read in one pass; the phase names which are
/// required (fields of another phase are ignored, as they always were).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhaseFields {
    phase: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    progress: Option<ProgressSnapshot>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    output: Option<OutputSnapshot>,
}

impl TryFrom<PhaseFields> for PhaseSnapshot {
    type Error = String;

    fn try_from(f: PhaseFields) -> Result<PhaseSnapshot, String> {
        let PhaseFields {
            phase,
            state,
            at,
            progress,
            error,
            output,
        } = f;
        let missing = |field: &str| format!("missing field `{field}` of phase {phase:?}");
        match phase.as_str() {
            "scheduled" => Ok(PhaseSnapshot::Scheduled),
            "cancelling" => Ok(PhaseSnapshot::Cancelling {
                at: at.ok_or_else(|| missing("at"))?,
                progress: progress.ok_or_else(|| missing("progress"))?,
            }),
            "ended" => Ok(PhaseSnapshot::Ended {
                state: state.ok_or_else(|| missing("state"))?,
                at: at.ok_or_else(|| missing("at"))?,
                progress: progress.ok_or_else(|| missing("progress"))?,
                error,
                output,
            }),
            other => Err(format!(
                "unknown phase {other:?}, expected one of \"scheduled\", \"cancelling\", \"ended\""
            )),
        }
    }
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
    /// The checkpoints are those of the version `model` names, left out of `checkpoints`: a
    /// data directory writes a job's row so while its version exists (and rewrites the row when
    /// the version is deleted). Exports always list them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub checkpoints_of_version: bool,
    pub list_checkpoints: bool,
    /// Derived from the job's name and creation time (read for the record, not used).
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
    /// The training pairs of its lineage, which its GenerateContent answers come from (a key of
    /// [`SharedSnapshot::pairs`]; none for a version that knows nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<String>,
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
    /// When it is done, when later than its creation (a deletion still running).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_time: Option<String>,
    /// For a RebaseTunedModel operation, the tuning job it created, as created (REST shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebased: Option<Value>,
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
