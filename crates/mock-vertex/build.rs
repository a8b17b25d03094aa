//! Compiles the vendored googleapis protos (`proto/`) into one encoded `FileDescriptorSet` in
//! `OUT_DIR`, which the gRPC face loads at start-up (`src/grpc/descriptors.rs`).

use std::path::PathBuf;

/// The services the gRPC face serves; their import closure is what `proto/` holds.
const ROOTS: &[&str] = &[
    "google/cloud/aiplatform/v1/genai_tuning_service.proto",
    "google/cloud/aiplatform/v1/model_service.proto",
    "google/cloud/aiplatform/v1/endpoint_service.proto",
    "google/cloud/aiplatform/v1/prediction_service.proto",
    "google/cloud/aiplatform/v1/llm_utility_service.proto",
    "google/cloud/aiplatform/v1beta1/genai_tuning_service.proto",
    "google/cloud/aiplatform/v1beta1/model_service.proto",
    "google/cloud/aiplatform/v1beta1/endpoint_service.proto",
    "google/cloud/aiplatform/v1beta1/prediction_service.proto",
    "google/longrunning/operations.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
];

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let proto_dir = manifest_dir.join("proto");
    println!("cargo:rerun-if-changed=proto");
    // Encoded by protox itself, so that options it does not model (`google.api.http`) are kept.
    let encoded = protox::Compiler::new([&proto_dir])
        .and_then(|mut compiler| {
            compiler.include_imports(true);
            compiler.open_files(ROOTS)?;
            Ok(compiler.encode_file_descriptor_set())
        })
        .unwrap_or_else(|err| {
            panic!(
                "the vendored protos in {} do not compile: {err:?}",
                proto_dir.display()
            )
        });
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("descriptors.bin"), encoded).expect("OUT_DIR is writable");
}
