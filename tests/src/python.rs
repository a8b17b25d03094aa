//! Running the official Python clients' conformance scripts (`tests/python/*.py`) from Rust tests.
//!
//! The scripts run in the virtual environment that `scripts/python-env.sh` creates
//! (`target/python-venv` by default, or the interpreter named by `RETUNE_PYTHON`).

use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Environment variable naming the Python interpreter to run the scripts with.
pub const PYTHON_ENV_VAR: &str = "RETUNE_PYTHON";

/// Environment variable the scripts read the emulator's base URL from.
pub const EMULATOR_URL_ENV_VAR: &str = "RETUNE_EMULATOR_URL";

/// How long one script may run before it is killed and reported as hung.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

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

/// Whether the tests run under CI (`CI` set to anything but empty, `0` or `false`).
pub fn running_in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"))
}

/// What one run of a script produced.
#[derive(Debug, Clone)]
pub struct ScriptRun {
    /// The script that ran.
    pub script: PathBuf,
    /// Its exit status; `None` when it was killed after [`SCRIPT_TIMEOUT`].
    pub status: Option<ExitStatus>,
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

    /// The script, its status and both streams, for an assertion message.
    pub fn report(&self) -> String {
        let status = self.status.map_or_else(
            || format!("killed after {SCRIPT_TIMEOUT:?}"),
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
/// running after [`SCRIPT_TIMEOUT`] is killed.
pub fn run_script(python: &Path, script: &Path, envs: &[(&str, &str)]) -> io::Result<ScriptRun> {
    let mut command = Command::new(python);
    command
        .arg(script)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let child = command.spawn()?;
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    let waiter = thread::spawn(move || {
        // The receiver is gone only if this function already returned; nothing to tell then.
        let _ = done.send(child.wait_with_output());
    });
    let (output, timed_out) = match finished.recv_timeout(SCRIPT_TIMEOUT) {
        Ok(output) => (output?, false),
        Err(_) => {
            // Ours to end: the child this function spawned, by its id.
            Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status()?;
            let output = finished
                .recv()
                .map_err(|_| io::Error::other("the script's waiter thread stopped"))??;
            (output, true)
        }
    };
    waiter
        .join()
        .map_err(|_| io::Error::other("the script's waiter thread panicked"))?;
    Ok(ScriptRun {
        script: script.to_path_buf(),
        status: (!timed_out).then_some(output.status),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
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
}
