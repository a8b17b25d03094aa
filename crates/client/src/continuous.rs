//! Continuous tuning with the rules checked before anything is sent.
//!
//! [`Client::continue_tuning`] checks the job with `retune_model::request`, gathers the facts the
//! rules of `retune_model::continuous` need where the pre-tuned model lives (its versions,
//! aliases and checkpoints, and the job that produced the chosen version: its method, end time,
//! root base model and KMS key), runs
//! [`plan_continuous_tuning`], and either refuses with every reason at once
//! ([`Error::Refused`]), returns the plan ([`ContinueTuning::dry_run`]), or creates the job
//! pinned to the resolved version and checkpoint ([`ContinueTuning::send`]).

use std::collections::BTreeMap;

use futures::TryStreamExt;
use retune_model::base_model::{BASE_MODELS, BaseModel};
use retune_model::continuous::{
    ContinuousTuningPlan, ContinuousTuningRequest, PreTunedModelFacts, TuningMethod,
    TuningProvenance, plan_continuous_tuning,
};
use retune_model::names::{CheckpointId, KmsKeyName, ModelRef, TuningJobId, TuningJobName};
use retune_model::registry::{VersionEntry, resolve_version};
use retune_model::wire;

use crate::client::Client;
use crate::error::Error;
use crate::lineage::TUNING_JOB_LABEL;
use crate::resource::{Model, TuningJob};
use crate::spec::{DatasetUri, ListOptions, TuningJobSpec, TuningSource};

/// The system label naming a tuned model's foundation model, such as `gemini-2_5-flash`.
pub const BASE_MODEL_LABEL: &str = "google-vertex-llm-tuning-base-model-id";

/// A continuous-tuning request being prepared. Made by [`Client::continue_tuning`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use std::sync::Arc;
/// # use retune_client::{Client, ClientConfig, transport::InProcess};
/// # let config = ClientConfig::new("projects/p/locations/us-central1".parse()?, "http://emulator.invalid".parse()?);
/// # let client = Client::from_transport(Arc::new(InProcess::new(mock_vertex::router(mock_vertex::Emulator::new()))), config);
/// let missing = "projects/p/locations/us-central1/models/12345@golden".parse()?;
/// let err = client
///     .continue_tuning(missing, "gs://bucket/more.jsonl".parse()?)
///     .dry_run()
///     .await
///     .unwrap_err();
/// assert!(err.is_not_found());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ContinueTuning {
    client: Client,
    model: ModelRef,
    checkpoint: Option<CheckpointId>,
    spec: TuningJobSpec,
}

/// A created continuous-tuning job and the plan it follows.
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuedJob {
    /// The resolved version and checkpoint, and where the result goes.
    pub plan: ContinuousTuningPlan,
    /// The job as created.
    pub job: TuningJob,
}

