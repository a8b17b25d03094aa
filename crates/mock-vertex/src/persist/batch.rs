//! A batch: the changes of one store update, serialized under the store lock (so batches are
//! queued in the order the changes happened) into the rows the writer puts or deletes.

use serde::Serialize;

use crate::admin::snapshot::PhaseSnapshot;
use crate::admin::snapshot::{
    SharedSnapshot, Sharing, endpoint_snapshot, globals, job_snapshot, model_snapshot,
    operation_snapshot,
};
use crate::jobs::JobRecord;
use crate::store::{RecordName, Store};
use retune_model::Timestamp;

/// The kind column of a job row.
pub(super) const JOB: &str = "job";
/// The kind column of a model row (with its versions).
pub(super) const MODEL: &str = "model";
/// The kind column of an endpoint row.
pub(super) const ENDPOINT: &str = "endpoint";
/// The kind column of an operation row.
pub(super) const OPERATION: &str = "operation";

/// One record row: its resource name (the key), location, kind and snapshot JSON.
#[derive(Debug)]
pub(crate) struct Row {
    pub(super) name: String,
    pub(super) location: String,
    pub(super) kind: &'static str,
    pub(super) body: String,
}

/// One shared-content row: its key (`stats-…` or `pairs-…`) and JSON.
#[derive(Debug)]
pub(crate) struct Blob {
    pub(super) key: String,
    pub(super) body: String,
}

/// The rows one store update changed, and the globals after it.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Set by the writer's queue.
    pub(super) seq: u64,
    /// The globals (a state snapshot without locations), as JSON.
    pub(super) globals: String,
    /// Every record row is replaced by `puts`.
    pub(super) everything: bool,
    /// Locations whose rows are all deleted (before `puts` and `deletes`).
    pub(super) cleared: Vec<String>,
    /// Rows written.
    pub(super) puts: Vec<Row>,
    /// Rows deleted, by name.
    pub(super) deletes: Vec<String>,
    /// Shared content the rows refer to for the first time (kept if already there).
    pub(super) blobs: Vec<Blob>,
}

impl Batch {
    /// About how many bytes it writes.
    pub(super) fn size(&self) -> usize {
        self.globals.len()
            + self
                .puts
                .iter()
                .map(|r| r.name.len() + r.location.len() + r.body.len())
                .sum::<usize>()
            + self.deletes.iter().map(String::len).sum::<usize>()
    }
}

fn json<T: Serialize>(value: &T) -> String {
    // The snapshot types are plain data: serializing them cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn row<T: Serialize>(name: String, location: String, kind: &'static str, body: &T) -> Row {
    Row {
        name,
        location,
        kind,
        body: json(body),
    }
}

/// The rows of shared content.
pub(super) fn blobs(shared: SharedSnapshot) -> Vec<Blob> {
    let stats = shared.stats.into_iter().map(|(key, value)| Blob {
        key,
        body: value.to_string(),
    });
    let pairs = shared.pairs.into_iter().map(|(key, pairs)| Blob {
        key,
        body: json(&pairs),
    });
    stats.chain(pairs).collect()
}

/// The row of a job; while its output shares its version's checkpoints, they are left out
/// (`OutputSnapshot::checkpoints_of_version`: the version's row has them).
fn job_row(store: &Store, job: &JobRecord, location: String, sharing: &mut Sharing) -> Row {
    let mut body = job_snapshot(job, store.faults_of(&job.name), sharing);
    if store.output_shares_version_checkpoints(job)
        && let PhaseSnapshot::Ended {
            output: Some(output),
            ..
        } = &mut body.phase
    {
        output.checkpoints.clear();
        output.checkpoints_of_version = true;
    }
    row(job.name.to_string(), location, JOB, &body)
}

/// The rows of one record as the store holds it now (`None`: it is gone).
fn record_row(store: &Store, record: &RecordName, sharing: &mut Sharing) -> Option<Row> {
    let location = record.location_name().to_string();
    match record {
        RecordName::Job(name) => store
            .job(name)
            .ok()
            .map(|job| job_row(store, job, location, sharing)),
        RecordName::Model(name) => store.model(name).ok().map(|m| {
            row(
                name.to_string(),
                location,
                MODEL,
                &model_snapshot(m, sharing),
            )
        }),
        RecordName::Endpoint(name) => store
            .stored_endpoint(name)
            .map(|e| row(name.to_string(), location, ENDPOINT, &endpoint_snapshot(e))),
        RecordName::Operation(name) => store.operation(name).ok().map(|o| {
            row(
                name.to_string(),
                location,
                OPERATION,
                &operation_snapshot(o),
            )
        }),
    }
}

