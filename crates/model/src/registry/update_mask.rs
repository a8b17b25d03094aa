//! UpdateModel: which level of a model (the model or one version) a request changes, and
//! whether its update mask fits that level.

use std::fmt;

use crate::Code;
use crate::names::VersionSelector;

/// Which level of a model an UpdateModel request changes, decided by the name it targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpdateLevel {
    /// A bare model name or `@-`: the model's own fields.
    Model,
    /// `@{versionId}` or `@{alias}`: that version's fields.
    Version,
}

impl UpdateLevel {
    /// The level a request naming `selector` updates.
    pub fn of_selector(selector: Option<&VersionSelector>) -> UpdateLevel {
        match selector {
            None | Some(VersionSelector::ModelLevel) => UpdateLevel::Model,
            Some(VersionSelector::Id(_) | VersionSelector::Alias(_)) => UpdateLevel::Version,
        }
    }
}

impl fmt::Display for UpdateLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UpdateLevel::Model => "model-level",
            UpdateLevel::Version => "version-level",
        })
    }
}

/// A field of `Model` that UpdateModel may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UpdatableField {
    /// `displayName` (model level).
    DisplayName,
    /// `description` (model level).
    Description,
    /// `versionDescription` (version level).
    VersionDescription,
    /// `defaultCheckpointId` (version level: a checkpoint belongs to a version, spec §11.14).
    DefaultCheckpointId,
    /// `labels` (either level; model and version labels are merged on read).
    Labels,
}

impl UpdatableField {
    /// Every updatable field.
    pub const ALL: [UpdatableField; 5] = [
        UpdatableField::DisplayName,
        UpdatableField::Description,
        UpdatableField::VersionDescription,
        UpdatableField::DefaultCheckpointId,
        UpdatableField::Labels,
    ];

    /// The `updateMask` path, in snake_case (`display_name`).
    pub fn mask_path(self) -> &'static str {
        match self {
            UpdatableField::DisplayName => "display_name",
            UpdatableField::Description => "description",
            UpdatableField::VersionDescription => "version_description",
            UpdatableField::DefaultCheckpointId => "default_checkpoint_id",
            UpdatableField::Labels => "labels",
        }
    }

    /// The field an `updateMask` path names, given in camelCase or snake_case.
    pub fn from_mask_path(path: &str) -> Option<UpdatableField> {
        let snake = crate::wire::fields::camel_to_snake(path.trim());
        UpdatableField::ALL
            .into_iter()
            .find(|f| f.mask_path() == snake)
    }

    /// The only level this field may be changed at, or `None` for either (`labels`).
    pub fn level(self) -> Option<UpdateLevel> {
        match self {
            UpdatableField::DisplayName | UpdatableField::Description => Some(UpdateLevel::Model),
            UpdatableField::VersionDescription | UpdatableField::DefaultCheckpointId => {
                Some(UpdateLevel::Version)
            }
            UpdatableField::Labels => None,
        }
    }
}

/// Why an UpdateModel field mask is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateMaskError {
    /// No field to update.
    #[error(
        "UpdateModel needs at least one field to update (give updateMask, or set fields in the body)"
    )]
    Empty,
    /// A path that is not an updatable field.
    #[error(
        "field {path:?} cannot be updated with UpdateModel; the updatable fields are display_name, description, version_description, default_checkpoint_id and labels"
    )]
    UnknownField {
        /// The path as given.
        path: String,
    },
    /// Fields of the other level than the one the name targets.
    #[error(
        "this request updates {level} fields only; {} cannot be updated in the same request ({})",
        .fields.iter().map(|f| f.mask_path()).collect::<Vec<_>>().join(", "),
        match .level {
            UpdateLevel::Model => "name a version, such as models/{model}@1, to update them",
            UpdateLevel::Version => "name the model without a version, or with @-, to update them",
        }
    )]
    WrongLevel {
        /// The level the name targets.
        level: UpdateLevel,
        /// The fields of the other level.
        fields: Vec<UpdatableField>,
    },
}

impl UpdateMaskError {
    /// `INVALID_ARGUMENT` for an empty mask or an unknown path; `FAILED_PRECONDITION` when the
    /// name and the fields disagree on the level (the `UpdateModelRequest` documentation).
    pub fn code(&self) -> Code {
        match self {
            UpdateMaskError::Empty | UpdateMaskError::UnknownField { .. } => Code::InvalidArgument,
            UpdateMaskError::WrongLevel { .. } => Code::FailedPrecondition,
        }
    }
}

