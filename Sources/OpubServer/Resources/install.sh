#!/bin/sh
# Installs the opub CLI from source: builds it with `swift build -c release --product opub` (and
# `--product opub-mcp`, the program behind `opub mcp`) and puts both in ${PREFIX:-$HOME/.local}/bin.
# Running it again rebuilds and replaces them.
#
#   ./install.sh               build and install (from this checkout)
#   ./install.sh --uninstall   remove the installed binary
#
# Piped from the server (curl -fsSL https://opub.dev/install.sh | sh), there is no checkout beside the
# script: set OPUB_SOURCE to a checkout, or OPUB_GIT_URL to a repository to clone.
set -eu

prefix="${PREFIX:-$HOME/.local}"
bin="$prefix/bin"

say() { printf '%s\n' "install.sh: $*" >&2; }
fail() { say "$*"; exit 1; }

case "${1:-}" in
    --uninstall)
        if [ -e "$bin/opub" ] || [ -e "$bin/opub-mcp" ]; then
            rm -f "$bin/opub" "$bin/opub-mcp"
            say "removed $bin/opub and $bin/opub-mcp (keys and config stay in ~/.config/opub and ~/.local/share/opub; 'opub logout --all' before uninstalling forgets them)"
        else
            say "nothing to remove: $bin/opub does not exist"
        fi
        exit 0
        ;;
    -h | --help)
        sed -n '2,11p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    "") ;;
    *) fail "unknown argument '$1' (use --uninstall or --help)" ;;
esac

command -v swift >/dev/null 2>&1 || fail "Swift 6 is required to build opub: see https://www.swift.org/install"

is_checkout() { [ -f "$1/Package.swift" ] && grep -q 'name: "opub"' "$1/Package.swift"; }

source_dir=""
cleanup=""
script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" 2>/dev/null && pwd || true)
if [ -n "${OPUB_SOURCE:-}" ]; then
    is_checkout "$OPUB_SOURCE" || fail "OPUB_SOURCE=$OPUB_SOURCE is not an opub checkout"
    source_dir="$OPUB_SOURCE"
elif [ -n "$script_dir" ] && is_checkout "$script_dir"; then
    source_dir="$script_dir"
elif [ -n "${OPUB_GIT_URL:-}" ]; then
    command -v git >/dev/null 2>&1 || fail "git is required to fetch $OPUB_GIT_URL"
    cleanup=$(mktemp -d "${TMPDIR:-/tmp}/opub-install.XXXXXX")
    trap 'rm -rf "$cleanup"' EXIT INT TERM
    git clone --quiet --depth 1 "$OPUB_GIT_URL" "$cleanup/opub" || fail "could not clone $OPUB_GIT_URL"
    source_dir="$cleanup/opub"
else
    fail "no opub source here: run ./install.sh from a checkout, or set OPUB_SOURCE (a checkout) or OPUB_GIT_URL"
fi

say "building opub in release mode in $source_dir (the first build compiles dependencies and takes minutes)"
for product in opub opub-mcp; do
    swift build -c release --product "$product" --package-path "$source_dir" >&2 || fail "the build of $product failed (see above)"
done
built="$(swift build -c release --package-path "$source_dir" --show-bin-path)"
[ -x "$built/opub" ] && [ -x "$built/opub-mcp" ] || fail "the build produced no $built/opub or $built/opub-mcp"

mkdir -p "$bin"
# Copy then rename, so a running opub is never overwritten in place and a failed copy leaves the old one.
for program in opub-mcp opub; do
    cp "$built/$program" "$bin/.$program.$$"
    # Debug information is most of the file and unused at run time.
    if command -v strip >/dev/null 2>&1; then strip --strip-debug "$bin/.$program.$$" 2>/dev/null || true; fi
    chmod 0755 "$bin/.$program.$$"
    mv -f "$bin/.$program.$$" "$bin/$program"
done
say "installed $("$bin/opub" --version) to $bin/opub (and $bin/opub-mcp, which serves 'opub mcp')"

case ":$PATH:" in
    *":$bin:"*) ;;
    *) say "$bin is not on your PATH; add it, e.g.: export PATH=\"$bin:\$PATH\"" ;;
esac
say "shell completions: opub --generate-completion-script bash|zsh|fish"
say "next: the 'opub setup …' command from your project's key page"
