//! The database file's header read against the file itself: a cheap check, at start, that
//! refuses a file that is not a SQLite database or that was cut short, instead of a full
//! integrity check that reads every page.
//!
//! Layout (<https://www.sqlite.org/fileformat2.html#the_database_header>): the 16-byte magic
//! string, the page size at offset 16 (big-endian `u16`, 1 meaning 65,536), the change counter
//! at 24, the size in pages at 28, and at 92 the change counter for which that size is valid.
//! After a complete checkpoint the file is exactly that many pages; while the log holds pages
//! not yet copied (a crash during a checkpoint), the file may be shorter than its header says.

use std::io::Read;
use std::path::Path;

/// The first bytes of every SQLite 3 database file.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The length of the header.
const HEADER_LEN: usize = 100;

/// What the header says about the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HeaderCheck {
    /// The file holds every page its header counts.
    Whole,
    /// The file is shorter than its header says, which only a log holding the missing pages
    /// explains: sound only if the log has them (the caller checks the whole database then).
    ShortOfItsLog,
}

/// A file that cannot be the database: what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum HeaderError {
    /// Shorter than the header.
    #[error("the file is {0} bytes long, shorter than a database header: truncated")]
    NoHeader(u64),
    /// Not a SQLite database.
    #[error("it is not a SQLite database (its first bytes are not SQLite's)")]
    NotSqlite,
    /// A page size SQLite never writes.
    #[error("its header has an invalid page size ({0})")]
    PageSize(u32),
    /// Not a whole number of pages.
    #[error("it is {len} bytes long, not a whole number of {page_size}-byte pages: truncated")]
    PartialPage {
        /// The file's length.
        len: u64,
        /// The page size of its header.
        page_size: u64,
    },
    /// Fewer pages than its header counts, and no log to hold the others.
    #[error("it holds {found} of the {counted} pages its header counts: truncated")]
    Truncated {
        /// Whole pages in the file.
        found: u64,
        /// Pages the header counts.
        counted: u64,
    },
}

/// Checks the header of the database file `path` against the file's length; `log_has_frames`
/// says whether its write-ahead log holds anything (which may hold pages the file lacks).
pub(super) fn check(
    path: &Path,
    log_has_frames: bool,
) -> std::io::Result<Result<HeaderCheck, HeaderError>> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut header = [0_u8; HEADER_LEN];
    let mut read = 0;
    while read < HEADER_LEN {
        match file.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(judge(&header[..read], len, log_has_frames))
}

/// The decision on a header (`header`: the file's first bytes, up to [`HEADER_LEN`]) of a file
/// `len` bytes long.
fn judge(header: &[u8], len: u64, log_has_frames: bool) -> Result<HeaderCheck, HeaderError> {
    let Some(header) = header.first_chunk::<HEADER_LEN>() else {
        return Err(HeaderError::NoHeader(len));
    };
    if !header.starts_with(MAGIC) {
        return Err(HeaderError::NotSqlite);
    }
    let be32 = |at: usize| {
        let bytes = [header[at], header[at + 1], header[at + 2], header[at + 3]];
        u32::from_be_bytes(bytes)
    };
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u32::from(n),
    };
    if !(512..=65_536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(HeaderError::PageSize(page_size));
    }
    let page_size = u64::from(page_size);
    if !len.is_multiple_of(page_size) {
        return Err(HeaderError::PartialPage { len, page_size });
    }
    let counted = u64::from(be32(28));
    // The count is only meaningful when it was written with the current change counter
    // (always, by any SQLite since 3.7.0); otherwise there is nothing to compare.
    let found = len / page_size;
    if be32(92) != be32(24) || found >= counted {
        return Ok(HeaderCheck::Whole);
    }
    if log_has_frames {
        Ok(HeaderCheck::ShortOfItsLog)
    } else {
        Err(HeaderError::Truncated { found, counted })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header of `pages` pages of `page_size` bytes, valid for its change counter.
    fn header(page_size: u16, pages: u32) -> Vec<u8> {
        let mut h = vec![0_u8; HEADER_LEN];
        h[..16].copy_from_slice(MAGIC);
        h[16..18].copy_from_slice(&page_size.to_be_bytes());
        h[24..28].copy_from_slice(&7_u32.to_be_bytes());
        h[28..32].copy_from_slice(&pages.to_be_bytes());
        h[92..96].copy_from_slice(&7_u32.to_be_bytes());
        h
    }

    #[test]
    fn a_file_with_every_page_its_header_counts_is_whole() {
        assert_eq!(
            judge(&header(4096, 10), 40_960, false),
            Ok(HeaderCheck::Whole)
        );
        assert_eq!(judge(&header(1, 2), 131_072, false), Ok(HeaderCheck::Whole));
    }

    #[test]
    fn a_file_missing_its_last_pages_is_truncated_unless_its_log_may_hold_them() {
        assert_eq!(
            judge(&header(4096, 10), 36_864, false),
            Err(HeaderError::Truncated {
                found: 9,
                counted: 10
            })
        );
        assert_eq!(
            judge(&header(4096, 10), 36_864, true),
            Ok(HeaderCheck::ShortOfItsLog)
        );
    }

    #[test]
    fn short_foreign_and_partial_files_are_refused() {
        assert_eq!(judge(&[], 0, false), Err(HeaderError::NoHeader(0)));
        assert_eq!(
            judge(&header(4096, 1)[..50], 50, false),
            Err(HeaderError::NoHeader(50))
        );
        let mut foreign = header(4096, 1);
        foreign[0] = b'X';
        assert_eq!(judge(&foreign, 4096, false), Err(HeaderError::NotSqlite));
        assert_eq!(
            judge(&header(1000, 1), 4096, false),
            Err(HeaderError::PageSize(1000))
        );
        assert_eq!(
            judge(&header(4096, 2), 5000, true),
            Err(HeaderError::PartialPage {
                len: 5000,
                page_size: 4096
            })
        );
    }

    #[test]
    fn a_count_not_valid_for_the_change_counter_is_not_compared() {
        let mut stale = header(4096, 10);
        stale[92..96].copy_from_slice(&6_u32.to_be_bytes());
        assert_eq!(judge(&stale, 4096, false), Ok(HeaderCheck::Whole));
    }
}
