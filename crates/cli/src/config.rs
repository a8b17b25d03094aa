//! The second phase: `Config::try_from(Args)` resolves what depends on more than one flag.
//!
//! Each flag value is already a domain type (clap's value parsers in [`crate::values`]); here the
//! project and location get their defaults and the environment's empty values count as unset,
//! short model and job ids get a location, commands check which `@VERSION` forms they take, and
//! the labels are counted. Errors are one line; nothing here does IO.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use retune_client::endpoint::{ApiVersion, Endpoint};
use retune_client::{DatasetUri, GenerateTarget, ModelUpdate};
use retune_model::base_model::BaseModel;
use retune_model::gcs::{BucketName, GcsUri};
use retune_model::hyperparameters::{AdapterSize, HyperParameters};
use retune_model::labels::check_labels;
use retune_model::names::{
    CheckpointId, KmsKeyName, LocationId, LocationName, ModelRef, NameError, ProjectId,
    ServiceAccount, TuningJobName, VersionAlias, VersionId, VersionSelector,
};

use crate::args::{
    AliasArgs, Args, CommandArgs, ContinueArgs, DatasetArgs, EmulatorArgs, GenerateArgs,
    GlobalArgs, JobsArgs, ListArgs, ModelsArgs, ServeArgs, SnapshotArgs, TrainingArgs, TuneArgs,
};
use crate::gcloud::GcloudDefaults;
use crate::values::{JobInput, ModelInput, TargetInput};

/// The location used when neither `--location` nor `GOOGLE_CLOUD_LOCATION` is set: the region
/// where Vertex AI supervised tuning of Gemini models is documented first.
pub const DEFAULT_LOCATION: &str = "us-central1";

/// A command-line value that cannot be used. Always a usage error (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A remote command without a project.
    #[error(
        "no project given: pass --project PROJECT, set GOOGLE_CLOUD_PROJECT, or run `gcloud config set project PROJECT`"
    )]
    NoProject,
    /// A resource name that does not parse; the message names the input and the bad part.
    #[error("{error}; {hint}")]
    Name {
        /// What the model crate said.
        error: NameError,
        /// The accepted forms.
        hint: &'static str,
    },
    /// A value the client's parser rejected; its reason quotes the input.
    #[error("invalid {what}: {reason}")]
    Rejected {
        /// The flag or argument, such as `--endpoint`.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// Any other flag or argument value.
    #[error("invalid {what} {input:?}: {reason}")]
    Invalid {
        /// The flag or argument, such as `--label`.
        what: &'static str,
        /// The value as given.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
}

impl ConfigError {
    /// `invalid {what} "{input}": {reason}`.
    pub fn invalid(what: &'static str, input: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            what,
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Output format for results on stdout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables and sentences for people.
    Table,
    /// The API's own JSON, for scripts.
    Json,
    /// The same fields as YAML.
    Yaml,
    /// `value(FIELD,...)`: the fields (dotted paths into the JSON) of each resource, one
    /// resource a line, tab-separated, as gcloud prints them.
    Value(Vec<String>),
}

impl FromStr for Format {
    type Err = ConfigError;

    fn from_str(input: &str) -> Result<Format, ConfigError> {
        let invalid = |reason: &str| ConfigError::invalid("--format", input, reason);
        match input.trim() {
            "table" => return Ok(Format::Table),
            "json" => return Ok(Format::Json),
            "yaml" => return Ok(Format::Yaml),
            _ => {}
        }
        let fields = input
            .trim()
            .strip_prefix("value(")
            .and_then(|rest| rest.strip_suffix(')'))
            .ok_or_else(|| invalid("use table, json, yaml or value(FIELD,...)"))?;
        let fields: Vec<String> = fields
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
        if fields.is_empty() {
            return Err(invalid(
                "name the fields to print, such as value(name,state)",
            ));
        }
        Ok(Format::Value(fields))
    }
}

/// How much the command says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// `-q`: results and errors only.
    Quiet,
    /// Narration and progress.
    Normal,
    /// `-v` (1), `-vv` (2), `-vvv` (3): logs as well.
    Verbose(u8),
}

/// Where and how to reach Vertex AI (or the emulator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// `projects/P/locations/L` the client works in.
    pub location: LocationName,
    /// `--endpoint` or `GOOGLE_VERTEX_BASE_URL`; `None` = the location's Vertex AI host.
    pub endpoint: Option<Endpoint>,
    /// `--api-version`.
    pub api_version: ApiVersion,
    /// `--access-token`; `None` = Application Default Credentials (or none for plain http).
    pub access_token: Option<String>,
    /// `--request-timeout`; `None` = the client's default.
    pub request_timeout: Option<Duration>,
}

