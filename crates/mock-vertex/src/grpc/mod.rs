//! The gRPC face of the emulator: the Vertex AI services (`v1` and `v1beta1`
//! `GenAiTuningService`, the registry part of `ModelService`, `EndpointService` get and list,
//! `PredictionService` generate and count) and `google.longrunning.Operations`, on the same port
//! as REST.
//!
//! One behaviour, two faces: a gRPC call is decoded with the descriptors of the vendored protos
//! (`descriptors`), transcoded by its `google.api.http` binding into a REST request
//! (`transcode`) and sent through the same router as REST, in process; the JSON answer is read
//! back into the output message. Failures carry the REST error's code, message and details
//! (`status`). Methods of these services that are not emulated answer UNIMPLEMENTED; a broken
//! frame or an undecodable message INTERNAL, as gRPC servers do (`frames`). Server reflection
//! (`grpc.reflection.v1`, `v1alpha`) serves the same descriptors, so `grpcurl` needs no protos.

mod call;
mod descriptors;
mod frames;
mod operations;
mod reflection;
mod routing;
mod status;
mod transcode;

pub use descriptors::DESCRIPTOR_SET;
pub(crate) use routing::with_grpc;
