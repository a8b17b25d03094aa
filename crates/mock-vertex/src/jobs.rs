//! Tuning jobs inside the emulator: what is stored per job, its timeline, and how it looks at a
//! given time.
//!
//! A job does not tick. It stores when it was created and its [`JobTimeline`] (from
//! `retune_model::job_state`); its state at any time is [`progress_at`] of the elapsed time,
//! unless an event already ended it or a cancel interrupted it. The store keeps one pending event
//! per unfinished job (success, data failure or end of cancellation) in a time-ordered index and
//! fires it when the clock passes it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use retune_model::Timestamp;
use retune_model::answer::TrainingPair;
use retune_model::base_model::BaseModel;
use retune_model::continuous::{ContinuousTuningPlan, TuningMethod};
use retune_model::job_state::{JobProgress, JobState, JobTimeline, TuningJobState, progress_at};
use retune_model::names::{KmsKeyName, ModelRef, TuningJobName};
use retune_model::request::{
    CheckpointEvaluation, check_evaluation_config, evaluate_checkpoint, evaluation_config_of,
};
use retune_model::wire;

use crate::routes::ApiVersion;
use crate::store::CheckpointRecord;

/// Where a job's data stand: read and valid (with statistics), or the reason the job will fail
/// while processing the data set.
#[derive(Debug, Clone)]
pub enum DataOutcome {
    /// Valid data and its statistics (`tuningDataStats`: supervised or preference), shared by the
    /// jobs whose statistics are equal (jobs made from the same data set and epoch count), see
    /// the store's `insert_job`.
    Valid(Arc<wire::TuningDataStats>),
    /// Missing or invalid data: the job fails at the end of `PROCESSING_DATASET` with this error.
    Invalid(wire::Status),
}

/// Where a continuous-tuning job comes from.
#[derive(Debug, Clone)]
pub struct Continuation {
    /// The plan `retune_model::continuous` made at create time.
    pub plan: ContinuousTuningPlan,
}

/// A finished job's outputs.
#[derive(Debug, Clone)]
pub struct TunedOutput {
    /// `…/models/{m}@{version}`.
    pub model: ModelRef,
    /// Each exported checkpoint and its endpoint (shared with the version's).
    pub checkpoints: Arc<[CheckpointRecord]>,
    /// `tunedModel.checkpoints` is listed only with intermediate checkpoints.
    pub list_checkpoints: bool,
}

/// How a job stands apart from its timeline.
#[derive(Debug, Clone)]
pub enum Phase {
    /// Following its timeline.
    Scheduled,
    /// Cancel requested at `at`, when it stood at `progress`.
    Cancelling {
        /// When the cancel was requested.
        at: Timestamp,
        /// Where the job stood then.
        progress: JobProgress,
    },
    /// Over.
    Ended {
        /// The terminal state.
        state: JobState,
        /// `endTime`.
        at: Timestamp,
        /// Where the job stood when it ended.
        progress: JobProgress,
        /// `error` (failed or cancelled jobs).
        error: Option<wire::Status>,
        /// The outputs of a succeeded job.
        output: Option<Box<TunedOutput>>,
    },
}

/// A create request's input fields, stored compactly.
///
/// The fields a Gemini tuning job sets are kept inline (or boxed, when large); any other field
/// the request set (rare: fields the emulator echoes back without using them) stays in a boxed
/// `wire::TuningJob`. [`to_wire`](JobRequest::to_wire) gives back exactly the request stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobRequest {
    /// `tunedModelDisplayName`.
    pub tuned_model_display_name: String,
    /// `description`.
    pub description: String,
    /// `baseModel`.
    pub base_model: Option<String>,
    /// `labels`.
    pub labels: BTreeMap<String, String>,
    /// `serviceAccount`.
    pub service_account: String,
    /// `preTunedModel`.
    pub pre_tuned_model: Option<Box<wire::PreTunedModel>>,
    /// `supervisedTuningSpec`.
    pub supervised_tuning_spec: Option<Box<wire::SupervisedTuningSpec>>,
    /// `encryptionSpec`.
    pub encryption_spec: Option<Box<wire::EncryptionSpec>>,
    /// Every other field, when any is set.
    pub other: Option<Box<wire::TuningJob>>,
}

