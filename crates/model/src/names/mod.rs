//! Typed Vertex AI resource names, parsed once: projects, locations, models, versions, tuning jobs,
//! endpoints, operations, checkpoints and KMS keys; project numbers and ids (`project`).
//!
//! Every type here has private fields, a [`FromStr`](std::str::FromStr) that validates, a [`Display`](fmt::Display)
//! that writes the canonical form (so `parse(display(x)) == x`), constructors from typed parts and
//! an accessor for every part. Nobody downstream splits a name string again.
//!
//! ```
//! use retune_model::names::{ModelRef, VersionSelector};
//! // The Python Gen AI SDK sends `@` literally; GAPIC clients send `%40`.
//! let r: ModelRef = "projects/p1/locations/us-central1/models/9%40golden".parse().unwrap();
//! assert_eq!(r.to_string(), "projects/p1/locations/us-central1/models/9@golden");
//! assert_eq!(r.name().model_id().as_str(), "9");
//! assert!(matches!(r.selector(), Some(VersionSelector::Alias(a)) if a.as_str() == "golden"));
//!
//! let err = "projects/p/locations/us-central1/models/1@Gold".parse::<ModelRef>().unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     r#"invalid model reference "projects/p/locations/us-central1/models/1@Gold": version alias must start with a lowercase letter"#
//! );
//! ```

use std::fmt;

/// Which kind of name a [`NameError`] was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    ProjectId,
    LocationId,
    LocationName,
    ModelId,
    ModelName,
    ModelRef,
    VersionId,
    VersionAlias,
    VersionSelector,
    TuningJobId,
    TuningJobName,
    EndpointId,
    EndpointName,
    OperationId,
    OperationName,
    CheckpointId,
    KeyRingId,
    CryptoKeyId,
    KmsKeyName,
    ServiceAccount,
}

impl NameKind {
    /// How error messages call this kind of name, e.g. `model reference`.
    pub fn as_str(self) -> &'static str {
        match self {
            NameKind::ProjectId => "project id",
            NameKind::LocationId => "location id",
            NameKind::LocationName => "location name",
            NameKind::ModelId => "model id",
            NameKind::ModelName => "model name",
            NameKind::ModelRef => "model reference",
            NameKind::VersionId => "version id",
            NameKind::VersionAlias => "version alias",
            NameKind::VersionSelector => "version selector",
            NameKind::TuningJobId => "tuning job id",
            NameKind::TuningJobName => "tuning job name",
            NameKind::EndpointId => "endpoint id",
            NameKind::EndpointName => "endpoint name",
            NameKind::OperationId => "operation id",
            NameKind::OperationName => "operation name",
            NameKind::CheckpointId => "checkpoint id",
            NameKind::KeyRingId => "key ring id",
            NameKind::CryptoKeyId => "crypto key id",
            NameKind::KmsKeyName => "KMS key name",
            NameKind::ServiceAccount => "service account",
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not a valid name of the expected kind.
///
/// It carries the whole input (not just the bad part), the kind of name that was expected and
/// the reason, which names the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {input:?}: {reason}")]
pub struct NameError {
    input: String,
    kind: NameKind,
    reason: String,
}

impl NameError {
    pub(crate) fn new(input: &str, kind: NameKind, reason: impl Into<String>) -> NameError {
        NameError {
            input: input.to_owned(),
            kind,
            reason: reason.into(),
        }
    }

    /// The rejected input, as given.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The kind of name that was expected.
    pub fn kind(&self) -> NameKind {
        self.kind
    }

    /// Why the input was rejected, e.g. `version alias must start with a lowercase letter`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The reason a part was rejected; wrapped into a [`NameError`] with the whole input.
type Reason = String;

fn wrap<T>(input: &str, kind: NameKind, r: Result<T, Reason>) -> Result<T, NameError> {
    r.map_err(|reason| NameError::new(input, kind, reason))
}

/// Parses a decimal number with no sign, no leading zeros (except `0` itself) and no overflow.
/// The `/`-separated segments of `s` when there are exactly `N` (read without allocating:
/// names are parsed by the hundred thousand when a data directory is read).
fn segments<const N: usize>(s: &str) -> Option<[&str; N]> {
    let mut parts = s.split('/');
    let mut out = [""; N];
    for slot in &mut out {
        *slot = parts.next()?;
    }
    parts.next().is_none().then_some(out)
}

fn parse_decimal(s: &str, what: &str) -> Result<u64, Reason> {
    if s.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!("{what} may contain only digits (found {c:?})"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!("{what} must not have leading zeros"));
    }
    s.parse::<u64>()
        .map_err(|_| format!("{what} must be at most {}", u64::MAX))
}

/// Implements `Display`, `FromStr`, `AsRef<str>` and `as_str` for a validated string id.
macro_rules! string_id {
    ($name:ident, $kind:expr, $check:path) => {
        impl $name {
            /// The id as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                wrap(s, $kind, $check(s))?;
                Ok($name(s.into()))
            }
        }
    };
}

/// Implements `from_number`, `get`, `Display` and `FromStr` for a decimal id stored as `u64`.
macro_rules! number_id {
    ($name:ident, $kind:expr, $what:literal) => {
        impl $name {
            /// The id for a number.
            pub const fn from_number(n: u64) -> $name {
                $name(n)
            }

            /// The id as a number.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                wrap(s, $kind, parse_decimal(s, $what)).map($name)
            }
        }
    };
}

