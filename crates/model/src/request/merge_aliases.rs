//! MergeVersionAliases: the version the name targets (an explicit version id) and each entry of
//! `version_aliases`, an alias to add (`golden`) or to remove (`-golden`).

use super::{Violation, finish, violations_error};
use crate::names::{ModelRef, VersionId, VersionSelector};
use crate::registry::{AliasChange, AliasMergeError};
use crate::wire::MergeVersionAliasesRequest;

violations_error! {
    /// A MergeVersionAliases request whose name has no explicit version id (`name`) or whose
    /// entries do not parse (`version_aliases[i]`).
    MergeVersionAliasesError
}

/// A checked MergeVersionAliases request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeVersionAliases {
    /// The version whose aliases change.
    pub version: VersionId,
    /// The changes, in request order.
    pub changes: Vec<AliasChange>,
}

/// Checks that `model` names an explicit version id, that `version_aliases` is not empty
/// ([`AliasMergeError::NoChanges`]), and parses every entry with [`AliasChange::parse`].
///
/// ```
/// use retune_model::names::ModelRef;
/// use retune_model::request::check_merge_version_aliases;
/// use retune_model::wire::MergeVersionAliasesRequest;
/// let v2: ModelRef = "projects/p/locations/us-central1/models/9@2".parse().unwrap();
/// let ok = MergeVersionAliasesRequest {
///     version_aliases: vec!["golden".into(), "-old".into()],
///     ..Default::default()
/// };
/// assert_eq!(check_merge_version_aliases(&v2, &ok).unwrap().changes.len(), 2);
///
/// let golden: ModelRef = "projects/p/locations/us-central1/models/9@golden".parse().unwrap();
/// let bad = MergeVersionAliasesRequest {
///     version_aliases: vec!["Golden".into(), "ok".into(), "1abc".into()],
///     ..Default::default()
/// };
/// let err = check_merge_version_aliases(&golden, &bad).unwrap_err();
/// let fields: Vec<_> = err.violations().iter().map(|v| v.field.as_str()).collect();
/// assert_eq!(fields, ["name", "version_aliases[0]", "version_aliases[2]"]);
///
/// let empty = MergeVersionAliasesRequest::default();
/// let err = check_merge_version_aliases(&v2, &empty).unwrap_err();
/// assert_eq!(err.violations()[0].field, "version_aliases");
/// ```
pub fn check_merge_version_aliases(
    model: &ModelRef,
    request: &MergeVersionAliasesRequest,
) -> Result<MergeVersionAliases, MergeVersionAliasesError> {
    let mut violations = Vec::new();
    let version = match model.selector() {
        Some(VersionSelector::Id(id)) => Some(*id),
        _ => {
            violations.push(Violation::invalid(
                "name",
                format!(
                    "MergeVersionAliases needs a model name with an explicit version id, such as \
                     {}@1; found {model}.",
                    model.name()
                ),
            ));
            None
        }
    };
    if request.version_aliases.is_empty() {
        let err = AliasMergeError::NoChanges;
        violations
            .push(Violation::invalid("version_aliases", format!("{err}.")).with_code(err.code()));
    }
    let mut changes = Vec::new();
    for (i, raw) in request.version_aliases.iter().enumerate() {
        match AliasChange::parse(raw) {
            Ok(change) => changes.push(change),
            Err(e) => violations.push(Violation::invalid(
                format!("version_aliases[{i}]"),
                e.to_string(),
            )),
        }
    }
    match version {
        Some(version) => finish(
            violations,
            || MergeVersionAliases { version, changes },
            MergeVersionAliasesError::new,
        ),
        None => Err(MergeVersionAliasesError::new(violations)),
    }
}
