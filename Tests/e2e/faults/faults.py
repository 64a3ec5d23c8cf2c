"""Fault matrix against live processes (quality.md, reliability: faults; issue 9, item 4).

PostgreSQL (PG_URL) + openrouter-sim + one opub-server in production mode (sandboxed sign-in and
payments, the real provider client pointed at the simulator):

1. provider down for a whole reconcile cycle (every simulator route answers 503);
2. provider 429 storm with Retry-After;
3. PostgreSQL restarted under load (an immediate restart, then a few seconds down);

then a sandbox opub-server on SQLite whose file lives on a small tmpfs:

4. disk full.

For each: the server answers with clear errors (JSON, the right status, no hang), loses nothing,
recovers by itself without a restart, and `opub-server ledger verify` passes afterwards; at the end the
provider and the database agree key by key.
"""

import errno
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "lib"))
import opub_harness as h  # noqa: E402

INTERVAL = 5
HANG_SECONDS = 10  # an answer slower than this during a fault counts as a hang
OUTAGE = int(os.environ.get("OPUB_FAULTS_PG_OUTAGE", "20"))  # seconds PostgreSQL stays down in fault 3 (longer than HANG_SECONDS, so waiting it out shows)


def wait_for(predicate, timeout, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def cycle_lines(replica):
    """(completed cycles, failed cycles) logged so far."""
    lines = replica.process.log_lines()
    done = sum(1 for line in lines if " info " in line and "reconcile cycle" in line)
    failed = sum(1 for line in lines if "reconcile cycle failed" in line)
    return done, failed


def wait_for_cycle(replica, timeout=4 * INTERVAL):
    """Waits for the next completed reconcile cycle; True when one came."""
    done, _ = cycle_lines(replica)
    return wait_for(lambda: cycle_lines(replica)[0] > done, timeout) is not None


def key_row(db, key):
    rows = db.rows(f"SELECT status, COALESCE(disabled_reason, ''), COALESCE(provider_sync, ''), spent_micros, "
                   f"reserved_micros FROM compute_keys WHERE id = '{key.id}'")
    return rows[0] if rows else None


def clear_error(answer):
    """The error shape of server.md with a code and a sentence."""
    error = (answer.json or {}).get("error") if isinstance(answer.json, dict) else None
    return bool(error and error.get("code") and len(error.get("message", "")) > 10)


def provider_down(checks, replica, simulator, db, owner, project, keys):
    h.log("— fault 1: provider down for a whole cycle (every simulator route answers 503)")
    before = replica.api.get(f"/api/v1/projects/{project}").json
    charged = keys[0]
    provider = simulator.opub_keys()
    simulator.set_faults([{"route": "*", "error_status": 503}])
    _, failed_before = cycle_lines(replica)
    try:
        # Spend that happens while opub cannot see the provider (recorded after recovery).
        status, _ = simulator.charge(provider[charged.id]["hash"], "0.125")
        assert status == 200, status

        key, created = owner.create_key(project, limit="1.00")
        checks.check("key creation while the provider is down: 502 provider_unavailable with a sentence",
                     created.status == 502 and created.error_code == "provider_unavailable" and clear_error(created),
                     repr(created))
        after = replica.api.get(f"/api/v1/projects/{project}").json
        checks.check("the failed creation charged nothing", after["available"] == before["available"],
                     f"available {before['available']['usd']} → {after['available']['usd']}")
        revoked = keys[1]
        answer = owner.revoke(revoked)
        checks.check("revoke while the provider is down: 202, the key is revoked and opub finishes later",
                     answer.status == 202 and (answer.json or {}).get("state") == "disabled", repr(answer))
        revoked.revoked = True
        cli = replica.api.with_ip("10.60.0.1")
        live = keys[2]
        beat = h.heartbeat(cli, live, live.sessions[-1])
        status = cli.call("GET", f"/api/v1/cli/keys/{live.id}", token=live.token)
        checks.check("CLI heartbeat and key status still answer (they do not need the provider)",
                     beat.status == 204 and status.status == 200, f"{beat.status}, {status.status}")
        ready = replica.api.get("/readyz")
        failed_cycle = wait_for(lambda: cycle_lines(replica)[1] > failed_before, 3 * INTERVAL)
        checks.check("a whole reconcile cycle failed against the down provider (and was logged)",
                     failed_cycle is not None, f"failed cycles before: {failed_before}")
        ready = replica.api.get("/readyz")
        checks.check("/readyz reports the provider unreachable after a failed cycle (503, says provider)",
                     ready.status == 503 and "provider" in ((ready.json or {}).get("checks") or {}), repr(ready))
        h.ledger_verify(replica.database_url, checks, "while the provider is down")
    finally:
        simulator.clear_faults()
    checks.check("after the provider returns, a reconcile cycle completes", wait_for_cycle(replica))
    ready = replica.api.get("/readyz")
    checks.check("/readyz is ready again after a successful cycle", ready.status == 200, repr(ready))
    wait_for_cycle(replica)
    row = key_row(db, revoked)
    checks.check("the revoke is finished at the provider", row[2] == "disabled_at_provider"
                 and simulator.opub_keys()[revoked.id]["disabled"], f"{row}")
    row = key_row(db, charged)
    usage = h.usd_to_micros(simulator.opub_keys()[charged.id]["usage"])
    checks.check("spend made during the outage is recorded once", int(row[3]) == usage and usage >= 125000,
                 f"spent {row[3]} µ$, provider usage {usage} µ$")
    key, created = owner.create_key(project, limit="1.00")
    checks.check("key creation works again", created.status == 201, repr(created))
    if key:
        keys.append(key)
    h.ledger_verify(replica.database_url, checks, "after the provider outage")


def rate_limit_storm(checks, replica, simulator, db, owner, project, keys):
    storm = 24
    h.log(f"— fault 2: provider 429 storm with Retry-After: 1 (60 % of every call until {storm} have been refused)")
    simulator.set_faults([{"route": "*", "error_status": 429, "retry_after": 1, "error_rate": 0.6, "count": storm}])
    answers = []
    started = time.time()
    _, failed_before = cycle_lines(replica)
    done_before, _ = cycle_lines(replica)

    def remaining():
        rules = simulator.call("GET", "/_sim/faults")[1]["rules"]
        return rules[0].get("count", 0) if rules else 0

    try:
        victim = keys[3]
        answer = owner.revoke(victim)
        victim.revoked = True
        checks.check("revoke during the storm: 200 or 202", answer.status in (200, 202), repr(answer))
        # Maintainers keep creating keys (and the reconciler keeps cycling) until the storm is spent.
        creator = owner
        while remaining() > 0 and time.time() - started < 90:
            if len(answers) % 15 == 14:
                creator = h.Maintainer(replica.url)
                creator.claim(project)
            key, created = creator.create_key(project, limit="1.00")
            answers.append(created)
            if key:
                keys.append(key)
            time.sleep(0.3)
        statuses = [a.status for a in answers]
        h.log(f"storm over after {time.time() - started:.1f} s: creations answered {statuses}; cycles during it: "
              f"{cycle_lines(replica)[0] - done_before} completed, {cycle_lines(replica)[1] - failed_before} failed")
        checks.check("the storm ended by itself (every refusal was spent)", remaining() == 0, f"{remaining()} left")
        refused = [a for a in answers if a.status != 201]
        checks.check("key creations during the storm: created, or refused with a clear error that says when to "
                     "retry", all(a.status in (429, 502, 503) and clear_error(a) and "etry" in a.raw.decode()
                                  for a in refused) and len(refused) < len(answers),
                     "; ".join(repr(a) for a in refused)[:400] or f"{statuses}")
        slow = max(a.seconds for a in answers)
        checks.check("no creation hangs during the storm", slow < HANG_SECONDS, f"slowest {slow:.2f} s")
        for answer in refused:
            if answer.status == 429:
                checks.check("a 429 passed on to the maintainer carries Retry-After",
                             answer.headers.get("Retry-After") is not None, repr(answer))
                break
    finally:
        simulator.clear_faults()
    checks.check("after the storm, a reconcile cycle completes", wait_for_cycle(replica))
    row = key_row(db, victim)
    checks.check("the revoke made during the storm is finished at the provider",
                 row[2] == "disabled_at_provider" and simulator.opub_keys()[victim.id]["disabled"], f"{row}")
    fresh = h.Maintainer(replica.url)
    fresh.claim(project)
    key, created = fresh.create_key(project, limit="1.00")
    checks.check("key creation works after the storm", created.status == 201, repr(created))
    if key:
        keys.append(key)
    h.ledger_verify(replica.database_url, checks, "after the 429 storm")


class Traffic:
    """Steady requests against one server, every answer recorded with its time and duration."""

    def __init__(self, replica, owner, project, keys):
        self.replica, self.owner, self.project, self.keys = replica, owner, project, keys
        self.stop = threading.Event()
        self.records = []  # (start, what, status or exception text, seconds, error code)
        self.lock = threading.Lock()
        self.threads = []

    def record(self, what, work):
        start = time.time()
        try:
            answer = work()
            item = (start, what, answer.status, time.time() - start, answer.error_code, answer)
        except Exception as error:  # noqa: BLE001 - every failure is evidence
            item = (start, what, f"{type(error).__name__}: {error}", time.time() - start, None, None)
        with self.lock:
            self.records.append(item)

    def loop(self, what, work, pause):
        def run():
            while not self.stop.wait(pause):
                self.record(what, work)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

    def start(self):
        api = self.replica.api.with_ip("10.70.0.1")
        api.timeout = 30
        live = [k for k in self.keys if not k.revoked and k.sessions]
        self.loop("heartbeat", lambda: h.heartbeat(api, (k := random.choice(live)), k.sessions[-1]), 0.02)
        self.loop("project read", lambda: api.get(f"/api/v1/projects/{self.project}"), 0.1)
        self.loop("cli key status", lambda: api.call("GET", f"/api/v1/cli/keys/{live[0].id}", token=live[0].token),
                  0.1)
        self.loop("ledger read", lambda: api.get(f"/api/v1/projects/{self.project}/ledger?limit=5"), 0.2)
        donor = h.Maintainer(self.replica.url)
        donor.api.timeout = 30
        self.owner.api.timeout = 30
        self.loop("donation", lambda: donor.donate(self.project, "5.00"), 0.5)
        self.loop("key creation", lambda: self.owner.create_key(self.project, limit="1.00")[1], 1.0)
        self.loop("readyz", lambda: api.get("/readyz"), 0.25)

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(120)


def postgres_restart(checks, replica, simulator, db, owner, project, keys, pg):
    h.log(f"— fault 3: PostgreSQL restarted under load (at once, then down for {OUTAGE} s)")
    traffic = Traffic(replica, owner, project, keys)
    # The owner may have used its key-creation burst; a fresh maintainer creates keys here.
    traffic.owner = h.Maintainer(replica.url)
    traffic.owner.claim(project)
    traffic.start()
    time.sleep(2)
    restart_started = time.time()
    pg.restart()
    restart_done = time.time()
    h.log(f"immediate restart took {restart_done - restart_started:.1f} s")
    time.sleep(3)
    down_at = time.time()
    pg.stop()
    time.sleep(OUTAGE)
    pg.start()
    up_at = time.time()
    h.log(f"PostgreSQL down from +{down_at - restart_started:.1f} s to +{up_at - restart_started:.1f} s")
    recovered = wait_for(lambda: replica.api.get("/readyz").status == 200 and time.time(), 120, step=0.25)
    time.sleep(3)
    traffic.finish()

    records = traffic.records
    outage = [r for r in records if down_at - 0.5 <= r[0] <= up_at]
    during_restart = [r for r in records if restart_started <= r[0] <= restart_done + 1]
    failures = [r for r in records if not (isinstance(r[2], int) and r[2] < 500)]
    hangs = [r for r in records if r[3] >= HANG_SECONDS and isinstance(r[2], int)]  # answered, but late
    exceptions = [r for r in records if not isinstance(r[2], int)]
    h.log(f"{len(records)} requests; {len(outage)} started while PostgreSQL was down; "
          f"{len(failures)} failed; slowest {max(r[3] for r in records):.1f} s")
    by_answer = {}
    for r in failures:
        key = (r[1], r[2], r[4])
        by_answer[key] = by_answer.get(key, 0) + 1
    for (what, status, code), count in sorted(by_answer.items(), key=str):
        h.log(f"  failed: {what} → {status} {code or ''} ×{count}")
    slow_by_route = {}
    for r in outage:
        slow_by_route[r[1]] = max(slow_by_route.get(r[1], 0), r[3])
    h.log("  slowest answer per route during the outage: " +
          ", ".join(f"{k} {v:.1f} s" for k, v in sorted(slow_by_route.items())))
    checks.check("requests failed or waited while PostgreSQL was down (the fault was real)",
                 len(outage) > 0 and any(r[3] > 2 or r in failures for r in outage),
                 f"{len(outage)} requests during the outage")
    for r in exceptions[:5]:
        h.log(f"  no answer: {r[1]} started at +{r[0] - restart_started:.1f} s (restart at +0, down at "
              f"+{down_at - restart_started:.1f} s, up at +{up_at - restart_started:.1f} s), gave up after {r[3]:.1f} s: "
              f"{r[2]}")
    checks.check("every request gets an answer (none left without one for 30 s after PostgreSQL restarts)",
                 not exceptions, "; ".join(f"{r[1]} started +{r[0] - restart_started:.1f} s after the immediate "
                                           f"restart began: no answer in {r[3]:.0f} s" for r in exceptions[:5]))
    checks.check(f"no request waits more than {HANG_SECONDS} s while the database is down (fail fast)",
                 not hangs, f"{len(hangs)} requests waited ≥ {HANG_SECONDS} s for the database, e.g. " +
                 "; ".join(f"{r[1]} waited {r[3]:.1f} s → {r[2]}" for r in hangs[:4]))
    answered = [r for r in failures if isinstance(r[2], int) and r[1] != "readyz"]
    checks.check("every failure is a JSON error with a code and a sentence",
                 all(r[5] is not None and clear_error(r[5]) for r in answered),
                 "; ".join(repr(r[5]) for r in answered if r[5] is not None and not clear_error(r[5]))[:400])
    unavailable = [r for r in answered if r[2] == 503 and r[4] == "database_unavailable"]
    checks.check("requests during the outage are answered 503 database_unavailable",
                 unavailable and all(r[2] == 503 for r in answered if down_at <= r[0] <= up_at),
                 "; ".join(sorted({f"{r[1]} → {r[2]} {r[4]}" for r in answered}))[:400])
    ready_down = [r for r in outage if r[1] == "readyz"]
    checks.check(f"/readyz reports the database unreachable (503) within {HANG_SECONDS} s during the outage",
                 any(r[2] == 503 and r[3] < HANG_SECONDS and r[5] is not None and
                     ((r[5].json or {}).get("checks") or {}).get("database") == "unreachable" for r in ready_down),
                 "GET /readyz during the outage: " + ", ".join(f"{r[2]} after {r[3]:.1f} s" for r in ready_down[:6]))
    internal = [r for r in failures if r[4] == "internal_error"]
    for r in internal[:3]:
        h.log(f"  500 at +{r[0] - restart_started:.1f} s (restart at +0, down at +{down_at - restart_started:.1f} s, "
              f"up at +{up_at - restart_started:.1f} s): {r[1]} → {r[5]!r}")
    logged = [line.strip() for line in h.error_lines(replica.process.log_lines()) if "request failed" in line]
    for line in logged[-3:]:
        h.log(f"  server log: {line[:400]}")
    checks.check("a lost database connection (the immediate restart) is answered 503 database_unavailable too",
                 all(r[2] == 503 and r[4] == "database_unavailable" for r in answered),
                 "; ".join(sorted({f"{r[1]} → {r[2]} {r[4]}" for r in answered}))[:400])
    checks.check("the server recovered by itself (no restart): /readyz 200 again",
                 recovered is not None and replica.process.alive(),
                 f"{recovered - up_at:.1f} s after PostgreSQL was back" if recovered else "not within 120 s")
    if recovered:
        h.log(f"recovered {recovered - up_at:.1f} s after PostgreSQL came back")
    tail = [r for r in records if recovered and r[0] >= recovered + 0.5]
    checks.check("after recovery every request succeeds", tail and all(isinstance(r[2], int) and r[2] < 500
                                                                       for r in tail),
                 f"{sum(1 for r in tail if not (isinstance(r[2], int) and r[2] < 500))} of {len(tail)} failed")
    for r in records:
        if r[1] == "key creation" and r[5] is not None and r[5].status == 201:
            keys.append(h.Key(r[5].json["key"]["id"], r[5].json["secret"], project))
    h.ledger_verify(replica.database_url, checks, "after the PostgreSQL restart")
    return down_at, up_at


def disk_full(checks, work):
    h.log("— fault 4: disk full under the SQLite file (tmpfs)")
    disk = os.path.join(work, "disk")
    os.makedirs(disk)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", disk], capture_output=True, text=True)
    if mounted.returncode != 0:
        h.log(f"SKIPPED (not counted as passed): cannot mount a small tmpfs here ({mounted.stderr.strip()}); "
              "run as root (or with CAP_SYS_ADMIN) to test a full disk under the SQLite file")
        return
    replica = None
    try:
        database_url = f"sqlite://{disk}/opub.sqlite"
        replica = h.Replica("sqlite-sandbox", work, database_url, env={"OPUB_CLI_RATE_LIMIT": "0"})
        owner = h.Maintainer(replica.url)
        project = "disk/full"
        owner.claim(project)
        checks.check("donation before the disk fills", owner.donate(project, "50.00").status == 200)
        keys = []
        for _ in range(2):
            key, created = owner.create_key(project)
            assert key, created
            h.open_session(replica.api.with_ip("10.80.0.1"), key)
            keys.append(key)

        filler = os.path.join(disk, "filler")
        full = None
        with open(filler, "wb", buffering=0) as f:
            for chunk in (65536, 512):  # fill, then the last few bytes
                try:
                    while True:
                        f.write(b"\0" * chunk)
                except OSError as error:
                    full = full or error
        checks.check("the disk is full", full is not None and full.errno == errno.ENOSPC, str(full))
        statvfs = os.statvfs(disk)
        h.log(f"free bytes on the SQLite disk: {statvfs.f_bavail * statvfs.f_frsize}")

        # Writes until some fail (the WAL may have room for a few), through several maintainers.
        answers = []
        signer = h.Api(replica.url, ip="10.81.0.1")
        for attempt in range(150):
            kind = ("donation", "key creation", "sign-in")[attempt % 3]
            if kind == "donation":
                answer = owner.donate(project, "1.00")
            elif kind == "key creation":
                answer = owner.create_key(project)[1]
            else:
                answer = signer.call("POST", "/auth/sandbox", {"login": f"diskfull{attempt}"})
            answers.append((kind, answer))
            if sum(1 for _, a in answers if a.status >= 500) >= 6:
                break
        failures = [(kind, a) for kind, a in answers if a.status >= 500]
        h.log(f"{len(answers)} writes attempted on a full disk, {len(failures)} failed: " +
              "; ".join(sorted({f'{kind} → {a.status} {a.error_code}' for kind, a in failures})))
        checks.check("writes fail on the full disk (the fault was real)", len(failures) > 0,
                     f"{len(answers)} writes all succeeded")
        checks.check("write failures are JSON errors with a code and a sentence, no hang",
                     all(clear_error(a) and a.seconds < HANG_SECONDS for _, a in failures),
                     "; ".join(repr(a) for _, a in failures if not clear_error(a))[:400])
        checks.check("a full disk is answered 503 with a storage code (not 500 internal_error)",
                     all(a.status == 503 and a.error_code == "storage_full" for _, a in failures),
                     "; ".join(sorted({f"{kind} → {a.status} {a.error_code}" for kind, a in failures})))
        read = replica.api.get(f"/api/v1/projects/{project}")
        checks.check("reads still work on the full disk", read.status == 200, repr(read))
        beat = h.heartbeat(replica.api.with_ip("10.80.0.1"), keys[0], keys[0].sessions[-1])
        checks.check("heartbeats are still accepted (buffered) on the full disk", beat.status == 204, repr(beat))
        errors = h.error_lines(replica.process.log_lines())
        h.log("server log on the full disk: " + (errors[-1].strip()[:300] if errors else "no error lines"))

        os.remove(filler)
        h.log("space returned")
        after = wait_for(lambda: (a := owner.donate(project, "2.00")).status == 200 and a, 30, step=1)
        checks.check("the server writes again by itself once space returns (no restart)",
                     after is not None and replica.process.alive())
        fresh = h.Maintainer(replica.url)
        fresh.claim(project)
        key, created = fresh.create_key(project)
        checks.check("key creation works again", created.status == 201, repr(created))
        replica.process.stop()
        replica = None
        db = h.Database(database_url)
        half = db.rows("SELECT d.id, d.status, COUNT(t.id) FROM donations d LEFT JOIN ledger_transactions t "
                       "ON t.donation_id = d.id AND t.kind = 'donation' GROUP BY d.id, d.status")
        bad = [row for row in half if (row[1] == "completed") != (row[2] == "1")]
        checks.check("nothing half-written: every completed donation has exactly one donation transaction and "
                     "no other donation has one", not bad, f"{bad[:5]}")
        stuck = db.value("SELECT COUNT(*) FROM compute_keys WHERE status = 'provisioning'")
        h.log(f"{stuck} key(s) left provisioning (the reconciler abandons them after 2 minutes)")
        h.ledger_verify(database_url, checks, "after the disk filled and emptied")
    finally:
        if replica:
            replica.process.stop()
        subprocess.run(["umount", disk], capture_output=True)


class Postgres:
    """Stops and starts the throwaway cluster of scripts/lib/postgres.sh (its settings are exported)."""

    def __init__(self):
        self.ctl = [*os.environ.get("OPUB_PG_RUN", "").split(), os.path.join(os.environ["PGBIN"], "pg_ctl"),
                    "-D", os.path.join(os.environ["PGTMP"], "data")]
        self.opts = os.environ["PGOPTS"]
        self.log = os.path.join(os.environ["PGTMP"], "server.log")

    def stop(self):
        subprocess.run([*self.ctl, "-m", "fast", "stop"], check=True, capture_output=True)

    def start(self):
        subprocess.run([*self.ctl, "-l", self.log, "-w", "-o", self.opts, "start"], check=True, capture_output=True)

    def restart(self):
        self.stop()
        self.start()


def main():
    checks = h.Checks("fault matrix")
    work = h.Workdir("opub-faults.")
    database_url = os.environ["PG_URL"]
    db = h.Database(database_url)
    processes = []
    try:
        simulator = h.Simulator(work.path, ["--log-level", "warning"])
        processes.append(simulator.process)
        replica = h.Replica("replica", work.path, database_url, simulator, interval=INTERVAL)
        processes.append(replica.process)
        owner = h.Maintainer(replica.url)
        project = "faults/matrix"
        owner.claim(project)
        assert owner.donate(project, "100.00").status == 200
        keys = []
        for index in range(5):
            key, created = owner.create_key(project, limit="2.00")
            assert key, created
            h.open_session(replica.api.with_ip("10.50.0.1"), key)
            keys.append(key)
        checks.check("the first reconcile cycles complete", wait_for_cycle(replica))

        provider_down(checks, replica, simulator, db, owner, project, keys)
        owner = h.Maintainer(replica.url)
        owner.claim(project)
        rate_limit_storm(checks, replica, simulator, db, owner, project, keys)
        owner = h.Maintainer(replica.url)
        owner.claim(project)
        postgres_restart(checks, replica, simulator, db, owner, project, keys, Postgres())

        # The PostgreSQL world at the end: one more cycle, then provider and database agree.
        checks.check("a reconcile cycle completes after all the faults", wait_for_cycle(replica))
        replica.process.stop()
        status, output = h.operator(["reconcile", "--once"], database_url, env={
            "OPENROUTER_MANAGEMENT_KEY": simulator.management_key, "OPENROUTER_BASE_URL": simulator.url})
        checks.check("final `opub-server reconcile --once`", status == 0, output.splitlines()[-1] if output else "")
        h.ledger_verify(database_url, checks, "at the end (PostgreSQL)")
        h.agreement(db, simulator, checks)

        disk_full(checks, work.path)
        h.report_anomalies(checks)
    finally:
        for process in reversed(processes):
            process.stop()
        work.remove()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
