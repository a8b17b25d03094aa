//! UpdateModel (PATCH): which fields change, from the `updateMask` or, without one, from the
//! fields present in the body, checked against the level the model name targets.

use std::collections::BTreeMap;

use super::{MAX_DISPLAY_NAME_CHARS, Violation, finish, violations_error};
use crate::names::{CheckpointId, ModelRef};
use crate::registry::{UpdatableField, UpdateMaskError, check_update_mask};
use crate::{labels, wire};

/// Output-only or immutable fields of `Model`, ignored when the mask is inferred from the body
/// (clients send back what they read).
pub const OUTPUT_ONLY_MODEL_FIELDS: &[&str] = &[
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

/// The fields an UpdateModel changes (`None` = leave as is).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelUpdate {
    /// `displayName` (model level), trimmed.
    pub display_name: Option<String>,
    /// `description` (model level).
    pub description: Option<String>,
    /// `versionDescription` (version level).
    pub version_description: Option<String>,
    /// `defaultCheckpointId` (version level).
    pub default_checkpoint: Option<CheckpointId>,
    /// `labels` (the level the name targets).
    pub labels: Option<BTreeMap<String, String>>,
}

/// An UpdateModel request as received.
#[derive(Debug, Clone, Copy)]
pub struct UpdateModelRequest<'a> {
    /// The model (or version, or `@-`) the path names.
    pub model: &'a ModelRef,
    /// The `updateMask` paths, or `None` when the request has none.
    pub update_mask: Option<&'a [String]>,
    /// The JSON body, a `Model`.
    pub body: &'a [u8],
}

violations_error! {
    /// An UpdateModel request that cannot be applied: a body that does not decode, a refused
    /// mask (`update_mask`), or bad values (`model.display_name`, `model.labels[...]`, ...).
    UpdateModelError
}

