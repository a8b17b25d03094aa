//! Training-data checks over Gemini supervised-tuning JSONL, and the data statistics the service reports.
//!
//! This module and [`crate::wire`] are the only places in the domain that read JSON: a tuning data
//! set *is* JSON Lines, so the checks parse each line with `serde_json` here. Nothing in this module
//! does IO; callers hand in the file's text (already decoded as UTF-8).
//!
//! - [`parse_example`] turns one line into an [`Example`] or the first [`DatasetError`] found on it.
//! - [`validate_dataset`] walks a whole file line by line and returns a [`DatasetReport`]: every
//!   error (the first [`MAX_REPORTED_ERRORS`] kept, all counted) and the
//!   [`SupervisedTuningDataStats`] of the examples that passed.
//! - [`compute_stats`] computes the statistics over examples the caller already has.
//!
//! # What a line must look like
//!
//! ```json
//! {"systemInstruction": {"parts": [{"text": "Answer concisely."}]},
//!  "contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]},
//!               {"role": "model", "parts": [{"text": "4"}]}]}
//! ```
//!
//! - The line is one JSON object. Its keys are `contents` (required), `systemInstruction`
//!   (optional) and `tools` (optional, accepted and ignored). Any other top-level key is rejected,
//!   naming the key. Keys are accepted in camelCase and in snake_case (`systemInstruction` or
//!   `system_instruction`, `fileData` or `file_data`, `mimeType` or `mime_type`, `fileUri` or
//!   `file_uri`, ...); giving both spellings of one key is rejected.
//! - `contents` is a non-empty array of turns `{role, parts}`; no other keys are allowed in a turn.
//!   `role` is exactly `user` or `model` (lowercase). It may be missing or empty only when
//!   `contents` has a single turn; such a turn is read as `user`, the Gemini API's default.
//! - The **last turn must come from `model`**: supervised tuning learns the model's answer, so an
//!   example without one teaches nothing. (A single turn with an empty role therefore fails this
//!   rule.) Turns need **not** alternate between `user` and `model`: consecutive turns from one role
//!   are accepted, because the public documentation does not require alternation.
//! - `parts` is a non-empty array. Each part has exactly one of `text` (a non-empty string),
//!   `fileData` (`{mimeType, fileUri}`, both non-empty strings; the URI scheme is not checked),
//!   `inlineData` (`{mimeType, data}`, strings; the data is not decoded), `functionCall` or
//!   `functionResponse` (objects with a non-empty `name`). Only the keys named here are read inside
//!   `inlineData`, `functionCall` and `functionResponse`; anything else in them is opaque. Any other
//!   key in a part is rejected.
//! - `systemInstruction` is `{role, parts}`; its `role` is ignored (any value) and its parts follow
//!   the rules above.
//! - Input plus output tokens of one example, as estimated by [`estimate_tokens`], stay within
//!   [`DatasetLimits::max_tokens_per_example`].
//!
//! # What a file must look like
//!
//! - Lines are separated by `\n` or `\r\n`; a UTF-8 byte-order mark before the first line is
//!   ignored. Blank (empty or whitespace-only) lines are **skipped**, not errors: files commonly end
//!   with a newline or carry stray empty lines, and a JSONL reader that fails a whole tuning job over
//!   them would be hostile. Line numbers still count blank lines, so they match an editor's.
//! - At least one example; at most [`MAX_TRAINING_EXAMPLES`] (or
//!   [`MAX_MULTIMODAL_TRAINING_EXAMPLES`] once any example carries `fileData` or `inlineData`) in a
//!   training set and [`MAX_VALIDATION_EXAMPLES`] in a validation set; at most [`MAX_FILE_BYTES`].
//!
//! ```
//! use retune_model::dataset::{validate_dataset, DatasetKind, DatasetLimits};
//!
//! let text = concat!(
//!     r#"{"contents": [{"role": "user", "parts": [{"text": "2+2?"}]}, {"role": "model", "parts": [{"text": "4"}]}]}"#,
//!     "\n",
//!     r#"{"contents": [{"role": "user", "parts": [{"text": "2+2?"}]}]}"#,
//!     "\n",
//! );
//! let report = validate_dataset(text, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
//! assert_eq!(report.example_count, 2);
//! assert_eq!(report.error_count, 1);
//! assert_eq!(report.errors[0].line(), Some(2));
//! assert_eq!(report.errors[0].field(), Some("contents[0].role"));
//! assert_eq!(
//!     report.errors[0].to_string(),
//!     "line 2: contents[0].role: the last turn must come from `model`, found `user`"
//! );
//! assert_eq!(report.stats.tuning_dataset_example_count, 1);
//! ```

