//! A tuning job's data set file as read from Cloud Storage: UTF-8 text holding Gemini
//! supervised-tuning or preference-tuning JSONL. A failure here fails the job (it is not a 400: the service accepts
//! the request and reads the data afterwards).

use crate::Code;
use crate::dataset::{self, DatasetKind, DatasetLimits, DatasetReport, PreferenceDatasetReport};

/// A data set file that cannot be used; the job fails with [`DatasetFileError::code`] and this
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetFileError {
    /// The bytes are not UTF-8.
    #[error("The {kind} dataset {uri} is not UTF-8 text: {reason}.")]
    NotUtf8 {
        /// The file.
        uri: String,
        /// Training or validation.
        kind: DatasetKind,
        /// Where decoding failed.
        reason: String,
    },
    /// Lines that break the JSONL rules.
    #[error("The {kind} dataset {uri} is invalid ({error_count} error(s)). First error: {first}.")]
    Invalid {
        /// The file.
        uri: String,
        /// Training or validation.
        kind: DatasetKind,
        /// How many errors in all.
        error_count: usize,
        /// The first error.
        first: String,
    },
}

impl DatasetFileError {
    /// Always `INVALID_ARGUMENT`: the data is the caller's.
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }
}

/// Checks the contents of the data set at `uri` with the Gemini 2.5 limits.
///
/// ```
/// use retune_model::dataset::DatasetKind;
/// use retune_model::request::check_dataset_file;
/// let line = br#"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "hello"}]}]}"#;
/// let report = check_dataset_file("gs://b/t.jsonl", DatasetKind::Training, line).unwrap();
/// assert_eq!(report.example_count, 1);
/// let err = check_dataset_file("gs://b/t.jsonl", DatasetKind::Training, b"\xff").unwrap_err();
/// assert!(err.to_string().contains("not UTF-8"));
/// ```
pub fn check_dataset_file(
    uri: &str,
    kind: DatasetKind,
    bytes: &[u8],
) -> Result<DatasetReport, DatasetFileError> {
    check_file(uri, kind, bytes, dataset::validate_dataset, |r| {
        (r.errors.first(), r.error_count)
    })
}

/// Checks the contents of the preference data set at `uri` with the Gemini 2.5 limits, like
/// [`check_dataset_file`] does for supervised data.
///
/// ```
/// use retune_model::dataset::DatasetKind;
/// use retune_model::request::check_preference_dataset_file;
/// let line = br#"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "hello"}]}]}"#;
/// let err = check_preference_dataset_file("gs://b/p.jsonl", DatasetKind::Training, line).unwrap_err();
/// assert!(err.to_string().contains("line 1: contents[1].role: the last turn must come from `user`"));
/// ```
pub fn check_preference_dataset_file(
    uri: &str,
    kind: DatasetKind,
    bytes: &[u8],
) -> Result<PreferenceDatasetReport, DatasetFileError> {
    check_file(
        uri,
        kind,
        bytes,
        dataset::validate_preference_dataset,
        |r| (r.errors.first(), r.error_count),
    )
}

/// Decodes `bytes` as UTF-8, validates them with `validate` under the Gemini 2.5 limits, and
/// refuses the file on its first error (`errors` gives the first error and the count).
fn check_file<R>(
    uri: &str,
    kind: DatasetKind,
    bytes: &[u8],
    validate: fn(&str, DatasetKind, &DatasetLimits) -> R,
    errors: impl Fn(&R) -> (Option<&dataset::DatasetError>, usize),
) -> Result<R, DatasetFileError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DatasetFileError::NotUtf8 {
        uri: uri.to_owned(),
        kind,
        reason: e.to_string(),
    })?;
    let report = validate(text, kind, &DatasetLimits::GEMINI_2_5);
    let (first, error_count) = errors(&report);
    match first {
        Some(first) => Err(DatasetFileError::Invalid {
            uri: uri.to_owned(),
            kind,
            error_count,
            first: first.to_string(),
        }),
        None => Ok(report),
    }
}
