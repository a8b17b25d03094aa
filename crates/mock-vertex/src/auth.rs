//! Authentication, the way Google's other emulators do it.
//!
//! - [`AuthMode::Anonymous`] (the default): a call without an `Authorization` header is accepted
//!   (official clients use anonymous credentials against emulators; the Rust crate then sends no
//!   header at all), and so is any `Bearer <token>`; a malformed header is 401.
//! - [`AuthMode::Required`]: only tokens the emulator issued itself (its metadata server or its
//!   OAuth token endpoint, [`crate::oauth`]) and that have not expired, as the real service
//!   accepts only tokens Google issued; a missing, foreign or expired token is 401 saying which.
//! - [`AuthMode::AnyToken`]: every call needs some `Bearer <token>`, whatever it is.
//! - [`AuthMode::Token`]: only `Bearer <that token>` is accepted.

use std::fmt;
use std::str::FromStr;

use axum::http::{HeaderMap, header};
use serde_json::json;

use retune_model::Timestamp;

use crate::error::{ApiError, ERROR_INFO_TYPE};
use crate::oauth::{IssuedTokens, TokenError};

/// Which callers the emulator accepts.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// No credentials needed; a malformed `Authorization` header is still refused.
    #[default]
    Anonymous,
    /// Tokens the emulator issued, unexpired (`required`, also spelled `issued`).
    Required,
    /// Any bearer token, but one is required (`any-token`).
    AnyToken,
    /// Exactly this bearer token.
    Token(String),
}

impl fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthMode::Anonymous => f.write_str("Anonymous"),
            AuthMode::Required => f.write_str("Required"),
            AuthMode::AnyToken => f.write_str("AnyToken"),
            // The token is a secret even in an emulator's logs.
            AuthMode::Token(_) => f.write_str("Token(..)"),
        }
    }
}

/// A `--auth` value that is not `none`, `required`, `any-token` or `token=T`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid auth mode {input:?}: expected none, required, any-token or token=T")]
pub struct AuthModeError {
    input: String,
}

impl FromStr for AuthMode {
    type Err = AuthModeError;

    /// `none` (or `anonymous`), `required` (or `issued`), `any-token`, or `token=T` with a
    /// non-empty `T`.
    fn from_str(s: &str) -> Result<AuthMode, AuthModeError> {
        match s {
            "none" | "anonymous" => Ok(AuthMode::Anonymous),
            "required" | "issued" => Ok(AuthMode::Required),
            "any-token" => Ok(AuthMode::AnyToken),
            _ => match s.strip_prefix("token=") {
                Some(token) if !token.is_empty() => Ok(AuthMode::Token(token.to_owned())),
                _ => Err(AuthModeError {
                    input: s.to_owned(),
                }),
            },
        }
    }
}

const MISSING: &str = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const INVALID: &str = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

fn refusal(message: &str, reason: &str) -> ApiError {
    ApiError::unauthenticated(message).with_detail(json!({
        "@type": ERROR_INFO_TYPE,
        "reason": reason,
        "domain": "googleapis.com",
        // The method is filled in once the route is known (`ApiError::with_error_info`).
        "metadata": {"service": "aiplatform.googleapis.com"},
    }))
}

impl AuthMode {
    /// Accepts or refuses a request by its headers: the `Authorization` header's shape, its
    /// presence where a mode needs one, and the token of [`AuthMode::Token`]. Whether a token
    /// was issued by this emulator ([`AuthMode::Required`]) is [`AuthMode::check_issued`].
    ///
    /// ```
    /// use axum::http::{HeaderMap, HeaderValue, header};
    /// use mock_vertex::auth::AuthMode;
    /// let mut headers = HeaderMap::new();
    /// assert!(AuthMode::Anonymous.check(&headers).is_ok());
    /// assert!(AuthMode::Required.check(&headers).is_err());
    /// headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic dXNlcg=="));
    /// assert!(AuthMode::Anonymous.check(&headers).is_err());
    /// ```
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let token = match headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => Some(
                bearer_token(value.to_str().ok())
                    .ok_or_else(|| refusal(INVALID, "ACCESS_TOKEN_TYPE_UNSUPPORTED"))?,
            ),
        };
        match (self, token) {
            (AuthMode::Anonymous, _) | (AuthMode::Required | AuthMode::AnyToken, Some(_)) => Ok(()),
            (AuthMode::Required | AuthMode::Token(_) | AuthMode::AnyToken, None) => {
                Err(refusal(MISSING, "CREDENTIALS_MISSING"))
            }
            (AuthMode::Token(expected), Some(got)) if got == expected => Ok(()),
            (AuthMode::Token(_), Some(_)) => Err(refusal(INVALID, "ACCESS_TOKEN_INVALID")),
        }
    }
}

