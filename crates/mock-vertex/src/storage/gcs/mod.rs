//! The part of Cloud Storage's JSON API that the official clients use against an emulator.
//!
//! | Method and path | Operation |
//! |---|---|
//! | `POST /storage/v1/b?project=` | create a bucket (`{"name": ...}`) |
//! | `GET /storage/v1/b?prefix=&maxResults=&pageToken=` | list buckets |
//! | `GET /storage/v1/b/{bucket}` | get a bucket |
//! | `DELETE /storage/v1/b/{bucket}` | delete an empty bucket (204) |
//! | `GET /storage/v1/b/{bucket}/o?prefix=&delimiter=&maxResults=&pageToken=` | list objects |
//! | `GET /storage/v1/b/{bucket}/o/{object}` | object metadata; the data with `alt=media` |
//! | `DELETE /storage/v1/b/{bucket}/o/{object}` | delete an object (204) |
//! | `GET /download/storage/v1/b/{bucket}/o/{object}?alt=media` | download (honours `Range`) |
//! | `POST /upload/storage/v1/b/{bucket}/o?uploadType=media&name=` | upload the body |
//! | `POST /upload/storage/v1/b/{bucket}/o?uploadType=multipart` | upload JSON metadata + data |
//! | `POST /upload/storage/v1/b/{bucket}/o?uploadType=resumable` | start a resumable upload |
//! | `PUT /upload/storage/v1/b/{bucket}/o?upload_id=` | send a chunk (`Content-Range`): 308 or 200 |
//! | `DELETE /upload/storage/v1/b/{bucket}/o?upload_id=` | cancel a resumable upload (499) |
//!
//! Object names in paths are percent-encoded (`a%2Fb.jsonl`), and decoded once; a raw `/` works too. Uploads and
//! downloads carry the checksums the clients verify: object resources have `md5Hash` and
//! `crc32c`, downloads an `X-Goog-Hash` header, and checksums sent with an upload (in `X-Goog-Hash`
//! or the metadata) are checked against the data. `ifGenerationMatch` and `ifGenerationNotMatch`
//! are honoured (412 when they fail); `generation` must name the live generation; other query
//! parameters (`projection`, `fields`, `prettyPrint`, `userProject`) are accepted and ignored.
//! Links in resources (`selfLink`, `mediaLink`, the resumable `Location`) use the request's
//! `Host`, so they point back at this emulator.

