//! The tuning job state machine: the twelve `JobState` values, transitions and cancel semantics.
//!
//! Everything here is a pure function of its arguments: the emulator decides *when* a job moves,
//! this module decides *whether* it may, and where a job stands after a given amount of simulated
//! time ([`progress_at`]).

use std::time::Duration;

use crate::Code;
use crate::proto_enum::ProtoEnum;

/// `google.cloud.aiplatform.v1.JobState`.
///
/// # The transition table
///
/// Sources: the `job_state.proto` comments (spec §3.7) and the `CancelTuningJob` doc (spec §4).
/// Moves not listed are refused by [`JobState::transition`]; a state never moves to itself.
///
/// | From | May move to |
/// |---|---|
/// | `UNSPECIFIED` | nothing: it is the proto zero value, never the state of a job |
/// | `QUEUED` | `PENDING`, `RUNNING`, `CANCELLING`, `FAILED`, `EXPIRED` |
/// | `PENDING` | `RUNNING`, `CANCELLING`, `FAILED`, `EXPIRED` |
/// | `RUNNING` | `SUCCEEDED`, `FAILED`, `CANCELLING`, `PAUSED`, `UPDATING`, `PARTIALLY_SUCCEEDED`, `EXPIRED` |
/// | `PAUSED` | `QUEUED` (resumed), `CANCELLING`, `FAILED`, `EXPIRED` |
/// | `UPDATING` | `RUNNING`, `CANCELLING`, `FAILED` |
/// | `CANCELLING` | `SUCCEEDED`, `FAILED`, `CANCELLED` only |
/// | `SUCCEEDED`, `FAILED`, `CANCELLED`, `EXPIRED`, `PARTIALLY_SUCCEEDED` | nothing (terminal) |
///
/// Choices where the sources are silent: a job may fail or expire before it runs (a queued job
/// can wait too long); `PAUSED` resumes through `QUEUED` because the proto describes `QUEUED` as
/// "just created or resumed"; `UPDATING` returns to `RUNNING` because the proto says "after
/// updating, the job goes back to the `RUNNING` state".
///
/// # The states, per STYLE rule 30
///
/// **`QUEUED` / `PENDING`**
/// - *When:* the job was created (the emulator creates jobs in [`JobState::INITIAL`], `PENDING`)
///   or, for `QUEUED`, resumed from `PAUSED`.
/// - *Available information:* `createTime`, `updateTime`; no `startTime`, no sub-state.
/// - *Error behavior:* may fail or expire without running; a cancel moves it to `CANCELLING`.
///
/// **`RUNNING`** (and the short-lived `UPDATING` and `PAUSED`)
/// - *When:* the job started; `startTime` records the first entry into `RUNNING`.
/// - *Available information:* `startTime`; in v1beta1 a [`TuningJobState`] sub-state and
///   `tuningJobMetadata` progress (see [`progress_at`]).
/// - *Error behavior:* may end in `FAILED` (with `error`), `EXPIRED`, or `PARTIALLY_SUCCEEDED`;
///   a cancel moves it to `CANCELLING`.
///
/// **`CANCELLING`**
/// - *When:* after [`request_cancel`] on a job that had not finished.
/// - *Available information:* as for the state it left.
/// - *Error behavior:* it can only move on to `SUCCEEDED` (the job finished despite the cancel),
///   `FAILED` or `CANCELLED` (spec §3.7). A second cancel is accepted and changes nothing.
///
/// **Terminal: `SUCCEEDED`, `FAILED`, `CANCELLED`, `EXPIRED`, `PARTIALLY_SUCCEEDED`**
/// - *When:* the job is over; `endTime` is set.
/// - *Available information:* `SUCCEEDED` carries `tunedModel`, `experiment` and
///   `tuningDataStats`; `FAILED` and `CANCELLED` carry `error` (a cancelled job gets
///   `error.code = 1`, [`CANCELLED_ERROR_CODE`]).
/// - *Error behavior:* no state moves any more; cancelling is a `FAILED_PRECONDITION`
///   ([`CancelError`]), except for `CANCELLED`, where a repeated cancel is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// The proto zero value; never the state of a real job.
    Unspecified,
    /// "The job has been just created or resumed and processing has not yet begun."
    Queued,
    /// "The service is preparing to run the job."
    Pending,
    /// "The job is in progress."
    Running,
    /// "The job completed successfully."
    Succeeded,
    /// "The job failed."
    Failed,
    /// "The job is being cancelled."
    Cancelling,
    /// "The job has been cancelled."
    Cancelled,
    /// "The job has been stopped, and can be resumed."
    Paused,
    /// "The job has expired."
    Expired,
    /// "The job is being updated." Only a running job can be updated.
    Updating,
    /// "The job is partially succeeded, some results may be missing due to errors."
    PartiallySucceeded,
}

