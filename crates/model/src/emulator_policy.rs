//! The emulator's own choices: values and rules Vertex AI does not document, which the emulator
//! (and tools that estimate a job, such as the CLI's data-set summary) must still pick.
//!
//! Nothing here is Google's rule. Each item says what it stands in for, so a reader can tell a
//! documented behaviour (in [`crate::registry`], [`crate::checkpoints`], [`crate::job_state`],
//! ...) from a guess. The emulator calls these directly: its handlers and store pick no number
//! of their own.

use std::time::Duration;

use crate::base_model::BaseModel;
use crate::continuous::TuningMethod;
use crate::job_state::JobTimeline;
use crate::names::TuningJobId;

// ---------------------------------------------------------------------------------------------
// Steps and epochs
// ---------------------------------------------------------------------------------------------

/// Examples per training step in the emulator.
///
/// The emulator's choice: the service does not publish the batch size of Gemini tuning, nor how
/// it derives `tuningStepCount` from the data set.
pub const EMULATOR_BATCH_SIZE: u64 = 8;

/// Below this many training examples the emulator defaults to [`SMALL_DATASET_EPOCH_COUNT`].
///
/// The emulator's choice: Vertex picks a default `epochCount` from the data set size (tuning API
/// reference) but does not publish the rule. Smaller data sets get more passes.
pub const SMALL_DATASET_EXAMPLES: u64 = 1_000;

/// The default epoch count for fewer than [`SMALL_DATASET_EXAMPLES`] examples (emulator's choice).
pub const SMALL_DATASET_EPOCH_COUNT: u32 = 5;

/// The default epoch count for [`SMALL_DATASET_EXAMPLES`] examples or more (emulator's choice).
pub const LARGE_DATASET_EPOCH_COUNT: u32 = 3;

/// Training steps per epoch for `example_count` examples: `ceil(example_count / 8)`
/// ([`EMULATOR_BATCH_SIZE`]), and at least 1.
///
/// ```
/// use retune_model::emulator_policy::steps_per_epoch;
/// assert_eq!(steps_per_epoch(16), 2);
/// assert_eq!(steps_per_epoch(17), 3);
/// assert_eq!(steps_per_epoch(0), 1);
/// ```
pub fn steps_per_epoch(example_count: u64) -> u64 {
    example_count.div_ceil(EMULATOR_BATCH_SIZE).max(1)
}

/// The largest `epochCount` accepted ([`crate::hyperparameters::HyperParameters::validate`]).
///
/// Google documents no range (spec §7.2, open question 7). This bound is ours and deliberately
/// high: it only keeps the emulator's step arithmetic (epochs times steps per epoch) in range.
pub const MAX_EPOCH_COUNT: i64 = 10_000;

/// The epoch count the emulator uses when the request gives none.
///
/// [`SMALL_DATASET_EPOCH_COUNT`] below [`SMALL_DATASET_EXAMPLES`] examples, else
/// [`LARGE_DATASET_EPOCH_COUNT`]. Vertex also picks the default from the data size, by a rule it
/// does not publish; this one is the emulator's.
pub fn default_epoch_count(example_count: u64) -> u32 {
    if example_count < SMALL_DATASET_EXAMPLES {
        SMALL_DATASET_EPOCH_COUNT
    } else {
        LARGE_DATASET_EPOCH_COUNT
    }
}

/// The epoch count a job trains: the `requested` one (already checked by
/// [`crate::hyperparameters::HyperParameters::validate`]), else [`default_epoch_count`] for
/// `example_count` training examples.
///
/// ```
/// use retune_model::emulator_policy::{default_epoch_count, epoch_count};
/// assert_eq!(epoch_count(Some(2), 100), 2);
/// assert_eq!(epoch_count(None, 100), default_epoch_count(100));
/// ```
pub fn epoch_count(requested: Option<u32>, example_count: u64) -> u32 {
    requested.unwrap_or_else(|| default_epoch_count(example_count))
}

/// Training steps per epoch of a tuned model the emulator's test controls seed (no data set is
/// read): 10, the step of the first checkpoint in the checkpoint samples (`epoch=1 step=10`).
pub const SEEDED_STEPS_PER_EPOCH: u64 = 10;

/// The training example count a seeded job's data-set statistics report (emulator's choice).
pub const SEEDED_EXAMPLE_COUNT: u64 = 5;

