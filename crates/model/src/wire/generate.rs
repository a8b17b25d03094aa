//! The shapes of `PredictionService.GenerateContent`, `StreamGenerateContent` and `CountTokens`
//! (`content.proto`, `prediction_service.proto`, `tool.proto`), and of the publisher models
//! google-genai reads (`publisher_model.proto`).
//!
//! A turn is the [`Content`] of the tuning job's data-set examples. Tools, tool configs, media and function parts are kept as untyped JSON: the emulator answers
//! text and refuses what it cannot answer by field, so only what it reads is typed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Content, WireMessage, fields};
use crate::Timestamp;

/// `google.cloud.aiplatform.v1.GenerationConfig`: the members the emulator reads are typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GenerationConfig {
    /// Sampling temperature (accepted, no effect: answers are deterministic).
    #[serde(with = "fields::double_opt", skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling (accepted, no effect).
    #[serde(
        alias = "top_p",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub top_p: Option<f64>,
    /// Top-k sampling (accepted, no effect).
    #[serde(
        alias = "top_k",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub top_k: Option<f64>,
    /// How many candidates to return.
    #[serde(alias = "candidate_count", skip_serializing_if = "Option::is_none")]
    pub candidate_count: Option<i32>,
    /// The most output tokens per candidate.
    #[serde(alias = "max_output_tokens", skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<i32>,
    /// Where to stop.
    #[serde(alias = "stop_sequences", skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// `text/plain` or `application/json`.
    #[serde(alias = "response_mime_type", skip_serializing_if = "String::is_empty")]
    pub response_mime_type: String,
    /// Accepted, no effect.
    #[serde(alias = "response_logprobs", skip_serializing_if = "fields::is_false")]
    pub response_logprobs: bool,
    /// Accepted, no effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<i32>,
    /// Accepted, no effect.
    #[serde(
        alias = "presence_penalty",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub presence_penalty: Option<f64>,
    /// Accepted, no effect.
    #[serde(
        alias = "frequency_penalty",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub frequency_penalty: Option<f64>,
    /// Accepted, no effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i32>,
    /// Accepted, not enforced (untyped).
    #[serde(alias = "response_schema", skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<Value>,
    /// Accepted, not enforced (untyped).
    #[serde(
        alias = "response_json_schema",
        skip_serializing_if = "Option::is_none"
    )]
    pub response_json_schema: Option<Value>,
    /// Accepted, no effect.
    #[serde(alias = "response_modalities", skip_serializing_if = "Vec::is_empty")]
    pub response_modalities: Vec<String>,
    /// Accepted, no effect (untyped).
    #[serde(alias = "thinking_config", skip_serializing_if = "Option::is_none")]
    pub thinking_config: Option<Value>,
    /// Accepted, no effect (untyped).
    #[serde(alias = "routing_config", skip_serializing_if = "Option::is_none")]
    pub routing_config: Option<Value>,
    /// Accepted, no effect (untyped).
    #[serde(alias = "speech_config", skip_serializing_if = "Option::is_none")]
    pub speech_config: Option<Value>,
    /// Accepted, no effect (untyped).
    #[serde(alias = "image_config", skip_serializing_if = "Option::is_none")]
    pub image_config: Option<Value>,
    /// Accepted, no effect.
    #[serde(alias = "media_resolution", skip_serializing_if = "Option::is_none")]
    pub media_resolution: Option<Value>,
    /// Accepted, no effect.
    #[serde(alias = "audio_timestamp", skip_serializing_if = "fields::is_false")]
    pub audio_timestamp: bool,
    /// Accepted, no effect.
    #[serde(
        alias = "enable_affective_dialog",
        skip_serializing_if = "fields::is_false"
    )]
    pub enable_affective_dialog: bool,
    /// `modelConfig` (v1beta1): accepted, no effect.
    #[serde(alias = "model_config", skip_serializing_if = "Option::is_none")]
    pub model_config: Option<Value>,
}

/// `GenerateContentRequest` (the body of `:generateContent` and `:streamGenerateContent`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GenerateContentRequest {
    /// The model (the path names it; a body may repeat it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// The conversation, the last turn from the user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<Content>,
    /// The system instruction.
    #[serde(alias = "system_instruction", skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    /// A cached content name (refused by the emulator).
    #[serde(alias = "cached_content", skip_serializing_if = "String::is_empty")]
    pub cached_content: String,
    /// Tools (untyped; accepted, never called).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Value>,
    /// Tool config (untyped).
    #[serde(alias = "tool_config", skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<Value>,
    /// Labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Safety settings (untyped; accepted, nothing is blocked).
    #[serde(alias = "safety_settings", skip_serializing_if = "Vec::is_empty")]
    pub safety_settings: Vec<Value>,
    /// Model Armor config (untyped).
    #[serde(alias = "model_armor_config", skip_serializing_if = "Option::is_none")]
    pub model_armor_config: Option<Value>,
    /// Generation config.
    #[serde(alias = "generation_config", skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<GenerationConfig>,
}

impl WireMessage for GenerateContentRequest {
    const PROTO_NAME: &'static str = "";
}

/// One candidate answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Candidate {
    /// Its index among the candidates.
    #[serde(skip_serializing_if = "fields::is_zero_i32")]
    pub index: i32,
    /// The answer (role `model`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// `STOP`, `MAX_TOKENS`, ... (absent on a stream chunk before the last).
    #[serde(alias = "finish_reason", skip_serializing_if = "String::is_empty")]
    pub finish_reason: String,
    /// Mean log probability (accepted on decode).
    #[serde(
        alias = "avg_logprobs",
        with = "fields::double_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub avg_logprobs: Option<f64>,
}

