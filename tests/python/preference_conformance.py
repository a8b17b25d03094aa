"""Drives mock-vertex's preference tuning with the official google-genai SDK
(`method="PREFERENCE_TUNING"`), under the SDK's default API version (v1beta1) and under v1.

Needs RETUNE_EMULATOR_URL and STORAGE_EMULATOR_HOST (both the emulator, started with
`--jobs instant`). The preference data sets are uploaded with google-cloud-storage.

Flow per API version: preference-tune gemini-2.5-flash, poll it to SUCCEEDED and check its spec,
checkpoints and `preferenceOptimizationDataStats`; read the tuned model; tune an SFT model and
continue it with preference tuning into version 2; try to continue the preference-tuned model
(refused, with the reason); fail three jobs on bad preference data, each naming the line
and field; and tune an SFT job with `evaluationConfig`, whose evaluation results the SDK reads
back from the job and google-cloud-storage from the output prefix.
"""

from __future__ import annotations

import json
import uuid
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
    Runner,
    Transcript,
    emulator_url,
    split_model,
    unique_project,
)
from google import genai
from google.cloud import storage
from google.genai import errors, types
from google.genai._common import ExperimentalWarning
from google.oauth2.credentials import Credentials

warnings.filterwarnings("ignore", category=ExperimentalWarning)
warnings.filterwarnings("error", message=r".* is not a valid ")

PREFERENCE = "PREFERENCE_TUNING"
PROMPTS = [
    ("What is my favourite fruit?", "Apple! Apple! Apple!", "Your favourite fruit is apple."),
    ("Name a colour.", "Blue, like the sea!", "Blue."),
    ("Say hello.", "Hello there, friend!", "Hello."),
]


def preference_line(prompt: str, preferred: str, dispreferred: str) -> dict[str, Any]:
    return {
        "systemInstruction": {"parts": [{"text": "You are a cheerful chat bot."}]},
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "completions": [
            {"score": 1, "completion": {"role": "model", "parts": [{"text": preferred}]}},
            {"score": 0, "completion": {"role": "model", "parts": [{"text": dispreferred}]}},
        ],
    }


GOOD_LINES = [preference_line(*p) for p in PROMPTS]


def upload(bucket: storage.Bucket, name: str, lines: list[dict[str, Any]]) -> str:
    data = "\n".join(json.dumps(line) for line in lines) + "\n"
    bucket.blob(name).upload_from_string(data.encode("utf-8"), content_type="application/jsonl")
    return f"gs://{bucket.name}/{name}"


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


