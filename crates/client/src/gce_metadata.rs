//! Application Default Credentials from the metadata server that `GCE_METADATA_HOST` names (a
//! local emulator's, `retune emulator env`), as google-auth finds it; `gcp_auth` only knows
//! `metadata.google.internal`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::auth::{AccessToken, AuthError};

/// The environment variable naming the metadata server's `host:port`.
pub const GCE_METADATA_HOST: &str = "GCE_METADATA_HOST";

/// A token is fetched again this long before it expires.
const EARLY_REFRESH: Duration = Duration::from_secs(60);

/// The default service account's tokens from `http://{host}/computeMetadata/v1/`.
#[derive(Debug)]
pub(crate) struct MetadataServer {
    host: String,
    http: reqwest::Client,
    cached: Mutex<Option<(AccessToken, Instant)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

impl MetadataServer {
    /// The server `GCE_METADATA_HOST` names, when it is set and no key file
    /// (`GOOGLE_APPLICATION_CREDENTIALS`) comes first.
    pub(crate) fn from_env() -> Option<MetadataServer> {
        if std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").is_some_and(|v| !v.is_empty()) {
            return None;
        }
        let host = std::env::var(GCE_METADATA_HOST)
            .ok()
            .filter(|h| !h.is_empty())?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .ok()?;
        Some(MetadataServer {
            host,
            http,
            cached: Mutex::new(None),
        })
    }

    /// The cached token, or a new one.
    pub(crate) async fn token(&self) -> Result<AccessToken, AuthError> {
        if let Ok(cached) = self.cached.lock()
            && let Some((token, refresh_at)) = cached.as_ref()
            && Instant::now() < *refresh_at
        {
            return Ok(token.clone());
        }
        let url = format!(
            "http://{}/computeMetadata/v1/instance/service-accounts/default/token",
            self.host
        );
        let failed = |e: reqwest::Error| {
            AuthError::new(
                format!("the metadata server at {} gave no token", self.host),
                Some(Box::new(e)),
            )
        };
        let answer: TokenAnswer = self
            .http
            .get(&url)
            .header("Metadata-Flavor", "Google")
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(failed)?
            .json()
            .await
            .map_err(failed)?;
        let token = AccessToken::new(answer.access_token);
        let lifetime = Duration::from_secs(answer.expires_in).saturating_sub(EARLY_REFRESH);
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some((token.clone(), Instant::now() + lifetime));
        }
        Ok(token)
    }
}
