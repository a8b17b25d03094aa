//! The Model Registry rules as pure functions over plain values: resolving a version selector,
//! merging version aliases, issuing version ids, deciding whether a version or a model may be
//! deleted, resolving a checkpoint, and which level of a model an UpdateModel request changes.
//!
//! Nothing here stores anything: callers pass in a view of a model's versions
//! ([`VersionEntry`]) and apply the decision themselves. Every error has a `code()`, so a server
//! maps it to a status without rules of its own.
//!
//! ```
//! use retune_model::names::{VersionAlias, VersionId, VersionSelector};
//! use retune_model::registry::{merge_version_aliases, resolve_version, AliasChange, VersionEntry};
//!
//! let v = |n| VersionId::from_number(n).unwrap();
//! let versions = vec![
//!     VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT]),
//!     VersionEntry::new(v(2)),
//! ];
//! // No selector: the version holding `default`.
//! assert_eq!(resolve_version(&versions, None), Ok(v(1)));
//!
//! // Merging `default` into version 2 moves it there.
//! let changes = [AliasChange::parse("default").unwrap()];
//! let merged = merge_version_aliases(&versions, v(2), &changes).unwrap();
//! assert!(merged[&v(1)].is_empty());
//! assert_eq!(merged[&v(2)], vec![VersionAlias::DEFAULT]);
//!
//! // `@-` names the model, not a version.
//! assert!(resolve_version(&versions, Some(&VersionSelector::ModelLevel)).is_err());
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::Code;
use crate::names::{CheckpointId, NameError, NameKind, VersionAlias, VersionId, VersionSelector};

/// One version of a model, as the registry rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// The version id.
    pub id: VersionId,
    /// The aliases this version holds, `default` included.
    pub aliases: Vec<VersionAlias>,
    /// The checkpoints of this version, in the order they were exported (the last is the final).
    pub checkpoints: Vec<CheckpointId>,
    /// `Model.defaultCheckpointId`, if set.
    pub default_checkpoint: Option<CheckpointId>,
    /// Whether any endpoint serves this version.
    pub deployed: bool,
}

impl VersionEntry {
    /// A version with no aliases, no checkpoints, not deployed.
    pub fn new(id: VersionId) -> VersionEntry {
        VersionEntry {
            id,
            aliases: Vec::new(),
            checkpoints: Vec::new(),
            default_checkpoint: None,
            deployed: false,
        }
    }

    /// This version holding `aliases`.
    pub fn with_aliases(mut self, aliases: Vec<VersionAlias>) -> VersionEntry {
        self.aliases = aliases;
        self
    }

    /// This version with `checkpoints` and the default checkpoint `default_checkpoint`.
    pub fn with_checkpoints(
        mut self,
        checkpoints: Vec<CheckpointId>,
        default_checkpoint: Option<CheckpointId>,
    ) -> VersionEntry {
        self.checkpoints = checkpoints;
        self.default_checkpoint = default_checkpoint;
        self
    }

    /// This version, deployed or not.
    pub fn with_deployed(mut self, deployed: bool) -> VersionEntry {
        self.deployed = deployed;
        self
    }

    /// Whether this version holds `alias`.
    pub fn holds(&self, alias: &VersionAlias) -> bool {
        self.aliases.contains(alias)
    }

    /// Whether this version holds `default`.
    pub fn is_default(&self) -> bool {
        self.holds(&VersionAlias::DEFAULT)
    }
}

/// Writes `1, 2, 3`, or `none` for an empty list.
fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Resolving a selector
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Merging aliases
// ---------------------------------------------------------------------------------------------

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
/// (`MergeVersionAliases`).
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

// ---------------------------------------------------------------------------------------------
// Version ids
// ---------------------------------------------------------------------------------------------

