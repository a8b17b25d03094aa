//! The REST JSON shapes of Vertex AI tuning jobs, models, endpoints, operations and errors,
//! shared by the client and the emulator.
//!
//! These are plain structs (all fields `pub`, `Default`) that follow the proto3 JSON mapping:
//!
//! - **Output** ([`encode`]): camelCase keys, default values omitted, int64 as strings, doubles as
//!   numbers, timestamps as RFC 3339 with `Z`, enums as names, or as numbers with
//!   [`EnumEncoding::Ints`] (what GAPIC clients ask for with `$alt=json;enum-encoding=int`, see
//!   [`EnumEncoding::from_query`]).
//! - **Input** ([`decode`]): camelCase **and** snake_case keys, int64 as string or number, enums as
//!   name or number, `null` as "not set"; unknown fields, wrongly typed values and two members of one
//!   oneof are rejected with a [`WireError`] naming the snake_case proto path of the field, worded
//!   like Google's front end.
//!   A message is a JSON object only: serde would also read a struct from a JSON list, so
//!   decoding goes through a deserializer that refuses anything else where a message belongs, at
//!   every depth (`"hyperParameters": []` names `...hyper_parameters`).
//!
//! | Method | Request body | Response |
//! |---|---|---|
//! | CreateTuningJob | [`TuningJob`] | [`TuningJob`] |
//! | GetTuningJob | | [`TuningJob`] |
//! | ListTuningJobs | | [`ListTuningJobsResponse`] |
//! | CancelTuningJob | [`CancelTuningJobRequest`] (often no body) | [`Empty`] |
//! | GetModel, UpdateModel (PATCH) | [`Model`] | [`Model`] |
//! | ListModels / ListModelVersions | | [`ListModelsResponse`] / [`ListModelVersionsResponse`] |
//! | ListModelVersionCheckpoints | | [`ListModelVersionCheckpointsResponse`] |
//! | MergeVersionAliases | [`MergeVersionAliasesRequest`] | [`Model`] |
//! | DeleteModel / DeleteModelVersion, GetOperation | | [`Operation`] ([`Operation::deleted`]) |
//! | ListOperations | | [`ListOperationsResponse`] |
//! | GetEndpoint / ListEndpoints | | [`Endpoint`] / [`ListEndpointsResponse`] |
//! | GenerateContent, StreamGenerateContent | [`GenerateContentRequest`] | [`GenerateContentResponse`] (a list of them, or server-sent events, when streamed) |
//! | CountTokens | [`CountTokensRequest`] | [`CountTokensResponse`] |
//! | GetPublisherModel / ListPublisherModels | | [`PublisherModel`] / [`ListPublisherModelsResponse`] |
//! | any error | | [`ErrorEnvelope`] ([`WireError::to_envelope`], [`BadRequest`], [`ErrorInfo`]) |
//!
//! Requests are read with [`decode`]; a client reading the real service may prefer
//! [`decode_lenient`], which drops (and reports) response fields newer than these types.
//!
//! Enum fields are `Option<E>`: `None` is omitted; `Some(E::Unspecified)` is written out as
//! given (proto3 would omit it), so leave unset enums as `None`.
//!
//! Names inside wire structs are plain `String`s; parse them with [`crate::names`] at the boundary.
//! Out-of-scope members of `TuningJob.tuning_spec` (`distillationSpec`, `veoTuningSpec`, ...) are
//! recognised as untyped [`serde_json::Value`]s so that a server can refuse them with a clear
//! message instead of "unknown field".
//!
//! ```
//! use retune_model::wire::{self, EnumEncoding, TuningJob};
//! let body = br#"{"preTunedModel": {"tuned_model_name": "projects/p/locations/us-central1/models/9@1"},
//!                 "supervisedTuningSpec": {"trainingDatasetUri": "gs://b/t.jsonl",
//!                                          "hyperParameters": {"epochCount": 2}}}"#;
//! let job: TuningJob = wire::decode(body).unwrap();
//! let spec = job.supervised_tuning_spec.as_ref().unwrap();
//! assert_eq!(spec.hyper_parameters.as_ref().unwrap().epoch_count, Some(2));
//! let out = String::from_utf8(wire::encode(&job, EnumEncoding::Names)).unwrap();
//! assert!(out.contains(r#""epochCount":"2""#));
//! assert!(out.contains(r#""tunedModelName":"#));
//!
//! let err = wire::decode::<TuningJob>(br#"{"supervisedTuningSpec": {"foo": 1}}"#).unwrap_err();
//! assert_eq!(err.field(), "tuning_job.supervised_tuning_spec");
//! assert_eq!(
//!     err.to_string(),
//!     r#"Invalid JSON payload received. Unknown name "foo" at 'tuning_job.supervised_tuning_spec': Cannot find field."#
//! );
//! ```

