//! Continuous tuning: from a request and the facts about the pre-tuned model, the plan (which
//! version and checkpoint to start from, whether the result is a new version or a new model, and
//! the root base model), or every reason the request is refused.
//!
//! The rules, from "Use continuous tuning for Gemini models":
//! - rule 2: `preTunedModel.tunedModelName` is `…/models/{model}[@{versionId|alias}]`; without a
//!   version, the version holding `default` is used;
//! - rule 3: without a checkpoint id, the version's default checkpoint is used;
//! - rule 4: the result is a new version of the same parent model, unless the request gives a
//!   tuned-model display name that differs from the parent's, which creates a new model;
//! - rule 5: only supervised-tuned models tuned on or after 2025-07-11 qualify, and only when their
//!   root base model supports continuous tuning;
//! - rule 6: the job must use the same KMS key as the job that produced the pre-tuned model.
//!
//! The job must also live in the pre-tuned model's project and location.
//!
//! ```
//! use retune_model::base_model::BaseModel;
//! use retune_model::continuous::*;
//! use retune_model::names::{CheckpointId, ModelRef, VersionAlias, VersionId};
//! use retune_model::registry::VersionEntry;
//! use retune_model::Timestamp;
//! use std::collections::BTreeMap;
//!
//! let v1 = VersionId::FIRST;
//! let c = CheckpointId::from_number;
//! let model_ref: ModelRef = "projects/p1/locations/us-central1/models/9".parse().unwrap();
//! let facts = PreTunedModelFacts {
//!     name: model_ref.name().clone(),
//!     display_name: "support-bot".to_owned(),
//!     versions: vec![VersionEntry::new(v1)
//!         .with_aliases(vec![VersionAlias::DEFAULT])
//!         .with_checkpoints(vec![c(1), c(2)], Some(c(2)))],
//!     provenance: BTreeMap::from([(v1, TuningProvenance {
//!         method: TuningMethod::Supervised,
//!         finished_at: "2025-08-01T00:00:00Z".parse().unwrap(),
//!         root_base_model: BaseModel::lookup("gemini-2.5-flash").unwrap(),
//!         kms_key: None,
//!     })]),
//! };
//! let request = ContinuousTuningRequest::new(model_ref.clone(), model_ref.name().location_name().clone());
//! let plan = plan_continuous_tuning(&request, &facts).unwrap();
//! assert_eq!((plan.version, plan.checkpoint), (v1, c(2)));
//! assert_eq!(plan.outcome, TuningOutcome::NewVersion { parent: model_ref.name().clone() });
//! assert_eq!(plan.root_base_model.id(), "gemini-2.5-flash");
//!
//! // A job in another region, with an unknown checkpoint: both reasons come back.
//! let mut request = ContinuousTuningRequest::new(model_ref, "projects/p1/locations/europe-west4".parse().unwrap());
//! request.checkpoint = Some(c(7));
//! let refusals = plan_continuous_tuning(&request, &facts).unwrap_err();
//! assert_eq!(refusals.len(), 2);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::base_model::BaseModel;
use crate::names::{
    CheckpointId, KmsKeyName, LocationId, LocationName, ModelName, ModelRef, ProjectId, VersionId,
    same_project,
};
use crate::registry::{
    CheckpointError, ResolveError, VersionEntry, resolve_checkpoint, select_version, tuning_outcome,
};
use crate::{Code, Timestamp};

/// The earliest end time of a tuning job whose model may be tuned further: 2025-07-11T00:00:00Z.
///
/// Source: "Use continuous tuning for Gemini models" ("only supervised-tuned models tuned on or
/// after July 11, 2025"). 1752192000 is that instant in Unix seconds.
pub const CONTINUOUS_TUNING_MIN_DATE: Timestamp = Timestamp::from_unix_seconds(1_752_192_000);

/// A continuous-tuning request, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuousTuningRequest {
    /// `preTunedModel.tunedModelName`.
    pub pre_tuned_model: ModelRef,
    /// `preTunedModel.checkpointId`; `None` = the version's default checkpoint.
    pub checkpoint: Option<CheckpointId>,
    /// `tunedModelDisplayName`; `None` (or empty, proto3's "unset") = a new version.
    pub tuned_model_display_name: Option<String>,
    /// `encryptionSpec.kmsKeyName` of the job.
    pub kms_key: Option<KmsKeyName>,
    /// The job's parent, `projects/{p}/locations/{l}`.
    pub location: LocationName,
}

