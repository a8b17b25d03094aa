//! Flag values as clap's value parsers see them: each string becomes a domain type of
//! `retune_model` (or the client) the moment clap reads it, with a one-line [`ConfigError`].
//!
//! Every rule is the model's: labels are `retune_model::labels::Label`, data sets and upload
//! destinations `retune_model::gcs::GcsUri` (through the client's `DatasetUri`), durations
//! `retune_model::duration::HumanDuration`, names the types of `retune_model::names`. Only what
//! needs another flag (a short model id needs `--project`) is left for `config`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use retune_client::DatasetUri;
use retune_client::endpoint::ApiVersion;
use retune_model::base_model::BaseModel;
use retune_model::dataset::DatasetFormat;
use retune_model::duration::HumanDuration;
use retune_model::gcs::{BucketName, GcsUri};
use retune_model::hyperparameters::AdapterSize;
use retune_model::labels::Label;
use retune_model::names::{
    CheckpointId, EndpointName, KmsKeyName, LocationName, ModelId, ModelName, ModelRef, NameError,
    ServiceAccount, TuningJobId, TuningJobName, VersionAlias, VersionSelector,
};

use crate::config::{ConfigError, Format};

const MODEL_HINT: &str =
    "expected MODEL[@VERSION|@ALIAS] with MODEL an id or projects/P/locations/L/models/ID";
const JOB_HINT: &str = "expected a job id or projects/P/locations/L/tuningJobs/ID";

/// A value parser for `what` from `T`'s `FromStr`, whose error says why; the message is
/// `invalid {what} "{input}": {reason}`.
fn parsed<T>(
    what: &'static str,
) -> impl Fn(&str) -> Result<T, ConfigError> + Clone + Send + Sync + 'static
where
    T: FromStr,
    T::Err: fmt::Display,
{
    move |input: &str| {
        input
            .parse::<T>()
            .map_err(|e| ConfigError::invalid(what, input, e.to_string()))
    }
}

/// A name's value parser: the [`NameError`] already quotes the input, so the message is
/// `invalid {what} "{input}": {reason}` with the reason alone.
fn named<T>(
    what: &'static str,
) -> impl Fn(&str) -> Result<T, ConfigError> + Clone + Send + Sync + 'static
where
    T: FromStr<Err = NameError>,
{
    move |input: &str| {
        input
            .parse::<T>()
            .map_err(|e| ConfigError::invalid(what, e.input(), e.reason()))
    }
}

/// A number, with what is expected when it is not one.
fn number<T: FromStr>(
    what: &'static str,
    expected: &'static str,
) -> impl Fn(&str) -> Result<T, ConfigError> + Clone + Send + Sync + 'static {
    move |input: &str| {
        input
            .trim()
            .parse::<T>()
            .map_err(|_| ConfigError::invalid(what, input, format!("expected {expected}")))
    }
}

/// `--kind` of `dataset validate`: `supervised` or `preference`.
pub fn dataset_format(input: &str) -> Result<DatasetFormat, ConfigError> {
    parsed::<DatasetFormat>("--kind")(input)
}

/// `--label KEY=VALUE`, by `retune_model::labels`.
pub fn label(input: &str) -> Result<Label, ConfigError> {
    parsed::<Label>("--label")(input)
}

/// `--kms-key`.
pub fn kms_key(input: &str) -> Result<KmsKeyName, ConfigError> {
    named("--kms-key")(input)
}

/// `--service-account`.
pub fn service_account(input: &str) -> Result<ServiceAccount, ConfigError> {
    named("--service-account")(input)
}

/// `--checkpoint` of `continue`.
pub fn checkpoint_flag(input: &str) -> Result<CheckpointId, ConfigError> {
    named("--checkpoint")(input)
}

/// `--default-checkpoint` of `models update`.
pub fn default_checkpoint_flag(input: &str) -> Result<CheckpointId, ConfigError> {
    named("--default-checkpoint")(input)
}

/// The `CHECKPOINT` argument of `models set-default-checkpoint`.
pub fn checkpoint(input: &str) -> Result<CheckpointId, ConfigError> {
    named("checkpoint")(input)
}

/// An `ALIAS` argument.
pub fn alias(input: &str) -> Result<VersionAlias, ConfigError> {
    named("alias")(input)
}

