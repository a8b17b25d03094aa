//! Hyperparameters of supervised tuning and their checks against the base model.
//!
//! [`HyperParameters`] is the request's `supervisedTuningSpec.hyperParameters` as received;
//! [`HyperParameters::validate`] checks it against a [`BaseModel`] and returns either the
//! effective values ([`ValidHyperParameters`]) or *every* problem ([`HyperParameterError`]).
//!
//! Sources: spec §3.4 (fields), §7.1 (adapter sizes per model, and the verbatim message for an
//! unsupported size, from python-genai issue #908), §7.2 (numeric limits, which Google does not
//! document; the lower bounds are ours).

use crate::Code;
use crate::base_model::BaseModel;
use crate::emulator_policy::MAX_EPOCH_COUNT;

/// The LoRA adapter size (`SupervisedHyperParameters.adapter_size`).
///
/// Proto numbers are **not** ordered by size: `TWO` is 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdapterSize {
    Unspecified,
    One,
    Two,
    Four,
    Eight,
    Sixteen,
    ThirtyTwo,
}

crate::proto_enum!(AdapterSize {
    Unspecified = ("ADAPTER_SIZE_UNSPECIFIED", 0),
    One = ("ADAPTER_SIZE_ONE", 1),
    Two = ("ADAPTER_SIZE_TWO", 6),
    Four = ("ADAPTER_SIZE_FOUR", 2),
    Eight = ("ADAPTER_SIZE_EIGHT", 3),
    Sixteen = ("ADAPTER_SIZE_SIXTEEN", 4),
    ThirtyTwo = ("ADAPTER_SIZE_THIRTY_TWO", 5),
});

impl AdapterSize {
    /// The adapter rank, or `None` for `Unspecified`.
    pub fn rank(self) -> Option<u32> {
        match self {
            AdapterSize::Unspecified => None,
            AdapterSize::One => Some(1),
            AdapterSize::Two => Some(2),
            AdapterSize::Four => Some(4),
            AdapterSize::Eight => Some(8),
            AdapterSize::Sixteen => Some(16),
            AdapterSize::ThirtyTwo => Some(32),
        }
    }

    /// The size for a rank (1, 2, 4, 8, 16 or 32).
    pub fn from_rank(rank: u32) -> Option<AdapterSize> {
        match rank {
            1 => Some(AdapterSize::One),
            2 => Some(AdapterSize::Two),
            4 => Some(AdapterSize::Four),
            8 => Some(AdapterSize::Eight),
            16 => Some(AdapterSize::Sixteen),
            32 => Some(AdapterSize::ThirtyTwo),
            _ => None,
        }
    }
}

/// The `learningRateMultiplier` used when the request gives none.
///
/// Source: the Japanese supervised-tuning page ("default value is 1"), spec §3.4.
pub const DEFAULT_LEARNING_RATE_MULTIPLIER: f64 = 1.0;

/// The verbatim message a real server returns for an unsupported adapter size (spec §7.1,
/// python-genai issue #908).
pub const ADAPTER_SIZE_NOT_SUPPORTED_MESSAGE: &str =
    "The adapter size is not supported for this base model.";

/// `SupervisedHyperParameters` as received: plain data, nothing checked yet.
///
/// `learning_rate` and `batch_size` exist in v1beta1 for open-source models only; every model in
/// [`crate::base_model::BASE_MODELS`] is a Google model, so [`HyperParameters::validate`] refuses
/// them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HyperParameters {
    /// `epochCount` (int64).
    pub epoch_count: Option<i64>,
    /// `learningRateMultiplier` (double).
    pub learning_rate_multiplier: Option<f64>,
    /// `learningRate` (double, v1beta1, open-source models only).
    pub learning_rate: Option<f64>,
    /// `adapterSize`.
    pub adapter_size: Option<AdapterSize>,
    /// `batchSize` (int64, v1beta1, open-source models only).
    pub batch_size: Option<i64>,
    /// `beta` (double, preference optimization only): the weight of the KL-divergence
    /// regularisation.
    pub beta: Option<f64>,
}

