//! The database file: opening it (checked, migrated), reading the state it holds, and writing
//! batches in one transaction.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::DataDirError;
use super::batch::{self, Batch};
use super::header::{self, HeaderCheck};
use crate::admin::StateSnapshot;
use crate::admin::snapshot::{
    EndpointSnapshot, JobSnapshot, LocationSnapshot, ModelSnapshot, OperationSnapshot, Restored,
    Restorer, SharedSnapshot,
};
use crate::store::Store;

/// The format of the database this emulator writes (the `format` row of `meta`).
pub const DATA_FORMAT: u32 = 3;

/// The size the write-ahead log file is cut back to after a checkpoint, in bytes.
const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// The most log frames (pages, 4 KiB each) a completely copied log keeps before its file is
/// emptied ([`truncate_log`]): about 4 MiB, read in a few milliseconds at a start after a kill.
const TRUNCATE_ABOVE_FRAMES: i64 = 1024;

/// A log file longer than this at start is copied and emptied before the state is read.
const TRUNCATE_ABOVE_BYTES: u64 = 4 * 1024 * 1024;

/// How a commit reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// A commit is written to the log file (in the operating system's cache) before its reply:
    /// it survives the emulator's crash or `kill -9`, not a power loss or an operating-system
    /// crash (`synchronous = NORMAL`; the log is synced at each checkpoint).
    #[default]
    Crash,
    /// Each commit is also fsynced before its reply: it survives a power loss too
    /// (`synchronous = FULL`; `--fsync`).
    PowerLoss,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Durability::Crash => "NORMAL",
            Durability::PowerLoss => "FULL",
        }
    }
}

/// How long a connection waits for the other's short lock on the log's index.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The lock file: whoever holds its lock owns the directory.
const LOCK_FILE: &str = "lock";

/// The database's file name.
const DB_FILE: &str = "state.sqlite3";
/// A database being made, renamed to [`DB_FILE`] once complete.
const NEW_DB_FILE: &str = "state.sqlite3.new";
/// Format 0: a JSON state export.
const V0_EXPORT: &str = "state.json";

