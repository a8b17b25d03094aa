//! CreateTuningJob: the body's source model, tuning spec, data sets, hyperparameters, display
//! name, labels and encryption key, checked on their own (the pre-tuned model's facts are
//! [`crate::continuous`]'s business).

use super::update_model::check_labels;
use super::{MAX_DISPLAY_NAME_CHARS, Violation, finish, violations_error};
use crate::base_model::BaseModel;
use crate::continuous::TuningMethod;
use crate::encryption::check_kms_key_location;
use crate::gcs::GcsUri;
use crate::hyperparameters::{HyperParameters, ValidHyperParameters};
use crate::names::{CheckpointId, KmsKeyName, LocationName, ModelRef};
use crate::wire::{self, WireError};

const FIELD_BASE_MODEL: &str = "tuning_job.base_model";
const FIELD_PRE_TUNED_MODEL: &str = "tuning_job.pre_tuned_model";
const FIELD_TUNED_MODEL_NAME: &str = "tuning_job.pre_tuned_model.tuned_model_name";
const FIELD_CHECKPOINT_ID: &str = "tuning_job.pre_tuned_model.checkpoint_id";
const FIELD_SPEC: &str = "tuning_job.supervised_tuning_spec";
const FIELD_KMS_KEY: &str = "tuning_job.encryption_spec.kms_key_name";

/// Where a new job's model comes from, as the request says.
#[derive(Debug, Clone, PartialEq)]
pub enum TuningSource {
    /// `baseModel`: a foundation model.
    Base(&'static BaseModel),
    /// `preTunedModel`: continuous tuning of a tuned model (a version, or the default one).
    PreTuned {
        /// `preTunedModel.tunedModelName`.
        model: ModelRef,
        /// `preTunedModel.checkpointId`, if given.
        checkpoint: Option<CheckpointId>,
    },
}

/// A CreateTuningJob request that passed every check that needs no stored state.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTuningJob {
    /// The source model.
    pub source: TuningSource,
    /// The tuning method: [`TuningMethod::Supervised`] (`supervisedTuningSpec`) or
    /// [`TuningMethod::PreferenceOptimization`] (`preferenceOptimizationSpec`); the fields below
    /// come from that spec.
    pub method: TuningMethod,
    /// `trainingDatasetUri`.
    pub training_dataset: GcsUri,
    /// `validationDatasetUri`, if given.
    pub validation_dataset: Option<GcsUri>,
    /// `hyperParameters`, not yet checked against the base model (for continuous tuning that is
    /// the pre-tuned model's root, known only from the registry).
    pub hyper_parameters: HyperParameters,
    /// `exportLastCheckpointOnly`.
    pub export_last_checkpoint_only: bool,
    /// `encryptionSpec.kmsKeyName`, in the job's location.
    pub kms_key: Option<KmsKeyName>,
    /// `tunedModelDisplayName`, trimmed; `None` when blank.
    pub tuned_model_display_name: Option<String>,
    /// The request itself with its output-only fields cleared ([`strip_output_only`]).
    pub job: wire::TuningJob,
}

violations_error! {
    /// A CreateTuningJob request that breaks the API's rules: every problem, each naming its
    /// field under `tuning_job`.
    CreateTuningJobError
}

