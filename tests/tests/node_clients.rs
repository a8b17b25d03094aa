//! The official Node.js client (`@google-cloud/aiplatform` from npm, default gRPC transport)
//! against a real emulator over TCP, on the port that serves REST too.
//!
//! The test starts its own emulator in this process with instant jobs on a free loopback port
//! and runs `tests/node/aiplatform_grpc.js` with `RETUNE_EMULATOR_URL` pointing at it and
//! `NODE_PATH` at the clients `scripts/node-env.sh` installed (`cargo xtask test` runs it first).
//! Without them the test fails and says how to install them. The script passes only when exactly
//! the number of checks below passed, and is killed (the test fails) after `SCRIPT_TIMEOUT`.

use mock_vertex::{JobSpeed, MockVertex};
use retune_tests::node::{require_node_env, script_path};
use retune_tests::python::{EMULATOR_URL_ENV_VAR, SCRIPT_TIMEOUT, run_script};

/// Checks in `aiplatform_grpc.js`: 8 per API version, under v1beta1 and v1.
const AIPLATFORM_GRPC_CHECKS: u32 = 16;

#[test]
fn node_aiplatform_grpc_clients_tune_and_manage_versions_on_the_same_port() {
    let (node, modules) = require_node_env();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let server = runtime
        .block_on(MockVertex::builder().jobs(JobSpeed::Instant).start())
        .expect("the emulator starts on a loopback port");
    let url = server.base_url();
    let modules = modules.to_string_lossy().into_owned();
    let script = script_path("aiplatform_grpc.js");
    let run = run_script(
        &node,
        &script,
        &[
            (EMULATOR_URL_ENV_VAR, url.as_str()),
            ("NODE_PATH", modules.as_str()),
            // No probe of a Compute Engine metadata server: the test never leaves loopback.
            ("METADATA_SERVER_DETECTION", "none"),
        ],
        SCRIPT_TIMEOUT,
    )
    .unwrap_or_else(|err| {
        panic!(
            "cannot run {} with {}: {err}",
            script.display(),
            node.display()
        )
    });
    println!("{}", run.report());
    drop(server);
    run.assert_passed(AIPLATFORM_GRPC_CHECKS);
}
