//! Google's OAuth 2.0 token endpoint, `POST /token` (`oauth2.googleapis.com/token` through the
//! proxy), and the access tokens the emulator issues.
//!
//! Two grants are answered, as google-auth sends them: the JWT bearer grant of service-account
//! key files (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT`) and the
//! refresh-token grant of user credentials (`gcloud auth application-default login`). The JWT's
//! signature is not checked (the emulator has no key to check it with); its shape and claims are.
//! A bad grant is answered 400 in OAuth's shape (`{"error", "error_description"}`).
//!
//! Issued tokens are remembered ([`IssuedTokens`]) so that [`AuthMode::Required`] accepts them and
//! nothing else. Secrets received (assertions, refresh tokens, client secrets) and the tokens
//! issued are never logged nor journaled.
//!
//! [`AuthMode::Required`]: crate::AuthMode::Required

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use retune_model::Timestamp;
use retune_model::emulator_env::TOKEN_LIFETIME_SECS;
use serde_json::{Value, json};

use crate::state::Emulator;

/// The prefix of every access token the emulator issues (Google's start with `ya29.`).
pub const TOKEN_PREFIX: &str = "ya29.mock-vertex.";

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const REFRESH_TOKEN: &str = "refresh_token";

/// The access tokens this emulator issued, with their expiry.
#[derive(Default)]
pub struct IssuedTokens {
    tokens: Mutex<HashMap<String, Timestamp>>,
}

impl fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens are secrets: only their number is shown.
        let count = self.tokens.lock().map_or(0, |t| t.len());
        f.debug_struct("IssuedTokens")
            .field("count", &count)
            .finish()
    }
}

/// Why a bearer token is refused under [`AuthMode::Required`](crate::AuthMode::Required).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The emulator did not issue it.
    #[error("the access token was not issued by this emulator")]
    Foreign,
    /// It expired.
    #[error("the access token expired")]
    Expired,
}

/// An access token just issued.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

impl IssuedToken {
    /// The token endpoint's and the metadata server's answer.
    pub fn to_json(&self) -> Value {
        json!({"access_token": self.token, "expires_in": self.expires_in, "token_type": "Bearer"})
    }
}

impl IssuedTokens {
    /// Issues a new token valid for an hour from `now`.
    pub fn issue(&self, now: Timestamp) -> IssuedToken {
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill(&mut bytes);
        let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        let expiry = now.saturating_add(Duration::from_secs(TOKEN_LIFETIME_SECS));
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.retain(|_, expires| *expires > now);
            tokens.insert(token.clone(), expiry);
        }
        IssuedToken {
            token,
            expires_in: TOKEN_LIFETIME_SECS,
        }
    }

    /// Accepts a token this emulator issued that has not expired at `now`.
    pub fn check(&self, token: &str, now: Timestamp) -> Result<(), TokenError> {
        let tokens = self.tokens.lock().map_err(|_| TokenError::Foreign)?;
        match tokens.get(token) {
            None => Err(TokenError::Foreign),
            Some(expiry) if *expiry <= now => Err(TokenError::Expired),
            Some(_) => Ok(()),
        }
    }
}

/// A token request refused, in OAuth's error shape (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {description}")]
pub struct GrantError {
    error: &'static str,
    description: String,
}

impl GrantError {
    fn new(error: &'static str, description: impl Into<String>) -> GrantError {
        GrantError {
            error,
            description: description.into(),
        }
    }

    /// The OAuth error code (`invalid_request`, `invalid_grant`, `unsupported_grant_type`).
    pub fn error(&self) -> &'static str {
        self.error
    }
}

impl IntoResponse for GrantError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    }
}

/// Checks a token request's form body (`application/x-www-form-urlencoded`) without keeping any
/// secret it holds.
///
/// ```
/// use mock_vertex::oauth::check_grant;
/// assert!(check_grant(b"grant_type=refresh_token&refresh_token=r&client_id=c").is_ok());
/// assert_eq!(check_grant(b"grant_type=password").unwrap_err().error(), "unsupported_grant_type");
/// ```
pub fn check_grant(body: &[u8]) -> Result<(), GrantError> {
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    match field("grant_type") {
        None => Err(GrantError::new(
            "invalid_request",
            "Missing required parameter: grant_type",
        )),
        Some(JWT_BEARER) => {
            let assertion = field("assertion").ok_or_else(|| {
                GrantError::new("invalid_request", "Missing required parameter: assertion")
            })?;
            check_assertion(assertion)
        }
        Some(REFRESH_TOKEN) => {
            field("refresh_token").ok_or_else(|| {
                GrantError::new(
                    "invalid_request",
                    "Missing required parameter: refresh_token",
                )
            })?;
            Ok(())
        }
        Some(other) => Err(GrantError::new(
            "unsupported_grant_type",
            format!("Invalid grant_type: {other}"),
        )),
    }
}

