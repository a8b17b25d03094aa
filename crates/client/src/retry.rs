//! Retries as a policy object, and the decorator that applies it to a transport.
//!
//! [`RetryPolicy::on_error`] is a pure decision from the loop's start, the attempt number, the
//! call's idempotency and the error: retry after a delay, or stop. [`RetryTransport`] runs that
//! loop around an inner [`Transport`], sleeping on tokio time (so paused-time tests are instant).
//!
//! Which errors retry:
//! - an **idempotent** call (get, list, update, cancel, delete, alias merge) retries
//!   `UNAVAILABLE`, `RESOURCE_EXHAUSTED` and transport failures (replaying it is harmless);
//! - a **non-idempotent** call (creating a tuning job) retries only transport failures that
//!   happened before anything was sent: once it may have reached the server, a retry could create
//!   a second job;
//! - nothing retries a failure to get credentials.
//!
//! When the error carries a `google.rpc.RetryInfo` (`google/rpc/error_details.proto`: "clients
//! should wait at least this long"), the next attempt waits its `retryDelay` instead of the
//! backoff (AIP-194); the attempt and time budgets still apply.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use tokio::time::Instant;

use retune_model::wire::RetryInfo;

use crate::error::{ApiStatus, Error};
use crate::transport::{Transport, TransportError, TransportErrorKind};

/// Whether replaying a request is harmless. The client sets it as a request extension; without
/// it, `GET`, `HEAD`, `PUT` and `DELETE` count as idempotent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Replaying the request has the same effect as sending it once.
    Idempotent,
    /// Replaying the request may repeat its effect (create).
    NonIdempotent,
}

impl Idempotency {
    /// The idempotency of `req`: its extension, or the method's default.
    pub fn of<B>(req: &http::Request<B>) -> Idempotency {
        match req.extensions().get::<Idempotency>() {
            Some(i) => *i,
            None => match *req.method() {
                http::Method::GET
                | http::Method::HEAD
                | http::Method::PUT
                | http::Method::DELETE => Idempotency::Idempotent,
                _ => Idempotency::NonIdempotent,
            },
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this delay.
    Retry(Duration),
    /// The error is not retryable for this call.
    Permanent,
    /// The error was retryable, but the attempt or time budget is spent.
    Exhausted,
}

/// Random spread applied to each backoff delay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Jitter {
    /// Exactly the computed delay (deterministic; for tests).
    None,
    /// Uniform in `[0, delay]` ("full jitter").
    Full,
    /// Uniform in `[delay * (1 - f), delay]`, `f` in `[0, 1]`.
    Proportional(f64),
}

/// Exponential backoff: `initial * multiplier^(attempt - 1)`, capped, then jittered.
///
/// ```
/// use std::time::Duration;
/// use retune_client::retry::{Backoff, Jitter};
/// let b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1), 2.0).with_jitter(Jitter::None);
/// let delays: Vec<_> = (1..=6).map(|a| b.delay(a, 0.5).as_millis()).collect();
/// assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    initial: Duration,
    cap: Duration,
    multiplier: f64,
    jitter: Jitter,
}

impl Backoff {
    /// A backoff with full jitter; `multiplier` below 1 is treated as 1.
    pub fn new(initial: Duration, cap: Duration, multiplier: f64) -> Backoff {
        Backoff {
            initial,
            cap,
            multiplier: multiplier.max(1.0),
            jitter: Jitter::Full,
        }
    }

    /// Sets the jitter.
    pub fn with_jitter(mut self, jitter: Jitter) -> Backoff {
        self.jitter = jitter;
        self
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failures (`attempt >= 1`);
    /// `unit` is a random sample in `[0, 1)` used for jitter.
    pub fn delay(&self, attempt: u32, unit: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let raw = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let capped = raw.min(self.cap.as_secs_f64());
        let unit = unit.clamp(0.0, 1.0);
        let jittered = match self.jitter {
            Jitter::None => capped,
            Jitter::Full => capped * unit,
            Jitter::Proportional(f) => capped * (1.0 - f.clamp(0.0, 1.0) * unit),
        };
        Duration::try_from_secs_f64(jittered).unwrap_or(self.cap)
    }

    /// [`Backoff::delay`] with a fresh random sample.
    pub fn sample(&self, attempt: u32) -> Duration {
        self.delay(attempt, rand::random::<f64>())
    }
}

impl Default for Backoff {
    /// 1 s, doubling, capped at 60 s, full jitter: the values google-cloud-rust uses.
    fn default() -> Self {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(60), 2.0)
    }
}