/// `--train`: a `gs://` object (Cloud Storage's naming rules) or a Vertex AI dataset resource.
pub fn train(input: &str) -> Result<DatasetUri, ConfigError> {
    dataset("--train", input)
}

/// `--validation`, as [`train`].
pub fn validation(input: &str) -> Result<DatasetUri, ConfigError> {
    dataset("--validation", input)
}

/// A data set is read by the service, so it must be in Cloud Storage; a value that is no URI at
/// all is taken for a local file, and the message says how to put it there.
fn dataset(what: &'static str, input: &str) -> Result<DatasetUri, ConfigError> {
    input.parse::<DatasetUri>().map_err(|e| {
        let looks_local = !input.contains("://") && !input.starts_with("projects/");
        let reason = if looks_local {
            format!(
                "{input:?} is not a gs:// URI; the service reads training data from Cloud \
                 Storage: upload a local file first with `retune dataset upload {input} \
                 gs://BUCKET/OBJECT.jsonl`, then pass that URI"
            )
        } else {
            e.reason().to_owned()
        };
        ConfigError::Rejected { what, reason }
    })
}

/// The destination of `dataset upload`: `gs://bucket/object` by Cloud Storage's rules.
pub fn destination(input: &str) -> Result<GcsUri, ConfigError> {
    input.parse::<GcsUri>().map_err(|e| ConfigError::Rejected {
        what: "destination",
        reason: e.to_string(),
    })
}

/// `--base-model`: a foundation model that supervised tuning supports. A tuned model is not
/// one: the message points to `retune continue`.
pub fn base_model(input: &str) -> Result<&'static BaseModel, ConfigError> {
    BaseModel::lookup(input).map_err(|e| {
        let reason = match input.parse::<ModelRef>() {
            Ok(model) => format!(
                "{input:?} is a tuned model, not a foundation model; tune it further with \
                 `retune continue {model} --train gs://BUCKET/OBJECT.jsonl`"
            ),
            Err(_) => e.to_string(),
        };
        ConfigError::Rejected {
            what: "--base-model",
            reason,
        }
    })
}

/// `--epochs`.
pub fn epochs(input: &str) -> Result<u32, ConfigError> {
    number("--epochs", "a whole number of epochs, such as 3")(input)
}

/// `--lr-multiplier`.
pub fn lr_multiplier(input: &str) -> Result<f64, ConfigError> {
    number("--lr-multiplier", "a number, such as 0.5")(input)
}

/// `--beta` (preference tuning); its range is checked with the other hyperparameters.
pub fn beta(input: &str) -> Result<f64, ConfigError> {
    number("--beta", "a number, such as 0.1")(input)
}

/// `--adapter-size`: a LoRA rank. Whether the base model allows it is checked with the other
/// hyperparameters, before anything is sent.
pub fn adapter_size(input: &str) -> Result<AdapterSize, ConfigError> {
    let rank = number::<u32>("--adapter-size", "a rank: 1, 2, 4, 8, 16 or 32")(input)?;
    AdapterSize::from_rank(rank).ok_or_else(|| {
        ConfigError::invalid(
            "--adapter-size",
            input,
            "use 1, 2, 4, 8, 16 or 32, as the base model allows",
        )
    })
}

/// `--page-size`; `0` means the server's page size.
pub fn page_size(input: &str) -> Result<u32, ConfigError> {
    number("--page-size", "a positive number")(input)
}

/// `--limit`.
pub fn limit(input: &str) -> Result<usize, ConfigError> {
    number("--limit", "a number")(input)
}

/// `--port`.
pub fn port(input: &str) -> Result<u16, ConfigError> {
    number("--port", "a port number (0 picks a free one)")(input)
}

/// `--host`.
pub fn host(input: &str) -> Result<std::net::IpAddr, ConfigError> {
    input.parse().map_err(|_| {
        ConfigError::invalid("--host", input, "expected an IP address such as 127.0.0.1")
    })
}

/// A value parser that also names the values it takes, each with its meaning: `--help` lists
/// them and shell completions offer them.
#[derive(Clone)]
pub struct Described<T> {
    parse: fn(&str) -> Result<T, ConfigError>,
    values: &'static [(&'static str, &'static str)],
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Described<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().map(|(name, help)| {
            clap::builder::PossibleValue::new(*name).help(*help)
        })))
    }
}

