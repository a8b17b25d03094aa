//! Registering a succeeded job's tuned version: the store gathers the facts, asks
//! `retune_model::registry::new_version`, and stores the answer (the model or version, and one
//! endpoint per checkpoint).

use std::collections::BTreeMap;
use std::sync::Arc;

use retune_model::Timestamp;
use retune_model::answer::AnswerIndex;
use retune_model::continuous::{TuningMethod, TuningOutcome};
use retune_model::names::{CheckpointId, EndpointId, EndpointName, ModelId, ModelName};
use retune_model::registry::{TunedJob, VersionHome, new_version};

use super::{CheckpointRecord, ModelRecord, Store, VersionLabels, VersionRecord};
use crate::error::ApiError;
use crate::jobs::{JobRecord, TunedOutput};

impl Store {
    fn new_endpoint_id(&mut self) -> EndpointId {
        let id = EndpointId::from_number(self.next_endpoint);
        self.next_endpoint += 1;
        id
    }

    fn new_model_id(&mut self) -> ModelId {
        let id = ModelId::from_number(self.next_model);
        self.next_model += 1;
        id
    }

    /// On success of `job` (tuned by `method`) at `at`: adds the tuned version (to its parent, or
    /// as a new model) and one endpoint per checkpoint, and returns the job's outputs.
    pub(crate) fn register_tuned_model(
        &mut self,
        job: &JobRecord,
        method: TuningMethod,
        at: Timestamp,
    ) -> Result<TunedOutput, ApiError> {
        let location = job.name.location_name().clone();
        let outcome = job.continuation.as_ref().map(|c| &c.plan.outcome);
        let parent = match outcome {
            Some(TuningOutcome::NewVersion { parent }) => {
                self.model(parent).ok().map(ModelRecord::as_parent)
            }
            _ => None,
        };
        let facts = TunedJob {
            name: &job.name,
            root_base_model: job.base_model,
            method,
            requested_display_name: &job.request.tuned_model_display_name,
            labels: &job.request.labels,
            kms_key: job.kms_key.as_deref(),
            timeline: &job.timeline,
            export_last_checkpoint_only: job.export_last_checkpoint_only,
            outcome,
            finished_at: at,
        };
        let version = new_version(&facts, parent.as_ref())
            .map_err(|e| ApiError::new(e.code(), format!("TuningJob {}: {e}.", job.name)))?;

        let model_name = match &version.home {
            VersionHome::Parent(parent) => parent.clone(),
            VersionHome::NewModel { display_name } => {
                let id = self.new_model_id();
                let name = ModelName::new(location.clone(), id.clone());
                self.touch_model(&name);
                self.space_mut(&location).models.insert(
                    id,
                    ModelRecord::new(
                        name.clone(),
                        display_name.clone(),
                        job.request.description.clone(),
                        BTreeMap::new(),
                        at,
                    ),
                );
                name
            }
        };

        // One endpoint per checkpoint, numbered consecutively: the namespace derives them from
        // the version (`store::endpoints`).
        let first_endpoint = self.next_endpoint;
        let mut checkpoints = Vec::with_capacity(version.checkpoints.len());
        for c in &version.checkpoints {
            let endpoint = EndpointName::new(location.clone(), self.new_endpoint_id());
            checkpoints.push(CheckpointRecord {
                id: CheckpointId::from_number(u64::from(c.id)),
                epoch: c.epoch,
                step: c.step,
                endpoint: endpoint.clone(),
            });
        }

        let checkpoints: Arc<[CheckpointRecord]> = checkpoints.into();

        // What the version knows: its lineage's pairs (the version it continued from, at any
        // checkpoint: all of them saw every example), then the examples this job read.
        let parent_answers = job.continuation.as_ref().and_then(|c| {
            self.model(&c.plan.model)
                .ok()
                .and_then(|m| m.version(c.plan.version))
                .map(|v| Arc::clone(&v.answers))
        });
        let answers = match (&parent_answers, &self.last_answers) {
            // Versions tuned from the same pairs alone know the same: one index serves them.
            (None, Some((pairs, index))) if Arc::ptr_eq(pairs, &job.training) => Arc::clone(index),
            _ => {
                let index = Arc::new(AnswerIndex::lineage(
                    parent_answers.as_deref(),
                    job.training.to_vec(),
                ));
                if parent_answers.is_none() {
                    self.last_answers = Some((Arc::clone(&job.training), Arc::clone(&index)));
                }
                index
            }
        };

        let id = version.id;
        let mut record = VersionRecord {
            id,
            aliases: version.aliases,
            description: String::new(),
            labels: VersionLabels::Set(BTreeMap::new()),
            created: at,
            updated: at,
            checkpoints: Arc::clone(&checkpoints),
            default_checkpoint: version.default_checkpoint,
            kms_key: version.provenance.kms_key.clone(),
            provenance: Some(version.provenance),
            job: Some(job.name.clone()),
            answers,
        };
        record.set_labels(version.labels);
        let endpoint_count = checkpoints.len() as u64;
        if let Ok(model) = self.model_mut(&model_name) {
            model.updated = at;
            model.highest_version = Some(id);
            model.versions.insert(record);
            if endpoint_count > 0 {
                self.add_tuned_endpoints(&model_name, id, first_endpoint, endpoint_count);
            }
        }

        Ok(TunedOutput {
            model: model_name.at_version(id),
            checkpoints,
            list_checkpoints: !job.export_last_checkpoint_only,
        })
    }
}
