//! `retune models list|get|versions|checkpoints|lineage|set-default-checkpoint|alias|delete-version|update`.

use std::collections::BTreeMap;

use anyhow::Context;
use futures::TryStreamExt;
use retune_client::{Checkpoint, Client, ListOptions, Model, ModelUpdate};
use retune_model::names::{ModelRef, VersionAlias, VersionId, VersionSelector};
use retune_model::registry::AliasChange;
use retune_model::wire;

use super::jobs::{limited, options, print_json, print_json_list};
use crate::config::{List, ModelAction};
use crate::exit::{Exit, Hint, Refused};
use crate::output::Out;
use crate::render;

/// `retune models list`.
pub async fn list(client: &Client, list: &List, out: &Out) -> anyhow::Result<Exit> {
    let models: Vec<wire::Model> = limited(client.list_models(options(list)), list.limit)
        .map_ok(Model::into_wire)
        .try_collect()
        .await
        .context("cannot list models")?;
    if out.is_json() {
        print_json_list(out, &models)?;
    } else if models.is_empty() {
        out.say(format!("No models in {}.", client.location()))?;
    } else {
        out.line(render::models_table(&models).render())?;
    }
    Ok(Exit::Ok)
}

/// The commands on one model.
pub async fn run(
    client: &Client,
    model: &ModelRef,
    action: ModelAction,
    out: &Out,
) -> anyhow::Result<Exit> {
    match action {
        ModelAction::Get => {
            let m = get(client, model).await?;
            if out.is_json() {
                print_json(out, &m)?;
            } else {
                out.line(render::model_fields(&m).render(2))?;
            }
        }
        ModelAction::Versions => {
            let versions: Vec<wire::Model> = client
                .list_model_versions(model.name(), ListOptions::new())
                .map_ok(Model::into_wire)
                .try_collect()
                .await
                .with_context(|| format!("cannot list the versions of {}", model.name()))?;
            if out.is_json() {
                print_json_list(out, &versions)?;
            } else {
                out.line(render::models_table(&versions).render())?;
            }
        }
        ModelAction::Checkpoints => {
            let version = get(client, model).await?;
            let checkpoints: Vec<wire::ModelVersionCheckpoint> = client
                .list_checkpoints(model)
                .map_ok(Checkpoint::into_wire)
                .try_collect()
                .await
                .with_context(|| format!("cannot list the checkpoints of {model}"))?;
            if out.is_json() {
                // Each checkpoint as the API shows it, and whether it is the version's default.
                let marked: Vec<serde_json::Value> = checkpoints
                    .iter()
                    .map(|c| {
                        let mut value = wire::to_value(c, wire::EnumEncoding::Names);
                        if let Some(fields) = value.as_object_mut() {
                            fields.insert(
                                "default".to_owned(),
                                serde_json::Value::Bool(
                                    c.checkpoint_id == version.default_checkpoint_id,
                                ),
                            );
                        }
                        value
                    })
                    .collect();
                out.json_value(&serde_json::Value::Array(marked))?;
            } else if checkpoints.is_empty() {
                out.say(format!("{model} has no checkpoints."))?;
            } else {
                out.line(
                    render::checkpoints_table(&checkpoints, &version.default_checkpoint_id)
                        .render(),
                )?;
            }
        }
        ModelAction::Lineage => {
            let lineage = client
                .lineage(model.name())
                .await
                .with_context(|| format!("cannot trace the lineage of {}", model.name()))?;
            if out.is_json() {
                out.json_value(&render::lineage_json(&lineage))?;
            } else {
                out.line(format!("Lineage of {}:", model.name()))?;
                for line in render::lineage_lines(&lineage) {
                    out.line(format!("  {line}"))?;
                }
            }
        }
        ModelAction::SetDefaultCheckpoint(checkpoint) => {
            let version = version_id(client, model).await?;
            let target = model.name().at_version(version);
            let updated = client
                .update_model(
                    &target,
                    &ModelUpdate::new().with_default_checkpoint(checkpoint),
                )
                .await
                .with_context(|| format!("cannot set the default checkpoint of {target}"))?;
            if out.is_json() {
                print_json(out, &updated)?;
            } else {
                out.line(format!(
                    "Checkpoint {checkpoint} is now the default checkpoint of {target}."
                ))?;
            }
        }
        ModelAction::AddAliases(aliases) => {
            let version = version_id(client, model).await?;
            // An alias moves from the version that holds it: say from which.
            let mut moved = Vec::new();
            for alias in &aliases {
                let holder = model.name().at(Some(VersionSelector::Alias(alias.clone())));
                if let Ok(held) = client.get_model(&holder).await
                    && let Some(from) = held.version_id()
                    && from != version
                {
                    moved.push(format!("{alias} from version {from}"));
                }
            }
            let changes: Vec<AliasChange> = aliases.iter().cloned().map(AliasChange::Add).collect();
            let updated = client
                .merge_version_aliases(&model.name().at_version(version), &changes)
                .await
                .with_context(|| {
                    format!("cannot add aliases to {}", model.name().at_version(version))
                })?;
            if out.is_json() {
                print_json(out, &updated)?;
            } else {
                if !moved.is_empty() {
                    out.line(format!("Moved {}.", moved.join(", ")))?;
                }
                out.line(format!(
                    "Version {version} of {} now has the aliases: {}.",
                    model.name(),
                    updated.version_aliases.join(", ")
                ))?;
            }
        }
        ModelAction::Update(update) => {
            let updated = client
                .update_model(model, &update)
                .await
                .with_context(|| format!("cannot update {model}"))?;
            if out.is_json() {
                print_json(out, &updated)?;
            } else {
                out.line(format!("Updated {} of {model}.", update.update_mask()))?;
            }
        }
        ModelAction::RemoveAliases(aliases) => {
            remove_aliases(client, model, &aliases, out).await?;
        }
        ModelAction::Rebase(display_name) => {
            let overrides = display_name.map(|name| wire::TuningJob {
                tuned_model_display_name: name,
                ..wire::TuningJob::default()
            });
            let operation = client
                .rebase_tuned_model(model, overrides)
                .await
                .with_context(|| format!("cannot rebase {model}"))?;
            if let Some(error) = &operation.error {
                anyhow::bail!("rebasing {model} failed: {}", error.message);
            }
            if out.is_json() {
                print_json(out, &operation)?;
            } else {
                let job = operation
                    .response_as::<wire::TuningJob>()
                    .transpose()
                    .context("the operation's response is not a tuning job")?
                    .unwrap_or_default();
                out.line(format!(
                    "Rebasing {model} onto {}: tuning job {} ({}).",
                    job.base_model.as_deref().unwrap_or("?"),
                    job.name,
                    operation.name
                ))?;
            }
        }
        ModelAction::DeleteVersion(version) => {
            let target = model.name().at_version(version);
            if !out.confirm(&format!(
                "Version {version} of {} will be deleted.",
                model.name()
            ))? {
                out.line(format!("Nothing was deleted: {target} is kept."))?;
                return Ok(Exit::Ok);
            }
            let operation = client
                .delete_model_version(&model.name().at_version(version))
                .await
                .with_context(|| format!("cannot delete {}", model.name().at_version(version)))?;
            if let Some(error) = &operation.error {
                anyhow::bail!(
                    "deleting {} failed: {}",
                    model.name().at_version(version),
                    error.message
                );
            }
            if out.is_json() {
                print_json(out, &operation)?;
            } else {
                out.line(format!("Deleted version {version} of {}.", model.name()))?;
            }
        }
    }
    Ok(Exit::Ok)
}

