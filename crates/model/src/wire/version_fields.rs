//! Which fields of a `TuningJob` (and of the messages inside it) each API version knows: `/v1`
//! refuses the v1beta1-only ones as unknown, as Google's front end does, and never writes them.
//!
//! The wire structs hold the union of both versions, so that one decoder serves both paths.
//! [`V1BETA1_ONLY`] lists what `/v1` lacks, each entry with where the v1beta1 field comes from:
//! the vendored `google/cloud/aiplatform/v1beta1/tuning_job.proto` (and absent from the `v1`
//! one), or the REST surface the official clients are generated from, which is newer than the
//! proto snapshot. A test of the emulator checks the table against the compiled protos.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{
    ApiVersion, RebaseTunedModelRequest, TuningJob, WireError, WireErrorKind, WireMessage,
    decode_value, fields, join_path, parse_body,
};

/// Where a v1beta1-only field is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldSource {
    /// In the v1beta1 `tuning_job.proto` and not in the v1 one.
    Proto,
    /// In neither proto snapshot: the REST surface (discovery documents and the SDK types
    /// generated from them), named here.
    RestSurface(&'static str),
}

/// A field that `/v1beta1` knows and `/v1` does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionOnlyField {
    /// The proto message that has the field (`TuningJob`, `SupervisedTuningSpec`, ...).
    pub message: &'static str,
    /// The camelCase JSON path of that message inside a `TuningJob` (`""` for the job itself).
    pub path: &'static str,
    /// The camelCase JSON name of the field.
    pub field: &'static str,
    /// Where the field is documented.
    pub source: FieldSource,
}

const fn proto(message: &'static str, path: &'static str, field: &'static str) -> VersionOnlyField {
    VersionOnlyField {
        message,
        path,
        field,
        source: FieldSource::Proto,
    }
}

const fn rest(
    message: &'static str,
    path: &'static str,
    field: &'static str,
    source: &'static str,
) -> VersionOnlyField {
    VersionOnlyField {
        message,
        path,
        field,
        source: FieldSource::RestSurface(source),
    }
}

/// google-genai's `TuningJob` type and `_TuningJob_from_vertex`, whose default API version for
/// Vertex AI is v1beta1.
const GENAI_V1BETA1: &str = "google-genai TuningJob (v1beta1 by default)";

/// The fields of a `TuningJob` that `/v1beta1` knows and `/v1` refuses as unknown.
pub const V1BETA1_ONLY: &[VersionOnlyField] = &[
    proto("TuningJob", "", "customBaseModel"),
    proto("TuningJob", "", "pipelineJob"),
    proto("TuningJob", "", "outputUri"),
    proto("TuningJob", "", "distillationSpec"),
    proto("TuningJob", "", "partnerModelTuningSpec"),
    proto("TuningJob", "", "veoTuningSpec"),
    proto("TuningJob", "", "veoLoraTuningSpec"),
    rest("TuningJob", "", "reinforcementTuningSpec", GENAI_V1BETA1),
    rest("TuningJob", "", "fullFineTuningSpec", GENAI_V1BETA1),
    rest("TuningJob", "", "distillationSamplingSpec", GENAI_V1BETA1),
    rest("TuningJob", "", "tuningJobState", GENAI_V1BETA1),
    rest("TuningJob", "", "tuningJobMetadata", GENAI_V1BETA1),
    rest("TuningJob", "", "evaluationConfig", GENAI_V1BETA1),
    proto("SupervisedTuningSpec", "supervisedTuningSpec", "tuningMode"),
    proto(
        "SupervisedHyperParameters",
        "supervisedTuningSpec.hyperParameters",
        "learningRate",
    ),
    proto(
        "SupervisedHyperParameters",
        "supervisedTuningSpec.hyperParameters",
        "batchSize",
    ),
    rest(
        "PreferenceOptimizationSpec",
        "preferenceOptimizationSpec",
        "evaluationConfig",
        "discovery: GoogleCloudAiplatformV1beta1PreferenceOptimizationSpec has it, V1 does not",
    ),
    proto(
        "TuningDataStats",
        "tuningDataStats",
        "distillationDataStats",
    ),
    rest(
        "TuningDataStats",
        "tuningDataStats",
        "reinforcementTuningDataStats",
        GENAI_V1BETA1,
    ),
];

