#!/usr/bin/env bash
# Backups taken while the server writes (docs/operations.md): SQLite's online backup and pg_dump, each
# restored and checked with `opub-server ledger verify`. Binaries: OPUB_BIN_DIR (default .build/debug).
# Needs sqlite3 and PostgreSQL (server binaries, psql, pg_dump, pg_restore).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
export OPUB_BIN_DIR=${OPUB_BIN_DIR:-$ROOT/.build/debug}
source "$ROOT/scripts/lib/postgres.sh"
trap stop_postgres EXIT
if ! pg_bin >/dev/null || ! command -v psql >/dev/null || ! command -v sqlite3 >/dev/null; then
    echo "backup: PostgreSQL (server and psql) and sqlite3 are required: apt-get install postgresql sqlite3" >&2
    exit 1
fi
start_postgres -c fsync=off
export PGBIN
python3 "$HERE/backup.py"
