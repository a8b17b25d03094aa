//! `retune dataset validate` (the service's data checks, locally) and `retune dataset upload`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use retune_client::auth::AuthTransport;
use retune_client::endpoint::Endpoint;
use retune_client::transport::{ReqwestTransport, Transport};
use retune_model::dataset::{
    DatasetFormat, DatasetKind, DatasetLimits, DatasetReport, Distribution,
    PreferenceDatasetReport, validate_dataset, validate_preference_dataset,
};
use retune_model::emulator_policy::{default_epoch_count, steps_per_epoch};
use retune_model::gcs::GcsUri;
use retune_model::wire::{self, EnumEncoding};

use crate::exit::{Exit, Refused};
use crate::gcs;
use crate::output::{Fields, Out};

/// `retune dataset validate FILE`: every bad line, then the statistics; exit 3 when any line
/// is bad. `format` chooses the supervised or the preference rules.
pub fn validate(
    file: &Path,
    validation: bool,
    format: DatasetFormat,
    out: &Out,
) -> anyhow::Result<Exit> {
    let kind = if validation {
        DatasetKind::Validation
    } else {
        DatasetKind::Training
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let report = match format {
        DatasetFormat::Supervised => {
            let report = check(file, &bytes, kind)?;
            show_report(file, kind, &report, None, out)?;
            report
        }
        DatasetFormat::Preference => {
            let preference = check_preference(file, &bytes, kind)?;
            let report = preference.as_supervised();
            show_report(file, kind, &report, Some(&preference), out)?;
            report
        }
    };
    refuse_invalid(file, &report)?;
    Ok(Exit::Ok)
}

fn utf8<'a>(file: &Path, bytes: &'a [u8]) -> Result<&'a str, Refused> {
    std::str::from_utf8(bytes).map_err(|e| Refused {
        message: format!(
            "{} is not UTF-8 text (invalid byte at offset {}); save it as UTF-8 JSON Lines",
            file.display(),
            e.valid_up_to()
        ),
    })
}

/// The steps of a job over `examples` at the default epoch count.
fn default_steps(examples: u64) -> u64 {
    steps_per_epoch(examples) * u64::from(default_epoch_count(examples))
}

/// Decodes and checks a data set, with the step count of a job at the default epoch count.
fn check(file: &Path, bytes: &[u8], kind: DatasetKind) -> anyhow::Result<DatasetReport> {
    let text = utf8(file, bytes)?;
    let mut report = validate_dataset(text, kind, &DatasetLimits::GEMINI_2_5);
    let steps = default_steps(report.stats.tuning_dataset_example_count);
    report.stats = report.stats.clone().with_tuning_step_count(steps);
    Ok(report)
}

/// [`check`] for a preference data set.
fn check_preference(
    file: &Path,
    bytes: &[u8],
    kind: DatasetKind,
) -> anyhow::Result<PreferenceDatasetReport> {
    let text = utf8(file, bytes)?;
    let mut report = validate_preference_dataset(text, kind, &DatasetLimits::GEMINI_2_5);
    let steps = default_steps(report.stats.tuning_dataset_example_count);
    report.stats = report.stats.clone().with_tuning_step_count(steps);
    report.preferred_stats = report.preferred_stats.clone().with_tuning_step_count(steps);
    Ok(report)
}

fn refuse_invalid(file: &Path, report: &DatasetReport) -> Result<(), Refused> {
    if report.is_valid() {
        return Ok(());
    }
    Err(Refused {
        message: format!(
            "{} has {} {}; fix {} and run `retune dataset validate` again",
            file.display(),
            report.error_count,
            if report.error_count == 1 {
                "error"
            } else {
                "errors"
            },
            if report.error_count == 1 {
                "it"
            } else {
                "them"
            },
        ),
    })
}