const SCHEMA: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    CREATE TABLE records (
        name TEXT PRIMARY KEY,
        location TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL
    ) STRICT;
    CREATE INDEX records_by_location ON records (location);
    CREATE TABLE blobs (key TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;
";

/// What format 2 added to format 1's schema.
const SCHEMA_2: &str = "CREATE TABLE blobs (key TEXT PRIMARY KEY, body TEXT NOT NULL) STRICT;";

/// Opens the database of `dir` for the writer, making it when missing (from a format-0 export
/// when there is one), and restores the state it holds; commits reach the disk as `durability`
/// says.
pub(super) fn open(
    dir: &Path,
    durability: Durability,
) -> Result<(Connection, Option<Stored>), DataDirError> {
    let path = dir.join(DB_FILE);
    let exists = path.try_exists().map_err(|e| DataDirError::io(&path, e))?;
    if !exists {
        create(dir, &path)?;
    }
    let mut connection = connect(&path, durability)?;
    let format = format(&connection, &path)?;
    if format < DATA_FORMAT {
        migrate(&mut connection, &path, format)?;
    }
    if std::fs::metadata(log_path(&path)).is_ok_and(|m| m.len() > TRUNCATE_ABOVE_BYTES) {
        // A big log left by a kill (of a large import, say): copied and emptied now, so no
        // later start reads it again.
        truncate_log(&connection).map_err(|e| damaged_or_database(&path, e))?;
    }
    let stored = match restore(&connection, &path)? {
        Restoration::Empty => None,
        Restoration::Stored(stored) => Some(*stored),
        Restoration::NamedById => {
            // Records written when names carried project ids: rewritten once, under the
            // project numbers the emulator answers with, so no row keeps an id name.
            let loaded = load(&connection, &path)?
                .ok_or_else(|| DataDirError::corrupt(&path, "its globals vanished"))?;
            let canonical = crate::admin::snapshot::canonical(&loaded)
                .map_err(|e| DataDirError::corrupt(&path, e))?
                .unwrap_or(loaded);
            write(&mut connection, &[batch::of_snapshot(&canonical)])
                .map_err(|e| DataDirError::database(&path, e))?;
            match restore(&connection, &path)? {
                Restoration::Stored(stored) => Some(*stored),
                Restoration::Empty | Restoration::NamedById => {
                    return Err(DataDirError::corrupt(
                        &path,
                        "its names cannot be rewritten with project numbers",
                    ));
                }
            }
        }
    };
    Ok((connection, stored))
}

/// Opens an existing database file for reading and writing, in WAL mode with the syncs of
/// `durability` and no automatic checkpoints (see [`checkpointer`]), after checking that its
/// header fits the file (`persist/header`): not a SQLite file, or cut short, it is refused
/// before anything touches it. The pages themselves are checked as [`load`] reads every row
/// (SQLite refuses a damaged page it reads), so no integrity check reads the whole file first;
/// only a file shorter than its header says while its log holds frames (a crash during a
/// checkpoint) gets SQLite's full check. The caller holds the directory's lock.
fn connect(path: &Path, durability: Durability) -> Result<Connection, DataDirError> {
    let log_has_frames = std::fs::metadata(log_path(path)).is_ok_and(|m| m.len() > 0);
    let check = header::check(path, log_has_frames)
        .map_err(|e| DataDirError::database(path, e))?
        .map_err(|e| DataDirError::corrupt(path, e))?;
    let connection = session(path, durability)?;
    if check == HeaderCheck::ShortOfItsLog {
        let check: String = connection
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(|e| damaged_or_database(path, e))?;
        if check != "ok" {
            return Err(DataDirError::corrupt(path, check));
        }
    }
    Ok(connection)
}

/// The write-ahead log of the database `path`.
fn log_path(path: &Path) -> std::path::PathBuf {
    let mut log = path.as_os_str().to_owned();
    log.push("-wal");
    log.into()
}

/// The connection that copies the log into the database (checkpoints), on its own thread, so
/// that no commit waits for a checkpoint.
pub(super) fn checkpointer(dir: &Path, durability: Durability) -> Result<Connection, DataDirError> {
    session(&dir.join(DB_FILE), durability)
}

/// A connection to the database in WAL mode. WAL makes a commit one append to the log (and,
/// with `synchronous = FULL`, one fsync). An automatic checkpoint would run inside the commit
/// that crosses its threshold, copying the log into the database and syncing both while every
/// request of that group waits: checkpoints run on [`checkpointer`]'s connection instead.
fn session(path: &Path, durability: Durability) -> Result<Connection, DataDirError> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| DataDirError::sqlite(path, &e))?;
    // Only this emulator's two connections use the file (the directory's lock): a short wait
    // covers the moment one of them changes the log's shared index.
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| DataDirError::sqlite(path, &e))?;
    connection
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {};
             PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = {WAL_SIZE_LIMIT};",
            durability.pragma()
        ))
        .map_err(|e| damaged_or_database(path, e))?;
    Ok(connection)
}

/// Takes the lock of the data directory `dir` (the file `DIR/lock`), held until the returned
/// file is closed, by the emulator's exit or death: a second emulator on `dir` is refused.
pub(super) fn lock(dir: &Path) -> Result<std::fs::File, DataDirError> {
    let path = dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| DataDirError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(DataDirError::Locked(dir.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(DataDirError::io(&path, e)),
    }
}

/// A SQLite error while reading: a damaged file, or another problem (permissions, disk).
fn damaged_or_database(path: &Path, e: rusqlite::Error) -> DataDirError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            DataDirError::corrupt(path, e)
        }
        _ => DataDirError::sqlite(path, &e),
    }
}

/// Makes a new database (holding the format-0 export of `dir`, if any) under a temporary name
/// and renames it into place once complete, so a crash never leaves a half-made database.
fn create(dir: &Path, path: &Path) -> Result<(), DataDirError> {
    let initial = read_v0(dir)?;
    let temp = dir.join(NEW_DB_FILE);
    match std::fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(DataDirError::io(&temp, e)),
    }
    {
        let mut connection =
            Connection::open(&temp).map_err(|e| DataDirError::sqlite(&temp, &e))?;
        let tx = connection
            .transaction()
            .map_err(|e| DataDirError::sqlite(&temp, &e))?;
        tx.execute_batch(SCHEMA)
            .map_err(|e| DataDirError::sqlite(&temp, &e))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('format', ?1)",
            params![DATA_FORMAT.to_string()],
        )
        .map_err(|e| DataDirError::sqlite(&temp, &e))?;
        if let Some(snapshot) = &initial {
            apply(&tx, &batch::of_snapshot(snapshot))
                .map_err(|e| DataDirError::sqlite(&temp, &e))?;
        }
        tx.commit().map_err(|e| DataDirError::sqlite(&temp, &e))?;
        connection
            .close()
            .map_err(|(_, e)| DataDirError::sqlite(&temp, &e))?;
    }
    sync_file(&temp)?;
    std::fs::rename(&temp, path).map_err(|e| DataDirError::io(path, e))?;
    sync_file(dir)
}

