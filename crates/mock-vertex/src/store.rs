//! The emulator's data: tuning jobs, models and their versions, endpoints and operations, kept per
//! `projects/{p}/locations/{l}` namespace, plus the time-ordered index of pending job events.
//!
//! Every rule comes from `retune_model`: the store gathers facts, asks the model crate for a
//! decision, and applies it. Ids come from counters, so runs are deterministic. The store is a
//! private repository: its fields are its own, and callers (handlers, the admin controls, the
//! snapshot) go through its methods. By concept:
//!
//! - `records`: the stored records and the namespace of one location;
//! - `tuning_jobs`: creating, reading, listing and cancelling jobs;
//! - `events`: the scheduler of job events;
//! - `job_faults`: the faults a test writer attaches to jobs;
//! - `registration`: a succeeded job's tuned version (`retune_model::registry::new_version`);
//! - `models`: reading models and operations, deleting, merging aliases;
//! - `endpoints`: the endpoints of tuned versions (derived from them) and the others;
//! - `rendering`: a job's JSON and the bodies kept for polling clients.

mod changes;
mod consistency;
mod endpoints;
mod events;
mod job_faults;
mod models;
mod records;
mod registration;
mod rendering;
mod tuning_jobs;
mod versions;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use retune_model::Timestamp;
use retune_model::answer::{AnswerIndex, TrainingPair};
use retune_model::emulator_policy::{
    FIRST_ENDPOINT_ID, FIRST_JOB_ID, FIRST_MODEL_ID, FIRST_OPERATION_ID, Pace,
};
use retune_model::names::{LocationName, ModelName, TuningJobName, VersionId};
use retune_model::registry::{check_etag, model_etag, resolve_checkpoint};
use retune_model::request::ModelUpdate;
use retune_model::wire;

pub use changes::{Changes, RecordName};
pub use events::EventKey;
pub use job_faults::{EpochFailure, JobFaults};
pub use records::{
    CheckpointRecord, EndpointDisplayName, EndpointRecord, ModelRecord, OperationRecord,
    VersionLabels, VersionRecord,
};
pub use tuning_jobs::NewJob;

use crate::error::ApiError;
use crate::jobs::JobRecord;
use crate::projects::Projects;
use crate::state::JobSpeed;
use models::model_not_found;
use records::{Namespace, named_version, share_version_checkpoints};
use rendering::{RenderKey, RenderedJob};

/// All the emulator's data.
#[derive(Debug)]
pub struct Store {
    speed: JobSpeed,
    next_job: u64,
    next_model: u64,
    next_endpoint: u64,
    next_operation: u64,
    next_event: u64,
    spaces: HashMap<LocationName, Namespace>,
    events: BTreeMap<EventKey, TuningJobName>,
    /// Faults attached to jobs (failing at an epoch, held in `PENDING`).
    job_faults: BTreeMap<TuningJobName, JobFaults>,
    /// Faults for the next job created.
    next_job_faults: JobFaults,
    /// The data-set statistics of the last job stored: the next job with equal statistics
    /// shares them (tests and benchmarks create many jobs from the same data set).
    last_stats: Option<Arc<wire::TuningDataStats>>,
    /// The training pairs of the last job stored, shared the same way.
    last_training: Option<Arc<[TrainingPair]>>,
    /// The answer index last built for a version without a parent, with the training pairs it
    /// was built from: a version tuned from the same pairs shares it.
    last_answers: Option<(Arc<[TrainingPair]>, Arc<AnswerIndex>)>,
    /// Objects finished jobs write (evaluation results: `gs://` URI and contents), waiting for
    /// [`Store::take_pending_objects`] to hand them to the object store.
    pending_objects: Vec<(String, String)>,
    /// Encoded bodies of ended jobs recently read (see [`Store::encoded_job`]).
    rendered: HashMap<RenderKey, RenderedJob>,
    /// Whether [`changes`](Store::take_changes) are tracked (with `--data-dir`).
    tracking: bool,
    /// The changes since they were last taken.
    changes: Changes,
    /// The configured project numbers (names are stored with numbers: `crate::projects`).
    projects: Projects,
}

