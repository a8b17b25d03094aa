//! The emulator's data: tuning jobs, models and their versions, endpoints and operations, kept per
//! `projects/{p}/locations/{l}` namespace, plus the time-ordered index of pending job events.
//!
//! Every rule comes from `retune_model`: the store gathers facts, asks the model crate for a
//! decision, and applies it. Ids come from counters, so runs are deterministic.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use retune_model::base_model::BaseModel;
use retune_model::checkpoints::{ScheduledCheckpoint, checkpoint_schedule};
use retune_model::continuous::{
    ContinuousTuningPlan, PreTunedModelFacts, TuningMethod, TuningOutcome, TuningProvenance,
};
use retune_model::job_state::{
    CANCELLED_ERROR_CODE, JobProgress, JobState, progress_after_steps, request_cancel,
};
use retune_model::names::{
    CheckpointId, EndpointId, EndpointName, KmsKeyName, LocationName, ModelId, ModelName, ModelRef,
    OperationId, OperationName, OperationParent, TuningJobId, TuningJobName, VersionAlias,
    VersionId, VersionSelector,
};
use retune_model::proto_enum::ProtoEnum;
use retune_model::registry::{
    AliasChange, VersionEntry, check_model_deletion, check_version_deletion, merge_version_aliases,
    next_version_id, resolve_checkpoint, select_version,
};
use retune_model::wire::{self, EnumEncoding};
use retune_model::{Code, Timestamp};

use bytes::Bytes;

use crate::error::ApiError;
use crate::jobs::{DataOutcome, JobRecord, Phase, TunedOutput, cancel_delay, experiment_name};
use crate::routes::ApiVersion;
use crate::state::JobSpeed;

/// The label every tuned model carries with its tuning method (`sft`).
pub const LABEL_TUNE_TYPE: &str = "tune-type";
/// The label holding the root base model id, as a label value (`gemini-2_5-flash`).
pub const LABEL_BASE_MODEL: &str = "google-vertex-llm-tuning-base-model-id";
/// The label holding the id of the tuning job that produced the version.
pub const LABEL_JOB_ID: &str = "google-vertex-llm-tuning-job-id";

/// First ids handed out, per kind. Ids of one kind have the same number of digits for a long
/// time, so their string order is their creation order.
const FIRST_JOB_ID: u64 = 1_000_000_000_000_001;
const FIRST_MODEL_ID: u64 = 2_000_000_000_000_001;
const FIRST_ENDPOINT_ID: u64 = 3_000_000_000_000_001;
const FIRST_OPERATION_ID: u64 = 4_000_000_000_000_001;

/// One exported checkpoint of a model version.
#[derive(Debug, Clone)]
pub struct CheckpointRecord {
    /// `"1"`, `"2"`, ... (restarting at 1 in every version).
    pub id: CheckpointId,
    /// The epoch it belongs to.
    pub epoch: u64,
    /// The step it was saved after.
    pub step: u64,
    /// The endpoint serving it.
    pub endpoint: EndpointName,
}

/// One version of a model.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    /// `versionId`.
    pub id: VersionId,
    /// `versionAliases`.
    pub aliases: Vec<VersionAlias>,
    /// `versionDescription`.
    pub description: String,
    /// Version-level labels (the system labels and the job's user labels).
    pub labels: BTreeMap<String, String>,
    /// `versionCreateTime`.
    pub created: Timestamp,
    /// `versionUpdateTime`.
    pub updated: Timestamp,
    /// The checkpoints, in order.
    pub checkpoints: Vec<CheckpointRecord>,
    /// `defaultCheckpointId`.
    pub default_checkpoint: Option<CheckpointId>,
    /// How the version was produced (`None`: not by tuning).
    pub provenance: Option<TuningProvenance>,
    /// The tuning job that produced it.
    pub job: Option<TuningJobName>,
    /// The CMEK key.
    pub kms_key: Option<KmsKeyName>,
}

impl VersionRecord {
    /// The view the registry rules take of this version.
    ///
    /// Tuned versions are served by endpoints the tuning service manages (one per checkpoint);
    /// those do not count as deployments that block deletion, and deleting the version deletes
    /// them. So `deployed` is false here.
    pub fn entry(&self) -> VersionEntry {
        VersionEntry::new(self.id)
            .with_aliases(self.aliases.clone())
            .with_checkpoints(
                self.checkpoints.iter().map(|c| c.id).collect(),
                self.default_checkpoint,
            )
            .with_deployed(false)
    }

    /// The endpoint of the default checkpoint (else the last one).
    pub fn default_endpoint(&self) -> Option<&EndpointName> {
        self.checkpoints
            .iter()
            .find(|c| Some(c.id) == self.default_checkpoint)
            .or_else(|| self.checkpoints.last())
            .map(|c| &c.endpoint)
    }
}

