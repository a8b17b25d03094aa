//! Long-running operations: `OperationId`, the parent an operation hangs under, and
//! `{parent}/operations/{operation}`.

use std::fmt;
use std::str::FromStr;

use super::{
    EndpointName, Located, LocationId, LocationName, ModelName, NameError, NameKind, ProjectId,
    Reason, TuningJobName, parse_decimal, wrap,
};

/// An operation id: a server-generated decimal number.
///
/// ```
/// use retune_model::names::OperationId;
/// assert_eq!("5".parse::<OperationId>(), Ok(OperationId::from_number(5)));
/// assert!("op-5".parse::<OperationId>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationId(u64);

number_id!(OperationId, NameKind::OperationId, "operation id");

/// The resource an operation hangs under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationParent {
    /// `projects/{p}/locations/{l}/operations/{op}`.
    Location(LocationName),
    /// `projects/{p}/locations/{l}/models/{m}/operations/{op}`.
    Model(ModelName),
    /// `projects/{p}/locations/{l}/tuningJobs/{t}/operations/{op}`.
    TuningJob(TuningJobName),
    /// `projects/{p}/locations/{l}/endpoints/{e}/operations/{op}`.
    Endpoint(EndpointName),
}

fn parent_location(parent: &OperationParent) -> &LocationName {
    match parent {
        OperationParent::Location(l) => l,
        OperationParent::Model(m) => m.location_name(),
        OperationParent::TuningJob(t) => t.location_name(),
        OperationParent::Endpoint(e) => e.location_name(),
    }
}

located!(OperationParent, |p| parent_location(p));

impl fmt::Display for OperationParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OperationParent::Location(l) => l.fmt(f),
            OperationParent::Model(m) => m.fmt(f),
            OperationParent::TuningJob(t) => t.fmt(f),
            OperationParent::Endpoint(e) => e.fmt(f),
        }
    }
}

/// A long-running operation: `{parent}/operations/{operation}`, where the parent is a location,
/// a model, a tuning job or an endpoint (the http rules of `google.longrunning.Operations` in
/// `aiplatform_v1.yaml`).
///
/// ```
/// use retune_model::names::{OperationName, OperationParent};
/// let op: OperationName =
///     "projects/p1/locations/us-central1/models/9/operations/77".parse().unwrap();
/// assert!(matches!(op.parent(), OperationParent::Model(_)));
/// assert_eq!(op.operation_id().get(), 77);
/// assert!("projects/p1/locations/us-central1/operations/77".parse::<OperationName>().is_ok());
/// assert!("projects/p1/locations/us-central1/endpoints/1/operations/77"
///     .parse::<OperationName>()
///     .is_ok());
/// assert!("projects/p1/locations/us-central1/datasets/1/operations/77"
///     .parse::<OperationName>()
///     .is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationName {
    parent: OperationParent,
    operation: OperationId,
}

impl OperationName {
    /// Operation `operation` under `parent`.
    pub fn new(parent: OperationParent, operation: OperationId) -> OperationName {
        OperationName { parent, operation }
    }

    /// The resource the operation hangs under.
    pub fn parent(&self) -> &OperationParent {
        &self.parent
    }

    /// The operation id.
    pub fn operation_id(&self) -> OperationId {
        self.operation
    }
}

located!(OperationName, |n| n.parent.location_name());

impl fmt::Display for OperationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/operations/{}", self.parent, self.operation)
    }
}

fn parse_operation(s: &str) -> Result<OperationName, Reason> {
    let parts: Vec<&str> = s.split('/').collect();
    let (parent, op) = match parts.as_slice() {
        ["projects", p, "locations", l, "operations", op] => (
            OperationParent::Location(LocationName::from_parts(p, l)?),
            op,
        ),
        ["projects", p, "locations", l, "models", m, "operations", op] => {
            (OperationParent::Model(ModelName::from_parts(p, l, m)?), op)
        }
        [
            "projects",
            p,
            "locations",
            l,
            "tuningJobs",
            t,
            "operations",
            op,
        ] => (
            OperationParent::TuningJob(TuningJobName::from_parts(p, l, t)?),
            op,
        ),
        [
            "projects",
            p,
            "locations",
            l,
            "endpoints",
            e,
            "operations",
            op,
        ] => {
            let endpoint: EndpointName = format!("projects/{p}/locations/{l}/endpoints/{e}")
                .parse()
                .map_err(|err: NameError| err.to_string())?;
            (OperationParent::Endpoint(endpoint), op)
        }
        _ => {
            return Err("expected projects/{project}/locations/{location}\
                 [/models/{model}|/tuningJobs/{tuning_job}|/endpoints/{endpoint}]\
                 /operations/{operation}"
                .to_owned());
        }
    };
    let operation = OperationId(parse_decimal(op, "operation id")?);
    Ok(OperationName { parent, operation })
}

impl FromStr for OperationName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        wrap(s, NameKind::OperationName, parse_operation(s))
    }
}
