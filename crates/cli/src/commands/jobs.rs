//! `retune tune`, `retune continue` and `retune jobs list|get|cancel|wait`.

use std::time::Duration;

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use retune_client::{Client, Error as ClientError, ListOptions, TuningJob, TuningJobSpec};
use retune_model::base_model::BaseModel;
use retune_model::continuous::{Refusal, refusal_status};
use retune_model::job_state::JobState;
use retune_model::names::{CheckpointId, ModelRef, TuningJobName};
use retune_model::proto_enum::ProtoEnum;
use retune_model::wire::{self, EnumEncoding};

use super::dataset;
use crate::config::{Connection, List, Training};
use crate::exit::{Exit, GaveUp, Interrupted, JobEnded, Refused};
use crate::output::Out;
use crate::progress;
use crate::render;

/// Prints a wire value as the API's JSON.
pub fn print_json<T: serde::Serialize>(out: &Out, value: &T) -> anyhow::Result<()> {
    out.json_value(&wire::to_value(value, EnumEncoding::Names))?;
    Ok(())
}

/// Prints a list of wire values as a JSON array.
pub fn print_json_list<T: serde::Serialize>(out: &Out, values: &[T]) -> anyhow::Result<()> {
    let values: Vec<serde_json::Value> = values
        .iter()
        .map(|v| wire::to_value(v, EnumEncoding::Names))
        .collect();
    out.json_value(&serde_json::Value::Array(values))?;
    Ok(())
}

/// Applies the options shared by `tune` and `continue` to a spec.
fn apply(mut spec: TuningJobSpec, t: &Training) -> TuningJobSpec {
    if let Some(v) = &t.validation {
        spec = spec.with_validation_dataset(v.clone());
    }
    if let Some(e) = t.epochs {
        spec = spec.with_epoch_count(e);
    }
    if let Some(x) = t.lr_multiplier {
        spec = spec.with_learning_rate_multiplier(x);
    }
    if let Some(a) = t.adapter_size {
        spec = spec.with_adapter_size(a);
    }
    if t.export_last_checkpoint_only {
        spec = spec.with_export_last_checkpoint_only(true);
    }
    if let Some(beta) = t.preference {
        spec = spec.with_preference_tuning(beta);
    }
    for (k, v) in &t.labels {
        spec = spec.with_label(k.clone(), v.clone());
    }
    if let Some(account) = &t.service_account {
        spec = spec.with_service_account(account.clone());
    }
    spec
}

/// `retune tune` (the hyperparameters were checked against the base model with the flags).
pub async fn tune(
    client: &Client,
    connection: &Connection,
    base: &'static BaseModel,
    t: &Training,
    out: &Out,
) -> anyhow::Result<Exit> {
    if t.dry_run {
        dataset::check_training_data(connection, t, out).await?;
        if out.is_json() {
            out.json_value(&serde_json::json!({
                "baseModel": base.id(),
                "trainingDatasetUri": t.train.to_string(),
                "validationDatasetUri": t.validation.as_ref().map(ToString::to_string),
            }))?;
        } else {
            out.line(format!(
                "Dry run: tuning {} on {} would be accepted; nothing was sent.",
                base.id(),
                t.train
            ))?;
        }
        return Ok(Exit::Ok);
    }
    let mut spec = apply(TuningJobSpec::from_base_model(base, t.train.clone()), t);
    if let Some(name) = &t.display_name {
        spec = spec.with_display_name(name.clone());
    }
    if let Some(key) = &t.kms_key {
        spec = spec.with_kms_key(key.clone());
    }
    let job = client
        .create_tuning_job(&spec)
        .await
        .context("cannot create the tuning job")?;
    created(client, job, t.wait, out).await
}

/// Shows a created job, and follows it with `--wait`.
async fn created(client: &Client, job: TuningJob, wait: bool, out: &Out) -> anyhow::Result<Exit> {
    out.say(format!("Created tuning job {}", job.name))?;
    if !wait {
        show_job(&job, out)?;
        let id = render::job_id(&job.name);
        out.say(format!("Follow it with: retune jobs wait {id}"))?;
        return Ok(Exit::Ok);
    }
    let done = progress::follow(client, job.name(), None, out).await?;
    finished(&done, out)
}

fn show_job(job: &wire::TuningJob, out: &Out) -> anyhow::Result<()> {
    if out.is_json() {
        print_json(out, job)
    } else {
        out.line(render::job_fields(job).render(2))?;
        Ok(())
    }
}

