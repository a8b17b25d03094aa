//! The emulator as Google: which hosts its intercepting proxy answers for, how a `CONNECT`
//! target is read, and the environment variables that point unmodified programs at it.
//!
//! Nothing here does IO. The emulator asks [`served_host`] before it answers a `CONNECT` (a host
//! it does not serve is refused and never contacted), and `retune emulator env` renders
//! [`EmulatorEnv`] as POSIX `export` lines or JSON.

use std::fmt;

/// The Google hosts the emulator answers for, besides `{region}-aiplatform.googleapis.com`.
pub const SERVED_HOSTS: &[&str] = &[
    "aiplatform.googleapis.com",
    "oauth2.googleapis.com",
    "storage.googleapis.com",
    "www.googleapis.com",
];

/// The suffix of the regional Vertex AI hosts (`us-central1-aiplatform.googleapis.com`).
const REGIONAL_SUFFIX: &str = "-aiplatform.googleapis.com";

/// The port HTTPS clients tunnel to; the proxy serves no other.
pub const HTTPS_PORT: u16 = 443;

/// Whether the emulator answers for `host` (a DNS name, any case, an optional trailing dot).
///
/// ```
/// use retune_model::emulator_env::served_host;
/// assert!(served_host("us-central1-aiplatform.googleapis.com"));
/// assert!(served_host("Storage.googleapis.com."));
/// assert!(!served_host("example.com"));
/// assert!(!served_host("evil-aiplatform.googleapis.com.example.com"));
/// ```
pub fn served_host(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if SERVED_HOSTS.contains(&host.as_str()) {
        return true;
    }
    host.strip_suffix(REGIONAL_SUFFIX).is_some_and(is_region)
}

/// A region as Google spells it: lowercase letters, digits and inner `-`, starting with a letter
/// (`us-central1`, `europe-west4`).
fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 63
        && region.starts_with(|c: char| c.is_ascii_lowercase())
        && !region.ends_with('-')
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The host and port of a `CONNECT host:port` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTarget {
    /// The host name, lowercased, without a trailing dot.
    pub host: String,
    /// The port.
    pub port: u16,
}

/// Why a `CONNECT` is not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// The target is not `host:port`.
    #[error(
        "malformed CONNECT target {0:?}: expected host:port, such as aiplatform.googleapis.com:443"
    )]
    Malformed(String),
    /// A host the emulator does not serve: it is refused, never contacted.
    #[error(
        "refused CONNECT to {0}: the emulator answers only for Vertex AI, OAuth and Cloud Storage hosts, and never connects anywhere else"
    )]
    NotServed(String),
    /// A served host on a port other than 443.
    #[error("refused CONNECT to {host}:{port}: the emulator serves HTTPS on port 443 only")]
    Port {
        /// The host asked for.
        host: String,
        /// The port asked for.
        port: u16,
    },
}

impl ConnectError {
    /// The HTTP status the proxy answers with: 400 for a malformed target, 403 for a refusal.
    pub fn http_status(&self) -> u16 {
        match self {
            ConnectError::Malformed(_) => 400,
            ConnectError::NotServed(_) | ConnectError::Port { .. } => 403,
        }
    }
}

impl ConnectTarget {
    /// Reads the authority of a `CONNECT` and decides whether it is served.
    ///
    /// ```
    /// use retune_model::emulator_env::{ConnectError, ConnectTarget};
    /// let t = ConnectTarget::parse("us-central1-aiplatform.googleapis.com:443").unwrap();
    /// assert_eq!(t.host, "us-central1-aiplatform.googleapis.com");
    /// assert!(matches!(ConnectTarget::parse("example.com:443"), Err(ConnectError::NotServed(_))));
    /// assert!(matches!(ConnectTarget::parse("no-port"), Err(ConnectError::Malformed(_))));
    /// ```
    pub fn parse(authority: &str) -> Result<ConnectTarget, ConnectError> {
        let malformed = || ConnectError::Malformed(authority.to_owned());
        let (host, port) = authority.rsplit_once(':').ok_or_else(malformed)?;
        let port: u16 = port.parse().map_err(|_| malformed())?;
        let valid_name = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !valid_name {
            return Err(malformed());
        }
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if !served_host(&host) {
            return Err(ConnectError::NotServed(host));
        }
        if port != HTTPS_PORT {
            return Err(ConnectError::Port { host, port });
        }
        Ok(ConnectTarget { host, port })
    }
}

