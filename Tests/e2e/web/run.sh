#!/usr/bin/env bash
# The web pages in a real browser: Debian's headless `chromium` driven by `chromium-driver` through
# Selenium (PyPI), against a live sandbox opub-server. The donor journey (sign in, find a project,
# donate through the sandbox checkout, see the balance and the ledger grow) and the maintainer journey
# (sign in, claim, create a key, read the secret once, reload, revoke). Any browser console error fails
# the test. Screenshots at 1280 and 375 px wide are saved under $OPUB_ARTIFACTS/web (default
# .build/e2e-artifacts/web), printed at the end.
#
#   Tests/e2e/web/run.sh
#
# Needs .build/debug/opub-server (swift build). When chromium or chromedriver is not installed the run is
# skipped with a message, except under CI (CI=true), where that is a failure: .ci/run installs both.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
CHROMEDRIVER=$(command -v chromedriver || true)
if [[ -z "$CHROMIUM" || -z "$CHROMEDRIVER" ]]; then
    if [[ -n "${CI:-}" ]]; then
        echo "web e2e: chromium and chromium-driver are required in CI (apt-get install chromium chromium-driver)" >&2
        exit 1
    fi
    echo "web e2e: SKIPPED, chromium or chromedriver is not installed (apt-get install chromium chromium-driver)"
    exit 0
fi

source "$HERE/../lib/server.sh"
ARTIFACTS="${OPUB_ARTIFACTS:-$ROOT/.build/e2e-artifacts}/web"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

python_venv web -r "$HERE/requirements.txt"
# A short reconcile interval, so that the maintainer journey sees the alert after direct use.
start_server OPUB_RECONCILE_INTERVAL=5
export OPUB_WEB_ARTIFACTS="$ARTIFACTS" OPUB_CHROMIUM="$CHROMIUM" OPUB_CHROMEDRIVER="$CHROMEDRIVER"
status=0
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$HERE/test_web.py" || status=$?
echo "web e2e: screenshots in $ARTIFACTS"
if [[ $status -ne 0 ]]; then
    echo "web e2e: server log:" >&2
    tail -n 40 "$WORK/server.err" >&2 || true
fi
exit $status
