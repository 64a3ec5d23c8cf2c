#!/usr/bin/env bash
# Scale-out: two opub-server replicas on one PostgreSQL and one openrouter-sim under steady load; the
# replica holding the reconcile lease is SIGKILLed mid-cycle; the other takes over; at the end the
# ledger verifies, the provider and the database agree, and no spend was posted twice.
# Binaries: OPUB_BIN_DIR (default .build/debug). Needs PostgreSQL's server binaries and psql; without
# them the test says so and fails (it cannot prove anything on SQLite, which has one writer process).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
export OPUB_BIN_DIR=${OPUB_BIN_DIR:-$ROOT/.build/debug}
source "$ROOT/scripts/lib/postgres.sh"
trap stop_postgres EXIT
if ! pg_bin >/dev/null || ! command -v psql >/dev/null; then
    echo "scaleout: PostgreSQL (server and psql) is required: apt-get install postgresql" >&2
    exit 1
fi
start_postgres -c fsync=off
python3 "$HERE/scaleout.py"
