//! Tidy checks: the invariants of `ARCHITECTURE.md` and `STYLE.md` as tests, so `cargo test` equals CI.

use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_sources() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let offenders: Vec<_> = all_sources()
        .into_iter()
        .filter(|p| {
            let text = fs::read_to_string(p).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "files without a leading `//!` line: {offenders:#?}"
    );
}

#[test]
fn no_placeholders_or_disabled_tests_in_sources() {
    // Spelled in pieces so this file does not match itself.
    let banned = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("dbg", "!("),
        concat!("#[should", "_panic"),
        concat!("#[ign", "ore"),
    ];
    let mut offenders = Vec::new();
    for path in all_sources() {
        let text = fs::read_to_string(&path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if banned.iter().any(|b| line.contains(b)) {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "banned constructs: {offenders:#?}");
}

/// The normal dependencies of a package, read from its manifest's `[dependencies]` table.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = fs::read_to_string(manifest).expect("manifest is readable");
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps
            && !line.is_empty()
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once('=')
        {
            deps.push(name.trim().split('.').next().unwrap_or_default().to_owned());
        }
    }
    deps
}

#[test]
fn model_depends_only_on_pure_crates() {
    let allowed = [
        // BM25 ranking for the emulator's tuned-model answers: pure text processing.
        "bm25",
        "percent-encoding",
        "serde",
        "serde_json",
        "serde_path_to_error",
        "thiserror",
        "time",
    ];
    let deps = dependencies(&workspace_root().join("crates/model/Cargo.toml"));
    let extra: Vec<_> = deps
        .iter()
        .filter(|d| !allowed.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "retune-model may not depend on {extra:?} (no IO, clock or HTTP)"
    );
}

#[test]
fn client_does_not_depend_on_the_emulator_or_axum() {
    let deps = dependencies(&workspace_root().join("crates/client/Cargo.toml"));
    for banned in ["mock-vertex", "axum", "hyper"] {
        assert!(
            !deps.iter().any(|d| d == banned),
            "retune-client depends on {banned}"
        );
    }
}

/// The value of `key = "..."` in the `[table]` of a manifest.
fn manifest_value(text: &str, table: &str, key: &str) -> Option<String> {
    let mut in_table = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_table = line == format!("[{table}]");
            continue;
        }
        if in_table
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// Internal crates are declared once, in the root `[workspace.dependencies]`, by `path` and with
/// the workspace version: `cargo package` replaces a path with a crates.io dependency on that
/// version, and refuses a path dependency that has none. Member manifests use them with
/// `.workspace = true`, never with a path of their own.
#[test]
fn internal_dependencies_carry_path_and_the_workspace_version() {
    let root = workspace_root();
    let text = fs::read_to_string(root.join("Cargo.toml")).expect("root manifest");
    let version = manifest_value(&text, "workspace.package", "version").expect("workspace version");
    let expected = format!("version = \"{version}\"");
    let internal: Vec<_> = text.lines().filter(|l| l.contains("path = ")).collect();
    assert!(internal.len() >= 3, "internal dependencies: {internal:?}");
    for line in internal {
        assert!(
            line.contains(&expected),
            "internal dependency without `{expected}` (the workspace version): {line}"
        );
    }
    for krate in ["model", "client", "mock-vertex", "cli"] {
        let manifest = root.join("crates").join(krate).join("Cargo.toml");
        let text = fs::read_to_string(&manifest).expect("member manifest");
        let own_paths: Vec<_> = text
            .lines()
            .filter(|l| l.contains("path = \"../"))
            .collect();
        assert!(
            own_paths.is_empty(),
            "{}: internal dependency by its own path (use `.workspace = true`): {own_paths:?}",
            manifest.display()
        );
    }
}

/// The three library crates are published, with the metadata crates.io shows; the CLI, xtask and
/// the end-to-end tests are not.
#[test]
fn library_crates_are_publishable_and_the_rest_is_not() {
    let root = workspace_root();
    let workspace = fs::read_to_string(root.join("Cargo.toml")).expect("root manifest");
    assert_eq!(
        manifest_value(&workspace, "workspace.package", "publish").as_deref(),
        Some("false"),
        "`[workspace.package]` keeps `publish = false` for the crates that inherit it"
    );
    for krate in ["model", "client", "mock-vertex"] {
        let dir = root.join("crates").join(krate);
        let text = fs::read_to_string(dir.join("Cargo.toml")).expect("library manifest");
        assert!(
            !text.contains("publish"),
            "crates/{krate} must be publishable (no `publish` key)"
        );
        for key in [
            "description",
            "license.workspace",
            "repository.workspace",
            "rust-version.workspace",
            "readme",
            "keywords",
            "categories",
        ] {
            assert!(
                text.lines().any(|l| l.starts_with(key)),
                "crates/{krate}/Cargo.toml has no `{key}`"
            );
        }
        assert!(
            dir.join("README.md").is_file(),
            "crates/{krate} has no README.md"
        );
    }
    for manifest in [
        "crates/cli/Cargo.toml",
        "xtask/Cargo.toml",
        "tests/Cargo.toml",
    ] {
        let text = fs::read_to_string(root.join(manifest)).expect("manifest");
        assert!(
            text.contains("publish.workspace = true"),
            "{manifest} must stay unpublished (`publish.workspace = true`)"
        );
    }
}

