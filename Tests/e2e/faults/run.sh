#!/usr/bin/env bash
# Fault matrix against live processes: provider down for a whole cycle, provider 429 storm, PostgreSQL
# restarted under load, disk full under the SQLite file (a small tmpfs; needs root, otherwise that part
# says SKIPPED and is not counted). After each fault `opub-server ledger verify` passes and the server
# recovered by itself. Binaries: OPUB_BIN_DIR (default .build/debug). Needs PostgreSQL and psql.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
export OPUB_BIN_DIR=${OPUB_BIN_DIR:-$ROOT/.build/debug}
source "$ROOT/scripts/lib/postgres.sh"
trap stop_postgres EXIT
if ! pg_bin >/dev/null || ! command -v psql >/dev/null || ! command -v sqlite3 >/dev/null; then
    echo "faults: PostgreSQL (server and psql) and sqlite3 are required: apt-get install postgresql sqlite3" >&2
    exit 1
fi
start_postgres -c fsync=off
# What faults.py needs to stop and start this cluster itself.
export PGBIN PGTMP PGOPTS
export OPUB_PG_RUN="${PGRUN[*]}"
python3 "$HERE/faults.py"
