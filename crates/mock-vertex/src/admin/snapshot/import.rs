//! Import: a [`StateSnapshot`](super::StateSnapshot) checked field by field and restored into a new
//! store through its methods.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use retune_model::Code;
use retune_model::base_model::BaseModel;
use retune_model::continuous::{ContinuousTuningPlan, TuningOutcome, TuningProvenance};
use retune_model::job_state::{JobProgress, JobState, JobTimeline, TuningJobState};
use retune_model::names::{LocationName, ProjectNumbering, TuningJobName};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire::{self, WireMessage};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::jobs::{Continuation, DataOutcome, JobRecord, Phase, TunedOutput};
use crate::projects::Projects;
use crate::state::JobSpeed;
use crate::store::{
    CheckpointRecord, Counters, EndpointDisplayName, EndpointRecord, EpochFailure, JobFaults,
    ModelRecord, OperationRecord, Store, VersionLabels, VersionRecord,
};

// The snapshot shapes and their parsing helpers.
use super::shared::Resolver;
use super::*;

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

fn job(s: &JobSnapshot, shared: &Resolver<'_>) -> Result<JobRecord, SnapshotError> {
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
                        .map(|c| checkpoint(c, "output.checkpoints"))
                        .collect::<Result<Vec<_>, SnapshotError>>()?
                        .into(),
                    list_checkpoints: o.list_checkpoints,
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
                DataOutcome::Valid(Arc::new(stats))
            }
            DataSnapshot::ValidShared(key) => DataOutcome::Valid(shared.stats(key)?),
            DataSnapshot::Invalid(v) => DataOutcome::Invalid(from_wire("job.data.invalid", v)?),
        },
        training: match &s.training {
            Some(key) => shared.training(key)?,
            None => Arc::from(Vec::new()),
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

fn checkpoint(c: &CheckpointSnapshot, what: &str) -> Result<CheckpointRecord, SnapshotError> {
    Ok(CheckpointRecord {
        id: parse(&format!("{what}.id"), &c.id)?,
        epoch: c.epoch,
        step: c.step,
        endpoint: parse(&format!("{what}.endpoint"), &c.endpoint)?,
    })
}

fn version(s: &VersionSnapshot, shared: &Resolver<'_>) -> Result<VersionRecord, SnapshotError> {
    let mut record = VersionRecord {
        id: parse("version.id", &s.id)?,
        aliases: s
            .aliases
            .iter()
            .map(|a| parse("version.aliases", a))
            .collect::<Result<_, _>>()?,
        description: s.description.clone(),
        labels: VersionLabels::Set(BTreeMap::new()),
        created: parse("version.createTime", &s.create_time)?,
        updated: parse("version.updateTime", &s.update_time)?,
        checkpoints: s
            .checkpoints
            .iter()
            .map(|c| checkpoint(c, "checkpoint"))
            .collect::<Result<Vec<_>, SnapshotError>>()?
            .into(),
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
        answers: match &s.answers {
            Some(key) => shared.answers(key)?,
            None => Arc::default(),
        },
        kms_key: optional("version.kmsKey", s.kms_key.as_ref())?,
    };
    record.set_labels(s.labels.clone());
    Ok(record)
}

fn model(s: &ModelSnapshot, shared: &Resolver<'_>) -> Result<ModelRecord, SnapshotError> {
    let versions = s
        .versions
        .iter()
        .map(|v| version(v, shared))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ModelRecord::new(
        parse("model.name", &s.name)?,
        s.display_name.clone(),
        s.description.clone(),
        s.labels.clone(),
        parse("model.createTime", &s.create_time)?,
    )
    .restored(
        parse("model.updateTime", &s.update_time)?,
        versions,
        optional("model.highestVersion", s.highest_version.as_ref())?,
    ))
}

