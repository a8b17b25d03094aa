//! `Model` (one version of a registry model), `Endpoint`, checkpoints and the ModelService
//! request and list shapes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{EncryptionSpec, WireEnum, WireError, WireMessage, fields, join_path};
use crate::time::Timestamp;

/// `ModelSourceInfo.ModelSourceType`: where a model came from (tuned Gemini models are `GENIE`,
/// see `registry::tuned_model_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelSourceType {
    /// `MODEL_SOURCE_TYPE_UNSPECIFIED`.
    Unspecified,
    /// `AUTOML`.
    Automl,
    /// `CUSTOM`.
    Custom,
    /// `BQML`.
    Bqml,
    /// `MODEL_GARDEN`.
    ModelGarden,
    /// `GENIE`.
    Genie,
    /// `CUSTOM_TEXT_EMBEDDING`.
    CustomTextEmbedding,
    /// `MARKETPLACE`.
    Marketplace,
}

crate::proto_enum!(ModelSourceType {
    Unspecified = ("MODEL_SOURCE_TYPE_UNSPECIFIED", 0),
    Automl = ("AUTOML", 1),
    Custom = ("CUSTOM", 2),
    Bqml = ("BQML", 3),
    ModelGarden = ("MODEL_GARDEN", 4),
    Genie = ("GENIE", 5),
    CustomTextEmbedding = ("CUSTOM_TEXT_EMBEDDING", 6),
    Marketplace = ("MARKETPLACE", 7),
});

impl WireEnum for ModelSourceType {
    const PROTO_TYPE: &'static str = "google.cloud.aiplatform.v1.ModelSourceInfo.ModelSourceType";
}

/// A model version as the Model Registry returns it (`google.cloud.aiplatform.v1.Model`).
///
/// Also the body of UpdateModel (PATCH), where clients may send back output fields they read;
/// those are accepted here and ignored by the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Model {
    /// `…/models/{id}`; in ListModelVersions `…/models/{id}@{versionId}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Output only: `"1"`, `"2"`, ...
    #[serde(alias = "version_id", skip_serializing_if = "String::is_empty")]
    pub version_id: String,
    /// Aliases of this version (`default` on the default version).
    #[serde(alias = "version_aliases", skip_serializing_if = "Vec::is_empty")]
    pub version_aliases: Vec<String>,
    /// Output only.
    #[serde(
        alias = "version_create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub version_create_time: Option<Timestamp>,
    /// Output only.
    #[serde(
        alias = "version_update_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub version_update_time: Option<Timestamp>,
    /// Model-level display name (≤128 characters).
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Model-level description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Version-level description.
    #[serde(
        alias = "version_description",
        skip_serializing_if = "String::is_empty"
    )]
    pub version_description: String,
    /// Version-level: the checkpoint served by default.
    #[serde(
        alias = "default_checkpoint_id",
        skip_serializing_if = "String::is_empty"
    )]
    pub default_checkpoint_id: String,
    /// Output only: the checkpoints of this version.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<Checkpoint>,
    /// Output only.
    #[serde(
        alias = "create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<Timestamp>,
    /// Output only.
    #[serde(
        alias = "update_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<Timestamp>,
    /// Output only: where this version is deployed.
    #[serde(alias = "deployed_models", skip_serializing_if = "Vec::is_empty")]
    pub deployed_models: Vec<DeployedModelRef>,
    /// Labels (model and version labels merged on read).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// CMEK of the model.
    #[serde(alias = "encryption_spec", skip_serializing_if = "Option::is_none")]
    pub encryption_spec: Option<EncryptionSpec>,
    /// The foundation model this one derives from.
    #[serde(alias = "base_model_source", skip_serializing_if = "Option::is_none")]
    pub base_model_source: Option<BaseModelSource>,
    /// Output only: where the model came from.
    #[serde(alias = "model_source_info", skip_serializing_if = "Option::is_none")]
    pub model_source_info: Option<ModelSourceInfo>,
    /// Output only: the source of a copied model.
    #[serde(alias = "original_model_info", skip_serializing_if = "Option::is_none")]
    pub original_model_info: Option<OriginalModelInfo>,
    /// Used for read-modify-write consistency.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub etag: String,
    /// Output only: the pipeline job that produced the model.
    #[serde(alias = "pipeline_job", skip_serializing_if = "String::is_empty")]
    pub pipeline_job: String,
    /// Output only: the training pipeline that uploaded the model.
    #[serde(alias = "training_pipeline", skip_serializing_if = "String::is_empty")]
    pub training_pipeline: String,
    /// Output only: the metadata artifact.
    #[serde(alias = "metadata_artifact", skip_serializing_if = "String::is_empty")]
    pub metadata_artifact: String,
    /// Immutable: schema of `metadata`.
    #[serde(
        alias = "metadata_schema_uri",
        skip_serializing_if = "String::is_empty"
    )]
    pub metadata_schema_uri: String,
    /// Immutable: free-form metadata (untyped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Immutable: the artifact directory.
    #[serde(alias = "artifact_uri", skip_serializing_if = "String::is_empty")]
    pub artifact_uri: String,
    /// Serving schemata (untyped).
    #[serde(alias = "predict_schemata", skip_serializing_if = "Option::is_none")]
    pub predict_schemata: Option<serde_json::Value>,
    /// Input only: serving container (untyped).
    #[serde(alias = "container_spec", skip_serializing_if = "Option::is_none")]
    pub container_spec: Option<serde_json::Value>,
    /// Explanation spec (untyped).
    #[serde(alias = "explanation_spec", skip_serializing_if = "Option::is_none")]
    pub explanation_spec: Option<serde_json::Value>,
    /// Output only: data statistics (untyped).
    #[serde(alias = "data_stats", skip_serializing_if = "Option::is_none")]
    pub data_stats: Option<serde_json::Value>,
    /// Output only: export formats (untyped `ExportFormat` values).
    #[serde(
        alias = "supported_export_formats",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_export_formats: Vec<serde_json::Value>,
    /// Output only: deployment resource types (enum names or numbers, untyped).
    #[serde(
        alias = "supported_deployment_resources_types",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_deployment_resources_types: Vec<serde_json::Value>,
    /// Output only: batch prediction input formats.
    #[serde(
        alias = "supported_input_storage_formats",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_input_storage_formats: Vec<String>,
    /// Output only: batch prediction output formats.
    #[serde(
        alias = "supported_output_storage_formats",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_output_storage_formats: Vec<String>,
    /// Output only.
    #[serde(alias = "satisfies_pzs", skip_serializing_if = "fields::is_false")]
    pub satisfies_pzs: bool,
    /// Output only.
    #[serde(alias = "satisfies_pzi", skip_serializing_if = "fields::is_false")]
    pub satisfies_pzi: bool,
}

