//! The [`Client`]: typed calls for tuning jobs, models, operations and endpoints over any
//! [`Transport`].

use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;
use retune_model::names::{
    EndpointName, LocationId, LocationName, ModelName, ModelRef, NameError, OperationName,
    TuningJobName,
};
use retune_model::wire::{self, EnumEncoding, WireMessage};
use serde::de::DeserializeOwned;

use crate::decode::decode_response;
use crate::endpoint::{ApiVersion, Endpoint};
use crate::error::{ApiStatus, BuildError, DecodeError, Error};
use crate::resource::{Checkpoint, Model, TuningJob};
use crate::retry::Idempotency;
use crate::spec::{ListOptions, ModelUpdate, TuningJobSpec};
use crate::transport::Transport;
use crate::wait::{JobPoller, PollPolicy, WaitError};
use retune_model::registry::AliasChange;
use retune_model::request::{
    UpdateModelRequest, check_delete_model, check_merge_version_aliases, check_update_model,
};

/// Where a [`Client`] sends requests: location, base URL, API version, polling defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    location: LocationName,
    endpoint: Endpoint,
    api_version: ApiVersion,
    poll_policy: PollPolicy,
}

impl ClientConfig {
    /// Requests for `location` go to `endpoint`, API version `v1`.
    pub fn new(location: LocationName, endpoint: Endpoint) -> ClientConfig {
        ClientConfig {
            location,
            endpoint,
            api_version: ApiVersion::default(),
            poll_policy: PollPolicy::default(),
        }
    }
    /// The API version.
    pub fn with_api_version(mut self, version: ApiVersion) -> ClientConfig {
        self.api_version = version;
        self
    }
    /// The default policy of [`Client::wait_for_job`] and [`Client::wait_operation`].
    pub fn with_poll_policy(mut self, policy: PollPolicy) -> ClientConfig {
        self.poll_policy = policy;
        self
    }
    /// `projects/{p}/locations/{l}`: the parent of creates and lists.
    pub fn location(&self) -> &LocationName {
        &self.location
    }
    /// The base URL.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
    /// The API version.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }
    /// The default polling policy.
    pub fn poll_policy(&self) -> &PollPolicy {
        &self.poll_policy
    }
}

/// A Vertex AI client for one project and location.
///
/// Cheap to clone; every clone shares the transport. Build one with [`Client::builder`] (real
/// Vertex AI, with auth, retry and tracing decorators) or [`Client::from_transport`] (any
/// transport, used as is).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use retune_client::{Client, transport::InProcess, auth::StaticToken};
/// use retune_model::base_model::BaseModel;
/// use retune_model::names::ProjectNumber;
///
/// let emulator = mock_vertex::router(mock_vertex::Emulator::new());
/// let client = Client::builder()
///     .project("my-project".parse()?)
///     .location("us-central1".parse()?)
///     .endpoint("http://emulator.invalid".parse()?)
///     .token_provider(Arc::new(StaticToken::new("test")))
///     .transport(Arc::new(InProcess::new(emulator)))
///     .build()?;
///
/// let spec = retune_client::TuningJobSpec::from_base_model(
///     BaseModel::lookup("gemini-2.5-flash")?,
///     "gs://bucket/train.jsonl".parse()?,
/// );
/// let job = client.create_tuning_job(&spec).await?;
/// // Names come back with the project number, as Vertex AI answers them.
/// let number = ProjectNumber::derived(&"my-project".parse()?);
/// assert!(job.name.starts_with(&format!("projects/{number}/locations/us-central1/tuningJobs/")));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    transport: Arc<dyn Transport>,
    config: Arc<ClientConfig>,
    /// `{endpoint}/{api version}/`, prepared once: every URI starts with it.
    base_url: Arc<str>,
}

/// One HTTP call, described before it is sent.
pub(crate) struct Call {
    method: http::Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    idempotency: Idempotency,
}

