//! Calling tuned models through the client: an endpoint, a version (resolved to the endpoint of
//! its default checkpoint or of the one given), a base model; streams and token counts.

mod support;

use retune_client::{Error, GenerateTarget, user_text};
use retune_model::names::CheckpointId;
use support::*;

const QUESTION: &str = "What is the capital of Australia?";
const ANSWER: &str = "The capital of Australia is Canberra.";

#[tokio::test]
async fn a_version_and_each_checkpoint_answer_through_the_endpoint_serving_them() -> TestResult {
    let emulator = instant_emulator();
    let client = in_process(&emulator);
    let (job, model) = tune(&client, "gemini-2.5-flash", |s| s.with_epoch_count(2)).await;
    let request = user_text(QUESTION);

    let endpoint = job.endpoint().ok_or("no endpoint")?.clone();
    let by_endpoint = client
        .generate_content(&GenerateTarget::Endpoint(endpoint.clone()), &request)
        .await?;
    assert_eq!(by_endpoint.text(), ANSWER);

    let version = GenerateTarget::Version {
        model: model.clone(),
        checkpoint: None,
    };
    assert_eq!(
        client.serving_endpoint(&model.clone(), None).await?,
        endpoint
    );
    let answer = client.generate_content(&version, &request).await?;
    assert_eq!(
        answer.model_version,
        format!("{}/checkpoints/2", model.clone())
    );

    let first = GenerateTarget::Version {
        model: model.clone(),
        checkpoint: Some(CheckpointId::from_number(1)),
    };
    let answer = client.generate_content(&first, &request).await?;
    assert_eq!(answer.text(), ANSWER);
    assert_eq!(
        answer.model_version,
        format!("{}/checkpoints/1", model.clone())
    );

    let chunks = client.stream_generate_content(&first, &request).await?;
    assert_eq!(chunks.iter().map(|c| c.text()).collect::<String>(), ANSWER);

    let missing = GenerateTarget::Version {
        model: model.clone(),
        checkpoint: Some(CheckpointId::from_number(7)),
    };
    assert!(matches!(
        client.generate_content(&missing, &request).await,
        Err(Error::Build(_))
    ));
    Ok(())
}

#[tokio::test]
async fn a_base_model_answers_as_the_base_model_and_tokens_are_counted() -> TestResult {
    let emulator = instant_emulator();
    let client = in_process(&emulator);
    let target = GenerateTarget::Base(base("gemini-2.5-flash"));
    let answer = client
        .generate_content(&target, &user_text(QUESTION))
        .await?;
    assert!(answer.text().starts_with("[base model gemini-2.5-flash]"));
    let counted = client
        .count_tokens(
            &target,
            &retune_model::wire::CountTokensRequest {
                contents: user_text("abcdefgh").contents,
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(counted.total_tokens, 2);
    Ok(())
}

#[tokio::test]
async fn a_bad_request_is_refused_before_sending() {
    let emulator = instant_emulator();
    let client = in_process(&emulator);
    let mut request = user_text(QUESTION);
    request.contents[0].role = "system".to_owned();
    let result = client
        .generate_content(&GenerateTarget::Base(base("gemini-2.5-flash")), &request)
        .await;
    assert!(matches!(result, Err(Error::Build(_))), "{result:?}");
    assert!(emulator.requests().is_empty());
}