/// Checks a CreateTuningJob body for a job under `parent`.
///
/// Rules: exactly one of `base_model` (a known foundation model, written exactly, without
/// surrounding whitespace) and `pre_tuned_model` (a model name, optionally a checkpoint id);
/// `supervised_tuning_spec` or `preference_optimization_spec` (every other tuning spec is refused
/// as not emulated, and `custom_base_model` as for open models only);
/// data sets as `gs://bucket/object` URIs ([`GcsUri`]); for a base model, hyperparameters it
/// supports ([`HyperParameters::validate`]); `tuned_model_display_name` at most
/// [`MAX_DISPLAY_NAME_CHARS`] characters; valid labels; a KMS key in the job's location.
///
/// ```
/// use retune_model::names::LocationName;
/// use retune_model::request::{check_create_tuning_job, TuningSource};
/// use retune_model::wire::{self, TuningJob};
/// let parent: LocationName = "projects/p/locations/us-central1".parse().unwrap();
/// let job: TuningJob = wire::decode(br#"{"baseModel": "gemini-2.5-flash",
///     "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/train.jsonl"}}"#).unwrap();
/// let create = check_create_tuning_job(&parent, job).unwrap();
/// assert!(matches!(create.source, TuningSource::Base(b) if b.id() == "gemini-2.5-flash"));
///
/// let job: TuningJob = wire::decode(br#"{"baseModel": "gemini-2.5-flash\n",
///     "supervisedTuningSpec": {"trainingDatasetUri": "https://x/t.jsonl",
///                              "hyperParameters": {"epochCount": 0}}}"#).unwrap();
/// let err = check_create_tuning_job(&parent, job).unwrap_err();
/// let fields: Vec<_> = err.violations().iter().map(|v| v.field.as_str()).collect();
/// assert_eq!(fields, [
///     "tuning_job.base_model",
///     "tuning_job.supervised_tuning_spec.training_dataset_uri",
/// ]);
/// ```
pub fn check_create_tuning_job(
    parent: &LocationName,
    mut job: wire::TuningJob,
) -> Result<CreateTuningJob, CreateTuningJobError> {
    let mut violations = Vec::new();
    let source = check_source(&job, &mut violations);
    check_tuning_spec(&job, &mut violations);
    let spec = SpecFields::of(&job);
    let field_training = format!("tuning_job.{}.training_dataset_uri", spec.field);
    let training_dataset = match spec.training_dataset_uri.as_str() {
        "" if spec.present => {
            violations.push(Violation::invalid(
                &field_training,
                format!("{}.trainingDatasetUri is required.", spec.json),
            ));
            None
        }
        "" => None,
        uri => check_gcs_uri(&field_training, uri, &mut violations),
    };
    let validation_dataset = match spec.validation_dataset_uri.as_str() {
        "" => None,
        uri => check_gcs_uri(
            &format!("tuning_job.{}.validation_dataset_uri", spec.field),
            uri,
            &mut violations,
        ),
    };
    let hyper_parameters = spec.hyper_parameters;
    if let Some(TuningSource::Base(base)) = &source
        && let Err(e) = check_hyper_parameters_in(&hyper_parameters, base, spec.method)
    {
        violations.extend(e.violations);
    }
    let display_chars = job.tuned_model_display_name.chars().count();
    if display_chars > MAX_DISPLAY_NAME_CHARS {
        violations.push(Violation::invalid(
            "tuning_job.tuned_model_display_name",
            format!(
                "tunedModelDisplayName must be at most {MAX_DISPLAY_NAME_CHARS} characters; found {display_chars}."
            ),
        ));
    }
    if let Err(v) = check_labels("tuning_job.labels", &job.labels) {
        violations.push(v);
    }
    if let Some((config, field)) = super::evaluation_config_of(&job)
        && let Err(e) = super::check_evaluation_config(config, field)
    {
        violations.extend(e);
    }
    let kms_key = check_kms_key(parent, &job, &mut violations);
    let tuned_model_display_name =
        Some(job.tuned_model_display_name.trim().to_owned()).filter(|d| !d.is_empty());
    strip_output_only(&mut job);
    let (Some(source), Some(training_dataset)) = (source, training_dataset) else {
        // A missing source or training set always comes with the violation that says so.
        return Err(CreateTuningJobError::new(violations));
    };
    finish(
        violations,
        || CreateTuningJob {
            source,
            method: spec.method,
            training_dataset,
            validation_dataset,
            hyper_parameters,
            export_last_checkpoint_only: spec.export_last_checkpoint_only,
            kms_key,
            tuned_model_display_name,
            job,
        },
        CreateTuningJobError::new,
    )
}

/// Checks hyperparameters against the job's base model (for continuous tuning, the root base
/// model of the pre-tuned model, which only the registry knows), naming each field under
/// `tuning_job`.
///
/// ```
/// use retune_model::base_model::BaseModel;
/// use retune_model::hyperparameters::HyperParameters;
/// use retune_model::request::check_hyper_parameters;
/// let flash = BaseModel::lookup("gemini-2.5-flash").unwrap();
/// let bad = HyperParameters { epoch_count: Some(0), ..Default::default() };
/// let err = check_hyper_parameters(&bad, flash).unwrap_err();
/// assert_eq!(err.violations()[0].field, "tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count");
/// ```
pub fn check_hyper_parameters(
    hyper_parameters: &HyperParameters,
    base: &BaseModel,
) -> Result<ValidHyperParameters, CreateTuningJobError> {
    check_hyper_parameters_in(hyper_parameters, base, TuningMethod::Supervised)
}

