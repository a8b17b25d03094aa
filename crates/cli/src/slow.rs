//! The HTTP transport of every command, with `--request-timeout`, that says on stderr when a
//! request is slow (and when one timed out and may be retried) instead of hanging silently.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use retune_client::transport::{ReqwestTransport, Transport, TransportError, TransportErrorKind};

/// How long a request runs before it is reported as slow.
const SLOW_AFTER: Duration = Duration::from_secs(5);

/// A transport that reports slow requests on stderr (unless `--silent`).
#[derive(Debug)]
pub struct Patient {
    inner: Arc<dyn Transport>,
    limit: Option<Duration>,
    report: bool,
}

impl Patient {
    /// Requests through reqwest, each allowed `limit` (the transport's default without one);
    /// `report` says whether to tell about slow ones.
    pub fn reqwest(limit: Option<Duration>, report: bool) -> Result<Patient, TransportError> {
        let mut builder = ReqwestTransport::builder();
        if let Some(limit) = limit {
            builder = builder.with_request_timeout(limit);
        }
        Ok(Patient {
            inner: Arc::new(builder.build()?),
            limit,
            report,
        })
    }
}

fn host(req: &http::Request<Bytes>) -> String {
    req.uri()
        .authority()
        .map_or_else(|| req.uri().to_string(), ToString::to_string)
}

fn tell(line: &str) {
    use std::io::Write;
    // A diagnostic: never fatal.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[async_trait]
impl Transport for Patient {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let host = host(&req);
        let call = self.inner.as_ref().send(req);
        tokio::pin!(call);
        let result = if self.report {
            tokio::select! {
                result = &mut call => result,
                () = tokio::time::sleep(SLOW_AFTER) => {
                    tell(&format!(
                        "still waiting for {host} after {}s (--request-timeout sets the limit)",
                        SLOW_AFTER.as_secs()
                    ));
                    call.await
                }
            }
        } else {
            call.await
        };
        if self.report
            && let Err(err) = &result
            && err.kind() == TransportErrorKind::Timeout
        {
            let limit = self
                .limit
                .map(|l| format!(" after {}", crate::render::human_duration(l)))
                .unwrap_or_default();
            tell(&format!(
                "a request to {host} timed out{limit}; it is retried if it is safe to"
            ));
        }
        result
    }
}
