//! Shared helpers for the integration tests: clients over the emulator, and transports that
//! count requests or inject faults.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use mock_vertex::{Emulator, JobSpeed};
use retune_client::auth::StaticToken;
use retune_client::retry::{Backoff, Jitter, RetryPolicy};
use retune_client::transport::{InProcess, Transport, TransportError, TransportErrorKind};
use retune_client::wait::PollPolicy;
use retune_client::{Client, ClientConfig, DatasetUri, TuningJobSpec};
use retune_model::base_model::BaseModel;
use retune_model::job_state::JobState;
use retune_model::names::{LocationName, ModelRef, TuningJobName};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The project and location every test uses.
pub const LOCATION: &str = "projects/test-project/locations/us-central1";

pub fn location() -> LocationName {
    LOCATION.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// An emulator whose jobs end at the next read.
pub fn instant_emulator() -> Emulator {
    Emulator::builder().jobs(JobSpeed::Instant).build()
}

/// Fast polling for paused-time tests.
pub fn fast_polling() -> PollPolicy {
    PollPolicy::new(
        Backoff::new(Duration::from_millis(100), Duration::from_secs(1), 2.0)
            .with_jitter(Jitter::None),
    )
    .with_timeout(Duration::from_secs(3600))
}

/// Fast, deterministic retries.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(
        Backoff::new(Duration::from_millis(10), Duration::from_millis(100), 2.0)
            .with_jitter(Jitter::None),
    )
}

/// A client over `transport`, used as is.
pub fn client_over(transport: Arc<dyn Transport>) -> Client {
    let config = ClientConfig::new(location(), endpoint()).with_poll_policy(fast_polling());
    Client::from_transport(transport, config)
}

/// A client over the emulator, in process, without decorators.
pub fn in_process(emulator: &Emulator) -> Client {
    client_over(Arc::new(InProcess::new(mock_vertex::router(
        emulator.clone(),
    ))))
}

/// A full client (auth, tracing, retry) over `transport`.
pub fn decorated(transport: Arc<dyn Transport>) -> Client {
    Client::builder()
        .project(location().project().clone())
        .location(location().location().clone())
        .endpoint(endpoint())
        .read_environment(false)
        .token_provider(Arc::new(StaticToken::new("test-token")))
        .retry_policy(fast_retries())
        .poll_policy(fast_polling())
        .transport(transport)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn endpoint() -> retune_client::endpoint::Endpoint {
    "http://emulator.invalid"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn sample_data() -> DatasetUri {
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl"
        .parse()
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn base(id: &str) -> &'static BaseModel {
    BaseModel::lookup(id).unwrap_or_else(|e| panic!("{e}"))
}

#[track_caller]
pub fn job_name(job: &retune_client::TuningJob) -> TuningJobName {
    job.name().clone()
}

/// Tunes `base_model` on the sample data and waits for it; returns the job and its model
/// version (`tunedModel.model`).
pub async fn tune(
    client: &Client,
    base_model: &str,
    spec: impl FnOnce(TuningJobSpec) -> TuningJobSpec,
) -> (retune_client::TuningJob, ModelRef) {
    let spec = spec(TuningJobSpec::from_base_model(
        base(base_model),
        sample_data(),
    ));
    let job = client
        .create_tuning_job(&spec)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let done = client
        .wait_for_job(&job_name(&job))
        .until_done()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.state, Some(JobState::Succeeded));
    let model = done
        .tuned_model()
        .cloned()
        .unwrap_or_else(|| panic!("{} names no tuned model", done.name()));
    (done, model)
}

/// Records every request (method and path) and passes it on.
#[derive(Debug)]
pub struct Recorder {
    inner: Arc<dyn Transport>,
    seen: Mutex<Vec<(http::Method, String)>>,
}

impl Recorder {
    pub fn new(inner: Arc<dyn Transport>) -> Arc<Recorder> {
        Arc::new(Recorder {
            inner,
            seen: Mutex::default(),
        })
    }
    pub fn requests(&self) -> Vec<(http::Method, String)> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
    pub fn count(&self, method: &http::Method, path_contains: &str) -> usize {
        self.requests()
            .iter()
            .filter(|(m, p)| m == method && p.contains(path_contains))
            .count()
    }
}

#[async_trait]
impl Transport for Recorder {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let line = match req.uri().query() {
            Some(q) => format!("{}?{q}", req.uri().path()),
            None => req.uri().path().to_owned(),
        };
        if let Ok(mut seen) = self.seen.lock() {
            seen.push((req.method().clone(), line));
        }
        self.inner.send(req).await
    }
}

/// Where an injected fault happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 503 without forwarding (the server never sees the request).
    Unavailable,
    /// Forward, then answer 503 anyway (the server acted; the reply was lost).
    UnavailableAfterForwarding,
    /// Fail to connect (nothing sent).
    ConnectRefused,
    /// Forward, then report a broken connection (may have been sent).
    ResetAfterForwarding,
}

/// Injects `fault` into the first `times` requests with `method`.
#[derive(Debug)]
pub struct Faulty {
    inner: Arc<dyn Transport>,
    method: http::Method,
    fault: Fault,
    remaining: AtomicUsize,
}

impl Faulty {
    pub fn new(
        inner: Arc<dyn Transport>,
        method: http::Method,
        fault: Fault,
        times: usize,
    ) -> Arc<Faulty> {
        Arc::new(Faulty {
            inner,
            method,
            fault,
            remaining: AtomicUsize::new(times),
        })
    }
}

fn unavailable() -> http::Response<Bytes> {
    let mut r = http::Response::new(Bytes::from_static(
        br#"{"error": {"code": 503, "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}"#,
    ));
    *r.status_mut() = http::StatusCode::SERVICE_UNAVAILABLE;
    r
}

#[async_trait]
impl Transport for Faulty {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let hit = req.method() == self.method
            && self
                .remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if !hit {
            return self.inner.send(req).await;
        }
        match self.fault {
            Fault::Unavailable => Ok(unavailable()),
            Fault::ConnectRefused => Err(TransportError::not_sent(
                TransportErrorKind::Connect,
                "connection refused",
            )),
            Fault::UnavailableAfterForwarding => {
                self.inner.send(req).await?;
                Ok(unavailable())
            }
            Fault::ResetAfterForwarding => {
                self.inner.send(req).await?;
                Err(TransportError::maybe_sent(
                    TransportErrorKind::Io,
                    "connection reset by peer",
                ))
            }
        }
    }
}
