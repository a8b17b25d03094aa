//! DeleteModel: the whole model, named without a version (one version is DeleteModelVersion,
//! whose checks need the registry: `registry::check_version_deletion`).

use super::{Violation, violations_error};
use crate::names::{ModelName, ModelRef};

violations_error! {
    /// A DeleteModel request naming a version (`name`).
    DeleteModelError
}

/// The model a DeleteModel request deletes: its name must carry no version.
///
/// ```
/// use retune_model::names::ModelRef;
/// use retune_model::request::check_delete_model;
/// let bare: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// assert_eq!(check_delete_model(&bare).unwrap().to_string(), "projects/p/locations/us-central1/models/9");
/// let v2: ModelRef = "projects/p/locations/us-central1/models/9@2".parse().unwrap();
/// assert_eq!(check_delete_model(&v2).unwrap_err().violations()[0].field, "name");
/// ```
pub fn check_delete_model(model: &ModelRef) -> Result<&ModelName, DeleteModelError> {
    match model.selector() {
        None => Ok(model.name()),
        Some(_) => Err(DeleteModelError::new(vec![Violation::invalid(
            "name",
            format!(
                "DeleteModel takes a model name without a version, such as {}; use \
                 :deleteVersion to delete one version.",
                model.name()
            ),
        )])),
    }
}
