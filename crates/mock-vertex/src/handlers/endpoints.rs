//! Endpoints: GetEndpoint (an endpoint exists for each deployed checkpoint).

use retune_model::names::EndpointName;
use retune_model::wire;

use crate::error::ApiError;
use crate::render;
use crate::state::Emulator;

/// GetEndpoint.
pub(super) fn get(emulator: &Emulator, name: &EndpointName) -> Result<wire::Endpoint, ApiError> {
    emulator.with_store(|store, _| Ok(render::endpoint(store.endpoint(name)?)))
}
