//! Waiting for a tuning job: a polling policy and a poller that yields each change.
//!
//! [`PollPolicy`] decides the delay before each poll (exponential backoff with a cap and jitter)
//! and when to give up. [`JobPoller::changes`] is a `Stream` of [`JobChange`]s, one per change
//! of state, sub-state or progress; [`JobPoller::until_done`] returns the succeeded job, or a
//! [`WaitError`] naming how it ended. Sleeping uses tokio time, so tests with paused time run
//! instantly.

use std::time::Duration;

use futures::{Stream, StreamExt};
use retune_model::Code;
use retune_model::job_state::{JobState, TuningJobState};
use retune_model::names::TuningJobName;
use retune_model::proto_enum::ProtoEnum;
use tokio::time::Instant;

use crate::client::Client;
use crate::error::Error;
use crate::resource::TuningJob;
use crate::retry::{Backoff, Jitter};

/// Default first delay between polls.
pub const DEFAULT_POLL_INITIAL: Duration = Duration::from_secs(5);
/// Default longest delay between polls; the official sample polls every 60 s.
pub const DEFAULT_POLL_CAP: Duration = Duration::from_secs(60);
/// Default growth of the delay per poll.
pub const DEFAULT_POLL_MULTIPLIER: f64 = 1.5;
/// Default total wait: tuning jobs can run for hours.
pub const DEFAULT_POLL_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);
/// [`PollPolicy::fast`]: first delay between polls of an emulator.
pub const FAST_POLL_INITIAL: Duration = Duration::from_millis(10);
/// [`PollPolicy::fast`]: longest delay between polls of an emulator.
pub const FAST_POLL_CAP: Duration = Duration::from_millis(250);
/// [`PollPolicy::fast`]: total wait; an emulator's jobs end in seconds, not hours.
pub const FAST_POLL_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// When to poll, and for how long.
///
/// ```
/// use std::time::Duration;
/// use retune_client::retry::{Backoff, Jitter};
/// use retune_client::wait::PollPolicy;
/// let p = PollPolicy::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(4), 2.0).with_jitter(Jitter::None))
///     .with_timeout(Duration::from_secs(10));
/// let start = tokio::time::Instant::now();
/// assert_eq!(p.next_delay(start, 1), Some(Duration::from_secs(1)));
/// assert_eq!(p.next_delay(start, 5), Some(Duration::from_secs(4)));
/// assert_eq!(p.with_timeout(Duration::from_secs(3)).next_delay(start, 5), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PollPolicy {
    backoff: Backoff,
    timeout: Option<Duration>,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            backoff: Backoff::new(
                DEFAULT_POLL_INITIAL,
                DEFAULT_POLL_CAP,
                DEFAULT_POLL_MULTIPLIER,
            )
            .with_jitter(Jitter::Proportional(0.2)),
            timeout: Some(DEFAULT_POLL_TIMEOUT),
        }
    }
}

impl PollPolicy {
    /// Polls for an emulator: 10 ms, growing to 250 ms, for at most 10 minutes. Against real
    /// Vertex AI it would only spend quota; keep the default there.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retune_client::wait::PollPolicy;
    /// let start = tokio::time::Instant::now();
    /// assert_eq!(PollPolicy::fast().next_delay(start, 1), Some(Duration::from_millis(10)));
    /// ```
    pub fn fast() -> PollPolicy {
        PollPolicy {
            backoff: Backoff::new(FAST_POLL_INITIAL, FAST_POLL_CAP, DEFAULT_POLL_MULTIPLIER)
                .with_jitter(Jitter::None),
            timeout: Some(FAST_POLL_TIMEOUT),
        }
    }

    /// Polls spaced by `backoff`, with the default timeout.
    pub fn new(backoff: Backoff) -> PollPolicy {
        PollPolicy {
            backoff,
            timeout: Some(DEFAULT_POLL_TIMEOUT),
        }
    }
    /// Give up when the next poll would start more than `d` after the wait began.
    pub fn with_timeout(mut self, d: Duration) -> PollPolicy {
        self.timeout = Some(d);
        self
    }
    /// Wait forever.
    pub fn without_timeout(mut self) -> PollPolicy {
        self.timeout = None;
        self
    }
    /// The delay before poll `attempt + 1` of a wait that began at `start`, or `None` when the
    /// timeout would be exceeded.
    pub fn next_delay(&self, start: Instant, attempt: u32) -> Option<Duration> {
        let delay = self.backoff.sample(attempt);
        match self.timeout {
            Some(limit) if start.elapsed().saturating_add(delay) > limit => None,
            _ => Some(delay),
        }
    }
}

