//! RebaseTunedModel: the request (`RebaseTunedModelRequest`, with `TunedModelRef` and
//! `GcsDestination`) and the metadata of its long-running operation.

use serde::{Deserialize, Serialize};

use super::{GenericOperationMetadata, TuningJob, WireError, WireMessage, join_path};

/// `RebaseTunedModelRequest` (v1 and v1beta1): the body of
/// `POST {parent}/tuningJobs:rebaseTunedModel` (the parent is in the path).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RebaseTunedModelRequest {
    /// The parent, if a client repeats it in the body.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parent: String,
    /// Required: the tuned model to rebase.
    #[serde(alias = "tuned_model_ref", skip_serializing_if = "Option::is_none")]
    pub tuned_model_ref: Option<TunedModelRef>,
    /// Optional: fields that overwrite the tuning configuration of the rebased job.
    #[serde(alias = "tuning_job", skip_serializing_if = "Option::is_none")]
    pub tuning_job: Option<TuningJob>,
    /// Optional: where to write the artifacts.
    #[serde(
        alias = "artifact_destination",
        skip_serializing_if = "Option::is_none"
    )]
    pub artifact_destination: Option<GcsDestination>,
    /// Optional: deploy the rebased model to the endpoint of the old one.
    #[serde(
        alias = "deploy_to_same_endpoint",
        skip_serializing_if = "super::fields::is_false"
    )]
    pub deploy_to_same_endpoint: bool,
}

impl WireMessage for RebaseTunedModelRequest {
    const PROTO_NAME: &'static str = "";

    fn check_oneofs(&self) -> Result<(), WireError> {
        if let Some(reference) = &self.tuned_model_ref {
            let set: Vec<(&str, &str)> = [
                (
                    !reference.tuned_model.is_empty(),
                    "tuned_model",
                    "tunedModel",
                ),
                (!reference.tuning_job.is_empty(), "tuning_job", "tuningJob"),
                (
                    !reference.pipeline_job.is_empty(),
                    "pipeline_job",
                    "pipelineJob",
                ),
            ]
            .into_iter()
            .filter(|(set, ..)| *set)
            .map(|(_, snake, json)| (snake, json))
            .collect();
            if let [_, (snake, json), ..] = set.as_slice() {
                return Err(WireError::oneof_conflict(
                    "tuned_model_ref",
                    join_path("tuned_model_ref", snake),
                    json,
                ));
            }
        }
        if let Some(job) = &self.tuning_job {
            job.check_oneofs_at("tuning_job")?;
        }
        Ok(())
    }
}

/// `TunedModelRef`: a oneof of a model, a tuning job or a (legacy) pipeline job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TunedModelRef {
    /// `projects/{p}/locations/{l}/models/{m}[@{version}]`.
    #[serde(alias = "tuned_model", skip_serializing_if = "String::is_empty")]
    pub tuned_model: String,
    /// `projects/{p}/locations/{l}/tuningJobs/{t}`.
    #[serde(alias = "tuning_job", skip_serializing_if = "String::is_empty")]
    pub tuning_job: String,
    /// `projects/{p}/locations/{l}/pipelineJobs/{j}` (legacy PaLM tuning).
    #[serde(alias = "pipeline_job", skip_serializing_if = "String::is_empty")]
    pub pipeline_job: String,
}

/// `GcsDestination`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GcsDestination {
    /// `gs://bucket/prefix`.
    #[serde(alias = "output_uri_prefix", skip_serializing_if = "String::is_empty")]
    pub output_uri_prefix: String,
}

/// `RebaseTunedModelOperationMetadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RebaseTunedModelOperationMetadata {
    /// The common part.
    #[serde(alias = "generic_metadata", skip_serializing_if = "Option::is_none")]
    pub generic_metadata: Option<GenericOperationMetadata>,
}

super::plain_messages!(
    TunedModelRef,
    GcsDestination,
    RebaseTunedModelOperationMetadata
);
