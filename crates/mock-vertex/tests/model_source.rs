//! A tuned model says where it comes from (`google/cloud/aiplatform/v1/model.proto`:
//! `Model.model_source_info` = 38, whose `ModelSourceType.GENIE` is "The Model is saved or tuned
//! from Genie", and `Model.base_model_source` = 50, the oneof `source` whose `genie_source` holds
//! `GenieSource.base_model_uri`), in every API version and in every read of the model.

use std::time::Duration;

use axum::http::Method;

mod support;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";

#[tokio::test]
async fn a_tuned_model_is_a_genie_model_whose_base_is_the_tuned_foundation_model() {
    let (app, _clock) = App::manual();
    app.create_sft_job(LOC).await;
    app.emulator.advance(Duration::from_secs(3600));
    for version in ["v1", "v1beta1"] {
        let models = app
            .ok(Method::GET, &format!("/{version}/{LOC}/models"), None)
            .await;
        let model = &models["models"][0];
        assert_eq!(model["modelSourceInfo"]["sourceType"], "GENIE", "{model}");
        assert!(model["modelSourceInfo"].get("copy").is_none(), "{model}");
        assert_eq!(
            model["baseModelSource"]["genieSource"]["baseModelUri"], "gemini-2.5-flash",
            "{model}"
        );
        assert!(model["baseModelSource"].get("modelGardenSource").is_none());

        let name = model["name"].as_str().unwrap();
        let read = app
            .ok(
                Method::GET,
                &format!("/{version}/{name}?%24alt=json%3Benum-encoding%3Dint"),
                None,
            )
            .await;
        // ModelSourceType.GENIE = 5.
        assert_eq!(read["modelSourceInfo"]["sourceType"], 5, "{read}");
    }
}
