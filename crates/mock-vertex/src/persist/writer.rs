//! The writer: one thread that owns the database connection and commits, in one transaction,
//! every batch queued since its last commit (group commit), then publishes how far it got; and
//! the checkpointer, a second thread with its own connection that copies the log into the
//! database every [`CHECKPOINT_EVERY`], so that commits never wait for a checkpoint.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;

use super::batch::Batch;
use super::db;

/// The most batches one transaction takes (a bound on how long one commit holds the others).
const MAX_GROUP: usize = 4096;

/// How often the checkpointer copies the log into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// About how many bytes the writer commits between two checkpoints of its own: they bound the log
/// under a load that never pauses (which never lets the checkpointer's copies reach its end, so
/// the log never restarts); most of it is already copied then, so they are short.
const LOG_BOUND: usize = 256 * 1024 * 1024;

/// How far the writer got.
#[derive(Debug, Clone, Default)]
struct Committed {
    /// The last sequence number committed.
    seq: u64,
    /// Why the writer stopped, if it did.
    failure: Option<String>,
}

/// The handle of the writer thread.
#[derive(Debug)]
pub(super) struct Writer {
    queue: Mutex<Option<mpsc::Sender<Batch>>>,
    next_seq: AtomicU64,
    committed: watch::Receiver<Committed>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// Dropped to stop the checkpointer.
    stop_checkpoints: Mutex<Option<mpsc::Sender<()>>>,
    checkpoints: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the writer on `connection`, and the checkpointer on `checkpointer`.
    pub(super) fn start(connection: Connection, checkpointer: Connection) -> Writer {
        let (stop_checkpoints, stop) = mpsc::channel();
        let checkpoints = std::thread::Builder::new()
            .name("mock-vertex-checkpoints".to_owned())
            .spawn(move || run_checkpoints(&checkpointer, &stop))
            .inspect_err(|e| {
                // Without it the writer's own checkpoints still bound the log.
                tracing::warn!(%e, "cannot start the checkpoint thread");
            })
            .ok();
        let (queue, batches) = mpsc::channel();
        let (published, committed) = watch::channel(Committed::default());
        let thread = std::thread::Builder::new()
            .name("mock-vertex-writer".to_owned())
            .spawn(move || run(connection, &batches, &published));
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(e) => {
                // No thread, no commits: every write answers with this reason.
                let (published, committed) = watch::channel(Committed {
                    seq: 0,
                    failure: Some(format!("cannot start the writer thread: {e}")),
                });
                drop(published);
                return Writer {
                    queue: Mutex::new(None),
                    next_seq: AtomicU64::new(1),
                    committed,
                    thread: Mutex::new(None),
                    stop_checkpoints: Mutex::new(Some(stop_checkpoints)),
                    checkpoints: Mutex::new(checkpoints),
                };
            }
        };
        Writer {
            queue: Mutex::new(Some(queue)),
            next_seq: AtomicU64::new(1),
            committed,
            thread: Mutex::new(thread),
            stop_checkpoints: Mutex::new(Some(stop_checkpoints)),
            checkpoints: Mutex::new(checkpoints),
        }
    }

    /// Queues a batch; its sequence number.
    pub(super) fn submit(&self, mut batch: Batch) -> u64 {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        batch.seq = seq;
        let queue = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(queue) = queue.as_ref() {
            // A closed queue means the writer stopped: its failure is published.
            let _stopped = queue.send(batch);
        }
        seq
    }

    /// The last sequence number queued (0: none).
    pub(super) fn last_queued(&self) -> u64 {
        self.next_seq.load(Ordering::SeqCst).saturating_sub(1)
    }

    /// Waits until batch `seq` is committed.
    pub(super) async fn committed(&self, seq: u64) -> Result<(), String> {
        let mut committed = self.committed.clone();
        let result = committed
            .wait_for(|c| c.seq >= seq || c.failure.is_some())
            .await
            .map(|c| c.clone());
        match result {
            Ok(c) if c.seq >= seq => Ok(()),
            Ok(c) => Err(c.failure.unwrap_or_default()),
            Err(_) => Err(self
                .committed
                .borrow()
                .failure
                .clone()
                .unwrap_or_else(|| "the writer stopped".to_owned())),
        }
    }

    /// Waits until the writer fails.
    pub(super) async fn failed(&self) -> String {
        let mut committed = self.committed.clone();
        match committed.wait_for(|c| c.failure.is_some()).await {
            Ok(c) => c.failure.clone().unwrap_or_default(),
            Err(_) => self
                .committed
                .borrow()
                .failure
                .clone()
                .unwrap_or_else(|| "the writer stopped".to_owned()),
        }
    }
}

impl Drop for Writer {
    /// Lets the writer commit what is queued, then waits for it to close the database (so the
    /// directory can be opened again at once).
    fn drop(&mut self) {
        let queue = self
            .queue
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(queue.take());
        let thread = self
            .thread
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(thread) = thread.take() {
            let _joined = thread.join();
        }
        let stop = self
            .stop_checkpoints
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(stop.take());
        let checkpoints = self
            .checkpoints
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(thread) = checkpoints.take() {
            let _joined = thread.join();
        }
    }
}

fn run(
    mut connection: Connection,
    batches: &mpsc::Receiver<Batch>,
    published: &watch::Sender<Committed>,
) {
    let mut logged = 0_usize;
    while let Ok(first) = batches.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match batches.try_recv() {
                Ok(batch) => group.push(batch),
                Err(_) => break,
            }
        }
        let last = group.last().map_or(0, |b| b.seq);
        match db::write(&mut connection, &group) {
            Ok(()) => {
                published.send_modify(|c| c.seq = last);
            }
            Err(e) => {
                let reason = format!(
                    "cannot commit to the database: {}",
                    super::error::sqlite_reason(&e)
                );
                tracing::error!(%reason, "the data directory is no longer written");
                published.send_modify(|c| c.failure = Some(reason));
                return;
            }
        }
        logged = logged.saturating_add(group.iter().map(Batch::size).sum());
        if logged >= LOG_BOUND {
            // After this group's replies are released: the next commit can start the log
            // afresh. Only a copy: emptying the file is the checkpointer's, so that the writer
            // never waits for the checkpointer's copy to end.
            warn_on_failure(db::copy_log(&connection).map(|_| ()));
            logged = 0;
        }
    }
}

/// Copies the log into the database every [`CHECKPOINT_EVERY`], on its own connection, until
/// `stop` is dropped (after the writer stopped); then copies what is left and empties the log
/// file, so the next start has no log to read.
fn run_checkpoints(connection: &Connection, stop: &mpsc::Receiver<()>) {
    let mut frames = 0;
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        match db::checkpoint(connection, frames) {
            Ok(now) => frames = now,
            Err(e) => warn_on_failure(Err(e)),
        }
    }
    warn_on_failure(db::truncate_log(connection));
}

fn warn_on_failure(checkpoint: rusqlite::Result<()>) {
    // A failed checkpoint loses nothing (the log still holds every commit) and is tried again;
    // a disk that fails for good fails the next commit.
    if let Err(e) = checkpoint {
        tracing::warn!(%e, "checkpoint of the data directory's log failed");
    }
}
