//! Project numbers: how a project segment is read as a number or an id, the number Vertex AI
//! answers in place of an id, and rewriting the project segment of names written with an id.
//!
//! Vertex AI accepts `projects/{project}` with either the project id or the project number, and
//! answers every resource name with the number (`google/cloud/aiplatform/v1/model.proto`,
//! `Model.name`: "projects/{project}/locations/{location}/models/{model}", returned as
//! `projects/123456789012/...`). A segment of digits only is a number (project ids start with a
//! letter); anything else is an id.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use super::{NameError, NameKind, ProjectId, parse_decimal, wrap};

/// A project number, such as `123456789012`: digits only, no leading zero.
///
/// ```
/// use retune_model::names::ProjectNumber;
/// assert_eq!("123456789012".parse::<ProjectNumber>().unwrap().get(), 123456789012);
/// assert!("0123".parse::<ProjectNumber>().is_err());
/// assert!("my-project".parse::<ProjectNumber>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectNumber(u64);

number_id!(ProjectNumber, NameKind::ProjectId, "project number");

/// The smallest number [`ProjectNumber::derived`] gives: every derived number has 12 digits,
/// as the numbers of today's projects do.
pub const DERIVED_MIN: u64 = 100_000_000_000;
/// The largest number [`ProjectNumber::derived`] gives.
pub const DERIVED_MAX: u64 = 999_999_999_999;

impl ProjectNumber {
    /// A stable 12-digit number for a project id, the same on every run and every machine: the
    /// 64-bit FNV-1a hash of the id mapped into [`DERIVED_MIN`]..=[`DERIVED_MAX`].
    ///
    /// ```
    /// use retune_model::names::{ProjectNumber, ProjectId};
    /// let id: ProjectId = "my-project".parse().unwrap();
    /// let n = ProjectNumber::derived(&id);
    /// assert_eq!(n, ProjectNumber::derived(&id));
    /// assert_eq!(n.to_string().len(), 12);
    /// ```
    pub fn derived(id: &ProjectId) -> ProjectNumber {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in id.as_str().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        ProjectNumber(DERIVED_MIN + hash % (DERIVED_MAX - DERIVED_MIN + 1))
    }

    /// The number as the project segment of a name.
    pub fn to_project_id(self) -> ProjectId {
        ProjectId::from_number(self)
    }
}

/// What a project segment names: a project by its id or by its number.
///
/// ```
/// use retune_model::names::{ProjectRef, ProjectId};
/// let of = |s: &str| ProjectRef::of(&s.parse::<ProjectId>().unwrap());
/// assert!(matches!(of("123456789012"), ProjectRef::Number(n) if n.get() == 123456789012));
/// assert!(matches!(of("my-project"), ProjectRef::Id(_)));
/// assert!(matches!(of("0123"), ProjectRef::Id(_))); // a leading zero is no number
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectRef {
    /// A project id, such as `my-project`.
    Id(ProjectId),
    /// A project number, such as `123456789012`.
    Number(ProjectNumber),
}

impl ProjectRef {
    /// Reads a project segment: digits only (no leading zero) is a number, the rest an id.
    pub fn of(project: &ProjectId) -> ProjectRef {
        match project.as_str().parse::<ProjectNumber>() {
            Ok(n) => ProjectRef::Number(n),
            Err(_) => ProjectRef::Id(project.clone()),
        }
    }

    /// The number, given how ids map to numbers (a number is itself).
    pub fn number(&self, number_of: impl Fn(&ProjectId) -> ProjectNumber) -> ProjectNumber {
        match self {
            ProjectRef::Id(id) => number_of(id),
            ProjectRef::Number(n) => *n,
        }
    }
}

impl FromStr for ProjectRef {
    type Err = NameError;
    fn from_str(s: &str) -> Result<ProjectRef, NameError> {
        Ok(ProjectRef::of(&s.parse()?))
    }
}

impl fmt::Display for ProjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectRef::Id(id) => id.fmt(f),
            ProjectRef::Number(n) => n.fmt(f),
        }
    }
}

/// Whether two project segments name the same project, as far as the names alone tell:
/// `Some(true)` for the same segment, `Some(false)` for two different ids or two different
/// numbers, `None` for an id and a number (only the service, or a pair learnt from its answers,
/// relates them). A caller that built a name from its project id and reads one Vertex AI
/// answered (with the number) must not call them different projects.
///
/// ```
/// use retune_model::names::{same_project, ProjectId};
/// let p = |s: &str| s.parse::<ProjectId>().unwrap();
/// assert_eq!(same_project(&p("a"), &p("a")), Some(true));
/// assert_eq!(same_project(&p("a"), &p("b")), Some(false));
/// assert_eq!(same_project(&p("123"), &p("456")), Some(false));
/// assert_eq!(same_project(&p("a"), &p("123456789012")), None);
/// ```
pub fn same_project(a: &ProjectId, b: &ProjectId) -> Option<bool> {
    if a == b {
        return Some(true);
    }
    match (ProjectRef::of(a), ProjectRef::of(b)) {
        (ProjectRef::Id(_), ProjectRef::Id(_)) | (ProjectRef::Number(_), ProjectRef::Number(_)) => {
            Some(false)
        }
        _ => None,
    }
}