/// A whole, resolved command line.
#[derive(Debug, Clone)]
pub struct Config {
    /// `--format`.
    pub format: Format,
    /// `-v` / `--silent`.
    pub verbosity: Verbosity,
    /// `--quiet`: no confirmation is asked.
    pub assume_yes: bool,
    /// The command and its typed arguments.
    pub command: Command,
}

/// Data and hyperparameters of a tuning job, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Training {
    /// `--train`.
    pub train: DatasetUri,
    /// `--validation`.
    pub validation: Option<DatasetUri>,
    /// `--epochs`.
    pub epochs: Option<u32>,
    /// `--lr-multiplier`.
    pub lr_multiplier: Option<f64>,
    /// `--adapter-size`.
    pub adapter_size: Option<AdapterSize>,
    /// `--display-name`.
    pub display_name: Option<String>,
    /// `--label`s.
    pub labels: BTreeMap<String, String>,
    /// `--kms-key`.
    pub kms_key: Option<KmsKeyName>,
    /// `--service-account`.
    pub service_account: Option<ServiceAccount>,
    /// `--export-last-checkpoint-only`.
    pub export_last_checkpoint_only: bool,
    /// `--preference` (or `--beta`): preference tuning, with `beta` if given.
    pub preference: Option<Option<f64>>,
    /// `--wait`.
    pub wait: bool,
    /// `--dry-run`.
    pub dry_run: bool,
}

/// Every command, with typed arguments.
#[derive(Debug, Clone)]
pub enum Command {
    /// `retune quickstart`.
    Quickstart,
    /// `retune tune`.
    Tune {
        /// The client's target.
        connection: Connection,
        /// `--base-model`.
        base_model: &'static BaseModel,
        /// Data and hyperparameters.
        training: Box<Training>,
    },
    /// `retune continue`.
    Continue {
        /// The client's target.
        connection: Connection,
        /// The pre-tuned model.
        model: ModelRef,
        /// `--checkpoint`.
        checkpoint: Option<CheckpointId>,
        /// Data and hyperparameters.
        training: Box<Training>,
    },
    /// `retune generate`.
    Generate {
        /// The client's target.
        connection: Connection,
        /// What to ask.
        target: GenerateTarget,
        /// The question.
        prompt: String,
        /// `--stream`.
        stream: bool,
    },
    /// `retune jobs list`.
    JobsList {
        /// The client's target.
        connection: Connection,
        /// Filter, page size, limit.
        list: List,
    },
    /// `retune jobs get`.
    JobsGet {
        /// The client's target.
        connection: Connection,
        /// The job.
        job: TuningJobName,
    },
    /// `retune jobs cancel`.
    JobsCancel {
        /// The client's target.
        connection: Connection,
        /// The job.
        job: TuningJobName,
    },
    /// `retune jobs wait`.
    JobsWait {
        /// The client's target.
        connection: Connection,
        /// The job.
        job: TuningJobName,
        /// `--timeout`.
        timeout: Option<Duration>,
    },
    /// `retune models list`.
    ModelsList {
        /// The client's target.
        connection: Connection,
        /// Filter, page size, limit.
        list: List,
    },
    /// `retune models get|versions|checkpoints|lineage|delete-version|set-default-checkpoint`
    /// and the alias edits.
    Models {
        /// The client's target.
        connection: Connection,
        /// The model (and version) named on the command line.
        model: ModelRef,
        /// Which command.
        action: ModelAction,
    },
    /// `retune dataset validate`.
    DatasetValidate {
        /// The file.
        file: PathBuf,
        /// Training or validation limits.
        validation: bool,
        /// Supervised or preference data.
        format: retune_model::dataset::DatasetFormat,
    },
    /// `retune dataset upload`.
    DatasetUpload {
        /// The local file.
        file: PathBuf,
        /// Where to.
        destination: GcsUri,
        /// `--endpoint` (the emulator's store) or real Cloud Storage.
        endpoint: Option<Endpoint>,
        /// `--access-token`.
        access_token: Option<String>,
        /// `--no-validate`.
        skip_validation: bool,
        /// `--create-bucket`: in this project.
        create_bucket: Option<ProjectId>,
        /// `--request-timeout`.
        request_timeout: Option<Duration>,
    },
    /// `retune emulator serve`.
    EmulatorServe(Serve),
    /// `retune console`.
    Console(ConsoleServe),
    /// `retune emulator env`.
    EmulatorEnv {
        /// `--endpoint`, the running emulator; `None` = the local default port.
        endpoint: Option<Endpoint>,
        /// `--unset`.
        unset: bool,
    },
    /// `retune emulator snapshot ...`.
    EmulatorSnapshot {
        /// `--endpoint`, the running emulator; `None` = the local default port.
        endpoint: Option<Endpoint>,
        /// What to do.
        action: SnapshotArgs,
    },
    /// `retune completions`.
    Completions(clap_complete::Shell),
}

