"""Drives mock-vertex with google-cloud-aiplatform's generated clients over their REST transport
(GenAiTuningServiceClient and ModelServiceClient, modules aiplatform_v1beta1 and aiplatform_v1).

Needs RETUNE_EMULATOR_URL (e.g. http://127.0.0.1:8080) of an emulator started with
`--jobs instant`. The REST transport keeps an explicit `http://` scheme in `api_endpoint`; with
AnonymousCredentials it sends no Authorization header. This client sends
`$alt=json;enum-encoding=int` on every call, int64 values as strings, enums as integers and `@`
as `%40`, so it checks the emulator's side of those conventions.

Flow per module: create a job from gemini-2.5-flash, get it until it ends, read the model;
continue from checkpoint 1 through `pre_tuned_model`; list versions and checkpoints; merge,
move and remove version aliases and get by alias; set the default checkpoint with an update
mask; continue with a new display name; list jobs and tuned models; get a missing job (404);
cancel a job the emulator holds in PENDING (accepted: it ends CANCELLED) and a finished one
(refused); delete a version (refused for the only one, a finished operation otherwise); rebase
the first tuned model onto a newer base model (an operation whose result is the new job).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from conformance_support import (
    answered_location,
    BASE_MODEL,
    BASE_MODEL_LABEL,
    BASE_MODEL_LABEL_KEY,
    LOCATION,
    MAX_POLLS,
    TRAINING_URI,
    VALIDATION_URI,
    Runner,
    Transcript,
    answered_requests,
    emulator_url,
    hold_next_job,
    model_id,
    split_model,
    unique_project,
)
from google.api_core import exceptions
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import aiplatform_v1, aiplatform_v1beta1
from google.protobuf import field_mask_pb2

DISPLAY_NAME = "gapic-conformance-model"
NEW_DISPLAY_NAME = "gapic-something-new"
USER_LABELS = {"suite": "aiplatform-conformance"}


def record_responses(client: Any, transcript: Transcript) -> None:
    """Hooks the transport's HTTP session so failures show the wire exchange (observation only)."""

    def on_response(response: Any, *args: Any, **kwargs: Any) -> None:
        body = response.request.body or b""
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        transcript.record(response.request.method, response.request.url, body, response.status_code, response.text)

    client._transport._session.hooks["response"].append(on_response)


def assert_error_status(error: exceptions.GoogleAPICallError, status: str) -> None:
    """Checks the `status` of the `{"error": {...}}` body behind an HTTP error."""
    body = error.response.json() if error.response is not None else {}
    actual = body.get("error", {}).get("status")
    assert actual == status, f"expected status {status}, got {actual!r}: {body}"