crate::proto_enum!(JobState {
    Unspecified = ("JOB_STATE_UNSPECIFIED", 0),
    Queued = ("JOB_STATE_QUEUED", 1),
    Pending = ("JOB_STATE_PENDING", 2),
    Running = ("JOB_STATE_RUNNING", 3),
    Succeeded = ("JOB_STATE_SUCCEEDED", 4),
    Failed = ("JOB_STATE_FAILED", 5),
    Cancelling = ("JOB_STATE_CANCELLING", 6),
    Cancelled = ("JOB_STATE_CANCELLED", 7),
    Paused = ("JOB_STATE_PAUSED", 8),
    Expired = ("JOB_STATE_EXPIRED", 9),
    Updating = ("JOB_STATE_UPDATING", 10),
    PartiallySucceeded = ("JOB_STATE_PARTIALLY_SUCCEEDED", 11),
});

/// The `error.code` of a cancelled job: `1`, `CANCELLED`.
///
/// From the `CancelTuningJob` proto doc: "On successful cancellation, the TuningJob is not
/// deleted; instead it becomes a job with a `TuningJob.error` value with a `google.rpc.Status.code`
/// of 1, corresponding to `Code.CANCELLED`, and `TuningJob.state` is set to `CANCELLED`."
pub const CANCELLED_ERROR_CODE: Code = Code::Cancelled;

/// The states the Google Gen AI SDK treats as *ended* (`JOB_STATES_ENDED_VERTEX`, used by
/// `TuningJob.has_ended`).
///
/// [`JobState::is_terminal`] is a superset: it also counts `PARTIALLY_SUCCEEDED`, which no state
/// leaves either. An SDK poller would keep polling such a job forever; ours stops.
pub const SDK_ENDED_STATES: [JobState; 4] = [
    JobState::Succeeded,
    JobState::Failed,
    JobState::Cancelled,
    JobState::Expired,
];

impl JobState {
    /// The state a newly created tuning job is in (spec §3.7, emulator lifecycle step 1).
    pub const INITIAL: JobState = JobState::Pending;

    /// Whether the job is over: `SUCCEEDED`, `FAILED`, `CANCELLED`, `EXPIRED` or
    /// `PARTIALLY_SUCCEEDED`.
    ///
    /// No transition leaves these states. This is the SDK's *ended* set ([`SDK_ENDED_STATES`])
    /// plus `PARTIALLY_SUCCEEDED`, which is just as final.
    ///
    /// ```
    /// use retune_model::job_state::JobState;
    /// assert!(JobState::Cancelled.is_terminal());
    /// assert!(JobState::PartiallySucceeded.is_terminal());
    /// assert!(!JobState::Cancelling.is_terminal());
    /// ```
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Succeeded
                | JobState::Failed
                | JobState::Cancelled
                | JobState::Expired
                | JobState::PartiallySucceeded
        )
    }

    /// Whether the job succeeded; only `SUCCEEDED` counts, as in the SDK's `has_succeeded`.
    pub fn has_succeeded(self) -> bool {
        self == JobState::Succeeded
    }

    /// The states this one may move to, in proto order (see the table on [`JobState`]).
    pub fn successors(self) -> &'static [JobState] {
        use JobState::*;
        match self {
            Unspecified => &[],
            Queued => &[Pending, Running, Failed, Cancelling, Expired],
            Pending => &[Running, Failed, Cancelling, Expired],
            Running => &[
                Succeeded,
                Failed,
                Cancelling,
                Paused,
                Expired,
                Updating,
                PartiallySucceeded,
            ],
            Paused => &[Queued, Failed, Cancelling, Expired],
            Updating => &[Running, Failed, Cancelling],
            Cancelling => &[Succeeded, Failed, Cancelled],
            Succeeded | Failed | Cancelled | Expired | PartiallySucceeded => &[],
        }
    }

    /// Whether the table on [`JobState`] allows moving from `self` to `next`.
    ///
    /// ```
    /// use retune_model::job_state::JobState;
    /// assert!(JobState::Pending.can_transition_to(JobState::Running));
    /// assert!(!JobState::Cancelling.can_transition_to(JobState::Running));
    /// assert!(!JobState::Succeeded.can_transition_to(JobState::Failed));
    /// ```
    pub fn can_transition_to(self, next: JobState) -> bool {
        self.successors().contains(&next)
    }

    /// Moves from `self` to `next`, or says why the move is not allowed.
    ///
    /// ```
    /// use retune_model::job_state::{JobState, TransitionError};
    /// assert_eq!(JobState::Running.transition(JobState::Succeeded), Ok(JobState::Succeeded));
    /// let err = JobState::Failed.transition(JobState::Running).unwrap_err();
    /// assert!(matches!(err, TransitionError::FromTerminal { .. }));
    /// ```
    pub fn transition(self, next: JobState) -> Result<JobState, TransitionError> {
        if self.can_transition_to(next) {
            Ok(next)
        } else if self.is_terminal() {
            Err(TransitionError::FromTerminal {
                from: self,
                to: next,
            })
        } else {
            Err(TransitionError::NotAllowed {
                from: self,
                to: next,
            })
        }
    }
}

