//! The records the store keeps: models and their versions and checkpoints, endpoints, finished
//! operations, and the namespace that holds them (with the jobs) under one location.

use std::borrow::Cow;
use std::collections::BTreeMap;

use std::sync::Arc;

use retune_model::Timestamp;
use retune_model::answer::AnswerIndex;
use retune_model::continuous::{PreTunedModelFacts, TuningProvenance};
use retune_model::emulator_policy::{
    TUNING_ENDPOINTS_BLOCK_DELETION, checkpoint_endpoint_display_name,
    parse_checkpoint_endpoint_display_name,
};
use retune_model::names::{
    CheckpointId, EndpointId, EndpointName, KmsKeyName, ModelId, ModelName, ModelRef, OperationId,
    OperationName, OperationParent, TuningJobId, TuningJobName, VersionAlias, VersionId,
    VersionSelector,
};
use retune_model::registry::{
    ParentModel, VersionEntry, select_version, tuned_user_labels, tuned_version_labels,
    version_base_model, version_labels,
};
use retune_model::request::CheckpointsVersion;
use retune_model::wire;

use super::versions::Versions;
use crate::error::ApiError;
use crate::jobs::{JobRecord, TunedOutput};

/// One exported checkpoint of a model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    /// `"1"`, `"2"`, ... (restarting at 1 in every version).
    pub id: CheckpointId,
    /// The epoch it belongs to.
    pub epoch: u64,
    /// The step it was saved after.
    pub step: u64,
    /// The endpoint serving it.
    pub endpoint: EndpointName,
}

/// One version of a model.
#[derive(Debug, Clone)]
pub struct VersionRecord {
    /// `versionId`.
    pub id: VersionId,
    /// `versionAliases`.
    pub aliases: Vec<VersionAlias>,
    /// `versionDescription`.
    pub description: String,
    /// Version-level labels (a tuned version's: the job's user labels and the system labels).
    pub labels: VersionLabels,
    /// `versionCreateTime`.
    pub created: Timestamp,
    /// `versionUpdateTime`.
    pub updated: Timestamp,
    /// The checkpoints, in order (shared with the output of the job that made the version).
    pub checkpoints: Arc<[CheckpointRecord]>,
    /// `defaultCheckpointId`.
    pub default_checkpoint: Option<CheckpointId>,
    /// How the version was produced (`None`: not by tuning).
    pub provenance: Option<TuningProvenance>,
    /// The tuning job that produced it.
    pub job: Option<TuningJobName>,
    /// The CMEK key.
    pub kms_key: Option<KmsKeyName>,
    /// What the version knows: the training pairs of its lineage, indexed once when its job
    /// succeeded (empty for seeded and imported versions).
    pub answers: Arc<AnswerIndex>,
}

impl VersionRecord {
    /// The view the registry rules take of this version.
    ///
    /// The only endpoints the emulator has are those a tuning job made (one per checkpoint);
    /// whether they count as deployments is the emulator's policy
    /// ([`TUNING_ENDPOINTS_BLOCK_DELETION`]).
    pub fn entry(&self) -> VersionEntry {
        VersionEntry::new(self.id)
            .with_aliases(self.aliases.clone())
            .with_checkpoints(
                self.checkpoints.iter().map(|c| c.id).collect(),
                self.default_checkpoint,
            )
            .with_deployed(TUNING_ENDPOINTS_BLOCK_DELETION)
    }

    /// The base model id it was tuned from (`registry::version_base_model`).
    pub fn base_model(&self) -> Option<&str> {
        match &self.labels {
            VersionLabels::Set(labels) => version_base_model(self.provenance.as_ref(), labels),
            VersionLabels::Tuned { .. } => self.provenance.as_ref().map(|p| p.root_base_model.id()),
        }
    }

