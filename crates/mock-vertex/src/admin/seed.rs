//! Seeding a tuned model directly, with chosen facts, so every continuous-tuning refusal can be
//! tested without waiting for (or being able to run) the job that would produce it.
//!
//! A seeded version is made exactly as a finished job makes one (the store's
//! `register_tuned_model`): the model or new version, one endpoint per checkpoint, the system
//! labels, the CMEK key, and a producing tuning job in `JOB_STATE_SUCCEEDED` whose `endTime` is
//! the chosen finish time and whose spec matches the chosen method. Only the facts asked for
//! differ: the tuning method (with the `tune-type` label: `sft`, `preference_optimization`,
//! `distillation` or `other`, the emulator's choice for the non-supervised ones), the finish
//! time, the key, the checkpoint count and the aliases.

use std::collections::BTreeMap;
use std::sync::Arc;

use retune_model::Timestamp;
use retune_model::base_model::BaseModel;
use retune_model::checkpoints::MAX_EVENLY_SPACED_CHECKPOINTS;
use retune_model::continuous::{ContinuousTuningPlan, TuningMethod};
use retune_model::emulator_policy::{Pace, SEEDED_EXAMPLE_COUNT, SEEDED_STEPS_PER_EPOCH, timeline};
use retune_model::job_state::{JobState, progress_at};
use retune_model::names::{
    CheckpointId, KmsKeyName, LocationName, ModelName, ModelRef, TuningJobName, VersionAlias,
    VersionSelector,
};
use retune_model::registry::{AliasChange, tuning_outcome};
use retune_model::wire;

use crate::error::ApiError;
use crate::jobs::{Continuation, DataOutcome, JobRecord, Phase};
use crate::storage::SAMPLE_TRAIN_URI;
use crate::store::Store;

/// The facts of a tuned model version to seed.
///
/// ```
/// use mock_vertex::admin::SeedTunedModel;
/// use retune_model::continuous::TuningMethod;
/// let seed = SeedTunedModel::new("projects/p/locations/us-central1".parse().unwrap(), "gemini-2.5-flash")
///     .method(TuningMethod::PreferenceOptimization)
///     .checkpoints(3);
/// let seeded = mock_vertex::Emulator::new().seed_tuned_model(seed).unwrap();
/// assert!(seeded.model.to_string().ends_with("@1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedTunedModel {
    /// Where the model lives.
    pub location: LocationName,
    /// The root base model id (ignored when adding a version: the parent's is used).
    pub base_model: String,
    /// The model's display name; default `{base}-tuned-{job id}`. With [`parent`](Self::parent),
    /// a name that differs from the parent's makes a new model; none, or the parent's, a new
    /// version (`registry::tuning_outcome`).
    pub display_name: Option<String>,
    /// How it was tuned (default supervised).
    pub method: TuningMethod,
    /// When its job finished (default: now).
    pub finished_at: Option<Timestamp>,
    /// The CMEK key of its job.
    pub kms_key: Option<KmsKeyName>,
    /// How many checkpoints (default 1; 0 gives a version without checkpoints). A seeded job
    /// has one epoch per checkpoint, so at most `checkpoints::MAX_EVENLY_SPACED_CHECKPOINTS`
    /// (the most epochs that save one checkpoint each).
    pub checkpoints: u32,
    /// Add the version to this model instead of creating a model.
    pub parent: Option<ModelName>,
    /// Aliases to give the new version (moved from other versions); version 1 also has
    /// `default`.
    pub aliases: Vec<VersionAlias>,
    /// User labels of the producing job (and so of the version).
    pub labels: BTreeMap<String, String>,
}

impl SeedTunedModel {
    /// A supervised-tuned model of `base_model` in `location`, finished now, one checkpoint.
    pub fn new(location: LocationName, base_model: impl Into<String>) -> SeedTunedModel {
        SeedTunedModel {
            location,
            base_model: base_model.into(),
            display_name: None,
            method: TuningMethod::Supervised,
            finished_at: None,
            kms_key: None,
            checkpoints: 1,
            parent: None,
            aliases: Vec::new(),
            labels: BTreeMap::new(),
        }
    }

