//! Models: `ModelId`, `ModelName` (`…/models/{model}`) and `ModelRef` (a model name with an
//! optional `@{version|alias|-}`).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::version::parse_selector;
use super::{
    Located, LocationId, LocationName, NameError, NameKind, ProjectId, Reason, VersionId,
    VersionSelector, wrap,
};

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
pub(super) fn check_numeric_id(what: &str, s: &str) -> Option<Result<(), Reason>> {
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

    pub(super) fn from_parts(
        project: &str,
        location: &str,
        model: &str,
    ) -> Result<ModelName, Reason> {
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

located!(ModelName, |n| &n.location);

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/models/{}", self.location, self.model)
    }
}

pub(super) const MODEL_SHAPE: &str =
    "expected projects/{project}/locations/{location}/models/{model}";

impl FromStr for ModelName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let r = match super::segments(s) {
            Some(["projects", p, "locations", l, "models", m]) => ModelName::from_parts(p, l, m),
            _ => Err(MODEL_SHAPE.to_owned()),
        };
        wrap(s, NameKind::ModelName, r)
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

    /// The version id, when the reference names a version by id (`…@3`); `None` for an alias
    /// or the default version.
    ///
    /// ```
    /// use retune_model::names::{ModelRef, VersionId};
    /// let r: ModelRef = "projects/p/locations/us-central1/models/9@3".parse().unwrap();
    /// assert_eq!(r.version_id(), Some(VersionId::from_number(3).unwrap()));
    /// let r: ModelRef = "projects/p/locations/us-central1/models/9@gold".parse().unwrap();
    /// assert_eq!(r.version_id(), None);
    /// ```
    pub fn version_id(&self) -> Option<VersionId> {
        match self.selector {
            Some(VersionSelector::Id(id)) => Some(id),
            _ => None,
        }
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
    let decoded = if s.contains("%40") {
        std::borrow::Cow::Owned(s.replace("%40", "@"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    let (name, selector) = match decoded.split_once('@') {
        Some((name, selector)) => (name, Some(selector)),
        None => (decoded.as_ref(), None),
    };
    let name = match super::segments(name) {
        Some(["projects", p, "locations", l, "models", m]) => ModelName::from_parts(p, l, m)?,
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
