//! The Compute Engine metadata server, as Application Default Credentials read it.
//!
//! google-auth and the Rust `gcp_auth` crate find it through `GCE_METADATA_HOST` and
//! `GCE_METADATA_IP`: they ping the root (`GET /` with `Metadata-Flavor: Google`, expecting the
//! same header back), then read the project and the default service account's token under
//! `/computeMetadata/v1/`. A `GET /` without that header at all is a browser: it gets the web
//! console ([`crate::console`]). Every answer carries `Metadata-Flavor: Google`; a request without that
//! header is 403, as on Compute Engine. Tokens come from [`IssuedTokens`](crate::oauth::IssuedTokens).
//!
//! | Path under `/computeMetadata/v1/` | Answer |
//! |---|---|
//! | `project/project-id`, `project/numeric-project-id` | text |
//! | `instance/service-accounts/` | `default/` and the email, one a line |
//! | `instance/service-accounts/{default\|email}/` (`?recursive=true`) | JSON `{aliases, email, scopes}` |
//! | `instance/service-accounts/{default\|email}/email`, `/scopes` | text |
//! | `instance/service-accounts/{default\|email}/token` | JSON `{access_token, expires_in, token_type}` |
//! | `universe/universe-domain` | `googleapis.com` |

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use retune_model::Code;
use retune_model::emulator_env::DEFAULT_PROJECT;
use retune_model::names::ProjectId;
use serde_json::json;
use std::collections::HashMap;

use crate::error::ApiError;
use crate::state::Emulator;

const FLAVOR: &str = "metadata-flavor";
const GOOGLE: &str = "Google";
/// The email of the emulator's default service account.
pub const SERVICE_ACCOUNT_EMAIL: &str = "mock-vertex@emulator-project.iam.gserviceaccount.com";
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The metadata routes.
pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/", get(root))
        .route("/computeMetadata/", get(root))
        .route("/computeMetadata/v1", get(root))
        .route("/computeMetadata/v1/", get(root))
        .route("/computeMetadata/v1/{*path}", get(entry))
}

fn flavored(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(FLAVOR, HeaderValue::from_static(GOOGLE));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn text(body: impl Into<String>) -> Response {
    flavored(StatusCode::OK, "application/text", body.into())
}

/// Errors keep Google's JSON envelope, as everywhere in the emulator, with the flavor header.
fn with_flavor(err: ApiError) -> Response {
    let mut response = err.into_response();
    response
        .headers_mut()
        .insert(FLAVOR, HeaderValue::from_static(GOOGLE));
    response
}

fn not_found(path: &str) -> Response {
    with_flavor(ApiError::not_found(format!(
        "metadata path not found: /computeMetadata/v1/{path}"
    )))
}

/// `None` when the request says `Metadata-Flavor: Google`, else the 403 Compute Engine answers.
fn refuse_without_flavor(headers: &HeaderMap) -> Option<Response> {
    let flavored_request = headers
        .get(FLAVOR)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case(GOOGLE));
    (!flavored_request).then(|| {
        with_flavor(ApiError::new(
            Code::PermissionDenied,
            "Missing required header: \"Metadata-Flavor: Google\"",
        ))
    })
}

/// The metadata ping, or, for a request that does not say `Metadata-Flavor` at all (a browser),
/// the web console's page ([`crate::console`]).
async fn root(uri: Uri, headers: HeaderMap) -> Response {
    if uri.path() == "/" && !headers.contains_key(FLAVOR) {
        return crate::console::index();
    }
    if let Some(refused) = refuse_without_flavor(&headers) {
        return refused;
    }
    text("computeMetadata/\n")
}

async fn entry(
    State(emulator): State<Emulator>,
    Path(path): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refuse_without_flavor(&headers) {
        return refused;
    }
    let trimmed = path.trim_end_matches('/');
    match trimmed {
        "project/project-id" => return text(DEFAULT_PROJECT),
        "project/numeric-project-id" => {
            // The number the project's resource names are answered with (`crate::projects`).
            let number = DEFAULT_PROJECT
                .parse::<ProjectId>()
                .map(|id| emulator.projects().number_of(&id).to_string())
                .unwrap_or_default();
            return text(number);
        }
        "universe/universe-domain" => return text("googleapis.com"),
        "instance/service-accounts" => {
            return text(format!("default/\n{SERVICE_ACCOUNT_EMAIL}/\n"));
        }
        _ => {}
    }
    let Some(rest) = trimmed.strip_prefix("instance/service-accounts/") else {
        return not_found(&path);
    };
    let (account, item) = rest.split_once('/').unwrap_or((rest, ""));
    if account != "default" && account != SERVICE_ACCOUNT_EMAIL {
        return not_found(&path);
    }
    match item {
        "" if query.get("recursive").is_some_and(|v| v == "true") => json_answer(json!({
            "aliases": ["default"],
            "email": SERVICE_ACCOUNT_EMAIL,
            "scopes": [CLOUD_PLATFORM],
        })),
        "" => text("aliases\nemail\nidentity\nscopes\ntoken\n"),
        "email" => text(SERVICE_ACCOUNT_EMAIL),
        "scopes" => text(format!("{CLOUD_PLATFORM}\n")),
        "aliases" => text("default\n"),
        "token" => {
            tracing::info!("metadata token issued");
            json_answer(emulator.tokens().issue(emulator.now()).to_json())
        }
        _ => not_found(&path),
    }
}

fn json_answer(value: serde_json::Value) -> Response {
    flavored(StatusCode::OK, "application/json", value.to_string())
}
