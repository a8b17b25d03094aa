//! `retune console`: the web console of [`mock_vertex::console`] on 127.0.0.1, forwarding the
//! page's calls under `/v1/` and `/v1beta1/` to Vertex AI with the user's credentials.
//!
//! A call goes to the host of the location in its path (`projects/P/locations/L/...`, the
//! location parsed as a `LocationId`, so no path can name another host), or of `--location` for
//! paths without one, or to `--endpoint` for every call. The bearer token comes from
//! `--access-token` or Application Default Credentials, asked for each call.
//!
//! Only the console's own pages may have a call forwarded (loopback only, its own `Host`, the
//! pages' marker header): the rules, and the status of every refusal, are
//! `retune_model::console_forwarding`'s. Refusals and failures are Google's error envelope, as
//! the pages read every answer.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use mock_vertex::ApiError;
use mock_vertex::console::ConsoleConfig;
use retune_client::auth::{Adc, TokenProvider};
use retune_client::endpoint::Endpoint;
use retune_model::console_forwarding::{
    CONSOLE_HEADER, ForwardError, check_origin, forwarded_location,
};
use retune_model::names::LocationId;
use tokio::net::TcpListener;

use crate::config::ConsoleServe;
use crate::exit::Exit;
use crate::output::Out;

/// How long a forwarded call may take when `--request-timeout` does not say.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// What the forwarding needs, shared by every request.
#[derive(Debug)]
struct Forwarder {
    http: reqwest::Client,
    endpoint: Option<Endpoint>,
    default_location: LocationId,
    tokens: Arc<dyn TokenProvider>,
    port: u16,
}

/// Serves until interrupted.
pub async fn serve(settings: ConsoleServe, out: &Out) -> anyhow::Result<Exit> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, settings.port))
        .await
        .with_context(|| {
            format!(
                "cannot listen on 127.0.0.1:{}; pick another --port",
                settings.port
            )
        })?;
    let addr = listener
        .local_addr()
        .context("the listener has no address")?;
    let app = app(&settings, addr).context("cannot set up the console")?;
    out.line(format!("retune console on http://{addr}/"))?;
    if out.narrates() {
        let target = settings.endpoint.as_ref().map_or_else(
            || "Vertex AI (the host of each call's location)".to_owned(),
            |e| e.as_str().to_owned(),
        );
        eprintln!("Open it in a browser; its API calls go to {target}. Ctrl-C stops it.");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(super::emulator::shutdown_signal())
        .await
        .context("the console server stopped with an error")?;
    Ok(Exit::Ok)
}

/// The console's pages and the forwarding of its calls.
fn app(settings: &ConsoleServe, addr: SocketAddr) -> anyhow::Result<axum::Router> {
    let endpoint = settings.endpoint.as_ref();
    let tokens: Arc<dyn TokenProvider> =
        super::token_provider(settings.access_token.as_deref(), endpoint)
            .unwrap_or_else(|| Arc::new(Adc::new()));
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(settings.request_timeout.unwrap_or(DEFAULT_TIMEOUT))
        .build()
        .context("cannot build an HTTP client")?;
    let forwarder = Arc::new(Forwarder {
        http,
        endpoint: settings.endpoint.clone(),
        default_location: settings.location.clone(),
        tokens,
        port: addr.port(),
    });
    let config = ConsoleConfig {
        project: settings
            .project
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        location: settings.location.to_string(),
    };
    Ok(mock_vertex::console::router(config)
        .fallback(forward)
        .with_state(forwarder))
}

async fn forward(
    State(forwarder): State<Arc<Forwarder>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match forwarder.forward(method, &uri, &headers, body).await {
        Ok(response) => response,
        Err(err) => ApiError::new(err.code(), err.to_string()).into_response(),
    }
}

impl Forwarder {
    async fn forward(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Response, ForwardError> {
        let path = uri.path();
        let location = forwarded_location(path)?;
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        check_origin(host, headers.contains_key(CONSOLE_HEADER), self.port)?;
        let base = match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => Endpoint::for_location(location.as_ref().unwrap_or(&self.default_location)),
        };
        let token = self
            .tokens
            .token()
            .await
            .map_err(|err| ForwardError::NoCredentials {
                reason: err.to_string(),
            })?;
        let path_and_query = uri.path_and_query().map_or(path, |pq| pq.as_str());
        let mut request = self
            .http
            .request(method, format!("{}{path_and_query}", base.as_str()))
            .body(body);
        for name in [header::CONTENT_TYPE, header::ACCEPT] {
            if let Some(value) = headers.get(&name) {
                request = request.header(name, value);
            }
        }
        if let Some(token) = token {
            request = request.bearer_auth(token.secret());
        }
        let unreachable = |err: reqwest::Error| ForwardError::Unreachable {
            host: base.as_str().to_owned(),
            reason: err.to_string(),
        };
        let upstream = request.send().await.map_err(unreachable)?;
        let status =
            StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let content_type = upstream.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = upstream.bytes().await.map_err(unreachable)?;
        let mut response = (status, bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            content_type.unwrap_or(HeaderValue::from_static("application/json")),
        );
        Ok(response)
    }
}
