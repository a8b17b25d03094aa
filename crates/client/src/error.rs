//! The one error type of the client, split by where in a call's life it failed.
//!
//! | stage | variant | was the request sent? |
//! |---|---|---|
//! | building the request from the caller's input, and the request validators of `retune_model::request` | [`Error::Build`] | no |
//! | client-side rules (continuous-tuning eligibility) | [`Error::Refused`] | no |
//! | moving bytes | [`Error::Transport`] | [`TransportError::may_have_been_sent`] |
//! | reading a 2xx body | [`Error::Decode`] | yes |
//! | the service said no | [`Error::Service`] | yes |
//! | waiting: the job failed, was cancelled or expired, or the wait gave up | [`Error::Wait`] | yes |
//!
//! The errors a flow meets on the way are converted with `From`, so `?` works in a function
//! that returns [`Error`]: a name, base model, label or Cloud Storage URI that does not parse
//! becomes [`Error::Build`] (`INVALID_ARGUMENT`, nothing sent), a [`WaitError`] becomes the
//! failed poll's own error or [`Error::Wait`].
//!
//! ```
//! use retune_client::Error;
//! use retune_client::retune_model::names::ModelRef;
//! use retune_client::retune_model::Code;
//!
//! fn pre_tuned(input: &str) -> Result<ModelRef, Error> {
//!     Ok(input.parse::<ModelRef>()?)
//! }
//! let err = pre_tuned("models/9").unwrap_err();
//! assert_eq!(err.code(), Some(Code::InvalidArgument));
//! assert!(!err.may_have_been_sent());
//! ```

use std::fmt;

use bytes::Bytes;
use retune_model::Code;
use retune_model::base_model::BaseModelError;
use retune_model::continuous::{Refusal, refusal_status};
use retune_model::gcs::GcsNameError;
use retune_model::labels::LabelError;
use retune_model::names::NameError;
use retune_model::request::Violation;

use crate::resource::TuningJob;
use crate::transport::{BoxError, TransportError, TransportErrorKind};
use crate::wait::WaitError;

/// Everything a client call can fail with.
///
/// Match on the variants, or ask the predicates: [`Error::is_not_found`],
/// [`Error::is_retryable`], [`Error::status`], [`Error::refusals`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The caller's input could not become a request; nothing was sent.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The client refused to send, for every listed reason (for example, a pre-tuned model that
    /// cannot be continued). Nothing was sent.
    #[error("refused before sending ({}): {}", refusal_status(.0), Refusals(.0))]
    Refused(Vec<Refusal>),
    /// No response arrived.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A success response whose body is not what the API promises; the raw body is kept.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The service answered with an error status.
    #[error(transparent)]
    Service(#[from] ApiStatus),
    /// Waiting ended without success: the job failed, was cancelled or expired, or the wait
    /// timed out. (A poll that failed is that poll's own error, not this.)
    #[error(transparent)]
    Wait(Box<WaitError>),
}

impl From<WaitError> for Error {
    fn from(e: WaitError) -> Error {
        match e {
            WaitError::Call(e) => e,
            other => Error::Wait(Box::new(other)),
        }
    }
}

impl From<NameError> for Error {
    fn from(e: NameError) -> Error {
        let reason = e.to_string();
        Error::Build(BuildError::invalid(e.kind().as_str(), reason, e))
    }
}

impl From<BaseModelError> for Error {
    fn from(e: BaseModelError) -> Error {
        let reason = e.to_string();
        Error::Build(BuildError::invalid("base model", reason, e))
    }
}

impl From<LabelError> for Error {
    fn from(e: LabelError) -> Error {
        let reason = e.to_string();
        Error::Build(BuildError::invalid("label", reason, e))
    }
}

impl From<GcsNameError> for Error {
    fn from(e: GcsNameError) -> Error {
        let reason = e.to_string();
        Error::Build(BuildError::invalid("Cloud Storage name", reason, e))
    }
}

struct Refusals<'a>(&'a [Refusal]);

impl fmt::Display for Refusals<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl Error {
    /// The service status, for [`Error::Service`].
    pub fn status(&self) -> Option<&ApiStatus> {
        match self {
            Error::Service(s) => Some(s),
            _ => None,
        }
    }

