//! Typed requests: what a tuning job should do ([`TuningJobSpec`]), what a model update changes
//! ([`ModelUpdate`], the model's own type) and list options ([`ListOptions`]).
//!
//! Each becomes its `retune_model::wire` body in one place, so callers never fill wire structs.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use retune_model::base_model::BaseModel;
use retune_model::gcs::GcsUri;
use retune_model::hyperparameters::AdapterSize;
use retune_model::labels::Label;
use retune_model::names::{CheckpointId, KmsKeyName, LocationName, ModelRef, ServiceAccount};
pub use retune_model::request::ModelUpdate;
use retune_model::request::{CreateTuningJob, check_create_tuning_job};
use retune_model::wire;

use crate::error::BuildError;

/// Where training data lives: a `gs://bucket/object` JSONL file, parsed as a
/// [`GcsUri`] by Cloud Storage's rules, or a Vertex AI dataset resource
/// (`projects/{project}/locations/{location}/datasets/{id}`), which the API also accepts in
/// `trainingDatasetUri` and `validationDatasetUri` (the SDK passes `vertex_dataset_resource`
/// through unchanged). The CreateTuningJob validator of `retune_model::request`, which the
/// emulator runs too, takes Cloud Storage objects only, so a job naming a dataset resource is
/// refused before it is sent.
///
/// ```
/// use retune_client::DatasetUri;
/// assert!("gs://bucket/train.jsonl".parse::<DatasetUri>().is_ok());
/// assert!("projects/p/locations/us-central1/datasets/42".parse::<DatasetUri>().is_ok());
/// assert!("gs://bucket".parse::<DatasetUri>().is_err()); // no object
/// assert!("gs://Bad_Bucket/x".parse::<DatasetUri>().is_err()); // not a bucket name
/// assert!("/tmp/train.jsonl".parse::<DatasetUri>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DatasetUri(DatasetSource);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DatasetSource {
    Gcs(GcsUri),
    VertexDataset { location: LocationName, id: String },
}

impl DatasetUri {
    /// The Cloud Storage object, unless this is a Vertex AI dataset resource.
    pub fn as_gcs(&self) -> Option<&GcsUri> {
        match &self.0 {
            DatasetSource::Gcs(uri) => Some(uri),
            DatasetSource::VertexDataset { .. } => None,
        }
    }

    fn parse_vertex_dataset(s: &str) -> Option<DatasetUri> {
        let (location, id) = s.rsplit_once("/datasets/")?;
        let location = location.parse::<LocationName>().ok()?;
        let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
        numeric.then(|| {
            DatasetUri(DatasetSource::VertexDataset {
                location,
                id: id.to_owned(),
            })
        })
    }
}

impl From<GcsUri> for DatasetUri {
    fn from(uri: GcsUri) -> DatasetUri {
        DatasetUri(DatasetSource::Gcs(uri))
    }
}

impl FromStr for DatasetUri {
    type Err = BuildError;
    fn from_str(s: &str) -> Result<DatasetUri, BuildError> {
        if s.starts_with("gs://") {
            return GcsUri::parse(s)
                .map(DatasetUri::from)
                .map_err(|e| BuildError::new("dataset uri", e.to_string()).with_source(e));
        }
        if s.starts_with("projects/") {
            return DatasetUri::parse_vertex_dataset(s).ok_or_else(|| {
                BuildError::new(
                    "dataset uri",
                    format!("{s:?} is not a dataset resource: projects/P/locations/L/datasets/ID"),
                )
            });
        }
        Err(BuildError::new(
            "dataset uri",
            format!("{s:?} is neither gs://bucket/object nor projects/P/locations/L/datasets/ID"),
        ))
    }
}

impl fmt::Display for DatasetUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            DatasetSource::Gcs(uri) => uri.fmt(f),
            DatasetSource::VertexDataset { location, id } => write!(f, "{location}/datasets/{id}"),
        }
    }
}