fn sync_file(path: &Path) -> Result<(), DataDirError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| DataDirError::io(path, e))
}

/// The format-0 export of `dir` (`state.json`), if there is one.
fn read_v0(dir: &Path) -> Result<Option<StateSnapshot>, DataDirError> {
    let path = dir.join(V0_EXPORT);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DataDirError::io(&path, e)),
    };
    let snapshot: StateSnapshot =
        serde_json::from_slice(&bytes).map_err(|e| DataDirError::corrupt(&path, e))?;
    // Checked now, so a bad export is refused before anything is written.
    crate::admin::snapshot::import(&snapshot).map_err(|e| DataDirError::corrupt(&path, e))?;
    Ok(Some(snapshot))
}

/// The format of an open database (checked: one this emulator can read).
fn format(connection: &Connection, path: &Path) -> Result<u32, DataDirError> {
    let read = |e: rusqlite::Error| damaged_or_database(path, e);
    let has_meta: bool = connection
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', 'records')",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map_err(read)?
        == 2;
    if !has_meta {
        return Err(DataDirError::corrupt(path, "it has no emulator tables"));
    }
    let format: u32 = match meta(connection, path, "format")? {
        Some(f) => f
            .parse()
            .map_err(|_| DataDirError::corrupt(path, format!("format {f:?}")))?,
        None => return Err(DataDirError::corrupt(path, "it has no format")),
    };
    if format > DATA_FORMAT {
        return Err(DataDirError::Newer {
            path: path.to_owned(),
            found: format,
            supported: DATA_FORMAT,
        });
    }
    Ok(format)
}

/// A value of the `meta` table.
fn meta(connection: &Connection, path: &Path, key: &str) -> Result<Option<String>, DataDirError> {
    connection
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
        .map_err(|e| damaged_or_database(path, e))
}

/// Brings a database of format `from` to [`DATA_FORMAT`], in one transaction (a crash leaves
/// it as it was).
///
/// 1 -> 2: the `blobs` table is made, and each job row's statistics move into it (the row keeps
/// their key), so jobs made from one data set share one copy. Training pairs were not kept in
/// format 1: migrated jobs and versions have none, as before.
///
/// 2 -> 3: the endpoints a tuning job made are no longer written as rows (they are derived from
/// their version: `store::endpoints`); a format-2 row of one is read as the endpoint it derives
/// to, and deleted with its version. Nothing is rewritten, only the format: an emulator that
/// expects every endpoint as a row refuses the directory.
fn migrate(connection: &mut Connection, path: &Path, from: u32) -> Result<(), DataDirError> {
    let fail = |e: rusqlite::Error| damaged_or_database(path, e);
    let tx = connection.transaction().map_err(fail)?;
    if from < 2 {
        tx.execute_batch(SCHEMA_2).map_err(fail)?;
        let jobs: Vec<(String, String)> = {
            let mut statement = tx
                .prepare("SELECT name, body FROM records WHERE kind = ?1")
                .map_err(fail)?;
            statement
                .query_map([batch::JOB], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(fail)?
                .collect::<rusqlite::Result<_>>()
                .map_err(fail)?
        };
        for (name, body) in jobs {
            let mut job: serde_json::Value = serde_json::from_str(&body)
                .map_err(|e| DataDirError::corrupt(path, format!("record {name}: {e}")))?;
            let Some(stats) = job
                .get_mut("data")
                .and_then(|data| data.get_mut("valid"))
                .map(serde_json::Value::take)
            else {
                continue;
            };
            let key = crate::admin::snapshot::stats_key(&stats);
            tx.prepare_cached("INSERT OR IGNORE INTO blobs (key, body) VALUES (?1, ?2)")
                .and_then(|mut s| s.execute(params![key, stats.to_string()]))
                .map_err(fail)?;
            job["data"] = serde_json::json!({ "validShared": key });
            tx.prepare_cached("UPDATE records SET body = ?2 WHERE name = ?1")
                .and_then(|mut s| s.execute(params![name, job.to_string()]))
                .map_err(fail)?;
        }
    }
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE key = 'format'",
        [DATA_FORMAT.to_string()],
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)
}

