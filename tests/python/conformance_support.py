"""Shared helpers of the official-client conformance scripts: the emulator address and its test
controls (`/_emulator/`), the sample data sets, a wire transcript for failure reports, and a tiny
check runner.

The scripts are plain programs (no pytest): each check is a function of a shared context, run in
order; a failing check is reported with its traceback and the last requests and responses, and
the run ends with one `N passed, M failed` line and a non-zero exit status on any failure.
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

LOCATION = "us-central1"
TRAINING_URI = "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl"
VALIDATION_URI = (
    "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_validation_data.jsonl"
)
BASE_MODEL = "gemini-2.5-flash"
BASE_MODEL_LABEL = "gemini-2_5-flash"
BASE_MODEL_LABEL_KEY = "google-vertex-llm-tuning-base-model-id"
# The emulator runs with `--jobs instant`: no poll loop should need more than a handful of calls.
MAX_POLLS = 50

MODEL_VERSION_RE = re.compile(
    r"^projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)/models/(?P<model>[^/@]+)"
    r"(@(?P<version>[^/@]+))?$"
)


def unique_project(prefix: str) -> str:
    """A project id of its own for this run, so a rerun against the same emulator starts empty."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def emulator_url() -> str:
    """The emulator's base URL, `http://127.0.0.1:PORT`, from RETUNE_EMULATOR_URL."""
    url = os.environ.get("RETUNE_EMULATOR_URL", "").rstrip("/")
    if not url:
        print("RETUNE_EMULATOR_URL is not set (expected e.g. http://127.0.0.1:8080)", file=sys.stderr)
        sys.exit(2)
    return url


def emulator_admin(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Calls the emulator's own control API (`/_emulator/...`, not part of Vertex AI) and returns
    its JSON answer; any HTTP error raises."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        f"{emulator_url()}{path}",
        data=data,
        method=method,
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode("utf-8")
    return json.loads(text) if text else {}


def project_number(project: str) -> str:
    """The number the emulator answers `project`'s resource names with: Vertex AI names every
    resource `projects/{project number}/...`, whichever form the request used
    (google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`)."""
    return emulator_admin("GET", f"/_emulator/projects/{project}")["projectNumber"]


def answered_location(project: str) -> str:
    """`projects/{number}/locations/us-central1`: the location part of the names answered."""
    return f"projects/{project_number(project)}/locations/{LOCATION}"


def hold_next_job() -> None:
    """Makes the next tuning job created stay PENDING until it is released or cancelled, so a
    cancel reaches a job that has not ended (instant jobs otherwise end at the next read)."""
    emulator_admin("POST", "/_emulator/faults", {"holdJob": "next"})


def answered_requests(rpc: str) -> list[dict[str, Any]]:
    """The emulator's journal entries for one RPC (e.g. `CancelTuningJob`), oldest first."""
    entries = emulator_admin("GET", "/_emulator/requests").get("requests", [])
    return [entry for entry in entries if entry.get("rpc") == rpc]


def split_model(name: str) -> tuple[str, str | None]:
    """`projects/p/locations/l/models/123@2` -> ("projects/p/locations/l/models/123", "2")."""
    match = MODEL_VERSION_RE.match(name or "")
    assert match, f"not a model resource name: {name!r}"
    base = name.split("@", 1)[0]
    return base, match.group("version")


def model_id(name: str) -> str:
    """The `{model}` segment of a model (version) resource name."""
    match = MODEL_VERSION_RE.match(name or "")
    assert match, f"not a model resource name: {name!r}"
    return match.group("model")


class Transcript:
    """The last HTTP exchanges, recorded through httpx event hooks, for failure reports."""

    def __init__(self, keep: int = 6) -> None:
        self.exchanges: deque[str] = deque(maxlen=keep)

    def event_hooks(self) -> dict[str, list[Callable[[Any], None]]]:
        return {"response": [self._on_response]}

    def _on_response(self, response: Any) -> None:
        response.read()
        request = response.request
        body = request.content.decode("utf-8", "replace") if request.content else ""
        self.exchanges.append(
            f"> {request.method} {request.url}\n"
            + (f"> {_clip(body)}\n" if body else "")
            + f"< {response.status_code} {_clip(response.text)}"
        )

    def record(self, method: str, url: str, request_body: str, status: int, response_body: str) -> None:
        self.exchanges.append(
            f"> {method} {url}\n"
            + (f"> {_clip(request_body)}\n" if request_body else "")
            + f"< {status} {_clip(response_body)}"
        )

    def dump(self) -> str:
        return "\n".join(self.exchanges) if self.exchanges else "(no HTTP exchange recorded)"


def _clip(text: str, limit: int = 1500) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


@dataclass
class Runner:
    """Runs named checks in order and counts them."""

    transcript: Transcript
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def run(self, name: str, check: Callable[[], None]) -> bool:
        self.transcript.exchanges.clear()
        try:
            check()
        except Exception:  # noqa: BLE001 - every failure is reported, then the run goes on
            self.failed.append(name)
            print(f"FAIL {name}", flush=True)
            print(_indent(_own_traceback()), flush=True)
            print(_indent("last HTTP exchanges:\n" + self.transcript.dump()), flush=True)
            return False
        self.passed.append(name)
        print(f"ok   {name}", flush=True)
        return True

    def finish(self) -> None:
        if self.failed:
            print("failed checks: " + ", ".join(self.failed))
        print(f"{len(self.passed)} passed, {len(self.failed)} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def _own_traceback() -> str:
    """The failing exception with only the frames of these scripts (not the client libraries)."""
    _, error, tb = sys.exc_info()
    here = os.path.dirname(os.path.abspath(__file__))
    frames = [f for f in traceback.extract_tb(tb) if os.path.dirname(os.path.abspath(f.filename)) == here]
    return "".join(traceback.format_list(frames[1:])) + "".join(
        traceback.format_exception_only(type(error), error)
    )


def _indent(text: str) -> str:
    return "\n".join("     " + line for line in text.rstrip().splitlines())
