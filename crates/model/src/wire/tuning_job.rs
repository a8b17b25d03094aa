//! `TuningJob` and the messages it carries (source, tuned model, metadata, data statistics),
//! plus the GenAiTuningService request and list shapes; the method specs are in `tuning_spec`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    PreferenceOptimizationSpec, Status, SupervisedTuningSpec, WireError, WireMessage, fields,
    join_path,
};
use crate::job_state::{JobState, TuningJobState};
use crate::time::Timestamp;

/// A tuning job (`google.cloud.aiplatform.v1.TuningJob`, with the v1beta1 and REST-only fields).
///
/// The body of CreateTuningJob and the result of Get/Create. Output-only fields (`name`, `state`,
/// times, `tunedModel`, ...) are read back from the server; a server ignores them on create.
/// `baseModel` and `preTunedModel` form the oneof `source_model`; `supervisedTuningSpec`,
/// `preferenceOptimizationSpec` and the untyped out-of-scope specs form the oneof `tuning_spec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TuningJob {
    /// Output only. `projects/{p}/locations/{l}/tuningJobs/{id}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Display name of the tuned model (≤128 characters).
    #[serde(
        alias = "tuned_model_display_name",
        skip_serializing_if = "String::is_empty"
    )]
    pub tuned_model_display_name: String,
    /// Description of the job.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Oneof `source_model`: a publisher model id such as `gemini-2.5-flash`.
    #[serde(alias = "base_model", skip_serializing_if = "Option::is_none")]
    pub base_model: Option<String>,
    /// Oneof `source_model`: continuous tuning from a tuned model (or one of its checkpoints).
    #[serde(alias = "pre_tuned_model", skip_serializing_if = "Option::is_none")]
    pub pre_tuned_model: Option<PreTunedModel>,
    /// v1beta1, open models only: a `gs://` directory of custom weights.
    #[serde(alias = "custom_base_model", skip_serializing_if = "String::is_empty")]
    pub custom_base_model: String,
    /// Oneof `tuning_spec`: supervised fine-tuning.
    #[serde(
        alias = "supervised_tuning_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub supervised_tuning_spec: Option<SupervisedTuningSpec>,
    /// Oneof `tuning_spec`: preference optimization (REST/SDK).
    #[serde(
        alias = "preference_optimization_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub preference_optimization_spec: Option<PreferenceOptimizationSpec>,
    /// Oneof `tuning_spec`, out of scope (v1beta1): carried untyped.
    #[serde(alias = "distillation_spec", skip_serializing_if = "Option::is_none")]
    pub distillation_spec: Option<serde_json::Value>,
    /// Oneof `tuning_spec`, out of scope (v1beta1): carried untyped.
    #[serde(
        alias = "partner_model_tuning_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub partner_model_tuning_spec: Option<serde_json::Value>,
    /// Oneof `tuning_spec`, out of scope (v1beta1): carried untyped.
    #[serde(alias = "veo_tuning_spec", skip_serializing_if = "Option::is_none")]
    pub veo_tuning_spec: Option<serde_json::Value>,
    /// Oneof `tuning_spec`, out of scope (v1beta1): carried untyped.
    #[serde(
        alias = "veo_lora_tuning_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub veo_lora_tuning_spec: Option<serde_json::Value>,
    /// Oneof `tuning_spec`, out of scope (SDK/REST): carried untyped.
    #[serde(
        alias = "reinforcement_tuning_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub reinforcement_tuning_spec: Option<serde_json::Value>,
    /// Oneof `tuning_spec`, out of scope (SDK/REST): carried untyped.
    #[serde(
        alias = "full_fine_tuning_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub full_fine_tuning_spec: Option<serde_json::Value>,
    /// Oneof `tuning_spec`, out of scope (SDK/REST): carried untyped.
    #[serde(
        alias = "distillation_sampling_spec",
        skip_serializing_if = "Option::is_none"
    )]
    pub distillation_sampling_spec: Option<serde_json::Value>,
    /// Output only.
    #[serde(
        with = "fields::proto_enum_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<JobState>,
    /// Output only (v1beta1): the sub-state while `state` is RUNNING.
    #[serde(
        alias = "tuning_job_state",
        with = "fields::proto_enum_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub tuning_job_state: Option<TuningJobState>,
    /// Output only (SDK/REST): progress.
    #[serde(alias = "tuning_job_metadata", skip_serializing_if = "Option::is_none")]
    pub tuning_job_metadata: Option<TuningJobMetadata>,
    /// Output only.
    #[serde(
        alias = "create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<Timestamp>,
    /// Output only: first entry into RUNNING.
    #[serde(
        alias = "start_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_time: Option<Timestamp>,
    /// Output only: entry into SUCCEEDED, FAILED, CANCELLED or EXPIRED.
    #[serde(
        alias = "end_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_time: Option<Timestamp>,
    /// Output only.
    #[serde(
        alias = "update_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<Timestamp>,
    /// Output only: set for FAILED and CANCELLED (code 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Status>,
    /// Labels, also applied to the generated Model and Endpoint.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Output only: the experiment context name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub experiment: String,
    /// Output only: the model version and endpoints produced.
    #[serde(alias = "tuned_model", skip_serializing_if = "Option::is_none")]
    pub tuned_model: Option<TunedModel>,
    /// Output only: statistics of the training data.
    #[serde(alias = "tuning_data_stats", skip_serializing_if = "Option::is_none")]
    pub tuning_data_stats: Option<TuningDataStats>,
    /// CMEK for the job and everything it creates.
    #[serde(alias = "encryption_spec", skip_serializing_if = "Option::is_none")]
    pub encryption_spec: Option<EncryptionSpec>,
    /// The service account the job runs as.
    #[serde(alias = "service_account", skip_serializing_if = "String::is_empty")]
    pub service_account: String,
    /// Output only (v1beta1): the pipeline job.
    #[serde(alias = "pipeline_job", skip_serializing_if = "String::is_empty")]
    pub pipeline_job: String,
    /// v1beta1, open models only: output directory.
    #[serde(alias = "output_uri", skip_serializing_if = "String::is_empty")]
    pub output_uri: String,
    /// Output only: results of `evaluationConfig`.
    #[serde(alias = "evaluate_dataset_runs", skip_serializing_if = "Vec::is_empty")]
    pub evaluate_dataset_runs: Vec<EvaluateDatasetRun>,
    /// v1beta1 only (in no proto; google-genai's v1beta1 `TuningJob` has it): a top-level
    /// evaluation config, carried untyped, keys camelCased. The protos put `evaluationConfig` in
    /// the tuning spec.
    #[serde(
        alias = "evaluation_config",
        with = "fields::camel_object_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub evaluation_config: Option<serde_json::Value>,
}

