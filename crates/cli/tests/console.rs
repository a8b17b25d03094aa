//! `retune console` end to end: the real binary serves the console's pages on 127.0.0.1 and
//! forwards the pages' API calls, with a bearer token, to `--endpoint` (an emulator on
//! 127.0.0.1:0 that accepts only that token; nothing reaches the internet).

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use mock_vertex::{AuthMode, JobSpeed, MockVertex};
use serde_json::Value;

const TOKEN: &str = "console-test-token";

/// The `retune console` process; killed when dropped.
struct Console {
    child: Child,
    url: String,
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_console(endpoint: &str) -> Console {
    let mut child = support::bare_child()
        .args([
            "console",
            "--port",
            "0",
            "--endpoint",
            endpoint,
            "--access-token",
            TOKEN,
            "--project",
            "emulator-project",
            "--location",
            "europe-west4",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("retune console starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the ready line");
    let url = line
        .trim()
        .strip_prefix("retune console on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Console { child, url }
}

#[test]
fn retune_console_serves_the_pages_and_forwards_their_calls_with_a_bearer_token() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime
        .block_on(
            MockVertex::builder()
                .jobs(JobSpeed::Instant)
                .auth(AuthMode::Token(TOKEN.to_owned()))
                .start(),
        )
        .unwrap();
    let console = start_console(&emulator.base_url());
    let http = reqwest::Client::new();
    let get = |path: &str, marked: bool| {
        let mut request = http.get(format!("{}{path}", console.url));
        if marked {
            request = request.header("X-Retune-Console", "1");
        }
        runtime.block_on(async {
            let response = request.send().await.expect("the console answers");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (
                status,
                content_type,
                response.text().await.unwrap_or_default(),
            )
        })
    };

    // The pages and their defaults.
    let (status, content_type, page) = get("/", false);
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(page.contains("/console/app.js"), "{page}");
    let (status, _, config) = get("/console/config.json", false);
    assert_eq!(status, 200);
    let config: Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["project"], "emulator-project");
    assert_eq!(config["location"], "europe-west4");

    // A page's call is forwarded with the token (the emulator accepts nothing else).
    let models = "/v1/projects/emulator-project/locations/us-central1/models";
    let (status, _, body) = get(models, true);
    assert_eq!(status, 200, "{body}");
    let listed: Value = serde_json::from_str(&body).unwrap();
    assert!(
        listed
            .get("models")
            .is_none_or(|m| m == &serde_json::json!([])),
        "{listed}"
    );
    // The same call straight to the emulator, without the token, is refused.
    let direct = runtime.block_on(async {
        http.get(format!("{}{models}", emulator.base_url()))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    assert_eq!(direct, 401);
    let journal = emulator.emulator().requests();
    let forwarded = &journal[journal.len() - 2];
    assert_eq!(forwarded.path, models);
    assert_eq!(forwarded.status, 200);

    // Without the pages' header (a cross-site page), nothing is forwarded.
    let before = emulator.emulator().requests().len();
    let (status, _, body) = get(models, false);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("PERMISSION_DENIED"), "{body}");
    assert_eq!(emulator.emulator().requests().len(), before);

    // Paths outside the API are not forwarded either.
    let (status, _, body) = get("/computeMetadata/v1/project/project-id", true);
    assert_eq!(status, 404, "{body}");
    assert_eq!(emulator.emulator().requests().len(), before);
}
