//! `google.longrunning.Operation` and the Vertex AI operation metadata.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Status, WireError, WireMessage, decode_value, fields, to_any, type_url};
use crate::time::Timestamp;

/// A long-running operation. `metadata` and `response` are `Any` values (with `@type`); a done
/// operation has either `error` or `response`.
///
/// ```
/// use retune_model::wire::{self, EnumEncoding, GenericOperationMetadata, Operation};
/// let op = Operation::deleted(
///     "projects/p/locations/l/operations/1",
///     GenericOperationMetadata::default(),
/// );
/// let json = String::from_utf8(wire::encode(&op, EnumEncoding::Names)).unwrap();
/// assert!(json.contains(r#""done":true"#));
/// assert!(json.contains("google.protobuf.Empty"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Operation {
    /// `projects/{p}/locations/{l}/operations/{id}` (or nested under a resource).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// An `Any`, e.g. `DeleteOperationMetadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// Whether the operation has finished.
    #[serde(skip_serializing_if = "fields::is_false")]
    pub done: bool,
    /// Oneof `result`: the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Status>,
    /// Oneof `result`: an `Any`, e.g. `google.protobuf.Empty`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<serde_json::Value>,
}

impl Operation {
    /// A finished delete operation: `DeleteOperationMetadata` and an `Empty` response.
    pub fn deleted(name: impl Into<String>, generic: GenericOperationMetadata) -> Self {
        Operation {
            name: name.into(),
            metadata: Some(to_any(
                type_url::DELETE_OPERATION_METADATA,
                &DeleteOperationMetadata {
                    generic_metadata: Some(generic),
                },
            )),
            done: true,
            error: None,
            response: Some(to_any(type_url::EMPTY, &serde_json::json!({}))),
        }
    }

    /// A running delete operation: its metadata, not done, no response yet.
    pub fn deleting(name: impl Into<String>, generic: GenericOperationMetadata) -> Self {
        Operation {
            done: false,
            response: None,
            ..Operation::deleted(name, generic)
        }
    }

    /// A finished RebaseTunedModel operation: its metadata and the tuning job it created.
    pub fn rebased(
        name: impl Into<String>,
        generic: GenericOperationMetadata,
        job: &super::TuningJob,
    ) -> Self {
        Operation {
            name: name.into(),
            metadata: Some(to_any(
                type_url::REBASE_TUNED_MODEL_OPERATION_METADATA,
                &super::RebaseTunedModelOperationMetadata {
                    generic_metadata: Some(generic),
                },
            )),
            done: true,
            error: None,
            response: Some(to_any(type_url::TUNING_JOB, job)),
        }
    }

    /// Decodes `response` (without its `@type`) as `T`; `None` if there is no response.
    pub fn response_as<T: DeserializeOwned + WireMessage>(&self) -> Option<Result<T, WireError>> {
        self.response
            .as_ref()
            .map(|r| decode_value(without_type(r)))
    }

    /// Decodes `metadata` (without its `@type`) as `T`; `None` if there is no metadata.
    pub fn metadata_as<T: DeserializeOwned + WireMessage>(&self) -> Option<Result<T, WireError>> {
        self.metadata
            .as_ref()
            .map(|m| decode_value(without_type(m)))
    }
}

fn without_type(any: &serde_json::Value) -> serde_json::Value {
    let mut any = any.clone();
    if let Some(map) = any.as_object_mut() {
        map.remove("@type");
    }
    any
}

impl WireMessage for Operation {
    const PROTO_NAME: &'static str = "operation";

    fn check_oneofs(&self) -> Result<(), WireError> {
        if self.error.is_some() && self.response.is_some() {
            return Err(WireError::oneof_conflict(
                "result",
                "operation.response",
                "response",
            ));
        }
        Ok(())
    }
}

/// `ListOperationsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ListOperationsResponse {
    /// One page of operations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Operation>,
    /// Empty on the last page.
    #[serde(alias = "next_page_token", skip_serializing_if = "String::is_empty")]
    pub next_page_token: String,
}

impl WireMessage for ListOperationsResponse {
    const PROTO_NAME: &'static str = "";
}

/// `GenericOperationMetadata`: times and up to 20 partial failures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GenericOperationMetadata {
    /// Partial failures (`google.rpc.Status`).
    #[serde(alias = "partial_failures", skip_serializing_if = "Vec::is_empty")]
    pub partial_failures: Vec<Status>,
    /// When the operation was created.
    #[serde(
        alias = "create_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<Timestamp>,
    /// When the operation was last updated.
    #[serde(
        alias = "update_time",
        with = "fields::timestamp_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub update_time: Option<Timestamp>,
}

impl WireMessage for GenericOperationMetadata {
    const PROTO_NAME: &'static str = "";
}

/// `DeleteOperationMetadata`: the metadata of DeleteModel and DeleteModelVersion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DeleteOperationMetadata {
    /// The common part.
    #[serde(alias = "generic_metadata", skip_serializing_if = "Option::is_none")]
    pub generic_metadata: Option<GenericOperationMetadata>,
}

impl WireMessage for DeleteOperationMetadata {
    const PROTO_NAME: &'static str = "";
}

/// `google.protobuf.Empty`: `{}`, the answer of CancelTuningJob.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

impl WireMessage for Empty {
    const PROTO_NAME: &'static str = "";
    const EMPTY_BODY_IS_EMPTY_MESSAGE: bool = true;
}
