#!/usr/bin/env bash
# Anyone verifies: `opub ledger verify owner/repo --server …` against a live sandbox server whose
# project has donations, keys and spend; then against a saved export that was tampered with (a memo
# edited, a posting changed, a row dropped): each fails with exit 1 naming the transaction.
# Needs the debug build (opub-server, opub).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/server.sh"
start_server
python3 "$HERE/test_ledger_verify.py" "$OPUB_URL" "$ROOT/.build/debug" "$WORK"
