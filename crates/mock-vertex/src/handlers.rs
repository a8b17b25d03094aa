//! Request handlers: parse the request into `retune_model` types, ask `retune_model` (through the
//! store) for the decision, and render the answer with `retune_model::wire`.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use retune_model::base_model::BaseModel;
use retune_model::checkpoints::steps_per_epoch;
use retune_model::continuous::{
    ContinuousTuningRequest, Refusal, plan_continuous_tuning, refusal_status,
};
use retune_model::dataset::{self, DatasetKind, DatasetLimits, DatasetReport};
use retune_model::encryption::check_kms_key_location;
use retune_model::hyperparameters::{HyperParameterError, HyperParameters};
use retune_model::labels;
use retune_model::names::{
    CheckpointId, KmsKeyName, LocationName, ModelRef, OperationParent, TuningJobId, VersionSelector,
};
use retune_model::proto_enum::ProtoEnum;
use retune_model::registry::{AliasChange, UpdatableField, UpdateMaskError, check_update_mask};
use retune_model::wire::{self, EnumEncoding};
use retune_model::{Code, Timestamp};
use serde::Serialize;

use crate::error::ApiError;
use crate::filter::{Filter, Filterable};
use crate::jobs::{self, DataOutcome, JobRecord, JobView};
use crate::render::{self, ModelNameStyle};
use crate::routes::{ApiVersion, QueryParams, Route};
use crate::state::Emulator;
use crate::storage::ObjectStore;
use crate::store::{LABEL_BASE_MODEL, ModelRecord, ModelUpdate, NewJob, Store, VersionRecord};

/// What a handler gets besides the route.
#[derive(Debug)]
pub struct Request {
    /// `/v1` or `/v1beta1`.
    pub version: ApiVersion,
    /// The query parameters.
    pub query: QueryParams,
    /// The body (possibly empty).
    pub body: Bytes,
}

fn encode<T: Serialize>(value: &T, enums: EnumEncoding) -> Bytes {
    Bytes::from(wire::encode(value, enums))
}

