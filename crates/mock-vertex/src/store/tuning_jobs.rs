//! Storing tuning jobs: creating one (with its first event), reading, listing and cancelling.

use std::sync::Arc;

use retune_model::Timestamp;
use retune_model::answer::TrainingPair;
use retune_model::base_model::BaseModel;
use retune_model::continuous::ContinuousTuningPlan;
use retune_model::emulator_policy::cancel_delay;
use retune_model::job_state::request_cancel;
use retune_model::names::{
    KmsKeyName, LocationName, ModelRef, OperationParent, TuningJobId, TuningJobName,
};
use retune_model::wire;

use super::RecordName;
use super::Store;
use crate::error::ApiError;
use crate::jobs::{Continuation, DataOutcome, JobRecord, Phase};

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
    /// The training pairs of the examples read.
    pub training: Arc<[retune_model::answer::TrainingPair]>,
    /// The CMEK key.
    pub kms_key: Option<KmsKeyName>,
}

pub(super) fn job_not_found(name: &TuningJobName) -> ApiError {
    ApiError::not_found(format!("TuningJob {name} not found."))
}

impl Store {
    /// A new job id (ids come from a counter).
    pub(crate) fn new_job_id(&mut self) -> TuningJobId {
        let id = TuningJobId::from_number(self.next_job);
        self.next_job += 1;
        id
    }

    /// The same training pairs, shared with the last job's when they are equal.
    fn share_training(&mut self, training: Arc<[TrainingPair]>) -> Arc<[TrainingPair]> {
        match &self.last_training {
            Some(last) if Arc::ptr_eq(last, &training) || **last == *training => Arc::clone(last),
            _ => {
                self.last_training = Some(Arc::clone(&training));
                training
            }
        }
    }

    /// The same statistics, shared with the last job's when they are equal.
    pub(super) fn share_stats(&mut self, data: DataOutcome) -> DataOutcome {
        let DataOutcome::Valid(stats) = data else {
            return data;
        };
        match &self.last_stats {
            Some(last) if Arc::ptr_eq(last, &stats) || **last == *stats => {
                DataOutcome::Valid(Arc::clone(last))
            }
            _ => {
                self.last_stats = Some(Arc::clone(&stats));
                DataOutcome::Valid(stats)
            }
        }
    }

    /// Stores a new job created at `now` and schedules its end; returns its name. Its data-set
    /// statistics are shared with the previous job's when they are equal.
    pub fn insert_job(
        &mut self,
        parent: &LocationName,
        new: NewJob,
        now: Timestamp,
    ) -> TuningJobName {
        let id = self.new_job_id();
        let name = TuningJobName::new(self.shared_location(parent), id);
        let mut record = JobRecord {
            name: name.clone(),
            request: new.request.into(),
            base_model: new.base_model,
            continuation: new.plan.map(|plan| Box::new(Continuation { plan })),
            created: now,
            timeline: new.timeline,
            export_last_checkpoint_only: new.export_last_checkpoint_only,
            data: self.share_stats(new.data),
            training: self.share_training(new.training),
            kms_key: new.kms_key.map(Box::new),
            phase: Phase::Scheduled,
            event: None,
        };
        self.take_next_job_faults(&mut record);
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
        self.touch_job(&record.name);
        if self
            .space_mut(&location)
            .jobs
            .insert(id, Box::new(record))
            .is_some()
        {
            self.rendered.clear();
        }
    }

    /// The job called `name`.
    pub fn job(&self, name: &TuningJobName) -> Result<&JobRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.jobs.get(&name.tuning_job_id()).map(|j| &**j))
            .ok_or_else(|| job_not_found(name))
    }

    pub(super) fn job_mut(&mut self, name: &TuningJobName) -> Result<&mut JobRecord, ApiError> {
        self.touch_job(name);
        self.spaces
            .get_mut(name.location_name())
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()).map(|j| &mut **j))
            .ok_or_else(|| job_not_found(name))
    }

    /// The jobs of `location` with ids below `before` (every job with `None`), newest first.
    pub fn jobs_newest_first(
        &self,
        location: &LocationName,
        before: Option<TuningJobId>,
    ) -> impl Iterator<Item = &JobRecord> {
        self.space(location)
            .into_iter()
            .flat_map(move |space| space.jobs_newest_first(before))
    }

    /// The jobs of `location`, by id (creation order).
    pub fn jobs_in(&self, location: &LocationName) -> impl Iterator<Item = &JobRecord> {
        self.space(location)
            .into_iter()
            .flat_map(|space| space.jobs.values().map(|j| &**j))
    }

    /// Records the finished RebaseTunedModel operation that created `job` (as created), under
    /// the new job.
    pub fn record_rebase(
        &mut self,
        name: &TuningJobName,
        job: wire::TuningJob,
        now: Timestamp,
    ) -> wire::Operation {
        let mut record = self.new_operation(OperationParent::TuningJob(name.clone()), now, now);
        record.rebased = Some(Box::new(job));
        let location = name.location_name().clone();
        self.touch(RecordName::Operation(record.name.clone()));
        self.space_mut(&location)
            .operations
            .insert(record.name.operation_id(), record.clone());
        record.render(now)
    }

    /// The job that produced the model version `model` names (its default version when it
    /// names none).
    pub fn job_of_model(&self, model: &ModelRef) -> Result<Option<TuningJobName>, ApiError> {
        let record = self.model(model.name())?;
        Ok(record.select(model.selector())?.job.clone())
    }

    /// Requests cancellation of a job at `now` (`retune_model::job_state::request_cancel`); it
    /// ends after `emulator_policy::cancel_delay`.
    pub fn cancel_job(&mut self, name: &TuningJobName, now: Timestamp) -> Result<(), ApiError> {
        let delay = cancel_delay(self.pace());
        self.touch_job(name);
        let job = self
            .spaces
            .get_mut(name.location_name())
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()).map(|j| &mut **j))
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
            self.unschedule(key);
        }
        let key = self.schedule(name, now.saturating_add(delay));
        if let Some(job) = self
            .spaces
            .get_mut(name.location_name())
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()).map(|j| &mut **j))
        {
            job.event = Some(key);
        }
        Ok(())
    }
}