    /// The version-level labels.
    pub fn labels(&self) -> Cow<'_, BTreeMap<String, String>> {
        match (&self.labels, &self.provenance, &self.job) {
            (VersionLabels::Tuned { user }, Some(provenance), Some(job)) => {
                Cow::Owned(tuned_version_labels(
                    user,
                    provenance.method,
                    provenance.root_base_model,
                    job.tuning_job_id(),
                ))
            }
            (VersionLabels::Tuned { user }, _, _) => Cow::Borrowed(user),
            (VersionLabels::Set(labels), _, _) => Cow::Borrowed(labels),
        }
    }

    /// Keeps `labels` as the version's, compactly when they are the ones its tuning job gave it.
    pub fn set_labels(&mut self, labels: BTreeMap<String, String>) {
        let user = match (&self.provenance, &self.job) {
            (Some(provenance), Some(job)) => tuned_user_labels(
                &labels,
                provenance.method,
                provenance.root_base_model,
                job.tuning_job_id(),
            ),
            _ => None,
        };
        self.labels = match user {
            Some(user) => VersionLabels::Tuned { user },
            None => VersionLabels::Set(labels),
        };
    }

    /// The endpoint of the default checkpoint (else the last one).
    pub fn default_endpoint(&self) -> Option<&EndpointName> {
        self.checkpoints
            .iter()
            .find(|c| Some(c.id) == self.default_checkpoint)
            .or_else(|| self.checkpoints.last())
            .map(|c| &c.endpoint)
    }
}

/// A version's labels, as kept.
#[derive(Debug, Clone)]
pub enum VersionLabels {
    /// The labels its tuning job gave it: the job's user labels, and the system labels
    /// (`registry::tuned_version_labels`) made from the version's provenance and job when read
    /// (three owned strings and a map node less per tuned version).
    Tuned {
        /// The job's user labels.
        user: BTreeMap<String, String>,
    },
    /// Any others (a seeded version's, or labels an update set).
    Set(BTreeMap<String, String>),
}

/// A model and its versions; read through its methods, changed only by the store.
#[derive(Debug, Clone)]
pub struct ModelRecord {
    /// The model's name.
    pub(super) name: ModelName,
    /// `displayName`.
    pub(super) display_name: String,
    /// `description`.
    pub(super) description: String,
    /// Model-level labels (merged under the version's on read).
    pub(super) labels: BTreeMap<String, String>,
    /// `createTime`.
    pub(super) created: Timestamp,
    /// `updateTime`.
    pub(super) updated: Timestamp,
    /// The versions.
    pub(super) versions: Versions,
    /// The highest version id ever issued (never reused).
    pub(super) highest_version: Option<VersionId>,
}

impl ModelRecord {
    /// A model without versions yet, created and last updated at `created`.
    pub fn new(
        name: ModelName,
        display_name: String,
        description: String,
        labels: BTreeMap<String, String>,
        created: Timestamp,
    ) -> ModelRecord {
        ModelRecord {
            name,
            display_name,
            description,
            labels,
            created,
            updated: created,
            versions: Versions::default(),
            highest_version: None,
        }
    }

    /// The model last updated at `updated`, with `versions` and the high-water mark
    /// `highest_version`, as a snapshot had them (a version id given twice keeps the last one).
    pub fn restored(
        mut self,
        updated: Timestamp,
        versions: impl IntoIterator<Item = VersionRecord>,
        highest_version: Option<VersionId>,
    ) -> ModelRecord {
        self.updated = updated;
        self.versions = versions.into_iter().collect();
        self.highest_version = highest_version;
        self
    }

    /// The model's name.
    pub fn name(&self) -> &ModelName {
        &self.name
    }

    /// `displayName`.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// `description`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The model-level labels (a version shows them under its own: [`labels_of`](Self::labels_of)).
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// `createTime`.
    pub fn created(&self) -> Timestamp {
        self.created
    }

    /// `updateTime` of the model level.
    pub fn updated(&self) -> Timestamp {
        self.updated
    }

    /// The registry's view of every version.
    pub fn entries(&self) -> Vec<VersionEntry> {
        self.versions.values().map(VersionRecord::entry).collect()
    }