impl From<wire::TuningJob> for JobRequest {
    fn from(mut job: wire::TuningJob) -> JobRequest {
        let mut request = JobRequest {
            tuned_model_display_name: std::mem::take(&mut job.tuned_model_display_name),
            description: std::mem::take(&mut job.description),
            base_model: job.base_model.take(),
            labels: std::mem::take(&mut job.labels),
            service_account: std::mem::take(&mut job.service_account),
            pre_tuned_model: job.pre_tuned_model.take().map(Box::new),
            supervised_tuning_spec: job.supervised_tuning_spec.take().map(Box::new),
            encryption_spec: job.encryption_spec.take().map(Box::new),
            other: None,
        };
        if job != wire::TuningJob::default() {
            request.other = Some(Box::new(job));
        }
        request
    }
}

impl JobRequest {
    /// The request in its wire shape.
    pub fn to_wire(&self) -> wire::TuningJob {
        let mut job = self.other.as_deref().cloned().unwrap_or_default();
        job.tuned_model_display_name
            .clone_from(&self.tuned_model_display_name);
        job.description.clone_from(&self.description);
        job.base_model.clone_from(&self.base_model);
        job.labels.clone_from(&self.labels);
        job.service_account.clone_from(&self.service_account);
        job.pre_tuned_model = self.pre_tuned_model.as_deref().cloned();
        job.supervised_tuning_spec = self.supervised_tuning_spec.as_deref().cloned();
        job.encryption_spec = self.encryption_spec.as_deref().cloned();
        job
    }
}

/// Everything the emulator keeps about one tuning job.
#[derive(Debug, Clone)]
pub struct JobRecord {
    /// The job's name.
    pub name: TuningJobName,
    /// The request as received (input fields only); rendered back with the outputs added.
    pub request: JobRequest,
    /// The root base model (for continuous tuning, the one the pre-tuned model came from).
    pub base_model: &'static BaseModel,
    /// Set for continuous tuning.
    pub continuation: Option<Box<Continuation>>,
    /// `createTime`.
    pub created: Timestamp,
    /// The simulated phases.
    pub timeline: JobTimeline,
    /// `exportLastCheckpointOnly`.
    pub export_last_checkpoint_only: bool,
    /// The data-set check done at create time.
    pub data: DataOutcome,
    /// The training pairs of the examples the job read (empty for seeded and imported jobs).
    pub training: Arc<[TrainingPair]>,
    /// The CMEK key, if any.
    pub kms_key: Option<Box<KmsKeyName>>,
    /// Where the job stands apart from its timeline.
    pub phase: Phase,
    /// The key of the job's pending event in the store's index, if any.
    pub event: Option<(Timestamp, u64)>,
}

/// A job as seen at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobView {
    /// Progress (state, sub-state, counters).
    pub progress: JobProgress,
    /// `startTime`.
    pub start_time: Option<Timestamp>,
    /// `endTime`.
    pub end_time: Option<Timestamp>,
    /// `updateTime`.
    pub update_time: Timestamp,
}

impl JobRecord {
    /// When the job entered `RUNNING` on its timeline.
    fn started_at(&self) -> Timestamp {
        self.created.saturating_add(self.timeline.started_after())
    }

    /// When the job's timeline ends (success).
    pub fn succeeds_at(&self) -> Timestamp {
        self.created.saturating_add(self.timeline.succeeded_after())
    }

    /// When the data-set phase ends (a data failure happens then).
    pub fn data_processed_at(&self) -> Timestamp {
        self.started_at()
            .saturating_add(self.timeline.processing_dataset)
    }

    /// Where the job stands on its timeline at `at` (ignoring events).
    pub fn progress_at(&self, at: Timestamp) -> JobProgress {
        progress_at(&self.timeline, at.duration_since(self.created))
    }

    /// When the job will have completed `epochs` epochs on its timeline (at most all of them;
    /// 0: when tuning starts). An injected failure at an epoch happens then.
    pub fn epochs_done_at(&self, epochs: u64) -> Timestamp {
        self.created
            .saturating_add(self.timeline.epochs_done_after(epochs))
    }