#[test]
fn tracked_text_names_no_machine_paths() {
    let root = workspace_root();
    let needle = concat!("/wo", "rk/");
    let mut offenders = Vec::new();
    let mut files = all_sources();
    for doc in ["README.md", "ARCHITECTURE.md", "BENCHMARKS.md", ".ci/run"] {
        files.push(root.join(doc));
    }
    for path in files {
        let text = fs::read_to_string(&path).unwrap_or_default();
        if text.contains(needle) {
            offenders.push(path);
        }
    }
    assert!(
        offenders.is_empty(),
        "files naming a machine path: {offenders:#?}"
    );
}

/// Whether a line splits a string on `/` (`split('/')`, `rsplit_once("/")`, `splitn(2, '/')`,
/// ...): a resource name taken apart again instead of kept as its typed name.
fn splits_on_slash(code: &str) -> bool {
    code.match_indices("split").any(|(i, m)| {
        let rest = &code[i + m.len()..];
        let rest = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
        rest.strip_prefix('(')
            .and_then(|args| args.split(')').next())
            .is_some_and(|args| args.contains("'/'") || args.contains("\"/\""))
    })
}

/// What in one line of a handler looks like a rule, if anything.
///
/// Four signs, each precise enough not to flag rendering code: a `Code::` variant (a status
/// chosen in the handler instead of carried by the model's error), a `const` of an integer type
/// (a limit), an integer literal compared with a `.len()` or `.count()` (a size check), and a
/// string split on `/` (a name re-split instead of parsed once into its type). Comment lines
/// are skipped.
fn rule_smell(line: &str) -> Option<&'static str> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return None;
    }
    if splits_on_slash(code) {
        return Some("a string split on `/`: names are parsed once, into retune_model::names");
    }
    let is_variant = |rest: &str| rest.starts_with(|c: char| c.is_ascii_uppercase());
    // `Code::X`, not `StatusCode::X` (an HTTP status is the transport's, not a rule).
    let own_path = |i: usize| !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_');
    if code
        .match_indices("Code::")
        .any(|(i, m)| own_path(i) && is_variant(&code[i + m.len()..]))
    {
        return Some("a `Code::` variant: the model's error carries the status");
    }
    let ints = [
        "usize", "isize", "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128",
    ];
    let declaration = code
        .strip_prefix("pub ")
        .or_else(|| code.strip_prefix("pub(crate) "))
        .or_else(|| code.strip_prefix("pub(super) "))
        .unwrap_or(code);
    if let Some(rest) = declaration.strip_prefix("const ")
        && let Some((_, ty)) = rest.split_once(':')
        && let Some(ty) = ty.split('=').next()
        && ints.contains(&ty.trim())
    {
        return Some("an integer constant: limits belong in retune-model");
    }
    // Orderings only: a limit is a bound; `len() == 1` picks a plural or a last item.
    let comparators = ["<=", ">=", "<", ">"];
    let starts_with_digit = |s: &str| s.trim_start().starts_with(|c: char| c.is_ascii_digit());
    for size in [".len()", ".count()"] {
        for (i, _) in code.match_indices(size) {
            let after = code[i + size.len()..].trim_start();
            if comparators
                .iter()
                .any(|op| after.strip_prefix(op).is_some_and(starts_with_digit))
            {
                return Some("a length compared with a number: size limits belong in retune-model");
            }
            let before = code[..i].trim_end();
            let operand_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .map_or(0, |p| p + 1);
            let left = before[..operand_start].trim_end();
            if let Some(op) = comparators.iter().find(|op| left.ends_with(**op)) {
                let literal = left[..left.len() - op.len()].trim_end();
                if literal.ends_with(|c: char| c.is_ascii_digit())
                    && literal
                        .rsplit(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                {
                    return Some(
                        "a number compared with a length: size limits belong in retune-model",
                    );
                }
            }
        }
    }
    None
}

