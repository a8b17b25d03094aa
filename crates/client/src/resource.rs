//! What the client returns: the service's resources with their names parsed once, on decode.
//!
//! A [`TuningJob`], [`Model`] or [`Checkpoint`] derefs to its `retune_model::wire` struct, so
//! every field the service sent is there as sent; the names in it are also exposed as typed
//! values ([`TuningJob::name`], [`TuningJob::tuned_model`], [`Model::model_ref`],
//! [`Checkpoint::id`], ...). The client parses them when it decodes the response: a reply whose
//! names do not parse is an [`Error::Decode`](crate::Error::Decode), so the accessors cannot
//! fail and a caller never parses what the client returned.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), retune_client::Error> {
//! use retune_client::prelude::*;
//! # let emulator = mock_vertex::Emulator::builder().jobs(mock_vertex::JobSpeed::Instant).build();
//! # let client = Client::in_process(mock_vertex::router(emulator), "p".parse()?, "us-central1".parse()?);
//! let data = "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
//! let spec = TuningJobSpec::from_base_model("gemini-2.5-flash".parse()?, data.parse()?);
//! let job = client.create_tuning_job(&spec).await?;
//! let done = client.wait_for_job(job.name()).until_done().await?;
//! let tuned: &ModelRef = done.tuned_model().expect("a succeeded job names its model");
//! assert_eq!(tuned.version_id(), Some(VersionId::FIRST));
//! # Ok(())
//! # }
//! ```

use std::ops::Deref;
use std::str::FromStr;

use retune_model::job_state::JobState;
use retune_model::names::{
    CheckpointId, EndpointName, ModelName, ModelRef, NameError, TuningJobName, VersionAlias,
    VersionId,
};
use retune_model::wire;
use serde::{Serialize, Serializer};

/// Parses an optional name: an empty string is `None`.
fn optional<T: FromStr<Err = NameError>>(s: &str) -> Result<Option<T>, NameError> {
    if s.is_empty() {
        Ok(None)
    } else {
        s.parse().map(Some)
    }
}

/// A tuning job, as the service returned it, with its names parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningJob {
    wire: wire::TuningJob,
    name: TuningJobName,
    tuned_model: Option<ModelRef>,
    endpoint: Option<EndpointName>,
    checkpoints: Vec<TunedCheckpoint>,
}

/// A checkpoint of a job's tuned model (`tunedModel.checkpoints[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TunedCheckpoint {
    /// The checkpoint id.
    pub id: CheckpointId,
    /// The epoch it was taken at.
    pub epoch: i64,
    /// The step it was taken at.
    pub step: i64,
    /// The endpoint it is deployed to, if any.
    pub endpoint: Option<EndpointName>,
}

impl TryFrom<wire::TuningJob> for TuningJob {
    type Error = NameError;
    fn try_from(wire: wire::TuningJob) -> Result<TuningJob, NameError> {
        let name = wire.name.parse()?;
        let (tuned_model, endpoint, checkpoints) = match &wire.tuned_model {
            Some(t) => (
                optional(&t.model)?,
                optional(&t.endpoint)?,
                t.checkpoints
                    .iter()
                    .map(|c| {
                        Ok(TunedCheckpoint {
                            id: c.checkpoint_id.parse()?,
                            epoch: c.epoch,
                            step: c.step,
                            endpoint: optional(&c.endpoint)?,
                        })
                    })
                    .collect::<Result<_, NameError>>()?,
            ),
            None => (None, None, Vec::new()),
        };
        Ok(TuningJob {
            wire,
            name,
            tuned_model,
            endpoint,
            checkpoints,
        })
    }
}

impl TuningJob {
    /// The job's name.
    pub fn name(&self) -> &TuningJobName {
        &self.name
    }

    /// `state` (`JOB_STATE_UNSPECIFIED` when the service sent none).
    pub fn state(&self) -> JobState {
        self.wire.state.unwrap_or(JobState::Unspecified)
    }

    /// The tuned model version the job registered (`tunedModel.model`, `…/models/{m}@{v}`),
    /// once it has one.
    pub fn tuned_model(&self) -> Option<&ModelRef> {
        self.tuned_model.as_ref()
    }

    /// The endpoint the tuned model is deployed to (`tunedModel.endpoint`).
    pub fn endpoint(&self) -> Option<&EndpointName> {
        self.endpoint.as_ref()
    }

    /// The checkpoints of the tuned model (`tunedModel.checkpoints`).
    pub fn checkpoints(&self) -> &[TunedCheckpoint] {
        &self.checkpoints
    }

    /// The service's shape of the job.
    pub fn as_wire(&self) -> &wire::TuningJob {
        &self.wire
    }

    /// The service's shape of the job, by value.
    pub fn into_wire(self) -> wire::TuningJob {
        self.wire
    }
}

/// Serializes as the service's JSON (the wire struct).
impl Serialize for TuningJob {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire.serialize(serializer)
    }
}

