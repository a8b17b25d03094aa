//! The HTTP-level seam between the client and the network: one trait, a reqwest implementation
//! and an in-process one that drives any `tower::Service`.
//!
//! A [`Transport`] moves one request and returns one response. A non-2xx status is a *response*,
//! not an error: only failures to exchange bytes at all are [`TransportError`]s, and each says
//! whether the request may have reached the server, which is what decides if a non-idempotent
//! call may be retried.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

/// Boxed error source, as carried by [`TransportError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Moves one HTTP request and returns its response, whatever the status.
///
/// Implementations must not interpret statuses: a 404 or a 503 comes back as `Ok(response)`.
/// Retry, auth and tracing are decorators that wrap an `Arc<dyn Transport>` (see
/// [`crate::auth::AuthTransport`], [`crate::retry::RetryTransport`] and
/// [`crate::tracing::TracingTransport`]).
#[async_trait]
pub trait Transport: fmt::Debug + Send + Sync + 'static {
    /// Sends `req` and returns the response.
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError>;
}

/// Lets an `Arc<T>` stand where a transport is expected. Code holding an `Arc<dyn Transport>`
/// calls `inner.as_ref().send(..)` instead: going through this impl boxes one more future.
#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(req).await
    }
}

/// Why a request got no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake): nothing was sent.
    Connect,
    /// The request could not be built or serialized: nothing was sent.
    Request,
    /// The call took longer than the configured timeout; the server may have seen it.
    Timeout,
    /// The connection broke after the request started; the server may have seen it.
    Io,
    /// The response body could not be read; the server has seen the request.
    Body,
    /// Getting an access token failed: nothing was sent.
    Auth,
}

/// A failure to exchange a request and response, with whether the request may have been sent.
#[derive(Debug, thiserror::Error)]
#[error("{kind:?} error{}: {message}", if *.may_have_been_sent { " (the request may have been sent)" } else { "" })]
pub struct TransportError {
    kind: TransportErrorKind,
    may_have_been_sent: bool,
    message: String,
    #[source]
    source: Option<BoxError>,
}

impl TransportError {
    /// A failure before any byte left: safe to retry for any call.
    pub fn not_sent(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
        TransportError {
            kind,
            may_have_been_sent: false,
            message: message.into(),
            source: None,
        }
    }

    /// A failure after the request may have reached the server.
    pub fn maybe_sent(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
        TransportError {
            kind,
            may_have_been_sent: true,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> TransportError {
        self.source = Some(source.into());
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the server may have received (and acted on) the request.
    pub fn may_have_been_sent(&self) -> bool {
        self.may_have_been_sent
    }

    /// Whether the call ran out of time.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }

    /// The human-readable description.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A transport that drives any `tower::Service` in the same process, such as an axum `Router`.
///
/// Nothing here knows about a particular fake: tests plug an emulator's router in, the client
/// sees an ordinary [`Transport`]. The request body type `B` is anything built from [`Bytes`]
/// (`http_body_util::Full<Bytes>` by default); the response body is collected.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use bytes::Bytes;
/// use retune_client::transport::{InProcess, Transport};
///
/// let echo = tower::service_fn(|req: http::Request<http_body_util::Full<Bytes>>| async move {
///     Ok::<_, std::convert::Infallible>(http::Response::new(req.into_body()))
/// });
/// let transport = InProcess::new(echo);
/// let response = transport
///     .send(http::Request::new(Bytes::from_static(b"ping")))
///     .await
///     .unwrap();
/// assert_eq!(response.body().as_ref(), b"ping");
/// # }
/// ```
pub struct InProcess<S, B = http_body_util::Full<Bytes>> {
    service: S,
    _body: std::marker::PhantomData<fn(B)>,
}

impl<S: Clone, B> Clone for InProcess<S, B> {
    fn clone(&self) -> Self {
        InProcess {
            service: self.service.clone(),
            _body: std::marker::PhantomData,
        }
    }
}

impl<S> InProcess<S> {
    /// Wraps a service that takes `http::Request<Full<Bytes>>` (such as an axum `Router`); it
    /// is cloned for every request, as `oneshot` does.
    pub fn new(service: S) -> InProcess<S> {
        InProcess {
            service,
            _body: std::marker::PhantomData,
        }
    }
}

impl<S, B> InProcess<S, B> {
    /// Wraps a service whose request body type is `B` (any type built from [`Bytes`]).
    pub fn with_body(service: S) -> InProcess<S, B> {
        InProcess {
            service,
            _body: std::marker::PhantomData,
        }
    }
}

impl<S, B> fmt::Debug for InProcess<S, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcess")
            .field("service", &std::any::type_name::<S>())
            .finish()
    }
}

#[async_trait]
impl<S, B, RB> Transport for InProcess<S, B>
where
    S: tower::Service<http::Request<B>, Response = http::Response<RB>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
    S::Error: Into<BoxError>,
    B: From<Bytes> + Send + 'static,
    RB: http_body::Body + Send + 'static,
    RB::Data: Send,
    RB::Error: Into<BoxError>,
{
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        use http_body_util::BodyExt;
        use tower::ServiceExt;

        let (parts, body) = req.into_parts();
        let req = http::Request::from_parts(parts, B::from(body));
        let response = self.service.clone().oneshot(req).await.map_err(|e| {
            TransportError::maybe_sent(TransportErrorKind::Io, "in-process service failed")
                .with_source(e)
        })?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| {
            TransportError::maybe_sent(TransportErrorKind::Body, "reading the response body failed")
                .with_source(e)
        })?;
        Ok(http::Response::from_parts(parts, body.to_bytes()))
    }
}

