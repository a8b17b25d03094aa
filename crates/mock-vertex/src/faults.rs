//! Injected faults: answering a route with an error, N times or with a probability.
//!
//! Route faults are the test writer's controls, kept beside the store (they are not part of the
//! exported state). A fault matches one RPC ([`Rpc`]) or every one, answers with a Google-shaped
//! error whose `status` is the canonical code of the HTTP status, and fires either **before** the
//! request is handled (nothing happens: a create creates no job) or **after** it (the request
//! takes effect, the client sees an error: what tests retry safety of creates). Faults fire in the
//! order they were added; the first that fires answers. Admin routes (`/_emulator/…`) and the
//! Cloud Storage routes are never faulted.
//!
//! Probabilities use a seeded generator (SplitMix64), so a run with the same seed and the same
//! requests fires the same faults.
//!
//! Job faults (fail a job at an epoch, hold a job in `PENDING`) change the job itself, so they
//! live in the store (the store's `JobFaults`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use retune_model::Code;
use retune_model::error_details::{Method, quota_exceeded, unavailable};
use retune_model::wire::RetryInfo;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::Emulator;

/// One RPC of the Vertex AI surface, without its path parameters: what a fault matches
/// (`retune_model::rpc`; [`Route::rpc`](crate::routes::Route::rpc) gives a route's).
pub use retune_model::rpc::{Rpc, RpcError};

/// What a fault matches: one RPC or all of them (`"*"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteMatch {
    /// Every Vertex AI route.
    Any,
    /// One RPC.
    Rpc(Rpc),
}

impl RouteMatch {
    fn matches(self, rpc: Rpc) -> bool {
        match self {
            RouteMatch::Any => true,
            RouteMatch::Rpc(r) => r == rpc,
        }
    }

    /// `"*"` or the RPC name.
    pub fn as_str(self) -> &'static str {
        match self {
            RouteMatch::Any => "*",
            RouteMatch::Rpc(r) => r.as_str(),
        }
    }
}

impl FromStr for RouteMatch {
    type Err = RpcError;
    fn from_str(s: &str) -> Result<RouteMatch, RpcError> {
        if s == "*" {
            Ok(RouteMatch::Any)
        } else {
            s.parse().map(RouteMatch::Rpc)
        }
    }
}

impl From<Rpc> for RouteMatch {
    fn from(rpc: Rpc) -> RouteMatch {
        RouteMatch::Rpc(rpc)
    }
}

/// When an injected error is answered relative to handling the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FaultTiming {
    /// Instead of handling it: the request has no effect.
    #[default]
    Before,
    /// After handling it: the request takes effect, the answer is the error.
    After,
}

/// An HTTP status that has no canonical `google.rpc.Code` of its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "status {status} has no canonical google.rpc.Code; use one of 400, 401, 403, 404, 409, 429, \
     499, 500, 501, 503, 504"
)]
pub struct FaultStatusError {
    status: u16,
}

/// The canonical code of an error HTTP status (503 is `UNAVAILABLE`, 429 `RESOURCE_EXHAUSTED`).
pub fn code_for_status(status: u16) -> Result<Code, FaultStatusError> {
    let code = Code::from_http_status(status);
    if code != Code::Ok && code.http_status() == status {
        Ok(code)
    } else {
        Err(FaultStatusError { status })
    }
}

/// The id of an installed route fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FaultId(pub u64);

impl fmt::Display for FaultId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An installed route fault.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteFault {
    /// Its id.
    pub id: FaultId,
    /// What it matches.
    pub route: RouteMatch,
    /// The error it answers.
    pub code: Code,
    /// The error message, if not Vertex AI's for the code.
    pub message: Option<String>,
    /// Before or after handling.
    pub timing: FaultTiming,
    /// How many more times it may fire (`None`: no limit).
    pub remaining: Option<u64>,
    /// The chance it fires on a matching request (1.0: always).
    pub probability: f64,
    /// How many times it fired.
    pub fired: u64,
    /// The delay of its `RetryInfo` detail, if any.
    pub retry_delay: Option<Duration>,
    rng: SplitMix64,
}

