//! Conversions from the domain's data-set statistics to their wire shape
//! (`supervisedTuningDataStats`, `preferenceOptimizationDataStats`).

use crate::dataset;

use super::{
    Content, DatasetBucket, DatasetDistribution, Distribution, DistributionBucket,
    GeminiPreferenceExample, GeminiPreferenceExampleCompletion, Part,
    PreferenceOptimizationDataStats, SupervisedTuningDataStats,
};

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn distribution(d: &dataset::Distribution) -> DatasetDistribution {
    DatasetDistribution {
        sum: d.sum,
        billable_sum: d.billable_sum,
        min: d.min,
        max: d.max,
        mean: d.mean,
        median: d.median,
        p5: d.p5,
        p95: d.p95,
        buckets: d
            .buckets
            .iter()
            .map(|b| DatasetBucket {
                count: b.count,
                left: b.left,
                right: b.right,
            })
            .collect(),
    }
}

fn content(c: &dataset::Content) -> Content {
    Content {
        role: c.role.as_str().to_owned(),
        parts: c
            .parts
            .iter()
            .filter_map(|p| p.as_text())
            .map(|text| Part {
                text: text.to_owned(),
                ..Part::default()
            })
            .collect(),
    }
}

/// `supervisedTuningDataStats` from the data-set report.
impl From<&dataset::SupervisedTuningDataStats> for SupervisedTuningDataStats {
    fn from(stats: &dataset::SupervisedTuningDataStats) -> Self {
        SupervisedTuningDataStats {
            tuning_dataset_example_count: int(stats.tuning_dataset_example_count),
            total_tuning_character_count: int(stats.total_tuning_character_count),
            total_billable_token_count: int(stats.total_billable_token_count),
            tuning_step_count: int(stats.tuning_step_count),
            total_truncated_example_count: int(stats.total_truncated_example_count),
            truncated_example_indices: stats
                .truncated_example_indices
                .iter()
                .map(|&i| int(i))
                .collect(),
            dropped_example_reasons: stats.dropped_example_reasons.clone(),
            user_dataset_examples: stats.user_dataset_examples.iter().map(content).collect(),
            user_input_token_distribution: Some(distribution(&stats.user_input_token_distribution)),
            user_output_token_distribution: Some(distribution(
                &stats.user_output_token_distribution,
            )),
            user_message_per_example_distribution: Some(distribution(
                &stats.user_message_per_example_distribution,
            )),
            ..SupervisedTuningDataStats::default()
        }
    }
}

/// The generic `DatasetDistribution` of the domain's distribution.
fn plain_distribution(d: &dataset::Distribution) -> Distribution {
    Distribution {
        sum: d.sum as f64,
        min: d.min,
        max: d.max,
        mean: d.mean,
        median: d.median,
        p5: d.p5,
        p95: d.p95,
        buckets: d
            .buckets
            .iter()
            .map(|b| DistributionBucket {
                count: b.count as i64,
                left: b.left,
                right: b.right,
            })
            .collect(),
    }
}

/// Every example scores its completions 1 and 0, so the variance within each is 0.25.
fn score_variance(examples: u64) -> Option<Distribution> {
    const VARIANCE: f64 = 0.25;
    (examples > 0).then(|| Distribution {
        sum: VARIANCE * examples as f64,
        min: VARIANCE,
        max: VARIANCE,
        mean: VARIANCE,
        median: VARIANCE,
        p5: VARIANCE,
        p95: VARIANCE,
        buckets: vec![DistributionBucket {
            count: int(examples),
            left: VARIANCE,
            right: VARIANCE,
        }],
    })
}

fn preference_example(e: &dataset::PreferenceExample) -> GeminiPreferenceExample {
    let completions = e
        .scores
        .iter()
        .map(|&score| GeminiPreferenceExampleCompletion {
            completion: Some(content(if score == 1 {
                &e.preferred
            } else {
                &e.dispreferred
            })),
            score: f64::from(score),
        })
        .collect();
    GeminiPreferenceExample {
        contents: e.contents.iter().map(content).collect(),
        completions,
    }
}

/// `preferenceOptimizationDataStats` from the data-set report.
impl From<&dataset::PreferenceOptimizationDataStats> for PreferenceOptimizationDataStats {
    fn from(stats: &dataset::PreferenceOptimizationDataStats) -> Self {
        PreferenceOptimizationDataStats {
            tuning_dataset_example_count: int(stats.tuning_dataset_example_count),
            total_billable_token_count: int(stats.total_billable_token_count),
            tuning_step_count: int(stats.tuning_step_count),
            user_dataset_examples: stats
                .user_dataset_examples
                .iter()
                .map(preference_example)
                .collect(),
            user_input_token_distribution: Some(plain_distribution(
                &stats.user_input_token_distribution,
            )),
            user_output_token_distribution: Some(plain_distribution(
                &stats.user_output_token_distribution,
            )),
            scores_distribution: Some(plain_distribution(&stats.scores_distribution)),
            score_variance_per_example_distribution: score_variance(
                stats.tuning_dataset_example_count,
            ),
            ..PreferenceOptimizationDataStats::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::{DatasetKind, DatasetLimits, validate_dataset};

    #[test]
    fn stats_keep_counts_and_distributions_on_the_wire() {
        let text = concat!(
            r#"{"contents":[{"role":"user","parts":[{"text":"What is 2+2?"}]},"#,
            r#"{"role":"model","parts":[{"text":"4"}]}]}"#,
            "\n",
            r#"{"contents":[{"role":"user","parts":[{"text":"Capital of France?"}]},"#,
            r#"{"role":"model","parts":[{"text":"Paris"}]}]}"#,
        );
        let report = validate_dataset(text, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
        assert!(report.is_valid(), "{:?}", report.errors);
        let stats = report.stats.with_tuning_step_count(3);
        let wire = SupervisedTuningDataStats::from(&stats);
        assert_eq!(wire.tuning_dataset_example_count, 2);
        assert_eq!(wire.tuning_step_count, 3);
        let input = wire
            .user_input_token_distribution
            .expect("input distribution");
        assert_eq!(input.sum, stats.user_input_token_distribution.sum);
        assert_eq!(
            input.buckets.len(),
            stats.user_input_token_distribution.buckets.len()
        );
        assert_eq!(wire.user_dataset_examples.len(), 2);
        assert_eq!(wire.user_dataset_examples[0].role, "user");
        assert_eq!(wire.user_dataset_examples[0].parts[0].text, "What is 2+2?");
    }
}
