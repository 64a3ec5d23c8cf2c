#!/bin/sh
# Installs the opub CLI (`opub`, and `opub-mcp`, the program behind `opub mcp`) into
# ${PREFIX:-$HOME/.local}/bin.
#
#   curl -fsSL https://opub.example.org/install.sh | sh     prebuilt binaries from that server
#   sh install.sh --from-source                             build from source (needs Swift 6)
#   sh install.sh --uninstall                               remove them again
#
# Served by an opub server, the script knows that server (the OPUB_SERVER_URL line below): it downloads
# the binaries for this platform from it, checks their SHA-256 against the server's SHA256SUMS, and only
# then moves them into place. Running it again upgrades. Nothing runs until the whole script has
# arrived (everything is inside main, called on the last line), and nothing is built unless asked:
# --from-source builds the checkout this script sits in (run as a file), OPUB_SOURCE, or a clone of
# OPUB_GIT_URL at OPUB_GIT_REF (default: the tag of the served version); never whatever Package.swift
# is in the current directory.
#
# Settings: PREFIX (default $HOME/.local), OPUB_SERVER_URL (the server to download from, when this
# copy was not served by one).
set -eu

# Written by the server that serves this script.
OPUB_SERVER_URL=""
OPUB_DIST_VERSION=""
OPUB_DIST_PLATFORMS=""

say() { printf '%s\n' "install.sh: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

# The platform as opub names it: linux-x86_64, linux-arm64, macos-arm64, …
platform() {
    os=$(uname -s 2>/dev/null || echo unknown)
    arch=$(uname -m 2>/dev/null || echo unknown)
    case "$os" in
        Linux) os=linux ;;
        Darwin) os=macos ;;
        *) os=$(printf '%s' "$os" | tr 'A-Z' 'a-z') ;;
    esac
    case "$arch" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=arm64 ;;
    esac
    printf '%s-%s\n' "$os" "$arch"
}

# fetch URL FILE: download with curl, or wget.
fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 2 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        fail "neither curl nor wget is installed; install one of them and run this again"
    fi
}

# sha256 FILE: the file's SHA-256 in hex.
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | awk '{print $1}'
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | awk '{print $1}'
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 "$1" | awk '{print $NF}'
    else
        fail "no SHA-256 tool (sha256sum, shasum or openssl) is installed, so the download cannot be checked"
    fi
}

# place DIR: moves DIR/opub-mcp and DIR/opub into $bin (copy then rename: a running opub is never
# overwritten in place, and a failure leaves the old one).
place() {
    mkdir -p "$bin" || fail "cannot create $bin"
    for program in opub-mcp opub; do
        cp "$1/$program" "$bin/.$program.$$" || fail "cannot write $bin/.$program.$$"
        chmod 0755 "$bin/.$program.$$"
        mv -f "$bin/.$program.$$" "$bin/$program"
    done
}

report() {
    say "installed $("$bin/opub" --version 2>/dev/null || echo opub) to $bin/opub (and $bin/opub-mcp, which serves 'opub mcp')"
    case ":$PATH:" in
        *":$bin:"*) say "$bin is on your PATH" ;;
        *) say "$bin is not on your PATH; add it, e.g.: export PATH=\"$bin:\$PATH\"" ;;
    esac
    say "next: the 'opub setup …' command from your project's key page"
}

uninstall() {
    if [ -e "$bin/opub" ] || [ -e "$bin/opub-mcp" ]; then
        rm -f "$bin/opub" "$bin/opub-mcp" "$bin/.opub-installed-from"
        say "removed $bin/opub and $bin/opub-mcp (keys and config stay in ~/.config/opub and ~/.local/share/opub; 'opub logout --all' before uninstalling forgets them)"
    else
        say "nothing to remove: $bin/opub does not exist"
    fi
}

install_binaries() {
    server=$1
    target=$(platform)
    version=$OPUB_DIST_VERSION
    platforms=$OPUB_DIST_PLATFORMS
    base="$server/downloads/opub/$version/$target"
    work=$(mktemp -d "${TMPDIR:-/tmp}/opub-install.XXXXXX") || fail "cannot create a temporary directory"
    trap 'rm -rf "$work"' EXIT INT TERM
    say "downloading opub $version for $target from $server"
    fetch "$base/SHA256SUMS" "$work/SHA256SUMS" || fail "could not download $base/SHA256SUMS; is $server reachable?"
    for program in opub opub-mcp; do
        fetch "$base/$program" "$work/$program" || fail "could not download $base/$program"
        expected=$(awk -v name="$program" '$2 == name || $2 == "*" name {print $1}' "$work/SHA256SUMS")
        [ -n "$expected" ] || fail "SHA256SUMS from $server lists no $program; nothing was installed"
        actual=$(sha256 "$work/$program")
        if [ "$expected" != "$actual" ]; then
            fail "the download of $program does not match its SHA-256 (expected $expected, got $actual); nothing was installed. Run this again; if it happens again, tell the operator of $server"
        fi
    done
    say "checked: both files match the SHA-256 sums published by $server"
    place "$work"
    printf 'server=%s\nversion=%s\n' "$server" "$version" >"$bin/.opub-installed-from"
    report
}

