//! Whether a model version, or a whole model, may be deleted.

use crate::Code;
use crate::names::{ModelName, ModelRef, OperationParent, VersionId, VersionSelector};

use super::{VersionEntry, list};

/// Why a version or a model may not be deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeletionRefusal {
    /// `deleteVersion` without an explicit version id (no selector, an alias, or `@-`).
    #[error(
        "deleteVersion needs an explicit version id, such as `models/{{model}}@2`; found {found}"
    )]
    VersionIdRequired { found: String },
    /// The version does not exist.
    #[error("the model has no version {version}; its versions are {}", list(.known))]
    UnknownVersion {
        version: VersionId,
        known: Vec<VersionId>,
    },
    /// The version is the model's only one.
    #[error("version {version} is the only version of the model; use DeleteModel instead")]
    OnlyVersion { version: VersionId },
    /// The version is deployed to an endpoint.
    #[error("version {version} is deployed to an endpoint; undeploy it first")]
    VersionDeployed { version: VersionId },
    /// The version holds `default` while other versions exist.
    #[error(
        "version {version} holds the alias `default`; merge `default` into another version first"
    )]
    HoldsDefault { version: VersionId },
    /// Some version of the model is deployed.
    #[error("versions {} of the model are deployed to endpoints; undeploy them first", list(.deployed))]
    ModelDeployed { deployed: Vec<VersionId> },
}

impl DeletionRefusal {
    /// The status code: `INVALID_ARGUMENT`, `NOT_FOUND` or `FAILED_PRECONDITION`.
    pub fn code(&self) -> Code {
        match self {
            DeletionRefusal::VersionIdRequired { .. } => Code::InvalidArgument,
            DeletionRefusal::UnknownVersion { .. } => Code::NotFound,
            DeletionRefusal::OnlyVersion { .. }
            | DeletionRefusal::VersionDeployed { .. }
            | DeletionRefusal::HoldsDefault { .. }
            | DeletionRefusal::ModelDeployed { .. } => Code::FailedPrecondition,
        }
    }
}

/// Whether the version `selector` names may be deleted (`DeleteModelVersion`); on success, its id.
///
/// Refused, in this order: a selector that is not an explicit version id (the request must carry
/// `@{versionId}`); an unknown version; the model's only version (use `DeleteModel`); a deployed
/// version; the version holding `default` while other versions exist (move `default` first).
///
/// ```
/// use retune_model::names::{VersionAlias, VersionId, VersionSelector};
/// use retune_model::registry::{check_version_deletion, DeletionRefusal, VersionEntry};
/// let v = |n| VersionId::from_number(n).unwrap();
/// let versions = vec![
///     VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT]),
///     VersionEntry::new(v(2)),
/// ];
/// assert_eq!(check_version_deletion(&versions, Some(&VersionSelector::Id(v(2)))), Ok(v(2)));
/// assert!(matches!(
///     check_version_deletion(&versions, Some(&VersionSelector::Id(v(1)))),
///     Err(DeletionRefusal::HoldsDefault { .. })
/// ));
/// ```
pub fn check_version_deletion(
    versions: &[VersionEntry],
    selector: Option<&VersionSelector>,
) -> Result<VersionId, DeletionRefusal> {
    let id = match selector {
        Some(VersionSelector::Id(id)) => *id,
        Some(VersionSelector::Alias(alias)) => {
            return Err(DeletionRefusal::VersionIdRequired {
                found: format!("the alias `@{alias}`"),
            });
        }
        Some(VersionSelector::ModelLevel) => {
            return Err(DeletionRefusal::VersionIdRequired {
                found: "`@-`".to_owned(),
            });
        }
        None => {
            return Err(DeletionRefusal::VersionIdRequired {
                found: "no version".to_owned(),
            });
        }
    };
    let Some(entry) = versions.iter().find(|v| v.id == id) else {
        return Err(DeletionRefusal::UnknownVersion {
            version: id,
            known: versions.iter().map(|v| v.id).collect(),
        });
    };
    if versions.len() == 1 {
        return Err(DeletionRefusal::OnlyVersion { version: id });
    }
    if entry.deployed {
        return Err(DeletionRefusal::VersionDeployed { version: id });
    }
    if entry.is_default() {
        return Err(DeletionRefusal::HoldsDefault { version: id });
    }
    Ok(id)
}

/// Whether a model may be deleted (`DeleteModel`): refused while any version is deployed.
///
/// ```
/// use retune_model::names::VersionId;
/// use retune_model::registry::{check_model_deletion, VersionEntry};
/// let v1 = VersionEntry::new(VersionId::FIRST);
/// assert_eq!(check_model_deletion(&[v1.clone()]), Ok(()));
/// assert!(check_model_deletion(&[v1.with_deployed(true)]).is_err());
/// ```
pub fn check_model_deletion(versions: &[VersionEntry]) -> Result<(), DeletionRefusal> {
    let deployed: Vec<VersionId> = versions
        .iter()
        .filter(|v| v.deployed)
        .map(|v| v.id)
        .collect();
    if deployed.is_empty() {
        Ok(())
    } else {
        Err(DeletionRefusal::ModelDeployed { deployed })
    }
}

/// What a deletion removes, and where its operation (done at once) lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// The model.
    pub model: ModelName,
    /// The version removed, with the endpoints serving it; `None`: the whole model, with every
    /// endpoint serving any of its versions.
    pub version: Option<VersionId>,
    /// DeleteModel's operation lives under the location, DeleteModelVersion's under the model.
    pub operation_parent: OperationParent,
}