/// Implements [`WireMessage`] with an empty root path and no oneofs for nested message types,
/// so that each can also be decoded on its own.
macro_rules! plain_messages {
    ($($ty:ty),+ $(,)?) => {
        $(impl $crate::wire::WireMessage for $ty {
            const PROTO_NAME: &'static str = "";
        })+
    };
}
pub(crate) use plain_messages;

mod api_version;
mod dataset_stats;
pub mod fields;
mod generate;
mod model;
mod operation;
mod preference_stats;
mod rebase;
mod selection;
mod status;
mod strict;
mod tuning_job;
mod tuning_spec;
mod version_fields;

use std::fmt;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::hyperparameters::AdapterSize;
use crate::job_state::{JobState, TuningJobState};
use crate::proto_enum::ProtoEnum;

pub use api_version::ApiVersion;
pub use generate::*;
pub use model::*;
pub use operation::*;
pub use preference_stats::*;
pub use rebase::*;
pub use selection::{Selection, SelectionError};
pub(crate) use status::parse_duration_string;
pub use status::*;
pub use tuning_job::*;
pub use tuning_spec::*;
pub use version_fields::{
    CarriesTuningJob, FieldSource, V1BETA1_ONLY, VersionOnlyField, check_version_fields,
    decode_for_version,
};

/// How [`encode`] writes enums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EnumEncoding {
    /// As proto names, `"JOB_STATE_RUNNING"` (the default).
    #[default]
    Names,
    /// As proto numbers, `3`, when the caller sent `$alt=json;enum-encoding=int`.
    Ints,
}

impl EnumEncoding {
    /// The encoding a raw query string asks for: [`EnumEncoding::Ints`] when it carries
    /// `$alt=json;enum-encoding=int` (as GAPIC clients send it, possibly percent-encoded:
    /// `%24alt=json%3Benum-encoding%3Dint`), else [`EnumEncoding::Names`].
    ///
    /// ```
    /// use retune_model::wire::EnumEncoding;
    /// assert_eq!(EnumEncoding::from_query(Some("%24alt=json%3Benum-encoding%3Dint")), EnumEncoding::Ints);
    /// assert_eq!(EnumEncoding::from_query(Some("pageSize=1&$alt=json;enum-encoding=int")), EnumEncoding::Ints);
    /// assert_eq!(EnumEncoding::from_query(Some("$alt=json")), EnumEncoding::Names);
    /// assert_eq!(EnumEncoding::from_query(None), EnumEncoding::Names);
    /// ```
    pub fn from_query(query: Option<&str>) -> EnumEncoding {
        let Some(query) = query else {
            return EnumEncoding::Names;
        };
        for pair in query.split('&') {
            let pair = pair.replace('+', " ");
            let decoded = percent_decode_str(&pair).decode_utf8_lossy();
            let Some((key, value)) = decoded.split_once('=') else {
                continue;
            };
            if !matches!(key.trim(), "$alt" | "alt") {
                continue;
            }
            let asks_ints = value.split(';').any(|param| {
                param
                    .split_once('=')
                    .is_some_and(|(k, v)| k.trim() == "enum-encoding" && v.trim() == "int")
            });
            if asks_ints {
                return EnumEncoding::Ints;
            }
        }
        EnumEncoding::Names
    }
}

/// A proto enum that travels on the wire, with its fully qualified proto type name (used in
/// error messages such as `(type.googleapis.com/google.cloud.aiplatform.v1.JobState)`).
pub trait WireEnum: ProtoEnum {
    /// The fully qualified proto type, without the `type.googleapis.com/` prefix.
    const PROTO_TYPE: &'static str;
}