class Flow:
    """The preference flow for one API version."""

    def __init__(self, client: genai.Client, bucket: storage.Bucket, project: str) -> None:
        self.client = client
        self.bucket = bucket
        self.location_name = f"projects/{project}/locations/{LOCATION}"
        # Names come back with the project number, as Vertex AI answers them.
        self.answered = answered_location(project)
        self.training_uri = upload(bucket, "preference/train.jsonl", GOOD_LINES)
        self.validation_uri = upload(bucket, "preference/validation.jsonl", GOOD_LINES[:1])
        self.preference_model = ""

    def checks(self) -> list[tuple[str, Any]]:
        return [
            ("preference_tuning_from_base_model_succeeds", self.preference_tuning_from_base_model),
            ("preference_tuned_model_is_registered", self.preference_tuned_model_is_registered),
            ("sft_model_continues_with_preference_tuning_into_version_2", self.sft_continues_with_preference),
            ("rule_5_preference_tuned_model_cannot_be_continued", self.preference_model_cannot_be_continued),
            ("line_without_completions_fails_the_job", self.line_without_completions_fails),
            ("score_that_is_not_a_number_fails_the_job", self.score_not_a_number_fails),
            ("last_turn_from_the_model_fails_the_job", self.last_turn_from_the_model_fails),
            ("sft_job_with_evaluation_config_reports_evaluation_results", self.evaluation_results),
        ]

    def tune(self, base_model: str, training_uri: str, config: types.CreateTuningJobConfig) -> types.TuningJob:
        job = self.client.tunings.tune(
            base_model=base_model,
            training_dataset=types.TuningDataset(gcs_uri=training_uri),
            config=config,
        )
        assert job.name and job.name.startswith(f"{self.answered}/tuningJobs/"), job.name
        return job

    def ended(self, name: str) -> types.TuningJob:
        for _ in range(MAX_POLLS):
            job = self.client.tunings.get(name=name)
            if job.has_ended:
                return job
        raise AssertionError(f"{name} had not ended after {MAX_POLLS} polls")

    def succeeded(self, name: str) -> types.TuningJob:
        job = self.ended(name)
        assert job.state == types.JobState.JOB_STATE_SUCCEEDED, f"{name}: {job.state}, error {job.error}"
        return job

    def failed_with(self, lines: list[dict[str, Any]], *expected: str) -> None:
        uri = upload(self.bucket, f"preference/bad-{uuid.uuid4().hex[:8]}.jsonl", lines)
        created = self.tune(BASE_MODEL, uri, types.CreateTuningJobConfig(method=PREFERENCE, epoch_count=1))
        job = self.ended(created.name)
        assert job.state == types.JobState.JOB_STATE_FAILED, f"{job.name}: {job.state}"
        assert job.error is not None and job.error.code == 3, job.error
        for text in expected:
            assert text in (job.error.message or ""), f"{text!r} not in {job.error.message!r}"
        assert job.tuned_model is None or not job.tuned_model.model, job.tuned_model

    # --- checks -----------------------------------------------------------------------------

    def preference_tuning_from_base_model(self) -> None:
        created = self.tune(
            BASE_MODEL,
            self.training_uri,
            types.CreateTuningJobConfig(
                method=PREFERENCE,
                validation_dataset=types.TuningValidationDataset(gcs_uri=self.validation_uri),
                tuned_model_display_name="preference-model",
                epoch_count=2,
                beta=0.25,
                learning_rate_multiplier=0.5,
                adapter_size=types.AdapterSize.ADAPTER_SIZE_FOUR,
                labels={"suite": "preference"},
            ),
        )
        assert created.state == types.JobState.JOB_STATE_PENDING, created.state
        job = self.succeeded(created.name)
        assert job.supervised_tuning_spec is None, job.supervised_tuning_spec
        spec = job.preference_optimization_spec
        assert spec is not None, "preferenceOptimizationSpec not echoed"
        assert spec.training_dataset_uri == self.training_uri, spec
        assert spec.validation_dataset_uri == self.validation_uri, spec
        hyper = spec.hyper_parameters
        assert hyper is not None and hyper.epoch_count == 2 and hyper.beta == 0.25, hyper
        assert hyper.learning_rate_multiplier == 0.5, hyper
        assert hyper.adapter_size == types.AdapterSize.ADAPTER_SIZE_FOUR, hyper

        base, version = split_model(job.tuned_model.model)
        assert version == "1", job.tuned_model.model
        checkpoints = job.tuned_model.checkpoints or []
        assert [c.checkpoint_id for c in checkpoints] == ["1", "2"], checkpoints
        assert [c.epoch for c in checkpoints] == [1, 2], checkpoints
        assert job.tuned_model.endpoint == checkpoints[-1].endpoint, job.tuned_model

        data = job.tuning_data_stats
        assert data is not None and data.supervised_tuning_data_stats is None, data
        stats = data.preference_optimization_data_stats
        assert stats is not None, "no preferenceOptimizationDataStats"
        assert stats.tuning_dataset_example_count == len(PROMPTS), stats
        assert stats.tuning_step_count and stats.tuning_step_count >= 2, stats
        assert stats.total_billable_token_count and stats.total_billable_token_count > 0, stats
        assert stats.scores_distribution is not None and stats.scores_distribution.sum == len(PROMPTS), stats
        # proto3 JSON leaves a zero out: min 0 reads back as None.
        assert not stats.scores_distribution.min and stats.scores_distribution.max == 1, stats
        assert stats.score_variance_per_example_distribution.mean == 0.25, stats
        assert stats.user_input_token_distribution.sum > 0, stats
        example = stats.user_dataset_examples[0]
        assert example.contents[0].parts[0].text == PROMPTS[0][0], example
        assert [c.score for c in example.completions] == [1.0, 0.0], example
        assert example.completions[0].completion.parts[0].text == PROMPTS[0][1], example
        self.preference_model = job.tuned_model.model

    def preference_tuned_model_is_registered(self) -> None:
        model = self.client.models.get(model=self.preference_model)
        assert model.version == "1", model.version
        assert model.display_name == "preference-model", model.display_name
        assert model.default_checkpoint_id == "2", model.default_checkpoint_id
        assert [c.checkpoint_id for c in model.checkpoints or []] == ["1", "2"], model.checkpoints
        labels = model.labels or {}
        assert labels.get(BASE_MODEL_LABEL_KEY) == BASE_MODEL_LABEL, labels
        assert labels.get("suite") == "preference", labels
        assert model.endpoints and len(model.endpoints) >= 1, model.endpoints

    def sft_continues_with_preference(self) -> None:
        sft = self.succeeded(
            self.tune(BASE_MODEL, TRAINING_URI, types.CreateTuningJobConfig(epoch_count=1)).name
        )
        sft_model = sft.tuned_model.model
        assert split_model(sft_model)[1] == "1", sft_model
        created = self.tune(
            sft_model,
            self.training_uri,
            types.CreateTuningJobConfig(method=PREFERENCE, epoch_count=1, beta=0.1),
        )
        assert created.pre_tuned_model is not None, created
        assert created.pre_tuned_model.tuned_model_name == sft_model, created.pre_tuned_model
        job = self.succeeded(created.name)
        assert job.pre_tuned_model.base_model == BASE_MODEL, job.pre_tuned_model
        assert job.preference_optimization_spec is not None, job
        base, version = split_model(job.tuned_model.model)
        assert base == split_model(sft_model)[0] and version == "2", job.tuned_model.model
        stats = job.tuning_data_stats.preference_optimization_data_stats
        assert stats is not None and stats.tuning_dataset_example_count == len(PROMPTS), job.tuning_data_stats
        model = self.client.models.get(model=job.tuned_model.model)
        assert model.version == "2", model.version

    def preference_model_cannot_be_continued(self) -> None:
        assert self.preference_model, "no preference-tuned model"
        for method in (PREFERENCE, "SUPERVISED_FINE_TUNING"):
            uri = self.training_uri if method == PREFERENCE else TRAINING_URI
            try:
                self.tune(self.preference_model, uri, types.CreateTuningJobConfig(method=method, epoch_count=1))
            except errors.ClientError as error:
                assert error.code == 400 and error.status == "FAILED_PRECONDITION", error
                assert "preference optimization" in (error.message or ""), error.message
            else:
                raise AssertionError(f"continuing {self.preference_model} with {method} was accepted")

    def line_without_completions_fails(self) -> None:
        bad = {k: v for k, v in GOOD_LINES[1].items() if k != "completions"}
        self.failed_with([GOOD_LINES[0], bad], "line 2: completions: `completions` is required")

    def score_not_a_number_fails(self) -> None:
        bad = json.loads(json.dumps(GOOD_LINES[0]))
        bad["completions"][1]["score"] = "zero"
        self.failed_with(
            [GOOD_LINES[0], GOOD_LINES[1], bad],
            "line 3: completions[1].score: expected a number, found a string",
        )

    def last_turn_from_the_model_fails(self) -> None:
        bad = json.loads(json.dumps(GOOD_LINES[0]))
        bad["contents"].append({"role": "model", "parts": [{"text": "Apple."}]})
        self.failed_with([bad], "line 1: contents[1].role: the last turn must come from `user`")


    def evaluation_results(self) -> None:
        prefix = f"gs://{self.bucket.name}/evals"
        created = self.tune(
            BASE_MODEL,
            TRAINING_URI,
            types.CreateTuningJobConfig(
                epoch_count=2,
                evaluation_config=types.EvaluationConfig(
                    metrics=[types.Metric(name="bleu"), types.Metric(name="rouge_l_sum")],
                    output_config=types.OutputConfig(
                        gcs_destination=types.GcsDestination(output_uri_prefix=prefix)
                    ),
                ),
            ),
        )
        job = self.succeeded(created.name)
        runs = job.evaluate_dataset_runs or []
        assert [r.checkpoint_id for r in runs] == ["1", "2"], runs
        job_id = job.name.rsplit("/", 1)[1]
        for run, epoch in zip(runs, (1, 2)):
            response = run.evaluate_dataset_response
            assert response is not None and run.error is None, run
            directory = f"{prefix}/{job_id}/checkpoint_{run.checkpoint_id}"
            assert response.output_info.gcs_output_directory == directory, response.output_info
            results = response.aggregation_output.aggregation_results
            bleu = [r for r in results if r.bleu_metric_value is not None]
            rouge = [r for r in results if r.rouge_metric_value is not None]
            # The SDK asks for AVERAGE and STANDARD_DEVIATION of each metric.
            assert [r.aggregation_metric for r in bleu] == ["AVERAGE", "STANDARD_DEVIATION"], bleu
            assert len(rouge) == 2, results
            assert bleu[0].bleu_metric_value.score == 0.35 + 0.5 * epoch / 2, bleu
            blob = self.bucket.blob(f"evals/{job_id}/checkpoint_{run.checkpoint_id}/summary_metrics.json")
            summary = json.loads(blob.download_as_bytes())
            assert summary["checkpointId"] == run.checkpoint_id, summary
            assert summary["aggregationResults"][0]["bleuMetricValue"]["score"] == bleu[0].bleu_metric_value.score
        # Deterministic: the same job read again reports the same results.
        again = self.client.tunings.get(name=job.name)
        assert again.evaluate_dataset_runs == runs, again.evaluate_dataset_runs


def main() -> None:
    url = emulator_url()
    transcript = Transcript()
    runner = Runner(transcript)
    gcs = storage.Client(project="preference-data")
    for api_version in (None, "v1"):
        label = api_version or "v1beta1 (default)"
        project = unique_project(f"preference-{api_version or 'default'}")
        bucket = gcs.create_bucket(f"preference-{uuid.uuid4().hex[:12]}")
        client = make_client(url, project, api_version, transcript)
        flow = Flow(client, bucket, project)
        for name, check in flow.checks():
            runner.run(f"{name} [{label}]", check)
    runner.finish()


if __name__ == "__main__":
    main()
