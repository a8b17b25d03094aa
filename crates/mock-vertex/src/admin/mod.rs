//! The emulator's own control API under `/_emulator/`, and the same controls as methods on
//! [`Emulator`](crate::Emulator) so Rust tests never build admin URLs: `api` holds the Rust methods, `http` the
//! routes that parse a request, call them and answer JSON.
//!
//! Admin routes are the test writer's controls: they bypass the Vertex auth mode, are never
//! faulted and are not journaled. Their errors use Google's error shape. Bodies are JSON
//! (camelCase, unknown fields refused); an empty body is `{}`.
//!
//! | Method | Path | Rust | Does |
//! |---|---|---|---|
//! | GET | `/_emulator/health` | | `{"status":"SERVING"}` while the process runs |
//! | GET | `/_emulator/ready` | [`Emulator::is_ready`] | `{"status":"READY"}` once it can serve |
//! | POST | `/_emulator/reset` | [`Emulator::reset`], [`Emulator::reset_location`] | forget everything (jobs, models, endpoints, operations, ids, faults, journal), or with `{"project","location"}` one location's resources; the clock, job speed and object store stay |
//! | GET, PUT | `/_emulator/state` | [`Emulator::export_state`], [`Emulator::import_state`] | the whole state as JSON ([`StateSnapshot`]) |
//! | GET | `/_emulator/check` | [`Emulator::check_consistency`] | `{"problems": [...]}`: the store's broken invariants (none when sound) |
//! | GET | `/_emulator/snapshots` | [`Emulator::list_snapshots`] | `{"snapshots": [{"name", "sizeBytes"}]}`: the named snapshots saved |
//! | POST, DELETE | `/_emulator/snapshots/{name}` | [`Emulator::save_snapshot`], [`Emulator::delete_snapshot`] | save (`{"objects": true}` includes the object store; atomic) or delete one ([`saved`]) |
//! | POST | `/_emulator/snapshots/{name}/load` | [`Emulator::load_snapshot`] | replace the state with a saved snapshot (its objects written) |
//! | POST | `/_emulator/seed/tunedModel` | [`Emulator::seed_tuned_model`] | a tuned model version with chosen facts ([`SeedTunedModel`]) |
//! | GET, POST | `/_emulator/clock` | [`Emulator::now`], [`Emulator::advance`], [`Emulator::set_time`], [`Emulator::set_clock_mode`], [`Emulator::set_job_speed`] | read, or `{"mode": "manual"\|"system", "jobs": "instant"\|"scaled"\|"manual", "set": RFC3339, "advance": "30s"}` (applied in that order) |
//! | GET, POST, DELETE | `/_emulator/faults` | [`Emulator::fail`], [`Emulator::fail_job_at_epoch`], [`Emulator::hold_job`], [`Emulator::clear_faults`] | list, add, clear all (held jobs are released) |
//! | DELETE | `/_emulator/faults/{id}` | [`Emulator::remove_fault`] | remove one route fault |
//! | POST | `/_emulator/release` | [`Emulator::release_job`] | `{"job": name}`: a held job starts running |
//! | GET, DELETE | `/_emulator/requests` | [`Emulator::requests`], [`Emulator::clear_requests`] | the journal ([`crate::journal`]) |
//! | GET, POST | `/_emulator/services` | [`Emulator::disabled_apis`], [`Emulator::set_api_enabled`] | the projects whose Vertex AI API is disabled, or `{"project", "enabled": false}` to disable one (its calls are 403 SERVICE_DISABLED) and `true` to enable it again |
//! | POST | `/_emulator/await` | [`Emulator::await_job`] | `{"job", "state"?, "timeout"?}`: blocks until the job is in `state` (default: any terminal state) |
//!
//! Faults (`POST /_emulator/faults`), one kind per call:
//! - `{"route": "CreateTuningJob" | … | "*", "status": 503, "times": 2}` or with
//!   `"probability": 0.3, "seed": 42` (both may be given), `"message"`, `"when": "before" |
//!   "after"` (default before: the request has no effect; after: it takes effect and the answer is
//!   the error), `"retryDelay": "2s"` (adds a `google.rpc.RetryInfo` detail, as a 429
//!   RESOURCE_EXHAUSTED carries). A 429 answers Vertex AI's quota message with `ErrorInfo`
//!   (`RATE_LIMIT_EXCEEDED`) and `QuotaFailure`, a 503 its "currently unavailable" message with
//!   `ErrorInfo`. Answers `{"id": n}`. See [`crate::faults`].
//! - `{"failJob": name | "next", "atEpoch": 2, "status"?: 500, "message"?}`: the job fails once it
//!   has completed that many epochs (`completedEpochCount` stays there, `error` is set; default
//!   code INTERNAL). `next` applies to the next job created.
//! - `{"holdJob": name | "next"}`: the job stays `PENDING` until released. A job that already
//!   runs cannot be held; instant jobs are created and finished at once, so hold them as `next`.
//!
//! Await: the answer is the job (v1beta1 shape). If the job ends in another terminal state than
//! the one awaited, the answer is 400 FAILED_PRECONDITION at once. When the timeout passes, the
//! answer is 504 DEADLINE_EXCEEDED (the canonical status of that code) naming the current
//! state. Waiting is driven by the store's change signal and, on a running clock, a timer to the
//! job's next change; it never polls. On a manual clock waiting does not move time: another task
//! (or request) must advance it. The timeout is in real (tokio) time; default 60 s.
//!
//! [`Emulator::advance`]: crate::Emulator::advance
//! [`Emulator::await_job`]: crate::Emulator::await_job
//! [`Emulator::check_consistency`]: crate::Emulator::check_consistency
//! [`Emulator::clear_faults`]: crate::Emulator::clear_faults
//! [`Emulator::delete_snapshot`]: crate::Emulator::delete_snapshot
//! [`Emulator::list_snapshots`]: crate::Emulator::list_snapshots
//! [`Emulator::load_snapshot`]: crate::Emulator::load_snapshot
//! [`Emulator::save_snapshot`]: crate::Emulator::save_snapshot
//! [`Emulator::clear_requests`]: crate::Emulator::clear_requests
//! [`Emulator::disabled_apis`]: crate::Emulator::disabled_apis
//! [`Emulator::set_api_enabled`]: crate::Emulator::set_api_enabled
//! [`Emulator::export_state`]: crate::Emulator::export_state
//! [`Emulator::fail`]: crate::Emulator::fail
//! [`Emulator::fail_job_at_epoch`]: crate::Emulator::fail_job_at_epoch
//! [`Emulator::hold_job`]: crate::Emulator::hold_job
//! [`Emulator::import_state`]: crate::Emulator::import_state
//! [`Emulator::is_ready`]: crate::Emulator::is_ready
//! [`Emulator::now`]: crate::Emulator::now
//! [`Emulator::release_job`]: crate::Emulator::release_job
//! [`Emulator::remove_fault`]: crate::Emulator::remove_fault
//! [`Emulator::requests`]: crate::Emulator::requests
//! [`Emulator::reset`]: crate::Emulator::reset
//! [`Emulator::reset_location`]: crate::Emulator::reset_location
//! [`Emulator::seed_tuned_model`]: crate::Emulator::seed_tuned_model
//! [`Emulator::set_clock_mode`]: crate::Emulator::set_clock_mode
//! [`Emulator::set_job_speed`]: crate::Emulator::set_job_speed
//! [`Emulator::set_time`]: crate::Emulator::set_time

mod api;
mod http;
pub mod saved;
pub mod seed;
pub mod snapshot;

pub use api::{DEFAULT_AWAIT_TIMEOUT, JobFaultInfo, JobTarget};
pub use http::router;
pub use saved::{SnapshotFile, SnapshotInfo};
pub use seed::{SeedTunedModel, SeededModel};
pub use snapshot::{SnapshotError, StateSnapshot};
