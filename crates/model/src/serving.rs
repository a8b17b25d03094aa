//! Which endpoint serves a model version or one of its checkpoints: what a caller must call
//! GenerateContent on (an endpoint, not `models/{id}@{version}`).
//!
//! A tuning job deploys each exported checkpoint of the version it registers to an endpoint of
//! its own; the Model resource lists them in `deployedModels` (with the checkpoint each serves).
//! Without a checkpoint, the version's default checkpoint is meant (else its last one).

use crate::Code;
use crate::names::{CheckpointId, EndpointName, NameError};
use crate::wire;

/// A version or checkpoint that no endpoint serves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServingError {
    /// The version is deployed nowhere.
    #[error("model {model} is not deployed to any endpoint; only tuned versions are served")]
    NotDeployed {
        /// The model version.
        model: String,
    },
    /// No endpoint serves that checkpoint.
    #[error("checkpoint {checkpoint} of model {model} is not deployed; deployed: {deployed}")]
    NoSuchCheckpoint {
        /// The model version.
        model: String,
        /// The checkpoint asked for.
        checkpoint: CheckpointId,
        /// The deployed checkpoint ids, comma-separated.
        deployed: String,
    },
    /// The service named an endpoint that does not parse.
    #[error("the endpoint of model {model} is not a valid name: {error}")]
    BadEndpoint {
        /// The model version.
        model: String,
        /// Why.
        error: NameError,
    },
}

impl ServingError {
    /// NOT_FOUND for a checkpoint that is not deployed, FAILED_PRECONDITION for an undeployed
    /// version, INTERNAL for a malformed answer.
    pub fn code(&self) -> Code {
        match self {
            ServingError::NotDeployed { .. } => Code::FailedPrecondition,
            ServingError::NoSuchCheckpoint { .. } => Code::NotFound,
            ServingError::BadEndpoint { .. } => Code::Internal,
        }
    }
}

/// The endpoint serving `checkpoint` of the version `model` describes (its default checkpoint,
/// else its last deployed one, when `checkpoint` is `None`).
///
/// ```
/// use retune_model::serving::serving_endpoint;
/// use retune_model::wire;
/// let deployed = |e: &str, c: &str| wire::DeployedModelRef {
///     endpoint: format!("projects/p/locations/us-central1/endpoints/{e}"),
///     checkpoint_id: c.to_owned(),
///     ..wire::DeployedModelRef::default()
/// };
/// let model = wire::Model {
///     name: "projects/p/locations/us-central1/models/9".into(),
///     version_id: "2".into(),
///     default_checkpoint_id: "1".into(),
///     deployed_models: vec![deployed("10", "1"), deployed("11", "2")],
///     ..wire::Model::default()
/// };
/// assert!(serving_endpoint(&model, None).unwrap().to_string().ends_with("/endpoints/10"));
/// let second = "2".parse().unwrap();
/// assert!(serving_endpoint(&model, Some(second)).unwrap().to_string().ends_with("/endpoints/11"));
/// assert!(serving_endpoint(&model, Some("3".parse().unwrap())).is_err());
/// ```
pub fn serving_endpoint(
    model: &wire::Model,
    checkpoint: Option<CheckpointId>,
) -> Result<EndpointName, ServingError> {
    let name = if model.version_id.is_empty() {
        model.name.clone()
    } else {
        format!(
            "{}@{}",
            model.name.split('@').next().unwrap_or_default(),
            model.version_id
        )
    };
    let deployed = &model.deployed_models;
    let Some(last) = deployed.last() else {
        return Err(ServingError::NotDeployed { model: name });
    };
    let wanted = checkpoint.map(|c| c.to_string()).or_else(|| {
        (!model.default_checkpoint_id.is_empty()).then(|| model.default_checkpoint_id.clone())
    });
    let chosen = match &wanted {
        Some(id) => deployed.iter().find(|d| d.checkpoint_id == *id),
        None => Some(last),
    };
    let chosen = match (chosen, checkpoint) {
        (Some(d), _) => d,
        (None, None) => last,
        (None, Some(checkpoint)) => {
            return Err(ServingError::NoSuchCheckpoint {
                model: name,
                checkpoint,
                deployed: deployed
                    .iter()
                    .map(|d| d.checkpoint_id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    };
    chosen
        .endpoint
        .parse()
        .map_err(|error| ServingError::BadEndpoint { model: name, error })
}
