//! Running the official Python clients' conformance scripts (`tests/python/*.py`) from Rust tests.
//!
//! The scripts run in the virtual environment that `scripts/python-env.sh` creates
//! (`target/python-venv` by default, or the interpreter named by `RETUNE_PYTHON`); `cargo xtask
//! test` creates it before running the tests. A test that finds no interpreter fails with a message
//! that says how to make one, so a missing environment never shows as a pass.
//!
//! A script prints one `ok`/`FAIL` line per check and then `N passed, M failed`. A run counts as
//! passed only when the script exited with status 0 and its last summary says exactly the number
//! of checks the test expects, none failed: a script that ran no check, or fewer than it should,
//! fails. A script still running after its time limit is killed and reported as hung.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Environment variable naming the Python interpreter to run the scripts with.
pub const PYTHON_ENV_VAR: &str = "RETUNE_PYTHON";

/// Environment variable the scripts read the emulator's base URL from.
pub const EMULATOR_URL_ENV_VAR: &str = "RETUNE_EMULATOR_URL";

/// How long one script may run before it is killed and reported as hung. A script takes a few
/// seconds once its modules are compiled; the first run on a fresh venv compiles them (tens of
/// seconds on a busy machine).
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// How often a running script is checked for its end.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// The workspace root (the parent of the `tests` package).
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// The path of a script in `tests/python/`.
pub fn script_path(file_name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(file_name)
}

/// Where the Python interpreter of the conformance tests stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonEnv {
    /// An interpreter to run the scripts with.
    Ready(PathBuf),
    /// No interpreter at `looked_at`: `scripts/python-env.sh` has not been run.
    Missing {
        /// The path that was checked.
        looked_at: PathBuf,
    },
}

impl PythonEnv {
    /// The interpreter; without one, panics with how to create it (the test fails, visibly).
    #[track_caller]
    pub fn require(self) -> PathBuf {
        match self {
            PythonEnv::Ready(python) => python,
            PythonEnv::Missing { looked_at } => panic!("{}", missing_message(&looked_at)),
        }
    }
}

/// What a test says when it finds no interpreter at `looked_at`.
pub fn missing_message(looked_at: &Path) -> String {
    format!(
        "no Python interpreter at {}: this test runs the official Python clients and did not run. \
         Create their environment with `cargo xtask test` (which then runs every test) or \
         `scripts/python-env.sh` (CPython 3.10+ and PyPI), or set {PYTHON_ENV_VAR} to an \
         interpreter that has tests/python/requirements.txt installed",
        looked_at.display()
    )
}

/// Finds the interpreter: `RETUNE_PYTHON` if set, else `target/python-venv/bin/python`.
pub fn python_env() -> PythonEnv {
    let candidate = std::env::var_os(PYTHON_ENV_VAR)
        .filter(|value| !value.is_empty())
        .map_or_else(
            || workspace_root().join("target/python-venv/bin/python"),
            PathBuf::from,
        );
    if candidate.is_file() {
        PythonEnv::Ready(candidate)
    } else {
        PythonEnv::Missing {
            looked_at: candidate,
        }
    }
}

/// What one run of a script produced.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    /// The script that ran.
    pub script: PathBuf,
    /// Its exit status; `None` when it was killed after `timeout`.
    pub status: Option<ExitStatus>,
    /// The time limit it ran under.
    pub timeout: Duration,
    /// Everything it printed to stdout.
    pub stdout: String,
    /// Everything it printed to stderr.
    pub stderr: String,
}

impl ScriptRun {
    /// True when the script exited with status 0.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }

    /// The counts of the last `N passed, M failed` line on stdout, if any.
    pub fn summary(&self) -> Option<(u32, u32)> {
        self.stdout.lines().rev().find_map(parse_summary_line)
    }

    /// `Ok` when the script exited with status 0 after exactly `expected` checks passed and none
    /// failed; otherwise what went wrong.
    pub fn check_passed(&self, expected: u32) -> Result<(), String> {
        let Some(status) = self.status else {
            return Err(format!(
                "the script hung: killed after {:?} without ending",
                self.timeout
            ));
        };
        match self.summary() {
            None => Err(format!(
                "no 'N passed, M failed' line (exit status {status})"
            )),
            Some((_, failed)) if failed > 0 => Err(format!("{failed} check(s) failed")),
            Some((passed, _)) if passed != expected => Err(format!(
                "{passed} checks passed, expected {expected}: a check did not run"
            )),
            Some(_) if !status.success() => Err(format!(
                "every check passed but the script exited with {status}"
            )),
            Some(_) => Ok(()),
        }
    }

    /// Panics, with the whole report, unless [`ScriptRun::check_passed`] is `Ok`.
    #[track_caller]
    pub fn assert_passed(&self, expected: u32) {
        if let Err(problem) = self.check_passed(expected) {
            panic!("{problem}\n{}", self.report());
        }
    }

