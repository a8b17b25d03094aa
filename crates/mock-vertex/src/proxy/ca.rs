//! The emulator's local certificate authority: created on first use in a directory the user
//! chooses (`ca.pem`, `ca-key.pem`), reused after, and the leaf certificates it mints for the
//! hosts the emulator serves, one per host, cached.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use retune_model::emulator_env::served_host;
use rustls::crypto::ring::sign::any_supported_type;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The CA certificate's file name in the CA directory.
pub const CA_CERT_FILE: &str = "ca.pem";
/// The CA key's file name in the CA directory.
pub const CA_KEY_FILE: &str = "ca-key.pem";

const CA_NAME: &str = "mock-vertex local CA (retune emulator)";

/// The CA directory could not be read, created or used.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Reading or writing the directory failed.
    #[error("CA directory {dir}: {source}")]
    Io {
        /// The directory.
        dir: PathBuf,
        /// The failure.
        source: io::Error,
    },
    /// A file is not a certificate or key the emulator wrote.
    #[error("CA directory {dir}: {what}")]
    Invalid {
        /// The directory.
        dir: PathBuf,
        /// What is wrong.
        what: String,
    },
}

/// A local CA and its cache of leaf certificates.
pub struct LocalCa {
    dir: PathBuf,
    cert_der: CertificateDer<'static>,
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
    leaves: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalCa")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_NAME);
    name.push(DnType::OrganizationName, "retune");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

impl LocalCa {
    /// Loads the CA in `dir`, or creates it there (and the directory) when absent.
    pub fn load_or_create(dir: &Path) -> Result<LocalCa, CaError> {
        let io_error = |source| CaError::Io {
            dir: dir.to_owned(),
            source,
        };
        let invalid = |what: String| CaError::Invalid {
            dir: dir.to_owned(),
            what,
        };
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        let (cert_pem, key) = if cert_path.exists() && key_path.exists() {
            let key_pem = fs::read_to_string(&key_path).map_err(io_error)?;
            let key =
                KeyPair::from_pem(&key_pem).map_err(|e| invalid(format!("{CA_KEY_FILE}: {e}")))?;
            (fs::read_to_string(&cert_path).map_err(io_error)?, key)
        } else {
            let key = KeyPair::generate().map_err(|e| invalid(e.to_string()))?;
            let cert = ca_params()
                .self_signed(&key)
                .map_err(|e| invalid(e.to_string()))?;
            fs::create_dir_all(dir).map_err(io_error)?;
            write_private(&key_path, &key.serialize_pem()).map_err(io_error)?;
            // The certificate last, through a rename: a reader never sees half of it.
            let partial = dir.join(format!("{CA_CERT_FILE}.partial"));
            fs::write(&partial, cert.pem()).map_err(io_error)?;
            fs::rename(&partial, &cert_path).map_err(io_error)?;
            tracing::info!(dir = %dir.display(), "created a local CA");
            (cert.pem(), key)
        };
        let cert_der = first_certificate(&cert_pem)
            .ok_or_else(|| invalid(format!("{CA_CERT_FILE} holds no certificate")))?;
        Ok(LocalCa {
            dir: dir.to_owned(),
            cert_der,
            cert_pem,
            issuer: Issuer::new(ca_params(), key),
            leaves: Mutex::new(HashMap::new()),
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The path of the CA certificate (what `SSL_CERT_FILE` names).
    pub fn cert_path(&self) -> PathBuf {
        self.dir.join(CA_CERT_FILE)
    }

    /// The leaf certificate for `host`, minted once and cached; `None` for a host not served.
    pub fn leaf(&self, host: &str) -> Option<Arc<CertifiedKey>> {
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        if !served_host(&host) {
            return None;
        }
        let mut leaves = self.leaves.lock().ok()?;
        if let Some(leaf) = leaves.get(&host) {
            return Some(Arc::clone(leaf));
        }
        let leaf = Arc::new(self.mint(&host)?);
        leaves.insert(host, Arc::clone(&leaf));
        Some(leaf)
    }

    fn mint(&self, host: &str) -> Option<CertifiedKey> {
        let mut params = CertificateParams::new(vec![host.to_owned()]).ok()?;
        params.distinguished_name.push(DnType::CommonName, host);
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().ok()?;
        let cert = params.signed_by(&key, &self.issuer).ok()?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signing_key = any_supported_type(&der).ok()?;
        tracing::debug!(%host, "minted a leaf certificate");
        Some(CertifiedKey::new(
            vec![cert.der().clone(), self.cert_der.clone()],
            signing_key,
        ))
    }
}

/// Picks the leaf by the TLS server name; an unknown or absent name gets no certificate, so the
/// handshake fails with an alert and nothing is served.
impl ResolvesServerCert for LocalCa {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let Some(name) = hello.server_name() else {
            tracing::warn!("TLS handshake without a server name refused");
            return None;
        };
        let leaf = self.leaf(name);
        if leaf.is_none() {
            tracing::warn!(%name, "TLS handshake for a host the emulator does not serve refused");
        }
        leaf
    }
}

fn first_certificate(pem: &str) -> Option<CertificateDer<'static>> {
    use base64::Engine;
    let body = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)?
        .split("-----END CERTIFICATE-----")
        .next()?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some(CertificateDer::from(der))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = LocalCa::load_or_create(dir.path()).unwrap();
        let again = LocalCa::load_or_create(dir.path()).unwrap();
        assert_eq!(first.cert_pem(), again.cert_pem());
        assert!(first.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(first.cert_path(), dir.path().join(CA_CERT_FILE));
    }

    #[test]
    fn leaves_are_minted_for_served_hosts_only_and_cached() {
        let dir = tempfile::tempdir().unwrap();
        let ca = LocalCa::load_or_create(dir.path()).unwrap();
        let leaf = ca.leaf("us-central1-aiplatform.googleapis.com").unwrap();
        let cached = ca.leaf("US-CENTRAL1-aiplatform.googleapis.com.").unwrap();
        assert!(Arc::ptr_eq(&leaf, &cached));
        assert_eq!(leaf.cert.len(), 2);
        assert!(ca.leaf("example.com").is_none());
    }

    #[test]
    fn a_corrupt_key_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        LocalCa::load_or_create(dir.path()).unwrap();
        fs::write(dir.path().join(CA_KEY_FILE), "not a key").unwrap();
        let err = LocalCa::load_or_create(dir.path()).unwrap_err();
        assert!(err.to_string().contains(CA_KEY_FILE), "{err}");
    }
}