mod example;
mod preference;
mod stats;
#[cfg(test)]
mod tests;

use std::fmt;

pub use example::{Content, Example, Part, Role, parse_example};
pub use preference::{
    PreferenceDatasetReport, PreferenceExample, PreferenceOptimizationDataStats,
    parse_preference_example, validate_preference_dataset,
};
pub use stats::{
    Bucket, Distribution, SupervisedTuningDataStats, USER_DATASET_EXAMPLE_COUNT, compute_stats,
    estimate_tokens,
};

/// Input plus output tokens allowed in one example for Gemini 2.5 Flash and Flash-Lite.
///
/// Source: Vertex AI documentation, supervised tuning for Gemini, limitations table
/// ("Maximum input and output training tokens: 131,072").
pub const MAX_TOKENS_PER_EXAMPLE: u64 = 131_072;

/// Examples allowed in a validation data set for Gemini 2.5 models.
///
/// Source: Vertex AI documentation, supervised tuning for Gemini, limitations table ("Validation
/// dataset size: 5000 examples"; Gemini 1.5 allowed 256).
pub const MAX_VALIDATION_EXAMPLES: usize = 5_000;

/// Text-only examples allowed in a training data set for Gemini 2.5 models.
///
/// Source: Vertex AI documentation, supervised tuning for Gemini, limitations table ("1M text-only
/// examples or 300K multimodal examples").
pub const MAX_TRAINING_EXAMPLES: usize = 1_000_000;

/// Examples allowed in a training data set that carries media (`fileData` or `inlineData`).
///
/// Source: the same limitations table as [`MAX_TRAINING_EXAMPLES`].
pub const MAX_MULTIMODAL_TRAINING_EXAMPLES: usize = 300_000;

/// Bytes allowed in one data set file.
///
/// Source: Vertex AI documentation, supervised tuning for Gemini, limitations table ("Training
/// dataset file size: 1 GB for JSONL"). The table does not say whether GB means 10^9 or 2^30
/// bytes; we take the larger, so that we never refuse a file the service accepts.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// How many errors a [`DatasetReport`] keeps; the rest are only counted in
/// [`DatasetReport::error_count`]. Our choice, so a broken million-line file gives a short report.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Which role a data set plays in a tuning job (`trainingDatasetUri` or `validationDatasetUri`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetKind {
    /// The training data set.
    Training,
    /// The optional validation data set, which has a much smaller size limit.
    Validation,
}

impl DatasetKind {
    /// `training` or `validation`, as used in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetKind::Training => "training",
            DatasetKind::Validation => "validation",
        }
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The format of a data set's lines: what kind of tuning it feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DatasetFormat {
    /// Supervised fine-tuning: `contents` ending with a `model` turn ([`parse_example`]).
    #[default]
    Supervised,
    /// Preference tuning: `contents` ending with a `user` turn, and two scored `completions`
    /// ([`parse_preference_example`]).
    Preference,
}

impl DatasetFormat {
    /// `supervised` or `preference`.
    pub fn as_str(self) -> &'static str {
        match self {
            DatasetFormat::Supervised => "supervised",
            DatasetFormat::Preference => "preference",
        }
    }
}

impl fmt::Display for DatasetFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A data set format name other than `supervised` and `preference`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown data set format `{0}`; use `supervised` or `preference`")]
pub struct DatasetFormatError(String);

impl std::str::FromStr for DatasetFormat {
    type Err = DatasetFormatError;

    fn from_str(s: &str) -> Result<DatasetFormat, DatasetFormatError> {
        match s {
            "supervised" | "sft" => Ok(DatasetFormat::Supervised),
            "preference" => Ok(DatasetFormat::Preference),
            other => Err(DatasetFormatError(other.to_owned())),
        }
    }
}

