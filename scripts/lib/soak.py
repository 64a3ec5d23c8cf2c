"""Soak (issue 9, item 3): one opub-server against openrouter-sim for a few minutes with 10,000 keys in
1,000 projects reconciling every cycle, 1,000 linked CLI sessions heartbeating (at an accelerated
rate), donations arriving and agent spend growing. Samples the server's RSS from /proc, records
heartbeat latency, counts error lines in the server's log, and ends with `ledger verify` and the
provider/database agreement check.

Run through scripts/soak (which starts PostgreSQL for --engine postgres). Prints a report, and with
--json-out FILE writes the numbers for scripts/bench. Exit 1 when a check fails.
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import opub_harness as h  # noqa: E402


def histogram(metrics, route):
    """{upper bound: cumulative count} of opub_http_request_duration_seconds for a POST route."""
    prefix = f'opub_http_request_duration_seconds_bucket{{route="{route}",method="POST",le="'
    buckets = {}
    for name, value in metrics.items():
        if name.startswith(prefix):
            bound = name[len(prefix):-2]
            buckets[float("inf") if bound == "+Inf" else float(bound)] = value
    return buckets


def quantile_bound(before, after, q):
    """The histogram bucket bound under which a fraction q of the requests between two scrapes fell."""
    bounds = sorted(after)
    total = after.get(float("inf"), 0) - before.get(float("inf"), 0)
    if total <= 0:
        return None
    for bound in bounds:
        if after[bound] - before.get(bound, 0) >= q * total:
            return bound
    return None


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--sessions", type=int, default=1_000)
    parser.add_argument("--duration", type=float, default=300,
                        help="seconds of steady load (the first third is the allocator's warm-up)")
    parser.add_argument("--heartbeat-every", type=float, default=4.0,
                        help="seconds between one session's heartbeats (the CLI sends one every 30 s)")
    parser.add_argument("--interval", type=int, default=10, help="OPUB_RECONCILE_INTERVAL")
    parser.add_argument("--workers", type=int, default=4, help="parallel clients building the world")
    parser.add_argument("--json-out")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for opub-server (e.g. MALLOC_ARENA_MAX=2)")
    args = parser.parse_args()

    checks = h.Checks("soak")
    work = h.Workdir("opub-soak.")
    database_url = os.environ.get("PG_URL") or f"sqlite://{work.path}/soak.sqlite"
    engine = "postgres" if database_url.startswith("postgres") else "sqlite"
    processes = []
    report = {"engine": engine, "keys": args.keys, "projects": args.projects, "sessions": args.sessions,
              "duration_s": args.duration, "heartbeat_every_s": args.heartbeat_every, "interval_s": args.interval,
              "bin_dir": h.bin_dir(), "load_average_start": os.getloadavg()[0], "server_env": args.server_env}
    try:
        simulator = h.Simulator(work.path, ["--log-level", "warning"])
        processes.append(simulator.process)
        server = h.Replica("opub-server", work.path, database_url, simulator, interval=args.interval,
                           env=dict([("OPUB_CLI_RATE_LIMIT", "20")] + [tuple(v.split("=", 1)) for v in args.server_env]))
        processes.append(server.process)
        h.log(f"soak on {engine}: opub-server {server.url} (pid {server.process.pid}), simulator {simulator.url}; "
              f"binaries {h.bin_dir()}")

        started = time.time()
        last = [0]

        def progress(projects, keys):
            if time.time() - last[0] > 15:
                last[0] = time.time()
                h.log(f"  world: {projects} projects, {keys} keys ({keys / (time.time() - started):.0f} keys/s)")

        _, keys, owners = h.build_world(server.url, args.projects, args.keys // args.projects, donation="100.00",
                                        limit="1.00", workers=args.workers, prefix="soak", on_progress=progress)
        report["setup_keys_per_second"] = round(len(keys) / (time.time() - started), 1)
        h.log(f"world: {len(owners)} projects, {len(keys)} keys through the API in {time.time() - started:.0f} s")
        hashes = {key_id: remote["hash"] for key_id, remote in simulator.opub_keys().items()}
        sessions = []
        refused = 0
        for index, key in enumerate(keys):
            if len(sessions) == args.sessions:
                break
            ip = f"10.{100 + index // 62500}.{(index // 250) % 250}.{index % 250 + 1}"
            api = server.api.with_ip(ip)
            session, opened = h.open_session(api, key)
            if opened.status == 409 and opened.error_code == "key_disabled":
                refused += 1  # disabled by the provider_missing gap while the world was built (reported)
                continue
            if opened.status != 201:
                raise RuntimeError(f"session start answered {opened!r}")
            api.close()  # the heartbeat threads open their own: one connection per simulated CLI session
            sessions.append((api, key, session))
        report["sessions_refused_disabled_keys"] = refused
        h.log(f"{len(sessions)} linked sessions open")

        # Let the reconciler see everything once before measuring.
        done = server.cycles_logged()
        h.log("waiting for a full reconcile cycle over every key…")
        deadline = time.time() + 10 * args.interval + 120
        while server.cycles_logged() <= done + 1 and time.time() < deadline:
            time.sleep(0.5)

        rss_after_world = server.process.rss_kib()
        report["server_open_sockets_after_world"] = server.process.open_sockets()
        stop = threading.Event()
        lock = threading.Lock()
        latencies = []
        statuses = {}
        unexpected = []
        rss = []
        boundaries = []  # (cycles completed, simulator GET /keys count) just after a cycle
        cycles = []  # (time, duration s, provider calls) per completed cycle
        counters = {"donations": 0, "charges": 0, "chats": 0}

        def count(status):
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

        def heartbeats(mine):
            period = args.heartbeat_every
            offsets = [random.random() * period for _ in mine]
            begin = time.time()
            rounds = 0
            while not stop.is_set():
                for (api, key, session), offset in zip(mine, offsets):
                    due = begin + rounds * period + offset
                    wait = due - time.time()
                    if wait > 0 and stop.wait(wait):
                        return
                    try:
                        answer = h.heartbeat(api, key, session)
                    except OSError as error:
                        with lock:
                            unexpected.append(f"heartbeat: {error!r}")
                        continue
                    count(answer.status)
                    with lock:
                        latencies.append(answer.seconds)
                        if answer.status != 204:
                            unexpected.append(f"heartbeat {answer!r}")
                rounds += 1

        def donations():
            donor = h.Maintainer(server.url)
            projects = list(owners)
            while not stop.wait(2.0):
                answer = donor.donate(random.choice(projects), "5.00")
                with lock:
                    counters["donations"] += 1
                    if answer.status != 200:
                        unexpected.append(f"donation {answer!r}")
                if counters["donations"] % 15 == 0:
                    donor = h.Maintainer(server.url)  # donations are rate-limited per user

        def charges():
            ids = list(hashes)
            while not stop.wait(5.0):
                for key_id in random.sample(ids, min(200, len(ids))):
                    status, body = simulator.charge(hashes[key_id], "0.0005")
                    with lock:
                        counters["charges"] += 1
                        if status != 200:
                            unexpected.append(f"charge {status} {body}")

        def chats():
            linked = [key for _, key, _ in sessions]  # keys known to be active
            while not stop.wait(0.1):
                key = random.choice(linked)
                status, _ = simulator.chat(key.secret, tokens=50)
                with lock:
                    counters["chats"] += 1
                    if status != 200:
                        unexpected.append(f"chat completion {status}")

        def sampler():
            previous = server.metrics()
            while not stop.wait(1.0):
                value = server.process.rss_kib()
                now = server.metrics()
                with lock:
                    if value:
                        rss.append((time.time(), value))
                    n0 = previous.get("opub_reconcile_cycle_seconds_count", 0)
                    n1 = now.get("opub_reconcile_cycle_seconds_count", 0)
                    if n1 > n0:
                        # Just after a cycle finished, before the next one starts: a boundary at which
                        # the simulator's GET /keys count belongs to whole cycles only.
                        listed = simulator.call("GET", "/_sim/stats")[1]["requests"].get("GET /keys", 0)
                        boundaries.append((n1, listed))
                        seconds = (now.get("opub_reconcile_cycle_seconds_sum", 0)
                                   - previous.get("opub_reconcile_cycle_seconds_sum", 0)) / (n1 - n0)
                        calls = now.get("opub_provider_calls_total", 0) - previous.get("opub_provider_calls_total", 0)
                        cycles.append((time.time(), seconds, calls / (n1 - n0)))
                previous = now

        workers = 8
        threads = [threading.Thread(target=heartbeats, args=(sessions[i::workers],)) for i in range(workers)]
        threads += [threading.Thread(target=t) for t in (donations, charges, chats, sampler)]
        route = "/api/v1/cli/sessions/{session}/heartbeat"
        before = histogram(server.metrics(), route)
        stats_before = simulator.call("GET", "/_sim/stats")[1]["requests"]
        errors_before = len(h.error_lines(server.process.log_lines()))
        load_start = time.time()
        h.log(f"steady load for {args.duration:.0f} s: {len(sessions)} sessions × 1 heartbeat / "
              f"{args.heartbeat_every} s, 200 keys' usage grows every 5 s, a donation every 2 s, chat completions")
        for thread in threads:
            thread.start()
        while time.time() - load_start < args.duration:
            time.sleep(min(30, args.duration - (time.time() - load_start)))
            with lock:
                last_rss = rss[-1][1] / 1024 if rss else 0
                h.log(f"  +{time.time() - load_start:.0f} s: {len(latencies)} heartbeats, RSS {last_rss:.1f} MiB, "
                      f"{len(cycles)} cycles, load average {os.getloadavg()[0]:.1f}")
        report["server_open_sockets_end_of_load"] = server.process.open_sockets()
        stop.set()
        for thread in threads:
            thread.join(60)
        after = histogram(server.metrics(), route)
        stats_after = simulator.call("GET", "/_sim/stats")[1]["requests"]
        calls = {route_name: stats_after.get(route_name, 0) - stats_before.get(route_name, 0) for route_name in stats_after}
        report["provider_requests_during_load"] = calls
        if len(boundaries) >= 2 and boundaries[-1][0] > boundaries[0][0]:
            # Only the reconciler lists keys here (no key is created during the steady load).
            report["list_calls_per_cycle"] = round(
                (boundaries[-1][1] - boundaries[0][1]) / (boundaries[-1][0] - boundaries[0][0]), 1)
        report["load_average_end"] = os.getloadavg()[0]

        # Numbers.
        heartbeats_sent = len(latencies)
        report["heartbeats"] = heartbeats_sent
        report["heartbeats_per_second"] = round(heartbeats_sent / args.duration, 1)
        report["heartbeat_statuses"] = statuses
        report["heartbeat_p50_ms"] = round(percentile(latencies, 0.50) * 1000, 2) if latencies else None
        report["heartbeat_p99_ms"] = round(percentile(latencies, 0.99) * 1000, 2) if latencies else None
        report["heartbeat_max_ms"] = round(max(latencies) * 1000, 2) if latencies else None
        bound = quantile_bound(before, after, 0.99)
        report["heartbeat_server_p99_bucket_ms"] = bound * 1000 if bound not in (None, float("inf")) else None
        # The first third is warm-up (allocator arenas and caches fill up); flat means the last third does
        # not grow over the middle one.
        third = max(1, len(rss) // 3)
        first = statistics.mean(v for _, v in rss[:third]) / 1024 if rss else 0
        middle = statistics.mean(v for _, v in rss[third:2 * third]) / 1024 if len(rss) >= 3 else first
        final = statistics.mean(v for _, v in rss[-third:]) / 1024 if rss else 0
        report["rss_first_third_mib"] = round(first, 1)
        report["rss_middle_third_mib"] = round(middle, 1)
        report["rss_last_third_mib"] = round(final, 1)
        report["rss_max_mib"] = round(max(v for _, v in rss) / 1024, 1) if rss else None
        report["rss_growth_percent"] = round((final - middle) / middle * 100, 1) if middle else None
        report["rss_first_third_max_mib"] = round(max(v for _, v in rss[:third]) / 1024, 1) if rss else None
        report["rss_last_third_max_mib"] = round(max(v for _, v in rss[-third:]) / 1024, 1) if rss else None
        if len(rss) > 2:  # least-squares slope, MiB per minute
            t0 = rss[0][0]
            xs = [(t - t0) / 60 for t, _ in rss]
            ys = [v / 1024 for _, v in rss]
            mx, my = statistics.mean(xs), statistics.mean(ys)
            report["rss_slope_mib_per_minute"] = round(
                sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs), 2)
        report["rss_after_world_mib"] = round(rss_after_world / 1024, 1) if rss_after_world else None
        report["cycles"] = len(cycles)
        if cycles:
            report["cycle_seconds_mean"] = round(statistics.mean(c[1] for c in cycles), 3)
            report["cycle_seconds_max"] = round(max(c[1] for c in cycles), 3)
            report["provider_calls_per_cycle_max"] = max(c[2] for c in cycles)
        report.update(counters)
        new_errors = h.error_lines(server.process.log_lines())[errors_before:]
        report["error_lines"] = len(new_errors)
        all_errors = h.error_lines(server.process.log_lines())
        report["error_lines_total"] = len(all_errors)

        h.log(f"heartbeats: {heartbeats_sent} ({report['heartbeats_per_second']}/s), p50 {report['heartbeat_p50_ms']} "
              f"ms, p99 {report['heartbeat_p99_ms']} ms (client side), server-side p99 ≤ "
              f"{report['heartbeat_server_p99_bucket_ms']} ms (histogram bucket); statuses {statuses}")
        h.log(f"RSS: {report['rss_after_world_mib']} MiB once the world was built; during the load first third mean "
              f"{first:.1f} MiB (max {report['rss_first_third_max_mib']}, warm-up), middle third {middle:.1f} MiB, last "
              f"third {final:.1f} MiB (max {report['rss_last_third_max_mib']}), {report['rss_growth_percent']} % over the "
              f"middle third, slope "
              f"{report.get('rss_slope_mib_per_minute')} MiB/min, max {report['rss_max_mib']} MiB over {len(rss)} samples")
        h.log(f"reconcile: {len(cycles)} cycles over {args.keys} keys, mean {report.get('cycle_seconds_mean')} s, "
              f"max {report.get('cycle_seconds_max')} s, {report.get('list_calls_per_cycle')} GET /keys per cycle; "
              f"provider requests during the load: {report.get('provider_requests_during_load')}")
        h.log(f"donations {counters['donations']}, usage charges {counters['charges']}, chat completions "
              f"{counters['chats']}; load average {report['load_average_start']:.1f} → {report['load_average_end']:.1f}")

        checks.check("every heartbeat answered 204 and every donation, charge and chat succeeded",
                     not unexpected, f"{len(unexpected)} unexpected: {unexpected[:3]}")
        checks.check("memory stays flat after warm-up (last third within 10 % of the middle third)",
                     report["rss_growth_percent"] is not None and report["rss_growth_percent"] <= 10,
                     f"{first:.1f} (warm-up) → {middle:.1f} → {final:.1f} MiB")
        others, wrongly = h.provider_missing_gap(checks, h.Database(database_url), server.process.log_lines())
        report["keys_disabled_provider_missing"] = len(wrongly)
        report["error_lines_other"] = len(others)
        report["stale_reads"] = dict(h.ANOMALIES)
        checks.check("no error logged by opub-server (beyond the provider_missing gap)", not others,
                     "".join(others[:3])[:600])
        h.report_anomalies(checks)
        checks.check("the reconciler kept cycling over every key", len(cycles) >= args.duration / args.interval / 2,
                     f"{len(cycles)} cycles in {args.duration:.0f} s at a {args.interval} s interval")

        keys_seen = server.metrics().get("opub_reconcile_keys_seen")
        report["keys_seen_last_cycle"] = keys_seen
        server.process.stop()
        status, output = h.operator(["reconcile", "--once"], database_url, env={
            "OPENROUTER_MANAGEMENT_KEY": simulator.management_key, "OPENROUTER_BASE_URL": simulator.url})
        checks.check("final `opub-server reconcile --once`", status == 0, output.splitlines()[-1] if output else "")
        h.ledger_verify(database_url, checks, "after the soak")
        h.agreement(h.Database(database_url), simulator, checks)
    finally:
        for process in reversed(processes):
            process.stop()
        work.remove()
    report["checks_failed"] = checks.failed
    report["known_gaps"] = checks.gaps
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
