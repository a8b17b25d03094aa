//! A one-shot media upload through the Cloud Storage JSON API, to a `gs://bucket/object` parsed
//! as `retune_model::gcs::GcsUri` (Cloud Storage's naming rules, the same ones the emulator
//! applies).
//!
//! Real Cloud Storage lives at [`GCS_BASE_URL`]; the emulator serves the same API under its own
//! base URL, so `--endpoint` points uploads at it too.

use std::sync::Arc;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use retune_client::ApiStatus;
use retune_client::endpoint::Endpoint;
use retune_client::transport::Transport;
use retune_model::gcs::{BucketName, GcsUri};

/// The Cloud Storage JSON API's base URL.
pub const GCS_BASE_URL: &str = "https://storage.googleapis.com";

/// Characters left as they are in a path segment or query value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A Cloud Storage call that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// No credentials could be had, or nothing came back.
    #[error("cannot reach Cloud Storage: {0}")]
    Transport(#[from] retune_client::transport::TransportError),
    /// The request could not be built.
    #[error("cannot build the upload request: {0}")]
    Request(#[from] http::Error),
    /// Cloud Storage answered with an error.
    #[error("Cloud Storage answered: {0}")]
    Service(ApiStatus),
}

/// `POST {base}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={object}` through
/// `transport` (which adds credentials, if any).
pub async fn upload(
    transport: &Arc<dyn Transport>,
    base: Option<&Endpoint>,
    destination: &GcsUri,
    data: Bytes,
) -> Result<(), UploadError> {
    let base = base.map_or(GCS_BASE_URL, Endpoint::as_str);
    let uri = format!(
        "{base}/upload/storage/v1/b/{}/o?uploadType=media&name={}",
        utf8_percent_encode(destination.bucket().as_str(), COMPONENT),
        utf8_percent_encode(destination.object().as_str(), COMPONENT),
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
    bucket: &BucketName,
) -> Result<(), UploadError> {
    let base = base.map_or(GCS_BASE_URL, Endpoint::as_str);
    let uri = format!(
        "{base}/storage/v1/b?project={}",
        utf8_percent_encode(project, COMPONENT)
    );
    let body = serde_json::json!({ "name": bucket.as_str() }).to_string();
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

/// `GET {base}/storage/v1/b/{bucket}/o/{object}?alt=media`: the object's bytes, or `None` when
/// there is no such object (or bucket).
pub async fn download(
    transport: &Arc<dyn Transport>,
    base: Option<&Endpoint>,
    uri: &GcsUri,
) -> Result<Option<Bytes>, UploadError> {
    let base = base.map_or(GCS_BASE_URL, Endpoint::as_str);
    let url = format!(
        "{base}/storage/v1/b/{}/o/{}?alt=media",
        utf8_percent_encode(uri.bucket().as_str(), COMPONENT),
        utf8_percent_encode(uri.object().as_str(), COMPONENT),
    );
    let request = http::Request::get(url).body(Bytes::new())?;
    let response = transport.send(request).await?;
    if response.status() == http::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if response.status().is_success() {
        Ok(Some(response.into_body()))
    } else {
        Err(UploadError::Service(ApiStatus::from_response(
            response.status(),
            response.body(),
        )))
    }
}