impl WireEnum for JobState {
    const PROTO_TYPE: &'static str = "google.cloud.aiplatform.v1.JobState";
}

impl WireEnum for TuningJobState {
    const PROTO_TYPE: &'static str = "google.cloud.aiplatform.v1beta1.TuningJob.TuningJobState";
}

impl WireEnum for AdapterSize {
    const PROTO_TYPE: &'static str =
        "google.cloud.aiplatform.v1.SupervisedHyperParameters.AdapterSize";
}

/// A top-level JSON message: a request body or a response.
pub trait WireMessage {
    /// The root of field paths in errors: the request's body field (`"tuning_job"` for
    /// CreateTuningJob, `"model"` for UpdateModel), or `""` when the body is the whole request
    /// (`body: "*"`) or a response.
    const PROTO_NAME: &'static str;
    /// Whether an empty body stands for `{}` (true for CancelTuningJob, which the SDK sends
    /// without a body).
    const EMPTY_BODY_IS_EMPTY_MESSAGE: bool = false;

    /// Rejects two members of one oneof; called by [`decode`] after the shape has been read.
    fn check_oneofs(&self) -> Result<(), WireError> {
        Ok(())
    }
}

/// What went wrong while decoding a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireErrorKind {
    /// The body is not JSON (or not an object where one belongs at the root).
    Syntax,
    /// The body is empty and the message needs one.
    EmptyBody,
    /// A key that is no field of the message.
    UnknownField,
    /// The same field twice (for example once in camelCase and once in snake_case).
    DuplicateField,
    /// A JSON value of the wrong kind (a string where an object belongs) or out of range
    /// (`"abc"` for an int64, an unknown enum name).
    InvalidValue,
    /// Two members of one oneof.
    OneofConflict,
}

/// A body that does not decode, with the snake_case proto path of the offending field and a
/// message worded like Google's front end (best effort; modelled on messages observed from other
/// googleapis endpoints):
///
/// - `Invalid JSON payload received. Unknown name "foo" at 'tuning_job.supervised_tuning_spec': Cannot find field.`
/// - `Invalid value at 'tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count' (TYPE_INT64), "abc"`
/// - `Invalid JSON payload received. Oneof field 'source_model' is already set. Cannot set 'preTunedModel'`
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WireError {
    kind: WireErrorKind,
    field: String,
    message: String,
}

