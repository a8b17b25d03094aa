//! Request validators: from a decoded wire request to a typed command, or to *every* violation.
//!
//! Each validator checks what a request says on its own (no stored state): which fields are set,
//! their syntax and limits, and which combinations are allowed. It returns the typed command the
//! rest of the domain works with, or a `<Concept>Error` holding every [`Violation`] with the
//! snake_case proto path of its field, as `google.rpc.BadRequest.fieldViolations` names it
//! (`tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count`), a `google.rpc.Code` and
//! a description. The client calls them before sending; the emulator calls them on receipt.
//!
//! | Method | Validator | Command |
//! |---|---|---|
//! | CreateTuningJob | [`check_create_tuning_job`] | [`CreateTuningJob`] |
//! | UpdateModel | [`check_update_model`] | [`ModelUpdate`] |
//! | MergeVersionAliases | [`check_merge_version_aliases`] | [`MergeVersionAliases`] |
//! | DeleteModel | [`check_delete_model`] | the `ModelName` |
//! | GenerateContent, StreamGenerateContent | [`check_generate_content`] | [`GenerateContent`] |
//! | CountTokens | [`check_count_tokens`] | [`GenerateContent`] |
//! | (the data a job reads) | [`check_dataset_file`] | `DatasetReport` |
//! | ListTuningJobs, ListModels, ListModelVersions, ListModelVersionCheckpoints, ListOperations | [`check_list`] | [`ListRequest`] |
//!
//! Which query parameters bind to each method's request is [`check_query_parameters`];
//! WaitOperation's `timeout` is [`check_wait_timeout`].
//!
//! The list grammars live beside them: [`Filter`] (AIP-160 subset), [`OrderBy`], and
//! [`PageToken`] (opaque, tamper-evident, bound to the list, the filter and the order).

mod create_tuning_job;
mod dataset_file;
mod delete_model;
mod evaluation;
mod filter;
mod generate_content;
mod list;
mod merge_aliases;
mod order_by;
mod page_token;
mod query_binding;
mod update_model;
mod wait_operation;

use std::fmt;

use crate::Code;

pub use create_tuning_job::{
    CreateTuningJob, CreateTuningJobError, TuningSource, check_create_tuning_job,
    check_hyper_parameters, strip_output_only,
};
pub use dataset_file::{DatasetFileError, check_dataset_file, check_preference_dataset_file};
pub use delete_model::{DeleteModelError, check_delete_model};
pub use evaluation::{
    CheckpointEvaluation, EvaluationPlan, check_evaluation_config, checkpoint_score,
    evaluate_checkpoint, evaluation_config_of,
};
pub use filter::{Filter, FilterError, Filterable, Op, Term};
pub use generate_content::{
    GenerateContent, GenerateContentError, MAX_CANDIDATE_COUNT, MAX_INPUT_TOKENS,
    MAX_OUTPUT_TOKENS, MAX_STOP_SEQUENCES, OutputConfig, RESPONSE_MIME_TYPES, Speaker, Turn,
    check_count_tokens, check_generate_content,
};
pub use list::{
    CheckpointsVersion, DEFAULT_PAGE_SIZE, ListKind, ListQuery, ListRequest, ListRequestError,
    MAX_PAGE_SIZE, check_list, check_model_versions_parent, checkpoints_version,
};
pub use merge_aliases::{
    MergeVersionAliases, MergeVersionAliasesError, check_merge_version_aliases,
};
pub use order_by::{Direction, OrderBy, OrderByError, OrderKey};
pub use page_token::{PageToken, PageTokenError};
pub use query_binding::{
    QueryBindingError, SYSTEM_PARAMETERS, check_query_parameters, query_fields,
};
pub use update_model::{
    ModelUpdate, OUTPUT_ONLY_MODEL_FIELDS, UpdateModelError, UpdateModelRequest, check_update_model,
};
pub use wait_operation::check_wait_timeout;

/// Longest display name of a model (`Model.displayName`, `TuningJob.tunedModelDisplayName`):
/// 128 UTF-8 characters (spec §3.1).
pub const MAX_DISPLAY_NAME_CHARS: usize = 128;

/// One field of a request that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The snake_case proto path, such as `tuning_job.base_model` or `version_aliases[1]`.
    pub field: String,
    /// The canonical code of this violation alone.
    pub code: Code,
    /// What is wrong, in a sentence a user can act on.
    pub description: String,
}

impl Violation {
    /// An INVALID_ARGUMENT violation of `field`.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Violation {
        Violation {
            field: field.into(),
            code: Code::InvalidArgument,
            description: description.into(),
        }
    }

    /// A violation with another code than INVALID_ARGUMENT.
    pub fn with_code(mut self, code: Code) -> Violation {
        self.code = code;
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}

/// The code of a list of violations: the first one's (violations are in field order, and every
/// validator puts the request's own mistakes, INVALID_ARGUMENT, before the rest).
fn first_code(violations: &[Violation]) -> Code {
    violations.first().map_or(Code::InvalidArgument, |v| v.code)
}

/// Defines a `<Concept>Error` holding one or more violations, with `code()`, `violations()`
/// and a `Display` that joins the descriptions.
macro_rules! violations_error {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error("{}", self.message())]
        pub struct $name {
            violations: Vec<$crate::request::Violation>,
        }

        impl $name {
            /// An error with these violations (at least one).
            pub fn new(violations: Vec<$crate::request::Violation>) -> Self {
                Self { violations }
            }

            /// Every violation, in field order.
            pub fn violations(&self) -> &[$crate::request::Violation] {
                &self.violations
            }

            /// The canonical code: the first violation's.
            pub fn code(&self) -> $crate::Code {
                $crate::request::first_code(&self.violations)
            }

            /// The descriptions, joined into one message.
            pub fn message(&self) -> String {
                self.violations
                    .iter()
                    .map(|v| v.description.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }

        impl From<$crate::wire::WireError> for $name {
            fn from(err: $crate::wire::WireError) -> Self {
                Self::new(vec![$crate::request::Violation::invalid(
                    err.field(),
                    err.message(),
                )])
            }
        }
    };
}
pub(crate) use violations_error;

/// `Ok(value)` when no violation was found, else the error made of them.
fn finish<T, E>(
    violations: Vec<Violation>,
    value: impl FnOnce() -> T,
    error: impl FnOnce(Vec<Violation>) -> E,
) -> Result<T, E> {
    if violations.is_empty() {
        Ok(value())
    } else {
        Err(error(violations))
    }
}
