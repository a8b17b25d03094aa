//! A faithful local emulator of the Vertex AI tuning-jobs and Model Registry REST API.

pub mod auth;
pub mod clock;
pub mod error;
pub mod filter;
pub mod handlers;
pub mod jobs;
pub mod render;
pub mod routes;
pub mod server;
pub mod state;
pub mod storage;
pub mod store;

pub use auth::AuthMode;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::ApiError;
pub use server::{MockVertex, router, serve, serve_with_shutdown};
pub use state::{Emulator, EmulatorBuilder, JobSpeed};