    /// The canonical code: the service's, the code a refusal maps to, or the code of the
    /// violations a request validator found (the one the server would have answered).
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Service(s) => Some(s.code()),
            Error::Refused(r) => Some(refusal_status(r)),
            Error::Build(b) => b.code(),
            Error::Wait(w) => Some(w.code()),
            _ => None,
        }
    }

    /// How waiting ended, for [`Error::Wait`].
    pub fn wait_error(&self) -> Option<&WaitError> {
        match self {
            Error::Wait(w) => Some(w),
            _ => None,
        }
    }

    /// The final job of a wait that ended without success (failed, cancelled, expired).
    pub fn job(&self) -> Option<&TuningJob> {
        self.wait_error().and_then(|w| w.job())
    }

    /// The fields a request validator of `retune_model::request` refused, for
    /// [`Error::Build`]; empty otherwise.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Error::Build(b) => b.violations(),
            _ => &[],
        }
    }

    /// Every reason the client refused to send, for [`Error::Refused`]; empty otherwise.
    pub fn refusals(&self) -> &[Refusal] {
        match self {
            Error::Refused(r) => r,
            _ => &[],
        }
    }

    /// Whether the resource does not exist (a 404 `NOT_FOUND`, or a `NOT_FOUND` refusal).
    pub fn is_not_found(&self) -> bool {
        self.has_code(Code::NotFound)
    }

    /// Whether the caller lacks valid credentials (401) or permission (403).
    pub fn is_auth(&self) -> bool {
        self.has_code(Code::Unauthenticated)
            || self.has_code(Code::PermissionDenied)
            || matches!(self, Error::Transport(t) if t.kind() == TransportErrorKind::Auth)
    }

    /// Whether the failure is transient: `UNAVAILABLE`, `RESOURCE_EXHAUSTED`, or a transport
    /// failure other than getting credentials. Whether a *call* may be retried also depends on
    /// its idempotency; see [`crate::retry::RetryPolicy`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service(s) => matches!(s.code(), Code::Unavailable | Code::ResourceExhausted),
            Error::Transport(t) => t.kind() != TransportErrorKind::Auth,
            _ => false,
        }
    }

    /// Whether the call ran out of time in the transport.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Transport(t) if t.is_timeout())
    }

    /// Whether the request may have reached the server.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Error::Build(_) | Error::Refused(_) => false,
            Error::Transport(t) => t.may_have_been_sent(),
            Error::Decode(_) | Error::Service(_) | Error::Wait(_) => true,
        }
    }

    /// Whether [`Error::code`] is `code`: a refusal is judged by the status of all its reasons
    /// together, as the server would answer, never by one reason alone.
    fn has_code(&self, code: Code) -> bool {
        self.code() == Some(code)
    }
}

/// The caller's input cannot become a request.
///
/// When a request validator of `retune_model::request` (the one the emulator runs on receipt)
/// refused the request, the error carries its violations, each with the field path and code the
/// service would answer with: [`BuildError::violations`], [`BuildError::code`].
#[derive(Debug, thiserror::Error)]
#[error("invalid {what}{}: {reason}", CodeSuffix(.code))]
pub struct BuildError {
    what: &'static str,
    reason: String,
    violations: Vec<Violation>,
    code: Option<Code>,
    #[source]
    source: Option<BoxError>,
}

struct CodeSuffix<'a>(&'a Option<Code>);

impl fmt::Display for CodeSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, " ({code})"),
            None => Ok(()),
        }
    }
}

impl BuildError {
    pub(crate) fn new(what: &'static str, reason: impl Into<String>) -> BuildError {
        BuildError {
            what,
            reason: reason.into(),
            violations: Vec::new(),
            code: None,
            source: None,
        }
    }

    /// The request `what` (`"CreateTuningJob request"`), refused by a validator whose error
    /// `source` holds `violations` and `code`: each violation is `field: description`.
    pub(crate) fn refused_by_validator(
        what: &'static str,
        violations: Vec<Violation>,
        code: Code,
        source: impl Into<BoxError>,
    ) -> BuildError {
        let reason = violations
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        BuildError {
            what,
            reason,
            violations,
            code: Some(code),
            source: Some(source.into()),
        }
    }