/// Shows a job that has ended; exit code 4 unless it succeeded.
fn finished(job: &wire::TuningJob, out: &Out) -> anyhow::Result<Exit> {
    show_job(job, out)?;
    let state = job.state.unwrap_or(JobState::Unspecified);
    if state == JobState::Succeeded {
        return Ok(Exit::Ok);
    }
    if state == JobState::Cancelled {
        return Err(JobEnded {
            message: format!("tuning job {} was cancelled", job.name),
            cancelled: true,
        }
        .into());
    }
    let reason = job
        .error
        .as_ref()
        .map(|e| format!(": {}", e.message))
        .unwrap_or_default();
    Err(JobEnded {
        message: format!(
            "tuning job {} ended {}{reason}",
            job.name,
            render::state_name(state)
        ),
        cancelled: false,
    }
    .into())
}

/// `retune continue`.
pub async fn continue_tuning(
    client: &Client,
    connection: &Connection,
    model: ModelRef,
    checkpoint: Option<CheckpointId>,
    t: &Training,
    out: &Out,
) -> anyhow::Result<Exit> {
    let dry_run = t.dry_run;
    let shown = model.to_string();
    let mut request = client.continue_tuning(model, t.train.clone());
    if let Some(c) = checkpoint {
        request = request.checkpoint(c);
    }
    if let Some(name) = &t.display_name {
        request = request.display_name(name.clone());
    }
    if let Some(key) = &t.kms_key {
        request = request.kms_key(key.clone());
    }
    let request = request.spec(|spec| apply(spec, t));
    if dry_run {
        return match request.dry_run().await {
            Ok(plan) => {
                dataset::check_training_data(connection, t, out).await?;
                if out.is_json() {
                    out.json_value(&render::plan_json(&plan))?;
                } else {
                    out.line(format!(
                        "Dry run: continuing {shown} would be accepted; nothing was sent."
                    ))?;
                    out.line(render::plan_fields(&plan).render(2))?;
                }
                Ok(Exit::Ok)
            }
            Err(err) => Err(refused(&shown, err, out)?),
        };
    }
    match request.send().await {
        Ok(continued) => {
            if !out.is_json() {
                out.line(format!("Continuing {shown}:"))?;
                out.line(render::plan_fields(&continued.plan).render(2))?;
            }
            created(client, continued.job, t.wait, out).await
        }
        Err(err) => Err(refused(&shown, err, out)?),
    }
}

/// Lists every refusal reason on stdout and turns them into one error line; other errors pass.
fn refused(model: &str, err: ClientError, out: &Out) -> anyhow::Result<anyhow::Error> {
    let reasons: &[Refusal] = err.refusals();
    if reasons.is_empty() {
        return Ok(anyhow::Error::new(err).context(format!("cannot continue tuning {model}")));
    }
    if out.is_json() {
        let refusals: Vec<serde_json::Value> = reasons
            .iter()
            .map(|r| serde_json::json!({ "status": r.code().as_str(), "message": r.to_string() }))
            .collect();
        out.json_value(&serde_json::json!({
            "status": refusal_status(reasons).as_str(),
            "refusals": refusals,
        }))?;
    } else {
        out.line(format!(
            "Continuing {model} is refused for {} {}:",
            reasons.len(),
            if reasons.len() == 1 {
                "reason"
            } else {
                "reasons"
            }
        ))?;
        for r in reasons {
            out.line(format!("  - {}: {r}", r.code().as_str()))?;
        }
    }
    // The line leads with the status the service would answer (`refusal_status`, whatever the
    // order of the reasons) and the first reason that has it.
    let status = refusal_status(reasons);
    let first = reasons
        .iter()
        .find(|r| r.code() == status)
        .or(reasons.first())
        .map(|r| format!("{}: {r}", status.as_str()))
        .unwrap_or_default();
    let more = match reasons.len() {
        1 => String::new(),
        n => format!(" (and {} more, listed above)", n - 1),
    };
    Ok(Refused {
        message: format!("continuous tuning of {model} refused: {first}{more}; nothing was sent"),
    }
    .into())
}