/// A request body that is, or carries, a `TuningJob`.
pub trait CarriesTuningJob: DeserializeOwned + WireMessage {
    /// The camelCase JSON path of the job in the body (`""` when the body is the job).
    const TUNING_JOB_AT: &'static str;
}

impl CarriesTuningJob for TuningJob {
    const TUNING_JOB_AT: &'static str = "";
}

impl CarriesTuningJob for RebaseTunedModelRequest {
    const TUNING_JOB_AT: &'static str = "tuningJob";
}

/// Decodes a body read under `version`: [`super::decode`], after refusing the fields of its
/// `TuningJob` that `version` does not know ([`check_version_fields`]).
///
/// ```
/// use retune_model::wire::{ApiVersion, TuningJob, decode_for_version};
/// let body = br#"{"baseModel": "gemini-2.5-flash", "outputUri": "gs://b/out"}"#;
/// assert!(decode_for_version::<TuningJob>(body, ApiVersion::V1Beta1).is_ok());
/// let err = decode_for_version::<TuningJob>(body, ApiVersion::V1).unwrap_err();
/// assert_eq!(
///     err.message(),
///     r#"Invalid JSON payload received. Unknown name "outputUri" at 'tuning_job': Cannot find field."#
/// );
/// ```
pub fn decode_for_version<T: CarriesTuningJob>(
    body: &[u8],
    version: ApiVersion,
) -> Result<T, WireError> {
    let value = parse_body::<T>(body)?;
    if let Some(job) = object_at(&value, T::TUNING_JOB_AT) {
        let root = join_path(T::PROTO_NAME, &snake_path(T::TUNING_JOB_AT));
        check_version_fields(version, &root, &Value::Object(job.clone()))?;
    }
    decode_value(value)
}

/// Refuses, under `/v1`, a field of `job` (the JSON of a `TuningJob` at proto path `root`) that
/// only `/v1beta1` knows, with the front end's unknown-field error; anything under `/v1beta1`.
///
/// Keys are matched in camelCase and snake_case, as the decoder reads them.
///
/// ```
/// use retune_model::wire::{ApiVersion, check_version_fields};
/// let job = serde_json::json!({"supervisedTuningSpec": {"tuning_mode": "TUNING_MODE_FULL"}});
/// assert!(check_version_fields(ApiVersion::V1Beta1, "tuning_job", &job).is_ok());
/// let err = check_version_fields(ApiVersion::V1, "tuning_job", &job).unwrap_err();
/// assert_eq!(err.field(), "tuning_job.supervised_tuning_spec");
/// assert_eq!(
///     err.message(),
///     r#"Invalid JSON payload received. Unknown name "tuning_mode" at 'tuning_job.supervised_tuning_spec': Cannot find field."#
/// );
/// ```
pub fn check_version_fields(version: ApiVersion, root: &str, job: &Value) -> Result<(), WireError> {
    if version != ApiVersion::V1 {
        return Ok(());
    }
    for entry in V1BETA1_ONLY {
        let Some(message) = object_at(job, entry.path) else {
            continue;
        };
        let snake = fields::camel_to_snake(entry.field);
        let sent = [entry.field, snake.as_str()]
            .into_iter()
            .find(|key| message.get(*key).is_some_and(|v| !v.is_null()));
        if let Some(name) = sent {
            let at = join_path(root, &snake_path(entry.path));
            let message = if at.is_empty() {
                format!(
                    "Invalid JSON payload received. Unknown name \"{name}\": Cannot find field."
                )
            } else {
                format!(
                    "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
                )
            };
            return Err(WireError::new(WireErrorKind::UnknownField, at, message));
        }
    }
    Ok(())
}

/// The object at a dotted camelCase `path` of `value`, reading each key in either spelling.
fn object_at<'a>(value: &'a Value, path: &str) -> Option<&'a serde_json::Map<String, Value>> {
    let mut at = value;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        at = at
            .get(segment)
            .or_else(|| at.get(fields::camel_to_snake(segment).as_str()))?;
    }
    at.as_object()
}

fn snake_path(path: &str) -> String {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(fields::camel_to_snake)
        .collect::<Vec<_>>()
        .join(".")
}

