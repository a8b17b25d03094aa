#!/usr/bin/env bash
# Creates the Python virtual environment that the official-client conformance tests run in
# (tests/python/*.py, driven by `cargo test -p retune-tests --test python_clients`).
#
# Usage: scripts/python-env.sh [VENV_DIR]        (default: target/python-venv)
#
# Installs the fully pinned lock tests/python/requirements.txt with `pip install --no-deps`
# (no dependency resolution, reproducible) and `--no-compile` (modules are byte-compiled on first
# import instead; google-cloud-aiplatform is large and mostly unused here). Idempotent: when the
# venv already holds exactly that lock for the same interpreter it says so and exits at once.
# Needs CPython 3.10+ with the venv module, and PyPI; set PYTHON to choose the interpreter
# (default: python3).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$repo_root/tests/python/requirements.txt"
venv_dir="${1:-$repo_root/target/python-venv}"
python="${PYTHON:-python3}"

say() { printf 'python-env: %s\n' "$*"; }

if ! command -v "$python" >/dev/null 2>&1; then
    say "error: '$python' not found; install CPython 3.10 or newer, or set PYTHON" >&2
    exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
    say "error: $("$python" --version 2>&1) is too old; CPython 3.10 or newer is needed" >&2
    exit 1
fi

# The stamp ties the venv to the lock's content and the interpreter that built it.
python_version="$("$python" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))')"
lock_digest="$(sha256sum "$requirements" | cut -d' ' -f1)"
wanted_stamp="python=$python_version lock=$lock_digest"
stamp_file="$venv_dir/.retune-stamp"

if [[ -x "$venv_dir/bin/python" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$wanted_stamp" ]]; then
    say "up to date: $venv_dir (Python $python_version, lock ${lock_digest:0:12})"
    exit 0
fi

started=$SECONDS
if [[ -f "$venv_dir/pyvenv.cfg" ]]; then
    # A lock or interpreter change rebuilds from scratch, so no stale package survives.
    say "recreating $venv_dir (lock or interpreter changed) with $("$python" --version 2>&1)"
    "$python" -m venv --clear "$venv_dir"
elif [[ -e "$venv_dir" && -n "$(ls -A "$venv_dir")" ]]; then
    say "error: $venv_dir exists and is not a virtual environment; choose another directory" >&2
    exit 1
else
    say "creating virtual environment $venv_dir with $("$python" --version 2>&1)"
    "$python" -m venv "$venv_dir"
fi

say "installing the pinned lock $(realpath --relative-to="$repo_root" "$requirements")"
"$venv_dir/bin/python" -m pip install \
    --disable-pip-version-check --no-input --no-deps --no-compile \
    --requirement "$requirements"

say "checking that the clients import"
"$venv_dir/bin/python" - <<'PY'
from importlib.metadata import version

import google.cloud.aiplatform_v1  # noqa: F401
import google.cloud.aiplatform_v1beta1  # noqa: F401
import google.cloud.storage  # noqa: F401
from google import genai  # noqa: F401

for name in ("google-genai", "google-cloud-aiplatform", "google-cloud-storage"):
    print(f"python-env:   {name} {version(name)}")
PY

printf '%s\n' "$wanted_stamp" >"$stamp_file"
say "ready in $((SECONDS - started)) s: $venv_dir/bin/python"
