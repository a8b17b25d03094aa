//! Typed Vertex AI resource names, parsed once: projects, locations, models, versions, tuning jobs,
//! endpoints, operations, checkpoints and KMS keys.
//!
//! Every type here has private fields, a [`FromStr`] that validates, a [`Display`](fmt::Display)
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

use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;
use std::sync::Arc;

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

// ---------------------------------------------------------------------------------------------
// Projects and locations
// ---------------------------------------------------------------------------------------------

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
pub struct ProjectId(String);

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

    fn from_parts(project: &str, location: &str) -> Result<LocationName, Reason> {
        check_project(project)?;
        check_location(location)?;
        Ok(LocationName::new(
            ProjectId(project.to_owned()),
            LocationId(location.to_owned()),
        ))
    }
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
        let parts: Vec<&str> = s.split('/').collect();
        let r = match parts.as_slice() {
            ["projects", p, "locations", l] => LocationName::from_parts(p, l),
            _ => Err("expected projects/{project}/locations/{location}".to_owned()),
        };
        wrap(s, NameKind::LocationName, r)
    }
}

// ---------------------------------------------------------------------------------------------
// Models, versions and aliases
// ---------------------------------------------------------------------------------------------

/// A model id: either a server-generated number such as `9030969596621881344` (1 to 20 digits,
/// so that every `u64` fits),
/// or a user-chosen id (upload and copy only) of `[a-z0-9_-]`, at most 63 characters, not
/// starting with a digit or hyphen (`UploadModelRequest.model_id`).
///
/// ```
/// use retune_model::names::ModelId;
/// assert!("9030969596621881344".parse::<ModelId>().is_ok());
/// assert!("my_model-2".parse::<ModelId>().is_ok());
/// assert!("2nd-model".parse::<ModelId>().is_err()); // digit first, not all digits
/// assert!("-model".parse::<ModelId>().is_err());
/// assert!("My-Model".parse::<ModelId>().is_err());
/// assert!("123456789012345678901".parse::<ModelId>().is_err()); // 21 digits
/// ```
///
/// Clones share the text (names holding it are cloned into several records).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelId(Arc<str>);

/// The checks shared by ids that are either server-generated numbers or user-chosen strings:
/// `Some` with the verdict when `s` is empty or all digits (1 to 20 digits, so every `u64`
/// fits), `None` when the user-chosen grammar must decide.
fn check_numeric_id(what: &str, s: &str) -> Option<Result<(), Reason>> {
    if s.is_empty() {
        return Some(Err(format!("{what} is empty")));
    }
    if !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if s.len() > 20 {
        return Some(Err(format!(
            "numeric {what} must be at most 20 digits (found {})",
            s.len()
        )));
    }
    Some(Ok(()))
}

fn check_model_id(s: &str) -> Result<(), Reason> {
    let what = "model id";
    if let Some(numeric) = check_numeric_id(what, s) {
        return numeric;
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "{what} may contain only lowercase letters, digits, `_` and `-` (found {c:?})"
        ));
    }
    if s.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "{what} must be all digits or must not start with a digit or hyphen"
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

string_id!(ModelId, NameKind::ModelId, check_model_id);

impl ModelId {
    /// A numeric model id, as the server generates them.
    pub fn from_number(n: u64) -> ModelId {
        ModelId(n.to_string().into())
    }

    /// Whether the id is server-generated (all digits) rather than user-chosen.
    pub fn is_numeric(&self) -> bool {
        self.0.chars().all(|c| c.is_ascii_digit())
    }
}

/// `projects/{project}/locations/{location}/models/{model}`: a model, without a version.
///
/// ```
/// use retune_model::names::ModelName;
/// let m: ModelName = "projects/p1/locations/us-central1/models/9".parse().unwrap();
/// assert_eq!(m.model_id().as_str(), "9");
/// // A version belongs in a ModelRef, not in a ModelName.
/// assert!("projects/p1/locations/us-central1/models/9@2".parse::<ModelName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModelName {
    location: LocationName,
    model: ModelId,
}

impl ModelName {
    /// Model `model` in `location`.
    pub fn new(location: LocationName, model: ModelId) -> ModelName {
        ModelName { location, model }
    }

    /// `projects/{project}/locations/{location}`.
    pub fn location_name(&self) -> &LocationName {
        &self.location
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        self.location.project()
    }

    /// The location id.
    pub fn location(&self) -> &LocationId {
        self.location.location()
    }

    /// The model id.
    pub fn model_id(&self) -> &ModelId {
        &self.model
    }

    /// A reference to this model with `selector` (`None` = the default version).
    pub fn at(&self, selector: Option<VersionSelector>) -> ModelRef {
        ModelRef::new(self.clone(), selector)
    }

    /// A reference to version `version` of this model.
    pub fn at_version(&self, version: VersionId) -> ModelRef {
        self.at(Some(VersionSelector::Id(version)))
    }

    fn from_parts(project: &str, location: &str, model: &str) -> Result<ModelName, Reason> {
        let location = LocationName::from_parts(project, location)?;
        if model.contains('@') {
            return Err(
                "a model name carries no version; use a model reference for `@{version}`"
                    .to_owned(),
            );
        }
        check_model_id(model)?;
        Ok(ModelName {
            location,
            model: ModelId(model.into()),
        })
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/models/{}", self.location, self.model)
    }
}

const MODEL_SHAPE: &str = "expected projects/{project}/locations/{location}/models/{model}";

impl FromStr for ModelName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let r = match parts.as_slice() {
            ["projects", p, "locations", l, "models", m] => ModelName::from_parts(p, l, m),
            _ => Err(MODEL_SHAPE.to_owned()),
        };
        wrap(s, NameKind::ModelName, r)
    }
}

/// A model version id: "an auto-incrementing decimal number in string representation"
/// (`Model.version_id`). At least 1, written without leading zeros.
///
/// ```
/// use retune_model::names::VersionId;
/// let v: VersionId = "2".parse().unwrap();
/// assert_eq!(v.get(), 2);
/// assert_eq!(v.next().to_string(), "3");
/// assert_eq!(VersionId::FIRST.get(), 1);
/// assert!("0".parse::<VersionId>().is_err());
/// assert!("02".parse::<VersionId>().is_err());
/// assert!("-1".parse::<VersionId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionId(NonZeroU64);