/// What a poll observed: the job, its state, sub-state and progress.
#[derive(Debug, Clone, PartialEq)]
pub struct JobChange {
    /// The job as returned by the service.
    pub job: TuningJob,
    /// `state` (`JOB_STATE_UNSPECIFIED` when absent).
    pub state: JobState,
    /// The v1beta1 sub-state, when the service reports one.
    pub sub_state: Option<TuningJobState>,
    /// Completed epochs and steps, when the service reports them.
    pub progress: Option<JobProgress>,
}

/// `tuningJobMetadata`: how far the job got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobProgress {
    /// Completed epochs.
    pub completed_epochs: i64,
    /// Completed steps.
    pub completed_steps: i64,
}

impl JobChange {
    fn from_job(job: TuningJob) -> JobChange {
        JobChange {
            state: job.state.unwrap_or(JobState::Unspecified),
            sub_state: job.tuning_job_state,
            progress: job.tuning_job_metadata.as_ref().map(|m| JobProgress {
                completed_epochs: m.completed_epoch_count,
                completed_steps: m.completed_step_count,
            }),
            job,
        }
    }

    fn key(&self) -> (JobState, Option<TuningJobState>, Option<JobProgress>) {
        (self.state, self.sub_state, self.progress)
    }
}

/// How waiting for a job ended, when it did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The job ended in `JOB_STATE_FAILED`; `job.error` says why.
    #[error("tuning job {} failed: {}", .job.name, .job.error.as_ref().map(|e| e.message.as_str()).unwrap_or("no error given"))]
    Failed {
        /// The final job.
        job: Box<TuningJob>,
    },
    /// The job was cancelled.
    #[error("tuning job {} was cancelled", .job.name)]
    Cancelled {
        /// The final job.
        job: Box<TuningJob>,
    },
    /// The job expired.
    #[error("tuning job {} expired", .job.name)]
    Expired {
        /// The final job.
        job: Box<TuningJob>,
    },
    /// The job ended in another terminal state (`PARTIALLY_SUCCEEDED`).
    #[error("tuning job {} ended in {}", .job.name, .state.proto_name())]
    Ended {
        /// The terminal state.
        state: JobState,
        /// The final job.
        job: Box<TuningJob>,
    },
    /// The policy's timeout passed first; the job is still running.
    #[error(
        "gave up waiting after {waited:?} (last state {})",
        .last_state.map_or("unknown", |s| s.proto_name())
    )]
    TimedOut {
        /// How long the wait lasted.
        waited: Duration,
        /// The last state seen, if any poll succeeded.
        last_state: Option<JobState>,
    },
    /// A poll failed.
    #[error(transparent)]
    Call(#[from] Error),
}

impl WaitError {
    /// The code this ending maps to: the job's own error code for a failed job (`UNKNOWN`
    /// when it gives none), `CANCELLED`, `DEADLINE_EXCEEDED` for an expired job or a wait that
    /// timed out, the poll's code for a failed poll.
    pub fn code(&self) -> Code {
        match self {
            WaitError::Failed { job } => job
                .error
                .as_ref()
                .and_then(|e| Code::from_number(e.code))
                .unwrap_or(Code::Unknown),
            WaitError::Cancelled { .. } => Code::Cancelled,
            WaitError::Expired { .. } | WaitError::TimedOut { .. } => Code::DeadlineExceeded,
            WaitError::Ended { .. } => Code::Unknown,
            WaitError::Call(e) => e.code().unwrap_or(Code::Unknown),
        }
    }

    /// The final job, for the variants that have one.
    pub fn job(&self) -> Option<&TuningJob> {
        match self {
            WaitError::Failed { job }
            | WaitError::Cancelled { job }
            | WaitError::Expired { job }
            | WaitError::Ended { job, .. } => Some(job),
            _ => None,
        }
    }
}

