//! What `retune console`'s local server forwards to Vertex AI, and to which location's host.
//!
//! The server serves the web console's pages on a loopback port and forwards the pages' REST
//! calls with the user's credentials, so it must forward nothing else: only `/v1/` and
//! `/v1beta1/` paths ([`NotAnApiPath`](ForwardError::NotAnApiPath)), only for requests addressed
//! to its own loopback origin (a DNS-rebinding page has another `Host`), and only requests
//! carrying [`CONSOLE_HEADER`], which the pages send and a cross-site page cannot without a CORS
//! preflight the server never approves. A call goes to the host of the location its path names,
//! parsed as a [`LocationId`] so that no path can name another host.
//!
//! ```
//! use retune_model::console_forwarding::{check_origin, forwarded_location, ForwardError};
//! let l = forwarded_location("/v1/projects/p/locations/europe-west4/models").unwrap();
//! assert_eq!(l.map(|l| l.to_string()).as_deref(), Some("europe-west4"));
//! assert_eq!(forwarded_location("/v1/publishers/google/models").unwrap(), None);
//! assert!(matches!(forwarded_location("/computeMetadata/v1/"), Err(ForwardError::NotAnApiPath { .. })));
//! assert!(check_origin(Some("127.0.0.1:8080"), true, 8080).is_ok());
//! assert!(check_origin(Some("attacker.example:8080"), true, 8080).is_err());
//! assert!(check_origin(Some("127.0.0.1:8080"), false, 8080).is_err());
//! ```

use crate::code::Code;
use crate::names::{LocationId, NameError};

/// The header the console's pages send with every API call (lowercase, as HTTP/2 spells it).
pub const CONSOLE_HEADER: &str = "x-retune-console";

/// Why a request is not forwarded, or a forwarded call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ForwardError {
    /// Not under `/v1/` or `/v1beta1/`.
    #[error("The requested URL {path} was not found on this server.")]
    NotAnApiPath {
        /// The path.
        path: String,
    },
    /// Addressed to another host than the server's loopback origin.
    #[error("the console forwards calls only for http://127.0.0.1:{port}, not for host {host:?}")]
    ForeignHost {
        /// The `Host` header (empty when absent).
        host: String,
        /// The server's port.
        port: u16,
    },
    /// Without [`CONSOLE_HEADER`]: not from the console's pages.
    #[error(
        "the console forwards only its own pages' calls (the X-Retune-Console header is missing)"
    )]
    NotFromTheConsole,
    /// The location in the path is not one.
    #[error("{0}")]
    BadLocation(NameError),
    /// No credentials to send.
    #[error(
        "{reason}; sign in with `gcloud auth application-default login` or pass --access-token"
    )]
    NoCredentials {
        /// What the credential lookup said.
        reason: String,
    },
    /// Vertex AI could not be reached, or its answer was cut short.
    #[error("{host} could not be reached: {reason}")]
    Unreachable {
        /// The base URL called.
        host: String,
        /// The transport's error.
        reason: String,
    },
}

impl ForwardError {
    /// The status the server answers with.
    pub fn code(&self) -> Code {
        match self {
            ForwardError::NotAnApiPath { .. } => Code::NotFound,
            ForwardError::ForeignHost { .. } | ForwardError::NotFromTheConsole => {
                Code::PermissionDenied
            }
            ForwardError::BadLocation(_) => Code::InvalidArgument,
            ForwardError::NoCredentials { .. } => Code::Unauthenticated,
            ForwardError::Unreachable { .. } => Code::Unavailable,
        }
    }
}

/// Whether a request was addressed to the server's own origin (`Host` is `127.0.0.1:{port}` or
/// `localhost:{port}`) and carries [`CONSOLE_HEADER`] (`marked`).
pub fn check_origin(host: Option<&str>, marked: bool, port: u16) -> Result<(), ForwardError> {
    let host = host.unwrap_or_default();
    let own = host == format!("127.0.0.1:{port}") || host == format!("localhost:{port}");
    if !own {
        return Err(ForwardError::ForeignHost {
            host: host.to_owned(),
            port,
        });
    }
    if !marked {
        return Err(ForwardError::NotFromTheConsole);
    }
    Ok(())
}

/// The location whose host serves an API path (`/{v}/projects/P/locations/L/...`), or `None`
/// for a path without one (the server's default location then).
pub fn forwarded_location(path: &str) -> Result<Option<LocationId>, ForwardError> {
    let rest = path
        .strip_prefix("/v1/")
        .or_else(|| path.strip_prefix("/v1beta1/"))
        .ok_or_else(|| ForwardError::NotAnApiPath {
            path: path.to_owned(),
        })?;
    let mut segments = rest.split('/');
    match (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) {
        (Some("projects"), Some(_), Some("locations"), Some(location)) => {
            let location = location.split(':').next().unwrap_or_default();
            location
                .parse::<LocationId>()
                .map(Some)
                .map_err(ForwardError::BadLocation)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_location_that_is_not_one_is_refused() {
        let err =
            forwarded_location("/v1/projects/p/locations/evil.example.com%2F/models").unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
    }

    #[test]
    fn only_calls_on_this_port_with_the_marker_are_forwarded() {
        assert!(check_origin(Some("localhost:8080"), true, 8080).is_ok());
        assert_eq!(
            check_origin(Some("127.0.0.1:8080"), true, 9090)
                .unwrap_err()
                .code(),
            Code::PermissionDenied
        );
        assert_eq!(
            check_origin(None, true, 8080).unwrap_err().code(),
            Code::PermissionDenied
        );
        assert_eq!(
            check_origin(Some("127.0.0.1:8080"), false, 8080),
            Err(ForwardError::NotFromTheConsole)
        );
    }

    proptest! {
        /// Whatever follows `locations/`, the location is a `LocationId` or the call is refused:
        /// nothing that could change the host (`/`, `@`, `:`, `.`, `%`) survives.
        #[test]
        fn no_path_names_a_host(location in "[ -~]{0,40}", rest in "[ -~]{0,20}") {
            let path = format!("/v1/projects/p/locations/{location}/{rest}");
            if let Ok(Some(location)) = forwarded_location(&path) {
                let l = location.as_str();
                prop_assert!(l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{l}");
            }
        }
    }
}
