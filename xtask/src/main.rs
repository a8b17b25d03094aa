//! Project automation: `cargo xtask test`, `cargo xtask ci`, `cargo xtask bench`.
//!
//! `test` is the one test command the README gives and CI runs: the whole workspace under
//! cargo-nextest when it is installed (else `cargo test`), then the doctests, which nextest does
//! not run.
//!
//! `bench emulator` runs mock-vertex's benchmarks, `bench client` retune-client's, and
//! `bench cli` times the release `retune` binary (`--help` and `quickstart`, fresh processes).
//! BENCHMARKS.md records the figures.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

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
  ci              cargo fmt --check, cargo clippy -D warnings, then `test`
  bench [what]    run the benchmarks (what: emulator, client, cli, or all) and print the figures";

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
            test(rest)
        }
        "bench" => bench(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}

fn test(extra: &[String]) -> Result<()> {
    python_env()?;
    let mut args: Vec<&str> = if has_nextest() {
        vec!["nextest", "run", "--workspace", "--no-fail-fast"]
    } else {
        vec!["test", "--workspace", "--all-targets", "--no-fail-fast"]
    };
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)?;
    cargo(&["test", "--workspace", "--doc"])
}

/// Prepares the virtual environment with the official Python clients that the conformance tests
/// drive (idempotent and quick once it exists). Outside CI a failure only warns: those tests
/// then say they were skipped. `RETUNE_SKIP_PYTHON=1` skips the step.
fn python_env() -> Result<()> {
    let script = Path::new("scripts/python-env.sh");
    if env::var_os("RETUNE_SKIP_PYTHON").is_some() || !script.exists() {
        return Ok(());
    }
    eprintln!("$ bash {}", script.display());
    let ok = Command::new("bash")
        .arg(script)
        .status()
        .is_ok_and(|s| s.success());
    match (ok, env::var_os("CI").is_some()) {
        (true, _) => Ok(()),
        (false, true) => {
            bail!("could not prepare the Python environment for the conformance tests")
        }
        (false, false) => {
            eprintln!(
                "xtask: warning: the Python environment could not be prepared; \
                 the official-client conformance tests will be skipped"
            );
            Ok(())
        }
    }
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
/// (target under 5 s), each run as a fresh process with its output discarded.
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