    /// The script, its status and both streams, for an assertion message.
    pub fn report(&self) -> String {
        let status = self.status.map_or_else(
            || format!("killed after {:?}", self.timeout),
            |s| s.to_string(),
        );
        format!(
            "{} ended with {status}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.script.display(),
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Parses `N passed, M failed` (optionally followed by `, K skipped`).
pub fn parse_summary_line(line: &str) -> Option<(u32, u32)> {
    let (passed, rest) = line.trim().split_once(" passed, ")?;
    let failed = rest.split(" failed").next()?;
    Some((passed.trim().parse().ok()?, failed.trim().parse().ok()?))
}

/// Runs `python script` with `envs` added, unbuffered, and collects its output. A script still
/// running after `timeout` is killed (it is this function's own child) and its run has no status.
pub fn run_script(
    python: &Path,
    script: &Path,
    envs: &[(&str, &str)],
    timeout: Duration,
) -> io::Result<ScriptRun> {
    run_script_with(Command::new(python), script, envs, timeout)
}

/// [`run_script`] with nothing of this process's environment: the script sees `envs` only.
pub fn run_script_in_clean_env(
    python: &Path,
    script: &Path,
    envs: &[(&str, &str)],
    timeout: Duration,
) -> io::Result<ScriptRun> {
    let mut command = Command::new(python);
    command.env_clear();
    run_script_with(command, script, envs, timeout)
}

fn run_script_with(
    mut command: Command,
    script: &Path,
    envs: &[(&str, &str)],
    timeout: Duration,
) -> io::Result<ScriptRun> {
    command
        .arg(script)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn()?;
    // Both pipes are drained while the script runs, so a chatty script never blocks on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_or_kill(&mut child, timeout)?;
    Ok(ScriptRun {
        script: script.to_path_buf(),
        status,
        timeout,
        stdout: joined(stdout)?,
        stderr: joined(stderr)?,
    })
}

/// Waits for `child` at most `timeout`; then kills it and returns `None`.
fn wait_or_kill(child: &mut Child, timeout: Duration) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            child.kill()?;
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(POLL_INTERVAL);
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<io::Result<String>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            pipe.read_to_end(&mut bytes)?;
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    })
}

fn joined(reader: JoinHandle<io::Result<String>>) -> io::Result<String> {
    reader
        .join()
        .map_err(|_| io::Error::other("a pipe reader thread panicked"))?
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn summary_line_with_counts_is_parsed() {
        assert_eq!(parse_summary_line("24 passed, 0 failed"), Some((24, 0)));
        assert_eq!(
            parse_summary_line("3 passed, 2 failed, 1 skipped"),
            Some((3, 2))
        );
    }

    #[test]
    fn line_without_counts_is_not_a_summary() {
        assert_eq!(parse_summary_line("ok   tune_from_base_model"), None);
        assert_eq!(parse_summary_line("x passed, 0 failed"), None);
    }

    /// Runs `sh` on `body` with `timeout`.
    fn shell(body: &str, timeout: Duration) -> ScriptRun {
        let mut file = tempfile::NamedTempFile::new().expect("a temporary script");
        file.write_all(body.as_bytes())
            .expect("the script is written");
        run_script(Path::new("/bin/sh"), file.path(), &[], timeout).expect("sh starts")
    }

    #[test]
    fn run_with_the_expected_count_and_no_failure_passes() {
        let run = shell(
            "echo 'ok   a'; echo 'ok   b'; echo '2 passed, 0 failed'",
            SCRIPT_TIMEOUT,
        );
        assert_eq!(run.check_passed(2), Ok(()));
    }

    #[test]
    fn run_with_zero_checks_does_not_pass() {
        let run = shell("echo '0 passed, 0 failed'", SCRIPT_TIMEOUT);
        let problem = run.check_passed(2).expect_err("no check ran");
        assert!(problem.contains("0 checks passed, expected 2"), "{problem}");
    }

    #[test]
    fn run_with_fewer_checks_than_expected_does_not_pass() {
        let run = shell("echo '1 passed, 0 failed'", SCRIPT_TIMEOUT);
        assert!(run.check_passed(2).is_err());
    }

    #[test]
    fn run_with_a_failed_check_does_not_pass() {
        let run = shell("echo '2 passed, 1 failed'; exit 1", SCRIPT_TIMEOUT);
        let problem = run.check_passed(2).expect_err("a check failed");
        assert!(problem.contains("1 check(s) failed"), "{problem}");
    }

    #[test]
    fn run_without_a_summary_or_with_a_bad_status_does_not_pass() {
        let crashed = shell("echo 'Traceback ...' >&2; exit 1", SCRIPT_TIMEOUT);
        assert!(crashed.check_passed(0).is_err());
        let bad_exit = shell("echo '2 passed, 0 failed'; exit 3", SCRIPT_TIMEOUT);
        assert!(bad_exit.check_passed(2).is_err());
    }

    #[test]
    fn script_that_outlives_its_timeout_is_killed_and_reported_as_hung() {
        let started = Instant::now();
        let run = shell(
            "echo started; exec sleep 60; echo '1 passed, 0 failed'",
            Duration::from_millis(300),
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(run.status, None);
        assert_eq!(run.stdout.trim(), "started");
        let problem = run
            .check_passed(1)
            .expect_err("a killed script did not pass");
        assert!(problem.contains("hung"), "{problem}");
        assert!(
            run.report().contains("killed after 300ms"),
            "{}",
            run.report()
        );
    }

    #[test]
    fn missing_interpreter_message_says_how_to_create_it() {
        let message = missing_message(Path::new("/nowhere/python"));
        assert!(message.contains("/nowhere/python"), "{message}");
        assert!(message.contains("cargo xtask test"), "{message}");
        assert!(message.contains("scripts/python-env.sh"), "{message}");
    }
}