impl ContinuousTuningRequest {
    /// A request to continue tuning `pre_tuned_model` in `location`, with no checkpoint id, no
    /// display name and no KMS key.
    pub fn new(pre_tuned_model: ModelRef, location: LocationName) -> ContinuousTuningRequest {
        ContinuousTuningRequest {
            pre_tuned_model,
            checkpoint: None,
            tuned_model_display_name: None,
            kms_key: None,
            location,
        }
    }
}

/// How a model version was tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TuningMethod {
    /// `supervisedTuningSpec`: the only method continuous tuning accepts.
    Supervised,
    /// `preferenceOptimizationSpec`.
    PreferenceOptimization,
    /// `distillationSpec`.
    Distillation,
    /// Anything else (reinforcement tuning, partner models, ...).
    Other,
}

impl TuningMethod {
    /// The method of a tuning job, from the member of the `tuning_spec` oneof it sets.
    pub fn of(job: &crate::wire::TuningJob) -> TuningMethod {
        if job.supervised_tuning_spec.is_some() {
            TuningMethod::Supervised
        } else if job.preference_optimization_spec.is_some() {
            TuningMethod::PreferenceOptimization
        } else if job.distillation_spec.is_some() {
            TuningMethod::Distillation
        } else {
            TuningMethod::Other
        }
    }
}

impl fmt::Display for TuningMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TuningMethod::Supervised => "supervised",
            TuningMethod::PreferenceOptimization => "preference optimization",
            TuningMethod::Distillation => "distillation",
            TuningMethod::Other => "a method other than supervised",
        })
    }
}

/// How a model version came out of a tuning job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuningProvenance {
    /// The tuning method of the job that produced the version.
    pub method: TuningMethod,
    /// When that job finished (its end time).
    pub finished_at: Timestamp,
    /// The foundation model at the root of the tuning chain.
    pub root_base_model: &'static BaseModel,
    /// The KMS key of that job, if it used CMEK.
    pub kms_key: Option<KmsKeyName>,
}

/// What the registry knows about the pre-tuned model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreTunedModelFacts {
    /// The model (without a version).
    pub name: ModelName,
    /// The model's display name.
    pub display_name: String,
    /// Its versions.
    pub versions: Vec<VersionEntry>,
    /// For each version produced by a tuning job, how; versions absent here were not produced by
    /// tuning (for example, uploaded).
    pub provenance: BTreeMap<VersionId, TuningProvenance>,
}

/// Where the tuned model ends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TuningOutcome {
    /// A new version of `parent` (no display name, or the parent's own).
    NewVersion { parent: ModelName },
    /// A new model called `display_name` (a display name that differs from the parent's).
    NewModel { display_name: String },
}

/// What a continuous-tuning job starts from and produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuousTuningPlan {
    /// The pre-tuned model.
    pub model: ModelName,
    /// The version tuning continues from.
    pub version: VersionId,
    /// The checkpoint of that version tuning continues from.
    pub checkpoint: CheckpointId,
    /// A new version of the parent, or a new model.
    pub outcome: TuningOutcome,
    /// The root base model, reported as `preTunedModel.baseModel`.
    pub root_base_model: &'static BaseModel,
}

impl ContinuousTuningPlan {
    /// `…/models/{model}@{version}`: the resolved pre-tuned version.
    pub fn pre_tuned_version(&self) -> ModelRef {
        self.model.at_version(self.version)
    }
}

/// `a new version of {parent}` or `a new model named "{display name}"`.
impl fmt::Display for TuningOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TuningOutcome::NewVersion { parent } => write!(f, "a new version of {parent}"),
            TuningOutcome::NewModel { display_name } => {
                write!(f, "a new model named {display_name:?}")
            }
        }
    }
}