    /// The version a selector names (`None` = the version holding `default`).
    pub fn select(&self, selector: Option<&VersionSelector>) -> Result<&VersionRecord, ApiError> {
        let entries = self.entries();
        let id = select_version(&entries, selector)
            .map(|e| e.id)
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", self.name)))?;
        self.versions
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("Model {}@{id} not found.", self.name)))
    }

    /// The version ListModelVersionCheckpoints lists (`request::checkpoints_version` says
    /// which): the latest, or the one a selector names. A stored model always has a version;
    /// one without any answers as a read of its default version does.
    pub fn checkpoints_version(
        &self,
        which: CheckpointsVersion<'_>,
    ) -> Result<&VersionRecord, ApiError> {
        match which {
            CheckpointsVersion::Latest => match self.latest_version() {
                Some(latest) => Ok(latest),
                None => self.select(None),
            },
            CheckpointsVersion::Selected(selector) => self.select(Some(selector)),
        }
    }

    /// The facts continuous tuning needs.
    pub fn facts(&self) -> PreTunedModelFacts {
        PreTunedModelFacts {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            versions: self.entries(),
            provenance: self
                .versions
                .values()
                .filter_map(|v| v.provenance.clone().map(|p| (v.id, p)))
                .collect(),
        }
    }

    /// The labels `version` shows: the model's, with the version's winning
    /// (`registry::version_labels`).
    pub fn labels_of(&self, version: &VersionRecord) -> BTreeMap<String, String> {
        version_labels(&self.labels, &version.labels())
    }

    /// `updateTime` as `version` shows it: the later of the model-level and the version's
    /// updates.
    pub fn update_time_of(&self, version: &VersionRecord) -> Timestamp {
        self.updated.max(version.updated)
    }

    /// Every version, by id (so the last one is the latest).
    pub fn versions(&self) -> impl DoubleEndedIterator<Item = &VersionRecord> {
        self.versions.values()
    }

    /// Version `id`, if the model has it.
    pub fn version(&self, id: VersionId) -> Option<&VersionRecord> {
        self.versions.get(&id)
    }

    /// The version with the highest id (ListModelVersionCheckpoints without a version).
    pub fn latest_version(&self) -> Option<&VersionRecord> {
        self.versions.values().next_back()
    }

    /// The highest version id the model ever issued (never reused).
    pub fn highest_version(&self) -> Option<VersionId> {
        self.highest_version
    }

    /// What the registry rules need to know about this model as a parent of a new version.
    pub fn as_parent(&self) -> ParentModel {
        ParentModel {
            name: self.name.clone(),
            highest_version: self.highest_version,
        }
    }
}

/// An endpoint's `displayName`: the one a tuning job gives the endpoint of each checkpoint
/// (`emulator_policy::checkpoint_endpoint_display_name`), kept as the two numbers it is made of,
/// or any other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointDisplayName {
    /// The name of the endpoint of `checkpoint` of job `job`'s tuned version.
    Checkpoint {
        /// The job.
        job: TuningJobId,
        /// The checkpoint.
        checkpoint: u32,
    },
    /// Any other name.
    Other(String),
}

impl EndpointDisplayName {
    /// The display name `name`, kept compactly when a tuning job's policy made it.
    pub fn new(name: String) -> EndpointDisplayName {
        match parse_checkpoint_endpoint_display_name(&name) {
            Some((job, checkpoint)) => EndpointDisplayName::Checkpoint { job, checkpoint },
            None => EndpointDisplayName::Other(name),
        }
    }
}

impl std::fmt::Display for EndpointDisplayName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EndpointDisplayName::Checkpoint { job, checkpoint } => {
                f.write_str(&checkpoint_endpoint_display_name(*job, *checkpoint))
            }
            EndpointDisplayName::Other(name) => f.write_str(name),
        }
    }
}

/// An endpoint a tuning job created for one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRecord {
    /// The endpoint's name.
    pub name: EndpointName,
    /// `displayName`.
    pub display_name: EndpointDisplayName,
    /// The model deployed on it.
    pub model: ModelName,
    /// The version deployed on it.
    pub version: VersionId,
    /// The checkpoint deployed on it.
    pub checkpoint: CheckpointId,
    /// `createTime`.
    pub created: Timestamp,
    /// `labels` (the job's).
    pub labels: BTreeMap<String, String>,
    /// The CMEK key.
    pub kms_key: Option<KmsKeyName>,
}

