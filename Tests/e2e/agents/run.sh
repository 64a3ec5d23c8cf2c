#!/usr/bin/env bash
# End-to-end with the real Claude Code and the real Codex CLI: installed from PyPI (the claude binary
# bundled in claude-agent-sdk, codex in openai-codex-cli-bin; pinned in requirements.txt) into a venv,
# started only through the key page's `opub setup` command and `opub run`, non-interactively, against a
# live opub-server whose provider is openrouter-sim. Each run proves the request reached the simulator
# with the key, the recommended model, the attribution headers and the session id; that the agent
# called opub's MCP tool and sent its result back; that the session and its spend are linked; that the
# agent's version is recorded; and that the secret is nowhere but opub's own 0600 store.
#
#   Tests/e2e/agents/run.sh
#
# Needs the debug build (opub, opub-mcp, opub-server, openrouter-sim) and Python >= 3.10 with venv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
for program in opub opub-mcp opub-server openrouter-sim; do
    [[ -x "$root/.build/debug/$program" ]] || { echo "agents e2e: no $program in .build/debug (swift build)" >&2; exit 2; }
done
venv="${OPUB_E2E_AGENTS_VENV:-${TMPDIR:-/tmp}/opub-e2e-agents-venv}"
[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

# pip puts neither agent on PATH: a folder of links to the bundled binaries.
agents_bin="$venv/agents-bin"
mkdir -p "$agents_bin"
"$venv/bin/python" - "$agents_bin" <<'PY'
import os, pathlib, sys
import claude_agent_sdk, codex_cli_bin
target = pathlib.Path(sys.argv[1])
for name, path in (("claude", pathlib.Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"),
                   ("codex", pathlib.Path(codex_cli_bin.__file__).parent / "bin" / "codex")):
    if not path.exists():
        sys.exit(f"agents e2e: {path} is missing from the installed wheel")
    link = target / name
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(path)
PY
cd "$here"
OPUB_ROOT="$root" AGENTS_BIN="$agents_bin" PYTHONPATH="$root/scripts/lib" \
    "$venv/bin/python" -m pytest -p no:cacheprovider -q -s "$here"
