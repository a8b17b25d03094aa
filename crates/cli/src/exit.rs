//! Exit codes, and the one-line message for every error a command can end with.
//!
//! The codes are part of the interface (documented at the end of `retune --help`); this module is
//! the only place that decides them: it walks an error's chain for the first error type it knows.

use std::io;
use std::process::ExitCode;

use retune_client::Error as ClientError;
use retune_client::transport::TransportErrorKind;
use retune_client::wait::WaitError;
use retune_model::Code;

use crate::config::ConfigError;
use crate::gcs::UploadError;

/// How `retune` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Ok = 0,
    /// 1: anything else (a file that cannot be read, an unexpected failure).
    Other = 1,
    /// 2: the command line is wrong.
    Usage = 2,
    /// 3: refused before anything was sent: invalid input found locally, or a continuation the
    /// rules of continuous tuning refuse.
    Refused = 3,
    /// 4: the tuning job failed, was cancelled or expired.
    JobFailed = 4,
    /// 5: the service or the network returned an error.
    Service = 5,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// Something found locally that makes a command refuse (exit code 3), already explained on stdout.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// What was refused and what to do.
    pub message: String,
}

/// A tuning job that ended without success (exit code 4), already shown on stdout.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobEnded {
    /// Which job and how it ended.
    pub message: String,
}

/// The exit code and the one line to print for `err`.
pub fn describe(err: &anyhow::Error) -> (Exit, String) {
    let message = one_line(&chain(err));
    for cause in err.chain() {
        if cause.downcast_ref::<ConfigError>().is_some() {
            return (Exit::Usage, message);
        }
        if cause.downcast_ref::<Refused>().is_some() {
            return (Exit::Refused, message);
        }
        if cause.downcast_ref::<JobEnded>().is_some() {
            return (Exit::JobFailed, message);
        }
        if let Some(wait) = cause.downcast_ref::<WaitError>() {
            match wait {
                WaitError::Call(client) => return client_error(client, message),
                WaitError::TimedOut { .. } => {
                    return (
                        Exit::Other,
                        format!(
                            "{message}; the job is still running: wait again with `retune jobs wait`"
                        ),
                    );
                }
                _ => return (Exit::JobFailed, message),
            }
        }
        if let Some(client) = cause.downcast_ref::<ClientError>() {
            return client_error(client, message);
        }
        if let Some(upload) = cause.downcast_ref::<UploadError>() {
            return match upload {
                UploadError::Request(_) => (Exit::Other, message),
                UploadError::Transport(t) => {
                    (Exit::Service, with_hint(message, transport_hint(t.kind())))
                }
                UploadError::Service(status) => (
                    Exit::Service,
                    with_hint(message, status_hint(status.code())),
                ),
            };
        }
        if let Some(io) = cause.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::BrokenPipe
        {
            // The reader went away (`retune jobs list | head -1`): not a failure.
            return (Exit::Ok, String::new());
        }
    }
    (Exit::Other, message)
}

fn client_error(err: &ClientError, message: String) -> (Exit, String) {
    match err {
        ClientError::Refused(_) => (
            Exit::Refused,
            with_hint(message, "nothing was sent; `--dry-run` lists every reason"),
        ),
        ClientError::Build(_) => (Exit::Refused, with_hint(message, "nothing was sent")),
        ClientError::Transport(t) => (Exit::Service, with_hint(message, transport_hint(t.kind()))),
        ClientError::Service(status) => (
            Exit::Service,
            with_hint(message, status_hint(status.code())),
        ),
        _ => (Exit::Service, message),
    }
}

fn transport_hint(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => {
            "check --endpoint (or GOOGLE_VERTEX_BASE_URL) and your network; for a local emulator run `retune emulator serve`"
        }
        TransportErrorKind::Auth => {
            "run `gcloud auth application-default login`, or pass --access-token"
        }
        TransportErrorKind::Timeout => "the service is slow or unreachable; try again",
        _ => "try again",
    }
}

fn status_hint(code: Code) -> &'static str {
    match code {
        Code::NotFound => {
            "check the name and --project/--location (`retune models list`, `retune jobs list`)"
        }
        Code::Unauthenticated => {
            "run `gcloud auth application-default login`, or pass --access-token"
        }
        Code::PermissionDenied => "check --project and that your account may use Vertex AI there",
        Code::InvalidArgument | Code::OutOfRange => "fix the request and try again",
        Code::FailedPrecondition => "the resource is not in a state that allows this",
        Code::AlreadyExists => "use another name, or use the existing resource",
        Code::ResourceExhausted => "a quota is exhausted; wait or request more quota",
        Code::Unavailable | Code::DeadlineExceeded | Code::Internal => "try again in a moment",
        _ => "",
    }
}

fn with_hint(message: String, hint: &str) -> String {
    if hint.is_empty() {
        message
    } else {
        format!("{message}; {hint}")
    }
}

/// `context: cause: cause`, leaving out a cause whose text the line already holds (transport
/// errors often repeat their source's message).
fn chain(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Newlines and runs of spaces folded into single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_errors_are_usage_errors() {
        let err = anyhow::Error::new(ConfigError::NoProject);
        let (exit, message) = describe(&err);
        assert_eq!(exit, Exit::Usage);
        assert_eq!(
            message,
            "no project given: pass --project PROJECT or set GOOGLE_CLOUD_PROJECT"
        );
    }

    #[test]
    fn context_is_kept_in_front_of_the_cause() {
        let err = anyhow::Error::new(Refused {
            message: "2 invalid lines".into(),
        })
        .context("train.jsonl");
        assert_eq!(
            describe(&err),
            (Exit::Refused, "train.jsonl: 2 invalid lines".into())
        );
    }

    #[test]
    fn broken_pipe_ends_quietly() {
        let err = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(describe(&err), (Exit::Ok, String::new()));
    }

    #[test]
    fn multi_line_messages_are_folded_into_one_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
    }
}