/// What to do with a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelAction {
    /// Show the version.
    Get,
    /// List versions.
    Versions,
    /// List checkpoints of the version.
    Checkpoints,
    /// Show the lineage of every version.
    Lineage,
    /// Set the version's default checkpoint.
    SetDefaultCheckpoint(CheckpointId),
    /// Put aliases on the version.
    AddAliases(Vec<VersionAlias>),
    /// Take aliases off whichever version holds them.
    RemoveAliases(Vec<VersionAlias>),
    /// Delete the version.
    DeleteVersion(VersionId),
    /// Rebase the model onto a newer base model, with this display name if given.
    Rebase(Option<String>),
    /// Change the fields of the model or version, as named (no version is resolved first).
    Update(ModelUpdate),
}

/// Filter and limits of a list command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    /// `--filter`.
    pub filter: Option<String>,
    /// `--page-size`.
    pub page_size: Option<u32>,
    /// `--limit`.
    pub limit: Option<usize>,
}

/// `retune console`, typed.
#[derive(Debug, Clone)]
pub struct ConsoleServe {
    /// `--port` (the address is always 127.0.0.1).
    pub port: u16,
    /// `--project`, the console's default (`None`: the page asks).
    pub project: Option<ProjectId>,
    /// `--location`, the console's default, and where calls without a location go.
    pub location: LocationId,
    /// `--endpoint`: forward every call there instead of the location's Vertex AI host.
    pub endpoint: Option<Endpoint>,
    /// `--access-token`; `None` = Application Default Credentials (none for plain http).
    pub access_token: Option<String>,
    /// `--request-timeout` of each forwarded call.
    pub request_timeout: Option<Duration>,
}

