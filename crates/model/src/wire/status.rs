//! `google.rpc.Status`, the JSON error envelope, and the error detail types servers attach.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{WireMessage, fields};
use crate::Code;

/// `type.googleapis.com/` type URLs of the `Any` values used in this API.
pub mod type_url {
    /// The prefix of every type URL.
    pub const PREFIX: &str = "type.googleapis.com/";
    /// `google.rpc.BadRequest`.
    pub const BAD_REQUEST: &str = "type.googleapis.com/google.rpc.BadRequest";
    /// `google.rpc.ErrorInfo`.
    pub const ERROR_INFO: &str = "type.googleapis.com/google.rpc.ErrorInfo";
    /// `google.rpc.PreconditionFailure`.
    pub const PRECONDITION_FAILURE: &str = "type.googleapis.com/google.rpc.PreconditionFailure";
    /// `google.rpc.ResourceInfo`.
    pub const RESOURCE_INFO: &str = "type.googleapis.com/google.rpc.ResourceInfo";
    /// `google.rpc.RetryInfo`.
    pub const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";
    /// `google.rpc.QuotaFailure`.
    pub const QUOTA_FAILURE: &str = "type.googleapis.com/google.rpc.QuotaFailure";
    /// `google.rpc.Help`.
    pub const HELP: &str = "type.googleapis.com/google.rpc.Help";
    /// `google.rpc.LocalizedMessage`.
    pub const LOCALIZED_MESSAGE: &str = "type.googleapis.com/google.rpc.LocalizedMessage";
    /// `google.protobuf.Empty`, the response of delete operations.
    pub const EMPTY: &str = "type.googleapis.com/google.protobuf.Empty";
    /// `google.cloud.aiplatform.v1.DeleteOperationMetadata`.
    pub const DELETE_OPERATION_METADATA: &str =
        "type.googleapis.com/google.cloud.aiplatform.v1.DeleteOperationMetadata";
    /// `google.cloud.aiplatform.v1.GenericOperationMetadata`.
    pub const GENERIC_OPERATION_METADATA: &str =
        "type.googleapis.com/google.cloud.aiplatform.v1.GenericOperationMetadata";
    /// `google.cloud.aiplatform.v1.RebaseTunedModelOperationMetadata`.
    pub const REBASE_TUNED_MODEL_OPERATION_METADATA: &str =
        "type.googleapis.com/google.cloud.aiplatform.v1.RebaseTunedModelOperationMetadata";
    /// `google.cloud.aiplatform.v1.TuningJob`.
    pub const TUNING_JOB: &str = "type.googleapis.com/google.cloud.aiplatform.v1.TuningJob";
    /// `google.cloud.aiplatform.v1.Model`.
    pub const MODEL: &str = "type.googleapis.com/google.cloud.aiplatform.v1.Model";
}

/// The domain of `ErrorInfo` details from Vertex AI.
pub const AIPLATFORM_DOMAIN: &str = "aiplatform.googleapis.com";

/// An `Any` value: `value` serialized (enums as names) with `"@type": type_url` as its first key.
/// A value that does not serialize to an object is carried as `{"@type": ..., "value": ...}`,
/// the proto3 JSON form of well-known wrapper types.
pub fn to_any<T: Serialize + ?Sized>(type_url: &str, value: &T) -> serde_json::Value {
    let mut any = serde_json::Map::new();
    any.insert(
        "@type".to_owned(),
        serde_json::Value::String(type_url.to_owned()),
    );
    match super::to_value(value, super::EnumEncoding::Names) {
        serde_json::Value::Object(map) => any.extend(map),
        other => {
            any.insert("value".to_owned(), other);
        }
    }
    serde_json::Value::Object(any)
}

/// The `@type` of an `Any` value, if it has one.
pub fn any_type(value: &serde_json::Value) -> Option<&str> {
    value.get("@type").and_then(serde_json::Value::as_str)
}

/// `google.rpc.Status`: a gRPC code (not the HTTP status), a message and typed details.
///
/// Used in `TuningJob.error`, `Operation.error` and `GenericOperationMetadata.partialFailures`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Status {
    /// The `google.rpc.Code` number (1 = CANCELLED).
    #[serde(with = "fields::int32", skip_serializing_if = "fields::is_zero_i32")]
    pub code: i32,
    /// A developer-facing message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// `Any` values, each with `@type`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<serde_json::Value>,
}

impl Status {
    /// A status with `code` and `message` and no details.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Status {
            code: code.number(),
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The code, if it is a known `google.rpc.Code`.
    pub fn code(&self) -> Option<Code> {
        Code::from_number(self.code)
    }
}