/// Default attempt limit (the first try included).
pub const DEFAULT_ATTEMPT_LIMIT: u32 = 5;
/// Default total time a call may spend retrying.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(120);

/// When to retry a failed call, and after how long.
///
/// ```
/// use std::time::Duration;
/// use retune_client::retry::{Backoff, Jitter, RetryDecision, RetryPolicy};
/// use retune_client::{ApiStatus, Error};
///
/// let policy = RetryPolicy::default()
///     .with_attempt_limit(3)
///     .with_backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(8), 2.0).with_jitter(Jitter::None));
/// let unavailable = Error::Service(ApiStatus::from_response(http::StatusCode::SERVICE_UNAVAILABLE, b""));
/// let start = tokio::time::Instant::now();
/// assert_eq!(policy.on_error(start, 1, true, &unavailable), RetryDecision::Retry(Duration::from_secs(1)));
/// assert_eq!(policy.on_error(start, 3, true, &unavailable), RetryDecision::Exhausted);
/// // A create that reached the server is never retried.
/// assert_eq!(policy.on_error(start, 1, false, &unavailable), RetryDecision::Permanent);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    attempt_limit: u32,
    time_limit: Option<Duration>,
    backoff: Backoff,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempt_limit: DEFAULT_ATTEMPT_LIMIT,
            time_limit: Some(DEFAULT_TIME_LIMIT),
            backoff: Backoff::default(),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn never() -> RetryPolicy {
        RetryPolicy::default().with_attempt_limit(1)
    }

    /// At most `n` attempts in all (`n >= 1`; 0 counts as 1).
    pub fn with_attempt_limit(mut self, n: u32) -> RetryPolicy {
        self.attempt_limit = n.max(1);
        self
    }

    /// Stop retrying once the next attempt would start later than `d` after the first one.
    pub fn with_time_limit(mut self, d: Duration) -> RetryPolicy {
        self.time_limit = Some(d);
        self
    }

    /// No limit on the time spent retrying (the attempt limit still applies).
    pub fn without_time_limit(mut self) -> RetryPolicy {
        self.time_limit = None;
        self
    }

    /// The delays between attempts.
    pub fn with_backoff(mut self, backoff: Backoff) -> RetryPolicy {
        self.backoff = backoff;
        self
    }

    /// The attempt limit.
    pub fn attempt_limit(&self) -> u32 {
        self.attempt_limit
    }

    /// Whether `err` may be retried for a call of this idempotency, ignoring budgets.
    pub fn is_retryable(idempotent: bool, err: &Error) -> bool {
        match err {
            Error::Transport(t) if t.kind() == TransportErrorKind::Auth => false,
            Error::Transport(t) if !t.may_have_been_sent() => true,
            _ => idempotent && err.is_retryable(),
        }
    }

    /// The delay the server asked for in a `google.rpc.RetryInfo` detail of `err`, if any.
    pub fn server_delay(err: &Error) -> Option<Duration> {
        match err {
            Error::Service(status) => RetryInfo::find(status.details()).and_then(|r| r.delay()),
            _ => None,
        }
    }

    /// The decision after attempt number `attempt` (1-based) failed with `err`, in a loop that
    /// started at `loop_start`: the server's `RetryInfo` delay when it sent one, else the
    /// backoff's.
    pub fn on_error(
        &self,
        loop_start: Instant,
        attempt: u32,
        idempotent: bool,
        err: &Error,
    ) -> RetryDecision {
        if !Self::is_retryable(idempotent, err) {
            return RetryDecision::Permanent;
        }
        if attempt >= self.attempt_limit {
            return RetryDecision::Exhausted;
        }
        let delay = Self::server_delay(err).unwrap_or_else(|| self.backoff.sample(attempt));
        if let Some(limit) = self.time_limit
            && loop_start.elapsed().saturating_add(delay) > limit
        {
            return RetryDecision::Exhausted;
        }
        RetryDecision::Retry(delay)
    }
}

/// Decorator: replays failed requests as a [`RetryPolicy`] decides.
///
/// Error responses are still responses: when the policy stops, the last response (or transport
/// error) is returned unchanged.
#[derive(Debug, Clone)]
pub struct RetryTransport {
    inner: Arc<dyn Transport>,
    policy: RetryPolicy,
}

impl RetryTransport {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Transport>, policy: RetryPolicy) -> RetryTransport {
        RetryTransport { inner, policy }
    }
}

fn replay(req: &http::Request<Bytes>) -> http::Request<Bytes> {
    let mut copy = http::Request::new(req.body().clone());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    *copy.extensions_mut() = req.extensions().clone();
    copy
}

