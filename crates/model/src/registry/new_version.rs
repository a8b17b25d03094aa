//! What a succeeded tuning job adds to the registry: [`new_version`] decides where the tuned
//! version goes (a new version of the parent, or a new model and its display name), its id (never
//! reused), its aliases, its system labels, its checkpoints and its provenance. The emulator
//! gathers the facts, asks, and stores the answer; its seeding control asks the same question.

use std::collections::BTreeMap;

use crate::Code;
use crate::base_model::BaseModel;
use crate::checkpoints::{ScheduledCheckpoint, checkpoint_schedule, default_checkpoint};
use crate::continuous::{TuningMethod, TuningOutcome, TuningProvenance};
use crate::emulator_policy::{default_display_name, unsupervised_tune_type};
use crate::job_state::JobTimeline;
use crate::names::{
    CheckpointId, KmsKeyName, ModelName, TuningJobId, TuningJobName, VersionAlias, VersionId,
};
use crate::time::Timestamp;

/// The label every tuned version carries with its tuning method (`sft`).
pub const LABEL_TUNE_TYPE: &str = "tune-type";
/// The label holding the root base model id, as a label value (`gemini-2_5-flash`).
pub const LABEL_BASE_MODEL: &str = "google-vertex-llm-tuning-base-model-id";
/// The label holding the id of the tuning job that produced the version.
pub const LABEL_JOB_ID: &str = "google-vertex-llm-tuning-job-id";
/// The [`LABEL_TUNE_TYPE`] value of a version made by supervised tuning.
pub const TUNE_TYPE_SUPERVISED: &str = "sft";

/// The [`LABEL_TUNE_TYPE`] value for `method`: `sft` for supervised tuning; the others are the
/// emulator's choice ([`unsupervised_tune_type`]).
pub fn tune_type_label(method: TuningMethod) -> &'static str {
    unsupervised_tune_type(method).unwrap_or(TUNE_TYPE_SUPERVISED)
}

/// Where a continuous-tuning job's result goes, given the parent's display name and the requested
/// `tunedModelDisplayName`: a new model when a non-empty name differs from the parent's, else a
/// new version of the parent. Callers trim the request's name first (the emulator's handlers and
/// its seeding control both do).
///
/// ```
/// use retune_model::continuous::TuningOutcome;
/// use retune_model::names::ModelName;
/// use retune_model::registry::tuning_outcome;
/// let parent: ModelName = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// let version = TuningOutcome::NewVersion { parent: parent.clone() };
/// assert_eq!(tuning_outcome(&parent, "bot", None), version);
/// assert_eq!(tuning_outcome(&parent, "bot", Some("")), version);
/// assert_eq!(tuning_outcome(&parent, "bot", Some("bot")), version);
/// assert_eq!(
///     tuning_outcome(&parent, "bot", Some("bot-2")),
///     TuningOutcome::NewModel { display_name: "bot-2".to_owned() }
/// );
/// ```
pub fn tuning_outcome(
    parent: &ModelName,
    parent_display_name: &str,
    requested: Option<&str>,
) -> TuningOutcome {
    match requested {
        Some(name) if !name.is_empty() && name != parent_display_name => TuningOutcome::NewModel {
            display_name: name.to_owned(),
        },
        _ => TuningOutcome::NewVersion {
            parent: parent.clone(),
        },
    }
}

/// The aliases a new version starts with: `default` for a model's first version, none for later
/// ones (continuous tuning leaves `default` where it was, spec §11.2).
pub fn initial_aliases(version: VersionId) -> Vec<VersionAlias> {
    if version == VersionId::FIRST {
        vec![VersionAlias::DEFAULT]
    } else {
        Vec::new()
    }
}

/// What the registry knows about a tuning job that just succeeded.
#[derive(Debug, Clone, Copy)]
pub struct TunedJob<'a> {
    /// The job.
    pub name: &'a TuningJobName,
    /// The foundation model at the root of the tuning chain.
    pub root_base_model: &'static BaseModel,
    /// How it tuned.
    pub method: TuningMethod,
    /// `tunedModelDisplayName` as requested (used by a job tuned from a base model).
    pub requested_display_name: &'a str,
    /// The job's user labels.
    pub labels: &'a BTreeMap<String, String>,
    /// The job's CMEK key.
    pub kms_key: Option<&'a KmsKeyName>,
    /// Its epochs and steps.
    pub timeline: &'a JobTimeline,
    /// `exportLastCheckpointOnly`.
    pub export_last_checkpoint_only: bool,
    /// For continuous tuning, where the plan said the result goes; `None` for a job tuned from a
    /// base model (always a new model).
    pub outcome: Option<&'a TuningOutcome>,
    /// When it finished.
    pub finished_at: Timestamp,
}