fn endpoint(s: &EndpointSnapshot) -> Result<EndpointRecord, SnapshotError> {
    Ok(EndpointRecord {
        name: parse("endpoint.name", &s.name)?,
        display_name: EndpointDisplayName::new(s.display_name.clone()),
        model: parse("endpoint.model", &s.model)?,
        version: parse("endpoint.version", &s.version)?,
        checkpoint: parse("endpoint.checkpoint", &s.checkpoint)?,
        created: parse("endpoint.createTime", &s.create_time)?,
        labels: s.labels.clone(),
        kms_key: optional("endpoint.kmsKey", s.kms_key.as_ref())?,
    })
}

/// The configured project numbers of a snapshot.
fn projects(snapshot: &StateSnapshot) -> Result<Projects, SnapshotError> {
    let mut projects = Projects::default();
    for (id, number) in &snapshot.project_numbers {
        let pair: ProjectNumbering = parse("projectNumbers", &format!("{id}={number}"))?;
        projects.configure(pair);
    }
    Ok(projects)
}

/// `snapshot` with every resource name written with the project number, as the store keys
/// them: records saved before the emulator answered with numbers (names with project ids) load
/// under the numbers. `None` when it already is (every location is named by number), which is
/// what an export of this emulator always is.
pub(crate) fn canonical(snapshot: &StateSnapshot) -> Result<Option<StateSnapshot>, SnapshotError> {
    let projects = projects(snapshot)?;
    let named_by_id = snapshot
        .locations
        .iter()
        .any(|l| matches!(projects.canonical(&l.name), Cow::Owned(_)));
    if !named_by_id {
        return Ok(None);
    }
    let text = serde_json::to_string(snapshot).map_err(|e| SnapshotError::new("snapshot", e))?;
    let rewritten = projects.canonical(&text);
    serde_json::from_str(&rewritten)
        .map(Some)
        .map_err(|e| SnapshotError::new("snapshot", e))
}

/// The store a snapshot describes (the clock is the caller's to set); names written with
/// project ids are read as their numbers ([`canonical`]).
pub(crate) fn import(snapshot: &StateSnapshot) -> Result<Store, SnapshotError> {
    if let Some(canonical) = canonical(snapshot)? {
        return import(&canonical);
    }
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
    let shared = Resolver::new(&snapshot.shared)?;
    let mut store = Store::new(speed);
    store.projects_mut().merge(&projects(snapshot)?);
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
        // Turned into store records on every core, then stored in order.
        let jobs = crate::parallel::map(&location.jobs, |s| job(s, &shared));
        for (s, record) in location.jobs.iter().zip(jobs) {
            let record = record?;
            if record.name.location_name() != &name {
                return Err(not_under(format!("job {}", record.name)));
            }
            let faults = s.faults.as_ref().map(faults).transpose()?;
            store.restore_job(record, faults);
        }
        for record in crate::parallel::map(&location.models, |s| model(s, &shared)) {
            let record = record?;
            if record.name().location_name() != &name {
                return Err(not_under(format!("model {}", record.name())));
            }
            store.restore_model(record);
        }
        for record in crate::parallel::map(&location.endpoints, endpoint) {
            let record = record?;
            if record.name.location_name() != &name {
                return Err(not_under(format!("endpoint {}", record.name)));
            }
            store.restore_endpoint(record);
        }
        store.settle_location(&name);
        for s in &location.operations {
            let created = parse("operation.createTime", &s.create_time)?;
            let record = OperationRecord {
                name: parse("operation.name", &s.name)?,
                created,
                done_at: optional("operation.doneTime", s.done_time.as_ref())?.unwrap_or(created),
                rebased: s
                    .rebased
                    .as_ref()
                    .map(|job| from_wire::<wire::TuningJob>("operation.rebased", job))
                    .transpose()?
                    .map(Box::new),
            };
            if record.name.location_name() != &name {
                return Err(not_under(format!("operation {}", record.name)));
            }
            store.restore_operation(record);
        }
    }
    Ok(store)
}
