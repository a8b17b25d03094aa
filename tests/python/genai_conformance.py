"""Drives mock-vertex with the official google-genai SDK, exactly as a user points it at an
emulator (spec section 9.7), under the SDK's default API version (v1beta1) and under v1.

Needs RETUNE_EMULATOR_URL (e.g. http://127.0.0.1:8080) of an emulator started with
`--jobs instant`. Each API version uses a project of its own (unique per run), so runs do not see each other.

Flow per API version: tune gemini-2.5-flash on the sample data, poll until it ends, read the
tuned model; continue tuning from checkpoint 1 (same model, next version); continue with a new
display name (new model); move the default checkpoint; list jobs and tuned models across pages;
get a missing job and a missing model (404); cancel a job the emulator holds in PENDING (accepted:
it ends CANCELLED) and a finished one (refused); every create answer is PENDING.
"""

from __future__ import annotations

import warnings
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
from google import genai
from google.genai import errors, types
from google.genai._common import ExperimentalWarning
from google.oauth2.credentials import Credentials

# tunings.tune() is marked experimental; that warning is noise here.
warnings.filterwarnings("ignore", category=ExperimentalWarning)
# The SDK only warns on an enum value it does not know; for a faithful server that is a failure.
warnings.filterwarnings("error", message=r".* is not a valid ")

DISPLAY_NAME = "conformance-model"
NEW_DISPLAY_NAME = "something-new"
USER_LABELS = {"suite": "genai-conformance"}


def make_client(url: str, project: str, api_version: str | None, transcript: Transcript) -> genai.Client:
    """A client built the way spec section 9.7 tells a user to, plus a response recorder."""
    options: dict[str, Any] = {
        "base_url": url,
        # Only observes responses (for failure reports); requests are untouched.
        "client_args": {"event_hooks": transcript.event_hooks()},
    }
    if api_version is not None:
        options["api_version"] = api_version
    return genai.Client(
        vertexai=True,
        project=project,
        location=LOCATION,
        credentials=Credentials(token="t"),
        http_options=types.HttpOptions(**options),
    )


def wait_until_ended(client: genai.Client, name: str) -> types.TuningJob:
    """Polls tunings.get until the job has ended (no sleeping: the emulator runs jobs instantly)."""
    for _ in range(MAX_POLLS):
        job = client.tunings.get(name=name)
        if job.has_ended:
            return job
    raise AssertionError(f"{name} had not ended after {MAX_POLLS} polls (state {job.state})")


def assert_client_error(error: errors.ClientError, code: int, status: str) -> None:
    assert error.code == code, f"expected HTTP {code}, got {error.code}: {error}"
    assert error.status == status, f"expected status {status}, got {error.status!r}: {error}"
    assert error.message, f"error without a message: {error}"


