//! `retune quickstart`: the whole continuous-tuning flow against an in-process emulator, narrated.

use crate::exit::Exit;
use crate::output::Out;

/// Runs the quickstart.
pub async fn run(out: &Out) -> anyhow::Result<Exit> {
    out.say("quickstart")?;
    Ok(Exit::Ok)
}
