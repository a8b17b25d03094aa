//! A transport-agnostic client for Vertex AI tuning jobs and the Model Registry.
//!
//! One typed API that talks to real Vertex AI and, unchanged, to a local emulator:
//!
//! - [`Client`]: tuning jobs (create, get, list as a stream, cancel, wait), models (get, list,
//!   versions, checkpoints, update, delete, aliases), operations and endpoints. Every method
//!   takes parsed names from [`retune_model::names`], never raw strings.
//! - [`Client::continue_tuning`]: continuous tuning that checks eligibility *before* sending and
//!   refuses with every reason at once, or returns the plan as a dry run.
//! - [`Client::lineage`]: how each version of a model was made, back to the foundation model.
//! - [`transport`]: the HTTP seam ([`transport::Transport`]), with a reqwest implementation and an
//!   in-process one for any `tower::Service`; [`auth`], [`retry`] and [`tracing`] are decorators
//!   around it.
//! - [`Error`]: one error type split by where a call failed, with predicates; the errors a
//!   flow meets on the way (names that do not parse, a wait that ends badly) convert into it.
//! - Results carry typed names: a [`TuningJob`], [`Model`] or [`Checkpoint`] derefs to its wire
//!   struct and exposes the names the client parsed on decode ([`TuningJob::tuned_model`],
//!   [`Model::model_ref`], [`Checkpoint::id`]).
//! - [`prelude`]: every type the flow below needs, and the stream extension traits.
//!
//! Against the emulator, one line sets the client up: [`Client::for_emulator`] over HTTP
//! (`http://127.0.0.1:8080`), or [`Client::in_process`] over its router, with `mock-vertex` as
//! the caller's dev-dependency (this crate never depends on it). Both send no credentials and
//! poll every few milliseconds ([`PollPolicy::fast`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), retune_client::Error> {
//! use retune_client::prelude::*;
//!
//! let emulator = mock_vertex::Emulator::builder().jobs(mock_vertex::JobSpeed::Instant).build();
//! let client = Client::in_process(
//!     mock_vertex::router(emulator),
//!     "my-project".parse()?,
//!     "us-central1".parse()?,
//! );
//!
//! let data = "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
//! let spec = TuningJobSpec::from_base_model("gemini-2.5-flash".parse()?, data.parse()?);
//! let job = client.create_tuning_job(&spec).await?;
//! let done = client.wait_for_job(job.name()).until_done().await?;
//! let tuned = done.tuned_model().expect("a succeeded job names its model");
//!
//! let checkpoints: Vec<Checkpoint> = client.list_checkpoints(tuned).try_collect().await?;
//! let plan = client
//!     .continue_tuning(tuned.clone(), data.parse()?)
//!     .checkpoint(checkpoints[0].id())
//!     .dry_run()
//!     .await?;
//! assert_eq!(plan.pre_tuned_version(), *tuned);
//!
//! let missing = "projects/my-project/locations/us-central1/models/404".parse()?;
//! assert!(client.get_model(&missing).await.unwrap_err().is_not_found());
//! # Ok(())
//! # }
//! ```
//!
//! Design notes: a non-2xx reply is a response at the transport level and an [`Error::Service`]
//! at the API level; retries are decided by a pure [`retry::RetryPolicy`] so a create that may
//! have reached the server is never replayed; responses are decoded tolerantly (unknown fields
//! are dropped, as the official SDKs do), requests are encoded exactly.
//!
//! # Features
//!
//! - `reqwest` (default): `transport::ReqwestTransport`, HTTPS to Vertex AI (rustls) and HTTP to
//!   an emulator; it is the transport [`Client::builder`] uses when given none.
//! - `adc` (default): `auth::Adc`, Google Application Default Credentials; it is the token
//!   provider the builder uses when given none (without the feature: no authentication).
//!
//! With `default-features = false` the client still works through [`transport::InProcess`] or a
//! transport of your own.

pub mod auth;
mod builder;
mod client;
mod continuous;
mod decode;
pub mod endpoint;
pub mod error;
#[cfg(all(feature = "adc", feature = "reqwest"))]
pub mod gce_metadata;
mod generate;
pub mod lineage;
pub mod prelude;
mod resource;
pub mod retry;
mod spec;
pub mod tracing;
pub mod transport;
pub mod wait;

pub use builder::ClientBuilder;
pub use client::{Client, ClientConfig};
pub use continuous::{ContinueTuning, ContinuedJob};
pub use error::{ApiStatus, BuildError, DecodeError, Error};
pub use generate::{GenerateTarget, user_text};
pub use lineage::{Lineage, LineageStep, Origin, VersionLineage};
pub use resource::{Checkpoint, Model, TunedCheckpoint, TuningJob};
pub use spec::{DatasetUri, ListOptions, ModelUpdate, TuningJobSpec, TuningSource};
pub use wait::{JobChange, JobPoller, PollPolicy, WaitError};

/// The domain crate, re-exported: names, wire shapes, rules.
pub use retune_model;
