//! The one error type of the emulator: every failure is a response in Google's JSON error shape.
//!
//! `{"error": {"code": <http status>, "message": "...", "status": "NOT_FOUND", "details": [...]}}`,
//! with the HTTP status taken from the canonical `google.rpc.Code` mapping
//! ([`Code::http_status`]). `details` is omitted when empty.

use std::any::Any;
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use retune_model::Code;
use retune_model::error_details::{ErrorDetails, Method, default_error_info};
use retune_model::request::{
    CreateTuningJobError, DeleteModelError, GenerateContentError, ListRequestError,
    MergeVersionAliasesError, UpdateModelError, Violation,
};
use retune_model::wire::{self, WireError};
use serde_json::{Value, json};

/// A failed call, rendered as Google's error envelope.
///
/// ```
/// use mock_vertex::error::ApiError;
/// use retune_model::Code;
/// let err = ApiError::not_found("TuningJob projects/p/locations/l/tuningJobs/7 not found.");
/// assert_eq!(err.code(), Code::NotFound);
/// assert_eq!(err.http_status(), 404);
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    code: Code,
    message: String,
    details: Vec<Value>,
}

/// The `@type` of a `google.rpc.BadRequest` detail.
pub const BAD_REQUEST_TYPE: &str = "type.googleapis.com/google.rpc.BadRequest";
/// The `@type` of a `google.rpc.PreconditionFailure` detail.
pub const PRECONDITION_FAILURE_TYPE: &str = "type.googleapis.com/google.rpc.PreconditionFailure";
/// The `@type` of a `google.rpc.ErrorInfo` detail.
pub const ERROR_INFO_TYPE: &str = "type.googleapis.com/google.rpc.ErrorInfo";

impl ApiError {
    /// An error with a code and a message, and no details.
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// 404 NOT_FOUND.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::NotFound, message)
    }

    /// 400 INVALID_ARGUMENT.
    pub fn invalid_argument(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::InvalidArgument, message)
    }

    /// 400 INVALID_ARGUMENT with a `google.rpc.BadRequest` naming one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::invalid_argument(message.clone()).with_field_violations([(field, message)])
    }

    /// 400 FAILED_PRECONDITION.
    pub fn failed_precondition(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::FailedPrecondition, message)
    }

    /// 401 UNAUTHENTICATED.
    pub fn unauthenticated(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::Unauthenticated, message)
    }

    /// 501 UNIMPLEMENTED.
    pub fn unimplemented(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::Unimplemented, message)
    }

    /// 500 INTERNAL.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::Internal, message)
    }

    /// Adds one `details` entry (a JSON object carrying an `@type`).
    pub fn with_detail(mut self, detail: Value) -> ApiError {
        self.details.push(detail);
        self
    }

    /// Adds a `google.rpc.BadRequest` detail with these `(field, description)` violations.
    pub fn with_field_violations<F, D>(
        self,
        violations: impl IntoIterator<Item = (F, D)>,
    ) -> ApiError
    where
        F: Into<String>,
        D: Into<String>,
    {
        let violations: Vec<Value> = violations
            .into_iter()
            .map(|(f, d)| json!({"field": f.into(), "description": d.into()}))
            .collect();
        self.with_detail(json!({"@type": BAD_REQUEST_TYPE, "fieldViolations": violations}))
    }

    /// Adds a `google.rpc.PreconditionFailure` detail with these `(type, subject, description)`.
    pub fn with_precondition_violations(
        self,
        violations: impl IntoIterator<Item = (String, String, String)>,
    ) -> ApiError {
        let violations: Vec<Value> = violations
            .into_iter()
            .map(|(t, s, d)| json!({"type": t, "subject": s, "description": d}))
            .collect();
        self.with_detail(json!({"@type": PRECONDITION_FAILURE_TYPE, "violations": violations}))
    }

    /// The error `retune_model::error_details` describes: its code, message and details.
    pub fn from_details(error: ErrorDetails) -> ApiError {
        ApiError {
            code: error.code,
            message: error.message,
            details: error.details,
        }
    }

    /// This error with an `ErrorInfo` (AIP-193), if it carries none yet: the default of
    /// [`default_error_info`] for its code, naming `method` when the route is known. The
    /// `ErrorInfo` goes after the other details (clients read `BadRequest` first). An `ErrorInfo` it already carries that
    /// names its service but no method (the credential refusals) gets the method.
    pub fn with_error_info(mut self, method: Option<Method>) -> ApiError {
        let mut found = false;
        for detail in &mut self.details {
            if wire::any_type(detail) != Some(ERROR_INFO_TYPE) {
                continue;
            }
            found = true;
            if let (Some(m), Some(metadata)) = (
                method,
                detail.get_mut("metadata").and_then(Value::as_object_mut),
            ) && metadata.contains_key("service")
                && !metadata.contains_key("method")
            {
                metadata.insert("method".to_owned(), Value::String(m.rpc.method(m.version)));
            }
        }
        if !found {
            let info = default_error_info(self.code, method).to_detail();
            self.details.push(info);
        }
        self
    }

    /// The canonical code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `details` entries.
    pub fn details(&self) -> &[Value] {
        &self.details
    }

    /// The HTTP status of the response.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }

    /// The `{"error": {...}}` body.
    pub fn to_json(&self) -> Value {
        let mut error = json!({
            "code": self.http_status(),
            "message": self.message,
            "status": self.code.as_str(),
        });
        if !self.details.is_empty() {
            error["details"] = Value::Array(self.details.clone());
        }
        json!({ "error": error })
    }
}

