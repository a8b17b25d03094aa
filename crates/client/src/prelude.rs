//! Everything the continuous-tuning flow needs, in one import.
//!
//! ```
//! use retune_client::prelude::*;
//! ```
//!
//! The client and its configuration, the request types, the typed results, the resource names
//! and the domain types they are made of, the errors, and the stream extension traits that
//! collect a list (`client.list_checkpoints(&m).try_collect::<Vec<_>>().await?`), so a consumer
//! needs no `futures` dependency of its own.

pub use futures::{StreamExt as _, TryStreamExt as _};

pub use crate::endpoint::Endpoint;
pub use crate::transport::InProcess;
pub use crate::{
    ApiStatus, BuildError, Checkpoint, Client, ClientBuilder, ClientConfig, ContinueTuning,
    ContinuedJob, DatasetUri, Error, JobChange, JobPoller, Lineage, LineageStep, ListOptions,
    Model, ModelUpdate, Origin, PollPolicy, TunedCheckpoint, TuningJob, TuningJobSpec,
    TuningSource, VersionLineage, WaitError,
};
pub use retune_model::Code;
pub use retune_model::base_model::BaseModel;
pub use retune_model::continuous::{ContinuousTuningPlan, Refusal, TuningOutcome};
pub use retune_model::job_state::JobState;
pub use retune_model::names::{
    CheckpointId, EndpointName, KmsKeyName, LocationId, LocationName, ModelId, ModelName, ModelRef,
    ProjectId, TuningJobId, TuningJobName, VersionAlias, VersionId, VersionSelector,
};
pub use retune_model::registry::AliasChange;
