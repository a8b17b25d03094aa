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

/// The fields an UpdateModel changes (`None` = leave as is): what [`check_update_model`] returns
/// on receipt, and what a caller builds before sending.
///
/// Model-level fields (display name, description) need a model name without a version (or
/// `@-`); version-level fields (default checkpoint, version description) need a version. Labels
/// go with either. One request cannot mix the two levels ([`check_update_mask`]).
///
/// ```
/// use retune_model::request::ModelUpdate;
/// let update = ModelUpdate::new().with_display_name("bot").with_description("tuned weekly");
/// assert_eq!(update.update_mask(), "displayName,description");
/// let name = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// assert_eq!(update.to_wire(&name).display_name, "bot");
/// ```
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
    /// `etag`, when the body sends one: the update applies only if it is current
    /// (`registry::check_etag`).
    pub etag: Option<String>,
}

impl ModelUpdate {
    /// An empty update.
    pub fn new() -> ModelUpdate {
        ModelUpdate::default()
    }
    /// Model level: the display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }
    /// Model level: the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// Version level: the version description.
    pub fn with_version_description(mut self, description: impl Into<String>) -> Self {
        self.version_description = Some(description.into());
        self
    }
    /// Version level: the default checkpoint.
    pub fn with_default_checkpoint(mut self, checkpoint: CheckpointId) -> Self {
        self.default_checkpoint = Some(checkpoint);
        self
    }
    /// Either level: replaces the labels.
    pub fn with_labels(mut self, labels: BTreeMap<String, String>) -> Self {
        self.labels = Some(labels);
        self
    }

    /// The fields this update sets, in [`UpdatableField::ALL`] order.
    pub fn fields(&self) -> Vec<UpdatableField> {
        UpdatableField::ALL
            .into_iter()
            .filter(|field| match field {
                UpdatableField::DisplayName => self.display_name.is_some(),
                UpdatableField::Description => self.description.is_some(),
                UpdatableField::VersionDescription => self.version_description.is_some(),
                UpdatableField::DefaultCheckpointId => self.default_checkpoint.is_some(),
                UpdatableField::Labels => self.labels.is_some(),
            })
            .collect()
    }

    /// The `updateMask` paths of the set fields, in camelCase as the REST API spells them.
    pub fn update_mask_paths(&self) -> Vec<String> {
        self.fields()
            .into_iter()
            .map(|f| wire::fields::snake_to_camel(f.mask_path()))
            .collect()
    }

    /// The `updateMask` query value: [`ModelUpdate::update_mask_paths`] joined with commas.
    pub fn update_mask(&self) -> String {
        self.update_mask_paths().join(",")
    }

    /// The `Model` body of an UpdateModel of `model` that sends this update.
    pub fn to_wire(&self, model: &ModelRef) -> wire::Model {
        wire::Model {
            name: model.to_string(),
            display_name: self.display_name.clone().unwrap_or_default(),
            description: self.description.clone().unwrap_or_default(),
            version_description: self.version_description.clone().unwrap_or_default(),
            default_checkpoint_id: self
                .default_checkpoint
                .map(|c| c.to_string())
                .unwrap_or_default(),
            labels: self.labels.clone().unwrap_or_default(),
            ..wire::Model::default()
        }
    }
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
    let mut update = ModelUpdate {
        etag: (!body.etag.is_empty()).then(|| body.etag.clone()),
        ..ModelUpdate::default()
    };
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
    fn a_built_update_comes_back_from_its_own_body_and_mask() {
        let version: ModelRef = VERSION.parse().unwrap();
        let update = ModelUpdate::new()
            .with_version_description("v2")
            .with_default_checkpoint(CheckpointId::from_number(2))
            .with_labels(BTreeMap::from([("team".to_owned(), "nlp".to_owned())]));
        let body = wire::encode(&update.to_wire(&version), wire::EnumEncoding::Names);
        let mask = update.update_mask_paths();
        assert_eq!(
            mask,
            ["versionDescription", "defaultCheckpointId", "labels"]
        );
        let checked = check_update_model(UpdateModelRequest {
            model: &version,
            update_mask: Some(&mask),
            body: &body,
        })
        .unwrap();
        assert_eq!(checked, update);
    }

    #[test]
    fn a_long_display_name_is_refused() {
        let long = "x".repeat(MAX_DISPLAY_NAME_CHARS + 1);
        let err = check(MODEL, None, &format!(r#"{{"displayName": "{long}"}}"#)).unwrap_err();
        assert_eq!(err.violations()[0].field, "model.display_name");
    }
}
