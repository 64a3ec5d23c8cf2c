#!/usr/bin/env bash
# Start-up: each missing or malformed production setting stops `opub-server serve` with one line on
# stderr naming it and a non-zero exit; sandbox mode starts, prints its URL, and stops on SIGTERM.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/server.sh"

declare -A production=(
    [OPUB_BASE_URL]="https://opub.example.org"
    [OPUB_SECRET_KEY]="0123456789abcdef0123456789abcdef0123456789"
    [GITHUB_CLIENT_ID]="Iv1.example"
    [GITHUB_CLIENT_SECRET]="github-secret"
    [STRIPE_SECRET_KEY]="sk_test_example"
    [STRIPE_WEBHOOK_SECRET]="whsec_example"
    [OPENROUTER_MANAGEMENT_KEY]="sk-or-v1-example"
)

failures=0
expect_refusal() {
    local setting=$1
    shift
    local status=0
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" DATABASE_URL="sqlite://$WORK/refused.sqlite" "$@" \
        "$SERVER_BIN" serve --port 0 >"$WORK/out" 2>"$WORK/err" || status=$?
    local lines
    lines=$(wc -l <"$WORK/err")
    if [[ $status -eq 0 || $lines -ne 1 ]] || ! grep -q "$setting" "$WORK/err" || [[ -s "$WORK/out" ]]; then
        echo "FAIL: $setting: exit $status, $lines stderr line(s):" >&2
        cat "$WORK/err" >&2
        failures=$((failures + 1))
    else
        echo "ok: $(cat "$WORK/err")"
    fi
}

assignments() {
    local skip=$1
    for name in "${!production[@]}"; do
        [[ "$name" == "$skip" ]] || printf '%s=%s\n' "$name" "${production[$name]}"
    done
}

for missing in "${!production[@]}"; do
    mapfile -t env_args < <(assignments "$missing")
    expect_refusal "$missing" "${env_args[@]}"
done

malformed=(
    "OPUB_BIND=nonsense" "OPUB_BIND=127.0.0.1:70000" "DATABASE_URL=mysql://db" "OPUB_BASE_URL=not-a-url"
    "OPUB_SECRET_KEY=short" "GITHUB_API_URL=ftp://x" "STRIPE_SECRET_KEY=pk_test_wrong" "STRIPE_WEBHOOK_SECRET=nope"
    "OPUB_DONATION_MIN=1.001" "OPUB_DONATION_MAX=0.10" "OPUB_FEE_PERCENT=150" "LOG_LEVEL=chatty"
    "OPUB_RECONCILE_INTERVAL=0" "OPUB_ALLOWED_PROVIDERS=a,,b" "OPUB_SANDBOX_GITHUB=maybe"
)
for assignment in "${malformed[@]}"; do
    setting=${assignment%%=*}
    mapfile -t env_args < <(assignments "$setting")
    expect_refusal "$setting" "${env_args[@]}" "$assignment"
done

# Sandbox: starts with nothing configured, prints its URL, answers, stops on SIGTERM with status 0.
start_server
python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=10)' "$OPUB_URL"
grep -q "SANDBOX MODE" "$WORK/server.err" || { echo "FAIL: no sandbox announcement" >&2; failures=$((failures + 1)); }
[[ -s "$WORK/opub-secret-key" ]] || { echo "FAIL: no generated sandbox secret" >&2; failures=$((failures + 1)); }
kill -TERM "$SERVER_PID"
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=""
if [[ $status -ne 0 ]]; then
    echo "FAIL: SIGTERM exit status $status" >&2
    failures=$((failures + 1))
else
    echo "ok: sandbox started at $OPUB_URL and stopped gracefully on SIGTERM"
fi

[[ $failures -eq 0 ]] || { echo "startup: $failures failure(s)" >&2; exit 1; }