// ---------------------------------------------------------------------------------------------
// Stage timings
// ---------------------------------------------------------------------------------------------

/// How fast the emulator moves a job along its stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pace {
    /// Every stage takes no time: a job ends as soon as it is read after its creation.
    Instant,
    /// Short, fixed stages ([`SCALED_PENDING`], ...): a small job ends in about 3 s.
    Scaled,
}

/// Time in `PENDING` of a scaled job.
pub const SCALED_PENDING: Duration = Duration::from_millis(500);
/// Time in `RUNNING` / `PROCESSING_DATASET` of a scaled job.
pub const SCALED_PROCESSING_DATASET: Duration = Duration::from_millis(500);
/// Time per training step of a scaled job (lowered so that tuning never exceeds
/// [`SCALED_MAX_TUNING`]).
pub const SCALED_STEP: Duration = Duration::from_millis(100);
/// The longest `RUNNING` / `TUNING` phase of a scaled job.
pub const SCALED_MAX_TUNING: Duration = Duration::from_secs(60);
/// Time in `RUNNING` / `POST_PROCESSING` of a scaled job.
pub const SCALED_POST_PROCESSING: Duration = Duration::from_millis(500);
/// Time from a cancel request to `CANCELLED` of a scaled job (zero for instant jobs).
pub const SCALED_CANCEL_DELAY: Duration = Duration::from_millis(500);

/// The stages of a job of `epochs` epochs of `steps_per_epoch` steps at `pace`.
///
/// Real jobs take minutes to hours and the service publishes no timings. Scaled: 0.5 s pending,
/// 0.5 s processing the data set, 0.1 s per step (at most 60 s of tuning), 0.5 s
/// post-processing, so the sample data set (a few examples, default epochs) ends in about 3 s.
///
/// ```
/// use std::time::Duration;
/// use retune_model::emulator_policy::{Pace, timeline};
/// let t = timeline(Pace::Scaled, 5, 1);
/// assert_eq!(t.succeeded_after(), Duration::from_millis(2_000));
/// assert_eq!(timeline(Pace::Scaled, 10_000, 10).tuning_per_step, Duration::from_micros(600));
/// assert_eq!(timeline(Pace::Instant, 5, 1).succeeded_after(), Duration::ZERO);
/// ```
pub fn timeline(pace: Pace, epochs: u32, steps_per_epoch: u64) -> JobTimeline {
    match pace {
        Pace::Instant => JobTimeline {
            pending: Duration::ZERO,
            processing_dataset: Duration::ZERO,
            tuning_per_step: Duration::ZERO,
            post_processing: Duration::ZERO,
            steps_per_epoch,
            epochs,
        },
        Pace::Scaled => {
            let steps = u64::from(epochs).saturating_mul(steps_per_epoch).max(1);
            let cap = SCALED_MAX_TUNING / u32::try_from(steps).unwrap_or(u32::MAX).max(1);
            JobTimeline {
                pending: SCALED_PENDING,
                processing_dataset: SCALED_PROCESSING_DATASET,
                tuning_per_step: SCALED_STEP.min(cap),
                post_processing: SCALED_POST_PROCESSING,
                steps_per_epoch,
                epochs,
            }
        }
    }
}

/// The stages of a job over `example_count` training examples at `pace`: [`epoch_count`] epochs
/// (the `requested` one, else the default) of [`steps_per_epoch`] steps. Its `total_steps()` is
/// the job's `tuningStepCount`.
///
/// ```
/// use retune_model::emulator_policy::{Pace, job_timeline, timeline};
/// assert_eq!(job_timeline(Pace::Scaled, Some(2), 17), timeline(Pace::Scaled, 2, 3));
/// assert_eq!(job_timeline(Pace::Instant, None, 17).total_steps(), 5 * 3);
/// ```
pub fn job_timeline(pace: Pace, requested_epochs: Option<u32>, example_count: u64) -> JobTimeline {
    timeline(
        pace,
        epoch_count(requested_epochs, example_count),
        steps_per_epoch(example_count),
    )
}

/// How long a DeleteModel or DeleteModelVersion operation runs at scaled pace before it is
/// done (Vertex AI documents none; long enough for a client to poll it at least once).
pub const SCALED_DELETION: Duration = Duration::from_millis(500);

/// How long a DeleteModel or DeleteModelVersion operation runs at `pace` (instant: done at once).
pub fn deletion_delay(pace: Pace) -> Duration {
    match pace {
        Pace::Instant => Duration::ZERO,
        Pace::Scaled => SCALED_DELETION,
    }
}

