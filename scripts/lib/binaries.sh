# Where the benchmarks' binaries come from.
#
#   source scripts/lib/binaries.sh
#   bench_binaries ROOT     sets and exports OPUB_BIN_DIR: as given by the caller, else ROOT/.build/release,
#                           building the release products with `swift build -c release` only when one of
#                           opub-server, openrouter-sim or opub is missing there. OPUB_SIM_BIN_DIR, when
#                           set, is where openrouter-sim is taken from instead.

bench_binaries() {
    local root=$1 product missing=()
    if [[ -z "${OPUB_BIN_DIR:-}" ]]; then
        OPUB_BIN_DIR="$root/.build/release"
        for product in opub-server openrouter-sim opub; do
            [[ -x "$(product_path "$product")" ]] || missing+=("$product")
        done
        if [[ ${#missing[@]} -gt 0 ]]; then
            echo "release binaries missing (${missing[*]}): swift build -c release" >&2
            (cd "$root" && swift build -c release >&2)
        fi
    fi
    for product in opub-server openrouter-sim opub; do
        [[ -x "$(product_path "$product")" ]] || { echo "$(product_path "$product") is missing" >&2; return 1; }
    done
    export OPUB_BIN_DIR
}

product_path() {
    if [[ "$1" == openrouter-sim && -n "${OPUB_SIM_BIN_DIR:-}" ]]; then
        echo "$OPUB_SIM_BIN_DIR/$1"
    else
        echo "$OPUB_BIN_DIR/$1"
    fi
}
