//! Plans a continuous-tuning request from the facts about the pre-tuned model, with no service:
//! which version and checkpoint tuning continues from and what it produces, then a request the
//! rules refuse, with every reason.
//!
//! ```sh
//! cargo run -p retune-model --example plan
//! ```

use std::collections::BTreeMap;

use retune_model::base_model::BaseModel;
use retune_model::continuous::{
    ContinuousTuningRequest, PreTunedModelFacts, TuningMethod, TuningOutcome, TuningProvenance,
    plan_continuous_tuning, refusal_status,
};
use retune_model::names::{CheckpointId, ModelRef, VersionAlias, VersionId};
use retune_model::registry::VersionEntry;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // What the client reads from the Model Registry (GetModel, ListModelVersionCheckpoints) and
    // from the job that tuned the model: one version, holding `default`, with two checkpoints.
    let model: ModelRef = "projects/my-project/locations/us-central1/models/123@default".parse()?;
    let v1 = VersionId::FIRST;
    let (c1, c2) = (CheckpointId::from_number(1), CheckpointId::from_number(2));
    let facts = PreTunedModelFacts {
        name: model.name().clone(),
        display_name: "support-bot".to_owned(),
        versions: vec![
            VersionEntry::new(v1)
                .with_aliases(vec![VersionAlias::DEFAULT])
                .with_checkpoints(vec![c1, c2], Some(c2)),
        ],
        provenance: BTreeMap::from([(
            v1,
            TuningProvenance {
                method: TuningMethod::Supervised,
                finished_at: "2025-08-01T00:00:00Z".parse()?,
                root_base_model: BaseModel::lookup("gemini-2.5-flash")?,
                kms_key: None,
            },
        )]),
    };

    // Continue from the version `default` names, at its default checkpoint, in the same location.
    let request = ContinuousTuningRequest::new(model.clone(), model.name().location_name().clone());
    let plan = plan_continuous_tuning(&request, &facts).map_err(|r| format!("refused: {r:?}"))?;
    let produces = match &plan.outcome {
        TuningOutcome::NewVersion { parent } => format!("a new version of {parent}"),
        TuningOutcome::NewModel { display_name } => format!("a new model {display_name:?}"),
    };
    println!(
        "{model}: continue from {} checkpoint {}, producing {produces} (root base model {})",
        plan.pre_tuned_version(),
        plan.checkpoint,
        plan.root_base_model.id()
    );
    assert_eq!((plan.version, plan.checkpoint), (v1, c2));

    // Another region and an unknown checkpoint: both reasons, and the status to answer with.
    let mut request = ContinuousTuningRequest::new(
        model.clone(),
        "projects/my-project/locations/europe-west4".parse()?,
    );
    request.checkpoint = Some(CheckpointId::from_number(7));
    let Err(refusals) = plan_continuous_tuning(&request, &facts) else {
        return Err("the rules accepted a job in another region".into());
    };
    println!("refused ({}):", refusal_status(&refusals));
    for refusal in &refusals {
        println!("  - {refusal}");
    }
    assert_eq!(refusals.len(), 2);
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