impl VersionId {
    /// Version `1`, the first version of every model.
    pub const FIRST: VersionId = VersionId(NonZeroU64::MIN);

    /// The version with number `n`.
    pub const fn new(n: NonZeroU64) -> VersionId {
        VersionId(n)
    }

    /// The version with number `n`, or `None` for 0.
    pub const fn from_number(n: u64) -> Option<VersionId> {
        match NonZeroU64::new(n) {
            Some(n) => Some(VersionId(n)),
            None => None,
        }
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// The version after this one. Saturates at `u64::MAX` (which no registry ever reaches)
    /// rather than panicking.
    pub const fn next(self) -> VersionId {
        VersionId(self.0.saturating_add(1))
    }
}

fn parse_version_id(s: &str) -> Result<VersionId, Reason> {
    let n = parse_decimal(s, "version id")?;
    VersionId::from_number(n).ok_or_else(|| "version id must be at least 1".to_owned())
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for VersionId {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::VersionId, parse_version_id(s))
    }
}

/// A user-given name for a model version, such as `golden`; `default` is special.
///
/// Grammar: `[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]`, so 2 to 128 characters, a lowercase letter
/// first, letters, digits and `-` in between, and a lowercase letter or digit last.
///
/// The two proto comments disagree on the last character: `Model.version_aliases` says
/// `[a-z0-9]`, while `MergeVersionAliasesRequest.version_aliases` says `[a-z-0-9]`, which also
/// allows a trailing `-`. We pick the `Model.version_aliases` form: it is the grammar of the
/// stored field, so every alias a Model can carry satisfies it, and a request that the stricter
/// rule refuses gets a clear error rather than creating an alias that the model's own
/// documentation calls invalid. The `-` prefix of a removal in `mergeVersionAliases` is not part
/// of the alias (see `registry::AliasChange`).
///
/// Because an alias starts with a letter it can never look like a numeric version id.
///
/// ```
/// use retune_model::names::VersionAlias;
/// assert!("golden".parse::<VersionAlias>().is_ok());
/// assert!("rc-2B-final".parse::<VersionAlias>().is_ok()); // uppercase inside is fine
/// assert!("Golden".parse::<VersionAlias>().is_err()); // uppercase first
/// assert!("golden-".parse::<VersionAlias>().is_err()); // trailing hyphen (see above)
/// assert!("goldeN".parse::<VersionAlias>().is_err()); // uppercase last
/// assert!("g".parse::<VersionAlias>().is_err()); // too short
/// assert!("2nd".parse::<VersionAlias>().is_err()); // digit first
/// assert!(VersionAlias::DEFAULT.is_default());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VersionAlias(Cow<'static, str>);

fn check_alias(s: &str) -> Result<(), Reason> {
    let what = "version alias";
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return Err(format!("{what} is empty"));
    };
    if !first.is_ascii_lowercase() {
        return Err(format!("{what} must start with a lowercase letter"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Err(format!(
            "{what} may contain only letters, digits and hyphens (found {c:?})"
        ));
    }
    let len = s.len();
    if len < 2 {
        return Err(format!("{what} must be at least 2 characters"));
    }
    if len > 128 {
        return Err(format!(
            "{what} must be at most 128 characters (found {len})"
        ));
    }
    if !s.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        return Err(format!("{what} must end with a lowercase letter or digit"));
    }
    Ok(())
}

impl VersionAlias {
    /// `default`: created on the first version of every model; exactly one version holds it, and
    /// a model name without `@...` resolves to that version.
    pub const DEFAULT: VersionAlias = VersionAlias(Cow::Borrowed("default"));

    /// Whether this is `default`.
    pub fn is_default(&self) -> bool {
        self.0 == "default"
    }

    /// The alias as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VersionAlias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for VersionAlias {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for VersionAlias {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::VersionAlias, check_alias(s))?;
        Ok(VersionAlias(Cow::Owned(s.to_owned())))
    }
}

/// What follows `@` in a model reference.
///
/// ```
/// use retune_model::names::VersionSelector;
/// assert!(matches!("2".parse(), Ok(VersionSelector::Id(v)) if v.get() == 2));
/// assert!(matches!("golden".parse(), Ok(VersionSelector::Alias(_))));
/// assert_eq!("-".parse::<VersionSelector>(), Ok(VersionSelector::ModelLevel));
/// assert!("".parse::<VersionSelector>().is_err());
/// assert!("02".parse::<VersionSelector>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VersionSelector {
    /// `@{versionId}`.
    Id(VersionId),
    /// `@{alias}`.
    Alias(VersionAlias),
    /// `@-`: "the model, not a version", as `UpdateModel` uses it. It selects no version.
    ModelLevel,
}

fn parse_selector(s: &str) -> Result<VersionSelector, Reason> {
    if s.is_empty() {
        return Err("version selector after `@` is empty".to_owned());
    }
    if s == "-" {
        return Ok(VersionSelector::ModelLevel);
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_version_id(s).map(VersionSelector::Id);
    }
    check_alias(s)?;
    Ok(VersionSelector::Alias(VersionAlias(Cow::Owned(
        s.to_owned(),
    ))))
}

impl fmt::Display for VersionSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionSelector::Id(v) => v.fmt(f),
            VersionSelector::Alias(a) => a.fmt(f),
            VersionSelector::ModelLevel => f.write_str("-"),
        }
    }
}

impl FromStr for VersionSelector {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::VersionSelector, parse_selector(s))
    }
}

impl From<VersionId> for VersionSelector {
    fn from(v: VersionId) -> Self {
        VersionSelector::Id(v)
    }
}

impl From<VersionAlias> for VersionSelector {
    fn from(a: VersionAlias) -> Self {
        VersionSelector::Alias(a)
    }
}

