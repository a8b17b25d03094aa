//! Tuning jobs: Create, Get, List, Cancel and RebaseTunedModel.
//!
//! Create decodes the body, runs `retune_model::request::check_create_tuning_job`, reads the
//! data sets (outside the store lock), plans continuous tuning with `retune_model::continuous`
//! when the source is a tuned model, and stores the job before answering.

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use retune_model::Code;
use retune_model::answer::TrainingPair;
use retune_model::continuous::{
    ContinuousTuningRequest, Refusal, TuningMethod, plan_continuous_tuning, refusal_status,
};
use retune_model::dataset::DatasetKind;
use retune_model::emulator_policy::job_timeline;
use retune_model::names::{LocationName, ModelRef, TuningJobId, TuningJobName};
use retune_model::proto_enum::ProtoEnum;
use retune_model::rebase::{RebaseRefusal, RebaseSource, check_rebase_request, plan_rebase};
use retune_model::request::{
    ListKind, TuningSource, check_create_tuning_job, check_dataset_file, check_list,
    check_preference_dataset_file,
};
use retune_model::wire;

use super::Request;
use crate::dataset_memo::DatasetMemo;
use crate::error::ApiError;
use crate::filter::Filterable;
use crate::jobs::{DataOutcome, JobRecord, JobView};
use crate::state::Emulator;
use crate::storage::ObjectStore;
use crate::store::NewJob;

/// GetTuningJob.
pub(super) fn get(
    emulator: &Emulator,
    name: &TuningJobName,
    request: &Request,
) -> Result<Bytes, ApiError> {
    let enums = request.query.enum_encoding();
    emulator.with_store(|store, now| store.encoded_job(name, now, request.version, enums))
}

/// CancelTuningJob. The body may be absent (google-genai) or `{}` / `{"name": ...}` (GAPIC).
pub(super) fn cancel(
    emulator: &Emulator,
    name: &TuningJobName,
    request: &Request,
) -> Result<Bytes, ApiError> {
    wire::decode::<wire::CancelTuningJobRequest>(&request.body)?;
    emulator.with_store(|store, now| store.cancel_job(name, now))?;
    Ok(Bytes::from_static(b"{}"))
}

/// What a job exposes to `filter` (the fields are `ListKind::TuningJobs.filter_fields()`).
struct JobFields<'a> {
    job: &'a JobRecord,
    view: JobView,
}

impl Filterable for JobFields<'_> {
    fn field(&self, field: &str) -> Option<Option<String>> {
        if let Some(key) = field.strip_prefix("labels.") {
            return Some(self.job.labels().get(key).cloned());
        }
        let set = |s: &str| Some((!s.is_empty()).then(|| s.to_owned()));
        match field {
            "state" => Some(Some(self.view.progress.state.proto_name().to_owned())),
            "tuned_model_display_name" => set(&self.job.request.tuned_model_display_name),
            "base_model" => Some(Some(self.job.base_model.id().to_owned())),
            "name" => Some(Some(self.job.name.to_string())),
            "create_time" => Some(Some(self.job.created.to_string())),
            "update_time" => Some(Some(self.view.update_time.to_string())),
            "description" => set(&self.job.request.description),
            _ => None,
        }
    }
}

/// ListTuningJobs: newest first; the page token holds the id of the last job shown.
pub(super) fn list(
    emulator: &Emulator,
    parent: &LocationName,
    request: &Request,
) -> Result<wire::ListTuningJobsResponse, ApiError> {
    let filter = request.query.filter();
    let list = check_list(
        ListKind::TuningJobs,
        &parent.to_string(),
        &request.query.list_query(filter.as_deref()),
    )?;
    emulator.with_store(|store, now| {
        let mut response = wire::ListTuningJobsResponse::default();
        let before = list.start().map(TuningJobId::from_number);
        let mut matching = store.jobs_newest_first(parent, before).filter(|job| {
            list.filter().matches(&JobFields {
                job,
                view: job.view(now),
            })
        });
        let mut last = None;
        for job in matching.by_ref().take(list.page_size()) {
            last = Some(job.name.tuning_job_id());
            response
                .tuning_jobs
                .push(store.render_job(job, now, request.version));
        }
        if let (Some(last), Some(_)) = (last, matching.next()) {
            response.next_page_token = list.next_page_token(last.get());
        }
        Ok(response)
    })
}