impl HyperParameters {
    /// Checks every rule against `base` and returns the effective values, or every violation in
    /// a fixed order (the order of the rules below).
    ///
    /// Rules:
    /// - `epochCount`, when set, is in `1..=`[`MAX_EPOCH_COUNT`];
    /// - `learningRateMultiplier`, when set, is finite and greater than 0;
    /// - `learningRate` is not set together with `learningRateMultiplier`, and is refused for
    ///   Google base models (it is for open-source models only);
    /// - `batchSize` is refused for Google base models;
    /// - `beta` (preference optimization), when set, is finite and greater than 0. Neither the
    ///   SDK, the REST reference nor the tuning guide gives a range ("weight for KL divergence
    ///   regularization"); a weight of 0 or below turns the regulariser off or around, and the
    ///   preference objective (DPO) is defined for a positive beta only, so that is the rule here;
    ///   no upper bound is documented, so none is set;
    /// - `adapterSize` is unspecified or one of [`BaseModel::adapter_sizes`].
    ///
    /// ```
    /// use retune_model::base_model::BaseModel;
    /// use retune_model::hyperparameters::{AdapterSize, HyperParameters};
    /// let flash = BaseModel::lookup("gemini-2.5-flash").unwrap();
    /// let ok = HyperParameters { epoch_count: Some(3), ..Default::default() }.validate(flash).unwrap();
    /// assert_eq!(ok.epoch_count(), Some(3));
    /// assert_eq!(ok.learning_rate_multiplier(), 1.0);
    ///
    /// let bad = HyperParameters {
    ///     epoch_count: Some(0),
    ///     adapter_size: Some(AdapterSize::ThirtyTwo),
    ///     ..Default::default()
    /// };
    /// let errors = bad.validate(flash).unwrap_err();
    /// assert_eq!(errors.len(), 2);
    /// assert_eq!(errors[1].to_string(), "The adapter size is not supported for this base model.");
    /// ```
    pub fn validate(
        &self,
        base: &BaseModel,
    ) -> Result<ValidHyperParameters, Vec<HyperParameterError>> {
        let mut errors = Vec::new();

        let epoch_count = match self.epoch_count {
            None => None,
            Some(value) if value <= 0 => {
                errors.push(HyperParameterError::EpochCountNotPositive { value });
                None
            }
            Some(value) if value > MAX_EPOCH_COUNT => {
                errors.push(HyperParameterError::EpochCountTooLarge { value });
                None
            }
            Some(value) => u32::try_from(value).ok(),
        };

        let learning_rate_multiplier = match self.learning_rate_multiplier {
            None => DEFAULT_LEARNING_RATE_MULTIPLIER,
            Some(value) if value.is_finite() && value > 0.0 => value,
            Some(value) => {
                errors.push(HyperParameterError::LearningRateMultiplierNotPositive { value });
                DEFAULT_LEARNING_RATE_MULTIPLIER
            }
        };

        if let Some(learning_rate) = self.learning_rate {
            if let Some(multiplier) = self.learning_rate_multiplier {
                errors.push(HyperParameterError::LearningRateWithMultiplier {
                    learning_rate,
                    multiplier,
                });
            }
            errors.push(HyperParameterError::LearningRateNotSupported {
                value: learning_rate,
                base_model: base.id(),
            });
        }

        if let Some(value) = self.batch_size {
            errors.push(HyperParameterError::BatchSizeNotSupported {
                value,
                base_model: base.id(),
            });
        }

        if let Some(value) = self.beta
            && !(value.is_finite() && value > 0.0)
        {
            errors.push(HyperParameterError::BetaNotPositive { value });
        }

        let adapter_size = self.adapter_size.unwrap_or(AdapterSize::Unspecified);
        if adapter_size != AdapterSize::Unspecified && !base.adapter_sizes().contains(&adapter_size)
        {
            errors.push(HyperParameterError::AdapterSizeNotSupported {
                adapter_size,
                base_model: base.id(),
            });
        }

        if errors.is_empty() {
            Ok(ValidHyperParameters {
                epoch_count,
                learning_rate_multiplier,
                adapter_size,
            })
        } else {
            Err(errors)
        }
    }
}

/// Hyperparameters that passed [`HyperParameters::validate`], with defaults applied where the
/// service documents one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidHyperParameters {
    epoch_count: Option<u32>,
    learning_rate_multiplier: f64,
    adapter_size: AdapterSize,
}

impl ValidHyperParameters {
    /// The requested epoch count; `None` means the service picks one from the data set size
    /// (the emulator's pick: [`crate::emulator_policy::epoch_count`]).
    pub fn epoch_count(&self) -> Option<u32> {
        self.epoch_count
    }

    /// The learning-rate multiplier, [`DEFAULT_LEARNING_RATE_MULTIPLIER`] when not requested.
    pub fn learning_rate_multiplier(&self) -> f64 {
        self.learning_rate_multiplier
    }

