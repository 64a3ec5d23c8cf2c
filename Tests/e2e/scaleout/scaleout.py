"""Scale-out (quality.md, reliability: two replicas on one PostgreSQL, one killed mid-reconcile, the
other finishes, no duplicate spend).

One PostgreSQL (PG_URL), one openrouter-sim, two opub-server replicas on loopback in production mode
(sandboxed sign-in and payments, the real provider client pointed at the simulator). A steady stream of
key creations, revokes, donations, agent spend (chat completions with the keys' secrets) and CLI
heartbeats goes to both replicas. The replica holding the reconcile lease is SIGKILLed just after a
cycle starts; the survivor must take the lease over and keep reconciling. At the end (survivor stopped,
one `opub-server reconcile --once`): `ledger verify` passes, the provider and the database agree key by
key, and Σ spend posted = Σ provider usage (nothing posted twice, nothing lost).
"""

import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts", "lib"))
import opub_harness as h  # noqa: E402

INTERVAL = int(os.environ.get("OPUB_SCALEOUT_INTERVAL", "5"))
PROJECTS = int(os.environ.get("OPUB_SCALEOUT_PROJECTS", "24"))
KEYS_PER_PROJECT = int(os.environ.get("OPUB_SCALEOUT_KEYS", "6"))
LOAD_BEFORE_KILL = float(os.environ.get("OPUB_SCALEOUT_WARMUP", "12"))
LOAD_AFTER_TAKEOVER = float(os.environ.get("OPUB_SCALEOUT_AFTER", "10"))


