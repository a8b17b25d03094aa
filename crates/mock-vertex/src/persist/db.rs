//! The database file: opening it (checked, migrated), reading the state it holds, and writing
//! batches in one transaction.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::DataDirError;
use super::batch::{self, Batch};
use crate::admin::StateSnapshot;
use crate::admin::snapshot::LocationSnapshot;

/// The format of the database this emulator writes (the `format` row of `meta`).
pub const DATA_FORMAT: u32 = 1;

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
";

/// Opens the database of `dir` for the writer, making it when missing (from a format-0 export
/// when there is one), and reads the state it holds.
pub(super) fn open(dir: &Path) -> Result<(Connection, Option<StateSnapshot>), DataDirError> {
    let path = dir.join(DB_FILE);
    let exists = path.try_exists().map_err(|e| DataDirError::io(&path, e))?;
    if !exists {
        create(dir, &path)?;
    }
    let mut connection = connect(dir, &path)?;
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

/// Opens an existing database file for reading and writing, in WAL mode with full syncs, takes
/// its lock for as long as the connection lives, and checks that it is sound.
fn connect(dir: &Path, path: &Path) -> Result<Connection, DataDirError> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| DataDirError::database(path, e))?;
    // A locked database is another emulator's: refused at once, not waited for.
    connection
        .busy_timeout(std::time::Duration::ZERO)
        .map_err(|e| DataDirError::database(path, e))?;
    // Exclusive locking: the first write transaction takes the lock, kept until the connection
    // closes (even by the process dying). WAL makes a commit one append and one fsync.
    connection
        .execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             BEGIN EXCLUSIVE; COMMIT;",
        )
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                DataDirError::Locked(dir.to_owned())
            }
            _ => damaged_or_database(path, e),
        })?;
    let check: String = connection
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(|e| damaged_or_database(path, e))?;
    if check != "ok" {
        return Err(DataDirError::corrupt(path, check));
    }
    Ok(connection)
}

/// A SQLite error while reading: a damaged file, or another problem (permissions, disk).
fn damaged_or_database(path: &Path, e: rusqlite::Error) -> DataDirError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            DataDirError::corrupt(path, e)
        }
        _ => DataDirError::database(path, e),
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
            Connection::open(&temp).map_err(|e| DataDirError::database(&temp, e))?;
        let tx = connection
            .transaction()
            .map_err(|e| DataDirError::database(&temp, e))?;
        tx.execute_batch(SCHEMA)
            .map_err(|e| DataDirError::database(&temp, e))?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('format', ?1)",
            params![DATA_FORMAT.to_string()],
        )
        .map_err(|e| DataDirError::database(&temp, e))?;
        if let Some(snapshot) = &initial {
            apply(&tx, &batch::of_snapshot(snapshot))
                .map_err(|e| DataDirError::database(&temp, e))?;
        }
        tx.commit().map_err(|e| DataDirError::database(&temp, e))?;
        connection
            .close()
            .map_err(|(_, e)| DataDirError::database(&temp, e))?;
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

/// The state the database holds (`None`: nothing was ever written).
fn load(connection: &Connection, path: &Path) -> Result<Option<StateSnapshot>, DataDirError> {
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
    let meta = |key: &str| -> Result<Option<String>, DataDirError> {
        connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(read)
    };
    let format: u32 = match meta("format")? {
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
    let Some(globals) = meta("globals")? else {
        return Ok(None);
    };
    let mut snapshot: StateSnapshot = serde_json::from_str(&globals)
        .map_err(|e| DataDirError::corrupt(path, format!("globals: {e}")))?;
    let mut locations: BTreeMap<String, LocationSnapshot> = BTreeMap::new();
    let mut statement = connection
        .prepare("SELECT name, location, kind, body FROM records")
        .map_err(read)?;
    let mut rows = statement.query([]).map_err(read)?;
    while let Some(row) = rows.next().map_err(read)? {
        let name: String = row.get(0).map_err(read)?;
        let location: String = row.get(1).map_err(read)?;
        let kind: String = row.get(2).map_err(read)?;
        let body: String = row.get(3).map_err(read)?;
        let bad = |e: serde_json::Error| DataDirError::corrupt(path, format!("record {name}: {e}"));
        let l = locations
            .entry(location.clone())
            .or_insert_with(|| LocationSnapshot {
                name: location,
                jobs: Vec::new(),
                models: Vec::new(),
                endpoints: Vec::new(),
                operations: Vec::new(),
            });
        match kind.as_str() {
            batch::JOB => l.jobs.push(serde_json::from_str(&body).map_err(bad)?),
            batch::MODEL => l.models.push(serde_json::from_str(&body).map_err(bad)?),
            batch::ENDPOINT => l.endpoints.push(serde_json::from_str(&body).map_err(bad)?),
            batch::OPERATION => l.operations.push(serde_json::from_str(&body).map_err(bad)?),
            other => {
                return Err(DataDirError::corrupt(
                    path,
                    format!("record {name}: unknown kind {other:?}"),
                ));
            }
        }
    }
    snapshot.locations = locations.into_values().collect();
    Ok(Some(snapshot))
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
    tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('globals', ?1)")?
        .execute([&batch.globals])?;
    Ok(())
}
