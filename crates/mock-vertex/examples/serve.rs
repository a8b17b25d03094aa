//! Starts the emulator on a free loopback port, seeds a tuned model with three checkpoints, reads
//! it back over HTTP as any client would, prints the URL, and stops.
//!
//! ```sh
//! cargo run -p mock-vertex --example serve
//! ```

use mock_vertex::{JobSpeed, MockVertex, SeedTunedModel};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 127.0.0.1:0: the system picks the port; jobs finish as soon as they are read again.
    let server = MockVertex::builder()
        .jobs(JobSpeed::Instant)
        .start()
        .await?;
    println!("mock-vertex listening on {}", server.base_url());

    // A tuned model made as a finished supervised job makes one, without running the job.
    let location = "projects/my-project/locations/us-central1".parse()?;
    let seeded = server
        .emulator()
        .seed_tuned_model(SeedTunedModel::new(location, "gemini-2.5-flash").checkpoints(3))?;
    println!("seeded {} (tuned by {})", seeded.model, seeded.tuning_job);

    // Over TCP, with any HTTP client: GetModel on the seeded version.
    let url = format!("{}/v1/{}", server.base_url(), seeded.model);
    let response = reqwest::get(&url).await?.error_for_status()?;
    let model: serde_json::Value = response.json().await?;
    println!("GET {url}: versionId {}", model["versionId"]);
    assert_eq!(model["versionId"], "1");

    // Dropping the handle stops the server.
    drop(server);
    println!("stopped");
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
