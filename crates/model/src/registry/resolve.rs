//! Resolving a version selector (`@{versionId}`, `@{alias}`, none) to one version of a model.

use crate::Code;
use crate::names::{VersionAlias, VersionId, VersionSelector};

use super::{VersionEntry, list};

/// Why a version selector does not name a version of the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// `@{versionId}` with an id the model does not have.
    #[error("the model has no version {version}; its versions are {}", list(.known))]
    UnknownVersion {
        version: VersionId,
        known: Vec<VersionId>,
    },
    /// `@{alias}` with an alias no version holds.
    #[error("no version of the model holds the alias `{alias}`")]
    UnknownAlias { alias: VersionAlias },
    /// No selector, and no version holds `default` (the model has no versions).
    #[error("the model has no version holding `default`")]
    NoDefaultVersion,
    /// `@-`, which names the model rather than a version.
    #[error("`@-` names the model, not a version; give `@{{versionId}}`, `@{{alias}}` or nothing")]
    ModelLevel,
}

impl ResolveError {
    /// The status code: `NOT_FOUND`, or `INVALID_ARGUMENT` for `@-`.
    pub fn code(&self) -> Code {
        match self {
            ResolveError::UnknownVersion { .. }
            | ResolveError::UnknownAlias { .. }
            | ResolveError::NoDefaultVersion => Code::NotFound,
            ResolveError::ModelLevel => Code::InvalidArgument,
        }
    }
}

/// The version `selector` names: `None` is the version holding `default`.
pub fn select_version<'a>(
    versions: &'a [VersionEntry],
    selector: Option<&VersionSelector>,
) -> Result<&'a VersionEntry, ResolveError> {
    match selector {
        None => versions
            .iter()
            .find(|v| v.is_default())
            .ok_or(ResolveError::NoDefaultVersion),
        Some(VersionSelector::Id(id)) => {
            versions
                .iter()
                .find(|v| v.id == *id)
                .ok_or_else(|| ResolveError::UnknownVersion {
                    version: *id,
                    known: versions.iter().map(|v| v.id).collect(),
                })
        }
        Some(VersionSelector::Alias(alias)) => {
            versions
                .iter()
                .find(|v| v.holds(alias))
                .ok_or_else(|| ResolveError::UnknownAlias {
                    alias: alias.clone(),
                })
        }
        Some(VersionSelector::ModelLevel) => Err(ResolveError::ModelLevel),
    }
}

/// The id of the version `selector` names: `None` is the version holding `default`.
///
/// ```
/// use retune_model::names::{VersionAlias, VersionId, VersionSelector};
/// use retune_model::registry::{resolve_version, VersionEntry};
/// use retune_model::Code;
/// let v = |n| VersionId::from_number(n).unwrap();
/// let golden: VersionAlias = "golden".parse().unwrap();
/// let versions = vec![
///     VersionEntry::new(v(1)),
///     VersionEntry::new(v(2)).with_aliases(vec![VersionAlias::DEFAULT, golden.clone()]),
/// ];
/// assert_eq!(resolve_version(&versions, None), Ok(v(2)));
/// assert_eq!(resolve_version(&versions, Some(&VersionSelector::Id(v(1)))), Ok(v(1)));
/// assert_eq!(resolve_version(&versions, Some(&VersionSelector::Alias(golden))), Ok(v(2)));
/// let err = resolve_version(&versions, Some(&VersionSelector::Id(v(3)))).unwrap_err();
/// assert_eq!(err.code(), Code::NotFound);
/// assert_eq!(err.to_string(), "the model has no version 3; its versions are 1, 2");
/// ```
pub fn resolve_version(
    versions: &[VersionEntry],
    selector: Option<&VersionSelector>,
) -> Result<VersionId, ResolveError> {
    select_version(versions, selector).map(|v| v.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::{a, three_versions, v};

    #[test]
    fn model_without_selector_resolves_to_the_default_version() {
        let mut versions = three_versions();
        assert_eq!(resolve_version(&versions, None), Ok(v(1)));
        versions[0].aliases.clear();
        versions[2].aliases.push(VersionAlias::DEFAULT);
        assert_eq!(resolve_version(&versions, None), Ok(v(3)));
    }

    #[test]
    fn selectors_resolve_to_versions_or_not_found() {
        let versions = three_versions();
        let table: Vec<(Option<VersionSelector>, Result<VersionId, Code>)> = vec![
            (Some(VersionSelector::Id(v(2))), Ok(v(2))),
            (Some(VersionSelector::Alias(a("golden"))), Ok(v(1))),
            (Some(VersionSelector::Alias(a("rc"))), Ok(v(2))),
            (
                Some(VersionSelector::Alias(VersionAlias::DEFAULT)),
                Ok(v(1)),
            ),
            (Some(VersionSelector::Id(v(9))), Err(Code::NotFound)),
            (Some(VersionSelector::Alias(a("prod"))), Err(Code::NotFound)),
            (
                Some(VersionSelector::ModelLevel),
                Err(Code::InvalidArgument),
            ),
        ];
        for (selector, expected) in table {
            let got = resolve_version(&versions, selector.as_ref()).map_err(|e| e.code());
            assert_eq!(got, expected, "{selector:?}");
        }
    }

    #[test]
    fn model_level_selector_is_not_a_version() {
        let err = resolve_version(&three_versions(), Some(&VersionSelector::ModelLevel));
        assert_eq!(err, Err(ResolveError::ModelLevel));
    }

    #[test]
    fn model_without_versions_has_no_default() {
        assert_eq!(
            resolve_version(&[], None),
            Err(ResolveError::NoDefaultVersion)
        );
        assert_eq!(ResolveError::NoDefaultVersion.code(), Code::NotFound);
    }

    #[test]
    fn unknown_alias_names_the_alias() {
        let err = resolve_version(&three_versions(), Some(&VersionSelector::Alias(a("prod"))))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no version of the model holds the alias `prod`"
        );
    }
}