/// A JWT bearer assertion: three base64url parts, a JSON header and a claim set naming an issuer
/// and a scope or audience. The signature is not verified.
fn check_assertion(assertion: &str) -> Result<(), GrantError> {
    let invalid = |why: &str| GrantError::new("invalid_grant", format!("Invalid JWT: {why}"));
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("expected header.claims.signature"));
    };
    let decode = |part: &str| -> Option<Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    if decode(header).is_none_or(|h| h.get("alg").is_none()) {
        return Err(invalid("the header is not a JSON object with alg"));
    }
    let claims = decode(claims).ok_or_else(|| invalid("the claim set is not JSON"))?;
    if claims.get("iss").and_then(Value::as_str).is_none() {
        return Err(invalid("no iss claim"));
    }
    if claims.get("scope").is_none() && claims.get("target_audience").is_none() {
        return Err(invalid("no scope claim"));
    }
    if signature.is_empty() {
        return Err(invalid("no signature"));
    }
    Ok(())
}

/// `POST /token`.
pub(crate) fn router() -> Router<Emulator> {
    Router::new().route("/token", post(token))
}

async fn token(State(emulator): State<Emulator>, body: Bytes) -> Response {
    match check_grant(&body) {
        Ok(()) => {
            tracing::info!("token issued");
            let issued = emulator.tokens().issue(emulator.now());
            axum::Json(issued.to_json()).into_response()
        }
        Err(err) => {
            tracing::warn!(error = err.error(), "token request refused");
            err.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jwt(claims: Value) -> String {
        let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.c2ln",
            part(json!({"alg": "RS256", "typ": "JWT"})),
            part(claims)
        )
    }

    #[test]
    fn a_service_account_assertion_is_granted() {
        let claims = json!({"iss": "sa@p.iam.gserviceaccount.com", "scope": "https://www.googleapis.com/auth/cloud-platform", "aud": "https://oauth2.googleapis.com/token"});
        let body = format!("grant_type={JWT_BEARER}&assertion={}", jwt(claims));
        assert_eq!(check_grant(body.as_bytes()), Ok(()));
    }

    #[test]
    fn a_malformed_assertion_is_an_invalid_grant() {
        for assertion in ["abc", "a.b.c", &jwt(json!({"scope": "s"}))] {
            let body = format!("grant_type={JWT_BEARER}&assertion={assertion}");
            let err = check_grant(body.as_bytes()).unwrap_err();
            assert_eq!(err.error(), "invalid_grant", "{assertion}: {err}");
        }
    }

    #[test]
    fn missing_parameters_are_invalid_requests() {
        for body in [
            "",
            "grant_type=refresh_token",
            &format!("grant_type={JWT_BEARER}"),
        ] {
            assert_eq!(
                check_grant(body.as_bytes()).unwrap_err().error(),
                "invalid_request"
            );
        }
    }

    #[test]
    fn issued_tokens_are_accepted_until_they_expire() {
        let tokens = IssuedTokens::default();
        let now = Timestamp::from_date(2026, 1, 1).unwrap();
        let issued = tokens.issue(now);
        assert!(issued.token.starts_with(TOKEN_PREFIX));
        assert_eq!(tokens.check(&issued.token, now), Ok(()));
        let later = now.saturating_add(Duration::from_secs(TOKEN_LIFETIME_SECS));
        assert_eq!(tokens.check(&issued.token, later), Err(TokenError::Expired));
        assert_eq!(tokens.check("ya29.other", now), Err(TokenError::Foreign));
    }

    #[test]
    fn debug_output_shows_no_token() {
        let tokens = IssuedTokens::default();
        let issued = tokens.issue(Timestamp::from_date(2026, 1, 1).unwrap());
        assert!(!format!("{tokens:?} {issued:?}").contains(&issued.token));
    }

    proptest! {
        #[test]
        fn any_form_body_is_answered_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = check_grant(&body);
        }
    }
}