class Flow:
    """The conformance flow for one generated module; checks share what earlier ones created."""

    def __init__(self, api: ModuleType, url: str, project: str, transcript: Transcript) -> None:
        self.api = api
        options = ClientOptions(api_endpoint=url)
        credentials = AnonymousCredentials()
        self.tuning = api.GenAiTuningServiceClient(
            credentials=credentials, transport="rest", client_options=options
        )
        self.models = api.ModelServiceClient(credentials=credentials, transport="rest", client_options=options)
        record_responses(self.tuning, transcript)
        record_responses(self.models, transcript)
        self.parent = f"projects/{project}/locations/{LOCATION}"
        # Names come back with the project number, as Vertex AI answers them.
        self.answered = answered_location(project)
        self.job_names: list[str] = []
        self.create_answers: list[Any] = []
        self.first_job_name = ""
        self.tuned_model = ""  # …/models/{id}@1
        self.new_model = ""

    def checks(self) -> list[tuple[str, Any]]:
        return [
            ("create_job_from_base_model", self.create_job_from_base_model),
            ("get_tuned_model_version", self.get_tuned_model_version),
            ("continue_from_checkpoint_with_pre_tuned_model", self.continue_from_checkpoint_with_pre_tuned_model),
            ("list_model_versions", self.list_model_versions),
            ("list_model_version_checkpoints", self.list_model_version_checkpoints),
            ("merge_version_aliases_and_get_by_alias", self.merge_version_aliases_and_get_by_alias),
            ("update_default_checkpoint_with_mask", self.update_default_checkpoint_with_mask),
            ("continue_with_new_display_name_creates_model", self.continue_with_new_display_name_creates_model),
            ("list_tuning_jobs_across_pages", self.list_tuning_jobs_across_pages),
            ("list_tuned_models", self.list_tuned_models),
            ("get_missing_job_is_not_found", self.get_missing_job_is_not_found),
            ("cancel_a_running_job", self.cancel_a_running_job),
            ("cancel_a_finished_job_is_failed_precondition", self.cancel_a_finished_job_is_failed_precondition),
            ("delete_model_version", self.delete_model_version),
            ("rebase_tuned_model_creates_a_job_on_a_newer_base_model", self.rebase_tuned_model),
            ("create_answers_are_pending_without_results", self.create_answers_are_pending_without_results),
        ]

    # --- helpers ----------------------------------------------------------------------------

    def create(self, job: Any) -> Any:
        created = self.tuning.create_tuning_job(parent=self.parent, tuning_job=job)
        assert created.name.startswith(f"{self.answered}/tuningJobs/"), created.name
        assert created.name.rsplit("/", 1)[1].isdigit(), f"job id is not numeric: {created.name}"
        JobState = self.api.JobState
        assert created.state not in (JobState.JOB_STATE_FAILED, JobState.JOB_STATE_CANCELLED), (
            f"create answered {created.state.name}: {created.error}"
        )
        self.job_names.append(created.name)
        self.create_answers.append(created)
        return created

    def wait_until_ended(self, name: str) -> Any:
        JobState = self.api.JobState
        ended = {
            JobState.JOB_STATE_SUCCEEDED,
            JobState.JOB_STATE_FAILED,
            JobState.JOB_STATE_CANCELLED,
            JobState.JOB_STATE_EXPIRED,
        }
        for _ in range(MAX_POLLS):
            job = self.tuning.get_tuning_job(name=name)
            if job.state in ended:
                return job
        raise AssertionError(f"{name} had not ended after {MAX_POLLS} polls (state {job.state.name})")

    def succeeded(self, name: str) -> Any:
        job = self.wait_until_ended(name)
        assert job.state == self.api.JobState.JOB_STATE_SUCCEEDED, f"{name}: {job.state.name}, {job.error}"
        assert job.end_time and job.start_time and job.end_time >= job.start_time >= job.create_time
        assert job.experiment, "succeeded job without experiment"
        assert job.tuned_model.model and job.tuned_model.endpoint, job.tuned_model
        stats = job.tuning_data_stats.supervised_tuning_data_stats
        assert stats.tuning_dataset_example_count > 0, stats
        return job

    def supervised_spec(self, epochs: int, validation: bool = False) -> Any:
        api = self.api
        return api.SupervisedTuningSpec(
            training_dataset_uri=TRAINING_URI,
            validation_dataset_uri=VALIDATION_URI if validation else "",
            hyper_parameters=api.SupervisedHyperParameters(
                epoch_count=epochs,
                adapter_size=api.SupervisedHyperParameters.AdapterSize.ADAPTER_SIZE_FOUR,
            ),
        )

    # --- checks -----------------------------------------------------------------------------

    def create_job_from_base_model(self) -> None:
        created = self.create(
            self.api.TuningJob(
                base_model=BASE_MODEL,
                supervised_tuning_spec=self.supervised_spec(epochs=2, validation=True),
                tuned_model_display_name=DISPLAY_NAME,
                labels=USER_LABELS,
            )
        )
        assert created.base_model == BASE_MODEL, created.base_model
        job = self.succeeded(created.name)
        spec = job.supervised_tuning_spec
        assert spec.training_dataset_uri == TRAINING_URI and spec.validation_dataset_uri == VALIDATION_URI, spec
        assert spec.hyper_parameters.epoch_count == 2, spec.hyper_parameters
        AdapterSize = self.api.SupervisedHyperParameters.AdapterSize
        assert spec.hyper_parameters.adapter_size == AdapterSize.ADAPTER_SIZE_FOUR, spec.hyper_parameters
        assert dict(job.labels).get("suite") == USER_LABELS["suite"], job.labels
        base, version = split_model(job.tuned_model.model)
        assert version == "1", job.tuned_model.model
        assert [c.checkpoint_id for c in job.tuned_model.checkpoints] == ["1", "2"], job.tuned_model.checkpoints
        assert [c.epoch for c in job.tuned_model.checkpoints] == [1, 2], job.tuned_model.checkpoints
        assert job.tuned_model.endpoint == job.tuned_model.checkpoints[-1].endpoint, job.tuned_model
        self.first_job_name = job.name
        self.tuned_model = job.tuned_model.model

    def get_tuned_model_version(self) -> None:
        model = self.models.get_model(name=self.tuned_model)
        assert split_model(model.name)[0] == split_model(self.tuned_model)[0], model.name
        assert model.version_id == "1", model.version_id
        assert "default" in model.version_aliases, model.version_aliases
        assert model.display_name == DISPLAY_NAME, model.display_name
        assert model.default_checkpoint_id == "2", model.default_checkpoint_id
        assert [c.checkpoint_id for c in model.checkpoints] == ["1", "2"], model.checkpoints
        labels = dict(model.labels)
        assert labels.get(BASE_MODEL_LABEL_KEY) == BASE_MODEL_LABEL, labels
        assert labels.get("suite") == USER_LABELS["suite"], labels
        bare = self.models.get_model(name=split_model(self.tuned_model)[0])
        assert bare.version_id == "1", f"bare name should give the default version, got {bare.version_id}"

    def continue_from_checkpoint_with_pre_tuned_model(self) -> None:
        created = self.create(
            self.api.TuningJob(
                pre_tuned_model=self.api.PreTunedModel(tuned_model_name=self.tuned_model, checkpoint_id="1"),
                supervised_tuning_spec=self.supervised_spec(epochs=1),
            )
        )
        assert created.pre_tuned_model.tuned_model_name == self.tuned_model, created.pre_tuned_model
        assert created.base_model == "", f"top-level baseModel on a continuous job: {created.base_model}"
        job = self.succeeded(created.name)
        base, _ = split_model(self.tuned_model)
        assert job.tuned_model.model == f"{base}@2", job.tuned_model.model
        assert job.pre_tuned_model.base_model == BASE_MODEL, job.pre_tuned_model
        assert job.pre_tuned_model.checkpoint_id == "1", job.pre_tuned_model
        version_2 = self.models.get_model(name=job.tuned_model.model)
        assert version_2.version_id == "2" and version_2.display_name == DISPLAY_NAME, version_2

    def list_model_versions(self) -> None:
        base, _ = split_model(self.tuned_model)
        versions = list(self.models.list_model_versions(name=base))
        names = sorted(m.name for m in versions)
        assert names == [f"{base}@1", f"{base}@2"], f"versions are named by version id: {names}"
        assert sorted(m.version_id for m in versions) == ["1", "2"], [m.version_id for m in versions]

    def list_model_version_checkpoints(self) -> None:
        base, _ = split_model(self.tuned_model)
        checkpoints = list(self.models.list_model_version_checkpoints(name=f"{base}@1"))
        assert [c.checkpoint_id for c in checkpoints] == ["1", "2"], checkpoints
        assert [c.epoch for c in checkpoints] == [1, 2], checkpoints
        assert all(c.step > 0 for c in checkpoints), checkpoints
        second = list(self.models.list_model_version_checkpoints(name=f"{base}@2"))
        assert len(second) == 1, second

    def merge_version_aliases_and_get_by_alias(self) -> None:
        base, _ = split_model(self.tuned_model)
        merged = self.models.merge_version_aliases(name=f"{base}@2", version_aliases=["golden"])
        assert merged.version_id == "2" and "golden" in merged.version_aliases, merged
        by_alias = self.models.get_model(name=f"{base}@golden")
        assert by_alias.version_id == "2", by_alias.version_id
        # Assigning an alias another version holds moves it.
        moved = self.models.merge_version_aliases(name=f"{base}@1", version_aliases=["golden"])
        assert "golden" in moved.version_aliases and "default" in moved.version_aliases, moved.version_aliases
        assert "golden" not in self.models.get_model(name=f"{base}@2").version_aliases
        assert self.models.get_model(name=f"{base}@golden").version_id == "1"
        # `-alias` removes it.
        removed = self.models.merge_version_aliases(name=f"{base}@1", version_aliases=["-golden"])
        assert "golden" not in removed.version_aliases, removed.version_aliases
        try:
            self.models.get_model(name=f"{base}@golden")
        except exceptions.NotFound:
            pass
        else:
            raise AssertionError("a removed alias still resolves")

    def update_default_checkpoint_with_mask(self) -> None:
        updated = self.models.update_model(
            model=self.api.Model(name=self.tuned_model, default_checkpoint_id="1"),
            update_mask=field_mask_pb2.FieldMask(paths=["default_checkpoint_id"]),
        )
        assert updated.default_checkpoint_id == "1", updated.default_checkpoint_id
        assert self.models.get_model(name=self.tuned_model).default_checkpoint_id == "1"

    def continue_with_new_display_name_creates_model(self) -> None:
        base, _ = split_model(self.tuned_model)
        created = self.create(
            self.api.TuningJob(
                pre_tuned_model=self.api.PreTunedModel(tuned_model_name=base),
                supervised_tuning_spec=self.supervised_spec(epochs=1),
                tuned_model_display_name=NEW_DISPLAY_NAME,
            )
        )
        job = self.succeeded(created.name)
        new_base, version = split_model(job.tuned_model.model)
        assert version == "1" and model_id(new_base) != model_id(base), job.tuned_model.model
        assert job.pre_tuned_model.base_model == BASE_MODEL, job.pre_tuned_model
        model = self.models.get_model(name=job.tuned_model.model)
        assert model.display_name == NEW_DISPLAY_NAME and model.version_id == "1", model
        self.new_model = job.tuned_model.model

    def list_tuning_jobs_across_pages(self) -> None:
        pager = self.tuning.list_tuning_jobs(request={"parent": self.parent, "page_size": 2})
        first_page = next(iter(pager.pages))
        assert len(first_page.tuning_jobs) == 2 and first_page.next_page_token, first_page
        names = [job.name for job in self.tuning.list_tuning_jobs(request={"parent": self.parent, "page_size": 2})]
        assert len(names) == len(set(names)), names
        assert sorted(names) == sorted(self.job_names), f"listed {names}, created {self.job_names}"

    def list_tuned_models(self) -> None:
        models = list(self.models.list_models(request={"parent": self.parent, "filter": "labels.tune-type:*"}))
        ids = sorted(model_id(m.name) for m in models)
        expected = sorted({model_id(self.tuned_model), model_id(self.new_model)})
        assert ids == expected, f"listed {ids}, expected {expected}"

    def get_missing_job_is_not_found(self) -> None:
        name = f"{self.parent}/tuningJobs/999999999999"
        try:
            self.tuning.get_tuning_job(name=name)
        except exceptions.NotFound as error:
            assert error.code == 404, error.code
        else:
            raise AssertionError(f"GET {name} succeeded")

    def cancel_a_running_job(self) -> None:
        # The emulator holds the next job in PENDING, so the cancel reaches a job that has not
        # ended and must be accepted.
        JobState = self.api.JobState
        hold_next_job()
        created = self.create(
            self.api.TuningJob(base_model=BASE_MODEL, supervised_tuning_spec=self.supervised_spec(epochs=1))
        )
        held = self.tuning.get_tuning_job(name=created.name)
        assert held.state == JobState.JOB_STATE_PENDING, held.state.name
        # CancelTuningJob answers google.protobuf.Empty, which the generated client returns as None.
        answer = self.tuning.cancel_tuning_job(name=created.name)
        assert answer is None, f"cancel answered {answer!r}"
        cancels = [e for e in answered_requests("CancelTuningJob") if e["path"].endswith(f"{created.name}:cancel")]
        assert [e["status"] for e in cancels] == [200], f"the emulator answered the cancel with {cancels}"
        job = self.wait_until_ended(created.name)
        assert job.state == JobState.JOB_STATE_CANCELLED, job.state.name
        assert job.error.code == 1, job.error
        assert job.end_time and job.end_time >= job.create_time, (job.create_time, job.end_time)
        assert not job.tuned_model.model, f"a cancelled job has a model: {job.tuned_model}"

    def cancel_a_finished_job_is_failed_precondition(self) -> None:
        created = self.create(
            self.api.TuningJob(base_model=BASE_MODEL, supervised_tuning_spec=self.supervised_spec(epochs=1))
        )
        self.succeeded(created.name)
        try:
            self.tuning.cancel_tuning_job(name=created.name)
        except exceptions.BadRequest as error:
            # FAILED_PRECONDITION is HTTP 400, which google-api-core maps to BadRequest by status.
            assert_error_status(error, "FAILED_PRECONDITION")
        else:
            raise AssertionError(f"cancelling the finished job {created.name} was accepted")
        job = self.tuning.get_tuning_job(name=created.name)
        assert job.state == self.api.JobState.JOB_STATE_SUCCEEDED, f"the refused cancel changed the job: {job.state.name}"

    def delete_model_version(self) -> None:
        try:
            self.models.delete_model_version(name=self.new_model).result(timeout=30)
        except exceptions.BadRequest as error:
            assert_error_status(error, "FAILED_PRECONDITION")
        except exceptions.FailedPrecondition:
            pass  # refused in the returned operation's error rather than up front
        else:
            raise AssertionError(f"deleting the only version {self.new_model} succeeded")
        base, _ = split_model(self.tuned_model)
        operation = self.models.delete_model_version(name=f"{base}@2")
        operation.result(timeout=30)
        assert operation.done(), operation.operation
        remaining = sorted(m.version_id for m in self.models.list_model_versions(name=base))
        assert remaining == ["1"], remaining

    def rebase_tuned_model(self) -> None:
        operation = self.tuning.rebase_tuned_model(
            request=self.api.RebaseTunedModelRequest(
                parent=self.parent,
                tuned_model_ref=self.api.TunedModelRef(tuned_model=self.tuned_model),
                tuning_job=self.api.TuningJob(tuned_model_display_name="gapic-rebased"),
            )
        )
        job = operation.result(timeout=30)  # polls GetOperation, unpacks the TuningJob response
        assert operation.done(), operation.operation
        assert operation.operation.name.startswith(f"{job.name}/operations/"), operation.operation.name
        metadata = operation.metadata
        assert metadata is not None and metadata.generic_metadata.create_time, metadata
        assert job.base_model == "gemini-3.5-flash", job.base_model
        assert job.tuned_model_display_name == "gapic-rebased", job.tuned_model_display_name
        assert job.state == self.api.JobState.JOB_STATE_PENDING, job.state.name
        finished = self.succeeded(job.name)
        first = self.tuning.get_tuning_job(name=self.first_job_name)
        assert finished.supervised_tuning_spec.training_dataset_uri == first.supervised_tuning_spec.training_dataset_uri
        assert finished.supervised_tuning_spec.hyper_parameters.epoch_count == (
            first.supervised_tuning_spec.hyper_parameters.epoch_count
        ), finished.supervised_tuning_spec
        assert split_model(finished.tuned_model.model)[0] != split_model(self.tuned_model)[0], finished.tuned_model
        self.job_names.append(job.name)

    def create_answers_are_pending_without_results(self) -> None:
        # Vertex AI answers a create with the job as accepted: PENDING, with no end time and no
        # tuned model yet. A caller reads the result from a later get, never from the create.
        assert self.create_answers, "no job was created"
        for job in self.create_answers:
            assert job.state == self.api.JobState.JOB_STATE_PENDING, f"create of {job.name} answered {job.state.name}"
            assert job.create_time and not job.end_time, (job.name, job.create_time, job.end_time)
            assert not job.tuned_model.model, f"create of {job.name}: {job.tuned_model}"


def run_each_api_version(flow_class: type[Flow], project_prefix: str) -> None:
    """Runs the checks of `flow_class` against v1beta1 then v1, each in a project of its own."""
    url = emulator_url()
    transcript = Transcript()
    runner = Runner(transcript)
    for api in (aiplatform_v1beta1, aiplatform_v1):
        label = api.__name__.rsplit(".", 1)[1]
        project = unique_project(f"{project_prefix}-{label.split('_')[1]}")
        flow = flow_class(api, url, project, transcript)
        for name, check in flow.checks():
            runner.run(f"{name} [{label}]", check)
    runner.finish()


def main() -> None:
    run_each_api_version(Flow, "gapic")


if __name__ == "__main__":
    main()
