//! The test writer's controls as methods on [`Emulator`]: reset, state export and import,
//! seeding, route and job faults, the journal, and awaiting a job.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use retune_model::job_state::JobState;
use retune_model::names::{LocationName, TuningJobName};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire;
use retune_model::{Code, Timestamp};
use serde::Serialize;
use serde_json::json;

use super::seed::{self, SeedTunedModel, SeededModel};
use super::snapshot::{self, SnapshotError, StateSnapshot};
use crate::clock::ClockMode;
use crate::error::ApiError;
use crate::faults::{FaultBuilder, FaultId, FaultSpec, RouteFaultInfo, RouteMatch, Rpc};
use crate::journal::JournalEntry;
use crate::routes::ApiVersion;
use crate::state::Emulator;
use crate::store::{EpochFailure, JobFaults, Store};

/// How long an await waits when the request gives no timeout.
pub const DEFAULT_AWAIT_TIMEOUT: Duration = Duration::from_secs(60);

/// Which job a job fault is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobTarget {
    /// This job.
    Job(TuningJobName),
    /// The next job created (anywhere).
    Next,
}

impl From<TuningJobName> for JobTarget {
    fn from(name: TuningJobName) -> JobTarget {
        JobTarget::Job(name)
    }
}

impl From<&TuningJobName> for JobTarget {
    fn from(name: &TuningJobName) -> JobTarget {
        JobTarget::Job(name.clone())
    }
}

impl FromStr for JobTarget {
    type Err = retune_model::names::NameError;
    fn from_str(s: &str) -> Result<JobTarget, Self::Err> {
        if s == "next" {
            Ok(JobTarget::Next)
        } else {
            s.parse().map(JobTarget::Job)
        }
    }
}

impl EpochFailure {
    /// Fails once `epoch` epochs are completed, with INTERNAL and a message naming the epoch.
    pub fn at(epoch: u64) -> EpochFailure {
        EpochFailure {
            epoch,
            code: Code::Internal,
            message: format!("Tuning failed at epoch {epoch}. (mock-vertex injected failure)"),
        }
    }

    /// With this message.
    pub fn with_message(mut self, message: impl Into<String>) -> EpochFailure {
        self.message = message.into();
        self
    }

    /// With this code.
    pub fn with_code(mut self, code: Code) -> EpochFailure {
        self.code = code;
        self
    }
}

/// A job fault as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFaultInfo {
    /// The job's name, or `next`.
    pub job: String,
    /// Held in `PENDING`.
    pub held: bool,
    /// Fails once this many epochs are completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fail_at_epoch: Option<u64>,
}

fn job_fault_info(job: String, faults: &JobFaults) -> JobFaultInfo {
    JobFaultInfo {
        job,
        held: faults.held,
        fail_at_epoch: faults.fail_at_epoch.as_ref().map(|f| f.epoch),
    }
}

impl Emulator {
    /// Whether the emulator can serve requests (always, once built).
    pub fn is_ready(&self) -> bool {
        true
    }

    /// Forgets everything: jobs, models, endpoints, operations, id counters, job and route
    /// faults, the journal. The clock, the job speed and the object store stay.
    pub fn reset(&self) {
        let speed = self.job_speed();
        self.replace_store(Store::new(speed));
        self.faults().clear();
        self.journal().clear();
        self.notify_changed();
    }

    /// `name` written with its project number, as the store keys it (`crate::projects`): the
    /// test writer's controls take names in either form, as the API does.
    fn numbered<N>(&self, name: &N) -> N
    where
        N: FromStr + fmt::Display + Clone,
    {
        let text = name.to_string();
        match self.projects().canonical(&text) {
            std::borrow::Cow::Owned(numbered) => numbered.parse().unwrap_or_else(|_| name.clone()),
            std::borrow::Cow::Borrowed(_) => name.clone(),
        }
    }

    /// Forgets everything under one location (id counters keep counting).
    pub fn reset_location(&self, location: &LocationName) {
        let location = self.numbered(location);
        self.with_store_mut(|store, _| store.reset_location(&location));
    }

    /// Every broken invariant of the store, one line each (empty: sound); see
    /// `Store::check_consistency`.
    pub fn check_consistency(&self) -> Vec<String> {
        self.with_store(|store, _| store.check_consistency())
    }