    /// The requested adapter size; `Unspecified` leaves the choice to the service, whose
    /// per-model default is not documented for current models.
    pub fn adapter_size(&self) -> AdapterSize {
        self.adapter_size
    }
}

/// One violated hyperparameter rule. All are `INVALID_ARGUMENT`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HyperParameterError {
    /// `epochCount` is 0 or negative.
    #[error("epochCount must be greater than 0, got {value}")]
    EpochCountNotPositive {
        /// The rejected value.
        value: i64,
    },
    /// `epochCount` is above [`MAX_EPOCH_COUNT`].
    #[error("epochCount must be at most {MAX_EPOCH_COUNT}, got {value}")]
    EpochCountTooLarge {
        /// The rejected value.
        value: i64,
    },
    /// `learningRateMultiplier` is 0, negative, infinite or NaN.
    #[error("learningRateMultiplier must be a finite number greater than 0, got {value}")]
    LearningRateMultiplierNotPositive {
        /// The rejected value.
        value: f64,
    },
    /// `learningRate` and `learningRateMultiplier` are both set.
    #[error(
        "learningRate ({learning_rate}) and learningRateMultiplier ({multiplier}) are mutually \
         exclusive; set at most one"
    )]
    LearningRateWithMultiplier {
        /// The `learningRate` given.
        learning_rate: f64,
        /// The `learningRateMultiplier` given.
        multiplier: f64,
    },
    /// `learningRate` is set for a Google base model.
    #[error(
        "learningRate ({value}) is supported for open-source models only, not for \
         {base_model}; use learningRateMultiplier"
    )]
    LearningRateNotSupported {
        /// The rejected value.
        value: f64,
        /// The base model id.
        base_model: &'static str,
    },
    /// `batchSize` is set for a Google base model.
    #[error("batchSize ({value}) is supported for open-source models only, not for {base_model}")]
    BatchSizeNotSupported {
        /// The rejected value.
        value: i64,
        /// The base model id.
        base_model: &'static str,
    },
    /// `beta` is 0, negative, infinite or NaN.
    #[error("beta must be a finite number greater than 0, got {value}")]
    BetaNotPositive {
        /// The rejected value.
        value: f64,
    },
    /// The base model does not accept this adapter size. The message is the real server's,
    /// verbatim ([`ADAPTER_SIZE_NOT_SUPPORTED_MESSAGE`]).
    #[error("The adapter size is not supported for this base model.")]
    AdapterSizeNotSupported {
        /// The rejected size.
        adapter_size: AdapterSize,
        /// The base model id.
        base_model: &'static str,
    },
}

