//! The JSON API's bucket and object resources, rendered from the store's metadata.

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::storage::{BucketMeta, ObjectMeta};

/// Everything but RFC 3986 unreserved characters is escaped in a path segment (so `/` in an
/// object name becomes `%2F`, as the official clients send it).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment.
pub(crate) fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// `http://HOST` of the request, so links point back at this emulator however it is reached.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The `storage#bucket` resource.
pub(crate) fn bucket(base: &str, meta: &BucketMeta) -> Value {
    let name = meta.name.as_str();
    let created = meta.time_created.to_string();
    json!({
        "kind": "storage#bucket",
        "id": name,
        "selfLink": format!("{base}/storage/v1/b/{}", encode_segment(name)),
        "projectNumber": "0",
        "name": name,
        "timeCreated": created,
        "updated": created,
        "metageneration": "1",
        "location": "US",
        "locationType": "multi-region",
        "storageClass": "STANDARD",
        "etag": "CAE=",
    })
}

/// The `storage#object` resource.
pub(crate) fn object(base: &str, meta: &ObjectMeta) -> Value {
    let bucket = encode_segment(meta.bucket.as_str());
    let name = encode_segment(meta.name.as_str());
    let created = meta.time_created.to_string();
    let mut resource = json!({
        "kind": "storage#object",
        "id": format!("{}/{}/{}", meta.bucket, meta.name, meta.generation),
        "selfLink": format!("{base}/storage/v1/b/{bucket}/o/{name}"),
        "mediaLink": format!(
            "{base}/download/storage/v1/b/{bucket}/o/{name}?generation={}&alt=media",
            meta.generation
        ),
        "name": meta.name.as_str(),
        "bucket": meta.bucket.as_str(),
        "generation": meta.generation.to_string(),
        "metageneration": meta.metageneration.to_string(),
        "contentType": meta.content_type,
        "storageClass": "STANDARD",
        "size": meta.size.to_string(),
        "md5Hash": meta.md5_base64(),
        "crc32c": meta.crc32c_base64(),
        "etag": meta.etag(),
        "timeCreated": created,
        "updated": meta.updated.to_string(),
        "timeStorageClassUpdated": created,
        "timeFinalized": created,
    });
    if !meta.metadata.is_empty() {
        resource["metadata"] = json!(meta.metadata);
    }
    resource
}