/// The size limits a data set is checked against.
///
/// [`DatasetLimits::GEMINI_2_5`] holds the documented values; tests build smaller ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetLimits {
    /// Input plus output tokens per example ([`MAX_TOKENS_PER_EXAMPLE`]).
    pub max_tokens_per_example: u64,
    /// Examples in a text-only training set ([`MAX_TRAINING_EXAMPLES`]).
    pub max_training_examples: usize,
    /// Examples in a training set with media ([`MAX_MULTIMODAL_TRAINING_EXAMPLES`]).
    pub max_multimodal_training_examples: usize,
    /// Examples in a validation set ([`MAX_VALIDATION_EXAMPLES`]).
    pub max_validation_examples: usize,
    /// Bytes in one file ([`MAX_FILE_BYTES`]).
    pub max_file_bytes: u64,
}

impl DatasetLimits {
    /// The documented limits for Gemini 2.5 Flash and Flash-Lite.
    pub const GEMINI_2_5: DatasetLimits = DatasetLimits {
        max_tokens_per_example: MAX_TOKENS_PER_EXAMPLE,
        max_training_examples: MAX_TRAINING_EXAMPLES,
        max_multimodal_training_examples: MAX_MULTIMODAL_TRAINING_EXAMPLES,
        max_validation_examples: MAX_VALIDATION_EXAMPLES,
        max_file_bytes: MAX_FILE_BYTES,
    };

    /// How many examples a data set of this kind may hold.
    pub fn max_examples(&self, kind: DatasetKind, multimodal: bool) -> usize {
        match (kind, multimodal) {
            (DatasetKind::Validation, _) => self.max_validation_examples,
            (DatasetKind::Training, false) => self.max_training_examples,
            (DatasetKind::Training, true) => self.max_multimodal_training_examples,
        }
    }
}

/// One problem in a data set: where it is (line and JSON field path) and why it is a problem.
///
/// Displays as `line 3: contents[1].parts[0]: <reason>`; the line is 1-based and counts blank
/// lines, the field path uses the keys as the input spelled them. Whole-file problems (size, count)
/// carry no field, and [`DatasetErrorKind::FileTooLarge`] and [`DatasetErrorKind::NoExamples`] no
/// line either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", self.location())]
pub struct DatasetError {
    line: Option<usize>,
    field: Option<String>,
    kind: DatasetErrorKind,
}

impl DatasetError {
    /// An error about the field at `field` (a path such as `contents[1].parts[0]`) on `line`.
    pub fn at_field(line: usize, field: impl Into<String>, kind: DatasetErrorKind) -> DatasetError {
        DatasetError {
            line: Some(line),
            field: Some(field.into()),
            kind,
        }
    }

    /// An error about the whole example on `line`.
    pub fn at_line(line: usize, kind: DatasetErrorKind) -> DatasetError {
        DatasetError {
            line: Some(line),
            field: None,
            kind,
        }
    }

    /// An error about the whole file.
    pub fn in_file(kind: DatasetErrorKind) -> DatasetError {
        DatasetError {
            line: None,
            field: None,
            kind,
        }
    }

    /// The 1-based line, or `None` for a problem of the whole file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The JSON field path, such as `contents[1].parts[0].text`, when one field is at fault.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// Why the line or field is refused.
    pub fn reason(&self) -> &DatasetErrorKind {
        &self.kind
    }

    /// `line 3: contents[1]: `, `line 3: `, or nothing: the prefix of the message.
    fn location(&self) -> String {
        let line = self
            .line
            .map(|line| format!("line {line}: "))
            .unwrap_or_default();
        let field = self
            .field
            .as_ref()
            .map(|field| format!("{field}: "))
            .unwrap_or_default();
        line + &field
    }
}