class Load:
    """Traffic against whichever replicas are up, like a load balancer that drops a dead backend."""

    def __init__(self, replicas, simulator, keys, owners):
        self.replicas = list(replicas)
        self.simulator = simulator
        self.keys = list(keys)
        self.owners = owners
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.dead = set()
        self.counts = {}
        self.unexpected = []
        self.latencies = []
        self.spent = 0
        self.threads = []
        self.disabled_unasked = set()

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def live(self):
        return [r for r in self.replicas if r.name not in self.dead]

    def pick(self):
        return random.choice(self.live())

    def note(self, what, replica, answer, allowed):
        if answer.status in allowed:
            self.count(f"{what} {answer.status}")
        else:
            self.count(f"{what} {answer.status}")
            with self.lock:
                self.unexpected.append(f"{what} on {replica.name}: {answer!r}")

    def guarded(self, what, action):
        """Runs one request; a refused connection to a killed replica is the load balancer's retry."""
        while not self.stop.is_set():
            replica = self.pick()
            try:
                return action(replica)
            except OSError as error:
                # A connection reset while the replica is being killed is the kill, not a server error.
                deadline = time.time() + 2
                while replica.process.alive() and replica.name not in self.dead and time.time() < deadline:
                    time.sleep(0.05)
                if replica.process.alive() and replica.name not in self.dead:
                    with self.lock:
                        self.unexpected.append(f"{what} on live {replica.name}: {error!r}")
                    return None
                self.count(f"{what} refused by killed replica")

    def creator(self):
        maintainers = {}
        created = 0
        while not self.stop.wait(0.4):
            project = random.choice(list(self.owners))

            def create(replica):
                key_owner = maintainers.get((replica.name, project))
                if key_owner is None or key_owner[1] >= 18:
                    maintainer = h.Maintainer(replica.url)
                    maintainer.claim(project)
                    key_owner = [maintainer, 0]
                    maintainers[(replica.name, project)] = key_owner
                key_owner[1] += 1
                key, answer = key_owner[0].create_key(project, limit="2.00")
                self.note("key creation", replica, answer, (201,))
                if key:
                    session, opened = h.open_session(replica.api.with_ip(f"10.200.{created % 250}.1"), key)
                    self.note("session start", replica, opened, (201,))
                    with self.lock:
                        self.keys.append(key)
                return key

            self.guarded("key creation", create)
            created += 1
            if created % 7 == 0:  # now and then a maintainer revokes a key
                with self.lock:
                    candidates = [k for k in self.keys if not k.revoked]
                victim = random.choice(candidates)
                victim.revoked = True

                def revoke(replica):
                    maintainer = h.Maintainer(replica.url)
                    maintainer.claim(victim.project)
                    answer = maintainer.revoke(victim)
                    self.note("revoke", replica, answer, (200, 202))

                self.guarded("revoke", revoke)

    def donor(self):
        while not self.stop.wait(1.5):
            project = random.choice(list(self.owners))

            def donate(replica):
                maintainer = h.Maintainer(replica.url)
                answer = maintainer.donate(project, "10.00")
                self.note("donation", replica, answer, (200,))

            self.guarded("donation", donate)

    def spender(self):
        while not self.stop.is_set():
            with self.lock:
                key = random.choice(self.keys)
            time.sleep(0.01)
            status, cost = self.simulator.chat(key.secret, prompt=f"work {random.random()}",
                                               tokens=random.randint(20, 400))
            # 401 once a revoked key is disabled at the provider; anything else is unexpected (a 401 for
            # a key nobody revoked is checked at the end against the known provider_missing gap).
            if status == 200:
                with self.lock:
                    key.spent_by_driver += cost
                    self.spent += 1
            elif status == 401 and not key.revoked:
                with self.lock:
                    self.disabled_unasked.add(key.id)
            elif status != 401:
                with self.lock:
                    self.unexpected.append(f"chat completion with {key.id}: {status}")

    def heartbeater(self):
        apis = {}
        while not self.stop.wait(0.01):
            with self.lock:
                key = random.choice(self.keys)
            if not key.sessions:
                continue

            def beat(replica):
                # Each agent session runs on its own machine: its own client address.
                slot = hash(key.id) % 64
                api = apis.get((replica.name, slot)) or apis.setdefault(
                    (replica.name, slot), replica.api.with_ip(f"10.250.{slot}.1"))
                answer = h.heartbeat(api, key, key.sessions[-1])
                # 409 key_disabled once the key is revoked (for a key nobody revoked: checked at the end).
                self.note("heartbeat", replica, answer, (204, 409))
                if answer.status == 409 and not key.revoked:
                    with self.lock:
                        self.disabled_unasked.add(key.id)
                with self.lock:
                    self.latencies.append(answer.seconds)

            self.guarded("heartbeat", beat)

    def reader(self):
        while not self.stop.wait(0.2):
            project = random.choice(list(self.owners))

            def read(replica):
                answer = replica.api.get(f"/api/v1/projects/{project}")
                self.note("project read", replica, answer, (200,))

            self.guarded("project read", read)

    def start(self):
        for target in (self.creator, self.donor, self.spender, self.heartbeater, self.reader):
            thread = threading.Thread(target=self.safe(target), daemon=True)
            thread.start()
            self.threads.append(thread)

    def safe(self, target):
        def run():
            try:
                target()
            except Exception as error:  # noqa: BLE001 - a crashed driver thread is a failed run
                with self.lock:
                    self.unexpected.append(f"driver thread {target.__name__} crashed: {error!r}")
        return run

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def lease(db):
    rows = db.rows("SELECT holder, expires_at FROM leases WHERE name = 'reconciler'")
    return (rows[0][0], int(rows[0][1])) if rows else (None, 0)


