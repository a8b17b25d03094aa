//! The web console end to end in headless Chromium, against the emulator on 127.0.0.1:0: the
//! console flow of continuous tuning, refusals with every reason, hostile input shown as text,
//! and a screenshot of each page in `target/console-screenshots/`.

mod webdriver;

use std::path::PathBuf;
use std::time::Duration;

use mock_vertex::{JobSpeed, JobTarget, MockVertex};
use retune_model::names::TuningJobName;
use webdriver::{Browser, Driver};

/// Where the screenshots go (a test artifact).
fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("console-screenshots")
}

async fn shot(browser: &Browser, name: &str) {
    // Let the layout settle (fonts, the focus ring) before the picture.
    tokio::time::sleep(Duration::from_millis(100)).await;
    browser
        .screenshot(&screenshots().join(format!("{name}.png")))
        .await;
}

/// The current `#/...` route.
async fn hash(browser: &Browser) -> String {
    browser
        .execute("return location.hash;", vec![])
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits for the hash to start with `prefix`; returns it.
async fn wait_hash(browser: &Browser, prefix: &str) -> String {
    browser
        .wait_for(&format!("the route {prefix}"), || async {
            let now = hash(browser).await;
            now.starts_with(prefix).then_some(now)
        })
        .await
}

/// The model id and version of the "Model version made" link on a job's page.
async fn made_version(browser: &Browser) -> (String, String) {
    let link = browser.find("#made-version").await;
    let href = browser.property(&link, "href").await;
    let href = href.as_str().unwrap_or_default();
    let route = href.split_once("#/models/").expect("a version link").1;
    let (model, version) = route.split_once("/versions/").expect("a version link");
    (model.to_owned(), version.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_continues_a_tuned_model_from_a_chosen_checkpoint() {
    let server = MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let driver = Driver::start().await;
    let browser = driver.session().await;

    // Create tuned model > Tune a foundation model > Continue > the tuning form.
    browser.goto(&format!("{base}/#/create")).await;
    browser.wait_text("h1", "Create tuned model").await;
    browser.fill("#base-model", "gemini-2.5-flash").await;
    shot(&browser, "01-create-foundation").await;
    browser.click_css("#continue").await;
    browser.fill("#epochs", "3").await;
    browser.fill("#display-name", "support-bot").await;
    shot(&browser, "02-tuning-form").await;
    server.emulator().hold_job(JobTarget::Next).unwrap();
    browser.click_css("#start-tuning").await;
    let job_route = wait_hash(&browser, "#/jobs/").await;

    // The job's page while it waits, then live as it finishes.
    browser.wait_text("#job-state", "pending").await;
    browser.wait_text("#job-state", "live").await;
    shot(&browser, "03-job-running").await;
    let job_id = job_route.trim_start_matches("#/jobs/");
    let job: TuningJobName =
        format!("projects/emulator-project/locations/us-central1/tuningJobs/{job_id}")
            .parse()
            .unwrap();
    server.emulator().release_job(&job).unwrap();
    browser.wait_text("#job-state", "succeeded").await;
    browser.wait_text("main", "Data set statistics").await;
    browser.wait_text("main table", "Input tokens").await;
    shot(&browser, "04-job-succeeded").await;
    let (model, first) = made_version(&browser).await;
    assert_eq!(first, "1");

    // The version page: checkpoints with the default one marked.
    browser.click_css("#made-version").await;
    browser.wait_text("h1", "support-bot · Version 1").await;
    let default_row = browser.wait_text("main tr", "Default checkpoint").await;
    assert!(
        default_row.starts_with("3 default"),
        "checkpoint 3 is the default, marked: {default_row}"
    );
    browser
        .wait_text("main tr", "Set as default checkpoint")
        .await;
    shot(&browser, "05-version-checkpoints").await;

    // Create tuned model > Tune a pre-tuned model: the Checkpoint drop-down, default selected.
    browser.goto(&format!("{base}/#/create")).await;
    browser.click_css("#source-pretuned").await;
    browser
        .click_css(&format!("#pretuned-model option[value='{model}']"))
        .await;
    browser
        .wait_text("#pretuned-version", "Version 1 (default)")
        .await;
    let checkpoint = browser.find("#checkpoint").await;
    browser
        .wait_for("the default checkpoint selected", || async {
            (browser.property(&checkpoint, "value").await == "3").then_some(())
        })
        .await;
    let field = browser.find("#checkpoint-field").await;
    assert_eq!(browser.property(&field, "hidden").await, false);
    browser.click_css("#checkpoint option[value='2']").await;
    assert_eq!(browser.property(&checkpoint, "value").await, "2");
    shot(&browser, "06-create-pretuned-checkpoint").await;
    browser.click_css("#continue").await;
    browser.wait_text("#start-point", "checkpoint 2").await;
    browser.fill("#epochs", "2").await;
    browser.click_css("#start-tuning").await;
    wait_hash(&browser, "#/jobs/").await;
    browser.wait_text("#job-state", "succeeded").await;
    let (same_model, second) = made_version(&browser).await;
    assert_eq!(
        (same_model.as_str(), second.as_str()),
        (model.as_str(), "2")
    );

    // Version 2 under the same model.
    browser.goto(&format!("{base}/#/models/{model}")).await;
    browser.wait_text("main table", "Version 2").await;
    browser.wait_text("main table", "Version 1").await;
    shot(&browser, "07-model-versions").await;
    browser.goto(&format!("{base}/#/models")).await;
    browser.wait_text("main table", "support-bot").await;
    shot(&browser, "08-model-registry").await;

    // Its lineage: foundation model > version 1 > checkpoint 2 > version 2.
    browser.goto(&format!("{base}/#/lineage/{model}")).await;
    let tree = browser.wait_text("#lineage", "version 2").await;
    let foundation = tree.find("gemini-2.5-flash").expect("the foundation model");
    let v1 = tree.find("support-bot · version 1").expect("version 1");
    let edge = tree
        .find("continued from checkpoint 2 (epoch 2, step 6)")
        .expect("the checkpoint version 2 came from");
    let v2 = tree.find("support-bot · version 2").expect("version 2");
    assert!(foundation < v1 && v1 < edge && edge < v2, "{tree}");
    shot(&browser, "09-lineage").await;

    // The version page's edits: set the default checkpoint, add, move and remove an alias, set a label.
    browser
        .goto(&format!("{base}/#/models/{model}/versions/1"))
        .await;
    browser.click_css("button[data-checkpoint='1']").await;
    browser.wait_text("#version-status", "Saved").await;
    let default_row = browser.wait_text("main tr", "Default checkpoint").await;
    assert!(default_row.starts_with("1 default"), "{default_row}");
    browser.fill("#alias-input", "golden").await;
    browser
        .click_css("form[aria-label='Add or move an alias'] button")
        .await;
    browser.wait_text("#version-status", "Saved").await;
    browser.wait_text("main table", "golden").await;
    browser
        .goto(&format!("{base}/#/models/{model}/versions/2"))
        .await;
    browser.wait_text("h1", "Version 2").await;
    browser.fill("#alias-input", "golden").await;
    browser
        .click_css("form[aria-label='Add or move an alias'] button")
        .await;
    browser.wait_text("main table", "golden").await;
    browser.goto(&format!("{base}/#/models/{model}")).await;
    let rows = browser.wait_text("main table", "golden").await;
    let golden_row = rows
        .lines()
        .find(|l| l.contains("golden"))
        .unwrap_or_default();
    assert!(
        golden_row.starts_with("Version 2"),
        "golden moved to version 2: {rows}"
    );
    browser
        .goto(&format!("{base}/#/models/{model}/versions/2"))
        .await;
    browser
        .click_css("button[aria-label='Remove alias golden']")
        .await;
    browser.wait_text("#version-status", "Saved").await;
    let aliases = browser.wait_text("main table", "Alias").await;
    assert!(!aliases.contains("golden"), "{aliases}");
    browser.fill("#label-key", "team").await;
    browser.fill("#label-value", "support").await;
    browser
        .click_css("form[aria-label='Set a label'] button")
        .await;
    browser.wait_text("#version-status", "Saved").await;
    browser.wait_text("main table", "support").await;

    // A refused continuation: the form's own checks, every reason at once...
    browser
        .goto(&format!("{base}/#/create?model={model}&version=2"))
        .await;
    browser.wait_text("#pretuned-version", "Version 2").await;
    browser.click_css("#continue").await;
    browser
        .fill("#training-uri", "http://example.com/data.jsonl")
        .await;
    browser.fill("#epochs", "-1").await;
    browser.click_css("#start-tuning").await;
    let local = browser.wait_text(".refusal", "Epochs").await;
    assert!(local.contains("is not a gs://bucket/object URI"), "{local}");
    assert!(
        local.contains("\"-1\" is not a whole number above 0"),
        "{local}"
    );
    // ...and the API's reasons, after submitting.
    browser
        .fill(
            "#training-uri",
            "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl",
        )
        .await;
    browser.fill("#epochs", "1").await;
    browser
        .fill(
            "#kms-key",
            "projects/emulator-project/locations/us-central1/keyRings/ring/cryptoKeys/other",
        )
        .await;
    browser.click_css("#start-tuning").await;
    let refused = browser.wait_text(".refusal", "Refused by the API").await;
    assert!(
        refused.contains("continuous tuning must use the same KMS key"),
        "{refused}"
    );
    assert_eq!(
        hash(&browser).await,
        format!("#/create?model={model}&version=2")
    );
    shot(&browser, "10-refused-continuation").await;

    // Tuning jobs: both, with their states.
    browser.goto(&format!("{base}/#/jobs")).await;
    let jobs = browser.wait_text("main table", "succeeded").await;
    assert_eq!(jobs.matches("succeeded").count(), 2, "{jobs}");
    shot(&browser, "11-tuning-jobs").await;

    // Test: a checkpoint's endpoint answers the prompt.
    browser.goto(&format!("{base}/#/test")).await;
    browser.click_css("#endpoint option:nth-child(2)").await;
    browser
        .fill("#prompt", "What is the capital of Australia?")
        .await;
    browser.click_css("#send").await;
    let answer = browser.wait_text("#answer", "Canberra").await;
    assert!(!answer.is_empty());
    browser.wait_text("main", "checkpoints/").await;
    shot(&browser, "12-test").await;

    // Phone width: the version page reflows without a horizontal scroll bar.
    browser.resize(390, 844).await;
    browser
        .goto(&format!("{base}/#/models/{model}/versions/1"))
        .await;
    browser.wait_text("main", "Checkpoints").await;
    let overflow = browser
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await;
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "horizontal overflow: {overflow}"
    );
    shot(&browser, "13-version-phone").await;

    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_driven_by_keyboard_with_labelled_controls() {
    let server = MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await
        .unwrap();
    let driver = Driver::start().await;
    let browser = driver.session().await;
    browser
        .goto(&format!("{}/#/create", server.base_url()))
        .await;
    browser.wait_text("h1", "Create tuned model").await;
    // Every form control has a label (wrapping it, or aria-label).
    let unlabelled = browser
        .execute(
            "return [...document.querySelectorAll('input, select, textarea')]
               .filter(c => c.type !== 'hidden' && !c.closest('label') && !c.getAttribute('aria-label')
                 && !(c.id && document.querySelector(`label[for='${c.id}']`)))
               .map(c => c.id || c.name);",
            vec![],
        )
        .await;
    assert_eq!(
        unlabelled,
        serde_json::json!([]),
        "controls without a label"
    );
    // Tab from the top reaches the skip link first, then the sections.
    browser
        .execute("document.activeElement.blur();", vec![])
        .await;
    browser.press("\u{E004}").await;
    let first = browser
        .execute("return document.activeElement.textContent;", vec![])
        .await;
    assert_eq!(first, "Skip to content");
    browser.press("\u{E004}\u{E004}\u{E004}").await;
    let third = browser
        .execute("return document.activeElement.textContent;", vec![])
        .await;
    assert_eq!(third, "Tuning jobs");
    // Enter follows the focused link.
    browser.press("\u{E007}").await;
    wait_hash(&browser, "#/jobs").await;
    browser.wait_text("h1", "Tuning jobs").await;
    // The header's location applies to the next calls, and is remembered on reload.
    browser.fill("#location", "europe-west4").await;
    browser.click_css("#where button").await;
    browser
        .wait_for("a call in europe-west4", || async {
            server
                .emulator()
                .requests()
                .iter()
                .any(|r| r.path.contains("/locations/europe-west4/tuningJobs"))
                .then_some(())
        })
        .await;
    browser
        .execute(
            "document.body.dataset.before = 'reload'; location.reload();",
            vec![],
        )
        .await;
    browser
        .wait_for("the page reloaded", || async {
            let marker = browser
                .execute(
                    "return document.body && document.body.dataset.before;",
                    vec![],
                )
                .await;
            marker.is_null().then_some(())
        })
        .await;
    browser.wait_text("h1", "Tuning jobs").await;
    let location = browser.find("#location").await;
    assert_eq!(browser.property(&location, "value").await, "europe-west4");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_and_labels_are_shown_as_text_and_run_no_script() {
    const NAME: &str =
        "<img src=x onerror=\"window.__pwned='img'\"><script>window.__pwned='script'</script>";
    const LABEL: &str = "a\"b'c<script>window.__pwned='label'</script>";
    let server = MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let driver = Driver::start().await;
    let browser = driver.session().await;

    browser.goto(&format!("{base}/#/create")).await;
    browser.fill("#base-model", "gemini-2.5-flash").await;
    browser.click_css("#continue").await;
    browser.fill("#display-name", NAME).await;
    browser.click_css("#start-tuning").await;
    wait_hash(&browser, "#/jobs/").await;
    browser.wait_text("#job-state", "succeeded").await;
    let (model, _) = made_version(&browser).await;

    let no_script_ran = || async {
        let pwned = browser
            .execute(
                "return [typeof window.__pwned, document.querySelectorAll('main img, main script').length];",
                vec![],
            )
            .await;
        assert_eq!(
            pwned,
            serde_json::json!(["undefined", 0]),
            "markup ran or was parsed"
        );
    };
    // The name shows literally on every page that shows it.
    for route in [
        format!(
            "#/jobs/{}",
            hash(&browser).await.trim_start_matches("#/jobs/")
        ),
        "#/jobs".to_owned(),
        "#/models".to_owned(),
        format!("#/models/{model}"),
        format!("#/models/{model}/versions/1"),
        format!("#/lineage/{model}"),
        "#/test".to_owned(),
    ] {
        browser.goto(&format!("{base}/{route}")).await;
        browser.wait_text("main", NAME).await;
        no_script_ran().await;
    }
    shot(&browser, "20-hostile-name").await;

    // A label with quotes and markup: the API's refusal repeats it, as text.
    browser
        .goto(&format!("{base}/#/models/{model}/versions/1"))
        .await;
    browser.fill("#label-key", "team").await;
    browser.fill("#label-value", LABEL).await;
    browser
        .click_css("#label-value ~ button, form[aria-label='Set a label'] button")
        .await;
    let refused = browser.wait_text(".refusal", "labels").await;
    // The API quotes the value as a Rust string (`\"`); the markup in it is shown as text.
    assert!(
        refused.contains("b'c<script>window.__pwned='label'</script>"),
        "the refusal names the value literally: {refused}"
    );
    no_script_ran().await;
    // An alias with quotes, the same.
    browser
        .fill("#alias-input", "x\"><script>window.__pwned=1</script>")
        .await;
    browser
        .click_css("form[aria-label='Add or move an alias'] button")
        .await;
    browser.wait_text(".refusal", "<script>").await;
    no_script_ran().await;
    shot(&browser, "21-hostile-label").await;
    browser.quit().await;
}
