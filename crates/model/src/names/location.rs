//! Projects and locations: `projects/{project}/locations/{location}`, the part every located
//! name shares.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::{Located, NameError, NameKind, Reason, wrap};

/// A project id or project number, such as `my-project` or `123456789012`.
///
/// 1 to 63 characters of lowercase letters, digits and hyphens, starting with a letter or digit
/// and not ending with a hyphen. This is deliberately more lenient than GCP, whose project ids are
/// 6 to 30 characters starting with a letter: the emulator accepts short test ids such as `p1`,
/// and project numbers (all digits), which real responses use in names.
///
/// ```
/// use retune_model::names::ProjectId;
/// assert!("p1".parse::<ProjectId>().is_ok());
/// assert!("123456789012".parse::<ProjectId>().is_ok());
/// assert!("my-project".parse::<ProjectId>().is_ok());
/// assert!("My-Project".parse::<ProjectId>().is_err()); // uppercase
/// assert!("my-project-".parse::<ProjectId>().is_err()); // trailing hyphen
/// assert!("".parse::<ProjectId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(pub(super) String);

fn check_project(s: &str) -> Result<(), Reason> {
    let what = "project id";
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "{what} may contain only lowercase letters, digits and hyphens (found {c:?})"
        ));
    }
    if s.len() > 63 {
        return Err(format!(
            "{what} must be at most 63 characters (found {})",
            s.len()
        ));
    }
    if s.starts_with('-') {
        return Err(format!(
            "{what} must start with a lowercase letter or digit"
        ));
    }
    if s.ends_with('-') {
        return Err(format!("{what} must not end with a hyphen"));
    }
    Ok(())
}

string_id!(ProjectId, NameKind::ProjectId, check_project);

/// What kind of place a [`LocationId`] names; it decides the API host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocationKind {
    /// A single region such as `us-central1`: host `{region}-aiplatform.googleapis.com`.
    Region,
    /// `global`: host `aiplatform.googleapis.com`.
    Global,
    /// `us` or `eu`: host `aiplatform.{us,eu}.rep.googleapis.com`.
    MultiRegion,
}

/// A location: `global`, the multi-regions `us` and `eu`, or a region such as `us-central1`,
/// `europe-west4` or `asia-northeast1`.
///
/// A region is lowercase words joined by `-` (at least two words), the last one ending in digits.
///
/// ```
/// use retune_model::names::{LocationId, LocationKind};
/// let kind = |s: &str| s.parse::<LocationId>().map(|l| l.kind());
/// assert_eq!(kind("us-central1"), Ok(LocationKind::Region));
/// assert_eq!(kind("northamerica-northeast1"), Ok(LocationKind::Region));
/// assert_eq!(kind("global"), Ok(LocationKind::Global));
/// assert_eq!(kind("eu"), Ok(LocationKind::MultiRegion));
/// assert!(kind("us-central").is_err()); // no trailing digits
/// assert!(kind("US-CENTRAL1").is_err());
/// assert!(kind("central1").is_err()); // a single word
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocationId(String);

fn location_kind(s: &str) -> Result<LocationKind, Reason> {
    match s {
        "global" => return Ok(LocationKind::Global),
        "us" | "eu" => return Ok(LocationKind::MultiRegion),
        _ => {}
    }
    let shape = || {
        format!(
            "location must be `global`, `us`, `eu` or a region such as `us-central1` (found {s:?})"
        )
    };
    if s.is_empty() {
        return Err("location id is empty".to_owned());
    }
    if s.len() > 63 {
        return Err(format!(
            "location id must be at most 63 characters (found {})",
            s.len()
        ));
    }
    let words: Vec<&str> = s.split('-').collect();
    let Some((last, first)) = words.split_last() else {
        return Err(shape());
    };
    let letters = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase());
    let stem = last.trim_end_matches(|c: char| c.is_ascii_digit());
    let region = !first.is_empty()
        && first.iter().all(|w| letters(w))
        && letters(stem)
        && stem.len() < last.len();
    if region {
        Ok(LocationKind::Region)
    } else {
        Err(shape())
    }
}

fn check_location(s: &str) -> Result<(), Reason> {
    location_kind(s).map(|_| ())
}

string_id!(LocationId, NameKind::LocationId, check_location);

impl LocationId {
    /// The location `global`.
    pub fn global() -> LocationId {
        LocationId("global".to_owned())
    }

    /// Whether this is a region, `global` or a multi-region.
    pub fn kind(&self) -> LocationKind {
        // Validated on construction; a region is the only remaining case.
        location_kind(&self.0).unwrap_or(LocationKind::Region)
    }
}

/// `projects/{project}/locations/{location}`: the parent of create and list calls.
///
/// ```
/// use retune_model::names::LocationName;
/// let l: LocationName = "projects/p1/locations/us-central1".parse().unwrap();
/// assert_eq!(l.project().as_str(), "p1");
/// assert_eq!(l.location().as_str(), "us-central1");
/// assert!("projects/p1/zones/us-central1".parse::<LocationName>().is_err());
/// assert!("projects/p1/locations/us-central1/".parse::<LocationName>().is_err());
/// ```
///
/// The parts are shared: a clone (and so every resource name built from a clone) costs a
/// reference count, not two strings.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocationName {
    parts: Arc<LocationParts>,
}

/// The parts of a [`LocationName`], in the order names compare by.
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
struct LocationParts {
    project: ProjectId,
    location: LocationId,
}

impl LocationName {
    /// The location `location` of project `project`.
    pub fn new(project: ProjectId, location: LocationId) -> LocationName {
        LocationName {
            parts: Arc::new(LocationParts { project, location }),
        }
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        &self.parts.project
    }

    /// The location id.
    pub fn location(&self) -> &LocationId {
        &self.parts.location
    }

    /// The location of a resource name being parsed: the one this thread parsed last when it
    /// is the same (shared, not checked or allocated again: the names of one location come in
    /// runs, as when a data directory's records are read), else checked and made.
    pub(super) fn from_parts(project: &str, location: &str) -> Result<LocationName, Reason> {
        let last = LAST_PARSED.with(|last| {
            last.borrow()
                .as_ref()
                .filter(|l| l.project().as_str() == project && l.location().as_str() == location)
                .cloned()
        });
        if let Some(last) = last {
            return Ok(last);
        }
        check_project(project)?;
        check_location(location)?;
        let parsed = LocationName::new(
            ProjectId(project.to_owned()),
            LocationId(location.to_owned()),
        );
        LAST_PARSED.with(|last| *last.borrow_mut() = Some(parsed.clone()));
        Ok(parsed)
    }
}

thread_local! {
    /// The location this thread parsed last (see [`LocationName::from_parts`]).
    static LAST_PARSED: RefCell<Option<LocationName>> = const { RefCell::new(None) };
}

impl fmt::Debug for LocationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocationName")
            .field("project", self.project())
            .field("location", self.location())
            .finish()
    }
}

impl fmt::Display for LocationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "projects/{}/locations/{}",
            self.project(),
            self.location()
        )
    }
}

impl FromStr for LocationName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let r = match super::segments(s) {
            Some(["projects", p, "locations", l]) => LocationName::from_parts(p, l),
            _ => Err("expected projects/{project}/locations/{location}".to_owned()),
        };
        wrap(s, NameKind::LocationName, r)
    }
}

impl Located for LocationName {
    fn location_name(&self) -> &LocationName {
        self
    }
}
