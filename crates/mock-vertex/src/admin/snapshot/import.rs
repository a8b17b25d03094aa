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

/// Decodes a wire message kept as JSON in a snapshot record (taken: records are turned into
/// store records by value, so nothing is cloned).
fn from_wire<T: DeserializeOwned + WireMessage>(
    what: &str,
    value: Value,
) -> Result<T, SnapshotError> {
    wire::decode_value(value).map_err(|e| SnapshotError::new(what, e))
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

/// A job of a snapshot, as the store keeps it, with its faults.
fn job(s: JobSnapshot, shared: &Resolver<'_>) -> Result<Restored, SnapshotError> {
    let name: TuningJobName = parse("job.name", &s.name)?;
    let faults = s.faults.as_ref().map(faults).transpose()?;
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
    let mut of_version = false;
    let phase = match s.phase {
        PhaseSnapshot::Scheduled => Phase::Scheduled,
        PhaseSnapshot::Cancelling { at, progress: p } => Phase::Cancelling {
            at: parse("phase.at", &at)?,
            progress: progress(&p)?,
        },
        PhaseSnapshot::Ended {
            state,
            at,
            progress: p,
            error,
            output,
        } => Phase::Ended {
            state: proto::<JobState>("phase.state", &state)?,
            at: parse("phase.at", &at)?,
            progress: progress(&p)?,
            error: error
                .map(|e| from_wire::<wire::Status>("phase.error", e))
                .transpose()?,
            output: match output {
                None => None,
                Some(o) => Some(Box::new(TunedOutput {
                    model: {
                        of_version = o.checkpoints_of_version;
                        parse("output.model", &o.model)?
                    },
                    checkpoints: o
                        .checkpoints
                        .iter()
                        .map(|c| {
                            checkpoint(c, ["output.checkpoints.id", "output.checkpoints.endpoint"])
                        })
                        .collect::<Result<Vec<_>, SnapshotError>>()?
                        .into(),
                    list_checkpoints: o.list_checkpoints,
                })),
            },
        },
    };
    let record = JobRecord {
        request: from_wire::<wire::TuningJob>("job.request", s.request)?.into(),
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
        data: match s.data {
            DataSnapshot::Valid(v) => {
                let stats: wire::TuningDataStats = from_wire("job.data.valid", v)?;
                DataOutcome::Valid(Arc::new(stats))
            }
            DataSnapshot::ValidShared(key) => DataOutcome::Valid(shared.stats(&key)?),
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
    };
    Ok(Restored::Job(Box::new(RestoredJob {
        record,
        faults,
        checkpoints_of_version: of_version,
    })))
}

/// A checkpoint; `what` names its id and endpoint fields in errors.
fn checkpoint(c: &CheckpointSnapshot, what: [&str; 2]) -> Result<CheckpointRecord, SnapshotError> {
    Ok(CheckpointRecord {
        id: parse(what[0], &c.id)?,
        epoch: c.epoch,
        step: c.step,
        endpoint: parse(what[1], &c.endpoint)?,
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
            .map(|c| checkpoint(c, ["checkpoint.id", "checkpoint.endpoint"]))
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

/// A model of a snapshot (and its versions), as the store keeps it.
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

/// An operation of a snapshot, as the store keeps it.
fn operation(s: OperationSnapshot) -> Result<OperationRecord, SnapshotError> {
    let created = parse("operation.createTime", &s.create_time)?;
    Ok(OperationRecord {
        name: parse("operation.name", &s.name)?,
        created,
        done_at: optional("operation.doneTime", s.done_time.as_ref())?.unwrap_or(created),
        rebased: s
            .rebased
            .map(|job| from_wire::<wire::TuningJob>("operation.rebased", job))
            .transpose()?
            .map(Box::new),
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
    let (restorer, mut restoring) = restoring(snapshot)?;
    for location in &snapshot.locations {
        restoring.location(&location.name)?;
        // Turned into store records on every core, then stored in order.
        let shared = &restorer.shared;
        let jobs = crate::parallel::map(&location.jobs, |s| job(s.clone(), shared));
        let models = crate::parallel::map(&location.models, |s| model(s, shared));
        let endpoints = crate::parallel::map(&location.endpoints, endpoint);
        for record in jobs {
            restoring.add(&location.name, record?)?;
        }
        for record in models {
            restoring.add(&location.name, Restored::Model(record?))?;
        }
        for record in endpoints {
            restoring.add(&location.name, Restored::Endpoint(record?))?;
        }
        for s in &location.operations {
            restoring.add(&location.name, Restored::Operation(operation(s.clone())?))?;
        }
    }
    restoring.finish()
}

/// One record of a snapshot turned into what the store keeps (by the function of its kind,
/// which both a whole snapshot's import and a data directory's start call).
#[derive(Debug)]
pub(crate) enum Restored {
    /// A job.
    Job(Box<RestoredJob>),
    /// A model and its versions.
    Model(ModelRecord),
    /// An endpoint.
    Endpoint(EndpointRecord),
    /// An operation.
    Operation(OperationRecord),
}

/// A job of a snapshot, as the store keeps it.
#[derive(Debug)]
pub(crate) struct RestoredJob {
    record: JobRecord,
    faults: Option<JobFaults>,
    /// Its output's checkpoints are its version's, filled in once every model is stored.
    checkpoints_of_version: bool,
}

/// A location being restored: its name, and the records stored once every job and model is
/// (endpoints and operations, which a snapshot's import stores after them).
#[derive(Debug)]
struct LocationRestoring {
    name: LocationName,
    endpoints: Vec<EndpointRecord>,
    operations: Vec<OperationRecord>,
    /// The jobs whose output's checkpoints are their version's.
    of_version: Vec<TuningJobName>,
    /// Whether a job lists its output's checkpoints (to share with its version's if equal).
    listed_outputs: bool,
}

/// Turns the records of a snapshot into store records, anywhere (on every core: `&self`),
/// resolving their shared content; [`Restoring`] stores them.
#[derive(Debug)]
pub(crate) struct Restorer<'a> {
    shared: Resolver<'a>,
    projects: Projects,
}

/// A store being restored from a snapshot's globals and its records, added one at a time in
/// any order: jobs and models are stored at once, endpoints and operations after every model
/// ([`finish`](Restoring::finish)).
#[derive(Debug)]
pub(crate) struct Restoring {
    store: Store,
    locations: BTreeMap<String, LocationRestoring>,
}

/// An empty store with the globals of `snapshot` (format, speed, counters, project numbers,
/// faults for the next job), and what turns its records into store records with its shared
/// content; its locations are not read.
pub(crate) fn restoring(
    snapshot: &StateSnapshot,
) -> Result<(Restorer<'_>, Restoring), SnapshotError> {
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
    let projects = projects(snapshot)?;
    let mut store = Store::new(speed);
    store.projects_mut().merge(&projects);
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
    Ok((
        Restorer { shared, projects },
        Restoring {
            store,
            locations: BTreeMap::new(),
        },
    ))
}

impl Restorer<'_> {
    /// True when `location` is named with its project number, as the store keys it (else the
    /// records must be rewritten first: [`canonical`]).
    pub(crate) fn is_canonical(&self, location: &str) -> bool {
        matches!(self.projects.canonical(location), Cow::Borrowed(_))
    }

    /// A job, as the store keeps it.
    pub(crate) fn job(&self, s: JobSnapshot) -> Result<Restored, SnapshotError> {
        job(s, &self.shared)
    }

    /// A model, as the store keeps it.
    pub(crate) fn model(&self, s: &ModelSnapshot) -> Result<Restored, SnapshotError> {
        model(s, &self.shared).map(Restored::Model)
    }

    /// An endpoint, as the store keeps it.
    pub(crate) fn endpoint(&self, s: &EndpointSnapshot) -> Result<Restored, SnapshotError> {
        endpoint(s).map(Restored::Endpoint)
    }

    /// An operation, as the store keeps it.
    pub(crate) fn operation(&self, s: OperationSnapshot) -> Result<Restored, SnapshotError> {
        operation(s).map(Restored::Operation)
    }
}

impl Restoring {
    /// Makes the namespace of `location` (the name a snapshot or a row gives it), even if
    /// nothing is stored there.
    pub(crate) fn location(&mut self, location: &str) -> Result<(), SnapshotError> {
        if !self.locations.contains_key(location) {
            let name: LocationName = parse("location.name", location)?;
            self.store.restore_location(&name);
            self.locations.insert(
                location.to_owned(),
                LocationRestoring {
                    name,
                    endpoints: Vec::new(),
                    operations: Vec::new(),
                    of_version: Vec::new(),
                    listed_outputs: false,
                },
            );
        }
        Ok(())
    }

    /// Adds a record of `location`, which must be named under it.
    pub(crate) fn add(&mut self, location: &str, record: Restored) -> Result<(), SnapshotError> {
        self.location(location)?;
        let Some(l) = self.locations.get_mut(location) else {
            return Ok(());
        };
        let not_under = |what: String| SnapshotError::new(what, format!("not under {}", l.name));
        match record {
            Restored::Job(job) => {
                let RestoredJob {
                    mut record,
                    faults,
                    checkpoints_of_version,
                } = *job;
                if record.name.location_name() != &l.name {
                    return Err(not_under(format!("job {}", record.name)));
                }
                if checkpoints_of_version {
                    // Shared now when its version came first; else once every record is in.
                    if !self.store.share_version_checkpoints(&mut record) {
                        l.of_version.push(record.name.clone());
                    }
                } else if record.output().is_some() {
                    l.listed_outputs = true;
                }
                self.store.restore_job(record, faults);
            }
            Restored::Model(record) => {
                if record.name().location_name() != &l.name {
                    return Err(not_under(format!("model {}", record.name())));
                }
                self.store.restore_model(record);
            }
            Restored::Endpoint(record) => {
                if record.name.location_name() != &l.name {
                    return Err(not_under(format!("endpoint {}", record.name)));
                }
                l.endpoints.push(record);
            }
            Restored::Operation(record) => {
                if record.name.location_name() != &l.name {
                    return Err(not_under(format!("operation {}", record.name)));
                }
                l.operations.push(record);
            }
        }
        Ok(())
    }

    /// The store, with the endpoints and operations added stored last (and each location
    /// settled: `Store::settle_location`).
    pub(crate) fn finish(self) -> Result<Store, SnapshotError> {
        let mut store = self.store;
        for l in self.locations.into_values() {
            for record in l.endpoints {
                store.restore_endpoint(record);
            }
            store
                .settle_location(&l.name, &l.of_version, l.listed_outputs)
                .map_err(|job| {
                    SnapshotError::new(
                        format!("job {job} output"),
                        "its checkpoints are said to be its model version's, which does not exist",
                    )
                })?;
            for record in l.operations {
                store.restore_operation(record);
            }
        }
        Ok(store)
    }
}
