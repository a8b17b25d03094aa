"""Google's clients built with their defaults, as samples and notebooks write them: no base URL,
no project, no credentials in the code. Everything they need comes from the environment
(HTTPS_PROXY, SSL_CERT_FILE, GCE_METADATA_HOST, GOOGLE_CLOUD_PROJECT, ...) and Application
Default Credentials.

Checks, in order: upload a data set with `storage.Client()`, tune from a base model with
`genai.Client()`, continue the tuned model from a checkpoint, read both versions, list versions
and tuning jobs with google-cloud-aiplatform's REST clients built with default options, and list
versions with its gRPC client (the default transport) built with default options. Ends with
one `N passed, M failed` line.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
import uuid
import warnings

import google.auth
from google import genai
from google.cloud import aiplatform_v1, storage
from google.genai import types

try:
    from google.genai.errors import ExperimentalWarning

    warnings.filterwarnings("ignore", category=ExperimentalWarning)
except ImportError:  # older SDKs do not warn
    pass

BASE_MODEL = "gemini-2.5-flash"
EXAMPLES = [
    {
        "contents": [
            {"role": "user", "parts": [{"text": f"Question {n}?"}]},
            {"role": "model", "parts": [{"text": f"Answer {n}."}]},
        ]
    }
    for n in range(16)
]


class Flow:
    def __init__(self) -> None:
        self.bucket = f"samples-{uuid.uuid4().hex[:8]}"
        self.dataset_uri = f"gs://{self.bucket}/train.jsonl"
        self.project = ""
        self.location = ""
        self.tuned_model = ""

    def adc_comes_from_the_metadata_server(self) -> None:
        credentials, project = google.auth.default()
        assert type(credentials).__module__.startswith("google.auth.compute_engine"), type(credentials)
        assert project, "no project from the environment"
        self.project = project

    def storage_client_uploads_a_data_set(self) -> None:
        client = storage.Client()
        bucket = client.create_bucket(self.bucket)
        blob = bucket.blob("train.jsonl")
        blob.upload_from_string("".join(json.dumps(e) + "\n" for e in EXAMPLES), content_type="application/jsonl")
        names = [b.name for b in client.list_blobs(self.bucket)]
        assert names == ["train.jsonl"], names

    def genai_client_tunes_a_base_model(self) -> None:
        client = genai.Client()
        assert client.vertexai, "GOOGLE_GENAI_USE_VERTEXAI was not honoured"
        job = client.tunings.tune(
            base_model=BASE_MODEL,
            training_dataset=types.TuningDataset(gcs_uri=self.dataset_uri),
            config=types.CreateTuningJobConfig(epoch_count=2, tuned_model_display_name="unmodified"),
        )
        job = wait(client, job.name)
        assert job.state == types.JobState.JOB_STATE_SUCCEEDED, f"{job.state}: {job.error}"
        self.location = job.name.split("/")[3]
        self.tuned_model = job.tuned_model.model
        assert self.tuned_model.endswith("@1"), self.tuned_model

    def genai_client_continues_from_a_checkpoint(self) -> None:
        client = genai.Client(http_options=types.HttpOptions(api_version="v1"))
        job = client.tunings.tune(
            base_model=self.tuned_model,
            training_dataset=types.TuningDataset(gcs_uri=self.dataset_uri),
            config=types.CreateTuningJobConfig(pre_tuned_model_checkpoint_id="1", epoch_count=1),
        )
        job = wait(client, job.name)
        assert job.state == types.JobState.JOB_STATE_SUCCEEDED, f"{job.state}: {job.error}"
        assert job.tuned_model.model.endswith("@2"), job.tuned_model.model
        version = client.models.get(model=job.tuned_model.model)
        assert version.version == "2", version.version

    def aiplatform_rest_client_lists_versions(self) -> None:
        client = aiplatform_v1.ModelServiceClient(transport="rest")
        name = self.tuned_model.split("@")[0]
        versions = [m.version_id for m in client.list_model_versions(name=name)]
        assert sorted(versions) == ["1", "2"], versions

    def aiplatform_rest_client_lists_tuning_jobs(self) -> None:
        client = aiplatform_v1.GenAiTuningServiceClient(transport="rest")
        parent = f"projects/{self.project}/locations/{self.location}"
        jobs = list(client.list_tuning_jobs(parent=parent))
        assert len(jobs) >= 2, jobs


    def aiplatform_grpc_client_lists_versions(self) -> None:
        # The default transport: gRPC over the proxy (HTTP/2 through CONNECT, ALPN h2) with the
        # roots in GRPC_DEFAULT_SSL_ROOTS_FILE_PATH and a token from Application Default Credentials.
        client = aiplatform_v1.ModelServiceClient()
        name = self.tuned_model.split("@")[0]
        versions = [m.version_id for m in client.list_model_versions(name=name)]
        assert sorted(versions) == ["1", "2"], versions


def wait(client: genai.Client, name: str) -> types.TuningJob:
    deadline = time.monotonic() + 60
    while True:
        job = client.tunings.get(name=name)
        if job.has_ended or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def main() -> None:
    flow = Flow()
    checks = [
        flow.adc_comes_from_the_metadata_server,
        flow.storage_client_uploads_a_data_set,
        flow.genai_client_tunes_a_base_model,
        flow.genai_client_continues_from_a_checkpoint,
        flow.aiplatform_rest_client_lists_versions,
        flow.aiplatform_rest_client_lists_tuning_jobs,
        flow.aiplatform_grpc_client_lists_versions,
    ]
    passed = failed = 0
    for check in checks:
        try:
            check()
        except Exception:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            print(f"FAIL {check.__name__}")
            traceback.print_exc(file=sys.stdout)
            break  # later checks build on earlier ones
        else:
            passed += 1
            print(f"ok   {check.__name__}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 and passed == len(checks) else 1)


if __name__ == "__main__":
    main()
