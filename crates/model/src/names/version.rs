//! Model versions: `VersionId`, `VersionAlias` and the `@` selector that names one of them.

use std::borrow::Cow;
use std::fmt;
use std::num::NonZeroU64;
use std::str::FromStr;

use super::{NameError, NameKind, Reason, parse_decimal, wrap};

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

pub(super) fn parse_selector(s: &str) -> Result<VersionSelector, Reason> {
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
