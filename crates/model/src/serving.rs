//! Which endpoint serves a model version or one of its checkpoints: what a caller must call
//! GenerateContent on (an endpoint, not `models/{id}@{version}`).
//!
//! A tuning job deploys each exported checkpoint of the version it registers to an endpoint of
//! its own; the Model resource lists them in `deployedModels`, and each Endpoint says which
//! checkpoint its deployed model serves. Without a checkpoint, the version's default checkpoint
//! is meant (else its last one).

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
/// The Model lists where the version is deployed (`deployedModels`, each a `DeployedModelRef`:
/// `endpoint` and `deployed_model_id` only, `deployed_model_ref.proto`); which checkpoint a
/// deployment serves is on the Endpoint (`DeployedModel.checkpoint_id`, `endpoint.proto`). So
/// `endpoints` are the Endpoints `model.deployed_models` names, as read from the service; a
/// deployment whose Endpoint is missing from them serves no known checkpoint.
///
/// ```
/// use retune_model::serving::serving_endpoint;
/// use retune_model::wire;
/// let name = |e: &str| format!("projects/p/locations/us-central1/endpoints/{e}");
/// let endpoint = |e: &str, c: &str| wire::Endpoint {
///     name: name(e),
///     deployed_models: vec![wire::DeployedModel {
///         id: e.to_owned(),
///         checkpoint_id: c.to_owned(),
///         ..wire::DeployedModel::default()
///     }],
///     ..wire::Endpoint::default()
/// };
/// let reference = |e: &str| wire::DeployedModelRef { endpoint: name(e), deployed_model_id: e.to_owned() };
/// let model = wire::Model {
///     name: "projects/p/locations/us-central1/models/9".into(),
///     version_id: "2".into(),
///     default_checkpoint_id: "1".into(),
///     deployed_models: vec![reference("10"), reference("11")],
///     ..wire::Model::default()
/// };
/// let endpoints = [endpoint("10", "1"), endpoint("11", "2")];
/// let serving = |c: Option<&str>| serving_endpoint(&model, &endpoints, c.map(|c| c.parse().unwrap()));
/// assert!(serving(None).unwrap().to_string().ends_with("/endpoints/10"));
/// assert!(serving(Some("2")).unwrap().to_string().ends_with("/endpoints/11"));
/// assert!(serving(Some("3")).is_err());
/// ```
pub fn serving_endpoint(
    model: &wire::Model,
    endpoints: &[wire::Endpoint],
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
    // Each deployment of the version with the checkpoint its Endpoint says it serves.
    let deployed: Vec<(&str, &str)> = model
        .deployed_models
        .iter()
        .map(|r| {
            let served = endpoints
                .iter()
                .filter(|e| e.name == r.endpoint)
                .flat_map(|e| &e.deployed_models)
                .find(|d| d.id == r.deployed_model_id)
                .map_or("", |d| d.checkpoint_id.as_str());
            (r.endpoint.as_str(), served)
        })
        .collect();
    let Some(&last) = deployed.last() else {
        return Err(ServingError::NotDeployed { model: name });
    };
    let wanted = checkpoint.map(|c| c.to_string()).or_else(|| {
        (!model.default_checkpoint_id.is_empty()).then(|| model.default_checkpoint_id.clone())
    });
    let chosen = match &wanted {
        Some(id) => deployed.iter().copied().find(|(_, c)| c == id),
        None => Some(last),
    };
    let (endpoint, _) = match (chosen, checkpoint) {
        (Some(d), _) => d,
        (None, None) => last,
        (None, Some(checkpoint)) => {
            return Err(ServingError::NoSuchCheckpoint {
                model: name,
                checkpoint,
                deployed: deployed
                    .iter()
                    .map(|(_, c)| *c)
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    };
    endpoint
        .parse()
        .map_err(|error| ServingError::BadEndpoint { model: name, error })
}
