//! Export: the store, as a [`StateSnapshot`](super::StateSnapshot) ordered so that the same state
//! gives the same bytes.

use std::time::Duration;

use retune_model::Timestamp;
use retune_model::continuous::TuningOutcome;
use retune_model::job_state::JobProgress;
use retune_model::names::LocationName;
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire::{self, EnumEncoding};
use serde::Serialize;
use serde_json::Value;

use crate::jobs::{DataOutcome, JobRecord, Phase};
use crate::store::{
    CheckpointRecord, EndpointRecord, JobFaults, ModelRecord, OperationRecord, Store, VersionRecord,
};

// The snapshot shapes and their parsing helpers.
use super::*;

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

/// A job's snapshot; its statistics and training pairs keyed in `sharing`.
pub(crate) fn job_snapshot(
    job: &JobRecord,
    faults: Option<&JobFaults>,
    sharing: &mut Sharing,
) -> JobSnapshot {
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
            DataOutcome::Valid(stats) => DataSnapshot::ValidShared(sharing.stats(stats)),
            DataOutcome::Invalid(status) => DataSnapshot::Invalid(wire_value(status)),
        },
        training: sharing.training(&job.training),
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
                    checkpoints: o.checkpoints.iter().map(checkpoint_snapshot).collect(),
                    checkpoints_of_version: false,
                    list_checkpoints: o.list_checkpoints,
                    experiment: crate::jobs::experiment_name(&job.name, job.created),
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

fn version_snapshot(v: &VersionRecord, sharing: &mut Sharing) -> VersionSnapshot {
    VersionSnapshot {
        id: v.id.to_string(),
        aliases: v.aliases.iter().map(ToString::to_string).collect(),
        description: v.description.clone(),
        labels: v.labels().into_owned(),
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
        answers: sharing.answers(&v.answers),
    }
}

/// A model's snapshot; the pairs its versions know keyed in `sharing`.
pub(crate) fn model_snapshot(m: &ModelRecord, sharing: &mut Sharing) -> ModelSnapshot {
    ModelSnapshot {
        name: m.name().to_string(),
        display_name: m.display_name().to_owned(),
        description: m.description().to_owned(),
        labels: m.labels().clone(),
        create_time: m.created().to_string(),
        update_time: m.updated().to_string(),
        highest_version: m.highest_version().map(|v| v.to_string()),
        versions: m.versions().map(|v| version_snapshot(v, sharing)).collect(),
    }
}

pub(crate) fn endpoint_snapshot(e: &EndpointRecord) -> EndpointSnapshot {
    EndpointSnapshot {
        name: e.name.to_string(),
        display_name: e.display_name.to_string(),
        model: e.model.to_string(),
        version: e.version.to_string(),
        checkpoint: e.checkpoint.to_string(),
        create_time: e.created.to_string(),
        labels: e.labels.clone(),
        kms_key: e.kms_key.as_ref().map(ToString::to_string),
    }
}

/// An operation's snapshot.
pub(crate) fn operation_snapshot(o: &OperationRecord) -> OperationSnapshot {
    OperationSnapshot {
        name: o.name.to_string(),
        create_time: o.created.to_string(),
        done_time: (o.done_at != o.created).then(|| o.done_at.to_string()),
        rebased: o.rebased.as_deref().map(wire_value),
    }
}

/// The snapshot of everything but the locations: the format, the clock at `now` in `mode`, the
/// job speed, the id counters, the faults waiting for the next job and the configured project
/// numbers.
pub(crate) fn globals(store: &Store, now: Timestamp, mode: &str) -> StateSnapshot {
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
        project_numbers: store
            .projects()
            .configured()
            .map(|(id, number)| (id.to_string(), number.to_string()))
            .collect(),
        locations: Vec::new(),
        shared: SharedSnapshot::default(),
    }
}

/// The snapshot of `store`, with the clock at `now` in `mode`.
pub(crate) fn export(store: &Store, now: Timestamp, mode: &str) -> StateSnapshot {
    let mut locations: Vec<&LocationName> = store.locations().collect();
    locations.sort_by_key(|name| name.to_string());
    let mut sharing = Sharing::default();
    let locations = locations
        .into_iter()
        .map(|name| LocationSnapshot {
            name: name.to_string(),
            jobs: store
                .jobs_in(name)
                .map(|j| job_snapshot(j, store.faults_of(&j.name), &mut sharing))
                .collect(),
            models: store
                .models_in(name)
                .map(|m| model_snapshot(m, &mut sharing))
                .collect(),
            endpoints: store
                .endpoints_in(name)
                .iter()
                .map(|e| endpoint_snapshot(e))
                .collect(),
            operations: store.operations_in(name).map(operation_snapshot).collect(),
        })
        .collect();
    StateSnapshot {
        locations,
        shared: sharing.take_new(),
        ..globals(store, now, mode)
    }
}
