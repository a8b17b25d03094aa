//! `GcsError`: every refusal of the GCS JSON API, rendered in Cloud Storage's error shape.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::json;

use crate::storage::StorageError;

/// Why a GCS JSON API request was refused.
///
/// Rendered as Cloud Storage renders errors (which differs from Vertex AI's shape):
/// `{"error": {"code": 404, "message": "...", "errors": [{"message", "domain": "global", "reason"}]}}`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GcsError {
    /// The store refused the operation.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A required query parameter or metadata field is missing.
    #[error("required parameter missing: {name}")]
    MissingParameter { name: &'static str },
    /// A query parameter or header has a value we cannot use.
    #[error("invalid value {value:?} for {name}: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    /// The JSON object metadata does not parse.
    #[error("invalid object metadata: {reason}")]
    InvalidMetadata { reason: String },
    /// The `multipart/related` upload body is malformed.
    #[error("invalid multipart/related upload: {reason}")]
    InvalidMultipart { reason: &'static str },
    /// The resumable upload chunk's `Content-Range` does not fit the upload.
    #[error("invalid Content-Range {value:?}: {reason}")]
    InvalidContentRange { value: String, reason: String },
    /// No resumable upload has this id (or it was cancelled).
    #[error("no such upload: {upload_id}")]
    UploadNotFound { upload_id: String },
    /// A checksum sent with the upload does not match the data received.
    #[error("provided {algorithm} {provided:?} doesn't match calculated {algorithm} {computed:?}")]
    ChecksumMismatch {
        algorithm: &'static str,
        provided: String,
        computed: String,
    },
    /// The requested byte range starts past the end of the object.
    #[error("requested range not satisfiable: {range:?} (object size {size})")]
    RangeNotSatisfiable { range: String, size: u64 },
}

impl From<retune_model::gcs::GcsNameError> for GcsError {
    fn from(e: retune_model::gcs::GcsNameError) -> GcsError {
        GcsError::Storage(e.into())
    }
}

impl GcsError {
    /// The HTTP status and Cloud Storage `reason`, as Cloud Storage answers them.
    fn status_and_reason(&self) -> (StatusCode, &'static str) {
        match self {
            GcsError::Storage(e) => match e {
                StorageError::BucketNotFound { .. } | StorageError::ObjectNotFound { .. } => {
                    (StatusCode::NOT_FOUND, "notFound")
                }
                StorageError::BucketAlreadyExists { .. } | StorageError::BucketNotEmpty { .. } => {
                    (StatusCode::CONFLICT, "conflict")
                }
                StorageError::PreconditionFailed { .. } => {
                    (StatusCode::PRECONDITION_FAILED, "conditionNotMet")
                }
                StorageError::InvalidBucketName { .. }
                | StorageError::InvalidObjectName { .. }
                | StorageError::InvalidUri { .. }
                | StorageError::InvalidPageToken { .. } => (StatusCode::BAD_REQUEST, "invalid"),
                StorageError::Io { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "backendError"),
            },
            GcsError::MissingParameter { .. } => (StatusCode::BAD_REQUEST, "required"),
            GcsError::InvalidParameter { .. } | GcsError::ChecksumMismatch { .. } => {
                (StatusCode::BAD_REQUEST, "invalid")
            }
            GcsError::InvalidMetadata { .. } => (StatusCode::BAD_REQUEST, "parseError"),
            GcsError::InvalidMultipart { .. } | GcsError::InvalidContentRange { .. } => {
                (StatusCode::BAD_REQUEST, "badRequest")
            }
            GcsError::UploadNotFound { .. } => (StatusCode::NOT_FOUND, "notFound"),
            GcsError::RangeNotSatisfiable { .. } => (
                StatusCode::RANGE_NOT_SATISFIABLE,
                "requestedRangeNotSatisfiable",
            ),
        }
    }
}

impl IntoResponse for GcsError {
    fn into_response(self) -> Response {
        let (status, reason) = self.status_and_reason();
        let message = self.to_string();
        let body = json!({
            "error": {
                "code": status.as_u16(),
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
            }
        });
        (status, Json(body)).into_response()
    }
}