/// Why a line, a field or a file is refused. Each variant carries the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetErrorKind {
    /// The line is not JSON.
    #[error("invalid JSON at column {column}: {message}")]
    InvalidJson { column: usize, message: String },
    /// A value has the wrong JSON type (the whole line is not an object, `parts` is not an array...).
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A key this format does not know.
    #[error("unknown field `{name}`")]
    UnknownField { name: String },
    /// A line in OpenAI's chat format (`messages` instead of `contents`), with the conversion.
    #[error(
        "this is OpenAI's chat format; Gemini tuning data has `contents` instead of `messages`: \
         write each message {{\"role\": R, \"content\": C}} as {{\"role\": R, \"parts\": [{{\"text\": C}}]}} \
         with `assistant` as `model`, and put a `system` message in \
         \"systemInstruction\": {{\"parts\": [{{\"text\": ...}}]}}"
    )]
    OpenAiChatFormat,
    /// Both spellings of one key.
    #[error("both `{camel_case}` and `{snake_case}` are given; use one")]
    DuplicateField {
        camel_case: &'static str,
        snake_case: &'static str,
    },
    /// A required key is missing.
    #[error("`{name}` is required")]
    MissingField { name: &'static str },
    /// An empty array or string where content is needed.
    #[error("must not be empty")]
    Empty,
    /// A role other than `user` and `model`.
    #[error("role must be `user` or `model`, found `{role}`")]
    InvalidRole { role: String },
    /// A missing or empty role in an example with more than one turn.
    #[error("role may be left empty only in a single-turn example; this one has {turns} turns")]
    MissingRole { turns: usize },
    /// A part with none, or more than one, of the part kinds.
    #[error(
        "a part needs exactly one of text, fileData, inlineData, functionCall, functionResponse; found {found}"
    )]
    PartKind { found: String },
    /// The example does not end with a `model` turn.
    #[error("the last turn must come from `model`, found `{role}`")]
    LastTurnNotModel { role: Role },
    /// A preference example's `contents` does not end with a `user` turn (the completions answer
    /// it).
    #[error("the last turn must come from `user`, found `{role}`; the completions answer it")]
    LastTurnNotUser { role: Role },
    /// A preference example without exactly one preferred and one dispreferred completion.
    #[error(
        "a preference example needs exactly two completions, one with score 1 (preferred) and one \
         with score 0 (dispreferred); found {found}"
    )]
    CompletionCount { found: usize },
    /// A completion score other than 0 and 1.
    #[error("score must be 0 (dispreferred) or 1 (preferred), found {score}")]
    InvalidScore { score: String },
    /// Both completions carry the same score.
    #[error("both completions have score {score}; one must be 1 (preferred) and the other 0")]
    SameScores { score: u8 },
    /// A completion spoken by someone other than the model.
    #[error("a completion is a `model` turn, found `{role}`")]
    CompletionNotModel { role: Role },
    /// Media in a preference example, which takes text only.
    #[error("preference tuning takes text only; found {kind}")]
    MediaInPreference { kind: &'static str },
    /// The example is over the per-example token limit.
    #[error("the example has about {tokens} input and output tokens; at most {limit} are allowed")]
    TooManyTokens { tokens: u64, limit: u64 },
    /// The data set has more examples than its kind allows; reported at the first example too many.
    #[error("the {kind} data set has {count} examples; at most {limit} are allowed")]
    TooManyExamples {
        kind: DatasetKind,
        count: usize,
        limit: usize,
    },
    /// A training set with media has more examples than allowed; reported at the first one too many.
    #[error(
        "the training data set has {count} examples and carries media; at most {limit} multimodal examples are allowed"
    )]
    TooManyMultimodalExamples { count: usize, limit: usize },
    /// The file is over the size limit.
    #[error("the file has {bytes} bytes; at most {limit} are allowed")]
    FileTooLarge { bytes: u64, limit: u64 },
    /// The file holds no example at all.
    #[error("the {kind} data set has no examples")]
    NoExamples { kind: DatasetKind },
}

/// The outcome of [`validate_dataset`].
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetReport {
    /// Non-blank lines, valid or not: the examples the file holds.
    pub example_count: usize,
    /// The first [`MAX_REPORTED_ERRORS`] errors: whole-file errors first, then by line.
    pub errors: Vec<DatasetError>,
    /// How many errors there are in all, including those not kept in `errors`.
    pub error_count: usize,
    /// Statistics over the examples that passed every check
    /// (`tuning_step_count` is left at 0 for the caller to set).
    pub stats: SupervisedTuningDataStats,
    /// The examples that passed every check, in file order (what a job trains on).
    pub examples: Vec<Example>,
}

impl DatasetReport {
    /// True when the data set has no error at all.
    pub fn is_valid(&self) -> bool {
        self.error_count == 0
    }
}

/// Checks a whole JSONL data set line by line and computes statistics over its valid examples.
///
/// Every line is checked (an error on one line does not stop the walk); each line reports its
/// first problem. See the [module documentation](self) for the rules.
pub fn validate_dataset(text: &str, kind: DatasetKind, limits: &DatasetLimits) -> DatasetReport {
    let mut stats = stats::StatsBuilder::new(limits.max_tokens_per_example);
    let mut examples = Vec::new();
    let walk = walk_lines(text, kind, limits, parse_example, |example: Example| {
        stats.push(&example);
        examples.push(example);
    });
    DatasetReport {
        example_count: walk.example_count,
        errors: walk.errors,
        error_count: walk.error_count,
        stats: stats.finish(),
        examples,
    }
}