/// A route fault as listed by `GET /_emulator/faults`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteFaultInfo {
    /// Its id.
    pub id: FaultId,
    /// `"*"` or the RPC name.
    pub route: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The canonical code name.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// `before` or `after`.
    pub when: &'static str,
    /// Fires left (absent: no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// The chance it fires.
    pub probability: f64,
    /// Times fired.
    pub fired: u64,
}

impl RouteFault {
    /// The listing shape.
    pub fn info(&self) -> RouteFaultInfo {
        RouteFaultInfo {
            id: self.id,
            route: self.route.as_str(),
            status: self.code.http_status(),
            code: self.code.as_str(),
            message: self.message.clone().unwrap_or_default(),
            when: match self.timing {
                FaultTiming::Before => "before",
                FaultTiming::After => "after",
            },
            remaining: self.remaining,
            probability: self.probability,
            fired: self.fired,
        }
    }

    /// The error it answers to a call of `method` on `project`'s resources: for 429
    /// RESOURCE_EXHAUSTED and 503 UNAVAILABLE the details Vertex AI sends
    /// (`retune_model::error_details`: `ErrorInfo`, and `QuotaFailure` for a quota), then the
    /// `RetryInfo` when it has a delay. Its own message, when it has one, replaces Vertex AI's.
    pub fn error(&self, method: Method, project: Option<&str>) -> ApiError {
        let vertex = match self.code {
            Code::ResourceExhausted => Some(quota_exceeded(method, project)),
            Code::Unavailable => Some(unavailable(Some(method))),
            _ => None,
        };
        let (message, details) = match (&self.message, vertex) {
            (Some(message), v) => (message.clone(), v.map(|v| v.details).unwrap_or_default()),
            (None, Some(v)) => (v.message, v.details),
            (None, None) => (
                format!(
                    "mock-vertex injected fault {} on {}: {}",
                    self.id,
                    self.route.as_str(),
                    self.code.as_str()
                ),
                Vec::new(),
            ),
        };
        let error = details
            .into_iter()
            .fold(ApiError::new(self.code, message), ApiError::with_detail);
        match self.retry_delay {
            Some(delay) => error.with_detail(RetryInfo::new(delay).to_detail()),
            None => error,
        }
    }
}

/// SplitMix64: a tiny, seedable, version-stable generator.
#[derive(Debug, Clone, PartialEq)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        // 53 random bits, the precision of an f64 mantissa.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The route faults of one emulator.
#[derive(Debug, Default)]
pub struct Faults {
    next_id: u64,
    rules: Vec<RouteFault>,
}

/// What a route fault should do, before it is installed.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// What it matches.
    pub route: RouteMatch,
    /// The error code (default `UNAVAILABLE`, 503).
    pub code: Code,
    /// The message (default: one naming the fault).
    pub message: Option<String>,
    /// Before or after handling (default before).
    pub timing: FaultTiming,
    /// Fires at most this many times (`None`: no limit).
    pub times: Option<u64>,
    /// The chance it fires, in `[0, 1]` (default 1).
    pub probability: f64,
    /// The seed of the generator deciding probabilistic fires.
    pub seed: u64,
    /// A `google.rpc.RetryInfo` detail with this delay (what a 429 RESOURCE_EXHAUSTED carries
    /// to tell the caller when to retry).
    pub retry_delay: Option<Duration>,
}

impl FaultSpec {
    /// A fault on `route` answering 503 UNAVAILABLE every time, before handling.
    pub fn new(route: RouteMatch) -> FaultSpec {
        FaultSpec {
            route,
            code: Code::Unavailable,
            message: None,
            timing: FaultTiming::Before,
            times: None,
            probability: 1.0,
            seed: 0,
            retry_delay: None,
        }
    }
}