/// Shows a report; `preference` is set for a preference data set (whose `report` is the
/// supervised view of its preferred pairs).
fn show_report(
    file: &Path,
    kind: DatasetKind,
    report: &DatasetReport,
    preference: Option<&PreferenceDatasetReport>,
    out: &Out,
) -> anyhow::Result<()> {
    if out.is_json() {
        let errors: Vec<serde_json::Value> = report
            .errors
            .iter()
            .map(|e| {
                serde_json::json!({
                    "line": e.line(),
                    "field": e.field(),
                    "message": e.reason().to_string(),
                })
            })
            .collect();
        let (format, stats_key, stats) = match preference {
            None => (
                DatasetFormat::Supervised,
                "supervisedTuningDataStats",
                wire::to_value(
                    &wire::SupervisedTuningDataStats::from(&report.stats),
                    EnumEncoding::Names,
                ),
            ),
            Some(p) => (
                DatasetFormat::Preference,
                "preferenceOptimizationDataStats",
                wire::to_value(
                    &wire::PreferenceOptimizationDataStats::from(&p.stats),
                    EnumEncoding::Names,
                ),
            ),
        };
        out.json_value(&serde_json::json!({
            "file": file.display().to_string(),
            "kind": kind.as_str(),
            "format": format.as_str(),
            "valid": report.is_valid(),
            "exampleCount": report.example_count,
            "errorCount": report.error_count,
            "errors": errors,
            stats_key: stats,
        }))?;
        return Ok(());
    }
    let verdict = if report.is_valid() {
        "valid".to_owned()
    } else {
        format!(
            "{} {}",
            report.error_count,
            if report.error_count == 1 {
                "error"
            } else {
                "errors"
            }
        )
    };
    out.line(format!(
        "{}: {} {}{} data set, {} {}, {verdict}",
        file.display(),
        if report.is_valid() { "a" } else { "an invalid" },
        kind,
        if preference.is_some() {
            " preference"
        } else {
            ""
        },
        report.example_count,
        if report.example_count == 1 {
            "example"
        } else {
            "examples"
        },
    ))?;
    for error in &report.errors {
        out.line(format!("  {error}"))?;
    }
    let unlisted = report.error_count.saturating_sub(report.errors.len());
    if unlisted > 0 {
        out.line(format!("  ... and {unlisted} more"))?;
    }
    let stats = &report.stats;
    if stats.tuning_dataset_example_count == 0 {
        return Ok(());
    }
    let examples = stats.tuning_dataset_example_count;
    let mut f = Fields::new();
    f.add("valid examples", examples.to_string())
        .add("characters", stats.total_tuning_character_count.to_string())
        .add(
            "billable tokens",
            stats.total_billable_token_count.to_string(),
        )
        .add(
            "tuning steps",
            format!(
                "{} ({} epochs of {}, the default for this size)",
                stats.tuning_step_count,
                default_epoch_count(examples),
                plural(steps_per_epoch(examples), "step", "steps")
            ),
        )
        .add(
            "input tokens",
            distribution(&stats.user_input_token_distribution),
        )
        .add(
            "output tokens",
            distribution(&stats.user_output_token_distribution),
        )
        .add(
            "turns",
            distribution(&stats.user_message_per_example_distribution),
        );
    if stats.total_truncated_example_count > 0 {
        f.add(
            "over the token limit",
            stats.total_truncated_example_count.to_string(),
        );
    }
    out.line(if preference.is_some() {
        "Statistics (of the prompts with their preferred completions):"
    } else {
        "Statistics:"
    })?;
    out.line(f.render(2))?;
    Ok(())
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `min 3, median 4, mean 4.5, p95 6, max 6 per example`.
fn distribution(d: &Distribution) -> String {
    format!(
        "min {}, median {}, mean {:.1}, p95 {}, max {} per example",
        d.min, d.median, d.mean, d.p95, d.max
    )
}

/// `retune dataset upload FILE gs://...`: checks the file (unless `--no-validate`), then
/// uploads it to the emulator's store (`--endpoint`) or Cloud Storage.
pub async fn upload(
    file: &Path,
    destination: &GcsUri,
    endpoint: Option<&Endpoint>,
    access_token: Option<&str>,
    skip_validation: bool,
    out: &Out,
) -> anyhow::Result<Exit> {
    let bytes = tokio::fs::read(file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    if !skip_validation {
        let report = check(file, &bytes, DatasetKind::Training)?;
        if !report.is_valid() {
            show_report(file, DatasetKind::Training, &report, None, out)?;
            refuse_invalid(file, &report).map_err(|e| Refused {
                message: format!(
                    "{}; nothing was uploaded (--no-validate skips the check)",
                    e.message
                ),
            })?;
        }
    }
    let size = bytes.len();
    let transport = upload_transport(endpoint, access_token)?;
    gcs::upload(&transport, endpoint, destination, Bytes::from(bytes))
        .await
        .with_context(|| format!("cannot upload {} to {destination}", file.display()))?;
    if out.is_json() {
        out.json_value(&serde_json::json!({
            "bucket": destination.bucket().as_str(),
            "name": destination.object().as_str(),
            "size": size.to_string(),
        }))?;
    } else {
        out.line(format!(
            "Uploaded {} ({size} bytes) to {destination}",
            file.display()
        ))?;
    }
    Ok(Exit::Ok)
}

fn upload_transport(
    endpoint: Option<&Endpoint>,
    access_token: Option<&str>,
) -> anyhow::Result<Arc<dyn Transport>> {
    let base: Arc<dyn Transport> =
        Arc::new(ReqwestTransport::new().context("cannot set up HTTPS")?);
    let provider = match super::token_provider(access_token, endpoint) {
        Some(provider) => provider,
        None => Arc::new(retune_client::auth::Adc::new()),
    };
    Ok(Arc::new(AuthTransport::new(base, provider)))
}