/// A model and its versions.
#[derive(Debug, Clone)]
pub struct ModelRecord {
    /// The model's name.
    pub name: ModelName,
    /// `displayName`.
    pub display_name: String,
    /// `description`.
    pub description: String,
    /// Model-level labels (merged under the version's on read).
    pub labels: BTreeMap<String, String>,
    /// `createTime`.
    pub created: Timestamp,
    /// `updateTime`.
    pub updated: Timestamp,
    /// The versions.
    pub versions: BTreeMap<VersionId, VersionRecord>,
    /// The highest version id ever issued (never reused).
    pub highest_version: Option<VersionId>,
}

impl ModelRecord {
    /// The registry's view of every version.
    pub fn entries(&self) -> Vec<VersionEntry> {
        self.versions.values().map(VersionRecord::entry).collect()
    }

    /// The version a selector names (`None` = the version holding `default`).
    pub fn select(&self, selector: Option<&VersionSelector>) -> Result<&VersionRecord, ApiError> {
        let entries = self.entries();
        let id = select_version(&entries, selector)
            .map(|e| e.id)
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", self.name)))?;
        self.versions
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("Model {}@{id} not found.", self.name)))
    }

    /// The facts continuous tuning needs.
    pub fn facts(&self) -> PreTunedModelFacts {
        PreTunedModelFacts {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            versions: self.entries(),
            provenance: self
                .versions
                .values()
                .filter_map(|v| v.provenance.clone().map(|p| (v.id, p)))
                .collect(),
        }
    }
}

/// An endpoint a tuning job created for one checkpoint.
#[derive(Debug, Clone)]
pub struct EndpointRecord {
    /// The endpoint's name.
    pub name: EndpointName,
    /// `displayName`.
    pub display_name: String,
    /// The model deployed on it.
    pub model: ModelName,
    /// The version deployed on it.
    pub version: VersionId,
    /// The checkpoint deployed on it.
    pub checkpoint: CheckpointId,
    /// `createTime`.
    pub created: Timestamp,
    /// `labels` (the job's).
    pub labels: BTreeMap<String, String>,
    /// The CMEK key.
    pub kms_key: Option<KmsKeyName>,
}

/// A finished long-running operation (the emulator's operations finish at once).
#[derive(Debug, Clone)]
pub struct OperationRecord {
    /// The operation's name.
    pub name: OperationName,
    /// When it was created (and finished).
    pub created: Timestamp,
}

impl OperationRecord {
    /// The JSON shape.
    pub fn render(&self) -> wire::Operation {
        wire::Operation::deleted(
            self.name.to_string(),
            wire::GenericOperationMetadata {
                create_time: Some(self.created),
                update_time: Some(self.created),
                ..wire::GenericOperationMetadata::default()
            },
        )
    }
}

/// Everything under one `projects/{p}/locations/{l}`.
#[derive(Debug, Default)]
pub struct Namespace {
    /// Tuning jobs by id (ids grow with creation, so reverse order is newest first).
    pub jobs: BTreeMap<TuningJobId, JobRecord>,
    /// Models by id.
    pub models: BTreeMap<ModelId, ModelRecord>,
    /// Endpoints by id.
    pub endpoints: BTreeMap<EndpointId, EndpointRecord>,
    /// Operations by id.
    pub operations: BTreeMap<OperationId, OperationRecord>,
}

/// The key of a pending job event in the index: when, and a sequence number for ties.
pub type EventKey = (Timestamp, u64);

/// All the emulator's data.
#[derive(Debug)]
pub struct Store {
    pub(crate) speed: JobSpeed,
    pub(crate) next_job: u64,
    pub(crate) next_model: u64,
    pub(crate) next_endpoint: u64,
    pub(crate) next_operation: u64,
    pub(crate) next_event: u64,
    pub(crate) spaces: HashMap<LocationName, Namespace>,
    pub(crate) events: BTreeMap<EventKey, TuningJobName>,
    /// Faults attached to jobs (failing at an epoch, held in `PENDING`).
    pub(crate) job_faults: BTreeMap<TuningJobName, JobFaults>,
    /// Faults for the next job created.
    pub(crate) next_job_faults: JobFaults,
    /// The data-set statistics of the last job stored: the next job with equal statistics
    /// shares them (tests and benchmarks create many jobs from the same data set).
    pub(crate) last_stats: Option<Arc<wire::SupervisedTuningDataStats>>,
    /// Encoded bodies of ended jobs recently read (see [`Store::encoded_job`]).
    rendered: HashMap<RenderKey, RenderedJob>,
}

/// How many encoded job bodies [`Store::encoded_job`] keeps (about 3.5 KB each); when full, it
/// starts over.
const RENDERED_CAPACITY: usize = 256;

/// A job's encoded body is specific to the API version and the enum encoding.
type RenderKey = (TuningJobName, ApiVersion, EnumEncoding);

/// The encoded body of an ended job, and the one thing shown in it that can still change: the
/// endpoint of its tuned version's default checkpoint.
#[derive(Debug)]
struct RenderedJob {
    default_endpoint: Option<EndpointName>,
    body: Bytes,
}

