# Shared by the e2e runners: start .build/debug/opub-server in sandbox mode on a free port, read the
# URL it prints, and always stop it (by its pid) on exit.
#
#   source Tests/e2e/lib/server.sh
#   start_server [ENV=VALUE ...]     sets OPUB_URL, OPUB_DB_URL, WORK (a temporary folder)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SERVER_BIN="$ROOT/.build/debug/opub-server"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/opub-e2e.XXXXXX")
SERVER_PID=""

stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}

cleanup_e2e() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup_e2e EXIT

start_server() {
    [[ -x "$SERVER_BIN" ]] || { echo "$SERVER_BIN is missing; run swift build first" >&2; exit 1; }
    OPUB_DB_URL="sqlite://$WORK/opub.sqlite"
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" DATABASE_URL="$OPUB_DB_URL" LOG_LEVEL=warning "$@" \
        "$SERVER_BIN" serve --port 0 >"$WORK/server.out" 2>"$WORK/server.err" &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if [[ -s "$WORK/server.out" ]]; then break; fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "opub-server exited early:" >&2; cat "$WORK/server.err" >&2; exit 1
        fi
        sleep 0.1
    done
    OPUB_URL=$(head -n 1 "$WORK/server.out")
    [[ "$OPUB_URL" == http://* ]] || { echo "opub-server printed no URL" >&2; cat "$WORK/server.err" >&2; exit 1; }
    export OPUB_URL OPUB_DB_URL
}

# A virtual environment under ${TMPDIR:-/tmp} with the given PyPI packages (reused between runs).
python_venv() {
    local name=$1
    shift
    VENV="${TMPDIR:-/tmp}/opub-e2e-$name-venv"
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "$@"
    export VENV
}