/// Where `retune emulator env` looks for the emulator when no `--endpoint` is given.
pub const DEFAULT_EMULATOR_ENDPOINT: &str = "http://127.0.0.1:8080";

/// The `host:port` of an emulator's plain-HTTP base URL (`http://127.0.0.1:8080/` gives
/// `127.0.0.1:8080`); `None` for another scheme or a URL with a path.
///
/// ```
/// use retune_model::emulator_env::emulator_authority;
/// assert_eq!(emulator_authority("http://127.0.0.1:8080/"), Some("127.0.0.1:8080"));
/// assert_eq!(emulator_authority("https://aiplatform.googleapis.com"), None);
/// ```
pub fn emulator_authority(url: &str) -> Option<&str> {
    let authority = url.strip_prefix("http://")?.trim_end_matches('/');
    (!authority.is_empty() && !authority.contains('/')).then_some(authority)
}

/// The project the emulator reports when none is chosen (metadata server, `env`).
pub const DEFAULT_PROJECT: &str = "emulator-project";
/// The location `retune emulator env` exports.
pub const DEFAULT_LOCATION: &str = "us-central1";
/// How long an access token the emulator issues stays valid, in seconds (as Google's: one hour).
pub const TOKEN_LIFETIME_SECS: u64 = 3600;

/// What `retune emulator env` exports for an emulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorEnv {
    /// `host:port` of the running emulator (loopback).
    pub authority: String,
    /// The path of the emulator's CA certificate (PEM).
    pub ca_file: String,
    /// The project.
    pub project: String,
    /// The location.
    pub location: String,
}

/// The variables [`EmulatorEnv::vars`] sets, in order.
///
/// The proxy comes in both spellings: gRPC's C core (Python's `grpcio`, and the clients built on
/// it) reads only the lowercase `https_proxy` and `no_proxy`.
pub const ENV_NAMES: &[&str] = &[
    "HTTPS_PROXY",
    "NO_PROXY",
    "https_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
    "GCE_METADATA_HOST",
    "GCE_METADATA_IP",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "STORAGE_EMULATOR_HOST",
];

/// Loopback, never proxied.
const NO_PROXY: &str = "localhost,127.0.0.1,::1";

impl EmulatorEnv {
    /// The variables and their values, in the order of [`ENV_NAMES`].
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        let proxy = format!("http://{}", self.authority);
        let values = [
            proxy.clone(),
            NO_PROXY.to_owned(),
            proxy.clone(),
            NO_PROXY.to_owned(),
            self.ca_file.clone(),
            self.ca_file.clone(),
            self.ca_file.clone(),
            self.authority.clone(),
            self.authority.clone(),
            self.project.clone(),
            self.location.clone(),
            "True".to_owned(),
            proxy,
        ];
        ENV_NAMES.iter().copied().zip(values).collect()
    }

    /// POSIX `export NAME='value'` lines, one per variable, for `eval`.
    pub fn exports(&self) -> String {
        self.vars()
            .into_iter()
            .map(|(name, value)| format!("export {name}={}\n", ShellQuoted(&value)))
            .collect()
    }
}

/// `unset` lines that undo [`EmulatorEnv::exports`].
pub fn unsets() -> String {
    ENV_NAMES
        .iter()
        .map(|name| format!("unset {name}\n"))
        .collect()
}

/// A value single-quoted for a POSIX shell (`'` written as `'\''`).
#[derive(Debug)]
pub struct ShellQuoted<'a>(pub &'a str);

