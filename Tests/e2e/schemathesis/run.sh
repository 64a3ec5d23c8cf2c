#!/usr/bin/env bash
# schemathesis against /api/openapi.yaml on a live sandbox server, anonymous and signed in: no 5xx,
# no undocumented status, content type or header, no response that breaks its schema.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/server.sh"

python_venv schemathesis schemathesis
broadcast_token=schemathesis-broadcast-token-0123456789
start_server OPUB_BROADCAST_TOKEN="$broadcast_token"
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,allow_header_conformance,unsupported_method"
common=(
    --checks "$checks" --max-examples "${SCHEMATHESIS_EXAMPLES:-40}" --workers 1 --phases examples,coverage,fuzzing
    --suppress-health-check all --warnings off --seed 20261122
)

echo "schemathesis: anonymous"
"$VENV/bin/schemathesis" run "$OPUB_URL/api/openapi.yaml" --url "$OPUB_URL" "${common[@]}"

echo "schemathesis: signed in"
session=$("$VENV/bin/python" - "$OPUB_URL" <<'PY'
import json, sys, urllib.request
request = urllib.request.Request(
    sys.argv[1] + "/auth/sandbox", data=json.dumps({"login": "fuzzer"}).encode(),
    headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request) as answer:
    cookie = answer.headers["Set-Cookie"].split(";")[0]
    print(cookie, json.load(answer)["csrf_token"])
PY
)
cookie=${session% *}
csrf=${session#* }
# Signing out would end the fuzzer's session half-way; it is covered by the Swift tests.
"$VENV/bin/schemathesis" run "$OPUB_URL/api/openapi.yaml" --url "$OPUB_URL" "${common[@]}" \
    -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" --exclude-path /auth/sign-out

echo "schemathesis: trace ingest with the broadcast token"
"$VENV/bin/schemathesis" run "$OPUB_URL/api/openapi.yaml" --url "$OPUB_URL" "${common[@]}" \
    -H "Authorization: Bearer $broadcast_token" --include-path /ingest/openrouter/traces

grep -q "internal_error\|request failed" "$WORK/server.err" && { echo "the server logged an internal error:" >&2; grep "internal_error\|request failed" "$WORK/server.err" >&2; exit 1; }
echo "schemathesis: no failures"
