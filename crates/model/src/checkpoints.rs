//! Checkpoints: which ones a tuning job exports, the step arithmetic behind them, and which
//! checkpoint of a version a request means (`resolve_checkpoint`).
//!
//! Source: the tuning-checkpoints page (spec §6.1): "For tuning jobs with less than 10 epochs, one
//! checkpoint is saved approximately after each epoch. For tuning jobs with more than 10 epochs,
//! around 10 checkpoints are saved at even distribution, with the exception of the final
//! checkpoint, which is saved immediately after all epochs are trained." The same page says the
//! step of a checkpoint is exact while its epoch is "an estimated epoch number that the checkpoint
//! belongs to", and that "by default, the default checkpoint is the final checkpoint". The
//! checkpoint samples number checkpoints `"1"`, `"2"`, ... with `epoch=1 step=10`,
//! `epoch=2 step=20`.

use crate::Code;
use crate::names::{CheckpointId, VersionId};
use crate::registry::{VersionEntry, list};

/// How many evenly spaced checkpoints a job with more than 10 epochs saves ("around 10
/// checkpoints are saved at even distribution", tuning-checkpoints page). Up to this many epochs,
/// one checkpoint per epoch.
pub const MAX_EVENLY_SPACED_CHECKPOINTS: u32 = 10;

/// The most checkpoints a schedule holds: the evenly spaced ones plus the final one.
pub const MAX_CHECKPOINTS: usize = MAX_EVENLY_SPACED_CHECKPOINTS as usize + 1;

/// A checkpoint a tuning job will export: 1-based id, the epoch it belongs to, the exact step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduledCheckpoint {
    /// The checkpoint number; on the wire it is the string `checkpointId` ([`Self::id_string`]).
    pub id: u32,
    /// The (1-based) epoch the checkpoint belongs to; exact for epoch boundaries and the final one.
    pub epoch: u64,
    /// The training step after which the checkpoint is saved.
    pub step: u64,
}

impl ScheduledCheckpoint {
    /// The `checkpointId` as the API writes it: `"1"`, `"2"`, ...
    pub fn id_string(&self) -> String {
        self.id.to_string()
    }
}

/// The checkpoints a job of `epochs` epochs of `steps_per_epoch` steps exports, in order.
///
/// - `export_last_checkpoint_only` (the `exportLastCheckpointOnly` field): only the final one.
/// - Up to [`MAX_EVENLY_SPACED_CHECKPOINTS`] epochs: one at the end of each epoch.
/// - More epochs: one every `total_steps / 10` steps (ten of them), plus the final one when the
///   tenth does not already fall on the last step. So at most [`MAX_CHECKPOINTS`].
///
/// The last entry is always at step `epochs * steps_per_epoch` and epoch `epochs`; steps strictly
/// increase; ids run `1..=n`. A job with no steps (`epochs == 0` or `steps_per_epoch == 0`) saves
/// nothing, so the schedule is empty; validation refuses such jobs before they get here.
///
/// ```
/// use retune_model::checkpoints::{checkpoint_schedule, default_checkpoint};
/// let s = checkpoint_schedule(2, 10, false);
/// assert_eq!(s.iter().map(|c| (c.id, c.epoch, c.step)).collect::<Vec<_>>(), [(1, 1, 10), (2, 2, 20)]);
/// assert_eq!(default_checkpoint(&s).map(|c| c.id_string()), Some("2".to_owned()));
/// assert_eq!(checkpoint_schedule(25, 4, false).len(), 10);
/// assert_eq!(checkpoint_schedule(25, 3, true).len(), 1);
/// ```
pub fn checkpoint_schedule(
    epochs: u32,
    steps_per_epoch: u64,
    export_last_checkpoint_only: bool,
) -> Vec<ScheduledCheckpoint> {
    let total_steps = u64::from(epochs).saturating_mul(steps_per_epoch);
    if total_steps == 0 {
        return Vec::new();
    }
    let mut steps: Vec<u64> = if export_last_checkpoint_only {
        vec![total_steps]
    } else if epochs <= MAX_EVENLY_SPACED_CHECKPOINTS {
        (1..=u64::from(epochs))
            .map(|epoch| epoch.saturating_mul(steps_per_epoch))
            .collect()
    } else {
        // epochs > 10 and steps_per_epoch >= 1, so the interval is at least 1 step.
        let interval = total_steps / u64::from(MAX_EVENLY_SPACED_CHECKPOINTS);
        let mut steps: Vec<u64> = (1..=u64::from(MAX_EVENLY_SPACED_CHECKPOINTS))
            .map(|k| k * interval)
            .collect();
        if steps.last() != Some(&total_steps) {
            steps.push(total_steps);
        }
        steps
    };
    // Only a saturated (overflowing) step count can repeat a step; keep steps strictly increasing.
    steps.dedup();
    steps
        .into_iter()
        .zip(1u32..)
        .map(|(step, id)| ScheduledCheckpoint {
            id,
            epoch: epoch_of_step(step, steps_per_epoch),
            step,
        })
        .collect()
}