impl ContinueTuning {
    /// Start from this checkpoint instead of the version's default checkpoint.
    pub fn checkpoint(mut self, checkpoint: CheckpointId) -> Self {
        self.checkpoint = Some(checkpoint);
        self
    }
    /// The tuned model's display name; one that differs from the pre-tuned model's makes a new
    /// model instead of a new version.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.spec = self.spec.with_display_name(name);
        self
    }
    /// The CMEK key; it must be the one the pre-tuned model was tuned with.
    pub fn kms_key(mut self, key: KmsKeyName) -> Self {
        self.spec = self.spec.with_kms_key(key);
        self
    }
    /// Adjusts the rest of the job: hyperparameters, validation data, labels, description.
    /// The source is always the pre-tuned model.
    pub fn spec(mut self, f: impl FnOnce(TuningJobSpec) -> TuningJobSpec) -> Self {
        self.spec = f(self.spec);
        self
    }

    /// Checks the request against the registry and returns the plan without sending a job.
    pub async fn dry_run(&self) -> Result<ContinuousTuningPlan, Error> {
        // The display name and key as the service reads them (trimmed; blank is unset).
        let create = self.spec.check(self.client.location())?;
        let request = ContinuousTuningRequest {
            pre_tuned_model: self.model.clone(),
            checkpoint: self.checkpoint,
            tuned_model_display_name: create.tuned_model_display_name,
            kms_key: create.kms_key,
            location: self.client.location().clone(),
        };
        let facts = self.facts().await?;
        plan_continuous_tuning(&request, &facts).map_err(Error::Refused)
    }

    /// Checks the request, then creates the job, pinned to the resolved version and checkpoint
    /// (an alias that moves in between cannot change what is tuned).
    pub async fn send(self) -> Result<ContinuedJob, Error> {
        let plan = self.dry_run().await?;
        let mut spec = self.spec;
        spec.set_source(TuningSource::PreTuned {
            model: plan.pre_tuned_version(),
            checkpoint: Some(plan.checkpoint),
        });
        let job = self.client.create_tuning_job(&spec).await?;
        Ok(ContinuedJob { plan, job })
    }

    /// The registry's facts about the pre-tuned model, read where the model lives (its project
    /// and location, which may differ from the job's: the plan then refuses for that too, with
    /// the status the service gives the same request).
    async fn facts(&self) -> Result<PreTunedModelFacts, Error> {
        let name = self.model.name();
        let registry = self.client.for_location(name.location_name());
        let versions: Vec<Model> = registry
            .list_model_versions(name, ListOptions::new())
            .try_collect()
            .await?;
        let entries: Vec<VersionEntry> = versions.iter().filter_map(version_entry).collect();
        let display_name = versions
            .first()
            .map(|m| m.display_name.clone())
            .unwrap_or_default();

        let mut provenance = BTreeMap::new();
        if let Ok(version) = resolve_version(&entries, self.model.selector()) {
            let model = versions.iter().find(|m| m.version_id() == Some(version));
            if let Some(model) = model
                && let Some(p) = self.provenance(&registry, model).await?
            {
                provenance.insert(version, p);
            }
        }
        Ok(PreTunedModelFacts {
            name: name.clone(),
            display_name,
            versions: entries,
            provenance,
        })
    }

    /// How a version was made: from the job its label names. `None` when it was not made by a
    /// tuning job we can find.
    async fn provenance(
        &self,
        registry: &Client,
        model: &Model,
    ) -> Result<Option<TuningProvenance>, Error> {
        let Some(id) = model
            .labels
            .get(TUNING_JOB_LABEL)
            .and_then(|id| id.parse::<TuningJobId>().ok())
        else {
            return Ok(None);
        };
        let name = TuningJobName::new(self.model.name().location_name().clone(), id);
        let job = match registry.get_tuning_job(&name).await {
            Ok(job) => job,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(finished_at) = job.end_time.or(job.update_time).or(job.create_time) else {
            return Ok(None);
        };
        let Some(root_base_model) = root_base_model(&job, model) else {
            return Ok(None);
        };
        let kms_key = job
            .encryption_spec
            .as_ref()
            .or(model.encryption_spec.as_ref())
            .and_then(|e| e.kms_key_name.parse::<KmsKeyName>().ok());
        Ok(Some(TuningProvenance {
            method: TuningMethod::of(&job),
            finished_at,
            root_base_model,
            kms_key,
        }))
    }
}

fn version_entry(m: &Model) -> Option<VersionEntry> {
    let id = m.version_id()?;
    let aliases = m.aliases().to_vec();
    let checkpoints = m
        .checkpoints
        .iter()
        .filter_map(|c| c.checkpoint_id.parse::<CheckpointId>().ok())
        .collect();
    let default_checkpoint = m.default_checkpoint_id.parse::<CheckpointId>().ok();
    Some(
        VersionEntry::new(id)
            .with_aliases(aliases)
            .with_checkpoints(checkpoints, default_checkpoint)
            .with_deployed(!m.deployed_models.is_empty()),
    )
}

/// The foundation model: the job's `baseModel`, else `preTunedModel.baseModel`, else the
/// model's base-model label.
fn root_base_model(job: &wire::TuningJob, model: &wire::Model) -> Option<&'static BaseModel> {
    let from_job = job.base_model.as_deref().filter(|b| !b.is_empty()).or(job
        .pre_tuned_model
        .as_ref()
        .map(|p| p.base_model.as_str())
        .filter(|b| !b.is_empty()));
    if let Some(id) = from_job {
        return BaseModel::lookup(id).ok();
    }
    let label = model.labels.get(BASE_MODEL_LABEL)?;
    BASE_MODELS.iter().find(|b| b.label_value() == *label)
}

impl Client {
    /// Prepares a continuous-tuning job from `model` (default version unless it has `@`) on
    /// `training_dataset`. Nothing is sent until [`ContinueTuning::send`]; every eligibility
    /// rule is checked first.
    pub fn continue_tuning(&self, model: ModelRef, training_dataset: DatasetUri) -> ContinueTuning {
        let spec = TuningJobSpec::from_pre_tuned(model.clone(), None, training_dataset);
        ContinueTuning {
            client: self.clone(),
            model,
            checkpoint: None,
            spec,
        }
    }
}
