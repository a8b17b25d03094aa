//! `evaluationConfig` of a tuning spec: its check at create time, and the evaluation results a
//! finished job reports for each checkpoint (`evaluateDatasetRuns`) and writes under the output
//! prefix.
//!
//! The protos (`EvaluationConfig` in `tuning_job.proto`, `Metric` and `OutputConfig` in
//! `evaluation_service.proto`) make `metrics` and `outputConfig.gcsDestination.outputUriPrefix`
//! required. The emulator computes computation-based metrics (`bleuSpec`, `rougeSpec`,
//! `exactMatchSpec`) and judge-based pointwise ones (`pointwiseMetricSpec`) without a model, so
//! their values are its choice ([`checkpoint_score`]): deterministic, growing with the epoch of
//! the checkpoint. `pairwiseMetricSpec`, `llmBasedMetricSpec` and the other metric kinds are
//! refused as not emulated, naming the metric.

use serde_json::{Map, Value, json};

use super::Violation;
use crate::gcs::GcsUri;

/// The `evaluationConfig` a job carries, with its proto path: in its tuning spec, where the
/// protos put it (`SupervisedTuningSpec.evaluation_config` in `tuning_job.proto`, both versions;
/// `PreferenceOptimizationSpec.evaluationConfig` on the v1beta1 REST surface), or at the top level,
/// which only `/v1beta1` accepts ([`crate::wire::V1BETA1_ONLY`]).
pub fn evaluation_config_of(job: &crate::wire::TuningJob) -> Option<(&Value, &'static str)> {
    if let Some(c) = job
        .supervised_tuning_spec
        .as_ref()
        .and_then(|s| s.evaluation_config.as_ref())
    {
        return Some((c, "tuning_job.supervised_tuning_spec.evaluation_config"));
    }
    if let Some(c) = job
        .preference_optimization_spec
        .as_ref()
        .and_then(|s| s.evaluation_config.as_ref())
    {
        return Some((
            c,
            "tuning_job.preference_optimization_spec.evaluation_config",
        ));
    }
    job.evaluation_config
        .as_ref()
        .map(|c| (c, "tuning_job.evaluation_config"))
}

/// The metric kinds the emulator computes, by their JSON key, and the key of the value each
/// reports in an `AggregationResult`.
const METRIC_KINDS: &[(&str, &str)] = &[
    ("bleuSpec", "bleuMetricValue"),
    ("rougeSpec", "rougeMetricValue"),
    ("exactMatchSpec", "exactMatchMetricValue"),
    ("pointwiseMetricSpec", "pointwiseMetricResult"),
];

/// `Metric.aggregationMetrics` when a metric gives none.
const DEFAULT_AGGREGATION: &str = "AVERAGE";

/// The `Metric.AggregationMetric` names.
const AGGREGATIONS: &[&str] = &[
    "AVERAGE",
    "MODE",
    "STANDARD_DEVIATION",
    "VARIANCE",
    "MINIMUM",
    "MAXIMUM",
    "MEDIAN",
    "PERCENTILE_P90",
    "PERCENTILE_P95",
    "PERCENTILE_P99",
];

/// A checked `evaluationConfig`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationPlan {
    /// `outputConfig.gcsDestination.outputUriPrefix`, without a trailing `/`.
    pub output_prefix: String,
    /// Each metric: its kind (the spec's JSON key) and aggregation metrics.
    pub metrics: Vec<(&'static str, Vec<String>)>,
}