is_checkout() { [ -f "$1/Package.swift" ] && grep -q 'name: "opub"' "$1/Package.swift"; }

# The checkout this script sits in, only when it was run as a file (./install.sh, sh path/install.sh):
# piped (`curl … | sh`), $0 is the shell, and the current directory is never taken for a checkout.
own_checkout() {
    case "$0" in
        install.sh | */install.sh) ;;
        *) return 1 ;;
    esac
    [ -f "$0" ] || return 1
    folder=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || return 1
    is_checkout "$folder" || return 1
    printf '%s\n' "$folder"
}

install_from_source() {
    command -v swift >/dev/null 2>&1 || fail "building from source needs Swift 6 (https://www.swift.org/install)"
    source_dir=""
    script_dir=$(own_checkout || true)
    if [ -n "${OPUB_SOURCE:-}" ]; then
        is_checkout "$OPUB_SOURCE" || fail "OPUB_SOURCE=$OPUB_SOURCE is not an opub checkout"
        source_dir=$OPUB_SOURCE
    elif [ -n "$script_dir" ]; then
        source_dir=$script_dir
    elif [ -n "${OPUB_GIT_URL:-}" ]; then
        command -v git >/dev/null 2>&1 || fail "git is required to fetch $OPUB_GIT_URL"
        ref=${OPUB_GIT_REF:-${OPUB_DIST_VERSION:+v$OPUB_DIST_VERSION}}
        [ -n "$ref" ] || fail "set OPUB_GIT_REF to the tag or commit of $OPUB_GIT_URL to build (a pinned version, not whatever the default branch holds)"
        clone=$(mktemp -d "${TMPDIR:-/tmp}/opub-source.XXXXXX") || fail "cannot create a temporary directory"
        trap 'rm -rf "$clone"' EXIT INT TERM
        git clone --quiet "$OPUB_GIT_URL" "$clone/opub" || fail "could not clone $OPUB_GIT_URL"
        git -C "$clone/opub" -c advice.detachedHead=false checkout --quiet "$ref" || fail "$OPUB_GIT_URL has no $ref"
        source_dir="$clone/opub"
    else
        fail "no opub source to build: run install.sh from a checkout, or set OPUB_SOURCE (a checkout) or OPUB_GIT_URL and OPUB_GIT_REF"
    fi
    say "building opub in release mode in $source_dir (the first build compiles dependencies and takes minutes)"
    for product in opub opub-mcp; do
        swift build -c release --product "$product" --package-path "$source_dir" >&2 || fail "the build of $product failed (see above)"
    done
    built=$(swift build -c release --package-path "$source_dir" --show-bin-path)
    [ -x "$built/opub" ] && [ -x "$built/opub-mcp" ] || fail "the build produced no $built/opub or $built/opub-mcp"
    place "$built"
    if command -v strip >/dev/null 2>&1; then
        for program in opub opub-mcp; do strip --strip-debug "$bin/$program" 2>/dev/null || true; done
    fi
    rm -f "$bin/.opub-installed-from"
    report
}

main() {
    prefix=${PREFIX:-$HOME/.local}
    bin="$prefix/bin"
    mode=binary
    for argument in "$@"; do
        case "$argument" in
            --uninstall) mode=uninstall ;;
            --from-source) mode=source ;;
            -h | --help)
                sed -n '2,19p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//' || true
                say "see the comment at the top of this script"
                return 0
                ;;
            *) fail "unknown argument '$argument' (use --from-source, --uninstall or --help)" ;;
        esac
    done
    case "$mode" in
        uninstall)
            uninstall
            return 0
            ;;
        source)
            install_from_source
            return 0
            ;;
    esac

    server=${OPUB_SERVER_URL%/}
    if [ -z "$server" ] || [ -z "$OPUB_DIST_VERSION" ]; then
        if own_checkout >/dev/null; then
            say "this copy was not served by an opub server, so there is nothing to download; building from this checkout"
            install_from_source
            return 0
        fi
        fail "this copy of install.sh was not served by an opub server: use the install line from your opub server's key page (curl -fsSL https://…/install.sh | sh), or --from-source"
    fi
    target=$(platform)
    case " $OPUB_DIST_PLATFORMS " in
        *" $target "*) install_binaries "$server" ;;
        *)
            available=${OPUB_DIST_PLATFORMS:-none}
            if command -v swift >/dev/null 2>&1 && { [ -n "${OPUB_SOURCE:-}" ] || [ -n "${OPUB_GIT_URL:-}" ]; }; then
                say "$server has no prebuilt opub for $target (it has: $available); building from source instead"
                install_from_source
            else
                fail "$server has no prebuilt opub for $target (it has: $available). Build it from source with Swift 6: set OPUB_SOURCE to a checkout (or OPUB_GIT_URL and OPUB_GIT_REF) and run this with --from-source"
            fi
            ;;
    esac
}

main "$@"