/// A state change the table on [`JobState`] does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The job already ended; terminal states never move.
    #[error(
        "a tuning job in state {} cannot move to {}: the job has already ended",
        from.proto_name(),
        to.proto_name()
    )]
    FromTerminal {
        /// The current (terminal) state.
        from: JobState,
        /// The refused next state.
        to: JobState,
    },
    /// The move is not in the table.
    #[error(
        "a tuning job in state {} cannot move to {}; allowed: {}",
        from.proto_name(),
        to.proto_name(),
        names(from.successors())
    )]
    NotAllowed {
        /// The current state.
        from: JobState,
        /// The refused next state.
        to: JobState,
    },
}

impl TransitionError {
    /// The state the job was in.
    pub fn from(&self) -> JobState {
        match *self {
            TransitionError::FromTerminal { from, .. }
            | TransitionError::NotAllowed { from, .. } => from,
        }
    }

    /// The state that was refused.
    pub fn to(&self) -> JobState {
        match *self {
            TransitionError::FromTerminal { to, .. } | TransitionError::NotAllowed { to, .. } => to,
        }
    }
}

fn names(states: &[JobState]) -> String {
    if states.is_empty() {
        return "none".to_owned();
    }
    states
        .iter()
        .map(|s| s.proto_name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a `CancelTuningJob` call does to a job that may be cancelled.
///
/// In every case the RPC answers `{}`; the caller stores [`CancelOutcome::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job had not finished; it is now `CANCELLING`. The emulator later completes it to
    /// `CANCELLED` with `error.code` = [`CANCELLED_ERROR_CODE`].
    Cancelling {
        /// The state the job left.
        from: JobState,
    },
    /// The job was already `CANCELLING`: the repeated request is accepted and changes nothing.
    AlreadyCancelling,
    /// The job was already `CANCELLED`: the repeated request is accepted and changes nothing.
    AlreadyCancelled,
}

impl CancelOutcome {
    /// The job's state after the request.
    pub fn state(self) -> JobState {
        match self {
            CancelOutcome::Cancelling { .. } | CancelOutcome::AlreadyCancelling => {
                JobState::Cancelling
            }
            CancelOutcome::AlreadyCancelled => JobState::Cancelled,
        }
    }

    /// Whether the request changed the job.
    pub fn changed(self) -> bool {
        matches!(self, CancelOutcome::Cancelling { .. })
    }
}

/// A cancel request for a job that can no longer be cancelled.
///
/// The real message is undocumented (spec §11, question 1); ours names the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    /// The job already ended in a state other than `CANCELLED`.
    #[error(
        "The tuning job cannot be cancelled because it has already finished in state {}.",
        state.proto_name()
    )]
    AlreadyFinished {
        /// The terminal state the job is in.
        state: JobState,
    },
    /// The job's state is `JOB_STATE_UNSPECIFIED`, which no real job holds.
    #[error("The tuning job cannot be cancelled because its state is JOB_STATE_UNSPECIFIED.")]
    StateUnspecified,
}

impl CancelError {
    /// Always `FAILED_PRECONDITION` (spec §8.3: "cancelling a finished job").
    pub fn code(&self) -> Code {
        Code::FailedPrecondition
    }

    /// The state the job is in.
    pub fn state(&self) -> JobState {
        match *self {
            CancelError::AlreadyFinished { state } => state,
            CancelError::StateUnspecified => JobState::Unspecified,
        }
    }
}

/// Applies a `CancelTuningJob` request to a job in `state`.
///
/// - A job that has not finished (`QUEUED`, `PENDING`, `RUNNING`, `PAUSED`, `UPDATING`) moves to
///   `CANCELLING`; the emulator later completes it to `CANCELLED` with
///   `error.code` = [`CANCELLED_ERROR_CODE`] (it may also let it finish as `SUCCEEDED` or
///   `FAILED`, which the proto allows: cancellation is best effort).
/// - A job that is `CANCELLING` or `CANCELLED` accepts the request again and stays as it is. The
///   proto does not say; idempotence matches how a retrying client (the cancel is not an LRO
///   and may be sent twice after a timeout) expects a best-effort cancel to behave.
/// - A job that ended otherwise (`SUCCEEDED`, `FAILED`, `EXPIRED`, `PARTIALLY_SUCCEEDED`) is a
///   `FAILED_PRECONDITION` whose message names the state.
///
/// ```
/// use retune_model::Code;
/// use retune_model::job_state::{request_cancel, CancelOutcome, JobState};
/// let outcome = request_cancel(JobState::Running).unwrap();
/// assert_eq!(outcome.state(), JobState::Cancelling);
/// assert_eq!(request_cancel(JobState::Cancelled), Ok(CancelOutcome::AlreadyCancelled));
/// let err = request_cancel(JobState::Succeeded).unwrap_err();
/// assert_eq!(err.code(), Code::FailedPrecondition);
/// assert!(err.to_string().contains("JOB_STATE_SUCCEEDED"));
/// ```
pub fn request_cancel(state: JobState) -> Result<CancelOutcome, CancelError> {
    match state {
        JobState::Cancelling => Ok(CancelOutcome::AlreadyCancelling),
        JobState::Cancelled => Ok(CancelOutcome::AlreadyCancelled),
        JobState::Unspecified => Err(CancelError::StateUnspecified),
        s if s.can_transition_to(JobState::Cancelling) => Ok(CancelOutcome::Cancelling { from: s }),
        s => Err(CancelError::AlreadyFinished { state: s }),
    }
}