/// `DeleteModel` of `model`, which must pass [`check_model_deletion`]. The name comes from
/// [`crate::request::check_delete_model`], which refuses a name with a version.
///
/// ```
/// use retune_model::names::{ModelName, OperationParent, VersionId};
/// use retune_model::registry::{model_deletion, VersionEntry};
/// let versions = [VersionEntry::new(VersionId::FIRST)];
/// let model: ModelName = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// let deletion = model_deletion(&model, &versions).unwrap();
/// assert_eq!(deletion.version, None);
/// assert!(matches!(deletion.operation_parent, OperationParent::Location(_)));
/// assert!(model_deletion(&model, &[versions[0].clone().with_deployed(true)]).is_err());
/// ```
pub fn model_deletion(
    model: &ModelName,
    versions: &[VersionEntry],
) -> Result<Deletion, DeletionRefusal> {
    check_model_deletion(versions)?;
    Ok(Deletion {
        model: model.clone(),
        version: None,
        operation_parent: OperationParent::Location(model.location_name().clone()),
    })
}

/// `DeleteModelVersion`: the version [`check_version_deletion`] allows, its operation under the
/// model.
pub fn version_deletion(
    model: &ModelRef,
    versions: &[VersionEntry],
) -> Result<Deletion, DeletionRefusal> {
    let id = check_version_deletion(versions, model.selector())?;
    let name = model.name();
    Ok(Deletion {
        model: name.clone(),
        version: Some(id),
        operation_parent: OperationParent::Model(name.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::VersionAlias;
    use crate::registry::fixtures::{a, three_versions, v};

    #[test]
    fn deletion_rules_table() {
        let mut versions = three_versions();
        versions[1].deployed = true;
        let id = |n| Some(VersionSelector::Id(v(n)));
        let table: Vec<(Option<VersionSelector>, Result<VersionId, Code>)> = vec![
            (id(3), Ok(v(3))),
            (id(2), Err(Code::FailedPrecondition)),
            (id(1), Err(Code::FailedPrecondition)),
            (id(9), Err(Code::NotFound)),
            (None, Err(Code::InvalidArgument)),
            (
                Some(VersionSelector::Alias(a("rc"))),
                Err(Code::InvalidArgument),
            ),
            (
                Some(VersionSelector::ModelLevel),
                Err(Code::InvalidArgument),
            ),
        ];
        for (selector, expected) in table {
            let got = check_version_deletion(&versions, selector.as_ref()).map_err(|e| e.code());
            assert_eq!(got, expected, "{selector:?}");
        }
    }

    #[test]
    fn deleting_the_only_version_is_refused() {
        let versions = vec![VersionEntry::new(v(1)).with_aliases(vec![VersionAlias::DEFAULT])];
        let err = check_version_deletion(&versions, Some(&VersionSelector::Id(v(1)))).unwrap_err();
        assert_eq!(err, DeletionRefusal::OnlyVersion { version: v(1) });
        assert!(err.to_string().contains("use DeleteModel instead"));
    }

    #[test]
    fn deleting_a_deployed_version_is_refused() {
        let mut versions = three_versions();
        versions[2].deployed = true;
        let err = check_version_deletion(&versions, Some(&VersionSelector::Id(v(3)))).unwrap_err();
        assert_eq!(err, DeletionRefusal::VersionDeployed { version: v(3) });
    }

    #[test]
    fn deleting_the_default_version_while_others_exist_is_refused() {
        let err = check_version_deletion(&three_versions(), Some(&VersionSelector::Id(v(1))))
            .unwrap_err();
        assert_eq!(err, DeletionRefusal::HoldsDefault { version: v(1) });
        assert_eq!(
            err.to_string(),
            "version 1 holds the alias `default`; merge `default` into another version first"
        );
    }

    #[test]
    fn deleting_a_model_with_a_deployed_version_is_refused() {
        let mut versions = three_versions();
        assert_eq!(check_model_deletion(&versions), Ok(()));
        versions[1].deployed = true;
        versions[2].deployed = true;
        let err = check_model_deletion(&versions).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert_eq!(
            err.to_string(),
            "versions 2, 3 of the model are deployed to endpoints; undeploy them first"
        );
    }

    #[test]
    fn deletions_say_what_goes_and_where_the_operation_lives() {
        let model: ModelName = "projects/p/locations/us-central1/models/9".parse().unwrap();
        let versions = three_versions();
        let deletion = version_deletion(&model.at_version(v(2)), &versions).unwrap();
        assert_eq!(deletion.version, Some(v(2)));
        assert_eq!(
            deletion.operation_parent,
            OperationParent::Model(model.clone())
        );
        assert!(version_deletion(&model.clone().into(), &versions).is_err());

        let deletion = model_deletion(&model, &versions).unwrap();
        assert_eq!(deletion.version, None);
        assert_eq!(
            deletion.operation_parent,
            OperationParent::Location(model.location_name().clone())
        );
        // A DeleteModel naming a version is refused once, by its request validator.
        for selector in ["@2", "@rc", "@-"] {
            let named: ModelRef = format!("{model}{selector}").parse().unwrap();
            let err = crate::request::check_delete_model(&named).unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{selector}");
            assert!(err.to_string().contains(":deleteVersion"), "{err}");
        }
    }
}