/// The id of the next version of a model, given the highest id it has **ever** issued.
///
/// Version ids are monotonic and never reused, also after deletes: a model keeps this high-water
/// mark even when the version that set it is gone. `None` (a new model) gives version 1.
///
/// ```
/// use retune_model::names::VersionId;
/// use retune_model::registry::next_version_id;
/// assert_eq!(next_version_id(None), VersionId::FIRST);
/// assert_eq!(next_version_id(VersionId::from_number(3)).get(), 4);
/// ```
pub fn next_version_id(highest_ever_issued: Option<VersionId>) -> VersionId {
    highest_ever_issued.map_or(VersionId::FIRST, VersionId::next)
}

// ---------------------------------------------------------------------------------------------
// Deletion
// ---------------------------------------------------------------------------------------------

/// Why a version or a model may not be deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeletionRefusal {
    /// `deleteVersion` without an explicit version id (no selector, an alias, or `@-`).
    #[error(
        "deleteVersion needs an explicit version id, such as `models/{{model}}@2`; found {found}"
    )]
    VersionIdRequired { found: String },
    /// The version does not exist.
    #[error("the model has no version {version}; its versions are {}", list(.known))]
    UnknownVersion {
        version: VersionId,
        known: Vec<VersionId>,
    },
    /// The version is the model's only one.
    #[error("version {version} is the only version of the model; use DeleteModel instead")]
    OnlyVersion { version: VersionId },
    /// The version is deployed to an endpoint.
    #[error("version {version} is deployed to an endpoint; undeploy it first")]
    VersionDeployed { version: VersionId },
    /// The version holds `default` while other versions exist.
    #[error(
        "version {version} holds the alias `default`; merge `default` into another version first"
    )]
    HoldsDefault { version: VersionId },
    /// Some version of the model is deployed.
    #[error("versions {} of the model are deployed to endpoints; undeploy them first", list(.deployed))]
    ModelDeployed { deployed: Vec<VersionId> },
}

impl DeletionRefusal {
    /// The status code: `INVALID_ARGUMENT`, `NOT_FOUND` or `FAILED_PRECONDITION`.
    pub fn code(&self) -> Code {
        match self {
            DeletionRefusal::VersionIdRequired { .. } => Code::InvalidArgument,
            DeletionRefusal::UnknownVersion { .. } => Code::NotFound,
            DeletionRefusal::OnlyVersion { .. }
            | DeletionRefusal::VersionDeployed { .. }
            | DeletionRefusal::HoldsDefault { .. }
            | DeletionRefusal::ModelDeployed { .. } => Code::FailedPrecondition,
        }
    }
}

/// Whether the version `selector` names may be deleted (`DeleteModelVersion`); on success, its id.
///
/// Refused, in this order: a selector that is not an explicit version id (the request must carry
/// `@{versionId}`); an unknown version; the model's only version (use `DeleteModel`); a deployed
/// version; the version holding `default` while other versions exist (move `default` first).
///
/// ```
/// use retune_model::names::{VersionAlias, VersionId, VersionSelector};
/// use retune_model::registry::{check_version_deletion, DeletionRefusal, VersionEntry};
/// let v = |n| VersionId::from_number(n).unwrap();
/// let versions = vec![
///     VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT]),
///     VersionEntry::new(v(2)),
/// ];
/// assert_eq!(check_version_deletion(&versions, Some(&VersionSelector::Id(v(2)))), Ok(v(2)));
/// assert!(matches!(
///     check_version_deletion(&versions, Some(&VersionSelector::Id(v(1)))),
///     Err(DeletionRefusal::HoldsDefault { .. })
/// ));
/// ```
pub fn check_version_deletion(
    versions: &[VersionEntry],
    selector: Option<&VersionSelector>,
) -> Result<VersionId, DeletionRefusal> {
    let id = match selector {
        Some(VersionSelector::Id(id)) => *id,
        Some(VersionSelector::Alias(alias)) => {
            return Err(DeletionRefusal::VersionIdRequired {
                found: format!("the alias `@{alias}`"),
            });
        }
        Some(VersionSelector::ModelLevel) => {
            return Err(DeletionRefusal::VersionIdRequired {
                found: "`@-`".to_owned(),
            });
        }
        None => {
            return Err(DeletionRefusal::VersionIdRequired {
                found: "no version".to_owned(),
            });
        }
    };
    let Some(entry) = versions.iter().find(|v| v.id == id) else {
        return Err(DeletionRefusal::UnknownVersion {
            version: id,
            known: versions.iter().map(|v| v.id).collect(),
        });
    };
    if versions.len() == 1 {
        return Err(DeletionRefusal::OnlyVersion { version: id });
    }
    if entry.deployed {
        return Err(DeletionRefusal::VersionDeployed { version: id });
    }
    if entry.is_default() {
        return Err(DeletionRefusal::HoldsDefault { version: id });
    }
    Ok(id)
}

