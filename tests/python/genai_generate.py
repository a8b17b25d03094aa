"""Calls tuned models with the official google-genai SDK against mock-vertex, as Google's samples
for tuning with checkpoints end: `generate_content` on `tuned_model.endpoint` and on each
`tuned_model.checkpoints[i].endpoint`, and on the base model `gemini-2.5-flash`, under the SDK's
default API version (v1beta1) and under v1.

Needs RETUNE_EMULATOR_URL of an emulator started with `--jobs instant` (its Cloud Storage API
serves the second data set, uploaded here). Each API version uses a project of its own.

Flow per API version: tune on the sample data (version 1); ask its endpoint, streamed and not,
and every checkpoint's endpoint, a training question (the training answer comes back); ask the
base model (it says it is the base model); read publisher models; count tokens; truncate with
maxOutputTokens; show continuous tuning in the answers (version 1 does not know the second data
set, version 2 tuned on it from version 1 does, version 1 still does not); refuse bad requests
naming the field; answer an injected 429 with RetryInfo.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
import warnings
from typing import Any

from conformance_support import (
    BASE_MODEL,
    LOCATION,
    MAX_POLLS,
    TRAINING_URI,
    Runner,
    Transcript,
    emulator_admin,
    emulator_url,
    unique_project,
)
from google import genai
from google.genai import errors, types
from google.genai._common import ExperimentalWarning
from google.oauth2.credentials import Credentials

warnings.filterwarnings("ignore", category=ExperimentalWarning)

# A question of the sample training data and its answer.
FIRST_QUESTION = "What is the capital of Australia?"
FIRST_ANSWER = "The capital of Australia is Canberra."
# The second data set: questions the first one has no words for.
SECOND_QUESTION = "Who designed the retune otter mascot?"
SECOND_ANSWER = "Ada Quill designed the retune otter mascot in 2024."
SECOND_DATASET = [
    (SECOND_QUESTION, SECOND_ANSWER),
    ("Which harbour hosts the yearly retune meetup?", "The yearly retune meetup is held in Lisbon harbour."),
    ("What colour is the retune logo?", "The retune logo is teal."),
]
BASE_REPLY_PREFIX = f"[base model {BASE_MODEL}]"


def make_client(url: str, project: str, api_version: str | None, transcript: Transcript) -> genai.Client:
    options: dict[str, Any] = {"base_url": url, "client_args": {"event_hooks": transcript.event_hooks()}}
    if api_version is not None:
        options["api_version"] = api_version
    return genai.Client(
        vertexai=True,
        project=project,
        location=LOCATION,
        credentials=Credentials(token="t"),
        http_options=types.HttpOptions(**options),
    )


def upload_second_dataset(url: str, bucket: str) -> str:
    """Creates a bucket on the emulator's Cloud Storage API and uploads the second data set."""
    lines = "\n".join(
        json.dumps({"contents": [
            {"role": "user", "parts": [{"text": q}]},
            {"role": "model", "parts": [{"text": a}]},
        ]})
        for q, a in SECOND_DATASET
    )
    create = urllib.request.Request(
        f"{url}/storage/v1/b?project=p",
        data=json.dumps({"name": bucket}).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    urllib.request.urlopen(create, timeout=30).read()
    upload = urllib.request.Request(
        f"{url}/upload/storage/v1/b/{bucket}/o?uploadType=media&name=second.jsonl",
        data=lines.encode(),
        method="POST",
        headers={"content-type": "application/jsonl"},
    )
    urllib.request.urlopen(upload, timeout=30).read()
    return f"gs://{bucket}/second.jsonl"


def raw_post(url: str, body: Any) -> tuple[int, dict[str, Any]]:
    """POSTs a JSON body as is (no SDK validation) and returns the status and the JSON answer."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def violated_fields(answer: dict[str, Any]) -> list[str]:
    details = answer.get("error", {}).get("details", [])
    return [
        v.get("field")
        for d in details
        if d.get("@type", "").endswith("google.rpc.BadRequest")
        for v in d.get("fieldViolations", [])
    ]


class Flow:
    def __init__(self, client: genai.Client, url: str, project: str, api_version: str) -> None:
        self.client = client
        self.url = url
        self.project = project
        self.api_version = api_version
        self.location_name = f"projects/{project}/locations/{LOCATION}"
        self.first: types.TuningJob | None = None
        self.second_uri = ""

    def checks(self) -> list[tuple[str, Any]]:
        return [
            ("tuned_endpoint_answers_a_training_question", self.tuned_endpoint_answers),
            ("tuned_endpoint_streams_the_training_answer", self.tuned_endpoint_streams),
            ("every_checkpoint_endpoint_answers_and_names_its_checkpoint", self.checkpoint_endpoints_answer),
            ("base_model_answers_as_the_base_model", self.base_model_answers),
            ("publisher_models_are_read_and_unknown_ones_are_404", self.publisher_models),
            ("count_tokens_uses_the_data_set_estimator", self.count_tokens),
            ("max_output_tokens_truncates_with_max_tokens", self.max_output_tokens),
            ("version_1_does_not_know_the_second_data_set", self.version_1_does_not_know_second),
            ("continued_version_2_knows_both_data_sets", self.version_2_knows_both),
            ("version_1_still_does_not_know_the_second_data_set", self.version_1_does_not_know_second),
            ("empty_contents_is_400_naming_contents", self.empty_contents),
            ("a_role_other_than_user_or_model_is_400_naming_it", self.bad_role),
            ("a_wrong_typed_field_is_400_naming_it", self.wrong_type),
            ("a_text_over_the_limit_is_400_naming_it", self.text_over_limit),
            ("an_injected_429_carries_retry_info", self.resource_exhausted),
        ]

    # --- helpers ----------------------------------------------------------------------------

    def tune(self, base_model: str, uri: str, config: types.CreateTuningJobConfig) -> types.TuningJob:
        job = self.client.tunings.tune(
            base_model=base_model, training_dataset=types.TuningDataset(gcs_uri=uri), config=config
        )
        for _ in range(MAX_POLLS):
            job = self.client.tunings.get(name=job.name)
            if job.has_ended:
                break
        assert job.state == types.JobState.JOB_STATE_SUCCEEDED, f"{job.name}: {job.state} {job.error}"
        return job

    def first_job(self) -> types.TuningJob:
        if self.first is None:
            self.first = self.tune(BASE_MODEL, TRAINING_URI, types.CreateTuningJobConfig(epoch_count=2))
        return self.first

    def ask(self, model: str, question: str, **config: Any) -> types.GenerateContentResponse:
        return self.client.models.generate_content(
            model=model,
            contents=question,
            config=types.GenerateContentConfig(**config) if config else None,
        )

    def stream(self, model: str, question: str) -> list[types.GenerateContentResponse]:
        return list(self.client.models.generate_content_stream(model=model, contents=question))

    def rest(self, model: str, verb: str) -> str:
        return f"{self.url}/{self.api_version}/{model}:{verb}"

    # --- checks -----------------------------------------------------------------------------

    def tuned_endpoint_answers(self) -> None:
        job = self.first_job()
        response = self.ask(job.tuned_model.endpoint, FIRST_QUESTION)
        assert response.text == FIRST_ANSWER, response.text
        candidate = response.candidates[0]
        assert candidate.finish_reason == types.FinishReason.STOP, candidate.finish_reason
        assert response.model_version == f"{job.tuned_model.model}/checkpoints/2", response.model_version
        assert response.response_id, "no responseId"
        assert response.create_time is not None, "no createTime"
        usage = response.usage_metadata
        assert usage.prompt_token_count == math.ceil(len(FIRST_QUESTION) / 4), usage
        assert usage.candidates_token_count == math.ceil(len(FIRST_ANSWER) / 4), usage
        assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count, usage

    def tuned_endpoint_streams(self) -> None:
        job = self.first_job()
        chunks = self.stream(job.tuned_model.endpoint, FIRST_QUESTION)
        assert len(chunks) > 1, f"one chunk only: {chunks}"
        assert "".join(c.text or "" for c in chunks) == FIRST_ANSWER, [c.text for c in chunks]
        assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP, chunks[-1]
        assert chunks[-1].usage_metadata and chunks[-1].usage_metadata.total_token_count, chunks[-1]
        sent = [e for e in emulator_admin("GET", "/_emulator/requests")["requests"]
                if e.get("rpc") == "StreamGenerateContent"]
        assert sent and "alt=sse" in (sent[-1].get("query") or ""), sent[-1:]

    def checkpoint_endpoints_answer(self) -> None:
        job = self.first_job()
        checkpoints = job.tuned_model.checkpoints or []
        assert len(checkpoints) == 2, checkpoints
        for checkpoint in checkpoints:
            response = self.ask(checkpoint.endpoint, FIRST_QUESTION)
            assert response.text == FIRST_ANSWER, (checkpoint.checkpoint_id, response.text)
            expected = f"{job.tuned_model.model}/checkpoints/{checkpoint.checkpoint_id}"
            assert response.model_version == expected, response.model_version
            streamed = "".join(c.text or "" for c in self.stream(checkpoint.endpoint, FIRST_QUESTION))
            assert streamed == FIRST_ANSWER, streamed

    def base_model_answers(self) -> None:
        response = self.ask(BASE_MODEL, FIRST_QUESTION)
        assert response.text.startswith(BASE_REPLY_PREFIX), response.text
        assert response.model_version == BASE_MODEL, response.model_version
        streamed = "".join(c.text or "" for c in self.stream(BASE_MODEL, FIRST_QUESTION))
        assert streamed == response.text, (streamed, response.text)

    def publisher_models(self) -> None:
        model = self.client.models.get(model=BASE_MODEL)
        assert model.name == f"publishers/google/models/{BASE_MODEL}", model.name
        names = [m.name for m in self.client.models.list()]
        assert f"publishers/google/models/{BASE_MODEL}" in names, names
        for call in (
            lambda: self.client.models.get(model="gemini-0.1-imaginary"),
            lambda: self.ask("gemini-0.1-imaginary", FIRST_QUESTION),
        ):
            try:
                call()
            except errors.ClientError as error:
                assert error.code == 404 and error.status == "NOT_FOUND", error
                assert "Publisher Model" in (error.message or ""), error.message
            else:
                raise AssertionError("an unknown publisher model was served")

    def count_tokens(self) -> None:
        job = self.first_job()
        counted = self.client.models.count_tokens(model=job.tuned_model.endpoint, contents=FIRST_QUESTION)
        assert counted.total_tokens == math.ceil(len(FIRST_QUESTION) / 4), counted

    def max_output_tokens(self) -> None:
        job = self.first_job()
        response = self.ask(job.tuned_model.endpoint, FIRST_QUESTION, max_output_tokens=2, candidate_count=2)
        assert len(response.candidates) == 2, response.candidates
        for candidate in response.candidates:
            assert candidate.finish_reason == types.FinishReason.MAX_TOKENS, candidate.finish_reason
            assert candidate.content.parts[0].text == FIRST_ANSWER[:8], candidate.content
        as_json = self.ask(job.tuned_model.endpoint, FIRST_QUESTION, response_mime_type="application/json")
        assert json.loads(as_json.text) == FIRST_ANSWER, as_json.text

    def version_1_does_not_know_second(self) -> None:
        job = self.first_job()
        response = self.ask(job.tuned_model.endpoint, SECOND_QUESTION)
        assert response.text.startswith(BASE_REPLY_PREFIX), response.text
        assert response.text != SECOND_ANSWER

    def version_2_knows_both(self) -> None:
        job = self.first_job()
        if not self.second_uri:
            self.second_uri = upload_second_dataset(self.url, f"retune-second-{self.project}")
        continued = self.tune(
            job.tuned_model.model, self.second_uri, types.CreateTuningJobConfig(epoch_count=1)
        )
        assert continued.tuned_model.model.endswith("@2"), continued.tuned_model.model
        endpoint = continued.tuned_model.endpoint
        assert self.ask(endpoint, SECOND_QUESTION).text == SECOND_ANSWER
        assert self.ask(endpoint, FIRST_QUESTION).text == FIRST_ANSWER
        assert self.ask(endpoint, SECOND_QUESTION).model_version.startswith(continued.tuned_model.model)

    def expect_400(self, body: Any, field: str) -> None:
        job = self.first_job()
        status, answer = raw_post(self.rest(job.tuned_model.endpoint, "generateContent"), body)
        assert status == 400, (status, answer)
        assert answer["error"]["status"] == "INVALID_ARGUMENT", answer
        assert field in violated_fields(answer), (field, answer)

    def empty_contents(self) -> None:
        self.expect_400({"contents": []}, "contents")

    def bad_role(self) -> None:
        self.expect_400({"contents": [{"role": "system", "parts": [{"text": "hi"}]}]}, "contents[0].role")

    def wrong_type(self) -> None:
        self.expect_400(
            {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": "many"}},
            "generation_config.max_output_tokens",
        )

    def text_over_limit(self) -> None:
        self.expect_400(
            {"contents": [{"role": "user", "parts": [{"text": "x" * (4 * 1_048_576 + 4)}]}]},
            "contents[0].parts[0].text",
        )

    def resource_exhausted(self) -> None:
        job = self.first_job()
        emulator_admin(
            "POST",
            "/_emulator/faults",
            {"route": "GenerateContent", "status": 429, "times": 1, "retryDelay": "2s",
             "message": "Resource exhausted. Please try again later."},
        )
        try:
            self.ask(job.tuned_model.endpoint, FIRST_QUESTION)
        except errors.ClientError as error:
            assert error.code == 429 and error.status == "RESOURCE_EXHAUSTED", error
            details = error.details["error"]["details"]
            retry = [d for d in details if d.get("@type", "").endswith("google.rpc.RetryInfo")]
            assert retry and retry[0]["retryDelay"] == "2s", details
        else:
            raise AssertionError("the injected 429 was not answered")
        assert self.ask(job.tuned_model.endpoint, FIRST_QUESTION).text == FIRST_ANSWER


def main() -> None:
    url = emulator_url()
    transcript = Transcript()
    runner = Runner(transcript)
    for api_version in (None, "v1"):
        label = api_version or "v1beta1 (default)"
        project = unique_project(f"generate-{api_version or 'default'}")
        client = make_client(url, project, api_version, transcript)
        flow = Flow(client, url, project, api_version or "v1beta1")
        for name, check in flow.checks():
            runner.run(f"{name} [{label}]", check)
    runner.finish()


if __name__ == "__main__":
    main()
