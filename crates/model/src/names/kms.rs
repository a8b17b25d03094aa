//! Cloud KMS keys: `…/keyRings/{key_ring}/cryptoKeys/{crypto_key}`.

use std::fmt;
use std::str::FromStr;

use super::{Located, LocationId, LocationName, NameError, NameKind, ProjectId, Reason, wrap};

fn check_kms_id(s: &str, what: &str) -> Result<(), Reason> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "{what} may contain only letters, digits, `_` and `-` (found {c:?})"
        ));
    }
    if s.len() > 63 {
        return Err(format!(
            "{what} must be at most 63 characters (found {})",
            s.len()
        ));
    }
    Ok(())
}

fn check_key_ring(s: &str) -> Result<(), Reason> {
    check_kms_id(s, "key ring id")
}

fn check_crypto_key(s: &str) -> Result<(), Reason> {
    check_kms_id(s, "crypto key id")
}

/// A Cloud KMS key ring id: `[a-zA-Z0-9_-]{1,63}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyRingId(String);

string_id!(KeyRingId, NameKind::KeyRingId, check_key_ring);

/// A Cloud KMS crypto key id: `[a-zA-Z0-9_-]{1,63}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CryptoKeyId(String);

string_id!(CryptoKeyId, NameKind::CryptoKeyId, check_crypto_key);

/// A customer-managed encryption key:
/// `projects/{project}/locations/{location}/keyRings/{key_ring}/cryptoKeys/{crypto_key}`.
///
/// The location follows [`LocationId`]: a Vertex AI CMEK key lives in the region of the resource
/// it protects, so KMS-only multi-regions such as `nam4` are refused.
///
/// ```
/// use retune_model::names::KmsKeyName;
/// let k: KmsKeyName =
///     "projects/p1/locations/us-central1/keyRings/ring_1/cryptoKeys/Key-A".parse().unwrap();
/// assert_eq!(k.key_ring().as_str(), "ring_1");
/// assert_eq!(k.crypto_key().as_str(), "Key-A");
/// assert!("projects/p1/locations/us-central1/keyRings/ring.1/cryptoKeys/k"
///     .parse::<KmsKeyName>()
///     .is_err());
/// assert!("projects/p1/locations/us-central1/keyRings/r".parse::<KmsKeyName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KmsKeyName {
    location: LocationName,
    key_ring: KeyRingId,
    crypto_key: CryptoKeyId,
}

impl KmsKeyName {
    /// Key `crypto_key` of key ring `key_ring` in `location`.
    pub fn new(location: LocationName, key_ring: KeyRingId, crypto_key: CryptoKeyId) -> KmsKeyName {
        KmsKeyName {
            location,
            key_ring,
            crypto_key,
        }
    }

    /// The key ring id.
    pub fn key_ring(&self) -> &KeyRingId {
        &self.key_ring
    }

    /// The crypto key id.
    pub fn crypto_key(&self) -> &CryptoKeyId {
        &self.crypto_key
    }
}

located!(KmsKeyName, |n| &n.location);

impl fmt::Display for KmsKeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/keyRings/{}/cryptoKeys/{}",
            self.location, self.key_ring, self.crypto_key
        )
    }
}

fn parse_kms(s: &str) -> Result<KmsKeyName, Reason> {
    let parts: Vec<&str> = s.split('/').collect();
    match parts.as_slice() {
        [
            "projects",
            p,
            "locations",
            l,
            "keyRings",
            r,
            "cryptoKeys",
            k,
        ] => {
            let location = LocationName::from_parts(p, l)?;
            check_key_ring(r)?;
            check_crypto_key(k)?;
            Ok(KmsKeyName::new(
                location,
                KeyRingId((*r).to_owned()),
                CryptoKeyId((*k).to_owned()),
            ))
        }
        _ => Err("expected projects/{project}/locations/{location}\
             /keyRings/{key_ring}/cryptoKeys/{crypto_key}"
            .to_owned()),
    }
}

impl FromStr for KmsKeyName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::KmsKeyName, parse_kms(s))
    }
}