/// `retune jobs list`.
pub async fn list(client: &Client, list: &List, out: &Out) -> anyhow::Result<Exit> {
    let jobs: Vec<wire::TuningJob> = limited(client.list_tuning_jobs(options(list)), list.limit)
        .map_ok(TuningJob::into_wire)
        .try_collect()
        .await
        .context("cannot list tuning jobs")?;
    if out.is_json() {
        print_json_list(out, &jobs)?;
    } else if jobs.is_empty() {
        out.say(format!("No tuning jobs in {}.", client.location()))?;
    } else {
        out.line(render::jobs_table(&jobs).render())?;
    }
    Ok(Exit::Ok)
}

/// The list options of a list command.
pub fn options(list: &List) -> ListOptions {
    let mut options = ListOptions::new();
    if let Some(filter) = &list.filter {
        options = options.with_filter(full_state_names(filter));
    }
    if let Some(size) = list.page_size {
        options = options.with_page_size(size);
    }
    options
}

/// `state=SUCCEEDED` (the tables' short names) as the API spells it, `state=JOB_STATE_SUCCEEDED`;
/// everything else in the filter is left as it is.
pub fn full_state_names(filter: &str) -> String {
    let mut out = String::with_capacity(filter.len());
    let mut rest = filter;
    while let Some(at) = rest.find("state") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let starts_word = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.');
        let after = &from["state".len()..];
        let operator = after.trim_start();
        let op_len = ["!=", "=", ":"]
            .iter()
            .find(|op| operator.starts_with(*op))
            .map(|op| op.len());
        let (Some(op_len), true) = (op_len, starts_word) else {
            out.push_str("state");
            rest = after;
            continue;
        };
        let value_start = &operator[op_len..];
        let value = value_start.trim_start();
        let body = value.trim_start_matches('"');
        let word_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(body.len());
        let word = &body[..word_len];
        let head_len = from.len() - body.len();
        out.push_str(&from[..head_len]);
        match JobState::from_proto_name(&format!("JOB_STATE_{}", word.to_uppercase())) {
            Some(state) if !word.to_uppercase().starts_with("JOB_STATE_") => {
                out.push_str(state.proto_name());
            }
            _ => out.push_str(word),
        }
        rest = &body[word_len..];
    }
    out.push_str(rest);
    out
}

/// At most `limit` items of a stream (all without a limit).
pub fn limited<S: futures::Stream>(stream: S, limit: Option<usize>) -> futures::stream::Take<S> {
    stream.take(limit.unwrap_or(usize::MAX))
}

/// `retune jobs get`.
pub async fn get(client: &Client, job: &TuningJobName, out: &Out) -> anyhow::Result<Exit> {
    let job = client
        .get_tuning_job(job)
        .await
        .with_context(|| format!("cannot get tuning job {job}"))?;
    show_job(&job, out)?;
    Ok(Exit::Ok)
}

/// `retune jobs cancel`.
pub async fn cancel(client: &Client, job: &TuningJobName, out: &Out) -> anyhow::Result<Exit> {
    client
        .cancel_tuning_job(job)
        .await
        .with_context(|| format!("cannot cancel tuning job {job}"))?;
    let now = client
        .get_tuning_job(job)
        .await
        .with_context(|| format!("cannot get tuning job {job}"))?;
    if out.is_json() {
        print_json(out, &now)?;
    } else {
        out.line(format!(
            "Cancellation of tuning job {job} requested; it is now {}.",
            render::job_status(&now)
        ))?;
    }
    Ok(Exit::Ok)
}

/// `retune jobs wait`.
pub async fn wait(
    client: &Client,
    job: &TuningJobName,
    timeout: Option<Duration>,
    out: &Out,
) -> anyhow::Result<Exit> {
    let done = match progress::follow(client, job, timeout, out).await {
        Ok(done) => done,
        // These say which job, and what to do next, already.
        Err(err) if err.is::<GaveUp>() || err.is::<Interrupted>() => return Err(err),
        Err(err) => return Err(err.context(format!("cannot wait for tuning job {job}"))),
    };
    finished(&done, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_state_names_in_a_filter_become_the_api_names() {
        assert_eq!(
            full_state_names("state=SUCCEEDED"),
            "state=JOB_STATE_SUCCEEDED"
        );
        assert_eq!(
            full_state_names("labels.team=nlp AND state != running"),
            "labels.team=nlp AND state != JOB_STATE_RUNNING"
        );
        assert_eq!(
            full_state_names("state=\"JOB_STATE_FAILED\""),
            "state=\"JOB_STATE_FAILED\""
        );
        assert_eq!(full_state_names("labels.state=x"), "labels.state=x");
        assert_eq!(full_state_names("state=NOPE"), "state=NOPE");
    }
}
