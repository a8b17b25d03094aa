//! The Model Registry rules as pure functions over plain values: resolving a version selector,
//! merging version aliases, issuing version ids, deciding whether a version or a model may be
//! deleted, which level of a model an UpdateModel request changes, and how listed versions are
//! ordered. Checkpoint resolution lives
//! in [`crate::checkpoints`] and is re-exported here.
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

mod aliases;
mod deletion;
mod etag;
#[cfg(test)]
mod fixtures;
mod model_source;
mod new_version;
mod order;
mod resolve;
mod update_mask;

use std::collections::BTreeMap;
use std::fmt;

use crate::continuous::TuningProvenance;
use crate::names::{CheckpointId, VersionAlias, VersionId};

pub use crate::checkpoints::{CheckpointError, resolve_checkpoint};
pub use aliases::{AliasAssignment, AliasChange, AliasMergeError, merge_version_aliases};
pub use deletion::{
    Deletion, DeletionRefusal, check_model_deletion, check_version_deletion, model_deletion,
    version_deletion,
};
pub use etag::{StaleEtagError, check_etag, model_etag};
pub use model_source::tuned_model_source;
pub use new_version::{
    LABEL_BASE_MODEL, LABEL_JOB_ID, LABEL_TUNE_TYPE, NewVersion, ParentModel, RegistrationError,
    TUNE_TYPE_SUPERVISED, TunedJob, VersionHome, initial_aliases, new_version, next_version_id,
    tune_type_label, tuned_user_labels, tuned_version_labels, tuning_outcome,
};
pub use order::{VersionOrderFacts, compare_versions};
pub use resolve::{ResolveError, resolve_version, select_version};
pub use update_mask::{UpdatableField, UpdateLevel, UpdateMaskError, check_update_mask};

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

/// The labels one version of a model shows (GetModel's `labels`, and what a `labels.{key}` list
/// filter matches): the model-level labels, with the version's own winning on a shared key.
///
/// ```
/// use std::collections::BTreeMap;
/// use retune_model::registry::version_labels;
/// let model = BTreeMap::from([("team".to_owned(), "a".to_owned()), ("env".to_owned(), "dev".to_owned())]);
/// let version = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
/// let shown = version_labels(&model, &version);
/// assert_eq!((shown["team"].as_str(), shown["env"].as_str()), ("a", "prod"));
/// ```
pub fn version_labels(
    model: &BTreeMap<String, String>,
    version: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut labels = model.clone();
    labels.extend(version.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels
}

/// The base model id a version was tuned from, as the `base_model_name` list filter reads it:
/// the root base model of its tuning provenance, else its [`LABEL_BASE_MODEL`] system label
/// (a version with neither has none).
///
/// ```
/// use std::collections::BTreeMap;
/// use retune_model::registry::{LABEL_BASE_MODEL, version_base_model};
/// let labels = BTreeMap::from([(LABEL_BASE_MODEL.to_owned(), "gemini-2.5-flash".to_owned())]);
/// assert_eq!(version_base_model(None, &labels), Some("gemini-2.5-flash"));
/// assert_eq!(version_base_model(None, &BTreeMap::new()), None);
/// ```
pub fn version_base_model<'a>(
    provenance: Option<&'a TuningProvenance>,
    labels: &'a BTreeMap<String, String>,
) -> Option<&'a str> {
    provenance
        .map(|p| p.root_base_model.id())
        .or_else(|| labels.get(LABEL_BASE_MODEL).map(String::as_str))
}

/// Writes `1, 2, 3`, or `none` for an empty list.
pub(crate) fn list<T: fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