#[cfg(feature = "reqwest")]
pub use self::reqwest_transport::{ReqwestTransport, ReqwestTransportBuilder};

#[cfg(feature = "reqwest")]
mod reqwest_transport {
    use std::time::Duration;

    use super::*;

    /// Default time to establish a TCP and TLS connection.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default time for one whole request and response.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

    /// The certificates of the PEM bundle `SSL_CERT_FILE` names; none when it is unset or
    /// unreadable (a warning says which).
    fn extra_roots() -> Vec<reqwest::Certificate> {
        let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) else {
            return Vec::new();
        };
        let roots = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|pem| reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| e.to_string()));
        roots.unwrap_or_else(|err| {
            tracing::warn!(path = %std::path::Path::new(&path).display(), %err, "SSL_CERT_FILE ignored");
            Vec::new()
        })
    }

    /// HTTPS (rustls) transport with connection pooling, for real Vertex AI and TCP emulators.
    #[derive(Debug, Clone)]
    pub struct ReqwestTransport {
        client: reqwest::Client,
    }

    /// Options for [`ReqwestTransport`].
    #[derive(Debug, Clone)]
    pub struct ReqwestTransportBuilder {
        connect_timeout: Duration,
        request_timeout: Duration,
        pool_idle_timeout: Option<Duration>,
        pool_max_idle_per_host: usize,
    }

    impl Default for ReqwestTransportBuilder {
        fn default() -> Self {
            ReqwestTransportBuilder {
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
                pool_idle_timeout: Some(Duration::from_secs(90)),
                pool_max_idle_per_host: 16,
            }
        }
    }

    impl ReqwestTransportBuilder {
        /// Time allowed to connect (default 10 s).
        pub fn with_connect_timeout(mut self, d: Duration) -> Self {
            self.connect_timeout = d;
            self
        }
        /// Time allowed for a whole call (default 60 s).
        pub fn with_request_timeout(mut self, d: Duration) -> Self {
            self.request_timeout = d;
            self
        }
        /// How long idle pooled connections are kept (default 90 s).
        pub fn with_pool_idle_timeout(mut self, d: Option<Duration>) -> Self {
            self.pool_idle_timeout = d;
            self
        }
        /// Idle connections kept per host (default 16).
        pub fn with_pool_max_idle_per_host(mut self, n: usize) -> Self {
            self.pool_max_idle_per_host = n;
            self
        }
        /// Builds the transport. It goes through `HTTPS_PROXY` when set (reqwest's system proxy,
        /// `NO_PROXY` honoured) and, when `SSL_CERT_FILE` names a PEM bundle, trusts its
        /// certificates too (an emulator's local CA, `retune emulator env`).
        pub fn build(self) -> Result<ReqwestTransport, TransportError> {
            let mut builder = reqwest::Client::builder().use_rustls_tls();
            for certificate in extra_roots() {
                builder = builder.add_root_certificate(certificate);
            }
            let client = builder
                .connect_timeout(self.connect_timeout)
                .timeout(self.request_timeout)
                .pool_idle_timeout(self.pool_idle_timeout)
                .pool_max_idle_per_host(self.pool_max_idle_per_host)
                .build()
                .map_err(|e| {
                    TransportError::not_sent(
                        TransportErrorKind::Request,
                        "building the HTTP client failed",
                    )
                    .with_source(e)
                })?;
            Ok(ReqwestTransport { client })
        }
    }

    impl ReqwestTransport {
        /// A transport with the default timeouts.
        pub fn new() -> Result<ReqwestTransport, TransportError> {
            ReqwestTransportBuilder::default().build()
        }

        /// Options: timeouts and pooling.
        pub fn builder() -> ReqwestTransportBuilder {
            ReqwestTransportBuilder::default()
        }

        /// Wraps an already configured `reqwest::Client`.
        pub fn from_client(client: reqwest::Client) -> ReqwestTransport {
            ReqwestTransport { client }
        }
    }

    fn classify(e: reqwest::Error) -> TransportError {
        let (kind, sent) = if e.is_connect() {
            (TransportErrorKind::Connect, false)
        } else if e.is_builder() {
            (TransportErrorKind::Request, false)
        } else if e.is_timeout() {
            (TransportErrorKind::Timeout, true)
        } else if e.is_body() || e.is_decode() {
            (TransportErrorKind::Body, true)
        } else {
            (TransportErrorKind::Io, true)
        };
        let message = e.to_string();
        TransportError {
            kind,
            may_have_been_sent: sent,
            message,
            source: Some(Box::new(e)),
        }
    }

    #[async_trait]
    impl Transport for ReqwestTransport {
        async fn send(
            &self,
            req: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            let req = reqwest::Request::try_from(req).map_err(|e| {
                TransportError::not_sent(TransportErrorKind::Request, "invalid request")
                    .with_source(e)
            })?;
            let response = self.client.execute(req).await.map_err(classify)?;
            let mut builder = http::Response::builder()
                .status(response.status())
                .version(response.version());
            if let Some(headers) = builder.headers_mut() {
                headers.extend(
                    response
                        .headers()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
            }
            let body = response.bytes().await.map_err(classify)?;
            builder.body(body).map_err(|e| {
                TransportError::maybe_sent(TransportErrorKind::Body, "invalid response")
                    .with_source(e)
            })
        }
    }
}