impl TuningJob {
    /// The camelCase names of the `tuning_spec` members that are set, in proto order.
    pub fn tuning_specs_set(&self) -> Vec<&'static str> {
        self.tuning_spec_members()
            .into_iter()
            .filter(|(_, _, set)| *set)
            .map(|(_, json, _)| json)
            .collect()
    }

    fn tuning_spec_members(&self) -> [(&'static str, &'static str, bool); 9] {
        [
            (
                "supervised_tuning_spec",
                "supervisedTuningSpec",
                self.supervised_tuning_spec.is_some(),
            ),
            (
                "preference_optimization_spec",
                "preferenceOptimizationSpec",
                self.preference_optimization_spec.is_some(),
            ),
            (
                "distillation_spec",
                "distillationSpec",
                self.distillation_spec.is_some(),
            ),
            (
                "partner_model_tuning_spec",
                "partnerModelTuningSpec",
                self.partner_model_tuning_spec.is_some(),
            ),
            (
                "veo_tuning_spec",
                "veoTuningSpec",
                self.veo_tuning_spec.is_some(),
            ),
            (
                "veo_lora_tuning_spec",
                "veoLoraTuningSpec",
                self.veo_lora_tuning_spec.is_some(),
            ),
            (
                "reinforcement_tuning_spec",
                "reinforcementTuningSpec",
                self.reinforcement_tuning_spec.is_some(),
            ),
            (
                "full_fine_tuning_spec",
                "fullFineTuningSpec",
                self.full_fine_tuning_spec.is_some(),
            ),
            (
                "distillation_sampling_spec",
                "distillationSamplingSpec",
                self.distillation_sampling_spec.is_some(),
            ),
        ]
    }

    /// Checks the oneofs of this job, with field paths under `path`.
    pub(crate) fn check_oneofs_at(&self, path: &str) -> Result<(), WireError> {
        if self.base_model.is_some() && self.pre_tuned_model.is_some() {
            return Err(WireError::oneof_conflict(
                "source_model",
                join_path(path, "pre_tuned_model"),
                "preTunedModel",
            ));
        }
        let members = self.tuning_spec_members();
        let mut set = members.iter().filter(|(_, _, set)| *set);
        if let (Some(_), Some((snake, json, _))) = (set.next(), set.next()) {
            return Err(WireError::oneof_conflict(
                "tuning_spec",
                join_path(path, snake),
                json,
            ));
        }
        if let Some(stats) = &self.tuning_data_stats {
            stats.check_oneofs_at(&join_path(path, "tuning_data_stats"))?;
        }
        Ok(())
    }
}

