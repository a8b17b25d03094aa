#!/usr/bin/env bash
# Installs the Node.js clients that the official-client conformance tests run (tests/node/*.js,
# driven by `cargo test -p retune-tests --test node_clients`) into target/node-env.
#
# Usage: scripts/node-env.sh [DIR]        (default: target/node-env)
#
# Runs `npm ci` on the committed lock (tests/node/package-lock.json): exact versions, nothing
# resolved at install time. Idempotent: when DIR already holds that lock's install it says so and
# exits at once. Needs Node.js 18+ with npm (Debian's `nodejs` and `npm`), and the npm registry.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_dir="$repo_root/tests/node"
env_dir="${1:-$repo_root/target/node-env}"

say() { printf 'node-env: %s\n' "$*"; }

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        say "error: '$tool' not found; install Node.js 18 or newer with npm (apt-get install nodejs npm)" >&2
        exit 1
    fi
done

lock_digest="$(cat "$source_dir/package.json" "$source_dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
wanted_stamp="node=$(node --version) lock=$lock_digest"
stamp_file="$env_dir/.retune-stamp"
if [[ -d "$env_dir/node_modules" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$wanted_stamp" ]]; then
    say "up to date: $env_dir (Node.js $(node --version), lock ${lock_digest:0:12})"
    exit 0
fi

started=$SECONDS
mkdir -p "$env_dir"
rm -f "$stamp_file"
cp "$source_dir/package.json" "$source_dir/package-lock.json" "$env_dir/"
(cd "$env_dir" && npm ci --no-audit --no-fund --loglevel=error)
printf '%s\n' "$wanted_stamp" > "$stamp_file"
say "ready in $((SECONDS - started)) s: $env_dir"
