//! Listing objects the way Cloud Storage does: prefix, delimiter, and opaque page tokens.
//!
//! Both backends hand over every object under the prefix in name order; this module folds them
//! into `items` and `prefixes` and cuts pages. Items and prefixes count together against
//! `maxResults`, as in Cloud Storage. A page token encodes the last entry returned, so a page is
//! stable even if objects are added or deleted in between.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{ListOptions, ObjectList, ObjectMeta, StorageError};

/// The most entries in one page, and the default page size, as in Cloud Storage.
pub const MAX_LIST_RESULTS: u32 = 1000;

/// Where the previous page stopped.
enum Resume {
    AfterObject(String),
    AfterPrefix(String),
}

impl Resume {
    fn encode(&self) -> String {
        let raw = match self {
            Resume::AfterObject(name) => format!("o:{name}"),
            Resume::AfterPrefix(prefix) => format!("p:{prefix}"),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    fn decode(token: &str) -> Result<Resume, StorageError> {
        let invalid = || StorageError::InvalidPageToken {
            token: token.to_owned(),
        };
        let raw = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let raw = String::from_utf8(raw).map_err(|_| invalid())?;
        if let Some(name) = raw.strip_prefix("o:") {
            Ok(Resume::AfterObject(name.to_owned()))
        } else if let Some(prefix) = raw.strip_prefix("p:") {
            Ok(Resume::AfterPrefix(prefix.to_owned()))
        } else {
            Err(invalid())
        }
    }

    /// Whether an object of this name was already covered by earlier pages.
    fn covers(&self, name: &str) -> bool {
        match self {
            Resume::AfterObject(last) => name <= last.as_str(),
            Resume::AfterPrefix(prefix) => name <= prefix.as_str() || name.starts_with(prefix),
        }
    }
}

/// Cuts one page out of `objects` (sorted by name, all starting with the options' prefix).
pub(crate) fn paginate(
    objects: Vec<ObjectMeta>,
    options: &ListOptions,
) -> Result<ObjectList, StorageError> {
    let resume = options
        .page_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(Resume::decode)
        .transpose()?;
    let limit = match options.max_results {
        Some(n) if n > 0 => n.min(MAX_LIST_RESULTS),
        _ => MAX_LIST_RESULTS,
    } as usize;
    let prefix = options.prefix.as_deref().unwrap_or("");
    let delimiter = options.delimiter.as_deref().filter(|d| !d.is_empty());

    let mut page = ObjectList::default();
    let mut last: Option<Resume> = None;
    for object in objects {
        let name = object.name.as_str();
        if resume.as_ref().is_some_and(|r| r.covers(name)) {
            continue;
        }
        let folded = delimiter.and_then(|d| {
            let rest = name.get(prefix.len()..)?;
            let end = rest.find(d)? + d.len();
            Some(format!("{prefix}{}", &rest[..end]))
        });
        if let (Some(folded), Some(Resume::AfterPrefix(p))) = (&folded, &last)
            && folded == p
        {
            continue;
        }
        if page.objects.len() + page.prefixes.len() == limit {
            page.next_page_token = last.as_ref().map(Resume::encode);
            return Ok(page);
        }
        match folded {
            Some(folded) => {
                page.prefixes.push(folded.clone());
                last = Some(Resume::AfterPrefix(folded));
            }
            None => {
                last = Some(Resume::AfterObject(name.to_owned()));
                page.objects.push(object);
            }
        }
    }
    Ok(page)
}