impl TuningJob {
    /// Clears the fields `version` does not know ([`V1BETA1_ONLY`] under `/v1`), so that a job
    /// created under `/v1beta1` and read under `/v1` shows only v1 fields.
    pub fn retain_fields_of(&mut self, version: ApiVersion) {
        if version != ApiVersion::V1 {
            return;
        }
        self.custom_base_model.clear();
        self.pipeline_job.clear();
        self.output_uri.clear();
        self.distillation_spec = None;
        self.partner_model_tuning_spec = None;
        self.veo_tuning_spec = None;
        self.veo_lora_tuning_spec = None;
        self.reinforcement_tuning_spec = None;
        self.full_fine_tuning_spec = None;
        self.distillation_sampling_spec = None;
        self.tuning_job_state = None;
        self.tuning_job_metadata = None;
        self.evaluation_config = None;
        if let Some(spec) = self.supervised_tuning_spec.as_mut() {
            spec.tuning_mode = None;
            if let Some(hyper) = spec.hyper_parameters.as_mut() {
                hyper.learning_rate = None;
                hyper.batch_size = None;
            }
        }
        if let Some(spec) = self.preference_optimization_spec.as_mut() {
            spec.evaluation_config = None;
        }
        if let Some(stats) = self.tuning_data_stats.as_mut() {
            stats.distillation_data_stats = None;
            stats.reinforcement_tuning_data_stats = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{self, EnumEncoding};

    use serde_json::json;

    /// A job with every v1beta1-only field set, in camelCase.
    fn every_field() -> Value {
        let mut job = json!({
            "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl", "hyperParameters": {}},
            "preferenceOptimizationSpec": {"trainingDatasetUri": "gs://b/t.jsonl"},
            "tuningDataStats": {},
        });
        for entry in V1BETA1_ONLY {
            let mut at = &mut job;
            for segment in entry.path.split('.').filter(|s| !s.is_empty()) {
                at = &mut at[segment];
            }
            at[entry.field] = match entry.field {
                "tuningMode" => json!("TUNING_MODE_FULL"),
                "tuningJobState" => json!("TUNING_JOB_STATE_TUNING"),
                "learningRate" => json!(0.5),
                "batchSize" => json!("8"),
                "customBaseModel" | "pipelineJob" | "outputUri" => json!("x"),
                _ => json!({}),
            };
        }
        job
    }

    #[test]
    fn v1beta1_knows_every_field_v1_refuses() {
        let job = every_field();
        assert!(check_version_fields(ApiVersion::V1Beta1, "tuning_job", &job).is_ok());
        // The wire struct (the union of both versions) reads every field; the oneofs, which this
        // job breaks on purpose, are checked after the shape.
        serde_json::from_value::<TuningJob>(job).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn v1_refuses_each_v1beta1_field_in_either_spelling_naming_its_message() {
        for entry in V1BETA1_ONLY {
            for name in [entry.field.to_owned(), fields::camel_to_snake(entry.field)] {
                let mut job = json!({});
                let mut at = &mut job;
                for segment in entry.path.split('.').filter(|s| !s.is_empty()) {
                    at = &mut at[segment];
                }
                at[name.as_str()] = json!({});
                let err = check_version_fields(ApiVersion::V1, "tuning_job", &job).unwrap_err();
                assert_eq!(err.kind(), WireErrorKind::UnknownField);
                assert_eq!(
                    err.field(),
                    join_path("tuning_job", &snake_path(entry.path)),
                    "{name}"
                );
                assert!(err.message().contains(&format!("\"{name}\"")), "{err}");
            }
        }
    }

    #[test]
    fn a_job_kept_for_v1_writes_no_v1beta1_field() {
        let job: TuningJob = serde_json::from_value(every_field()).unwrap();
        let mut v1 = job.clone();
        v1.retain_fields_of(ApiVersion::V1);
        let written = wire::to_value(&v1, EnumEncoding::Names);
        assert!(
            check_version_fields(ApiVersion::V1, "", &written).is_ok(),
            "{written}"
        );
        assert_eq!(
            written["supervisedTuningSpec"]["trainingDatasetUri"],
            "gs://b/t.jsonl"
        );

        let mut v1beta1 = job.clone();
        v1beta1.retain_fields_of(ApiVersion::V1Beta1);
        assert_eq!(v1beta1, job);
    }
}