impl WireError {
    /// An error of `kind` at `field` (a snake_case proto path) with a complete message.
    pub fn new(kind: WireErrorKind, field: impl Into<String>, message: impl Into<String>) -> Self {
        WireError {
            kind,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Two members of oneof `oneof` are set; `field` is the path of the second, `json_name` its
    /// camelCase name.
    pub fn oneof_conflict(oneof: &str, field: impl Into<String>, json_name: &str) -> Self {
        WireError::new(
            WireErrorKind::OneofConflict,
            field,
            format!(
                "Invalid JSON payload received. Oneof field '{oneof}' is already set. Cannot set '{json_name}'"
            ),
        )
    }

    /// What went wrong.
    pub fn kind(&self) -> WireErrorKind {
        self.kind
    }

    /// The snake_case proto path, such as
    /// `tuning_job.supervised_tuning_spec.hyper_parameters.epoch_count`. For an unknown field it
    /// is the path of the message that does not have it.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The Google-style message (also the `Display` text).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `google.rpc.BadRequest` detail naming this field.
    pub fn to_bad_request(&self) -> BadRequest {
        BadRequest {
            field_violations: vec![FieldViolation {
                field: self.field.clone(),
                description: self.message.clone(),
                ..FieldViolation::default()
            }],
        }
    }

    /// The 400 `INVALID_ARGUMENT` error envelope a server answers with, carrying a
    /// `google.rpc.BadRequest` detail.
    pub fn to_envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope::new(crate::Code::InvalidArgument, self.message.clone())
            .with_detail(self.to_bad_request().to_detail())
    }
}

/// Decodes a request or response body.
///
/// Accepts camelCase and snake_case keys, int64 as string or number, enums as name or number,
/// timestamps with any offset, and `null` for "not set". Rejects unknown fields, wrongly typed
/// values and oneof conflicts. An empty (or all-whitespace) body is `{}` when
/// [`WireMessage::EMPTY_BODY_IS_EMPTY_MESSAGE`] allows it.
///
/// Two identical keys in one object are not detected (the last one wins); the same field spelt
/// once in camelCase and once in snake_case is a [`WireErrorKind::DuplicateField`].
pub fn decode<T: DeserializeOwned + WireMessage>(body: &[u8]) -> Result<T, WireError> {
    decode_value(parse_body::<T>(body)?)
}

/// Decodes an already parsed JSON value (for example `Operation.response`), as [`decode`] does.
pub fn decode_value<T: DeserializeOwned + WireMessage>(
    value: serde_json::Value,
) -> Result<T, WireError> {
    let value = root_object::<T>(value)?;
    let decoded: T = deserialize_tracked(value)
        .map_err(|(segments, text)| classify(T::PROTO_NAME, &segments, &text))?;
    decoded.check_oneofs()?;
    Ok(decoded)
}

/// Like [`decode`], but drops unknown fields instead of failing, and returns their paths.
///
/// For a client reading responses from the real service, which may carry fields newer than these
/// types (the Python SDK drops unknown response fields too). Everything else is as strict as
/// [`decode`].
///
/// ```
/// use retune_model::wire::{self, TuningJob};
/// let (job, ignored) =
///     wire::decode_lenient::<TuningJob>(br#"{"name": "n", "tunedModel": {"newField": 1}}"#).unwrap();
/// assert_eq!(job.name, "n");
/// assert_eq!(ignored, vec!["tuning_job.tuned_model.new_field".to_owned()]);
/// ```
pub fn decode_lenient<T: DeserializeOwned + WireMessage>(
    body: &[u8],
) -> Result<(T, Vec<String>), WireError> {
    let mut value = root_object::<T>(parse_body::<T>(body)?)?;
    let mut ignored = Vec::new();
    loop {
        match deserialize_tracked::<T>(value.clone()) {
            Ok(decoded) => {
                decoded.check_oneofs()?;
                return Ok((decoded, ignored));
            }
            Err((segments, text)) => {
                let err = classify(T::PROTO_NAME, &segments, &text);
                // Each round removes one key, so this ends.
                if err.kind == WireErrorKind::UnknownField && remove_key(&mut value, &segments) {
                    let name = match segments.last() {
                        Some(RawSegment::Key(name)) => fields::camel_to_snake(name),
                        _ => String::new(),
                    };
                    ignored.push(join_path(&err.field, &name));
                    continue;
                }
                return Err(err);
            }
        }
    }
}

/// One step of the path serde_path_to_error reports.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RawSegment {
    Key(String),
    Index(usize),
    Other(String),
}

fn parse_body<T: WireMessage>(body: &[u8]) -> Result<serde_json::Value, WireError> {
    let root = T::PROTO_NAME;
    if body.iter().all(u8::is_ascii_whitespace) {
        if T::EMPTY_BODY_IS_EMPTY_MESSAGE {
            return Ok(serde_json::Value::Object(serde_json::Map::new()));
        }
        return Err(WireError::new(
            WireErrorKind::EmptyBody,
            root,
            "Invalid JSON payload received. The request body is empty.",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        let text = strip_position(&text, e.line(), e.column());
        WireError::new(
            WireErrorKind::Syntax,
            root,
            format!(
                "Invalid JSON payload received. {} at line {} column {}.",
                capitalize(text),
                e.line(),
                e.column()
            ),
        )
    })
}

fn root_object<T: WireMessage>(value: serde_json::Value) -> Result<serde_json::Value, WireError> {
    if !value.is_object() {
        let shown = shown_json(&value);
        return Err(WireError::new(
            WireErrorKind::Syntax,
            T::PROTO_NAME,
            format!(
                "Invalid JSON payload received. Expected a JSON object at the root, got {shown}."
            ),
        ));
    }
    Ok(strip_nulls(value))
}

fn deserialize_tracked<T: DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, (Vec<RawSegment>, String)> {
    serde_path_to_error::deserialize(strict::Strict(value)).map_err(|e| {
        let segments = e
            .path()
            .iter()
            .map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => RawSegment::Index(*index),
                serde_path_to_error::Segment::Map { key } => RawSegment::Key(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => {
                    RawSegment::Other(variant.clone())
                }
                serde_path_to_error::Segment::Unknown => RawSegment::Other("?".to_owned()),
            })
            .collect();
        (segments, e.into_inner().to_string())
    })
}

