//! The emulator's shared state: settings, the clock, the object reader and the store.
//!
//! [`Emulator`] is a cheap handle (`Arc` inside) shared by every request. The store sits behind
//! one `std::sync::Mutex`, taken only inside [`Emulator::with_store`], a synchronous closure, so
//! the lock is never held across an `.await`. Every request first lets due job events happen
//! (`Store::advance`), so jobs move lazily, at a cost proportional to the events that are due.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use retune_model::Timestamp;

use crate::auth::AuthMode;
use crate::clock::{Clock, ManualClock, SystemClock};
use crate::storage::ObjectStore;
use crate::store::Store;

/// How fast tuning jobs move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JobSpeed {
    /// Every phase takes no time: create answers `PENDING`, the next read shows the final state.
    Instant,
    /// Phases take time scaled from the data set size and the epoch count (see
    /// [`crate::jobs::scaled_timeline`]); with the default data sets a job ends in about 3 s.
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
    clock: Arc<dyn Clock>,
    manual_clock: Option<ManualClock>,
    auth: AuthMode,
    speed: JobSpeed,
    objects: ObjectStore,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("auth", &self.inner.auth)
            .field("speed", &self.inner.speed)
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

    /// How fast jobs move.
    pub fn job_speed(&self) -> JobSpeed {
        self.inner.speed
    }

    /// The clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.inner.clock)
    }

    /// The manual clock, when the emulator runs on one.
    pub fn manual_clock(&self) -> Option<&ManualClock> {
        self.inner.manual_clock.as_ref()
    }

    /// Moves the manual clock forward; returns `false` (and does nothing) on any other clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.inner.manual_clock {
            Some(clock) => {
                clock.advance(by);
                true
            }
            None => false,
        }
    }

    /// The current time, from the clock.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// The object store tuning jobs read their data sets from (also served as the GCS JSON API).
    pub fn objects(&self) -> &ObjectStore {
        &self.inner.objects
    }

    /// Runs `f` on the store after letting every job event due by now happen.
    ///
    /// The lock is held only for the duration of `f`, which cannot `.await`.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store, Timestamp) -> R) -> R {
        let now = self.now();
        let mut store = self.lock();
        store.advance(now);
        f(&mut store, now)
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
    speed: JobSpeed,
    clock: Option<Arc<dyn Clock>>,
    manual_clock: Option<ManualClock>,
    gcs_dir: Option<PathBuf>,
}

impl EmulatorBuilder {
    /// Which callers are accepted (default [`AuthMode::Anonymous`]).
    pub fn auth(mut self, auth: AuthMode) -> Self {
        self.auth = auth;
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

    /// The emulator.
    pub fn build(self) -> Emulator {
        let (clock, manual_clock) = match (self.clock, self.manual_clock, self.speed) {
            (Some(clock), manual, _) => (clock, manual),
            (None, _, JobSpeed::Manual) => {
                let manual = ManualClock::default();
                (Arc::new(manual.clone()) as Arc<dyn Clock>, Some(manual))
            }
            (None, _, _) => (Arc::new(SystemClock) as Arc<dyn Clock>, None),
        };
        let objects = match self.gcs_dir {
            Some(dir) => ObjectStore::directory(dir),
            None => ObjectStore::with_samples(),
        };
        let store_clock = Arc::clone(&clock);
        let objects = objects.with_clock(move || store_clock.now());
        Emulator {
            inner: Arc::new(Inner {
                store: Mutex::new(Store::new(self.speed)),
                clock,
                manual_clock,
                auth: self.auth,
                speed: self.speed,
                objects,
            }),
        }
    }
}