/// `UsageMetadata` of a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct UsageMetadata {
    /// Tokens of the prompt.
    #[serde(
        alias = "prompt_token_count",
        skip_serializing_if = "fields::is_zero_i32"
    )]
    pub prompt_token_count: i32,
    /// Tokens of every candidate.
    #[serde(
        alias = "candidates_token_count",
        skip_serializing_if = "fields::is_zero_i32"
    )]
    pub candidates_token_count: i32,
    /// Their sum.
    #[serde(
        alias = "total_token_count",
        skip_serializing_if = "fields::is_zero_i32"
    )]
    pub total_token_count: i32,
    /// Per-modality counts (untyped).
    #[serde(alias = "prompt_tokens_details", skip_serializing_if = "Vec::is_empty")]
    pub prompt_tokens_details: Vec<Value>,
    /// Per-modality counts (untyped).
    #[serde(
        alias = "candidates_tokens_details",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub candidates_tokens_details: Vec<Value>,
    /// `ON_DEMAND`, ...
    #[serde(alias = "traffic_type", skip_serializing_if = "String::is_empty")]
    pub traffic_type: String,
}

/// `GenerateContentResponse` (also one chunk of a stream).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GenerateContentResponse {
    /// The candidates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Candidate>,
    /// The model version and checkpoint that answered.
    #[serde(alias = "model_version", skip_serializing_if = "String::is_empty")]
    pub model_version: String,
    /// When the response was made.
    #[serde(
        alias = "create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<Timestamp>,
    /// An id for the response.
    #[serde(alias = "response_id", skip_serializing_if = "String::is_empty")]
    pub response_id: String,
    /// Token counts.
    #[serde(alias = "usage_metadata", skip_serializing_if = "Option::is_none")]
    pub usage_metadata: Option<UsageMetadata>,
}

impl WireMessage for GenerateContentResponse {
    const PROTO_NAME: &'static str = "";
}

impl GenerateContentResponse {
    /// The text of the first candidate's parts, joined.
    pub fn text(&self) -> String {
        self.candidates
            .first()
            .and_then(|c| c.content.as_ref())
            .map(|c| c.parts.iter().map(|p| p.text.as_str()).collect::<String>())
            .unwrap_or_default()
    }
}

/// `CountTokensRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CountTokensRequest {
    /// The model (the path names it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model: String,
    /// Untyped instances (the PredictionService form; refused if set with `contents`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<Value>,
    /// The contents to count.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<Content>,
    /// The system instruction.
    #[serde(alias = "system_instruction", skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    /// Tools (untyped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<Value>,
    /// Generation config.
    #[serde(alias = "generation_config", skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<GenerationConfig>,
}

impl WireMessage for CountTokensRequest {
    const PROTO_NAME: &'static str = "";
}

/// `CountTokensResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CountTokensResponse {
    /// Tokens of the prompt.
    #[serde(alias = "total_tokens", skip_serializing_if = "fields::is_zero_i32")]
    pub total_tokens: i32,
    /// Billable characters (deprecated; the text's characters).
    #[serde(
        alias = "total_billable_characters",
        skip_serializing_if = "fields::is_zero_i32"
    )]
    pub total_billable_characters: i32,
    /// Per-modality counts (untyped).
    #[serde(alias = "prompt_tokens_details", skip_serializing_if = "Vec::is_empty")]
    pub prompt_tokens_details: Vec<Value>,
}

impl WireMessage for CountTokensResponse {
    const PROTO_NAME: &'static str = "";
}

/// `google.cloud.aiplatform.v1.PublisherModel`, the members google-genai reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PublisherModel {
    /// `publishers/google/models/{model}`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `001`, ...
    #[serde(alias = "version_id", skip_serializing_if = "String::is_empty")]
    pub version_id: String,
    /// `OPEN_SOURCE`, `GOOGLE_OWNED`, ...
    #[serde(
        alias = "open_source_category",
        skip_serializing_if = "String::is_empty"
    )]
    pub open_source_category: String,
    /// `GA`, `PUBLIC_PREVIEW`, ...
    #[serde(alias = "launch_stage", skip_serializing_if = "String::is_empty")]
    pub launch_stage: String,
    /// The resource's version state.
    #[serde(alias = "version_state", skip_serializing_if = "String::is_empty")]
    pub version_state: String,
    /// Untyped, kept for decode.
    #[serde(alias = "supported_actions", skip_serializing_if = "Option::is_none")]
    pub supported_actions: Option<Value>,
}

impl WireMessage for PublisherModel {
    const PROTO_NAME: &'static str = "";
}

/// `ListPublisherModelsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListPublisherModelsResponse {
    /// The models.
    #[serde(alias = "publisher_models", skip_serializing_if = "Vec::is_empty")]
    pub publisher_models: Vec<PublisherModel>,
    /// The next page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListPublisherModelsResponse {
    const PROTO_NAME: &'static str = "";
}

/// `ListEndpointsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListEndpointsResponse {
    /// The endpoints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<super::Endpoint>,
    /// The next page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListEndpointsResponse {
    const PROTO_NAME: &'static str = "";
}

super::plain_messages!(GenerationConfig, Candidate, UsageMetadata);

/// `text` as a JSON document: itself when it already is one, else a JSON string holding it
/// (what `responseMimeType: application/json` makes of a plain-text answer).
///
/// ```
/// use retune_model::wire::as_json_text;
/// assert_eq!(as_json_text(r#"{"a": 1}"#), r#"{"a": 1}"#);
/// assert_eq!(as_json_text("Paris."), r#""Paris.""#);
/// ```
pub fn as_json_text(text: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}