/// A finished long-running operation (the emulator's operations finish at once).
#[derive(Debug, Clone)]
pub struct OperationRecord {
    /// The operation's name.
    pub name: OperationName,
    /// When it was created.
    pub created: Timestamp,
    /// When it is done (`created` for an operation that finishes at once).
    pub done_at: Timestamp,
    /// For a RebaseTunedModel operation, the tuning job it created (as created); `None` for a
    /// deletion.
    pub rebased: Option<Box<wire::TuningJob>>,
}

impl OperationRecord {
    /// The JSON shape at `now`: running (no `response`, `done` false) until `done_at`.
    pub fn render(&self, now: Timestamp) -> wire::Operation {
        let done = now >= self.done_at;
        let generic = wire::GenericOperationMetadata {
            create_time: Some(self.created),
            update_time: Some(if done { self.done_at } else { self.created }),
            ..wire::GenericOperationMetadata::default()
        };
        match &self.rebased {
            Some(job) => wire::Operation::rebased(self.name.to_string(), generic, job),
            None if done => wire::Operation::deleted(self.name.to_string(), generic),
            None => wire::Operation::deleting(self.name.to_string(), generic),
        }
    }
}

/// The version `model` names among `models` (a namespace's), if it is stored.
pub(super) fn named_version<'a>(
    models: &'a BTreeMap<ModelId, ModelRecord>,
    model: &ModelRef,
) -> Option<&'a VersionRecord> {
    let version = model.version_id()?;
    models.get(model.name().model_id())?.version(version)
}

/// Gives `output` the checkpoint list of the version it names among `models` (false: that
/// version is not stored), so the two hold one list.
pub(super) fn share_version_checkpoints(
    models: &BTreeMap<ModelId, ModelRecord>,
    output: &mut TunedOutput,
) -> bool {
    let Some(version) = named_version(models, &output.model) else {
        return false;
    };
    output.checkpoints = Arc::clone(&version.checkpoints);
    true
}

/// The version whose checkpoints are served by consecutively numbered endpoints.
#[derive(Debug, Clone)]
pub(super) struct TunedEndpoints {
    /// The model.
    pub(super) model: ModelId,
    /// The version.
    pub(super) version: VersionId,
    /// How many endpoints (its checkpoints).
    pub(super) count: u64,
}

/// Everything under one `projects/{p}/locations/{l}`: the store's own, read through its methods.
#[derive(Debug, Default)]
pub(super) struct Namespace {
    /// Tuning jobs by id (ids grow with creation, so reverse order is newest first). Boxed, as
    /// are endpoints: ids grow, so map leaves stay about half full, and half-empty slots of a
    /// pointer cost far less than half-empty slots of a record.
    pub(super) jobs: BTreeMap<TuningJobId, Box<JobRecord>>,
    /// Models by id.
    pub(super) models: BTreeMap<ModelId, ModelRecord>,
    /// The endpoints tuning jobs made, derived from their versions (`store::endpoints`): by the
    /// number of a version's first endpoint.
    pub(super) tuned_endpoints: BTreeMap<u64, TunedEndpoints>,
    /// Every other endpoint, by id.
    pub(super) endpoints: BTreeMap<EndpointId, Box<EndpointRecord>>,
    /// Operations by id.
    pub(super) operations: BTreeMap<OperationId, OperationRecord>,
}

impl Namespace {
    /// The jobs with ids below `before` (every job with `None`), newest first.
    pub(super) fn jobs_newest_first(
        &self,
        before: Option<TuningJobId>,
    ) -> impl Iterator<Item = &JobRecord> {
        let range = match before {
            Some(id) => self.jobs.range(..id),
            None => self.jobs.range(..),
        };
        range.rev().map(|(_, job)| &**job)
    }

    /// The operations whose parent is `parent`, by id.
    pub(super) fn operations_under<'a>(
        &'a self,
        parent: &'a OperationParent,
    ) -> impl Iterator<Item = &'a OperationRecord> {
        self.operations
            .values()
            .filter(move |op| op.name.parent() == parent)
    }
}