/// `--auth` of `emulator serve`.
pub fn auth() -> Described<mock_vertex::AuthMode> {
    Described {
        parse: |input| {
            input.parse().map_err(|_| {
                ConfigError::invalid("--auth", input, "use none, required, any-token or token=T")
            })
        },
        values: &[
            ("none", "accept every caller, with or without a token"),
            (
                "required",
                "accept only tokens this emulator issued (its metadata server or /token), unexpired",
            ),
            (
                "any-token",
                "accept any bearer token, refuse calls without one",
            ),
            ("token=", "accept only this bearer token: token=T"),
        ],
    }
}

/// `--jobs` of `emulator serve`.
pub fn job_speed() -> Described<mock_vertex::JobSpeed> {
    Described {
        parse: |input| {
            input
                .parse()
                .map_err(|_| ConfigError::invalid("--jobs", input, "use instant, scaled or manual"))
        },
        values: &[
            (
                "instant",
                "a job ends (succeeds) at the first read after it is created",
            ),
            (
                "scaled",
                "a job goes through its states in seconds, scaled from the data set size and \
                 the epochs (about 3 s for the bundled data)",
            ),
            (
                "manual",
                "a job moves only when the emulator's clock is advanced through its admin API",
            ),
        ],
    }
}

/// `--bucket` of `emulator serve`: Cloud Storage's bucket naming rules.
pub fn bucket(input: &str) -> Result<BucketName, ConfigError> {
    BucketName::parse(input).map_err(|e| ConfigError::Rejected {
        what: "--bucket",
        reason: e.to_string(),
    })
}

/// `--project-number`: `ID=NUMBER`.
pub fn project_number(input: &str) -> Result<retune_model::names::ProjectNumbering, ConfigError> {
    input
        .parse()
        .map_err(|e: retune_model::names::NameError| ConfigError::Rejected {
            what: "--project-number",
            reason: e.to_string(),
        })
}

/// `--format`: `table`, `json`, `yaml` or `value(FIELD,...)`.
pub fn format(input: &str) -> Result<Format, ConfigError> {
    input.parse()
}

/// `--timeout`: the one duration grammar of `retune_model::duration`, and more than zero.
pub fn timeout(input: &str) -> Result<Duration, ConfigError> {
    timeout_flag("--timeout")(input)
}

/// A duration flag such as `--request-timeout`, read as [`timeout`].
pub fn timeout_flag(
    what: &'static str,
) -> impl Fn(&str) -> Result<Duration, ConfigError> + Clone + Send + Sync + 'static {
    move |input| duration(what, input)
}

fn duration(what: &'static str, input: &str) -> Result<Duration, ConfigError> {
    let invalid = |reason: String| ConfigError::invalid(what, input, reason);
    let duration = Duration::from(
        input
            .parse::<HumanDuration>()
            .map_err(|e| invalid(e.to_string()))?,
    );
    if duration.is_zero() {
        return Err(invalid("a timeout must be more than zero".to_owned()));
    }
    Ok(duration)
}

/// `--api-version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiVersionArg {
    /// The GA surface.
    V1,
    /// The preview surface.
    V1beta1,
}

impl From<ApiVersionArg> for ApiVersion {
    fn from(v: ApiVersionArg) -> ApiVersion {
        match v {
            ApiVersionArg::V1 => ApiVersion::V1,
            ApiVersionArg::V1beta1 => ApiVersion::V1Beta1,
        }
    }
}

/// The shells `retune completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellArg {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