/// Whether a model may be deleted (`DeleteModel`): refused while any version is deployed.
///
/// ```
/// use retune_model::names::VersionId;
/// use retune_model::registry::{check_model_deletion, VersionEntry};
/// let v1 = VersionEntry::new(VersionId::FIRST);
/// assert_eq!(check_model_deletion(&[v1.clone()]), Ok(()));
/// assert!(check_model_deletion(&[v1.with_deployed(true)]).is_err());
/// ```
pub fn check_model_deletion(versions: &[VersionEntry]) -> Result<(), DeletionRefusal> {
    let deployed: Vec<VersionId> = versions
        .iter()
        .filter(|v| v.deployed)
        .map(|v| v.id)
        .collect();
    if deployed.is_empty() {
        Ok(())
    } else {
        Err(DeletionRefusal::ModelDeployed { deployed })
    }
}

// ---------------------------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------------------------

/// Why a checkpoint of a version cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A checkpoint id the version does not have.
    #[error(
        "version {version} has no checkpoint {requested}; its checkpoints are {}", list(.known)
    )]
    UnknownCheckpoint {
        version: VersionId,
        requested: CheckpointId,
        known: Vec<CheckpointId>,
    },
    /// No checkpoint id was given and the version has no checkpoints at all.
    #[error("version {version} has no checkpoints")]
    NoCheckpoints { version: VersionId },
}

impl CheckpointError {
    /// The status code.
    ///
    /// An unknown checkpoint id is `INVALID_ARGUMENT`, not `NOT_FOUND`: a checkpoint has no
    /// resource name of its own, the id is a field of the request (`preTunedModel.checkpointId`,
    /// `defaultCheckpointId`) that does not match the version. The real code is undocumented.
    /// A version without checkpoints is `FAILED_PRECONDITION`.
    pub fn code(&self) -> Code {
        match self {
            CheckpointError::UnknownCheckpoint { .. } => Code::InvalidArgument,
            CheckpointError::NoCheckpoints { .. } => Code::FailedPrecondition,
        }
    }
}

/// The checkpoint to use: `requested` if the version has it; with no id, the version's default
/// checkpoint, or else its last one.
///
/// ```
/// use retune_model::names::{CheckpointId, VersionId};
/// use retune_model::registry::{resolve_checkpoint, VersionEntry};
/// let c = CheckpointId::from_number;
/// let version = VersionEntry::new(VersionId::FIRST).with_checkpoints(vec![c(1), c(2)], Some(c(1)));
/// assert_eq!(resolve_checkpoint(&version, None), Ok(c(1)));
/// assert_eq!(resolve_checkpoint(&version, Some(&c(2))), Ok(c(2)));
/// let err = resolve_checkpoint(&version, Some(&c(7))).unwrap_err();
/// assert_eq!(err.to_string(), "version 1 has no checkpoint 7; its checkpoints are 1, 2");
/// ```
pub fn resolve_checkpoint(
    version: &VersionEntry,
    requested: Option<&CheckpointId>,
) -> Result<CheckpointId, CheckpointError> {
    match requested {
        Some(id) if version.checkpoints.contains(id) => Ok(*id),
        Some(id) => Err(CheckpointError::UnknownCheckpoint {
            version: version.id,
            requested: *id,
            known: version.checkpoints.clone(),
        }),
        None => version
            .default_checkpoint
            .or_else(|| version.checkpoints.last().copied())
            .ok_or(CheckpointError::NoCheckpoints {
                version: version.id,
            }),
    }
}

