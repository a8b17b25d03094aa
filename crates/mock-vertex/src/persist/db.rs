//! The database file: opening it (checked, migrated), reading the state it holds, and writing
//! batches in one transaction.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::DataDirError;
use super::batch::{self, Batch};
use crate::admin::StateSnapshot;
use crate::admin::snapshot::{
    EndpointSnapshot, JobSnapshot, LocationSnapshot, ModelSnapshot, OperationSnapshot,
};

/// The format of the database this emulator writes (the `format` row of `meta`).
pub const DATA_FORMAT: u32 = 3;

/// The size the write-ahead log file is cut back to after a checkpoint, in bytes.
const WAL_SIZE_LIMIT: u64 = 64 * 1024 * 1024;

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
/// when there is one), and reads the state it holds; commits reach the disk as `durability` says.
pub(super) fn open(
    dir: &Path,
    durability: Durability,
) -> Result<(Connection, Option<StateSnapshot>), DataDirError> {
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
    let mut state = load(&connection, &path)?;
    if let Some(loaded) = &state {
        let canonical = crate::admin::snapshot::canonical(loaded)
            .map_err(|e| DataDirError::corrupt(&path, e))?;
        if let Some(canonical) = canonical {
            // Records written when names carried project ids: rewritten once, under the
            // project numbers the emulator answers with, so no row keeps an id name.
            write(&mut connection, &[batch::of_snapshot(&canonical)])
                .map_err(|e| DataDirError::database(&path, e))?;
            state = Some(canonical);
        }
    }
    Ok((connection, state))
}

/// Opens an existing database file for reading and writing, in WAL mode with the syncs of
/// `durability` and no automatic checkpoints (see [`checkpointer`]), and checks that it is
/// sound. The caller holds the directory's lock.
fn connect(path: &Path, durability: Durability) -> Result<Connection, DataDirError> {
    let connection = session(path, durability)?;
    let check: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|e| damaged_or_database(path, e))?;
    if check != "ok" {
        return Err(DataDirError::corrupt(path, check));
    }
    Ok(connection)
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

/// The state the database holds (`None`: nothing was ever written).
fn load(connection: &Connection, path: &Path) -> Result<Option<StateSnapshot>, DataDirError> {
    let read = |e: rusqlite::Error| damaged_or_database(path, e);
    let meta = |key: &str| meta(connection, path, key);
    let Some(globals) = meta("globals")? else {
        return Ok(None);
    };
    let mut snapshot: StateSnapshot = serde_json::from_str(&globals)
        .map_err(|e| DataDirError::corrupt(path, format!("globals: {e}")))?;
    // Read a chunk at a time, each chunk parsed on every core (the JSON is most of a restart's
    // work); bounded chunks keep only a little of the raw text in memory at once.
    let mut locations: BTreeMap<String, LocationSnapshot> = BTreeMap::new();
    let mut statement = connection
        .prepare("SELECT name, location, kind, body FROM records")
        .map_err(read)?;
    let mut rows = statement.query([]).map_err(read)?;
    let mut chunk: Vec<RawRow> = Vec::with_capacity(PARSE_CHUNK);
    loop {
        let row = rows.next().map_err(read)?;
        if let Some(row) = row {
            chunk.push(RawRow {
                name: row.get(0).map_err(read)?,
                location: row.get(1).map_err(read)?,
                kind: row.get(2).map_err(read)?,
                body: row.get(3).map_err(read)?,
            });
            if chunk.len() < PARSE_CHUNK {
                continue;
            }
        }
        let done = row.is_none();
        let parsed = crate::parallel::map(&chunk, |row| parse_row(path, row));
        for (row, record) in chunk.drain(..).zip(parsed) {
            let l = locations
                .entry(row.location)
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
        if done {
            break;
        }
    }
    drop(rows);
    drop(statement);
    snapshot.locations = locations.into_values().collect();
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
            snapshot.shared.stats.insert(key, value);
        } else if key.starts_with("pairs-") {
            let pairs = serde_json::from_str(&body).map_err(bad)?;
            snapshot.shared.pairs.insert(key, pairs);
        } else {
            return Err(DataDirError::corrupt(
                path,
                format!("blob {key:?}: unknown kind"),
            ));
        }
    }
    Ok(Some(snapshot))
}

/// How many rows are read before they are parsed together.
const PARSE_CHUNK: usize = 16 * 1024;

/// One row of `records`, as read.
struct RawRow {
    name: String,
    location: String,
    kind: String,
    body: String,
}

/// One row of `records`, parsed.
enum Record {
    Job(Box<JobSnapshot>),
    Model(ModelSnapshot),
    Endpoint(EndpointSnapshot),
    Operation(OperationSnapshot),
}

fn parse_row(path: &Path, row: &RawRow) -> Result<Record, DataDirError> {
    let name = &row.name;
    let bad = |e: serde_json::Error| DataDirError::corrupt(path, format!("record {name}: {e}"));
    let body = &row.body;
    Ok(match row.kind.as_str() {
        batch::JOB => Record::Job(serde_json::from_str(body).map_err(bad)?),
        batch::MODEL => Record::Model(serde_json::from_str(body).map_err(bad)?),
        batch::ENDPOINT => Record::Endpoint(serde_json::from_str(body).map_err(bad)?),
        batch::OPERATION => Record::Operation(serde_json::from_str(body).map_err(bad)?),
        other => {
            return Err(DataDirError::corrupt(
                path,
                format!("record {name}: unknown kind {other:?}"),
            ));
        }
    })
}

/// Copies the write-ahead log into the database (a passive checkpoint: with the database's lock
/// held by this connection alone, it copies everything, and the next commit starts the log
/// afresh).
pub(super) fn checkpoint(connection: &Connection) -> rusqlite::Result<()> {
    connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
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
