# A throwaway PostgreSQL cluster on a free loopback port, for tests and benchmarks.
#
#   source scripts/lib/postgres.sh
#   pg_bin                     prints the newest installed server's bin directory (fails if none)
#   start_postgres [-c k=v …]  initdb + start in a temporary directory; sets PG_URL, PGTMP, PGPORT
#   restart_postgres           stop (fast) and start the same cluster again (fault tests)
#   stop_postgres              stop it and remove its directory (also run on EXIT by the caller's trap)
#
# As root the cluster runs as the postgres user (PostgreSQL refuses to run as root).

PGTMP=""
PGRUN=()
PGBIN=""
PGOPTS=""

pg_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    done
    return 1
}

start_postgres() {
    PGBIN=$(pg_bin) || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/opub-pg.XXXXXX")
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres "$PGTMP"
        PGRUN=(runuser -u postgres --)
    fi
    PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    PGOPTS="-h 127.0.0.1 -p $PGPORT -k $PGTMP -c max_connections=300 $*"
    "${PGRUN[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U opub --auth=trust --no-sync -E UTF8 >"$PGTMP/initdb.log" 2>&1 \
        || { cat "$PGTMP/initdb.log" >&2; return 1; }
    "${PGRUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -o "$PGOPTS" start >/dev/null \
        || { cat "$PGTMP/server.log" >&2; return 1; }
    PG_URL="postgres://opub@127.0.0.1:$PGPORT/postgres?sslmode=disable"
    export PG_URL PGTMP PGPORT
}

restart_postgres() {
    "${PGRUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m fast stop >/dev/null
    "${PGRUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -o "$PGOPTS" start >/dev/null
}

stop_postgres() {
    if [[ -n "$PGTMP" ]]; then
        "${PGRUN[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PGTMP"
        PGTMP=""
    fi
}