/// Checks an `evaluationConfig` (keys camelCased) found at `field` (a proto path).
///
/// ```
/// use retune_model::request::check_evaluation_config;
/// let config = serde_json::json!({"metrics": [{"bleuSpec": {}}],
///     "outputConfig": {"gcsDestination": {"outputUriPrefix": "gs://my-evals/run/"}}});
/// let plan = check_evaluation_config(&config, "tuning_job.evaluation_config").unwrap();
/// assert_eq!(plan.output_prefix, "gs://my-evals/run");
/// assert_eq!(plan.metrics, [("bleuSpec", vec!["AVERAGE".to_owned()])]);
/// let err = check_evaluation_config(&serde_json::json!({}), "c").unwrap_err();
/// assert_eq!(err.len(), 2);
/// ```
pub fn check_evaluation_config(
    config: &Value,
    field: &str,
) -> Result<EvaluationPlan, Vec<Violation>> {
    let mut violations = Vec::new();
    let metrics_field = format!("{field}.metrics");
    let metrics = match config.get("metrics").and_then(Value::as_array) {
        Some(metrics) if !metrics.is_empty() => metrics.as_slice(),
        _ => {
            violations.push(Violation::invalid(
                &metrics_field,
                "evaluationConfig.metrics is required: at least one metric.",
            ));
            &[]
        }
    };
    let mut plan = Vec::new();
    for (i, metric) in metrics.iter().enumerate() {
        let at = format!("{metrics_field}[{i}]");
        // Null members are absent (the SDK dumps unset oneof members as null).
        let object: Map<String, Value> = metric
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let kind = METRIC_KINDS
            .iter()
            .map(|(kind, _)| *kind)
            .find(|kind| object.contains_key(*kind));
        let Some(kind) = kind else {
            let keys: Vec<&str> = object
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "aggregationMetrics")
                .collect();
            violations.push(Violation::invalid(
                &at,
                format!(
                    "metric {keys:?} is not emulated: use bleuSpec, rougeSpec, exactMatchSpec or \
                     pointwiseMetricSpec."
                ),
            ));
            continue;
        };
        let aggregations: Vec<String> = match object.get("aggregationMetrics") {
            None => vec![DEFAULT_AGGREGATION.to_owned()],
            Some(Value::Array(items)) if items.is_empty() => vec![DEFAULT_AGGREGATION.to_owned()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|a| aggregation_name(a, &at, &mut violations))
                .collect(),
            Some(_) => {
                violations.push(Violation::invalid(
                    format!("{at}.aggregation_metrics"),
                    "aggregationMetrics must be a list of AggregationMetric names.",
                ));
                Vec::new()
            }
        };
        plan.push((kind, aggregations));
    }
    let prefix_field = format!("{field}.output_config.gcs_destination.output_uri_prefix");
    let prefix = config
        .pointer("/outputConfig/gcsDestination/outputUriPrefix")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let output_prefix = match prefix.trim_end_matches('/') {
        "" => {
            violations.push(Violation::invalid(
                &prefix_field,
                "evaluationConfig.outputConfig.gcsDestination.outputUriPrefix is required: a \
                 gs:// prefix for the evaluation results.",
            ));
            String::new()
        }
        trimmed => {
            // A prefix names a "directory": check it as the URI of an object below it.
            if let Err(e) = GcsUri::parse(&format!("{trimmed}/x")) {
                violations.push(Violation::invalid(
                    &prefix_field,
                    format!(
                        "outputUriPrefix must be a gs://bucket/prefix URI; found {prefix:?} ({e})."
                    ),
                ));
            }
            trimmed.to_owned()
        }
    };
    if violations.is_empty() {
        Ok(EvaluationPlan {
            output_prefix,
            metrics: plan,
        })
    } else {
        Err(violations)
    }
}

fn aggregation_name(value: &Value, at: &str, violations: &mut Vec<Violation>) -> Option<String> {
    let name = match value {
        Value::String(s) => AGGREGATIONS.iter().find(|a| **a == s).copied(),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| AGGREGATIONS.get(i))
            .copied(),
        _ => None,
    };
    if name.is_none() {
        violations.push(Violation::invalid(
            format!("{at}.aggregation_metrics"),
            format!("unknown AggregationMetric {value}; use one of {AGGREGATIONS:?}."),
        ));
    }
    name.map(str::to_owned)
}

/// The score every example gets at the checkpoint of epoch `epoch` of `epochs`, for a metric
/// kind: 0.35 rising to 0.85 for the computation-based metrics (in `[0, 1]`), 2.0 rising to 4.5
/// for pointwise ones (a 1-5 judge scale). The emulator's choice: it runs no model.
pub fn checkpoint_score(kind: &str, epoch: u64, epochs: u64) -> f64 {
    let progress = if epochs == 0 {
        1.0
    } else {
        epoch.min(epochs) as f64 / epochs as f64
    };
    let score = if kind == "pointwiseMetricSpec" {
        2.0 + 2.5 * progress
    } else {
        0.35 + 0.5 * progress
    };
    (score * 10_000.0).round() / 10_000.0
}

/// One checkpoint's evaluation: the `evaluateDatasetRuns[]` entry (as JSON) and the objects to
/// write (URI and JSON text).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointEvaluation {
    /// The `EvaluateDatasetRun`.
    pub run: crate::wire::EvaluateDatasetRun,
    /// `(gs:// URI, contents)` of each object written.
    pub objects: Vec<(String, String)>,
}