/// CreateTuningJob.
pub(super) async fn create(
    emulator: &Emulator,
    parent: &LocationName,
    request: &Request,
) -> Result<wire::TuningJob, ApiError> {
    let job: wire::TuningJob = wire::decode_for_version(&request.body, request.version)?;
    let (_, job) = create_job(emulator, parent, job, request.version).await?;
    Ok(job)
}

/// RebaseTunedModel: plans the rebased job with `retune_model::rebase`, creates it as
/// CreateTuningJob would, and answers the finished operation whose response is that job.
pub(super) async fn rebase(
    emulator: &Emulator,
    parent: &LocationName,
    request: &Request,
) -> Result<wire::Operation, ApiError> {
    let body: wire::RebaseTunedModelRequest =
        wire::decode_for_version(&request.body, request.version)?;
    let source = check_rebase_request(&body).map_err(rebase_error)?;
    let planned = emulator.with_store(|store, now| {
        let job_name = match &source {
            RebaseSource::TuningJob(name) => name.clone(),
            RebaseSource::Model(model) => store
                .job_of_model(model)?
                .ok_or_else(|| rebase_error(RebaseRefusal::NotTuned(model.to_string())))?,
        };
        let job = store.job(&job_name)?;
        let state = job.view(now).progress.state;
        plan_rebase(
            &job_name,
            &job.request.to_wire(),
            state,
            job.base_model,
            body.tuning_job.as_ref(),
        )
        .map_err(rebase_error)
    })?;
    let (name, created) = create_job(emulator, parent, planned, request.version).await?;
    emulator.with_store(|store, now| Ok(store.record_rebase(&name, created, now)))
}

fn rebase_error(refusal: RebaseRefusal) -> ApiError {
    ApiError::new(refusal.code(), format!("{refusal}."))
}

/// Creates a tuning job from a decoded CreateTuningJob body; returns its name and its JSON.
async fn create_job(
    emulator: &Emulator,
    parent: &LocationName,
    job: wire::TuningJob,
    version: crate::routes::ApiVersion,
) -> Result<(TuningJobName, wire::TuningJob), ApiError> {
    let create = check_create_tuning_job(parent, job)?;

    // Data is read outside the store lock.
    let objects = emulator.objects();
    let method = create.method;
    let training = read_dataset(
        objects,
        &create.training_dataset.to_string(),
        DatasetKind::Training,
        method,
    )
    .await;
    let validation = match &create.validation_dataset {
        Some(uri) => {
            Some(read_dataset(objects, &uri.to_string(), DatasetKind::Validation, method).await)
        }
        None => None,
    };

    emulator.with_store(|store, now| {
        let (base_model, plan) = match &create.source {
            TuningSource::Base(base) => (*base, None),
            TuningSource::PreTuned { model, checkpoint } => {
                let record = store.model(model.name())?;
                let mut continuous = ContinuousTuningRequest::new(model.clone(), parent.clone());
                continuous.checkpoint = *checkpoint;
                continuous
                    .tuned_model_display_name
                    .clone_from(&create.tuned_model_display_name);
                continuous.kms_key.clone_from(&create.kms_key);
                let plan = plan_continuous_tuning(&continuous, &record.facts())
                    .map_err(|refusals| refusal_error(model, &refusals))?;
                (plan.root_base_model, Some(plan))
            }
        };
        let hyper = create.check_hyper_parameters(base_model)?;

        let data = match (&training, &validation) {
            (Err(status), _) | (Ok(_), Some(Err(status))) => Err(status.clone()),
            (Ok(report), _) => Ok(report),
        };
        let examples = data.as_ref().map_or(0, |report| report.example_count());
        let timeline = job_timeline(store.pace(), hyper.epoch_count(), examples);
        let data = match data {
            Err(status) => DataOutcome::Invalid(status),
            Ok(report) => DataOutcome::Valid(report.stats(timeline.total_steps())),
        };
        let name = store.insert_job(
            parent,
            NewJob {
                request: create.job.clone(),
                base_model,
                plan,
                timeline,
                export_last_checkpoint_only: create.export_last_checkpoint_only,
                data,
                kms_key: create.kms_key.clone(),
                training: training
                    .as_ref()
                    .map_or_else(|_| Arc::from(Vec::new()), |report| report.training()),
            },
            now,
        );
        let record = store.job(&name)?;
        Ok((name.clone(), store.render_job(record, now, version)))
    })
}

/// A job's `error`: the code and message a failed data check reports.
fn failed_status(code: Code, message: String) -> wire::Status {
    wire::Status {
        code: code.number(),
        message,
        ..wire::Status::default()
    }
}

