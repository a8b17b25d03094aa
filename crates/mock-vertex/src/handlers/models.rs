//! Models in the Model Registry: Get, Update, Delete, DeleteVersion, MergeVersionAliases and the
//! three lists (models, versions, checkpoints).

use retune_model::names::{LocationName, ModelRef, VersionSelector};
use retune_model::registry::{UpdateLevel, VersionOrderFacts, compare_versions};
use retune_model::request::{
    ListKind, OrderBy, UpdateModelRequest, check_delete_model, check_list,
    check_merge_version_aliases, check_model_versions_parent, check_update_model,
    checkpoints_version,
};
use retune_model::wire;

use super::Request;
use super::operations::for_version;
use crate::error::ApiError;
use crate::filter::Filterable;
use crate::render::{self, ModelNameStyle};
use crate::state::Emulator;
use crate::store::{ModelRecord, VersionRecord};

/// GetModel (bare, `@version` or `@alias`).
pub(super) fn get(emulator: &Emulator, model: &ModelRef) -> Result<wire::Model, ApiError> {
    emulator.with_store(|store, _| {
        let record = store.model(model.name())?;
        let version = record.select(model.selector())?;
        Ok(render::model(
            record,
            version,
            ModelNameStyle::for_request(model),
        ))
    })
}

/// UpdateModel (PATCH) at the level the name targets.
pub(super) fn update(
    emulator: &Emulator,
    model: &ModelRef,
    request: &Request,
) -> Result<wire::Model, ApiError> {
    let mask = request.query.update_mask();
    let update = check_update_model(UpdateModelRequest {
        model,
        update_mask: mask.as_deref(),
        body: &request.body,
    })?;
    emulator.with_store(|store, now| {
        let target = match UpdateLevel::of_selector(model.selector()) {
            UpdateLevel::Model => None,
            UpdateLevel::Version => Some(store.model(model.name())?.select(model.selector())?.id),
        };
        store.update_model(model.name(), target, &update, now)?;
        let record = store.model(model.name())?;
        let version = match target {
            Some(id) => record.select(Some(&VersionSelector::Id(id)))?,
            None => record.select(None)?,
        };
        Ok(render::model(
            record,
            version,
            ModelNameStyle::for_request(model),
        ))
    })
}

/// DeleteModel.
pub(super) fn delete(
    emulator: &Emulator,
    model: &ModelRef,
    request: &Request,
) -> Result<wire::Operation, ApiError> {
    let name = check_delete_model(model)?;
    emulator.with_store(|store, now| {
        let op = store.delete_model(name, now)?;
        Ok(for_version(op.render(now), request.version))
    })
}

/// DeleteModelVersion.
pub(super) fn delete_version(
    emulator: &Emulator,
    model: &ModelRef,
    request: &Request,
) -> Result<wire::Operation, ApiError> {
    emulator.with_store(|store, now| {
        let op = store.delete_version(model, now)?;
        Ok(for_version(op.render(now), request.version))
    })
}

/// MergeVersionAliases.
pub(super) fn merge_aliases(
    emulator: &Emulator,
    model: &ModelRef,
    request: &Request,
) -> Result<wire::Model, ApiError> {
    let body: wire::MergeVersionAliasesRequest = wire::decode(&request.body)?;
    let merge = check_merge_version_aliases(model, &body)?;
    emulator.with_store(|store, now| {
        store.merge_aliases(model.name(), merge.version, &merge.changes, now)?;
        let record = store.model(model.name())?;
        let version = record.select(Some(&VersionSelector::Id(merge.version)))?;
        Ok(render::model(record, version, ModelNameStyle::Versioned))
    })
}

/// What a model version exposes to `filter` (the fields are `ListKind::Models.filter_fields()`).
struct ModelFields<'a> {
    record: &'a ModelRecord,
    version: &'a VersionRecord,
}

