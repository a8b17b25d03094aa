//! The project table: the number of each project id, and the canonical form of a request (every
//! resource name written with the project number) made at the entry, before the store is asked.
//!
//! Vertex AI accepts a project id or number in `projects/{project}` and answers every resource
//! name with the number (`google/cloud/aiplatform/v1/model.proto`, `Model.name`; the same for
//! `TuningJob.name`, `Endpoint.name` and `Operation.name`). The emulator rewrites the path, the
//! query values and the body of each request to the number (the rule is
//! `retune_model::names::with_project_numbers`), so the store keys everything by number and
//! rendering needs no mapping. A project id's number is the one configured
//! (`--project-number ID=NUMBER`, the admin API) or else the stable derived one
//! (`ProjectNumber::derived`); a number no id maps to is simply that project.

use std::borrow::Cow;
use std::collections::BTreeMap;

use bytes::Bytes;
use retune_model::names::{
    ProjectId, ProjectNumber, ProjectNumbering, ProjectRef, with_project_numbers,
};

/// The configured project numbers; every other id has its derived number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projects {
    configured: BTreeMap<ProjectId, ProjectNumber>,
}

impl Projects {
    /// Sets the number of a project id (replacing an earlier one).
    pub fn configure(&mut self, numbering: ProjectNumbering) {
        self.configured.insert(numbering.id, numbering.number);
    }

    /// Adds every pair of `other`, which wins over this table's.
    pub fn merge(&mut self, other: &Projects) {
        self.configured.extend(
            other
                .configured
                .iter()
                .map(|(id, number)| (id.clone(), *number)),
        );
    }

    /// The number of `id`: configured, or derived.
    pub fn number_of(&self, id: &ProjectId) -> ProjectNumber {
        self.configured
            .get(id)
            .copied()
            .unwrap_or_else(|| ProjectNumber::derived(id))
    }

    /// Whether two project segments (ids or numbers) name the same project.
    pub fn same_project(&self, a: &str, b: &str) -> bool {
        let number = |s: &str| {
            s.parse::<ProjectRef>()
                .ok()
                .map(|r| r.number(|id| self.number_of(id)))
        };
        a == b || number(a).is_some_and(|n| number(b) == Some(n))
    }

    /// The configured pairs, by id.
    pub fn configured(&self) -> impl Iterator<Item = (&ProjectId, ProjectNumber)> {
        self.configured.iter().map(|(id, n)| (id, *n))
    }

    /// `text` with every resource name written with the project number.
    pub fn canonical<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !text.contains("projects/") {
            return Cow::Borrowed(text);
        }
        with_project_numbers(text, |id| self.number_of(id))
    }

    /// A request body with every resource name written with the project number (a body that is
    /// not UTF-8 is left for the decoder to refuse).
    pub fn canonical_body(&self, body: Bytes) -> Bytes {
        let Ok(text) = std::str::from_utf8(&body) else {
            return body;
        };
        match self.canonical(text) {
            Cow::Borrowed(_) => body,
            Cow::Owned(rewritten) => Bytes::from(rewritten),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_number_wins_over_the_derived_one_and_numbers_are_kept() {
        let mut projects = Projects::default();
        projects.configure("p1=42".parse().unwrap());
        let p1: ProjectId = "p1".parse().unwrap();
        let p2: ProjectId = "p2".parse().unwrap();
        assert_eq!(projects.number_of(&p1).get(), 42);
        assert_eq!(projects.number_of(&p2), ProjectNumber::derived(&p2));
        let body = Bytes::from_static(
            br#"{"baseModel":"projects/p1/locations/us-central1/models/9@1","n":"projects/77/locations/us/models/1"}"#,
        );
        assert_eq!(
            projects.canonical_body(body),
            Bytes::from_static(
                br#"{"baseModel":"projects/42/locations/us-central1/models/9@1","n":"projects/77/locations/us/models/1"}"#
            )
        );
    }
}
