//! A job's JSON: rendered with its tuned version's current default endpoint, and the encoded
//! bodies of ended jobs kept for the clients that poll them.

use retune_model::Timestamp;
use retune_model::names::{EndpointName, ModelRef, TuningJobName, VersionSelector};
use retune_model::wire::{self, EnumEncoding};

use bytes::Bytes;

use super::Store;
use crate::error::ApiError;
use crate::jobs::{JobRecord, Phase};
use crate::routes::ApiVersion;

/// How many encoded job bodies [`Store::encoded_job`] keeps (about 3.5 KB each); when full, it
/// starts over.
pub(super) const RENDERED_CAPACITY: usize = 256;

/// A job's encoded body is specific to the API version and the enum encoding.
pub(super) type RenderKey = (TuningJobName, ApiVersion, EnumEncoding);

/// The encoded body of an ended job, and the one thing shown in it that can still change: the
/// endpoint of its tuned version's default checkpoint.
#[derive(Debug)]
pub(super) struct RenderedJob {
    default_endpoint: Option<EndpointName>,
    body: Bytes,
}

impl Store {
    /// Renders a job, with `tunedModel.endpoint` following the version's current default
    /// checkpoint.
    pub fn render_job(
        &self,
        job: &JobRecord,
        now: Timestamp,
        version: ApiVersion,
    ) -> wire::TuningJob {
        let mut rendered = job.render(now, version);
        if let (Some(tuned), Some(output)) = (rendered.tuned_model.as_mut(), job.output())
            && let Some(endpoint) = self.current_default_endpoint(&output.model)
        {
            tuned.endpoint = endpoint.to_string();
        }
        rendered
    }

    /// A job's JSON body, as [`render_job`](Store::render_job) then `wire::encode` give it.
    ///
    /// An ended job no longer changes, except for `tunedModel.endpoint`, which follows its
    /// version's default checkpoint; so its body is kept and reused while that endpoint stays the
    /// same (a polling client reads the same ended job again and again).
    pub fn encoded_job(
        &mut self,
        name: &TuningJobName,
        now: Timestamp,
        version: ApiVersion,
        enums: EnumEncoding,
    ) -> Result<Bytes, ApiError> {
        let job = self.job(name)?;
        let Phase::Ended { output, .. } = &job.phase else {
            return Ok(Bytes::from(wire::encode(
                &self.render_job(job, now, version),
                enums,
            )));
        };
        let default_endpoint = output
            .as_ref()
            .and_then(|o| self.current_default_endpoint(&o.model));
        let key = (name.clone(), version, enums);
        if let Some(cached) = self.rendered.get(&key)
            && cached.default_endpoint.as_ref() == default_endpoint
        {
            return Ok(cached.body.clone());
        }
        let default_endpoint = default_endpoint.cloned();
        let body = Bytes::from(wire::encode(&self.render_job(job, now, version), enums));
        if self.rendered.len() >= RENDERED_CAPACITY {
            self.rendered.clear();
        }
        self.rendered.insert(
            key,
            RenderedJob {
                default_endpoint,
                body: body.clone(),
            },
        );
        Ok(body)
    }

    fn current_default_endpoint(&self, model: &ModelRef) -> Option<&EndpointName> {
        let record = self.model(model.name()).ok()?;
        let Some(VersionSelector::Id(id)) = model.selector() else {
            return None;
        };
        record.version(*id)?.default_endpoint()
    }
}