/// The 1-based epoch a step belongs to: steps `1..=steps_per_epoch` are epoch 1.
fn epoch_of_step(step: u64, steps_per_epoch: u64) -> u64 {
    step.div_ceil(steps_per_epoch.max(1))
}

/// The checkpoint a new model version starts with as its default: the last one ("by default, the
/// default checkpoint is the final checkpoint of a tuning job", tuning-checkpoints page).
pub fn default_checkpoint(schedule: &[ScheduledCheckpoint]) -> Option<&ScheduledCheckpoint> {
    schedule.last()
}

/// Why a checkpoint of a version cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A checkpoint id the version does not have.
    #[error(
        "version {version} has no checkpoint {requested}; its checkpoints are {}", list(.known)
    )]
    UnknownCheckpoint {
        version: VersionId,
        requested: CheckpointId,
        known: Vec<CheckpointId>,
    },
    /// No checkpoint id was given and the version has no checkpoints at all.
    #[error("version {version} has no checkpoints")]
    NoCheckpoints { version: VersionId },
}

impl CheckpointError {
    /// The status code.
    ///
    /// An unknown checkpoint id is `INVALID_ARGUMENT`, not `NOT_FOUND`: a checkpoint has no
    /// resource name of its own, the id is a field of the request (`preTunedModel.checkpointId`,
    /// `defaultCheckpointId`) that does not match the version. The real code is undocumented.
    /// A version without checkpoints is `FAILED_PRECONDITION`.
    pub fn code(&self) -> Code {
        match self {
            CheckpointError::UnknownCheckpoint { .. } => Code::InvalidArgument,
            CheckpointError::NoCheckpoints { .. } => Code::FailedPrecondition,
        }
    }
}

