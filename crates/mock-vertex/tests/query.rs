//! Query parameters as Google's front end binds them to the request message: unknown ones
//! refused, system ones accepted, `orderBy` only where the request has `order_by`, and the
//! `readMask` and `fields` selections applied to the answer.

use axum::http::{Method, StatusCode};
use serde_json::Value;

mod support;
use support::App;

const LOC: &str = "projects/p1/locations/us-central1";

/// An instant app with one succeeded job (and so one tuned model).
async fn app_with_a_tuned_model() -> App {
    let app = App::instant();
    app.create_sft_job(LOC).await;
    app
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_parameter_bound_to_no_request_field_is_refused_naming_it() {
    // genai_tuning_service.proto ListTuningJobsRequest: parent, filter, page_size, page_token.
    let app = App::instant();
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?pageSize=2&foo=1"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    assert!(
        body["error"]["message"].as_str().unwrap().ends_with(
            "Cannot bind query parameter. Field 'foo' could not be found in request message."
        ),
        "{body}"
    );
}

#[tokio::test]
async fn the_system_parameters_are_accepted_on_every_method() {
    let app = App::instant();
    let system = "$alt=json%3Benum-encoding%3Dint&alt=json&prettyPrint=false&key=k&quotaUser=q\
                  &%24.xgafv=2&callback=c&upload_protocol=raw&uploadType=media&access_token=t";
    app.ok(Method::GET, &format!("/v1/{LOC}/tuningJobs?{system}"), None)
        .await;
    app.ok(
        Method::GET,
        &format!("/v1beta1/{LOC}/models?{system}"),
        None,
    )
    .await;
}

#[tokio::test]
async fn order_by_is_bound_only_where_the_request_has_order_by() {
    // model_service.proto: v1 ListModelsRequest.order_by = 6; v1beta1 ListModelsRequest has
    // none; ListModelVersionsRequest.order_by = 6 in both; ListTuningJobsRequest has none.
    let app = app_with_a_tuned_model().await;
    app.ok(
        Method::GET,
        &format!("/v1/{LOC}/models?orderBy=create_time%20desc"),
        None,
    )
    .await;
    for path in [
        format!("/v1beta1/{LOC}/models?orderBy=create_time"),
        format!("/v1/{LOC}/tuningJobs?orderBy=create_time"),
    ] {
        let (status, body) = app.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("'orderBy'")
        );
    }
}

#[tokio::test]
async fn read_mask_keeps_only_the_masked_fields_of_each_model() {
    // model_service.proto ListModelsRequest.read_mask = 5: "Mask specifying which fields to read."
    let app = app_with_a_tuned_model().await;
    let list = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/models?readMask=display_name,labels"),
            None,
        )
        .await;
    let model = &list["models"][0];
    assert_eq!(keys(model), ["displayName", "labels"], "{list}");
    // A mask on a list whose request has none is refused.
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?readMask=name"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fields_selects_a_partial_response() {
    // The `fields` system parameter (partial responses) of Google's front end.
    let app = app_with_a_tuned_model().await;
    let list = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?fields=tuningJobs(name,state),nextPageToken"),
            None,
        )
        .await;
    assert_eq!(keys(&list), ["tuningJobs"]);
    assert_eq!(keys(&list["tuningJobs"][0]), ["name", "state"]);
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1/{LOC}/tuningJobs?fields=tuningJobs("),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"]["details"][0]["fieldViolations"][0]["field"],
        "fields"
    );
}

#[tokio::test]
async fn list_operations_honours_its_filter() {
    // google/longrunning/operations.proto ListOperationsRequest.filter: "The standard list
    // filter", on Operation.name and Operation.done.
    let app = app_with_a_tuned_model().await;
    let models = app
        .ok(Method::GET, &format!("/v1/{LOC}/models"), None)
        .await;
    let model = models["models"][0]["name"].as_str().unwrap().to_owned();
    app.ok(Method::DELETE, &format!("/v1/{model}"), None).await;
    let all = app
        .ok(Method::GET, &format!("/v1/{LOC}/operations"), None)
        .await;
    let count = |v: &Value| v["operations"].as_array().map_or(0, Vec::len);
    assert!(count(&all) >= 1, "{all}");
    let done = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/operations?filter=done%3Dtrue"),
            None,
        )
        .await;
    let running = app
        .ok(
            Method::GET,
            &format!("/v1/{LOC}/operations?filter=done%3Dfalse"),
            None,
        )
        .await;
    assert_eq!(count(&done) + count(&running), count(&all));
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1/{LOC}/operations?filter=state%3D1"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn operations_under_a_tuning_job_are_served_as_each_service_yaml_binds_them() {
    // aiplatform_v1.yaml binds GetOperation, ListOperations and CancelOperation under
    // tuningJobs/*/operations; aiplatform_v1beta1.yaml binds none there. Both bind every
    // operation method under endpoints/*/operations.
    let app = app_with_a_tuned_model().await;
    let jobs = app
        .ok(Method::GET, &format!("/v1/{LOC}/tuningJobs"), None)
        .await;
    let job = jobs["tuningJobs"][0]["name"].as_str().unwrap().to_owned();
    app.ok(Method::GET, &format!("/v1/{job}/operations"), None)
        .await;
    for (method, path) in [
        (Method::GET, format!("/v1beta1/{job}/operations")),
        (Method::GET, format!("/v1beta1/{job}/operations/1")),
        (Method::POST, format!("/v1beta1/{job}/operations/1:cancel")),
        (Method::DELETE, format!("/v1/{job}/operations/1")),
        (Method::POST, format!("/v1/{job}/operations/1:wait")),
    ] {
        let (status, body) = app.call(method.clone(), &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("was not found on this server"),
            "{body}"
        );
    }
    app.ok(
        Method::GET,
        &format!("/v1beta1/{LOC}/endpoints/1/operations"),
        None,
    )
    .await;
}
