//! A compact W3C WebDriver client over reqwest, and the chromedriver process it talks to.
//!
//! Hand-written rather than a crate (fantoccini, thirtyfour): the tests need a dozen commands,
//! reqwest and base64 are already here, and the whole protocol surface used stays readable in
//! one file. Chromium and chromedriver are Debian's (`apt-get install chromium chromium-driver`,
//! which `.ci/run` does); their paths can be set with `RETUNE_CHROMIUM` and
//! `RETUNE_CHROMEDRIVER`. A missing browser fails the test with that advice, never a skip.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// The W3C key of an element reference in WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long a wait for the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

fn find_program(env_name: &str, candidates: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env_name).map(PathBuf::from) {
        assert!(
            path.is_file(),
            "{env_name}={} is not a file; unset it to use {} from PATH",
            path.display(),
            candidates[0]
        );
        return path;
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    for name in candidates {
        for dir in dirs
            .iter()
            .map(PathBuf::as_path)
            .chain([Path::new("/usr/bin")])
        {
            let path = dir.join(name);
            if path.is_file() {
                return path;
            }
        }
    }
    panic!(
        "{} not found (looked for {candidates:?} on PATH and in /usr/bin; or set {env_name}). \
         The console's browser tests need Debian's chromium and chromedriver: \
         `apt-get update && apt-get install -y chromium chromium-driver` (.ci/run installs them).",
        candidates[0]
    );
}

/// A chromedriver process on a free loopback port; killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Driver {
    /// Starts chromedriver and waits until it answers `/status`.
    pub async fn start() -> Driver {
        let chromium = find_program("RETUNE_CHROMIUM", &["chromium", "chromium-browser"]);
        let chromedriver = find_program("RETUNE_CHROMEDRIVER", &["chromedriver"]);
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        };
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{}/status", driver.url)).send().await;
            if let Ok(response) = ready {
                let status: Value = response.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    return driver;
                }
            }
            assert!(
                started.elapsed() < WAIT,
                "chromedriver did not become ready on {}",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A new headless browser session with a 1280x800 window.
    pub async fn session(&self) -> Browser {
        let http = reqwest::Client::new();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,800",
                         "--no-first-run", "--disable-extensions", "--hide-scrollbars"],
            },
        }}});
        let reply: Value = http
            .post(format!("{}/session", self.url))
            .json(&capabilities)
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("a JSON reply");
        let id = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {reply}"))
            .to_owned();
        Browser {
            http,
            base: format!("{}/session/{id}", self.url),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
pub struct Browser {
    http: reqwest::Client,
    base: String,
}

/// An element of the page.
#[derive(Clone)]
pub struct Element(String);

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        } else if method == reqwest::Method::POST {
            request = request.json(&json!({}));
        }
        let response = request.send().await.expect("chromedriver answers");
        let status = response.status();
        let value: Value = response.json().await.expect("a JSON reply");
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {value}"
        );
        value["value"].clone()
    }

    async fn try_call(&self, path: &str, body: Value) -> Option<Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .ok()?;
        let ok = response.status().is_success();
        let value: Value = response.json().await.ok()?;
        ok.then(|| value["value"].clone())
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The first element matching `css` now, if any.
    pub async fn find_now(&self, css: &str) -> Option<Element> {
        let found = self
            .try_call("/element", json!({"using": "css selector", "value": css}))
            .await?;
        found[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned()))
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        self.wait_for(&format!("an element {css}"), || self.find_now(css))
            .await
    }

    /// Waits until `css` matches a visible element whose text contains `text`; returns that text.
    ///
    /// Read in one script, so a page re-rendering between two commands cannot leave a stale
    /// element behind.
    pub async fn wait_text(&self, css: &str, text: &str) -> String {
        self.wait_for(&format!("{css} to show {text:?}"), || async {
            let shown = self
                .execute(
                    "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText);",
                    vec![json!(css)],
                )
                .await;
            shown
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .find(|shown| shown.contains(text))
                .map(str::to_owned)
        })
        .await
    }

    /// Polls `probe` until it gives a value, failing after [`WAIT`] with `what` and the page text.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let started = Instant::now();
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            if started.elapsed() > WAIT {
                let page = self
                    .execute(
                        "return location.hash + '\\n' + document.body.innerText;",
                        vec![],
                    )
                    .await;
                panic!(
                    "timed out waiting for {what}; the page shows:\n{}",
                    page.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks `element`.
    pub async fn click(&self, element: &Element) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", element.0),
            None,
        )
        .await;
    }

    /// Waits for `css` and clicks it.
    pub async fn click_css(&self, css: &str) {
        let element = self.find(css).await;
        self.click(&element).await;
    }

    /// Replaces the value of the input matching `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/clear", element.0),
            None,
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", element.0),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// A DOM property of `element` (`value`, `hidden`, ...).
    pub async fn property(&self, element: &Element, name: &str) -> Value {
        self.call(
            reqwest::Method::GET,
            &format!("/element/{}/property/{name}", element.0),
            None,
        )
        .await
    }

    /// Presses keys (WebDriver key codes such as `\u{E004}` for Tab) on the focused element.
    pub async fn press(&self, keys: &str) {
        let actions: Vec<Value> = keys
            .chars()
            .flat_map(|k| {
                [
                    json!({"type": "keyDown", "value": k.to_string()}),
                    json!({"type": "keyUp", "value": k.to_string()}),
                ]
            })
            .collect();
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        )
        .await;
    }

    /// Resizes the window.
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await;
    }

    /// Saves a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("base64 PNG"))
            .expect("valid base64");
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("screenshot dir");
        std::fs::write(path, bytes).expect("screenshot written");
    }

    /// Ends the session (closes the browser).
    pub async fn quit(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}
