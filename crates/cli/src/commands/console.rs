//! `retune console`: the web console of [`mock_vertex::console`] on 127.0.0.1, forwarding the
//! page's calls under `/v1/` and `/v1beta1/` to Vertex AI with the user's credentials.
//!
//! A call goes to the host of the location in its path (`projects/P/locations/L/...`, the
//! location parsed as a `LocationId`, so no path can name another host), or of `--location` for
//! paths without one, or to `--endpoint` for every call. The bearer token comes from
//! `--access-token` or Application Default Credentials, asked for each call.
//!
//! Only the console's own pages may have a call forwarded: the server listens on loopback only,
//! answers only requests whose `Host` is that loopback address (a DNS-rebinding page has another
//! host), and forwards only requests carrying the `X-Retune-Console` header the pages send (a
//! cross-site page cannot send it without a CORS preflight, which this server never approves).
//! Refusals and failures are Google's error envelope, as the pages read every answer.

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
use retune_model::Code;
use retune_model::names::LocationId;
use tokio::net::TcpListener;

use crate::config::ConsoleServe;
use crate::exit::Exit;
use crate::output::Out;

/// The header the console's pages send with every API call.
pub const CONSOLE_HEADER: &str = "x-retune-console";
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
        Err(err) => err.into_response(),
    }
}

impl Forwarder {
    async fn forward(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Response, ApiError> {
        let path = uri.path();
        if !(path.starts_with("/v1/") || path.starts_with("/v1beta1/")) {
            return Err(ApiError::not_found(format!(
                "The requested URL {path} was not found on this server."
            )));
        }
        check_origin(headers, self.port)?;
        let base = match &self.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => Endpoint::for_location(&location_of(path, &self.default_location)?),
        };
        let token = self.tokens.token().await.map_err(|err| {
            ApiError::new(
                Code::Unauthenticated,
                format!(
                    "{err}; sign in with `gcloud auth application-default login` or pass --access-token"
                ),
            )
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
        let upstream = request.send().await.map_err(|err| {
            ApiError::new(
                Code::Unavailable,
                format!("{} could not be reached: {err}", base.as_str()),
            )
        })?;
        let status =
            StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let content_type = upstream.headers().get(header::CONTENT_TYPE).cloned();
        let bytes = upstream.bytes().await.map_err(|err| {
            ApiError::new(
                Code::Unavailable,
                format!("the answer of {} was cut short: {err}", base.as_str()),
            )
        })?;
        let mut response = (status, bytes).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            content_type.unwrap_or(HeaderValue::from_static("application/json")),
        );
        Ok(response)
    }
}

/// Refuses a request that did not come from the console's own page on this port.
fn check_origin(headers: &HeaderMap, port: u16) -> Result<(), ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let own = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    if !own.iter().any(|o| o == host) {
        return Err(ApiError::new(
            Code::PermissionDenied,
            format!(
                "the console forwards calls only for http://127.0.0.1:{port}, not for host {host:?}"
            ),
        ));
    }
    if !headers.contains_key(CONSOLE_HEADER) {
        return Err(ApiError::new(
            Code::PermissionDenied,
            "the console forwards only its own pages' calls (the X-Retune-Console header is missing)",
        ));
    }
    Ok(())
}

/// The location a call's path names (`/{v}/projects/P/locations/L/...`), else `default`.
fn location_of(path: &str, default: &LocationId) -> Result<LocationId, ApiError> {
    let mut segments = path.trim_start_matches('/').split('/').skip(1);
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some("projects"), Some(_), Some("locations"), Some(location)) => location
            .parse::<LocationId>()
            .map_err(|err| ApiError::invalid_argument(format!("{err}"))),
        _ => Ok(default.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn us() -> LocationId {
        "us-central1".parse().unwrap()
    }

    #[test]
    fn a_call_goes_to_the_host_of_the_location_in_its_path() {
        let located = location_of("/v1/projects/p/locations/europe-west4/models", &us()).unwrap();
        assert_eq!(
            Endpoint::for_location(&located).as_str(),
            "https://europe-west4-aiplatform.googleapis.com"
        );
        let unlocated = location_of("/v1/publishers/google/models", &us()).unwrap();
        assert_eq!(unlocated, us());
    }

    #[test]
    fn a_location_that_is_not_one_is_refused() {
        let err =
            location_of("/v1/projects/p/locations/evil.example.com%2F/models", &us()).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }

    #[test]
    fn only_the_pages_own_calls_on_this_port_are_forwarded() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(check_origin(&headers, 8080).is_err(), "no console header");
        headers.insert(CONSOLE_HEADER, HeaderValue::from_static("1"));
        assert!(check_origin(&headers, 8080).is_ok());
        assert!(check_origin(&headers, 9090).is_err(), "another port");
        headers.insert(
            header::HOST,
            HeaderValue::from_static("attacker.example:8080"),
        );
        assert!(check_origin(&headers, 8080).is_err(), "a rebound host name");
    }

    proptest! {
        /// Whatever the path, a call goes to a Vertex AI host: `{region}-aiplatform`,
        /// `aiplatform.{multi-region}.rep` or `aiplatform` under googleapis.com, nowhere else.
        #[test]
        fn no_path_sends_a_call_outside_googleapis(location in "[ -~]{0,40}", rest in "[ -~]{0,20}") {
            let path = format!("/v1/projects/p/locations/{location}/{rest}");
            if let Ok(location) = location_of(&path, &us()) {
                let endpoint = Endpoint::for_location(&location);
                let host = endpoint.as_str().strip_prefix("https://").unwrap();
                prop_assert!(host.ends_with(".googleapis.com"), "{host}");
                prop_assert!(!host.contains('/') && !host.contains('@') && !host.contains(':'), "{host}");
            }
        }
    }
}
