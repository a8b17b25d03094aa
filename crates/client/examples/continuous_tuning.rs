//! The continuous-tuning recipe against the emulator, in process: tune a base model, wait, list
//! the checkpoints, continue from one of them, put an alias on the new version, walk the
//! lineage, and see a continuation refused before anything is sent.
//!
//! ```sh
//! cargo run -p retune-client --example continuous_tuning
//! ```
//!
//! Against Vertex AI, build the client with `Client::builder()` instead; against an emulator
//! over HTTP, with `Client::for_emulator(url, project, location)`. The rest is unchanged.

use mock_vertex::{Emulator, JobSpeed};
use retune_client::prelude::*;

const TRAINING_DATA: &str =
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";

#[tokio::main]
async fn main() -> Result<(), Error> {
    let emulator = Emulator::builder().jobs(JobSpeed::Instant).build();
    let client = Client::in_process(
        mock_vertex::router(emulator),
        "my-project".parse()?,
        "us-central1".parse()?,
    );

    // Tune a base model and wait for it.
    let spec = TuningJobSpec::from_base_model("gemini-2.5-flash".parse()?, TRAINING_DATA.parse()?)
        .with_epoch_count(3);
    let job = client.create_tuning_job(&spec).await?;
    let done = client.wait_for_job(job.name()).until_done().await?;
    let Some(v1) = done.tuned_model().cloned() else {
        panic!("{} succeeded without a tuned model", done.name());
    };
    println!("{} made {v1}", done.name());

    // Its checkpoints, one per epoch.
    let checkpoints: Vec<Checkpoint> = client.list_checkpoints(&v1).try_collect().await?;
    for c in &checkpoints {
        println!(
            "  checkpoint {} (epoch {}, step {})",
            c.id(),
            c.epoch(),
            c.step()
        );
    }

    // Continue from the first checkpoint (not the default, the last) with more data.
    let continued = client
        .continue_tuning(v1.clone(), TRAINING_DATA.parse()?)
        .checkpoint(checkpoints[0].id())
        .send()
        .await?;
    println!("{}: {}", continued.job.name(), continued.plan);
    let done = client
        .wait_for_job(continued.job.name())
        .until_done()
        .await?;
    let Some(v2) = done.tuned_model().cloned() else {
        panic!("{} succeeded without a tuned model", done.name());
    };

    // Name the new version.
    let updated = client
        .merge_version_aliases(&v2, &["production".parse()?])
        .await?;
    let aliases: Vec<String> = updated.aliases().iter().map(ToString::to_string).collect();
    println!(
        "{} has the aliases {}",
        updated.model_ref(),
        aliases.join(", ")
    );

    // How each version was made.
    println!("{}", client.lineage(v2.name()).await?);

    // A continuation the rules refuse: nothing is sent, and every reason is given.
    let refused = client
        .continue_tuning(v2, TRAINING_DATA.parse()?)
        .checkpoint(CheckpointId::from_number(99))
        .dry_run()
        .await;
    match refused {
        Err(e) => println!("{e}"),
        Ok(plan) => panic!("checkpoint 99 does not exist, yet the plan is {plan}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `cargo test` (and nextest) run the example, so it cannot rot.
    #[test]
    fn example_runs() {
        super::main().expect("the example runs");
    }
}