impl From<ShellArg> for clap_complete::Shell {
    fn from(shell: ShellArg) -> clap_complete::Shell {
        match shell {
            ShellArg::Bash => clap_complete::Shell::Bash,
            ShellArg::Zsh => clap_complete::Shell::Zsh,
            ShellArg::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// A model on the command line: a full name, which carries its project and location, or a short
/// id, which takes them from `--project` and `--location`. Either may have `@VERSION` or
/// `@ALIAS` (`%40` is read as `@`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelInput {
    /// `projects/P/locations/L/models/ID[@SEL]`.
    Full(ModelRef),
    /// `ID[@SEL]`.
    Short {
        /// The model id.
        id: ModelId,
        /// The version or alias, if any.
        selector: Option<VersionSelector>,
    },
}

impl ModelInput {
    /// The model, with `location` for a short id (asked only then).
    pub fn resolve(
        self,
        location: impl FnOnce() -> Result<LocationName, ConfigError>,
    ) -> Result<ModelRef, ConfigError> {
        match self {
            ModelInput::Full(model) => Ok(model),
            ModelInput::Short { id, selector } => Ok(ModelName::new(location()?, id).at(selector)),
        }
    }
}

impl ModelInput {
    /// The model as given, without `@VERSION` or `@ALIAS`.
    pub fn without_selector(&self) -> String {
        match self {
            ModelInput::Full(model) => model.name().to_string(),
            ModelInput::Short { id, .. } => id.to_string(),
        }
    }
}

impl FromStr for ModelInput {
    type Err = ConfigError;

    fn from_str(input: &str) -> Result<ModelInput, ConfigError> {
        let name_error = |error| ConfigError::Name {
            error,
            hint: MODEL_HINT,
        };
        if input.starts_with("projects/") {
            return input.parse().map(ModelInput::Full).map_err(name_error);
        }
        let decoded = input.replace("%40", "@");
        let (id, selector) = match decoded.split_once('@') {
            Some((id, selector)) => (id, Some(selector)),
            None => (decoded.as_str(), None),
        };
        Ok(ModelInput::Short {
            id: id.parse().map_err(name_error)?,
            selector: selector
                .map(VersionSelector::from_str)
                .transpose()
                .map_err(name_error)?,
        })
    }
}

impl fmt::Display for ModelInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelInput::Full(model) => model.fmt(f),
            ModelInput::Short { id, selector: None } => id.fmt(f),
            ModelInput::Short {
                id,
                selector: Some(selector),
            } => write!(f, "{id}@{selector}"),
        }
    }
}

/// A tuning job on the command line: a full name or a short id (as [`ModelInput`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobInput {
    /// `projects/P/locations/L/tuningJobs/ID`.
    Full(TuningJobName),
    /// `ID`.
    Short(TuningJobId),
}

impl JobInput {
    /// The job, with `location` for a short id (asked only then).
    pub fn resolve(
        self,
        location: impl FnOnce() -> Result<LocationName, ConfigError>,
    ) -> Result<TuningJobName, ConfigError> {
        match self {
            JobInput::Full(job) => Ok(job),
            JobInput::Short(id) => Ok(TuningJobName::new(location()?, id)),
        }
    }
}

impl FromStr for JobInput {
    type Err = ConfigError;

    fn from_str(input: &str) -> Result<JobInput, ConfigError> {
        let name_error = |error| ConfigError::Name {
            error,
            hint: JOB_HINT,
        };
        if input.starts_with("projects/") {
            input.parse().map(JobInput::Full).map_err(name_error)
        } else {
            input.parse().map(JobInput::Short).map_err(name_error)
        }
    }
}

