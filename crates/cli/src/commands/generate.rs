//! `retune generate`: one question to a tuned model (an endpoint, a version or a checkpoint) or
//! a base model; the answer's text, or with `--format json` the API's response.

use std::io::Write;

use anyhow::Context;
use retune_client::{Client, GenerateTarget, user_text};

use super::jobs::{print_json, print_json_list};
use crate::exit::Exit;
use crate::output::Out;

/// `retune generate TARGET PROMPT [--checkpoint ID] [--stream]`.
pub async fn run(
    client: &Client,
    target: &GenerateTarget,
    prompt: &str,
    stream: bool,
    out: &Out,
) -> anyhow::Result<Exit> {
    let request = user_text(prompt);
    if stream {
        let chunks = client
            .stream_generate_content(target, &request)
            .await
            .with_context(|| format!("cannot ask {target}"))?;
        if out.is_json() {
            print_json_list(out, &chunks)?;
        } else {
            let mut stdout = std::io::stdout().lock();
            for chunk in &chunks {
                write!(stdout, "{}", chunk.text())?;
                stdout.flush()?;
            }
            writeln!(stdout)?;
        }
    } else {
        let response = client
            .generate_content(target, &request)
            .await
            .with_context(|| format!("cannot ask {target}"))?;
        if out.is_json() {
            print_json(out, &response)?;
        } else {
            out.line(response.text())?;
            out.say(format!("(answered by {})", response.model_version))?;
        }
    }
    Ok(Exit::Ok)
}
