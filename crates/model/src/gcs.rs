//! Cloud Storage names: bucket names, object names and `gs://bucket/object` URIs, by Cloud
//! Storage's rules, parsed once wherever a URI enters (the CLI, the client, the emulator's
//! tuning API and its Cloud Storage API).

use std::fmt;
use std::str::FromStr;

use crate::Code;

/// Every chunk of a resumable upload but the last holds a multiple of this many bytes (256 KiB).
pub const RESUMABLE_CHUNK_BYTES: usize = 256 * 1024;

/// A bucket name, object name or `gs://` URI that breaks Cloud Storage's rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GcsNameError {
    /// The string is not a valid bucket name.
    #[error("invalid bucket name {name:?}: {reason}")]
    Bucket {
        /// The rejected name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The string is not a valid object name.
    #[error("invalid object name {name:?}: {reason}")]
    Object {
        /// The rejected name.
        name: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The string is not a `gs://bucket/object` URI.
    #[error("invalid Cloud Storage URI {uri:?}: {reason}")]
    Uri {
        /// The rejected URI.
        uri: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl GcsNameError {
    /// Always `INVALID_ARGUMENT`: a bad name is the caller's mistake.
    pub fn code(&self) -> Code {
        Code::InvalidArgument
    }
}

/// The name of a bucket, valid by Cloud Storage's rules.
///
/// Rules: 3 to 63 characters (up to 222 when dotted, each dot-separated part at most 63);
/// lowercase letters, digits, `-`, `_` and `.`; starts and ends with a letter or digit; does not
/// begin with `goog`; is not an IPv4 address.
///
/// ```
/// use retune_model::gcs::BucketName;
/// assert!("cloud-samples-data".parse::<BucketName>().is_ok());
/// assert!("Bad_Bucket".parse::<BucketName>().is_err());
/// assert!("ab".parse::<BucketName>().is_err());
/// assert!("../etc".parse::<BucketName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BucketName(String);

impl BucketName {
    /// Parses a bucket name.
    pub fn parse(name: &str) -> Result<BucketName, GcsNameError> {
        let invalid = |reason: &'static str| GcsNameError::Bucket {
            name: name.to_owned(),
            reason,
        };
        let max = if name.contains('.') { 222 } else { 63 };
        if name.len() < 3 || name.len() > max {
            return Err(invalid(
                "must be 3 to 63 characters long (222 with dots, 63 per dot-separated part)",
            ));
        }
        if !name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        }) {
            return Err(invalid(
                "may contain only lowercase letters, digits, '-', '_' and '.'",
            ));
        }
        let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !alnum(name.bytes().next()) || !alnum(name.bytes().last()) {
            return Err(invalid("must start and end with a letter or digit"));
        }
        if name
            .split('.')
            .any(|part| part.is_empty() || part.len() > 63)
        {
            return Err(invalid(
                "dot-separated parts must be 1 to 63 characters long",
            ));
        }
        if name.starts_with("goog") {
            return Err(invalid("must not begin with \"goog\""));
        }
        if name.parse::<std::net::Ipv4Addr>().is_ok() {
            return Err(invalid("must not be an IP address"));
        }
        Ok(BucketName(name.to_owned()))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A name known to be valid (a constant, checked by a test); checked only in debug builds.
    #[doc(hidden)]
    pub fn trusted(name: &str) -> BucketName {
        debug_assert!(BucketName::parse(name).is_ok(), "{name}");
        BucketName(name.to_owned())
    }
}

impl FromStr for BucketName {
    type Err = GcsNameError;
    fn from_str(s: &str) -> Result<BucketName, GcsNameError> {
        BucketName::parse(s)
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name of an object, valid by Cloud Storage's rules.
///
/// Rules: 1 to 1024 bytes of UTF-8; no carriage return, line feed or NUL; not `.` or `..`;
/// not under `.well-known/acme-challenge/`. A `/` is an ordinary character (folders are only a
/// listing convention). The directory backend adds its own, stricter rules for names it cannot
/// map safely onto files.
///
/// ```
/// use retune_model::gcs::ObjectName;
/// assert!("data/train.jsonl".parse::<ObjectName>().is_ok());
/// assert!("".parse::<ObjectName>().is_err());
/// assert!("..".parse::<ObjectName>().is_err());
/// assert!("a\nb".parse::<ObjectName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectName(String);

impl ObjectName {
    /// The longest object name, in bytes.
    pub const MAX_LEN: usize = 1024;

    /// Parses an object name.
    pub fn parse(name: &str) -> Result<ObjectName, GcsNameError> {
        let invalid = |reason: &'static str| GcsNameError::Object {
            name: name.to_owned(),
            reason,
        };
        if name.is_empty() || name.len() > ObjectName::MAX_LEN {
            return Err(invalid("must be 1 to 1024 bytes long"));
        }
        if name.contains(['\r', '\n', '\0']) {
            return Err(invalid(
                "must not contain carriage return, line feed or NUL characters",
            ));
        }
        if name == "." || name == ".." {
            return Err(invalid("must not be \".\" or \"..\""));
        }
        if name.starts_with(".well-known/acme-challenge/") {
            return Err(invalid(
                "must not begin with \".well-known/acme-challenge/\"",
            ));
        }
        Ok(ObjectName(name.to_owned()))
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A name known to be valid (a constant, or a name read back from a store that only holds
    /// valid names); checked only in debug builds.
    #[doc(hidden)]
    pub fn trusted(name: &str) -> ObjectName {
        debug_assert!(ObjectName::parse(name).is_ok(), "{name}");
        ObjectName(name.to_owned())
    }
}

impl FromStr for ObjectName {
    type Err = GcsNameError;
    fn from_str(s: &str) -> Result<ObjectName, GcsNameError> {
        ObjectName::parse(s)
    }
}

// Ordering and equality are the string's, so maps keyed by name can be searched by `&str`.
impl std::borrow::Borrow<str> for ObjectName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `gs://bucket/object` URI naming one object.
///
/// Parsing is strict: the scheme is exactly `gs://`, the bucket and object names follow
/// [`BucketName`] and [`ObjectName`], and nothing is percent-decoded (Cloud Storage URIs carry
/// object names verbatim). A URI naming only a bucket (`gs://b` or `gs://b/`) is rejected.
///
/// ```
/// use retune_model::gcs::GcsUri;
/// let uri: GcsUri = "gs://my-bucket/data/train.jsonl".parse().unwrap();
/// assert_eq!(uri.bucket().as_str(), "my-bucket");
/// assert_eq!(uri.object().as_str(), "data/train.jsonl");
/// assert_eq!(uri.to_string(), "gs://my-bucket/data/train.jsonl");
/// assert!("https://storage.googleapis.com/b/o".parse::<GcsUri>().is_err());
/// assert!("gs://my-bucket/".parse::<GcsUri>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GcsUri {
    bucket: BucketName,
    object: ObjectName,
}

impl GcsUri {
    /// The URI of `object` in `bucket`.
    pub fn new(bucket: BucketName, object: ObjectName) -> GcsUri {
        GcsUri { bucket, object }
    }

    /// Parses a `gs://bucket/object` URI.
    pub fn parse(uri: &str) -> Result<GcsUri, GcsNameError> {
        let invalid = |reason: String| GcsNameError::Uri {
            uri: uri.to_owned(),
            reason,
        };
        let rest = uri
            .strip_prefix("gs://")
            .ok_or_else(|| invalid("must begin with \"gs://\"".to_owned()))?;
        let (bucket, object) = rest
            .split_once('/')
            .ok_or_else(|| invalid("names no object: expected gs://BUCKET/OBJECT".to_owned()))?;
        if object.is_empty() {
            return Err(invalid(
                "names no object: expected gs://BUCKET/OBJECT".to_owned(),
            ));
        }
        let bucket = BucketName::parse(bucket).map_err(|e| invalid(e.to_string()))?;
        let object = ObjectName::parse(object).map_err(|e| invalid(e.to_string()))?;
        Ok(GcsUri { bucket, object })
    }

    /// The bucket.
    pub fn bucket(&self) -> &BucketName {
        &self.bucket
    }

    /// The object.
    pub fn object(&self) -> &ObjectName {
        &self.object
    }
}

impl FromStr for GcsUri {
    type Err = GcsNameError;
    fn from_str(s: &str) -> Result<GcsUri, GcsNameError> {
        GcsUri::parse(s)
    }
}

impl fmt::Display for GcsUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gs://{}/{}", self.bucket, self.object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_cloud_storage_rules() {
        for ok in [
            "abc",
            "cloud-samples-data",
            "a_b-c",
            "my.bucket.example",
            "123",
        ] {
            assert!(BucketName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ab",
            "ABC",
            "-abc",
            "abc-",
            "a..b",
            "googbucket",
            "192.168.1.1",
            "a/b",
            "a b",
            "..",
        ] {
            assert!(BucketName::parse(bad).is_err(), "{bad}");
        }
        assert!(BucketName::parse(&"a".repeat(63)).is_ok());
        assert!(BucketName::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn object_names_follow_cloud_storage_rules() {
        for ok in [
            "a",
            "a/b/c.jsonl",
            "a//b",
            "/leading",
            "trailing/",
            "ü.txt",
            "a..b",
        ] {
            assert!(ObjectName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            ".",
            "..",
            "",
            "a\rb",
            "a\0b",
            ".well-known/acme-challenge/x",
        ] {
            assert!(ObjectName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ObjectName::parse(&"a".repeat(1024)).is_ok());
        assert!(ObjectName::parse(&"a".repeat(1025)).is_err());
    }

    #[test]
    fn uri_errors_name_the_uri() {
        for bad in [
            "gs:/b/o",
            "GS://bucket/o",
            "gs://bucket",
            "gs://bucket/",
            "gs://Bucket/o",
            "s3://bucket/o",
        ] {
            let err = GcsUri::parse(bad).expect_err(bad);
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn uri_keeps_the_object_name_verbatim() {
        let uri = GcsUri::parse("gs://bucket/a%2Fb c.jsonl").expect("valid");
        assert_eq!(uri.object().as_str(), "a%2Fb c.jsonl");
    }

    proptest::proptest! {
        #[test]
        fn uri_parse_never_panics_and_round_trips(s in "\\PC{0,40}") {
            if let Ok(uri) = GcsUri::parse(&s) {
                proptest::prop_assert_eq!(uri.to_string(), s);
            }
        }
    }
}
