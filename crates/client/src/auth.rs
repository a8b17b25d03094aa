//! Authentication: a `TokenProvider` trait and the decorator that puts its token on every request.
//!
//! Providers: [`StaticToken`] (tests, emulators), [`NoAuth`] (no `Authorization` header at all)
//! and, behind the default `adc` feature, [`Adc`]: Google Application Default Credentials through
//! the `gcp_auth` crate, with the `cloud-platform` scope.

use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;

use crate::transport::{BoxError, Transport, TransportError, TransportErrorKind};

/// The OAuth scope Vertex AI needs.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// A bearer token. `Debug` never prints it. Cheap to clone (the string is shared).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> AccessToken {
        AccessToken(Arc::from(token.into()))
    }

    /// The token itself.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// Getting a token failed.
#[derive(Debug, thiserror::Error)]
#[error("could not get an access token: {reason}")]
pub struct AuthError {
    reason: String,
    #[source]
    source: Option<BoxError>,
}

impl AuthError {
    /// An error with a reason and an optional cause.
    pub fn new(reason: impl Into<String>, source: Option<BoxError>) -> AuthError {
        AuthError {
            reason: reason.into(),
            source,
        }
    }
}

/// Supplies the bearer token for each request; `Ok(None)` means "send no `Authorization`".
///
/// Implementations cache and refresh as they see fit; the decorator asks before every attempt.
#[async_trait]
pub trait TokenProvider: fmt::Debug + Send + Sync + 'static {
    /// The token to send, if any.
    async fn token(&self) -> Result<Option<AccessToken>, AuthError>;
}

/// Always the same token: for emulators and tests.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use retune_client::auth::{StaticToken, TokenProvider};
/// let t = StaticToken::new("test-token");
/// assert_eq!(t.token().await.unwrap().unwrap().secret(), "test-token");
/// assert_eq!(format!("{t:?}"), "StaticToken(<redacted>)");
/// # }
/// ```
#[derive(Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// A provider that always answers `token`.
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken(AccessToken::new(token))
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

#[async_trait]
impl TokenProvider for StaticToken {
    async fn token(&self) -> Result<Option<AccessToken>, AuthError> {
        Ok(Some(self.0.clone()))
    }
}

/// Sends no credentials (an emulator that does not check them).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

#[async_trait]
impl TokenProvider for NoAuth {
    async fn token(&self) -> Result<Option<AccessToken>, AuthError> {
        Ok(None)
    }
}

#[cfg(feature = "adc")]
pub use self::adc::Adc;

#[cfg(feature = "adc")]
mod adc {
    use super::*;

    /// Google Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud user
    /// credentials, or the metadata server), scope [`CLOUD_PLATFORM_SCOPE`].
    ///
    /// With the `reqwest` feature, a metadata server named by `GCE_METADATA_HOST` (an emulator's,
    /// `retune emulator env`) is asked first unless `GOOGLE_APPLICATION_CREDENTIALS` is set, as
    /// google-auth does ([`crate::gce_metadata`]). The provider is discovered on first use and
    /// cached; `gcp_auth` refreshes tokens.
    #[derive(Clone, Default)]
    pub struct Adc {
        provider: Arc<tokio::sync::OnceCell<Source>>,
    }

    #[derive(Clone)]
    enum Source {
        Gcp(Arc<dyn gcp_auth::TokenProvider>),
        #[cfg(feature = "reqwest")]
        Metadata(Arc<crate::gce_metadata::MetadataServer>),
    }

    impl Adc {
        /// A provider that looks credentials up lazily.
        pub fn new() -> Adc {
            Adc::default()
        }

        /// Looks the credentials up now; fails if none are configured.
        pub async fn discover() -> Result<Adc, AuthError> {
            let adc = Adc::new();
            adc.provider().await?;
            Ok(adc)
        }

        async fn provider(&self) -> Result<&Source, AuthError> {
            self.provider
                .get_or_try_init(|| async {
                    #[cfg(feature = "reqwest")]
                    if let Some(server) = crate::gce_metadata::MetadataServer::from_env() {
                        return Ok(Source::Metadata(Arc::new(server)));
                    }
                    gcp_auth::provider().await.map(Source::Gcp).map_err(|e| {
                        AuthError::new(
                            "no Application Default Credentials found",
                            Some(Box::new(e)),
                        )
                    })
                })
                .await
        }
    }