// ---------------------------------------------------------------------------------------------
// UpdateModel: model-level and version-level fields
// ---------------------------------------------------------------------------------------------

/// Which level of a model an UpdateModel request changes, decided by the name it targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateLevel {
    /// A bare model name or `@-`: the model's own fields.
    Model,
    /// `@{versionId}` or `@{alias}`: that version's fields.
    Version,
}

impl UpdateLevel {
    /// The level a request naming `selector` updates.
    pub fn of_selector(selector: Option<&VersionSelector>) -> UpdateLevel {
        match selector {
            None | Some(VersionSelector::ModelLevel) => UpdateLevel::Model,
            Some(VersionSelector::Id(_) | VersionSelector::Alias(_)) => UpdateLevel::Version,
        }
    }
}

impl fmt::Display for UpdateLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpdateLevel::Model => "model-level",
            UpdateLevel::Version => "version-level",
        })
    }
}

/// A field of `Model` that UpdateModel may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UpdatableField {
    /// `displayName` (model level).
    DisplayName,
    /// `description` (model level).
    Description,
    /// `versionDescription` (version level).
    VersionDescription,
    /// `defaultCheckpointId` (version level: a checkpoint belongs to a version, spec §11.14).
    DefaultCheckpointId,
    /// `labels` (either level; model and version labels are merged on read).
    Labels,
}

impl UpdatableField {
    /// Every updatable field.
    pub const ALL: [UpdatableField; 5] = [
        UpdatableField::DisplayName,
        UpdatableField::Description,
        UpdatableField::VersionDescription,
        UpdatableField::DefaultCheckpointId,
        UpdatableField::Labels,
    ];

    /// The `updateMask` path, in snake_case (`display_name`).
    pub fn mask_path(self) -> &'static str {
        match self {
            UpdatableField::DisplayName => "display_name",
            UpdatableField::Description => "description",
            UpdatableField::VersionDescription => "version_description",
            UpdatableField::DefaultCheckpointId => "default_checkpoint_id",
            UpdatableField::Labels => "labels",
        }
    }

    /// The field an `updateMask` path names, given in camelCase or snake_case.
    pub fn from_mask_path(path: &str) -> Option<UpdatableField> {
        let snake = crate::wire::fields::camel_to_snake(path.trim());
        UpdatableField::ALL
            .into_iter()
            .find(|f| f.mask_path() == snake)
    }

    /// The only level this field may be changed at, or `None` for either (`labels`).
    pub fn level(self) -> Option<UpdateLevel> {
        match self {
            UpdatableField::DisplayName | UpdatableField::Description => Some(UpdateLevel::Model),
            UpdatableField::VersionDescription | UpdatableField::DefaultCheckpointId => {
                Some(UpdateLevel::Version)
            }
            UpdatableField::Labels => None,
        }
    }
}

/// Why an UpdateModel field mask is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateMaskError {
    /// No field to update.
    #[error(
        "UpdateModel needs at least one field to update (give updateMask, or set fields in the body)"
    )]
    Empty,
    /// A path that is not an updatable field.
    #[error(
        "field {path:?} cannot be updated with UpdateModel; the updatable fields are display_name, description, version_description, default_checkpoint_id and labels"
    )]
    UnknownField {
        /// The path as given.
        path: String,
    },
    /// Fields of the other level than the one the name targets.
    #[error(
        "this request updates {level} fields only; {} cannot be updated in the same request ({})",
        .fields.iter().map(|f| f.mask_path()).collect::<Vec<_>>().join(", "),
        match .level {
            UpdateLevel::Model => "name a version, such as models/{model}@1, to update them",
            UpdateLevel::Version => "name the model without a version, or with @-, to update them",
        }
    )]
    WrongLevel {
        /// The level the name targets.
        level: UpdateLevel,
        /// The fields of the other level.
        fields: Vec<UpdatableField>,
    },
}