/// What the registry holds about the parent model of a new version, when the job ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentModel {
    /// The model.
    pub name: ModelName,
    /// The highest version id it ever issued.
    pub highest_version: Option<VersionId>,
}

/// Which model a new version belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionHome {
    /// An existing model (continuous tuning without a new display name).
    Parent(ModelName),
    /// A new model with this display name; the caller gives it an id.
    NewModel {
        /// `displayName`.
        display_name: String,
    },
}

/// The version a succeeded tuning job adds, as [`new_version`] decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// The model it belongs to.
    pub home: VersionHome,
    /// `versionId`.
    pub id: VersionId,
    /// `versionAliases` ([`initial_aliases`]).
    pub aliases: Vec<VersionAlias>,
    /// Version labels: the job's user labels plus the system labels ([`LABEL_TUNE_TYPE`],
    /// [`LABEL_BASE_MODEL`], [`LABEL_JOB_ID`]), which win over user labels of the same key.
    pub labels: BTreeMap<String, String>,
    /// The checkpoints it exports, in order ([`checkpoint_schedule`]).
    pub checkpoints: Vec<ScheduledCheckpoint>,
    /// `defaultCheckpointId`: the last checkpoint ([`default_checkpoint`]).
    pub default_checkpoint: Option<CheckpointId>,
    /// How it was made.
    pub provenance: TuningProvenance,
}

/// Why a succeeded job's result cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// The job was to add a version to a model that is gone.
    #[error("the parent model {parent} was deleted while the job ran")]
    ParentDeleted { parent: ModelName },
}

impl RegistrationError {
    /// The status code of the failed job: `FAILED_PRECONDITION`.
    pub fn code(&self) -> Code {
        match self {
            RegistrationError::ParentDeleted { .. } => Code::FailedPrecondition,
        }
    }
}