/// The fields an UpdateModel request changes, checked against the level its name targets.
///
/// `paths` are the `updateMask` paths (camelCase or snake_case), or, without a mask, the fields
/// present in the body. The result lists each field once, in [`UpdatableField::ALL`] order.
/// Refused: no path; a path that is not updatable (first one wins); fields of the other level
/// (all of them, in one error).
///
/// ```
/// use retune_model::names::{VersionId, VersionSelector};
/// use retune_model::registry::{check_update_mask, UpdatableField, UpdateLevel, UpdateMaskError};
/// let v2 = VersionSelector::Id(VersionId::from_number(2).unwrap());
/// assert_eq!(
///     check_update_mask(Some(&v2), &["defaultCheckpointId", "labels"]),
///     Ok((UpdateLevel::Version, vec![UpdatableField::DefaultCheckpointId, UpdatableField::Labels]))
/// );
/// let err = check_update_mask(None, &["displayName", "version_description"]).unwrap_err();
/// assert_eq!(err, UpdateMaskError::WrongLevel {
///     level: UpdateLevel::Model,
///     fields: vec![UpdatableField::VersionDescription],
/// });
/// ```
pub fn check_update_mask<S: AsRef<str>>(
    selector: Option<&VersionSelector>,
    paths: &[S],
) -> Result<(UpdateLevel, Vec<UpdatableField>), UpdateMaskError> {
    let level = UpdateLevel::of_selector(selector);
    let mut fields = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let field =
            UpdatableField::from_mask_path(path).ok_or_else(|| UpdateMaskError::UnknownField {
                path: path.to_owned(),
            })?;
        fields.push(field);
    }
    if fields.is_empty() {
        return Err(UpdateMaskError::Empty);
    }
    fields.sort_unstable();
    fields.dedup();
    let wrong: Vec<UpdatableField> = fields
        .iter()
        .copied()
        .filter(|f| f.level().is_some_and(|l| l != level))
        .collect();
    if wrong.is_empty() {
        Ok((level, fields))
    } else {
        Err(UpdateMaskError::WrongLevel {
            level,
            fields: wrong,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::{a, v};

    #[test]
    fn update_mask_level_table() {
        use UpdatableField as F;
        let id = VersionSelector::Id(v(2));
        let alias = VersionSelector::Alias(a("golden"));
        let model = VersionSelector::ModelLevel;
        type Want = Result<(UpdateLevel, Vec<UpdatableField>), Code>;
        let cases: Vec<(Option<&VersionSelector>, Vec<&str>, Want)> = vec![
            (
                None,
                vec!["displayName"],
                Ok((UpdateLevel::Model, vec![F::DisplayName])),
            ),
            (
                Some(&model),
                vec!["description", "labels"],
                Ok((UpdateLevel::Model, vec![F::Description, F::Labels])),
            ),
            (
                None,
                vec!["labels"],
                Ok((UpdateLevel::Model, vec![F::Labels])),
            ),
            (
                Some(&id),
                vec!["labels"],
                Ok((UpdateLevel::Version, vec![F::Labels])),
            ),
            (
                Some(&id),
                vec!["version_description", "defaultCheckpointId"],
                Ok((
                    UpdateLevel::Version,
                    vec![F::VersionDescription, F::DefaultCheckpointId],
                )),
            ),
            (
                Some(&alias),
                vec!["default_checkpoint_id", "default_checkpoint_id"],
                Ok((UpdateLevel::Version, vec![F::DefaultCheckpointId])),
            ),
            (
                None,
                vec!["defaultCheckpointId"],
                Err(Code::FailedPrecondition),
            ),
            (
                Some(&model),
                vec!["versionDescription"],
                Err(Code::FailedPrecondition),
            ),
            (
                Some(&id),
                vec!["displayName"],
                Err(Code::FailedPrecondition),
            ),
            (
                Some(&alias),
                vec!["description", "labels"],
                Err(Code::FailedPrecondition),
            ),
            (None, vec![], Err(Code::InvalidArgument)),
            (None, vec!["name"], Err(Code::InvalidArgument)),
            (
                Some(&id),
                vec!["versionAliases"],
                Err(Code::InvalidArgument),
            ),
            (
                None,
                vec!["labels", "display_name.x"],
                Err(Code::InvalidArgument),
            ),
        ];
        for (selector, paths, want) in cases {
            let got = check_update_mask(selector, &paths).map_err(|e| e.code());
            assert_eq!(got, want, "{selector:?} {paths:?}");
        }
    }

    #[test]
    fn wrong_level_names_every_offending_field_and_the_way_out() {
        let err = check_update_mask(
            Some(&VersionSelector::Id(v(1))),
            &["displayName", "description", "labels"],
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("display_name, description"), "{message}");
        assert!(message.contains("@-"), "{message}");
        assert!(!message.contains("labels"), "{message}");
    }

    #[test]
    fn mask_paths_round_trip_in_both_spellings() {
        for field in UpdatableField::ALL {
            assert_eq!(
                UpdatableField::from_mask_path(field.mask_path()),
                Some(field)
            );
        }
        assert_eq!(
            UpdatableField::from_mask_path("versionDescription"),
            Some(UpdatableField::VersionDescription)
        );
    }
}
