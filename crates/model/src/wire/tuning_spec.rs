//! The tuning method specs inside a `TuningJob`: `SupervisedTuningSpec` and
//! `PreferenceOptimizationSpec`, their hyperparameters, and the v1beta1 tuning mode.

use serde::{Deserialize, Serialize};

use super::{WireEnum, fields};
use crate::hyperparameters::AdapterSize;

/// `SupervisedTuningSpec.tuning_mode` (v1beta1): full fine-tuning or a PEFT adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TuningMode {
    /// `TUNING_MODE_UNSPECIFIED`.
    Unspecified,
    /// `TUNING_MODE_FULL`.
    Full,
    /// `TUNING_MODE_PEFT_ADAPTER`.
    PeftAdapter,
}

crate::proto_enum!(TuningMode {
    Unspecified = ("TUNING_MODE_UNSPECIFIED", 0),
    Full = ("TUNING_MODE_FULL", 1),
    PeftAdapter = ("TUNING_MODE_PEFT_ADAPTER", 2),
});

impl WireEnum for TuningMode {
    const PROTO_TYPE: &'static str =
        "google.cloud.aiplatform.v1beta1.SupervisedTuningSpec.TuningMode";
}

/// `SupervisedTuningSpec`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SupervisedTuningSpec {
    /// Required: a `gs://` JSONL file (or a Vertex dataset resource name).
    #[serde(
        alias = "training_dataset_uri",
        skip_serializing_if = "String::is_empty"
    )]
    pub training_dataset_uri: String,
    /// Optional validation JSONL.
    #[serde(
        alias = "validation_dataset_uri",
        skip_serializing_if = "String::is_empty"
    )]
    pub validation_dataset_uri: String,
    /// Optional hyperparameters.
    #[serde(alias = "hyper_parameters", skip_serializing_if = "Option::is_none")]
    pub hyper_parameters: Option<SupervisedHyperParameters>,
    /// Only export the last checkpoint.
    #[serde(
        alias = "export_last_checkpoint_only",
        skip_serializing_if = "fields::is_false"
    )]
    pub export_last_checkpoint_only: bool,
    /// Evaluation during tuning; carried untyped, keys camelCased (the SDK sends some snake_case).
    #[serde(
        alias = "evaluation_config",
        with = "fields::camel_object_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub evaluation_config: Option<serde_json::Value>,
    /// v1beta1: full tuning or PEFT adapter.
    #[serde(
        alias = "tuning_mode",
        with = "fields::proto_enum_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub tuning_mode: Option<TuningMode>,
}

/// `SupervisedHyperParameters`. Absent values are `None`; the server picks defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SupervisedHyperParameters {
    /// int64: number of epochs.
    #[serde(
        alias = "epoch_count",
        with = "fields::int64_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub epoch_count: Option<i64>,
    /// Multiplier of the recommended learning rate (exclusive with `learning_rate`).
    #[serde(
        alias = "learning_rate_multiplier",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub learning_rate_multiplier: Option<f64>,
    /// v1beta1, open models only: absolute learning rate.
    #[serde(
        alias = "learning_rate",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub learning_rate: Option<f64>,
    /// LoRA adapter size.
    #[serde(
        alias = "adapter_size",
        with = "fields::proto_enum_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub adapter_size: Option<AdapterSize>,
    /// v1beta1, open models only: int64 batch size.
    #[serde(
        alias = "batch_size",
        with = "fields::int64_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub batch_size: Option<i64>,
}

/// `PreferenceOptimizationSpec` (REST/SDK).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PreferenceOptimizationSpec {
    /// Required: a `gs://` JSONL file.
    #[serde(
        alias = "training_dataset_uri",
        skip_serializing_if = "String::is_empty"
    )]
    pub training_dataset_uri: String,
    /// Optional validation JSONL.
    #[serde(
        alias = "validation_dataset_uri",
        skip_serializing_if = "String::is_empty"
    )]
    pub validation_dataset_uri: String,
    /// Optional hyperparameters.
    #[serde(alias = "hyper_parameters", skip_serializing_if = "Option::is_none")]
    pub hyper_parameters: Option<PreferenceOptimizationHyperParameters>,
    /// Only export the last checkpoint.
    #[serde(
        alias = "export_last_checkpoint_only",
        skip_serializing_if = "fields::is_false"
    )]
    pub export_last_checkpoint_only: bool,
    /// v1beta1: evaluation config, carried untyped, keys camelCased.
    #[serde(
        alias = "evaluation_config",
        with = "fields::camel_object_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub evaluation_config: Option<serde_json::Value>,
}

/// `PreferenceOptimizationHyperParameters`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PreferenceOptimizationHyperParameters {
    /// int64: number of epochs.
    #[serde(
        alias = "epoch_count",
        with = "fields::int64_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub epoch_count: Option<i64>,
    /// Multiplier of the recommended learning rate.
    #[serde(
        alias = "learning_rate_multiplier",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub learning_rate_multiplier: Option<f64>,
    /// LoRA adapter size.
    #[serde(
        alias = "adapter_size",
        with = "fields::proto_enum_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub adapter_size: Option<AdapterSize>,
    /// KL-regularisation weight.
    #[serde(with = "fields::double_opt", skip_serializing_if = "Option::is_none")]
    pub beta: Option<f64>,
}

super::plain_messages!(
    SupervisedTuningSpec,
    SupervisedHyperParameters,
    PreferenceOptimizationSpec,
    PreferenceOptimizationHyperParameters,
);