async fn get(client: &Client, model: &ModelRef) -> anyhow::Result<Model> {
    let result = client.get_model(model).await;
    match (result, model.selector()) {
        (Err(err), Some(VersionSelector::Alias(_))) if err.is_not_found() => {
            Err(anyhow::Error::new(err)
                .context(Hint(format!(
                    "`retune models versions {}` lists the versions and their aliases",
                    model.name().model_id()
                )))
                .context(format!("cannot get model {model}")))
        }
        (result, _) => result.with_context(|| format!("cannot get model {model}")),
    }
}

/// The version a reference names: its id, or the version its alias (or `default`) is on.
async fn version_id(client: &Client, model: &ModelRef) -> anyhow::Result<VersionId> {
    if let Some(VersionSelector::Id(id)) = model.selector() {
        return Ok(*id);
    }
    get(client, model)
        .await?
        .version_id()
        .with_context(|| format!("the service gave {model} no version id"))
}

/// Takes each alias off the version that holds it (one call per version).
async fn remove_aliases(
    client: &Client,
    model: &ModelRef,
    aliases: &[VersionAlias],
    out: &Out,
) -> anyhow::Result<()> {
    let named = match model.selector() {
        Some(VersionSelector::Id(id)) => Some(*id),
        _ => None,
    };
    let mut by_version: BTreeMap<VersionId, Vec<AliasChange>> = BTreeMap::new();
    for alias in aliases {
        let holder = model.name().at(Some(VersionSelector::Alias(alias.clone())));
        let version = version_id(client, &holder).await?;
        if let Some(named) = named
            && named != version
        {
            return Err(Refused {
                message: format!(
                    "alias {alias} is on version {version} of {}, not on version {named}; nothing was changed",
                    model.name()
                ),
            }
            .into());
        }
        by_version
            .entry(version)
            .or_default()
            .push(AliasChange::Remove(alias.clone()));
    }
    let mut updated = Vec::new();
    for (version, changes) in &by_version {
        let m = client
            .merge_version_aliases(&model.name().at_version(*version), changes)
            .await
            .with_context(|| {
                format!(
                    "cannot remove aliases from {}",
                    model.name().at_version(*version)
                )
            })?;
        updated.push(m);
    }
    if out.is_json() {
        print_json_list(out, &updated)?;
    } else {
        for (version, changes) in &by_version {
            let names: Vec<String> = changes
                .iter()
                .filter_map(|c| match c {
                    AliasChange::Remove(a) => Some(a.to_string()),
                    AliasChange::Add(_) => None,
                })
                .collect();
            out.line(format!(
                "Removed {} from version {version} of {}.",
                names.join(", "),
                model.name()
            ))?;
        }
    }
    Ok(())
}