/// `projects/{project}/locations/{location}/models/{model}[@{version_or_alias_or_-}]`.
///
/// `%40` is accepted for `@` when parsing (GAPIC clients percent-encode it); `Display` always
/// writes `@`.
///
/// ```
/// use retune_model::names::{ModelRef, VersionSelector};
/// let ok = |s: &str| s.parse::<ModelRef>().is_ok();
/// assert!(ok("projects/p/locations/us-central1/models/9"));
/// assert!(ok("projects/p/locations/us-central1/models/9@2"));
/// assert!(ok("projects/p/locations/us-central1/models/9@golden"));
/// assert!(ok("projects/p/locations/us-central1/models/9%402"));
/// assert!(ok("projects/p/locations/us-central1/models/9@-"));
/// assert!(!ok("projects/p/locations/us-central1/models/9@"));
/// assert!(!ok("projects/p/locations/us-central1/models/9@2@3"));
/// assert!(!ok("projects/p/locations/us-central1/models/9@Gold"));
/// let r: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// assert_eq!(r.selector(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelRef {
    name: ModelName,
    selector: Option<VersionSelector>,
}

impl ModelRef {
    /// A reference to `name` with `selector` (`None` = the default version).
    pub fn new(name: ModelName, selector: Option<VersionSelector>) -> ModelRef {
        ModelRef { name, selector }
    }

    /// The model.
    pub fn name(&self) -> &ModelName {
        &self.name
    }

    /// What followed `@`, if anything.
    pub fn selector(&self) -> Option<&VersionSelector> {
        self.selector.as_ref()
    }

    /// The model and the selector.
    pub fn into_parts(self) -> (ModelName, Option<VersionSelector>) {
        (self.name, self.selector)
    }
}

impl From<ModelName> for ModelRef {
    fn from(name: ModelName) -> Self {
        ModelRef::new(name, None)
    }
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.name.fmt(f)?;
        if let Some(selector) = &self.selector {
            write!(f, "@{selector}")?;
        }
        Ok(())
    }
}

fn parse_model_ref(s: &str) -> Result<ModelRef, Reason> {
    let decoded = s.replace("%40", "@");
    let (name, selector) = match decoded.split_once('@') {
        Some((name, selector)) => (name, Some(selector)),
        None => (decoded.as_str(), None),
    };
    let parts: Vec<&str> = name.split('/').collect();
    let name = match parts.as_slice() {
        ["projects", p, "locations", l, "models", m] => ModelName::from_parts(p, l, m)?,
        _ => return Err(format!("{MODEL_SHAPE}[@{{version}}]")),
    };
    let selector = match selector {
        Some(sel) if sel.contains('@') => {
            return Err("a model reference carries at most one `@`".to_owned());
        }
        Some(sel) => Some(parse_selector(sel)?),
        None => None,
    };
    Ok(ModelRef { name, selector })
}

impl FromStr for ModelRef {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::ModelRef, parse_model_ref(s))
    }
}

// ---------------------------------------------------------------------------------------------
// Tuning jobs, endpoints, operations, checkpoints
// ---------------------------------------------------------------------------------------------

/// A tuning job id: a server-generated decimal number such as `123456789012345`.
///
/// ```
/// use retune_model::names::TuningJobId;
/// assert_eq!("123456789012345".parse::<TuningJobId>().unwrap().get(), 123456789012345);
/// assert_eq!(TuningJobId::from_number(7).to_string(), "7");
/// assert!("job-1".parse::<TuningJobId>().is_err());
/// assert!("007".parse::<TuningJobId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TuningJobId(u64);

number_id!(TuningJobId, NameKind::TuningJobId, "tuning job id");

/// `projects/{project}/locations/{location}/tuningJobs/{tuning_job}`.
///
/// ```
/// use retune_model::names::{LocationName, TuningJobId, TuningJobName};
/// let location: LocationName = "projects/p1/locations/us-central1".parse().unwrap();
/// let job = TuningJobName::new(location, TuningJobId::from_number(42));
/// assert_eq!(job.to_string(), "projects/p1/locations/us-central1/tuningJobs/42");
/// assert_eq!(job.to_string().parse::<TuningJobName>(), Ok(job));
/// assert!("projects/p1/locations/us-central1/tuningJob/42".parse::<TuningJobName>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TuningJobName {
    location: LocationName,
    job: TuningJobId,
}

impl TuningJobName {
    /// Job `job` in `location`.
    pub fn new(location: LocationName, job: TuningJobId) -> TuningJobName {
        TuningJobName { location, job }
    }

    /// `projects/{project}/locations/{location}`.
    pub fn location_name(&self) -> &LocationName {
        &self.location
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        self.location.project()
    }

    /// The location id.
    pub fn location(&self) -> &LocationId {
        self.location.location()
    }

    /// The job id.
    pub fn tuning_job_id(&self) -> TuningJobId {
        self.job
    }

    fn from_parts(project: &str, location: &str, job: &str) -> Result<TuningJobName, Reason> {
        Ok(TuningJobName {
            location: LocationName::from_parts(project, location)?,
            job: TuningJobId(parse_decimal(job, "tuning job id")?),
        })
    }
}

impl fmt::Display for TuningJobName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/tuningJobs/{}", self.location, self.job)
    }
}

impl FromStr for TuningJobName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let r = match parts.as_slice() {
            ["projects", p, "locations", l, "tuningJobs", t] => TuningJobName::from_parts(p, l, t),
            _ => Err(
                "expected projects/{project}/locations/{location}/tuningJobs/{tuning_job}"
                    .to_owned(),
            ),
        };
        wrap(s, NameKind::TuningJobName, r)
    }
}

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

    /// `projects/{project}/locations/{location}`.
    pub fn location_name(&self) -> &LocationName {
        &self.location
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        self.location.project()
    }

    /// The location id.
    pub fn location(&self) -> &LocationId {
        self.location.location()
    }

    /// The endpoint id.
    pub fn endpoint_id(&self) -> &EndpointId {
        &self.endpoint
    }
}