/// The v1beta1 sub-state of a running job (`TuningJob.tuning_job_state`).
///
/// The SDK documents it as "the detail state of the tuning job (while the overall `JobState` is
/// running)". The values are listed in pipeline order: wait for quota, process the data set, wait
/// for capacity, tune, post-process. The emulator reports only the three working stages
/// ([`TuningJobState::RUNNING_STAGES`]); the two waits exist for fault injection. In every
/// `JobState` other than `RUNNING` the sub-state is `UNSPECIFIED` (omitted on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TuningJobState {
    /// Default; reported outside `RUNNING`.
    Unspecified,
    /// "Tuning job is waiting for job quota."
    WaitingForQuota,
    /// "Tuning job is validating the dataset."
    ProcessingDataset,
    /// "Tuning job is waiting for hardware capacity."
    WaitingForCapacity,
    /// "Tuning job is running."
    Tuning,
    /// "Tuning job is doing some post processing steps."
    PostProcessing,
}

crate::proto_enum!(TuningJobState {
    Unspecified = ("TUNING_JOB_STATE_UNSPECIFIED", 0),
    WaitingForQuota = ("TUNING_JOB_STATE_WAITING_FOR_QUOTA", 1),
    ProcessingDataset = ("TUNING_JOB_STATE_PROCESSING_DATASET", 2),
    WaitingForCapacity = ("TUNING_JOB_STATE_WAITING_FOR_CAPACITY", 3),
    Tuning = ("TUNING_JOB_STATE_TUNING", 4),
    PostProcessing = ("TUNING_JOB_STATE_POST_PROCESSING", 5),
});

impl TuningJobState {
    /// The stages a `RUNNING` job goes through in the emulator, in order.
    pub const RUNNING_STAGES: [TuningJobState; 3] = [
        TuningJobState::ProcessingDataset,
        TuningJobState::Tuning,
        TuningJobState::PostProcessing,
    ];

    /// Every sub-state a `RUNNING` job may report, in pipeline order (waits included).
    pub const PIPELINE: [TuningJobState; 5] = [
        TuningJobState::WaitingForQuota,
        TuningJobState::ProcessingDataset,
        TuningJobState::WaitingForCapacity,
        TuningJobState::Tuning,
        TuningJobState::PostProcessing,
    ];

    /// The position in [`TuningJobState::PIPELINE`]; `None` for `Unspecified`.
    ///
    /// A job's sub-state never moves backwards in this order.
    pub fn pipeline_position(self) -> Option<usize> {
        Self::PIPELINE.iter().position(|s| *s == self)
    }

    /// Whether the job is waiting for a resource rather than working.
    pub fn is_waiting(self) -> bool {
        matches!(
            self,
            TuningJobState::WaitingForQuota | TuningJobState::WaitingForCapacity
        )
    }
}

/// How long each phase of a simulated tuning job takes, and how much work it has.
///
/// Pure data: [`progress_at`] turns it and an elapsed [`Duration`] into a [`JobProgress`]. The
/// phases run back to back: `pending`, then `processing_dataset`, then `tuning_per_step` for each
/// of `epochs * steps_per_epoch` steps, then `post_processing`; after that the job has succeeded.
/// A zero-length phase is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobTimeline {
    /// Time in `PENDING` before the job starts running.
    pub pending: Duration,
    /// Time in `RUNNING` / `PROCESSING_DATASET`.
    pub processing_dataset: Duration,
    /// Time per training step in `RUNNING` / `TUNING`.
    pub tuning_per_step: Duration,
    /// Time in `RUNNING` / `POST_PROCESSING`.
    pub post_processing: Duration,
    /// Training steps per epoch (see `emulator_policy::steps_per_epoch`).
    pub steps_per_epoch: u64,
    /// Epochs to train.
    pub epochs: u32,
}

impl JobTimeline {
    /// All training steps: `epochs * steps_per_epoch` (saturating).
    pub fn total_steps(&self) -> u64 {
        u64::from(self.epochs).saturating_mul(self.steps_per_epoch)
    }

    /// Elapsed time at which the job enters `RUNNING` (the `startTime` offset).
    pub fn started_after(&self) -> Duration {
        self.pending
    }