/// What a supervised tuning job starts from.
#[derive(Debug, Clone, PartialEq)]
pub enum TuningSource {
    /// A foundation model, such as `gemini-2.5-flash`.
    BaseModel(&'static BaseModel),
    /// A tuned model version (continuous tuning), optionally at a checkpoint; omitted parts
    /// resolve on the server to the default version and its default checkpoint.
    PreTuned {
        /// The model, with an optional version id or alias.
        model: ModelRef,
        /// The checkpoint to start from.
        checkpoint: Option<CheckpointId>,
    },
}

/// A supervised tuning job, before it is sent.
///
/// ```
/// use retune_client::{DatasetUri, TuningJobSpec};
/// use retune_model::base_model::BaseModel;
/// use retune_model::hyperparameters::AdapterSize;
///
/// let spec = TuningJobSpec::from_base_model(
///     BaseModel::lookup("gemini-2.5-flash").unwrap(),
///     "gs://bucket/train.jsonl".parse::<DatasetUri>().unwrap(),
/// )
/// .with_epoch_count(3)
/// .with_adapter_size(AdapterSize::Four)
/// .with_display_name("support-bot")
/// .with_service_account("tuner@my-project.iam.gserviceaccount.com".parse().unwrap());
/// let job = spec.to_wire();
/// assert_eq!(job.base_model.as_deref(), Some("gemini-2.5-flash"));
/// assert_eq!(job.tuned_model_display_name, "support-bot");
/// assert_eq!(job.service_account, "tuner@my-project.iam.gserviceaccount.com");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TuningJobSpec {
    source: TuningSource,
    training_dataset: DatasetUri,
    validation_dataset: Option<DatasetUri>,
    epoch_count: Option<u32>,
    learning_rate_multiplier: Option<f64>,
    adapter_size: Option<AdapterSize>,
    export_last_checkpoint_only: bool,
    display_name: Option<String>,
    description: Option<String>,
    labels: BTreeMap<String, String>,
    kms_key: Option<KmsKeyName>,
    service_account: Option<ServiceAccount>,
    /// `Some` for preference tuning, with its `beta` if given.
    preference: Option<Option<f64>>,
}

impl TuningJobSpec {
    /// Tune a foundation model on `training_dataset`.
    pub fn from_base_model(
        base: &'static BaseModel,
        training_dataset: DatasetUri,
    ) -> TuningJobSpec {
        TuningJobSpec::new(TuningSource::BaseModel(base), training_dataset)
    }

    /// Continue tuning a tuned model (default version and checkpoint unless given).
    ///
    /// Sending this with [`crate::Client::create_tuning_job`] checks the request alone and
    /// leaves the registry's checks to the server; [`crate::Client::continue_tuning`] checks
    /// eligibility first and refuses with reasons.
    pub fn from_pre_tuned(
        model: ModelRef,
        checkpoint: Option<CheckpointId>,
        training_dataset: DatasetUri,
    ) -> TuningJobSpec {
        TuningJobSpec::new(
            TuningSource::PreTuned { model, checkpoint },
            training_dataset,
        )
    }

    fn new(source: TuningSource, training_dataset: DatasetUri) -> TuningJobSpec {
        TuningJobSpec {
            source,
            training_dataset,
            validation_dataset: None,
            epoch_count: None,
            learning_rate_multiplier: None,
            adapter_size: None,
            export_last_checkpoint_only: false,
            display_name: None,
            description: None,
            labels: BTreeMap::new(),
            kms_key: None,
            service_account: None,
            preference: None,
        }
    }

    /// Preference tuning instead of supervised fine-tuning (`preferenceOptimizationSpec`): the
    /// data sets hold prompts with a preferred and a dispreferred completion; `beta`, when
    /// given, weighs the KL-divergence regularisation.
    pub fn with_preference_tuning(mut self, beta: Option<f64>) -> Self {
        self.preference = Some(beta);
        self
    }

