//! Google's publisher models, as GenerateContent and the Model Garden reads name them:
//! `publishers/google/models/{model}`, bare or under `projects/{p}/locations/{l}/`.
//!
//! The emulator serves the base models of [`crate::base_model::BASE_MODELS`]; any other id is
//! 404 NOT_FOUND worded as Vertex AI words it.

use std::fmt;

use crate::Code;
use crate::base_model::{BASE_MODELS, BaseModel};
use crate::names::LocationName;
use crate::wire;

/// A publisher model named in a request path (the id is checked by [`PublisherModelName::lookup`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublisherModelName {
    location: Option<LocationName>,
    model: String,
}

/// A publisher model the emulator does not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Publisher Model `{name}` was not found or your project does not have access to it. Please \
     ensure you are using a valid model version. For more information, see: \
     https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions"
)]
pub struct PublisherModelError {
    name: String,
}

impl PublisherModelError {
    /// Always NOT_FOUND.
    pub fn code(&self) -> Code {
        Code::NotFound
    }
}

impl PublisherModelName {
    /// The location the path names, if any (`projects/*/locations/*/publishers/...`).
    pub fn location_name(&self) -> Option<&LocationName> {
        self.location.as_ref()
    }

    /// Model `model` of publisher `google`, under `location` when the path names one.
    pub fn new(location: Option<LocationName>, model: impl Into<String>) -> PublisherModelName {
        PublisherModelName {
            location,
            model: model.into(),
        }
    }

    /// The model id as sent (`gemini-2.5-flash`).
    pub fn model_id(&self) -> &str {
        &self.model
    }

    /// The base model it names, or 404.
    ///
    /// ```
    /// use retune_model::publisher::PublisherModelName;
    /// assert_eq!(PublisherModelName::new(None, "gemini-2.5-flash").lookup().unwrap().id(), "gemini-2.5-flash");
    /// let err = PublisherModelName::new(None, "gemini-9").lookup().unwrap_err();
    /// assert!(err.to_string().starts_with("Publisher Model `publishers/google/models/gemini-9` was not found"));
    /// ```
    pub fn lookup(&self) -> Result<&'static BaseModel, PublisherModelError> {
        BaseModel::lookup(&self.model).map_err(|_| PublisherModelError {
            name: self.to_string(),
        })
    }
}

impl fmt::Display for PublisherModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}/")?;
        }
        write!(f, "publishers/google/models/{}", self.model)
    }
}

/// The `PublisherModel` resource of a base model.
pub fn publisher_model(model: &BaseModel) -> wire::PublisherModel {
    wire::PublisherModel {
        name: format!("publishers/google/models/{}", model.id()),
        version_id: "001".to_owned(),
        open_source_category: "PROPRIETARY".to_owned(),
        launch_stage: "GA".to_owned(),
        version_state: "VERSION_STATE_STABLE".to_owned(),
        ..wire::PublisherModel::default()
    }
}

/// Every publisher model the emulator serves, as one page (they are few).
pub fn list_publisher_models() -> wire::ListPublisherModelsResponse {
    wire::ListPublisherModelsResponse {
        publisher_models: BASE_MODELS.iter().map(publisher_model).collect(),
        next_page_token: String::new(),
    }
}

/// `modelVersion` of a response: the base model's id, or for a tuned endpoint
/// `{model}@{version}/checkpoints/{checkpoint}` (the version and the checkpoint that answered).
///
/// ```
/// use retune_model::publisher::tuned_model_version;
/// let m = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// let v = "2".parse().unwrap();
/// let c = "1".parse().unwrap();
/// assert_eq!(tuned_model_version(&m, v, c), "projects/p/locations/us-central1/models/9@2/checkpoints/1");
/// ```
pub fn tuned_model_version(
    model: &crate::names::ModelName,
    version: crate::names::VersionId,
    checkpoint: crate::names::CheckpointId,
) -> String {
    format!("{}/checkpoints/{checkpoint}", model.at_version(version))
}