/// Polls one tuning job. Made by [`Client::wait_for_job`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # use retune_client::{Client, ClientConfig, transport::InProcess};
/// # let state = mock_vertex::Emulator::builder().jobs(mock_vertex::JobSpeed::Instant).build();
/// # let config = ClientConfig::new("projects/p/locations/us-central1".parse()?, "http://emulator.invalid".parse()?);
/// # let client = Client::from_transport(Arc::new(InProcess::new(mock_vertex::router(state.clone()))), config);
/// use retune_client::{DatasetUri, TuningJobSpec};
/// use retune_model::base_model::BaseModel;
///
/// let data: DatasetUri = "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl".parse()?;
/// let spec = TuningJobSpec::from_base_model(BaseModel::lookup("gemini-2.5-flash")?, data);
/// let job = client.create_tuning_job(&spec).await?;
/// let name = job.name.parse()?;
/// let done = client.wait_for_job(&name).until_done().await?;
/// assert_eq!(done.state, Some(retune_model::job_state::JobState::Succeeded));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct JobPoller {
    client: Client,
    name: TuningJobName,
    policy: PollPolicy,
}

impl JobPoller {
    pub(crate) fn new(client: Client, name: TuningJobName, policy: PollPolicy) -> JobPoller {
        JobPoller {
            client,
            name,
            policy,
        }
    }

    /// Replaces the polling policy.
    pub fn with_policy(mut self, policy: PollPolicy) -> JobPoller {
        self.policy = policy;
        self
    }

    /// One poll: gets the job now.
    pub async fn poll(&self) -> Result<JobChange, Error> {
        self.client
            .get_tuning_job(&self.name)
            .await
            .map(JobChange::from_job)
    }

    /// Every change of state, sub-state or progress, starting with the current one; the stream
    /// ends after the job reaches a terminal state, or with [`WaitError::TimedOut`].
    pub fn changes(self) -> impl Stream<Item = Result<JobChange, WaitError>> + Send + 'static {
        struct Loop {
            poller: JobPoller,
            start: Instant,
            attempt: u32,
            last: Option<(JobState, Option<TuningJobState>, Option<JobProgress>)>,
            finished: bool,
        }
        let state = Loop {
            poller: self,
            start: Instant::now(),
            attempt: 0,
            last: None,
            finished: false,
        };
        futures::stream::unfold(state, |mut s| async move {
            if s.finished {
                return None;
            }
            loop {
                if s.attempt > 0 {
                    match s.poller.policy.next_delay(s.start, s.attempt) {
                        Some(delay) => tokio::time::sleep(delay).await,
                        None => {
                            s.finished = true;
                            let last_state = s.last.map(|k| k.0);
                            return Some((
                                Err(WaitError::TimedOut {
                                    waited: s.start.elapsed(),
                                    last_state,
                                }),
                                s,
                            ));
                        }
                    }
                }
                s.attempt += 1;
                let change = match s.poller.poll().await {
                    Ok(change) => change,
                    Err(e) => {
                        s.finished = true;
                        return Some((Err(WaitError::Call(e)), s));
                    }
                };
                if change.state.is_terminal() {
                    s.finished = true;
                    return Some((Ok(change), s));
                }
                if s.last != Some(change.key()) {
                    s.last = Some(change.key());
                    return Some((Ok(change), s));
                }
            }
        })
    }

    /// Waits for the job to end: the job if it succeeded, else how it ended.
    pub async fn until_done(self) -> Result<TuningJob, WaitError> {
        let mut changes = std::pin::pin!(self.changes());
        let mut last = None;
        while let Some(change) = changes.next().await {
            last = Some(change?);
        }
        let Some(change) = last else {
            return Err(WaitError::TimedOut {
                waited: Duration::ZERO,
                last_state: None,
            });
        };
        let job = Box::new(change.job);
        match change.state {
            JobState::Succeeded => Ok(*job),
            JobState::Failed => Err(WaitError::Failed { job }),
            JobState::Cancelled => Err(WaitError::Cancelled { job }),
            JobState::Expired => Err(WaitError::Expired { job }),
            state => Err(WaitError::Ended { state, job }),
        }
    }
}
