#!/usr/bin/env bash
# Stripe webhooks signed by the official `stripe` Python library, against a sandbox opub-server
# whose webhook secret is known (OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/server.sh"

python_venv stripe stripe pytest requests
export STRIPE_WEBHOOK_SECRET="whsec_e2e_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
start_server OPUB_SANDBOX_STRIPE_WEBHOOK_SECRET="$STRIPE_WEBHOOK_SECRET"
export OPUB_SERVER_BIN="$SERVER_BIN" OPUB_FIXTURE_BIN="$ROOT/.build/debug/opub-test-fixture"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$HERE/test_webhooks.py"