impl AuthMode {
    /// [`AuthMode::check`], and under [`AuthMode::Required`] that the token was issued by this
    /// emulator (`tokens`) and has not expired at `now`.
    pub fn check_issued(
        &self,
        headers: &HeaderMap,
        tokens: &IssuedTokens,
        now: Timestamp,
    ) -> Result<(), ApiError> {
        self.check(headers)?;
        if *self != AuthMode::Required {
            return Ok(());
        }
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| bearer_token(v.to_str().ok()))
            .unwrap_or_default();
        tokens.check(token, now).map_err(|token_error| {
            let reason = match token_error {
                TokenError::Foreign => "ACCESS_TOKEN_INVALID",
                TokenError::Expired => "ACCESS_TOKEN_EXPIRED",
            };
            refusal(&format!("{INVALID} ({token_error})"), reason)
        })
    }
}

/// The token of a well-formed `Bearer <token>` header value (scheme case-insensitive).
pub(crate) fn bearer_token(value: Option<&str>) -> Option<&str> {
    let (scheme, token) = value?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use retune_model::Code;

    fn with_auth(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn anonymous_mode_accepts_no_header_and_any_bearer_token() {
        assert!(AuthMode::Anonymous.check(&HeaderMap::new()).is_ok());
        assert!(AuthMode::Anonymous.check(&with_auth("Bearer x")).is_ok());
        assert!(
            AuthMode::Anonymous
                .check(&with_auth("bearer ya29.abc"))
                .is_ok()
        );
    }

    #[test]
    fn malformed_authorization_header_is_unauthenticated_in_every_mode() {
        for mode in [
            AuthMode::Anonymous,
            AuthMode::Required,
            AuthMode::Token("t".into()),
        ] {
            for value in ["Basic dXNlcg==", "Bearer", "Bearer ", "token", "Bearer a b"] {
                let err = mode.check(&with_auth(value)).unwrap_err();
                assert_eq!(err.code(), Code::Unauthenticated, "{mode:?} {value}");
            }
        }
    }

    #[test]
    fn required_and_any_token_modes_refuse_a_missing_header() {
        for mode in [AuthMode::Required, AuthMode::AnyToken] {
            let err = mode.check(&HeaderMap::new()).unwrap_err();
            assert!(
                err.message()
                    .starts_with("Request is missing required authentication")
            );
        }
        assert!(
            AuthMode::AnyToken
                .check(&with_auth("Bearer anything"))
                .is_ok()
        );
    }

    #[test]
    fn token_mode_accepts_only_its_token() {
        let mode: AuthMode = "token=s3cret".parse().unwrap();
        assert!(mode.check(&with_auth("Bearer s3cret")).is_ok());
        assert!(mode.check(&with_auth("Bearer other")).is_err());
        assert!(mode.check(&HeaderMap::new()).is_err());
    }

    #[test]
    fn auth_mode_parses_the_flag_values() {
        assert_eq!("none".parse(), Ok(AuthMode::Anonymous));
        assert_eq!("required".parse(), Ok(AuthMode::Required));
        assert_eq!("issued".parse(), Ok(AuthMode::Required));
        assert_eq!("any-token".parse(), Ok(AuthMode::AnyToken));
        assert!("token=".parse::<AuthMode>().is_err());
        assert!("sometimes".parse::<AuthMode>().is_err());
        assert_eq!(format!("{:?}", AuthMode::Token("s".into())), "Token(..)");
    }
}