/// How long a held job's `PENDING` phase lasts until it is released (about 100 years).
pub const HOLD_PENDING: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// A job failure injected at an epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochFailure {
    /// The job fails once it has completed this many epochs (clamped to its epoch count: then it
    /// fails as tuning ends, before post-processing). 0 fails it as tuning starts.
    pub epoch: u64,
    /// The `error.code` of the failed job.
    pub code: Code,
    /// The `error.message` of the failed job.
    pub message: String,
}

/// The faults attached to one job (or to the next job created).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFaults {
    /// Held in `PENDING` until released.
    pub held: bool,
    /// Fails at an epoch.
    pub fail_at_epoch: Option<EpochFailure>,
}

impl JobFaults {
    /// Whether nothing is attached.
    pub fn is_empty(&self) -> bool {
        *self == JobFaults::default()
    }
}

/// What a new tuning job is, once its request has been checked.
#[derive(Debug)]
pub struct NewJob {
    /// The request as received (input fields only).
    pub request: wire::TuningJob,
    /// The root base model.
    pub base_model: &'static BaseModel,
    /// The continuous-tuning plan, if any.
    pub plan: Option<ContinuousTuningPlan>,
    /// The phases.
    pub timeline: retune_model::job_state::JobTimeline,
    /// `exportLastCheckpointOnly`.
    pub export_last_checkpoint_only: bool,
    /// The data-set outcome.
    pub data: DataOutcome,
    /// The CMEK key.
    pub kms_key: Option<KmsKeyName>,
}

fn job_not_found(name: &TuningJobName) -> ApiError {
    ApiError::not_found(format!("TuningJob {name} not found."))
}

fn model_not_found(name: &ModelName) -> ApiError {
    ApiError::not_found(format!("Model {name} not found."))
}

