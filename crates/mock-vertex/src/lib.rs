//! A faithful local emulator of the Vertex AI tuning-jobs and Model Registry REST API.
//!
//! `mock-vertex` lets users develop and test continuous tuning offline and in CI. It serves the
//! REST and gRPC surface of `GenAiTuningService`, `ModelService` (the registry part), operations and
//! endpoints under `/v1` and `/v1beta1`, as the official clients (google-genai, GAPIC
//! google-cloud-aiplatform, the Rust `google-cloud-aiplatform-v1` crate) call it, plus the Cloud
//! Storage JSON API its tuning jobs read their data from ([`storage`]). Every rule comes from
//! `retune-model`: handlers parse, ask the model crate, and render.
//!
//! # Starting it
//!
//! - Binary: `cargo run -p mock-vertex -- --port 8080` prints
//!   `mock-vertex listening on http://127.0.0.1:8080` and serves until SIGINT or SIGTERM.
//!   Flags: `--host`, `--port`, `--gcs-dir DIR` (`gs://b/o` is `DIR/b/o`),
//!   `--auth none|required|any-token|token=T`, `--jobs instant|scaled|manual` (default `scaled`: a small
//!   job ends in about 3 s), `--ca-dir DIR` (the local CA of the HTTPS proxy, created on first
//!   use; default `~/.config/retune/emulator-ca`). Logs go to stderr (`RUST_LOG=mock_vertex=debug`). A bad flag or a
//!   port it cannot bind is one line on stderr and a non-zero exit status.
//! - In process: [`router`]`(`[`Emulator`]`)` is an axum `Router` (no socket).
//! - Over TCP in tests: [`MockVertex::start`] binds `127.0.0.1:0` and stops when dropped.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use http_body_util::BodyExt;
//! use mock_vertex::{Emulator, JobSpeed};
//! use tower::ServiceExt;
//!
//! let app = mock_vertex::router(Emulator::builder().jobs(JobSpeed::Instant).build());
//! let body = r#"{"baseModel": "gemini-2.5-flash",
//!   "supervisedTuningSpec": {"trainingDatasetUri":
//!     "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl"}}"#;
//! let request = Request::post("/v1/projects/p/locations/us-central1/tuningJobs")
//!     .body(Body::from(body))
//!     .unwrap();
//! let response = app.clone().oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::OK);
//! let bytes = response.into_body().collect().await.unwrap().to_bytes();
//! let job: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
//! assert_eq!(job["state"], "JOB_STATE_PENDING");
//! # });
//! ```
//!
//! Over TCP, for a client that needs a URL (the official SDKs, `retune-client`'s HTTPS
//! transport): seed the pre-tuned model continuous tuning starts from, then point the client at
//! [`MockVertex::base_url`]. `cargo run -p mock-vertex --example serve` does the same and reads
//! the model back over HTTP.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use mock_vertex::{JobSpeed, MockVertex, SeedTunedModel};
//!
//! let server = MockVertex::builder().jobs(JobSpeed::Instant).start().await.unwrap(); // 127.0.0.1:0
//! let location = "projects/p/locations/us-central1".parse().unwrap();
//! let seeded = server
//!     .emulator()
//!     .seed_tuned_model(SeedTunedModel::new(location, "gemini-2.5-flash").checkpoints(3))
//!     .unwrap();
//! assert!(server.base_url().starts_with("http://127.0.0.1:"));
//! assert!(seeded.model.to_string().ends_with("@1")); // continue tuning from this version
//! drop(server); // stops serving
//! # });
//! ```
//!
//! # Features
//!
//! `mock-vertex` has no cargo features: the library (router, server, controls) and the
//! `mock-vertex` binary are always built.
//!
//! # Tuning methods
//!
//! Of the `tuning_spec` oneof, `supervisedTuningSpec` (supervised fine-tuning) and
//! `preferenceOptimizationSpec` (preference tuning, with its own data format and
//! `preferenceOptimizationDataStats`) are emulated. `distillationSpec`, `partnerModelTuningSpec`,
//! `veoTuningSpec`, `veoLoraTuningSpec`, `reinforcementTuningSpec`, `fullFineTuningSpec` and
//! `distillationSamplingSpec` are decoded under `/v1beta1` (no field is refused as unknown) and
//! refused with a 400 that names the spec as not emulated; `/v1` does not know them (below).
//! `evaluationConfig` yields `evaluateDatasetRuns` and `summary_metrics.json` objects under its
//! output prefix. It belongs in the tuning spec (`SupervisedTuningSpec.evaluation_config` in both
//! `tuning_job.proto`s; `PreferenceOptimizationSpec.evaluationConfig` on the v1beta1 REST
//! surface); a top-level `evaluationConfig`, in no proto, is known only to `/v1beta1`, whose
//! google-genai `TuningJob` carries it.
//!
//! # Routes
//!
//! Every route exists under `/v1` and `/v1beta1` (`{v}`), except the operations under a tuning
//! job, which only `/v1` binds (get, list, cancel), as the service yamls do; see
//! [`routes::ROUTE_TABLE`].
//!
//! | Method | Path | RPC |
//! |---|---|---|
//! | POST | `/{v}/projects/*/locations/*/tuningJobs` | CreateTuningJob |
//! | GET | `/{v}/projects/*/locations/*/tuningJobs` | ListTuningJobs (`pageSize`, `pageToken`, `filter`) |
//! | GET | `/{v}/projects/*/locations/*/tuningJobs/*` | GetTuningJob |
//! | POST | `/{v}/projects/*/locations/*/tuningJobs/*:cancel` | CancelTuningJob (body optional) |
//! | POST | `/{v}/projects/*/locations/*/tuningJobs:rebaseTunedModel` | RebaseTunedModel (done operation; response: the new TuningJob) |
//! | GET | `/{v}/projects/*/locations/*/models` | ListModels (`filter`, `orderBy`, paging) |
//! | GET | `/{v}/projects/*/locations/*/models/*` | GetModel (`@version`, `@alias`, `%40`, bare) |
//! | PATCH | `/{v}/projects/*/locations/*/models/*` | UpdateModel (`updateMask` optional) |
//! | DELETE | `/{v}/projects/*/locations/*/models/*` | DeleteModel (an Operation) |
//! | GET | `/{v}/projects/*/locations/*/models/*:listVersions` | ListModelVersions |
//! | GET | `/{v}/projects/*/locations/*/models/*:listCheckpoints` | ListModelVersionCheckpoints |
//! | DELETE | `/{v}/projects/*/locations/*/models/*:deleteVersion` | DeleteModelVersion (an Operation) |
//! | POST | `/{v}/projects/*/locations/*/models/*:mergeVersionAliases` | MergeVersionAliases |
//! | GET | `/{v}/…/operations` (location, `models/*`, `endpoints/*`; `tuningJobs/*` on `/v1`) | ListOperations |
//! | GET, DELETE | `/{v}/…/operations/*` (under `tuningJobs/*`: GET on `/v1` only) | GetOperation, DeleteOperation |
//! | POST | `/{v}/…/operations/*:cancel`, `:wait` (under `tuningJobs/*`: `:cancel` on `/v1` only) | CancelOperation, WaitOperation |
//! | GET | `/{v}/projects/*/locations/*/endpoints/*` | GetEndpoint |
//! | GET | `/_emulator/health`, `/_emulator/ready` | liveness, readiness |
//! | POST | `/_emulator/reset` | forget everything, or one `{"project","location"}` |
//! | GET, PUT | `/_emulator/state` | export, import the whole state as JSON |
//! | POST | `/_emulator/seed/tunedModel` | a tuned model version with chosen facts |
//! | GET, POST | `/_emulator/clock` | read; `advance`, `set`, `mode`, `jobs` (speed) |
//! | GET, POST, DELETE | `/_emulator/faults`, DELETE `/_emulator/faults/{id}` | route and job faults |
//! | POST | `/_emulator/release` | release a held job |
//! | GET, DELETE | `/_emulator/requests` | the journal of requests |
//! | POST | `/_emulator/await` | block until a job reaches a state or a timeout passes |
//! | * | `/storage/v1/…`, `/upload/storage/v1/…`, `/download/storage/v1/…` | Cloud Storage JSON API ([`storage`]) |
//! | GET | `/` with `Metadata-Flavor`, `/computeMetadata/v1/…` | the Compute Engine metadata server ADC reads ([`metadata`]) |
//! | GET | `/` (a browser), `/console/…` | the web console ([`console`]) |
//! | POST | `/token` | OAuth 2.0 token endpoint: JWT bearer and refresh-token grants ([`oauth`]) |
//! | CONNECT | `host:443` | intercepting HTTPS proxy for Google's hosts, others refused ([`proxy`]) |
//! | GET | `/_emulator/env`, `/_emulator/ca.pem` | what `retune emulator env` prints; the CA certificate |
//! | POST (gRPC) | `/google.cloud.aiplatform.{v1,v1beta1}.{Service}/{Method}`, `/google.longrunning.Operations/{Method}` | the same RPCs over gRPC ([`grpc`]) |
//! | POST (gRPC) | `/grpc.reflection.{v1,v1alpha}.ServerReflection/ServerReflectionInfo` | gRPC server reflection |
//!
//! # gRPC
//!
//! The same port speaks HTTP/1.1 and HTTP/2 (cleartext with prior knowledge, or ALPN `h2` through
//! the intercepting proxy). A request with `content-type: application/grpc` is a gRPC call
//! ([`grpc`]): `GenAiTuningService`, the registry part of `ModelService`, `EndpointService`
//! (get, list), `PredictionService` (`GenerateContent`, `StreamGenerateContent`, `CountTokens`;
//! `LlmUtilityService.CountTokens` under `v1`) and `google.longrunning.Operations`. Each call is
//! transcoded by its `google.api.http` binding into the REST request above, through the same
//! router: metadata are headers (`authorization`, so the auth mode applies), errors keep their
//! code, message and details (`grpc-status-details-bin`). Methods not emulated, and unknown
//! services, are UNIMPLEMENTED; a field that fits none of a method's name patterns is
//! INVALID_ARGUMENT; a broken frame or an undecodable message is INTERNAL, an oversized one
//! RESOURCE_EXHAUSTED, a compressed request UNIMPLEMENTED (as gRPC servers answer them).
//!
//! # Controls for test writers
//!
//! The `/_emulator/` routes ([`admin`]) are mirrored as methods on [`Emulator`] (reach it from a
//! [`MockVertex`] with [`MockVertex::emulator`]), so Rust tests never build admin URLs:
//! `reset`, `export_state`/`import_state`, `seed_tuned_model`, `advance`/`set_time`/
//! `set_clock_mode`/`set_job_speed`, `fail(Rpc::CreateTuningJob).with_status(503).times(2)`,
//! `fail_job_at_epoch`, `hold_job`/`release_job`, `requests`, `await_job`. Admin routes bypass
//! the auth mode, are never faulted and are not journaled. Route faults ([`faults`]) fire after
//! auth and routing, before the handler (the request has no effect) or after it. The journal
//! ([`journal`]) keeps the last 1000 `/v1` and `/v1beta1` requests. A state export leaves out
//! the object store, the route faults and the journal.
//!
//! # Choices where the spec is silent
//!
//! - **Unmatched paths** and known paths with another method: 404 NOT_FOUND in JSON (Google's
//!   front end answers 404, not 405). A matched route with a malformed id: 400 INVALID_ARGUMENT.
//!   Path segments are split first, then percent-decoded, so `%2F` never creates a segment.
//! - **Auth** is checked for every `/v1` and `/v1beta1` request before a routing error is
//!   answered; then the project's API switch and the token's grant ([`access`]: 403
//!   SERVICE_DISABLED, 403 IAM_PERMISSION_DENIED naming the permission), then the query.
//! - **Errors** (AIP-193) carry a `google.rpc.ErrorInfo`: where Vertex AI has a documented reason
//!   (`IAM_PERMISSION_DENIED`, `SERVICE_DISABLED`, `RATE_LIMIT_EXCEEDED`, the credential reasons)
//!   that one; otherwise the emulator's choice, the canonical code's name as `reason`, domain
//!   `aiplatform.googleapis.com`, metadata `method` and `service` (`retune_model::error_details`).
//!   It follows the other details, so a `BadRequest` stays first.
//! - **Bodies** up to 10 MiB; larger is 400 INVALID_ARGUMENT `Request payload size exceeds the
//!   limit: 10485760 bytes.` (Google's wording). Any or no `Content-Type` is accepted.
//! - **Query parameters** bind to the request message as the front end binds them
//!   (`retune_model::request::check_query_parameters`): one that names no field of the request
//!   is 400 "Cannot bind query parameter. Field 'x' could not be found in request message.";
//!   the system parameters (`$alt`, `alt`, `fields`, `prettyPrint`, `key`, `quotaUser`,
//!   `$.xgafv`, `callback`, `upload_protocol`, `uploadType`, `access_token`) are accepted
//!   everywhere; `fields` (partial response) and a list's `readMask` prune the answer. Empty and
//!   zero values are "unset".
//! - **Paging**: `pageSize` default 100, values above 1000 are lowered to 1000, negative is 400;
//!   page tokens are opaque, tuning-job tokens are key-based (stable under inserts). Tuning jobs
//!   list newest first; models by id (creation order) unless `orderBy`, which binds only where
//!   the request has `order_by` (v1 ListModels, ListModelVersions in both versions).
//! - **Filters** ([`filter`]): conjunctions (`AND`, or the SDK's `&filter=`) of `=`, `!=`, `:`,
//!   `<`, `>` terms, each list taking exactly the fields and operators its proto documents.
//!   Tuning jobs (the standard filter on `TuningJob` fields): `state` (by value name, a number
//!   is 400), `tuned_model_display_name`, `base_model`, `name`, `description`, `create_time`
//!   and `update_time` (compared as instants), `labels.k`. Models: `model` and `display_name`
//!   (`=`, `!=`), `base_model_name` (`=`), `labels.k=v`, `labels.k:*`, `labels:k`, quoted keys
//!   (`labels."a key"`). Model versions: labels only. Operations: `name` and `done`. An unknown
//!   field, an operator the field does not take or an unparsable filter is 400 naming it.
//! - **Ids** come from counters (jobs `1000000000000001…`, models `2…`, endpoints `3…`,
//!   operations `4…`).
//! - **Project numbers** ([`projects`]): as Vertex AI does (§11.11), every resource name is
//!   answered with the project *number*, whether the request named the project by id or number
//!   (path, filter and names in the body alike); code that compares names with the project id
//!   fails here as it does there. Choice: an id's number is the one configured
//!   (`--project-number ID=NUMBER`, `POST /_emulator/projects`) or else a stable 12-digit number
//!   derived from the id (`retune_model::names::ProjectNumber::derived`); a number no id maps
//!   to is simply that project. Names of other resources (KMS keys) are echoed as given.
//! - **Default `tunedModelDisplayName`** for a base-model job: `{base model}-tuned-{job id}`.
//! - **Continuous tuning** (§11.2, §11.3): a new version does not take the `default` alias (it
//!   stays where it was); checkpoint ids restart at `1` in every version; the default checkpoint
//!   is the last one; with `exportLastCheckpointOnly`, the job's `tunedModel.checkpoints` is
//!   absent but the version still lists its one (final) checkpoint. All refusals come back at
//!   once, in the message and as `google.rpc.PreconditionFailure` violations; the status is
//!   NOT_FOUND if the version is unknown, else INVALID_ARGUMENT if the request contradicts the
//!   model (another KMS key, project or location, an unknown checkpoint), else
//!   FAILED_PRECONDITION. A pre-tuned model that does not exist is 404.
//! - **`baseModel: "projects/…"`** (google-cloud-aiplatform's `sft.train`) is 400
//!   INVALID_ARGUMENT pointing to `preTunedModel`; a string `preTunedModel` is 400 naming it.
//! - **Data sets** are read at create time; a missing or invalid one does not refuse the call:
//!   the job fails at the end of `PROCESSING_DATASET`, its error naming the URI, line and field
//!   (NOT_FOUND for a missing object, INVALID_ARGUMENT for bad content). Only `gs://` URIs.
//! - **Model names in responses** (§11.4): GetModel without a version and ListModels answer
//!   `…/models/{id}`; with `@version` or `@alias`, `…/models/{id}@{versionId}` (never the alias);
//!   ListModelVersions always `@{versionId}`.
//! - **ListModelVersionCheckpoints** without a version uses the **latest** version (§11.5, as the
//!   proto comment says), not the default one.
//! - **UpdateModel**: without `updateMask` the fields present in the body are the mask (output-only
//!   fields ignored). A bare name or `@-` updates model-level fields (`displayName`,
//!   `description`, `labels`); `@version`/`@alias` updates version-level fields
//!   (`versionDescription`, `defaultCheckpointId` (§11.14), `labels`); mixing is 400
//!   FAILED_PRECONDITION, an unknown mask path 400 INVALID_ARGUMENT naming it (the rule is
//!   `retune_model::registry::check_update_mask`). The tuned endpoint (`tunedModel.endpoint`)
//!   follows the default checkpoint. Every model read carries an `etag` (a hash of its update
//!   time, `retune_model::registry::model_etag`); an update with a stale one is 409 ABORTED,
//!   one without is a blind overwrite.
//! - **Labels** (`retune_model::labels`, spec §3.1, §7.2): keys and values at most 64 code points
//!   of lowercase letters (caseless international letters included), digits, `_` and `-`; keys
//!   non-empty and starting with a lowercase letter; at most 64 labels.
//! - **CMEK** (`retune_model::encryption`): the key's location must equal the job's (any
//!   project); a `global` job takes a key in KMS location `global`.
//! - **Duplicate JSON keys** are accepted, the last one winning (the service's behaviour is
//!   undocumented).
//! - **Deletion**: the endpoints a tuning job creates are managed by the tuning service: they do
//!   not block deleting a version or a model, and go with it. DeleteModel operations live under
//!   the location, DeleteModelVersion operations under the model; the deletion takes effect at
//!   once, and the operation is done 0.5 s later on the emulator's clock (at once for instant
//!   jobs), so that polling code runs.
//! - **Cancel**: a running or pending job goes to CANCELLING, then CANCELLED (`error.code = 1`)
//!   after 0.5 s (at once for instant jobs); cancelling a cancelled job is accepted; a finished
//!   one is 400 FAILED_PRECONDITION. Cancelling a done operation is a no-op.
//! - **Operations routes** are those the service yamls bind: under a tuning job only v1's get,
//!   list and cancel; every method under a location, a model or an endpoint.
//! - **Injected faults** answer 429 with Vertex AI's quota message, `ErrorInfo`
//!   `RATE_LIMIT_EXCEEDED` and `QuotaFailure`, 503 with "The service is currently unavailable."
//!   and `ErrorInfo`; `retryDelay` adds a `RetryInfo`, which the client's retry policy waits.
//! - **v1 vs v1beta1**: each version knows its own `TuningJob` fields
//!   (`retune_model::wire::V1BETA1_ONLY`, checked against both `tuning_job.proto`s): `/v1` refuses
//!   the v1beta1-only ones (`customBaseModel`, `outputUri`, `pipelineJob`, the distillation,
//!   partner, Veo and reinforcement specs, `supervisedTuningSpec.tuningMode`,
//!   `hyperParameters.learningRate` and `batchSize`, ...) with the front end's "Unknown name"
//!   400, and never writes them, so only v1beta1 responses carry `tuningJobState` and
//!   `tuningJobMetadata`. `preferenceOptimizationSpec`, in neither proto snapshot, is on both
//!   REST surfaces (discovery documents). `satisfiesPzs`/`satisfiesPzi` are no `TuningJob`
//!   field in either version. Operation metadata `@type`s name the request's version
//!   (`google.cloud.aiplatform.v1beta1.DeleteOperationMetadata` under `/v1beta1`).
//! - **Tuning methods**: supervised tuning and preference optimization are emulated; the other
//!   tuning specs are 400 INVALID_ARGUMENT naming the spec.
//! - **WaitOperation** blocks until the operation is done or `timeout` passes on the emulator's
//!   clock (and at most as long in real time, so a waiter on a manual clock nobody moves is
//!   answered); without a `timeout`, and at most, 120 s
//!   (`retune_model::emulator_policy::WAIT_OPERATION_MAX`; Vertex AI documents no figure).
//! - **Model source**: a tuned version reports `modelSourceInfo.sourceType` `GENIE` and
//!   `baseModelSource.genieSource.baseModelUri`; what that URI holds is undocumented, the emulator
//!   writes the foundation model id (`gemini-2.5-flash`). `deployedModels` entries are
//!   `DeployedModelRef`s (`endpoint`, `deployedModelId`); the checkpoint each serves is the
//!   Endpoint's `deployedModels[].checkpointId`.
//! - **Job speed** ([`JobSpeed`]): instant (zero durations: create answers PENDING, the next read
//!   shows the end), scaled (0.5 s pending, 0.5 s data, 0.1 s per step capped at 60 s, 0.5 s
//!   post-processing; see [`jobs`]), manual (scaled durations on a [`ManualClock`]). Jobs move
//!   lazily: each request first fires the job events that are due, so the cost of a request does
//!   not grow with the number of stored jobs.
//! - **Panics** anywhere become 500 INTERNAL in Google's shape ([`error::CatchPanicLayer`]).

pub mod access;
pub mod admin;
pub mod auth;
pub mod clock;
pub mod console;
mod dataset_memo;
pub mod error;
pub mod faults;
pub mod filter;
pub mod grpc;
pub(crate) mod handlers;
pub mod jobs;
pub mod journal;
pub mod metadata;
pub mod oauth;
mod operation_wait;
mod parallel;
pub mod persist;
pub mod projects;
pub mod proxy;
pub(crate) mod render;
pub mod routes;
pub(crate) mod server;
pub(crate) mod state;
pub mod storage;
pub(crate) mod store;

pub use admin::{JobTarget, SeedTunedModel, SeededModel, StateSnapshot};
pub use auth::AuthMode;
pub use clock::{Clock, ClockMode, ManualClock, SystemClock};
pub use error::ApiError;
pub use faults::{FaultId, Rpc};
pub use persist::{DataDirError, Durability};
pub use server::{MockVertex, router, serve, serve_with_shutdown};
pub use state::{Emulator, EmulatorBuilder, JobSpeed, JobSpeedError};
pub use store::EpochFailure;