fn record_key(record: &RecordName) -> String {
    match record {
        RecordName::Job(n) => n.to_string(),
        RecordName::Model(n) => n.to_string(),
        RecordName::Endpoint(n) => n.to_string(),
        RecordName::Operation(n) => n.to_string(),
    }
}

/// Every record row of the store.
fn all_rows(store: &Store, sharing: &mut Sharing) -> Vec<Row> {
    let mut rows = Vec::new();
    for location in store.locations() {
        let l = location.to_string();
        for job in store.jobs_in(location) {
            rows.push(job_row(store, job, l.clone(), sharing));
        }
        for m in store.models_in(location) {
            rows.push(row(
                m.name().to_string(),
                l.clone(),
                MODEL,
                &model_snapshot(m, sharing),
            ));
        }
        // Endpoints derived from their version have no row (`store::endpoints`).
        for e in store.stored_endpoints_in(location) {
            rows.push(row(
                e.name.to_string(),
                l.clone(),
                ENDPOINT,
                &endpoint_snapshot(e),
            ));
        }
        for o in store.operations_in(location) {
            rows.push(row(
                o.name.to_string(),
                l.clone(),
                OPERATION,
                &operation_snapshot(o),
            ));
        }
    }
    rows
}

/// The batch of the changes the store tracked since the last one, with the clock at `now` in
/// `mode`; `None` when nothing changed, unless `force` (the clock moved). Shared content is keyed
/// in `sharing`, the data directory's: only content it has not keyed before is in the batch.
pub(crate) fn collect(
    store: &mut Store,
    now: Timestamp,
    mode: &str,
    force: bool,
    sharing: &mut Sharing,
) -> Option<Batch> {
    if !store.tracks_changes() {
        return None;
    }
    let changes = store.take_changes();
    if changes.is_empty() && !force {
        return None;
    }
    let mut batch = Batch {
        globals: json(&globals(store, now, mode)),
        ..Batch::default()
    };
    if changes.everything {
        batch.everything = true;
        batch.puts = all_rows(store, sharing);
    } else {
        batch.cleared = changes.cleared.iter().map(ToString::to_string).collect();
        for record in &changes.records {
            match record_row(store, record, sharing) {
                Some(row) => batch.puts.push(row),
                None => batch.deletes.push(record_key(record)),
            }
        }
    }
    batch.blobs = blobs(sharing.take_new());
    Some(batch)
}

/// The batch writing a whole state snapshot (a new database made from it).
pub(super) fn of_snapshot(snapshot: &crate::admin::StateSnapshot) -> Batch {
    let mut batch = Batch {
        globals: json(&crate::admin::StateSnapshot {
            format: snapshot.format,
            clock: snapshot.clock.clone(),
            jobs_speed: snapshot.jobs_speed.clone(),
            counters: snapshot.counters.clone(),
            next_job_faults: snapshot.next_job_faults.clone(),
            project_numbers: snapshot.project_numbers.clone(),
            locations: Vec::new(),
            shared: SharedSnapshot::default(),
        }),
        everything: true,
        blobs: blobs(snapshot.shared.clone()),
        ..Batch::default()
    };
    for l in &snapshot.locations {
        let loc = || l.name.clone();
        batch
            .puts
            .extend(l.jobs.iter().map(|j| row(j.name.clone(), loc(), JOB, j)));
        batch.puts.extend(
            l.models
                .iter()
                .map(|m| row(m.name.clone(), loc(), MODEL, m)),
        );
        batch.puts.extend(
            l.endpoints
                .iter()
                .map(|e| row(e.name.clone(), loc(), ENDPOINT, e)),
        );
        batch.puts.extend(
            l.operations
                .iter()
                .map(|o| row(o.name.clone(), loc(), OPERATION, o)),
        );
    }
    batch
}