impl Store {
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
            rendered: HashMap::new(),
        }
    }

    /// The same statistics, shared with the last job's when they are equal.
    pub(crate) fn share_stats(&mut self, data: DataOutcome) -> DataOutcome {
        let DataOutcome::Valid(stats) = data else {
            return data;
        };
        match &self.last_stats {
            Some(last) if **last == *stats => DataOutcome::Valid(Arc::clone(last)),
            _ => {
                self.last_stats = Some(Arc::clone(&stats));
                DataOutcome::Valid(stats)
            }
        }
    }

    /// Changes how fast jobs created from now on move (existing jobs keep their timelines).
    pub fn set_speed(&mut self, speed: JobSpeed) {
        self.speed = speed;
    }

    /// How fast jobs move.
    pub fn speed(&self) -> JobSpeed {
        self.speed
    }

    /// The namespace of a location, if anything was ever stored there.
    pub fn space(&self, location: &LocationName) -> Option<&Namespace> {
        self.spaces.get(location)
    }

    pub(crate) fn space_mut(&mut self, location: &LocationName) -> &mut Namespace {
        self.spaces.entry(location.clone()).or_default()
    }

    /// `location` as the namespace's own key (made if missing): names built from it share the
    /// key's parts instead of holding their own copy of the parsed request path.
    pub(crate) fn shared_location(&mut self, location: &LocationName) -> LocationName {
        self.space_mut(location);
        self.spaces
            .get_key_value(location)
            .map_or_else(|| location.clone(), |(key, _)| key.clone())
    }

    /// How many job events are pending.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    // -----------------------------------------------------------------------------------------
    // Events
    // -----------------------------------------------------------------------------------------

    /// Fires every job event due at or before `now`, in time order. Cost: the due events only.
    pub fn advance(&mut self, now: Timestamp) {
        while let Some(entry) = self.events.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((at, _), job) = entry.remove_entry();
            self.fire(&job, at);
        }
    }

    pub(crate) fn schedule(&mut self, job: &TuningJobName, at: Timestamp) -> EventKey {
        let key = (at, self.next_event);
        self.next_event += 1;
        self.events.insert(key, job.clone());
        key
    }

    fn fire(&mut self, name: &TuningJobName, at: Timestamp) {
        let location = name.location_name().clone();
        let failure = self
            .job(name)
            .ok()
            .filter(|job| matches!(job.phase, Phase::Scheduled))
            .and_then(|job| self.fails_now(job, at));
        let Some(job) = self
            .spaces
            .get_mut(&location)
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()))
        else {
            return;
        };
        job.event = None;
        match job.phase.clone() {
            Phase::Cancelling { progress, .. } => {
                job.phase = Phase::Ended {
                    state: JobState::Cancelled,
                    at,
                    progress,
                    error: Some(wire::Status {
                        code: CANCELLED_ERROR_CODE.number(),
                        message: "CANCELLED".to_owned(),
                        ..wire::Status::default()
                    }),
                    output: None,
                };
            }
            Phase::Scheduled if failure.is_some() => {
                if let Some((progress, error)) = failure {
                    job.phase = Phase::Ended {
                        state: JobState::Failed,
                        at,
                        progress,
                        error: Some(error),
                        output: None,
                    };
                }
            }
            Phase::Scheduled => match &job.data {
                DataOutcome::Invalid(status) => {
                    job.phase = Phase::Ended {
                        state: JobState::Failed,
                        at,
                        progress: job.progress_at(at),
                        error: Some(status.clone()),
                        output: None,
                    };
                }
                DataOutcome::Valid(_) => {
                    let job = job.clone();
                    let phase = match self.register_tuned_model(&job, at) {
                        Ok(output) => Phase::Ended {
                            state: JobState::Succeeded,
                            at,
                            progress: job.progress_at(at),
                            error: None,
                            output: Some(Box::new(output)),
                        },
                        Err(err) => Phase::Ended {
                            state: JobState::Failed,
                            at,
                            progress: job.progress_at(at),
                            error: Some(wire::Status {
                                code: err.code().number(),
                                message: err.message().to_owned(),
                                ..wire::Status::default()
                            }),
                            output: None,
                        },
                    };
                    if let Some(stored) = self
                        .spaces
                        .get_mut(&location)
                        .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()))
                    {
                        stored.phase = phase;
                    }
                }
            },
            Phase::Ended { .. } => {}
        }
    }

    // -----------------------------------------------------------------------------------------
    // Tuning jobs
    // -----------------------------------------------------------------------------------------

    /// Stores a new job created at `now` and schedules its end; returns its name. Its data-set
    /// statistics are shared with the previous job's when they are equal.
    pub fn insert_job(
        &mut self,
        parent: &LocationName,
        new: NewJob,
        now: Timestamp,
    ) -> TuningJobName {
        let id = TuningJobId::from_number(self.next_job);
        self.next_job += 1;
        let name = TuningJobName::new(self.shared_location(parent), id);
        let mut record = JobRecord {
            name: name.clone(),
            request: new.request.into(),
            base_model: new.base_model,
            continuation: new
                .plan
                .map(|plan| Box::new(crate::jobs::Continuation { plan })),
            created: now,
            timeline: new.timeline,
            export_last_checkpoint_only: new.export_last_checkpoint_only,
            data: self.share_stats(new.data),
            kms_key: new.kms_key.map(Box::new),
            phase: Phase::Scheduled,
            event: None,
        };
        let faults = std::mem::take(&mut self.next_job_faults);
        if !faults.is_empty() {
            if faults.held {
                record.timeline.pending = HOLD_PENDING;
            }
            self.job_faults.insert(name.clone(), faults);
        }
        record.event = self
            .next_event_at(&record)
            .map(|at| self.schedule(&name, at));
        self.put_job(record);
        name
    }

    /// Stores a job record under its name. Ids come from a counter, so a job is replaced only
    /// after importing a snapshot whose counters are behind its jobs: then the encoded bodies
    /// kept by [`encoded_job`](Store::encoded_job) are dropped.
    pub(crate) fn put_job(&mut self, record: JobRecord) {
        let location = record.name.location_name().clone();
        let id = record.name.tuning_job_id();
        if self.space_mut(&location).jobs.insert(id, record).is_some() {
            self.rendered.clear();
        }
    }

    // -----------------------------------------------------------------------------------------
    // Job faults
    // -----------------------------------------------------------------------------------------

    /// When a job failing at `epoch` fails.
    pub fn epoch_failure_time(job: &JobRecord, epoch: u64) -> Timestamp {
        let t = &job.timeline;
        let steps = epoch.saturating_mul(t.steps_per_epoch).min(t.total_steps());
        let nanos = t
            .pending
            .as_nanos()
            .saturating_add(t.processing_dataset.as_nanos())
            .saturating_add(
                t.tuning_per_step
                    .as_nanos()
                    .saturating_mul(u128::from(steps)),
            );
        let nanos = i128::try_from(nanos).unwrap_or(i128::MAX);
        Timestamp::from_unix_nanos(job.created.unix_nanos().saturating_add(nanos))
    }

    /// The progress and error of a job whose injected failure is due at `at`.
    fn fails_now(&self, job: &JobRecord, at: Timestamp) -> Option<(JobProgress, wire::Status)> {
        let failure = self.job_faults.get(&job.name)?.fail_at_epoch.as_ref()?;
        if !matches!(job.data, DataOutcome::Valid(_))
            || at < Store::epoch_failure_time(job, failure.epoch)
        {
            return None;
        }
        let steps = failure.epoch.saturating_mul(job.timeline.steps_per_epoch);
        let progress = progress_after_steps(&job.timeline, steps);
        let error = wire::Status {
            code: failure.code.number(),
            message: failure.message.clone(),
            ..wire::Status::default()
        };
        Some((progress, error))
    }

    /// When a job's next event is due: its end, its data failure, or its injected failure;
    /// `None` while it is held.
    pub fn next_event_at(&self, job: &JobRecord) -> Option<Timestamp> {
        let faults = self.job_faults.get(&job.name);
        if faults.is_some_and(|f| f.held) {
            return None;
        }
        Some(match job.data {
            DataOutcome::Invalid(_) => job.data_processed_at(),
            DataOutcome::Valid(_) => {
                let end = job.succeeds_at();
                match faults.and_then(|f| f.fail_at_epoch.as_ref()) {
                    Some(f) => end.min(Store::epoch_failure_time(job, f.epoch)),
                    None => end,
                }
            }
        })
    }

    /// The next time a job's state changes by itself (starting to run, or its next event).
    pub fn next_change(&self, job: &JobRecord, now: Timestamp) -> Option<Timestamp> {
        let event = job.event.map(|(at, _)| at);
        let start = job.created.saturating_add(job.timeline.started_after());
        match (&job.phase, event) {
            (Phase::Scheduled, Some(at)) if start > now => Some(at.min(start)),
            (_, event) => event,
        }
    }

    fn job_mut(&mut self, name: &TuningJobName) -> Result<&mut JobRecord, ApiError> {
        self.spaces
            .get_mut(name.location_name())
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()))
            .ok_or_else(|| job_not_found(name))
    }

    /// Replaces a job's pending event by the one its faults and timeline call for (only while
    /// it follows its timeline: a cancelling job keeps its cancel event).
    fn reschedule(&mut self, name: &TuningJobName) -> Result<(), ApiError> {
        let job = self.job(name)?;
        if !matches!(job.phase, Phase::Scheduled) {
            return Ok(());
        }
        let due = self.next_event_at(job);
        let old = self.job_mut(name)?.event.take();
        if let Some(key) = old {
            self.events.remove(&key);
        }
        let key = due.map(|at| self.schedule(name, at));
        self.job_mut(name)?.event = key;
        Ok(())
    }

    fn scheduled_job(&self, name: &TuningJobName, now: Timestamp) -> Result<&JobRecord, ApiError> {
        let job = self.job(name)?;
        if !matches!(job.phase, Phase::Scheduled) {
            let state = job.view(now).progress.state;
            return Err(ApiError::failed_precondition(format!(
                "TuningJob {name} is {}; faults attach to jobs that are still pending or running.",
                state.proto_name()
            )));
        }
        Ok(job)
    }

    /// Makes a job fail once it has completed `failure.epoch` epochs.
    pub fn fail_job_at_epoch(
        &mut self,
        name: &TuningJobName,
        failure: EpochFailure,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let job = self.scheduled_job(name, now)?;
        let at = Store::epoch_failure_time(job, failure.epoch);
        if at < now {
            return Err(ApiError::failed_precondition(format!(
                "TuningJob {name} is already past epoch {} (it was reached at {at}).",
                failure.epoch
            )));
        }
        self.job_faults
            .entry(name.clone())
            .or_default()
            .fail_at_epoch = Some(failure);
        self.reschedule(name)
    }

    /// Holds a pending job in `PENDING` until [`release_job`](Store::release_job).
    pub fn hold_job(&mut self, name: &TuningJobName, now: Timestamp) -> Result<(), ApiError> {
        let job = self.scheduled_job(name, now)?;
        let state = job.view(now).progress.state;
        if state != JobState::Pending {
            return Err(ApiError::failed_precondition(format!(
                "TuningJob {name} is {}; only a PENDING job can be held.",
                state.proto_name()
            )));
        }
        self.job_faults.entry(name.clone()).or_default().held = true;
        self.job_mut(name)?.timeline.pending = HOLD_PENDING;
        self.reschedule(name)
    }

    /// Releases a held job: it starts running now and follows the rest of its timeline.
    pub fn release_job(&mut self, name: &TuningJobName, now: Timestamp) -> Result<(), ApiError> {
        let held = self.job_faults.get(name).is_some_and(|f| f.held);
        if !held {
            self.job(name)?;
            return Err(ApiError::failed_precondition(format!(
                "TuningJob {name} is not held."
            )));
        }
        if let Some(faults) = self.job_faults.get_mut(name) {
            faults.held = false;
            if faults.is_empty() {
                self.job_faults.remove(name);
            }
        }
        let job = self.job_mut(name)?;
        if matches!(job.phase, Phase::Scheduled) {
            job.timeline.pending = now.duration_since(job.created);
        }
        self.reschedule(name)
    }

    /// Faults to attach to the next job created (merged with those already waiting).
    pub fn fault_next_job(&mut self, faults: JobFaults) {
        if faults.held {
            self.next_job_faults.held = true;
        }
        if faults.fail_at_epoch.is_some() {
            self.next_job_faults.fail_at_epoch = faults.fail_at_epoch;
        }
    }

    /// Removes every job fault: held jobs are released (at `now`), injected failures dropped.
    pub fn clear_job_faults(&mut self, now: Timestamp) {
        let held: Vec<TuningJobName> = self
            .job_faults
            .iter()
            .filter(|(_, f)| f.held)
            .map(|(n, _)| n.clone())
            .collect();
        for name in held {
            // The job exists: faults are removed with their jobs.
            let _released = self.release_job(&name, now);
        }
        let names: Vec<TuningJobName> = self.job_faults.keys().cloned().collect();
        self.job_faults.clear();
        for name in names {
            let _rescheduled = self.reschedule(&name);
        }
        self.next_job_faults = JobFaults::default();
    }

    // -----------------------------------------------------------------------------------------
    // Reset
    // -----------------------------------------------------------------------------------------

    /// Forgets everything under one location (jobs, models, endpoints, operations, their events
    /// and faults). Id counters keep counting.
    pub fn reset_location(&mut self, location: &LocationName) {
        self.spaces.remove(location);
        self.rendered
            .retain(|(job, _, _), _| job.location_name() != location);
        self.events.retain(|_, job| job.location_name() != location);
        self.job_faults
            .retain(|job, _| job.location_name() != location);
    }

    /// The job called `name`.
    pub fn job(&self, name: &TuningJobName) -> Result<&JobRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.jobs.get(&name.tuning_job_id()))
            .ok_or_else(|| job_not_found(name))
    }

    /// Renders a job, with `tunedModel.endpoint` following the version's current default
    /// checkpoint.
    pub fn render_job(
        &self,
        job: &JobRecord,
        now: Timestamp,
        version: ApiVersion,
    ) -> wire::TuningJob {
        let mut rendered = job.render(now, version);
        if let (
            Some(tuned),
            Phase::Ended {
                output: Some(output),
                ..
            },
        ) = (rendered.tuned_model.as_mut(), &job.phase)
            && let Some(endpoint) = self.current_default_endpoint(&output.model)
        {
            tuned.endpoint = endpoint.to_string();
        }
        rendered
    }

    /// A job's JSON body, as [`render_job`](Store::render_job) then `wire::encode` give it.
    ///
    /// An ended job no longer changes, except for `tunedModel.endpoint`, which follows its
    /// version's default checkpoint; so its body is kept and reused while that endpoint stays the
    /// same (a polling client reads the same ended job again and again).
    pub fn encoded_job(
        &mut self,
        name: &TuningJobName,
        now: Timestamp,
        version: ApiVersion,
        enums: EnumEncoding,
    ) -> Result<Bytes, ApiError> {
        let job = self.job(name)?;
        let Phase::Ended { output, .. } = &job.phase else {
            return Ok(Bytes::from(wire::encode(
                &self.render_job(job, now, version),
                enums,
            )));
        };
        let default_endpoint = output
            .as_ref()
            .and_then(|o| self.current_default_endpoint(&o.model));
        let key = (name.clone(), version, enums);
        if let Some(cached) = self.rendered.get(&key)
            && cached.default_endpoint.as_ref() == default_endpoint
        {
            return Ok(cached.body.clone());
        }
        let default_endpoint = default_endpoint.cloned();
        let body = Bytes::from(wire::encode(&self.render_job(job, now, version), enums));
        if self.rendered.len() >= RENDERED_CAPACITY {
            self.rendered.clear();
        }
        self.rendered.insert(
            key,
            RenderedJob {
                default_endpoint,
                body: body.clone(),
            },
        );
        Ok(body)
    }

    fn current_default_endpoint(&self, model: &ModelRef) -> Option<&EndpointName> {
        let record = self
            .spaces
            .get(model.name().location_name())?
            .models
            .get(model.name().model_id())?;
        let Some(VersionSelector::Id(id)) = model.selector() else {
            return None;
        };
        record.versions.get(id)?.default_endpoint()
    }

    /// Requests cancellation of a job at `now` (`retune_model::job_state::request_cancel`).
    pub fn cancel_job(&mut self, name: &TuningJobName, now: Timestamp) -> Result<(), ApiError> {
        let delay = cancel_delay(self.speed);
        let job = self
            .spaces
            .get_mut(name.location_name())
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()))
            .ok_or_else(|| job_not_found(name))?;
        let view = job.view(now);
        let outcome = request_cancel(view.progress.state)
            .map_err(|e| ApiError::new(e.code(), format!("{e} (TuningJob {name})")))?;
        if !outcome.changed() {
            return Ok(());
        }
        let old_event = job.event.take();
        job.phase = Phase::Cancelling {
            at: now,
            progress: view.progress,
        };
        if let Some(key) = old_event {
            self.events.remove(&key);
        }
        let key = self.schedule(name, now.saturating_add(delay));
        if let Some(job) = self
            .spaces
            .get_mut(name.location_name())
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()))
        {
            job.event = Some(key);
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Registering a tuned model
    // -----------------------------------------------------------------------------------------

    pub(crate) fn new_endpoint_id(&mut self) -> EndpointId {
        let id = EndpointId::from_number(self.next_endpoint);
        self.next_endpoint += 1;
        id
    }

    pub(crate) fn new_model_id(&mut self) -> ModelId {
        let id = ModelId::from_number(self.next_model);
        self.next_model += 1;
        id
    }

    /// On success: adds the tuned version (to its parent, or as a new model), one endpoint per
    /// checkpoint, and returns the job's outputs.
    pub(crate) fn register_tuned_model(
        &mut self,
        job: &JobRecord,
        at: Timestamp,
    ) -> Result<TunedOutput, ApiError> {
        let location = job.name.location_name().clone();
        let epochs = job.timeline.epochs;
        let schedule: Vec<ScheduledCheckpoint> = checkpoint_schedule(
            epochs,
            job.timeline.steps_per_epoch,
            job.export_last_checkpoint_only,
        );
        let outcome = match &job.continuation {
            Some(c) => c.plan.outcome.clone(),
            None => TuningOutcome::NewModel {
                display_name: default_display_name(job),
            },
        };

        // Where the version goes, and its id.
        let (model_name, version_id) = match &outcome {
            TuningOutcome::NewVersion { parent } => {
                let record = self
                    .spaces
                    .get_mut(&location)
                    .and_then(|s| s.models.get_mut(parent.model_id()))
                    .ok_or_else(|| {
                        ApiError::failed_precondition(format!(
                            "The parent model {parent} was deleted while the job ran."
                        ))
                    })?;
                let id = next_version_id(record.highest_version);
                record.highest_version = Some(id);
                (parent.clone(), id)
            }
            TuningOutcome::NewModel { display_name } => {
                let id = self.new_model_id();
                let name = ModelName::new(location.clone(), id.clone());
                let version = next_version_id(None);
                self.space_mut(&location).models.insert(
                    id,
                    ModelRecord {
                        name: name.clone(),
                        display_name: display_name.clone(),
                        description: job.request.description.clone(),
                        labels: BTreeMap::new(),
                        created: at,
                        updated: at,
                        versions: BTreeMap::new(),
                        highest_version: Some(version),
                    },
                );
                (name, version)
            }
        };

        let mut labels = job.request.labels.clone();
        labels.insert(LABEL_TUNE_TYPE.to_owned(), "sft".to_owned());
        labels.insert(LABEL_BASE_MODEL.to_owned(), job.base_model.label_value());
        labels.insert(
            LABEL_JOB_ID.to_owned(),
            job.name.tuning_job_id().to_string(),
        );

        let mut checkpoints = Vec::with_capacity(schedule.len());
        let mut outputs = Vec::with_capacity(schedule.len());
        for c in &schedule {
            let endpoint = EndpointName::new(location.clone(), self.new_endpoint_id());
            let checkpoint = CheckpointId::from_number(u64::from(c.id));
            self.space_mut(&location).endpoints.insert(
                endpoint.endpoint_id().clone(),
                EndpointRecord {
                    name: endpoint.clone(),
                    display_name: format!("{}-checkpoint-{}", job.name.tuning_job_id(), c.id),
                    model: model_name.clone(),
                    version: version_id,
                    checkpoint,
                    created: at,
                    labels: job.request.labels.clone(),
                    kms_key: job.kms_key.as_deref().cloned(),
                },
            );
            checkpoints.push(CheckpointRecord {
                id: checkpoint,
                epoch: c.epoch,
                step: c.step,
                endpoint: endpoint.clone(),
            });
            outputs.push((*c, endpoint));
        }
        let default_checkpoint = retune_model::checkpoints::default_checkpoint(&schedule)
            .map(|c| CheckpointId::from_number(u64::from(c.id)));

        let version = VersionRecord {
            id: version_id,
            aliases: if version_id == VersionId::FIRST {
                vec![VersionAlias::DEFAULT]
            } else {
                Vec::new()
            },
            description: String::new(),
            labels,
            created: at,
            updated: at,
            checkpoints,
            default_checkpoint,
            provenance: Some(TuningProvenance {
                method: TuningMethod::Supervised,
                finished_at: at,
                root_base_model: job.base_model,
                kms_key: job.kms_key.as_deref().cloned(),
            }),
            job: Some(job.name.clone()),
            kms_key: job.kms_key.as_deref().cloned(),
        };
        if let Some(model) = self
            .spaces
            .get_mut(&location)
            .and_then(|s| s.models.get_mut(model_name.model_id()))
        {
            model.updated = at;
            model.versions.insert(version_id, version);
        }

        Ok(TunedOutput {
            model: model_name.at_version(version_id),
            checkpoints: outputs,
            list_checkpoints: !job.export_last_checkpoint_only,
            experiment: experiment_name(&job.name, job.created),
        })
    }

    // -----------------------------------------------------------------------------------------
    // Models
    // -----------------------------------------------------------------------------------------

    /// The model called `name`.
    pub fn model(&self, name: &ModelName) -> Result<&ModelRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.models.get(name.model_id()))
            .ok_or_else(|| model_not_found(name))
    }

    fn model_mut(&mut self, name: &ModelName) -> Result<&mut ModelRecord, ApiError> {
        self.spaces
            .get_mut(name.location_name())
            .and_then(|s| s.models.get_mut(name.model_id()))
            .ok_or_else(|| model_not_found(name))
    }

    fn new_operation(&mut self, parent: OperationParent, now: Timestamp) -> OperationRecord {
        let id = OperationId::from_number(self.next_operation);
        self.next_operation += 1;
        let location = parent.location_name().clone();
        let record = OperationRecord {
            name: OperationName::new(parent, id),
            created: now,
        };
        self.space_mut(&location)
            .operations
            .insert(id, record.clone());
        record
    }

    fn remove_endpoints(&mut self, model: &ModelName, version: Option<VersionId>) {
        if let Some(space) = self.spaces.get_mut(model.location_name()) {
            space
                .endpoints
                .retain(|_, e| !(e.model == *model && version.is_none_or(|v| v == e.version)));
        }
    }

    /// Deletes a model (`registry::check_model_deletion`) and its managed endpoints.
    pub fn delete_model(
        &mut self,
        model: &ModelRef,
        now: Timestamp,
    ) -> Result<OperationRecord, ApiError> {
        if model.selector().is_some() {
            return Err(ApiError::invalid_argument(format!(
                "DeleteModel takes a model name without a version, such as {}; use \
                 :deleteVersion to delete one version.",
                model.name()
            )));
        }
        let record = self.model(model.name())?;
        check_model_deletion(&record.entries())
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", model.name())))?;
        let name = model.name().clone();
        self.remove_endpoints(&name, None);
        if let Some(space) = self.spaces.get_mut(name.location_name()) {
            space.models.remove(name.model_id());
        }
        Ok(self.new_operation(OperationParent::Location(name.location_name().clone()), now))
    }

    /// Deletes one version (`registry::check_version_deletion`) and its managed endpoints.
    pub fn delete_version(
        &mut self,
        model: &ModelRef,
        now: Timestamp,
    ) -> Result<OperationRecord, ApiError> {
        let record = self.model(model.name())?;
        let id = check_version_deletion(&record.entries(), model.selector())
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", model.name())))?;
        let name = model.name().clone();
        self.remove_endpoints(&name, Some(id));
        let record = self.model_mut(&name)?;
        record.versions.remove(&id);
        record.updated = now;
        Ok(self.new_operation(OperationParent::Model(name), now))
    }

    /// Merges alias changes into the version `model` names (which must be an explicit id).
    pub fn merge_aliases(
        &mut self,
        model: &ModelRef,
        changes: &[AliasChange],
        now: Timestamp,
    ) -> Result<VersionId, ApiError> {
        let Some(VersionSelector::Id(target)) = model.selector() else {
            return Err(ApiError::invalid_argument(format!(
                "MergeVersionAliases needs a model name with an explicit version id, such as \
                 {}@1; found {model}.",
                model.name()
            )));
        };
        let target = *target;
        let record = self.model_mut(model.name())?;
        let assignment = merge_version_aliases(&record.entries(), target, changes)
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", record.name)))?;
        for (id, aliases) in assignment {
            if let Some(version) = record.versions.get_mut(&id)
                && version.aliases != aliases
            {
                version.aliases = aliases;
                version.updated = now;
            }
        }
        Ok(target)
    }

    /// Applies an UpdateModel to the model (`version` = `None`) or to one version.
    pub fn update_model(
        &mut self,
        name: &ModelName,
        version: Option<VersionId>,
        update: &ModelUpdate,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let record = self.model_mut(name)?;
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
                    version.labels.clone_from(labels);
                }
                version.updated = now;
            }
        }
        Ok(())
    }

    /// Every endpoint under a location.
    pub fn endpoint(&self, name: &EndpointName) -> Result<&EndpointRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.endpoints.get(name.endpoint_id()))
            .ok_or_else(|| ApiError::not_found(format!("Endpoint {name} not found.")))
    }

    /// The operation called `name`.
    pub fn operation(&self, name: &OperationName) -> Result<&OperationRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.operations.get(&name.operation_id()))
            .filter(|op| op.name == *name)
            .ok_or_else(|| ApiError::not_found(format!("Operation {name} not found.")))
    }

    /// Deletes the operation called `name`.
    pub fn delete_operation(&mut self, name: &OperationName) -> Result<(), ApiError> {
        self.operation(name)?;
        if let Some(space) = self.spaces.get_mut(name.location_name()) {
            space.operations.remove(&name.operation_id());
        }
        Ok(())
    }
}

/// The fields an UpdateModel changes: the model's type, decided by its UpdateModel validator.
pub use retune_model::request::ModelUpdate;

/// The display name of a model made from a base model without `tunedModelDisplayName`: the
/// emulator's choice (the service's default is undocumented): `{base model}-tuned-{job id}`.
fn default_display_name(job: &JobRecord) -> String {
    let requested = job.request.tuned_model_display_name.trim();
    if requested.is_empty() {
        format!("{}-tuned-{}", job.base_model.id(), job.name.tuning_job_id())
    } else {
        requested.to_owned()
    }
}