mod error;
mod multipart;
mod resource;
mod resumable;

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{DefaultBodyLimit, RawPathParams, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Deserialize;
use serde_json::json;

use super::{
    BucketName, Conditions, ListOptions, MAX_LIST_RESULTS, ObjectMeta, ObjectName, ObjectStore,
    PutOptions, StorageError, digests,
};
use error::GcsError;
use resumable::{ContentRange, ExpectedHashes, OpenUpload, Progress, Uploads};

/// The largest request body the GCS routes accept: 1 GiB. (The Python client sends resumable
/// uploads in chunks of 100 MiB by default, and simple uploads of at most 8 MiB.)
pub const MAX_REQUEST_BYTES: usize = 1 << 30;

#[derive(Debug, Clone)]
struct Gcs {
    store: ObjectStore,
    uploads: Uploads,
}

/// The GCS JSON API over `store`, for `STORAGE_EMULATOR_HOST=http://HOST:PORT`.
///
/// Every route begins with `/storage/v1`, `/upload/storage/v1` or `/download/storage/v1`, and
/// the router has no fallback, so it merges into the emulator's router once that has its state:
/// `vertex_routes.with_state(state).merge(gcs_router(store.clone()))`, with `store` the same
/// [`ObjectStore`] handle the tuning jobs read from. Its body limit ([`MAX_REQUEST_BYTES`])
/// applies to these routes only.
pub fn gcs_router(store: ObjectStore) -> Router {
    let state = Gcs {
        store,
        uploads: Uploads::default(),
    };
    Router::new()
        .route("/storage/v1/b", get(list_buckets).post(create_bucket))
        .route(
            "/storage/v1/b/{bucket}",
            get(get_bucket).delete(delete_bucket),
        )
        .route("/storage/v1/b/{bucket}/o", get(list_objects))
        .route(
            "/storage/v1/b/{bucket}/o/{*object}",
            get(get_object).delete(delete_object),
        )
        .route(
            "/download/storage/v1/b/{bucket}/o/{*object}",
            get(download_object),
        )
        .route(
            "/upload/storage/v1/b/{bucket}/o",
            post(start_upload)
                .put(continue_upload)
                .delete(cancel_upload),
        )
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
}

/// Query parameters, decoded (`+` is a space, as in forms).
struct Query(HashMap<String, String>);

impl Query {
    fn new(raw: Option<String>) -> Query {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, GcsError> {
        self.get(name)
            .map(|v| {
                v.parse().map_err(|_| GcsError::InvalidParameter {
                    name,
                    value: v.to_owned(),
                    reason: "expected a non-negative integer",
                })
            })
            .transpose()
    }

    fn conditions(&self) -> Result<Conditions, GcsError> {
        Ok(Conditions {
            if_generation_match: self.number("ifGenerationMatch")?,
            if_generation_not_match: self.number("ifGenerationNotMatch")?,
        })
    }
}

/// The path's parameters, percent-decoded by axum (which refuses invalid UTF-8).
type PathParams = Result<RawPathParams, RawPathParamsRejection>;

/// The bucket and (for object routes) the object of the path, validated.
fn path_names(params: &PathParams) -> Result<(BucketName, Option<ObjectName>), GcsError> {
    let params = params
        .as_ref()
        .map_err(|rejection| GcsError::InvalidParameter {
            name: "path",
            value: rejection.body_text(),
            reason: "a path parameter is not UTF-8 once percent-decoded",
        })?;
    let mut bucket = None;
    let mut object = None;
    for (key, value) in params {
        match key {
            "bucket" => bucket = Some(BucketName::parse(value)?),
            "object" => object = Some(ObjectName::parse(value)?),
            _ => {}
        }
    }
    let bucket = bucket.ok_or(GcsError::MissingParameter { name: "bucket" })?;
    Ok((bucket, object))
}

fn object_path(params: &PathParams) -> Result<(BucketName, ObjectName), GcsError> {
    match path_names(params)? {
        (bucket, Some(object)) => Ok((bucket, object)),
        (_, None) => Err(GcsError::MissingParameter { name: "object" }),
    }
}

/// Refuses a `generation` parameter naming anything but the live generation.
fn check_generation(query: &Query, meta: &ObjectMeta) -> Result<(), GcsError> {
    match query.number::<u64>("generation")? {
        Some(g) if g != meta.generation => Err(StorageError::ObjectNotFound {
            bucket: meta.bucket.to_string(),
            object: format!("{}#{g}", meta.name),
        }
        .into()),
        _ => Ok(()),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

async fn create_bucket(
    State(gcs): State<Gcs>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GcsError> {
    #[derive(Deserialize)]
    struct NewBucket {
        name: Option<String>,
    }
    let new: NewBucket = serde_json::from_slice(&body).map_err(|e| GcsError::InvalidMetadata {
        reason: e.to_string(),
    })?;
    let name = new
        .name
        .ok_or(GcsError::MissingParameter { name: "name" })?;
    let meta = gcs.store.create_bucket(&BucketName::parse(&name)?).await?;
    Ok(Json(resource::bucket(&resource::base_url(&headers), &meta)).into_response())
}

async fn get_bucket(
    State(gcs): State<Gcs>,
    params: PathParams,
    headers: HeaderMap,
) -> Result<Response, GcsError> {
    let (bucket, _) = path_names(&params)?;
    let meta = gcs.store.get_bucket(&bucket).await?;
    Ok(Json(resource::bucket(&resource::base_url(&headers), &meta)).into_response())
}

async fn list_buckets(
    State(gcs): State<Gcs>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GcsError> {
    let query = Query::new(query);
    let prefix = query.get("prefix").unwrap_or("");
    let after = match query.get("pageToken") {
        Some(token) => Some(
            URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .ok_or_else(|| StorageError::InvalidPageToken {
                    token: token.to_owned(),
                })?,
        ),
        None => None,
    };
    let limit = match query.number::<u32>("maxResults")? {
        Some(n) if n > 0 => n.min(MAX_LIST_RESULTS),
        _ => MAX_LIST_RESULTS,
    } as usize;
    let mut buckets: Vec<_> = gcs
        .store
        .list_buckets()
        .await?
        .into_iter()
        .filter(|b| b.name.as_str().starts_with(prefix))
        .filter(|b| after.as_deref().is_none_or(|a| b.name.as_str() > a))
        .collect();
    let next = (buckets.len() > limit).then(|| {
        buckets.truncate(limit);
        buckets
            .last()
            .map(|b| URL_SAFE_NO_PAD.encode(b.name.as_str()))
    });
    let base = resource::base_url(&headers);
    let mut body = json!({"kind": "storage#buckets"});
    if !buckets.is_empty() {
        body["items"] = buckets.iter().map(|b| resource::bucket(&base, b)).collect();
    }
    if let Some(Some(token)) = next {
        body["nextPageToken"] = json!(token);
    }
    Ok(Json(body).into_response())
}

async fn delete_bucket(State(gcs): State<Gcs>, params: PathParams) -> Result<Response, GcsError> {
    let (bucket, _) = path_names(&params)?;
    gcs.store.delete_bucket(&bucket).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_objects(
    State(gcs): State<Gcs>,
    params: PathParams,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GcsError> {
    let (bucket, _) = path_names(&params)?;
    let query = Query::new(query);
    let options = ListOptions {
        prefix: query.get("prefix").map(str::to_owned),
        delimiter: query.get("delimiter").map(str::to_owned),
        page_token: query.get("pageToken").map(str::to_owned),
        max_results: query.number("maxResults")?,
    };
    let page = gcs.store.list(&bucket, &options).await?;
    let base = resource::base_url(&headers);
    let mut body = json!({"kind": "storage#objects"});
    if !page.objects.is_empty() {
        body["items"] = page
            .objects
            .iter()
            .map(|o| resource::object(&base, o))
            .collect();
    }
    if !page.prefixes.is_empty() {
        body["prefixes"] = json!(page.prefixes);
    }
    if let Some(token) = page.next_page_token {
        body["nextPageToken"] = json!(token);
    }
    Ok(Json(body).into_response())
}

async fn get_object(
    State(gcs): State<Gcs>,
    params: PathParams,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GcsError> {
    let query = Query::new(query);
    if query.get("alt") == Some("media") {
        return media(&gcs, &params, &query, &headers).await;
    }
    let (bucket, object) = object_path(&params)?;
    let meta = gcs.store.head(&bucket, &object).await?;
    check_generation(&query, &meta)?;
    query
        .conditions()?
        .check(&bucket, &object, meta.generation)?;
    Ok(Json(resource::object(&resource::base_url(&headers), &meta)).into_response())
}

async fn download_object(
    State(gcs): State<Gcs>,
    params: PathParams,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GcsError> {
    media(&gcs, &params, &Query::new(query), &headers).await
}

/// The byte range a download asks for; `None` for the whole object.
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<(u64, u64)>, GcsError> {
    // A Range header we do not understand (or a multi-range one) is ignored, as HTTP allows.
    let Some(spec) = header_str(headers, "range").and_then(|r| r.strip_prefix("bytes=")) else {
        return Ok(None);
    };
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    if size == 0 || spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = match (first.trim().parse::<u64>(), last.trim().parse::<u64>()) {
        (Ok(first), Ok(last)) if first <= last => (first, last.min(size - 1)),
        (Ok(first), Err(_)) if last.trim().is_empty() => (first, size - 1),
        (Err(_), Ok(suffix)) if first.trim().is_empty() && suffix > 0 => {
            (size.saturating_sub(suffix), size - 1)
        }
        _ => return Ok(None),
    };
    if first >= size {
        return Err(GcsError::RangeNotSatisfiable {
            range: spec.to_owned(),
            size,
        });
    }
    Ok(Some((first, last)))
}

async fn media(
    gcs: &Gcs,
    params: &PathParams,
    query: &Query,
    headers: &HeaderMap,
) -> Result<Response, GcsError> {
    let (bucket, object) = object_path(params)?;
    let (meta, data) = gcs.store.get(&bucket, &object).await?;
    check_generation(query, &meta)?;
    query
        .conditions()?
        .check(&bucket, &object, meta.generation)?;
    let range = requested_range(headers, meta.size)?;
    let hashes = format!("crc32c={},md5={}", meta.crc32c_base64(), meta.md5_base64());
    let mut response = match range {
        None => (StatusCode::OK, data).into_response(),
        Some((first, last)) => {
            let slice = data.slice(first as usize..=last as usize);
            let mut response = (StatusCode::PARTIAL_CONTENT, slice).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{}", meta.size)) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            response
        }
    };
    let response_headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response_headers.insert(name, v);
        }
    };
    set("content-type", meta.content_type.clone());
    set("x-goog-hash", hashes);
    set("x-goog-generation", meta.generation.to_string());
    set("x-goog-metageneration", meta.metageneration.to_string());
    set("x-goog-stored-content-length", meta.size.to_string());
    set("x-goog-stored-content-encoding", "identity".to_owned());
    set("etag", format!("\"{}\"", meta.etag()));
    set("accept-ranges", "bytes".to_owned());
    Ok(response)
}

async fn delete_object(
    State(gcs): State<Gcs>,
    params: PathParams,
    RawQuery(query): RawQuery,
) -> Result<Response, GcsError> {
    let (bucket, object) = object_path(&params)?;
    let query = Query::new(query);
    if query.get("generation").is_some() {
        check_generation(&query, &gcs.store.head(&bucket, &object).await?)?;
    }
    gcs.store
        .delete_with(&bucket, &object, &query.conditions()?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The parts of an object resource an upload may set.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadMetadata {
    name: Option<String>,
    content_type: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    crc32c: Option<String>,
    md5_hash: Option<String>,
}

impl UploadMetadata {
    fn parse(body: &[u8]) -> Result<UploadMetadata, GcsError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(UploadMetadata::default());
        }
        serde_json::from_slice(body).map_err(|e| GcsError::InvalidMetadata {
            reason: e.to_string(),
        })
    }

    /// The object name: from the metadata, else from the `name` query parameter.
    fn object_name(&self, query: &Query) -> Result<ObjectName, GcsError> {
        let name = self
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or_else(|| query.get("name"))
            .ok_or(GcsError::MissingParameter { name: "name" })?;
        Ok(ObjectName::parse(name)?)
    }
}

/// Checksums from an `X-Goog-Hash: crc32c=...,md5=...` header, over those of the metadata.
fn expected_hashes(headers: &HeaderMap, metadata: &UploadMetadata) -> ExpectedHashes {
    let mut expected = ExpectedHashes {
        crc32c: metadata.crc32c.clone(),
        md5: metadata.md5_hash.clone(),
    };
    for hash in header_str(headers, "x-goog-hash").unwrap_or("").split(',') {
        match hash.trim().split_once('=') {
            Some(("crc32c", value)) => expected.crc32c = Some(value.to_owned()),
            Some(("md5", value)) => expected.md5 = Some(value.to_owned()),
            _ => {}
        }
    }
    expected
}

fn verify_hashes(expected: &ExpectedHashes, data: &[u8]) -> Result<(), GcsError> {
    let (md5, crc32c) = digests(data);
    let checks = [
        (
            "CRC32C",
            &expected.crc32c,
            STANDARD.encode(crc32c.to_be_bytes()),
        ),
        ("MD5", &expected.md5, STANDARD.encode(md5)),
    ];
    for (algorithm, provided, computed) in checks {
        if let Some(provided) = provided
            && *provided != computed
        {
            return Err(GcsError::ChecksumMismatch {
                algorithm,
                provided: provided.clone(),
                computed,
            });
        }
    }
    Ok(())
}

async fn start_upload(
    State(gcs): State<Gcs>,
    params: PathParams,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GcsError> {
    let (bucket, _) = path_names(&params)?;
    let query = Query::new(query);
    let conditions = query.conditions()?;
    let base = resource::base_url(&headers);
    let upload_type = query
        .get("uploadType")
        .ok_or(GcsError::MissingParameter { name: "uploadType" })?;
    let (metadata, content_type, data) = match upload_type {
        "media" => (
            UploadMetadata::default(),
            header_str(&headers, "content-type").map(str::to_owned),
            body,
        ),
        "multipart" => {
            let content_type = header_str(&headers, "content-type").unwrap_or("");
            let upload = multipart::parse(&body, &multipart::boundary(content_type)?)?;
            (
                UploadMetadata::parse(&upload.metadata)?,
                upload.content_type,
                upload.data,
            )
        }
        "resumable" => {
            let metadata = UploadMetadata::parse(&body)?;
            let object = metadata.object_name(&query)?;
            // Refuse a missing bucket now, as Cloud Storage does, not after the last chunk.
            gcs.store.get_bucket(&bucket).await?;
            let upload = OpenUpload {
                options: PutOptions {
                    content_type: header_str(&headers, "x-upload-content-type")
                        .map(str::to_owned)
                        .or_else(|| metadata.content_type.clone()),
                    metadata: metadata.metadata.clone().unwrap_or_default(),
                    conditions,
                },
                expected: expected_hashes(&HeaderMap::new(), &metadata),
                total: header_number(&headers, "x-upload-content-length")?,
                data: Vec::new(),
                bucket: bucket.clone(),
                object,
            };
            let upload_id = gcs.uploads.open(upload);
            let location = format!(
                "{base}/upload/storage/v1/b/{}/o?uploadType=resumable&upload_id={upload_id}",
                resource::encode_segment(bucket.as_str())
            );
            let mut response = StatusCode::OK.into_response();
            for (name, value) in [("location", location), ("x-guploader-uploadid", upload_id)] {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, v);
                }
            }
            return Ok(response);
        }
        other => {
            return Err(GcsError::InvalidParameter {
                name: "uploadType",
                value: other.to_owned(),
                reason: "expected media, multipart or resumable",
            });
        }
    };
    let object = metadata.object_name(&query)?;
    verify_hashes(&expected_hashes(&headers, &metadata), &data)?;
    let options = PutOptions {
        content_type: metadata.content_type.clone().or(content_type),
        metadata: metadata.metadata.unwrap_or_default(),
        conditions,
    };
    let meta = gcs.store.put_with(&bucket, &object, data, &options).await?;
    Ok(Json(resource::object(&base, &meta)).into_response())
}

fn header_number(headers: &HeaderMap, name: &'static str) -> Result<Option<u64>, GcsError> {
    header_str(headers, name)
        .map(|v| {
            v.parse().map_err(|_| GcsError::InvalidParameter {
                name,
                value: v.to_owned(),
                reason: "expected a non-negative integer",
            })
        })
        .transpose()
}

async fn continue_upload(
    State(gcs): State<Gcs>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, GcsError> {
    let query = Query::new(query);
    let upload_id = query
        .get("upload_id")
        .ok_or(GcsError::MissingParameter { name: "upload_id" })?
        .to_owned();
    let range_header = header_str(&headers, "content-range");
    let range = range_header
        .map(|value| ContentRange::parse(value).map(|r| (r, value)))
        .transpose()?;
    let base = resource::base_url(&headers);
    match gcs.uploads.apply(&upload_id, range, &body)? {
        Progress::Incomplete { received } => {
            let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
            if received > 0
                && let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", received - 1))
            {
                response.headers_mut().insert(header::RANGE, v);
            }
            Ok(response)
        }
        Progress::AlreadyDone(meta) => Ok(Json(resource::object(&base, &meta)).into_response()),
        Progress::Complete(mut upload) => {
            let mut expected = expected_hashes(&headers, &UploadMetadata::default());
            expected.crc32c = expected.crc32c.or(upload.expected.crc32c.take());
            expected.md5 = expected.md5.or(upload.expected.md5.take());
            let data = Bytes::from(std::mem::take(&mut upload.data));
            let written = match verify_hashes(&expected, &data) {
                Ok(()) => gcs
                    .store
                    .put_with(&upload.bucket, &upload.object, data, &upload.options)
                    .await
                    .map_err(GcsError::from),
                Err(e) => Err(e),
            };
            gcs.uploads
                .finish(&upload_id, written.as_ref().ok().cloned());
            Ok(Json(resource::object(&base, &written?)).into_response())
        }
    }
}

async fn cancel_upload(
    State(gcs): State<Gcs>,
    RawQuery(query): RawQuery,
) -> Result<Response, GcsError> {
    let query = Query::new(query);
    let upload_id = query
        .get("upload_id")
        .ok_or(GcsError::MissingParameter { name: "upload_id" })?;
    if !gcs.uploads.cancel(upload_id) {
        return Err(GcsError::UploadNotFound {
            upload_id: upload_id.to_owned(),
        });
    }
    // Cloud Storage answers a cancelled upload with 499 "Client Closed Request".
    let status = StatusCode::from_u16(499).unwrap_or(StatusCode::NO_CONTENT);
    Ok(status.into_response())
}
