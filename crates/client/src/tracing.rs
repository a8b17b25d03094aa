//! The tracing decorator: one span per HTTP attempt, with method, path, status and latency.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use tracing::Instrument;

use crate::transport::{Transport, TransportError};

/// Decorator: wraps each request in a `vertex.http` span and logs its outcome.
///
/// Span fields: `http.method`, `url.path`, `http.status` and `latency_ms`. Query strings and
/// headers are not recorded (page tokens and credentials stay out of logs).
#[derive(Debug, Clone)]
pub struct TracingTransport {
    inner: Arc<dyn Transport>,
}

impl TracingTransport {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Transport>) -> TracingTransport {
        TracingTransport { inner }
    }
}

#[async_trait]
impl Transport for TracingTransport {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let span = tracing::debug_span!(
            "vertex.http",
            http.method = %req.method(),
            url.path = req.uri().path(),
            http.status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // Nobody listens: no span to enter, no event to log, so skip the clock and the
        // instrumentation wrapper.
        if span.is_disabled() && !tracing::event_enabled!(tracing::Level::DEBUG) {
            return self.inner.as_ref().send(req).await;
        }
        let started = tokio::time::Instant::now();
        let result = self.inner.as_ref().send(req).instrument(span.clone()).await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency_ms);
        match &result {
            Ok(response) => {
                span.record("http.status", response.status().as_u16());
                span.in_scope(|| {
                    tracing::debug!(status = response.status().as_u16(), latency_ms, "response");
                });
            }
            Err(err) => {
                span.in_scope(|| {
                    tracing::debug!(error = %err, may_have_been_sent = err.may_have_been_sent(), latency_ms, "transport error");
                });
            }
        }
        result
    }
}