    /// Input that does not parse: `INVALID_ARGUMENT`, as the service would answer.
    pub(crate) fn invalid(
        what: &'static str,
        reason: String,
        source: impl Into<BoxError>,
    ) -> BuildError {
        BuildError {
            what,
            reason,
            violations: Vec::new(),
            code: Some(Code::InvalidArgument),
            source: Some(source.into()),
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> BuildError {
        self.source = Some(source.into());
        self
    }

    /// The input at fault, such as `"endpoint"` or `"project"`.
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// Why it was rejected.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The fields the request validator refused, each with its snake_case path (as the
    /// service's `fieldViolations` name it) and code; empty when no validator was involved.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The code the service would answer with, when a request validator refused the request.
    pub fn code(&self) -> Option<Code> {
        self.code
    }
}

/// A success response whose body could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("could not decode the {http_status} response: {source}")]
pub struct DecodeError {
    http_status: http::StatusCode,
    body: Bytes,
    #[source]
    source: BoxError,
}

impl DecodeError {
    pub(crate) fn new(
        http_status: http::StatusCode,
        body: Bytes,
        source: impl Into<BoxError>,
    ) -> DecodeError {
        DecodeError {
            http_status,
            body,
            source: source.into(),
        }
    }

    /// The HTTP status of the response.
    pub fn http_status(&self) -> http::StatusCode {
        self.http_status
    }

    /// The raw response body, exactly as received.
    pub fn raw_body(&self) -> &Bytes {
        &self.body
    }
}

/// An error answer from the service: `{"error": {"code", "message", "status", "details"}}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code} ({http_status}): {message}")]
pub struct ApiStatus {
    http_status: http::StatusCode,
    code: Code,
    status: String,
    message: String,
    details: Vec<serde_json::Value>,
}

/// The largest part of a non-JSON error body kept as the message.
const MAX_TEXT_MESSAGE: usize = 1024;

impl ApiStatus {
    /// Reads an error response. Never fails: a body that is not Google's envelope (an HTML 404
    /// from a front end, plain text from a proxy) keeps its text as the message and takes the
    /// code from the HTTP status.
    pub fn from_response(http_status: http::StatusCode, body: &[u8]) -> ApiStatus {
        #[derive(serde::Deserialize)]
        struct Envelope {
            error: Inner,
        }
        #[derive(serde::Deserialize)]
        struct Inner {
            #[serde(default)]
            message: Option<String>,
            #[serde(default)]
            status: Option<String>,
            #[serde(default)]
            details: Option<Vec<serde_json::Value>>,
        }

        let from_http = Code::from_http_status(http_status.as_u16());
        match serde_json::from_slice::<Envelope>(body) {
            Ok(Envelope { error }) => {
                let status = error.status.unwrap_or_default();
                let code = status.parse::<Code>().unwrap_or(from_http);
                ApiStatus {
                    http_status,
                    code,
                    status: if status.is_empty() {
                        code.as_str().to_owned()
                    } else {
                        status
                    },
                    message: error.message.unwrap_or_default(),
                    details: error.details.unwrap_or_default(),
                }
            }
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                let mut message = text.trim().to_owned();
                if message.len() > MAX_TEXT_MESSAGE {
                    let mut cut = MAX_TEXT_MESSAGE;
                    while !message.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    message.truncate(cut);
                    message.push('…');
                }
                if message.is_empty() {
                    message = http_status.canonical_reason().unwrap_or("error").to_owned();
                }
                ApiStatus {
                    http_status,
                    code: from_http,
                    status: http_status
                        .canonical_reason()
                        .unwrap_or_default()
                        .to_owned(),
                    message,
                    details: Vec::new(),
                }
            }
        }
    }

    /// The HTTP status of the reply.
    pub fn http_status(&self) -> http::StatusCode {
        self.http_status
    }

    /// The canonical code, from the `status` name, or from the HTTP status when the name is
    /// missing or unknown.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The `status` string as sent (`"NOT_FOUND"`), or the HTTP reason phrase for a non-JSON
    /// body.
    pub fn status_name(&self) -> &str {
        &self.status
    }

    /// The human-readable message; do not branch on it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `details` entries (`google.rpc.ErrorInfo`, `BadRequest`, ...), as JSON objects with an
    /// `@type`.
    pub fn details(&self) -> &[serde_json::Value] {
        &self.details
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_envelope_gives_code_status_message_and_details() {
        let body =
            br#"{"error": {"code": 404, "message": "Model 9 not found.", "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R"}]}}"#;
        let s = ApiStatus::from_response(http::StatusCode::NOT_FOUND, body);
        assert_eq!(s.code(), Code::NotFound);
        assert_eq!(s.status_name(), "NOT_FOUND");
        assert_eq!(s.message(), "Model 9 not found.");
        assert_eq!(s.details().len(), 1);
        assert!(Error::Service(s).is_not_found());
    }

    #[test]
    fn status_name_wins_over_http_status() {
        // FAILED_PRECONDITION and INVALID_ARGUMENT share 400; only the name tells them apart.
        let body = br#"{"error": {"code": 400, "message": "m", "status": "FAILED_PRECONDITION"}}"#;
        let s = ApiStatus::from_response(http::StatusCode::BAD_REQUEST, body);
        assert_eq!(s.code(), Code::FailedPrecondition);
    }

    #[test]
    fn envelope_without_status_name_takes_code_from_http_status() {
        let body = br#"{"error": {"code": 503, "message": "try later"}}"#;
        let s = ApiStatus::from_response(http::StatusCode::SERVICE_UNAVAILABLE, body);
        assert_eq!(s.code(), Code::Unavailable);
        assert_eq!(s.status_name(), "UNAVAILABLE");
        assert!(Error::Service(s).is_retryable());
    }

    #[test]
    fn html_error_body_keeps_its_text_and_maps_http_status() {
        let body = b"<html><body>404. That's an error.</body></html>";
        let s = ApiStatus::from_response(http::StatusCode::NOT_FOUND, body);
        assert_eq!(s.code(), Code::NotFound);
        assert_eq!(s.status_name(), "Not Found");
        assert!(s.message().contains("That's an error"));
    }

    #[test]
    fn empty_error_body_uses_the_reason_phrase() {
        let s = ApiStatus::from_response(http::StatusCode::BAD_GATEWAY, b"");
        assert_eq!(s.code(), Code::Internal);
        assert_eq!(s.message(), "Bad Gateway");
    }

    #[test]
    fn huge_text_body_is_truncated_on_a_char_boundary() {
        let body = "é".repeat(2000);
        let s = ApiStatus::from_response(http::StatusCode::INTERNAL_SERVER_ERROR, body.as_bytes());
        assert!(s.message().len() <= MAX_TEXT_MESSAGE + '…'.len_utf8());
        assert!(s.message().ends_with('…'));
    }

    #[test]
    fn transport_failures_are_retryable_but_auth_failures_are_not() {
        let connect = TransportError::not_sent(TransportErrorKind::Connect, "refused");
        assert!(Error::Transport(connect).is_retryable());
        let auth = TransportError::not_sent(TransportErrorKind::Auth, "no credentials");
        let e = Error::Transport(auth);
        assert!(!e.is_retryable());
        assert!(e.is_auth());
        assert!(!e.may_have_been_sent());
    }

    #[test]
    fn client_errors_are_not_retryable() {
        for (http, name) in [
            (400, "INVALID_ARGUMENT"),
            (404, "NOT_FOUND"),
            (401, "UNAUTHENTICATED"),
        ] {
            let body =
                format!(r#"{{"error": {{"code": {http}, "message": "m", "status": "{name}"}}}}"#);
            let status = http::StatusCode::from_u16(http).unwrap_or(http::StatusCode::BAD_REQUEST);
            let e = Error::Service(ApiStatus::from_response(status, body.as_bytes()));
            assert!(!e.is_retryable(), "{name}");
        }
    }
}
