"""Drives mock-vertex with google-cloud-aiplatform's generated clients over their default gRPC
transport (GenAiTuningServiceClient and ModelServiceClient, modules aiplatform_v1beta1 and
aiplatform_v1), on the emulator's one port.

Needs RETUNE_EMULATOR_URL (e.g. http://127.0.0.1:8080) of an emulator started with
`--jobs instant`. The clients get a plain-text channel to that address (`grpc.insecure_channel`),
the way a user points them at a local server; long-running operations are polled through
`google.longrunning.Operations` on the same channel.

The flow is the REST one of aiplatform_conformance.py (create, get, continue from a checkpoint,
list versions and checkpoints, merge aliases, update, list with paging, cancel, delete a version
and poll its operation, rebase), with the checks that read a REST error body reading the gRPC
status instead, plus checks of what only gRPC has: the status details travel in
`grpc-status-details-bin`, and a method the emulator does not emulate is UNIMPLEMENTED.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any
from urllib.parse import urlparse

import grpc
from aiplatform_conformance import Flow, run_each_api_version
from conformance_support import Transcript
from google.api_core import exceptions


def grpc_target(url: str) -> str:
    """`host:port` of the emulator's base URL, for a gRPC channel."""
    parsed = urlparse(url)
    return f"{parsed.hostname}:{parsed.port}"


def precondition_subjects(error: exceptions.GoogleAPICallError) -> list[str]:
    """The subjects of the google.rpc.PreconditionFailure details the gRPC status carried."""
    return [v.subject for d in error.details if hasattr(d, "violations") for v in d.violations]


class GrpcFlow(Flow):
    """The REST flow over gRPC: same checks, clients on a channel, gRPC-shaped error checks."""

    def __init__(self, api: ModuleType, url: str, project: str, transcript: Transcript) -> None:
        super().__init__(api, url, project, transcript)
        self.channel = grpc.insecure_channel(grpc_target(url))
        tuning_transport = api.services.gen_ai_tuning_service.transports.GenAiTuningServiceGrpcTransport
        model_transport = api.services.model_service.transports.ModelServiceGrpcTransport
        self.tuning = api.GenAiTuningServiceClient(transport=tuning_transport(channel=self.channel))
        self.models = api.ModelServiceClient(transport=model_transport(channel=self.channel))

    def checks(self) -> list[tuple[str, Any]]:
        replaced = {
            "cancel_a_finished_job_is_failed_precondition": self.cancel_a_finished_job_over_grpc,
            "delete_model_version": self.delete_model_version_over_grpc,
        }
        return [(name, replaced.get(name, check)) for name, check in super().checks()] + [
            ("a_method_not_emulated_is_unimplemented", self.a_method_not_emulated_is_unimplemented),
            ("refusal_details_travel_in_the_status", self.refusal_details_travel_in_the_status),
        ]

    def cancel_a_finished_job_over_grpc(self) -> None:
        created = self.create(
            self.api.TuningJob(base_model="gemini-2.5-flash", supervised_tuning_spec=self.supervised_spec(epochs=1))
        )
        self.succeeded(created.name)
        try:
            self.tuning.cancel_tuning_job(name=created.name)
        except exceptions.FailedPrecondition as error:
            assert error.grpc_status_code == grpc.StatusCode.FAILED_PRECONDITION, error.grpc_status_code
        else:
            raise AssertionError(f"cancelling the finished job {created.name} was accepted")
        job = self.tuning.get_tuning_job(name=created.name)
        assert job.state == self.api.JobState.JOB_STATE_SUCCEEDED, job.state.name

    def delete_model_version_over_grpc(self) -> None:
        try:
            self.models.delete_model_version(name=self.new_model).result(timeout=30)
        except exceptions.FailedPrecondition as error:
            assert "only version" in error.message, error.message
        else:
            raise AssertionError(f"deleting the only version {self.new_model} succeeded")
        base = self.tuned_model.split("@", 1)[0]
        operation = self.models.delete_model_version(name=f"{base}@2")
        operation.result(timeout=30)  # polls google.longrunning.Operations/GetOperation
        assert operation.done(), operation.operation
        assert operation.metadata is not None and operation.metadata.generic_metadata.create_time, operation.metadata
        remaining = sorted(m.version_id for m in self.models.list_model_versions(name=base))
        assert remaining == ["1"], remaining

    def refusal_details_travel_in_the_status(self) -> None:
        # Continuing from a checkpoint the version does not have: the REST error's
        # google.rpc.PreconditionFailure violations arrive in grpc-status-details-bin.
        try:
            self.tuning.create_tuning_job(
                parent=self.parent,
                tuning_job=self.api.TuningJob(
                    pre_tuned_model=self.api.PreTunedModel(tuned_model_name=self.tuned_model, checkpoint_id="99"),
                    supervised_tuning_spec=self.supervised_spec(epochs=1),
                ),
            )
        except exceptions.InvalidArgument as error:
            assert error.grpc_status_code == grpc.StatusCode.INVALID_ARGUMENT, error.grpc_status_code
            assert precondition_subjects(error), f"no precondition violations in {error.details!r}"
        else:
            raise AssertionError("continuing from checkpoint 99 was accepted")

    def a_method_not_emulated_is_unimplemented(self) -> None:
        try:
            self.models.upload_model(parent=self.parent, model=self.api.Model(display_name="x"))
        except exceptions.MethodNotImplemented as error:
            assert "not emulated" in error.message, error.message
        else:
            raise AssertionError("UploadModel succeeded")


def main() -> None:
    run_each_api_version(GrpcFlow, "grpc")


if __name__ == "__main__":
    main()
