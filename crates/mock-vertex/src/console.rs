//! The web console: static pages (HTML, one style sheet, ES modules) built into the binary and
//! served at `/` and under `/console/`.
//!
//! The pages call only the public Vertex AI REST API under `/v1/`, relative to their own origin,
//! so the same assets work served by the emulator (which answers `/v1/` itself) and by
//! `retune console` (which forwards `/v1/` to Vertex AI with the user's credentials). They read
//! the default project and location from `/console/config.json`.
//!
//! Every answer carries a Content-Security-Policy that allows scripts, styles and calls from the
//! same origin only: no inline script, no CDN, nothing from the network.
//!
//! | Path | Answer |
//! |---|---|
//! | `/`, `/console/`, `/console/index.html` | the page |
//! | `/console/{asset}` | `style.css`, `app.js` and the page modules |
//! | `/console/config.json` | `{"project", "location"}`: the defaults of the header form |

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::error::ApiError;

/// The assets: `(file name, content type, bytes)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../console/index.html"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../console/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/app.js"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/api.js"),
    ),
    (
        "dom.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/dom.js"),
    ),
    (
        "registry.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/registry.js"),
    ),
    (
        "create.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/create.js"),
    ),
    (
        "jobs.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/jobs.js"),
    ),
    (
        "lineage.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/lineage.js"),
    ),
    (
        "test.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../console/test.js"),
    ),
];

/// Same-origin only: the pages load nothing from elsewhere and run no inline script.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The project and location the console's header form starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleConfig {
    /// The default project id (empty: the user types one).
    pub project: String,
    /// The default location, such as `us-central1`.
    pub location: String,
}

impl ConsoleConfig {
    /// The emulator's defaults: `emulator-project` in `us-central1`.
    pub fn emulator() -> ConsoleConfig {
        ConsoleConfig {
            project: retune_model::emulator_env::DEFAULT_PROJECT.to_owned(),
            location: retune_model::emulator_env::DEFAULT_LOCATION.to_owned(),
        }
    }
}

/// The console's routes, `/` included, for a server of its own (`retune console`).
pub fn router<S: Clone + Send + Sync + 'static>(config: ConsoleConfig) -> Router<S> {
    assets_router(config).route(
        "/",
        get(|| async { index() }).fallback(crate::routes::wrong_method),
    )
}

/// The routes under `/console/` (the emulator serves `/` itself, shared with the metadata ping).
pub(crate) fn assets_router<S: Clone + Send + Sync + 'static>(config: ConsoleConfig) -> Router<S> {
    let config = json!({ "project": config.project, "location": config.location }).to_string();
    Router::new()
        .route(
            "/console/config.json",
            get(config_json).fallback(crate::routes::wrong_method),
        )
        .route(
            "/console/",
            get(|| async { index() }).fallback(crate::routes::wrong_method),
        )
        .route(
            "/console/{file}",
            get(asset).fallback(crate::routes::wrong_method),
        )
        .with_state(config)
}

/// The console's page.
pub(crate) fn index() -> Response {
    served("index.html").unwrap_or_else(|err| err.into_response())
}

async fn config_json(State(config): State<String>) -> Response {
    with_headers(config.into_bytes(), "application/json; charset=utf-8")
}

async fn asset(Path(file): Path<String>) -> Response {
    served(&file).unwrap_or_else(|err| err.into_response())
}

fn served(file: &str) -> Result<Response, ApiError> {
    ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .map(|(_, content_type, bytes)| with_headers(bytes.to_vec(), content_type))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "The requested URL /console/{file} was not found on this server."
            ))
        })
}

fn with_headers(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