impl Deref for TuningJob {
    type Target = wire::TuningJob;
    fn deref(&self) -> &wire::TuningJob {
        &self.wire
    }
}

/// A model version, as the service returned it, with its names parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    wire: wire::Model,
    name: ModelName,
    version: Option<VersionId>,
    aliases: Vec<VersionAlias>,
}

impl TryFrom<wire::Model> for Model {
    type Error = NameError;
    fn try_from(wire: wire::Model) -> Result<Model, NameError> {
        // `name` may carry `@{version}` (listVersions does); `versionId` wins when present.
        let named: ModelRef = wire.name.parse()?;
        let version = match optional::<VersionId>(&wire.version_id)? {
            Some(v) => Some(v),
            None => named.version_id(),
        };
        let aliases = wire
            .version_aliases
            .iter()
            .map(|a| a.parse())
            .collect::<Result<_, _>>()?;
        Ok(Model {
            name: named.into_parts().0,
            version,
            aliases,
            wire,
        })
    }
}

impl Model {
    /// The model, without a version.
    pub fn name(&self) -> &ModelName {
        &self.name
    }

    /// The version id (`versionId`), when the service sent one.
    pub fn version_id(&self) -> Option<VersionId> {
        self.version
    }

    /// `…/models/{model}@{versionId}`: this very version (the model alone when the service sent
    /// no version id). Pass it to the calls that act on a version.
    pub fn model_ref(&self) -> ModelRef {
        match self.version {
            Some(v) => self.name.at_version(v),
            None => ModelRef::from(self.name.clone()),
        }
    }

    /// The version's aliases (`versionAliases`), `default` included when it holds it.
    pub fn aliases(&self) -> &[VersionAlias] {
        &self.aliases
    }

    /// Whether the version holds `alias`.
    pub fn has_alias(&self, alias: &VersionAlias) -> bool {
        self.aliases.contains(alias)
    }

    /// The service's shape of the model.
    pub fn as_wire(&self) -> &wire::Model {
        &self.wire
    }

    /// The service's shape of the model, by value.
    pub fn into_wire(self) -> wire::Model {
        self.wire
    }
}

/// Serializes as the service's JSON (the wire struct).
impl Serialize for Model {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire.serialize(serializer)
    }
}

impl Deref for Model {
    type Target = wire::Model;
    fn deref(&self) -> &wire::Model {
        &self.wire
    }
}

/// A checkpoint of a model version (`:listCheckpoints`), with its id parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    wire: wire::ModelVersionCheckpoint,
    id: CheckpointId,
}

impl TryFrom<wire::ModelVersionCheckpoint> for Checkpoint {
    type Error = NameError;
    fn try_from(wire: wire::ModelVersionCheckpoint) -> Result<Checkpoint, NameError> {
        Ok(Checkpoint {
            id: wire.checkpoint_id.parse()?,
            wire,
        })
    }
}

impl Checkpoint {
    /// The checkpoint id; pass it to [`ContinueTuning::checkpoint`](crate::ContinueTuning::checkpoint).
    pub fn id(&self) -> CheckpointId {
        self.id
    }

    /// The epoch it was taken at.
    pub fn epoch(&self) -> i64 {
        self.wire.epoch
    }

    /// The step it was taken at.
    pub fn step(&self) -> i64 {
        self.wire.step
    }

    /// The service's shape of the checkpoint.
    pub fn as_wire(&self) -> &wire::ModelVersionCheckpoint {
        &self.wire
    }

    /// The service's shape of the checkpoint, by value.
    pub fn into_wire(self) -> wire::ModelVersionCheckpoint {
        self.wire
    }
}

/// Serializes as the service's JSON (the wire struct).
impl Serialize for Checkpoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire.serialize(serializer)
    }
}

impl Deref for Checkpoint {
    type Target = wire::ModelVersionCheckpoint;
    fn deref(&self) -> &wire::ModelVersionCheckpoint {
        &self.wire
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_version_takes_its_id_from_version_id_or_the_name() {
        let listed = wire::Model {
            name: "projects/p/locations/us-central1/models/9@2".to_owned(),
            version_aliases: vec!["default".to_owned(), "gold".to_owned()],
            ..wire::Model::default()
        };
        let m = Model::try_from(listed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.version_id(), VersionId::from_number(2));
        assert_eq!(
            m.model_ref().to_string(),
            "projects/p/locations/us-central1/models/9@2"
        );
        assert_eq!(m.aliases().len(), 2);
    }

    #[test]
    fn a_job_with_a_malformed_tuned_model_is_refused() {
        let job = wire::TuningJob {
            name: "projects/p/locations/us-central1/tuningJobs/1".to_owned(),
            tuned_model: Some(wire::TunedModel {
                model: "models/1".to_owned(),
                ..wire::TunedModel::default()
            }),
            ..wire::TuningJob::default()
        };
        assert!(TuningJob::try_from(job).is_err());
    }
}