impl CreateTuningJob {
    /// Checks this job's hyperparameters against its base model (for continuous tuning, the root
    /// base model of the pre-tuned model), naming each field under the job's tuning spec.
    pub fn check_hyper_parameters(
        &self,
        base: &BaseModel,
    ) -> Result<ValidHyperParameters, CreateTuningJobError> {
        check_hyper_parameters_in(&self.hyper_parameters, base, self.method)
    }
}

/// [`check_hyper_parameters`] with the field paths under the spec of `method`.
fn check_hyper_parameters_in(
    hyper_parameters: &HyperParameters,
    base: &BaseModel,
    method: TuningMethod,
) -> Result<ValidHyperParameters, CreateTuningJobError> {
    let spec = match method {
        TuningMethod::PreferenceOptimization => "preference_optimization_spec",
        _ => "supervised_tuning_spec",
    };
    hyper_parameters.validate(base).map_err(|errors| {
        CreateTuningJobError::new(
            errors
                .iter()
                .map(|e| {
                    let field = e.field();
                    let below = field.split_once('.').map_or(field, |(_, rest)| rest);
                    Violation::invalid(format!("tuning_job.{spec}.{below}"), e.to_string())
                        .with_code(e.code())
                })
                .collect(),
        )
    })
}

/// The fields shared by `supervisedTuningSpec` and `preferenceOptimizationSpec`, read from
/// whichever the request carries (supervised when it carries neither).
struct SpecFields {
    method: TuningMethod,
    /// The spec's proto field name.
    field: &'static str,
    /// The spec's JSON name.
    json: &'static str,
    present: bool,
    training_dataset_uri: String,
    validation_dataset_uri: String,
    hyper_parameters: HyperParameters,
    export_last_checkpoint_only: bool,
}

impl SpecFields {
    fn of(job: &wire::TuningJob) -> SpecFields {
        if let Some(spec) = &job.preference_optimization_spec {
            let h = spec.hyper_parameters.clone().unwrap_or_default();
            return SpecFields {
                method: TuningMethod::PreferenceOptimization,
                field: "preference_optimization_spec",
                json: "preferenceOptimizationSpec",
                present: true,
                training_dataset_uri: spec.training_dataset_uri.clone(),
                validation_dataset_uri: spec.validation_dataset_uri.clone(),
                hyper_parameters: HyperParameters {
                    epoch_count: h.epoch_count,
                    learning_rate_multiplier: h.learning_rate_multiplier,
                    adapter_size: h.adapter_size,
                    beta: h.beta,
                    ..HyperParameters::default()
                },
                export_last_checkpoint_only: spec.export_last_checkpoint_only,
            };
        }
        let spec = job.supervised_tuning_spec.clone().unwrap_or_default();
        let h = spec.hyper_parameters.unwrap_or_default();
        SpecFields {
            method: TuningMethod::Supervised,
            field: "supervised_tuning_spec",
            json: "supervisedTuningSpec",
            present: job.supervised_tuning_spec.is_some(),
            training_dataset_uri: spec.training_dataset_uri,
            validation_dataset_uri: spec.validation_dataset_uri,
            hyper_parameters: HyperParameters {
                epoch_count: h.epoch_count,
                learning_rate_multiplier: h.learning_rate_multiplier,
                learning_rate: h.learning_rate,
                adapter_size: h.adapter_size,
                batch_size: h.batch_size,
                beta: None,
            },
            export_last_checkpoint_only: spec.export_last_checkpoint_only,
        }
    }
}

