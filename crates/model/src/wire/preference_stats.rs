//! `PreferenceOptimizationDataStats`, the statistics of a preference data set in
//! `tuningDataStats`, with the generic `DatasetDistribution` and `GeminiPreferenceExample` it
//! carries (shapes of google-genai 3.6.1 `types.py`; the proto snapshot has none of them).

use serde::{Deserialize, Serialize};

use super::{Content, fields};

/// `PreferenceOptimizationDataStats` (output only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PreferenceOptimizationDataStats {
    /// Examples in the training set (int64).
    #[serde(
        alias = "tuning_dataset_example_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub tuning_dataset_example_count: i64,
    /// Billable tokens (int64).
    #[serde(
        alias = "total_billable_token_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub total_billable_token_count: i64,
    /// Tuning steps of the job (int64).
    #[serde(
        alias = "tuning_step_count",
        with = "fields::int64",
        skip_serializing_if = "fields::is_zero_i64"
    )]
    pub tuning_step_count: i64,
    /// A few sample examples.
    #[serde(alias = "user_dataset_examples", skip_serializing_if = "Vec::is_empty")]
    pub user_dataset_examples: Vec<GeminiPreferenceExample>,
    /// Input tokens per example.
    #[serde(
        alias = "user_input_token_distribution",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_input_token_distribution: Option<Distribution>,
    /// Output tokens per example.
    #[serde(
        alias = "user_output_token_distribution",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_output_token_distribution: Option<Distribution>,
    /// The scores.
    #[serde(alias = "scores_distribution", skip_serializing_if = "Option::is_none")]
    pub scores_distribution: Option<Distribution>,
    /// The variance of the scores within each example.
    #[serde(
        alias = "score_variance_per_example_distribution",
        skip_serializing_if = "Option::is_none"
    )]
    pub score_variance_per_example_distribution: Option<Distribution>,
    /// 1-based indices of (some of) the dropped examples (int64).
    #[serde(
        alias = "dropped_example_indices",
        with = "fields::int64_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dropped_example_indices: Vec<i64>,
    /// Why each example in `droppedExampleIndices` was dropped.
    #[serde(
        alias = "dropped_example_reasons",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dropped_example_reasons: Vec<String>,
}

/// `DatasetDistribution`: a double sum, order statistics and a histogram.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Distribution {
    /// Sum of the population (a double, unlike the supervised distribution's int64).
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub sum: f64,
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
    pub buckets: Vec<DistributionBucket>,
}

/// `DatasetDistribution.DistributionBucket`: `count` values (int64) in `[left, right)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DistributionBucket {
    /// Number of values (int64).
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub count: i64,
    /// Left bound.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub left: f64,
    /// Right bound.
    #[serde(with = "fields::double", skip_serializing_if = "fields::is_zero_f64")]
    pub right: f64,
}

/// `GeminiPreferenceExample`: a prompt and its scored completions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GeminiPreferenceExample {
    /// The prompt.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<Content>,
    /// The completions with their scores.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub completions: Vec<GeminiPreferenceExampleCompletion>,
}

/// `GeminiPreferenceExample.Completion`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GeminiPreferenceExampleCompletion {
    /// The model turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<Content>,
    /// Its score (a float; 0 is written, since it means "dispreferred").
    #[serde(with = "fields::double")]
    pub score: f64,
}

super::plain_messages!(
    PreferenceOptimizationDataStats,
    Distribution,
    DistributionBucket,
    GeminiPreferenceExample,
    GeminiPreferenceExampleCompletion,
);
