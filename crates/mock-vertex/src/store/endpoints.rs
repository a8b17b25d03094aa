//! Endpoints: those a tuning job made, one per checkpoint of its version, derived from the
//! version and its job when read (one entry per version, not a record per endpoint), and any
//! other kept as its own record.
//!
//! A tuned version's endpoints are numbered consecutively when its job succeeds, so the
//! namespace keeps the number of the first with the model and version; the endpoint with number
//! `n` is checkpoint `n - first` of the version whose entry is the last at or below `n`. Its
//! display name, labels, key and creation time are the job's and the version's. An endpoint that
//! is not what its version and job make (written by hand in a snapshot) is kept as a record.

use std::borrow::Cow;

use retune_model::names::{EndpointId, EndpointName, LocationName, ModelName, VersionId};

use super::RecordName;
use super::records::{CheckpointRecord, EndpointDisplayName, Namespace, TunedEndpoints};
use super::{EndpointRecord, ModelRecord, Store, VersionRecord};
use crate::error::ApiError;

impl Namespace {
    /// The endpoint checkpoint `c` of `version` of `model` has, as its tuning job made it
    /// (`None` when the version has no job stored here to make it from).
    fn derived(
        &self,
        model: &ModelRecord,
        version: &VersionRecord,
        c: &CheckpointRecord,
    ) -> Option<EndpointRecord> {
        let job_name = version.job.as_ref()?;
        let job = self
            .jobs
            .get(&job_name.tuning_job_id())
            .filter(|j| j.name == *job_name)?;
        Some(EndpointRecord {
            name: c.endpoint.clone(),
            display_name: EndpointDisplayName::Checkpoint {
                job: job_name.tuning_job_id(),
                checkpoint: u32::try_from(c.id.get()).ok()?,
            },
            model: model.name.clone(),
            version: version.id,
            checkpoint: c.id,
            created: version.created,
            labels: job.request.labels.clone(),
            kms_key: job.kms_key.as_deref().cloned(),
        })
    }

    /// Whether the endpoints of `version` can be derived: its job is stored here, and its
    /// checkpoint numbers are those of endpoint display names.
    fn derivable(&self, version: &VersionRecord) -> bool {
        let job = version.job.as_ref().is_some_and(|name| {
            self.jobs
                .get(&name.tuning_job_id())
                .is_some_and(|j| j.name == *name)
        });
        job && version
            .checkpoints
            .iter()
            .all(|c| u32::try_from(c.id.get()).is_ok())
    }

    /// The model, version and checkpoint of the derived endpoint `id`.
    fn tuned(&self, id: &EndpointId) -> Option<(&ModelRecord, &VersionRecord, &CheckpointRecord)> {
        let n = id.number()?;
        let (first, entry) = self.tuned_endpoints.range(..=n).next_back()?;
        if n - first >= entry.count {
            return None;
        }
        let model = self.models.get(&entry.model)?;
        let version = model.version(entry.version)?;
        let c = version.checkpoints.get(usize::try_from(n - first).ok()?)?;
        (c.endpoint.endpoint_id() == id).then_some((model, version, c))
    }

    /// The derived endpoint `id`.
    fn tuned_endpoint(&self, id: &EndpointId) -> Option<EndpointRecord> {
        let (model, version, c) = self.tuned(id)?;
        self.derived(model, version, c)
    }

    /// Every derived endpoint.
    fn tuned_endpoints(&self) -> impl Iterator<Item = EndpointRecord> + '_ {
        self.tuned_endpoints.values().flat_map(move |entry| {
            let model = self.models.get(&entry.model);
            let version = model.and_then(|m| m.version(entry.version).map(|v| (m, v)));
            version.into_iter().flat_map(move |(model, version)| {
                version
                    .checkpoints
                    .iter()
                    .filter_map(move |c| self.derived(model, version, c))
            })
        })
    }

    /// The number of the first endpoint of `version`, when its checkpoints' endpoints are
    /// numbered consecutively from it in `location`.
    fn consecutive_endpoints(location: &LocationName, version: &VersionRecord) -> Option<u64> {
        let first = version
            .checkpoints
            .first()?
            .endpoint
            .endpoint_id()
            .number()?;
        first.checked_add(version.checkpoints.len() as u64)?;
        let consecutive = version.checkpoints.iter().zip(first..).all(|(c, n)| {
            c.endpoint.location_name() == location && c.endpoint.endpoint_id().number() == Some(n)
        });
        consecutive.then_some(first)
    }

    /// Whether the endpoints numbered `first` to `first + count - 1` are free of any derived
    /// endpoint.
    fn free(&self, first: u64, count: u64) -> bool {
        self.tuned_endpoints
            .range(..first.saturating_add(count))
            .next_back()
            .is_none_or(|(start, entry)| start.saturating_add(entry.count) <= first)
    }
}