impl WireMessage for Status {
    const PROTO_NAME: &'static str = "";
}

/// The JSON error body: `{"error": {"code": 404, "message": ..., "status": "NOT_FOUND", "details": [...]}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The inside of [`ErrorEnvelope`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ErrorBody {
    /// The **HTTP** status (404), not the gRPC code.
    #[serde(with = "fields::int32", skip_serializing_if = "fields::is_zero_i32")]
    pub code: i32,
    /// A human-readable message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The canonical code name (`NOT_FOUND`); the Rust client reads only this.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// `Any` values, each with `@type`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<serde_json::Value>,
}

impl ErrorEnvelope {
    /// The envelope for `code` (HTTP status and name filled in) with `message` and no details.
    ///
    /// ```
    /// use retune_model::{Code, wire::{self, ErrorEnvelope, EnumEncoding}};
    /// let e = ErrorEnvelope::new(Code::NotFound, "TuningJob not found.");
    /// assert_eq!(
    ///     String::from_utf8(wire::encode(&e, EnumEncoding::Names)).unwrap(),
    ///     r#"{"error":{"code":404,"message":"TuningJob not found.","status":"NOT_FOUND"}}"#
    /// );
    /// ```
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ErrorEnvelope {
            error: ErrorBody {
                code: i32::from(code.http_status()),
                message: message.into(),
                status: code.as_str().to_owned(),
                details: Vec::new(),
            },
        }
    }

    /// This envelope with one more detail (an `Any` value with `@type`).
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.error.details.push(detail);
        self
    }

    /// The canonical code named by `status`, if known.
    pub fn code(&self) -> Option<Code> {
        self.error.status.parse().ok()
    }

    /// The same error as a `google.rpc.Status` (gRPC code number instead of HTTP status).
    pub fn to_status(&self) -> Status {
        Status {
            code: self.code().map_or(Code::Unknown.number(), Code::number),
            message: self.error.message.clone(),
            details: self.error.details.clone(),
        }
    }
}

impl WireMessage for ErrorEnvelope {
    const PROTO_NAME: &'static str = "";
}

/// `google.rpc.BadRequest`: which request fields are wrong.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BadRequest {
    /// One entry per wrong field.
    #[serde(alias = "field_violations", skip_serializing_if = "Vec::is_empty")]
    pub field_violations: Vec<FieldViolation>,
}

/// One entry of [`BadRequest`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct FieldViolation {
    /// The snake_case proto path, `tuning_job.supervised_tuning_spec.training_dataset_uri`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    /// What is wrong with it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// A machine-readable reason (`UPPER_SNAKE_CASE`), optional.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// The description in the caller's language (`google.rpc.BadRequest.FieldViolation
    /// .localized_message`), optional.
    #[serde(alias = "localized_message", skip_serializing_if = "Option::is_none")]
    pub localized_message: Option<LocalizedMessage>,
}

/// `google.rpc.LocalizedMessage`: a message in a locale.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LocalizedMessage {
    /// A BCP-47 locale, `en-US`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub locale: String,
    /// The message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// `google.rpc.QuotaFailure`: which quota checks failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct QuotaFailure {
    /// One entry per failed check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<QuotaViolation>,
}

/// One entry of [`QuotaFailure`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct QuotaViolation {
    /// What the quota applies to, `project:123`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// Which quota was exceeded.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// `google.rpc.Help`: links to documentation of the error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Help {
    /// The links.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<HelpLink>,
}

/// One entry of [`Help`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HelpLink {
    /// What the link offers.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The URL.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// `google.rpc.RetryInfo`: how long the caller should wait before retrying.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct RetryInfo {
    /// A `google.protobuf.Duration` in its JSON form (`"2s"`, `"0.250s"`).
    #[serde(alias = "retry_delay", skip_serializing_if = "String::is_empty")]
    pub retry_delay: String,
}

super::plain_messages!(
    BadRequest,
    FieldViolation,
    ErrorInfo,
    LocalizedMessage,
    QuotaFailure,
    QuotaViolation,
    Help,
    HelpLink,
    RetryInfo,
);

impl RetryInfo {
    /// A `RetryInfo` asking for `delay`, written as a protobuf JSON duration.
    pub fn new(delay: std::time::Duration) -> Self {
        RetryInfo {
            retry_delay: duration_string(delay),
        }
    }

