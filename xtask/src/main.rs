//! Project automation: `cargo xtask test`, `ci`, `package`, `api`, `bench`, `conformance` and
//! `live`.
//!
//! `test` is the one test command the README gives and CI runs: it prepares the Python virtual
//! environment of the official-client tests, runs the whole workspace under cargo-nextest when it
//! is installed (else `cargo test --all-targets`), then the doctests, which nextest does not run.
//!
//! `package` runs `cargo package` on the three published crates together (so retune-client and
//! mock-vertex verify against the retune-model being packaged, not one from crates.io), building
//! each from its packaged sources. `api` writes the public-API baseline `api/<crate>.txt` of each
//! (see [`api`]); `api --check` fails when the API differs from it.
//!
//! `conformance` builds `conformance/gapic-rust` (its own workspace; the first build takes
//! minutes, so CI does not run it) and runs it against a `mock-vertex` it starts on
//! 127.0.0.1:0. `live` runs the client's contract suite against real Vertex AI: it compiles the
//! live target (`--cfg retune_live`) into `target/live` and needs Application Default Credentials.
//!
//! `bench emulator` runs mock-vertex's benchmarks, `bench client` retune-client's, and
//! `bench cli` times the release `retune` binary (`--help` and `quickstart`, fresh processes).
//! BENCHMARKS.md records the figures.

use std::env;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

mod api;

fn main() -> ExitCode {
    // Every task runs from the workspace root, wherever it was started.
    if let Some(root) = Path::new(env!("CARGO_MANIFEST_DIR")).parent()
        && let Err(err) = env::set_current_dir(root)
    {
        eprintln!(
            "xtask: cannot enter the workspace root {}: {err}",
            root.display()
        );
        return ExitCode::FAILURE;
    }
    match run(env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test            run every test (nextest when installed, else cargo test) and the doctests
  ci              cargo fmt --check, cargo clippy -D warnings, the docs, `package`,
                  `api --check`, then `test`
  package         cargo package the published crates and build each from its package
                  (extra arguments go to cargo package, e.g. --allow-dirty)
  api [--check]   write api/<crate>.txt, the public API of each published crate; with
                  --check, fail if it differs from the committed files
  bench [what]    run the benchmarks (what: emulator, client, cli, or all) and print the figures
  conformance     build conformance/gapic-rust (minutes the first time) and run it against a
                  mock-vertex started on 127.0.0.1:0
  live            run the client's contract suite against real Vertex AI (needs Application
                  Default Credentials and RETUNE_LIVE_PROJECT or GOOGLE_CLOUD_PROJECT)";

fn run(args: Vec<String>) -> Result<()> {
    let Some(task) = args.first() else {
        println!("{USAGE}");
        return Ok(());
    };
    let rest = &args[1..];
    match task.as_str() {
        "test" => test(rest),
        "ci" => {
            cargo(&["fmt", "--all", "--", "--check"])?;
            cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ])?;
            docs()?;
            // Checks the working tree as it is, committed or not.
            package(&["--allow-dirty".to_owned()])?;
            api(&["--check".to_owned()])?;
            test(rest)
        }
        "package" => package(rest),
        "api" => api(rest),
        "bench" => bench(rest),
        "conformance" => conformance(),
        "live" => live(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}

fn test(extra: &[String]) -> Result<()> {
    python_env()?;
    node_env()?;
    // The consumer crate (tests/consumer) builds offline in its test, from its own lock, which
    // may pin crates the workspace does not use: fetched here, where the registry is reachable.
    cargo(&[
        "fetch",
        "--locked",
        "--manifest-path",
        "tests/consumer/Cargo.toml",
    ])?;
    let mut args: Vec<&str> = if has_nextest() {
        vec!["nextest", "run", "--workspace", "--no-fail-fast"]
    } else {
        vec!["test", "--workspace", "--all-targets", "--no-fail-fast"]
    };
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)?;
    cargo(&["test", "--workspace", "--doc"])
}