/// `retune emulator serve`, typed.
#[derive(Debug, Clone)]
pub struct Serve {
    /// `--host`.
    pub host: std::net::IpAddr,
    /// `--port`.
    pub port: u16,
    /// `--gcs-dir`.
    pub gcs_dir: Option<PathBuf>,
    /// `--auth`.
    pub auth: mock_vertex::AuthMode,
    /// `--jobs`.
    pub jobs: mock_vertex::JobSpeed,
    /// `--ca-dir`.
    pub ca_dir: Option<PathBuf>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--fsync`.
    pub fsync: bool,
    /// `--snapshot-dir`.
    pub snapshot_dir: Option<PathBuf>,
    /// `--import`.
    pub import: Option<PathBuf>,
    /// `--export-on-exit`.
    pub export_on_exit: Option<PathBuf>,
    /// `--bucket`s to create at start.
    pub buckets: Vec<BucketName>,
    /// `--project-number`s.
    pub project_numbers: Vec<retune_model::names::ProjectNumbering>,
}

impl TryFrom<Args> for Config {
    type Error = ConfigError;

    /// The command line alone, without gcloud's configuration.
    fn try_from(args: Args) -> Result<Config, ConfigError> {
        Config::resolve(args, &GcloudDefaults::default())
    }
}

impl Config {
    /// The command line, with `gcloud`'s active configuration for the project and region that
    /// neither a flag nor the environment gives.
    pub fn resolve(args: Args, gcloud: &GcloudDefaults) -> Result<Config, ConfigError> {
        let global = Global::resolve(&args.global, gcloud)?;
        let command = match args.command {
            CommandArgs::Quickstart => Command::Quickstart,
            CommandArgs::Tune(tune) => resolve_tune(&global, tune)?,
            CommandArgs::Continue(cont) => resolve_continue(&global, cont)?,
            CommandArgs::Jobs(jobs) => resolve_jobs(&global, jobs)?,
            CommandArgs::Models(models) => resolve_models(&global, models)?,
            CommandArgs::Generate(generate) => resolve_generate(&global, generate)?,
            CommandArgs::Dataset(DatasetArgs::Validate(v)) => Command::DatasetValidate {
                file: v.file,
                validation: v.validation,
                format: v.kind,
            },
            CommandArgs::Dataset(DatasetArgs::Upload(u)) => Command::DatasetUpload {
                file: u.file,
                destination: u.destination,
                endpoint: global.endpoint.clone(),
                access_token: global.access_token.clone(),
                skip_validation: u.no_validate,
                create_bucket: if u.create_bucket {
                    Some(global.project.clone().ok_or(ConfigError::NoProject)?)
                } else {
                    None
                },
                request_timeout: global.request_timeout,
            },
            CommandArgs::Emulator(EmulatorArgs::Serve(serve)) => {
                Command::EmulatorServe(resolve_serve(*serve))
            }
            CommandArgs::Emulator(EmulatorArgs::Env(env)) => Command::EmulatorEnv {
                endpoint: global.endpoint.clone(),
                unset: env.unset,
            },
            CommandArgs::Console(console) => Command::Console(ConsoleServe {
                port: console.port,
                project: global.project.clone(),
                location: global.location.clone(),
                endpoint: global.endpoint.clone(),
                access_token: global.access_token.clone(),
                request_timeout: global.request_timeout,
            }),
            CommandArgs::Emulator(EmulatorArgs::Snapshot(action)) => Command::EmulatorSnapshot {
                endpoint: global.endpoint.clone(),
                action,
            },
            CommandArgs::Completions(c) => Command::Completions(c.shell.into()),
        };
        Ok(Config {
            format: args.global.format,
            verbosity: global.verbosity,
            assume_yes: args.global.quiet,
            command,
        })
    }
}

/// The global options, typed; the project and location stay optional until a command needs them.
#[derive(Debug)]
struct Global {
    project: Option<ProjectId>,
    location: LocationId,
    endpoint: Option<Endpoint>,
    api_version: ApiVersion,
    access_token: Option<String>,
    request_timeout: Option<Duration>,
    verbosity: Verbosity,
}

impl Global {
    /// The options the environment can set are strings until here: an empty value is unset.
    /// gcloud's project and region come after the flags and the environment.
    fn resolve(g: &GlobalArgs, gcloud: &GcloudDefaults) -> Result<Global, ConfigError> {
        let project = non_empty(g.project.as_deref())
            .or(non_empty(gcloud.project.as_deref()))
            .map(|p| p.parse::<ProjectId>())
            .transpose()
            .map_err(|e| ConfigError::invalid("--project", e.input(), e.reason()))?;
        let location = non_empty(g.location.as_deref())
            .or(non_empty(gcloud.region.as_deref()))
            .unwrap_or(DEFAULT_LOCATION)
            .parse::<LocationId>()
            .map_err(|e| ConfigError::invalid("--location", e.input(), e.reason()))?;
        let endpoint = non_empty(g.endpoint.as_deref())
            .map(|e| {
                e.parse::<Endpoint>().map_err(|err| ConfigError::Rejected {
                    what: "--endpoint",
                    reason: err.reason().to_owned(),
                })
            })
            .transpose()?;
        let verbosity = match (g.silent, g.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, n) => Verbosity::Verbose(n.min(3)),
        };
        Ok(Global {
            project,
            location,
            endpoint,
            api_version: g.api_version.into(),
            access_token: non_empty(g.access_token.as_deref()).map(str::to_owned),
            request_timeout: g.request_timeout,
            verbosity,
        })
    }

    /// The connection for a command; a full resource name on the command line carries its own
    /// project and location, which then win over the flags and environment.
    fn connection(&self, from_name: Option<&LocationName>) -> Result<Connection, ConfigError> {
        let location = match from_name {
            Some(location) => location.clone(),
            None => self.location_name()?,
        };
        Ok(Connection {
            location,
            endpoint: self.endpoint.clone(),
            api_version: self.api_version,
            access_token: self.access_token.clone(),
            request_timeout: self.request_timeout,
        })
    }

    /// The location for short names (`ID`), which need a project.
    fn location_name(&self) -> Result<LocationName, ConfigError> {
        let project = self.project.clone().ok_or(ConfigError::NoProject)?;
        Ok(LocationName::new(project, self.location.clone()))
    }

    fn model_ref(&self, model: ModelInput) -> Result<ModelRef, ConfigError> {
        model.resolve(|| self.location_name())
    }

    fn job_name(&self, job: JobInput) -> Result<TuningJobName, ConfigError> {
        job.resolve(|| self.location_name())
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `tune`: the hyperparameters are checked against the base model here, so a value the base
/// model does not allow is a usage error like a value that is no number at all.
fn resolve_tune(global: &Global, tune: TuneArgs) -> Result<Command, ConfigError> {
    let training = resolve_training(tune.training)?;
    let params = HyperParameters {
        epoch_count: training.epochs.map(i64::from),
        learning_rate_multiplier: training.lr_multiplier,
        adapter_size: training.adapter_size,
        beta: training.preference.flatten(),
        ..HyperParameters::default()
    };
    if let Err(errors) = params.validate(tune.base_model) {
        return Err(ConfigError::Rejected {
            what: "hyperparameters",
            reason: format!(
                "for {}: {}; nothing was sent",
                tune.base_model.id(),
                errors
                    .iter()
                    .map(|e| e.to_string().trim_end_matches('.').to_owned())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        });
    }
    Ok(Command::Tune {
        connection: global.connection(None)?,
        base_model: tune.base_model,
        training: Box::new(training),
    })
}

fn resolve_continue(global: &Global, cont: ContinueArgs) -> Result<Command, ConfigError> {
    // `@-` is refused by the continuous-tuning rules, with the status the service gives it.
    let model = global.model_ref(cont.model)?;
    Ok(Command::Continue {
        connection: global.connection(Some(model.name().location_name()))?,
        model,
        checkpoint: cont.checkpoint,
        training: Box::new(resolve_training(cont.training)?),
    })
}

fn resolve_generate(global: &Global, args: GenerateArgs) -> Result<Command, ConfigError> {
    let (target, location) = match (args.target, args.checkpoint) {
        (TargetInput::Model(model), checkpoint) => {
            let model = global.model_ref(model)?;
            let location = model.name().location_name().clone();
            (
                GenerateTarget::Version { model, checkpoint },
                Some(location),
            )
        }
        (_, Some(_)) => {
            return Err(ConfigError::Rejected {
                what: "--checkpoint",
                reason: "a checkpoint is asked through its model: pass MODEL[@VERSION] as TARGET"
                    .to_owned(),
            });
        }
        (TargetInput::Endpoint(endpoint), None) => {
            let location = endpoint.location_name().clone();
            (GenerateTarget::Endpoint(endpoint), Some(location))
        }
        (TargetInput::Base(base), None) => (GenerateTarget::Base(base), None),
    };
    Ok(Command::Generate {
        connection: global.connection(location.as_ref())?,
        target,
        prompt: args.prompt,
        stream: args.stream,
    })
}

/// The training flags; the labels are counted here (each was checked as it was parsed), after
/// a repeated key keeps its last value.
fn resolve_training(t: TrainingArgs) -> Result<Training, ConfigError> {
    let labels: BTreeMap<String, String> = t.labels.into_iter().map(|l| l.into_parts()).collect();
    check_labels(labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| {
        ConfigError::Rejected {
            what: "--label",
            reason: e.to_string(),
        }
    })?;
    Ok(Training {
        train: t.train,
        validation: t.validation,
        epochs: t.epochs,
        lr_multiplier: t.lr_multiplier,
        adapter_size: t.adapter_size,
        display_name: t.display_name,
        labels,
        kms_key: t.kms_key,
        service_account: t.service_account,
        export_last_checkpoint_only: t.export_last_checkpoint_only,
        preference: (t.preference || t.beta.is_some()).then_some(t.beta),
        wait: t.wait,
        dry_run: t.dry_run,
    })
}

fn resolve_list(list: ListArgs) -> List {
    List {
        filter: non_empty(list.filter.as_deref()).map(str::to_owned),
        page_size: list.page_size.filter(|n| *n > 0),
        limit: list.limit,
    }
}

fn resolve_jobs(global: &Global, jobs: JobsArgs) -> Result<Command, ConfigError> {
    Ok(match jobs {
        JobsArgs::List(list) => Command::JobsList {
            connection: global.connection(None)?,
            list: resolve_list(list),
        },
        JobsArgs::Describe(arg) => {
            let job = global.job_name(arg.job)?;
            Command::JobsGet {
                connection: global.connection(Some(job.location_name()))?,
                job,
            }
        }
        JobsArgs::Cancel(arg) => {
            let job = global.job_name(arg.job)?;
            Command::JobsCancel {
                connection: global.connection(Some(job.location_name()))?,
                job,
            }
        }
        JobsArgs::Wait(wait) => {
            let job = global.job_name(wait.job.job)?;
            Command::JobsWait {
                connection: global.connection(Some(job.location_name()))?,
                job,
                timeout: wait.timeout,
            }
        }
    })
}

fn resolve_models(global: &Global, models: ModelsArgs) -> Result<Command, ConfigError> {
    let (arg, action) = match models {
        ModelsArgs::List(list) => {
            return Ok(Command::ModelsList {
                connection: global.connection(None)?,
                list: resolve_list(list),
            });
        }
        ModelsArgs::Describe(m) => (m.model, ModelAction::Get),
        ModelsArgs::Versions(m) => (m.model, ModelAction::Versions),
        ModelsArgs::Checkpoints(m) => (m.model, ModelAction::Checkpoints),
        ModelsArgs::Lineage(m) => (m.model, ModelAction::Lineage),
        ModelsArgs::Rebase(r) => (r.model, ModelAction::Rebase(r.display_name)),
        ModelsArgs::SetDefaultCheckpoint(s) => {
            (s.model, ModelAction::SetDefaultCheckpoint(s.checkpoint))
        }
        ModelsArgs::Alias(AliasArgs::Add(a)) => (a.model, ModelAction::AddAliases(a.aliases)),
        ModelsArgs::Alias(AliasArgs::Remove(a)) => {
            if a.aliases.iter().any(VersionAlias::is_default) {
                return Err(ConfigError::invalid(
                    "alias",
                    VersionAlias::DEFAULT.as_str(),
                    format!(
                        "the default alias is never removed, it moves: make another version the \
                         default with `retune models alias add {}@VERSION default`",
                        a.model.without_selector()
                    ),
                ));
            }
            (a.model, ModelAction::RemoveAliases(a.aliases))
        }
        ModelsArgs::Update(u) => {
            let mut update = ModelUpdate::new();
            if let Some(name) = u.display_name {
                update = update.with_display_name(name);
            }
            if let Some(description) = u.description {
                update = update.with_description(description);
            }
            if let Some(description) = u.version_description {
                update = update.with_version_description(description);
            }
            if let Some(checkpoint) = u.default_checkpoint {
                update = update.with_default_checkpoint(checkpoint);
            }
            (u.model, ModelAction::Update(update))
        }
        ModelsArgs::DeleteVersion(m) => {
            let input = m.model.to_string();
            let model = global.model_ref(m.model)?;
            let Some(VersionSelector::Id(version)) = model.selector().cloned() else {
                return Err(ConfigError::invalid(
                    "model",
                    &input,
                    "name the version to delete by number: MODEL@VERSION",
                ));
            };
            return Ok(Command::Models {
                connection: global.connection(Some(model.name().location_name()))?,
                model,
                action: ModelAction::DeleteVersion(version),
            });
        }
    };
    let input = arg.to_string();
    let model = global.model_ref(arg)?;
    match (&action, model.selector()) {
        (ModelAction::Versions | ModelAction::Lineage, Some(_)) => {
            return Err(ConfigError::invalid(
                "model",
                &input,
                "this command takes the model without @VERSION",
            ));
        }
        (ModelAction::AddAliases(_), None | Some(VersionSelector::ModelLevel)) => {
            return Err(ConfigError::invalid(
                "model",
                &input,
                "name the version to put the aliases on: MODEL@VERSION",
            ));
        }
        _ => {}
    }
    Ok(Command::Models {
        connection: global.connection(Some(model.name().location_name()))?,
        model,
        action,
    })
}

fn resolve_serve(serve: ServeArgs) -> Serve {
    Serve {
        host: serve.host,
        port: serve.port,
        gcs_dir: serve.gcs_dir,
        auth: serve.auth,
        jobs: serve.jobs,
        ca_dir: serve.ca_dir,
        data_dir: serve.data_dir,
        fsync: serve.fsync,
        snapshot_dir: serve.snapshot_dir,
        import: serve.import,
        export_on_exit: serve.export_on_exit,
        buckets: serve.buckets,
        project_numbers: serve.project_numbers,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn config(args: &[&str]) -> Result<Config, ConfigError> {
        let mut argv = vec!["retune"];
        argv.extend_from_slice(args);
        let args = Args::try_parse_from(argv)
            .map_err(|e| ConfigError::invalid("args", "", e.to_string()))?;
        Config::try_from(args)
    }

    fn model_of(args: &[&str]) -> ModelRef {
        match config(args) {
            Ok(Config {
                command: Command::Models { model, .. },
                ..
            }) => model,
            other => panic!("not a models command: {other:?}"),
        }
    }

    #[test]
    fn short_model_reference_takes_project_and_location_from_the_flags() {
        let model = model_of(&[
            "--project",
            "p",
            "--location",
            "europe-west4",
            "models",
            "describe",
            "9@golden",
        ]);
        assert_eq!(
            model.to_string(),
            "projects/p/locations/europe-west4/models/9@golden"
        );
    }

    #[test]
    fn full_model_name_carries_its_own_project_and_location() {
        let name = "projects/q/locations/us-east1/models/9%402";
        match config(&["--project", "p", "models", "get", name]) {
            Ok(Config {
                command:
                    Command::Models {
                        model, connection, ..
                    },
                ..
            }) => {
                assert_eq!(
                    model.to_string(),
                    "projects/q/locations/us-east1/models/9@2"
                );
                assert_eq!(
                    connection.location.to_string(),
                    "projects/q/locations/us-east1"
                );
            }
            other => panic!("not a models command: {other:?}"),
        }
    }

    #[test]
    fn location_defaults_to_us_central1() {
        let model = model_of(&["--project", "p", "models", "get", "9"]);
        assert_eq!(model.name().location().as_str(), DEFAULT_LOCATION);
    }

    #[test]
    fn versions_of_a_model_take_no_version() {
        let err = config(&["--project", "p", "models", "versions", "9@1"]).unwrap_err();
        assert!(err.to_string().contains("without @VERSION"), "{err}");
    }

    #[test]
    fn a_label_over_the_count_is_a_usage_error() {
        let labels: Vec<String> = (0..65).map(|i| format!("k{i}=v")).collect();
        let mut args = vec!["--project", "p", "tune", "--base-model", "gemini-2.5-flash"];
        args.extend(["--train", "gs://bucket/t.jsonl"]);
        for label in &labels[..64] {
            args.extend(["--label", label.as_str()]);
        }
        assert!(config(&args).is_ok());
        args.extend(["--label", labels[64].as_str()]);
        let err = config(&args).unwrap_err();
        assert!(err.to_string().contains("at most 64 labels"), "{err}");
    }

    #[test]
    fn empty_environment_values_count_as_unset() {
        let err = config(&["--project", " ", "jobs", "list"]).unwrap_err();
        assert_eq!(err, ConfigError::NoProject);
    }

    #[test]
    fn silent_wins_over_narration_and_json_is_parsed() {
        let c = config(&[
            "--silent", "--format", "json", "dataset", "validate", "f.jsonl",
        ])
        .expect("valid");
        assert_eq!(c.verbosity, Verbosity::Quiet);
        assert_eq!(c.format, Format::Json);
    }
}
