# Pinning for the HTTP benchmarks (`--pin`): the server (and PostgreSQL's processes) on core 0, the load
# generator on the other cores, so a latency bar is judged on the route and not on the two fighting for
# one run queue. Sourced; sets the arrays `server_cpu` and `load_cpu` (empty when not pinning, or when
# the machine has one core or no taskset).
server_cpu=()
load_cpu=()

# pin_setup 0|1
pin_setup() {
    if [[ "$1" == 1 ]] && command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
        server_cpu=(taskset -c 0)
        load_cpu=(taskset -c "1-$(($(nproc) - 1))")
    fi
}

# pin_postgres DATA_DIR: moves the running postmaster and its children (backends fork from it and
# inherit its core) onto the server's core.
pin_postgres() {
    [[ ${#server_cpu[@]} -gt 0 ]] || return 0
    local postmaster
    postmaster=$(head -n 1 "$1/postmaster.pid")
    for pid in "$postmaster" $(pgrep -P "$postmaster"); do taskset -a -cp 0 "$pid" >/dev/null; done
}