impl Faults {
    /// Installs a fault; returns its id.
    pub fn add(&mut self, spec: FaultSpec) -> FaultId {
        self.next_id += 1;
        let id = FaultId(self.next_id);
        self.rules.push(RouteFault {
            id,
            route: spec.route,
            code: spec.code,
            message: spec.message,
            timing: spec.timing,
            remaining: spec.times,
            probability: spec.probability.clamp(0.0, 1.0),
            fired: 0,
            retry_delay: spec.retry_delay,
            rng: SplitMix64(spec.seed),
        });
        id
    }

    /// Removes a fault; `false` if there was none with that id.
    pub fn remove(&mut self, id: FaultId) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        self.rules.len() != before
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The installed faults, in order (exhausted ones included until cleared).
    pub fn list(&self) -> &[RouteFault] {
        &self.rules
    }

    /// The first fault that fires for a call of `method` on `project`'s resources, if any
    /// (counting the fire), and the error it answers ([`RouteFault::error`]).
    ///
    /// Every matching live fault with a probability below 1 draws from its generator, whether or
    /// not an earlier one fired, so each fault's sequence depends only on its seed and on the
    /// matching requests.
    pub fn fire(
        &mut self,
        method: Method,
        project: Option<&str>,
    ) -> Option<(ApiError, FaultTiming)> {
        let rpc = method.rpc;
        let mut answer = None;
        for rule in &mut self.rules {
            if !rule.route.matches(rpc) || rule.remaining == Some(0) {
                continue;
            }
            let hit = rule.probability >= 1.0 || rule.rng.next_f64() < rule.probability;
            if hit && answer.is_none() {
                rule.fired += 1;
                if let Some(left) = rule.remaining.as_mut() {
                    *left -= 1;
                }
                answer = Some((rule.error(method, project), rule.timing));
            }
        }
        answer
    }
}

/// A route fault being described; installed by [`times`](FaultBuilder::times),
/// [`always`](FaultBuilder::always) or [`with_probability`](FaultBuilder::with_probability).
///
/// ```
/// use mock_vertex::{Emulator, faults::Rpc};
/// let emulator = Emulator::new();
/// let id = emulator.fail(Rpc::CreateTuningJob).with_status(503).times(2);
/// assert_eq!(emulator.route_faults()[0].id, id);
/// ```
#[derive(Debug)]
#[must_use = "a fault is installed only by times(), always() or with_probability()"]
pub struct FaultBuilder<'a> {
    emulator: &'a Emulator,
    spec: FaultSpec,
}

impl<'a> FaultBuilder<'a> {
    pub(crate) fn new(emulator: &'a Emulator, route: RouteMatch) -> FaultBuilder<'a> {
        FaultBuilder {
            emulator,
            spec: FaultSpec::new(route),
        }
    }

    /// Answers this HTTP status, with its canonical code (503 UNAVAILABLE by default). A status
    /// without a canonical code (such as 502) falls back to 500 INTERNAL.
    pub fn with_status(mut self, status: u16) -> Self {
        self.spec.code = code_for_status(status).unwrap_or(Code::Internal);
        self
    }

    /// Answers this code (and its HTTP status).
    pub fn with_code(mut self, code: Code) -> Self {
        self.spec.code = code;
        self
    }

    /// Answers this message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.spec.message = Some(message.into());
        self
    }

    /// Adds a `google.rpc.RetryInfo` detail asking the caller to wait `delay`.
    pub fn with_retry_delay(mut self, delay: Duration) -> Self {
        self.spec.retry_delay = Some(delay);
        self
    }

    /// Handles the request first, then answers the error (the request takes effect).
    pub fn after_handling(mut self) -> Self {
        self.spec.timing = FaultTiming::After;
        self
    }

    /// Installs the fault to fire on the next `n` matching requests.
    pub fn times(mut self, n: u64) -> FaultId {
        self.spec.times = Some(n);
        self.emulator.add_fault(self.spec)
    }

    /// Installs the fault to fire on every matching request until removed.
    pub fn always(self) -> FaultId {
        self.emulator.add_fault(self.spec)
    }