/// One line: `continues from {model}@{version} checkpoint {id} (root base model {base}); the
/// result is {outcome}`.
impl fmt::Display for ContinuousTuningPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "continues from {} checkpoint {} (root base model {}); the result is {}",
            self.pre_tuned_version(),
            self.checkpoint,
            self.root_base_model.id(),
            self.outcome
        )
    }
}

fn key_or_none(key: &Option<KmsKeyName>) -> String {
    match key {
        Some(k) => format!("`{k}`"),
        None => "no key".to_owned(),
    }
}

/// One reason a continuous-tuning request is refused.
///
/// Codes: `NOT_FOUND` for an unknown version or alias; `FAILED_PRECONDITION` when the pre-tuned
/// model itself does not qualify (not produced by supervised tuning, tuned before 2025-07-11, a
/// root base model without continuous tuning, a version without checkpoints); `INVALID_ARGUMENT`
/// when the request contradicts the model (`@-`, an unknown checkpoint id, another KMS key,
/// project or location). The real service's codes are undocumented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The selector names no version (unknown id or alias, `@-`, no `default`).
    #[error("preTunedModel.tunedModelName `{model}`: {reason}")]
    Version {
        model: ModelRef,
        reason: ResolveError,
    },
    /// The checkpoint cannot be used.
    #[error("preTunedModel.checkpointId: {reason}; omit it to use the default checkpoint")]
    Checkpoint { reason: CheckpointError },
    /// The version was not produced by a tuning job.
    #[error(
        "`{model}` was not produced by a tuning job (for example, it was uploaded); continuous \
         tuning needs a model produced by supervised tuning"
    )]
    NotTuned { model: ModelRef },
    /// The version was produced by another tuning method.
    #[error(
        "`{model}` was produced by {method} tuning; continuous tuning needs a model produced by \
         supervised tuning"
    )]
    NotSupervised {
        model: ModelRef,
        method: TuningMethod,
    },
    /// The producing job finished before [`CONTINUOUS_TUNING_MIN_DATE`].
    #[error(
        "`{model}` finished tuning at {finished_at}, before {CONTINUOUS_TUNING_MIN_DATE}; only \
         models tuned on or after 2025-07-11 can be tuned further, so tune the base model again"
    )]
    TunedTooEarly {
        model: ModelRef,
        finished_at: Timestamp,
    },
    /// The root base model does not support continuous tuning.
    #[error(
        "`{model}` was tuned from `{}`, which does not support continuous tuning; tune a \
         supported base model such as gemini-2.5-flash instead", .base_model.id()
    )]
    BaseModelNotSupported {
        model: ModelRef,
        base_model: &'static BaseModel,
    },
    /// The job's KMS key differs from the one the pre-tuned model was tuned with.
    #[error(
        "encryptionSpec.kmsKeyName is {}, but `{model}` was tuned with {}; continuous tuning \
         must use the same KMS key", key_or_none(.job_key), key_or_none(.model_key)
    )]
    KmsKeyMismatch {
        model: ModelRef,
        job_key: Option<KmsKeyName>,
        model_key: Option<KmsKeyName>,
    },
    /// The job is in another project than the pre-tuned model.
    #[error(
        "the tuning job is in project `{job_project}` but the pre-tuned model is in project \
         `{model_project}`; create the job in the model's project"
    )]
    DifferentProject {
        job_project: ProjectId,
        model_project: ProjectId,
    },
    /// The job is in another location than the pre-tuned model.
    #[error(
        "the tuning job is in location `{job_location}` but the pre-tuned model is in \
         `{model_location}`; create the job in the model's location"
    )]
    DifferentLocation {
        job_location: LocationId,
        model_location: LocationId,
    },
}

impl Refusal {
    /// The status code of this reason.
    pub fn code(&self) -> Code {
        match self {
            Refusal::Version { reason, .. } => reason.code(),
            Refusal::Checkpoint { reason } => reason.code(),
            Refusal::NotTuned { .. }
            | Refusal::NotSupervised { .. }
            | Refusal::TunedTooEarly { .. }
            | Refusal::BaseModelNotSupported { .. } => Code::FailedPrecondition,
            Refusal::KmsKeyMismatch { .. }
            | Refusal::DifferentProject { .. }
            | Refusal::DifferentLocation { .. } => Code::InvalidArgument,
        }
    }

