//! The Model Registry side of the store: reading models and operations, and deleting
//! models and versions and merging aliases as `retune_model::registry` decides.

use retune_model::Timestamp;
use retune_model::emulator_policy::deletion_delay;
use retune_model::names::{
    LocationName, ModelName, ModelRef, OperationId, OperationName, OperationParent, VersionId,
};
use retune_model::registry::{
    AliasChange, Deletion, merge_version_aliases, model_deletion, version_deletion,
};

use super::RecordName;
use super::{ModelRecord, OperationRecord, Store};
use crate::error::ApiError;

pub(super) fn model_not_found(name: &ModelName) -> ApiError {
    ApiError::not_found(format!("Model {name} not found."))
}

impl Store {
    /// The model called `name`.
    pub fn model(&self, name: &ModelName) -> Result<&ModelRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.models.get(name.model_id()))
            .ok_or_else(|| model_not_found(name))
    }

    pub(super) fn model_mut(&mut self, name: &ModelName) -> Result<&mut ModelRecord, ApiError> {
        self.touch_model(name);
        self.spaces
            .get_mut(name.location_name())
            .and_then(|s| s.models.get_mut(name.model_id()))
            .ok_or_else(|| model_not_found(name))
    }

    /// The models of `location`, by id (creation order).
    pub fn models_in(&self, location: &LocationName) -> impl Iterator<Item = &ModelRecord> {
        self.space(location)
            .into_iter()
            .flat_map(|space| space.models.values())
    }

    pub(super) fn new_operation(
        &mut self,
        parent: OperationParent,
        now: Timestamp,
        done_at: Timestamp,
    ) -> OperationRecord {
        let id = OperationId::from_number(self.next_operation);
        self.next_operation += 1;
        let location = parent.location_name().clone();
        let record = OperationRecord {
            name: OperationName::new(parent, id),
            created: now,
            done_at,
            rebased: None,
        };
        self.touch(RecordName::Operation(record.name.clone()));
        self.space_mut(&location)
            .operations
            .insert(id, record.clone());
        record
    }

    /// Applies a deletion the registry allowed: the model or version goes with its endpoints,
    /// and an operation records it, done after `emulator_policy::deletion_delay` (at once for
    /// instant jobs) so that clients poll it as they poll Vertex AI's.
    fn apply_deletion(&mut self, deletion: Deletion, now: Timestamp) -> OperationRecord {
        let Deletion {
            model,
            version,
            operation_parent,
        } = deletion;
        self.remove_endpoints(&model, version);
        self.touch_model(&model);
        // The rows of the jobs that made the versions going left out their checkpoints (they
        // were the version's): written again, with them.
        let makers: Vec<_> = self
            .model(&model)
            .map(|m| {
                m.versions()
                    .filter(|v| version.is_none_or(|id| id == v.id))
                    .filter_map(|v| v.job.clone())
                    .collect()
            })
            .unwrap_or_default();
        for job in &makers {
            self.touch_job(job);
        }
        match version {
            None => {
                if let Some(space) = self.spaces.get_mut(model.location_name()) {
                    space.models.remove(model.model_id());
                }
            }
            Some(id) => {
                if let Ok(record) = self.model_mut(&model) {
                    record.versions.remove(&id);
                    record.updated = now;
                }
            }
        }
        let done_at = now.saturating_add(deletion_delay(self.pace()));
        self.new_operation(operation_parent, now, done_at)
    }

    /// Deletes a model (`registry::model_deletion`) and its managed endpoints. `model` is the
    /// name `retune_model::request::check_delete_model` accepted.
    pub fn delete_model(
        &mut self,
        model: &ModelName,
        now: Timestamp,
    ) -> Result<OperationRecord, ApiError> {
        let record = self.model(model)?;
        let deletion = model_deletion(model, &record.entries())
            .map_err(|e| ApiError::new(e.code(), format!("Model {model}: {e}.")))?;
        Ok(self.apply_deletion(deletion, now))
    }

    /// Deletes one version (`registry::version_deletion`) and its managed endpoints.
    pub fn delete_version(
        &mut self,
        model: &ModelRef,
        now: Timestamp,
    ) -> Result<OperationRecord, ApiError> {
        let record = self.model(model.name())?;
        let deletion = version_deletion(model, &record.entries())
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", model.name())))?;
        Ok(self.apply_deletion(deletion, now))
    }

    /// Merges alias changes into version `target` of `model`
    /// (`registry::merge_version_aliases`); the version is the one
    /// `retune_model::request::check_merge_version_aliases` read from the request's name.
    pub fn merge_aliases(
        &mut self,
        model: &ModelName,
        target: VersionId,
        changes: &[AliasChange],
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let record = self.model_mut(model)?;
        let assignment = merge_version_aliases(&record.entries(), target, changes)
            .map_err(|e| ApiError::new(e.code(), format!("Model {}: {e}.", record.name)))?;
        for (id, aliases) in assignment {
            if let Some(version) = record.versions.get_mut(&id)
                && version.aliases != aliases
            {
                version.aliases = aliases;
                version.updated = now;
            }
        }
        Ok(())
    }

    /// The operation called `name`.
    pub fn operation(&self, name: &OperationName) -> Result<&OperationRecord, ApiError> {
        self.spaces
            .get(name.location_name())
            .and_then(|s| s.operations.get(&name.operation_id()))
            .filter(|op| op.name == *name)
            .ok_or_else(|| ApiError::not_found(format!("Operation {name} not found.")))
    }

    /// The operations whose parent is `parent`, by id.
    pub fn operations_under<'a>(
        &'a self,
        parent: &'a OperationParent,
    ) -> impl Iterator<Item = &'a OperationRecord> {
        self.space(parent.location_name())
            .into_iter()
            .flat_map(move |space| space.operations_under(parent))
    }

    /// Every operation of `location`, whatever its parent, by id.
    pub fn operations_in(&self, location: &LocationName) -> impl Iterator<Item = &OperationRecord> {
        self.space(location)
            .into_iter()
            .flat_map(|space| space.operations.values())
    }

    /// Deletes the operation called `name`.
    pub fn delete_operation(&mut self, name: &OperationName) -> Result<(), ApiError> {
        self.operation(name)?;
        self.touch(RecordName::Operation(name.clone()));
        if let Some(space) = self.spaces.get_mut(name.location_name()) {
            space.operations.remove(&name.operation_id());
        }
        Ok(())
    }
}