    /// The time the job last changed on its timeline, at or before `at`.
    fn timeline_update_time(&self, at: Timestamp, progress: &JobProgress) -> Timestamp {
        let t = &self.timeline;
        let offset = match (progress.state, progress.tuning_state) {
            (JobState::Pending, _) => Duration::ZERO,
            (JobState::Running, TuningJobState::ProcessingDataset) => t.pending,
            (JobState::Running, TuningJobState::Tuning) => {
                t.steps_done_after(progress.completed_step_count)
            }
            (JobState::Running, _) => t.steps_done_after(t.total_steps()),
            _ => return at,
        };
        self.created.saturating_add(offset).min(at)
    }

    /// The job as seen at `now`.
    pub fn view(&self, now: Timestamp) -> JobView {
        match &self.phase {
            Phase::Scheduled => {
                // The timeline may be over while its end event has not fired yet (the response
                // to the create call of an instant job): the job shows where it stood just
                // before, PENDING at creation and POST_PROCESSING later.
                let mut progress = self.progress_at(now);
                if progress.state.is_terminal() {
                    progress = if now <= self.created {
                        progress_at(&self.timeline, Duration::ZERO)
                    } else {
                        JobProgress {
                            state: JobState::Running,
                            tuning_state: TuningJobState::PostProcessing,
                            ..progress
                        }
                    };
                    if progress.state.is_terminal() {
                        progress = JobProgress {
                            state: JobState::Pending,
                            tuning_state: TuningJobState::Unspecified,
                            completed_epoch_count: 0,
                            completed_step_count: 0,
                        };
                    }
                }
                JobView {
                    progress,
                    start_time: (progress.state != JobState::Pending).then(|| self.started_at()),
                    end_time: None,
                    update_time: self.timeline_update_time(now, &progress),
                }
            }
            Phase::Cancelling { at, progress } => JobView {
                progress: JobProgress {
                    state: JobState::Cancelling,
                    tuning_state: TuningJobState::Unspecified,
                    ..*progress
                },
                start_time: (progress.state != JobState::Pending).then(|| self.started_at()),
                end_time: None,
                update_time: *at,
            },
            Phase::Ended {
                state,
                at,
                progress,
                ..
            } => JobView {
                progress: JobProgress {
                    state: *state,
                    tuning_state: TuningJobState::Unspecified,
                    ..*progress
                },
                start_time: (progress.state != JobState::Pending).then(|| self.started_at()),
                end_time: Some(*at),
                update_time: *at,
            },
        }
    }

    /// The job's JSON shape at `now`, for `version`.
    pub fn render(&self, now: Timestamp, version: ApiVersion) -> wire::TuningJob {
        let view = self.view(now);
        let mut job = self.request.to_wire();
        job.name = self.name.to_string();
        job.state = Some(view.progress.state);
        job.create_time = Some(self.created);
        job.start_time = view.start_time;
        job.end_time = view.end_time;
        job.update_time = Some(view.update_time);
        if let Some(pre) = job.pre_tuned_model.as_mut() {
            pre.base_model = self.base_model.id().to_owned();
        }
        if version == ApiVersion::V1Beta1 {
            if view.progress.state == JobState::Running {
                job.tuning_job_state = Some(view.progress.tuning_state);
            }
            job.tuning_job_metadata = Some(wire::TuningJobMetadata {
                completed_epoch_count: i64::try_from(view.progress.completed_epoch_count)
                    .unwrap_or(i64::MAX),
                completed_step_count: i64::try_from(view.progress.completed_step_count)
                    .unwrap_or(i64::MAX),
            });
        }
        if let Phase::Ended { error, output, .. } = &self.phase {
            job.error = error.clone();
            if let Some(output) = output {
                job.tuned_model = Some(render_tuned_model(output));
                job.experiment = experiment_name(&self.name, self.created);
                job.evaluate_dataset_runs = self
                    .evaluations(output)
                    .into_iter()
                    .map(|e| e.run)
                    .collect();
            }
            if let (DataOutcome::Valid(stats), Some(_)) = (&self.data, output) {
                job.tuning_data_stats = Some((**stats).clone());
            }
        }
        job.retain_fields_of(version);
        job
    }

    /// The tuning method, from the spec the request set.
    pub fn method(&self) -> TuningMethod {
        match (&self.request.supervised_tuning_spec, &self.request.other) {
            (Some(_), _) => TuningMethod::Supervised,
            (None, Some(other)) => TuningMethod::of(other),
            (None, None) => TuningMethod::Other,
        }
    }