def main():
    checks = h.Checks("scale-out")
    work = h.Workdir("opub-scaleout.")
    database_url = os.environ["PG_URL"]
    db = h.Database(database_url)
    processes = []
    try:
        simulator = h.Simulator(work.path, ["--log-level", "warning"])
        processes.append(simulator.process)
        status, output = h.operator(["migrate"], database_url)
        assert status == 0, output

        # Replica A alone first, so that the lease holder of its first cycle names replica A.
        a = h.Replica("replica-a", work.path, database_url, simulator, interval=INTERVAL)
        processes.append(a.process)
        deadline = time.time() + 30
        while a.cycles_logged() == 0 and time.time() < deadline:
            time.sleep(0.1)
        holder_a, _ = lease(db)
        checks.check("replica A reconciles and holds the lease", a.cycles_logged() > 0 and holder_a is not None,
                     f"holder {holder_a}")
        b = h.Replica("replica-b", work.path, database_url, simulator, interval=INTERVAL)
        processes.append(b.process)
        replicas = {a.name: a, b.name: b}
        h.log(f"replicas up: {a.url} (pid {a.process.pid}), {b.url} (pid {b.process.pid}); interval {INTERVAL} s")

        # The world: half the projects created through each replica.
        half = PROJECTS // 2
        _, keys_a, owners_a = h.build_world(a.url, half, KEYS_PER_PROJECT, donation="200.00", limit="2.00",
                                            prefix="scale-a")
        _, keys_b, owners_b = h.build_world(b.url, PROJECTS - half, KEYS_PER_PROJECT, donation="200.00",
                                            limit="2.00", prefix="scale-b")
        keys = keys_a + keys_b
        for index, key in enumerate(keys):
            replica = (a, b)[index % 2]
            _, opened = h.open_session(replica.api.with_ip(f"10.100.{index % 250}.1"), key)
            assert opened.status == 201, opened
        h.log(f"world: {PROJECTS} projects, {len(keys)} keys with a linked session each")

        load = Load(replicas.values(), simulator, keys, {**owners_a, **owners_b})
        load.start()
        time.sleep(LOAD_BEFORE_KILL)

        # Kill the lease holder just after one of its cycles starts (the lease is renewed at the start).
        holder, expires = lease(db)
        victim = replicas["replica-a" if holder == holder_a else "replica-b"]
        metrics = victim.metrics()
        count = metrics.get("opub_reconcile_cycle_seconds_count", 0)
        mean_cycle = metrics.get("opub_reconcile_cycle_seconds_sum", 0) / count if count else 0
        if mean_cycle < 0.3:
            # Cycles this short (a fast build) are hard to hit: the provider answers listings slowly.
            simulator.set_faults([{"route": "GET /keys", "latency_ms": 150}])
            mean_cycle += 0.3
            h.log("cycles are short: the simulator now answers GET /keys after 150 ms")
        delay = min(max(0.05, mean_cycle * 0.5), INTERVAL / 2)
        ended_meanwhile = True
        for attempt in range(4):
            deadline = time.time() + 3 * INTERVAL
            while time.time() < deadline:
                now_holder, now_expires = lease(db)
                if now_expires != expires:
                    break
                time.sleep(0.02)
            expires = now_expires
            cycle_start = now_expires - INTERVAL * 1_000_000  # µs; the lease is taken for one interval
            victim = replicas["replica-a" if now_holder == holder_a else "replica-b"]
            cycles_before = victim.cycles_logged()
            time.sleep(delay)
            if victim.cycles_logged() > cycles_before:  # that cycle was quicker: aim earlier next time
                delay = max(0.02, delay / 3)
                continue
            victim.process.signal(signal.SIGKILL)
            killed_at = time.time()
            victim.process.popen.wait()
            ended_meanwhile = victim.cycles_logged() > cycles_before
            break
        else:
            victim.process.signal(signal.SIGKILL)
            killed_at = time.time()
            victim.process.popen.wait()
        survivor = replicas["replica-b" if victim.name == "replica-a" else "replica-a"]
        load.dead.add(victim.name)
        writes = db.value(
            f"SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'spend' AND created_at >= {cycle_start}")
        h.log(f"SIGKILL {victim.name} {delay:.2f} s after its cycle began (its cycles averaged {mean_cycle:.2f} s); "
              f"{writes} spend transaction(s) committed since the cycle began")
        checks.check("the replica was killed mid-cycle (its cycle had not finished)", not ended_meanwhile,
                     f"killed {delay:.2f} s into a cycle averaging {mean_cycle:.2f} s")

        # Takeover: the survivor takes the lease (a cycle starts) and completes that cycle.
        holder_killed = now_holder
        survivor_cycles = survivor.cycles_logged()
        lease_expiry = cycle_start / 1e6 + INTERVAL
        acquired = completed = None
        deadline = killed_at + 3 * INTERVAL + 10
        while time.time() < deadline and completed is None:
            now_holder, _ = lease(db)
            if acquired is None and now_holder and now_holder != holder_killed:
                acquired = time.time()
            if acquired is not None and survivor.cycles_logged() > survivor_cycles:
                completed = time.time()
            time.sleep(0.05)
        if acquired is None or completed is None:
            checks.check("the survivor takes over the reconcile lease", False,
                         f"lease taken: {acquired is not None}, cycle completed: {completed is not None} "
                         f"within {3 * INTERVAL + 10} s of the kill")
        else:
            h.log(f"takeover: lease taken {acquired - killed_at:.2f} s after the kill "
                  f"({acquired - lease_expiry:.2f} s after the dead replica's lease expired), first cycle "
                  f"finished {completed - killed_at:.2f} s after the kill")
            checks.check(f"the dead replica's lease expires within one interval ({INTERVAL} s) of its last renewal "
                         f"and the survivor takes it within one more interval", acquired - lease_expiry <= INTERVAL + 1,
                         f"taken {acquired - lease_expiry:.2f} s after expiry, {acquired - killed_at:.2f} s after "
                         f"the kill (the survivor retries every interval)")
        time.sleep(LOAD_AFTER_TAKEOVER)
        cycles_after = survivor.cycles_logged() - survivor_cycles
        checks.check("the survivor keeps reconciling", cycles_after >= 2, f"{cycles_after} cycles since the kill")
        load.finish()
        simulator.clear_faults()

        checks.check("no unexpected answer from a live replica, simulator or driver", not load.unexpected,
                     "; ".join(load.unexpected[:5]))
        h.log("traffic: " + ", ".join(f"{k}: {v}" for k, v in sorted(load.counts.items())) +
              f", chat completions: {load.spent}")
        checks.check("the load ran on both replicas (creations, revokes, donations, spend, heartbeats)",
                     all(load.counts.get(k, 0) > 0 for k in ("key creation 201", "revoke 200", "donation 200",
                                                             "heartbeat 204")) and load.spent > 100,
                     str(load.counts))
        latencies = sorted(load.latencies)
        if latencies:
            h.log(f"heartbeat latency seen by the driver: p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                  f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms over {len(latencies)}")
        others, wrongly = h.provider_missing_gap(checks, db, survivor.process.log_lines() +
                                                 victim.process.log_lines())
        checks.check("no other error logged by either replica", not others, "".join(others[:3])[:600])
        checks.check("keys refused to agents were revoked by a maintainer (or hit the provider_missing gap)",
                     load.disabled_unasked <= wrongly, f"{sorted(load.disabled_unasked - wrongly)[:5]}")
        h.report_anomalies(checks)

        # The end state: survivor stopped (releases the lease), one final cycle, then the audits.
        survivor.process.stop()
        status, output = h.operator(["reconcile", "--once"], database_url, env={
            "OPENROUTER_MANAGEMENT_KEY": simulator.management_key, "OPENROUTER_BASE_URL": simulator.url})
        checks.check("final `opub-server reconcile --once`", status == 0, output.splitlines()[-1] if output else "")
        h.ledger_verify(database_url, checks, "after the kill and the final cycle")
        total_spend, _ = h.agreement(db, simulator, checks)
        provisioning = db.value("SELECT COUNT(*) FROM compute_keys WHERE status = 'provisioning'")
        h.log(f"Σ spend {total_spend} µ$; {provisioning} key(s) left provisioning by the kill (cleaned up after "
              f"the 2-minute grace)")
        driver_micros = sum(h.usd_to_micros(k.spent_by_driver) for k in load.keys)
        checks.check("spend happened and was recorded", total_spend > 0 and driver_micros > 0,
                     f"{driver_micros} µ$ of chat costs seen by the driver")
    finally:
        for process in reversed(processes):
            process.stop()
        work.remove()
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