fn check_source(job: &wire::TuningJob, violations: &mut Vec<Violation>) -> Option<TuningSource> {
    let base_model = job.base_model.as_deref().filter(|b| !b.is_empty());
    match (base_model, &job.pre_tuned_model) {
        (Some(_), Some(_)) => {
            let err =
                WireError::oneof_conflict("source_model", FIELD_PRE_TUNED_MODEL, "preTunedModel");
            violations.push(Violation::invalid(err.field(), err.message()));
            None
        }
        (Some(base), None) if base.trim() != base => {
            violations.push(Violation::invalid(
                FIELD_BASE_MODEL,
                format!(
                    "baseModel {base:?} has leading or trailing whitespace; send the model id \
                     exactly, such as \"gemini-2.5-flash\"."
                ),
            ));
            None
        }
        (Some(base), None) if base.starts_with("projects/") => {
            violations.push(Violation::invalid(
                FIELD_BASE_MODEL,
                format!(
                    "baseModel {base:?} is a tuned model, not a base model. To continue tuning \
                     it (continuous tuning), send it as preTunedModel.tunedModelName instead of \
                     baseModel: {{\"preTunedModel\": {{\"tunedModelName\": \"{base}\"}}}}."
                ),
            ));
            None
        }
        (Some(base), None) => match BaseModel::lookup(base) {
            Ok(base) => Some(TuningSource::Base(base)),
            Err(e) => {
                violations.push(Violation::invalid(FIELD_BASE_MODEL, e.to_string()));
                None
            }
        },
        (None, Some(pre)) => {
            let model = if pre.tuned_model_name.trim().is_empty() {
                violations.push(Violation::invalid(
                    FIELD_TUNED_MODEL_NAME,
                    "preTunedModel.tunedModelName is required: the model to continue tuning, \
                     projects/{project}/locations/{location}/models/{model}[@{version}].",
                ));
                None
            } else {
                pre.tuned_model_name
                    .parse::<ModelRef>()
                    .map_err(|e| {
                        violations.push(Violation::invalid(FIELD_TUNED_MODEL_NAME, e.to_string()));
                    })
                    .ok()
            };
            let checkpoint = match pre.checkpoint_id.trim() {
                "" => Ok(None),
                raw => raw.parse::<CheckpointId>().map(Some).map_err(|e| {
                    violations.push(Violation::invalid(FIELD_CHECKPOINT_ID, e.to_string()));
                }),
            };
            match (model, checkpoint) {
                (Some(model), Ok(checkpoint)) => Some(TuningSource::PreTuned { model, checkpoint }),
                _ => None,
            }
        }
        (None, None) => {
            violations.push(Violation::invalid(
                FIELD_BASE_MODEL,
                "A tuning job needs a source model: set baseModel (e.g. \"gemini-2.5-flash\") or \
                 preTunedModel (continuous tuning).",
            ));
            None
        }
    }
}

/// `supervised_tuning_spec` and `preference_optimization_spec` are emulated; every other
/// member of the `tuning_spec` oneof is refused, naming the spec.
fn check_tuning_spec(job: &wire::TuningJob, violations: &mut Vec<Violation>) {
    for (present, field) in [
        (job.distillation_spec.is_some(), "distillation_spec"),
        (
            job.partner_model_tuning_spec.is_some(),
            "partner_model_tuning_spec",
        ),
        (job.veo_tuning_spec.is_some(), "veo_tuning_spec"),
        (job.veo_lora_tuning_spec.is_some(), "veo_lora_tuning_spec"),
        (
            job.reinforcement_tuning_spec.is_some(),
            "reinforcement_tuning_spec",
        ),
        (job.full_fine_tuning_spec.is_some(), "full_fine_tuning_spec"),
        (
            job.distillation_sampling_spec.is_some(),
            "distillation_sampling_spec",
        ),
    ] {
        if present {
            violations.push(Violation::invalid(
                format!("tuning_job.{field}"),
                format!(
                    "{field} is not emulated: only supervised_tuning_spec (supervised \
                     fine-tuning) and preference_optimization_spec (preference tuning) are."
                ),
            ));
        }
    }
    if !job.custom_base_model.is_empty() {
        violations.push(Violation::invalid(
            "tuning_job.custom_base_model",
            "customBaseModel is for open-source models only.",
        ));
    }
    if job.tuning_specs_set().is_empty() {
        violations.push(Violation::invalid(
            FIELD_SPEC,
            "A tuning spec is required: supervisedTuningSpec or preferenceOptimizationSpec.",
        ));
    }
}

fn check_gcs_uri(field: &str, uri: &str, violations: &mut Vec<Violation>) -> Option<GcsUri> {
    GcsUri::parse(uri)
        .map_err(|e| {
            violations.push(Violation::invalid(
                field,
                format!(
                    "{field} must be a Cloud Storage URI (gs://bucket/object.jsonl); found {uri:?} \
                     ({e}). Vertex AI dataset resources are not supported."
                ),
            ));
        })
        .ok()
}

fn check_kms_key(
    parent: &LocationName,
    job: &wire::TuningJob,
    violations: &mut Vec<Violation>,
) -> Option<KmsKeyName> {
    let raw = job
        .encryption_spec
        .as_ref()
        .map(|e| e.kms_key_name.trim())?;
    if raw.is_empty() {
        return None;
    }
    let key: KmsKeyName = raw
        .parse()
        .map_err(|e: crate::names::NameError| {
            violations.push(Violation::invalid(FIELD_KMS_KEY, e.to_string()));
        })
        .ok()?;
    match check_kms_key_location(parent, &key) {
        Ok(()) => Some(key),
        Err(e) => {
            violations.push(
                Violation::invalid(FIELD_KMS_KEY, format!("Invalid encryptionSpec: {e}."))
                    .with_code(e.code()),
            );
            None
        }
    }
}