impl fmt::Display for JobInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobInput::Full(job) => job.fmt(f),
            JobInput::Short(id) => id.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn durations_take_a_unit_or_mean_seconds() {
        assert_eq!(timeout("90"), Ok(Duration::from_secs(90)));
        assert_eq!(timeout("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(timeout("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(timeout("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(timeout("1.5h"), Ok(Duration::from_secs(5400)));
        for bad in ["", "0", "0s", "1d", "-3s", "s"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_follow_the_model_rule() {
        let parts = |s: &str| label(s).map(|l| l.into_parts());
        assert_eq!(parts("team=nlp"), Ok(("team".into(), "nlp".into())));
        assert_eq!(parts("empty="), Ok(("empty".into(), String::new())));
        assert_eq!(parts("チーム=言語"), Ok(("チーム".into(), "言語".into())));
        assert!(label(&format!("k={}", "v".repeat(64))).is_ok());
        for bad in ["team", "Team=x", "1team=x", "team=NLP", "te am=x"] {
            let err = label(bad).expect_err(bad);
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid --label {bad:?}: ")),
                "{err}"
            );
        }
        assert!(label(&format!("k={}", "v".repeat(65))).is_err());
    }

    #[test]
    fn gcs_uris_follow_cloud_storage_rules() {
        assert!(destination("gs://my-bucket/data/train.jsonl").is_ok());
        for bad in [
            "gs://bucket",
            "gs://bucket/",
            "s3://b/o",
            "gs://B/o",
            "gs://Bad_Bucket/x",
        ] {
            assert!(destination(bad).is_err(), "{bad}");
            assert!(train(bad).is_err(), "{bad}");
        }
        assert!(train("projects/p/locations/us-central1/datasets/42").is_ok());
    }

    #[test]
    fn short_and_full_model_references_parse() {
        let short: ModelInput = "9%40golden".parse().expect("short");
        assert_eq!(short.to_string(), "9@golden");
        let location: LocationName = "projects/p/locations/us-central1".parse().expect("valid");
        let model = short.resolve(|| Ok(location)).expect("resolved");
        assert_eq!(
            model.to_string(),
            "projects/p/locations/us-central1/models/9@golden"
        );
        let full: ModelInput = "projects/q/locations/us-east1/models/9@2"
            .parse()
            .expect("full");
        let never = || -> Result<LocationName, ConfigError> { Err(ConfigError::NoProject) };
        assert!(full.resolve(never).is_ok());
        assert!("9@1@2".parse::<ModelInput>().is_err());
    }

    proptest! {
        #[test]
        fn model_and_job_arguments_never_panic_and_print_back(s in "[a-z0-9@%/-]{0,40}") {
            if let Ok(model) = s.parse::<ModelInput>() {
                prop_assert_eq!(model.to_string().parse::<ModelInput>(), Ok(model));
            }
            if let Ok(job) = s.parse::<JobInput>() {
                prop_assert_eq!(job.to_string().parse::<JobInput>(), Ok(job));
            }
        }

        #[test]
        fn data_set_uris_are_gcs_uris_and_print_back(s in "gs://[a-zA-Z0-9._/-]{0,20}") {
            match (train(&s), s.parse::<GcsUri>()) {
                (Ok(uri), Ok(gcs)) => {
                    prop_assert_eq!(uri.as_gcs(), Some(&gcs));
                    prop_assert_eq!(uri.to_string(), s);
                }
                (Err(_), Err(_)) => {}
                (train, gcs) => prop_assert!(false, "--train {train:?} but GcsUri {gcs:?}"),
            }
        }

        #[test]
        fn timeouts_are_human_durations_above_zero(s in "\\PC{0,12}") {
            match (timeout(&s), s.parse::<HumanDuration>()) {
                (Ok(d), Ok(h)) => prop_assert_eq!(d, h.get()),
                (Err(_), Ok(h)) => prop_assert!(h.get().is_zero()),
                (Err(_), Err(_)) => {}
                (Ok(_), Err(e)) => prop_assert!(false, "accepted what the model refuses: {e}"),
            }
        }
    }
}

/// What `retune generate` calls: a base model id (`gemini-2.5-flash`), an endpoint
/// (`projects/P/locations/L/endpoints/ID`), or a model as [`ModelInput`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetInput {
    /// A base model.
    Base(&'static BaseModel),
    /// A tuned model's endpoint.
    Endpoint(EndpointName),
    /// A model version (or a checkpoint of it, with `--checkpoint`).
    Model(ModelInput),
}

impl FromStr for TargetInput {
    type Err = ConfigError;

    fn from_str(input: &str) -> Result<TargetInput, ConfigError> {
        if let Ok(base) = BaseModel::lookup(input) {
            return Ok(TargetInput::Base(base));
        }
        if input.starts_with("projects/") && input.contains("/endpoints/") {
            return input
                .parse()
                .map(TargetInput::Endpoint)
                .map_err(|error| ConfigError::Name {
                    error,
                    hint: TARGET_HINT,
                });
        }
        input
            .parse::<ModelInput>()
            .map(TargetInput::Model)
            .map_err(|_| ConfigError::Invalid {
                what: "TARGET",
                input: input.to_owned(),
                reason: TARGET_HINT.to_owned(),
            })
    }
}

const TARGET_HINT: &str = "expected a base model id (gemini-2.5-flash), \
                           projects/P/locations/L/endpoints/ID, or MODEL[@VERSION|@ALIAS]";
