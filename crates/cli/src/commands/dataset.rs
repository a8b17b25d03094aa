//! `retune dataset validate` (the service's data checks, locally) and `retune dataset upload`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use retune_client::DatasetUri;
use retune_client::auth::AuthTransport;
use retune_client::endpoint::Endpoint;
use retune_client::retry::{RetryPolicy, RetryTransport};
use retune_client::transport::Transport;
use retune_model::dataset::{
    DatasetFormat, DatasetKind, DatasetLimits, DatasetReport, Distribution,
    PreferenceDatasetReport, validate_dataset, validate_preference_dataset,
};
use retune_model::emulator_policy::{default_epoch_count, steps_per_epoch};
use retune_model::gcs::GcsUri;
use retune_model::names::ProjectId;
use retune_model::wire::{self, EnumEncoding};

use crate::config::{Connection, Training};
use crate::exit::{Exit, Refused};
use crate::gcs;
use crate::output::{Fields, Out};
use crate::slow::Patient;

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

/// Where Cloud Storage is and how to reach it.
#[derive(Debug, Clone, Copy)]
pub struct Storage<'a> {
    /// `--endpoint` (the emulator, which serves the Cloud Storage API too), or real Cloud
    /// Storage.
    pub endpoint: Option<&'a Endpoint>,
    /// `--access-token`.
    pub access_token: Option<&'a str>,
    /// `--request-timeout`.
    pub request_timeout: Option<std::time::Duration>,
}

impl Storage<'_> {
    fn transport(&self, report: bool) -> anyhow::Result<Arc<dyn Transport>> {
        let base: Arc<dyn Transport> = Arc::new(
            Patient::reqwest(self.request_timeout, report).context("cannot set up HTTPS")?,
        );
        let provider = match super::token_provider(self.access_token, self.endpoint) {
            Some(provider) => provider,
            None => Arc::new(retune_client::auth::Adc::new()),
        };
        let authed: Arc<dyn Transport> = Arc::new(AuthTransport::new(base, provider));
        // Reads and chunks are replayed on a transient failure, as the client does its calls.
        Ok(Arc::new(RetryTransport::new(
            authed,
            RetryPolicy::default(),
        )))
    }
}

/// The choices of `dataset upload`.
#[derive(Debug, Clone, Copy)]
pub struct UploadOptions<'a> {
    /// `--no-validate`.
    pub skip_validation: bool,
    /// `--create-bucket`, in this project.
    pub create_bucket: Option<&'a ProjectId>,
}

/// `retune dataset upload FILE gs://...`: checks the file (unless `--no-validate`), creates the
/// bucket with `--create-bucket`, then uploads it to the emulator's store (`--endpoint`) or
/// Cloud Storage.
pub async fn upload(
    file: &Path,
    destination: &GcsUri,
    storage: &Storage<'_>,
    options: UploadOptions<'_>,
    out: &Out,
) -> anyhow::Result<Exit> {
    let bytes = tokio::fs::read(file)
        .await
        .with_context(|| format!("cannot read {}", file.display()))?;
    if !options.skip_validation {
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
    let transport = storage.transport(out.narrates())?;
    if let Some(project) = options.create_bucket {
        gcs::create_bucket(
            &transport,
            storage.endpoint,
            project.as_str(),
            destination.bucket(),
        )
        .await
        .with_context(|| format!("cannot create bucket gs://{}", destination.bucket()))?;
    }
    let bar = progress_bar(size as u64, out);
    let shown = |held: u64| {
        if let Some(bar) = &bar {
            bar.set_position(held);
        }
    };
    let uploaded = gcs::upload(
        &transport,
        storage.endpoint,
        destination,
        Bytes::from(bytes),
        &shown,
    )
    .await
    .with_context(|| format!("cannot upload {} to {destination}", file.display()));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    uploaded?;
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

/// A byte progress bar on a terminal for a file of more than one chunk; none otherwise.
fn progress_bar(size: u64, out: &Out) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    let large = size > retune_model::gcs::RESUMABLE_CHUNK_BYTES as u64;
    if !large || !out.narrates() || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "uploading {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// `--dry-run`: reads the training (and validation) data when it can be read and checks it
/// as `dataset validate` does. Data that is not there, or invalid, is refused (exit code 3);
/// data that cannot be read (no credentials, no network) is said and left to the service.
pub async fn check_training_data(
    connection: &Connection,
    t: &Training,
    out: &Out,
) -> anyhow::Result<()> {
    let storage = Storage {
        endpoint: connection.endpoint.as_ref(),
        access_token: connection.access_token.as_deref(),
        request_timeout: connection.request_timeout,
    };
    let sets = [
        (Some(&t.train), DatasetKind::Training, "--train"),
        (
            t.validation.as_ref(),
            DatasetKind::Validation,
            "--validation",
        ),
    ];
    for (uri, kind, flag) in sets {
        let Some(uri) = uri.and_then(DatasetUri::as_gcs) else {
            continue;
        };
        let transport = storage.transport(out.narrates())?;
        let bytes = match gcs::download(&transport, storage.endpoint, uri).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(Refused {
                    message: format!(
                        "{flag} {uri} does not exist; upload it with `retune dataset upload FILE {uri}`; nothing was sent"
                    ),
                }
                .into());
            }
            Err(err) => {
                out.say(format!(
                    "Could not read {uri} to check it ({err}); the service will."
                ))?;
                continue;
            }
        };
        let shown = uri.to_string();
        let path = Path::new(&shown);
        let (report, preference) = if t.preference.is_some() {
            let preference = check_preference(path, &bytes, kind)?;
            (preference.as_supervised(), Some(preference))
        } else {
            (check(path, &bytes, kind)?, None)
        };
        if !report.is_valid() {
            show_report(path, kind, &report, preference.as_ref(), out)?;
            return Err(Refused {
                message: format!(
                    "{flag} {uri} has {} {}; fix the file, upload it again and retry; nothing was sent",
                    report.error_count,
                    if report.error_count == 1 { "error" } else { "errors" }
                ),
            }
            .into());
        }
        out.say(format!(
            "{flag} {uri}: {} {}, valid.",
            report.example_count,
            if report.example_count == 1 {
                "example"
            } else {
                "examples"
            }
        ))?;
    }
    Ok(())
}
