//! The pure domain of continuous tuning on Vertex AI.
//!
//! `retune-model` knows every rule of continuous tuning and of the Model Registry, and nothing about
//! how requests travel: it does no IO, reads no clock and knows no HTTP. Time comes in as a
//! [`Timestamp`] argument; randomness does not exist here.
//!
//! # Continuous tuning, end to end
//!
//! Parse the reference to the pre-tuned model once, gather the facts about it (its versions,
//! aliases and checkpoints from the Model Registry, and how each version was tuned), and ask
//! [`continuous::plan_continuous_tuning`]: the answer is the plan (the version and checkpoint
//! tuning continues from, and whether the result is a new version or a new model), or every
//! reason the request is refused, each with its [`Code`].
//!
//! ```
//! use std::collections::BTreeMap;
//! use retune_model::base_model::BaseModel;
//! use retune_model::continuous::*;
//! use retune_model::names::{CheckpointId, ModelRef, VersionAlias, VersionId};
//! use retune_model::registry::VersionEntry;
//!
//! // `@default`, a version id or any alias; without one, the version holding `default`.
//! let model: ModelRef = "projects/p/locations/us-central1/models/123@default".parse().unwrap();
//! let (v1, c2) = (VersionId::FIRST, CheckpointId::from_number(2));
//! let facts = PreTunedModelFacts {
//!     name: model.name().clone(),
//!     display_name: "support-bot".to_owned(),
//!     versions: vec![VersionEntry::new(v1)
//!         .with_aliases(vec![VersionAlias::DEFAULT])
//!         .with_checkpoints(vec![CheckpointId::from_number(1), c2], Some(c2))],
//!     provenance: BTreeMap::from([(v1, TuningProvenance {
//!         method: TuningMethod::Supervised,
//!         finished_at: "2025-08-01T00:00:00Z".parse().unwrap(),
//!         root_base_model: BaseModel::lookup("gemini-2.5-flash").unwrap(),
//!         kms_key: None,
//!     })]),
//! };
//!
//! let request = ContinuousTuningRequest::new(model.clone(), model.name().location_name().clone());
//! let plan = plan_continuous_tuning(&request, &facts).unwrap();
//! assert_eq!(plan.pre_tuned_version().to_string(), "projects/p/locations/us-central1/models/123@1");
//! assert_eq!(plan.checkpoint, c2); // the version's default checkpoint
//! assert_eq!(plan.outcome, TuningOutcome::NewVersion { parent: model.name().clone() });
//!
//! // A new display name makes a new model; a job in another region is refused.
//! let mut elsewhere = ContinuousTuningRequest::new(model, "projects/p/locations/europe-west4".parse().unwrap());
//! elsewhere.tuned_model_display_name = Some("support-bot-v2".to_owned());
//! let refusals = plan_continuous_tuning(&elsewhere, &facts).unwrap_err();
//! assert_eq!(refusal_status(&refusals), retune_model::Code::InvalidArgument);
//! ```
//!
//! `cargo run -p retune-model --example plan` prints the same plan and refusals.
//!
//! # Features
//!
//! `retune-model` has no cargo features: it is all rules and plain data, with no optional IO.
//!
//! # Modules
//!
//! - [`names`]: typed resource names (`ModelName`, `ModelRef`, `TuningJobName`, ...), parsed once.
//! - [`registry`]: version resolution, version aliases, deletion rules, UpdateModel levels, and
//!   the new version a succeeded tuning job adds (`registry::new_version`).
//! - [`labels`]: label key and value syntax, label count.
//! - [`encryption`]: where a CMEK key must live.
//! - [`gcs`]: Cloud Storage bucket and object names and `gs://` URIs.
//! - [`duration`]: the one duration grammar (`90s`, `1.5h`, `250ms`).
//! - [`continuous`]: the continuous-tuning plan, or every reason it is refused.
//! - [`base_model`]: the foundation models we know and what each supports.
//! - [`hyperparameters`]: epoch count, learning-rate multiplier, adapter size.
//! - [`checkpoints`]: which checkpoints a tuning job exports, and which one a request means.
//! - [`job_state`]: the job state machine and cancel semantics.
//! - [`dataset`]: Gemini SFT JSONL checks and the data statistics the service reports.
//! - [`request`]: request validators (CreateTuningJob, UpdateModel, MergeVersionAliases, the
//!   lists), the filter and order_by grammars and page tokens: a typed command or every violation.
//! - [`rpc`]: the RPCs of the surface, their services and IAM permissions.
//! - [`error_details`]: the `ErrorInfo` every error carries, and the details of permission,
//!   disabled-service and quota refusals (AIP-193).
//! - [`wire`]: the REST JSON shapes shared by the client and the emulator.
//! - [`emulator_policy`]: what the emulator chooses where Google documents nothing (batch size,
//!   default epochs, stage timings, the default display name), kept apart from Google's rules.
//!
//! Domain types never derive serde; only [`wire`] (and [`dataset`], which reads JSONL) touch JSON.

pub mod answer;
pub mod base_model;
pub mod checkpoints;
pub mod code;
pub mod console_forwarding;
pub mod continuous;
pub mod dataset;
pub mod duration;
pub mod emulator_env;
pub mod emulator_policy;
pub mod encryption;
pub mod error_details;
pub mod gcs;
pub mod hyperparameters;
pub mod job_state;
pub mod labels;
pub mod names;
pub mod proto_enum;
pub mod publisher;
pub mod rebase;
pub mod registry;
pub mod request;
pub mod rpc;
pub mod serving;
pub mod time;
pub mod wire;

pub use code::Code;
pub use time::Timestamp;
