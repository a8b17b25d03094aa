//! `--data-dir`: the emulator's state kept in an embedded database, each change committed before
//! the reply that acknowledges it.
//!
//! Layout of a data directory `DIR`:
//! - `DIR/lock`: whoever holds its lock (taken at start, released at exit, even by the process
//!   dying) owns the directory, so a second emulator on `DIR` is refused;
//! - `DIR/state.sqlite3` (with its `-wal` and `-shm` files): a SQLite database in WAL mode
//!   (`synchronous` NORMAL, or FULL with `--fsync`: see [`Durability`]) holding `meta` (the format
//!   version and the globals: clock, job speed, id counters, faults waiting for the next job),
//!   `records` (every job, model, endpoint and operation, keyed by resource name, as its
//!   state-snapshot JSON) and `blobs` (content many records share, stored once under a key
//!   derived from it: data-set statistics, and the training pairs of jobs and versions, which
//!   their GenerateContent answers come from);
//! - `DIR/objects`: the object store (`gs://b/o` is `DIR/objects/b/o`), unless `--gcs-dir`;
//! - `DIR/snapshots`: named snapshots (`crate::admin::saved`), unless `--snapshot-dir`.
//!
//! Durability invariant: a request that changed the store gets its reply only after the
//! transaction holding its changes is committed: written to the log, so a crash or `kill -9` of
//! the emulator keeps it, and with `--fsync` ([`Durability::PowerLoss`]) also synced to the disk,
//! so a power loss keeps it too. A second thread copies the log into the database (a
//! checkpoint, which syncs both) every 100 ms on its own connection, so no request's commit waits
//! for one; a copied log over 4 MiB is emptied once the writes pause, and so is the log at shutdown (SQLite reads a
//! whole log again at a start after a kill). The store tracks which records changed (`store::Changes`); under the store lock they
//! are serialized into a batch (`persist/batch`) and queued, so the queue order is the order of changes. One writer thread
//! (`writer`) commits whatever is queued in one transaction (group commit: one append, and with
//! `--fsync` one fsync, for all the requests of the batch), then publishes the last sequence number committed; the request's
//! task awaits it (`await_durable`, a layer around every route) without holding any lock.
//!
//! Records are stored as their state-snapshot JSON, referring to shared content by key
//! (`admin::snapshot::Sharing`): a job row names its statistics and training pairs, a version
//! the pairs it knows, so a data set read by many jobs is stored once. The writer learns a key's
//! content the first time a row refers to it (a batch carries the new blobs with its rows).
//!
//! Start-up checks the database's header against the file (`header`) and reads every row,
//! turning each into its store record where it is parsed (`admin::snapshot::Restorer`, the
//! functions of a snapshot's import): one thread reads, every core parses, one thread stores.
//!
//! Format versions (`db::DATA_FORMAT`): format 0 is a directory holding a JSON state export
//! `state.json` (what `GET /_emulator/state` wrote before there was a database); it is migrated
//! into a new database, and the file is left in place. Format 1 had no `blobs` table (each job
//! row held its statistics, and training pairs were not kept): it is migrated in place, in one
//! transaction. A database of a newer format is refused.

mod batch;
mod db;
mod error;
mod header;
mod writer;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use retune_model::Code;

pub(crate) use db::Stored;
pub use db::{DATA_FORMAT, Durability};
pub use error::DataDirError;

use crate::admin::snapshot::Sharing;
use crate::error::ApiError;
use crate::state::Emulator;
use crate::store::Store;
use retune_model::Timestamp;

/// The object store's directory name.
const OBJECTS_DIR: &str = "objects";
/// The named snapshots' directory name.
const SNAPSHOTS_DIR: &str = "snapshots";

/// An open data directory: the writer committing changes to its (locked) database.
#[derive(Debug)]
pub(crate) struct DataDir {
    path: PathBuf,
    /// Dropped (threads joined, connections closed) before the lock.
    writer: writer::Writer,
    /// The directory's lock (`DIR/lock`), held while the emulator runs.
    _lock: std::fs::File,
    /// The keys of the shared content the database holds (or is queued to).
    sharing: Mutex<Sharing>,
}

