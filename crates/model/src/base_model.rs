//! The foundation models that can be tuned, and what each of them supports.
//!
//! Sources for the table (see `ARCHITECTURE.md` for the wider spec):
//! - supervised tuning and adapter sizes: "About supervised fine-tuning for Gemini models",
//!   limitations table (Gemini 2.5 Flash / Flash-Lite: 1, 2, 4, 8, 16; Gemini 1.5 Pro: 1, 4;
//!   Gemini 1.5 Flash: 1, 4, 8, 16);
//! - continuous tuning: "Use continuous tuning for Gemini models" (Gemini 3.5 Flash,
//!   Gemini 3.1 Flash-Lite and the Gemini 2.5 family);
//! - checkpoints: the tuning-checkpoints page (2.0 Flash, 2.0 Flash-Lite and the 2.5 family).
//!
//! Where the documentation was cut off (adapter sizes of Gemini 2.5 Pro, the 2.0 and 3.x
//! families), we allow 1, 2, 4 and 8: the sizes every current Gemini model accepts. Size 32 is
//! in the enum but no Gemini model accepts it; a real server answers it with
//! `The adapter size is not supported for this base model.`

use std::fmt;
use std::str::FromStr;

use crate::hyperparameters::AdapterSize;

/// A publisher foundation model that supervised tuning accepts, such as `gemini-2.5-flash`.
///
/// ```
/// use retune_model::base_model::BaseModel;
/// let m = BaseModel::lookup("gemini-2.5-flash").unwrap();
/// assert!(m.supports_continuous_tuning());
/// assert_eq!(m.label_value(), "gemini-2_5-flash");
/// // The publisher path form names the same model.
/// assert_eq!(BaseModel::lookup("publishers/google/models/gemini-2.5-flash").unwrap(), m);
/// assert!(BaseModel::lookup("gemini-2.0-flash-001").unwrap().supports_continuous_tuning() == false);
/// assert!(BaseModel::lookup("gpt-4").is_err());
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct BaseModel {
    id: &'static str,
    continuous_tuning: bool,
    checkpoints: bool,
    adapter_sizes: &'static [AdapterSize],
}

use AdapterSize::{Eight, Four, One, Sixteen, Two};

const CURRENT: &[AdapterSize] = &[One, Two, Four, Eight];
const FLASH_25: &[AdapterSize] = &[One, Two, Four, Eight, Sixteen];

/// Every base model we know, in documentation order.
pub static BASE_MODELS: &[BaseModel] = &[
    BaseModel::new("gemini-3.5-flash", true, true, CURRENT),
    BaseModel::new("gemini-3.5-flash-lite", false, true, CURRENT),
    BaseModel::new("gemini-3.1-flash-lite", true, true, CURRENT),
    BaseModel::new("gemini-2.5-pro", true, true, CURRENT),
    BaseModel::new("gemini-2.5-flash", true, true, FLASH_25),
    BaseModel::new("gemini-2.5-flash-lite", true, true, FLASH_25),
    BaseModel::new("gemini-2.0-flash-001", false, true, CURRENT),
    BaseModel::new("gemini-2.0-flash-lite-001", false, true, CURRENT),
    BaseModel::new("gemini-1.5-pro-002", false, false, &[One, Four]),
    BaseModel::new(
        "gemini-1.5-flash-002",
        false,
        false,
        &[One, Four, Eight, Sixteen],
    ),
    BaseModel::new("gemini-1.0-pro-002", false, false, &[One, Four]),
    BaseModel::new("translation-llm-002", false, false, &[]),
];

/// A base model that is not in [`BASE_MODELS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("base model {input:?} is not supported for tuning; supported models: {supported}")]
pub struct BaseModelError {
    input: String,
    supported: String,
}

impl BaseModelError {
    /// The rejected input.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl BaseModel {
    const fn new(
        id: &'static str,
        continuous_tuning: bool,
        checkpoints: bool,
        adapter_sizes: &'static [AdapterSize],
    ) -> BaseModel {
        BaseModel {
            id,
            continuous_tuning,
            checkpoints,
            adapter_sizes,
        }
    }

    /// Finds a base model by id, also written `publishers/google/models/{id}`.
    pub fn lookup(input: &str) -> Result<&'static BaseModel, BaseModelError> {
        let id = input
            .strip_prefix("publishers/google/models/")
            .unwrap_or(input);
        BASE_MODELS
            .iter()
            .find(|m| m.id == id)
            .ok_or_else(|| BaseModelError {
                input: input.to_owned(),
                supported: BASE_MODELS
                    .iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The publisher model id, such as `gemini-2.5-flash`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Whether a model tuned from this one may be tuned further.
    pub fn supports_continuous_tuning(&self) -> bool {
        self.continuous_tuning
    }

    /// Whether tuning exports intermediate checkpoints for this model.
    pub fn supports_checkpoints(&self) -> bool {
        self.checkpoints
    }

    /// The adapter sizes this model accepts (an unspecified size is always accepted).
    pub fn adapter_sizes(&self) -> &'static [AdapterSize] {
        self.adapter_sizes
    }

    /// The id as a label value (`gemini-2_5-flash`): label values may not contain `.`.
    pub fn label_value(&self) -> String {
        self.id.replace('.', "_")
    }
}

/// `"gemini-2.5-flash".parse::<&BaseModel>()` is [`BaseModel::lookup`], so a base model parses
/// like every name.
///
/// ```
/// use retune_model::base_model::BaseModel;
/// let m: &BaseModel = "gemini-2.5-flash".parse().unwrap();
/// assert_eq!(m.id(), "gemini-2.5-flash");
/// assert!("gpt-4".parse::<&BaseModel>().is_err());
/// ```
impl FromStr for &'static BaseModel {
    type Err = BaseModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BaseModel::lookup(s)
    }
}

impl fmt::Display for BaseModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gemini_2_5_family_supports_continuous_tuning() {
        for id in [
            "gemini-2.5-pro",
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
        ] {
            assert!(
                BaseModel::lookup(id).unwrap().supports_continuous_tuning(),
                "{id}"
            );
        }
    }

    #[test]
    fn gemini_2_0_does_not_support_continuous_tuning() {
        assert!(
            !BaseModel::lookup("gemini-2.0-flash-001")
                .unwrap()
                .supports_continuous_tuning()
        );
    }

    #[test]
    fn unknown_base_model_error_names_the_input() {
        let err = BaseModel::lookup("meta/llama3_1@llama-3.1-8b-instruct").unwrap_err();
        assert_eq!(err.input(), "meta/llama3_1@llama-3.1-8b-instruct");
        assert!(err.to_string().contains("gemini-2.5-flash"));
    }
}