/// Clears the output-only fields of a create request (the service ignores them), and a blank
/// `baseModel`.
pub fn strip_output_only(job: &mut wire::TuningJob) {
    job.name.clear();
    job.state = None;
    job.tuning_job_state = None;
    job.tuning_job_metadata = None;
    job.create_time = None;
    job.start_time = None;
    job.end_time = None;
    job.update_time = None;
    job.error = None;
    job.experiment.clear();
    job.tuned_model = None;
    job.tuning_data_stats = None;
    job.pipeline_job.clear();
    job.evaluate_dataset_runs.clear();
    if let Some(pre) = job.pre_tuned_model.as_mut() {
        pre.base_model.clear();
    }
    if job.base_model.as_deref().is_some_and(str::is_empty) {
        job.base_model = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    fn check(body: &str) -> Result<CreateTuningJob, CreateTuningJobError> {
        let parent: LocationName = "projects/p/locations/us-central1".parse().unwrap();
        // serde_json directly: wire::decode would refuse a oneof conflict before the validator.
        check_create_tuning_job(&parent, serde_json::from_str(body).unwrap())
    }

    fn fields(body: &str) -> Vec<String> {
        check(body)
            .unwrap_err()
            .violations()
            .iter()
            .map(|v| v.field.clone())
            .collect()
    }

    #[test]
    fn a_continuous_request_is_read_whole() {
        let create = check(
            r#"{"preTunedModel": {"tunedModelName": "projects/p/locations/us-central1/models/9@1", "checkpointId": "2"},
                "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/t.jsonl",
                  "validationDatasetUri": "gs://my-data/v.jsonl", "exportLastCheckpointOnly": true},
                "tunedModelDisplayName": " m ", "state": "JOB_STATE_RUNNING"}"#,
        )
        .unwrap();
        assert!(
            matches!(&create.source, TuningSource::PreTuned { checkpoint: Some(c), .. } if c.to_string() == "2")
        );
        assert_eq!(
            create.validation_dataset.unwrap().to_string(),
            "gs://my-data/v.jsonl"
        );
        assert!(create.export_last_checkpoint_only);
        assert_eq!(create.tuned_model_display_name.as_deref(), Some("m"));
        assert_eq!(create.job.state, None);
    }

    #[test]
    fn whitespace_around_the_base_model_is_refused() {
        for base in [
            "gemini-2.5-flash ",
            "gemini-2.5-flash\n",
            " gemini-2.5-flash",
            " ",
        ] {
            let body = format!(
                r#"{{"baseModel": {base:?}, "supervisedTuningSpec": {{"trainingDatasetUri": "gs://my-data/t.jsonl"}}}}"#
            );
            assert_eq!(fields(&body), ["tuning_job.base_model"], "{base:?}");
        }
    }

    #[test]
    fn every_violation_is_reported() {
        let long = "x".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        let body = format!(
            r#"{{"distillationSpec": {{}}, "supervisedTuningSpec": {{"trainingDatasetUri": "bq://t"}},
                "tunedModelDisplayName": "{long}", "labels": {{"Bad": "x"}},
                "encryptionSpec": {{"kmsKeyName": "projects/k/locations/europe-west4/keyRings/r/cryptoKeys/k"}}}}"#
        );
        assert_eq!(
            fields(&body),
            [
                "tuning_job.base_model",
                "tuning_job.distillation_spec",
                "tuning_job.supervised_tuning_spec.training_dataset_uri",
                "tuning_job.tuned_model_display_name",
                "tuning_job.labels[\"Bad\"]",
                "tuning_job.encryption_spec.kms_key_name",
            ]
        );
    }

    #[test]
    fn both_sources_are_a_oneof_conflict() {
        let err = check(
            r#"{"baseModel": "gemini-2.5-flash", "preTunedModel": {"tunedModelName": "projects/p/locations/us-central1/models/9"},
                "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/t.jsonl"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(
            err.message()
                .contains("Oneof field 'source_model' is already set")
        );
    }

    #[test]
    fn hyperparameters_are_checked_against_a_base_model() {
        let body = r#"{"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/t.jsonl",
                       "hyperParameters": {"epochCount": 0}}}"#;
        assert_eq!(
            fields(body),
            ["tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count"]
        );
    }
}
