//! The emulator's shared state: settings, the clock, the object reader and the store.
//!
//! [`Emulator`] is a cheap handle (`Arc` inside) shared by every request. The store sits behind
//! one `std::sync::Mutex`, taken only inside [`Emulator::with_store`], a synchronous closure, so
//! the lock is never held across an `.await`. Every request first lets due job events happen
//! (`Store::advance`), so jobs move lazily, at a cost proportional to the events that are due.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use retune_model::Timestamp;
use retune_model::emulator_policy::Pace;
use tokio::sync::watch;

use crate::access::{Access, Grant};
use crate::auth::AuthMode;
use crate::clock::{Clock, ClockMode, ControlledClock, ManualClock, SystemClock};
use crate::faults::Faults;
use crate::journal::Journal;
use crate::oauth::IssuedTokens;
use crate::persist::{self, DataDir, DataDirError, Durability};
use crate::projects::Projects;
use crate::proxy::Interceptor;
use crate::storage::ObjectStore;
use crate::store::Store;
use retune_model::names::ProjectNumbering;

/// How fast tuning jobs move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobSpeed {
    /// Every phase takes no time: create answers `PENDING`, the next read shows the final state.
    Instant,
    /// Phases take time scaled from the data set size and the epoch count (see
    /// `retune_model::emulator_policy::timeline`); with the default data sets a job ends in
    /// about 3 s.
    #[default]
    Scaled,
    /// The scaled durations, on a [`ManualClock`]: jobs move only when the clock is advanced.
    Manual,
}

/// A `--jobs` value that is not `instant`, `scaled` or `manual`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid job speed {input:?}: expected instant, scaled or manual")]
pub struct JobSpeedError {
    input: String,
}

impl JobSpeed {
    /// The pace of `retune_model::emulator_policy` that jobs at this speed follow: manual jobs
    /// take the scaled timings, on a clock the test moves.
    pub fn pace(self) -> Pace {
        match self {
            JobSpeed::Instant => Pace::Instant,
            JobSpeed::Scaled | JobSpeed::Manual => Pace::Scaled,
        }
    }
}

impl FromStr for JobSpeed {
    type Err = JobSpeedError;
    fn from_str(s: &str) -> Result<JobSpeed, JobSpeedError> {
        match s {
            "instant" => Ok(JobSpeed::Instant),
            "scaled" => Ok(JobSpeed::Scaled),
            "manual" => Ok(JobSpeed::Manual),
            _ => Err(JobSpeedError {
                input: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for JobSpeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobSpeed::Instant => "instant",
            JobSpeed::Scaled => "scaled",
            JobSpeed::Manual => "manual",
        })
    }
}

/// The state of one emulator; clones share it.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    store: Mutex<Store>,
    clock: Arc<ControlledClock>,
    auth: AuthMode,
    objects: ObjectStore,
    faults: Mutex<Faults>,
    access: Mutex<Access>,
    journal: Mutex<Journal>,
    tokens: IssuedTokens,
    interceptor: Option<Arc<Interceptor>>,
    /// Bumped whenever jobs may have moved (store writes, fired events, clock changes); the
    /// await control waits on it.
    changes: watch::Sender<u64>,
    /// The data directory the store is kept in (`None`: in memory only).
    data: Option<DataDir>,
    /// Where named snapshots are saved (`None`: nowhere, they are refused).
    snapshot_dir: Option<PathBuf>,
    /// The project numbers set at start (`--project-number`): every store (after a reset or an
    /// import too) has them.
    projects: Projects,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("auth", &self.inner.auth)
            .field("clock_mode", &self.inner.clock.mode())
            .field("clock", &self.inner.clock)
            .finish_non_exhaustive()
    }
}

impl Default for Emulator {
    fn default() -> Emulator {
        Emulator::builder().build()
    }
}

impl Emulator {
    /// An emulator with the defaults: anonymous auth, scaled jobs, the system clock, the sample
    /// data sets in memory.
    pub fn new() -> Emulator {
        Emulator::default()
    }

    /// Settings for a new emulator.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// The auth mode.
    pub fn auth(&self) -> &AuthMode {
        &self.inner.auth
    }

    /// The access tokens this emulator issued ([`crate::oauth`], [`crate::metadata`]).
    pub fn tokens(&self) -> &IssuedTokens {
        &self.inner.tokens
    }

    /// The intercepting proxy's TLS side, when a CA directory was chosen.
    pub fn interceptor(&self) -> Option<&Arc<Interceptor>> {
        self.inner.interceptor.as_ref()
    }

    /// Accepts or refuses a Vertex request by its `Authorization` header and the auth mode.
    pub fn check_auth(&self, headers: &axum::http::HeaderMap) -> Result<(), crate::ApiError> {
        self.inner
            .auth
            .check_issued(headers, self.tokens(), self.now())
    }