/// What a database holds, restored into a store.
#[derive(Debug)]
pub(crate) struct Stored {
    /// The globals (clock, speed, counters, project numbers) and the shared content; no
    /// locations (their records are in `store`).
    pub(crate) globals: StateSnapshot,
    /// Every record, as the store keeps them.
    pub(crate) store: Store,
}

/// What [`restore`] found.
enum Restoration {
    /// Nothing was ever written.
    Empty,
    /// The state, restored.
    Stored(Box<Stored>),
    /// A location is named with a project id (records written before names carried project
    /// numbers): the records must be rewritten first.
    NamedById,
}

/// The state the database holds, restored into a store: each row is parsed and turned into
/// its store record in one step, on every core (so no whole-state snapshot is ever built, or
/// freed), then stored in the order of a snapshot's import.
fn restore(connection: &Connection, path: &Path) -> Result<Restoration, DataDirError> {
    let Some(mut globals) = read_globals(connection, path)? else {
        return Ok(Restoration::Empty);
    };
    read_blobs(connection, path, &mut globals.shared)?;
    let corrupt = |e: crate::admin::SnapshotError| DataDirError::corrupt(path, e);
    let (restorer, restoring) = crate::admin::snapshot::restoring(&globals).map_err(corrupt)?;
    let mut named_by_id = false;
    // Three stages, so that none waits for another: this thread reads rows, the threads of
    // `read_records` parse them (on every core), and `storer` stores what they made.
    let restoring = std::thread::scope(|scope| {
        let (parsed, to_store) = std::sync::mpsc::sync_channel::<Parsed>(1);
        let storer = scope.spawn(move || {
            let mut restoring = restoring;
            for (locations, records) in to_store {
                for (location, record) in records {
                    let location = locations.get(location).map_or("", String::as_str);
                    restoring.add(location, record?).map_err(corrupt)?;
                }
            }
            Ok::<_, DataDirError>(restoring)
        });
        let read = read_records(connection, path, |chunk| {
            if chunk.locations.iter().any(|l| !restorer.is_canonical(l)) {
                named_by_id = true;
                return Ok(false);
            }
            let records = crate::parallel::map(&chunk.rows, |row| {
                (row.location, restore_row(path, &restorer, chunk, row))
            });
            // A closed storer failed: its result says why.
            Ok(parsed.send((chunk.locations.clone(), records)).is_ok())
        });
        drop(parsed);
        let stored = match storer.join() {
            Ok(stored) => stored,
            // A panic while storing is a bug: passed on as it was.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        read.and(stored)
    })?;
    if named_by_id {
        return Ok(Restoration::NamedById);
    }
    let store = restoring.finish().map_err(corrupt)?;
    Ok(Restoration::Stored(Box::new(Stored { globals, store })))
}

/// A parsed chunk of rows: their locations, and each row's record with the index of its
/// location.
type Parsed = (Vec<String>, Vec<(usize, Result<Restored, DataDirError>)>);

/// A row of `records` parsed and turned into its store record.
fn restore_row(
    path: &Path,
    restoring: &Restorer<'_>,
    chunk: &Chunk,
    row: &RawRow,
) -> Result<Restored, DataDirError> {
    let name = chunk.name(row);
    let bad = |e: serde_json::Error| DataDirError::corrupt(path, format!("record {name}: {e}"));
    let body = chunk.body(row);
    let restored = match row.kind {
        Some(Kind::Job) => restoring.job(serde_json::from_str(body).map_err(bad)?),
        Some(Kind::Model) => restoring.model(&serde_json::from_str(body).map_err(bad)?),
        Some(Kind::Endpoint) => restoring.endpoint(&serde_json::from_str(body).map_err(bad)?),
        Some(Kind::Operation) => restoring.operation(serde_json::from_str(body).map_err(bad)?),
        None => return Err(unknown_kind(path, name)),
    };
    restored.map_err(|e| DataDirError::corrupt(path, e))
}

/// The state the database holds as a snapshot (`None`: nothing was ever written): what
/// records written with project ids are rewritten from.
fn load(connection: &Connection, path: &Path) -> Result<Option<StateSnapshot>, DataDirError> {
    let Some(mut snapshot) = read_globals(connection, path)? else {
        return Ok(None);
    };
    let mut locations: BTreeMap<String, LocationSnapshot> = BTreeMap::new();
    read_records(connection, path, |chunk| {
        let parsed = crate::parallel::map(&chunk.rows, |row| parse_row(path, chunk, row));
        for (row, record) in chunk.rows.iter().zip(parsed) {
            let l = locations
                .entry(chunk.location(row).to_owned())
                .or_insert_with_key(|location| LocationSnapshot {
                    name: location.clone(),
                    jobs: Vec::new(),
                    models: Vec::new(),
                    endpoints: Vec::new(),
                    operations: Vec::new(),
                });
            match record? {
                Record::Job(job) => l.jobs.push(*job),
                Record::Model(model) => l.models.push(model),
                Record::Endpoint(endpoint) => l.endpoints.push(endpoint),
                Record::Operation(operation) => l.operations.push(operation),
            }
        }
        Ok(true)
    })?;
    snapshot.locations = locations.into_values().collect();
    read_blobs(connection, path, &mut snapshot.shared)?;
    Ok(Some(snapshot))
}

/// The globals the database holds (`None`: nothing was ever written), with no locations.
fn read_globals(
    connection: &Connection,
    path: &Path,
) -> Result<Option<StateSnapshot>, DataDirError> {
    let Some(globals) = meta(connection, path, "globals")? else {
        return Ok(None);
    };
    serde_json::from_str(&globals)
        .map(Some)
        .map_err(|e| DataDirError::corrupt(path, format!("globals: {e}")))
}

/// Reads the rows of `records` a chunk at a time, each handed to `each` (which parses it on
/// every core: the JSON is most of a start's work) until it answers false. This thread reads
/// the next chunk while another runs `each` on the last one; bounded chunks keep only a little
/// of the raw text in memory at once.
fn read_records(
    connection: &Connection,
    path: &Path,
    each: impl FnMut(&Chunk) -> Result<bool, DataDirError> + Send,
) -> Result<(), DataDirError> {
    let read = |e: rusqlite::Error| damaged_or_database(path, e);
    // Pages read from a mapping of the file, not copied into SQLite's cache one by one; only
    // for this scan (the directory's lock keeps anyone else from cutting the file meanwhile).
    connection
        .execute_batch(&format!("PRAGMA mmap_size = {SCAN_MMAP_SIZE}"))
        .map_err(read)?;
    let scanned = scan_records(connection, path, each);
    connection
        .execute_batch("PRAGMA mmap_size = 0")
        .map_err(read)?;
    scanned
}

/// The most bytes of the database mapped while every record is read.
const SCAN_MMAP_SIZE: u64 = 1 << 40;

fn scan_records(
    connection: &Connection,
    path: &Path,
    each: impl FnMut(&Chunk) -> Result<bool, DataDirError> + Send,
) -> Result<(), DataDirError> {
    let read = |e: rusqlite::Error| damaged_or_database(path, e);
    let mut statement = connection
        .prepare("SELECT name, location, kind, body FROM records")
        .map_err(read)?;
    let mut rows = statement.query([]).map_err(read)?;
    // One chunk being read, one being parsed, and one waiting between them.
    let (full, chunks) = std::sync::mpsc::sync_channel::<Chunk>(1);
    let (empty, recycled) = std::sync::mpsc::channel::<Chunk>();
    std::thread::scope(|scope| {
        let parser = scope.spawn(move || {
            let mut each = each;
            for chunk in chunks {
                if !each(&chunk)? {
                    return Ok(());
                }
                // A closed reader means it is done: nothing to hand back to.
                let _done = empty.send(chunk);
            }
            Ok(())
        });
        let reading = (|| {
            let mut chunk = Chunk::default();
            while let Some(row) = rows.next().map_err(read)? {
                chunk.push(row).map_err(read)?;
                if chunk.rows.len() == PARSE_CHUNK {
                    if full.send(chunk).is_err() {
                        // The parser stopped (done, or failed: its result says which).
                        return Ok(());
                    }
                    chunk = recycled.try_recv().unwrap_or_default();
                    chunk.clear();
                }
            }
            if !chunk.rows.is_empty() {
                let _stopped = full.send(chunk);
            }
            Ok(())
        })();
        drop(full);
        let parsed = match parser.join() {
            Ok(parsed) => parsed,
            // A panic while parsing is a bug: passed on as it was.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        reading.and(parsed)
    })
}

/// The kind of a record (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Job,
    Model,
    Endpoint,
    Operation,
}

impl Kind {
    fn parse(kind: &[u8]) -> Option<Kind> {
        [
            (batch::JOB, Kind::Job),
            (batch::MODEL, Kind::Model),
            (batch::ENDPOINT, Kind::Endpoint),
            (batch::OPERATION, Kind::Operation),
        ]
        .into_iter()
        .find_map(|(name, k)| (name.as_bytes() == kind).then_some(k))
    }
}

/// Rows of `records` as read: their text in one buffer (reused from chunk to chunk, so reading
/// a row allocates nothing), each location's name once.
#[derive(Debug, Default)]
struct Chunk {
    /// The locations of the chunk's rows.
    locations: Vec<String>,
    /// The names and bodies of the rows, one after the other.
    text: String,
    rows: Vec<RawRow>,
}

/// One row of `records`, as read.
#[derive(Debug)]
struct RawRow {
    /// Where its name is in [`Chunk::text`].
    name: std::ops::Range<usize>,
    /// An index into [`Chunk::locations`].
    location: usize,
    /// `None`: a kind this emulator does not know (refused when parsed).
    kind: Option<Kind>,
    /// Where its body is in [`Chunk::text`].
    body: std::ops::Range<usize>,
}

impl Chunk {
    fn push(&mut self, row: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
        let location = row.get_ref(1)?.as_str()?;
        let index = match self.locations.last() {
            Some(last) if last == location => self.locations.len() - 1,
            _ => {
                self.locations.push(location.to_owned());
                self.locations.len() - 1
            }
        };
        let mut append = |text: &str| {
            let start = self.text.len();
            self.text.push_str(text);
            start..self.text.len()
        };
        let name = append(row.get_ref(0)?.as_str()?);
        let body = append(row.get_ref(3)?.as_str()?);
        self.rows.push(RawRow {
            name,
            location: index,
            kind: Kind::parse(row.get_ref(2)?.as_bytes()?),
            body,
        });
        Ok(())
    }

    fn clear(&mut self) {
        self.locations.clear();
        self.text.clear();
        self.rows.clear();
    }

    /// The location of `row`.
    fn location(&self, row: &RawRow) -> &str {
        self.locations.get(row.location).map_or("", String::as_str)
    }

    /// The name of `row`.
    fn name(&self, row: &RawRow) -> &str {
        self.text.get(row.name.clone()).unwrap_or_default()
    }

    /// The body of `row`.
    fn body(&self, row: &RawRow) -> &str {
        self.text.get(row.body.clone()).unwrap_or_default()
    }
}

/// Reads the `blobs` table into `shared`.
fn read_blobs(
    connection: &Connection,
    path: &Path,
    shared: &mut SharedSnapshot,
) -> Result<(), DataDirError> {
    let read = |e: rusqlite::Error| damaged_or_database(path, e);
    let mut statement = connection
        .prepare("SELECT key, body FROM blobs")
        .map_err(read)?;
    let mut rows = statement.query([]).map_err(read)?;
    while let Some(row) = rows.next().map_err(read)? {
        let key: String = row.get(0).map_err(read)?;
        let body: String = row.get(1).map_err(read)?;
        let bad = |e: serde_json::Error| DataDirError::corrupt(path, format!("blob {key}: {e}"));
        if key.starts_with("stats-") {
            let value = serde_json::from_str(&body).map_err(bad)?;
            shared.stats.insert(key, value);
        } else if key.starts_with("pairs-") {
            let pairs = serde_json::from_str(&body).map_err(bad)?;
            shared.pairs.insert(key, pairs);
        } else {
            return Err(DataDirError::corrupt(
                path,
                format!("blob {key:?}: unknown kind"),
            ));
        }
    }
    Ok(())
}

/// How many rows are read before they are parsed together.
const PARSE_CHUNK: usize = 16 * 1024;

/// One row of `records`, parsed.
enum Record {
    Job(Box<JobSnapshot>),
    Model(ModelSnapshot),
    Endpoint(EndpointSnapshot),
    Operation(OperationSnapshot),
}

fn parse_row(path: &Path, chunk: &Chunk, row: &RawRow) -> Result<Record, DataDirError> {
    let name = chunk.name(row);
    let bad = |e: serde_json::Error| DataDirError::corrupt(path, format!("record {name}: {e}"));
    let body = chunk.body(row);
    Ok(match row.kind {
        Some(Kind::Job) => Record::Job(serde_json::from_str(body).map_err(bad)?),
        Some(Kind::Model) => Record::Model(serde_json::from_str(body).map_err(bad)?),
        Some(Kind::Endpoint) => Record::Endpoint(serde_json::from_str(body).map_err(bad)?),
        Some(Kind::Operation) => Record::Operation(serde_json::from_str(body).map_err(bad)?),
        None => return Err(unknown_kind(path, name)),
    })
}

fn unknown_kind(path: &Path, name: &str) -> DataDirError {
    DataDirError::corrupt(path, format!("record {name}: unknown kind"))
}

/// Copies the write-ahead log into the database (a passive checkpoint: it never waits, and
/// copies what no transaction is writing, so the next commit after a complete copy starts the
/// log afresh): whether it copied the whole log, and how many frames the log holds.
pub(super) fn copy_log(connection: &Connection) -> rusqlite::Result<(bool, i64)> {
    let (busy, frames, copied): (i64, i64, i64) =
        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    Ok((busy == 0 && copied == frames, frames))
}

/// The checkpointer's round: [`copy_log`], and when that copied the whole log, the log holds
/// more than [`TRUNCATE_ABOVE_FRAMES`] and nothing was committed since the last round (the
/// log's length `previous` is unchanged), [`truncate_log`]. Under a steady load the writer
/// restarts the copied log itself, and cutting the file then would hold its commits back: a
/// big log is emptied once the writes pause. Returns the log's length, for the next round.
pub(super) fn checkpoint(connection: &Connection, previous: i64) -> rusqlite::Result<i64> {
    let (complete, frames) = copy_log(connection)?;
    if complete && frames > TRUNCATE_ABOVE_FRAMES && frames == previous {
        truncate_log(connection)?;
        return Ok(0);
    }
    Ok(frames)
}

/// Empties the log file (a truncating checkpoint). SQLite reads every valid frame of the log
/// when it opens a database after a crash or a kill, and a copied log is only cut back when the
/// next transaction starts it afresh: a log left big (one large import, then nothing written)
/// would be read again at every start. With the log already copied this only takes the write
/// lock to reset the log and cut the file: a commit waits for that short moment at most.
pub(super) fn truncate_log(connection: &Connection) -> rusqlite::Result<()> {
    connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

/// Writes batches, in order, in one transaction.
pub(super) fn write(connection: &mut Connection, batches: &[Batch]) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    for batch in batches {
        apply(&tx, batch)?;
    }
    tx.commit()
}

fn apply(tx: &rusqlite::Transaction<'_>, batch: &Batch) -> rusqlite::Result<()> {
    if batch.everything {
        tx.execute("DELETE FROM records", [])?;
    }
    for location in &batch.cleared {
        tx.prepare_cached("DELETE FROM records WHERE location = ?1")?
            .execute([location])?;
    }
    {
        let mut put = tx.prepare_cached(
            "INSERT OR REPLACE INTO records (name, location, kind, body) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for row in &batch.puts {
            put.execute(params![row.name, row.location, row.kind, row.body])?;
        }
        let mut delete = tx.prepare_cached("DELETE FROM records WHERE name = ?1")?;
        for name in &batch.deletes {
            delete.execute([name])?;
        }
    }
    {
        let mut put =
            tx.prepare_cached("INSERT OR IGNORE INTO blobs (key, body) VALUES (?1, ?2)")?;
        for blob in &batch.blobs {
            put.execute(params![blob.key, blob.body])?;
        }
    }
    tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('globals', ?1)")?
        .execute([&batch.globals])?;
    Ok(())
}