impl From<WireError> for ApiError {
    /// 400 INVALID_ARGUMENT with a `google.rpc.BadRequest` naming the field.
    fn from(err: WireError) -> ApiError {
        ApiError::invalid_argument(err.message())
            .with_field_violations([(err.field(), err.message())])
    }
}

impl ApiError {
    /// A refused request: its code, the descriptions as the message, and a
    /// `google.rpc.BadRequest` naming every violating field.
    pub fn from_violations(code: Code, message: String, violations: &[Violation]) -> ApiError {
        ApiError::new(code, message).with_field_violations(
            violations
                .iter()
                .map(|v| (v.field.as_str(), v.description.as_str())),
        )
    }
}

/// `From` for each request validator's error: [`ApiError::from_violations`].
macro_rules! from_violations {
    ($($error:ty),+ $(,)?) => {
        $(impl From<$error> for ApiError {
            fn from(err: $error) -> ApiError {
                ApiError::from_violations(err.code(), err.message(), err.violations())
            }
        })+
    };
}

from_violations!(
    CreateTuningJobError,
    DeleteModelError,
    UpdateModelError,
    MergeVersionAliasesError,
    ListRequestError,
    GenerateContentError,
);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.to_json()).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        if self.code == Code::Unauthenticated {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
            );
        }
        response
    }
}

/// A tower layer that turns a panic anywhere below it into a 500 INTERNAL in Google's shape.
///
/// The emulator never panics on input by design; this is the safety net that keeps one bad
/// request from tearing down a connection (and a test) with a bare reset.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanicLayer;

impl<S> tower::Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;
    fn layer(&self, inner: S) -> CatchPanic<S> {
        CatchPanic { inner }
    }
}

/// The service made by [`CatchPanicLayer`].
#[derive(Debug, Clone)]
pub struct CatchPanic<S> {
    inner: S,
}

type BoxedResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S, R> tower::Service<R> for CatchPanic<S>
where
    S: tower::Service<R, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxedResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> BoxedResponseFuture {
        let inner = &mut self.inner;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.call(request))) {
            Ok(future) => Box::pin(async move {
                match AssertUnwindSafe(future).catch_unwind().await {
                    Ok(result) => result,
                    Err(payload) => Ok(panic_response(payload.as_ref())),
                }
            }),
            Err(payload) => {
                let response = panic_response(payload.as_ref());
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

fn panic_response(payload: &(dyn Any + Send)) -> Response {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    tracing::error!(panic = %what, "request handler panicked");
    ApiError::internal(format!(
        "Internal error encountered. (mock-vertex bug: {what})"
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_carries_http_code_status_name_and_message() {
        let body = ApiError::failed_precondition("nope").to_json();
        assert_eq!(
            body,
            json!({"error": {"code": 400, "message": "nope", "status": "FAILED_PRECONDITION"}})
        );
    }

    #[test]
    fn field_violations_become_a_bad_request_detail() {
        let err = ApiError::invalid_field("tuning_job.pre_tuned_model", "must be an object");
        let body = err.to_json();
        assert_eq!(body["error"]["details"][0]["@type"], BAD_REQUEST_TYPE);
        assert_eq!(
            body["error"]["details"][0]["fieldViolations"][0]["field"],
            "tuning_job.pre_tuned_model"
        );
    }

    #[test]
    fn an_error_without_error_info_gets_the_default_one_last() {
        use retune_model::rpc::Rpc;
        // google/rpc/error_details.proto ErrorInfo; AIP-193: every error carries one.
        let method = Method {
            rpc: Rpc::GetModel,
            version: wire::ApiVersion::V1,
        };
        let err = ApiError::invalid_field("name", "bad").with_error_info(Some(method));
        assert_eq!(err.details()[0]["@type"], BAD_REQUEST_TYPE);
        assert_eq!(err.details()[1]["@type"], ERROR_INFO_TYPE);
        assert_eq!(err.details()[1]["reason"], "INVALID_ARGUMENT");
        // One that carries an ErrorInfo keeps it, alone.
        let again = err.clone().with_error_info(None);
        assert_eq!(again, err);
    }

    #[test]
    fn unauthenticated_response_is_401_with_www_authenticate() {
        let response = ApiError::unauthenticated("who are you").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