    /// Elapsed time at which the job has `SUCCEEDED` (the `endTime` offset), saturating at
    /// [`Duration::MAX`].
    pub fn succeeded_after(&self) -> Duration {
        duration_from_nanos(self.phase_ends()[3])
    }

    /// Training steps in `epochs` epochs, at most all of the plan's.
    pub fn steps_in_epochs(&self, epochs: u64) -> u64 {
        epochs
            .saturating_mul(self.steps_per_epoch)
            .min(self.total_steps())
    }

    /// Elapsed time at which `steps` training steps are done (at most all of them): the end of
    /// `PROCESSING_DATASET` plus that many steps, saturating at [`Duration::MAX`]. Zero steps are
    /// done when tuning starts.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retune_model::job_state::{progress_at, JobTimeline};
    /// let plan = JobTimeline {
    ///     pending: Duration::from_secs(10),
    ///     processing_dataset: Duration::from_secs(10),
    ///     tuning_per_step: Duration::from_secs(1),
    ///     post_processing: Duration::from_secs(5),
    ///     steps_per_epoch: 4,
    ///     epochs: 3,
    /// };
    /// assert_eq!(plan.steps_done_after(0), Duration::from_secs(20));
    /// assert_eq!(plan.epochs_done_after(2), Duration::from_secs(28));
    /// assert_eq!(plan.epochs_done_after(99), Duration::from_secs(32)); // clamped to 3 epochs
    /// assert_eq!(progress_at(&plan, plan.epochs_done_after(2)).completed_epoch_count, 2);
    /// ```
    pub fn steps_done_after(&self, steps: u64) -> Duration {
        let steps = steps.min(self.total_steps());
        let [_, processing_end, _, _] = self.phase_ends();
        duration_from_nanos(
            processing_end.saturating_add(
                self.tuning_per_step
                    .as_nanos()
                    .saturating_mul(u128::from(steps)),
            ),
        )
    }

    /// Elapsed time at which `epochs` epochs are done (at most all of them); see
    /// [`steps_done_after`](Self::steps_done_after).
    pub fn epochs_done_after(&self, epochs: u64) -> Duration {
        self.steps_done_after(self.steps_in_epochs(epochs))
    }

    /// The cumulative ends of the four phases, in nanoseconds.
    fn phase_ends(&self) -> [u128; 4] {
        let pending = self.pending.as_nanos();
        let processing = pending.saturating_add(self.processing_dataset.as_nanos());
        let tuning = processing.saturating_add(
            self.tuning_per_step
                .as_nanos()
                .saturating_mul(u128::from(self.total_steps())),
        );
        let post = tuning.saturating_add(self.post_processing.as_nanos());
        [pending, processing, tuning, post]
    }
}

