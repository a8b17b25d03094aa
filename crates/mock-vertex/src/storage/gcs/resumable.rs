//! Resumable upload sessions: initiation, chunks with `Content-Range`, completion.
//!
//! A session lives in memory until it completes (then its object resource is kept, so a client
//! that lost the final answer can ask again) or is cancelled. Chunks may overlap bytes already
//! received (they are skipped, as after a client's recovery) but may not leave a gap. Chunk sizes
//! are not checked against Cloud Storage's 256 KiB multiple: every byte sent is kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::storage::{BucketName, ObjectMeta, ObjectName, PutOptions};

use super::error::GcsError;

/// Checksums sent by the client, to check against the data once it is complete.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExpectedHashes {
    pub(crate) crc32c: Option<String>,
    pub(crate) md5: Option<String>,
}

/// An upload still receiving bytes.
#[derive(Debug)]
pub(crate) struct OpenUpload {
    pub(crate) bucket: BucketName,
    pub(crate) object: ObjectName,
    pub(crate) options: PutOptions,
    pub(crate) expected: ExpectedHashes,
    pub(crate) total: Option<u64>,
    pub(crate) data: Vec<u8>,
}

#[derive(Debug)]
enum Session {
    Open(OpenUpload),
    /// Being written to the store right now.
    Finishing,
    Done(ObjectMeta),
}

/// The byte range a `PUT` carries, from its `Content-Range` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContentRange {
    /// `bytes FIRST-LAST/TOTAL` or `bytes FIRST-LAST/*`.
    Chunk {
        first: u64,
        last: u64,
        total: Option<u64>,
    },
    /// `bytes */TOTAL` or `bytes */*`: no data, a status query or the declaration of the end.
    Empty { total: Option<u64> },
}

impl ContentRange {
    pub(crate) fn parse(value: &str) -> Result<ContentRange, GcsError> {
        let invalid = |reason: &str| GcsError::InvalidContentRange {
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let spec = value.trim().strip_prefix("bytes ").ok_or_else(|| {
            invalid("expected bytes FIRST-LAST/TOTAL, bytes */TOTAL or a * total")
        })?;
        let (range, total) = spec
            .split_once('/')
            .ok_or_else(|| invalid("expected a /TOTAL or /* after the range"))?;
        let total = match total.trim() {
            "*" => None,
            t => Some(
                t.parse::<u64>()
                    .map_err(|_| invalid("the total is not a number"))?,
            ),
        };
        if range.trim() == "*" {
            return Ok(ContentRange::Empty { total });
        }
        let (first, last) = range
            .split_once('-')
            .ok_or_else(|| invalid("expected FIRST-LAST"))?;
        let first = first
            .trim()
            .parse::<u64>()
            .map_err(|_| invalid("the first byte is not a number"))?;
        let last = last
            .trim()
            .parse::<u64>()
            .map_err(|_| invalid("the last byte is not a number"))?;
        if last < first {
            return Err(invalid("the last byte comes before the first"));
        }
        if total.is_some_and(|t| last >= t) {
            return Err(invalid("the range ends past the total"));
        }
        Ok(ContentRange::Chunk { first, last, total })
    }
}

/// What a chunk did to its session.
#[derive(Debug)]
pub(crate) enum Progress {
    /// More bytes are expected; this many are persisted so far.
    Incomplete { received: u64 },
    /// Every byte is here: write the object (the session is marked finishing).
    Complete(OpenUpload),
    /// The upload had completed already.
    AlreadyDone(ObjectMeta),
}

/// Every resumable upload of one router.
#[derive(Debug, Clone, Default)]
pub(crate) struct Uploads {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    next_id: u64,
    sessions: HashMap<String, Session>,
}

impl Uploads {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a session and returns its upload id.
    pub(crate) fn open(&self, upload: OpenUpload) -> String {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = format!("mock-vertex-upload-{}", inner.next_id);
        inner.sessions.insert(id.clone(), Session::Open(upload));
        id
    }