impl fmt::Display for EndpointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/endpoints/{}", self.location, self.endpoint)
    }
}

impl FromStr for EndpointName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let r = match parts.as_slice() {
            ["projects", p, "locations", l, "endpoints", e] => LocationName::from_parts(p, l)
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

/// An operation id: a server-generated decimal number.
///
/// ```
/// use retune_model::names::OperationId;
/// assert_eq!("5".parse::<OperationId>(), Ok(OperationId::from_number(5)));
/// assert!("op-5".parse::<OperationId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationId(u64);

number_id!(OperationId, NameKind::OperationId, "operation id");

/// The resource an operation hangs under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationParent {
    /// `projects/{p}/locations/{l}/operations/{op}`.
    Location(LocationName),
    /// `projects/{p}/locations/{l}/models/{m}/operations/{op}`.
    Model(ModelName),
    /// `projects/{p}/locations/{l}/tuningJobs/{t}/operations/{op}`.
    TuningJob(TuningJobName),
}

impl OperationParent {
    /// `projects/{project}/locations/{location}` of the parent.
    pub fn location_name(&self) -> &LocationName {
        match self {
            OperationParent::Location(l) => l,
            OperationParent::Model(m) => m.location_name(),
            OperationParent::TuningJob(t) => t.location_name(),
        }
    }
}

impl fmt::Display for OperationParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperationParent::Location(l) => l.fmt(f),
            OperationParent::Model(m) => m.fmt(f),
            OperationParent::TuningJob(t) => t.fmt(f),
        }
    }
}

/// A long-running operation: `{parent}/operations/{operation}`, where the parent is a location,
/// a model or a tuning job (the http rules of `google.longrunning.Operations` in
/// `aiplatform_v1.yaml`).
///
/// ```
/// use retune_model::names::{OperationName, OperationParent};
/// let op: OperationName =
///     "projects/p1/locations/us-central1/models/9/operations/77".parse().unwrap();
/// assert!(matches!(op.parent(), OperationParent::Model(_)));
/// assert_eq!(op.operation_id().get(), 77);
/// assert!("projects/p1/locations/us-central1/operations/77".parse::<OperationName>().is_ok());
/// assert!("projects/p1/locations/us-central1/endpoints/1/operations/77"
///     .parse::<OperationName>()
///     .is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationName {
    parent: OperationParent,
    operation: OperationId,
}

impl OperationName {
    /// Operation `operation` under `parent`.
    pub fn new(parent: OperationParent, operation: OperationId) -> OperationName {
        OperationName { parent, operation }
    }

    /// The resource the operation hangs under.
    pub fn parent(&self) -> &OperationParent {
        &self.parent
    }

    /// `projects/{project}/locations/{location}`.
    pub fn location_name(&self) -> &LocationName {
        self.parent.location_name()
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        self.location_name().project()
    }

    /// The location id.
    pub fn location(&self) -> &LocationId {
        self.location_name().location()
    }

    /// The operation id.
    pub fn operation_id(&self) -> OperationId {
        self.operation
    }
}

impl fmt::Display for OperationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/operations/{}", self.parent, self.operation)
    }
}

fn parse_operation(s: &str) -> Result<OperationName, Reason> {
    let parts: Vec<&str> = s.split('/').collect();
    let (parent, op) = match parts.as_slice() {
        ["projects", p, "locations", l, "operations", op] => (
            OperationParent::Location(LocationName::from_parts(p, l)?),
            op,
        ),
        ["projects", p, "locations", l, "models", m, "operations", op] => {
            (OperationParent::Model(ModelName::from_parts(p, l, m)?), op)
        }
        [
            "projects",
            p,
            "locations",
            l,
            "tuningJobs",
            t,
            "operations",
            op,
        ] => (
            OperationParent::TuningJob(TuningJobName::from_parts(p, l, t)?),
            op,
        ),
        _ => {
            return Err("expected projects/{project}/locations/{location}\
                 [/models/{model}|/tuningJobs/{tuning_job}]/operations/{operation}"
                .to_owned());
        }
    };
    let operation = OperationId(parse_decimal(op, "operation id")?);
    Ok(OperationName { parent, operation })
}

impl FromStr for OperationName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::OperationName, parse_operation(s))
    }
}

/// A checkpoint id: a small decimal number such as `1`, `2`, ... A checkpoint has no resource
/// name of its own; it is the pair (model version, checkpoint id).
///
/// ```
/// use retune_model::names::CheckpointId;
/// assert_eq!("2".parse::<CheckpointId>(), Ok(CheckpointId::from_number(2)));
/// assert!("two".parse::<CheckpointId>().is_err());
/// assert!("".parse::<CheckpointId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckpointId(u64);

number_id!(CheckpointId, NameKind::CheckpointId, "checkpoint id");

