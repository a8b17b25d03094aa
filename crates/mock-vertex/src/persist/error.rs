//! Why a data directory cannot be used: one message each, naming the path and what to do.

use std::path::{Path, PathBuf};

/// A data directory that cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// The path exists and is not a directory.
    #[error("data directory {0}: not a directory")]
    NotADirectory(PathBuf),
    /// Another emulator holds the directory's lock.
    #[error("data directory {0} is in use by another emulator (its database is locked)")]
    Locked(PathBuf),
    /// A file of the directory cannot be read or written.
    #[error("data directory: {path}: {reason}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The database cannot be opened, read or written.
    #[error("data directory: database {path}: {reason}")]
    Database {
        /// The database file.
        path: PathBuf,
        /// SQLite's reason.
        reason: String,
    },
    /// The database is damaged (truncated, overwritten) or is not the emulator's.
    #[error(
        "data directory: database {path} is damaged or not the emulator's ({reason}); nothing was changed: restore it from a snapshot or move it away"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The database was written by a newer emulator.
    #[error(
        "data directory: database {path} has format {found}, newer than this emulator reads (up to {supported}): use a newer mock-vertex"
    )]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its format.
        found: u32,
        /// The newest format this emulator reads.
        supported: u32,
    },
}

impl DataDirError {
    pub(super) fn io(path: &Path, e: std::io::Error) -> DataDirError {
        DataDirError::Io {
            path: path.to_owned(),
            reason: e.to_string(),
        }
    }

    pub(super) fn database(path: &Path, e: impl std::fmt::Display) -> DataDirError {
        DataDirError::Database {
            path: path.to_owned(),
            reason: e.to_string(),
        }
    }

    /// A SQLite failure on `path`, saying what to do when it was for want of space.
    pub(super) fn sqlite(path: &Path, e: &rusqlite::Error) -> DataDirError {
        DataDirError::database(path, sqlite_reason(e))
    }

    pub(super) fn corrupt(path: &Path, reason: impl std::fmt::Display) -> DataDirError {
        DataDirError::Corrupt {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// SQLite's reason for a failure; a write refused for want of space (`SQLITE_FULL`, or a write
/// error, which is how the file-size limit of `RLIMIT_FSIZE` and some full disks show) says so.
pub(super) fn sqlite_reason(e: &rusqlite::Error) -> String {
    match e.sqlite_error() {
        Some(f)
            if f.code == rusqlite::ErrorCode::DiskFull
                || f.extended_code == rusqlite::ffi::SQLITE_IOERR_WRITE =>
        {
            format!(
                "{e}: no space to write (the disk is full, or a file-size limit was reached): free some and start again"
            )
        }
        _ => e.to_string(),
    }
}