impl fmt::Display for ShellQuoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.0.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env() -> EmulatorEnv {
        EmulatorEnv {
            authority: "127.0.0.1:8080".into(),
            ca_file: "/tmp/ca dir/ca.pem".into(),
            project: "p".into(),
            location: "us-central1".into(),
        }
    }

    #[test]
    fn regional_and_global_vertex_hosts_are_served() {
        for host in [
            "aiplatform.googleapis.com",
            "us-central1-aiplatform.googleapis.com",
            "europe-west4-aiplatform.googleapis.com",
            "oauth2.googleapis.com",
            "storage.googleapis.com",
            "www.googleapis.com",
        ] {
            assert!(served_host(host), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_not_served() {
        for host in [
            "example.com",
            "googleapis.com",
            "-aiplatform.googleapis.com",
            "us-central1--aiplatform.googleapis.com",
            "US_CENTRAL1-aiplatform.googleapis.com",
            "aiplatform.googleapis.com.example.com",
            "generativelanguage.googleapis.com",
            "metadata.google.internal",
        ] {
            assert!(!served_host(host), "{host}");
        }
    }

    #[test]
    fn connect_to_a_served_host_on_another_port_is_refused() {
        assert_eq!(
            ConnectTarget::parse("aiplatform.googleapis.com:80"),
            Err(ConnectError::Port {
                host: "aiplatform.googleapis.com".into(),
                port: 80
            })
        );
    }

    #[test]
    fn malformed_connect_targets_are_400_and_refusals_403() {
        for bad in [
            "",
            ":443",
            "host",
            "host:",
            "host:99999",
            "a b:443",
            "[::1]:443",
        ] {
            let err = ConnectTarget::parse(bad).unwrap_err();
            assert_eq!(err.http_status(), 400, "{bad}: {err}");
        }
        assert_eq!(
            ConnectTarget::parse("example.com:443")
                .unwrap_err()
                .http_status(),
            403
        );
    }

    #[test]
    fn exports_set_every_variable_once_quoted() {
        let text = env().exports();
        assert_eq!(text.lines().count(), ENV_NAMES.len());
        assert!(text.contains("export HTTPS_PROXY='http://127.0.0.1:8080'\n"));
        assert!(text.contains("export https_proxy='http://127.0.0.1:8080'\n"));
        assert!(text.contains("export SSL_CERT_FILE='/tmp/ca dir/ca.pem'\n"));
        assert!(text.contains("export GCE_METADATA_HOST='127.0.0.1:8080'\n"));
        assert!(text.contains("export GOOGLE_GENAI_USE_VERTEXAI='True'\n"));
        assert!(text.contains("export STORAGE_EMULATOR_HOST='http://127.0.0.1:8080'\n"));
    }

    #[test]
    fn unsets_undo_every_export() {
        let text = unsets();
        for name in ENV_NAMES {
            assert!(text.contains(&format!("unset {name}\n")));
        }
    }

    /// Undoes [`ShellQuoted`] the way a POSIX shell reads a word of quoted parts.
    fn shell_unquote(word: &str) -> String {
        word.replace(r"'\''", "\u{0}")
            .trim_matches('\'')
            .replace('\u{0}', "'")
    }

    proptest! {
        #[test]
        fn shell_quoting_round_trips(value in "[^\u{0}]*") {
            let quoted = ShellQuoted(&value).to_string();
            prop_assert_eq!(shell_unquote(&quoted), value);
        }

        #[test]
        fn connect_parsing_never_panics_and_accepts_only_served_hosts(target in "\\PC{0,60}") {
            if let Ok(t) = ConnectTarget::parse(&target) {
                prop_assert!(served_host(&t.host));
                prop_assert_eq!(t.port, HTTPS_PORT);
            }
        }

        #[test]
        fn every_region_shaped_name_is_served(region in "[a-z][a-z0-9-]{0,20}[a-z0-9]") {
            let host = format!("{region}-aiplatform.googleapis.com");
            prop_assert!(served_host(&host));
            let target = format!("{host}:443");
            prop_assert!(ConnectTarget::parse(&target).is_ok());
        }
    }
}