/// The version a succeeded tuning job adds.
///
/// - A job tuned from a base model makes a new model, named by its trimmed
///   `tunedModelDisplayName`, or else by the emulator's [`default_display_name`].
/// - A continuous-tuning job follows its plan's [`TuningOutcome`]: a new model with the plan's
///   display name, or a new version of `parent` (which must still exist: [`ParentModel`] is what
///   the registry holds about it now, `None` if it was deleted).
/// - A new model's version is [`VersionId::FIRST`]; a parent's next version is
///   [`next_version_id`] of its highest ever issued.
///
/// ```
/// use std::collections::BTreeMap;
/// use retune_model::base_model::BaseModel;
/// use retune_model::continuous::TuningMethod;
/// use retune_model::emulator_policy::{timeline, Pace};
/// use retune_model::names::{VersionAlias, VersionId};
/// use retune_model::registry::{new_version, TunedJob, VersionHome, LABEL_JOB_ID};
/// use retune_model::Timestamp;
///
/// let name = "projects/p/locations/us-central1/tuningJobs/7".parse().unwrap();
/// let labels = BTreeMap::new();
/// let timeline = timeline(Pace::Instant, 2, 10);
/// let job = TunedJob {
///     name: &name,
///     root_base_model: BaseModel::lookup("gemini-2.5-flash").unwrap(),
///     method: TuningMethod::Supervised,
///     requested_display_name: " ",
///     labels: &labels,
///     kms_key: None,
///     timeline: &timeline,
///     export_last_checkpoint_only: false,
///     outcome: None,
///     finished_at: Timestamp::UNIX_EPOCH,
/// };
/// let version = new_version(&job, None).unwrap();
/// assert_eq!(version.home, VersionHome::NewModel { display_name: "gemini-2.5-flash-tuned-7".to_owned() });
/// assert_eq!((version.id, version.aliases), (VersionId::FIRST, vec![VersionAlias::DEFAULT]));
/// assert_eq!(version.labels[LABEL_JOB_ID], "7");
/// assert_eq!(version.checkpoints.len(), 2);
/// ```
pub fn new_version(
    job: &TunedJob<'_>,
    parent: Option<&ParentModel>,
) -> Result<NewVersion, RegistrationError> {
    let (home, id) = match job.outcome {
        Some(TuningOutcome::NewVersion { parent: wanted }) => match parent {
            Some(p) if p.name == *wanted => (
                VersionHome::Parent(wanted.clone()),
                next_version_id(p.highest_version),
            ),
            _ => {
                return Err(RegistrationError::ParentDeleted {
                    parent: wanted.clone(),
                });
            }
        },
        Some(TuningOutcome::NewModel { display_name }) => (
            VersionHome::NewModel {
                display_name: display_name.clone(),
            },
            next_version_id(None),
        ),
        None => {
            let requested = job.requested_display_name.trim();
            let display_name = if requested.is_empty() {
                default_display_name(job.root_base_model, job.name.tuning_job_id())
            } else {
                requested.to_owned()
            };
            (
                VersionHome::NewModel { display_name },
                next_version_id(None),
            )
        }
    };

    let labels = tuned_version_labels(
        job.labels,
        job.method,
        job.root_base_model,
        job.name.tuning_job_id(),
    );

    let checkpoints = checkpoint_schedule(
        job.timeline.epochs,
        job.timeline.steps_per_epoch,
        job.export_last_checkpoint_only,
    );
    let default_checkpoint =
        default_checkpoint(&checkpoints).map(|c| CheckpointId::from_number(u64::from(c.id)));

    Ok(NewVersion {
        home,
        id,
        aliases: initial_aliases(id),
        labels,
        checkpoints,
        default_checkpoint,
        provenance: TuningProvenance {
            method: job.method,
            finished_at: job.finished_at,
            root_base_model: job.root_base_model,
            kms_key: job.kms_key.cloned(),
        },
    })
}

/// The labels of a version tuning job `job` made with `method` from `root_base_model`: the job's
/// user labels plus the system labels ([`LABEL_TUNE_TYPE`], [`LABEL_BASE_MODEL`],
/// [`LABEL_JOB_ID`]), which win over user labels of the same key.
///
/// ```
/// use std::collections::BTreeMap;
/// use retune_model::base_model::BaseModel;
/// use retune_model::continuous::TuningMethod;
/// use retune_model::names::TuningJobId;
/// use retune_model::registry::{LABEL_JOB_ID, tuned_version_labels};
/// let user = BTreeMap::from([("team".to_owned(), "a".to_owned())]);
/// let base = BaseModel::lookup("gemini-2.5-flash").unwrap();
/// let labels = tuned_version_labels(&user, TuningMethod::Supervised, base, TuningJobId::from_number(7));
/// assert_eq!(labels["team"], "a");
/// assert_eq!(labels[LABEL_JOB_ID], "7");
/// ```
pub fn tuned_version_labels(
    user: &BTreeMap<String, String>,
    method: TuningMethod,
    root_base_model: &BaseModel,
    job: TuningJobId,
) -> BTreeMap<String, String> {
    let mut labels = user.clone();
    labels.insert(
        LABEL_TUNE_TYPE.to_owned(),
        tune_type_label(method).to_owned(),
    );
    labels.insert(LABEL_BASE_MODEL.to_owned(), root_base_model.label_value());
    labels.insert(LABEL_JOB_ID.to_owned(), job.to_string());
    labels
}