/// The emulator's handlers parse, ask `retune_model` and render, and `render.rs` maps records to
/// wire shapes; a rule that creeps into either (a status code chosen there, a numeric limit, a
/// size check, a re-split name) is reported with its line.
/// See [`rule_smell`] for the exact signs, checked first on known lines.
#[test]
fn handlers_hold_no_rules() {
    for rule in [
        "return Err(ApiError::new(Code::InvalidArgument, message));",
        "    .map_or(Code::InvalidArgument, HyperParameterError::code);",
        "const MAX_DISPLAY_NAME_CHARS: usize = 128;",
        "pub const LIMIT: u64 = 10;",
        "if name.chars().count() > 128 {",
        "if items.len() >= 1000 {",
        "if 128 < name.len() {",
        "let id = name.rsplit('/').next().unwrap_or_default();",
        "let (parent, id) = job.name.rsplit_once('/').unwrap();",
        "let parts: Vec<&str> = model.split(\"/\").collect();",
        "let mut it = name.splitn(4, '/');",
    ] {
        assert!(rule_smell(rule).is_some(), "not flagged: {rule}");
    }
    for fine in [
        "// Code::InvalidArgument is decided by the model",
        "fn failed_status(code: Code, message: String) -> wire::Status {",
        "code: code.number(),",
        "let end = start.saturating_add(page.len());",
        "if end < total {",
        "format!(\"{}\", items.len())",
        "const FIELD: &str = \"tuning_job.base_model\";",
        "let steps = u64::from(epochs).saturating_mul(steps_per_epoch(examples));",
        "epoch: i64::try_from(c.epoch).unwrap_or(i64::MAX),",
        "let (k, v) = pair.split_once('=').unwrap_or((pair, \"\"));",
        "let words = message.split(' ');",
        "if response.status() == http::StatusCode::CONFLICT {",
        "if reasons.len() == 1 {",
    ] {
        assert_eq!(rule_smell(fine), None, "flagged: {fine}");
    }

    let mut files = Vec::new();
    rust_files(
        &workspace_root().join("crates/mock-vertex/src/handlers"),
        &mut files,
    );
    assert!(
        !files.is_empty(),
        "crates/mock-vertex/src/handlers/ has no Rust files"
    );
    files.push(workspace_root().join("crates/mock-vertex/src/render.rs"));
    assert_no_rule_smells(&files, "the emulator's handlers");
}

/// The CLI parses flags into the model's types and renders; it holds no rule of the API either.
/// `exit.rs` is the one place that maps a status to the CLI's documented exit codes, which is
/// the CLI's own contract, not the API's.
#[test]
fn cli_holds_no_rules() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates/cli/src"), &mut files);
    assert!(!files.is_empty(), "crates/cli/src has no Rust files");
    files.retain(|path| !path.ends_with("exit.rs"));
    assert_no_rule_smells(&files, "the CLI");
}

/// Lines that look like a rule and are not one, each with its reason.
const NOT_RULES: &[(&str, &str)] = &[
    (
        "const EPOCHS: u32 = 3;",
        "the quickstart walkthrough's own choice of epochs for its first job",
    ),
    (
        "const STEPS: usize = 10;",
        "the number of steps the quickstart narrates",
    ),
];

fn is_known_not_rule(line: &str) -> bool {
    NOT_RULES.iter().any(|(known, _)| line.trim() == *known)
}

#[track_caller]
fn assert_no_rule_smells(files: &[std::path::PathBuf], what: &str) {
    let mut offenders = Vec::new();
    for path in files {
        let text = fs::read_to_string(path).unwrap_or_default();
        // Unit tests may spell out codes and limits to check them.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if let Some(why) = rule_smell(line).filter(|_| !is_known_not_rule(line)) {
                offenders.push(format!(
                    "{}:{}: {why}: {}",
                    path.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "rules in {what} (move them to retune-model): {offenders:#?}"
    );
}

/// The web console builds its pages with `createElement` and text nodes: no script parses
/// markup, so nothing a model, a job or a user typed can become an element or run.
#[test]
fn the_console_never_parses_markup() {
    const MARKUP_SINKS: &[&str] = &[
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "createContextualFragment",
        "DOMParser",
        "eval(",
        "new Function",
    ];
    let dir = workspace_root().join("crates/mock-vertex/console");
    let mut scripts: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "js"))
                .collect()
        })
        .unwrap_or_default();
    scripts.sort();
    assert!(!scripts.is_empty(), "{} has no scripts", dir.display());
    let mut offenders = Vec::new();
    for path in &scripts {
        let text = fs::read_to_string(path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            for sink in MARKUP_SINKS.iter().filter(|s| line.contains(*s)) {
                offenders.push(format!("{}:{}: {sink}", path.display(), n + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the console parses markup: {offenders:#?}"
    );
}
