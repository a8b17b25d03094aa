//! Long-running operations: Get, Wait, Cancel, Delete and List. A deletion runs on the
//! emulator's clock (`emulator_policy::deletion_delay`); a rebase is done when it has created its
//! tuning job. Wait blocks until the operation is done or its timeout passes.

use bytes::Bytes;
use retune_model::names::{OperationName, OperationParent};
use retune_model::request::{Filterable, ListKind, check_list, check_wait_timeout};
use retune_model::wire;

use super::Request;
use crate::error::ApiError;
use crate::routes::ApiVersion;
use crate::state::Emulator;

/// An operation as the API version of the request shows it: the `@type` of its metadata names
/// that version's proto package (`google.cloud.aiplatform.v1beta1.DeleteOperationMetadata`).
pub(super) fn for_version(mut op: wire::Operation, version: ApiVersion) -> wire::Operation {
    for any in [op.metadata.as_mut(), op.response.as_mut()]
        .into_iter()
        .flatten()
    {
        if let Some(serde_json::Value::String(url)) = any.get_mut("@type") {
            *url = url.replace(
                "google.cloud.aiplatform.v1.",
                &format!("{}.", version.proto_package()),
            );
        }
    }
    op
}

/// GetOperation.
pub(super) fn get(
    emulator: &Emulator,
    name: &OperationName,
    request: &Request,
) -> Result<wire::Operation, ApiError> {
    emulator.with_store(|store, now| {
        Ok(for_version(
            store.operation(name)?.render(now),
            request.version,
        ))
    })
}

/// WaitOperation: blocks until the operation is done or its `timeout` passes
/// (`retune_model::request::check_wait_timeout`), then answers it as GetOperation would.
pub(super) async fn wait(
    emulator: &Emulator,
    name: &OperationName,
    request: &Request,
) -> Result<wire::Operation, ApiError> {
    let timeout = check_wait_timeout(request.query.timeout())?;
    let version = request.version;
    emulator
        .wait_operation(name, timeout, |op| for_version(op, version))
        .await
}

/// CancelOperation: cancelling a done operation is a no-op.
pub(super) fn cancel(emulator: &Emulator, name: &OperationName) -> Result<Bytes, ApiError> {
    emulator.with_store(|store, _| {
        store.operation(name)?;
        Ok(Bytes::from_static(b"{}"))
    })
}

/// DeleteOperation.
pub(super) fn delete(emulator: &Emulator, name: &OperationName) -> Result<Bytes, ApiError> {
    emulator.with_store(|store, _| {
        store.delete_operation(name)?;
        Ok(Bytes::from_static(b"{}"))
    })
}

/// What an operation exposes to `filter` (`ListKind::Operations.filter_fields()`).
struct OperationFields<'a>(&'a wire::Operation);

impl Filterable for OperationFields<'_> {
    fn field(&self, field: &str) -> Option<Option<String>> {
        match field {
            "name" => Some(Some(self.0.name.clone())),
            "done" => Some(Some(self.0.done.to_string())),
            _ => None,
        }
    }
}

/// ListOperations under a location, a model or a tuning job.
pub(super) fn list(
    emulator: &Emulator,
    parent: &OperationParent,
    request: &Request,
) -> Result<wire::ListOperationsResponse, ApiError> {
    let filter = request.query.filter();
    let list = check_list(
        ListKind::Operations,
        &parent.to_string(),
        &request.query.list_query(filter.as_deref()),
    )?;
    emulator.with_store(|store, now| {
        if let OperationParent::Model(model) = parent {
            store.model(model)?;
        }
        let items: Vec<wire::Operation> = store
            .operations_under(parent)
            .map(|op| for_version(op.render(now), request.version))
            .filter(|op| list.filter().matches(&OperationFields(op)))
            .collect();
        let (operations, next_page_token) = list.page(items);
        Ok(wire::ListOperationsResponse {
            operations,
            next_page_token,
        })
    })
}
