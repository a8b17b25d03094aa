//! A transport-agnostic client for Vertex AI tuning jobs and the Model Registry.

pub mod auth;
pub mod endpoint;
pub mod error;
pub mod retry;
pub mod tracing;
pub mod transport;

pub use error::{ApiStatus, BuildError, DecodeError, Error};
