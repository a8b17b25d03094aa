//! Where each version of a tuned model came from: the job that made it, the pre-tuned model and
//! checkpoint that job started from, and so on back to the foundation model.
//!
//! The chain is read from the registry itself: a tuned model version carries the label
//! [`TUNING_JOB_LABEL`] naming the job that produced it, and that job's `preTunedModel` (or
//! `baseModel`) names where it started.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use futures::TryStreamExt;
use retune_model::names::{
    CheckpointId, ModelName, ModelRef, TuningJobId, TuningJobName, VersionId, VersionSelector,
};
use retune_model::wire;

use crate::client::Client;
use crate::error::Error;
use crate::resource::{Model, TuningJob};
use crate::spec::ListOptions;

/// The system label on a tuned model version that holds the id of the job that produced it.
pub const TUNING_JOB_LABEL: &str = "google-vertex-llm-tuning-job-id";

/// The longest chain followed (a guard against cycles in a corrupted registry).
pub const MAX_LINEAGE_DEPTH: usize = 64;

/// What a tuning job started from.
///
/// Prints as `gemini-2.5-flash`, `model 123@1 checkpoint 2`, `model 123@1 (default
/// checkpoint)` or `unknown origin`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A foundation model, such as `gemini-2.5-flash`.
    Foundation(String),
    /// A tuned model version, at a checkpoint (`None`: its default checkpoint at the time).
    PreTuned {
        /// The model version, as the job named it (an alias is resolved to a version id when
        /// the alias still exists).
        model: ModelRef,
        /// The checkpoint the job named.
        checkpoint: Option<CheckpointId>,
    },
    /// Not known: no job label, the job was deleted, or its source could not be parsed.
    Unknown,
}

/// One link of a chain: a model version and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct LineageStep {
    /// The model.
    pub model: ModelName,
    /// The version.
    pub version: VersionId,
    /// The job that produced the version, when the label names one.
    pub job: Option<TuningJobName>,
    /// What that job started from.
    pub origin: Origin,
}

/// The chain of one version: `steps[0]` is the version itself; each next step is the origin of
/// the previous one; the last step's origin is [`Origin::Foundation`] (or [`Origin::Unknown`]).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionLineage {
    /// The version this chain explains.
    pub version: VersionId,
    /// The chain, newest first.
    pub steps: Vec<LineageStep>,
}

impl VersionLineage {
    /// The foundation model at the root of the chain, if known.
    pub fn foundation(&self) -> Option<&str> {
        match self.steps.last().map(|s| &s.origin) {
            Some(Origin::Foundation(base)) => Some(base),
            _ => None,
        }
    }
}

/// The lineage of every version of a model, in version order.
#[derive(Debug, Clone, PartialEq)]
pub struct Lineage {
    /// The model.
    pub model: ModelName,
    /// One chain per version.
    pub versions: Vec<VersionLineage>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Foundation(base) => f.write_str(base),
            Origin::PreTuned { model, checkpoint } => {
                write!(f, "model {}", model.name().model_id())?;
                if let Some(selector) = model.selector() {
                    write!(f, "@{selector}")?;
                }
                match checkpoint {
                    Some(c) => write!(f, " checkpoint {c}"),
                    None => f.write_str(" (default checkpoint)"),
                }
            }
            Origin::Unknown => f.write_str("unknown origin"),
        }
    }
}

/// One line: `version 2 (job 7)  <-  model 5@1 checkpoint 3 (job 6)  <-  gemini-2.5-flash`.
impl fmt::Display for VersionLineage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "version {}", self.version)?;
        for step in &self.steps {
            if let Some(job) = &step.job {
                write!(f, " (job {})", job.tuning_job_id())?;
            }
            write!(f, "  <-  {}", step.origin)?;
        }
        Ok(())
    }
}

/// One line per version, as [`VersionLineage`] prints it.
impl fmt::Display for Lineage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, version) in self.versions.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{version}")?;
        }
        Ok(())
    }
}

/// Fetches models and jobs once each while walking chains.
struct Walker<'a> {
    client: &'a Client,
    versions: BTreeMap<ModelName, BTreeMap<VersionId, Model>>,
    jobs: BTreeMap<TuningJobName, Option<TuningJob>>,
}