fn duration_from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    match u64::try_from(nanos / NANOS_PER_SEC) {
        // The remainder is below 10^9, so it fits in u32.
        Ok(secs) => Duration::new(secs, (nanos % NANOS_PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}

/// Where a simulated job stands: its state, sub-state and `tuningJobMetadata` counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobProgress {
    /// `TuningJob.state`.
    pub state: JobState,
    /// `TuningJob.tuningJobState`; `Unspecified` outside `RUNNING`.
    pub tuning_state: TuningJobState,
    /// `tuningJobMetadata.completedEpochCount`.
    pub completed_epoch_count: u64,
    /// `tuningJobMetadata.completedStepCount`.
    pub completed_step_count: u64,
}

/// Where a job following `plan` stands `elapsed` after it was created.
///
/// Phases are half-open: at exactly `plan.pending` the job is already `RUNNING`. Once all phases
/// are over the job is `SUCCEEDED` with every step and epoch completed. Cancellation and faults
/// are not part of the plan; the emulator applies them on top.
///
/// ```
/// use std::time::Duration;
/// use retune_model::job_state::{progress_at, JobState, JobTimeline, TuningJobState};
/// let plan = JobTimeline {
///     pending: Duration::from_secs(10),
///     processing_dataset: Duration::from_secs(10),
///     tuning_per_step: Duration::from_secs(1),
///     post_processing: Duration::from_secs(5),
///     steps_per_epoch: 4,
///     epochs: 3,
/// };
/// let p = progress_at(&plan, Duration::from_secs(29));
/// assert_eq!((p.state, p.tuning_state), (JobState::Running, TuningJobState::Tuning));
/// assert_eq!((p.completed_epoch_count, p.completed_step_count), (2, 9));
/// assert_eq!(progress_at(&plan, Duration::from_secs(47)).state, JobState::Succeeded);
/// ```
pub fn progress_at(plan: &JobTimeline, elapsed: Duration) -> JobProgress {
    let [pending_end, processing_end, tuning_end, post_end] = plan.phase_ends();
    let elapsed = elapsed.as_nanos();
    let total_steps = plan.total_steps();
    let running = |tuning_state, steps: u64| JobProgress {
        state: JobState::Running,
        tuning_state,
        completed_epoch_count: completed_epochs(plan, steps),
        completed_step_count: steps,
    };
    if elapsed < pending_end {
        JobProgress {
            state: JobState::Pending,
            tuning_state: TuningJobState::Unspecified,
            completed_epoch_count: 0,
            completed_step_count: 0,
        }
    } else if elapsed < processing_end {
        running(TuningJobState::ProcessingDataset, 0)
    } else if elapsed < tuning_end {
        // tuning_end > processing_end implies tuning_per_step > 0.
        let per_step = plan.tuning_per_step.as_nanos().max(1);
        let steps = (elapsed - processing_end) / per_step;
        let steps = u64::try_from(steps).unwrap_or(u64::MAX).min(total_steps);
        running(TuningJobState::Tuning, steps)
    } else if elapsed < post_end {
        running(TuningJobState::PostProcessing, total_steps)
    } else {
        JobProgress {
            state: JobState::Succeeded,
            tuning_state: TuningJobState::Unspecified,
            completed_epoch_count: u64::from(plan.epochs),
            completed_step_count: total_steps,
        }
    }
}

/// Where a job following `plan` stands once `steps` training steps are done.
///
/// Fewer steps than the plan has: `RUNNING` / `TUNING`. All of them (or more, clamped):
/// `RUNNING` / `POST_PROCESSING`; reaching `SUCCEEDED` is the caller's explicit
/// [`JobState::transition`].
pub fn progress_after_steps(plan: &JobTimeline, steps: u64) -> JobProgress {
    let total_steps = plan.total_steps();
    let steps = steps.min(total_steps);
    JobProgress {
        state: JobState::Running,
        tuning_state: if steps < total_steps {
            TuningJobState::Tuning
        } else {
            TuningJobState::PostProcessing
        },
        completed_epoch_count: completed_epochs(plan, steps),
        completed_step_count: steps,
    }
}

fn completed_epochs(plan: &JobTimeline, steps: u64) -> u64 {
    if plan.steps_per_epoch == 0 {
        return 0;
    }
    (steps / plan.steps_per_epoch).min(u64::from(plan.epochs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TERMINAL: [JobState; 5] = [
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
        JobState::Expired,
        JobState::PartiallySucceeded,
    ];

    #[test]
    fn terminal_states_are_the_sdk_ended_set_plus_partially_succeeded() {
        let terminal: Vec<_> = JobState::VALUES
            .iter()
            .copied()
            .filter(|s| s.is_terminal())
            .collect();
        assert_eq!(terminal, TERMINAL);
        for s in SDK_ENDED_STATES {
            assert!(s.is_terminal(), "{s:?}");
        }
        assert!(!SDK_ENDED_STATES.contains(&JobState::PartiallySucceeded));
    }

    #[test]
    fn only_succeeded_has_succeeded() {
        for s in JobState::VALUES {
            assert_eq!(s.has_succeeded(), *s == JobState::Succeeded, "{s:?}");
        }
    }

    #[test]
    fn terminal_states_never_move() {
        for from in TERMINAL {
            assert!(from.successors().is_empty());
            for to in JobState::VALUES {
                assert_eq!(
                    from.transition(*to),
                    Err(TransitionError::FromTerminal { from, to: *to })
                );
            }
        }
    }

    #[test]
    fn cancelling_only_moves_to_succeeded_failed_or_cancelled() {
        let allowed: Vec<_> = JobState::VALUES
            .iter()
            .copied()
            .filter(|s| JobState::Cancelling.can_transition_to(*s))
            .collect();
        assert_eq!(
            allowed,
            [JobState::Succeeded, JobState::Failed, JobState::Cancelled]
        );
    }

    #[test]
    fn transition_table_allows_the_documented_moves() {
        use JobState::*;
        let cases = [
            (Queued, Running, true),
            (Pending, Running, true),
            (Queued, Pending, true),
            (Pending, Cancelling, true),
            (Queued, Cancelling, true),
            (Running, Cancelling, true),
            (Paused, Cancelling, true),
            (Updating, Cancelling, true),
            (Running, Succeeded, true),
            (Running, Failed, true),
            (Running, Paused, true),
            (Running, Updating, true),
            (Running, PartiallySucceeded, true),
            (Running, Expired, true),
            (Updating, Running, true),
            (Paused, Queued, true),
            (Pending, Succeeded, false),
            (Pending, Cancelled, false),
            (Running, Cancelled, false),
            (Running, Pending, false),
            (Cancelling, Running, false),
            (Paused, Updating, false),
            (Unspecified, Pending, false),
            (Running, Running, false),
        ];
        for (from, to, allowed) in cases {
            assert_eq!(from.can_transition_to(to), allowed, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn refused_transition_names_both_states() {
        let err = JobState::Pending
            .transition(JobState::Succeeded)
            .unwrap_err();
        assert_eq!(
            (err.from(), err.to()),
            (JobState::Pending, JobState::Succeeded)
        );
        let msg = err.to_string();
        assert!(msg.contains("JOB_STATE_PENDING"), "{msg}");
        assert!(msg.contains("JOB_STATE_SUCCEEDED"), "{msg}");
        assert!(
            msg.contains("JOB_STATE_RUNNING"),
            "lists the allowed moves: {msg}"
        );
    }

    #[test]
    fn cancelling_a_job_that_has_not_finished_moves_it_to_cancelling() {
        use JobState::*;
        for from in [Queued, Pending, Running, Paused, Updating] {
            let outcome = request_cancel(from).unwrap();
            assert_eq!(outcome, CancelOutcome::Cancelling { from });
            assert_eq!(outcome.state(), Cancelling);
            assert!(outcome.changed());
        }
    }

    #[test]
    fn cancelling_a_cancelling_or_cancelled_job_is_accepted_and_changes_nothing() {
        let again = request_cancel(JobState::Cancelling).unwrap();
        assert_eq!(again, CancelOutcome::AlreadyCancelling);
        assert_eq!(again.state(), JobState::Cancelling);
        assert!(!again.changed());
        let again = request_cancel(JobState::Cancelled).unwrap();
        assert_eq!(again, CancelOutcome::AlreadyCancelled);
        assert_eq!(again.state(), JobState::Cancelled);
        assert!(!again.changed());
    }

    #[test]
    fn cancelling_a_finished_job_is_a_failed_precondition_naming_the_state() {
        use JobState::*;
        for state in [Succeeded, Failed, Expired, PartiallySucceeded] {
            let err = request_cancel(state).unwrap_err();
            assert_eq!(err, CancelError::AlreadyFinished { state });
            assert_eq!(err.code(), Code::FailedPrecondition);
            assert_eq!(err.state(), state);
            assert!(err.to_string().contains(state.proto_name()), "{err}");
        }
        let err = request_cancel(Unspecified).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert!(err.to_string().contains("JOB_STATE_UNSPECIFIED"));
    }

    #[test]
    fn cancelled_job_error_code_is_one() {
        assert_eq!(CANCELLED_ERROR_CODE.number(), 1);
        assert_eq!(CANCELLED_ERROR_CODE.as_str(), "CANCELLED");
    }

    #[test]
    fn cancel_then_complete_reaches_cancelled() {
        let state = request_cancel(JobState::Running).unwrap().state();
        assert_eq!(
            state.transition(JobState::Cancelled),
            Ok(JobState::Cancelled)
        );
    }

    #[test]
    fn running_stages_follow_pipeline_order() {
        let positions: Vec<_> = TuningJobState::RUNNING_STAGES
            .iter()
            .map(|s| s.pipeline_position())
            .collect();
        assert_eq!(positions, [Some(1), Some(3), Some(4)]);
        assert_eq!(TuningJobState::Unspecified.pipeline_position(), None);
        assert!(TuningJobState::WaitingForQuota.is_waiting());
        assert!(TuningJobState::WaitingForCapacity.is_waiting());
        assert!(!TuningJobState::Tuning.is_waiting());
    }

    fn plan() -> JobTimeline {
        JobTimeline {
            pending: Duration::from_secs(10),
            processing_dataset: Duration::from_secs(20),
            tuning_per_step: Duration::from_secs(2),
            post_processing: Duration::from_secs(5),
            steps_per_epoch: 5,
            epochs: 2,
        }
    }

    #[test]
    fn progress_walks_through_pending_running_stages_and_succeeded() {
        use JobState::{Pending, Running, Succeeded};
        use TuningJobState::*;
        let plan = plan();
        // pending ends at 10 s, processing at 30 s, tuning (10 steps * 2 s) at 50 s, post at 55 s.
        let cases = [
            (0, Pending, Unspecified, 0, 0),
            (9, Pending, Unspecified, 0, 0),
            (10, Running, ProcessingDataset, 0, 0),
            (29, Running, ProcessingDataset, 0, 0),
            (30, Running, Tuning, 0, 0),
            (31, Running, Tuning, 0, 0),
            (32, Running, Tuning, 0, 1),
            (40, Running, Tuning, 1, 5),
            (49, Running, Tuning, 1, 9),
            (50, Running, PostProcessing, 2, 10),
            (54, Running, PostProcessing, 2, 10),
            (55, Succeeded, Unspecified, 2, 10),
            (10_000, Succeeded, Unspecified, 2, 10),
        ];
        for (secs, state, sub, epochs, steps) in cases {
            let p = progress_at(&plan, Duration::from_secs(secs));
            assert_eq!(
                p,
                JobProgress {
                    state,
                    tuning_state: sub,
                    completed_epoch_count: epochs,
                    completed_step_count: steps,
                },
                "at {secs} s"
            );
        }
        assert_eq!(plan.started_after(), Duration::from_secs(10));
        assert_eq!(plan.succeeded_after(), Duration::from_secs(55));
    }

    #[test]
    fn zero_length_phases_are_skipped() {
        let plan = JobTimeline {
            pending: Duration::ZERO,
            processing_dataset: Duration::ZERO,
            tuning_per_step: Duration::ZERO,
            post_processing: Duration::ZERO,
            steps_per_epoch: 3,
            epochs: 4,
        };
        let p = progress_at(&plan, Duration::ZERO);
        assert_eq!(p.state, JobState::Succeeded);
        assert_eq!((p.completed_epoch_count, p.completed_step_count), (4, 12));
    }

    #[test]
    fn huge_plans_saturate_instead_of_overflowing() {
        let plan = JobTimeline {
            pending: Duration::MAX,
            processing_dataset: Duration::MAX,
            tuning_per_step: Duration::MAX,
            post_processing: Duration::MAX,
            steps_per_epoch: u64::MAX,
            epochs: u32::MAX,
        };
        assert_eq!(plan.total_steps(), u64::MAX);
        assert_eq!(plan.succeeded_after(), Duration::MAX);
        assert_eq!(progress_at(&plan, Duration::MAX).state, JobState::Running);
    }

    #[test]
    fn progress_after_steps_reports_tuning_then_post_processing() {
        let plan = plan();
        let p = progress_after_steps(&plan, 7);
        assert_eq!(
            (p.state, p.tuning_state),
            (JobState::Running, TuningJobState::Tuning)
        );
        assert_eq!((p.completed_epoch_count, p.completed_step_count), (1, 7));
        let p = progress_after_steps(&plan, 99);
        assert_eq!(p.tuning_state, TuningJobState::PostProcessing);
        assert_eq!((p.completed_epoch_count, p.completed_step_count), (2, 10));
    }

    fn any_state() -> impl Strategy<Value = JobState> {
        proptest::sample::select(JobState::VALUES)
    }

    proptest! {
        #[test]
        fn random_transition_sequences_never_leave_a_terminal_state(
            start in any_state(),
            moves in proptest::collection::vec(any_state(), 0..40),
        ) {
            let mut state = start;
            let mut ended = state.is_terminal();
            for next in moves {
                if let Ok(moved) = state.transition(next) {
                    prop_assert!(!ended, "left terminal {state:?} for {moved:?}");
                    state = moved;
                }
                ended |= state.is_terminal();
                if ended {
                    prop_assert!(state.is_terminal());
                }
            }
        }

        #[test]
        fn transition_agrees_with_can_transition_to(from in any_state(), to in any_state()) {
            let result = from.transition(to);
            prop_assert_eq!(result.is_ok(), from.can_transition_to(to));
            if let Ok(next) = result {
                prop_assert_eq!(next, to);
            }
        }

        #[test]
        fn cancel_outcome_is_a_legal_move(from in any_state()) {
            if let Ok(outcome) = request_cancel(from) {
                prop_assert!(outcome.state() == from || from.can_transition_to(outcome.state()));
            }
        }

        #[test]
        fn an_epoch_is_done_exactly_when_progress_says_so(
            epoch in 0u64..40,
            steps_per_epoch in 1u64..50,
            epochs in 1u32..30,
        ) {
            let plan = JobTimeline { steps_per_epoch, epochs, ..plan() };
            let at = plan.epochs_done_after(epoch);
            let done = epoch.min(u64::from(epochs));
            let p = progress_at(&plan, at);
            prop_assert_eq!(p.completed_epoch_count, done);
            prop_assert_eq!(p.completed_step_count, plan.steps_in_epochs(epoch));
            prop_assert_eq!(progress_after_steps(&plan, plan.steps_in_epochs(epoch)).completed_epoch_count, done);
            if let Some(before) = at.checked_sub(Duration::from_nanos(1)).filter(|_| done > 0) {
                prop_assert!(progress_at(&plan, before).completed_epoch_count < done);
            }
        }

        #[test]
        fn progress_never_goes_backwards(
            a in 0u64..200_000,
            b in 0u64..200_000,
            steps_per_epoch in 1u64..50,
            epochs in 1u32..30,
        ) {
            let plan = JobTimeline { steps_per_epoch, epochs, ..plan() };
            let (early, late) = (a.min(b), a.max(b));
            let p = progress_at(&plan, Duration::from_millis(early));
            let q = progress_at(&plan, Duration::from_millis(late));
            prop_assert!(p.completed_step_count <= q.completed_step_count);
            prop_assert!(p.completed_epoch_count <= q.completed_epoch_count);
            prop_assert!(q.completed_step_count <= plan.total_steps());
            prop_assert!(q.completed_epoch_count <= u64::from(epochs));
            if p.state == JobState::Succeeded {
                prop_assert_eq!(q.state, JobState::Succeeded);
            }
        }
    }
}