    /// Applies one `PUT` to a session. Without a `Content-Range` the body is the whole object.
    pub(crate) fn apply(
        &self,
        upload_id: &str,
        range: Option<(ContentRange, &str)>,
        body: &[u8],
    ) -> Result<Progress, GcsError> {
        let mut inner = self.lock();
        let not_found = || GcsError::UploadNotFound {
            upload_id: upload_id.to_owned(),
        };
        let upload = match inner.sessions.get_mut(upload_id).ok_or_else(not_found)? {
            Session::Done(meta) => return Ok(Progress::AlreadyDone(meta.clone())),
            Session::Finishing => return Err(not_found()),
            Session::Open(upload) => upload,
        };
        let invalid = |value: &str, reason: String| GcsError::InvalidContentRange {
            value: value.to_owned(),
            reason,
        };
        let received = upload.data.len() as u64;
        let declared_total = match range {
            None => {
                upload.data.clear();
                upload.data.extend_from_slice(body);
                Some(body.len() as u64)
            }
            Some((ContentRange::Empty { total }, _)) => total,
            Some((ContentRange::Chunk { first, last, total }, value)) => {
                if last - first + 1 != body.len() as u64 {
                    return Err(invalid(
                        value,
                        format!("the body holds {} bytes", body.len()),
                    ));
                }
                if first > received {
                    return Err(invalid(
                        value,
                        format!(
                            "only {received} bytes have been received; it must start at or before byte {received}"
                        ),
                    ));
                }
                let skip = usize::try_from(received - first).unwrap_or(usize::MAX);
                if let Some(new) = body.get(skip..) {
                    upload.data.extend_from_slice(new);
                }
                total
            }
        };
        if let Some(total) = declared_total {
            let value = range.map_or("", |(_, v)| v);
            if upload.total.is_some_and(|t| t != total) {
                return Err(invalid(
                    value,
                    "the total differs from the one declared before".to_owned(),
                ));
            }
            if (upload.data.len() as u64) > total {
                return Err(invalid(value, format!("more than {total} bytes were sent")));
            }
            upload.total = Some(total);
        }
        let received = upload.data.len() as u64;
        if upload.total != Some(received) {
            return Ok(Progress::Incomplete { received });
        }
        match inner
            .sessions
            .insert(upload_id.to_owned(), Session::Finishing)
        {
            Some(Session::Open(upload)) => Ok(Progress::Complete(upload)),
            _ => Err(not_found()),
        }
    }

    /// Records how a completed session ended: with its object, or (on failure) not at all.
    pub(crate) fn finish(&self, upload_id: &str, outcome: Option<ObjectMeta>) {
        let mut inner = self.lock();
        match outcome {
            Some(meta) => inner
                .sessions
                .insert(upload_id.to_owned(), Session::Done(meta)),
            None => inner.sessions.remove(upload_id),
        };
    }

    /// Cancels a session; false if there was none.
    pub(crate) fn cancel(&self, upload_id: &str) -> bool {
        self.lock().sessions.remove(upload_id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse_as_the_clients_send_them() {
        assert_eq!(
            ContentRange::parse("bytes 0-262143/*").ok(),
            Some(ContentRange::Chunk {
                first: 0,
                last: 262_143,
                total: None
            })
        );
        assert_eq!(
            ContentRange::parse("bytes 10-19/20").ok(),
            Some(ContentRange::Chunk {
                first: 10,
                last: 19,
                total: Some(20)
            })
        );
        assert_eq!(
            ContentRange::parse("bytes */*").ok(),
            Some(ContentRange::Empty { total: None })
        );
        assert_eq!(
            ContentRange::parse("bytes */0").ok(),
            Some(ContentRange::Empty { total: Some(0) })
        );
        for bad in [
            "",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "items 0-1/2",
            "bytes 0-1",
            "bytes a-b/*",
        ] {
            assert!(ContentRange::parse(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn content_range_parse_never_panics(s in "\\PC{0,30}") {
            let _ = ContentRange::parse(&s);
        }
    }
}