class Flow:
    """The conformance flow for one API version; checks share what earlier ones created."""

    def __init__(self, client: genai.Client, project: str, api_version: str) -> None:
        self.client = client
        self.project = project
        self.api_version = api_version
        self.location_name = f"projects/{project}/locations/{LOCATION}"
        # Names come back with the project number, as Vertex AI answers them.
        self.answered = answered_location(project)
        self.job_names: list[str] = []
        self.create_answers: list[types.TuningJob] = []
        self.first_job: types.TuningJob | None = None
        self.tuned_model: str = ""  # …/models/{id}@1
        self.new_model: str = ""  # …/models/{other id}@1

    def checks(self) -> list[tuple[str, Any]]:
        return [
            ("tune_from_base_model", self.tune_from_base_model),
            ("tuned_model_version_1_is_registered", self.tuned_model_version_1_is_registered),
            ("rule_2_bare_model_name_resolves_to_default_version", self.bare_model_name_resolves_to_default_version),
            ("rule_1_genai_sdk_continues_tuning_from_a_checkpoint_into_version_2", self.continue_from_checkpoint_adds_version_2),
            ("rule_4_new_display_name_creates_a_new_model", self.continue_with_new_display_name_creates_model),
            ("update_default_checkpoint", self.update_default_checkpoint),
            ("update_model_description", self.update_model_description),
            ("list_tuning_jobs_across_pages", self.list_tuning_jobs_across_pages),
            ("list_tuned_models", self.list_tuned_models),
            ("list_tuned_models_with_a_user_filter", self.list_tuned_models_with_a_user_filter),
            ("list_tuning_jobs_with_a_filter", self.list_tuning_jobs_with_a_filter),
            ("get_missing_job_is_404", self.get_missing_job_is_404),
            ("get_missing_model_is_404", self.get_missing_model_is_404),
            ("cancel_a_running_job", self.cancel_a_running_job),
            ("cancel_a_finished_job_is_failed_precondition", self.cancel_a_finished_job_is_failed_precondition),
            ("create_answers_are_pending_without_results", self.create_answers_are_pending_without_results),
        ]

    def tune(self, base_model: str, config: types.CreateTuningJobConfig) -> types.TuningJob:
        job = self.client.tunings.tune(
            base_model=base_model,
            training_dataset=types.TuningDataset(gcs_uri=TRAINING_URI),
            config=config,
        )
        assert job.name and job.name.startswith(f"{self.answered}/tuningJobs/"), job.name
        assert job.name.rsplit("/", 1)[1].isdigit(), f"job id is not numeric: {job.name}"
        assert job.state not in (
            types.JobState.JOB_STATE_FAILED,
            types.JobState.JOB_STATE_CANCELLED,
        ), f"create answered {job.state}: {job.error}"
        assert job.create_time is not None, "create answered without createTime"
        self.job_names.append(job.name)
        self.create_answers.append(job)
        return job

    def succeeded(self, name: str) -> types.TuningJob:
        job = wait_until_ended(self.client, name)
        assert job.state == types.JobState.JOB_STATE_SUCCEEDED, f"{name}: {job.state}, error {job.error}"
        assert job.has_succeeded
        assert job.start_time is not None and job.end_time is not None, "ended job without start/end time"
        assert job.end_time >= job.start_time >= job.create_time, (job.create_time, job.start_time, job.end_time)
        assert job.experiment, "succeeded job without experiment"
        assert job.tuned_model is not None and job.tuned_model.model, "succeeded job without tunedModel.model"
        assert job.tuned_model.endpoint and "/endpoints/" in job.tuned_model.endpoint, job.tuned_model
        stats = job.tuning_data_stats and job.tuning_data_stats.supervised_tuning_data_stats
        assert stats, "succeeded job without tuningDataStats.supervisedTuningDataStats"
        assert stats.tuning_dataset_example_count and stats.tuning_dataset_example_count > 0, stats
        return job

    # --- checks -----------------------------------------------------------------------------

    def tune_from_base_model(self) -> None:
        created = self.tune(
            BASE_MODEL,
            types.CreateTuningJobConfig(
                validation_dataset=types.TuningValidationDataset(gcs_uri=VALIDATION_URI),
                tuned_model_display_name=DISPLAY_NAME,
                description="conformance run",
                epoch_count=2,
                adapter_size=types.AdapterSize.ADAPTER_SIZE_FOUR,
                labels=USER_LABELS,
            ),
        )
        assert created.base_model == BASE_MODEL, created.base_model
        assert created.pre_tuned_model is None, created.pre_tuned_model
        assert created.tuned_model_display_name == DISPLAY_NAME, created.tuned_model_display_name

        job = self.succeeded(created.name)
        spec = job.supervised_tuning_spec
        assert spec is not None, "supervisedTuningSpec not echoed"
        assert spec.training_dataset_uri == TRAINING_URI, spec.training_dataset_uri
        assert spec.validation_dataset_uri == VALIDATION_URI, spec.validation_dataset_uri
        assert spec.hyper_parameters is not None, spec
        assert spec.hyper_parameters.epoch_count == 2, spec.hyper_parameters
        assert spec.hyper_parameters.adapter_size == types.AdapterSize.ADAPTER_SIZE_FOUR, spec.hyper_parameters
        assert job.labels and job.labels.get("suite") == USER_LABELS["suite"], job.labels
        assert job.description == "conformance run", job.description

        base, version = split_model(job.tuned_model.model)
        assert version == "1", f"tuned from a base model, expected @1: {job.tuned_model.model}"
        assert base.startswith(f"{self.answered}/models/"), base
        checkpoints = job.tuned_model.checkpoints or []
        assert [c.checkpoint_id for c in checkpoints] == ["1", "2"], checkpoints
        assert [c.epoch for c in checkpoints] == [1, 2], checkpoints
        assert all(c.step and c.step > 0 for c in checkpoints), checkpoints
        endpoints = [c.endpoint for c in checkpoints]
        assert all(e and "/endpoints/" in e for e in endpoints) and len(set(endpoints)) == 2, endpoints
        assert job.tuned_model.endpoint == endpoints[-1], "tuned endpoint is not the default (last) checkpoint's"
        self.first_job = job
        self.tuned_model = job.tuned_model.model

    def tuned_model_version_1_is_registered(self) -> None:
        model = self.client.models.get(model=self.tuned_model)
        assert split_model(model.name)[0] == split_model(self.tuned_model)[0], model.name
        assert model.version == "1", model.version
        assert model.display_name == DISPLAY_NAME, model.display_name
        assert model.default_checkpoint_id == "2", model.default_checkpoint_id
        assert [c.checkpoint_id for c in model.checkpoints or []] == ["1", "2"], model.checkpoints
        assert [c.epoch for c in model.checkpoints] == [1, 2], model.checkpoints
        labels = model.labels or {}
        assert labels.get(BASE_MODEL_LABEL_KEY) == BASE_MODEL_LABEL, labels
        assert labels.get("suite") == USER_LABELS["suite"], labels
        assert "tune-type" in labels, labels
        assert model.tuned_model_info and model.tuned_model_info.base_model == BASE_MODEL_LABEL, model.tuned_model_info

    def bare_model_name_resolves_to_default_version(self) -> None:
        base, _ = split_model(self.tuned_model)
        model = self.client.models.get(model=base)
        assert model.version == "1", f"GET {base} should give the default version 1, got {model.version}"

    def continue_from_checkpoint_adds_version_2(self) -> None:
        created = self.tune(
            self.tuned_model,
            types.CreateTuningJobConfig(pre_tuned_model_checkpoint_id="1", epoch_count=1),
        )
        assert created.base_model is None, f"top-level baseModel set on a continuous job: {created.base_model}"
        assert created.pre_tuned_model is not None, "preTunedModel not echoed"
        assert created.pre_tuned_model.tuned_model_name == self.tuned_model, created.pre_tuned_model
        assert created.pre_tuned_model.checkpoint_id == "1", created.pre_tuned_model

        job = self.succeeded(created.name)
        base, _ = split_model(self.tuned_model)
        assert job.tuned_model.model == f"{base}@2", f"expected {base}@2, got {job.tuned_model.model}"
        assert job.pre_tuned_model and job.pre_tuned_model.base_model == BASE_MODEL, job.pre_tuned_model
        assert job.base_model is None, job.base_model
        assert job.tuned_model.checkpoints and len(job.tuned_model.checkpoints) == 1, job.tuned_model.checkpoints

        version_2 = self.client.models.get(model=job.tuned_model.model)
        assert version_2.version == "2", version_2.version
        assert version_2.display_name == DISPLAY_NAME, version_2.display_name
        assert (version_2.labels or {}).get(BASE_MODEL_LABEL_KEY) == BASE_MODEL_LABEL, version_2.labels

    def continue_with_new_display_name_creates_model(self) -> None:
        base, _ = split_model(self.tuned_model)
        created = self.tune(
            base,  # bare name: the default version and its default checkpoint
            types.CreateTuningJobConfig(tuned_model_display_name=NEW_DISPLAY_NAME, epoch_count=1),
        )
        assert created.pre_tuned_model and created.pre_tuned_model.tuned_model_name == base, created.pre_tuned_model
        job = self.succeeded(created.name)
        new_base, version = split_model(job.tuned_model.model)
        assert version == "1", f"a new model starts at @1: {job.tuned_model.model}"
        assert model_id(new_base) != model_id(base), f"expected a new model id, got {job.tuned_model.model}"
        assert job.pre_tuned_model and job.pre_tuned_model.base_model == BASE_MODEL, job.pre_tuned_model
        assert job.tuned_model_display_name == NEW_DISPLAY_NAME, job.tuned_model_display_name

        model = self.client.models.get(model=job.tuned_model.model)
        assert model.display_name == NEW_DISPLAY_NAME, model.display_name
        assert model.version == "1", model.version
        assert model.tuned_model_info and model.tuned_model_info.base_model == BASE_MODEL_LABEL, model.tuned_model_info
        self.new_model = job.tuned_model.model

    def update_default_checkpoint(self) -> None:
        updated = self.client.models.update(
            model=self.tuned_model, config=types.UpdateModelConfig(default_checkpoint_id="1")
        )
        assert updated.default_checkpoint_id == "1", updated.default_checkpoint_id
        assert updated.version == "1", updated.version
        again = self.client.models.get(model=self.tuned_model)
        assert again.default_checkpoint_id == "1", again.default_checkpoint_id
        # The tuned model's endpoint is the default checkpoint's (tuning-checkpoints docs).
        assert self.first_job is not None
        job = self.client.tunings.get(name=self.first_job.name)
        checkpoint_1 = next(c for c in job.tuned_model.checkpoints if c.checkpoint_id == "1")
        assert job.tuned_model.endpoint == checkpoint_1.endpoint, (
            f"tunedModel.endpoint {job.tuned_model.endpoint} did not follow the default checkpoint "
            f"to {checkpoint_1.endpoint}"
        )

    def update_model_description(self) -> None:
        base, _ = split_model(self.tuned_model)
        updated = self.client.models.update(
            model=base, config=types.UpdateModelConfig(description="updated by the conformance run")
        )
        assert updated.description == "updated by the conformance run", updated.description
        again = self.client.models.get(model=f"{base}@2")
        assert again.description == "updated by the conformance run", "model-level description not shared"

    def list_tuning_jobs_across_pages(self) -> None:
        pager = self.client.tunings.list(config=types.ListTuningJobsConfig(page_size=2))
        assert len(pager.page) == 2, f"first page of size 2 has {len(pager.page)} jobs"
        names = [job.name for job in pager]
        assert len(names) == len(set(names)), f"a job appears twice across pages: {names}"
        assert sorted(names) == sorted(self.job_names), f"listed {names}, created {self.job_names}"
        jobs = [self.client.tunings.get(name=n) for n in names]
        create_times = [j.create_time for j in jobs]
        assert create_times == sorted(create_times, reverse=True), f"not newest first: {create_times}"

    def list_tuned_models(self) -> None:
        models = list(self.client.models.list(config={"query_base": False}))
        ids = sorted(model_id(m.name) for m in models)
        expected = sorted({model_id(self.tuned_model), model_id(self.new_model)})
        assert ids == expected, f"listed models {ids}, expected {expected}"
        for m in models:
            assert "tune-type" in (m.labels or {}), m.labels
        paged = self.client.models.list(config={"query_base": False, "page_size": 1})
        assert len(paged.page) == 1, paged.page
        assert sorted(model_id(m.name) for m in paged) == expected

    def list_tuned_models_with_a_user_filter(self) -> None:
        # The SDK glues its own filter to the user's: `display_name="x"&filter=labels.tune-type:*`.
        models = list(
            self.client.models.list(
                config={"query_base": False, "filter": f'display_name="{NEW_DISPLAY_NAME}"'}
            )
        )
        assert [model_id(m.name) for m in models] == [model_id(self.new_model)], [m.name for m in models]

    def list_tuning_jobs_with_a_filter(self) -> None:
        succeeded = [
            job.name
            for job in self.client.tunings.list(config={"filter": "state=JOB_STATE_SUCCEEDED", "page_size": 2})
        ]
        assert sorted(succeeded) == sorted(self.job_names), f"listed {succeeded}, created {self.job_names}"
        labelled = [
            job.name
            for job in self.client.tunings.list(config={"filter": f'labels.suite="{USER_LABELS["suite"]}"'})
        ]
        assert labelled == [self.job_names[0]], f"only the first job has the label: {labelled}"

    def get_missing_job_is_404(self) -> None:
        name = f"{self.location_name}/tuningJobs/999999999999"
        try:
            self.client.tunings.get(name=name)
        except errors.ClientError as error:
            assert_client_error(error, 404, "NOT_FOUND")
        else:
            raise AssertionError(f"GET {name} succeeded")

    def get_missing_model_is_404(self) -> None:
        base, _ = split_model(self.tuned_model)
        for name in (f"{self.location_name}/models/999999999999", f"{base}@99", f"{base}@nope"):
            try:
                self.client.models.get(model=name)
            except errors.ClientError as error:
                assert_client_error(error, 404, "NOT_FOUND")
            else:
                raise AssertionError(f"GET {name} succeeded")

    def cancel_a_running_job(self) -> None:
        # The emulator holds the next job in PENDING, so the cancel reaches a job that has not
        # ended and must be accepted.
        hold_next_job()
        created = self.tune(BASE_MODEL, types.CreateTuningJobConfig(epoch_count=1))
        held = self.client.tunings.get(name=created.name)
        assert held.state == types.JobState.JOB_STATE_PENDING and not held.has_ended, held.state
        answer = self.client.tunings.cancel(name=created.name)
        assert isinstance(answer, types.CancelTuningJobResponse), f"cancel answered {answer!r}"
        cancels = [e for e in answered_requests("CancelTuningJob") if e["path"].endswith(f"{created.name}:cancel")]
        assert [e["status"] for e in cancels] == [200], f"the emulator answered the cancel with {cancels}"
        # Accepted: the job moves to CANCELLED with error.code 1 (CANCELLED) and is not deleted.
        job = wait_until_ended(self.client, created.name)
        assert job.state == types.JobState.JOB_STATE_CANCELLED, job.state
        assert job.has_ended and not job.has_succeeded, job.state
        assert job.error is not None and job.error.code == 1, job.error
        assert job.end_time is not None and job.end_time >= job.create_time, (job.create_time, job.end_time)
        assert job.tuned_model is None or not job.tuned_model.model, f"a cancelled job has a model: {job.tuned_model}"

    def cancel_a_finished_job_is_failed_precondition(self) -> None:
        created = self.tune(BASE_MODEL, types.CreateTuningJobConfig(epoch_count=1))
        self.succeeded(created.name)
        try:
            self.client.tunings.cancel(name=created.name)
        except errors.ClientError as error:
            # Cancelling a job that has ended is a FAILED_PRECONDITION (spec 8.3).
            assert_client_error(error, 400, "FAILED_PRECONDITION")
        else:
            raise AssertionError(f"cancelling the finished job {created.name} was accepted")
        job = self.client.tunings.get(name=created.name)
        assert job.state == types.JobState.JOB_STATE_SUCCEEDED, f"the refused cancel changed the job: {job.state}"

    def create_answers_are_pending_without_results(self) -> None:
        # Vertex AI answers a create with the job as accepted: PENDING, with no end time and no
        # tuned model yet. A caller reads the result from a later get, never from the create.
        assert self.create_answers, "no job was created"
        for job in self.create_answers:
            assert job.state == types.JobState.JOB_STATE_PENDING, f"create of {job.name} answered {job.state}"
            assert job.create_time is not None and job.end_time is None, (job.name, job.create_time, job.end_time)
            assert job.tuned_model is None or not job.tuned_model.model, f"create of {job.name}: {job.tuned_model}"


def main() -> None:
    url = emulator_url()
    transcript = Transcript()
    runner = Runner(transcript)
    for api_version in (None, "v1"):
        label = api_version or "v1beta1 (default)"
        project = unique_project(f"genai-{api_version or 'default'}")
        client = make_client(url, project, api_version, transcript)
        flow = Flow(client, project, api_version or "v1beta1")
        for name, check in flow.checks():
            runner.run(f"{name} [{label}]", check)
    runner.finish()


if __name__ == "__main__":
    main()
