//! RebaseTunedModel: tuning a tuned model's data and hyperparameters again on a newer base model.
//!
//! The protos say what the request carries (`tunedModelRef`: a model, a tuning job or a legacy
//! pipeline job; an optional `tuningJob` whose fields overwrite the tuning configuration) and
//! that the answer is a long-running operation whose response is the new `TuningJob`. They do
//! not say which base model is "newer"; [`rebase_target`] holds the emulator's choice.
//!
//! What can be rebased, and why not otherwise ([`RebaseRefusal`]):
//! - a reference to a pipeline job (legacy PaLM tuning) is not emulated;
//! - the job that produced the model must have succeeded;
//! - it must have been tuned from a base model: a continuously tuned model's data is spread
//!   over its lineage, so the model it continued from is the one to rebase;
//! - its base model must have a newer one ([`rebase_target`]);
//! - its tuning configuration (with the request's overrides) must suit the newer base model.
//!
//! ```
//! use retune_model::base_model::BaseModel;
//! use retune_model::rebase::rebase_target;
//! let flash_20 = BaseModel::lookup("gemini-2.0-flash-001").unwrap();
//! assert_eq!(rebase_target(flash_20).unwrap().id(), "gemini-2.5-flash");
//! assert!(rebase_target(BaseModel::lookup("gemini-3.5-flash").unwrap()).is_none());
//! ```

use crate::Code;
use crate::base_model::BaseModel;
use crate::job_state::JobState;
use crate::names::{ModelRef, NameError, TuningJobName};
use crate::request::CreateTuningJobError;
use crate::wire;

/// Each base model and the newer one a model tuned from it is rebased onto: the next release of
/// the same line (Pro, Flash, Flash-Lite) that can be tuned. The emulator's choice: Vertex AI
/// documents the migrations (PaLM to Gemini, Gemini 1.0 to 1.5 and later) but no table.
const SUCCESSORS: &[(&str, &str)] = &[
    ("gemini-1.0-pro-002", "gemini-1.5-pro-002"),
    ("gemini-1.5-pro-002", "gemini-2.5-pro"),
    ("gemini-1.5-flash-002", "gemini-2.5-flash"),
    ("gemini-2.0-flash-001", "gemini-2.5-flash"),
    ("gemini-2.0-flash-lite-001", "gemini-2.5-flash-lite"),
    ("gemini-2.5-flash", "gemini-3.5-flash"),
    ("gemini-2.5-flash-lite", "gemini-3.1-flash-lite"),
];

/// The newer base model a model tuned from `base` is rebased onto, if there is one.
pub fn rebase_target(base: &BaseModel) -> Option<&'static BaseModel> {
    SUCCESSORS
        .iter()
        .find(|(from, _)| *from == base.id())
        .and_then(|(_, to)| BaseModel::lookup(to).ok())
}

/// What `tunedModelRef` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebaseSource {
    /// `tunedModel`: a model (its default version) or a version.
    Model(ModelRef),
    /// `tuningJob`.
    TuningJob(TuningJobName),
}

/// A RebaseTunedModel request that cannot be served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RebaseRefusal {
    /// No `tunedModelRef`, or an empty one.
    #[error(
        "tunedModelRef is required: set tunedModelRef.tunedModel (a tuned model) or \
         tunedModelRef.tuningJob (the job that tuned it)"
    )]
    MissingReference,
    /// A name in `tunedModelRef` that does not parse.
    #[error("tunedModelRef.{field}: {error}")]
    BadName {
        /// `tunedModel` or `tuningJob`.
        field: &'static str,
        /// Why the name is invalid.
        error: NameError,
    },
    /// `tunedModelRef.pipelineJob`: legacy PaLM tuning pipelines.
    #[error(
        "tunedModelRef.pipelineJob ({0}) names a legacy PaLM tuning pipeline; rebasing from \
         pipeline jobs is not emulated: use tunedModelRef.tunedModel or tunedModelRef.tuningJob"
    )]
    PipelineJobNotEmulated(String),
    /// The model version was not produced by a tuning job (it was uploaded or imported).
    #[error("{0} was not produced by a tuning job, so there is no tuning to repeat")]
    NotTuned(String),
    /// The job that produced the model has not succeeded.
    #[error("{job} is {state}; only a tuning job that succeeded can be rebased")]
    NotSucceeded {
        /// The job.
        job: TuningJobName,
        /// Its state's proto name.
        state: &'static str,
    },
    /// The model was made by continuous tuning.
    #[error(
        "{job} continued tuning {pre_tuned}; a continuously tuned model cannot be rebased \
         (its data is spread over its lineage): rebase the model it was continued from"
    )]
    ContinuouslyTuned {
        /// The job.
        job: TuningJobName,
        /// The model it continued from.
        pre_tuned: String,
    },
    /// The base model has no newer model.
    #[error("{base} has no newer base model to rebase onto")]
    NoNewerBaseModel {
        /// The base model id.
        base: &'static str,
    },
    /// The job's tuning configuration (its hyperparameters, or the overrides) does not suit the
    /// newer base model.
    #[error("the tuning configuration of {job} does not suit {target}: {reasons}")]
    Configuration {
        /// The job.
        job: TuningJobName,
        /// The newer base model.
        target: &'static str,
        /// Every violation, joined.
        reasons: String,
    },
}

