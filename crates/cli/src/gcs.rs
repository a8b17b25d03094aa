//! Cloud Storage through its JSON API, for data sets: resumable uploads with checksums, reads and
//! bucket creation, to `gs://bucket/object` parsed as `retune_model::gcs::GcsUri` (Cloud
//! Storage's naming rules, the same ones the emulator applies).
//!
//! Real Cloud Storage lives at [`GCS_BASE_URL`]; the emulator serves the same API under its own
//! base URL, so `--endpoint` points uploads at it too.

use std::sync::Arc;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use retune_client::ApiStatus;
use retune_client::endpoint::Endpoint;
use retune_client::retry::Idempotency;
use retune_client::transport::Transport;
use retune_model::gcs::{BucketName, GcsUri, RESUMABLE_CHUNK_BYTES};

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
    /// Starting a resumable upload gave no session to send the data to.
    #[error("Cloud Storage started no upload session (no Location header)")]
    NoSession,
    /// The object Cloud Storage stored does not hold the bytes sent.
    #[error("the stored object's {field} is {stored}, the data sent has {sent}")]
    Checksum {
        /// `crc32c` or `md5Hash`.
        field: &'static str,
        /// The checksum of the data sent.
        sent: String,
        /// The checksum of the stored object.
        stored: String,
    },
}

/// A resumable upload (`uploadType=resumable`) of `data` to `destination`: the session is started
/// with the data's CRC32C and MD5, which Cloud Storage checks once every byte is there; the data
/// goes in chunks (each retried by `transport` when that is safe), an interrupted chunk resumes
/// from the offset Cloud Storage reports, and the object it answers with must carry the same
/// checksums. `progress` is told how many bytes Cloud Storage holds after each chunk.
pub async fn upload(
    transport: &Arc<dyn Transport>,
    base: Option<&Endpoint>,
    destination: &GcsUri,
    data: Bytes,
    progress: &dyn Fn(u64),
) -> Result<(), UploadError> {
    // 8 MiB chunks: few requests, and a lost chunk costs little to send again.
    upload_in_chunks(
        transport,
        base,
        destination,
        data,
        RESUMABLE_CHUNK_BYTES * 32,
        progress,
    )
    .await
}

async fn upload_in_chunks(
    transport: &Arc<dyn Transport>,
    base: Option<&Endpoint>,
    destination: &GcsUri,
    data: Bytes,
    chunk: usize,
    progress: &dyn Fn(u64),
) -> Result<(), UploadError> {
    let base = base.map_or(GCS_BASE_URL, Endpoint::as_str);
    let checksums = Checksums::of(&data);
    let session = start_session(transport, base, destination, &data, &checksums).await?;
    let total = data.len() as u64;
    let chunk = chunk as u64;
    let mut offset = 0u64;
    let mut recoveries = 0;
    loop {
        let end = (offset + chunk).min(total);
        let range = if total == 0 {
            "bytes */0".to_owned()
        } else {
            format!("bytes {offset}-{}/{total}", end - 1)
        };
        let body = data.slice(offset as usize..end as usize);
        let answer = put(transport, &session, range, body).await;
        let answer = match answer {
            Ok(answer) => answer,
            // A chunk that failed even after the transport's retries: ask Cloud Storage what it
            // holds and go on from there, a few times.
            Err(err) if recoveries < 3 => {
                recoveries += 1;
                tracing::debug!(%err, "resumable upload chunk failed; asking for the offset");
                match put(
                    transport,
                    &session,
                    format!("bytes */{total}"),
                    Bytes::new(),
                )
                .await
                {
                    Ok(answer) => answer,
                    Err(_) => continue,
                }
            }
            Err(err) => return Err(err),
        };
        match answer {
            Chunk::Incomplete { received } => {
                progress(received);
                offset = received;
            }
            Chunk::Done(object) => {
                progress(total);
                return checksums.verify(&object);
            }
        }
    }
}

/// What a chunk's `PUT` answered.
enum Chunk {
    /// `308`: Cloud Storage holds this many bytes.
    Incomplete { received: u64 },
    /// `200`/`201`: the object resource.
    Done(serde_json::Value),
}

async fn start_session(
    transport: &Arc<dyn Transport>,
    base: &str,
    destination: &GcsUri,
    data: &Bytes,
    checksums: &Checksums,
) -> Result<String, UploadError> {
    let uri = format!(
        "{base}/upload/storage/v1/b/{}/o?uploadType=resumable&name={}",
        utf8_percent_encode(destination.bucket().as_str(), COMPONENT),
        utf8_percent_encode(destination.object().as_str(), COMPONENT),
    );
    let metadata = serde_json::json!({
        "name": destination.object().as_str(),
        "contentType": "application/jsonl",
        "crc32c": checksums.crc32c,
        "md5Hash": checksums.md5,
    });
    let mut request = http::Request::post(uri)
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=UTF-8",
        )
        .header("x-upload-content-type", "application/jsonl")
        .header("x-upload-content-length", data.len())
        .body(Bytes::from(metadata.to_string()))?;
    // Starting a session twice leaves one unused: harmless to retry.
    request.extensions_mut().insert(Idempotency::Idempotent);
    let response = transport.send(request).await?;
    if !response.status().is_success() {
        return Err(UploadError::Service(ApiStatus::from_response(
            response.status(),
            response.body(),
        )));
    }
    response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or(UploadError::NoSession)
}

