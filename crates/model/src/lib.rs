//! The pure domain of continuous tuning on Vertex AI.
//!
//! `retune-model` knows every rule of continuous tuning and of the Model Registry, and nothing about
//! how requests travel: it does no IO, reads no clock and knows no HTTP. Time comes in as a
//! [`Timestamp`] argument; randomness does not exist here.
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
//! - [`wire`]: the REST JSON shapes shared by the client and the emulator.
//! - [`emulator_policy`]: what the emulator chooses where Google documents nothing (batch size,
//!   default epochs, stage timings, the default display name), kept apart from Google's rules.
//!
//! Domain types never derive serde; only [`wire`] (and [`dataset`], which reads JSONL) touch JSON.

pub mod base_model;
pub mod checkpoints;
pub mod code;
pub mod continuous;
pub mod dataset;
pub mod duration;
pub mod emulator_policy;
pub mod encryption;
pub mod gcs;
pub mod hyperparameters;
pub mod job_state;
pub mod labels;
pub mod names;
pub mod proto_enum;
pub mod registry;
pub mod request;
pub mod time;
pub mod wire;

pub use code::Code;
pub use time::Timestamp;