    /// Installs the fault to fire on each matching request with probability `p`, drawn from a
    /// generator seeded with `seed`.
    pub fn with_probability(mut self, p: f64, seed: u64) -> FaultId {
        self.spec.probability = p;
        self.spec.seed = seed;
        self.emulator.add_fault(self.spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retune_model::wire::ApiVersion;

    fn call(rpc: Rpc) -> Method {
        Method {
            rpc,
            version: ApiVersion::V1,
        }
    }

    #[test]
    fn a_429_fault_carries_error_info_quota_failure_and_retry_info() {
        // google/rpc/error_details.proto: ErrorInfo, QuotaFailure, RetryInfo.
        let mut faults = Faults::default();
        let mut spec = FaultSpec::new(RouteMatch::Any);
        spec.code = Code::ResourceExhausted;
        spec.retry_delay = Some(Duration::from_millis(2500));
        faults.add(spec);
        let (err, _) = faults.fire(call(Rpc::GenerateContent), Some("p")).unwrap();
        assert_eq!(err.http_status(), 429);
        assert!(
            err.message()
                .starts_with("Quota exceeded for aiplatform.googleapis.com/")
        );
        let types: Vec<&str> = err
            .details()
            .iter()
            .filter_map(|d| d["@type"].as_str())
            .collect();
        assert_eq!(
            types,
            [
                "type.googleapis.com/google.rpc.ErrorInfo",
                "type.googleapis.com/google.rpc.QuotaFailure",
                "type.googleapis.com/google.rpc.RetryInfo"
            ]
        );
        assert_eq!(err.details()[0]["reason"], "RATE_LIMIT_EXCEEDED");
        assert_eq!(err.details()[2]["retryDelay"], "2.500s");
    }

    #[test]
    fn a_503_fault_answers_vertex_message_with_error_info() {
        let mut faults = Faults::default();
        faults.add(FaultSpec::new(RouteMatch::Any));
        let (err, _) = faults.fire(call(Rpc::GetModel), None).unwrap();
        assert_eq!(err.message(), "The service is currently unavailable.");
        assert_eq!(err.details()[0]["reason"], "UNAVAILABLE");
        assert_eq!(
            err.details()[0]["metadata"]["method"],
            "google.cloud.aiplatform.v1.ModelService.GetModel"
        );
    }

    #[test]
    fn route_matches_parse_star_and_rpc_names() {
        assert_eq!("*".parse::<RouteMatch>(), Ok(RouteMatch::Any));
        assert_eq!(
            "GetModel".parse::<RouteMatch>(),
            Ok(RouteMatch::Rpc(Rpc::GetModel))
        );
        assert!("Nope".parse::<RouteMatch>().is_err());
    }

    #[test]
    fn only_statuses_with_a_canonical_code_are_accepted() {
        assert_eq!(code_for_status(503), Ok(Code::Unavailable));
        assert_eq!(code_for_status(429), Ok(Code::ResourceExhausted));
        assert!(code_for_status(502).is_err());
        assert!(code_for_status(200).is_err());
    }

    #[test]
    fn a_counted_fault_fires_exactly_its_times() {
        let mut faults = Faults::default();
        let mut spec = FaultSpec::new(RouteMatch::Rpc(Rpc::GetTuningJob));
        spec.times = Some(2);
        faults.add(spec);
        assert!(faults.fire(call(Rpc::GetModel), None).is_none());
        assert!(faults.fire(call(Rpc::GetTuningJob), None).is_some());
        assert!(faults.fire(call(Rpc::GetTuningJob), None).is_some());
        assert!(faults.fire(call(Rpc::GetTuningJob), None).is_none());
        assert_eq!(faults.list()[0].fired, 2);
    }

    #[test]
    fn a_probabilistic_fault_is_deterministic_for_a_seed() {
        let run = |seed| {
            let mut faults = Faults::default();
            let mut spec = FaultSpec::new(RouteMatch::Any);
            spec.probability = 0.3;
            spec.seed = seed;
            faults.add(spec);
            (0..1000)
                .map(|_| faults.fire(call(Rpc::GetModel), None).is_some())
                .collect::<Vec<_>>()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        let hits = a.iter().filter(|h| **h).count();
        assert!((250..350).contains(&hits), "{hits}");
    }
}
