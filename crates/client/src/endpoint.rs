//! Which host a client talks to, and under which API version.
//!
//! Resolution follows the official SDKs (google-genai `_api_client.py`):
//! 1. an explicit endpoint from [`crate::ClientBuilder::endpoint`];
//! 2. else the environment variable [`BASE_URL_ENV`] (`GOOGLE_VERTEX_BASE_URL`), if non-empty;
//! 3. else the location's host: a region `r` uses `https://r-aiplatform.googleapis.com`,
//!    `global` uses `https://aiplatform.googleapis.com`, and the multi-regions `us` and `eu` use
//!    `https://aiplatform.{us,eu}.rep.googleapis.com`.

use std::fmt;
use std::str::FromStr;

use retune_model::names::{LocationId, LocationKind};

use crate::error::BuildError;

/// The environment variable that overrides the Vertex AI base URL, as google-genai honours it.
pub const BASE_URL_ENV: &str = "GOOGLE_VERTEX_BASE_URL";

/// The REST API version in every path (defined with the wire shapes in `retune_model`).
pub use retune_model::wire::ApiVersion;

/// A base URL: `http` or `https`, a host, an optional port and an optional path prefix; no query.
///
/// ```
/// use retune_client::endpoint::Endpoint;
/// let e: Endpoint = "http://127.0.0.1:8080/".parse().unwrap();
/// assert_eq!(e.as_str(), "http://127.0.0.1:8080");
/// assert!("127.0.0.1:8080".parse::<Endpoint>().is_err()); // no scheme
/// assert!("ftp://host".parse::<Endpoint>().is_err());
/// assert!("https://host/?q=1".parse::<Endpoint>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint(String);

impl Endpoint {
    /// The host the official SDKs use for `location`.
    pub fn for_location(location: &LocationId) -> Endpoint {
        let l = location.as_str();
        Endpoint(match location.kind() {
            LocationKind::Global => "https://aiplatform.googleapis.com".to_owned(),
            LocationKind::MultiRegion => format!("https://aiplatform.{l}.rep.googleapis.com"),
            LocationKind::Region => format!("https://{l}-aiplatform.googleapis.com"),
        })
    }

    /// The base URL of a client whose transport is in process ([`Client::in_process`]): only
    /// the path of a request reaches the service.
    ///
    /// [`Client::in_process`]: crate::Client::in_process
    pub(crate) fn in_process() -> Endpoint {
        Endpoint("http://in-process.invalid".to_owned())
    }

    /// The base URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Endpoint {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<Endpoint, BuildError> {
        let uri: http::Uri = s.parse().map_err(|e| {
            BuildError::new("endpoint", format!("{s:?} is not a URL")).with_source(e)
        })?;
        match uri.scheme_str() {
            Some("http" | "https") => {}
            _ => {
                return Err(BuildError::new(
                    "endpoint",
                    format!("{s:?} must start with http:// or https://"),
                ));
            }
        }
        if uri.authority().is_none() {
            return Err(BuildError::new("endpoint", format!("{s:?} has no host")));
        }
        if uri.query().is_some() {
            return Err(BuildError::new(
                "endpoint",
                format!("{s:?} must not have a query string"),
            ));
        }
        Ok(Endpoint(s.trim_end_matches('/').to_owned()))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Resolves the base URL: `explicit`, then `env` (the value of [`BASE_URL_ENV`]), then the
/// location's host. A pure function: the builder reads the environment and passes it in.
///
/// ```
/// use retune_client::endpoint::{resolve_endpoint, Endpoint};
/// let region = "europe-west4".parse().unwrap();
/// let url = |e: Option<&Endpoint>, env| resolve_endpoint(&region, e, env).unwrap().to_string();
/// assert_eq!(url(None, None), "https://europe-west4-aiplatform.googleapis.com");
/// assert_eq!(url(None, Some("http://127.0.0.1:9")), "http://127.0.0.1:9");
/// let explicit: Endpoint = "http://localhost:1".parse().unwrap();
/// assert_eq!(url(Some(&explicit), Some("http://127.0.0.1:9")), "http://localhost:1");
/// ```
pub fn resolve_endpoint(
    location: &LocationId,
    explicit: Option<&Endpoint>,
    env: Option<&str>,
) -> Result<Endpoint, BuildError> {
    if let Some(e) = explicit {
        return Ok(e.clone());
    }
    match env.map(str::trim) {
        Some(value) if !value.is_empty() => value.parse().map_err(|e: BuildError| {
            BuildError::new("endpoint", format!("{BASE_URL_ENV}: {}", e.reason()))
        }),
        _ => Ok(Endpoint::for_location(location)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn host(location: &str) -> String {
        let location: LocationId = location.parse().unwrap_or_else(|e| panic!("{e}"));
        Endpoint::for_location(&location).to_string()
    }

    #[test]
    fn every_location_kind_maps_to_the_official_host() {
        assert_eq!(
            host("us-central1"),
            "https://us-central1-aiplatform.googleapis.com"
        );
        assert_eq!(
            host("asia-northeast1"),
            "https://asia-northeast1-aiplatform.googleapis.com"
        );
        assert_eq!(host("global"), "https://aiplatform.googleapis.com");
        assert_eq!(host("us"), "https://aiplatform.us.rep.googleapis.com");
        assert_eq!(host("eu"), "https://aiplatform.eu.rep.googleapis.com");
    }

    #[test]
    fn empty_environment_value_is_ignored() {
        let l = LocationId::global();
        let e = resolve_endpoint(&l, None, Some("  ")).map(|e| e.to_string());
        assert_eq!(e.ok().as_deref(), Some("https://aiplatform.googleapis.com"));
    }

    #[test]
    fn invalid_environment_value_names_the_variable() {
        let l = LocationId::global();
        let err = resolve_endpoint(&l, None, Some("localhost:8080")).err();
        assert!(err.is_some_and(|e| e.reason().contains(BASE_URL_ENV)));
    }

    #[test]
    fn endpoint_keeps_a_path_prefix_without_trailing_slash() {
        let e: Result<Endpoint, _> = "https://proxy.example/vertex/".parse();
        assert_eq!(
            e.ok().map(|e| e.to_string()).as_deref(),
            Some("https://proxy.example/vertex")
        );
    }

    #[test]
    fn api_version_defaults_to_v1() {
        assert_eq!(ApiVersion::default().as_str(), "v1");
        assert_eq!(ApiVersion::V1Beta1.to_string(), "v1beta1");
    }
}
