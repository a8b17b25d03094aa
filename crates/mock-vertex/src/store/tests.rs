//! Tests of the store's reading methods: listing jobs newest first, a location's models, a
//! model's versions, and the operations under a parent.

use std::sync::Arc;

use retune_model::Timestamp;
use retune_model::base_model::BaseModel;
use retune_model::emulator_policy::{Pace, timeline};
use retune_model::names::{LocationName, OperationParent, TuningJobName, VersionId};
use retune_model::wire;

use super::{NewJob, Store};
use crate::jobs::DataOutcome;
use crate::state::JobSpeed;

fn location(s: &str) -> LocationName {
    s.parse().unwrap()
}

fn new_job() -> NewJob {
    NewJob {
        request: wire::TuningJob::default(),
        base_model: BaseModel::lookup("gemini-2.5-flash").unwrap(),
        plan: None,
        timeline: timeline(Pace::Instant, 2, 1),
        export_last_checkpoint_only: false,
        data: DataOutcome::Valid(Arc::new(wire::TuningDataStats::default())),
        kms_key: None,
        training: Arc::from(Vec::new()),
    }
}

/// A store with three finished jobs (and so three models) in `here` and one in `there`.
fn store() -> (Store, Vec<TuningJobName>, Timestamp) {
    let mut store = Store::new(JobSpeed::Instant);
    let now = Timestamp::from_unix_seconds(1_760_000_000);
    let here = location("projects/p/locations/us-central1");
    let jobs: Vec<TuningJobName> = (0..3)
        .map(|_| store.insert_job(&here, new_job(), now))
        .collect();
    store.insert_job(
        &location("projects/p/locations/europe-west4"),
        new_job(),
        now,
    );
    store.advance(now);
    (store, jobs, now)
}

#[test]
fn jobs_list_newest_first_below_a_page_token() {
    let (store, jobs, _) = store();
    let here = location("projects/p/locations/us-central1");
    let names = |before| -> Vec<TuningJobName> {
        store
            .jobs_newest_first(&here, before)
            .map(|j| j.name.clone())
            .collect()
    };
    assert_eq!(
        names(None),
        [jobs[2].clone(), jobs[1].clone(), jobs[0].clone()]
    );
    assert_eq!(names(Some(jobs[1].tuning_job_id())), [jobs[0].clone()]);
    assert_eq!(
        store
            .jobs_newest_first(&location("projects/q/locations/us-central1"), None)
            .count(),
        0
    );
}

#[test]
fn a_location_lists_its_own_models_and_a_model_its_versions() {
    let (store, _, _) = store();
    let here = location("projects/p/locations/us-central1");
    let models: Vec<_> = store.models_in(&here).collect();
    assert_eq!(models.len(), 3);
    assert!(models.iter().all(|m| m.name().location_name() == &here));
    assert!(models.windows(2).all(|w| w[0].name() < w[1].name()));

    let model = models[0];
    let first = VersionId::FIRST;
    assert_eq!(model.versions().map(|v| v.id).collect::<Vec<_>>(), [first]);
    assert_eq!(model.latest_version().map(|v| v.id), Some(first));
    assert_eq!(model.version(first).map(|v| v.id), Some(first));
    assert!(model.version(first.next()).is_none());
    assert_eq!(model.highest_version(), Some(first));
}

#[test]
fn operations_are_listed_under_their_own_parent() {
    let (mut store, _, now) = store();
    let here = location("projects/p/locations/us-central1");
    let models: Vec<_> = store.models_in(&here).map(|m| m.name().clone()).collect();
    let op = store.delete_model(&models[0], now).unwrap();

    let under = |store: &Store, parent: &OperationParent| -> Vec<String> {
        store
            .operations_under(parent)
            .map(|o| o.name.to_string())
            .collect()
    };
    assert_eq!(
        under(&store, &OperationParent::Location(here.clone())),
        [op.name.to_string()]
    );
    assert!(under(&store, &OperationParent::Model(models[1].clone())).is_empty());
    assert_eq!(store.models_in(&here).count(), 2);
}
