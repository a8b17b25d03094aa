//! Calling a tuned model: GenerateContent, StreamGenerateContent and CountTokens on an endpoint,
//! on a checkpoint of a model version (resolved to the endpoint serving it), or on a base model.

use std::fmt;

use bytes::Bytes;
use retune_model::base_model::BaseModel;
use retune_model::names::{CheckpointId, EndpointName, ModelRef};
use retune_model::request::{check_count_tokens, check_generate_content};
use retune_model::serving::serving_endpoint;
use retune_model::wire::{self, EnumEncoding};

use crate::client::{Call, Client};
use crate::decode::decode_response;
use crate::error::{BuildError, DecodeError, Error};
use crate::retry::Idempotency;

/// What to call. A model version is not called by its name: it is resolved to the endpoint
/// serving it (its default checkpoint, or the one given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerateTarget {
    /// A tuned model's endpoint (`tunedModel.endpoint`, or a checkpoint's).
    Endpoint(EndpointName),
    /// A model version (`@version`, `@alias` or the default one), and optionally a checkpoint.
    Version {
        /// The version.
        model: ModelRef,
        /// The checkpoint (`None`: the version's default checkpoint).
        checkpoint: Option<CheckpointId>,
    },
    /// A base model (`gemini-2.5-flash`), in the client's location.
    Base(&'static BaseModel),
}

impl fmt::Display for GenerateTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateTarget::Endpoint(e) => e.fmt(f),
            GenerateTarget::Version {
                model,
                checkpoint: None,
            } => model.fmt(f),
            GenerateTarget::Version {
                model,
                checkpoint: Some(c),
            } => write!(f, "{model} (checkpoint {c})"),
            GenerateTarget::Base(base) => f.write_str(base.id()),
        }
    }
}

/// A single-turn request: `text` from the user.
///
/// ```
/// let request = retune_client::user_text("Hello");
/// assert_eq!(request.contents[0].role, "user");
/// ```
pub fn user_text(text: impl Into<String>) -> wire::GenerateContentRequest {
    wire::GenerateContentRequest {
        contents: vec![wire::Content {
            role: "user".to_owned(),
            parts: vec![wire::Part::text(text)],
        }],
        ..wire::GenerateContentRequest::default()
    }
}

impl Client {
    /// The endpoint serving `checkpoint` of `model` (its default checkpoint when `None`): reads
    /// the version and the Endpoints it is deployed to (which say the checkpoint each serves),
    /// and asks [`serving_endpoint`].
    pub async fn serving_endpoint(
        &self,
        model: &ModelRef,
        checkpoint: Option<CheckpointId>,
    ) -> Result<EndpointName, Error> {
        let version = self.get_model(model).await?;
        let mut endpoints: Vec<wire::Endpoint> = Vec::new();
        for deployed in &version.as_wire().deployed_models {
            if endpoints.iter().any(|e| e.name == deployed.endpoint) {
                continue;
            }
            // A name that does not parse is reported by `serving_endpoint` if it is chosen.
            if let Ok(name) = deployed.endpoint.parse::<EndpointName>() {
                endpoints.push(self.get_endpoint(&name).await?);
            }
        }
        serving_endpoint(version.as_wire(), &endpoints, checkpoint).map_err(|e| {
            let reason = e.to_string();
            Error::Build(BuildError::invalid("model", reason, e))
        })
    }

    /// The path a target's verbs go to (a version is resolved to its endpoint first).
    async fn target_path(&self, target: &GenerateTarget) -> Result<String, Error> {
        match target {
            GenerateTarget::Endpoint(endpoint) => {
                self.check_location("endpoint name", endpoint.location())?;
                Ok(endpoint.to_string())
            }
            GenerateTarget::Version { model, checkpoint } => {
                Ok(self.serving_endpoint(model, *checkpoint).await?.to_string())
            }
            GenerateTarget::Base(base) => Ok(format!(
                "{}/publishers/google/models/{}",
                self.location(),
                base.id()
            )),
        }
    }

    async fn post_generate(
        &self,
        target: &GenerateTarget,
        verb: &str,
        body: Vec<u8>,
    ) -> Result<(http::StatusCode, Bytes), Error> {
        let path = format!("{}:{verb}", self.target_path(target).await?);
        // Generating has no side effect: retrying it is safe.
        self.respond(Call::new(http::Method::POST, path, Idempotency::Idempotent).body(body))
            .await
    }

    /// GenerateContent. The request is checked by [`check_generate_content`] first.
    pub async fn generate_content(
        &self,
        target: &GenerateTarget,
        request: &wire::GenerateContentRequest,
    ) -> Result<wire::GenerateContentResponse, Error> {
        check(request)?;
        let body = wire::encode(request, EnumEncoding::Names);
        let (status, bytes) = self.post_generate(target, "generateContent", body).await?;
        decode_response(&bytes).map_err(|e| DecodeError::new(status, bytes, e).into())
    }

    /// StreamGenerateContent (the JSON-array form): the chunks, in order. Their texts joined
    /// are the answer; the last one carries the finish reasons and the token counts. The
    /// transport reads whole bodies, so the chunks come together once the stream has ended.
    pub async fn stream_generate_content(
        &self,
        target: &GenerateTarget,
        request: &wire::GenerateContentRequest,
    ) -> Result<Vec<wire::GenerateContentResponse>, Error> {
        check(request)?;
        let body = wire::encode(request, EnumEncoding::Names);
        let (status, bytes) = self
            .post_generate(target, "streamGenerateContent", body)
            .await?;
        let values: Vec<serde_json::Value> = serde_json::from_slice(&bytes).map_err(|e| {
            DecodeError::new(
                status,
                bytes.clone(),
                wire::WireError::new(wire::WireErrorKind::Syntax, "", e.to_string()),
            )
        })?;
        values
            .into_iter()
            .map(|v| {
                wire::decode_value(v).map_err(|e| DecodeError::new(status, bytes.clone(), e).into())
            })
            .collect()
    }

    /// CountTokens, checked by [`check_count_tokens`] first.
    pub async fn count_tokens(
        &self,
        target: &GenerateTarget,
        request: &wire::CountTokensRequest,
    ) -> Result<wire::CountTokensResponse, Error> {
        check_count_tokens(request.clone()).map_err(|e| {
            BuildError::refused_by_validator(
                "CountTokens request",
                e.violations().to_vec(),
                e.code(),
                e,
            )
        })?;
        let body = wire::encode(request, EnumEncoding::Names);
        let (status, bytes) = self.post_generate(target, "countTokens", body).await?;
        decode_response(&bytes).map_err(|e| DecodeError::new(status, bytes, e).into())
    }
}

fn check(request: &wire::GenerateContentRequest) -> Result<(), Error> {
    check_generate_content(request.clone()).map_err(|e| {
        BuildError::refused_by_validator(
            "GenerateContent request",
            e.violations().to_vec(),
            e.code(),
            e,
        )
    })?;
    Ok(())
}