impl RebaseRefusal {
    /// `INVALID_ARGUMENT` for a malformed request and the pipeline reference,
    /// `FAILED_PRECONDITION` for a model that cannot be rebased.
    pub fn code(&self) -> Code {
        match self {
            RebaseRefusal::MissingReference
            | RebaseRefusal::BadName { .. }
            | RebaseRefusal::PipelineJobNotEmulated(_) => Code::InvalidArgument,
            _ => Code::FailedPrecondition,
        }
    }
}

/// Reads `tunedModelRef`.
///
/// ```
/// use retune_model::rebase::{check_rebase_request, RebaseSource};
/// use retune_model::wire;
/// let body: wire::RebaseTunedModelRequest = wire::decode(
///     br#"{"tunedModelRef": {"tunedModel": "projects/p/locations/us-central1/models/7@1"}}"#).unwrap();
/// assert!(matches!(check_rebase_request(&body), Ok(RebaseSource::Model(_))));
/// assert!(check_rebase_request(&wire::RebaseTunedModelRequest::default()).is_err());
/// ```
pub fn check_rebase_request(
    request: &wire::RebaseTunedModelRequest,
) -> Result<RebaseSource, RebaseRefusal> {
    let reference = request
        .tuned_model_ref
        .as_ref()
        .ok_or(RebaseRefusal::MissingReference)?;
    if !reference.pipeline_job.trim().is_empty() {
        return Err(RebaseRefusal::PipelineJobNotEmulated(
            reference.pipeline_job.clone(),
        ));
    }
    if !reference.tuned_model.trim().is_empty() {
        return reference
            .tuned_model
            .trim()
            .parse()
            .map(RebaseSource::Model)
            .map_err(|error| RebaseRefusal::BadName {
                field: "tunedModel",
                error,
            });
    }
    if !reference.tuning_job.trim().is_empty() {
        return reference
            .tuning_job
            .trim()
            .parse()
            .map(RebaseSource::TuningJob)
            .map_err(|error| RebaseRefusal::BadName {
                field: "tuningJob",
                error,
            });
    }
    Err(RebaseRefusal::MissingReference)
}

/// The CreateTuningJob body of the rebased job: the source job's request (`source`, as it was
/// received) on the newer base model, with `overrides` (the request's `tuningJob`) applied: its
/// display name, description, labels and tuning spec replace the source's when set.
///
/// `state` is the source job's state, `base` its root base model.
pub fn plan_rebase(
    job: &TuningJobName,
    source: &wire::TuningJob,
    state: JobState,
    base: &BaseModel,
    overrides: Option<&wire::TuningJob>,
) -> Result<wire::TuningJob, RebaseRefusal> {
    if state != JobState::Succeeded {
        return Err(RebaseRefusal::NotSucceeded {
            job: job.clone(),
            state: crate::proto_enum::ProtoEnum::proto_name(state),
        });
    }
    if let Some(pre) = &source.pre_tuned_model {
        return Err(RebaseRefusal::ContinuouslyTuned {
            job: job.clone(),
            pre_tuned: pre.tuned_model_name.clone(),
        });
    }
    let target = rebase_target(base).ok_or(RebaseRefusal::NoNewerBaseModel { base: base.id() })?;
    let mut body = source.clone();
    crate::request::strip_output_only(&mut body);
    body.base_model = Some(target.id().to_owned());
    if let Some(o) = overrides {
        if !o.tuned_model_display_name.is_empty() {
            body.tuned_model_display_name
                .clone_from(&o.tuned_model_display_name);
        }
        if !o.description.is_empty() {
            body.description.clone_from(&o.description);
        }
        if !o.labels.is_empty() {
            body.labels.clone_from(&o.labels);
        }
        if !o.tuning_specs_set().is_empty() {
            body.supervised_tuning_spec
                .clone_from(&o.supervised_tuning_spec);
            body.preference_optimization_spec
                .clone_from(&o.preference_optimization_spec);
        }
    }
    let parent = job.location_name();
    let create = crate::request::check_create_tuning_job(parent, body.clone())
        .map_err(|e| configuration_refusal(job, target, &e))?;
    create
        .check_hyper_parameters(target)
        .map_err(|e| configuration_refusal(job, target, &e))?;
    Ok(body)
}