#[async_trait]
impl Transport for RetryTransport {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let idempotent = Idempotency::of(&req) == Idempotency::Idempotent;
        let loop_start = Instant::now();
        let mut attempt = 1;
        loop {
            let result = self.inner.as_ref().send(replay(&req)).await;
            let err = match result {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) => {
                    let status = ApiStatus::from_response(response.status(), response.body());
                    match self.policy.on_error(
                        loop_start,
                        attempt,
                        idempotent,
                        &Error::Service(status),
                    ) {
                        RetryDecision::Retry(delay) => {
                            tracing::debug!(attempt, ?delay, status = %response.status(), "retrying");
                            tokio::time::sleep(delay).await;
                            attempt += 1;
                            continue;
                        }
                        RetryDecision::Permanent | RetryDecision::Exhausted => return Ok(response),
                    }
                }
                Err(err) => Error::Transport(err),
            };
            match self.policy.on_error(loop_start, attempt, idempotent, &err) {
                RetryDecision::Retry(delay) => {
                    tracing::debug!(attempt, ?delay, error = %err, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                RetryDecision::Permanent | RetryDecision::Exhausted => {
                    return match err {
                        Error::Transport(t) => Err(t),
                        // Only transport errors reach this arm.
                        other => Err(TransportError::maybe_sent(
                            TransportErrorKind::Io,
                            other.to_string(),
                        )),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;

    /// Answers each request with the next scripted outcome and records what it saw.
    #[derive(Debug, Default)]
    struct Script {
        outcomes: Mutex<VecDeque<Result<u16, TransportError>>>,
        seen: Mutex<Vec<http::Method>>,
    }

    impl Script {
        fn new(outcomes: impl IntoIterator<Item = Result<u16, TransportError>>) -> Arc<Script> {
            Arc::new(Script {
                outcomes: Mutex::new(outcomes.into_iter().collect()),
                seen: Mutex::default(),
            })
        }
        fn calls(&self) -> usize {
            self.seen.lock().map(|s| s.len()).unwrap_or(0)
        }
    }

    #[async_trait]
    impl Transport for Script {
        async fn send(
            &self,
            req: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(req.method().clone());
            }
            let next = self
                .outcomes
                .lock()
                .ok()
                .and_then(|mut o| o.pop_front())
                .unwrap_or(Ok(200));
            let status = next?;
            let body = if status == 200 {
                Bytes::from_static(b"{}")
            } else {
                Bytes::from(format!(
                    r#"{{"error":{{"code":{status},"message":"scripted"}}}}"#
                ))
            };
            let mut response = http::Response::new(body);
            *response.status_mut() =
                http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
            Ok(response)
        }
    }

    fn fast_policy() -> RetryPolicy {
        RetryPolicy::default().with_backoff(
            Backoff::new(Duration::from_millis(10), Duration::from_millis(100), 2.0)
                .with_jitter(Jitter::None),
        )
    }

    fn get() -> http::Request<Bytes> {
        http::Request::get("http://x/v1/a")
            .body(Bytes::new())
            .unwrap_or_default()
    }

    fn create() -> http::Request<Bytes> {
        let mut req = http::Request::post("http://x/v1/a")
            .body(Bytes::new())
            .unwrap_or_default();
        req.extensions_mut().insert(Idempotency::NonIdempotent);
        req
    }

    #[tokio::test(start_paused = true)]
    async fn idempotent_call_retries_503_and_429_until_success() {
        let script = Script::new([Ok(503), Ok(429), Ok(503), Ok(200)]);
        let t = RetryTransport::new(script.clone(), fast_policy());
        let started = Instant::now();
        let response = t.send(get()).await.map(|r| r.status());
        assert_eq!(response.ok(), Some(http::StatusCode::OK));
        assert_eq!(script.calls(), 4);
        // 10 + 20 + 40 ms of backoff, in paused time.
        assert_eq!(started.elapsed(), Duration::from_millis(70));
    }

    /// Answers 429 with a `RetryInfo` of `delay`, then 200.
    #[derive(Debug, Default)]
    struct Throttled {
        calls: Mutex<u32>,
    }

    #[async_trait]
    impl Transport for Throttled {
        async fn send(
            &self,
            _req: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            let n = {
                let mut calls = self
                    .calls
                    .lock()
                    .map_err(|_| TransportError::not_sent(TransportErrorKind::Io, "poisoned"))?;
                *calls += 1;
                *calls
            };
            let (status, body) = if n == 1 {
                (
                    http::StatusCode::TOO_MANY_REQUESTS,
                    r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED",
                        "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7.500s"}]}}"#,
                )
            } else {
                (http::StatusCode::OK, "{}")
            };
            let mut response = http::Response::new(Bytes::from_static(body.as_bytes()));
            *response.status_mut() = status;
            Ok(response)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_info_delay_replaces_the_backoff() {
        // google/rpc/error_details.proto RetryInfo.retry_delay: wait at least this long.
        let script = Arc::new(Throttled::default());
        let t = RetryTransport::new(script.clone(), fast_policy());
        let started = Instant::now();
        let response = t.send(get()).await.map(|r| r.status());
        assert_eq!(response.ok(), Some(http::StatusCode::OK));
        assert_eq!(started.elapsed(), Duration::from_millis(7500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_info_delay_beyond_the_time_limit_stops_retrying() {
        let script = Arc::new(Throttled::default());
        let policy = fast_policy().with_time_limit(Duration::from_secs(5));
        let t = RetryTransport::new(script.clone(), policy);
        let response = t.send(get()).await.map(|r| r.status());
        assert_eq!(response.ok(), Some(http::StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(script.calls.lock().map(|c| *c).unwrap_or(0), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn create_is_not_retried_after_a_503() {
        let script = Script::new([Ok(503), Ok(200)]);
        let t = RetryTransport::new(script.clone(), fast_policy());
        let response = t.send(create()).await.map(|r| r.status());
        assert_eq!(response.ok(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(script.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn create_is_retried_when_nothing_was_sent() {
        let refused = TransportError::not_sent(TransportErrorKind::Connect, "connection refused");
        let script = Script::new([Err(refused), Ok(200)]);
        let t = RetryTransport::new(script.clone(), fast_policy());
        assert!(t.send(create()).await.is_ok());
        assert_eq!(script.calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn create_is_not_retried_when_it_may_have_been_sent() {
        let reset = TransportError::maybe_sent(TransportErrorKind::Io, "connection reset");
        let script = Script::new([Err(reset), Ok(200)]);
        let t = RetryTransport::new(script.clone(), fast_policy());
        let err = t.send(create()).await.err();
        assert!(err.is_some_and(|e| e.may_have_been_sent()));
        assert_eq!(script.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn client_errors_are_returned_without_retry() {
        let script = Script::new([Ok(404), Ok(200)]);
        let t = RetryTransport::new(script.clone(), fast_policy());
        let response = t.send(get()).await.map(|r| r.status());
        assert_eq!(response.ok(), Some(http::StatusCode::NOT_FOUND));
        assert_eq!(script.calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn attempt_limit_returns_the_last_response() {
        let script = Script::new((0..10).map(|_| Ok(503)));
        let t = RetryTransport::new(script.clone(), fast_policy().with_attempt_limit(3));
        let response = t.send(get()).await.map(|r| r.status());
        assert_eq!(response.ok(), Some(http::StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(script.calls(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn time_limit_stops_retrying_before_the_budget_is_exceeded() {
        let script = Script::new((0..10).map(|_| Ok(503)));
        let policy = fast_policy()
            .with_attempt_limit(100)
            .with_time_limit(Duration::from_millis(35));
        let t = RetryTransport::new(script.clone(), policy);
        let started = Instant::now();
        let _ = t.send(get()).await;
        // Attempts at 0, 10, 30 ms; the next would start at 70 ms > 35 ms.
        assert_eq!(script.calls(), 3);
        assert_eq!(started.elapsed(), Duration::from_millis(30));
    }

    #[tokio::test(start_paused = true)]
    async fn auth_failures_are_never_retried() {
        let auth = TransportError::not_sent(TransportErrorKind::Auth, "no credentials");
        let script = Script::new([Err(auth), Ok(200)]);
        let t = RetryTransport::new(script.clone(), fast_policy());
        assert!(t.send(get()).await.is_err());
        assert_eq!(script.calls(), 1);
    }

    #[test]
    fn jitter_stays_within_its_bounds() {
        let base = Backoff::new(Duration::from_secs(1), Duration::from_secs(10), 2.0);
        for unit in [0.0, 0.25, 0.999] {
            let full = base.with_jitter(Jitter::Full).delay(3, unit);
            assert!(full <= Duration::from_secs(4));
            let half = base.with_jitter(Jitter::Proportional(0.5)).delay(3, unit);
            assert!(
                half >= Duration::from_secs(2) && half <= Duration::from_secs(4),
                "{half:?}"
            );
        }
    }

    #[test]
    fn huge_attempt_numbers_saturate_at_the_cap() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30), 10.0)
            .with_jitter(Jitter::None);
        assert_eq!(b.delay(u32::MAX, 0.0), Duration::from_secs(30));
    }
}
