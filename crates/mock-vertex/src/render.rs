//! From stored records to the REST JSON shapes of `retune_model::wire`. No rules here: mapping only.

use retune_model::names::{ModelRef, VersionSelector};
use retune_model::registry::{model_etag, tuned_model_source};
use retune_model::wire;

use crate::store::{EndpointRecord, ModelRecord, VersionRecord};

/// How a Model's `name` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelNameStyle {
    /// `…/models/{id}`: GetModel without a version, ListModels, model-level UpdateModel.
    Bare,
    /// `…/models/{id}@{versionId}` (the id, never the alias): GetModel with `@version` or
    /// `@alias`, ListModelVersions, version-level UpdateModel, MergeVersionAliases.
    Versioned,
}

impl ModelNameStyle {
    /// The style for a response to a request naming `model`.
    pub fn for_request(model: &ModelRef) -> ModelNameStyle {
        match model.selector() {
            None | Some(VersionSelector::ModelLevel) => ModelNameStyle::Bare,
            Some(_) => ModelNameStyle::Versioned,
        }
    }
}

/// One version of a model as a `Model`: model-level fields plus that version's, with the labels
/// the version shows (`ModelRecord::labels_of`) and, for a tuned version, where it comes from
/// (`registry::tuned_model_source`).
pub fn model(record: &ModelRecord, version: &VersionRecord, style: ModelNameStyle) -> wire::Model {
    let name = match style {
        ModelNameStyle::Bare => record.name().to_string(),
        ModelNameStyle::Versioned => record.name().at_version(version.id).to_string(),
    };
    let (model_source_info, base_model_source) = version
        .base_model()
        .map(tuned_model_source)
        .map_or((None, None), |(info, base)| (Some(info), Some(base)));
    wire::Model {
        model_source_info,
        base_model_source,
        name,
        version_id: version.id.to_string(),
        version_aliases: version.aliases.iter().map(ToString::to_string).collect(),
        version_create_time: Some(version.created),
        version_update_time: Some(version.updated),
        display_name: record.display_name().to_owned(),
        description: record.description().to_owned(),
        version_description: version.description.clone(),
        default_checkpoint_id: version
            .default_checkpoint
            .map(|c| c.to_string())
            .unwrap_or_default(),
        checkpoints: version
            .checkpoints
            .iter()
            .map(|c| wire::Checkpoint {
                checkpoint_id: c.id.to_string(),
                epoch: int64(c.epoch),
                step: int64(c.step),
            })
            .collect(),
        create_time: Some(record.created()),
        update_time: Some(record.update_time_of(version)),
        etag: model_etag(record.update_time_of(version)),
        deployed_models: version
            .checkpoints
            .iter()
            .map(|c| wire::DeployedModelRef {
                endpoint: c.endpoint.to_string(),
                deployed_model_id: c.endpoint.endpoint_id().to_string(),
            })
            .collect(),
        labels: record.labels_of(version),
        encryption_spec: version.kms_key.as_ref().map(|k| wire::EncryptionSpec {
            kms_key_name: k.to_string(),
        }),
        ..wire::Model::default()
    }
}

/// A version's checkpoints as ListModelVersionCheckpoints lists them.
pub fn version_checkpoints(version: &VersionRecord) -> Vec<wire::ModelVersionCheckpoint> {
    version
        .checkpoints
        .iter()
        .map(|c| wire::ModelVersionCheckpoint {
            checkpoint_id: c.id.to_string(),
            epoch: int64(c.epoch),
            step: int64(c.step),
        })
        .collect()
}

/// A count as the wire's int64 (counts never come near `i64::MAX`; past it, it saturates).
fn int64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An endpoint with the one checkpoint deployed on it.
pub fn endpoint(record: &EndpointRecord) -> wire::Endpoint {
    let deployed_model_id = record.name.endpoint_id().to_string();
    let display_name = record.display_name.to_string();
    wire::Endpoint {
        name: record.name.to_string(),
        display_name: display_name.clone(),
        deployed_models: vec![wire::DeployedModel {
            id: deployed_model_id.clone(),
            model: record.model.to_string(),
            model_version_id: record.version.to_string(),
            checkpoint_id: record.checkpoint.to_string(),
            display_name,
            create_time: Some(record.created),
        }],
        traffic_split: [(deployed_model_id, 100)].into_iter().collect(),
        labels: record.labels.clone(),
        create_time: Some(record.created),
        update_time: Some(record.created),
        encryption_spec: record.kms_key.as_ref().map(|k| wire::EncryptionSpec {
            kms_key_name: k.to_string(),
        }),
        ..wire::Endpoint::default()
    }
}
