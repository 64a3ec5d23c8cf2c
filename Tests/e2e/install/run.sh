#!/usr/bin/env bash
# The key page's first command, as a new user runs it: `curl -fsSL <server>/install.sh | sh` on a
# machine without Swift (fresh HOME, PATH=/usr/bin:/bin), then `opub --version`, `opub doctor` and the
# page's setup command. Also: a corrupted download is refused, an unknown platform is named, a
# Package.swift in the current directory is never built, --uninstall and upgrades work.
# Needs the debug build (opub-server with opub and opub-mcp beside it) and curl.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/server.sh"
command -v curl >/dev/null || { echo "install e2e: curl is required (apt-get install curl)" >&2; exit 1; }
start_server
python3 "$HERE/test_install.py" "$OPUB_URL" "$ROOT/.build/debug" "$WORK"
