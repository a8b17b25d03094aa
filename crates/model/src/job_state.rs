//! The tuning job state machine: the twelve `JobState` values, transitions and cancel semantics.

/// `google.cloud.aiplatform.v1.JobState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    Unspecified,
    Queued,
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelling,
    Cancelled,
    Paused,
    Expired,
    Updating,
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

/// The v1beta1 sub-state of a running job (`TuningJob.tuning_job_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TuningJobState {
    Unspecified,
    WaitingForQuota,
    ProcessingDataset,
    WaitingForCapacity,
    Tuning,
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