/// What the line walk needs to know of a parsed example.
pub(crate) trait Measured {
    /// The tokens checked against [`DatasetLimits::max_tokens_per_example`].
    fn limited_tokens(&self) -> u64;
    /// True when the example carries media (the multimodal example limit applies).
    fn has_media(&self) -> bool;
}

impl Measured for Example {
    fn limited_tokens(&self) -> u64 {
        self.input_token_estimate() + self.output_token_estimate()
    }

    fn has_media(&self) -> bool {
        Example::has_media(self)
    }
}

/// The outcome of [`walk_lines`]: counts and errors, without statistics.
#[derive(Debug)]
pub(crate) struct LineWalk {
    pub(crate) example_count: usize,
    pub(crate) errors: Vec<DatasetError>,
    pub(crate) error_count: usize,
}

/// Walks a JSONL data set: skips blank lines, parses each other line with `parse`, checks the
/// per-example token limit and the file limits, and hands every valid example to `accept`.
pub(crate) fn walk_lines<E: Measured>(
    text: &str,
    kind: DatasetKind,
    limits: &DatasetLimits,
    parse: impl Fn(usize, &str) -> Result<E, DatasetError>,
    mut accept: impl FnMut(E),
) -> LineWalk {
    let mut line_errors = ErrorLog::default();
    let mut example_count = 0usize;
    let mut multimodal = false;
    // Where the first example too many sits, for the text-only and the multimodal limit.
    let text_only_limit = limits.max_examples(kind, false);
    let multimodal_limit = limits.max_examples(kind, true);
    let mut first_over_text_only = None;
    let mut first_over_multimodal = None;

    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = if index == 0 {
            raw.strip_prefix('\u{feff}').unwrap_or(raw)
        } else {
            raw
        };
        if line.trim().is_empty() {
            continue;
        }
        example_count += 1;
        if example_count == text_only_limit.saturating_add(1) {
            first_over_text_only = Some(line_number);
        }
        if example_count == multimodal_limit.saturating_add(1) {
            first_over_multimodal = Some(line_number);
        }
        let example = match parse(line_number, line) {
            Ok(example) => example,
            Err(error) => {
                line_errors.push(error);
                continue;
            }
        };
        multimodal |= example.has_media();
        let tokens = example.limited_tokens();
        if tokens > limits.max_tokens_per_example {
            line_errors.push(DatasetError::at_line(
                line_number,
                DatasetErrorKind::TooManyTokens {
                    tokens,
                    limit: limits.max_tokens_per_example,
                },
            ));
            continue;
        }
        accept(example);
    }

    let mut file_errors = Vec::new();
    let bytes = u64::try_from(text.len()).unwrap_or(u64::MAX);
    if bytes > limits.max_file_bytes {
        file_errors.push(DatasetError::in_file(DatasetErrorKind::FileTooLarge {
            bytes,
            limit: limits.max_file_bytes,
        }));
    }
    if example_count == 0 {
        file_errors.push(DatasetError::in_file(DatasetErrorKind::NoExamples { kind }));
    }
    let (limit, first_too_many) = if multimodal {
        (multimodal_limit, first_over_multimodal)
    } else {
        (text_only_limit, first_over_text_only)
    };
    if example_count > limit {
        let reason = if kind == DatasetKind::Training && multimodal {
            DatasetErrorKind::TooManyMultimodalExamples {
                count: example_count,
                limit,
            }
        } else {
            DatasetErrorKind::TooManyExamples {
                kind,
                count: example_count,
                limit,
            }
        };
        file_errors.push(DatasetError {
            line: first_too_many,
            field: None,
            kind: reason,
        });
    }

    let error_count = file_errors.len() + line_errors.total;
    let mut errors = file_errors;
    errors.extend(line_errors.kept);
    errors.truncate(MAX_REPORTED_ERRORS);
    LineWalk {
        example_count,
        errors,
        error_count,
    }
}

/// Keeps the first [`MAX_REPORTED_ERRORS`] errors and counts all of them.
#[derive(Debug, Default)]
struct ErrorLog {
    kept: Vec<DatasetError>,
    total: usize,
}

impl ErrorLog {
    fn push(&mut self, error: DatasetError) {
        self.total += 1;
        if self.kept.len() < MAX_REPORTED_ERRORS {
            self.kept.push(error);
        }
    }
}