async fn put(
    transport: &Arc<dyn Transport>,
    session: &str,
    range: String,
    body: Bytes,
) -> Result<Chunk, UploadError> {
    let request = http::Request::put(session)
        .header(http::header::CONTENT_RANGE, range)
        .header(http::header::CONTENT_LENGTH, body.len())
        .body(body)?;
    let response = transport.send(request).await?;
    let status = response.status();
    if status == http::StatusCode::PERMANENT_REDIRECT {
        // `Range: bytes=0-N` once any byte is there.
        let received = response
            .headers()
            .get(http::header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes=0-"))
            .and_then(|last| last.parse::<u64>().ok())
            .map_or(0, |last| last + 1);
        return Ok(Chunk::Incomplete { received });
    }
    if status.is_success() {
        let object = serde_json::from_slice(response.body()).unwrap_or(serde_json::Value::Null);
        return Ok(Chunk::Done(object));
    }
    Err(UploadError::Service(ApiStatus::from_response(
        status,
        response.body(),
    )))
}

/// The data's checksums as Cloud Storage writes them: base64 of the big-endian CRC32C and of the
/// MD5 digest.
struct Checksums {
    crc32c: String,
    md5: String,
}

impl Checksums {
    fn of(data: &[u8]) -> Checksums {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        Checksums {
            crc32c: b64.encode(crc32c::crc32c(data).to_be_bytes()),
            md5: b64.encode(md5::compute(data).0),
        }
    }

    /// The object Cloud Storage stored holds the bytes sent.
    fn verify(&self, object: &serde_json::Value) -> Result<(), UploadError> {
        for (field, sent) in [("crc32c", &self.crc32c), ("md5Hash", &self.md5)] {
            if let Some(stored) = object.get(field).and_then(|v| v.as_str())
                && stored != sent
            {
                return Err(UploadError::Checksum {
                    field,
                    sent: sent.clone(),
                    stored: stored.to_owned(),
                });
            }
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use retune_client::transport::{InProcess, TransportError, TransportErrorKind};

    use super::*;

    /// Forwards to the emulator in-process; counts the chunk `PUT`s and breaks the connection of
    /// the one numbered `fail_put` after the emulator has taken it (as a dropped answer does).
    #[derive(Debug)]
    struct Flaky {
        inner: Arc<dyn Transport>,
        puts: AtomicUsize,
        fail_put: usize,
        ranges: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Transport for Flaky {
        async fn send(
            &self,
            req: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            let is_put = req.method() == http::Method::PUT;
            if let Some(range) = req.headers().get(http::header::CONTENT_RANGE) {
                let range = range.to_str().unwrap_or_default().to_owned();
                self.ranges.lock().expect("not poisoned").push(range);
            }
            let answer = self.inner.as_ref().send(req).await;
            if is_put && self.puts.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_put {
                return Err(TransportError::not_sent(
                    TransportErrorKind::Io,
                    "connection reset",
                ));
            }
            answer
        }
    }

    /// An emulator with the bucket `big-data`, a transport to it that fails the first
    /// `fail_put` chunk answers, and the object to upload.
    async fn setup(fail_put: usize) -> (mock_vertex::Emulator, Arc<Flaky>, GcsUri) {
        let emulator = mock_vertex::Emulator::new();
        let bucket = BucketName::parse("big-data").expect("a bucket");
        emulator
            .objects()
            .create_bucket(&bucket)
            .await
            .expect("a bucket");
        let flaky = Arc::new(Flaky {
            inner: Arc::new(InProcess::new(mock_vertex::router(emulator.clone()))),
            puts: AtomicUsize::new(0),
            fail_put,
            ranges: Mutex::new(Vec::new()),
        });
        let uri: GcsUri = "gs://big-data/train.jsonl".parse().expect("a URI");
        (emulator, flaky, uri)
    }

    fn data() -> Bytes {
        Bytes::from(
            (0..700_000u32)
                .map(|i| (i % 251) as u8)
                .collect::<Vec<u8>>(),
        )
    }

    #[tokio::test]
    async fn a_file_goes_up_in_chunks_and_its_checksums_are_checked() {
        let (emulator, flaky, uri) = setup(0).await;
        let transport: Arc<dyn Transport> = flaky.clone();
        let seen = Mutex::new(Vec::new());
        let record = |held: u64| seen.lock().expect("not poisoned").push(held);
        upload_in_chunks(
            &transport,
            None,
            &uri,
            data(),
            RESUMABLE_CHUNK_BYTES,
            &record,
        )
        .await
        .expect("uploaded");
        assert_eq!(
            *flaky.ranges.lock().expect("not poisoned"),
            vec![
                "bytes 0-262143/700000",
                "bytes 262144-524287/700000",
                "bytes 524288-699999/700000"
            ]
        );
        assert_eq!(
            *seen.lock().expect("not poisoned"),
            vec![262_144, 524_288, 700_000]
        );
        assert_eq!(emulator.objects().read(&uri).await.expect("stored"), data());
    }

    #[tokio::test]
    async fn a_lost_chunk_answer_resumes_from_what_cloud_storage_holds() {
        let (emulator, flaky, uri) = setup(2).await;
        let transport: Arc<dyn Transport> = flaky.clone();
        upload_in_chunks(
            &transport,
            None,
            &uri,
            data(),
            RESUMABLE_CHUNK_BYTES,
            &|_| {},
        )
        .await
        .expect("uploaded");
        let ranges = flaky.ranges.lock().expect("not poisoned").clone();
        // The second chunk's answer was lost: the status query finds it held, and the upload
        // goes on with the third.
        assert_eq!(
            ranges,
            vec![
                "bytes 0-262143/700000",
                "bytes 262144-524287/700000",
                "bytes */700000",
                "bytes 524288-699999/700000"
            ]
        );
        assert_eq!(emulator.objects().read(&uri).await.expect("stored"), data());
    }
}