impl WireMessage for TuningJob {
    const PROTO_NAME: &'static str = "tuning_job";

    fn check_oneofs(&self) -> Result<(), WireError> {
        self.check_oneofs_at(Self::PROTO_NAME)
    }
}

/// `PreTunedModel`: the tuned model (and checkpoint) a continuous-tuning job starts from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PreTunedModel {
    /// `…/models/{m}`, `…/models/{m}@{version}` or `…/models/{m}@{alias}`.
    #[serde(alias = "tuned_model_name", skip_serializing_if = "String::is_empty")]
    pub tuned_model_name: String,
    /// Optional; empty means the version's default checkpoint.
    #[serde(alias = "checkpoint_id", skip_serializing_if = "String::is_empty")]
    pub checkpoint_id: String,
    /// Output only: the root base model, filled in by the server.
    #[serde(alias = "base_model", skip_serializing_if = "String::is_empty")]
    pub base_model: String,
}

/// `TunedModel` (output only): the model version and endpoint a job produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TunedModel {
    /// `…/models/{m}@{versionId}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// The endpoint of the default checkpoint.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Absent when only the last checkpoint was exported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<TunedModelCheckpoint>,
}

/// `TunedModelCheckpoint`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TunedModelCheckpoint {
    /// `"1"`, `"2"`, ...
    #[serde(alias = "checkpoint_id", skip_serializing_if = "String::is_empty")]
    pub checkpoint_id: String,
    /// int64.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub epoch: i64,
    /// int64.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub step: i64,
    /// The endpoint serving this checkpoint.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
}

/// `TuningJobMetadata` (output only): progress of a running job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TuningJobMetadata {
    /// int64.
    #[serde(
        alias = "completed_epoch_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub completed_epoch_count: i64,
    /// int64.
    #[serde(
        alias = "completed_step_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub completed_step_count: i64,
}

/// `TuningDataStats` (output only); a oneof of supervised, preference-optimization and
/// (v1beta1) distillation stats, plus the SDK's reinforcement-tuning stats.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TuningDataStats {
    /// Statistics of a supervised tuning data set.
    #[serde(
        alias = "supervised_tuning_data_stats",
        skip_serializing_if = "Option::is_none"
    )]
    pub supervised_tuning_data_stats: Option<SupervisedTuningDataStats>,
    /// Statistics of a preference-optimization data set (REST/SDK).
    #[serde(
        alias = "preference_optimization_data_stats",
        skip_serializing_if = "Option::is_none"
    )]
    pub preference_optimization_data_stats: Option<super::PreferenceOptimizationDataStats>,
    /// v1beta1, out of scope: carried untyped.
    #[serde(
        alias = "distillation_data_stats",
        skip_serializing_if = "Option::is_none"
    )]
    pub distillation_data_stats: Option<serde_json::Value>,
    /// SDK/REST, out of scope: carried untyped.
    #[serde(
        alias = "reinforcement_tuning_data_stats",
        skip_serializing_if = "Option::is_none"
    )]
    pub reinforcement_tuning_data_stats: Option<serde_json::Value>,
}

impl WireMessage for TuningDataStats {
    const PROTO_NAME: &'static str = "";