    /// Accepts or refuses a call of `method` on `route` by its token's grant and its project's
    /// API switch ([`Access::check`]).
    pub fn check_access(
        &self,
        headers: &axum::http::HeaderMap,
        route: &crate::routes::Route,
        method: retune_model::error_details::Method,
    ) -> Result<(), crate::ApiError> {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| crate::auth::bearer_token(v.to_str().ok()));
        let projects = self.projects();
        self.inner
            .access
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .check(token, route, method, &projects)
    }

    /// The project table: configured numbers, the derived number of every other id.
    pub fn projects(&self) -> Projects {
        self.lock().projects().clone()
    }

    /// Gives a project id this number from now on (requests name it by either form; resources
    /// already stored keep the names they were created with).
    pub fn set_project_number(&self, numbering: ProjectNumbering) {
        let now = self.now();
        let mut store = self.lock();
        store.projects_mut().configure(numbering);
        self.persist(&mut store, now, true);
    }

    /// Enables or disables the Vertex AI API of `project`: while disabled, every call on its
    /// resources is 403 SERVICE_DISABLED.
    pub fn set_api_enabled(&self, project: &str, enabled: bool) {
        self.inner
            .access
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .set_api_enabled(project, enabled);
    }

    /// The projects whose Vertex AI API is disabled.
    pub fn disabled_apis(&self) -> Vec<String> {
        self.inner
            .access
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .disabled_projects()
            .map(str::to_owned)
            .collect()
    }

    /// How fast jobs created from now on move.
    pub fn job_speed(&self) -> JobSpeed {
        self.lock().speed()
    }

    /// Changes how fast jobs created from now on move; [`JobSpeed::Manual`] also switches the
    /// clock to manual mode.
    pub fn set_job_speed(&self, speed: JobSpeed) {
        self.lock().set_speed(speed);
        if speed == JobSpeed::Manual {
            self.set_clock_mode(ClockMode::Manual);
        }
    }

    /// The clock (it follows mode switches, advances and sets).
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.inner.clock) as Arc<dyn Clock>
    }

    /// The manual clock, while the clock is in manual mode.
    pub fn manual_clock(&self) -> Option<ManualClock> {
        self.inner.clock.manual_clock()
    }

    /// Whether time runs (system) or moves only when told (manual).
    pub fn clock_mode(&self) -> ClockMode {
        self.inner.clock.mode()
    }

    /// Switches the clock's mode without moving time.
    pub fn set_clock_mode(&self, mode: ClockMode) {
        self.inner.clock.set_mode(mode);
        self.persist_clock();
        self.notify_changed();
    }

    /// Moves time forward by `by`, in either clock mode. Returns `true` (kept for callers of the
    /// manual-only version).
    pub fn advance(&self, by: Duration) -> bool {
        self.inner.clock.advance(by);
        self.persist_clock();
        self.notify_changed();
        true
    }

    /// Sets the time (it may go backwards; jobs already moved stay where they are).
    pub fn set_time(&self, to: Timestamp) {
        self.inner.clock.set(to);
        self.persist_clock();
        self.notify_changed();
    }

    /// The current time, from the clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The object store tuning jobs read their data sets from (also served as the GCS JSON API).
    pub fn objects(&self) -> &ObjectStore {
        &self.inner.objects
    }

    /// Writes the objects finished jobs produced (evaluation results) to the object store; a
    /// write into a bucket that does not exist is dropped, as the service cannot write there.
    pub(crate) async fn flush_pending_objects(&self) {
        let objects = self.lock().take_pending_objects();
        for (uri, text) in objects {
            if let Ok(uri) = crate::storage::GcsUri::parse(&uri) {
                let written = self
                    .objects()
                    .put(
                        uri.bucket(),
                        uri.object(),
                        bytes::Bytes::from(text),
                        Some("application/json"),
                    )
                    .await;
                if let Err(e) = written {
                    tracing::warn!(%uri, error = %e, "evaluation results not written");
                }
            }
        }
    }

    /// Runs `f` on the store after letting every job event due by now happen.
    ///
    /// The lock is held only for the duration of `f`, which cannot `.await`.
    pub(crate) fn with_store<R>(&self, f: impl FnOnce(&mut Store, Timestamp) -> R) -> R {
        let now = self.now();
        let mut store = self.lock();
        let pending = store.pending_events();
        store.advance(now);
        let fired = store.pending_events() < pending;
        let result = f(&mut store, now);
        self.persist(&mut store, now, false);
        drop(store);
        if fired {
            self.notify_changed();
        }
        result
    }

    /// Like [`with_store`](Emulator::with_store), for a change: wakes whoever awaits a job.
    pub(crate) fn with_store_mut<R>(&self, f: impl FnOnce(&mut Store, Timestamp) -> R) -> R {
        let result = self.with_store(f);
        self.notify_changed();
        result
    }

    /// Queues the changes tracked in `store` (or, with `force`, at least the globals) for the
    /// data directory; the current request's reply waits for their commit.
    fn persist(&self, store: &mut Store, now: Timestamp, force: bool) {
        if let Some(dir) = &self.inner.data
            && let Some(batch) = dir.collect(store, now, self.clock_mode().as_str(), force)
        {
            persist::note_written(dir.submit(batch));
        }
    }

    /// Queues the clock (mode and time) for the data directory.
    fn persist_clock(&self) {
        if self.inner.data.is_some() {
            let now = self.now();
            let mut store = self.lock();
            self.persist(&mut store, now, true);
        }
    }

    /// Replaces the whole store (reset, import); with a data directory, every record is
    /// written anew.
    pub(crate) fn replace_store(&self, mut store: Store) {
        let now = self.now();
        let mut current = self.lock();
        if self.inner.data.is_some() {
            store.track_changes(true);
        }
        store.projects_mut().merge(&self.inner.projects);
        *current = store;
        self.persist(&mut current, now, true);
    }

    /// Takes the store a data directory held at start: only later changes are written.
    fn adopt_store(&self, mut store: Store) {
        store.track_changes(false);
        store.projects_mut().merge(&self.inner.projects);
        *self.lock() = store;
    }

    /// Where named snapshots are saved, if anywhere.
    pub fn snapshot_dir(&self) -> Option<&Path> {
        self.inner.snapshot_dir.as_deref()
    }

    /// The data directory, when the state is kept in one.
    pub(crate) fn data_dir(&self) -> Option<&DataDir> {
        self.inner.data.as_ref()
    }

    /// The data directory's path, when the state is kept in one (`--data-dir`).
    pub fn data_dir_path(&self) -> Option<&Path> {
        self.inner.data.as_ref().map(DataDir::path)
    }

    /// Waits until every change made so far is committed to the data directory (at once
    /// without one); the reason when it cannot be.
    pub async fn flush(&self) -> Result<(), String> {
        match &self.inner.data {
            Some(dir) => dir.flushed().await,
            None => Ok(()),
        }
    }

    /// Completes when the data directory can no longer be written (never without one, nor
    /// while it works), with the reason; from then on every change is answered with 503.
    pub async fn data_dir_failed(&self) -> String {
        match &self.inner.data {
            Some(dir) => dir.failed().await,
            None => std::future::pending().await,
        }
    }

    /// Wakes the waiters of the await control (cheap when there are none).
    pub fn notify_changed(&self) {
        if self.inner.changes.receiver_count() > 0 {
            self.inner.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// A receiver woken by [`notify_changed`](Emulator::notify_changed).
    pub(crate) fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.inner.changes.subscribe()
    }

    /// The route faults.
    pub(crate) fn faults(&self) -> MutexGuard<'_, Faults> {
        self.inner
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The journal of requests.
    pub(crate) fn journal(&self) -> MutexGuard<'_, Journal> {
        self.inner
            .journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock is turned into a 500 by the panic layer; the store it
        // leaves behind is still consistent enough to serve, so recover rather than poison.
        self.inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Settings for an [`Emulator`].
#[derive(Debug, Default)]
pub struct EmulatorBuilder {
    auth: AuthMode,
    access: Access,
    speed: JobSpeed,
    clock: Option<Arc<dyn Clock>>,
    manual_clock: Option<ManualClock>,
    gcs_dir: Option<PathBuf>,
    ca_dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    durability: Durability,
    snapshot_dir: Option<PathBuf>,
    projects: Projects,
}

impl EmulatorBuilder {
    /// Which callers are accepted (default [`AuthMode::Anonymous`]).
    pub fn auth(mut self, auth: AuthMode) -> Self {
        self.auth = auth;
        self
    }

    /// Limits a token to some projects: a call on another project's resources is 403
    /// IAM_PERMISSION_DENIED naming the permission ([`crate::access`]).
    pub fn grant(mut self, grant: Grant) -> Self {
        self.access.grant(grant);
        self
    }

    /// Gives a project id this number (default: its derived number, `crate::projects`): the
    /// number every resource name of the project is answered with.
    pub fn project_number(mut self, numbering: ProjectNumbering) -> Self {
        self.projects.configure(numbering);
        self
    }

    /// Starts with the Vertex AI API of `project` disabled (403 SERVICE_DISABLED).
    pub fn disable_api(mut self, project: impl AsRef<str>) -> Self {
        self.access.set_api_enabled(project.as_ref(), false);
        self
    }

    /// How fast jobs move (default [`JobSpeed::Scaled`]). [`JobSpeed::Manual`] without an explicit
    /// clock runs on a [`ManualClock`] starting at [`ManualClock::DEFAULT_START`].
    pub fn jobs(mut self, speed: JobSpeed) -> Self {
        self.speed = speed;
        self
    }

    /// Runs on this manual clock (tests keep a clone to move it).
    pub fn manual_clock(mut self, clock: ManualClock) -> Self {
        self.manual_clock = Some(clock.clone());
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Runs on this clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self.manual_clock = None;
        self
    }

    /// Reads `gs://b/o` from `DIR/b/o`.
    pub fn gcs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.gcs_dir = Some(dir.into());
        self
    }

    /// Intercepts HTTPS (`CONNECT`) with a local CA kept in `dir`, created there on first use
    /// ([`crate::proxy`]). Without it, `CONNECT` is refused.
    pub fn ca_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ca_dir = Some(dir.into());
        self
    }

    /// Saves named snapshots in `dir` (default with a data directory: `DIR/snapshots`).
    pub fn snapshot_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.snapshot_dir = Some(dir.into());
        self
    }

    /// Keeps the state in the data directory `dir` ([`crate::persist`]): finish with
    /// [`open`](EmulatorBuilder::open). The object store lives in `dir/objects` unless
    /// [`gcs_dir`](EmulatorBuilder::gcs_dir) is set.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// How durable a data directory's commits are (default [`Durability::Crash`]: they survive
    /// the emulator's crash or kill; [`Durability::PowerLoss`] fsyncs each, `--fsync`).
    pub fn durability(mut self, durability: Durability) -> Self {
        self.durability = durability;
        self
    }

    /// The emulator, with the state its data directory holds (when one was set): the clock
    /// where it was (on a running clock, never behind real time, so jobs due while the
    /// emulator was down are finished), jobs at this builder's speed.
    pub fn open(mut self) -> Result<Emulator, DataDirError> {
        let Some(path) = self.data_dir.take() else {
            return Ok(self.build());
        };
        let opened = DataDir::open(&path, self.durability)?;
        if self.gcs_dir.is_none() {
            self.gcs_dir = Some(DataDir::objects_dir(&path));
        }
        if self.snapshot_dir.is_none() {
            self.snapshot_dir = Some(DataDir::snapshots_dir(&path));
        }
        let speed = self.speed;
        let emulator = self.build_with(Some(opened.dir));
        if let Some(stored) = opened.state {
            let mut state = stored.globals;
            if state.clock.mode == ClockMode::System.as_str()
                && state
                    .clock
                    .now
                    .parse::<Timestamp>()
                    .is_ok_and(|at| at < emulator.now())
            {
                state.clock.now = emulator.now().to_string();
            }
            let corrupt = |e: crate::admin::SnapshotError| DataDirError::Corrupt {
                path: path.clone(),
                reason: e.to_string(),
            };
            emulator.restore_clock(&state).map_err(corrupt)?;
            emulator.adopt_store(stored.store);
        } else {
            emulator.replace_store(Store::new(speed));
        }
        emulator.lock().set_speed(speed);
        // Jobs due while the emulator was down finish now.
        emulator.with_store(|_, _| ());
        Ok(emulator)
    }

    /// The emulator.
    pub fn build(self) -> Emulator {
        self.build_with(None)
    }

    fn build_with(self, data: Option<DataDir>) -> Emulator {
        let clock = Arc::new(match (self.clock, self.manual_clock, self.speed) {
            (_, Some(manual), _) => ControlledClock::manual(manual),
            (Some(clock), None, _) => ControlledClock::running(clock),
            (None, None, JobSpeed::Manual) => ControlledClock::manual(ManualClock::default()),
            (None, None, _) => ControlledClock::running(Arc::new(SystemClock)),
        });
        let objects = match self.gcs_dir {
            Some(dir) => ObjectStore::directory(dir),
            None => ObjectStore::with_samples(),
        };
        let store_clock = Arc::clone(&clock);
        let objects = objects.with_clock(move || store_clock.now());
        let mut store = Store::new(self.speed);
        store.projects_mut().merge(&self.projects);
        Emulator {
            inner: Arc::new(Inner {
                store: Mutex::new(store),
                clock,
                auth: self.auth,
                objects,
                faults: Mutex::new(Faults::default()),
                access: Mutex::new(self.access),
                journal: Mutex::new(Journal::default()),
                tokens: IssuedTokens::default(),
                interceptor: self.ca_dir.map(|dir| Arc::new(Interceptor::new(dir))),
                changes: watch::channel(0).0,
                data,
                snapshot_dir: self.snapshot_dir,
                projects: self.projects,
            }),
        }
    }
}
