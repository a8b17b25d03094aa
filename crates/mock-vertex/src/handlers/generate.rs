//! GenerateContent, StreamGenerateContent and CountTokens on a tuned model's endpoint or a
//! publisher model, and the publisher-model reads google-genai makes.
//!
//! The target is resolved under the store lock (an endpoint gives its version's answer index, an
//! `Arc` cloned out); the request is checked by `retune_model::request`, answered by
//! `retune_model::answer` and rendered outside the lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use retune_model::answer::{AnswerIndex, Answerer, answer};
use retune_model::emulator_policy::response_id;
use retune_model::publisher::{
    PublisherModelName, list_publisher_models, publisher_model, tuned_model_version,
};
use retune_model::request::{check_count_tokens, check_generate_content};
use retune_model::wire;

use super::Request;
use crate::error::ApiError;
use crate::routes::GenerateTarget;
use crate::state::Emulator;

/// Who answers for a target.
struct Resolved {
    /// The tuned version's index (`None`: a base model).
    answers: Option<Arc<AnswerIndex>>,
    /// The base model's id.
    base_model: String,
    /// `modelVersion` of the responses.
    model_version: String,
}

fn resolve(emulator: &Emulator, target: &GenerateTarget) -> Result<Resolved, ApiError> {
    match target {
        GenerateTarget::Publisher(name) => {
            let base = name
                .lookup()
                .map_err(|e| ApiError::new(e.code(), e.to_string()))?;
            Ok(Resolved {
                answers: None,
                base_model: base.id().to_owned(),
                model_version: base.id().to_owned(),
            })
        }
        GenerateTarget::Endpoint(name) => emulator.with_store(|store, _| {
            let endpoint = store.endpoint(name)?;
            let model = store.model(&endpoint.model)?;
            let version = model.version(endpoint.version).ok_or_else(|| {
                ApiError::not_found(format!(
                    "Endpoint {name}: its model {}@{} no longer exists.",
                    endpoint.model, endpoint.version
                ))
            })?;
            Ok(Resolved {
                answers: Some(Arc::clone(&version.answers)),
                base_model: version.base_model().unwrap_or_default().to_owned(),
                model_version: tuned_model_version(
                    &endpoint.model,
                    endpoint.version,
                    endpoint.checkpoint,
                ),
            })
        }),
    }
}

static RESPONSES: AtomicU64 = AtomicU64::new(1);

/// GenerateContent (`stream: false`: one response) and StreamGenerateContent (the chunks).
pub(super) fn generate(
    emulator: &Emulator,
    target: &GenerateTarget,
    request: &Request,
    stream: bool,
) -> Result<Vec<wire::GenerateContentResponse>, ApiError> {
    let body: wire::GenerateContentRequest = wire::decode(&request.body)?;
    let checked = check_generate_content(body)?;
    let resolved = resolve(emulator, target)?;
    let answerer = match &resolved.answers {
        Some(index) => Answerer::Tuned(index),
        None => Answerer::Base,
    };
    let reply = answer(&checked, answerer, &resolved.base_model);
    let now = emulator.now();
    let id = response_id(now, RESPONSES.fetch_add(1, Ordering::Relaxed));
    Ok(if stream {
        reply.stream_chunks(&resolved.model_version, &id, now)
    } else {
        vec![reply.to_wire(&resolved.model_version, &id, now)]
    })
}

/// CountTokens.
pub(super) fn count_tokens(
    emulator: &Emulator,
    target: &GenerateTarget,
    request: &Request,
) -> Result<wire::CountTokensResponse, ApiError> {
    let body: wire::CountTokensRequest = wire::decode(&request.body)?;
    let checked = check_count_tokens(body)?;
    resolve(emulator, target)?;
    Ok(wire::CountTokensResponse {
        total_tokens: i32::try_from(checked.prompt_tokens()).unwrap_or(i32::MAX),
        total_billable_characters: i32::try_from(checked.prompt_characters()).unwrap_or(i32::MAX),
        ..wire::CountTokensResponse::default()
    })
}

/// GetPublisherModel.
pub(super) fn get_publisher_model(
    name: &PublisherModelName,
) -> Result<wire::PublisherModel, ApiError> {
    let base = name
        .lookup()
        .map_err(|e| ApiError::new(e.code(), e.to_string()))?;
    Ok(publisher_model(base))
}

/// ListPublisherModels: every base model the emulator serves, on one page.
pub(super) fn list_publisher_models_page() -> wire::ListPublisherModelsResponse {
    list_publisher_models()
}