/// Serves one matched route; the answer is the JSON body of a 200.
pub async fn handle(
    emulator: &Emulator,
    route: Route,
    request: Request,
) -> Result<Bytes, ApiError> {
    let enums = request.query.enum_encoding();
    let version = request.version;
    match route {
        Route::CreateTuningJob { parent } => {
            let job = create_tuning_job(emulator, &parent, &request).await?;
            Ok(encode(&job, enums))
        }
        Route::GetTuningJob { name } => {
            emulator.with_store(|store, now| store.encoded_job(&name, now, version, enums))
        }
        Route::ListTuningJobs { parent } => emulator.with_store(|store, now| {
            let page = list_tuning_jobs(store, &parent, &request.query, now, version)?;
            Ok(encode(&page, enums))
        }),
        Route::CancelTuningJob { name } => {
            // The body may be absent (google-genai) or `{}` / `{"name": ...}` (GAPIC).
            wire::decode::<wire::CancelTuningJobRequest>(&request.body)?;
            emulator.with_store(|store, now| store.cancel_job(&name, now))?;
            Ok(Bytes::from_static(b"{}"))
        }
        Route::RebaseTunedModel { parent } => Err(ApiError::unimplemented(format!(
            "RebaseTunedModel is not implemented by mock-vertex (parent {parent})."
        ))),
        Route::ListModels { parent } => emulator.with_store(|store, _| {
            Ok(encode(&list_models(store, &parent, &request.query)?, enums))
        }),
        Route::GetModel { model } => emulator.with_store(|store, _| {
            let record = store.model(model.name())?;
            let version = record.select(model.selector())?;
            let style = ModelNameStyle::for_request(&model);
            Ok(encode(&render::model(record, version, style), enums))
        }),
        Route::UpdateModel { model } => {
            let update = parse_update(&model, &request)?;
            emulator.with_store(|store, now| {
                let target = match model.selector() {
                    None | Some(VersionSelector::ModelLevel) => None,
                    Some(selector) => Some(store.model(model.name())?.select(Some(selector))?.id),
                };
                store.update_model(model.name(), target, &update, now)?;
                let record = store.model(model.name())?;
                let version = match target {
                    Some(id) => record.select(Some(&VersionSelector::Id(id)))?,
                    None => record.select(None)?,
                };
                let style = ModelNameStyle::for_request(&model);
                Ok(encode(&render::model(record, version, style), enums))
            })
        }
        Route::DeleteModel { model } => emulator.with_store(|store, now| {
            let op = store.delete_model(&model, now)?;
            Ok(encode(&operation(op.render(), version), enums))
        }),
        Route::DeleteModelVersion { model } => emulator.with_store(|store, now| {
            let op = store.delete_version(&model, now)?;
            Ok(encode(&operation(op.render(), version), enums))
        }),
        Route::MergeVersionAliases { model } => {
            let body: wire::MergeVersionAliasesRequest = wire::decode(&request.body)?;
            let changes = body
                .version_aliases
                .iter()
                .enumerate()
                .map(|(i, raw)| {
                    AliasChange::parse(raw).map_err(|e| {
                        ApiError::invalid_field(&format!("version_aliases[{i}]"), e.to_string())
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            emulator.with_store(|store, now| {
                let id = store.merge_aliases(&model, &changes, now)?;
                let record = store.model(model.name())?;
                let version = record.select(Some(&VersionSelector::Id(id)))?;
                Ok(encode(
                    &render::model(record, version, ModelNameStyle::Versioned),
                    enums,
                ))
            })
        }
        Route::ListModelVersions { model } => emulator.with_store(|store, _| {
            Ok(encode(
                &list_versions(store, &model, &request.query)?,
                enums,
            ))
        }),
        Route::ListModelVersionCheckpoints { model } => emulator.with_store(|store, _| {
            Ok(encode(
                &list_checkpoints(store, &model, &request.query)?,
                enums,
            ))
        }),
        Route::GetEndpoint { name } => emulator
            .with_store(|store, _| Ok(encode(&render::endpoint(store.endpoint(&name)?), enums))),
        Route::GetOperation { name } | Route::WaitOperation { name } => {
            emulator.with_store(|store, _| {
                let op = operation(store.operation(&name)?.render(), version);
                Ok(encode(&op, enums))
            })
        }
        Route::CancelOperation { name } => emulator.with_store(|store, _| {
            // Every emulator operation is already done; cancelling a done operation is a no-op.
            store.operation(&name)?;
            Ok(Bytes::from_static(b"{}"))
        }),
        Route::DeleteOperation { name } => emulator.with_store(|store, _| {
            store.delete_operation(&name)?;
            Ok(Bytes::from_static(b"{}"))
        }),
        Route::ListOperations { parent } => emulator.with_store(|store, _| {
            Ok(encode(
                &list_operations(store, &parent, &request.query, version)?,
                enums,
            ))
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Page tokens
// ---------------------------------------------------------------------------------------------

/// An opaque page token for a position `n` in a list of `kind`.
fn page_token(kind: char, n: u64) -> String {
    format!("{kind}{:x}", n ^ 0x5eed_5eed)
}

fn parse_page_token(kind: char, token: Option<&str>) -> Result<Option<u64>, ApiError> {
    let Some(token) = token else {
        return Ok(None);
    };
    token
        .strip_prefix(kind)
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .map(|n| Some(n ^ 0x5eed_5eed))
        .ok_or_else(|| {
            ApiError::invalid_field("page_token", format!("Invalid page token {token:?}."))
        })
}

/// One page of `items` from offset-based paging.
fn offset_page<T>(
    items: Vec<T>,
    kind: char,
    query: &QueryParams,
) -> Result<(Vec<T>, String), ApiError> {
    let size = query.page_size()?;
    let start = parse_page_token(kind, query.page_token())?.unwrap_or(0);
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let end = start.saturating_add(page.len());
    let next = if end < total {
        page_token(kind, end as u64)
    } else {
        String::new()
    };
    Ok((page, next))
}

// ---------------------------------------------------------------------------------------------
// Tuning jobs
// ---------------------------------------------------------------------------------------------

/// What a job exposes to `filter`.
struct JobFields<'a> {
    job: &'a JobRecord,
    view: JobView,
}

const JOB_FILTER_FIELDS: &[&str] = &[
    "state",
    "display_name",
    "tuned_model_display_name",
    "base_model",
    "name",
    "create_time",
    "update_time",
    "description",
];

fn known_job_field(field: &str) -> bool {
    JOB_FILTER_FIELDS.contains(&field) || field.starts_with("labels.")
}

impl Filterable for JobFields<'_> {
    fn field(&self, field: &str) -> Option<Option<String>> {
        if let Some(key) = field.strip_prefix("labels.") {
            return Some(self.job.labels().get(key).cloned());
        }
        let set = |s: &str| Some((!s.is_empty()).then(|| s.to_owned()));
        match field {
            "state" => Some(Some(self.view.progress.state.proto_name().to_owned())),
            "display_name" | "tuned_model_display_name" => {
                set(&self.job.request.tuned_model_display_name)
            }
            "base_model" => Some(Some(self.job.base_model.id().to_owned())),
            "name" => Some(Some(self.job.name.to_string())),
            "create_time" => Some(Some(self.job.created.to_string())),
            "update_time" => Some(Some(self.view.update_time.to_string())),
            "description" => set(&self.job.request.description),
            _ => None,
        }
    }
}

fn list_tuning_jobs(
    store: &Store,
    parent: &LocationName,
    query: &QueryParams,
    now: Timestamp,
    version: ApiVersion,
) -> Result<wire::ListTuningJobsResponse, ApiError> {
    let filter = Filter::parse(query.filter().as_deref())?;
    filter.check_fields(known_job_field)?;
    let size = query.page_size()?;
    let before = parse_page_token('j', query.page_token())?;
    let mut response = wire::ListTuningJobsResponse::default();
    let Some(space) = store.space(parent) else {
        return Ok(response);
    };
    let range = match before {
        Some(id) => space.jobs.range(..TuningJobId::from_number(id)),
        None => space.jobs.range(..),
    };
    let mut matching = range.rev().map(|(_, job)| job).filter(|job| {
        filter.matches(&JobFields {
            job,
            view: job.view(now),
        })
    });
    for job in matching.by_ref().take(size) {
        response
            .tuning_jobs
            .push(store.render_job(job, now, version));
    }
    if let (Some(last), Some(_)) = (response.tuning_jobs.last(), matching.next()) {
        let id = last
            .name
            .rsplit('/')
            .next()
            .and_then(|id| id.parse::<u64>().ok())
            .unwrap_or_default();
        response.next_page_token = page_token('j', id);
    }
    Ok(response)
}

/// Where a new job's model comes from, as the request says.
enum Source {
    Base(&'static BaseModel),
    PreTuned {
        model: ModelRef,
        checkpoint: Option<CheckpointId>,
    },
}

/// A create request that passed the checks that need no stored state.
struct CheckedCreate {
    source: Source,
    training_uri: String,
    validation_uri: Option<String>,
    hyper_parameters: HyperParameters,
    export_last_checkpoint_only: bool,
    kms_key: Option<KmsKeyName>,
    display_name: Option<String>,
}

/// Longest `tunedModelDisplayName` (spec §3.1: at most 128 UTF-8 characters).
pub const MAX_DISPLAY_NAME_CHARS: usize = 128;
const FIELD_BASE_MODEL: &str = "tuning_job.base_model";
const FIELD_PRE_TUNED_MODEL: &str = "tuning_job.pre_tuned_model";

/// The labels' syntax and count, from `retune_model::labels`; `field` is the map's path.
fn check_labels(field: &str, labels: &BTreeMap<String, String>) -> Result<(), ApiError> {
    labels::check_labels(labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| {
        let field = match e.key() {
            Some(key) => format!("{field}[{key:?}]"),
            None => field.to_owned(),
        };
        ApiError::new(e.code(), format!("Invalid labels: {e}."))
            .with_field_violations([(field, e.to_string())])
    })
}

fn check_gcs_uri(field: &str, uri: &str) -> Result<(), ApiError> {
    if uri.starts_with("gs://") && uri.len() > "gs://".len() {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            field,
            format!(
                "{field} must be a Cloud Storage URI (gs://bucket/object.jsonl); found {uri:?}. \
                 (mock-vertex does not read Vertex AI dataset resources.)"
            ),
        ))
    }
}

fn check_create(job: &wire::TuningJob, parent: &LocationName) -> Result<CheckedCreate, ApiError> {
    let base_model = job
        .base_model
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty());
    let source = match (base_model, &job.pre_tuned_model) {
        (Some(_), Some(_)) => {
            return Err(wire::WireError::oneof_conflict(
                "source_model",
                FIELD_PRE_TUNED_MODEL,
                "preTunedModel",
            )
            .into());
        }
        (Some(base), None) if base.starts_with("projects/") => {
            return Err(ApiError::invalid_field(
                FIELD_BASE_MODEL,
                format!(
                    "baseModel {base:?} is a tuned model, not a base model. To continue tuning \
                     it (continuous tuning), send it as preTunedModel.tunedModelName instead of \
                     baseModel: {{\"preTunedModel\": {{\"tunedModelName\": \"{base}\"}}}}."
                ),
            ));
        }
        (Some(base), None) => Source::Base(
            BaseModel::lookup(base)
                .map_err(|e| ApiError::invalid_field(FIELD_BASE_MODEL, e.to_string()))?,
        ),
        (None, Some(pre)) => {
            let field = "tuning_job.pre_tuned_model.tuned_model_name";
            if pre.tuned_model_name.trim().is_empty() {
                return Err(ApiError::invalid_field(
                    field,
                    "preTunedModel.tunedModelName is required: the model to continue tuning, \
                     projects/{project}/locations/{location}/models/{model}[@{version}].",
                ));
            }
            let model: ModelRef =
                pre.tuned_model_name
                    .parse()
                    .map_err(|e: retune_model::names::NameError| {
                        ApiError::invalid_field(field, e.to_string())
                    })?;
            let checkpoint = match pre.checkpoint_id.trim() {
                "" => None,
                raw => Some(raw.parse::<CheckpointId>().map_err(|e| {
                    ApiError::invalid_field(
                        "tuning_job.pre_tuned_model.checkpoint_id",
                        e.to_string(),
                    )
                })?),
            };
            Source::PreTuned { model, checkpoint }
        }
        (None, None) => {
            return Err(ApiError::invalid_field(
                FIELD_BASE_MODEL,
                "A tuning job needs a source model: set baseModel (e.g. \"gemini-2.5-flash\") or \
                 preTunedModel (continuous tuning).",
            ));
        }
    };

    if job.preference_optimization_spec.is_some() {
        return Err(ApiError::invalid_field(
            "tuning_job.preference_optimization_spec",
            "preferenceOptimizationSpec is not supported by mock-vertex; use supervisedTuningSpec.",
        ));
    }
    for (present, field) in [
        (job.distillation_spec.is_some(), "distillation_spec"),
        (
            job.partner_model_tuning_spec.is_some(),
            "partner_model_tuning_spec",
        ),
        (job.veo_tuning_spec.is_some(), "veo_tuning_spec"),
        (job.veo_lora_tuning_spec.is_some(), "veo_lora_tuning_spec"),
        (
            job.reinforcement_tuning_spec.is_some(),
            "reinforcement_tuning_spec",
        ),
        (job.full_fine_tuning_spec.is_some(), "full_fine_tuning_spec"),
        (
            job.distillation_sampling_spec.is_some(),
            "distillation_sampling_spec",
        ),
    ] {
        if present {
            return Err(ApiError::invalid_field(
                &format!("tuning_job.{field}"),
                format!(
                    "{field} is not supported for Gemini tuning by mock-vertex; use supervised_tuning_spec."
                ),
            ));
        }
    }
    if !job.custom_base_model.is_empty() {
        return Err(ApiError::invalid_field(
            "tuning_job.custom_base_model",
            "customBaseModel is for open-source models only.",
        ));
    }
    let Some(spec) = &job.supervised_tuning_spec else {
        return Err(ApiError::invalid_field(
            "tuning_job.supervised_tuning_spec",
            "supervisedTuningSpec is required.",
        ));
    };
    let training_field = "tuning_job.supervised_tuning_spec.training_dataset_uri";
    if spec.training_dataset_uri.trim().is_empty() {
        return Err(ApiError::invalid_field(
            training_field,
            "supervisedTuningSpec.trainingDatasetUri is required.",
        ));
    }
    check_gcs_uri(training_field, &spec.training_dataset_uri)?;
    let validation_uri = match spec.validation_dataset_uri.trim() {
        "" => None,
        uri => {
            check_gcs_uri(
                "tuning_job.supervised_tuning_spec.validation_dataset_uri",
                uri,
            )?;
            Some(uri.to_owned())
        }
    };
    let hyper_parameters = spec
        .hyper_parameters
        .as_ref()
        .map(|h| HyperParameters {
            epoch_count: h.epoch_count,
            learning_rate_multiplier: h.learning_rate_multiplier,
            learning_rate: h.learning_rate,
            adapter_size: h.adapter_size,
            batch_size: h.batch_size,
        })
        .unwrap_or_default();

    if job.tuned_model_display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(ApiError::invalid_field(
            "tuning_job.tuned_model_display_name",
            format!(
                "tunedModelDisplayName must be at most {MAX_DISPLAY_NAME_CHARS} characters; found {}.",
                job.tuned_model_display_name.chars().count()
            ),
        ));
    }
    check_labels("tuning_job.labels", &job.labels)?;

    let kms_key = match job.encryption_spec.as_ref().map(|e| e.kms_key_name.trim()) {
        None | Some("") => None,
        Some(raw) => {
            let field = "tuning_job.encryption_spec.kms_key_name";
            let key: KmsKeyName = raw.parse().map_err(|e: retune_model::names::NameError| {
                ApiError::invalid_field(field, e.to_string())
            })?;
            check_kms_key_location(parent, &key).map_err(|e| {
                let message = format!("Invalid encryptionSpec: {e}.");
                ApiError::new(e.code(), message.clone()).with_field_violations([(field, message)])
            })?;
            Some(key)
        }
    };
    let display_name =
        Some(job.tuned_model_display_name.trim().to_owned()).filter(|d| !d.is_empty());
    Ok(CheckedCreate {
        source,
        training_uri: spec.training_dataset_uri.trim().to_owned(),
        validation_uri,
        hyper_parameters,
        export_last_checkpoint_only: spec.export_last_checkpoint_only,
        kms_key,
        display_name,
    })
}

/// Clears the output-only fields of a create request (the service ignores them).
fn strip_output_only(job: &mut wire::TuningJob) {
    job.name.clear();
    job.state = None;
    job.tuning_job_state = None;
    job.tuning_job_metadata = None;
    job.create_time = None;
    job.start_time = None;
    job.end_time = None;
    job.update_time = None;
    job.error = None;
    job.experiment.clear();
    job.tuned_model = None;
    job.tuning_data_stats = None;
    job.pipeline_job.clear();
    job.evaluate_dataset_runs.clear();
    if let Some(pre) = job.pre_tuned_model.as_mut() {
        pre.base_model.clear();
    }
    if job
        .base_model
        .as_deref()
        .is_some_and(|b| b.trim().is_empty())
    {
        job.base_model = None;
    }
}

fn failed_status(code: Code, message: String) -> wire::Status {
    wire::Status {
        code: code.number(),
        message,
        ..wire::Status::default()
    }
}

/// Reads and checks one data set; a failure is the `error` the job will fail with.
async fn read_dataset(
    objects: &ObjectStore,
    uri: &str,
    kind: DatasetKind,
) -> Result<DatasetReport, wire::Status> {
    let bytes = objects.read_uri(uri).await.map_err(|e| {
        failed_status(
            e.code(),
            format!("Failed to read the {kind} dataset {uri}: {e}."),
        )
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        failed_status(
            Code::InvalidArgument,
            format!("The {kind} dataset {uri} is not UTF-8 text: {e}."),
        )
    })?;
    let report = dataset::validate_dataset(text, kind, &DatasetLimits::GEMINI_2_5);
    if let Some(first) = report.errors.first() {
        return Err(failed_status(
            Code::InvalidArgument,
            format!(
                "The {kind} dataset {uri} is invalid ({} error(s)). First error: {first}.",
                report.error_count
            ),
        ));
    }
    Ok(report)
}

fn hyper_parameter_error(errors: Vec<HyperParameterError>) -> ApiError {
    let message = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let code = errors
        .first()
        .map_or(Code::InvalidArgument, HyperParameterError::code);
    let violations: Vec<(String, String)> = errors
        .iter()
        .map(|e| (format!("tuning_job.{}", e.field()), e.to_string()))
        .collect();
    ApiError::new(code, message).with_field_violations(violations)
}

/// All the refusals of a continuous-tuning request as one error: NOT_FOUND if the version is
/// unknown, else INVALID_ARGUMENT if the request contradicts the model, else FAILED_PRECONDITION;
/// every reason in the message and as a `PreconditionFailure` violation.
fn refusal_error(model: &ModelRef, refusals: &[Refusal]) -> ApiError {
    let code = refusal_status(refusals);
    let reasons: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    let message = format!(
        "Continuous tuning from {model} is not possible: {}.",
        reasons.join("; ")
    );
    ApiError::new(code, message).with_precondition_violations(refusals.iter().map(|r| {
        (
            format!("CONTINUOUS_TUNING_{}", r.code().as_str()),
            model.to_string(),
            r.to_string(),
        )
    }))
}

async fn create_tuning_job(
    emulator: &Emulator,
    parent: &LocationName,
    request: &Request,
) -> Result<wire::TuningJob, ApiError> {
    let mut job: wire::TuningJob = wire::decode(&request.body)?;
    let checked = check_create(&job, parent)?;
    strip_output_only(&mut job);

    // Data is read outside the store lock.
    let objects = emulator.objects();
    let training = read_dataset(objects, &checked.training_uri, DatasetKind::Training).await;
    let validation = match &checked.validation_uri {
        Some(uri) => Some(read_dataset(objects, uri, DatasetKind::Validation).await),
        None => None,
    };

    emulator.with_store(|store, now| {
        let (base_model, plan) = match &checked.source {
            Source::Base(base) => (*base, None),
            Source::PreTuned { model, checkpoint } => {
                let record = store.model(model.name())?;
                let mut continuous = ContinuousTuningRequest::new(model.clone(), parent.clone());
                continuous.checkpoint = *checkpoint;
                continuous.tuned_model_display_name = checked.display_name.clone();
                continuous.kms_key = checked.kms_key.clone();
                let plan = plan_continuous_tuning(&continuous, &record.facts())
                    .map_err(|refusals| refusal_error(model, &refusals))?;
                (plan.root_base_model, Some(plan))
            }
        };
        let hyper = checked
            .hyper_parameters
            .validate(base_model)
            .map_err(hyper_parameter_error)?;

        let (examples, data) = match (&training, &validation) {
            (Err(status), _) | (Ok(_), Some(Err(status))) => {
                (0, DataOutcome::Invalid(status.clone()))
            }
            (Ok(report), _) => {
                let examples = report.stats.tuning_dataset_example_count;
                let epochs = hyper.epoch_count_for(examples);
                let steps = u64::from(epochs).saturating_mul(steps_per_epoch(examples));
                let stats = report.stats.clone().with_tuning_step_count(steps);
                (
                    examples,
                    DataOutcome::Valid(Arc::new(wire::SupervisedTuningDataStats::from(&stats))),
                )
            }
        };
        let epochs = hyper.epoch_count_for(examples);
        let timeline = jobs::timeline(store.speed(), epochs, steps_per_epoch(examples));
        let name = store.insert_job(
            parent,
            NewJob {
                request: job,
                base_model,
                plan,
                timeline,
                export_last_checkpoint_only: checked.export_last_checkpoint_only,
                data,
                kms_key: checked.kms_key.clone(),
            },
            now,
        );
        let record = store.job(&name)?;
        Ok(store.render_job(record, now, request.version))
    })
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/// What a model version exposes to `filter`.
struct ModelFields<'a> {
    record: &'a ModelRecord,
    version: &'a VersionRecord,
}

const MODEL_FILTER_FIELDS: &[&str] = &[
    "model",
    "display_name",
    "base_model_name",
    "create_time",
    "update_time",
    "version_id",
];

fn known_model_field(field: &str) -> bool {
    MODEL_FILTER_FIELDS.contains(&field) || field.starts_with("labels.")
}

impl Filterable for ModelFields<'_> {
    fn field(&self, field: &str) -> Option<Option<String>> {
        if let Some(key) = field.strip_prefix("labels.") {
            let value = self
                .version
                .labels
                .get(key)
                .or_else(|| self.record.labels.get(key));
            return Some(value.cloned());
        }
        match field {
            "model" => Some(Some(self.record.name.model_id().to_string())),
            "display_name" => Some(Some(self.record.display_name.clone())),
            "base_model_name" => Some(
                self.version
                    .provenance
                    .as_ref()
                    .map(|p| p.root_base_model.id().to_owned())
                    .or_else(|| self.version.labels.get(LABEL_BASE_MODEL).cloned()),
            ),
            "create_time" => Some(Some(self.record.created.to_string())),
            "update_time" => Some(Some(self.record.updated.to_string())),
            "version_id" => Some(Some(self.version.id.to_string())),
            _ => None,
        }
    }
}

/// Sort keys of `orderBy`: `display_name`, `create_time`, `update_time`, each optionally `desc`.
fn sort_models(
    items: &mut [(&ModelRecord, &VersionRecord)],
    order_by: Option<&str>,
    allowed: &[&str],
) -> Result<(), ApiError> {
    let Some(order_by) = order_by else {
        return Ok(());
    };
    let mut keys = Vec::new();
    for part in order_by.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or_default();
        let field = wire::fields::camel_to_snake(field);
        let desc = match words.next() {
            None => false,
            Some(w) if w.eq_ignore_ascii_case("desc") => true,
            Some(w) if w.eq_ignore_ascii_case("asc") => false,
            Some(w) => {
                return Err(ApiError::invalid_field(
                    "order_by",
                    format!("Invalid order_by {order_by:?}: unexpected {w:?}."),
                ));
            }
        };
        if !allowed.contains(&field.as_str()) {
            return Err(ApiError::invalid_field(
                "order_by",
                format!(
                    "Invalid order_by {order_by:?}: {field:?} is not one of {}.",
                    allowed.join(", ")
                ),
            ));
        }
        keys.push((field, desc));
    }
    items.sort_by(|a, b| {
        for (field, desc) in &keys {
            let ordering = match field.as_str() {
                "display_name" => a.0.display_name.cmp(&b.0.display_name),
                "create_time" => {
                    a.1.created
                        .cmp(&b.1.created)
                        .then(a.0.created.cmp(&b.0.created))
                }
                _ => {
                    a.1.updated
                        .cmp(&b.1.updated)
                        .then(a.0.updated.cmp(&b.0.updated))
                }
            };
            let ordering = if *desc { ordering.reverse() } else { ordering };
            if ordering.is_ne() {
                return ordering;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

fn list_models(
    store: &Store,
    parent: &LocationName,
    query: &QueryParams,
) -> Result<wire::ListModelsResponse, ApiError> {
    let filter = Filter::parse(query.filter().as_deref())?;
    filter.check_fields(known_model_field)?;
    let mut items: Vec<(&ModelRecord, &VersionRecord)> = store
        .space(parent)
        .map(|space| {
            space
                .models
                .values()
                .filter_map(|record| record.select(None).ok().map(|v| (record, v)))
                .filter(|(record, version)| filter.matches(&ModelFields { record, version }))
                .collect()
        })
        .unwrap_or_default();
    sort_models(
        &mut items,
        query.order_by(),
        &["display_name", "create_time", "update_time"],
    )?;
    let (page, next_page_token) = offset_page(items, 'm', query)?;
    Ok(wire::ListModelsResponse {
        models: page
            .into_iter()
            .map(|(r, v)| render::model(r, v, ModelNameStyle::Bare))
            .collect(),
        next_page_token,
    })
}

fn list_versions(
    store: &Store,
    model: &ModelRef,
    query: &QueryParams,
) -> Result<wire::ListModelVersionsResponse, ApiError> {
    if model.selector().is_some() {
        return Err(ApiError::invalid_argument(format!(
            "ListModelVersions takes a model name without a version, such as {}.",
            model.name()
        )));
    }
    let filter = Filter::parse(query.filter().as_deref())?;
    filter.check_fields(|f| f.starts_with("labels."))?;
    let record = store.model(model.name())?;
    let mut items: Vec<(&ModelRecord, &VersionRecord)> = record
        .versions
        .values()
        .map(|v| (record, v))
        .filter(|(record, version)| filter.matches(&ModelFields { record, version }))
        .collect();
    sort_models(
        &mut items,
        query.order_by(),
        &["create_time", "update_time"],
    )?;
    let (page, next_page_token) = offset_page(items, 'v', query)?;
    Ok(wire::ListModelVersionsResponse {
        models: page
            .into_iter()
            .map(|(r, v)| render::model(r, v, ModelNameStyle::Versioned))
            .collect(),
        next_page_token,
    })
}

/// ListModelVersionCheckpoints: without a version, the **latest** version (highest id), as the
/// proto comment says; with `@version` or `@alias`, that version.
fn list_checkpoints(
    store: &Store,
    model: &ModelRef,
    query: &QueryParams,
) -> Result<wire::ListModelVersionCheckpointsResponse, ApiError> {
    let record = store.model(model.name())?;
    let version = match model.selector() {
        None => record.versions.values().next_back().ok_or_else(|| {
            ApiError::not_found(format!("Model {} has no versions.", model.name()))
        })?,
        selector => record.select(selector)?,
    };
    let items: Vec<wire::ModelVersionCheckpoint> = version
        .checkpoints
        .iter()
        .map(|c| wire::ModelVersionCheckpoint {
            checkpoint_id: c.id.to_string(),
            epoch: i64::try_from(c.epoch).unwrap_or(i64::MAX),
            step: i64::try_from(c.step).unwrap_or(i64::MAX),
        })
        .collect();
    let (checkpoints, next_page_token) = offset_page(items, 'c', query)?;
    Ok(wire::ListModelVersionCheckpointsResponse {
        checkpoints,
        next_page_token,
    })
}

/// Output-only or immutable fields, ignored when the mask is inferred from the body.
const OUTPUT_ONLY_MODEL_FIELDS: &[&str] = &[
    "name",
    "version_id",
    "version_aliases",
    "version_create_time",
    "version_update_time",
    "create_time",
    "update_time",
    "checkpoints",
    "deployed_models",
    "etag",
    "encryption_spec",
    "model_source_info",
    "original_model_info",
    "base_model_source",
];

fn parse_update(model: &ModelRef, request: &Request) -> Result<ModelUpdate, ApiError> {
    let body: wire::Model = wire::decode(&request.body)?;
    let mask: Vec<String> = match request.query.update_mask() {
        Some(paths) => paths,
        None => {
            // The Gen AI SDK sends no updateMask: the fields present in the body are the mask.
            let value: serde_json::Value = serde_json::from_slice(&request.body).map_err(|e| {
                ApiError::invalid_argument(format!("Invalid JSON payload received. {e}"))
            })?;
            value
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, _)| wire::fields::camel_to_snake(k))
                        .filter(|k| !OUTPUT_ONLY_MODEL_FIELDS.contains(&k.as_str()))
                        .collect()
                })
                .unwrap_or_default()
        }
    };
    let (_, fields) = check_update_mask(model.selector(), &mask).map_err(|e| {
        let message = match &e {
            UpdateMaskError::WrongLevel { .. } => format!("UpdateModel on {model}: {e}."),
            _ => format!("{e}."),
        };
        match e.code() {
            Code::InvalidArgument => ApiError::invalid_field("update_mask", message),
            code => ApiError::new(code, message),
        }
    })?;
    let mut update = ModelUpdate::default();
    for field in fields {
        match field {
            UpdatableField::DisplayName => {
                let name = body.display_name.trim();
                if name.is_empty() || name.chars().count() > MAX_DISPLAY_NAME_CHARS {
                    return Err(ApiError::invalid_field(
                        "model.display_name",
                        format!("displayName must be 1 to {MAX_DISPLAY_NAME_CHARS} characters."),
                    ));
                }
                update.display_name = Some(name.to_owned());
            }
            UpdatableField::Description => update.description = Some(body.description.clone()),
            UpdatableField::VersionDescription => {
                update.version_description = Some(body.version_description.clone());
            }
            UpdatableField::DefaultCheckpointId => {
                let id = body
                    .default_checkpoint_id
                    .trim()
                    .parse::<CheckpointId>()
                    .map_err(|e| {
                        ApiError::invalid_field("model.default_checkpoint_id", e.to_string())
                    })?;
                update.default_checkpoint = Some(id);
            }
            UpdatableField::Labels => {
                check_labels("model.labels", &body.labels)?;
                update.labels = Some(body.labels.clone());
            }
        }
    }
    Ok(update)
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// An operation as the API version of the request shows it: the `@type` of its metadata names
/// that version's proto package (`google.cloud.aiplatform.v1beta1.DeleteOperationMetadata`).
fn operation(mut op: wire::Operation, version: ApiVersion) -> wire::Operation {
    let type_url = op.metadata.as_mut().and_then(|m| m.get_mut("@type"));
    if let Some(serde_json::Value::String(url)) = type_url {
        *url = url.replace(
            "google.cloud.aiplatform.v1.",
            &format!("{}.", version.proto_package()),
        );
    }
    op
}

fn list_operations(
    store: &Store,
    parent: &OperationParent,
    query: &QueryParams,
    version: ApiVersion,
) -> Result<wire::ListOperationsResponse, ApiError> {
    if let OperationParent::Model(model) = parent {
        store.model(model)?;
    }
    let items: Vec<wire::Operation> = store
        .space(parent.location_name())
        .map(|space| {
            space
                .operations
                .values()
                .filter(|op| op.name.parent() == parent)
                .map(|op| operation(op.render(), version))
                .collect()
        })
        .unwrap_or_default();
    let (operations, next_page_token) = offset_page(items, 'o', query)?;
    Ok(wire::ListOperationsResponse {
        operations,
        next_page_token,
    })
}
