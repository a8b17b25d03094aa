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
//! - [`Error`]: one error type split by where a call failed, with predicates.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use retune_client::{Client, ClientConfig, transport::InProcess};
//!
//! // Any tower::Service works; here, the emulator's router, in process.
//! let emulator = mock_vertex::router(mock_vertex::Emulator::new());
//! let config = ClientConfig::new(
//!     "projects/my-project/locations/us-central1".parse()?,
//!     "http://emulator.invalid".parse()?,
//! );
//! let client = Client::from_transport(Arc::new(InProcess::new(emulator)), config);
//!
//! let missing = "projects/my-project/locations/us-central1/models/404".parse()?;
//! let err = client.get_model(&missing).await.unwrap_err();
//! assert!(err.is_not_found());
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
mod client;
mod continuous;
mod decode;
pub mod endpoint;
pub mod error;
pub mod lineage;
pub mod retry;
mod spec;
pub mod tracing;
pub mod transport;
pub mod wait;

pub use client::{Client, ClientBuilder, ClientConfig};
pub use continuous::{ContinueTuning, ContinuedJob};
pub use error::{ApiStatus, BuildError, DecodeError, Error};
pub use lineage::{Lineage, LineageStep, Origin, VersionLineage};
pub use spec::{DatasetUri, ListOptions, ModelUpdate, TuningJobSpec, TuningSource};
pub use wait::{JobChange, JobPoller, PollPolicy, WaitError};

/// The domain crate, re-exported: names, wire shapes, rules.
pub use retune_model;