impl WireMessage for Model {
    const PROTO_NAME: &'static str = "model";

    fn check_oneofs(&self) -> Result<(), WireError> {
        self.check_oneofs_at(Self::PROTO_NAME)
    }
}

impl Model {
    fn check_oneofs_at(&self, path: &str) -> Result<(), WireError> {
        if let Some(source) = &self.base_model_source {
            source.check_oneofs_at(&join_path(path, "base_model_source"))?;
        }
        Ok(())
    }
}

/// `Checkpoint`: one checkpoint of a model version (no endpoint here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Checkpoint {
    /// `"1"`, `"2"`, ...
    #[serde(alias = "checkpoint_id", skip_serializing_if = "String::is_empty")]
    pub checkpoint_id: String,
    /// int64.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub epoch: i64,
    /// int64.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub step: i64,
}

/// `DeployedModelRef` (`deployed_model_ref.proto`): where a model version is deployed. Which
/// checkpoint a deployment serves is on the Endpoint (`DeployedModel.checkpoint_id`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DeployedModelRef {
    /// `projects/{p}/locations/{l}/endpoints/{e}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// The DeployedModel id within the endpoint.
    #[serde(alias = "deployed_model_id", skip_serializing_if = "String::is_empty")]
    pub deployed_model_id: String,
}

/// `Model.BaseModelSource`: a oneof of a Model Garden or a Genie source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BaseModelSource {
    /// A Model Garden publisher model.
    #[serde(alias = "model_garden_source", skip_serializing_if = "Option::is_none")]
    pub model_garden_source: Option<ModelGardenSource>,
    /// A Genie base model.
    #[serde(alias = "genie_source", skip_serializing_if = "Option::is_none")]
    pub genie_source: Option<GenieSource>,
}

impl WireMessage for BaseModelSource {
    const PROTO_NAME: &'static str = "";

    fn check_oneofs(&self) -> Result<(), WireError> {
        self.check_oneofs_at(Self::PROTO_NAME)
    }
}

super::plain_messages!(
    Checkpoint,
    DeployedModelRef,
    ModelGardenSource,
    GenieSource,
    ModelSourceInfo,
    OriginalModelInfo,
    ModelVersionCheckpoint,
    DeployedModel,
);

impl BaseModelSource {
    fn check_oneofs_at(&self, path: &str) -> Result<(), WireError> {
        if self.model_garden_source.is_some() && self.genie_source.is_some() {
            return Err(WireError::oneof_conflict(
                "source",
                join_path(path, "genie_source"),
                "genieSource",
            ));
        }
        Ok(())
    }
}

/// `ModelGardenSource`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ModelGardenSource {
    /// `publishers/google/models/gemini-2.5-flash`.
    #[serde(alias = "public_model_name", skip_serializing_if = "String::is_empty")]
    pub public_model_name: String,
    /// Optional version of the publisher model.
    #[serde(alias = "version_id", skip_serializing_if = "String::is_empty")]
    pub version_id: String,
    /// Skip the Hugging Face model cache.
    #[serde(
        alias = "skip_hf_model_cache",
        skip_serializing_if = "fields::is_false"
    )]
    pub skip_hf_model_cache: bool,
}

/// `GenieSource`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GenieSource {
    /// The public base model URI.
    #[serde(alias = "base_model_uri", skip_serializing_if = "String::is_empty")]
    pub base_model_uri: String,
}