// ---------------------------------------------------------------------------------------------
// KMS keys
// ---------------------------------------------------------------------------------------------

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

    /// `projects/{project}/locations/{location}`.
    pub fn location_name(&self) -> &LocationName {
        &self.location
    }

    /// The project.
    pub fn project(&self) -> &ProjectId {
        self.location.project()
    }

    /// The location id.
    pub fn location(&self) -> &LocationId {
        self.location.location()
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

/// A service account email that a tuning job runs as (`TuningJob.service_account`), such as
/// `tuner@my-project.iam.gserviceaccount.com`.
///
/// The check is structural (one `@`, a non-empty account and a dotted domain, no whitespace, at
/// most 254 characters, the limit of an email address); whether the account exists and may be
/// impersonated is the service's to decide.
///
/// ```
/// use retune_model::names::ServiceAccount;
/// assert!("tuner@my-project.iam.gserviceaccount.com".parse::<ServiceAccount>().is_ok());
/// assert!("tuner".parse::<ServiceAccount>().is_err());
/// assert!("a b@example.com".parse::<ServiceAccount>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceAccount(String);

impl ServiceAccount {
    /// The email address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ServiceAccount {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| NameError::new(s, NameKind::ServiceAccount, reason);
        if s.chars().count() > 254 {
            return Err(err("an email address has at most 254 characters"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(err("must not contain whitespace"));
        }
        let Some((account, domain)) = s.split_once('@') else {
            return Err(err(
                "expected an email such as tuner@PROJECT.iam.gserviceaccount.com",
            ));
        };
        if account.is_empty() {
            return Err(err("the account part before `@` is empty"));
        }
        if domain.contains('@') {
            return Err(err("must contain exactly one `@`"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(err("the domain after `@` must be a dotted name"));
        }
        Ok(ServiceAccount(s.to_owned()))
    }
}

#[cfg(test)]
mod service_account_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn service_account_without_at_sign_is_rejected() {
        let err = "tuner".parse::<ServiceAccount>().unwrap_err();
        assert_eq!(err.kind(), NameKind::ServiceAccount);
        assert_eq!(err.input(), "tuner");
    }

    #[test]
    fn service_account_with_two_at_signs_is_rejected() {
        assert!("a@b@example.com".parse::<ServiceAccount>().is_err());
        assert!("@example.com".parse::<ServiceAccount>().is_err());
        assert!("a@localhost".parse::<ServiceAccount>().is_err());
    }

    proptest! {
        #[test]
        fn service_account_round_trips(account in "[a-z][a-z0-9-]{2,20}", project in "[a-z][a-z0-9-]{4,20}") {
            let email = format!("{account}@{project}.iam.gserviceaccount.com");
            let parsed: ServiceAccount = email.parse().unwrap();
            prop_assert_eq!(parsed.to_string(), email);
        }

        #[test]
        fn service_account_parse_never_panics(s in ".*") {
            let _ = s.parse::<ServiceAccount>();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[track_caller]
    fn reason<T: FromStr<Err = NameError> + fmt::Debug>(input: &str) -> String {
        match input.parse::<T>() {
            Ok(v) => panic!("{input:?} was accepted as {v:?}"),
            Err(e) => {
                assert_eq!(e.input(), input);
                e.reason().to_owned()
            }
        }
    }

    #[track_caller]
    fn round_trips<T>(input: &str)
    where
        T: FromStr<Err = NameError> + fmt::Display + fmt::Debug + PartialEq,
    {
        let v: T = match input.parse() {
            Ok(v) => v,
            Err(e) => panic!("{input:?} was rejected: {e}"),
        };
        assert_eq!(v.to_string(), input);
        assert_eq!(v.to_string().parse::<T>(), Ok(v));
    }

    #[test]
    fn project_ids_and_numbers_are_accepted() {
        for ok in [
            "p1",
            "p",
            "1",
            "123456789012",
            "my-project-42",
            &"a".repeat(63),
        ] {
            round_trips::<ProjectId>(ok);
        }
    }

    #[test]
    fn malformed_project_ids_are_rejected_with_the_reason() {
        let table = [
            ("", "project id is empty"),
            (
                "My-project",
                "project id may contain only lowercase letters, digits and hyphens (found 'M')",
            ),
            (
                "my_project",
                "project id may contain only lowercase letters, digits and hyphens (found '_')",
            ),
            (
                "-p",
                "project id must start with a lowercase letter or digit",
            ),
            ("p-", "project id must not end with a hyphen"),
        ];
        for (input, expected) in table {
            assert_eq!(reason::<ProjectId>(input), expected, "{input:?}");
        }
        assert!(reason::<ProjectId>(&"a".repeat(64)).contains("at most 63"));
    }

    #[test]
    fn location_kinds_are_recognised() {
        let table = [
            ("us-central1", LocationKind::Region),
            ("europe-west4", LocationKind::Region),
            ("asia-northeast1", LocationKind::Region),
            ("northamerica-northeast2", LocationKind::Region),
            ("me-central2", LocationKind::Region),
            ("global", LocationKind::Global),
            ("us", LocationKind::MultiRegion),
            ("eu", LocationKind::MultiRegion),
        ];
        for (input, kind) in table {
            let l: LocationId = input.parse().unwrap();
            assert_eq!(l.kind(), kind, "{input}");
            assert_eq!(l.to_string(), input);
        }
        assert_eq!(LocationId::global().kind(), LocationKind::Global);
    }

    #[test]
    fn malformed_locations_are_rejected() {
        for bad in [
            "",
            "Global",
            "us-central",
            "uscentral1",
            "us-central1-",
            "-us-central1",
            "us--central1",
            "us-1",
            "us-central1a",
            "asia",
            "us_central1",
            "us-central 1",
        ] {
            assert!(bad.parse::<LocationId>().is_err(), "{bad:?}");
        }
        assert_eq!(
            reason::<LocationId>("us-central"),
            "location must be `global`, `us`, `eu` or a region such as `us-central1` (found \"us-central\")"
        );
    }

    #[test]
    fn location_name_round_trips_and_names_its_parts() {
        round_trips::<LocationName>("projects/p1/locations/us-central1");
        let l: LocationName = "projects/p1/locations/global".parse().unwrap();
        assert_eq!(l.project().as_str(), "p1");
        assert_eq!(l.location().kind(), LocationKind::Global);
        assert_eq!(
            reason::<LocationName>("projects/p1/locations"),
            "expected projects/{project}/locations/{location}"
        );
        assert_eq!(
            reason::<LocationName>("projects/P1/locations/us-central1"),
            "project id may contain only lowercase letters, digits and hyphens (found 'P')"
        );
    }

    #[test]
    fn model_ids_are_numeric_or_user_chosen() {
        for ok in [
            "9030969596621881344",
            "1",
            "0",
            "my_model",
            "_hidden",
            "m-1",
            &"m".repeat(63),
        ] {
            round_trips::<ModelId>(ok);
        }
        let table = [
            ("", "model id is empty"),
            (
                "2nd",
                "model id must be all digits or must not start with a digit or hyphen",
            ),
            (
                "-m",
                "model id must be all digits or must not start with a digit or hyphen",
            ),
            (
                "Model",
                "model id may contain only lowercase letters, digits, `_` and `-` (found 'M')",
            ),
            (
                "123456789012345678901",
                "numeric model id must be at most 20 digits (found 21)",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(reason::<ModelId>(input), expected, "{input:?}");
        }
        assert!(reason::<ModelId>(&"m".repeat(64)).contains("at most 63"));
        assert!(
            ModelId::from_number(u64::MAX)
                .to_string()
                .parse::<ModelId>()
                .is_ok()
        );
        assert!(ModelId::from_number(9).is_numeric());
    }

    #[test]
    fn model_name_rejects_a_version_suffix() {
        round_trips::<ModelName>("projects/p1/locations/us-central1/models/9");
        assert_eq!(
            reason::<ModelName>("projects/p1/locations/us-central1/models/9@2"),
            "a model name carries no version; use a model reference for `@{version}`"
        );
        assert_eq!(
            reason::<ModelName>("projects/p1/locations/us-central1/endpoints/9"),
            MODEL_SHAPE
        );
    }

    #[test]
    fn version_ids_are_positive_decimals_without_leading_zeros() {
        round_trips::<VersionId>("1");
        round_trips::<VersionId>(&u64::MAX.to_string());
        let table = [
            ("", "version id is empty"),
            ("0", "version id must be at least 1"),
            ("01", "version id must not have leading zeros"),
            ("+1", "version id may contain only digits (found '+')"),
            (
                "18446744073709551616",
                "version id must be at most 18446744073709551615",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(reason::<VersionId>(input), expected, "{input:?}");
        }
    }

    #[test]
    fn version_id_next_counts_up_and_saturates() {
        assert_eq!(VersionId::FIRST.next().get(), 2);
        let max = VersionId::from_number(u64::MAX).unwrap();
        assert_eq!(max.next(), max);
        assert_eq!(VersionId::from_number(0), None);
    }

    #[test]
    fn alias_with_uppercase_first_letter_is_rejected() {
        assert_eq!(
            reason::<VersionAlias>("Golden"),
            "version alias must start with a lowercase letter"
        );
    }

    #[test]
    fn alias_with_trailing_hyphen_is_rejected() {
        assert_eq!(
            reason::<VersionAlias>("golden-"),
            "version alias must end with a lowercase letter or digit"
        );
    }

    #[test]
    fn alias_grammar_table() {
        let accepted = [
            "ab",
            "golden",
            "default",
            "rc-1",
            "a1",
            "release-Candidate-2",
            &format!("a{}", "b".repeat(127)),
        ];
        for ok in accepted {
            round_trips::<VersionAlias>(ok);
        }
        let table = [
            ("", "version alias is empty"),
            ("a", "version alias must be at least 2 characters"),
            ("1abc", "version alias must start with a lowercase letter"),
            ("-abc", "version alias must start with a lowercase letter"),
            (
                "gold_en",
                "version alias may contain only letters, digits and hyphens (found '_')",
            ),
            (
                "goldeN",
                "version alias must end with a lowercase letter or digit",
            ),
            (
                "gölden",
                "version alias may contain only letters, digits and hyphens (found 'ö')",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(reason::<VersionAlias>(input), expected, "{input:?}");
        }
        assert_eq!(
            reason::<VersionAlias>(&format!("a{}", "b".repeat(128))),
            "version alias must be at most 128 characters (found 129)"
        );
    }

    #[test]
    fn default_alias_is_the_default() {
        assert!(VersionAlias::DEFAULT.is_default());
        assert_eq!("default".parse::<VersionAlias>(), Ok(VersionAlias::DEFAULT));
        assert!(!"golden".parse::<VersionAlias>().unwrap().is_default());
    }

    #[test]
    fn selectors_are_ids_aliases_or_model_level() {
        assert_eq!(
            "7".parse::<VersionSelector>(),
            Ok(VersionSelector::Id(VersionId::from_number(7).unwrap()))
        );
        assert_eq!(
            "golden".parse::<VersionSelector>(),
            Ok(VersionSelector::Alias("golden".parse().unwrap()))
        );
        assert_eq!(
            "-".parse::<VersionSelector>(),
            Ok(VersionSelector::ModelLevel)
        );
        assert_eq!(
            reason::<VersionSelector>("0"),
            "version id must be at least 1"
        );
        assert_eq!(
            reason::<VersionSelector>("--"),
            "version alias must start with a lowercase letter"
        );
    }

    #[test]
    fn model_ref_without_selector_has_none() {
        let r: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
        assert_eq!(r.selector(), None);
        assert_eq!(r.name().model_id().as_str(), "9");
    }

    #[test]
    fn percent_encoded_at_is_accepted() {
        let literal: ModelRef = "projects/p/locations/us-central1/models/9@golden"
            .parse()
            .unwrap();
        let encoded: ModelRef = "projects/p/locations/us-central1/models/9%40golden"
            .parse()
            .unwrap();
        assert_eq!(encoded, literal);
        assert_eq!(
            encoded.to_string(),
            "projects/p/locations/us-central1/models/9@golden"
        );
    }

    #[test]
    fn model_level_selector_round_trips() {
        round_trips::<ModelRef>("projects/p/locations/us-central1/models/9@-");
        let r: ModelRef = "projects/p/locations/us-central1/models/9@-"
            .parse()
            .unwrap();
        assert_eq!(r.selector(), Some(&VersionSelector::ModelLevel));
    }

    #[test]
    fn model_ref_errors_carry_the_whole_input() {
        let input = "projects/p/locations/us-central1/models/1@Gold";
        let err = input.parse::<ModelRef>().unwrap_err();
        assert_eq!(err.input(), input);
        assert_eq!(err.kind(), NameKind::ModelRef);
        assert_eq!(
            err.to_string(),
            "invalid model reference \"projects/p/locations/us-central1/models/1@Gold\": \
             version alias must start with a lowercase letter"
        );
        let table = [
            (
                "projects/p/locations/us-central1/models/1@",
                "version selector after `@` is empty",
            ),
            (
                "projects/p/locations/us-central1/models/1@2@3",
                "a model reference carries at most one `@`",
            ),
            (
                "projects/p/locations/us-central1/models/1%40golden@2",
                "a model reference carries at most one `@`",
            ),
            (
                "projects/p/locations/us-central1/models/1@02",
                "version id must not have leading zeros",
            ),
            (
                "projects/p/locations/us-central1/models@1",
                "expected projects/{project}/locations/{location}/models/{model}[@{version}]",
            ),
            (
                "projects/p/locations/us-central/models/1",
                "location must be `global`, `us`, `eu` or a region such as `us-central1` (found \"us-central\")",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(reason::<ModelRef>(input), expected, "{input:?}");
        }
    }

    #[test]
    fn model_ref_constructors_agree_with_parsing() {
        let name: ModelName = "projects/p/locations/us-central1/models/9".parse().unwrap();
        let v2 = VersionId::from_number(2).unwrap();
        assert_eq!(
            name.at_version(v2).to_string(),
            "projects/p/locations/us-central1/models/9@2"
        );
        assert_eq!(
            name.at(Some(VersionSelector::Id(v2))),
            ModelRef::new(name.clone(), Some(v2.into()))
        );
        assert_eq!(ModelRef::from(name.clone()).to_string(), name.to_string());
        let (n, s) = name.at(None).into_parts();
        assert_eq!((n, s), (name, None));
    }

    #[test]
    fn tuning_job_names_round_trip_and_name_their_parts() {
        round_trips::<TuningJobName>(
            "projects/123456789012/locations/us-central1/tuningJobs/123456789012345",
        );
        let j: TuningJobName = "projects/p/locations/eu/tuningJobs/5".parse().unwrap();
        assert_eq!(j.tuning_job_id(), TuningJobId::from_number(5));
        assert_eq!(j.project().as_str(), "p");
        assert_eq!(j.location().kind(), LocationKind::MultiRegion);
        assert_eq!(
            reason::<TuningJobName>("projects/p/locations/eu/tuningJobs/x"),
            "tuning job id may contain only digits (found 'x')"
        );
    }

    #[test]
    fn endpoint_names_round_trip_and_reject_uppercase() {
        round_trips::<EndpointName>("projects/p/locations/us-central1/endpoints/110");
        round_trips::<EndpointName>("projects/p/locations/us-central1/endpoints/my-endpoint");
        assert_eq!(EndpointId::from_number(111).as_str(), "111");
        assert_eq!(
            reason::<EndpointName>("projects/p/locations/us-central1/endpoints/My"),
            "endpoint id may contain only lowercase letters, digits and hyphens (found 'M')"
        );
    }

    #[test]
    fn operation_names_have_three_parents() {
        for ok in [
            "projects/p/locations/us-central1/operations/1",
            "projects/p/locations/us-central1/models/9/operations/2",
            "projects/p/locations/us-central1/tuningJobs/3/operations/4",
        ] {
            round_trips::<OperationName>(ok);
        }
        let op: OperationName = "projects/p/locations/us-central1/tuningJobs/3/operations/4"
            .parse()
            .unwrap();
        assert_eq!(op.location().as_str(), "us-central1");
        assert_eq!(op.project().as_str(), "p");
        assert_eq!(op.operation_id(), OperationId::from_number(4));
        assert!(
            matches!(op.parent(), OperationParent::TuningJob(t) if t.tuning_job_id().get() == 3)
        );
        for bad in [
            "projects/p/locations/us-central1/operations",
            "projects/p/locations/us-central1/models/9@2/operations/1",
            "projects/p/locations/us-central1/endpoints/9/operations/1",
            "projects/p/locations/us-central1/operations/x",
        ] {
            assert!(bad.parse::<OperationName>().is_err(), "{bad}");
        }
    }

    #[test]
    fn checkpoint_ids_are_decimal() {
        round_trips::<CheckpointId>("1");
        round_trips::<CheckpointId>("0");
        assert_eq!(CheckpointId::from_number(3).get(), 3);
        assert_eq!(
            reason::<CheckpointId>("01"),
            "checkpoint id must not have leading zeros"
        );
        assert_eq!(reason::<CheckpointId>(""), "checkpoint id is empty");
    }

    #[test]
    fn kms_key_names_round_trip_and_reject_bad_ids() {
        round_trips::<KmsKeyName>("projects/p/locations/us-central1/keyRings/r/cryptoKeys/k");
        round_trips::<KmsKeyName>("projects/p/locations/global/keyRings/Ring_1-a/cryptoKeys/KEY");
        let table = [
            (
                "projects/p/locations/us-central1/keyRings/r.1/cryptoKeys/k",
                "key ring id may contain only letters, digits, `_` and `-` (found '.')",
            ),
            (
                "projects/p/locations/us-central1/keyRings/r/cryptoKeys/",
                "crypto key id is empty",
            ),
            (
                "projects/p/locations/us-central1/keyRings/r",
                "expected projects/{project}/locations/{location}/keyRings/{key_ring}/cryptoKeys/{crypto_key}",
            ),
        ];
        for (input, expected) in table {
            assert_eq!(reason::<KmsKeyName>(input), expected, "{input:?}");
        }
        assert!(
            reason::<KmsKeyName>(&format!(
                "projects/p/locations/us-central1/keyRings/{}/cryptoKeys/k",
                "r".repeat(64)
            ))
            .contains("at most 63")
        );
        let k: KmsKeyName = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/k"
            .parse()
            .unwrap();
        let rebuilt = KmsKeyName::new(
            k.location_name().clone(),
            "r".parse().unwrap(),
            "k".parse().unwrap(),
        );
        assert_eq!(rebuilt, k);
    }

    // --- properties ---------------------------------------------------------------------------

    fn project() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    }

    fn location() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("global".to_owned()),
            Just("us".to_owned()),
            Just("eu".to_owned()),
            "[a-z]{1,12}(-[a-z]{1,12}){1,2}[0-9]{1,2}",
        ]
    }

    fn location_name() -> impl Strategy<Value = String> {
        (project(), location()).prop_map(|(p, l)| format!("projects/{p}/locations/{l}"))
    }

    fn model_id() -> impl Strategy<Value = String> {
        prop_oneof!["[0-9]{1,20}", "[a-z_][a-z0-9_-]{0,62}"]
    }

    fn alias() -> impl Strategy<Value = String> {
        "[a-z][a-zA-Z0-9-]{0,126}[a-z0-9]"
    }

    fn decimal() -> impl Strategy<Value = String> {
        any::<u64>().prop_map(|n| n.to_string())
    }

    fn selector() -> impl Strategy<Value = String> {
        prop_oneof![
            (1..=u64::MAX).prop_map(|n| n.to_string()),
            alias(),
            Just("-".to_owned()),
        ]
    }

    fn kms_id() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_-]{1,63}"
    }

    #[track_caller]
    fn check_round_trip<T>(input: &str) -> Result<(), TestCaseError>
    where
        T: FromStr<Err = NameError> + fmt::Display + fmt::Debug + PartialEq,
    {
        let v = input
            .parse::<T>()
            .map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        prop_assert_eq!(v.to_string(), input);
        prop_assert_eq!(v.to_string().parse::<T>(), Ok(v));
        Ok(())
    }

    proptest! {
        #[test]
        fn project_ids_round_trip(p in project()) {
            check_round_trip::<ProjectId>(&p)?;
        }

        #[test]
        fn location_ids_round_trip(l in location()) {
            check_round_trip::<LocationId>(&l)?;
        }

        #[test]
        fn location_names_round_trip(l in location_name()) {
            check_round_trip::<LocationName>(&l)?;
        }

        #[test]
        fn model_ids_round_trip(m in model_id()) {
            check_round_trip::<ModelId>(&m)?;
        }

        #[test]
        fn model_names_round_trip(l in location_name(), m in model_id()) {
            check_round_trip::<ModelName>(&format!("{l}/models/{m}"))?;
        }

        #[test]
        fn model_refs_round_trip(l in location_name(), m in model_id(), s in proptest::option::of(selector())) {
            let input = match s {
                Some(s) => format!("{l}/models/{m}@{s}"),
                None => format!("{l}/models/{m}"),
            };
            check_round_trip::<ModelRef>(&input)?;
            let encoded = input.replace('@', "%40");
            prop_assert_eq!(encoded.parse::<ModelRef>()?.to_string(), input);
        }

        #[test]
        fn version_ids_round_trip(n in 1..=u64::MAX) {
            check_round_trip::<VersionId>(&n.to_string())?;
        }

        #[test]
        fn aliases_round_trip(a in alias()) {
            check_round_trip::<VersionAlias>(&a)?;
        }

        #[test]
        fn selectors_round_trip(s in selector()) {
            check_round_trip::<VersionSelector>(&s)?;
        }

        #[test]
        fn tuning_job_names_round_trip(l in location_name(), t in decimal()) {
            check_round_trip::<TuningJobId>(&t)?;
            check_round_trip::<TuningJobName>(&format!("{l}/tuningJobs/{t}"))?;
        }

        #[test]
        fn endpoint_names_round_trip(l in location_name(), e in prop_oneof![decimal(), "[a-z]([a-z0-9-]{0,61}[a-z0-9])?"]) {
            check_round_trip::<EndpointId>(&e)?;
            check_round_trip::<EndpointName>(&format!("{l}/endpoints/{e}"))?;
        }

        #[test]
        fn operation_names_round_trip(l in location_name(), m in model_id(), t in decimal(), op in decimal(), which in 0..3u8) {
            check_round_trip::<OperationId>(&op)?;
            let input = match which {
                0 => format!("{l}/operations/{op}"),
                1 => format!("{l}/models/{m}/operations/{op}"),
                _ => format!("{l}/tuningJobs/{t}/operations/{op}"),
            };
            check_round_trip::<OperationName>(&input)?;
        }

        #[test]
        fn checkpoint_ids_round_trip(c in decimal()) {
            check_round_trip::<CheckpointId>(&c)?;
        }

        #[test]
        fn kms_key_names_round_trip(l in location_name(), r in kms_id(), k in kms_id()) {
            check_round_trip::<KeyRingId>(&r)?;
            check_round_trip::<CryptoKeyId>(&k)?;
            check_round_trip::<KmsKeyName>(&format!("{l}/keyRings/{r}/cryptoKeys/{k}"))?;
        }

        #[test]
        fn parsing_arbitrary_strings_never_panics(s in ".{0,200}") {
            let _ = s.parse::<ProjectId>();
            let _ = s.parse::<LocationId>().map(|l| l.kind());
            let _ = s.parse::<LocationName>();
            let _ = s.parse::<ModelId>();
            let _ = s.parse::<ModelName>();
            let _ = s.parse::<ModelRef>();
            let _ = s.parse::<VersionId>();
            let _ = s.parse::<VersionAlias>();
            let _ = s.parse::<VersionSelector>();
            let _ = s.parse::<TuningJobId>();
            let _ = s.parse::<TuningJobName>();
            let _ = s.parse::<EndpointId>();
            let _ = s.parse::<EndpointName>();
            let _ = s.parse::<OperationId>();
            let _ = s.parse::<OperationName>();
            let _ = s.parse::<CheckpointId>();
            let _ = s.parse::<KmsKeyName>();
        }

        #[test]
        fn name_shaped_strings_never_panic(
            segs in proptest::collection::vec(prop_oneof![
                Just("projects".to_owned()), Just("locations".to_owned()), Just("models".to_owned()),
                Just("tuningJobs".to_owned()), Just("operations".to_owned()), Just("keyRings".to_owned()),
                Just("cryptoKeys".to_owned()), Just("endpoints".to_owned()), ".{0,8}",
            ], 0..10),
        ) {
            let s = segs.join("/");
            let _ = s.parse::<ModelRef>();
            let _ = s.parse::<OperationName>();
            let _ = s.parse::<KmsKeyName>();
            let _ = s.parse::<EndpointName>();
            let _ = s.parse::<TuningJobName>();
        }
    }
}
