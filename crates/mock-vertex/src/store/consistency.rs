//! The store's own consistency check: the invariants every change must keep, listed as
//! problems (none when the store is sound). The crash tests run it after every restart.

use std::collections::BTreeMap;

use retune_model::names::{TuningJobId, VersionAlias, VersionId};

use super::Store;

impl Store {
    /// Every broken invariant, described in one line each (empty: the store is sound).
    ///
    /// Checked: each job sits under its own location, has an id the counter already issued,
    /// and its pending event is in the event index (and the index holds only those); each
    /// model's versions are keyed by their ids, none above its high-water mark, and an alias is
    /// held by at most one version, `default` by exactly one when there are versions; each
    /// checkpoint's endpoint exists and serves that checkpoint; each endpoint serves a version
    /// that exists.
    pub fn check_consistency(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let next_job = TuningJobId::from_number(self.next_job);
        for (location, space) in &self.spaces {
            for (id, job) in &space.jobs {
                if job.name.location_name() != location || job.name.tuning_job_id() != *id {
                    problems.push(format!("job {} is stored as {location}/{id}", job.name));
                }
                if *id >= next_job {
                    problems.push(format!("job {} is not below the job counter", job.name));
                }
                if let Some(key) = job.event
                    && self.events.get(&key) != Some(&job.name)
                {
                    problems.push(format!(
                        "job {}: its event {key:?} is not indexed",
                        job.name
                    ));
                }
            }
            for (id, model) in &space.models {
                let name = &model.name;
                if name.location_name() != location || name.model_id() != id {
                    problems.push(format!("model {name} is stored as {location}/{id}"));
                }
                let mut holders: BTreeMap<&VersionAlias, usize> = BTreeMap::new();
                let ids: Vec<VersionId> = model.versions.values().map(|v| v.id).collect();
                if ids.windows(2).any(|w| w[0] >= w[1]) {
                    problems.push(format!("model {name}: versions out of order {ids:?}"));
                }
                for version in model.versions.values() {
                    if model.highest_version.is_none_or(|h| version.id > h) {
                        problems.push(format!(
                            "model {name}: version {} above the highest issued",
                            version.id
                        ));
                    }
                    for alias in &version.aliases {
                        *holders.entry(alias).or_default() += 1;
                    }
                    for c in version.checkpoints.iter() {
                        let served = self.endpoint(&c.endpoint).is_ok_and(|e| {
                            e.model == *name && e.version == version.id && e.checkpoint == c.id
                        });
                        if !served {
                            problems.push(format!(
                                "model {name}@{}: checkpoint {} has no endpoint {}",
                                version.id, c.id, c.endpoint
                            ));
                        }
                    }
                }
                for (alias, count) in &holders {
                    if *count > 1 {
                        problems.push(format!("model {name}: alias {alias} on {count} versions"));
                    }
                }
                if !model.versions.is_empty() && !holders.keys().any(|a| a.is_default()) {
                    problems.push(format!("model {name}: no version holds default"));
                }
            }
            for endpoint in self.endpoints_in(location) {
                let served = space
                    .models
                    .get(endpoint.model.model_id())
                    .is_some_and(|m| m.versions.contains_key(&endpoint.version));
                if !served {
                    problems.push(format!(
                        "endpoint {} serves {}@{}, which does not exist",
                        endpoint.name, endpoint.model, endpoint.version
                    ));
                }
            }
        }
        for (key, name) in &self.events {
            let indexed = self.job(name).is_ok_and(|job| job.event == Some(*key));
            if !indexed {
                problems.push(format!(
                    "event {key:?} of {name}: the job does not expect it"
                ));
            }
        }
        problems
    }
}