impl Call {
    pub(crate) fn new(method: http::Method, path: String, idempotency: Idempotency) -> Self {
        Call {
            method,
            path,
            query: Vec::new(),
            body: None,
            idempotency,
        }
    }
    fn query(mut self, query: Vec<(&'static str, String)>) -> Self {
        self.query = query;
        self
    }
    pub(crate) fn body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }
}

/// `value` as a string, written into one allocation sized for a resource name.
fn display(value: &impl std::fmt::Display) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(128);
    // Writing into a `String` cannot fail.
    let _ = write!(out, "{value}");
    out
}

/// Sent as `user-agent` and `x-goog-api-client`.
const USER_AGENT: &str = concat!("retune-client/", env!("CARGO_PKG_VERSION"));

const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

impl Client {
    /// A client over `transport`, used as is: no auth, retry or tracing unless the transport
    /// already does them. The seam for tests and custom stacks.
    pub fn from_transport(transport: Arc<dyn Transport>, config: ClientConfig) -> Client {
        let base_url = format!("{}/{}/", config.endpoint, config.api_version);
        Client {
            transport,
            config: Arc::new(config),
            base_url: Arc::from(base_url),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// `projects/{p}/locations/{l}` of this client.
    pub fn location(&self) -> &LocationName {
        &self.config.location
    }

    /// A client for `location` over the same transport: the host the official SDKs use for it
    /// when this client talks to its own location's host, else the same endpoint (an emulator,
    /// or `GOOGLE_VERTEX_BASE_URL`). Reads of a resource in another project or location go
    /// through it.
    pub(crate) fn for_location(&self, location: &LocationName) -> Client {
        let own = self.config.location.location();
        let endpoint = if self.config.endpoint == Endpoint::for_location(own) {
            Endpoint::for_location(location.location())
        } else {
            self.config.endpoint.clone()
        };
        let config = ClientConfig {
            location: location.clone(),
            endpoint,
            ..ClientConfig::clone(&self.config)
        };
        Client::from_transport(self.transport.clone(), config)
    }

    pub(crate) fn check_location(
        &self,
        what: &'static str,
        location: &LocationId,
    ) -> Result<(), Error> {
        if location != self.config.location.location() {
            return Err(BuildError::new(
                what,
                format!(
                    "is in location {location} but this client talks to {}",
                    self.config.location.location()
                ),
            )
            .into());
        }
        Ok(())
    }

    fn request(&self, call: Call) -> Result<http::Request<Bytes>, Error> {
        let query_len: usize = call.query.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut uri = String::with_capacity(self.base_url.len() + call.path.len() + query_len);
        uri.push_str(&self.base_url);
        uri.push_str(&call.path);
        for (i, (k, v)) in call.query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(k);
            uri.push('=');
            uri.extend(percent_encoding::utf8_percent_encode(v, QUERY_VALUE));
        }
        // Parsed from the owned string (no copy); the error path rebuilds the text it quotes.
        let uri = http::Uri::try_from(uri).map_err(|e| {
            let text = format!("{}{}", self.base_url, call.path);
            BuildError::new("request", format!("{text:?} is not a valid request")).with_source(e)
        })?;
        const JSON: http::HeaderValue = http::HeaderValue::from_static("application/json");
        const AGENT: http::HeaderValue = http::HeaderValue::from_static(USER_AGENT);
        const API_CLIENT: http::HeaderName = http::HeaderName::from_static("x-goog-api-client");
        let mut headers = http::HeaderMap::with_capacity(5);
        headers.insert(http::header::ACCEPT, JSON);
        headers.insert(http::header::USER_AGENT, AGENT);
        headers.insert(API_CLIENT, AGENT);
        if call.body.is_some() {
            headers.insert(http::header::CONTENT_TYPE, JSON);
        }
        let mut req = http::Request::new(Bytes::from(call.body.unwrap_or_default()));
        *req.method_mut() = call.method;
        *req.uri_mut() = uri;
        *req.headers_mut() = headers;
        req.extensions_mut().insert(call.idempotency);
        Ok(req)
    }

    /// Sends `call`; a success status and its body, or the service's error.
    pub(crate) async fn respond(&self, call: Call) -> Result<(http::StatusCode, Bytes), Error> {
        let req = self.request(call)?;
        let response = self.transport.as_ref().send(req).await?;
        let status = response.status();
        let body = response.into_body();
        if !status.is_success() {
            return Err(ApiStatus::from_response(status, &body).into());
        }
        Ok((status, body))
    }

    pub(crate) async fn execute<T: DeserializeOwned + WireMessage>(
        &self,
        call: Call,
    ) -> Result<T, Error> {
        let (status, body) = self.respond(call).await?;
        decode_response::<T>(&body).map_err(|e| DecodeError::new(status, body, e).into())
    }

    /// Sends `call`, decodes a `W` and parses its names into a `T`: a name that does not parse
    /// is a [`DecodeError`], so the accessors of `T` need not fail.
    async fn execute_typed<W, T>(&self, call: Call) -> Result<T, Error>
    where
        W: DeserializeOwned + WireMessage,
        T: TryFrom<W, Error = NameError>,
    {
        let (status, body) = self.respond(call).await?;
        let wire =
            decode_response::<W>(&body).map_err(|e| DecodeError::new(status, body.clone(), e))?;
        T::try_from(wire).map_err(|e| DecodeError::new(status, body, e).into())
    }

    fn list_pages<W, T, R>(
        &self,
        path: String,
        options: ListOptions,
        split: fn(R) -> (Vec<W>, String),
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'static
    where
        W: Send + 'static,
        T: TryFrom<W, Error = NameError> + Send + 'static,
        R: DeserializeOwned + WireMessage + Send + 'static,
    {
        enum Page {
            First,
            Next(String),
            Done,
        }
        let client = self.clone();
        let pages = futures::stream::try_unfold(Page::First, move |page| {
            let client = client.clone();
            let path = path.clone();
            let options = options.clone();
            async move {
                let token = match page {
                    Page::First => None,
                    Page::Next(t) => Some(t),
                    Page::Done => return Ok(None),
                };
                let call = Call::new(http::Method::GET, path, Idempotency::Idempotent)
                    .query(options.query(token.as_deref()));
                let (status, body) = client.respond(call).await?;
                let page = decode_response::<R>(&body)
                    .map_err(|e| DecodeError::new(status, body.clone(), e))?;
                let (items, next) = split(page);
                let items = items
                    .into_iter()
                    .map(T::try_from)
                    .collect::<Result<Vec<T>, _>>()
                    .map_err(|e| DecodeError::new(status, body, e))?;
                let next = if next.is_empty() {
                    Page::Done
                } else {
                    Page::Next(next)
                };
                Ok::<_, Error>(Some((
                    futures::stream::iter(items.into_iter().map(Ok)),
                    next,
                )))
            }
        });
        futures::TryStreamExt::try_flatten(pages)
    }

    // ----------------------------------------------------------------------------------------
    // Tuning jobs
    // ----------------------------------------------------------------------------------------

    /// Creates a supervised tuning job (`POST .../tuningJobs`). Never retried once it may have
    /// reached the server, so a flaky network cannot create two jobs.
    pub async fn create_tuning_job(&self, spec: &TuningJobSpec) -> Result<TuningJob, Error> {
        let create = spec.check(&self.config.location)?;
        let body = wire::encode(&create.job, EnumEncoding::Names);
        let call = Call::new(
            http::Method::POST,
            format!("{}/tuningJobs", self.config.location),
            Idempotency::NonIdempotent,
        )
        .body(body);
        self.execute_typed::<wire::TuningJob, _>(call).await
    }

    /// Rebases a tuned model (`POST .../tuningJobs:rebaseTunedModel`): its job's data and
    /// hyperparameters are tuned again on a newer base model. `model` names the tuned model (its
    /// default version) or a version; `overrides` may replace the display name, description,
    /// labels or tuning spec. Returns the operation, whose response is the new `TuningJob`
    /// ([`wire::Operation::response_as`]). The request is checked by
    /// `retune_model::rebase::check_rebase_request` first; never retried once it may have
    /// reached the server.
    pub async fn rebase_tuned_model(
        &self,
        model: &ModelRef,
        overrides: Option<wire::TuningJob>,
    ) -> Result<wire::Operation, Error> {
        self.check_location("model name", model.name().location())?;
        let body = wire::RebaseTunedModelRequest {
            tuned_model_ref: Some(wire::TunedModelRef {
                tuned_model: model.to_string(),
                ..wire::TunedModelRef::default()
            }),
            tuning_job: overrides,
            ..wire::RebaseTunedModelRequest::default()
        };
        retune_model::rebase::check_rebase_request(&body)
            .map_err(|e| BuildError::new("RebaseTunedModel request", e.to_string()))?;
        let call = Call::new(
            http::Method::POST,
            format!("{}/tuningJobs:rebaseTunedModel", self.config.location),
            Idempotency::NonIdempotent,
        )
        .body(wire::encode(&body, EnumEncoding::Names));
        self.execute(call).await
    }

    /// Gets a tuning job.
    pub async fn get_tuning_job(&self, name: &TuningJobName) -> Result<TuningJob, Error> {
        self.check_location("tuning job name", name.location())?;
        self.execute_typed::<wire::TuningJob, _>(Call::new(
            http::Method::GET,
            display(name),
            Idempotency::Idempotent,
        ))
        .await
    }

    /// Lists the tuning jobs of this client's location, following page tokens.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::TryStreamExt;
    /// use retune_client::ListOptions;
    /// # use std::sync::Arc;
    /// # use retune_client::{Client, ClientConfig, transport::InProcess};
    /// # let config = ClientConfig::new("projects/p/locations/us-central1".parse()?, "http://emulator.invalid".parse()?);
    /// # let client = Client::from_transport(Arc::new(InProcess::new(mock_vertex::router(mock_vertex::Emulator::new()))), config);
    /// let jobs: Vec<_> = client.list_tuning_jobs(ListOptions::new().with_page_size(50)).try_collect().await?;
    /// assert!(jobs.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_tuning_jobs(
        &self,
        options: ListOptions,
    ) -> impl Stream<Item = Result<TuningJob, Error>> + Send + 'static {
        self.list_pages(
            format!("{}/tuningJobs", self.config.location),
            options,
            |r: wire::ListTuningJobsResponse| (r.tuning_jobs, r.next_page_token),
        )
    }