/// `ModelSourceInfo` (output only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ModelSourceInfo {
    /// The source type, a name or a number on input.
    #[serde(
        alias = "source_type",
        with = "fields::proto_enum_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub source_type: Option<ModelSourceType>,
    /// Whether the model was copied from another model.
    #[serde(skip_serializing_if = "fields::is_false")]
    pub copy: bool,
}

/// `Model.OriginalModelInfo` (output only): the source of a copy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OriginalModelInfo {
    /// The source model name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
}

/// `ModelVersionCheckpoint`: an element of ListModelVersionCheckpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ModelVersionCheckpoint {
    /// `"1"`, `"2"`, ...
    #[serde(alias = "checkpoint_id", skip_serializing_if = "String::is_empty")]
    pub checkpoint_id: String,
    /// int64.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub epoch: i64,
    /// int64.
    #[serde(with = "fields::int64", skip_serializing_if = "fields::is_zero_i64")]
    pub step: i64,
}

impl From<Checkpoint> for ModelVersionCheckpoint {
    fn from(c: Checkpoint) -> Self {
        ModelVersionCheckpoint {
            checkpoint_id: c.checkpoint_id,
            epoch: c.epoch,
            step: c.step,
        }
    }
}

/// `ListModelsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListModelsResponse {
    /// One page of models (each with its default version's fields).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<Model>,
    /// Empty on the last page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListModelsResponse {
    const PROTO_NAME: &'static str = "";

    fn check_oneofs(&self) -> Result<(), WireError> {
        for (i, m) in self.models.iter().enumerate() {
            m.check_oneofs_at(&format!("models[{i}]"))?;
        }
        Ok(())
    }
}

/// `ListModelVersionsResponse`: one entry per version, named `…/models/{id}@{versionId}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListModelVersionsResponse {
    /// One page of versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<Model>,
    /// Empty on the last page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListModelVersionsResponse {
    const PROTO_NAME: &'static str = "";

    fn check_oneofs(&self) -> Result<(), WireError> {
        for (i, m) in self.models.iter().enumerate() {
            m.check_oneofs_at(&format!("models[{i}]"))?;
        }
        Ok(())
    }
}

/// `ListModelVersionCheckpointsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListModelVersionCheckpointsResponse {
    /// One page of checkpoints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<ModelVersionCheckpoint>,
    /// Empty on the last page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListModelVersionCheckpointsResponse {
    const PROTO_NAME: &'static str = "";
}

/// `MergeVersionAliasesRequest` body: aliases to add, and `-alias` to remove.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct MergeVersionAliasesRequest {
    /// The model version name, if a client repeats it in the body.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `["golden", "-old"]`.
    #[serde(alias = "version_aliases", skip_serializing_if = "Vec::is_empty")]
    pub version_aliases: Vec<String>,
}

impl WireMessage for MergeVersionAliasesRequest {
    const PROTO_NAME: &'static str = "";
}

/// An online prediction endpoint (`google.cloud.aiplatform.v1.Endpoint`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Endpoint {
    /// `projects/{p}/locations/{l}/endpoints/{e}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Display name.
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The models deployed here.
    #[serde(alias = "deployed_models", skip_serializing_if = "Vec::is_empty")]
    pub deployed_models: Vec<DeployedModel>,
    /// Percentage of traffic per DeployedModel id.
    #[serde(alias = "traffic_split", skip_serializing_if = "BTreeMap::is_empty")]
    pub traffic_split: BTreeMap<String, i32>,
    /// Used for read-modify-write consistency.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub etag: String,
    /// Labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Output only.
    #[serde(
        alias = "create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<Timestamp>,
    /// Output only.
    #[serde(
        alias = "update_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<Timestamp>,
    /// CMEK.
    #[serde(alias = "encryption_spec", skip_serializing_if = "Option::is_none")]
    pub encryption_spec: Option<EncryptionSpec>,
    /// Output only.
    #[serde(alias = "satisfies_pzs", skip_serializing_if = "fields::is_false")]
    pub satisfies_pzs: bool,
    /// Output only.
    #[serde(alias = "satisfies_pzi", skip_serializing_if = "fields::is_false")]
    pub satisfies_pzi: bool,
}

impl WireMessage for Endpoint {
    const PROTO_NAME: &'static str = "endpoint";
}

/// `DeployedModel`: a model version (and checkpoint) served by an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DeployedModel {
    /// The DeployedModel id within the endpoint.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// `…/models/{m}` (or with `@{versionId}`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// Output only: the version deployed.
    #[serde(alias = "model_version_id", skip_serializing_if = "String::is_empty")]
    pub model_version_id: String,
    /// The checkpoint deployed.
    #[serde(alias = "checkpoint_id", skip_serializing_if = "String::is_empty")]
    pub checkpoint_id: String,
    /// Display name.
    #[serde(alias = "display_name", skip_serializing_if = "String::is_empty")]
    pub display_name: String,
    /// Output only.
    #[serde(
        alias = "create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<Timestamp>,
}
