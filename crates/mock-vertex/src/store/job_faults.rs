//! Faults attached to tuning jobs by the test writer: a job held in `PENDING`, or failing once it
//! has completed an epoch; and faults waiting for the next job created.

use std::time::Duration;

use retune_model::job_state::{JobProgress, JobState, progress_after_steps};
use retune_model::names::TuningJobName;
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire;
use retune_model::{Code, Timestamp};

use super::Store;
use crate::error::ApiError;
use crate::jobs::{DataOutcome, JobRecord, Phase};

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

impl Store {
    /// The faults attached to job `name`, if any.
    pub fn faults_of(&self, name: &TuningJobName) -> Option<&JobFaults> {
        self.job_faults.get(name)
    }

    /// Every job with faults attached, by name.
    pub fn faulted_jobs(&self) -> impl Iterator<Item = (&TuningJobName, &JobFaults)> {
        self.job_faults.iter()
    }

    /// The faults waiting for the next job created.
    pub fn next_job_faults(&self) -> &JobFaults {
        &self.next_job_faults
    }

    /// The faults of a new job (those waiting for it), attached to it under `name`; a held job's
    /// `PENDING` phase lasts [`HOLD_PENDING`].
    pub(super) fn take_next_job_faults(&mut self, job: &mut JobRecord) {
        let faults = std::mem::take(&mut self.next_job_faults);
        if !faults.is_empty() {
            if faults.held {
                job.timeline.pending = HOLD_PENDING;
            }
            self.job_faults.insert(job.name.clone(), faults);
        }
    }

    /// The progress and error of a job whose injected failure is due at `at`.
    pub(super) fn fails_now(
        &self,
        job: &JobRecord,
        at: Timestamp,
    ) -> Option<(JobProgress, wire::Status)> {
        let failure = self.job_faults.get(&job.name)?.fail_at_epoch.as_ref()?;
        if !matches!(job.data, DataOutcome::Valid(_)) || at < job.epochs_done_at(failure.epoch) {
            return None;
        }
        let steps = job.timeline.steps_in_epochs(failure.epoch);
        let progress = progress_after_steps(&job.timeline, steps);
        let error = wire::Status {
            code: failure.code.number(),
            message: failure.message.clone(),
            ..wire::Status::default()
        };
        Some((progress, error))
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
        let at = job.epochs_done_at(failure.epoch);
        if at < now {
            return Err(ApiError::failed_precondition(format!(
                "TuningJob {name} is already past epoch {} (it was reached at {at}).",
                failure.epoch
            )));
        }
        self.touch_job(name);
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
        for name in &names {
            self.touch_job(name);
        }
        self.job_faults.clear();
        for name in names {
            let _rescheduled = self.reschedule(&name);
        }
        self.next_job_faults = JobFaults::default();
    }
}