impl Store {
    /// The endpoint called `name`.
    pub fn endpoint(&self, name: &EndpointName) -> Result<Cow<'_, EndpointRecord>, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| match s.endpoints.get(name.endpoint_id()) {
                Some(stored) => Some(Cow::Borrowed(&**stored)),
                None => s.tuned_endpoint(name.endpoint_id()).map(Cow::Owned),
            })
            .ok_or_else(|| ApiError::not_found(format!("Endpoint {name} not found.")))
    }

    /// The endpoints of `location`, by id.
    pub fn endpoints_in(&self, location: &LocationName) -> Vec<Cow<'_, EndpointRecord>> {
        let Some(space) = self.space(location) else {
            return Vec::new();
        };
        let mut all: Vec<Cow<'_, EndpointRecord>> = space
            .endpoints
            .values()
            .map(|e| Cow::Borrowed(&**e))
            .chain(space.tuned_endpoints().map(Cow::Owned))
            .collect();
        all.sort_by(|a, b| a.name.endpoint_id().cmp(b.name.endpoint_id()));
        all
    }

    /// The endpoint called `name` if it is kept as its own record (one a tuning job made is
    /// derived from its version instead: `None`).
    pub(crate) fn stored_endpoint(&self, name: &EndpointName) -> Option<&EndpointRecord> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.endpoints.get(name.endpoint_id()))
            .map(|e| &**e)
    }

    /// The endpoints of `location` kept as their own records, by id.
    pub(crate) fn stored_endpoints_in(
        &self,
        location: &LocationName,
    ) -> impl Iterator<Item = &EndpointRecord> {
        self.space(location)
            .into_iter()
            .flat_map(|space| space.endpoints.values().map(|e| &**e))
    }

    /// Records that the `count` checkpoints of `version` of `model` are served by the endpoints
    /// numbered from `first` (as the job registering it just named them).
    pub(super) fn add_tuned_endpoints(
        &mut self,
        model: &ModelName,
        version: VersionId,
        first: u64,
        count: u64,
    ) {
        let entry = TunedEndpoints {
            model: model.model_id().clone(),
            version,
            count,
        };
        self.space_mut(model.location_name())
            .tuned_endpoints
            .insert(first, entry);
    }

    /// Stores an endpoint as a snapshot had it (derived later, if it is what its version and
    /// job make: [`derive_tuned_endpoints`](Store::derive_tuned_endpoints)).
    pub fn restore_endpoint(&mut self, endpoint: EndpointRecord) {
        let location = endpoint.name.location_name().clone();
        self.space_mut(&location)
            .endpoints
            .insert(endpoint.name.endpoint_id().clone(), Box::new(endpoint));
    }

    /// After a snapshot's records of `location` are restored: the endpoints of each tuned
    /// version are derived from it when they are what its job made (consecutively numbered, and
    /// each either stored as made or not stored at all: a data directory keeps no row for them),
    /// and stay stored records otherwise.
    pub(super) fn derive_tuned_endpoints(&mut self, location: &LocationName) {
        let Some(space) = self.spaces.get_mut(location) else {
            return;
        };
        let mut found: Vec<(u64, TunedEndpoints)> = Vec::new();
        for model in space.models.values() {
            for version in model.versions() {
                let Some(first) = Namespace::consecutive_endpoints(location, version) else {
                    continue;
                };
                // Only an endpoint also stored is made here, to compare (on a start from a data
                // directory, none is).
                let as_made = space.derivable(version)
                    && version.checkpoints.iter().all(|c| {
                        space
                            .endpoints
                            .get(c.endpoint.endpoint_id())
                            .is_none_or(|stored| {
                                space.derived(model, version, c).as_ref() == Some(&**stored)
                            })
                    });
                if as_made {
                    let entry = TunedEndpoints {
                        model: model.name.model_id().clone(),
                        version: version.id,
                        count: version.checkpoints.len() as u64,
                    };
                    found.push((first, entry));
                }
            }
        }
        // Two versions claiming one endpoint (possible only in a snapshot written by hand):
        // the first by number is derived, the other's endpoints stay as stored.
        found.sort_by_key(|(first, _)| *first);
        for (first, entry) in found {
            if !space.free(first, entry.count) {
                continue;
            }
            if !space.endpoints.is_empty() {
                for n in first..first + entry.count {
                    space.endpoints.remove(&EndpointId::from_number(n));
                }
            }
            space.tuned_endpoints.insert(first, entry);
        }
    }

    /// Removes the endpoints serving `model` (only those of `version` when given), derived or
    /// stored.
    pub(super) fn remove_endpoints(&mut self, model: &ModelName, version: Option<VersionId>) {
        let Some(space) = self.spaces.get_mut(model.location_name()) else {
            return;
        };
        let Namespace {
            models,
            endpoints,
            tuned_endpoints,
            ..
        } = space;
        let goes = |e: &EndpointRecord| e.model == *model && version.is_none_or(|v| v == e.version);
        let mut gone: Vec<EndpointName> = endpoints
            .values()
            .filter(|e| goes(e))
            .map(|e| e.name.clone())
            .collect();
        endpoints.retain(|_, e| !goes(e));
        let versions = models
            .get(model.model_id())
            .into_iter()
            .flat_map(|m| m.versions().filter(|v| version.is_none_or(|id| id == v.id)));
        for v in versions {
            let Some(first) = v
                .checkpoints
                .first()
                .and_then(|c| c.endpoint.endpoint_id().number())
            else {
                continue;
            };
            let derived = tuned_endpoints
                .get(&first)
                .is_some_and(|e| e.model == *model.model_id() && e.version == v.id);
            if derived {
                tuned_endpoints.remove(&first);
                gone.extend(v.checkpoints.iter().map(|c| c.endpoint.clone()));
            }
        }
        for name in gone {
            // A derived endpoint has no row of its own, unless an older data directory wrote one.
            self.touch(RecordName::Endpoint(name));
        }
    }
}