/// The rustdoc of the published crates, with warnings as errors (broken links included).
fn docs() -> Result<()> {
    let mut args = vec!["doc", "--no-deps", "--locked"];
    for krate in api::CRATES {
        args.extend(["--package", krate]);
    }
    eprintln!("$ RUSTDOCFLAGS=\"-D warnings\" cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(&args)
        .env("RUSTDOCFLAGS", "-D warnings")
        .status()
        .context("could not start cargo doc")?;
    if !status.success() {
        bail!("the docs of the published crates have warnings ({status})");
    }
    Ok(())
}

/// `cargo package` of the published crates, all at once: cargo then resolves retune-model for
/// the other two from the package being made instead of crates.io, where it is not yet. Each
/// package is built from its own sources (`--no-verify` among `extra` skips that). `--offline`:
/// every dependency is in `Cargo.lock` and already fetched by the build before it.
fn package(extra: &[String]) -> Result<()> {
    let verify_dir = forget_extracted_packages()?;
    let verify_dir = verify_dir.to_string_lossy();
    let mut args = vec![
        "package",
        "--locked",
        "--offline",
        "--target-dir",
        &verify_dir,
    ];
    for krate in api::CRATES {
        args.extend(["--package", krate]);
    }
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)
}

/// Removes what earlier packaging runs left, and returns the empty target directory the packages
/// are built in (`target/package-verify`): the copies of the published crates that cargo
/// extracted (`$CARGO_HOME/registry/src/*/<crate>-<version>`) and the builds that verified them.
/// cargo keys both by the path of the temporary registry it packages into, which is the same at
/// every run from one checkout, and by the version, not by the contents, so a second run would
/// otherwise verify against stale sources or a stale build.
fn forget_extracted_packages() -> Result<PathBuf> {
    let verify_dir = target_dir().join("package-verify");
    if verify_dir.is_dir() {
        std::fs::remove_dir_all(&verify_dir)
            .with_context(|| format!("cannot remove {}", verify_dir.display()))?;
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let Some(sources) = cargo_home.map(|home| home.join("registry").join("src")) else {
        return Ok(verify_dir);
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return Ok(verify_dir);
    };
    for registry in registries.flatten() {
        for krate in api::CRATES {
            let extracted = registry
                .path()
                .join(format!("{krate}-{}", env!("CARGO_PKG_VERSION")));
            if extracted.is_dir() {
                std::fs::remove_dir_all(&extracted)
                    .with_context(|| format!("cannot remove {}", extracted.display()))?;
            }
        }
    }
    Ok(verify_dir)
}

/// Writes the public-API baseline of each published crate, or with `--check` compares with it.
fn api(extra: &[String]) -> Result<()> {
    let check = match extra {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask api [--check]"),
    };
    let mut changed = Vec::new();
    for krate in api::CRATES {
        let now = api::public_api(krate, &cargo_bin(), &target_dir())?;
        let path = api::baseline_path(krate);
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        if now == before {
            continue;
        }
        if check {
            eprintln!("{}:\n{}", path.display(), line_diff(&before, &now));
            changed.push(path.display().to_string());
        } else {
            std::fs::create_dir_all("api")?;
            std::fs::write(&path, &now).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("xtask: wrote {}", path.display());
        }
    }
    if !changed.is_empty() {
        bail!(
            "the public API differs from {} (lines above: - removed, + added). If the change is \
             intended, run `cargo xtask api` and commit the files; a removed or changed line may \
             break users",
            changed.join(", ")
        );
    }
    Ok(())
}

/// The lines only in `before` (`- `) and only in `now` (`+ `); both are sorted sets of lines.
fn line_diff(before: &str, now: &str) -> String {
    let old: std::collections::BTreeSet<&str> = before.lines().collect();
    let new: std::collections::BTreeSet<&str> = now.lines().collect();
    let mut out = String::new();
    for line in old.difference(&new) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in new.difference(&old) {
        out.push_str(&format!("+ {line}\n"));
    }
    out
}

/// Whether this runs under CI: `CI` set to anything but empty, `0` or `false` (in any case).
/// CI services set `CI=true`; `CI=false` or `CI=0` is how a developer says "not CI".
fn running_in_ci() -> bool {
    is_ci_value(env::var_os("CI").as_deref())
}

/// The reading of a `CI` value behind [`running_in_ci`].
fn is_ci_value(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| {
        let v = v.to_string_lossy();
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// Prepares the virtual environment with the official Python clients that the conformance tests
/// drive (`scripts/python-env.sh`). `RETUNE_SKIP_PYTHON=1` skips the step (the tests use
/// `RETUNE_PYTHON` or an existing `target/python-venv`). See [`prepare_clients`].
fn python_env() -> Result<()> {
    prepare_clients(
        "scripts/python-env.sh",
        "RETUNE_SKIP_PYTHON",
        "the Python environment for the conformance tests",
    )
}

/// Prepares `target/node-env` with the official Node.js clients (`scripts/node-env.sh`: `npm ci`
/// on `tests/node/package-lock.json`). `RETUNE_SKIP_NODE=1` skips the step. See
/// [`prepare_clients`].
fn node_env() -> Result<()> {
    prepare_clients(
        "scripts/node-env.sh",
        "RETUNE_SKIP_NODE",
        "the Node.js clients for the conformance tests",
    )
}

/// Runs the setup `script` of an official-client environment (idempotent and quick once it
/// exists), unless `skip_var` is set. Under CI a failure stops here; elsewhere it warns and the
/// tests go on: the official-client tests then fail, each saying how to create the environment.
fn prepare_clients(script: &str, skip_var: &str, what: &str) -> Result<()> {
    let script = Path::new(script);
    if env::var_os(skip_var).is_some() || !script.exists() {
        return Ok(());
    }
    eprintln!("$ bash {}", script.display());
    let ok = Command::new("bash")
        .arg(script)
        .status()
        .is_ok_and(|s| s.success());
    match (ok, running_in_ci()) {
        (true, _) => Ok(()),
        (false, true) => bail!("could not prepare {what}"),
        (false, false) => {
            eprintln!(
                "xtask: warning: could not prepare {what}; the tests that need them will fail"
            );
            Ok(())
        }
    }
}

/// The gapic-rust conformance check's package.
const GAPIC_MANIFEST: &str = "conformance/gapic-rust/Cargo.toml";

/// Builds the emulator and `conformance/gapic-rust`, starts the emulator on a free loopback port
/// with instant jobs, and runs the check against it.
fn conformance() -> Result<()> {
    cargo(&["build", "--package", "mock-vertex", "--bin", "mock-vertex"])?;
    // Its own workspace: it builds into conformance/gapic-rust/target unless CARGO_TARGET_DIR
    // says otherwise, so it never waits on the workspace's build lock.
    cargo(&["build", "--locked", "--manifest-path", GAPIC_MANIFEST])?;
    let emulator = Emulator::start(
        &target_dir()
            .join("debug")
            .join(format!("mock-vertex{}", env::consts::EXE_SUFFIX)),
    )?;
    eprintln!("xtask: mock-vertex listening on {}", emulator.url);
    cargo(&[
        "run",
        "--locked",
        "--quiet",
        "--manifest-path",
        GAPIC_MANIFEST,
        "--",
        &emulator.url,
    ])
    .context("the gapic-rust conformance check failed")
}

/// A `mock-vertex` process this task started, killed when dropped.
struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    /// Starts `binary --port 0 --jobs instant` and reads its address from the ready line.
    fn start(binary: &Path) -> Result<Emulator> {
        let mut child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", "0", "--jobs", "instant"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", binary.display()))?;
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|stdout| BufReader::new(stdout).read_line(&mut line));
        let url = match read {
            Some(Ok(_)) => ready_line_url(&line),
            _ => None,
        };
        let emulator = Emulator {
            child,
            url: url.unwrap_or_default(),
        };
        if emulator.url.is_empty() {
            bail!("mock-vertex printed no ready line with its address (got {line:?})");
        }
        Ok(emulator)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Ours to end: the child started above, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The URL in `mock-vertex listening on http://127.0.0.1:PORT`.
fn ready_line_url(line: &str) -> Option<String> {
    let (_, address) = line.trim().split_once("listening on ")?;
    address
        .starts_with("http://")
        .then(|| address.trim_end_matches('/').to_owned())
}

/// The live contract's test, compiled only under `--cfg retune_live`.
const LIVE_TEST: &str = "live::contract_holds_against_live_vertex";

/// Runs the client's contract suite with its live target compiled in, in a target directory of
/// its own (another `RUSTFLAGS` would otherwise rebuild the workspace's `target/` from scratch).
fn live(extra: &[String]) -> Result<()> {
    let mut rustflags = env::var("RUSTFLAGS").unwrap_or_default();
    rustflags.push_str(" --cfg retune_live");
    let mut args = vec![
        "test",
        "--package",
        "retune-client",
        "--test",
        "contract",
        "--",
        "--exact",
        LIVE_TEST,
        "--nocapture",
    ];
    args.extend(extra.iter().map(String::as_str));
    eprintln!(
        "$ RUSTFLAGS={:?} cargo {}",
        rustflags.trim(),
        args.join(" ")
    );
    let output = Command::new(cargo_bin())
        .args(&args)
        .env("RUSTFLAGS", rustflags.trim())
        .env("CARGO_TARGET_DIR", target_dir().join("live"))
        .stderr(Stdio::inherit())
        .output()
        .context("could not start cargo test")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    if !output.status.success() {
        bail!("the live contract failed ({})", output.status);
    }
    // A filter that matches nothing passes with 0 tests: make sure the live check ran.
    if !stdout.contains("test result: ok. 1 passed") {
        bail!("the live contract did not run ({LIVE_TEST} not found)");
    }
    Ok(())
}

fn bench(extra: &[String]) -> Result<()> {
    let what = extra.first().map(String::as_str).unwrap_or("all");
    let mut ran = false;
    if what == "all" || what == "emulator" {
        // In-process throughput and list pages (criterion), then the process-level figures:
        // loopback HTTP load, memory per stored job, start to ready (see the bench sources).
        cargo(&["bench", "--package", "mock-vertex"])?;
        ran = true;
    }
    if what == "all" || what == "client" {
        cargo(&["bench", "--package", "retune-client"])?;
        ran = true;
    }
    if what == "all" || what == "cli" {
        bench_cli()?;
        ran = true;
    }
    if !ran {
        bail!("unknown benchmark {what:?}: expected emulator, client, cli or all");
    }
    Ok(())
}

/// Runs of `retune --help` timed by `bench cli`.
const HELP_RUNS: usize = 50;
/// Runs of `retune quickstart` timed by `bench cli`.
const QUICKSTART_RUNS: usize = 5;

/// Wall time of the release `retune` binary: `--help` (target under 20 ms) and `quickstart`
/// (target under 1 s), each run as a fresh process with its output discarded.
fn bench_cli() -> Result<()> {
    cargo(&[
        "build",
        "--release",
        "--package",
        "retune-cli",
        "--bin",
        "retune",
    ])?;
    let retune = target_dir()
        .join("release")
        .join(format!("retune{}", env::consts::EXE_SUFFIX));
    report_runs(
        "retune --help",
        &time_runs(&retune, &["--help"], HELP_RUNS)?,
    );
    report_runs(
        "retune quickstart",
        &time_runs(&retune, &["quickstart"], QUICKSTART_RUNS)?,
    );
    Ok(())
}

/// `CARGO_TARGET_DIR`, else `target` under the workspace root (the current directory).
fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from)
}