/// The longest a WaitOperation blocks, and how long it blocks without a `timeout`
/// (google/longrunning/operations.proto `WaitOperationRequest.timeout`: "If left blank, the wait
/// will be at most the time permitted by the underlying HTTP/RPC protocol"). Vertex AI documents
/// no figure; this is the two minutes Google documents for the `wait` methods of Compute Engine
/// operations, well below the usual client timeouts.
pub const WAIT_OPERATION_MAX: Duration = Duration::from_secs(120);

/// The delay between a cancel request and `CANCELLED` at `pace`.
pub fn cancel_delay(pace: Pace) -> Duration {
    match pace {
        Pace::Instant => Duration::ZERO,
        Pace::Scaled => SCALED_CANCEL_DELAY,
    }
}

// ---------------------------------------------------------------------------------------------
// Names, labels and ids
// ---------------------------------------------------------------------------------------------

/// The display name of a model tuned from a base model without `tunedModelDisplayName`:
/// `{base model}-tuned-{job id}` (the service's default is undocumented).
///
/// ```
/// use retune_model::base_model::BaseModel;
/// use retune_model::emulator_policy::default_display_name;
/// use retune_model::names::TuningJobId;
/// let base = BaseModel::lookup("gemini-2.5-flash").unwrap();
/// assert_eq!(default_display_name(base, TuningJobId::from_number(7)), "gemini-2.5-flash-tuned-7");
/// ```
pub fn default_display_name(base_model: &BaseModel, job: TuningJobId) -> String {
    format!("{}-tuned-{job}", base_model.id())
}

/// The display name of the endpoint serving checkpoint `checkpoint` of a job's tuned version:
/// `{job id}-checkpoint-{checkpoint}` (undocumented).
pub fn checkpoint_endpoint_display_name(job: TuningJobId, checkpoint: u32) -> String {
    format!("{job}-checkpoint-{checkpoint}")
}

/// The job and checkpoint of a display name [`checkpoint_endpoint_display_name`] made (`None`
/// for any other name), so that a store can keep such a name as the two numbers it is made of.
///
/// ```
/// use retune_model::emulator_policy::parse_checkpoint_endpoint_display_name;
/// use retune_model::names::TuningJobId;
/// assert_eq!(
///     parse_checkpoint_endpoint_display_name("7-checkpoint-2"),
///     Some((TuningJobId::from_number(7), 2))
/// );
/// assert_eq!(parse_checkpoint_endpoint_display_name("07-checkpoint-2"), None);
/// ```
pub fn parse_checkpoint_endpoint_display_name(name: &str) -> Option<(TuningJobId, u32)> {
    let (job, checkpoint) = name.split_once("-checkpoint-")?;
    let job: TuningJobId = job.parse().ok()?;
    let checkpoint: u32 = checkpoint.parse().ok()?;
    (checkpoint_endpoint_display_name(job, checkpoint) == name).then_some((job, checkpoint))
}

/// The `tune-type` label value of a version tuned by a method other than supervised tuning
/// (supervised tuning's `sft` is the service's; the others are undocumented).
pub fn unsupervised_tune_type(method: TuningMethod) -> Option<&'static str> {
    match method {
        TuningMethod::Supervised => None,
        TuningMethod::PreferenceOptimization => Some("preference_optimization"),
        TuningMethod::Distillation => Some("distillation"),
        TuningMethod::Other => Some("other"),
    }
}

/// Whether the endpoints a tuning job creates (one per checkpoint) count as deployments that
/// block deleting their version or model. The emulator says no: the tuning service manages
/// them, and they go with the version (the service's behaviour is undocumented).
pub const TUNING_ENDPOINTS_BLOCK_DELETION: bool = false;

/// The first tuning job id the emulator hands out. Ids of one kind come from a counter and keep
/// the same number of digits for a long time, so their string order is their creation order.
pub const FIRST_JOB_ID: u64 = 1_000_000_000_000_001;
/// The first model id the emulator hands out (see [`FIRST_JOB_ID`]).
pub const FIRST_MODEL_ID: u64 = 2_000_000_000_000_001;
/// The first endpoint id the emulator hands out (see [`FIRST_JOB_ID`]).
pub const FIRST_ENDPOINT_ID: u64 = 3_000_000_000_000_001;
/// The first operation id the emulator hands out (see [`FIRST_JOB_ID`]).
pub const FIRST_OPERATION_ID: u64 = 4_000_000_000_000_001;