/// Removes the key at the end of `path` from `value`; false if the path does not lead there.
fn remove_key(value: &mut serde_json::Value, path: &[RawSegment]) -> bool {
    let Some((RawSegment::Key(last), parents)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for segment in parents {
        let next = match segment {
            RawSegment::Key(key) => at.get_mut(key.as_str()),
            RawSegment::Index(i) => at.get_mut(*i),
            RawSegment::Other(_) => None,
        };
        let Some(next) = next else {
            return false;
        };
        at = next;
    }
    at.as_object_mut()
        .is_some_and(|map| map.shift_remove(last.as_str()).is_some())
}

/// Encodes a wire value as JSON bytes, with enums as `enums` asks.
///
/// Wire types always serialize (every map key is a string); a foreign type whose `Serialize`
/// fails encodes as `{}`.
pub fn encode<T: Serialize + ?Sized>(value: &T, enums: EnumEncoding) -> Vec<u8> {
    fields::with_enum_encoding(enums, || serde_json::to_vec(value))
        .unwrap_or_else(|_| b"{}".to_vec())
}

/// Like [`encode`], as a `serde_json::Value` (`{}` if a foreign type fails to serialize).
pub fn to_value<T: Serialize + ?Sized>(value: &T, enums: EnumEncoding) -> serde_json::Value {
    fields::with_enum_encoding(enums, || serde_json::to_value(value))
        .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()))
}

/// Joins the root and a field path: `tuning_job` + `pre_tuned_model`.
pub(crate) fn join_path(root: &str, field: &str) -> String {
    match (root.is_empty(), field.is_empty()) {
        (true, _) => field.to_owned(),
        (false, true) => root.to_owned(),
        (false, false) if field.starts_with('[') => format!("{root}{field}"),
        (false, false) => format!("{root}.{field}"),
    }
}

fn render_path(root: &str, segments: &[RawSegment]) -> String {
    let mut path = root.to_owned();
    for segment in segments {
        let segment = match segment {
            RawSegment::Key(key) => fields::camel_to_snake(key),
            RawSegment::Index(i) => format!("[{i}]"),
            RawSegment::Other(other) => other.clone(),
        };
        path = join_path(&path, &segment);
    }
    path
}

fn classify(root: &str, segments: &[RawSegment], text: &str) -> WireError {
    if let Some(rest) = text.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default().to_owned();
        let parents = without_last_key(segments, &name);
        let at = render_path(root, parents);
        let message = if at.is_empty() {
            format!("Invalid JSON payload received. Unknown name \"{name}\": Cannot find field.")
        } else {
            format!(
                "Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
            )
        };
        return WireError::new(WireErrorKind::UnknownField, at, message);
    }
    if let Some(rest) = text.strip_prefix("duplicate field `") {
        let name = rest.split('`').next().unwrap_or_default().to_owned();
        let parents = without_last_key(segments, &name);
        let field = join_path(&render_path(root, parents), &fields::camel_to_snake(&name));
        let message = format!(
            "Invalid JSON payload received. Duplicate field \"{name}\" at '{field}' (set once in camelCase and once in snake_case?)."
        );
        return WireError::new(WireErrorKind::DuplicateField, field, message);
    }
    let path = render_path(root, segments);
    let described = text
        .strip_prefix("invalid type: ")
        .or_else(|| text.strip_prefix("invalid value: "))
        .and_then(|rest| rest.rsplit_once(", expected "));
    let Some((unexpected, expected)) = described else {
        return WireError::new(
            WireErrorKind::InvalidValue,
            path.clone(),
            format!("Invalid value at '{path}': {text}"),
        );
    };
    let shown = shown_unexpected(unexpected);
    let message = match expected.strip_prefix("struct ") {
        Some(rust_name) => {
            let message_type = proto_message_type(rust_name);
            format!(
                "Invalid value at '{path}' (type.googleapis.com/{message_type}), {shown}: a JSON object is expected here"
            )
        }
        None => {
            let proto_type = proto_type_of(expected);
            format!("Invalid value at '{path}' ({proto_type}), {shown}")
        }
    };
    WireError::new(WireErrorKind::InvalidValue, path, message)
}

