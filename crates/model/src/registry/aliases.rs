//! Version aliases: parsing a MergeVersionAliases change (`golden`, `-golden`) and merging a
//! list of changes into a model's versions.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::Code;
use crate::names::{NameError, NameKind, VersionAlias, VersionId};

use super::{VersionEntry, list};

/// One entry of `MergeVersionAliasesRequest.version_aliases`: `golden` adds, `-golden` removes.
///
/// The `-` prefix is not part of the alias and does not count toward its 128 characters.
///
/// ```
/// use retune_model::registry::AliasChange;
/// assert!(matches!(AliasChange::parse("golden"), Ok(AliasChange::Add(_))));
/// assert!(matches!(AliasChange::parse("-golden"), Ok(AliasChange::Remove(_))));
/// assert_eq!(AliasChange::parse("-golden").unwrap().to_string(), "-golden");
/// assert!(AliasChange::parse("--golden").is_err());
/// assert!(AliasChange::parse("-").is_err());
/// assert!(AliasChange::parse("Golden").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AliasChange {
    /// Give the alias to the target version (moving it from any other version).
    Add(VersionAlias),
    /// Take the alias from the target version.
    Remove(VersionAlias),
}

impl AliasChange {
    /// Parses `alias` or `-alias`.
    pub fn parse(s: &str) -> Result<AliasChange, NameError> {
        let (remove, alias) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let alias: VersionAlias = alias
            .parse()
            .map_err(|e: NameError| NameError::new(s, NameKind::VersionAlias, e.reason()))?;
        Ok(if remove {
            AliasChange::Remove(alias)
        } else {
            AliasChange::Add(alias)
        })
    }

    /// The alias added or removed.
    pub fn alias(&self) -> &VersionAlias {
        match self {
            AliasChange::Add(a) | AliasChange::Remove(a) => a,
        }
    }
}

impl FromStr for AliasChange {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AliasChange::parse(s)
    }
}

impl fmt::Display for AliasChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AliasChange::Add(a) => write!(f, "{a}"),
            AliasChange::Remove(a) => write!(f, "-{a}"),
        }
    }
}

/// Why a `mergeVersionAliases` request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AliasMergeError {
    /// The request lists no aliases.
    #[error("versionAliases is empty: give at least one alias to add, or `-alias` to remove")]
    NoChanges,
    /// The target version does not exist.
    #[error("the model has no version {version}; its versions are {}", list(.known))]
    UnknownVersion {
        version: VersionId,
        known: Vec<VersionId>,
    },
    /// `-alias` for an alias the target version does not hold.
    #[error(
        "version {version} does not hold the alias `{alias}`, so `-{alias}` cannot remove it; \
         its aliases are {}", list(.held)
    )]
    NotHeld {
        version: VersionId,
        alias: VersionAlias,
        held: Vec<VersionAlias>,
    },
    /// `-default`: exactly one version must hold `default` at all times.
    #[error(
        "`-default` would leave the model without a default version; merge `default` into \
         another version instead, which moves it away from version {version}"
    )]
    DefaultRemoved { version: VersionId },
}

impl AliasMergeError {
    /// The status code: `INVALID_ARGUMENT`, `NOT_FOUND` or `FAILED_PRECONDITION`.
    pub fn code(&self) -> Code {
        match self {
            AliasMergeError::NoChanges => Code::InvalidArgument,
            AliasMergeError::UnknownVersion { .. } => Code::NotFound,
            AliasMergeError::NotHeld { .. } | AliasMergeError::DefaultRemoved { .. } => {
                Code::FailedPrecondition
            }
        }
    }
}

/// The aliases of every version after a merge, by version id.
pub type AliasAssignment = BTreeMap<VersionId, Vec<VersionAlias>>;

