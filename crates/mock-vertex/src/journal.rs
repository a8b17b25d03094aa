//! The journal of requests: what the emulator was asked, for tests to assert on.
//!
//! Every `/v1` and `/v1beta1` request is recorded once answered (admin and Cloud Storage
//! requests are not): method, path, query, status, the RPC, whether a fault answered, the time on
//! the emulator's clock, and the body: its MD5 digest and size always, its text when it is UTF-8
//! and at most [`MAX_BODY_TEXT`] bytes. The journal keeps the last [`JOURNAL_CAPACITY`] entries.

use std::collections::VecDeque;

use retune_model::Timestamp;
use serde::Serialize;

/// How many entries the journal keeps (the oldest go first).
pub const JOURNAL_CAPACITY: usize = 1000;
/// Bodies up to this size are kept as text.
pub const MAX_BODY_TEXT: usize = 64 * 1024;

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position since the emulator started (or the journal was cleared), from 1.
    pub seq: u64,
    /// When it was answered, on the emulator's clock (RFC 3339).
    pub time: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path as received (still percent-encoded).
    pub path: String,
    /// The raw query string (empty if none).
    pub query: String,
    /// The RPC name, when the path matched a route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// Whether an injected fault answered.
    pub faulted: bool,
    /// Size of the request body in bytes.
    pub body_size: usize,
    /// Hex MD5 digest of the request body.
    pub body_md5: String,
    /// The body as text (UTF-8 bodies up to [`MAX_BODY_TEXT`] bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// The MD5 of no bytes (most requests are bodiless GETs).
const EMPTY_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

/// A request, as the journal is told about it.
#[derive(Debug, Clone)]
pub struct Recorded<'a> {
    /// When it was answered.
    pub time: Timestamp,
    /// The method.
    pub method: &'a str,
    /// The path.
    pub path: &'a str,
    /// The query string.
    pub query: Option<&'a str>,
    /// The RPC name, if matched.
    pub rpc: Option<&'static str>,
    /// The status answered.
    pub status: u16,
    /// Whether a fault answered.
    pub faulted: bool,
    /// The body.
    pub body: &'a [u8],
}

/// The last [`JOURNAL_CAPACITY`] requests.
#[derive(Debug, Default)]
pub struct Journal {
    next_seq: u64,
    entries: VecDeque<JournalEntry>,
}

impl Journal {
    /// Records one request, dropping the oldest entry when full.
    pub fn record(&mut self, request: Recorded<'_>) {
        self.next_seq += 1;
        if self.entries.len() == JOURNAL_CAPACITY {
            self.entries.pop_front();
        }
        let body = (request.body.len() <= MAX_BODY_TEXT)
            .then(|| std::str::from_utf8(request.body).ok().map(str::to_owned))
            .flatten();
        self.entries.push_back(JournalEntry {
            seq: self.next_seq,
            time: request.time.to_string(),
            method: request.method.to_owned(),
            path: request.path.to_owned(),
            query: request.query.unwrap_or_default().to_owned(),
            rpc: request.rpc.map(str::to_owned),
            status: request.status,
            faulted: request.faulted,
            body_size: request.body.len(),
            body_md5: if request.body.is_empty() {
                EMPTY_MD5.to_owned()
            } else {
                format!("{:x}", md5::compute(request.body))
            },
            body,
        });
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.entries.iter().cloned().collect()
    }

    /// Forgets every entry; numbering restarts at 1.
    pub fn clear(&mut self) {
        self.next_seq = 0;
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(body: &[u8]) -> Recorded<'_> {
        Recorded {
            time: Timestamp::UNIX_EPOCH,
            method: "GET",
            path: "/v1/x",
            query: None,
            rpc: None,
            status: 200,
            faulted: false,
            body,
        }
    }

    #[test]
    fn journal_keeps_only_the_last_entries() {
        let mut journal = Journal::default();
        for _ in 0..JOURNAL_CAPACITY + 5 {
            journal.record(recorded(b""));
        }
        let entries = journal.entries();
        assert_eq!(entries.len(), JOURNAL_CAPACITY);
        assert_eq!(entries[0].seq, 6);
        assert_eq!(
            entries.last().map(|e| e.seq),
            Some(JOURNAL_CAPACITY as u64 + 5)
        );
    }

    #[test]
    fn large_or_binary_bodies_keep_only_their_digest() {
        let mut journal = Journal::default();
        journal.record(recorded(&[0xff, 0xfe]));
        journal.record(recorded(&vec![b'a'; MAX_BODY_TEXT + 1]));
        journal.record(recorded(b"{}"));
        let entries = journal.entries();
        assert_eq!(entries[0].body, None);
        assert_eq!(entries[1].body, None);
        assert_eq!(entries[1].body_size, MAX_BODY_TEXT + 1);
        assert_eq!(entries[2].body.as_deref(), Some("{}"));
        assert_eq!(entries[2].body_md5, "99914b932bd37a50b983c5e7c90ae93b");
        journal.record(recorded(b""));
        assert_eq!(
            journal.entries()[3].body_md5,
            format!("{:x}", md5::compute(b""))
        );
    }
}
