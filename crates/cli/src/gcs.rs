//! `gs://bucket/object` names and a one-shot media upload through the Cloud Storage JSON API.
//!
//! Real Cloud Storage lives at [`GCS_BASE_URL`]; the emulator serves the same API under its own
//! base URL, so `--endpoint` points uploads at it too.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use retune_client::ApiStatus;
use retune_client::endpoint::Endpoint;
use retune_client::transport::Transport;

/// The Cloud Storage JSON API's base URL.
pub const GCS_BASE_URL: &str = "https://storage.googleapis.com";

/// A `gs://` URI that is not `gs://bucket/object`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected gs://bucket/object, {reason}")]
pub struct GcsUriError {
    reason: &'static str,
}

/// An object in Cloud Storage: `gs://{bucket}/{object}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcsObject {
    bucket: String,
    object: String,
}

impl GcsObject {
    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object name inside the bucket.
    pub fn object(&self) -> &str {
        &self.object
    }
}

impl FromStr for GcsObject {
    type Err = GcsUriError;

    fn from_str(s: &str) -> Result<GcsObject, GcsUriError> {
        let rest = s.strip_prefix("gs://").ok_or(GcsUriError {
            reason: "which starts with gs://",
        })?;
        let (bucket, object) = rest.split_once('/').ok_or(GcsUriError {
            reason: "with an object name after the bucket",
        })?;
        let bucket_ok = (3..=222).contains(&bucket.len())
            && bucket.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            });
        if !bucket_ok {
            return Err(GcsUriError {
                reason: "with a bucket of 3 to 222 lowercase letters, digits, `-`, `_` and `.`",
            });
        }
        if object.is_empty() || object.ends_with('/') {
            return Err(GcsUriError {
                reason: "with an object name (not a folder) after the bucket",
            });
        }
        Ok(GcsObject {
            bucket: bucket.to_owned(),
            object: object.to_owned(),
        })
    }
}

impl fmt::Display for GcsObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gs://{}/{}", self.bucket, self.object)
    }
}

/// Characters left as they are in a path segment or query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// An upload that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// No credentials could be had, or nothing came back.
    #[error("cannot reach Cloud Storage: {0}")]
    Transport(#[from] retune_client::transport::TransportError),
    /// The request could not be built.
    #[error("cannot build the upload request: {0}")]
    Request(#[from] http::Error),
    /// Cloud Storage answered with an error.
    #[error("Cloud Storage refused the upload: {0}")]
    Service(ApiStatus),
}

/// `POST {base}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={object}` through
/// `transport` (which adds credentials, if any).
pub async fn upload(
    transport: &Arc<dyn Transport>,
    base: Option<&Endpoint>,
    destination: &GcsObject,
    data: Bytes,
) -> Result<(), UploadError> {
    let base = base.map_or(GCS_BASE_URL, Endpoint::as_str);
    let uri = format!(
        "{base}/upload/storage/v1/b/{}/o?uploadType=media&name={}",
        utf8_percent_encode(destination.bucket(), COMPONENT),
        utf8_percent_encode(destination.object(), COMPONENT),
    );
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/jsonl")
        .header(http::header::CONTENT_LENGTH, data.len());
    let response = transport.send(request.body(data)?).await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(UploadError::Service(ApiStatus::from_response(
            response.status(),
            response.body(),
        )))
    }
}

/// `POST {base}/storage/v1/b?project={project}` with `{"name": bucket}`; a bucket that already
/// exists (409) is fine.
pub async fn create_bucket(
    transport: &Arc<dyn Transport>,
    base: Option<&Endpoint>,
    project: &str,
    bucket: &str,
) -> Result<(), UploadError> {
    let base = base.map_or(GCS_BASE_URL, Endpoint::as_str);
    let uri = format!(
        "{base}/storage/v1/b?project={}",
        utf8_percent_encode(project, COMPONENT)
    );
    let body = serde_json::json!({ "name": bucket }).to_string();
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(body))?;
    let response = transport.send(request).await?;
    if response.status().is_success() || response.status() == http::StatusCode::CONFLICT {
        Ok(())
    } else {
        Err(UploadError::Service(ApiStatus::from_response(
            response.status(),
            response.body(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcs_object_round_trips() {
        let o: GcsObject = "gs://my-bucket/data/train.jsonl".parse().unwrap();
        assert_eq!(o.bucket(), "my-bucket");
        assert_eq!(o.object(), "data/train.jsonl");
        assert_eq!(o.to_string(), "gs://my-bucket/data/train.jsonl");
    }

    #[test]
    fn gcs_uri_without_object_or_scheme_is_rejected() {
        for bad in [
            "gs://bucket",
            "gs://bucket/",
            "s3://b/o",
            "gs://B/o",
            "gs://b/dir/",
        ] {
            assert!(bad.parse::<GcsObject>().is_err(), "{bad}");
        }
    }
}
