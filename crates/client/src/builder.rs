//! Building a [`Client`]: for real Vertex AI with [`Client::builder`] (auth, retry and tracing
//! decorators around the transport), or for the emulator in one line, over HTTP with
//! [`Client::for_emulator`] or in process with [`Client::in_process`].

use std::sync::Arc;

use retune_model::names::{LocationId, LocationName, ProjectId};

use crate::auth::{AuthTransport, TokenProvider};
use crate::client::{Client, ClientConfig};
use crate::endpoint::{ApiVersion, BASE_URL_ENV, Endpoint, resolve_endpoint};
use crate::error::{BuildError, Error};
use crate::retry::{RetryPolicy, RetryTransport};
use crate::tracing::TracingTransport;
use crate::transport::Transport;
use crate::wait::PollPolicy;

/// Builds a [`Client`]: parsed names in, a decorated transport out.
#[derive(Debug, Default)]
pub struct ClientBuilder {
    project: Option<ProjectId>,
    location: Option<LocationId>,
    endpoint: Option<Endpoint>,
    api_version: ApiVersion,
    token_provider: Option<Arc<dyn TokenProvider>>,
    retry_policy: Option<RetryPolicy>,
    poll_policy: Option<PollPolicy>,
    transport: Option<Arc<dyn Transport>>,
    read_environment: bool,
}

impl ClientBuilder {
    /// The project (required).
    pub fn project(mut self, project: ProjectId) -> Self {
        self.project = Some(project);
        self
    }
    /// The location (required); it also picks the host.
    pub fn location(mut self, location: LocationId) -> Self {
        self.location = Some(location);
        self
    }
    /// An explicit base URL; overrides the location's host and `GOOGLE_VERTEX_BASE_URL`.
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(endpoint);
        self
    }
    /// The API version (default `v1`).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }
    /// Where tokens come from (default: Application Default Credentials with the `adc`
    /// feature, none without it).
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.token_provider = Some(provider);
        self
    }
    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }
    /// The default polling policy for waits.
    pub fn poll_policy(mut self, policy: PollPolicy) -> Self {
        self.poll_policy = Some(policy);
        self
    }
    /// The innermost transport (default: `ReqwestTransport` with the `reqwest` feature). Auth,
    /// tracing and retry are layered on top of it.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }
    /// Whether `GOOGLE_VERTEX_BASE_URL` is honoured (default true).
    pub fn read_environment(mut self, read: bool) -> Self {
        self.read_environment = read;
        self
    }

    /// Resolves the endpoint and stacks the decorators: retry(tracing(auth(transport))).
    pub fn build(self) -> Result<Client, Error> {
        let project = self
            .project
            .ok_or_else(|| BuildError::new("project", "a project is required"))?;
        let location = self
            .location
            .ok_or_else(|| BuildError::new("location", "a location is required"))?;
        let env = if self.read_environment {
            std::env::var(BASE_URL_ENV).ok()
        } else {
            None
        };
        let endpoint = resolve_endpoint(&location, self.endpoint.as_ref(), env.as_deref())?;
        let base = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let provider = match self.token_provider {
            Some(p) => p,
            None => default_token_provider(),
        };
        let authed: Arc<dyn Transport> = Arc::new(AuthTransport::new(base, provider));
        let traced: Arc<dyn Transport> = Arc::new(TracingTransport::new(authed));
        let retried: Arc<dyn Transport> = Arc::new(RetryTransport::new(
            traced,
            self.retry_policy.unwrap_or_default(),
        ));
        let mut config = ClientConfig::new(LocationName::new(project, location), endpoint)
            .with_api_version(self.api_version);
        if let Some(p) = self.poll_policy {
            config = config.with_poll_policy(p);
        }
        Ok(Client::from_transport(retried, config))
    }
}

#[cfg(feature = "reqwest")]
fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    Ok(Arc::new(crate::transport::ReqwestTransport::new()?))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport() -> Result<Arc<dyn Transport>, Error> {
    Err(BuildError::new(
        "transport",
        "no transport given and the `reqwest` feature is off",
    )
    .into())
}

#[cfg(feature = "adc")]
fn default_token_provider() -> Arc<dyn TokenProvider> {
    Arc::new(crate::auth::Adc::new())
}

#[cfg(not(feature = "adc"))]
fn default_token_provider() -> Arc<dyn TokenProvider> {
    Arc::new(crate::auth::NoAuth)
}

impl Client {
    /// A builder for a client of real Vertex AI (or any endpoint).
    pub fn builder() -> ClientBuilder {
        ClientBuilder {
            read_environment: true,
            ..ClientBuilder::default()
        }
    }

    /// A client of the emulator (`mock-vertex`) at `base_url`, such as
    /// `http://127.0.0.1:8080`: no credentials, no environment read, and
    /// [`PollPolicy::fast`], so waiting for an emulated job takes milliseconds.
    ///
    /// ```
    /// # fn main() -> Result<(), retune_client::Error> {
    /// use retune_client::Client;
    /// let client = Client::for_emulator(
    ///     "http://127.0.0.1:8080".parse()?,
    ///     "my-project".parse()?,
    ///     "us-central1".parse()?,
    /// )?;
    /// assert_eq!(client.location().to_string(), "projects/my-project/locations/us-central1");
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "reqwest")]
    pub fn for_emulator(
        base_url: Endpoint,
        project: ProjectId,
        location: LocationId,
    ) -> Result<Client, Error> {
        Client::builder()
            .project(project)
            .location(location)
            .endpoint(base_url)
            .read_environment(false)
            .token_provider(Arc::new(crate::auth::NoAuth))
            .poll_policy(PollPolicy::fast())
            .build()
    }

    /// A client of a service in this process, such as the emulator's router
    /// (`mock_vertex::router`), through [`InProcess`](crate::transport::InProcess): no
    /// credentials, no retries, and [`PollPolicy::fast`]. The client does not depend on the
    /// emulator; the caller brings it (as a dev-dependency, in tests).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), retune_client::Error> {
    /// use retune_client::Client;
    /// let emulator = mock_vertex::router(mock_vertex::Emulator::new());
    /// let client = Client::in_process(emulator, "my-project".parse()?, "us-central1".parse()?);
    /// let missing = "projects/my-project/locations/us-central1/models/404".parse()?;
    /// assert!(client.get_model(&missing).await.unwrap_err().is_not_found());
    /// # Ok(())
    /// # }
    /// ```
    pub fn in_process<S>(service: S, project: ProjectId, location: LocationId) -> Client
    where
        crate::transport::InProcess<S>: Transport,
    {
        let config =
            ClientConfig::new(LocationName::new(project, location), Endpoint::in_process())
                .with_poll_policy(PollPolicy::fast());
        Client::from_transport(Arc::new(crate::transport::InProcess::new(service)), config)
    }
}