    /// Asks the service to cancel a job (`:cancel`); the job moves to CANCELLED later.
    pub async fn cancel_tuning_job(&self, name: &TuningJobName) -> Result<(), Error> {
        self.check_location("tuning job name", name.location())?;
        let call = Call::new(
            http::Method::POST,
            format!("{name}:cancel"),
            Idempotency::Idempotent,
        )
        .body(b"{}".to_vec());
        self.execute::<wire::Empty>(call).await.map(|_| ())
    }

    /// A poller for a job, with this client's default [`PollPolicy`].
    pub fn wait_for_job(&self, name: &TuningJobName) -> JobPoller {
        JobPoller::new(self.clone(), name.clone(), self.config.poll_policy.clone())
    }

    // ----------------------------------------------------------------------------------------
    // Models
    // ----------------------------------------------------------------------------------------

    /// Gets a model version: by id, by alias, or the default version when `model` has no `@`.
    pub async fn get_model(&self, model: &ModelRef) -> Result<Model, Error> {
        self.check_location("model name", model.name().location())?;
        self.execute_typed::<wire::Model, _>(Call::new(
            http::Method::GET,
            display(model),
            Idempotency::Idempotent,
        ))
        .await
    }

    /// Lists the models of this client's location.
    pub fn list_models(
        &self,
        options: ListOptions,
    ) -> impl Stream<Item = Result<Model, Error>> + Send + 'static {
        self.list_pages(
            format!("{}/models", self.config.location),
            options,
            |r: wire::ListModelsResponse| (r.models, r.next_page_token),
        )
    }

    /// Lists every version of a model (`:listVersions`), each named `...@{versionId}`.
    pub fn list_model_versions(
        &self,
        model: &ModelName,
        options: ListOptions,
    ) -> impl Stream<Item = Result<Model, Error>> + Send + 'static {
        self.list_pages(
            format!("{model}:listVersions"),
            options,
            |r: wire::ListModelVersionsResponse| (r.models, r.next_page_token),
        )
    }

    /// Lists the checkpoints of a model version (`:listCheckpoints`).
    pub fn list_checkpoints(
        &self,
        model: &ModelRef,
    ) -> impl Stream<Item = Result<Checkpoint, Error>> + Send + 'static {
        self.list_pages(
            format!("{model}:listCheckpoints"),
            ListOptions::new(),
            |r: wire::ListModelVersionCheckpointsResponse| (r.checkpoints, r.next_page_token),
        )
    }

    /// Updates a model (model-level fields, `model` without a version or `@-`) or a version
    /// (version-level fields, `model@{id or alias}`), sending `updateMask`.
    ///
    /// The body and mask are checked by [`check_update_model`], the validator the emulator runs
    /// on receipt; nothing is sent when it refuses them (the fields and the name disagree on the
    /// level, a label is malformed, a display name is too long): [`Error::Build`], whose
    /// [`Error::violations`] name the fields as the service does.
    pub async fn update_model(
        &self,
        model: &ModelRef,
        update: &ModelUpdate,
    ) -> Result<Model, Error> {
        self.check_location("model name", model.name().location())?;
        let body = wire::encode(&update.to_wire(model), EnumEncoding::Names);
        let mask = update.update_mask_paths();
        check_update_model(UpdateModelRequest {
            model,
            update_mask: Some(&mask),
            body: &body,
        })
        .map_err(|e| {
            BuildError::refused_by_validator(
                "UpdateModel request",
                e.violations().to_vec(),
                e.code(),
                e,
            )
        })?;
        let call = Call::new(http::Method::PATCH, display(model), Idempotency::Idempotent)
            .query(vec![("updateMask", mask.join(","))])
            .body(body);
        self.execute_typed::<wire::Model, _>(call).await
    }

    /// Deletes a model and all its versions; returns the long-running operation.
    pub async fn delete_model(&self, model: &ModelName) -> Result<wire::Operation, Error> {
        self.check_location("model name", model.location())?;
        let whole = ModelRef::from(model.clone());
        let model = check_delete_model(&whole).map_err(|e| {
            BuildError::refused_by_validator(
                "DeleteModel request",
                e.violations().to_vec(),
                e.code(),
                e,
            )
        })?;
        self.execute(Call::new(
            http::Method::DELETE,
            display(model),
            Idempotency::Idempotent,
        ))
        .await
    }

    /// Deletes one version (`:deleteVersion`), named by id (`…/models/{model}@{versionId}`, as
    /// [`Model::model_ref`] gives it); the only version of a model cannot be deleted.
    pub async fn delete_model_version(&self, version: &ModelRef) -> Result<wire::Operation, Error> {
        self.check_location("model name", version.name().location())?;
        if version.version_id().is_none() {
            return Err(BuildError::new(
                "model name",
                format!("DeleteModelVersion needs a version id: `{version}` names none"),
            )
            .into());
        }
        let path = format!("{version}:deleteVersion");
        self.execute(Call::new(
            http::Method::DELETE,
            path,
            Idempotency::Idempotent,
        ))
        .await
    }

    /// Adds and removes aliases of one version, named by id (`…/models/{model}@{versionId}`, as
    /// [`Model::model_ref`] gives it); returns that version. The request is checked by
    /// [`check_merge_version_aliases`] first (a version id, at least one change).
    pub async fn merge_version_aliases(
        &self,
        version: &ModelRef,
        changes: &[AliasChange],
    ) -> Result<Model, Error> {
        self.check_location("model name", version.name().location())?;
        let target = version;
        let body = wire::MergeVersionAliasesRequest {
            version_aliases: changes.iter().map(AliasChange::to_string).collect(),
            ..wire::MergeVersionAliasesRequest::default()
        };
        check_merge_version_aliases(target, &body).map_err(|e| {
            BuildError::refused_by_validator(
                "MergeVersionAliases request",
                e.violations().to_vec(),
                e.code(),
                e,
            )
        })?;
        let call = Call::new(
            http::Method::POST,
            format!("{target}:mergeVersionAliases"),
            Idempotency::Idempotent,
        )
        .body(wire::encode(&body, EnumEncoding::Names));
        self.execute_typed::<wire::Model, _>(call).await
    }

    // ----------------------------------------------------------------------------------------
    // Operations and endpoints
    // ----------------------------------------------------------------------------------------

    /// Gets a long-running operation.
    pub async fn get_operation(&self, name: &OperationName) -> Result<wire::Operation, Error> {
        self.check_location("operation name", name.location())?;
        self.execute(Call::new(
            http::Method::GET,
            display(name),
            Idempotency::Idempotent,
        ))
        .await
    }

    /// Polls an operation until `done`, with this client's [`PollPolicy`]; an operation that
    /// ends with an `error` is returned as is (check `operation.error`).
    pub async fn wait_operation(&self, name: &OperationName) -> Result<wire::Operation, WaitError> {
        let policy = self.config.poll_policy.clone();
        let start = tokio::time::Instant::now();
        let mut attempt = 0u32;
        loop {
            let op = self.get_operation(name).await?;
            if op.done {
                return Ok(op);
            }
            attempt += 1;
            match policy.next_delay(start, attempt) {
                Some(delay) => tokio::time::sleep(delay).await,
                None => {
                    return Err(WaitError::TimedOut {
                        waited: start.elapsed(),
                        last_state: None,
                    });
                }
            }
        }
    }

    /// Gets an endpoint.
    pub async fn get_endpoint(&self, name: &EndpointName) -> Result<wire::Endpoint, Error> {
        self.check_location("endpoint name", name.location())?;
        self.execute(Call::new(
            http::Method::GET,
            display(name),
            Idempotency::Idempotent,
        ))
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{TransportError, TransportErrorKind};

    /// A transport these tests never call.
    #[derive(Debug)]
    struct Unused;

    #[async_trait::async_trait]
    impl Transport for Unused {
        async fn send(
            &self,
            _: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            Err(TransportError::not_sent(
                TransportErrorKind::Connect,
                "unused",
            ))
        }
    }

    fn client(endpoint: &str) -> Client {
        let config = ClientConfig::new(
            "projects/p/locations/us-central1".parse().unwrap(),
            endpoint.parse().unwrap(),
        );
        Client::from_transport(Arc::new(Unused), config)
    }

    #[test]
    fn another_location_is_read_on_its_regional_host() {
        let elsewhere: LocationName = "projects/q/locations/europe-west4".parse().unwrap();
        let other =
            client("https://us-central1-aiplatform.googleapis.com").for_location(&elsewhere);
        assert_eq!(other.location(), &elsewhere);
        assert_eq!(
            other.config().endpoint().as_str(),
            "https://europe-west4-aiplatform.googleapis.com"
        );
    }

    #[test]
    fn an_explicit_endpoint_serves_every_location() {
        let elsewhere: LocationName = "projects/q/locations/europe-west4".parse().unwrap();
        let other = client("http://127.0.0.1:8080").for_location(&elsewhere);
        assert_eq!(other.location(), &elsewhere);
        assert_eq!(other.config().endpoint().as_str(), "http://127.0.0.1:8080");
    }
}