/// The evaluation of checkpoint `checkpoint_id` (epoch `epoch` of `epochs`) of job `job_id`,
/// evaluated on `dataset_uri`. Every example scores the same, so an aggregation reports that
/// score, and 0 for `STANDARD_DEVIATION` and `VARIANCE`. The results are written to
/// `{prefix}/{job_id}/checkpoint_{id}/summary_metrics.json`.
pub fn evaluate_checkpoint(
    plan: &EvaluationPlan,
    job_id: &str,
    checkpoint_id: &str,
    epoch: u64,
    epochs: u64,
    dataset_uri: &str,
) -> CheckpointEvaluation {
    let mut results = Vec::new();
    for (kind, aggregations) in &plan.metrics {
        let value_key = METRIC_KINDS
            .iter()
            .find(|(k, _)| k == kind)
            .map_or("bleuMetricValue", |(_, v)| *v);
        let score = checkpoint_score(kind, epoch, epochs);
        for aggregation in aggregations {
            let value = match aggregation.as_str() {
                "STANDARD_DEVIATION" | "VARIANCE" => 0.0,
                _ => score,
            };
            let mut result = Map::new();
            result.insert("aggregationMetric".to_owned(), json!(aggregation));
            result.insert(value_key.to_owned(), json!({ "score": value }));
            results.push(Value::Object(result));
        }
    }
    let directory = format!("{}/{job_id}/checkpoint_{checkpoint_id}", plan.output_prefix);
    let summary = json!({
        "checkpointId": checkpoint_id,
        "dataset": dataset_uri,
        "aggregationResults": results,
    });
    let run = crate::wire::EvaluateDatasetRun {
        checkpoint_id: checkpoint_id.to_owned(),
        evaluate_dataset_response: Some(json!({
            "aggregationOutput": {
                "dataset": {"gcsSource": {"uris": [dataset_uri]}},
                "aggregationResults": results,
            },
            "outputInfo": {"gcsOutputDirectory": directory},
        })),
        ..crate::wire::EvaluateDatasetRun::default()
    };
    CheckpointEvaluation {
        run,
        objects: vec![(
            format!("{directory}/summary_metrics.json"),
            summary.to_string(),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(config: Value) -> Result<EvaluationPlan, Vec<Violation>> {
        check_evaluation_config(
            &config,
            "tuning_job.supervised_tuning_spec.evaluation_config",
        )
    }

    #[test]
    fn unemulated_metrics_and_bad_prefixes_are_named() {
        let err = plan(json!({"metrics": [{"pairwiseMetricSpec": {}}, {"bleuSpec": {}, "aggregationMetrics": ["SUM"]}],
                              "outputConfig": {"gcsDestination": {"outputUriPrefix": "https://x"}}}))
        .unwrap_err();
        let fields: Vec<_> = err.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "tuning_job.supervised_tuning_spec.evaluation_config.metrics[0]",
                "tuning_job.supervised_tuning_spec.evaluation_config.metrics[1].aggregation_metrics",
                "tuning_job.supervised_tuning_spec.evaluation_config.output_config.gcs_destination.output_uri_prefix",
            ]
        );
        assert!(err[0].description.contains("pairwiseMetricSpec"));
    }

    #[test]
    fn results_are_deterministic_and_grow_with_the_epoch() {
        let p = plan(json!({"metrics": [{"bleuSpec": {}, "aggregationMetrics": ["AVERAGE", "VARIANCE"]},
                                        {"pointwiseMetricSpec": {"metricPromptTemplate": "t"}}],
                            "outputConfig": {"gcsDestination": {"outputUriPrefix": "gs://my-evals/out"}}}))
        .unwrap();
        let first = evaluate_checkpoint(&p, "7", "1", 1, 2, "gs://my-data/v.jsonl");
        let last = evaluate_checkpoint(&p, "7", "2", 2, 2, "gs://my-data/v.jsonl");
        assert_eq!(
            first,
            evaluate_checkpoint(&p, "7", "1", 1, 2, "gs://my-data/v.jsonl")
        );
        let response = |e: &CheckpointEvaluation| e.run.evaluate_dataset_response.clone().unwrap();
        let results = &response(&last)["aggregationOutput"]["aggregationResults"];
        assert_eq!(results[0]["bleuMetricValue"]["score"], 0.85);
        assert_eq!(results[1]["bleuMetricValue"]["score"], 0.0);
        assert_eq!(results[2]["pointwiseMetricResult"]["score"], 4.5);
        assert_eq!(
            response(&first)["aggregationOutput"]["aggregationResults"][0]["bleuMetricValue"]["score"],
            0.6
        );
        assert_eq!(
            last.objects[0].0,
            "gs://my-evals/out/7/checkpoint_2/summary_metrics.json"
        );
    }
}