    fn check_oneofs(&self) -> Result<(), WireError> {
        self.check_oneofs_at(Self::PROTO_NAME)
    }
}

super::plain_messages!(
    PreTunedModel,
    TunedModel,
    TunedModelCheckpoint,
    TuningJobMetadata,
    SupervisedTuningDataStats,
    DatasetDistribution,
    DatasetBucket,
    EncryptionSpec,
    Content,
    Part,
    EvaluateDatasetRun,
);

impl TuningDataStats {
    fn check_oneofs_at(&self, path: &str) -> Result<(), WireError> {
        let members = [
            (
                self.supervised_tuning_data_stats.is_some(),
                "supervised_tuning_data_stats",
                "supervisedTuningDataStats",
            ),
            (
                self.preference_optimization_data_stats.is_some(),
                "preference_optimization_data_stats",
                "preferenceOptimizationDataStats",
            ),
            (
                self.distillation_data_stats.is_some(),
                "distillation_data_stats",
                "distillationDataStats",
            ),
            (
                self.reinforcement_tuning_data_stats.is_some(),
                "reinforcement_tuning_data_stats",
                "reinforcementTuningDataStats",
            ),
        ];
        let mut set = members.iter().filter(|(set, ..)| *set);
        if let (Some(_), Some((_, snake, json))) = (set.next(), set.next()) {
            return Err(WireError::oneof_conflict(
                "tuning_data_stats",
                join_path(path, snake),
                json,
            ));
        }
        Ok(())
    }
}

/// `SupervisedTuningDataStats`: counts (int64) and token distributions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SupervisedTuningDataStats {
    /// Examples in the training set.
    #[serde(
        alias = "tuning_dataset_example_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub tuning_dataset_example_count: i64,
    /// Characters in the training set.
    #[serde(
        alias = "total_tuning_character_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub total_tuning_character_count: i64,
    /// Deprecated: billable characters.
    #[serde(
        alias = "total_billable_character_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub total_billable_character_count: i64,
    /// Billable tokens.
    #[serde(
        alias = "total_billable_token_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub total_billable_token_count: i64,
    /// Tuning steps of the job.
    #[serde(
        alias = "tuning_step_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub tuning_step_count: i64,
    /// Tokens of user input per example.
    #[serde(
        alias = "user_input_token_distribution",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_input_token_distribution: Option<DatasetDistribution>,
    /// Tokens of model output per example.
    #[serde(
        alias = "user_output_token_distribution",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_output_token_distribution: Option<DatasetDistribution>,
    /// Messages per example.
    #[serde(
        alias = "user_message_per_example_distribution",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_message_per_example_distribution: Option<DatasetDistribution>,
    /// A few sample examples.
    #[serde(alias = "user_dataset_examples", skip_serializing_if = "Vec::is_empty")]
    pub user_dataset_examples: Vec<Content>,
    /// Examples dropped or truncated.
    #[serde(
        alias = "total_truncated_example_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub total_truncated_example_count: i64,
    /// 1-based indices of (some of) the dropped examples.
    #[serde(
        alias = "truncated_example_indices",
        with = "fields::int64_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub truncated_example_indices: Vec<i64>,
    /// Why each example in `truncated_example_indices` was dropped.
    #[serde(
        alias = "dropped_example_reasons",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dropped_example_reasons: Vec<String>,
}

/// `SupervisedTuningDatasetDistribution`: sums (int64), order statistics (double) and a histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DatasetDistribution {
    /// int64 sum of the population.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub sum: i64,
    /// int64 sum of the billable part.
    #[serde(
        alias = "billable_sum",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub billable_sum: i64,
    /// Minimum.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub min: f64,
    /// Maximum.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub max: f64,
    /// Arithmetic mean.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub mean: f64,
    /// Median.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub median: f64,
    /// 5th percentile.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub p5: f64,
    /// 95th percentile.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub p95: f64,
    /// Histogram buckets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<DatasetBucket>,
}

/// `SupervisedTuningDatasetDistribution.DatasetBucket`: `count` values in `[left, right)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DatasetBucket {
    /// Number of values (a double on the wire).
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub count: f64,
    /// Left bound.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub left: f64,
    /// Right bound.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub right: f64,
}