/// Decodes the body and decides what the request changes.
///
/// Without an `updateMask`, the mask is the non-null fields of the body minus
/// [`OUTPUT_ONLY_MODEL_FIELDS`] (the Gen AI SDK sends no mask). The mask is checked with
/// [`check_update_mask`]; then each masked field's value: `display_name` is 1 to
/// [`MAX_DISPLAY_NAME_CHARS`] characters after trimming, `default_checkpoint_id` a checkpoint
/// id, `labels` valid labels ([`labels::check_labels`]).
///
/// ```
/// use retune_model::names::ModelRef;
/// use retune_model::request::{check_update_model, UpdateModelRequest};
/// let model: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// let update = check_update_model(UpdateModelRequest {
///     model: &model,
///     update_mask: None,
///     body: br#"{"displayName": " new ", "name": "ignored"}"#,
/// })
/// .unwrap();
/// assert_eq!(update.display_name.as_deref(), Some("new"));
///
/// let err = check_update_model(UpdateModelRequest {
///     model: &model,
///     update_mask: None,
///     body: br#"{"displayName": "", "labels": {"Bad": "x"}}"#,
/// })
/// .unwrap_err();
/// let fields: Vec<_> = err.violations().iter().map(|v| v.field.as_str()).collect();
/// assert_eq!(fields, ["model.display_name", "model.labels[\"Bad\"]"]);
/// ```
pub fn check_update_model(
    request: UpdateModelRequest<'_>,
) -> Result<ModelUpdate, UpdateModelError> {
    let body: wire::Model = wire::decode(request.body)?;
    let inferred;
    let mask: &[String] = match request.update_mask {
        Some(paths) => paths,
        None => {
            inferred = present_fields(request.body);
            &inferred
        }
    };
    let (_, fields) = check_update_mask(request.model.selector(), mask).map_err(|e| {
        let description = match &e {
            UpdateMaskError::WrongLevel { .. } => format!("UpdateModel on {}: {e}.", request.model),
            _ => format!("{e}."),
        };
        let code = e.code();
        UpdateModelError::new(vec![
            Violation::invalid("update_mask", description).with_code(code),
        ])
    })?;
    let mut violations = Vec::new();
    let mut update = ModelUpdate::default();
    for field in fields {
        match field {
            UpdatableField::DisplayName => {
                let name = body.display_name.trim();
                if name.is_empty() || name.chars().count() > MAX_DISPLAY_NAME_CHARS {
                    violations.push(Violation::invalid(
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
                match body.default_checkpoint_id.trim().parse::<CheckpointId>() {
                    Ok(id) => update.default_checkpoint = Some(id),
                    Err(e) => violations.push(Violation::invalid(
                        "model.default_checkpoint_id",
                        e.to_string(),
                    )),
                }
            }
            UpdatableField::Labels => {
                if let Err(v) = check_labels("model.labels", &body.labels) {
                    violations.push(v);
                }
                update.labels = Some(body.labels.clone());
            }
        }
    }
    finish(violations, || update, UpdateModelError::new)
}

/// The snake_case names of the non-null, settable fields of a JSON object body.
fn present_fields(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .as_ref()
        .and_then(serde_json::Value::as_object)
        .map(|o| {
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| wire::fields::camel_to_snake(k))
                .filter(|k| !OUTPUT_ONLY_MODEL_FIELDS.contains(&k.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// The labels' syntax and count ([`labels::check_labels`]); `field` is the map's path, and a
/// bad key or value is named `field["key"]`.
pub(crate) fn check_labels(
    field: &str,
    labels: &BTreeMap<String, String>,
) -> Result<(), Violation> {
    labels::check_labels(labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| {
        let field = match e.key() {
            Some(key) => format!("{field}[{key:?}]"),
            None => field.to_owned(),
        };
        Violation::invalid(field, format!("Invalid labels: {e}.")).with_code(e.code())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;

    fn check(
        model: &str,
        mask: Option<&[&str]>,
        body: &str,
    ) -> Result<ModelUpdate, UpdateModelError> {
        let model: ModelRef = model.parse().unwrap();
        let mask: Option<Vec<String>> = mask.map(|m| m.iter().map(|s| (*s).to_owned()).collect());
        check_update_model(UpdateModelRequest {
            model: &model,
            update_mask: mask.as_deref(),
            body: body.as_bytes(),
        })
    }

    const MODEL: &str = "projects/p/locations/us-central1/models/9";
    const VERSION: &str = "projects/p/locations/us-central1/models/9@2";

    #[test]
    fn version_fields_on_a_version() {
        let update = check(
            VERSION,
            Some(&["defaultCheckpointId"]),
            r#"{"defaultCheckpointId": "2"}"#,
        )
        .unwrap();
        assert_eq!(
            update.default_checkpoint.map(|c| c.to_string()).as_deref(),
            Some("2")
        );
    }

    #[test]
    fn model_fields_on_a_version_are_failed_precondition() {
        let err = check(VERSION, Some(&["displayName"]), r#"{"displayName": "x"}"#).unwrap_err();
        assert_eq!(err.code(), Code::FailedPrecondition);
        assert_eq!(err.violations()[0].field, "update_mask");
        assert!(
            err.message()
                .starts_with("UpdateModel on projects/p/locations/us-central1/models/9@2: ")
        );
    }

    #[test]
    fn output_only_fields_do_not_make_a_mask() {
        let err = check(MODEL, None, r#"{"name": "n", "etag": "e"}"#).unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(err.violations()[0].field, "update_mask");
    }

    #[test]
    fn a_wrongly_typed_body_names_the_field() {
        let err = check(MODEL, None, r#"{"labels": []}"#).unwrap_err();
        assert_eq!(err.violations()[0].field, "model.labels");
        let err = check(MODEL, None, r#"{"displayName": 5}"#).unwrap_err();
        assert_eq!(err.violations()[0].field, "model.display_name");
    }

    #[test]
    fn a_long_display_name_is_refused() {
        let long = "x".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        let err = check(MODEL, None, &format!(r#"{{"displayName": "{long}"}}"#)).unwrap_err();
        assert_eq!(err.violations()[0].field, "model.display_name");
    }
}