/// A resource name that lives under one `projects/{project}/locations/{location}`.
///
/// Every located name (models, tuning jobs, endpoints, operations, KMS keys) answers
/// `location_name`, `project` and `location` the same way: the `located!` macro writes the three
/// accessors once, as inherent methods (callers need no import) and as this trait, for code that
/// takes any located name.
///
/// ```
/// use retune_model::names::{Located, ModelName, TuningJobName};
/// let m: ModelName = "projects/p1/locations/us-central1/models/9".parse().unwrap();
/// let t: TuningJobName = "projects/p1/locations/us-central1/tuningJobs/4".parse().unwrap();
/// fn same_place(a: &impl Located, b: &impl Located) -> bool {
///     a.location_name() == b.location_name()
/// }
/// assert!(same_place(&m, &t));
/// assert_eq!(m.project().as_str(), "p1");
/// ```
pub trait Located {
    /// `projects/{project}/locations/{location}`.
    fn location_name(&self) -> &LocationName;

    /// The project.
    fn project(&self) -> &ProjectId {
        self.location_name().project()
    }

    /// The location id.
    fn location(&self) -> &LocationId {
        self.location_name().location()
    }
}

/// Writes the accessors of a located name once: `location_name` (from `$get`), `project` and
/// `location` as inherent methods, and the [`Located`] impl.
macro_rules! located {
    ($name:ident, |$this:ident| $get:expr) => {
        impl $name {
            /// `projects/{project}/locations/{location}`.
            pub fn location_name(&self) -> &LocationName {
                let $this = self;
                $get
            }

            /// The project.
            pub fn project(&self) -> &ProjectId {
                self.location_name().project()
            }

            /// The location id.
            pub fn location(&self) -> &LocationId {
                self.location_name().location()
            }
        }

        impl Located for $name {
            fn location_name(&self) -> &LocationName {
                $name::location_name(self)
            }
        }
    };
}

mod checkpoint;
mod endpoint;
mod kms;
mod location;
mod model;
mod operation;
mod project;
mod service_account;
mod tuning_job;
mod version;

pub use checkpoint::CheckpointId;
pub use endpoint::{EndpointId, EndpointName};
pub use kms::{CryptoKeyId, KeyRingId, KmsKeyName};
pub use location::{LocationId, LocationKind, LocationName, ProjectId};
pub use model::{ModelId, ModelName, ModelRef};
pub use operation::{OperationId, OperationName, OperationParent};
pub use project::{
    DERIVED_MAX, DERIVED_MIN, ProjectNumber, ProjectNumbering, ProjectRef, same_project,
    with_project_numbers,
};
pub use service_account::ServiceAccount;
pub use tuning_job::{TuningJobId, TuningJobName};
pub use version::{VersionAlias, VersionId, VersionSelector};

#[cfg(test)]
mod tests;
