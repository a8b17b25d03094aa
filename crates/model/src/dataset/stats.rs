//! `supervisedTuningDataStats`: counts and token distributions of a data set, as the service reports them.
//!
//! Tokens are estimated, not counted: see [`estimate_tokens`].

use super::DatasetLimits;
use super::example::{Content, Example, Role};

/// How many sample user turns [`SupervisedTuningDataStats::user_dataset_examples`] holds.
///
/// Our choice: the proto only says "sample user messages"; three keep a job resource small.
pub const USER_DATASET_EXAMPLE_COUNT: usize = 3;

/// Buckets in a [`Distribution`] at most. Our choice; the service does not document its scheme.
const MAX_BUCKETS: usize = 10;

/// Estimates the tokens of a text: its Unicode scalar values divided by 4, rounded up.
///
/// Deterministic, so tests and the emulator agree. The ratio comes from the Gemini documentation
/// ("a token is equivalent to about 4 characters"); real tokenizers differ per language.
///
/// ```
/// use retune_model::dataset::estimate_tokens;
/// assert_eq!(estimate_tokens(""), 0);
/// assert_eq!(estimate_tokens("abcd"), 1);
/// assert_eq!(estimate_tokens("abcde"), 2);
/// assert_eq!(estimate_tokens("ñññññ"), 2); // characters, not bytes
/// ```
pub fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// The statistics of a supervised-tuning data set (`SupervisedTuningDataStats` in the proto).
///
/// The deprecated `totalBillableCharacterCount` is left out.
#[derive(Debug, Clone, PartialEq)]
pub struct SupervisedTuningDataStats {
    /// Examples in the data set.
    pub tuning_dataset_example_count: u64,
    /// Characters in every text part, system instructions included.
    pub total_tuning_character_count: u64,
    /// Estimated tokens of one pass over the data set, truncated examples counted up to the limit.
    /// (The service may bill this once per epoch; multiplying is the caller's business.)
    pub total_billable_token_count: u64,
    /// Steps of the tuning job. The data set does not determine it (it depends on epochs and
    /// batch size), so it starts at 0 and the caller sets it.
    pub tuning_step_count: u64,
    /// Examples over the per-example token limit.
    pub total_truncated_example_count: u64,
    /// 1-based positions of those examples, in order.
    pub truncated_example_indices: Vec<u64>,
    /// Why examples were dropped. Always empty here: [`super::validate_dataset`] rejects a bad
    /// example instead of dropping it.
    pub dropped_example_reasons: Vec<String>,
    /// Sample user turns: the first `user` turn of each of the first examples that have one, at
    /// most [`USER_DATASET_EXAMPLE_COUNT`].
    pub user_dataset_examples: Vec<Content>,
    /// Estimated input tokens per example (system instruction and `user` turns).
    pub user_input_token_distribution: Distribution,
    /// Estimated output tokens per example (`model` turns).
    pub user_output_token_distribution: Distribution,
    /// Turns (`contents` entries) per example.
    pub user_message_per_example_distribution: Distribution,
}

impl SupervisedTuningDataStats {
    /// The same statistics with `tuning_step_count` set.
    pub fn with_tuning_step_count(mut self, steps: u64) -> SupervisedTuningDataStats {
        self.tuning_step_count = steps;
        self
    }
}

/// A distribution of one value over the examples (`DatasetDistribution` in the proto).
///
/// - `min`, `max`, `mean` are exact; `median`, `p5` and `p95` use **linear interpolation** between
///   the closest ranks (the rank of percentile `p` is `p * (n - 1)` over the sorted values, as
///   numpy's default), so `min <= p5 <= median <= p95 <= max`.
/// - `buckets` split `[min, max]` into `min(10, n)` buckets of equal width; a value goes into the
///   bucket whose `[left, right)` holds it, and `max` into the last bucket, whose `right` is `max`.
///   Empty buckets are kept. When every value is equal there is one bucket `[min, max]`. The counts
///   add up to the number of values.
/// - With no values at all, every number is 0 and there are no buckets.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Sum of the values (saturating at `i64::MAX`).
    pub sum: i64,
    /// Sum of the billable part of the values; equals `sum` unless examples were truncated.
    pub billable_sum: i64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
    /// The arithmetic mean.
    pub mean: f64,
    /// The 50th percentile.
    pub median: f64,
    /// The 5th percentile.
    pub p5: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The histogram.
    pub buckets: Vec<Bucket>,
}

/// One histogram bucket of a [`Distribution`]: `count` values in `[left, right)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// How many values fall in the bucket (a double in the proto).
    pub count: f64,
    /// The inclusive lower edge.
    pub left: f64,
    /// The exclusive upper edge (inclusive for the last bucket).
    pub right: f64,
}

impl Distribution {
    /// The distribution of `values`, with `billable_sum` equal to `sum`.
    ///
    /// ```
    /// use retune_model::dataset::Distribution;
    /// let d = Distribution::from_values(&[1, 2, 3, 4]);
    /// assert_eq!((d.sum, d.min, d.max, d.mean, d.median), (10, 1.0, 4.0, 2.5, 2.5));
    /// assert_eq!(d.buckets.len(), 4);
    /// ```
    pub fn from_values(values: &[u64]) -> Distribution {
        let sum = saturating_i64(values.iter().map(|&value| u128::from(value)).sum());
        let mut sorted: Vec<f64> = values.iter().map(|&value| value as f64).collect();
        sorted.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
            return Distribution {
                sum: 0,
                billable_sum: 0,
                min: 0.0,
                max: 0.0,
                mean: 0.0,
                median: 0.0,
                p5: 0.0,
                p95: 0.0,
                buckets: Vec::new(),
            };
        };
        let exact_sum: f64 = sorted.iter().sum();
        // Rounding could put the mean a hair outside [min, max]; keep the invariant.
        let mean = (exact_sum / sorted.len() as f64).clamp(min, max);
        Distribution {
            sum,
            billable_sum: sum,
            min,
            max,
            mean,
            median: percentile(&sorted, 0.5),
            p5: percentile(&sorted, 0.05),
            p95: percentile(&sorted, 0.95),
            buckets: buckets(&sorted, min, max),
        }
    }
}