impl Store {
    /// Takes the objects finished jobs wrote since the last call.
    pub fn take_pending_objects(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.pending_objects)
    }

    /// An empty store whose jobs move at `speed`.
    pub fn new(speed: JobSpeed) -> Store {
        Store {
            speed,
            next_job: FIRST_JOB_ID,
            next_model: FIRST_MODEL_ID,
            next_endpoint: FIRST_ENDPOINT_ID,
            next_operation: FIRST_OPERATION_ID,
            next_event: 0,
            spaces: HashMap::new(),
            events: BTreeMap::new(),
            job_faults: BTreeMap::new(),
            next_job_faults: JobFaults::default(),
            last_stats: None,
            last_training: None,
            last_answers: None,
            pending_objects: Vec::new(),
            rendered: HashMap::new(),
            tracking: false,
            changes: Changes::default(),
            projects: Projects::default(),
        }
    }

    /// The project table.
    pub fn projects(&self) -> &Projects {
        &self.projects
    }

    /// The project table, to configure.
    pub fn projects_mut(&mut self) -> &mut Projects {
        &mut self.projects
    }

    /// Changes how fast jobs created from now on move (existing jobs keep their timelines).
    pub fn set_speed(&mut self, speed: JobSpeed) {
        self.speed = speed;
    }

    /// How fast jobs move.
    pub fn speed(&self) -> JobSpeed {
        self.speed
    }

    /// The `emulator_policy` pace of jobs created now.
    pub fn pace(&self) -> Pace {
        self.speed.pace()
    }

    /// The namespace of a location, if anything was ever stored there.
    fn space(&self, location: &LocationName) -> Option<&Namespace> {
        self.spaces.get(location)
    }

    /// Every location anything was ever stored in (in no particular order); what is stored
    /// there is read with [`jobs_in`](Store::jobs_in), [`models_in`](Store::models_in),
    /// [`endpoints_in`](Store::endpoints_in) and [`operations_in`](Store::operations_in).
    pub fn locations(&self) -> impl Iterator<Item = &LocationName> {
        self.spaces.keys()
    }

    fn space_mut(&mut self, location: &LocationName) -> &mut Namespace {
        self.spaces.entry(location.clone()).or_default()
    }

    /// `location` as the namespace's own key (made if missing): names built from it share the
    /// key's parts instead of holding their own copy of the parsed request path.
    fn shared_location(&mut self, location: &LocationName) -> LocationName {
        self.space_mut(location);
        self.spaces
            .get_key_value(location)
            .map_or_else(|| location.clone(), |(key, _)| key.clone())
    }

    /// Forgets everything under one location (jobs, models, endpoints, operations, their events
    /// and faults). Id counters keep counting.
    pub fn reset_location(&mut self, location: &LocationName) {
        self.spaces.remove(location);
        self.touch_cleared(location);
        self.rendered
            .retain(|(job, _, _), _| job.location_name() != location);
        self.events.retain(|_, job| job.location_name() != location);
        self.job_faults
            .retain(|job, _| job.location_name() != location);
    }

    // -----------------------------------------------------------------------------------------
    // Restoring a snapshot
    // -----------------------------------------------------------------------------------------

    /// The id counters.
    pub fn counters(&self) -> Counters {
        Counters {
            next_job: self.next_job,
            next_model: self.next_model,
            next_endpoint: self.next_endpoint,
            next_operation: self.next_operation,
            next_event: self.next_event,
        }
    }

    /// Sets the id counters (when restoring a snapshot).
    pub fn set_counters(&mut self, counters: Counters) {
        self.next_job = counters.next_job;
        self.next_model = counters.next_model;
        self.next_endpoint = counters.next_endpoint;
        self.next_operation = counters.next_operation;
        self.next_event = counters.next_event;
    }

    /// Makes the namespace of `location`, even if nothing is stored there.
    pub fn restore_location(&mut self, location: &LocationName) {
        self.space_mut(location);
    }

    /// Stores a job as a snapshot had it: its pending event (under its own key) and its faults
    /// come back with it, and its data-set statistics are shared as usual.
    pub fn restore_job(&mut self, mut job: JobRecord, faults: Option<JobFaults>) {
        job.data = self.share_stats(job.data);
        if let Some(key) = job.event {
            self.events.insert(key, job.name.clone());
        }
        if let Some(faults) = faults {
            self.job_faults.insert(job.name.clone(), faults);
        }
        self.put_job(job);
    }

    /// Stores a model (and its versions) as a snapshot had it.
    pub fn restore_model(&mut self, model: ModelRecord) {
        let location = model.name.location_name().clone();
        self.space_mut(&location)
            .models
            .insert(model.name.model_id().clone(), model);
    }

    /// After a snapshot's records of `location` are restored: the endpoints of tuned versions
    /// are derived from them where they can be ([`derive_tuned_endpoints`](Store::derive_tuned_endpoints)),
    /// the jobs of `of_version` get their version's checkpoint list, and (when `share_others`)
    /// any other succeeded job's list is shared with its version's when they are equal, as when
    /// the job registered it. `Err`: a job of `of_version` whose version does not exist.
    pub fn settle_location(
        &mut self,
        location: &LocationName,
        of_version: &[TuningJobName],
        share_others: bool,
    ) -> Result<(), TuningJobName> {
        self.derive_tuned_endpoints(location);
        let Some(space) = self.spaces.get_mut(location) else {
            return Ok(());
        };
        for name in of_version {
            let shared = space
                .jobs
                .get_mut(&name.tuning_job_id())
                .and_then(|job| job.output_mut())
                .is_some_and(|output| share_version_checkpoints(&space.models, output));
            if !shared {
                return Err(name.clone());
            }
        }
        if !share_others {
            return Ok(());
        }
        for model in space.models.values() {
            for version in model.versions() {
                let Some(name) = &version.job else {
                    continue;
                };
                let output = match space.jobs.get_mut(&name.tuning_job_id()) {
                    Some(job) if job.name == *name => match job.output_mut() {
                        Some(output) => output,
                        None => continue,
                    },
                    _ => continue,
                };
                if output.model.version_id() == Some(version.id)
                    && output.model.name() == model.name()
                    && output.checkpoints == version.checkpoints
                {
                    output.checkpoints = Arc::clone(&version.checkpoints);
                }
            }
        }
        Ok(())
    }

    /// Gives `job`'s output its version's checkpoint list, when the version is stored already
    /// (false: it is not, or the job has no output). A data directory's rows put a location's
    /// models before its jobs, so a start shares each job's list as the job is stored, not in
    /// [`settle_location`](Store::settle_location)'s serial pass at the end.
    pub(crate) fn share_version_checkpoints(&self, job: &mut JobRecord) -> bool {
        let Some(space) = self.space(job.name.location_name()) else {
            return false;
        };
        job.output_mut()
            .is_some_and(|output| share_version_checkpoints(&space.models, output))
    }

    /// Whether `job`'s output holds its version's checkpoint list (while the version exists):
    /// a data directory's row of the job then leaves the list out.
    pub(crate) fn output_shares_version_checkpoints(&self, job: &JobRecord) -> bool {
        let Some(output) = job.output() else {
            return false;
        };
        self.space(output.model.name().location_name())
            .and_then(|space| named_version(&space.models, &output.model))
            .is_some_and(|v| Arc::ptr_eq(&v.checkpoints, &output.checkpoints))
    }

    /// Stores an operation as a snapshot had it.
    pub fn restore_operation(&mut self, operation: OperationRecord) {
        let location = operation.name.location_name().clone();
        self.space_mut(&location)
            .operations
            .insert(operation.name.operation_id(), operation);
    }

    // -----------------------------------------------------------------------------------------
    // UpdateModel
    // -----------------------------------------------------------------------------------------

    /// Applies an UpdateModel (the fields its validator, `request::check_update_model`, decided
    /// to change) to the model (`version` = `None`) or to one version.
    pub fn update_model(
        &mut self,
        name: &ModelName,
        version: Option<VersionId>,
        update: &ModelUpdate,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        self.model(name)?;
        self.touch_model(name);
        let record = self.model_mut(name)?;
        let read = match version {
            Some(id) => record.versions.get(&id),
            None => record.select(None).ok(),
        }
        .map_or(record.updated, |v| record.update_time_of(v));
        check_etag(update.etag.as_deref(), &model_etag(read))
            .map_err(|e| ApiError::new(e.code(), format!("Model {name}: {e}")))?;
        match version {
            None => {
                if let Some(display_name) = &update.display_name {
                    record.display_name.clone_from(display_name);
                }
                if let Some(description) = &update.description {
                    record.description.clone_from(description);
                }
                if let Some(labels) = &update.labels {
                    record.labels.clone_from(labels);
                }
                record.updated = now;
            }
            Some(id) => {
                let model_name = record.name.clone();
                let version = record
                    .versions
                    .get_mut(&id)
                    .ok_or_else(|| model_not_found(&model_name))?;
                if let Some(requested) = &update.default_checkpoint {
                    let checkpoint = resolve_checkpoint(&version.entry(), Some(requested))
                        .map_err(|e| {
                            ApiError::new(e.code(), format!("Model {model_name}@{id}: {e}."))
                                .with_field_violations([(
                                    "model.default_checkpoint_id",
                                    e.to_string(),
                                )])
                        })?;
                    version.default_checkpoint = Some(checkpoint);
                }
                if let Some(description) = &update.version_description {
                    version.description.clone_from(description);
                }
                if let Some(labels) = &update.labels {
                    version.set_labels(labels.clone());
                }
                version.updated = now;
            }
        }
        Ok(())
    }
}

/// The store's id counters: the next id of each kind, and the next event sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// The next tuning job id.
    pub next_job: u64,
    /// The next model id.
    pub next_model: u64,
    /// The next endpoint id.
    pub next_endpoint: u64,
    /// The next operation id.
    pub next_operation: u64,
    /// The next event sequence number (ties between events due at the same time).
    pub next_event: u64,
}