    /// A validation data set.
    pub fn with_validation_dataset(mut self, uri: DatasetUri) -> Self {
        self.validation_dataset = Some(uri);
        self
    }
    /// The number of epochs (the service picks one from the data set size when unset).
    pub fn with_epoch_count(mut self, epochs: u32) -> Self {
        self.epoch_count = Some(epochs);
        self
    }
    /// The learning-rate multiplier (default 1.0).
    pub fn with_learning_rate_multiplier(mut self, multiplier: f64) -> Self {
        self.learning_rate_multiplier = Some(multiplier);
        self
    }
    /// The LoRA adapter size.
    pub fn with_adapter_size(mut self, size: AdapterSize) -> Self {
        self.adapter_size = Some(size);
        self
    }
    /// Export only the final checkpoint.
    pub fn with_export_last_checkpoint_only(mut self, last_only: bool) -> Self {
        self.export_last_checkpoint_only = last_only;
        self
    }
    /// The tuned model's display name. For continuous tuning, a name different from the
    /// pre-tuned model's makes a **new model** instead of a new version.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }
    /// The job description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// A label for the job and the model it creates. The job is checked by
    /// `retune_model::request::check_create_tuning_job` before it is sent: a bad label fails the
    /// call with [`crate::Error::Build`], whose violation names `tuning_job.labels["key"]`.
    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }
    /// A label already checked, such as one parsed from `key=value`.
    pub fn with_checked_label(self, label: Label) -> Self {
        let (key, value) = label.into_parts();
        self.with_label(key, value)
    }
    /// The CMEK key; continuous tuning must reuse the pre-tuned model's key.
    pub fn with_kms_key(mut self, key: KmsKeyName) -> Self {
        self.kms_key = Some(key);
        self
    }

    /// The service account the job runs as (the caller needs `iam.serviceAccounts.actAs` on
    /// it); without one, the Vertex AI Secure Fine-Tuning Service Agent runs it.
    pub fn with_service_account(mut self, account: ServiceAccount) -> Self {
        self.service_account = Some(account);
        self
    }

    /// Where the job starts.
    pub fn source(&self) -> &TuningSource {
        &self.source
    }
    /// The display name, if set.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }
    /// The CMEK key, if set.
    pub fn kms_key(&self) -> Option<&KmsKeyName> {
        self.kms_key.as_ref()
    }
    /// The training data.
    pub fn training_dataset(&self) -> &DatasetUri {
        &self.training_dataset
    }

    pub(crate) fn set_source(&mut self, source: TuningSource) {
        self.source = source;
    }

    /// The checks made before the job is sent to `parent`: the body [`TuningJobSpec::to_wire`]
    /// makes, by [`check_create_tuning_job`], the validator the emulator runs on receipt. The
    /// checked request's `job` is the body to send.
    pub(crate) fn check(&self, parent: &LocationName) -> Result<CreateTuningJob, BuildError> {
        check_create_tuning_job(parent, self.to_wire()).map_err(|e| {
            BuildError::refused_by_validator(
                "CreateTuningJob request",
                e.violations().to_vec(),
                e.code(),
                e,
            )
        })
    }

    /// The `TuningJob` body sent to `tuningJobs.create`.
    pub fn to_wire(&self) -> wire::TuningJob {
        let (base_model, pre_tuned_model) = match &self.source {
            TuningSource::BaseModel(base) => (Some(base.id().to_owned()), None),
            TuningSource::PreTuned { model, checkpoint } => (
                None,
                Some(wire::PreTunedModel {
                    tuned_model_name: model.to_string(),
                    checkpoint_id: checkpoint.map(|c| c.to_string()).unwrap_or_default(),
                    ..wire::PreTunedModel::default()
                }),
            ),
        };
        let hyper = wire::SupervisedHyperParameters {
            epoch_count: self.epoch_count.map(i64::from),
            learning_rate_multiplier: self.learning_rate_multiplier,
            adapter_size: self.adapter_size,
            ..wire::SupervisedHyperParameters::default()
        };
        let has_hyper = hyper != wire::SupervisedHyperParameters::default();
        let validation_dataset_uri = self
            .validation_dataset
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default();
        let (supervised_tuning_spec, preference_optimization_spec) = match self.preference {
            None => (
                Some(wire::SupervisedTuningSpec {
                    training_dataset_uri: self.training_dataset.to_string(),
                    validation_dataset_uri,
                    hyper_parameters: has_hyper.then_some(hyper),
                    export_last_checkpoint_only: self.export_last_checkpoint_only,
                    ..wire::SupervisedTuningSpec::default()
                }),
                None,
            ),
            Some(beta) => {
                let hyper = wire::PreferenceOptimizationHyperParameters {
                    epoch_count: hyper.epoch_count,
                    learning_rate_multiplier: hyper.learning_rate_multiplier,
                    adapter_size: hyper.adapter_size,
                    beta,
                };
                let has_hyper = hyper != wire::PreferenceOptimizationHyperParameters::default();
                (
                    None,
                    Some(wire::PreferenceOptimizationSpec {
                        training_dataset_uri: self.training_dataset.to_string(),
                        validation_dataset_uri,
                        hyper_parameters: has_hyper.then_some(hyper),
                        export_last_checkpoint_only: self.export_last_checkpoint_only,
                        ..wire::PreferenceOptimizationSpec::default()
                    }),
                )
            }
        };
        wire::TuningJob {
            base_model,
            pre_tuned_model,
            tuned_model_display_name: self.display_name.clone().unwrap_or_default(),
            description: self.description.clone().unwrap_or_default(),
            labels: self.labels.clone(),
            encryption_spec: self.kms_key.as_ref().map(|k| wire::EncryptionSpec {
                kms_key_name: k.to_string(),
            }),
            service_account: self
                .service_account
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            supervised_tuning_spec,
            preference_optimization_spec,
            ..wire::TuningJob::default()
        }
    }
}

/// Filter and page size of a list call; pages are followed automatically.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    filter: Option<String>,
    page_size: Option<u32>,
}

impl ListOptions {
    /// No filter, the server's page size.
    pub fn new() -> ListOptions {
        ListOptions::default()
    }
    /// A list filter in the API's filter language, such as `labels.team=nlp`.
    pub fn with_filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }
    /// Items per page (each page is one request).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
    pub(crate) fn query(&self, page_token: Option<&str>) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(f) = &self.filter {
            q.push(("filter", f.clone()));
        }
        if let Some(s) = self.page_size {
            q.push(("pageSize", s.to_string()));
        }
        if let Some(t) = page_token {
            q.push(("pageToken", t.to_owned()));
        }
        q
    }
}