/// `EncryptionSpec`: the CMEK key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EncryptionSpec {
    /// `projects/{p}/locations/{l}/keyRings/{r}/cryptoKeys/{k}`.
    #[serde(alias = "kms_key_name", skip_serializing_if = "String::is_empty")]
    pub kms_key_name: String,
}

/// `Content` (minimal): one turn of a conversation, as in `userDatasetExamples`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Content {
    /// `user` or `model`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub role: String,
    /// The parts of the turn.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// `Part` (minimal): text, or another kind of data carried untyped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Part {
    /// Text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Whether the part is a thought.
    #[serde(skip_serializing_if = "fields::is_false")]
    pub thought: bool,
    /// Inline bytes (untyped).
    #[serde(alias = "inline_data", skip_serializing_if = "Option::is_none")]
    pub inline_data: Option<serde_json::Value>,
    /// A file reference (untyped).
    #[serde(alias = "file_data", skip_serializing_if = "Option::is_none")]
    pub file_data: Option<serde_json::Value>,
    /// A function call (untyped).
    #[serde(alias = "function_call", skip_serializing_if = "Option::is_none")]
    pub function_call: Option<serde_json::Value>,
    /// A function response (untyped).
    #[serde(alias = "function_response", skip_serializing_if = "Option::is_none")]
    pub function_response: Option<serde_json::Value>,
    /// Executable code (untyped).
    #[serde(alias = "executable_code", skip_serializing_if = "Option::is_none")]
    pub executable_code: Option<serde_json::Value>,
    /// A code execution result (untyped).
    #[serde(
        alias = "code_execution_result",
        skip_serializing_if = "Option::is_none"
    )]
    pub code_execution_result: Option<serde_json::Value>,
    /// Video metadata (untyped).
    #[serde(alias = "video_metadata", skip_serializing_if = "Option::is_none")]
    pub video_metadata: Option<serde_json::Value>,
    /// `thoughtSignature` (bytes, base64).
    #[serde(alias = "thought_signature", skip_serializing_if = "String::is_empty")]
    pub thought_signature: String,
    /// `mediaResolution` (v1; untyped).
    #[serde(alias = "media_resolution", skip_serializing_if = "Option::is_none")]
    pub media_resolution: Option<serde_json::Value>,
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Part {
        Part {
            text: text.into(),
            ..Part::default()
        }
    }
}

/// `EvaluateDatasetRun` (output only): one evaluation run of a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EvaluateDatasetRun {
    /// Deprecated: the operation name.
    #[serde(alias = "operation_name", skip_serializing_if = "String::is_empty")]
    pub operation_name: String,
    /// The evaluation run resource name.
    #[serde(alias = "evaluation_run", skip_serializing_if = "String::is_empty")]
    pub evaluation_run: String,
    /// The checkpoint evaluated.
    #[serde(alias = "checkpoint_id", skip_serializing_if = "String::is_empty")]
    pub checkpoint_id: String,
    /// The results (untyped).
    #[serde(
        alias = "evaluate_dataset_response",
        skip_serializing_if = "Option::is_none"
    )]
    pub evaluate_dataset_response: Option<serde_json::Value>,
    /// Set when the run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Status>,
}

/// `ListTuningJobsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListTuningJobsResponse {
    /// One page of jobs.
    #[serde(alias = "tuning_jobs", skip_serializing_if = "Vec::is_empty")]
    pub tuning_jobs: Vec<TuningJob>,
    /// Empty on the last page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListTuningJobsResponse {
    const PROTO_NAME: &'static str = "";

    fn check_oneofs(&self) -> Result<(), WireError> {
        for (i, job) in self.tuning_jobs.iter().enumerate() {
            job.check_oneofs_at(&format!("tuning_jobs[{i}]"))?;
        }
        Ok(())
    }
}

/// `CancelTuningJobRequest` body: usually empty (the name is in the path); the SDK sends no body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CancelTuningJobRequest {
    /// The job name, if a client repeats it in the body.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl WireMessage for CancelTuningJobRequest {
    const PROTO_NAME: &'static str = "";
    const EMPTY_BODY_IS_EMPTY_MESSAGE: bool = true;
}