/// The aliases of every version after merging `changes` into version `target`
/// (`MergeVersionAliases`; `target` is the explicit version id that
/// [`crate::request::check_merge_version_aliases`] requires in the request's name).
///
/// - Adding an alias gives it to `target` and takes it from whichever version held it.
/// - `-alias` takes it from `target`.
/// - Adding and removing the same alias in one request cancels out: nothing changes for it.
/// - `-default` is refused: exactly one version holds `default` at all times, and since every
///   addition in a request goes to `target`, `default` cannot be re-added elsewhere in the same
///   request. To move it, merge `default` into the other version.
/// - Removing an alias `target` does not hold is **refused** (`FAILED_PRECONDITION`), not ignored:
///   a typo such as `-goldne` should not look like success.
/// - An empty list is refused (`INVALID_ARGUMENT`).
///
/// Aliases that stay keep their order; added ones follow, in request order.
///
/// ```
/// use retune_model::names::{VersionAlias, VersionId};
/// use retune_model::registry::{merge_version_aliases, AliasChange, AliasMergeError, VersionEntry};
/// let v = |n| VersionId::from_number(n).unwrap();
/// let a = |s: &str| s.parse::<VersionAlias>().unwrap();
/// let versions = vec![
///     VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT, a("golden")]),
///     VersionEntry::new(v(2)),
/// ];
/// let changes = |list: &[&str]| -> Vec<AliasChange> {
///     list.iter().map(|s| AliasChange::parse(s).unwrap()).collect()
/// };
/// // `golden` moves from version 1 to version 2.
/// let merged = merge_version_aliases(&versions, v(2), &changes(&["golden"])).unwrap();
/// assert_eq!(merged[&v(1)], vec![VersionAlias::DEFAULT]);
/// assert_eq!(merged[&v(2)], vec![a("golden")]);
/// // `-default` is refused; `default` + `-default` cancels out.
/// assert!(matches!(
///     merge_version_aliases(&versions, v(1), &changes(&["-default"])),
///     Err(AliasMergeError::DefaultRemoved { .. })
/// ));
/// let same = merge_version_aliases(&versions, v(1), &changes(&["default", "-default"])).unwrap();
/// assert_eq!(same[&v(1)], vec![VersionAlias::DEFAULT, a("golden")]);
/// ```
pub fn merge_version_aliases(
    versions: &[VersionEntry],
    target: VersionId,
    changes: &[AliasChange],
) -> Result<AliasAssignment, AliasMergeError> {
    if changes.is_empty() {
        return Err(AliasMergeError::NoChanges);
    }
    let Some(target_entry) = versions.iter().find(|v| v.id == target) else {
        return Err(AliasMergeError::UnknownVersion {
            version: target,
            known: versions.iter().map(|v| v.id).collect(),
        });
    };

    let mut adds: Vec<&VersionAlias> = Vec::new();
    let mut removes: Vec<&VersionAlias> = Vec::new();
    for change in changes {
        let (list, alias) = match change {
            AliasChange::Add(alias) => (&mut adds, alias),
            AliasChange::Remove(alias) => (&mut removes, alias),
        };
        if !list.contains(&alias) {
            list.push(alias);
        }
    }
    // An alias both added and removed in one request cancels out.
    let cancelled: Vec<&VersionAlias> = adds
        .iter()
        .copied()
        .filter(|a| removes.contains(a))
        .collect();
    adds.retain(|a| !cancelled.contains(a));
    removes.retain(|a| !cancelled.contains(a));

    for alias in &removes {
        if !target_entry.holds(alias) {
            return Err(AliasMergeError::NotHeld {
                version: target,
                alias: (*alias).clone(),
                held: target_entry.aliases.clone(),
            });
        }
        if alias.is_default() {
            return Err(AliasMergeError::DefaultRemoved { version: target });
        }
    }

    let mut assignment = AliasAssignment::new();
    for entry in versions {
        let kept: Vec<VersionAlias> = if entry.id == target {
            let mut kept: Vec<VersionAlias> = entry
                .aliases
                .iter()
                .filter(|a| !removes.contains(a))
                .cloned()
                .collect();
            for alias in &adds {
                if !kept.contains(alias) {
                    kept.push((*alias).clone());
                }
            }
            kept
        } else {
            entry
                .aliases
                .iter()
                .filter(|a| !adds.contains(a))
                .cloned()
                .collect()
        };
        assignment.insert(entry.id, kept);
    }
    Ok(assignment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::VersionSelector;
    use crate::registry::fixtures::{a, three_versions, v};
    use crate::registry::resolve_version;
    use proptest::prelude::*;

    fn changes(list: &[&str]) -> Vec<AliasChange> {
        list.iter()
            .map(|s| AliasChange::parse(s).unwrap())
            .collect()
    }

    #[test]
    fn removal_prefix_does_not_count_toward_128_characters() {
        let longest = format!("a{}", "b".repeat(127));
        assert!(AliasChange::parse(&longest).is_ok());
        assert!(AliasChange::parse(&format!("-{longest}")).is_ok());
        assert!(AliasChange::parse(&format!("{longest}b")).is_err());
    }

    #[test]
    fn invalid_alias_change_error_carries_the_whole_input() {
        let err = AliasChange::parse("-Gold").unwrap_err();
        assert_eq!(err.input(), "-Gold");
        assert_eq!(
            err.reason(),
            "version alias must start with a lowercase letter"
        );
        assert_eq!(
            "-".parse::<AliasChange>().unwrap_err().reason(),
            "version alias is empty"
        );
    }

    #[test]
    fn adding_an_alias_moves_it_from_another_version() {
        let merged = merge_version_aliases(&three_versions(), v(3), &changes(&["golden"])).unwrap();
        assert_eq!(merged[&v(1)], vec![VersionAlias::DEFAULT]);
        assert_eq!(merged[&v(2)], vec![a("rc")]);
        assert_eq!(merged[&v(3)], vec![a("golden")]);
    }

    #[test]
    fn adding_default_moves_the_default_version() {
        let merged =
            merge_version_aliases(&three_versions(), v(2), &changes(&["default"])).unwrap();
        assert_eq!(merged[&v(1)], vec![a("golden")]);
        assert_eq!(merged[&v(2)], vec![a("rc"), VersionAlias::DEFAULT]);
    }

    #[test]
    fn minus_prefix_removes_an_alias() {
        let merged =
            merge_version_aliases(&three_versions(), v(1), &changes(&["-golden"])).unwrap();
        assert_eq!(merged[&v(1)], vec![VersionAlias::DEFAULT]);
    }

    #[test]
    fn add_and_remove_of_the_same_alias_cancel_out() {
        let versions = three_versions();
        for list in [["golden", "-golden"], ["-golden", "golden"]] {
            let merged = merge_version_aliases(&versions, v(3), &changes(&list)).unwrap();
            assert_eq!(
                merged[&v(1)],
                vec![VersionAlias::DEFAULT, a("golden")],
                "{list:?}"
            );
            assert_eq!(merged[&v(3)], Vec::<VersionAlias>::new(), "{list:?}");
        }
    }

    #[test]
    fn removing_default_is_refused() {
        let err =
            merge_version_aliases(&three_versions(), v(1), &changes(&["-default"])).unwrap_err();
        assert_eq!(err, AliasMergeError::DefaultRemoved { version: v(1) });
        assert_eq!(err.code(), Code::FailedPrecondition);
        // Even together with other changes.
        let err = merge_version_aliases(&three_versions(), v(1), &changes(&["prod", "-default"]));
        assert!(matches!(err, Err(AliasMergeError::DefaultRemoved { .. })));
    }

    #[test]
    fn removing_an_alias_the_version_does_not_hold_is_refused() {
        let err =
            merge_version_aliases(&three_versions(), v(2), &changes(&["-golden"])).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert_eq!(
            err.to_string(),
            "version 2 does not hold the alias `golden`, so `-golden` cannot remove it; its aliases are rc"
        );
        let err =
            merge_version_aliases(&three_versions(), v(2), &changes(&["-default"])).unwrap_err();
        assert!(matches!(err, AliasMergeError::NotHeld { .. }));
    }

    #[test]
    fn empty_alias_list_is_refused() {
        let err = merge_version_aliases(&three_versions(), v(1), &[]).unwrap_err();
        assert_eq!(err, AliasMergeError::NoChanges);
        assert_eq!(err.code(), Code::InvalidArgument);
    }

    #[test]
    fn merging_into_an_unknown_version_is_not_found() {
        let err =
            merge_version_aliases(&three_versions(), v(9), &changes(&["golden"])).unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert_eq!(
            err.to_string(),
            "the model has no version 9; its versions are 1, 2, 3"
        );
    }

    #[test]
    fn repeated_additions_are_idempotent() {
        let merged =
            merge_version_aliases(&three_versions(), v(1), &changes(&["golden", "golden"]))
                .unwrap();
        assert_eq!(merged[&v(1)], vec![VersionAlias::DEFAULT, a("golden")]);
    }

    const POOL: [&str; 5] = ["default", "golden", "rc", "prod", "stable"];

    fn change() -> impl Strategy<Value = String> {
        (any::<bool>(), 0..POOL.len())
            .prop_map(|(remove, i)| format!("{}{}", if remove { "-" } else { "" }, POOL[i]))
    }

    proptest! {
        #[test]
        fn merges_keep_exactly_one_default_and_unique_aliases(
            count in 1u64..5,
            steps in proptest::collection::vec((0u64..6, proptest::collection::vec(change(), 0..5)), 1..30),
        ) {
            let mut versions: Vec<VersionEntry> = (1..=count).map(|n| VersionEntry::new(v(n))).collect();
            versions[0].aliases.push(VersionAlias::DEFAULT);
            for (target, list) in steps {
                let target = v(target + 1);
                let list: Vec<AliasChange> = list.iter().map(|s| AliasChange::parse(s)).collect::<Result<_, _>>()?;
                if let Ok(assignment) = merge_version_aliases(&versions, target, &list) {
                    prop_assert_eq!(assignment.len(), versions.len());
                    for entry in &mut versions {
                        entry.aliases = assignment[&entry.id].clone();
                    }
                    // Every alias added (and not cancelled) is now on the target.
                    for change in &list {
                        if let AliasChange::Add(alias) = change {
                            let cancelled = list.contains(&AliasChange::Remove(alias.clone()));
                            if !cancelled {
                                let holder = resolve_version(&versions, Some(&VersionSelector::Alias(alias.clone())));
                                prop_assert_eq!(holder, Ok(target));
                            }
                        }
                    }
                }
                let defaults = versions.iter().filter(|e| e.is_default()).count();
                prop_assert_eq!(defaults, 1);
                for alias in POOL {
                    let alias = a(alias);
                    let holders = versions.iter().map(|e| e.aliases.iter().filter(|x| **x == alias).count()).sum::<usize>();
                    prop_assert!(holders <= 1, "{} held {} times", alias, holders);
                }
            }
        }

        #[test]
        fn parsing_arbitrary_alias_changes_never_panics(s in ".{0,140}") {
            if let Ok(change) = AliasChange::parse(&s) {
                prop_assert_eq!(change.to_string(), s);
            }
        }
    }
}