/// The job's user labels, when `labels` are what [`tuned_version_labels`] makes from them for a
/// version tuned by job `job` with `method` from `root_base_model` (`None`: they are not).
///
/// ```
/// use std::collections::BTreeMap;
/// use retune_model::base_model::BaseModel;
/// use retune_model::continuous::TuningMethod;
/// use retune_model::names::TuningJobId;
/// use retune_model::registry::{tuned_user_labels, tuned_version_labels};
/// let user = BTreeMap::from([("team".to_owned(), "a".to_owned())]);
/// let base = BaseModel::lookup("gemini-2.5-flash").unwrap();
/// let (method, job) = (TuningMethod::Supervised, TuningJobId::from_number(7));
/// let labels = tuned_version_labels(&user, method, base, job);
/// assert_eq!(tuned_user_labels(&labels, method, base, job), Some(user.clone()));
/// assert_eq!(tuned_user_labels(&user, method, base, job), None);
/// ```
pub fn tuned_user_labels(
    labels: &BTreeMap<String, String>,
    method: TuningMethod,
    root_base_model: &BaseModel,
    job: TuningJobId,
) -> Option<BTreeMap<String, String>> {
    let system = [
        (LABEL_TUNE_TYPE, tune_type_label(method).to_owned()),
        (LABEL_BASE_MODEL, root_base_model.label_value()),
        (LABEL_JOB_ID, job.to_string()),
    ];
    let tuned = system
        .iter()
        .all(|(key, value)| labels.get(*key) == Some(value));
    tuned.then(|| {
        labels
            .iter()
            .filter(|(key, _)| system.iter().all(|(system, _)| system != key))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::v;
    use proptest::prelude::*;

    #[test]
    fn version_ids_are_never_reused_after_deletes() {
        // Versions 1..=3 were issued, then 3 was deleted: the high-water mark is still 3.
        let high_water = Some(v(3));
        assert_eq!(next_version_id(high_water), v(4));
        assert_eq!(next_version_id(None), v(1));
    }

    fn job_name(n: u64) -> TuningJobName {
        format!("projects/p/locations/us-central1/tuningJobs/{n}")
            .parse()
            .unwrap()
    }

    fn parent_name() -> ModelName {
        "projects/p/locations/us-central1/models/9".parse().unwrap()
    }

    fn flash() -> &'static BaseModel {
        BaseModel::lookup("gemini-2.5-flash").unwrap()
    }

    /// Registers job `n` with `outcome`, display name `requested` and no labels.
    fn register(
        n: u64,
        requested: &str,
        outcome: Option<&TuningOutcome>,
        parent: Option<&ParentModel>,
    ) -> Result<NewVersion, RegistrationError> {
        let name = job_name(n);
        let labels = BTreeMap::from([("team".to_owned(), "a".to_owned())]);
        let timeline =
            crate::emulator_policy::timeline(crate::emulator_policy::Pace::Instant, 3, 2);
        let job = TunedJob {
            name: &name,
            root_base_model: flash(),
            method: TuningMethod::Supervised,
            requested_display_name: requested,
            labels: &labels,
            kms_key: None,
            timeline: &timeline,
            export_last_checkpoint_only: false,
            outcome,
            finished_at: Timestamp::UNIX_EPOCH,
        };
        new_version(&job, parent)
    }

    #[test]
    fn where_a_tuned_version_goes_table() {
        let parent = ParentModel {
            name: parent_name(),
            highest_version: Some(v(4)),
        };
        let to_parent = TuningOutcome::NewVersion {
            parent: parent_name(),
        };
        let to_new = TuningOutcome::NewModel {
            display_name: "bot-2".to_owned(),
        };
        let new_model = |name: &str| VersionHome::NewModel {
            display_name: name.to_owned(),
        };
        let cases: [(&str, Option<&TuningOutcome>, VersionHome, VersionId); 6] = [
            ("", None, new_model("gemini-2.5-flash-tuned-7"), v(1)),
            ("  ", None, new_model("gemini-2.5-flash-tuned-7"), v(1)),
            (" bot ", None, new_model("bot"), v(1)),
            ("ignored", Some(&to_new), new_model("bot-2"), v(1)),
            (
                "",
                Some(&to_parent),
                VersionHome::Parent(parent_name()),
                v(5),
            ),
            (
                "ignored",
                Some(&to_parent),
                VersionHome::Parent(parent_name()),
                v(5),
            ),
        ];
        for (requested, outcome, home, id) in cases {
            let version = register(7, requested, outcome, Some(&parent)).unwrap();
            assert_eq!(
                (&version.home, version.id),
                (&home, id),
                "{requested:?} {outcome:?}"
            );
            assert_eq!(version.aliases, initial_aliases(id));
        }
    }

    #[test]
    fn a_version_of_a_deleted_parent_is_refused() {
        let outcome = TuningOutcome::NewVersion {
            parent: parent_name(),
        };
        let err = register(7, "", Some(&outcome), None).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert!(err.to_string().contains("was deleted while the job ran"));
        let other = ParentModel {
            name: "projects/p/locations/us-central1/models/10"
                .parse()
                .unwrap(),
            highest_version: None,
        };
        assert!(register(7, "", Some(&outcome), Some(&other)).is_err());
    }

    #[test]
    fn system_labels_join_the_user_labels_and_win() {
        let version = register(7, "", None, None).unwrap();
        let labels: Vec<(&str, &str)> = version
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                (LABEL_BASE_MODEL, "gemini-2_5-flash"),
                (LABEL_JOB_ID, "7"),
                ("team", "a"),
                (LABEL_TUNE_TYPE, "sft"),
            ]
        );
        assert_eq!(
            version.default_checkpoint,
            Some(CheckpointId::from_number(3))
        );
        assert_eq!(version.provenance.method, TuningMethod::Supervised);
    }

    #[test]
    fn tune_type_labels_name_the_method() {
        assert_eq!(tune_type_label(TuningMethod::Supervised), "sft");
        assert_eq!(
            tune_type_label(TuningMethod::PreferenceOptimization),
            "preference_optimization"
        );
        assert_eq!(tune_type_label(TuningMethod::Distillation), "distillation");
        assert_eq!(tune_type_label(TuningMethod::Other), "other");
    }

    /// The continuous-tuning planner and [`tuning_outcome`] give one answer for every name.
    #[test]
    fn tuning_outcome_agrees_with_the_continuous_tuning_plan() {
        use crate::continuous::{
            ContinuousTuningRequest, PreTunedModelFacts, plan_continuous_tuning,
        };
        use crate::registry::VersionEntry;
        let model = parent_name();
        let facts = PreTunedModelFacts {
            name: model.clone(),
            display_name: "bot".to_owned(),
            versions: vec![
                VersionEntry::new(v(1))
                    .with_aliases(vec![VersionAlias::DEFAULT])
                    .with_checkpoints(vec![CheckpointId::from_number(1)], None),
            ],
            provenance: BTreeMap::from([(
                v(1),
                TuningProvenance {
                    method: TuningMethod::Supervised,
                    finished_at: "2025-08-01T00:00:00Z".parse().unwrap(),
                    root_base_model: flash(),
                    kms_key: None,
                },
            )]),
        };
        for requested in [None, Some(""), Some("bot"), Some("bot-2"), Some("Bot")] {
            let mut request =
                ContinuousTuningRequest::new(model.clone().into(), model.location_name().clone());
            request.tuned_model_display_name = requested.map(str::to_owned);
            let plan = plan_continuous_tuning(&request, &facts).unwrap();
            assert_eq!(
                plan.outcome,
                tuning_outcome(&model, "bot", requested),
                "{requested:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn version_ids_strictly_increase_and_only_the_first_is_default(
            deletes in proptest::collection::vec(any::<bool>(), 1..30),
        ) {
            // A new model, then one continuous-tuning job after another; any version but the
            // newest may be deleted in between, which never lowers the high-water mark.
            let first = register(1, "", None, None).unwrap();
            prop_assert_eq!(first.id, VersionId::FIRST);
            prop_assert_eq!(&first.aliases, &vec![VersionAlias::DEFAULT]);
            let mut highest = first.id;
            let mut live = vec![first.id];
            let outcome = TuningOutcome::NewVersion { parent: parent_name() };
            for (n, delete) in (2u64..).zip(deletes) {
                if delete && live.len() > 1 {
                    live.remove(0);
                }
                let parent = ParentModel { name: parent_name(), highest_version: Some(highest) };
                let next = register(n, "", Some(&outcome), Some(&parent)).unwrap();
                prop_assert!(next.id > highest);
                prop_assert!(!live.contains(&next.id));
                prop_assert!(next.aliases.is_empty(), "version {} got {:?}", next.id, next.aliases);
                highest = next.id;
                live.push(next.id);
            }
        }

        #[test]
        fn next_version_id_is_always_above_the_high_water_mark(n in 1..u64::MAX) {
            prop_assert!(next_version_id(Some(v(n))) > v(n));
        }
    }
}
