//! The scheduler of job events: one pending event per unfinished job (its end, its data failure,
//! its injected failure, or the end of its cancellation) in a time-ordered index, fired when the
//! clock passes it. Stored jobs cost nothing until they are due.

use retune_model::Timestamp;
use retune_model::job_state::{CANCELLED_ERROR_CODE, JobState};
use retune_model::names::TuningJobName;
use retune_model::wire;

use super::Store;
use crate::error::ApiError;
use crate::jobs::{DataOutcome, JobRecord, Phase};

/// The key of a pending job event in the index: when, and a sequence number for ties.
pub type EventKey = (Timestamp, u64);

impl Store {
    /// How many job events are pending.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

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

    pub(super) fn schedule(&mut self, job: &TuningJobName, at: Timestamp) -> EventKey {
        let key = (at, self.next_event);
        self.next_event += 1;
        self.events.insert(key, job.clone());
        key
    }

    /// Drops a pending event.
    pub(super) fn unschedule(&mut self, key: EventKey) {
        self.events.remove(&key);
    }

    fn fire(&mut self, name: &TuningJobName, at: Timestamp) {
        self.touch_job(name);
        let location = name.location_name().clone();
        let failure = self
            .job(name)
            .ok()
            .filter(|job| matches!(job.phase, Phase::Scheduled))
            .and_then(|job| self.fails_now(job, at));
        let Some(job) = self
            .spaces
            .get_mut(&location)
            .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()).map(|j| &mut **j))
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
                    let phase = match self.register_tuned_model(&job, job.method(), at) {
                        Ok(output) => {
                            for evaluation in job.evaluations(&output) {
                                self.pending_objects.extend(evaluation.objects);
                            }
                            Phase::Ended {
                                state: JobState::Succeeded,
                                at,
                                progress: job.progress_at(at),
                                error: None,
                                output: Some(Box::new(output)),
                            }
                        }
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
                        .and_then(|s| s.jobs.get_mut(&name.tuning_job_id()).map(|j| &mut **j))
                    {
                        stored.phase = phase;
                    }
                }
            },
            Phase::Ended { .. } => {}
        }
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
                    Some(f) => end.min(job.epochs_done_at(f.epoch)),
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

    /// Replaces a job's pending event by the one its faults and timeline call for (only while
    /// it follows its timeline: a cancelling job keeps its cancel event).
    pub(super) fn reschedule(&mut self, name: &TuningJobName) -> Result<(), ApiError> {
        let job = self.job(name)?;
        if !matches!(job.phase, Phase::Scheduled) {
            return Ok(());
        }
        let due = self.next_event_at(job);
        let old = self.job_mut(name)?.event.take();
        if let Some(key) = old {
            self.unschedule(key);
        }
        let key = due.map(|at| self.schedule(name, at));
        self.job_mut(name)?.event = key;
        Ok(())
    }
}