impl HyperParameterError {
    /// The offending field as a proto path below the tuning job, as in
    /// `BadRequest.fieldViolations` (spec §8.3); prefix `tuning_job.` for the full path.
    pub fn field(&self) -> &'static str {
        match self {
            HyperParameterError::EpochCountNotPositive { .. }
            | HyperParameterError::EpochCountTooLarge { .. } => {
                "supervised_tuning_spec.hyper_parameters.epoch_count"
            }
            HyperParameterError::LearningRateMultiplierNotPositive { .. } => {
                "supervised_tuning_spec.hyper_parameters.learning_rate_multiplier"
            }
            HyperParameterError::LearningRateWithMultiplier { .. }
            | HyperParameterError::LearningRateNotSupported { .. } => {
                "supervised_tuning_spec.hyper_parameters.learning_rate"
            }
            HyperParameterError::BatchSizeNotSupported { .. } => {
                "supervised_tuning_spec.hyper_parameters.batch_size"
            }
            HyperParameterError::AdapterSizeNotSupported { .. } => {
                "supervised_tuning_spec.hyper_parameters.adapter_size"
            }
            HyperParameterError::BetaNotPositive { .. } => {
                "preference_optimization_spec.hyper_parameters.beta"
            }
        }
    }

    /// Always `INVALID_ARGUMENT` (spec §8.3).
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto_enum::ProtoEnum;

    fn model(id: &str) -> &'static BaseModel {
        BaseModel::lookup(id).unwrap()
    }

    fn flash() -> &'static BaseModel {
        model("gemini-2.5-flash")
    }

    #[track_caller]
    fn errors(params: HyperParameters, base: &BaseModel) -> Vec<HyperParameterError> {
        params.validate(base).err().unwrap_or_default()
    }

    #[test]
    fn nothing_set_is_valid_with_documented_defaults() {
        let valid = HyperParameters::default().validate(flash()).unwrap();
        assert_eq!(valid.epoch_count(), None);
        assert_eq!(
            valid.learning_rate_multiplier(),
            DEFAULT_LEARNING_RATE_MULTIPLIER
        );
        assert_eq!(valid.adapter_size(), AdapterSize::Unspecified);
        assert_eq!(
            crate::emulator_policy::epoch_count(valid.epoch_count(), 100),
            crate::emulator_policy::default_epoch_count(100)
        );
    }

    #[test]
    fn epoch_count_must_be_positive_and_at_most_the_bound() {
        let cases = [
            (1, Ok(1)),
            (3, Ok(3)),
            (MAX_EPOCH_COUNT, Ok(10_000)),
            (
                0,
                Err(HyperParameterError::EpochCountNotPositive { value: 0 }),
            ),
            (
                -2,
                Err(HyperParameterError::EpochCountNotPositive { value: -2 }),
            ),
            (
                i64::MIN,
                Err(HyperParameterError::EpochCountNotPositive { value: i64::MIN }),
            ),
            (
                MAX_EPOCH_COUNT + 1,
                Err(HyperParameterError::EpochCountTooLarge { value: 10_001 }),
            ),
            (
                i64::MAX,
                Err(HyperParameterError::EpochCountTooLarge { value: i64::MAX }),
            ),
        ];
        for (value, expected) in cases {
            let params = HyperParameters {
                epoch_count: Some(value),
                ..Default::default()
            };
            let got = params
                .validate(flash())
                .map(|v| crate::emulator_policy::epoch_count(v.epoch_count(), 0))
                .map_err(|mut e| e.remove(0));
            assert_eq!(got, expected, "epochCount {value}");
            if let Err(err) = got {
                assert_eq!(
                    err.field(),
                    "supervised_tuning_spec.hyper_parameters.epoch_count"
                );
                assert_eq!(err.code(), Code::InvalidArgument);
                assert!(err.to_string().contains(&value.to_string()), "{err}");
            }
        }
    }

    #[test]
    fn learning_rate_multiplier_must_be_finite_and_positive() {
        for ok in [1.0, 0.5, 1e-6, 10.0] {
            let params = HyperParameters {
                learning_rate_multiplier: Some(ok),
                ..Default::default()
            };
            assert_eq!(
                params
                    .validate(flash())
                    .map(|v| v.learning_rate_multiplier()),
                Ok(ok)
            );
        }
        for bad in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let params = HyperParameters {
                learning_rate_multiplier: Some(bad),
                ..Default::default()
            };
            let errs = errors(params, flash());
            assert_eq!(errs.len(), 1, "{bad}");
            assert!(
                matches!(
                    errs[0],
                    HyperParameterError::LearningRateMultiplierNotPositive { .. }
                ),
                "{bad}"
            );
            assert_eq!(
                errs[0].field(),
                "supervised_tuning_spec.hyper_parameters.learning_rate_multiplier"
            );
        }
    }

    #[test]
    fn learning_rate_is_refused_for_gemini_models() {
        let params = HyperParameters {
            learning_rate: Some(0.0002),
            ..Default::default()
        };
        let errs = errors(params, flash());
        assert_eq!(
            errs,
            [HyperParameterError::LearningRateNotSupported {
                value: 0.0002,
                base_model: "gemini-2.5-flash",
            }]
        );
        assert_eq!(
            errs[0].field(),
            "supervised_tuning_spec.hyper_parameters.learning_rate"
        );
        assert!(errs[0].to_string().contains("open-source"), "{}", errs[0]);
    }

    #[test]
    fn learning_rate_with_multiplier_is_refused_as_mutually_exclusive() {
        let params = HyperParameters {
            learning_rate: Some(0.0002),
            learning_rate_multiplier: Some(1.0),
            ..Default::default()
        };
        let errs = errors(params, flash());
        assert_eq!(
            errs[0],
            HyperParameterError::LearningRateWithMultiplier {
                learning_rate: 0.0002,
                multiplier: 1.0,
            }
        );
        assert!(errs[0].to_string().contains("mutually exclusive"));
        assert!(matches!(
            errs[1],
            HyperParameterError::LearningRateNotSupported { .. }
        ));
    }

    #[test]
    fn batch_size_is_refused_for_gemini_models() {
        let params = HyperParameters {
            batch_size: Some(16),
            ..Default::default()
        };
        let errs = errors(params, model("gemini-2.5-pro"));
        assert_eq!(
            errs,
            [HyperParameterError::BatchSizeNotSupported {
                value: 16,
                base_model: "gemini-2.5-pro",
            }]
        );
        assert_eq!(
            errs[0].field(),
            "supervised_tuning_spec.hyper_parameters.batch_size"
        );
    }

    #[test]
    fn adapter_size_follows_the_base_model_table() {
        use AdapterSize::*;
        let cases = [
            ("gemini-2.5-flash", One, true),
            ("gemini-2.5-flash", Two, true),
            ("gemini-2.5-flash", Sixteen, true),
            ("gemini-2.5-flash", ThirtyTwo, false),
            ("gemini-2.5-flash-lite", Sixteen, true),
            ("gemini-2.5-pro", Eight, true),
            ("gemini-2.5-pro", Sixteen, false),
            ("gemini-1.5-pro-002", Four, true),
            ("gemini-1.5-pro-002", Eight, false),
            ("gemini-1.5-flash-002", Sixteen, true),
            ("translation-llm-002", One, false),
        ];
        for (id, size, allowed) in cases {
            let params = HyperParameters {
                adapter_size: Some(size),
                ..Default::default()
            };
            let result = params.validate(model(id));
            assert_eq!(result.is_ok(), allowed, "{id} {size:?}");
            if let Ok(valid) = result {
                assert_eq!(valid.adapter_size(), size);
            }
        }
    }

    #[test]
    fn unspecified_adapter_size_is_always_allowed() {
        for base in crate::base_model::BASE_MODELS {
            let params = HyperParameters {
                adapter_size: Some(AdapterSize::Unspecified),
                ..Default::default()
            };
            assert!(params.validate(base).is_ok(), "{base}");
        }
    }

    #[test]
    fn adapter_size_thirty_two_is_not_supported_for_gemini_2_5_flash() {
        let params = HyperParameters {
            adapter_size: Some(AdapterSize::ThirtyTwo),
            ..Default::default()
        };
        let errs = errors(params, flash());
        assert_eq!(
            errs,
            [HyperParameterError::AdapterSizeNotSupported {
                adapter_size: AdapterSize::ThirtyTwo,
                base_model: "gemini-2.5-flash",
            }]
        );
        assert_eq!(
            errs[0].to_string(),
            "The adapter size is not supported for this base model."
        );
        assert_eq!(errs[0].to_string(), ADAPTER_SIZE_NOT_SUPPORTED_MESSAGE);
        assert_eq!(errs[0].code(), Code::InvalidArgument);
        assert_eq!(
            errs[0].field(),
            "supervised_tuning_spec.hyper_parameters.adapter_size"
        );
    }

    #[test]
    fn beta_must_be_a_positive_finite_weight() {
        for bad in [0.0, -0.1, f64::INFINITY, f64::NAN] {
            let params = HyperParameters {
                beta: Some(bad),
                ..HyperParameters::default()
            };
            let errs = errors(params, flash());
            assert_eq!(
                errs.iter().map(|e| e.field()).collect::<Vec<_>>(),
                ["preference_optimization_spec.hyper_parameters.beta"],
                "{bad}"
            );
        }
        let ok = HyperParameters {
            beta: Some(0.1),
            ..HyperParameters::default()
        };
        assert!(ok.validate(flash()).is_ok());
    }

    #[test]
    fn every_problem_is_reported_in_rule_order() {
        let params = HyperParameters {
            epoch_count: Some(-1),
            learning_rate_multiplier: Some(f64::NAN),
            learning_rate: Some(0.1),
            adapter_size: Some(AdapterSize::ThirtyTwo),
            batch_size: Some(4),
            beta: None,
        };
        let fields: Vec<_> = errors(params, flash()).iter().map(|e| e.field()).collect();
        assert_eq!(
            fields,
            [
                "supervised_tuning_spec.hyper_parameters.epoch_count",
                "supervised_tuning_spec.hyper_parameters.learning_rate_multiplier",
                "supervised_tuning_spec.hyper_parameters.learning_rate",
                "supervised_tuning_spec.hyper_parameters.learning_rate",
                "supervised_tuning_spec.hyper_parameters.batch_size",
                "supervised_tuning_spec.hyper_parameters.adapter_size",
            ]
        );
    }

    #[test]
    fn adapter_size_rank_round_trips() {
        for size in AdapterSize::VALUES {
            match size.rank() {
                Some(rank) => assert_eq!(AdapterSize::from_rank(rank), Some(*size)),
                None => assert_eq!(*size, AdapterSize::Unspecified),
            }
        }
        assert_eq!(AdapterSize::from_rank(3), None);
    }
}
