#!/usr/bin/env bash
# End-to-end tests of openrouter-sim with the official openrouter, openai and anthropic Python SDKs.
#
#   Tests/e2e/openrouter/run.sh [path/to/openrouter-sim]
#
# Installs the Python packages into a venv under ${TMPDIR:-/tmp} (reused between runs), starts the
# simulator on a free port, runs pytest against it, and always stops the simulator.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
binary="${1:-$root/.build/debug/openrouter-sim}"
if [[ ! -x "$binary" ]]; then
    echo "run.sh: no openrouter-sim at $binary; build it with: swift build --product openrouter-sim" >&2
    exit 2
fi

venv="${OPUB_E2E_VENV:-${TMPDIR:-/tmp}/opub-e2e-openrouter-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

workdir="$(mktemp -d)"
"$binary" --port 0 --seed 7 --log-level warning >"$workdir/stdout" 2>"$workdir/stderr" &
simulator=$!
cleanup() {
    kill "$simulator" 2>/dev/null || true
    wait "$simulator" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

line=""
for _ in $(seq 1 100); do
    line="$(head -n 1 "$workdir/stdout" 2>/dev/null || true)"
    [[ -n "$line" ]] && break
    if ! kill -0 "$simulator" 2>/dev/null; then
        echo "run.sh: openrouter-sim exited before listening:" >&2
        cat "$workdir/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ "$line" != *"url="*"management_key="* ]]; then
    echo "run.sh: openrouter-sim printed no URL line within 10 s" >&2
    cat "$workdir/stderr" >&2
    exit 1
fi
url="$(sed -E 's/.*url=([^ ]+).*/\1/' <<<"$line")"
management_key="$(sed -E 's/.*management_key=([^ ]+).*/\1/' <<<"$line")"
echo "run.sh: openrouter-sim at $url"

cd "$here"
OPENROUTER_SIM_URL="$url" OPENROUTER_SIM_MANAGEMENT_KEY="$management_key" \
    "$venv/bin/python" -m pytest -p no:cacheprovider -q "$here"