impl UpdateMaskError {
    /// `INVALID_ARGUMENT` for an empty mask or an unknown path; `FAILED_PRECONDITION` when the
    /// name and the fields disagree on the level (the `UpdateModelRequest` documentation).
    pub fn code(&self) -> Code {
        match self {
            UpdateMaskError::Empty | UpdateMaskError::UnknownField { .. } => Code::InvalidArgument,
            UpdateMaskError::WrongLevel { .. } => Code::FailedPrecondition,
        }
    }
}

/// The fields an UpdateModel request changes, checked against the level its name targets.
///
/// `paths` are the `updateMask` paths (camelCase or snake_case), or, without a mask, the fields
/// present in the body. The result lists each field once, in [`UpdatableField::ALL`] order.
/// Refused: no path; a path that is not updatable (first one wins); fields of the other level
/// (all of them, in one error).
///
/// ```
/// use retune_model::names::{VersionId, VersionSelector};
/// use retune_model::registry::{check_update_mask, UpdatableField, UpdateLevel, UpdateMaskError};
/// let v2 = VersionSelector::Id(VersionId::from_number(2).unwrap());
/// assert_eq!(
///     check_update_mask(Some(&v2), &["defaultCheckpointId", "labels"]),
///     Ok((UpdateLevel::Version, vec![UpdatableField::DefaultCheckpointId, UpdatableField::Labels]))
/// );
/// let err = check_update_mask(None, &["displayName", "version_description"]).unwrap_err();
/// assert_eq!(err, UpdateMaskError::WrongLevel {
///     level: UpdateLevel::Model,
///     fields: vec![UpdatableField::VersionDescription],
/// });
/// ```
pub fn check_update_mask<S: AsRef<str>>(
    selector: Option<&VersionSelector>,
    paths: &[S],
) -> Result<(UpdateLevel, Vec<UpdatableField>), UpdateMaskError> {
    let level = UpdateLevel::of_selector(selector);
    let mut fields = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let field =
            UpdatableField::from_mask_path(path).ok_or_else(|| UpdateMaskError::UnknownField {
                path: path.to_owned(),
            })?;
        fields.push(field);
    }
    if fields.is_empty() {
        return Err(UpdateMaskError::Empty);
    }
    fields.sort_unstable();
    fields.dedup();
    let wrong: Vec<UpdatableField> = fields
        .iter()
        .copied()
        .filter(|f| f.level().is_some_and(|l| l != level))
        .collect();
    if wrong.is_empty() {
        Ok((level, fields))
    } else {
        Err(UpdateMaskError::WrongLevel {
            level,
            fields: wrong,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(n: u64) -> VersionId {
        VersionId::from_number(n).unwrap()
    }

    fn a(s: &str) -> VersionAlias {
        s.parse().unwrap()
    }

    fn c(n: u64) -> CheckpointId {
        CheckpointId::from_number(n)
    }

    fn changes(list: &[&str]) -> Vec<AliasChange> {
        list.iter()
            .map(|s| AliasChange::parse(s).unwrap())
            .collect()
    }

    /// Version 1 holds `default` and `golden`, version 2 holds `rc`, version 3 holds nothing.
    fn three_versions() -> Vec<VersionEntry> {
        vec![
            VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT, a("golden")]),
            VersionEntry::new(v(2)).with_aliases(vec![a("rc")]),
            VersionEntry::new(v(3)),
        ]
    }

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

    #[test]
    fn version_ids_are_never_reused_after_deletes() {
        // Versions 1..=3 were issued, then 3 was deleted: the high-water mark is still 3.
        let high_water = Some(v(3));
        assert_eq!(next_version_id(high_water), v(4));
        assert_eq!(next_version_id(None), v(1));
    }

    #[test]
    fn deletion_rules_table() {
        let mut versions = three_versions();
        versions[1].deployed = true;
        let id = |n| Some(VersionSelector::Id(v(n)));
        let table: Vec<(Option<VersionSelector>, Result<VersionId, Code>)> = vec![
            (id(3), Ok(v(3))),
            (id(2), Err(Code::FailedPrecondition)),
            (id(1), Err(Code::FailedPrecondition)),
            (id(9), Err(Code::NotFound)),
            (None, Err(Code::InvalidArgument)),
            (
                Some(VersionSelector::Alias(a("rc"))),
                Err(Code::InvalidArgument),
            ),
            (
                Some(VersionSelector::ModelLevel),
                Err(Code::InvalidArgument),
            ),
        ];
        for (selector, expected) in table {
            let got = check_version_deletion(&versions, selector.as_ref()).map_err(|e| e.code());
            assert_eq!(got, expected, "{selector:?}");
        }
    }

    #[test]
    fn deleting_the_only_version_is_refused() {
        let versions = vec![VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT])];
        let err = check_version_deletion(&versions, Some(&VersionSelector::Id(v(1)))).unwrap_err();
        assert_eq!(err, DeletionRefusal::OnlyVersion { version: v(1) });
        assert!(err.to_string().contains("use DeleteModel instead"));
    }

    #[test]
    fn deleting_a_deployed_version_is_refused() {
        let mut versions = three_versions();
        versions[2].deployed = true;
        let err = check_version_deletion(&versions, Some(&VersionSelector::Id(v(3)))).unwrap_err();
        assert_eq!(err, DeletionRefusal::VersionDeployed { version: v(3) });
    }

    #[test]
    fn deleting_the_default_version_while_others_exist_is_refused() {
        let err = check_version_deletion(&three_versions(), Some(&VersionSelector::Id(v(1))))
            .unwrap_err();
        assert_eq!(err, DeletionRefusal::HoldsDefault { version: v(1) });
        assert_eq!(
            err.to_string(),
            "version 1 holds the alias `default`; merge `default` into another version first"
        );
    }

    #[test]
    fn deleting_a_model_with_a_deployed_version_is_refused() {
        let mut versions = three_versions();
        assert_eq!(check_model_deletion(&versions), Ok(()));
        versions[1].deployed = true;
        versions[2].deployed = true;
        let err = check_model_deletion(&versions).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert_eq!(
            err.to_string(),
            "versions 2, 3 of the model are deployed to endpoints; undeploy them first"
        );
    }

    #[test]
    fn no_checkpoint_id_uses_the_default_checkpoint() {
        let version = VersionEntry::new(v(1)).with_checkpoints(vec![c(1), c(2), c(3)], Some(c(2)));
        assert_eq!(resolve_checkpoint(&version, None), Ok(c(2)));
    }

    #[test]
    fn no_checkpoint_id_and_no_default_uses_the_last_checkpoint() {
        let version = VersionEntry::new(v(1)).with_checkpoints(vec![c(1), c(2), c(3)], None);
        assert_eq!(resolve_checkpoint(&version, None), Ok(c(3)));
    }

    #[test]
    fn unknown_checkpoint_id_names_the_known_ones() {
        let version = VersionEntry::new(v(2)).with_checkpoints(vec![c(1), c(2)], Some(c(2)));
        let err = resolve_checkpoint(&version, Some(&c(5))).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(
            err.to_string(),
            "version 2 has no checkpoint 5; its checkpoints are 1, 2"
        );
        assert_eq!(resolve_checkpoint(&version, Some(&c(1))), Ok(c(1)));
    }

    #[test]
    fn version_without_checkpoints_cannot_resolve_one() {
        let version = VersionEntry::new(v(1));
        assert_eq!(
            resolve_checkpoint(&version, None),
            Err(CheckpointError::NoCheckpoints { version: v(1) })
        );
        let err = resolve_checkpoint(&version, Some(&c(1))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "version 1 has no checkpoint 1; its checkpoints are none"
        );
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
        fn next_version_id_is_always_above_the_high_water_mark(n in 1..u64::MAX) {
            prop_assert!(next_version_id(Some(v(n))) > v(n));
        }

        #[test]
        fn parsing_arbitrary_alias_changes_never_panics(s in ".{0,140}") {
            if let Ok(change) = AliasChange::parse(&s) {
                prop_assert_eq!(change.to_string(), s);
            }
        }
    }

    #[test]
    fn update_mask_level_table() {
        use UpdatableField as F;
        let id = VersionSelector::Id(v(2));
        let alias = VersionSelector::Alias(a("golden"));
        let model = VersionSelector::ModelLevel;
        type Want = Result<(UpdateLevel, Vec<UpdatableField>), Code>;
        let cases: Vec<(Option<&VersionSelector>, Vec<&str>, Want)> = vec![
            (
                None,
                vec!["displayName"],
                Ok((UpdateLevel::Model, vec![F::DisplayName])),
            ),
            (
                Some(&model),
                vec!["description", "labels"],
                Ok((UpdateLevel::Model, vec![F::Description, F::Labels])),
            ),
            (
                None,
                vec!["labels"],
                Ok((UpdateLevel::Model, vec![F::Labels])),
            ),
            (
                Some(&id),
                vec!["labels"],
                Ok((UpdateLevel::Version, vec![F::Labels])),
            ),
            (
                Some(&id),
                vec!["version_description", "defaultCheckpointId"],
                Ok((
                    UpdateLevel::Version,
                    vec![F::VersionDescription, F::DefaultCheckpointId],
                )),
            ),
            (
                Some(&alias),
                vec!["default_checkpoint_id", "default_checkpoint_id"],
                Ok((UpdateLevel::Version, vec![F::DefaultCheckpointId])),
            ),
            (
                None,
                vec!["defaultCheckpointId"],
                Err(Code::FailedPrecondition),
            ),
            (
                Some(&model),
                vec!["versionDescription"],
                Err(Code::FailedPrecondition),
            ),
            (
                Some(&id),
                vec!["displayName"],
                Err(Code::FailedPrecondition),
            ),
            (
                Some(&alias),
                vec!["description", "labels"],
                Err(Code::FailedPrecondition),
            ),
            (None, vec![], Err(Code::InvalidArgument)),
            (None, vec!["name"], Err(Code::InvalidArgument)),
            (
                Some(&id),
                vec!["versionAliases"],
                Err(Code::InvalidArgument),
            ),
            (
                None,
                vec!["labels", "display_name.x"],
                Err(Code::InvalidArgument),
            ),
        ];
        for (selector, paths, want) in cases {
            let got = check_update_mask(selector, &paths).map_err(|e| e.code());
            assert_eq!(got, want, "{selector:?} {paths:?}");
        }
    }

    #[test]
    fn wrong_level_names_every_offending_field_and_the_way_out() {
        let err = check_update_mask(
            Some(&VersionSelector::Id(v(1))),
            &["displayName", "description", "labels"],
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("display_name, description"), "{message}");
        assert!(message.contains("@-"), "{message}");
        assert!(!message.contains("labels"), "{message}");
    }

    #[test]
    fn mask_paths_round_trip_in_both_spellings() {
        for field in UpdatableField::ALL {
            assert_eq!(
                UpdatableField::from_mask_path(field.mask_path()),
                Some(field)
            );
        }
        assert_eq!(
            UpdatableField::from_mask_path("versionDescription"),
            Some(UpdatableField::VersionDescription)
        );
    }
}
