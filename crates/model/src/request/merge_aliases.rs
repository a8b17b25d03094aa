//! MergeVersionAliases: each entry of `version_aliases` is an alias to add (`golden`) or to
//! remove (`-golden`).

use super::{Violation, finish, violations_error};
use crate::registry::AliasChange;
use crate::wire::MergeVersionAliasesRequest;

violations_error! {
    /// A MergeVersionAliases request with entries that do not parse, each named
    /// `version_aliases[i]`.
    MergeVersionAliasesError
}

/// Parses every entry of `version_aliases` with [`AliasChange::parse`].
///
/// ```
/// use retune_model::request::check_merge_version_aliases;
/// use retune_model::wire::MergeVersionAliasesRequest;
/// let ok = MergeVersionAliasesRequest {
///     version_aliases: vec!["golden".into(), "-old".into()],
///     ..Default::default()
/// };
/// assert_eq!(check_merge_version_aliases(&ok).unwrap().len(), 2);
/// let bad = MergeVersionAliasesRequest {
///     version_aliases: vec!["Golden".into(), "ok".into(), "1abc".into()],
///     ..Default::default()
/// };
/// let err = check_merge_version_aliases(&bad).unwrap_err();
/// let fields: Vec<_> = err.violations().iter().map(|v| v.field.as_str()).collect();
/// assert_eq!(fields, ["version_aliases[0]", "version_aliases[2]"]);
/// ```
pub fn check_merge_version_aliases(
    request: &MergeVersionAliasesRequest,
) -> Result<Vec<AliasChange>, MergeVersionAliasesError> {
    let mut violations = Vec::new();
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
    finish(violations, || changes, MergeVersionAliasesError::new)
}