    /// The delay, if `retryDelay` is a valid protobuf JSON duration.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retune_model::wire::RetryInfo;
    /// let info = RetryInfo::new(Duration::from_millis(1500));
    /// assert_eq!(info.retry_delay, "1.500s");
    /// assert_eq!(info.delay(), Some(Duration::from_millis(1500)));
    /// ```
    pub fn delay(&self) -> Option<std::time::Duration> {
        parse_duration_string(&self.retry_delay)
    }

    /// This value as an error detail, with `"@type": "type.googleapis.com/google.rpc.RetryInfo"`.
    pub fn to_detail(&self) -> serde_json::Value {
        to_any(type_url::RETRY_INFO, self)
    }

    /// The `RetryInfo` among error `details`, if one is there and reads.
    pub fn find(details: &[serde_json::Value]) -> Option<RetryInfo> {
        details
            .iter()
            .find(|d| any_type(d) == Some(type_url::RETRY_INFO))
            .and_then(|d| {
                let mut body = d.clone();
                if let Some(map) = body.as_object_mut() {
                    map.remove("@type");
                }
                serde_json::from_value(body).ok()
            })
    }
}

/// A `google.protobuf.Duration` in its JSON form: seconds with 0, 3, 6 or 9 fractional digits.
fn duration_string(d: std::time::Duration) -> String {
    let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
    if nanos == 0 {
        format!("{secs}s")
    } else if nanos % 1_000_000 == 0 {
        format!("{secs}.{:03}s", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!("{secs}.{:06}s", nanos / 1_000)
    } else {
        format!("{secs}.{nanos:09}s")
    }
}

/// Reads a non-negative `google.protobuf.Duration` JSON string (`"2s"`, `"0.5s"`).
pub(crate) fn parse_duration_string(s: &str) -> Option<std::time::Duration> {
    let number = s.strip_suffix('s')?;
    let (secs, frac) = number.split_once('.').unwrap_or((number, ""));
    if secs.is_empty() || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse::<u32>().ok()?
    };
    Some(std::time::Duration::new(secs.parse().ok()?, nanos))
}

impl QuotaFailure {
    /// This value as an error detail.
    pub fn to_detail(&self) -> serde_json::Value {
        to_any(type_url::QUOTA_FAILURE, self)
    }
}

impl Help {
    /// This value as an error detail.
    pub fn to_detail(&self) -> serde_json::Value {
        to_any(type_url::HELP, self)
    }
}

impl LocalizedMessage {
    /// An `en-US` message.
    pub fn en_us(message: impl Into<String>) -> Self {
        LocalizedMessage {
            locale: "en-US".to_owned(),
            message: message.into(),
        }
    }

    /// This value as an error detail.
    pub fn to_detail(&self) -> serde_json::Value {
        to_any(type_url::LOCALIZED_MESSAGE, self)
    }
}

impl BadRequest {
    /// A `BadRequest` with one violation per `(field, description)` pair.
    pub fn new<'a>(violations: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        BadRequest {
            field_violations: violations
                .into_iter()
                .map(|(field, description)| FieldViolation {
                    field: field.to_owned(),
                    description: description.to_owned(),
                    reason: String::new(),
                    localized_message: None,
                })
                .collect(),
        }
    }

    /// This value as an error detail, with `"@type": "type.googleapis.com/google.rpc.BadRequest"`.
    ///
    /// ```
    /// use retune_model::wire::BadRequest;
    /// let d = BadRequest::new([("tuning_job.base_model", "required")]).to_detail();
    /// assert_eq!(d["@type"], "type.googleapis.com/google.rpc.BadRequest");
    /// assert_eq!(d["fieldViolations"][0]["field"], "tuning_job.base_model");
    /// ```
    pub fn to_detail(&self) -> serde_json::Value {
        to_any(type_url::BAD_REQUEST, self)
    }
}

/// `google.rpc.ErrorInfo`: a machine-readable reason within a domain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ErrorInfo {
    /// `UPPER_SNAKE_CASE` reason, such as `IAM_PERMISSION_DENIED`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Usually [`AIPLATFORM_DOMAIN`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Extra key/value context.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl ErrorInfo {
    /// An `ErrorInfo` in [`AIPLATFORM_DOMAIN`] with `reason` and no metadata.
    pub fn new(reason: impl Into<String>) -> Self {
        ErrorInfo {
            reason: reason.into(),
            domain: AIPLATFORM_DOMAIN.to_owned(),
            metadata: BTreeMap::new(),
        }
    }

    /// This value with one more metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// This value as an error detail, with `"@type": "type.googleapis.com/google.rpc.ErrorInfo"`.
    pub fn to_detail(&self) -> serde_json::Value {
        to_any(type_url::ERROR_INFO, self)
    }
}
