//! Where a tuned model comes from, as the Model Registry reports it: `Model.model_source_info`
//! and `Model.base_model_source` (`google/cloud/aiplatform/{v1,v1beta1}/model.proto`).
//!
//! A Gemini model made by a tuning job is a `GENIE` model (`ModelSourceInfo.ModelSourceType`:
//! "The Model is saved or tuned from Genie"), and its base model is a `GenieSource` ("Information
//! about the base model of Genie models"), not a `ModelGardenSource`. Observed shape of a tuned
//! Gemini model: `"modelSourceInfo": {"sourceType": "GENIE"}` with a `genieSource` in
//! `baseModelSource`. What `GenieSource.base_model_uri` holds is not documented beyond "the
//! public base model URI"; the emulator writes the base model id the tuning job named
//! (`gemini-2.5-flash`), the same id as the `google-vertex-llm-tuning-base-model-id` label.

use crate::wire::{BaseModelSource, GenieSource, ModelSourceInfo, ModelSourceType};

/// The `modelSourceInfo` and `baseModelSource` of a version tuned (directly or through a chain of
/// continuous tuning) from the foundation model `base_model_id`.
///
/// ```
/// use retune_model::registry::tuned_model_source;
/// use retune_model::wire::ModelSourceType;
/// let (info, base) = tuned_model_source("gemini-2.5-flash");
/// assert_eq!(info.source_type, Some(ModelSourceType::Genie));
/// assert!(!info.copy);
/// assert_eq!(base.genie_source.unwrap().base_model_uri, "gemini-2.5-flash");
/// assert!(base.model_garden_source.is_none());
/// ```
pub fn tuned_model_source(base_model_id: &str) -> (ModelSourceInfo, BaseModelSource) {
    let info = ModelSourceInfo {
        source_type: Some(ModelSourceType::Genie),
        ..ModelSourceInfo::default()
    };
    let base = BaseModelSource {
        genie_source: Some(GenieSource {
            base_model_uri: base_model_id.to_owned(),
        }),
        ..BaseModelSource::default()
    };
    (info, base)
}