    impl fmt::Debug for Adc {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Adc")
                .field("discovered", &self.provider.initialized())
                .finish()
        }
    }

    #[async_trait]
    impl TokenProvider for Adc {
        async fn token(&self) -> Result<Option<AccessToken>, AuthError> {
            match self.provider().await? {
                Source::Gcp(provider) => {
                    let token = provider.token(&[CLOUD_PLATFORM_SCOPE]).await.map_err(|e| {
                        AuthError::new("fetching a token failed", Some(Box::new(e)))
                    })?;
                    Ok(Some(AccessToken::new(token.as_str())))
                }
                #[cfg(feature = "reqwest")]
                Source::Metadata(server) => server.token().await.map(Some),
            }
        }
    }
}

/// Decorator: asks a [`TokenProvider`] before each request and sets `Authorization: Bearer`.
///
/// A provider failure becomes a [`TransportError`] of kind [`TransportErrorKind::Auth`], with
/// nothing sent.
#[derive(Debug, Clone)]
pub struct AuthTransport {
    inner: Arc<dyn Transport>,
    provider: Arc<dyn TokenProvider>,
    /// The last token and its `Authorization` value, so that an unchanged token is not
    /// formatted and validated again on every request.
    last: Arc<Mutex<Option<(AccessToken, http::HeaderValue)>>>,
}

impl AuthTransport {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Transport>, provider: Arc<dyn TokenProvider>) -> AuthTransport {
        AuthTransport {
            inner,
            provider,
            last: Arc::default(),
        }
    }

    /// `Bearer {token}`, marked sensitive; reused while the provider returns the same token.
    fn header_value(&self, token: AccessToken) -> Result<http::HeaderValue, TransportError> {
        if let Ok(last) = self.last.lock()
            && let Some((cached, value)) = last.as_ref()
            && *cached == token
        {
            return Ok(value.clone());
        }
        let mut value =
            http::HeaderValue::try_from(format!("Bearer {}", token.secret())).map_err(|e| {
                TransportError::not_sent(
                    TransportErrorKind::Auth,
                    "the access token is not a valid header value",
                )
                .with_source(e)
            })?;
        value.set_sensitive(true);
        if let Ok(mut last) = self.last.lock() {
            *last = Some((token, value.clone()));
        }
        Ok(value)
    }
}

#[async_trait]
impl Transport for AuthTransport {
    async fn send(
        &self,
        mut req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let token = self.provider.token().await.map_err(|e| {
            TransportError::not_sent(TransportErrorKind::Auth, e.to_string()).with_source(e)
        })?;
        if let Some(token) = token {
            let value = self.header_value(token)?;
            req.headers_mut().insert(http::header::AUTHORIZATION, value);
        }
        self.inner.as_ref().send(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers each call with the next token of a list (the last one repeats).
    #[derive(Debug)]
    struct Rotating(Mutex<Vec<&'static str>>);

    #[async_trait]
    impl TokenProvider for Rotating {
        async fn token(&self) -> Result<Option<AccessToken>, AuthError> {
            let mut tokens = self
                .0
                .lock()
                .map_err(|_| AuthError::new("poisoned", None))?;
            let token = if tokens.len() > 1 {
                tokens.remove(0)
            } else {
                tokens[0]
            };
            Ok(Some(AccessToken::new(token)))
        }
    }

    /// Records the `Authorization` header of every request it sees.
    #[derive(Debug, Default)]
    struct Seen(Mutex<Vec<String>>);

    #[async_trait]
    impl Transport for Seen {
        async fn send(
            &self,
            req: http::Request<Bytes>,
        ) -> Result<http::Response<Bytes>, TransportError> {
            let value = req
                .headers()
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("<none>")
                .to_owned();
            self.0.lock().expect("not poisoned").push(value);
            Ok(http::Response::new(Bytes::new()))
        }
    }

    #[tokio::test]
    async fn a_refreshed_token_replaces_the_cached_authorization_header() {
        let seen = Arc::new(Seen::default());
        let provider = Arc::new(Rotating(Mutex::new(vec!["one", "one", "two", "three"])));
        let auth = AuthTransport::new(seen.clone(), provider);
        for _ in 0..5 {
            let req = http::Request::new(Bytes::new());
            auth.send(req).await.expect("sent");
        }
        let seen = seen.0.lock().expect("not poisoned").clone();
        assert_eq!(
            seen,
            [
                "Bearer one",
                "Bearer one",
                "Bearer two",
                "Bearer three",
                "Bearer three"
            ]
        );
    }

    #[tokio::test]
    async fn a_token_that_is_not_a_header_value_is_an_auth_error_and_nothing_is_sent() {
        let seen = Arc::new(Seen::default());
        let auth = AuthTransport::new(seen.clone(), Arc::new(StaticToken::new("bad\ntoken")));
        let err = auth
            .send(http::Request::new(Bytes::new()))
            .await
            .expect_err("refused");
        assert!(!err.may_have_been_sent());
        assert!(seen.0.lock().expect("not poisoned").is_empty());
    }
}
