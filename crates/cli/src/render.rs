//! How resources look to people: rows, fields and short state names for jobs, models,
//! checkpoints, lineage and continuous-tuning plans. JSON output does not come through here: it
//! is the API's own shape, from `retune_model::wire`.

use retune_client::{Lineage, Origin};
use retune_model::Timestamp;
use retune_model::continuous::{ContinuousTuningPlan, TuningOutcome};
use retune_model::job_state::{JobState, TuningJobState};
use retune_model::names::{ModelRef, TuningJobName};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire;

use crate::output::{Fields, Table};

/// `SUCCEEDED` for `JOB_STATE_SUCCEEDED`.
pub fn state_name(state: JobState) -> &'static str {
    let name = state.proto_name();
    name.strip_prefix("JOB_STATE_").unwrap_or(name)
}

/// `TUNING` for `TUNING_JOB_STATE_TUNING`.
pub fn sub_state_name(state: TuningJobState) -> &'static str {
    let name = state.proto_name();
    name.strip_prefix("TUNING_JOB_STATE_").unwrap_or(name)
}

/// A tuning job's id, `42` for `.../tuningJobs/42`; a name that does not parse is shown whole.
pub fn job_id(name: &str) -> String {
    name.parse::<TuningJobName>()
        .map_or_else(|_| name.to_owned(), |job| job.tuning_job_id().to_string())
}

/// A model's id, `7` for `.../models/7` (or `.../models/7@2`); a name that does not parse is
/// shown whole.
pub fn model_id(name: &str) -> String {
    name.parse::<ModelRef>().map_or_else(
        |_| name.to_owned(),
        |model| model.name().model_id().to_string(),
    )
}

/// A model reference shortened for a table: `7@2` for `.../models/7@2`; a name that does not
/// parse is shown whole. JSON keeps the full names.
pub fn short_model(name: &str) -> String {
    name.parse::<ModelRef>().map_or_else(
        |_| name.to_owned(),
        |model| {
            let id = model.name().model_id().to_string();
            match model.selector() {
                Some(selector) => format!("{id}@{selector}"),
                None => id,
            }
        },
    )
}

/// A duration as people write it: `2s`, `1m30s`, `2h`, `1.5s` under ten seconds.
pub fn human_duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs < 10 && d.subsec_millis() != 0 {
        return format!("{:.1}s", d.as_secs_f64());
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut text = String::new();
    for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
        if n > 0 {
            text.push_str(&format!("{n}{unit}"));
        }
    }
    if text.is_empty() {
        "0s".to_owned()
    } else {
        text
    }
}