fn configuration_refusal(
    job: &TuningJobName,
    target: &'static BaseModel,
    error: &CreateTuningJobError,
) -> RebaseRefusal {
    let reasons: Vec<String> = error
        .violations()
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect();
    RebaseRefusal::Configuration {
        job: job.clone(),
        target: target.id(),
        reasons: reasons.join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> TuningJobName {
        "projects/p/locations/us-central1/tuningJobs/5"
            .parse()
            .unwrap()
    }

    fn source(body: &str) -> wire::TuningJob {
        wire::decode(body.as_bytes()).unwrap()
    }

    fn flash() -> &'static BaseModel {
        BaseModel::lookup("gemini-2.5-flash").unwrap()
    }

    const SFT: &str = r#"{"baseModel": "gemini-2.5-flash", "tunedModelDisplayName": "m",
        "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/t.jsonl", "hyperParameters": {"epochCount": 3}}}"#;

    #[test]
    fn a_succeeded_job_is_tuned_again_on_the_newer_base_model() {
        let body = plan_rebase(&job(), &source(SFT), JobState::Succeeded, flash(), None).unwrap();
        assert_eq!(body.base_model.as_deref(), Some("gemini-3.5-flash"));
        let spec = body.supervised_tuning_spec.unwrap();
        assert_eq!(spec.training_dataset_uri, "gs://my-data/t.jsonl");
        assert_eq!(spec.hyper_parameters.unwrap().epoch_count, Some(3));
        assert_eq!(body.tuned_model_display_name, "m");
    }

    #[test]
    fn overrides_replace_the_display_name_and_spec() {
        let o = source(
            r#"{"tunedModelDisplayName": "rebased", "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/u.jsonl"}}"#,
        );
        let body =
            plan_rebase(&job(), &source(SFT), JobState::Succeeded, flash(), Some(&o)).unwrap();
        assert_eq!(body.tuned_model_display_name, "rebased");
        assert_eq!(
            body.supervised_tuning_spec.unwrap().training_dataset_uri,
            "gs://my-data/u.jsonl"
        );
    }

    #[test]
    fn what_cannot_be_rebased_is_refused_with_its_reason() {
        let running = plan_rebase(&job(), &source(SFT), JobState::Running, flash(), None);
        assert!(matches!(running, Err(RebaseRefusal::NotSucceeded { .. })));
        let newest = BaseModel::lookup("gemini-3.5-flash").unwrap();
        let err = plan_rebase(&job(), &source(SFT), JobState::Succeeded, newest, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "gemini-3.5-flash has no newer base model to rebase onto"
        );
        assert_eq!(err.code(), Code::FailedPrecondition);
        let continued = source(
            r#"{"preTunedModel": {"tunedModelName": "projects/p/locations/us-central1/models/9"},
                "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/t.jsonl"}}"#,
        );
        let err = plan_rebase(&job(), &continued, JobState::Succeeded, flash(), None).unwrap_err();
        assert!(matches!(err, RebaseRefusal::ContinuouslyTuned { .. }));
        // Adapter size 16 is accepted by 2.5 Flash but not by 3.5 Flash.
        let sixteen = source(
            r#"{"baseModel": "gemini-2.5-flash", "supervisedTuningSpec": {"trainingDatasetUri": "gs://my-data/t.jsonl",
                "hyperParameters": {"adapterSize": "ADAPTER_SIZE_SIXTEEN"}}}"#,
        );
        let err = plan_rebase(&job(), &sixteen, JobState::Succeeded, flash(), None).unwrap_err();
        assert!(err.to_string().contains("adapter_size"), "{err}");
    }

    #[test]
    fn a_pipeline_job_reference_is_not_emulated() {
        let body: wire::RebaseTunedModelRequest = wire::decode(
            br#"{"tunedModelRef": {"pipelineJob": "projects/p/locations/us-central1/pipelineJobs/1"}}"#,
        )
        .unwrap();
        let err = check_rebase_request(&body).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.to_string().contains("not emulated"));
    }
}