/// What a data directory held when it was opened.
#[derive(Debug)]
pub(crate) struct Opened {
    /// The directory, locked, with its writer running.
    pub(crate) dir: DataDir,
    /// The stored state, restored (`None`: a new directory).
    pub(crate) state: Option<Stored>,
}

impl DataDir {
    /// Opens (creating it if missing) the data directory `path`: locks, checks and
    /// migrates its database, reads the state it holds, and starts the writer, whose commits
    /// are as durable as `durability` says.
    pub(crate) fn open(path: &Path, durability: Durability) -> Result<Opened, DataDirError> {
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(DataDirError::NotADirectory(path.to_owned()));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(path).map_err(|e| DataDirError::io(path, e))?;
            }
            Err(e) => return Err(DataDirError::io(path, e)),
        }
        let lock = db::lock(path)?;
        let (connection, state) = db::open(path, durability)?;
        let checkpointer = db::checkpointer(path, durability)?;
        let mut sharing = Sharing::default();
        if let Some(state) = &state {
            sharing.know(&state.globals.shared);
        }
        Ok(Opened {
            dir: DataDir {
                path: path.to_owned(),
                writer: writer::Writer::start(connection, checkpointer),
                sharing: Mutex::new(sharing),
                _lock: lock,
            },
            state,
        })
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Where the object store lives in a data directory.
    pub(crate) fn objects_dir(path: &Path) -> PathBuf {
        path.join(OBJECTS_DIR)
    }

    /// Where named snapshots are saved in a data directory.
    pub(crate) fn snapshots_dir(path: &Path) -> PathBuf {
        path.join(SNAPSHOTS_DIR)
    }

    /// The batch of the changes `store` tracked since the last one, with the clock at `now` in
    /// `mode`; `None` when nothing changed, unless `force` (the clock moved). Call with the
    /// store locked, then [`submit`](DataDir::submit) it.
    pub(crate) fn collect(
        &self,
        store: &mut Store,
        now: Timestamp,
        mode: &str,
        force: bool,
    ) -> Option<batch::Batch> {
        let mut sharing = self
            .sharing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        batch::collect(store, now, mode, force, &mut sharing)
    }

    /// Queues a batch (call with the store locked, so batches queue in the order of changes);
    /// returns its sequence number, to [`note_written`] and then await.
    pub(crate) fn submit(&self, batch: batch::Batch) -> u64 {
        self.writer.submit(batch)
    }

    /// Waits until batch `seq` is committed; the reason when it never will be.
    pub(crate) async fn committed(&self, seq: u64) -> Result<(), String> {
        self.writer.committed(seq).await
    }

    /// Waits until every batch queued so far is committed.
    pub(crate) async fn flushed(&self) -> Result<(), String> {
        self.writer.committed(self.writer.last_queued()).await
    }

    /// Waits until the writer fails (never, while it works); the reason.
    pub(crate) async fn failed(&self) -> String {
        self.writer.failed().await
    }
}

tokio::task_local! {
    /// The last batch the current request queued (0: none).
    static WRITTEN: Cell<u64>;
}

/// Records that the current request queued batch `seq` (its reply waits for it).
pub(crate) fn note_written(seq: u64) {
    // Outside a request (start-up, background work) there is no reply to hold back.
    let _outside = WRITTEN.try_with(|written| written.set(written.get().max(seq)));
}

/// The layer that holds a reply back until the changes its request made are committed; when
/// they cannot be, the reply is 503 UNAVAILABLE naming the reason.
pub(crate) async fn await_durable(
    State(emulator): State<Emulator>,
    request: Request,
    next: Next,
) -> Response {
    let Some(dir) = emulator.data_dir() else {
        return next.run(request).await;
    };
    let (response, seq) = WRITTEN
        .scope(Cell::new(0), async {
            let response = next.run(request).await;
            (response, WRITTEN.with(Cell::get))
        })
        .await;
    if seq == 0 {
        return response;
    }
    match dir.committed(seq).await {
        Ok(()) => response,
        Err(reason) => ApiError::new(
            Code::Unavailable,
            format!("The emulator cannot write its data directory: {reason}."),
        )
        .into_response(),
    }
}