    /// The whole state (after letting due job events happen).
    pub fn export_state(&self) -> StateSnapshot {
        let mode = self.clock_mode();
        self.with_store(|store, now| snapshot::export(store, now, mode.as_str()))
    }

    /// The whole state as JSON (pretty-printed, stable: the same state gives the same bytes).
    pub fn export_state_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.export_state()).unwrap_or_default()
    }

    /// Replaces the whole state with `snapshot`, clock included (its mode and time). Route
    /// faults and the journal are kept.
    pub fn import_state(&self, snapshot: &StateSnapshot) -> Result<(), SnapshotError> {
        let store = snapshot::import(snapshot)?;
        self.restore_clock(snapshot)?;
        self.replace_store(store);
        self.notify_changed();
        Ok(())
    }

    /// Sets the clock to a snapshot's mode and time.
    pub(crate) fn restore_clock(&self, snapshot: &StateSnapshot) -> Result<(), SnapshotError> {
        let now: Timestamp = snapshot
            .clock
            .now
            .parse()
            .map_err(|e| snapshot_error("clock.now", e))?;
        let mode = parse_clock_mode(&snapshot.clock.mode)
            .ok_or_else(|| snapshot_error("clock.mode", "expected manual or system"))?;
        self.set_clock_mode(mode);
        self.set_time(now);
        Ok(())
    }

    /// Replaces the whole state with a JSON snapshot.
    pub fn import_state_json(&self, json: &[u8]) -> Result<(), SnapshotError> {
        let snapshot: StateSnapshot =
            serde_json::from_slice(json).map_err(|e| snapshot_error("JSON", e))?;
        self.import_state(&snapshot)
    }

    /// Seeds a tuned model version with chosen facts (see [`SeedTunedModel`]).
    pub fn seed_tuned_model(&self, mut seed: SeedTunedModel) -> Result<SeededModel, ApiError> {
        seed.location = self.numbered(&seed.location);
        seed.parent = seed.parent.as_ref().map(|p| self.numbered(p));
        self.with_store_mut(|store, now| seed::seed_tuned_model(store, &seed, now))
    }

    /// Starts describing a fault on one RPC:
    /// `emulator.fail(Rpc::CreateTuningJob).with_status(503).times(2)`.
    pub fn fail(&self, rpc: Rpc) -> FaultBuilder<'_> {
        FaultBuilder::new(self, RouteMatch::Rpc(rpc))
    }

    /// Starts describing a fault on every Vertex AI route.
    pub fn fail_every_route(&self) -> FaultBuilder<'_> {
        FaultBuilder::new(self, RouteMatch::Any)
    }

    /// Installs a route fault.
    pub fn add_fault(&self, spec: FaultSpec) -> FaultId {
        self.faults().add(spec)
    }

    /// Removes a route fault; `false` if there was none with that id.
    pub fn remove_fault(&self, id: FaultId) -> bool {
        self.faults().remove(id)
    }

    /// The route faults, in order.
    pub fn route_faults(&self) -> Vec<RouteFaultInfo> {
        self.faults().list().iter().map(|f| f.info()).collect()
    }

    /// The job faults (attached to jobs, then the one for the next job, if any).
    pub fn job_faults(&self) -> Vec<JobFaultInfo> {
        self.with_store(|store, _| {
            let mut list: Vec<JobFaultInfo> = store
                .faulted_jobs()
                .map(|(name, f)| job_fault_info(name.to_string(), f))
                .collect();
            if !store.next_job_faults().is_empty() {
                list.push(job_fault_info("next".to_owned(), store.next_job_faults()));
            }
            list
        })
    }

    /// Removes every route and job fault; held jobs start running now.
    pub fn clear_faults(&self) {
        self.faults().clear();
        self.with_store_mut(|store, now| store.clear_job_faults(now));
    }

    /// Makes a job (or the next one created) fail once it has completed `failure.epoch` epochs.
    pub fn fail_job_at_epoch(
        &self,
        job: impl Into<JobTarget>,
        failure: EpochFailure,
    ) -> Result<(), ApiError> {
        let faults = JobFaults {
            held: false,
            fail_at_epoch: Some(failure),
        };
        match job.into() {
            JobTarget::Next => {
                self.with_store_mut(|store, _| store.fault_next_job(faults));
                Ok(())
            }
            JobTarget::Job(name) => {
                let name = self.numbered(&name);
                self.with_store_mut(|store, now| {
                    store.fail_job_at_epoch(
                        &name,
                        faults.fail_at_epoch.unwrap_or(EpochFailure::at(0)),
                        now,
                    )
                })
            }
        }
    }

    /// Holds a pending job (or the next one created) in `PENDING` until released.
    pub fn hold_job(&self, job: impl Into<JobTarget>) -> Result<(), ApiError> {
        match job.into() {
            JobTarget::Next => {
                self.with_store_mut(|store, _| {
                    store.fault_next_job(JobFaults {
                        held: true,
                        fail_at_epoch: None,
                    });
                });
                Ok(())
            }
            JobTarget::Job(name) => {
                let name = self.numbered(&name);
                self.with_store_mut(|store, now| store.hold_job(&name, now))
            }
        }
    }

    /// Releases a held job: it starts running now.
    pub fn release_job(&self, job: &TuningJobName) -> Result<(), ApiError> {
        let job = self.numbered(job);
        self.with_store_mut(|store, now| store.release_job(&job, now))
    }

    /// The journal of requests, oldest first (at most [`crate::journal::JOURNAL_CAPACITY`]).
    pub fn requests(&self) -> Vec<JournalEntry> {
        self.journal().entries()
    }

    /// Empties the journal.
    pub fn clear_requests(&self) {
        self.journal().clear();
    }

    /// Waits until `job` is in `state` (`None`: any terminal state), at most `timeout` (tokio
    /// time); answers the job as a v1beta1 GetTuningJob would.
    ///
    /// Errors: NOT_FOUND for an unknown job; FAILED_PRECONDITION if the job ended in another
    /// state; DEADLINE_EXCEEDED (naming the current state) when the timeout passes. On a manual
    /// clock, waiting does not move time.
    pub async fn await_job(
        &self,
        job: &TuningJobName,
        state: Option<JobState>,
        timeout: Duration,
    ) -> Result<wire::TuningJob, ApiError> {
        let job = &self.numbered(job);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.subscribe_changes();
        loop {
            changes.borrow_and_update();
            let (rendered, current, next) = self.with_store(|store, now| {
                let record = store.job(job)?;
                let current = record.view(now).progress.state;
                let next = store
                    .next_change(record, now)
                    .map(|at| at.duration_since(now));
                Ok::<_, ApiError>((
                    store.render_job(record, now, ApiVersion::V1Beta1),
                    current,
                    next,
                ))
            })?;
            let wanted = |s: JobState| state.map_or(s.is_terminal(), |w| w == s);
            if wanted(current) {
                return Ok(rendered);
            }
            if current.is_terminal() {
                return Err(ApiError::failed_precondition(format!(
                    "TuningJob {job} ended in {} and will never be {}.",
                    current.proto_name(),
                    state.map_or("terminal", JobState::proto_name)
                )));
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ApiError::new(
                    Code::DeadlineExceeded,
                    format!(
                        "TuningJob {job} did not reach {} within {timeout:?}; it is {}.",
                        state.map_or("a terminal state", JobState::proto_name),
                        current.proto_name()
                    ),
                )
                .with_detail(json!({
                    "@type": crate::error::ERROR_INFO_TYPE,
                    "reason": "AWAIT_TIMEOUT",
                    "domain": "mock-vertex",
                    "metadata": {"job": job.to_string(), "state": current.proto_name()},
                })));
            }
            let wake = match (self.clock_mode(), next) {
                (ClockMode::System, Some(d)) => {
                    deadline.min(tokio::time::Instant::now() + d.max(Duration::from_millis(1)))
                }
                _ => deadline,
            };
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

fn snapshot_error(what: &str, reason: impl std::fmt::Display) -> SnapshotError {
    // Reuse the snapshot module's error through a JSON-free path.
    snapshot::error(what, reason)
}

pub(super) fn parse_clock_mode(s: &str) -> Option<ClockMode> {
    match s {
        "manual" => Some(ClockMode::Manual),
        "system" => Some(ClockMode::System),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_targets_parse_next_or_a_job_name() {
        assert_eq!("next".parse::<JobTarget>(), Ok(JobTarget::Next));
        assert!(matches!(
            "projects/p/locations/us-central1/tuningJobs/7".parse::<JobTarget>(),
            Ok(JobTarget::Job(_))
        ));
        assert!("tomorrow".parse::<JobTarget>().is_err());
    }
}