/// An `ID=NUMBER` pair (`--project-number my-project=123456789012`).
///
/// ```
/// use retune_model::names::ProjectNumbering;
/// let p: ProjectNumbering = "my-project=123456789012".parse().unwrap();
/// assert_eq!(p.id.as_str(), "my-project");
/// assert_eq!(p.number.get(), 123456789012);
/// assert!("123=456".parse::<ProjectNumbering>().is_err()); // the id is a number
/// assert!("my-project".parse::<ProjectNumbering>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectNumbering {
    /// The project id.
    pub id: ProjectId,
    /// Its number.
    pub number: ProjectNumber,
}

impl FromStr for ProjectNumbering {
    type Err = NameError;
    fn from_str(s: &str) -> Result<ProjectNumbering, NameError> {
        let r = (|| {
            let (id, number) = s
                .split_once('=')
                .ok_or_else(|| "expected ID=NUMBER".to_owned())?;
            let id: ProjectId = id.parse().map_err(|e: NameError| e.reason().to_owned())?;
            if let ProjectRef::Number(_) = ProjectRef::of(&id) {
                return Err(format!("{id} is a project number, not a project id"));
            }
            let number = parse_decimal(number, "project number")?;
            if number == 0 {
                return Err("project number must not be 0".to_owned());
            }
            Ok(ProjectNumbering {
                id,
                number: ProjectNumber(number),
            })
        })();
        wrap(s, NameKind::ProjectId, r)
    }
}

/// The collections whose names are rewritten: the resources Vertex AI names with the number.
const NUMBERED: [&str; 4] = ["models", "tuningJobs", "endpoints", "operations"];

/// `text` with the project segment of every resource name in it written with a number: each
/// `projects/{id}/locations/{location}` that stands alone or is followed by `/models`,
/// `/tuningJobs`, `/endpoints` or `/operations`, and starts `text` or follows a character that
/// cannot be part of a name. Numbers are kept, so rewriting twice changes nothing. Other names
/// (a KMS key's `projects/p/locations/l/keyRings/...`) are kept as written, as Vertex AI echoes
/// them.
///
/// ```
/// use retune_model::names::{with_project_numbers, ProjectNumber};
/// let n = |_: &_| ProjectNumber::from_number(42);
/// assert_eq!(
///     with_project_numbers("projects/p1/locations/us-central1/models/9@2", n),
///     "projects/42/locations/us-central1/models/9@2"
/// );
/// assert_eq!(
///     with_project_numbers(r#"model="projects/p1/locations/us/models/9""#, n),
///     r#"model="projects/42/locations/us/models/9""#
/// );
/// let kms = "projects/p1/locations/us/keyRings/r/cryptoKeys/k";
/// assert_eq!(with_project_numbers(kms, n), kms);
/// ```
pub fn with_project_numbers(
    text: &str,
    number_of: impl Fn(&ProjectId) -> ProjectNumber,
) -> Cow<'_, str> {
    const PREFIX: &str = "projects/";
    let mut out = String::new();
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find(PREFIX) {
        let at = from + found;
        from = at + PREFIX.len();
        let boundary = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')));
        if !boundary {
            continue;
        }
        let rest = &text[from..];
        let Some((segment, after)) = rest.split_once('/') else {
            continue;
        };
        let Some(after) = after.strip_prefix("locations/") else {
            continue;
        };
        let location_end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
        let tail = location_end.map_or("", |end| &after[end..]);
        let numbered = match tail.strip_prefix('/') {
            None => true,
            Some(t) => NUMBERED.iter().any(|c| {
                t.strip_prefix(c)
                    .is_some_and(|r| r.is_empty() || r.starts_with(['/', ':', '?', '"', '\'']))
            }),
        };
        if !numbered {
            continue;
        }
        let Ok(id) = segment.parse::<ProjectId>() else {
            continue;
        };
        if let ProjectRef::Id(id) = ProjectRef::of(&id) {
            out.push_str(&text[copied..from]);
            out.push_str(&number_of(&id).to_string());
            copied = from + segment.len();
        }
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

impl ProjectId {
    /// The segment of a project number.
    pub fn from_number(number: ProjectNumber) -> ProjectId {
        ProjectId(number.to_string())
    }
}
