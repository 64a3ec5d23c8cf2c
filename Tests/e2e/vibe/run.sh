#!/usr/bin/env bash
# End-to-end: the real Mistral Vibe (mistral-vibe from PyPI) launched by `opub run vibe` against
# openrouter-sim with a stand-in of the opub server's CLI routes (test_opub_run_vibe.py), and against a
# real sandbox opub-server, from donation to linked spend (test_sandbox_server.py).
#
#   Tests/e2e/vibe/run.sh
#
# Uses .build/debug/opub and .build/debug/openrouter-sim. mistral-vibe needs Python >= 3.12: the script
# takes OPUB_E2E_PYTHON, else python3.13/python3.12 on PATH, else pyenv's; it fails (it does not skip)
# when none is there. The venv lives under ${TMPDIR:-/tmp} and is reused between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
for program in opub openrouter-sim opub-server; do
    if [[ ! -x "$root/.build/debug/$program" ]]; then
        echo "run.sh: no $program in .build/debug; build it with: swift build --product $program" >&2
        exit 2
    fi
done

python="${OPUB_E2E_PYTHON:-}"
if [[ -z "$python" ]]; then
    for candidate in python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python /root/.pyenv/versions/3.1[2-9]*/bin/python; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            python="$candidate"
            break
        fi
    done
fi
if [[ -z "$python" ]]; then
    echo "run.sh: mistral-vibe needs Python >= 3.12 and none was found; set OPUB_E2E_PYTHON" >&2
    exit 1
fi

venv="${OPUB_E2E_VIBE_VENV:-${TMPDIR:-/tmp}/opub-e2e-vibe-venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

cd "$here"
OPUB_ROOT="$root" VIBE_BIN_DIR="$venv/bin" "$venv/bin/python" -m pytest -p no:cacheprovider -q "$here"
