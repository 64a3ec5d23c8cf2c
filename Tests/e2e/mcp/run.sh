#!/usr/bin/env bash
# End-to-end test of `opub mcp` with the official MCP Python SDK as the client.
#
#   Tests/e2e/mcp/run.sh
#
# Uses .build/debug/opub (build it with: swift build --product opub). Installs the Python packages into
# a venv under ${TMPDIR:-/tmp} (reused between runs) and runs pytest; the tests start a stand-in of the
# opub server's CLI routes themselves.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
binary="${OPUB_BINARY:-$root/.build/debug/opub}"
if [[ ! -x "$binary" ]]; then
    echo "run.sh: no opub at $binary; build it with: swift build --product opub" >&2
    exit 2
fi

venv="${OPUB_E2E_MCP_VENV:-${TMPDIR:-/tmp}/opub-e2e-mcp-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

cd "$here"
OPUB_BINARY="$binary" "$venv/bin/python" -m pytest -p no:cacheprovider -q "$here"
