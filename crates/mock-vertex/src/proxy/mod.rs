//! The intercepting HTTPS proxy on the emulator's own port: `CONNECT host:443` to a host the
//! emulator serves is answered by the emulator itself over TLS; any other host is refused with a
//! clear error and never contacted (the refusal is decided from the request line alone, before
//! anything else happens: the emulator opens no outbound connection, ever).
//!
//! The TLS certificates come from a local CA ([`LocalCa`]) created on first use in a directory
//! the user chooses; leaves are minted per host and cached. ALPN offers `h2` and `http/1.1`, and
//! the decrypted stream is served by the same router as plain HTTP, so
//! `https://us-central1-aiplatform.googleapis.com/v1/...` answers as `http://127.0.0.1:PORT/v1/...`.
//!
//! Also here: `GET /_emulator/env` (what `retune emulator env` needs: the CA file, project and
//! location, as JSON) and `GET /_emulator/ca.pem` (the CA certificate).

mod ca;

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use retune_model::emulator_env::{ConnectTarget, DEFAULT_LOCATION, DEFAULT_PROJECT};
use rustls::ServerConfig;
use serde_json::json;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

pub use ca::{CA_CERT_FILE, CA_KEY_FILE, CaError, LocalCa};

use crate::error::ApiError;
use crate::state::Emulator;

/// The proxy's TLS side: the CA directory, and once loaded, the CA and the server config.
#[derive(Debug)]
pub struct Interceptor {
    dir: PathBuf,
    loaded: OnceLock<Result<Loaded, String>>,
}

struct Loaded {
    ca: Arc<LocalCa>,
    tls: TlsAcceptor,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("ca", &self.ca)
            .finish_non_exhaustive()
    }
}

impl Interceptor {
    /// An interceptor whose CA lives in `dir` (created there on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Interceptor {
        Interceptor {
            dir: dir.into(),
            loaded: OnceLock::new(),
        }
    }

    /// The CA directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Loads or creates the CA now (the binary does it at start-up).
    pub fn ca(&self) -> Result<Arc<LocalCa>, String> {
        self.loaded().map(|l| Arc::clone(&l.ca))
    }

    fn loaded(&self) -> Result<&Loaded, String> {
        self.loaded
            .get_or_init(|| {
                let ca = Arc::new(LocalCa::load_or_create(&self.dir).map_err(|e| e.to_string())?);
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let mut config = ServerConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| e.to_string())?
                    .with_no_client_auth()
                    .with_cert_resolver(Arc::clone(&ca) as _);
                config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
                Ok(Loaded {
                    ca,
                    tls: TlsAcceptor::from(Arc::new(config)),
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Where the binaries keep the CA unless told: `$XDG_CONFIG_HOME/retune/emulator-ca`, else
/// `$HOME/.config/retune/emulator-ca`, else `.mock-vertex-ca` in the working directory.
pub fn default_ca_dir() -> PathBuf {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")));
    match config {
        Some(config) => config.join("retune").join("emulator-ca"),
        None => PathBuf::from(".mock-vertex-ca"),
    }
}

/// The routes of this module: `/_emulator/env` and `/_emulator/ca.pem`.
pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/_emulator/env", get(env))
        .route("/_emulator/ca.pem", get(ca_pem))
}

fn no_interceptor() -> ApiError {
    ApiError::failed_precondition(
        "this emulator has no CA directory, so it does not intercept HTTPS; start mock-vertex with --ca-dir DIR",
    )
}

async fn env(State(emulator): State<Emulator>) -> Response {
    let Some(interceptor) = emulator.interceptor() else {
        return no_interceptor().into_response();
    };
    match interceptor.ca() {
        Ok(ca) => axum::Json(json!({
            "caFile": ca.cert_path().display().to_string(),
            "project": DEFAULT_PROJECT,
            "location": DEFAULT_LOCATION,
        }))
        .into_response(),
        Err(err) => ApiError::internal(err).into_response(),
    }
}

async fn ca_pem(State(emulator): State<Emulator>) -> Response {
    let Some(interceptor) = emulator.interceptor() else {
        return no_interceptor().into_response();
    };
    match interceptor.ca() {
        Ok(ca) => {
            let mut response = ca.cert_pem().to_owned().into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-pem-file"),
            );
            response
        }
        Err(err) => ApiError::internal(err).into_response(),
    }
}

/// The emulator's whole HTTP service: `CONNECT` goes to the proxy, everything else to `app`.
pub(crate) async fn serve_request(
    emulator: Emulator,
    app: Router,
    request: Request,
) -> Result<Response, Infallible> {
    if request.method() == Method::CONNECT {
        Ok(connect(emulator, app, request))
    } else {
        app.oneshot(request).await
    }
}

fn refusal(status: StatusCode, message: String) -> Response {
    tracing::warn!(%status, %message, "CONNECT refused");
    let mut response = (status, format!("{message}\n")).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn connect(emulator: Emulator, app: Router, request: Request) -> Response {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_else(|| request.uri().to_string());
    let target = match ConnectTarget::parse(&authority) {
        Ok(target) => target,
        Err(err) => {
            let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::FORBIDDEN);
            return refusal(status, err.to_string());
        }
    };
    let Some(interceptor) = emulator.interceptor() else {
        return refusal(StatusCode::FORBIDDEN, no_interceptor().message().to_owned());
    };
    let tls = match interceptor.loaded() {
        Ok(loaded) => loaded.tls.clone(),
        Err(err) => return refusal(StatusCode::INTERNAL_SERVER_ERROR, err),
    };
    tracing::debug!(host = %target.host, "CONNECT intercepted");
    tokio::spawn(async move {
        let upgraded = match hyper::upgrade::on(request).await {
            Ok(upgraded) => upgraded,
            Err(err) => {
                tracing::warn!(%err, host = %target.host, "CONNECT upgrade failed");
                return;
            }
        };
        let stream = match tls.accept(TokioIo::new(upgraded)).await {
            Ok(stream) => stream,
            Err(err) => {
                tracing::warn!(%err, host = %target.host, "TLS handshake failed");
                return;
            }
        };
        let service = TowerToHyperService::new(
            app.map_request(|req: hyper::Request<hyper::body::Incoming>| req.map(Body::new)),
        );
        if let Err(err) = auto::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), service)
            .await
        {
            tracing::debug!(%err, host = %target.host, "tunnelled connection ended");
        }
    });
    StatusCode::OK.into_response()
}