    /// The `type` of this reason as a `google.rpc.PreconditionFailure` violation:
    /// `CONTINUOUS_TUNING_` and its status name. The service's violation types are undocumented;
    /// this spelling is the emulator's.
    ///
    /// ```
    /// use retune_model::continuous::Refusal;
    /// use retune_model::names::ModelRef;
    /// let model: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
    /// assert_eq!(
    ///     Refusal::NotTuned { model }.violation_type(),
    ///     "CONTINUOUS_TUNING_FAILED_PRECONDITION"
    /// );
    /// ```
    pub fn violation_type(&self) -> String {
        format!("CONTINUOUS_TUNING_{}", self.code().as_str())
    }
}

/// The status of a refusal with several reasons: `NOT_FOUND` when something named does not exist,
/// else `INVALID_ARGUMENT` when the request itself is wrong, else `FAILED_PRECONDITION` (the
/// model is not in a state to be tuned further). The emulator answers with it and the client
/// reports it, so both agree whatever order the reasons were found in.
pub fn refusal_status(refusals: &[Refusal]) -> Code {
    [
        Code::NotFound,
        Code::InvalidArgument,
        Code::FailedPrecondition,
    ]
    .into_iter()
    .find(|code| refusals.iter().any(|r| r.code() == *code))
    .unwrap_or(Code::FailedPrecondition)
}

