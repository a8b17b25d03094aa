//! Request handlers, one module per resource: each parses the request, asks `retune_model`
//! (a `request` validator, then the rules the store applies) and renders the answer with
//! `retune_model::wire`.
//!
//! No rule lives here: no limits, no status codes, no grammar. A refusal carries its code from
//! the model (`<Concept>Error::code`, `continuous::refusal_status`), and the tidy test
//! `handlers_hold_no_rules` keeps it that way.

mod endpoints;
mod generate;
mod models;
mod operations;
mod tuning_jobs;

use bytes::Bytes;
use retune_model::wire::{self, EnumEncoding};
use serde::Serialize;

use crate::error::ApiError;
use crate::routes::{ApiVersion, QueryParams, Route};
use crate::state::Emulator;

/// What a handler gets besides the route.
#[derive(Debug)]
pub struct Request {
    /// `/v1` or `/v1beta1`.
    pub version: ApiVersion,
    /// The query parameters.
    pub query: QueryParams,
    /// The body (possibly empty).
    pub body: Bytes,
}

fn encode<T: Serialize>(value: &T, enums: EnumEncoding) -> Bytes {
    Bytes::from(wire::encode(value, enums))
}

/// The body of a 200 and its content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The body.
    pub body: Bytes,
    /// `application/json; charset=UTF-8` or `text/event-stream`.
    pub content_type: &'static str,
}

impl Answer {
    /// A JSON body.
    pub fn json(body: Bytes) -> Answer {
        Answer {
            body,
            content_type: "application/json; charset=UTF-8",
        }
    }
}

/// A stream's chunks as a JSON array, or as server-sent events with `alt=sse`.
fn stream_body(chunks: &[wire::GenerateContentResponse], request: &Request) -> Answer {
    let enums = request.query.enum_encoding();
    let encoded = chunks.iter().map(|c| wire::encode(c, enums));
    if request.query.server_sent_events() {
        let mut body = Vec::new();
        for chunk in encoded {
            body.extend_from_slice(b"data: ");
            body.extend_from_slice(&chunk);
            body.extend_from_slice(b"\r\n\r\n");
        }
        Answer {
            body: Bytes::from(body),
            content_type: "text/event-stream",
        }
    } else {
        let mut body = b"[".to_vec();
        for (i, chunk) in encoded.enumerate() {
            if i > 0 {
                body.extend_from_slice(b",\r\n");
            }
            body.extend_from_slice(&chunk);
        }
        body.push(b']');
        Answer::json(Bytes::from(body))
    }
}

/// Serves one matched route; the answer is the body of a 200.
pub async fn handle(
    emulator: &Emulator,
    route: Route,
    request: Request,
) -> Result<Answer, ApiError> {
    let enums = request.query.enum_encoding();
    match route {
        Route::GenerateContent {
            target,
            stream: true,
        } => {
            let chunks = generate::generate(emulator, &target, &request, true)?;
            Ok(stream_body(&chunks, &request))
        }
        Route::GenerateContent {
            target,
            stream: false,
        } => {
            let mut responses = generate::generate(emulator, &target, &request, false)?;
            let response = responses.pop().unwrap_or_default();
            Ok(Answer::json(encode(&response, enums)))
        }
        Route::CountTokens { target } => Ok(Answer::json(encode(
            &generate::count_tokens(emulator, &target, &request)?,
            enums,
        ))),
        Route::GetPublisherModel { name } => Ok(Answer::json(encode(
            &generate::get_publisher_model(&name)?,
            enums,
        ))),
        Route::ListPublisherModels => Ok(Answer::json(encode(
            &generate::list_publisher_models_page(),
            enums,
        ))),
        Route::ListEndpoints { parent } => Ok(Answer::json(encode(
            &endpoints::list(emulator, &parent),
            enums,
        ))),
        route => handle_json(emulator, route, request)
            .await
            .map(Answer::json),
    }
}

/// The routes whose answer is a JSON body.
async fn handle_json(
    emulator: &Emulator,
    route: Route,
    request: Request,
) -> Result<Bytes, ApiError> {
    let answer = answer(emulator, route, request).await;
    emulator.flush_pending_objects().await;
    answer
}

async fn answer(emulator: &Emulator, route: Route, request: Request) -> Result<Bytes, ApiError> {
    let enums = request.query.enum_encoding();
    match route {
        Route::CreateTuningJob { parent } => {
            let job = tuning_jobs::create(emulator, &parent, &request).await?;
            Ok(encode(&job, enums))
        }
        Route::GetTuningJob { name } => tuning_jobs::get(emulator, &name, &request),
        Route::ListTuningJobs { parent } => {
            let page = tuning_jobs::list(emulator, &parent, &request)?;
            Ok(encode(&page, enums))
        }
        Route::CancelTuningJob { name } => tuning_jobs::cancel(emulator, &name, &request),
        Route::RebaseTunedModel { parent } => {
            let operation = tuning_jobs::rebase(emulator, &parent, &request).await?;
            Ok(encode(
                &operations::for_version(operation, request.version),
                enums,
            ))
        }
        Route::ListModels { parent } => {
            Ok(encode(&models::list(emulator, &parent, &request)?, enums))
        }
        Route::GetModel { model } => Ok(encode(&models::get(emulator, &model)?, enums)),
        Route::UpdateModel { model } => {
            Ok(encode(&models::update(emulator, &model, &request)?, enums))
        }
        Route::DeleteModel { model } => {
            Ok(encode(&models::delete(emulator, &model, &request)?, enums))
        }
        Route::DeleteModelVersion { model } => Ok(encode(
            &models::delete_version(emulator, &model, &request)?,
            enums,
        )),
        Route::MergeVersionAliases { model } => Ok(encode(
            &models::merge_aliases(emulator, &model, &request)?,
            enums,
        )),
        Route::ListModelVersions { model } => Ok(encode(
            &models::list_versions(emulator, &model, &request)?,
            enums,
        )),
        Route::ListModelVersionCheckpoints { model } => Ok(encode(
            &models::list_checkpoints(emulator, &model, &request)?,
            enums,
        )),
        Route::GetEndpoint { name } => Ok(encode(&endpoints::get(emulator, &name)?, enums)),
        Route::GetOperation { name } => {
            Ok(encode(&operations::get(emulator, &name, &request)?, enums))
        }
        Route::WaitOperation { name } => Ok(encode(
            &operations::wait(emulator, &name, &request).await?,
            enums,
        )),
        Route::CancelOperation { name } => operations::cancel(emulator, &name),
        Route::DeleteOperation { name } => operations::delete(emulator, &name),
        Route::ListOperations { parent } => Ok(encode(
            &operations::list(emulator, &parent, &request)?,
            enums,
        )),
        Route::GenerateContent { .. }
        | Route::CountTokens { .. }
        | Route::GetPublisherModel { .. }
        | Route::ListPublisherModels
        | Route::ListEndpoints { .. } => Err(ApiError::internal("route served by handle")),
    }
}