    /// The evaluation of each exported checkpoint, when the request carries an
    /// `evaluationConfig` (`retune_model::request::evaluate_checkpoint`), on the validation data
    /// set (the training one when there is none).
    pub fn evaluations(&self, output: &TunedOutput) -> Vec<CheckpointEvaluation> {
        let request = self.request.to_wire();
        let Some(plan) = evaluation_config_of(&request)
            .and_then(|(config, field)| check_evaluation_config(config, field).ok())
        else {
            return Vec::new();
        };
        let (training, validation) = match (
            &request.supervised_tuning_spec,
            &request.preference_optimization_spec,
        ) {
            (Some(s), _) => (&s.training_dataset_uri, &s.validation_dataset_uri),
            (None, Some(p)) => (&p.training_dataset_uri, &p.validation_dataset_uri),
            (None, None) => return Vec::new(),
        };
        let dataset = if validation.is_empty() {
            training
        } else {
            validation
        };
        let job_id = self.name.tuning_job_id().to_string();
        output
            .checkpoints
            .iter()
            .map(|c| {
                evaluate_checkpoint(
                    &plan,
                    &job_id,
                    &c.id.to_string(),
                    c.epoch,
                    u64::from(self.timeline.epochs),
                    dataset,
                )
            })
            .collect()
    }

    /// The outputs of a succeeded job.
    pub fn output(&self) -> Option<&TunedOutput> {
        match &self.phase {
            Phase::Ended { output, .. } => output.as_deref(),
            _ => None,
        }
    }

    /// The outputs of a succeeded job, to change.
    pub fn output_mut(&mut self) -> Option<&mut TunedOutput> {
        match &mut self.phase {
            Phase::Ended { output, .. } => output.as_deref_mut(),
            _ => None,
        }
    }

    /// The job's labels.
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.request.labels
    }
}

fn render_tuned_model(output: &TunedOutput) -> wire::TunedModel {
    let endpoint = output
        .checkpoints
        .last()
        .map(|c| c.endpoint.to_string())
        .unwrap_or_default();
    let checkpoints = if output.list_checkpoints {
        output
            .checkpoints
            .iter()
            .map(|c| wire::TunedModelCheckpoint {
                checkpoint_id: c.id.to_string(),
                epoch: i64::try_from(c.epoch).unwrap_or(i64::MAX),
                step: i64::try_from(c.step).unwrap_or(i64::MAX),
                endpoint: c.endpoint.to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    wire::TunedModel {
        model: output.model.to_string(),
        endpoint,
        checkpoints,
    }
}

/// The experiment context a job's run is recorded under.
pub fn experiment_name(job: &TuningJobName, created: Timestamp) -> String {
    format!(
        "{}/metadataStores/default/contexts/tuning-experiment-{}",
        job.location_name(),
        created.compact_digits()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> wire::TuningJob {
        match wire::decode(json.as_bytes()) {
            Ok(job) => job,
            Err(err) => panic!("bad test request {json}: {err}"),
        }
    }

    #[test]
    fn stored_request_gives_back_exactly_the_request() {
        let full = decode(
            r#"{"baseModel":"gemini-2.5-flash","tunedModelDisplayName":"d","description":"x",
                "labels":{"a":"b"},"serviceAccount":"sa@p.iam.gserviceaccount.com",
                "supervisedTuningSpec":{"trainingDatasetUri":"gs://b/t.jsonl",
                  "hyperParameters":{"epochCount":"3"}},
                "encryptionSpec":{"kmsKeyName":"projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"},
                "outputUri":"gs://b/out"}"#,
        );
        let stored = JobRequest::from(full.clone());
        assert!(stored.other.is_some(), "outputUri is kept with the rest");
        assert_eq!(stored.to_wire(), full);

        let continuous = decode(
            r#"{"preTunedModel":{"tunedModelName":"projects/p/locations/l/models/m","checkpointId":"2"},
                "supervisedTuningSpec":{"trainingDatasetUri":"gs://b/t.jsonl"}}"#,
        );
        let stored = JobRequest::from(continuous.clone());
        assert!(stored.other.is_none(), "a plain request keeps nothing else");
        assert_eq!(stored.to_wire(), continuous);
    }
}
