//! Endpoints: GetEndpoint and ListEndpoints (an endpoint exists for each deployed checkpoint;
//! its `deployedModels` name the model version and checkpoint it serves).

use retune_model::names::{EndpointName, LocationName};
use retune_model::wire;

use crate::error::ApiError;
use crate::render;
use crate::state::Emulator;

/// GetEndpoint.
pub(super) fn get(emulator: &Emulator, name: &EndpointName) -> Result<wire::Endpoint, ApiError> {
    emulator.with_store(|store, _| Ok(render::endpoint(&*store.endpoint(name)?)))
}

/// ListEndpoints: every endpoint of the location, by id, on one page.
pub(super) fn list(emulator: &Emulator, parent: &LocationName) -> wire::ListEndpointsResponse {
    emulator
        .with_store(|store, _| {
            Ok::<_, ApiError>(wire::ListEndpointsResponse {
                endpoints: store
                    .endpoints_in(parent)
                    .iter()
                    .map(|e| render::endpoint(e))
                    .collect(),
                next_page_token: String::new(),
            })
        })
        .unwrap_or_default()
}