// ---------------------------------------------------------------------------------------------
// Generated content
// ---------------------------------------------------------------------------------------------

/// `responseId` of the `sequence`-th GenerateContent response answered at `at`.
///
/// The emulator's choice: the service's ids are opaque strings; these are unique per emulator
/// (the sequence grows) and tell the time they were made.
///
/// ```
/// use retune_model::emulator_policy::response_id;
/// use retune_model::Timestamp;
/// assert_eq!(response_id(Timestamp::from_unix_seconds(1), 7), "3b9aca00-7");
/// ```
pub fn response_id(at: crate::Timestamp, sequence: u64) -> String {
    format!("{:x}-{sequence:x}", at.unix_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn checkpoint_endpoint_display_names_parse_back_and_nothing_else_does(
            job in 1u64..=u64::MAX,
            checkpoint in any::<u32>(),
            other in ".{0,40}",
        ) {
            let job = TuningJobId::from_number(job);
            let name = checkpoint_endpoint_display_name(job, checkpoint);
            prop_assert_eq!(parse_checkpoint_endpoint_display_name(&name), Some((job, checkpoint)));
            if let Some((j, c)) = parse_checkpoint_endpoint_display_name(&other) {
                prop_assert_eq!(checkpoint_endpoint_display_name(j, c), other);
            }
        }
    }

    #[test]
    fn default_epochs_depend_on_the_data_set_size() {
        assert_eq!(default_epoch_count(0), SMALL_DATASET_EPOCH_COUNT);
        assert_eq!(
            default_epoch_count(SMALL_DATASET_EXAMPLES - 1),
            SMALL_DATASET_EPOCH_COUNT
        );
        assert_eq!(
            default_epoch_count(SMALL_DATASET_EXAMPLES),
            LARGE_DATASET_EPOCH_COUNT
        );
    }

    #[test]
    fn steps_per_epoch_rounds_up_to_whole_batches() {
        let cases = [(0, 1), (1, 1), (8, 1), (9, 2), (100, 13), (1_000, 125)];
        for (examples, steps) in cases {
            assert_eq!(steps_per_epoch(examples), steps, "{examples} examples");
        }
    }

    #[test]
    fn default_epoch_count_gives_small_data_sets_more_epochs() {
        assert_eq!(default_epoch_count(100), SMALL_DATASET_EPOCH_COUNT);
        assert_eq!(default_epoch_count(999), SMALL_DATASET_EPOCH_COUNT);
        assert_eq!(default_epoch_count(1_000), LARGE_DATASET_EPOCH_COUNT);
        assert!(default_epoch_count(0) > default_epoch_count(u64::MAX));
    }

    #[test]
    fn a_requested_epoch_count_wins_over_the_default() {
        assert_eq!(epoch_count(Some(7), 0), 7);
        assert_eq!(epoch_count(None, 0), SMALL_DATASET_EPOCH_COUNT);
        assert_eq!(epoch_count(None, 5_000), LARGE_DATASET_EPOCH_COUNT);
    }

    #[test]
    fn cancel_takes_no_time_only_for_instant_jobs() {
        assert_eq!(cancel_delay(Pace::Instant), Duration::ZERO);
        assert_eq!(cancel_delay(Pace::Scaled), SCALED_CANCEL_DELAY);
    }

    proptest! {
        #[test]
        fn scaled_tuning_never_exceeds_its_cap(epochs in 1u32..200, steps in 1u64..100_000) {
            let t = timeline(Pace::Scaled, epochs, steps);
            let tuning = t.tuning_per_step.saturating_mul(u32::try_from(t.total_steps()).unwrap_or(u32::MAX));
            prop_assert!(tuning <= SCALED_MAX_TUNING);
            prop_assert_eq!((t.epochs, t.steps_per_epoch), (epochs, steps));
        }

        #[test]
        fn steps_per_epoch_covers_every_example(n in 0u64..1_000_000) {
            let steps = steps_per_epoch(n);
            prop_assert!(steps >= 1);
            prop_assert!(steps * EMULATOR_BATCH_SIZE >= n);
            prop_assert!(n == 0 || (steps - 1) * EMULATOR_BATCH_SIZE < n);
        }
    }
}
