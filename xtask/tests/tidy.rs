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

#[test]
fn internal_dependencies_carry_no_version() {
    let text = fs::read_to_string(workspace_root().join("Cargo.toml")).expect("root manifest");
    for line in text.lines().filter(|l| l.contains("path = ")) {
        assert!(
            !line.contains("version"),
            "internal dependency with a version: {line}"
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