/// The checkpoint to use: `requested` if the version has it; with no id, the version's default
/// checkpoint, or else its last one.
///
/// ```
/// use retune_model::names::{CheckpointId, VersionId};
/// use retune_model::registry::{resolve_checkpoint, VersionEntry};
/// let c = CheckpointId::from_number;
/// let version = VersionEntry::new(VersionId::FIRST).with_checkpoints(vec![c(1), c(2)], Some(c(1)));
/// assert_eq!(resolve_checkpoint(&version, None), Ok(c(1)));
/// assert_eq!(resolve_checkpoint(&version, Some(&c(2))), Ok(c(2)));
/// let err = resolve_checkpoint(&version, Some(&c(7))).unwrap_err();
/// assert_eq!(err.to_string(), "version 1 has no checkpoint 7; its checkpoints are 1, 2");
/// ```
pub fn resolve_checkpoint(
    version: &VersionEntry,
    requested: Option<&CheckpointId>,
) -> Result<CheckpointId, CheckpointError> {
    match requested {
        Some(id) if version.checkpoints.contains(id) => Ok(*id),
        Some(id) => Err(CheckpointError::UnknownCheckpoint {
            version: version.id,
            requested: *id,
            known: version.checkpoints.clone(),
        }),
        None => version
            .default_checkpoint
            .or_else(|| version.checkpoints.last().copied())
            .ok_or(CheckpointError::NoCheckpoints {
                version: version.id,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn triples(schedule: &[ScheduledCheckpoint]) -> Vec<(u32, u64, u64)> {
        schedule.iter().map(|c| (c.id, c.epoch, c.step)).collect()
    }

    #[test]
    fn up_to_ten_epochs_save_one_checkpoint_per_epoch() {
        assert_eq!(
            triples(&checkpoint_schedule(3, 10, false)),
            [(1, 1, 10), (2, 2, 20), (3, 3, 30)]
        );
        let ten = checkpoint_schedule(10, 7, false);
        assert_eq!(ten.len(), 10);
        assert!(ten.iter().all(|c| c.step == c.epoch * 7));
    }

    #[test]
    fn more_than_ten_epochs_save_ten_evenly_spaced_plus_the_final_one() {
        // 11 epochs * 3 steps = 33 steps: every 3 steps, then the final step 33.
        let s = checkpoint_schedule(11, 3, false);
        let steps: Vec<_> = s.iter().map(|c| c.step).collect();
        assert_eq!(steps, [3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33]);
        assert_eq!(s.len(), MAX_CHECKPOINTS);
        assert_eq!(triples(&s[10..]), [(11, 11, 33)]);
    }

    #[test]
    fn evenly_spaced_checkpoint_that_lands_on_the_last_step_is_not_repeated() {
        // 20 epochs * 5 steps = 100 steps: every 10 steps, the tenth is the final one.
        let s = checkpoint_schedule(20, 5, false);
        assert_eq!(s.len(), 10);
        assert_eq!(
            s[0],
            ScheduledCheckpoint {
                id: 1,
                epoch: 2,
                step: 10
            }
        );
        assert_eq!(
            s[9],
            ScheduledCheckpoint {
                id: 10,
                epoch: 20,
                step: 100
            }
        );
    }

    #[test]
    fn mid_epoch_checkpoint_belongs_to_the_epoch_it_falls_in() {
        // 13 epochs * 4 steps = 52 steps: every 5 steps (5, 10, ..., 50), then the final 52.
        let s = checkpoint_schedule(13, 4, false);
        assert_eq!(
            s[0],
            ScheduledCheckpoint {
                id: 1,
                epoch: 2,
                step: 5
            }
        );
        assert_eq!(
            s[1],
            ScheduledCheckpoint {
                id: 2,
                epoch: 3,
                step: 10
            }
        );
        assert_eq!(s.last().map(|c| (c.epoch, c.step)), Some((13, 52)));
    }

    #[test]
    fn export_last_checkpoint_only_saves_just_the_final_one() {
        for epochs in [1, 5, 10, 11, 40] {
            let s = checkpoint_schedule(epochs, 6, true);
            assert_eq!(
                triples(&s),
                [(1, u64::from(epochs), u64::from(epochs) * 6)],
                "{epochs} epochs"
            );
        }
    }

    #[test]
    fn default_checkpoint_is_the_last_one() {
        let s = checkpoint_schedule(2, 10, false);
        assert_eq!(default_checkpoint(&s), s.get(1));
        assert_eq!(
            default_checkpoint(&s).map(|c| c.id_string()).as_deref(),
            Some("2")
        );
        assert_eq!(default_checkpoint(&[]), None);
    }

    #[test]
    fn job_without_steps_has_no_checkpoints() {
        assert!(checkpoint_schedule(0, 10, false).is_empty());
        assert!(checkpoint_schedule(5, 0, false).is_empty());
        assert!(checkpoint_schedule(0, 10, true).is_empty());
    }

    proptest! {
        #[test]
        fn schedule_ends_with_the_final_step_and_stays_small_and_ordered(
            epochs in 1u32..500,
            steps_per_epoch in 1u64..10_000,
            last_only in any::<bool>(),
        ) {
            let s = checkpoint_schedule(epochs, steps_per_epoch, last_only);
            let total = u64::from(epochs) * steps_per_epoch;
            prop_assert!(!s.is_empty());
            prop_assert!(s.len() <= MAX_CHECKPOINTS);
            let last = s[s.len() - 1];
            prop_assert_eq!((last.epoch, last.step), (u64::from(epochs), total));
            prop_assert_eq!(default_checkpoint(&s), Some(&last));
            for pair in s.windows(2) {
                prop_assert!(pair[0].step < pair[1].step);
                prop_assert!(pair[0].epoch <= pair[1].epoch);
            }
            for (i, c) in s.iter().enumerate() {
                prop_assert_eq!(c.id as usize, i + 1);
                prop_assert!(c.epoch >= 1 && c.epoch <= u64::from(epochs));
                prop_assert!(c.step > (c.epoch - 1) * steps_per_epoch);
                prop_assert!(c.step <= c.epoch * steps_per_epoch);
            }
            if last_only {
                prop_assert_eq!(s.len(), 1);
            } else if epochs <= MAX_EVENLY_SPACED_CHECKPOINTS {
                prop_assert_eq!(s.len(), epochs as usize);
            } else {
                prop_assert!(s.len() >= MAX_EVENLY_SPACED_CHECKPOINTS as usize);
            }
        }

        #[test]
        fn schedule_never_panics_on_extreme_inputs(
            epochs in any::<u32>(),
            steps_per_epoch in any::<u64>(),
            last_only in any::<bool>(),
        ) {
            let s = checkpoint_schedule(epochs, steps_per_epoch, last_only);
            prop_assert!(s.len() <= MAX_CHECKPOINTS);
            for pair in s.windows(2) {
                prop_assert!(pair[0].step < pair[1].step);
            }
        }
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    fn v(n: u64) -> VersionId {
        VersionId::from_number(n).unwrap()
    }

    fn c(n: u64) -> CheckpointId {
        CheckpointId::from_number(n)
    }

    #[test]
    fn no_checkpoint_id_uses_the_default_checkpoint() {
        let version = VersionEntry::new(v(1)).with_checkpoints(vec![c(1), c(2), c(3)], Some(c(2)));
        assert_eq!(resolve_checkpoint(&version, None), Ok(c(2)));
    }

    #[test]
    fn no_checkpoint_id_and_no_default_uses_the_last_checkpoint() {
        let version = VersionEntry::new(v(1)).with_checkpoints(vec![c(1), c(2), c(3)], None);
        assert_eq!(resolve_checkpoint(&version, None), Ok(c(3)));
    }

    #[test]
    fn unknown_checkpoint_id_names_the_known_ones() {
        let version = VersionEntry::new(v(2)).with_checkpoints(vec![c(1), c(2)], Some(c(2)));
        let err = resolve_checkpoint(&version, Some(&c(5))).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(
            err.to_string(),
            "version 2 has no checkpoint 5; its checkpoints are 1, 2"
        );
        assert_eq!(resolve_checkpoint(&version, Some(&c(1))), Ok(c(1)));
    }

    #[test]
    fn version_without_checkpoints_cannot_resolve_one() {
        let version = VersionEntry::new(v(1));
        assert_eq!(
            resolve_checkpoint(&version, None),
            Err(CheckpointError::NoCheckpoints { version: v(1) })
        );
        let err = resolve_checkpoint(&version, Some(&c(1))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "version 1 has no checkpoint 1; its checkpoints are none"
        );
    }
}
