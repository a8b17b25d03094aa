//! Endpoints: `EndpointId` and `…/endpoints/{endpoint}`.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::model::check_numeric_id;
use super::{Located, LocationId, LocationName, NameError, NameKind, ProjectId, Reason, wrap};

/// An endpoint id: a server-generated number (1 to 20 digits), or a user-chosen id of
/// `[a-z0-9-]`, at most 63 characters, starting with a letter and not ending with `-`
/// (`CreateEndpointRequest.endpoint_id`).
///
/// ```
/// use retune_model::names::EndpointId;
/// assert!("110".parse::<EndpointId>().is_ok());
/// assert!("my-endpoint".parse::<EndpointId>().is_ok());
/// assert!("my-endpoint-".parse::<EndpointId>().is_err());
/// assert!("1st".parse::<EndpointId>().is_err());
/// ```
///
/// Clones share the text (names holding it are cloned into several records).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointId(Arc<str>);

fn check_endpoint_id(s: &str) -> Result<(), Reason> {
    let what = "endpoint id";
    if let Some(numeric) = check_numeric_id(what, s) {
        return numeric;
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "{what} may contain only lowercase letters, digits and hyphens (found {c:?})"
        ));
    }
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!(
            "{what} must be all digits or start with a lowercase letter"
        ));
    }
    if s.ends_with('-') {
        return Err(format!("{what} must not end with a hyphen"));
    }
    if s.len() > 63 {
        return Err(format!(
            "{what} must be at most 63 characters (found {})",
            s.len()
        ));
    }
    Ok(())
}

string_id!(EndpointId, NameKind::EndpointId, check_endpoint_id);

impl EndpointId {
    /// A numeric endpoint id, as the server generates them.
    pub fn from_number(n: u64) -> EndpointId {
        EndpointId(n.to_string().into())
    }

    /// The number of an id [`from_number`](EndpointId::from_number) makes (`None` for a
    /// user-chosen id, or digits that number would not print, such as a leading zero).
    ///
    /// ```
    /// use retune_model::names::EndpointId;
    /// assert_eq!(EndpointId::from_number(110).number(), Some(110));
    /// assert_eq!("my-endpoint".parse::<EndpointId>().unwrap().number(), None);
    /// assert_eq!("0110".parse::<EndpointId>().unwrap().number(), None);
    /// ```
    pub fn number(&self) -> Option<u64> {
        let digits = &*self.0;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits.len() == 1 || !digits.starts_with('0'));
        canonical.then(|| digits.parse().ok()).flatten()
    }
}

/// `projects/{project}/locations/{location}/endpoints/{endpoint}`.
///
/// ```
/// use retune_model::names::EndpointName;
/// let e: EndpointName = "projects/p1/locations/us-central1/endpoints/110".parse().unwrap();
/// assert_eq!(e.endpoint_id().as_str(), "110");
/// assert!("projects/p1/locations/us-central1/endpoints".parse::<EndpointName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointName {
    location: LocationName,
    endpoint: EndpointId,
}

impl EndpointName {
    /// Endpoint `endpoint` in `location`.
    pub fn new(location: LocationName, endpoint: EndpointId) -> EndpointName {
        EndpointName { location, endpoint }
    }

    /// The endpoint id.
    pub fn endpoint_id(&self) -> &EndpointId {
        &self.endpoint
    }
}

located!(EndpointName, |n| &n.location);

impl fmt::Display for EndpointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/endpoints/{}", self.location, self.endpoint)
    }
}

impl FromStr for EndpointName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let r = match super::segments(s) {
            Some(["projects", p, "locations", l, "endpoints", e]) => LocationName::from_parts(p, l)
                .and_then(|location| {
                    check_endpoint_id(e)?;
                    Ok(EndpointName::new(location, EndpointId((*e).into())))
                }),
            _ => Err(
                "expected projects/{project}/locations/{location}/endpoints/{endpoint}".to_owned(),
            ),
        };
        wrap(s, NameKind::EndpointName, r)
    }
}