/// `text`, cut to `width` characters with `…` when longer.
fn clipped(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A timestamp for a table: to the minute, in UTC, `2026-01-02 03:04`.
fn short_time(t: Option<Timestamp>) -> String {
    let text = time(t).replacen('T', " ", 1);
    text.char_indices()
        .nth("2026-01-02 03:04".len())
        .map_or(text.clone(), |(end, _)| text[..end].to_owned())
}

fn time(t: Option<Timestamp>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

/// What a job tunes: the base model, or `model@version (checkpoint N)`.
pub fn job_source(job: &wire::TuningJob) -> String {
    source(job, |name| name.to_owned(), "checkpoint")
}

fn source(job: &wire::TuningJob, model: impl Fn(&str) -> String, word: &str) -> String {
    if let Some(pre) = &job.pre_tuned_model {
        let checkpoint = if pre.checkpoint_id.is_empty() {
            String::new()
        } else {
            format!(" {word} {}", pre.checkpoint_id)
        };
        return format!("{}{checkpoint}", model(&pre.tuned_model_name));
    }
    job.base_model.clone().unwrap_or_default()
}

/// `RUNNING (TUNING, epoch 1, step 3)`.
pub fn job_status(job: &wire::TuningJob) -> String {
    let state = job.state.unwrap_or(JobState::Unspecified);
    let mut details = Vec::new();
    if let Some(sub) = job.tuning_job_state
        && sub != TuningJobState::Unspecified
    {
        details.push(sub_state_name(sub).to_owned());
    }
    if let Some(meta) = &job.tuning_job_metadata
        && !state.is_terminal()
        && (meta.completed_epoch_count > 0 || meta.completed_step_count > 0)
    {
        details.push(format!(
            "epoch {}, step {}",
            meta.completed_epoch_count, meta.completed_step_count
        ));
    }
    if details.is_empty() {
        state_name(state).to_owned()
    } else {
        format!("{} ({})", state_name(state), details.join(", "))
    }
}

/// One row per job, with short ids so that it fits 100 columns (JSON has the full names).
pub fn jobs_table(jobs: &[wire::TuningJob]) -> Table {
    let mut table = Table::new(&["JOB", "STATE", "SOURCE", "TUNED MODEL", "CREATED (UTC)"]);
    for job in jobs {
        table.row(vec![
            job_id(&job.name),
            job_status(job),
            source(job, short_model, "ckpt"),
            job.tuned_model
                .as_ref()
                .map(|t| short_model(&t.model))
                .unwrap_or_default(),
            short_time(job.create_time),
        ]);
    }
    table
}

/// Every field of a job people care about.
pub fn job_fields(job: &wire::TuningJob) -> Fields {
    let mut f = Fields::new();
    f.add("name", &job.name)
        .add("state", job_status(job))
        .add("source", job_source(job))
        .add("display name", &job.tuned_model_display_name);
    if let Some(spec) = &job.supervised_tuning_spec {
        f.add("training data", &spec.training_dataset_uri)
            .add("validation data", &spec.validation_dataset_uri);
        if let Some(h) = &spec.hyper_parameters {
            f.add(
                "epochs",
                h.epoch_count.map(|e| e.to_string()).unwrap_or_default(),
            )
            .add(
                "lr multiplier",
                h.learning_rate_multiplier
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
            )
            .add(
                "adapter size",
                h.adapter_size
                    .and_then(|a| a.rank())
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
            );
        }
        if spec.export_last_checkpoint_only {
            f.add("checkpoints exported", "last only");
        }
    }
    if let Some(meta) = &job.tuning_job_metadata {
        f.add(
            "progress",
            format!(
                "{} epochs, {} steps completed",
                meta.completed_epoch_count, meta.completed_step_count
            ),
        );
    }
    f.add("created", time(job.create_time))
        .add("started", time(job.start_time))
        .add("ended", time(job.end_time));
    if let Some(tuned) = &job.tuned_model {
        f.add("tuned model", &tuned.model)
            .add("endpoint", &tuned.endpoint);
        let checkpoints: Vec<String> = tuned
            .checkpoints
            .iter()
            .map(|c| format!("{} (epoch {}, step {})", c.checkpoint_id, c.epoch, c.step))
            .collect();
        f.add("checkpoints", checkpoints.join(", "));
    }
    if let Some(stats) = job
        .tuning_data_stats
        .as_ref()
        .and_then(|s| s.supervised_tuning_data_stats.as_ref())
    {
        f.add(
            "training examples",
            stats.tuning_dataset_example_count.to_string(),
        )
        .add("tuning steps", stats.tuning_step_count.to_string());
    }
    if let Some(error) = &job.error {
        let code = retune_model::Code::from_number(error.code)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_else(|| error.code.to_string());
        f.add("error", format!("{code}: {}", error.message));
    }
    if let Some(spec) = &job.encryption_spec {
        f.add("kms key", &spec.kms_key_name);
    }
    f.add("service account", &job.service_account)
        .add("labels", labels(&job.labels));
    f
}

fn labels(labels: &std::collections::BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One row per model (version), with short ids and long display names cut so that it fits 100
/// columns (JSON has them whole).
pub fn models_table(models: &[wire::Model]) -> Table {
    let mut table = Table::new(&[
        "MODEL",
        "VERSION",
        "ALIASES",
        "DISPLAY NAME",
        "CHECKPOINT",
        "CREATED (UTC)",
    ]);
    for model in models {
        let id = model_id(&model.name);
        table.row(vec![
            id.to_owned(),
            model.version_id.clone(),
            model.version_aliases.join(","),
            // The widest display name shown whole, so that a row fits 100 columns.
            clipped(&model.display_name, 28),
            model.default_checkpoint_id.clone(),
            short_time(model.version_create_time.or(model.create_time)),
        ]);
    }
    table
}

/// Every field of a model version people care about.
pub fn model_fields(model: &wire::Model) -> Fields {
    let mut f = Fields::new();
    f.add("name", &model.name)
        .add("version", &model.version_id)
        .add("aliases", model.version_aliases.join(", "))
        .add("display name", &model.display_name)
        .add("description", &model.description)
        .add("version description", &model.version_description)
        .add("default checkpoint", &model.default_checkpoint_id);
    let checkpoints: Vec<String> = model
        .checkpoints
        .iter()
        .map(|c| format!("{} (epoch {}, step {})", c.checkpoint_id, c.epoch, c.step))
        .collect();
    f.add("checkpoints", checkpoints.join(", "))
        .add("created", time(model.create_time))
        .add("version created", time(model.version_create_time));
    if let Some(spec) = &model.encryption_spec {
        f.add("kms key", &spec.kms_key_name);
    }
    f.add("labels", labels(&model.labels));
    f
}

/// One row per checkpoint, marking the default one.
pub fn checkpoints_table(checkpoints: &[wire::ModelVersionCheckpoint], default: &str) -> Table {
    let mut table = Table::new(&["CHECKPOINT", "EPOCH", "STEP", "DEFAULT"]);
    for c in checkpoints {
        table.row(vec![
            c.checkpoint_id.clone(),
            c.epoch.to_string(),
            c.step.to_string(),
            if c.checkpoint_id == default {
                "yes"
            } else {
                ""
            }
            .to_owned(),
        ]);
    }
    table
}

/// `version 2 (job 7)  <-  model 5@1 checkpoint 3 (job 6)  <-  gemini-2.5-flash`, one line per
/// version: [`VersionLineage`](retune_client::VersionLineage)'s `Display`.
pub fn lineage_lines(lineage: &Lineage) -> Vec<String> {
    lineage.versions.iter().map(ToString::to_string).collect()
}

/// The lineage as JSON (no API shape exists for it).
pub fn lineage_json(lineage: &Lineage) -> serde_json::Value {
    let versions: Vec<serde_json::Value> = lineage
        .versions
        .iter()
        .map(|v| {
            let steps: Vec<serde_json::Value> = v
                .steps
                .iter()
                .map(|s| {
                    let origin = match &s.origin {
                        Origin::Foundation(base) => serde_json::json!({ "baseModel": base }),
                        Origin::PreTuned { model, checkpoint } => serde_json::json!({
                            "preTunedModel": model.to_string(),
                            "checkpointId": checkpoint.map(|c| c.to_string()),
                        }),
                        _ => serde_json::json!({}),
                    };
                    serde_json::json!({
                        "model": s.model.at_version(s.version).to_string(),
                        "tuningJob": s.job.as_ref().map(ToString::to_string),
                        "origin": origin,
                    })
                })
                .collect();
            serde_json::json!({
                "versionId": v.version.to_string(),
                "foundationModel": v.foundation(),
                "steps": steps,
            })
        })
        .collect();
    serde_json::json!({ "model": lineage.model.to_string(), "versions": versions })
}

/// The plan of a continuous-tuning job, for people.
pub fn plan_fields(plan: &ContinuousTuningPlan) -> Fields {
    let mut f = Fields::new();
    f.add("continues from", plan.pre_tuned_version().to_string())
        .add("checkpoint", plan.checkpoint.to_string())
        .add("root base model", plan.root_base_model.id())
        .add("result", plan.outcome.to_string());
    f
}

/// The plan as JSON (no API shape exists for it).
pub fn plan_json(plan: &ContinuousTuningPlan) -> serde_json::Value {
    let outcome = match &plan.outcome {
        TuningOutcome::NewVersion { parent } => {
            serde_json::json!({ "newVersionOf": parent.to_string() })
        }
        TuningOutcome::NewModel { display_name } => serde_json::json!({ "newModel": display_name }),
    };
    serde_json::json!({
        "preTunedModel": plan.pre_tuned_version().to_string(),
        "checkpointId": plan.checkpoint.to_string(),
        "baseModel": plan.root_base_model.id(),
        "outcome": outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        use std::time::Duration;
        assert_eq!(human_duration(Duration::from_secs(2)), "2s");
        assert_eq!(human_duration(Duration::from_millis(1916)), "1.9s");
        assert_eq!(human_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(human_duration(Duration::from_secs(7200)), "2h");
    }

    #[test]
    fn table_model_names_are_short() {
        assert_eq!(
            short_model("projects/p/locations/us-central1/models/7@2"),
            "7@2"
        );
        assert_eq!(short_model("odd"), "odd");
    }

    #[test]
    fn state_names_drop_the_proto_prefix() {
        assert_eq!(state_name(JobState::Succeeded), "SUCCEEDED");
        assert_eq!(
            sub_state_name(TuningJobState::PostProcessing),
            "POST_PROCESSING"
        );
    }

    #[test]
    fn running_job_status_shows_sub_state_and_progress() {
        let job = wire::TuningJob {
            state: Some(JobState::Running),
            tuning_job_state: Some(TuningJobState::Tuning),
            tuning_job_metadata: Some(wire::TuningJobMetadata {
                completed_epoch_count: 1,
                completed_step_count: 3,
            }),
            ..wire::TuningJob::default()
        };
        assert_eq!(job_status(&job), "RUNNING (TUNING, epoch 1, step 3)");
    }
}