/// A data set that passed its checks: supervised or preference data, with what every job made
/// from it shares, computed once per checked data set (it is kept by the memo of checks).
struct CheckedData {
    report: Report,
    /// The training pairs of its examples.
    training: OnceLock<Arc<[TrainingPair]>>,
    /// The statistics last computed, for that step count (most jobs made from one data set have
    /// the same step count).
    stats: Mutex<Option<(u64, Arc<wire::TuningDataStats>)>>,
}

/// The report of a data set's check, in its format.
enum Report {
    Supervised(Box<retune_model::dataset::DatasetReport>),
    Preference(Box<retune_model::dataset::PreferenceDatasetReport>),
}

impl CheckedData {
    fn new(report: Report) -> CheckedData {
        CheckedData {
            report,
            training: OnceLock::new(),
            stats: Mutex::new(None),
        }
    }

    /// The examples a model tuned on this data answers from: the supervised examples, or each
    /// preference example's prompt with its preferred completion.
    fn examples(&self) -> &[retune_model::dataset::Example] {
        match &self.report {
            Report::Supervised(r) => &r.examples,
            Report::Preference(r) => &r.preferred,
        }
    }

    /// The training pairs of [`examples`](CheckedData::examples), made on first use.
    fn training(&self) -> Arc<[TrainingPair]> {
        Arc::clone(
            self.training
                .get_or_init(|| TrainingPair::from_examples(self.examples()).into()),
        )
    }

    fn example_count(&self) -> u64 {
        match &self.report {
            Report::Supervised(r) => r.stats.tuning_dataset_example_count,
            Report::Preference(r) => r.stats.tuning_dataset_example_count,
        }
    }

    /// `tuningDataStats` for a job of `steps` steps: the last ones when `steps` is the same.
    fn stats(&self, steps: u64) -> Arc<wire::TuningDataStats> {
        let mut last = self.stats.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((kept, stats)) = last.as_ref()
            && *kept == steps
        {
            return Arc::clone(stats);
        }
        let stats = Arc::new(self.compute_stats(steps));
        *last = Some((steps, Arc::clone(&stats)));
        stats
    }

    fn compute_stats(&self, steps: u64) -> wire::TuningDataStats {
        match &self.report {
            Report::Supervised(r) => wire::TuningDataStats {
                supervised_tuning_data_stats: Some(wire::SupervisedTuningDataStats::from(
                    &r.stats.clone().with_tuning_step_count(steps),
                )),
                ..wire::TuningDataStats::default()
            },
            Report::Preference(r) => wire::TuningDataStats {
                preference_optimization_data_stats: Some(
                    wire::PreferenceOptimizationDataStats::from(
                        &r.stats.clone().with_tuning_step_count(steps),
                    ),
                ),
                ..wire::TuningDataStats::default()
            },
        }
    }
}

/// Reads and checks one data set in the format of `method`; a failure is the `error` the job
/// will fail with.
async fn read_dataset(
    objects: &ObjectStore,
    uri: &str,
    kind: DatasetKind,
    method: TuningMethod,
) -> Result<Arc<CheckedData>, wire::Status> {
    let bytes = objects.read_uri(uri).await.map_err(|e| {
        failed_status(
            e.code(),
            format!("Failed to read the {kind} dataset {uri}: {e}."),
        )
    })?;
    static CHECKED: DatasetMemo<Result<Arc<CheckedData>, wire::Status>> = DatasetMemo::new();
    let preference = method == TuningMethod::PreferenceOptimization;
    let checked = CHECKED.get_or_check(uri, kind, preference, bytes, |bytes| {
        let checked = if preference {
            check_preference_dataset_file(uri, kind, bytes).map(|r| Report::Preference(Box::new(r)))
        } else {
            check_dataset_file(uri, kind, bytes).map(|r| Report::Supervised(Box::new(r)))
        };
        checked
            .map(|report| Arc::new(CheckedData::new(report)))
            .map_err(|e| failed_status(e.code(), e.to_string()))
    });
    (*checked).clone()
}

/// All the refusals of a continuous-tuning request as one error, with the status
/// `refusal_status` decides; every reason in the message and as a `PreconditionFailure`
/// violation.
fn refusal_error(model: &ModelRef, refusals: &[Refusal]) -> ApiError {
    let code = refusal_status(refusals);
    let reasons: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    let message = format!(
        "Continuous tuning from {model} is not possible: {}.",
        reasons.join("; ")
    );
    ApiError::new(code, message).with_precondition_violations(
        refusals
            .iter()
            .map(|r| (r.violation_type(), model.to_string(), r.to_string())),
    )
}