impl Walker<'_> {
    async fn versions(&mut self, model: &ModelName) -> Result<&BTreeMap<VersionId, Model>, Error> {
        if !self.versions.contains_key(model) {
            let list: Vec<Model> = self
                .client
                .list_model_versions(model, ListOptions::new())
                .try_collect()
                .await?;
            let by_id = list
                .into_iter()
                .filter_map(|m| m.version_id().map(|v| (v, m)))
                .collect();
            self.versions.insert(model.clone(), by_id);
        }
        Ok(self.versions.get(model).unwrap_or_else(empty))
    }

    async fn job(&mut self, name: &TuningJobName) -> Result<Option<&TuningJob>, Error> {
        if !self.jobs.contains_key(name) {
            let job = match self.client.get_tuning_job(name).await {
                Ok(job) => Some(job),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            self.jobs.insert(name.clone(), job);
        }
        Ok(self.jobs.get(name).and_then(Option::as_ref))
    }

    /// The version a reference points at now.
    async fn resolve(&mut self, model: &ModelRef) -> Result<Option<VersionId>, Error> {
        let versions = self.versions(model.name()).await?;
        Ok(match model.selector() {
            Some(VersionSelector::Id(v)) => versions.contains_key(v).then_some(*v),
            Some(VersionSelector::Alias(a)) => versions
                .iter()
                .find(|(_, m)| m.version_aliases.iter().any(|x| x == a.as_str()))
                .map(|(v, _)| *v),
            None | Some(VersionSelector::ModelLevel) => versions
                .iter()
                .find(|(_, m)| m.version_aliases.iter().any(|x| x == "default"))
                .map(|(v, _)| *v),
        })
    }

    async fn step(&mut self, model: &ModelName, version: VersionId) -> Result<LineageStep, Error> {
        let label = self
            .versions(model)
            .await?
            .get(&version)
            .and_then(|m| m.labels.get(TUNING_JOB_LABEL))
            .and_then(|id| id.parse::<TuningJobId>().ok());
        let job = label.map(|id| TuningJobName::new(model.location_name().clone(), id));
        let origin = match &job {
            Some(name) => match self.job(name).await? {
                Some(j) => origin_of(j),
                None => Origin::Unknown,
            },
            None => Origin::Unknown,
        };
        Ok(LineageStep {
            model: model.clone(),
            version,
            job,
            origin,
        })
    }

    async fn chain(
        &mut self,
        model: &ModelName,
        version: VersionId,
    ) -> Result<Vec<LineageStep>, Error> {
        let mut steps = Vec::new();
        let mut seen = HashSet::new();
        let mut current = Some((model.clone(), version));
        while let Some((m, v)) = current.take() {
            if !seen.insert((m.clone(), v)) || steps.len() >= MAX_LINEAGE_DEPTH {
                break;
            }
            let mut step = self.step(&m, v).await?;
            if let Origin::PreTuned {
                model: from,
                checkpoint,
            } = &step.origin
            {
                let resolved = self.resolve(from).await?;
                if let Some(rv) = resolved {
                    let from_name = from.name().clone();
                    step.origin = Origin::PreTuned {
                        model: from_name.at_version(rv),
                        checkpoint: *checkpoint,
                    };
                    current = Some((from_name, rv));
                }
            }
            steps.push(step);
        }
        Ok(steps)
    }
}

fn empty<'a>() -> &'a BTreeMap<VersionId, Model> {
    static EMPTY: BTreeMap<VersionId, Model> = BTreeMap::new();
    &EMPTY
}

fn origin_of(job: &wire::TuningJob) -> Origin {
    if let Some(p) = &job.pre_tuned_model {
        let Ok(model) = p.tuned_model_name.parse::<ModelRef>() else {
            return Origin::Unknown;
        };
        let checkpoint = p.checkpoint_id.parse::<CheckpointId>().ok();
        return Origin::PreTuned { model, checkpoint };
    }
    match job.base_model.as_deref() {
        Some(base) if !base.is_empty() => Origin::Foundation(base.to_owned()),
        _ => Origin::Unknown,
    }
}

impl Client {
    /// The lineage of every version of `model`, back to the foundation model.
    ///
    /// Reads the versions of each model on the way once (`:listVersions`) and each job once.
    /// A job that no longer exists ends its chain with [`Origin::Unknown`].
    pub async fn lineage(&self, model: &ModelName) -> Result<Lineage, Error> {
        let mut walker = Walker {
            client: self,
            versions: BTreeMap::new(),
            jobs: BTreeMap::new(),
        };
        let ids: Vec<VersionId> = walker.versions(model).await?.keys().copied().collect();
        let mut versions = Vec::with_capacity(ids.len());
        for version in ids {
            let steps = walker.chain(model, version).await?;
            versions.push(VersionLineage { version, steps });
        }
        Ok(Lineage {
            model: model.clone(),
            versions,
        })
    }
}