    /// Sets the display name.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Sets the tuning method.
    pub fn method(mut self, method: TuningMethod) -> Self {
        self.method = method;
        self
    }

    /// Sets when the producing job finished.
    pub fn finished_at(mut self, at: Timestamp) -> Self {
        self.finished_at = Some(at);
        self
    }

    /// Sets the CMEK key.
    pub fn kms_key(mut self, key: KmsKeyName) -> Self {
        self.kms_key = Some(key);
        self
    }

    /// Sets the checkpoint count.
    pub fn checkpoints(mut self, n: u32) -> Self {
        self.checkpoints = n;
        self
    }

    /// Adds the version to `parent` instead of creating a model.
    pub fn version_of(mut self, parent: ModelName) -> Self {
        self.parent = Some(parent);
        self
    }

    /// Gives the version `alias`.
    pub fn alias(mut self, alias: VersionAlias) -> Self {
        self.aliases.push(alias);
        self
    }

    /// Adds a user label.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
}

/// What seeding made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededModel {
    /// `…/models/{m}@{version}`.
    pub model: ModelRef,
    /// The producing tuning job.
    pub tuning_job: TuningJobName,
}

/// The request the producing job would have been created with.
fn request(
    seed: &SeedTunedModel,
    base: &'static BaseModel,
    plan: Option<&ContinuousTuningPlan>,
    epochs: u32,
) -> wire::TuningJob {
    let mut job = wire::TuningJob {
        tuned_model_display_name: seed.display_name.clone().unwrap_or_default(),
        labels: seed.labels.clone(),
        encryption_spec: seed.kms_key.as_ref().map(|k| wire::EncryptionSpec {
            kms_key_name: k.to_string(),
        }),
        ..wire::TuningJob::default()
    };
    match plan {
        Some(plan) => {
            job.pre_tuned_model = Some(wire::PreTunedModel {
                tuned_model_name: plan.pre_tuned_version().to_string(),
                checkpoint_id: plan.checkpoint.to_string(),
                base_model: String::new(),
            });
        }
        None => job.base_model = Some(base.id().to_owned()),
    }
    let epochs = Some(i64::from(epochs.max(1)));
    match seed.method {
        TuningMethod::Supervised => {
            job.supervised_tuning_spec = Some(wire::SupervisedTuningSpec {
                training_dataset_uri: SAMPLE_TRAIN_URI.to_owned(),
                hyper_parameters: Some(wire::SupervisedHyperParameters {
                    epoch_count: epochs,
                    ..wire::SupervisedHyperParameters::default()
                }),
                ..wire::SupervisedTuningSpec::default()
            });
        }
        TuningMethod::PreferenceOptimization => {
            job.preference_optimization_spec = Some(wire::PreferenceOptimizationSpec {
                training_dataset_uri: SAMPLE_TRAIN_URI.to_owned(),
                ..wire::PreferenceOptimizationSpec::default()
            });
        }
        TuningMethod::Distillation => {
            job.distillation_spec =
                Some(serde_json::json!({ "trainingDatasetUri": SAMPLE_TRAIN_URI }));
        }
        TuningMethod::Other => {
            job.reinforcement_tuning_spec =
                Some(serde_json::json!({ "trainingDatasetUri": SAMPLE_TRAIN_URI }));
        }
    }
    job
}