/// Linear interpolation between closest ranks over non-empty sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p * (sorted.len() - 1) as f64;
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    let (Some(&low), Some(&high)) = (sorted.get(below), sorted.get(above)) else {
        return sorted.last().copied().unwrap_or(0.0);
    };
    (low + (high - low) * (rank - below as f64)).clamp(low, high)
}

fn buckets(sorted: &[f64], min: f64, max: f64) -> Vec<Bucket> {
    if min == max {
        return vec![Bucket {
            count: sorted.len() as f64,
            left: min,
            right: max,
        }];
    }
    let count = sorted.len().min(MAX_BUCKETS);
    let width = (max - min) / count as f64;
    let mut buckets: Vec<Bucket> = (0..count)
        .map(|index| Bucket {
            count: 0.0,
            left: min + width * index as f64,
            right: if index + 1 == count {
                max
            } else {
                min + width * (index + 1) as f64
            },
        })
        .collect();
    for &value in sorted {
        // The quotient can round across an edge; settle on the bucket whose [left, right) holds it.
        let mut index = (((value - min) / width).floor() as usize).min(count - 1);
        if index > 0 && value < buckets[index].left {
            index -= 1;
        } else if index + 1 < count && value >= buckets[index + 1].left {
            index += 1;
        }
        buckets[index].count += 1.0;
    }
    buckets
}

fn saturating_i64(value: u128) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Computes the statistics of `examples`, as the service reports them for a training data set.
///
/// An example over `limits.max_tokens_per_example` counts as truncated: its 1-based position is
/// listed and only the limit is billed, cut from the end (output first, then input) in the
/// distributions' `billable_sum`. [`super::validate_dataset`] rejects such examples instead, so its
/// statistics never show truncation. `tuning_step_count` is 0 until the caller sets it with
/// [`SupervisedTuningDataStats::with_tuning_step_count`].
pub fn compute_stats(examples: &[Example], limits: &DatasetLimits) -> SupervisedTuningDataStats {
    let mut builder = StatsBuilder::new(limits.max_tokens_per_example);
    for example in examples {
        builder.push(example);
    }
    builder.finish()
}

/// Accumulates the statistics one example at a time, keeping only numbers and a few samples.
#[derive(Debug)]
pub(super) struct StatsBuilder {
    max_tokens_per_example: u64,
    input_tokens: Vec<u64>,
    output_tokens: Vec<u64>,
    messages: Vec<u64>,
    characters: u64,
    billable_input: u64,
    billable_output: u64,
    truncated: Vec<u64>,
    samples: Vec<Content>,
}

impl StatsBuilder {
    pub(super) fn new(max_tokens_per_example: u64) -> StatsBuilder {
        StatsBuilder {
            max_tokens_per_example,
            input_tokens: Vec::new(),
            output_tokens: Vec::new(),
            messages: Vec::new(),
            characters: 0,
            billable_input: 0,
            billable_output: 0,
            truncated: Vec::new(),
            samples: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, example: &Example) {
        let input = example.input_token_estimate();
        let output = example.output_token_estimate();
        let billable_input = input.min(self.max_tokens_per_example);
        let billable_output = output.min(self.max_tokens_per_example - billable_input);
        if billable_input + billable_output < input.saturating_add(output) {
            self.truncated.push(self.input_tokens.len() as u64 + 1);
        }
        self.input_tokens.push(input);
        self.output_tokens.push(output);
        self.messages.push(example.contents.len() as u64);
        self.characters = self.characters.saturating_add(example.character_count());
        self.billable_input = self.billable_input.saturating_add(billable_input);
        self.billable_output = self.billable_output.saturating_add(billable_output);
        if self.samples.len() < USER_DATASET_EXAMPLE_COUNT
            && let Some(turn) = example.contents.iter().find(|turn| turn.role == Role::User)
        {
            self.samples.push(turn.clone());
        }
    }

    pub(super) fn finish(self) -> SupervisedTuningDataStats {
        let mut input = Distribution::from_values(&self.input_tokens);
        input.billable_sum = saturating_i64(u128::from(self.billable_input));
        let mut output = Distribution::from_values(&self.output_tokens);
        output.billable_sum = saturating_i64(u128::from(self.billable_output));
        SupervisedTuningDataStats {
            tuning_dataset_example_count: self.input_tokens.len() as u64,
            total_tuning_character_count: self.characters,
            total_billable_token_count: self.billable_input.saturating_add(self.billable_output),
            tuning_step_count: 0,
            total_truncated_example_count: self.truncated.len() as u64,
            truncated_example_indices: self.truncated,
            dropped_example_reasons: Vec::new(),
            user_dataset_examples: self.samples,
            user_input_token_distribution: input,
            user_output_token_distribution: output,
            user_message_per_example_distribution: Distribution::from_values(&self.messages),
        }
    }
}