/// The plan for a continuous-tuning request, or every reason it is refused (never just the first).
///
/// Checks that need the version (checkpoint, provenance, KMS key) are skipped when the version
/// cannot be resolved; the project and location checks always run.
pub fn plan_continuous_tuning(
    request: &ContinuousTuningRequest,
    facts: &PreTunedModelFacts,
) -> Result<ContinuousTuningPlan, Vec<Refusal>> {
    let mut refusals = Vec::new();
    let requested = &request.pre_tuned_model;

    let model_location = requested.name().location_name();
    // A job in project `p1` may continue `projects/123…/…/models/9`, the name Vertex AI
    // answered: an id and a number are told apart only by the service.
    if same_project(request.location.project(), model_location.project()) == Some(false) {
        refusals.push(Refusal::DifferentProject {
            job_project: request.location.project().clone(),
            model_project: model_location.project().clone(),
        });
    }
    if request.location.location() != model_location.location() {
        refusals.push(Refusal::DifferentLocation {
            job_location: request.location.location().clone(),
            model_location: model_location.location().clone(),
        });
    }

    let entry = match select_version(&facts.versions, requested.selector()) {
        Ok(entry) => Some(entry),
        Err(reason) => {
            refusals.push(Refusal::Version {
                model: requested.clone(),
                reason,
            });
            None
        }
    };

    let mut checkpoint = None;
    let mut root_base_model = None;
    if let Some(entry) = entry {
        let model = facts.name.at_version(entry.id);
        match resolve_checkpoint(entry, request.checkpoint.as_ref()) {
            Ok(c) => checkpoint = Some(c),
            Err(reason) => refusals.push(Refusal::Checkpoint { reason }),
        }
        match facts.provenance.get(&entry.id) {
            None => refusals.push(Refusal::NotTuned { model }),
            Some(p) => {
                if p.method != TuningMethod::Supervised {
                    refusals.push(Refusal::NotSupervised {
                        model: model.clone(),
                        method: p.method,
                    });
                }
                if p.finished_at < CONTINUOUS_TUNING_MIN_DATE {
                    refusals.push(Refusal::TunedTooEarly {
                        model: model.clone(),
                        finished_at: p.finished_at,
                    });
                }
                if !p.root_base_model.supports_continuous_tuning() {
                    refusals.push(Refusal::BaseModelNotSupported {
                        model: model.clone(),
                        base_model: p.root_base_model,
                    });
                }
                if p.kms_key != request.kms_key {
                    refusals.push(Refusal::KmsKeyMismatch {
                        model,
                        job_key: request.kms_key.clone(),
                        model_key: p.kms_key.clone(),
                    });
                }
                root_base_model = Some(p.root_base_model);
            }
        }
    }

    match (entry, checkpoint, root_base_model) {
        (Some(entry), Some(checkpoint), Some(root_base_model)) if refusals.is_empty() => {
            Ok(ContinuousTuningPlan {
                model: facts.name.clone(),
                version: entry.id,
                checkpoint,
                outcome: tuning_outcome(
                    &facts.name,
                    &facts.display_name,
                    request.tuned_model_display_name.as_deref(),
                ),
                root_base_model,
            })
        }
        _ => Err(refusals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::{VersionAlias, VersionSelector};

    fn v(n: u64) -> VersionId {
        VersionId::from_number(n).unwrap()
    }

    fn c(n: u64) -> CheckpointId {
        CheckpointId::from_number(n)
    }

    fn base(id: &str) -> &'static BaseModel {
        BaseModel::lookup(id).unwrap()
    }

    const MODEL: &str = "projects/p1/locations/us-central1/models/9";
    const KEY_A: &str = "projects/p1/locations/us-central1/keyRings/r/cryptoKeys/a";
    const KEY_B: &str = "projects/p1/locations/us-central1/keyRings/r/cryptoKeys/b";

    fn sft(finished_at: &str) -> TuningProvenance {
        TuningProvenance {
            method: TuningMethod::Supervised,
            finished_at: finished_at.parse().unwrap(),
            root_base_model: base("gemini-2.5-flash"),
            kms_key: None,
        }
    }

    /// Version 1: checkpoints 1..3, default 3. Version 2 (`default`, `golden`): checkpoints 1, 2,
    /// default 1. Both supervised-tuned from gemini-2.5-flash in August 2025, without CMEK.
    fn facts() -> PreTunedModelFacts {
        PreTunedModelFacts {
            name: MODEL.parse().unwrap(),
            display_name: "support-bot".to_owned(),
            versions: vec![
                VersionEntry::new(v(1)).with_checkpoints(vec![c(1), c(2), c(3)], Some(c(3))),
                VersionEntry::new(v(2))
                    .with_aliases(vec![VersionAlias::DEFAULT, "golden".parse().unwrap()])
                    .with_checkpoints(vec![c(1), c(2)], Some(c(1))),
            ],
            provenance: BTreeMap::from([
                (v(1), sft("2025-08-01T00:00:00Z")),
                (v(2), sft("2025-08-02T00:00:00Z")),
            ]),
        }
    }

    fn request(model_ref: &str) -> ContinuousTuningRequest {
        ContinuousTuningRequest::new(
            model_ref.parse().unwrap(),
            "projects/p1/locations/us-central1".parse().unwrap(),
        )
    }

    #[track_caller]
    fn plan(request: &ContinuousTuningRequest, facts: &PreTunedModelFacts) -> ContinuousTuningPlan {
        match plan_continuous_tuning(request, facts) {
            Ok(plan) => plan,
            Err(refusals) => panic!("refused: {refusals:#?}"),
        }
    }

    #[track_caller]
    fn refusals(request: &ContinuousTuningRequest, facts: &PreTunedModelFacts) -> Vec<Refusal> {
        match plan_continuous_tuning(request, facts) {
            Ok(plan) => panic!("accepted: {plan:#?}"),
            Err(refusals) => {
                assert!(!refusals.is_empty(), "refused without a reason");
                refusals
            }
        }
    }

    #[test]
    fn min_date_is_2025_07_11_midnight_utc() {
        assert_eq!(
            Timestamp::from_date(2025, 7, 11),
            Some(CONTINUOUS_TUNING_MIN_DATE)
        );
        assert_eq!(
            CONTINUOUS_TUNING_MIN_DATE.to_string(),
            "2025-07-11T00:00:00Z"
        );
    }

    #[test]
    fn rule_2_model_without_version_uses_default_version() {
        let p = plan(&request(MODEL), &facts());
        assert_eq!(p.version, v(2));
        assert_eq!(p.pre_tuned_version().to_string(), format!("{MODEL}@2"));
    }

    #[test]
    fn rule_2_version_id_selects_that_version() {
        assert_eq!(
            plan(&request(&format!("{MODEL}@1")), &facts()).version,
            v(1)
        );
    }

    #[test]
    fn rule_2_version_alias_selects_the_version_holding_it() {
        assert_eq!(
            plan(&request(&format!("{MODEL}@golden")), &facts()).version,
            v(2)
        );
        assert_eq!(
            plan(&request(&format!("{MODEL}%40golden")), &facts()).version,
            v(2)
        );
    }

    #[test]
    fn rule_2_unknown_version_or_alias_is_not_found() {
        for selector in ["@7", "@prod"] {
            let r = refusals(&request(&format!("{MODEL}{selector}")), &facts());
            assert_eq!(r.len(), 1, "{r:?}");
            assert_eq!(r[0].code(), Code::NotFound);
        }
        let r = refusals(&request(&format!("{MODEL}@prod")), &facts());
        assert_eq!(
            r[0].to_string(),
            "preTunedModel.tunedModelName `projects/p1/locations/us-central1/models/9@prod`: \
             no version of the model holds the alias `prod`"
        );
    }

    #[test]
    fn model_level_selector_is_refused() {
        let r = refusals(&request(&format!("{MODEL}@-")), &facts());
        assert_eq!(r.len(), 1);
        assert!(matches!(
            &r[0],
            Refusal::Version {
                reason: ResolveError::ModelLevel,
                ..
            }
        ));
        assert_eq!(r[0].code(), Code::InvalidArgument);
    }

    #[test]
    fn rule_3_no_checkpoint_id_uses_default_checkpoint() {
        assert_eq!(plan(&request(MODEL), &facts()).checkpoint, c(1));
        assert_eq!(
            plan(&request(&format!("{MODEL}@1")), &facts()).checkpoint,
            c(3)
        );
    }

    #[test]
    fn rule_3_checkpoint_id_selects_that_checkpoint() {
        let mut req = request(MODEL);
        req.checkpoint = Some(c(2));
        assert_eq!(plan(&req, &facts()).checkpoint, c(2));
    }

    #[test]
    fn rule_3_unknown_checkpoint_is_invalid_argument() {
        let mut req = request(MODEL);
        req.checkpoint = Some(c(3));
        let r = refusals(&req, &facts());
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), Code::InvalidArgument);
        assert_eq!(
            r[0].to_string(),
            "preTunedModel.checkpointId: version 2 has no checkpoint 3; its checkpoints are 1, 2; \
             omit it to use the default checkpoint"
        );
    }

    #[test]
    fn rule_4_no_display_name_creates_new_version() {
        let p = plan(&request(MODEL), &facts());
        assert_eq!(
            p.outcome,
            TuningOutcome::NewVersion {
                parent: MODEL.parse().unwrap()
            }
        );
    }

    #[test]
    fn rule_4_same_display_name_creates_new_version() {
        let mut req = request(MODEL);
        req.tuned_model_display_name = Some("support-bot".to_owned());
        let p = plan(&req, &facts());
        assert_eq!(
            p.outcome,
            TuningOutcome::NewVersion {
                parent: MODEL.parse().unwrap()
            }
        );
    }

    #[test]
    fn rule_4_empty_display_name_is_unset_and_creates_new_version() {
        let mut req = request(MODEL);
        req.tuned_model_display_name = Some(String::new());
        assert!(matches!(
            plan(&req, &facts()).outcome,
            TuningOutcome::NewVersion { .. }
        ));
    }

    #[test]
    fn rule_4_new_display_name_creates_new_model() {
        let mut req = request(MODEL);
        req.tuned_model_display_name = Some("support-bot-v2".to_owned());
        let p = plan(&req, &facts());
        assert_eq!(
            p.outcome,
            TuningOutcome::NewModel {
                display_name: "support-bot-v2".to_owned()
            }
        );
    }

    #[test]
    fn rule_5_model_tuned_before_2025_07_11_is_refused() {
        let mut f = facts();
        f.provenance.insert(v(2), sft("2025-07-10T23:59:59.999Z"));
        let r = refusals(&request(MODEL), &f);
        assert_eq!(r.len(), 1);
        assert!(matches!(r[0], Refusal::TunedTooEarly { .. }));
        assert_eq!(r[0].code(), Code::FailedPrecondition);
        assert!(
            r[0].to_string().contains(
                "finished tuning at 2025-07-10T23:59:59.999Z, before 2025-07-11T00:00:00Z"
            )
        );
    }

    #[test]
    fn rule_5_model_tuned_on_2025_07_11_is_accepted() {
        let mut f = facts();
        f.provenance.insert(v(2), sft("2025-07-11T00:00:00Z"));
        assert_eq!(plan(&request(MODEL), &f).version, v(2));
    }

    #[test]
    fn rule_5_preference_tuned_model_is_refused() {
        let mut f = facts();
        if let Some(p) = f.provenance.get_mut(&v(2)) {
            p.method = TuningMethod::PreferenceOptimization;
        }
        let r = refusals(&request(MODEL), &f);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), Code::FailedPrecondition);
        assert_eq!(
            r[0].to_string(),
            "`projects/p1/locations/us-central1/models/9@2` was produced by preference \
             optimization tuning; continuous tuning needs a model produced by supervised tuning"
        );
    }

    #[test]
    fn rule_5_distilled_and_other_models_are_refused() {
        for method in [TuningMethod::Distillation, TuningMethod::Other] {
            let mut f = facts();
            if let Some(p) = f.provenance.get_mut(&v(2)) {
                p.method = method;
            }
            let r = refusals(&request(MODEL), &f);
            assert!(
                matches!(r[..], [Refusal::NotSupervised { .. }]),
                "{method:?}"
            );
        }
    }

    #[test]
    fn rule_5_uploaded_model_is_refused() {
        let mut f = facts();
        f.provenance.remove(&v(2));
        let r = refusals(&request(MODEL), &f);
        assert_eq!(r.len(), 1);
        assert!(matches!(r[0], Refusal::NotTuned { .. }));
        assert_eq!(r[0].code(), Code::FailedPrecondition);
    }

    #[test]
    fn root_base_model_without_continuous_tuning_is_refused() {
        let mut f = facts();
        if let Some(p) = f.provenance.get_mut(&v(2)) {
            p.root_base_model = base("gemini-2.0-flash-001");
        }
        let r = refusals(&request(MODEL), &f);
        assert_eq!(r.len(), 1);
        assert!(
            r[0].to_string()
                .contains("`gemini-2.0-flash-001`, which does not support continuous tuning")
        );
    }

    #[test]
    fn plan_carries_the_root_base_model() {
        let mut f = facts();
        if let Some(p) = f.provenance.get_mut(&v(2)) {
            p.root_base_model = base("gemini-2.5-pro");
        }
        assert_eq!(
            plan(&request(MODEL), &f).root_base_model.id(),
            "gemini-2.5-pro"
        );
    }

    #[test]
    fn rule_6_different_kms_key_is_refused() {
        let mut f = facts();
        if let Some(p) = f.provenance.get_mut(&v(2)) {
            p.kms_key = Some(KEY_A.parse().unwrap());
        }
        let mut req = request(MODEL);
        req.kms_key = Some(KEY_B.parse().unwrap());
        let r = refusals(&req, &f);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), Code::InvalidArgument);
        assert_eq!(
            r[0].to_string(),
            format!(
                "encryptionSpec.kmsKeyName is `{KEY_B}`, but `{MODEL}@2` was tuned with `{KEY_A}`; \
                 continuous tuning must use the same KMS key"
            )
        );
    }

    #[test]
    fn rule_6_kms_key_on_one_side_only_is_refused() {
        let key: KmsKeyName = KEY_A.parse().unwrap();
        // The model was tuned with a key, the job has none.
        let mut f = facts();
        if let Some(p) = f.provenance.get_mut(&v(2)) {
            p.kms_key = Some(key.clone());
        }
        let r = refusals(&request(MODEL), &f);
        assert!(matches!(
            &r[..],
            [Refusal::KmsKeyMismatch { job_key: None, .. }]
        ));
        // The job has a key, the model was tuned without one.
        let mut req = request(MODEL);
        req.kms_key = Some(key);
        let r = refusals(&req, &facts());
        assert!(matches!(
            &r[..],
            [Refusal::KmsKeyMismatch {
                model_key: None,
                ..
            }]
        ));
        assert!(r[0].to_string().contains("was tuned with no key"));
    }

    #[test]
    fn rule_6_same_kms_key_or_none_at_all_is_accepted() {
        assert!(plan_continuous_tuning(&request(MODEL), &facts()).is_ok());
        let mut f = facts();
        if let Some(p) = f.provenance.get_mut(&v(2)) {
            p.kms_key = Some(KEY_A.parse().unwrap());
        }
        let mut req = request(MODEL);
        req.kms_key = Some(KEY_A.parse().unwrap());
        assert!(plan_continuous_tuning(&req, &f).is_ok());
    }

    #[test]
    fn job_in_another_project_or_location_is_refused() {
        let mut req = request(MODEL);
        req.location = "projects/p2/locations/europe-west4".parse().unwrap();
        let r = refusals(&req, &facts());
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| r.code() == Code::InvalidArgument));
        assert_eq!(
            r[0].to_string(),
            "the tuning job is in project `p2` but the pre-tuned model is in project `p1`; \
             create the job in the model's project"
        );
        assert_eq!(
            r[1].to_string(),
            "the tuning job is in location `europe-west4` but the pre-tuned model is in \
             `us-central1`; create the job in the model's location"
        );
    }

    #[test]
    fn a_model_named_by_project_number_may_be_continued_from_a_job_named_by_project_id() {
        // google/cloud/aiplatform/v1/tuning_job.proto, `TunedModel.model`: Vertex AI answers
        // `projects/{project number}/...`; a job created under the project id may continue it.
        let mut req = request("projects/123456789012/locations/us-central1/models/9");
        req.location = "projects/p1/locations/us-central1".parse().unwrap();
        assert!(plan_continuous_tuning(&req, &facts()).is_ok());
        // Two different numbers are two projects.
        req.location = "projects/210987654321/locations/us-central1"
            .parse()
            .unwrap();
        assert_eq!(refusals(&req, &facts()).len(), 1);
    }

    #[test]
    fn every_refusal_reason_is_reported_at_once() {
        let mut f = facts();
        f.provenance.insert(
            v(2),
            TuningProvenance {
                method: TuningMethod::PreferenceOptimization,
                finished_at: "2025-01-01T00:00:00Z".parse().unwrap(),
                root_base_model: base("gemini-1.5-pro-002"),
                kms_key: Some(KEY_A.parse().unwrap()),
            },
        );
        let mut req = request(MODEL);
        req.checkpoint = Some(c(9));
        req.kms_key = Some(KEY_B.parse().unwrap());
        req.location = "projects/p2/locations/europe-west4".parse().unwrap();
        let r = refusals(&req, &f);
        let kinds: Vec<&str> = r
            .iter()
            .map(|r| match r {
                Refusal::DifferentProject { .. } => "project",
                Refusal::DifferentLocation { .. } => "location",
                Refusal::Checkpoint { .. } => "checkpoint",
                Refusal::NotSupervised { .. } => "method",
                Refusal::TunedTooEarly { .. } => "date",
                Refusal::BaseModelNotSupported { .. } => "base model",
                Refusal::KmsKeyMismatch { .. } => "kms",
                Refusal::Version { .. } | Refusal::NotTuned { .. } => "unexpected",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "project",
                "location",
                "checkpoint",
                "method",
                "date",
                "base model",
                "kms"
            ]
        );
    }

    #[test]
    fn unknown_version_still_reports_location_problems() {
        let mut req = request(&format!("{MODEL}@5"));
        req.location = "projects/p1/locations/us-east1".parse().unwrap();
        let r = refusals(&req, &facts());
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].code(), Code::InvalidArgument);
        assert_eq!(r[1].code(), Code::NotFound);
    }

    #[test]
    fn version_without_checkpoints_is_refused() {
        let mut f = facts();
        f.versions[1].checkpoints.clear();
        f.versions[1].default_checkpoint = None;
        let r = refusals(
            &request(&format!("{MODEL}@{}", VersionSelector::Id(v(2)))),
            &f,
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), Code::FailedPrecondition);
    }
}