/// `segments` without its last element when that is the key `name`.
fn without_last_key<'a>(segments: &'a [RawSegment], name: &str) -> &'a [RawSegment] {
    match segments.split_last() {
        Some((RawSegment::Key(last), parents)) if last == name => parents,
        _ => segments,
    }
}

/// serde's `Unexpected` text (`string "abc"`, ``integer `5` ``, `map`) as Google shows values.
fn shown_unexpected(unexpected: &str) -> String {
    let between_backticks = |s: &str| s.trim_start_matches('`').trim_end_matches('`').to_owned();
    if let Some(s) = unexpected.strip_prefix("string ") {
        s.to_owned()
    } else if let Some(s) = unexpected.strip_prefix("integer ") {
        between_backticks(s)
    } else if let Some(s) = unexpected.strip_prefix("floating point ") {
        between_backticks(s)
    } else if let Some(s) = unexpected.strip_prefix("boolean ") {
        between_backticks(s)
    } else if unexpected == "unit value" {
        "null".to_owned()
    } else if unexpected == "map" {
        "a JSON object".to_owned()
    } else if unexpected == "sequence" {
        "a JSON list".to_owned()
    } else {
        unexpected.to_owned()
    }
}

/// The fully qualified proto message of a wire struct, from the Rust name serde reports.
fn proto_message_type(rust_name: &str) -> String {
    match rust_name {
        "Status" => "google.rpc.Status".to_owned(),
        "BadRequest" => "google.rpc.BadRequest".to_owned(),
        "FieldViolation" => "google.rpc.BadRequest.FieldViolation".to_owned(),
        "ErrorInfo" => "google.rpc.ErrorInfo".to_owned(),
        "Operation" => "google.longrunning.Operation".to_owned(),
        "ListOperationsResponse" => "google.longrunning.ListOperationsResponse".to_owned(),
        "Empty" => "google.protobuf.Empty".to_owned(),
        "DatasetDistribution" => {
            "google.cloud.aiplatform.v1.SupervisedTuningDatasetDistribution".to_owned()
        }
        "DatasetBucket" => {
            "google.cloud.aiplatform.v1.SupervisedTuningDatasetDistribution.DatasetBucket"
                .to_owned()
        }
        "BaseModelSource" | "OriginalModelInfo" => {
            format!("google.cloud.aiplatform.v1.Model.{rust_name}")
        }
        other => format!("google.cloud.aiplatform.v1.{other}"),
    }
}

fn proto_type_of(expected: &str) -> String {
    match expected {
        "a string" => "TYPE_STRING".to_owned(),
        "a boolean" => "TYPE_BOOL".to_owned(),
        "i32" => "TYPE_INT32".to_owned(),
        "i64" => "TYPE_INT64".to_owned(),
        "f64" => "TYPE_DOUBLE".to_owned(),
        "a map" => "map".to_owned(),
        "a sequence" => "repeated".to_owned(),
        "any valid JSON value" => "google.protobuf.Value".to_owned(),
        other => other.to_owned(),
    }
}

fn shown_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(_) => "a JSON object".to_owned(),
        serde_json::Value::Array(_) => "a JSON list".to_owned(),
        other => other.to_string(),
    }
}

fn strip_nulls(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn strip_position(text: &str, line: usize, column: usize) -> &str {
    let suffix = format!(" at line {line} column {column}");
    text.strip_suffix(suffix.as_str()).unwrap_or(text)
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for WireErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireErrorKind::Syntax => "syntax",
            WireErrorKind::EmptyBody => "empty body",
            WireErrorKind::UnknownField => "unknown field",
            WireErrorKind::DuplicateField => "duplicate field",
            WireErrorKind::InvalidValue => "invalid value",
            WireErrorKind::OneofConflict => "oneof conflict",
        })
    }
}