impl Filterable for ModelFields<'_> {
    fn field(&self, field: &str) -> Option<Option<String>> {
        if let Some(key) = field.strip_prefix("labels.") {
            return Some(self.record.labels_of(self.version).remove(key));
        }
        match field {
            "model" => Some(Some(self.record.name().model_id().to_string())),
            "display_name" => Some(Some(self.record.display_name().to_owned())),
            "base_model_name" => Some(self.version.base_model().map(str::to_owned)),
            _ => None,
        }
    }
}

/// Sorts model versions by a parsed `order_by` (`registry::compare_versions`).
fn sort(items: &mut [(&ModelRecord, &VersionRecord)], order: &OrderBy) {
    if order.keys().is_empty() {
        return;
    }
    items.sort_by(|a, b| compare_versions(&order_facts(a), &order_facts(b), order));
}

fn order_facts<'a>((record, version): &(&'a ModelRecord, &VersionRecord)) -> VersionOrderFacts<'a> {
    VersionOrderFacts {
        display_name: record.display_name(),
        version_created: version.created,
        model_created: record.created(),
        version_updated: version.updated,
        model_updated: record.updated(),
    }
}

/// ListModels: the default version of each model.
pub(super) fn list(
    emulator: &Emulator,
    parent: &LocationName,
    request: &Request,
) -> Result<wire::ListModelsResponse, ApiError> {
    let filter = request.query.filter();
    let list = check_list(
        ListKind::Models,
        &parent.to_string(),
        &request.query.list_query(filter.as_deref()),
    )?;
    emulator.with_store(|store, _| {
        let mut items: Vec<(&ModelRecord, &VersionRecord)> = store
            .models_in(parent)
            .filter_map(|record| record.select(None).ok().map(|v| (record, v)))
            .filter(|(record, version)| list.filter().matches(&ModelFields { record, version }))
            .collect();
        sort(&mut items, list.order_by());
        let (page, next_page_token) = list.page(items);
        Ok(wire::ListModelsResponse {
            models: page
                .into_iter()
                .map(|(r, v)| render::model(r, v, ModelNameStyle::Bare))
                .collect(),
            next_page_token,
        })
    })
}

/// ListModelVersions.
pub(super) fn list_versions(
    emulator: &Emulator,
    model: &ModelRef,
    request: &Request,
) -> Result<wire::ListModelVersionsResponse, ApiError> {
    check_model_versions_parent(model)?;
    let filter = request.query.filter();
    let list = check_list(
        ListKind::ModelVersions,
        &model.to_string(),
        &request.query.list_query(filter.as_deref()),
    )?;
    emulator.with_store(|store, _| {
        let record = store.model(model.name())?;
        let mut items: Vec<(&ModelRecord, &VersionRecord)> = record
            .versions()
            .map(|v| (record, v))
            .filter(|(record, version)| list.filter().matches(&ModelFields { record, version }))
            .collect();
        sort(&mut items, list.order_by());
        let (page, next_page_token) = list.page(items);
        Ok(wire::ListModelVersionsResponse {
            models: page
                .into_iter()
                .map(|(r, v)| render::model(r, v, ModelNameStyle::Versioned))
                .collect(),
            next_page_token,
        })
    })
}

/// ListModelVersionCheckpoints, of the version `checkpoints_version` picks.
pub(super) fn list_checkpoints(
    emulator: &Emulator,
    model: &ModelRef,
    request: &Request,
) -> Result<wire::ListModelVersionCheckpointsResponse, ApiError> {
    let filter = request.query.filter();
    let list = check_list(
        ListKind::ModelVersionCheckpoints,
        &model.to_string(),
        &request.query.list_query(filter.as_deref()),
    )?;
    emulator.with_store(|store, _| {
        let record = store.model(model.name())?;
        let version = record.checkpoints_version(checkpoints_version(model))?;
        let (checkpoints, next_page_token) = list.page(render::version_checkpoints(version));
        Ok(wire::ListModelVersionCheckpointsResponse {
            checkpoints,
            next_page_token,
        })
    })
}