/// Seeds a tuned model version into `store` at `now`.
pub(crate) fn seed_tuned_model(
    store: &mut Store,
    seed: &SeedTunedModel,
    now: Timestamp,
) -> Result<SeededModel, ApiError> {
    if seed.checkpoints > MAX_EVENLY_SPACED_CHECKPOINTS {
        return Err(ApiError::invalid_field(
            "checkpoints",
            format!(
                "A seeded version has at most {MAX_EVENLY_SPACED_CHECKPOINTS} checkpoints; asked \
                 for {}.",
                seed.checkpoints
            ),
        ));
    }
    let finished = seed.finished_at.unwrap_or(now);
    let (base, plan) = match &seed.parent {
        None => {
            let base = BaseModel::lookup(&seed.base_model)
                .map_err(|e| ApiError::invalid_field("baseModel", e.to_string()))?;
            (base, None)
        }
        Some(parent) => {
            if parent.location_name() != &seed.location {
                return Err(ApiError::invalid_field(
                    "parentModel",
                    format!("The parent model {parent} is not in {}.", seed.location),
                ));
            }
            let record = store.model(parent)?;
            let version = record.select(None)?;
            let base = match &version.provenance {
                Some(p) => p.root_base_model,
                None => BaseModel::lookup(&seed.base_model)
                    .map_err(|e| ApiError::invalid_field("baseModel", e.to_string()))?,
            };
            // A new version, or a new model when the name differs from the parent's: the same
            // answer continuous tuning gives.
            let requested = seed.display_name.as_deref().map(str::trim);
            let plan = ContinuousTuningPlan {
                model: parent.clone(),
                version: version.id,
                checkpoint: version
                    .default_checkpoint
                    .unwrap_or(CheckpointId::from_number(1)),
                outcome: tuning_outcome(parent, record.display_name(), requested),
                root_base_model: base,
            };
            (base, Some(plan))
        }
    };
    let aliases = seed
        .aliases
        .iter()
        .map(|a| AliasChange::parse(a.as_str()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::invalid_field("aliases", e.to_string()))?;

    let epochs = seed.checkpoints;
    let timeline = timeline(Pace::Scaled, epochs, SEEDED_STEPS_PER_EPOCH);
    let took = i128::try_from(timeline.succeeded_after().as_nanos()).unwrap_or(i128::MAX);
    let created = Timestamp::from_unix_nanos(finished.unix_nanos().saturating_sub(took));
    let id = store.new_job_id();
    let name = TuningJobName::new(seed.location.clone(), id);
    let steps = i64::try_from(timeline.total_steps()).unwrap_or(i64::MAX);
    let mut job = JobRecord {
        name: name.clone(),
        request: request(seed, base, plan.as_ref(), epochs).into(),
        base_model: base,
        continuation: plan.map(|plan| Box::new(Continuation { plan })),
        created,
        timeline,
        export_last_checkpoint_only: false,
        data: DataOutcome::Valid(Arc::new(wire::TuningDataStats {
            supervised_tuning_data_stats: Some(wire::SupervisedTuningDataStats {
                tuning_dataset_example_count: i64::try_from(SEEDED_EXAMPLE_COUNT)
                    .unwrap_or(i64::MAX),
                tuning_step_count: steps,
                ..wire::SupervisedTuningDataStats::default()
            }),
            ..wire::TuningDataStats::default()
        })),
        training: Arc::from(Vec::new()),
        kms_key: seed.kms_key.clone().map(Box::new),
        phase: Phase::Scheduled,
        event: None,
    };
    let output = store.register_tuned_model(&job, seed.method, finished)?;
    let model_ref = output.model.clone();
    if let (false, Some(VersionSelector::Id(version))) = (aliases.is_empty(), model_ref.selector())
    {
        store.merge_aliases(model_ref.name(), *version, &aliases, finished)?;
    }
    job.phase = Phase::Ended {
        state: JobState::Succeeded,
        at: finished,
        progress: progress_at(&job.timeline, job.timeline.succeeded_after()),
        error: None,
        output: Some(Box::new(output)),
    };
    store.put_job(job);
    Ok(SeededModel {
        model: model_ref,
        tuning_job: name,
    })
}