/// Runs `program args` `runs` times (after one untimed run that warms the page cache) and
/// returns each wall time, sorted.
fn time_runs(program: &Path, args: &[&str], runs: usize) -> Result<Vec<Duration>> {
    let run = || -> Result<Duration> {
        let started = Instant::now();
        let status = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("could not start {}", program.display()))?;
        let took = started.elapsed();
        if !status.success() {
            bail!("{} {} failed ({status})", program.display(), args.join(" "));
        }
        Ok(took)
    };
    run()?;
    let mut times = (0..runs).map(|_| run()).collect::<Result<Vec<_>>>()?;
    times.sort();
    Ok(times)
}

fn report_runs(what: &str, sorted: &[Duration]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    if let (Some(min), Some(max)) = (sorted.first(), sorted.last()) {
        println!(
            "{what}: runs {}, median {:.1} ms, min {:.1} ms, max {:.1} ms",
            sorted.len(),
            ms(sorted[sorted.len() / 2]),
            ms(*min),
            ms(*max)
        );
    }
}

fn has_nextest() -> bool {
    Command::new(cargo_bin())
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn cargo_bin() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn cargo(args: &[&str]) -> Result<()> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(args)
        .status()
        .with_context(|| format!("could not start cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_set_by_a_ci_service_is_ci() {
        for value in ["true", "TRUE", "1", "yes", "woodpecker"] {
            assert!(is_ci_value(Some(OsStr::new(value))), "CI={value}");
        }
    }

    #[test]
    fn ci_unset_empty_zero_or_false_is_not_ci() {
        assert!(!is_ci_value(None));
        for value in ["", " ", "0", "false", "False", "FALSE"] {
            assert!(!is_ci_value(Some(OsStr::new(value))), "CI={value:?}");
        }
    }

    #[test]
    fn api_diff_shows_removed_and_added_lines() {
        assert_eq!(
            line_diff("fn a()\nfn b()\n", "fn b()\nfn c()\n"),
            "- fn a()\n+ fn c()\n"
        );
        assert_eq!(line_diff("fn a()\n", "fn a()\n"), "");
    }

    #[test]
    fn ready_line_gives_the_emulator_url() {
        assert_eq!(
            ready_line_url("mock-vertex listening on http://127.0.0.1:40123\n").as_deref(),
            Some("http://127.0.0.1:40123")
        );
        assert_eq!(ready_line_url(""), None);
        assert_eq!(ready_line_url("error: cannot listen"), None);
    }
}
