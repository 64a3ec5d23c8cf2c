"""Live-process harness for opub's load, fault and scale-out tests (stdlib only).

Starts `openrouter-sim` and `opub-server` replicas on loopback, talks to them the way browsers, the
CLI, agents and operators do, reads the database with `psql`/`sqlite3`, samples memory from /proc,
and checks that the provider and the ledger agree. Every process it starts is stopped by its pid.

Secrets (the simulator's management key, compute-key secrets) stay inside this process: they are
never printed, and the files the simulator's first line is read from are removed with the work dir.

Binaries come from OPUB_BIN_DIR (default: <repo>/.build/debug); openrouter-sim from OPUB_SIM_BIN_DIR
when that is set.
"""

import base64
import decimal
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def bin_dir():
    return os.environ.get("OPUB_BIN_DIR") or os.path.join(ROOT, ".build", "debug")


def binary(name):
    """A built product: OPUB_BIN_DIR/name; the simulator may come from OPUB_SIM_BIN_DIR instead."""
    directory = os.environ.get("OPUB_SIM_BIN_DIR") if name == "openrouter-sim" else None
    path = os.path.join(directory or bin_dir(), name)
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} is missing: run `swift build` (or set OPUB_BIN_DIR)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SECRET_SHAPE = re.compile(r"sk-or-v1-[0-9a-zA-Z]{8,}")


def redact(text):
    """Provider-key-shaped strings never reach a log: only their first characters are kept."""
    return SECRET_SHAPE.sub(lambda m: m.group(0)[:12] + "…(redacted)", str(text))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {redact(message)}", flush=True)


# ---------------------------------------------------------------------------------------------------
# Checks: every check is printed; failures make the run fail. A known gap is a check the server is
# known to fail today (reported with its evidence); if it starts passing the run fails, so the mark
# is removed rather than forgotten.


class Checks:
    def __init__(self, name):
        self.name = name
        self.failed = []
        self.gaps = []
        self.passed = 0

    def check(self, label, ok, details=""):
        if ok:
            self.passed += 1
            log(f"ok    {label}" + (f" — {details}" if details else ""))
        else:
            self.failed.append(f"{label}: {details}")
            log(f"FAIL  {label}" + (f" — {details}" if details else ""))
        return ok

    def known_gap(self, label, ok, details="", strict=True):
        """A check the server fails today (see the report). Strict: passing it is an error, so the mark
        goes once the server is fixed. Not strict (the failure is intermittent): a pass is only noted."""
        if ok and strict:
            self.failed.append(f"{label}: now passes; remove its known-gap mark")
            log(f"XPASS {label} — passes now; remove its known-gap mark ({details})")
        elif ok:
            log(f"note  {label} — the intermittent known gap did not show this time")
        else:
            self.gaps.append(f"{label}: {details}")
            log(f"GAP   {label} — known server gap, not counted as passed: {details}")

    def finish(self):
        log(f"{self.name}: {self.passed} checks passed, {len(self.failed)} failed, {len(self.gaps)} known gap(s)")
        for gap in self.gaps:
            log(f"  known gap: {gap}")
        for failure in self.failed:
            log(f"  failed: {failure}")
        return 1 if self.failed else 0


# ---------------------------------------------------------------------------------------------------
# Processes


class Process:
    """A child process whose stdout's first line is its URL line; logs go to files in `work`."""

    def __init__(self, name, argv, env, work):
        self.name = name
        self.out_path = os.path.join(work, f"{name}.out")
        self.err_path = os.path.join(work, f"{name}.err")
        self.out = open(self.out_path, "w")
        self.err = open(self.err_path, "a")
        self.popen = subprocess.Popen(argv, env=env, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        self.pid = self.popen.pid
        self.first_line = self._wait_first_line()

    def _wait_first_line(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.out_path) as f:
                line = f.readline()
            if line.endswith("\n"):
                return line.strip()
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}: {self.stderr_tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} printed nothing in {timeout} s: {self.stderr_tail()}")

    def stderr_tail(self, lines=20):
        try:
            with open(self.err_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit status."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.out.close()
        self.err.close()
        return self.popen.returncode

    def kill(self):
        if self.alive():
            self.popen.kill()
        self.popen.wait()

    def rss_kib(self):
        """Resident set size from /proc (KiB), or None once the process is gone."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def open_sockets(self):
        """How many sockets the process holds open (client connections, database, provider)."""
        try:
            return sum(1 for fd in os.listdir(f"/proc/{self.pid}/fd")
                       if os.readlink(f"/proc/{self.pid}/fd/{fd}").startswith("socket:"))
        except OSError:
            return None

    def log_lines(self):
        with open(self.err_path, errors="replace") as f:
            return f.readlines()


LOG_LEVEL = re.compile(r"^\S+ (trace|debug|info|notice|warning|error|critical) ")


# The harness runs sandbox sign-in beside a simulated "real" provider and says so with
# OPUB_ALLOW_UNSAFE_MIX; the server then logs that acknowledgement at critical on purpose.
ACKNOWLEDGED_UNSAFE_MIX = "UNSAFE MIX, allowed by OPUB_ALLOW_UNSAFE_MIX=true"


def error_lines(lines):
    """Log lines at level error or critical (swift-log's default format), except the unsafe-mix
    acknowledgement the harness asked for."""
    return [line for line in lines if (m := LOG_LEVEL.match(line)) and m.group(1) in ("error", "critical")
            and ACKNOWLEDGED_UNSAFE_MIX not in line]


class Simulator:
    def __init__(self, work, args=()):
        self.process = Process("openrouter-sim", [binary("openrouter-sim"), "--port", "0", *args],
                               {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, work)
        fields = dict(part.split("=", 1) for part in self.process.first_line.split()[1:])
        self.url = fields["url"]
        self.management_key = fields["management_key"]
        parsed = urllib.parse.urlparse(self.url)
        self.host, self.port, self.prefix = parsed.hostname, parsed.port, parsed.path.rstrip("/")
        self._local = threading.local()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return conn

    def call(self, method, path, body=None, token=None):
        """(status, parsed JSON or None); management key unless `token` is given."""
        headers = {"Authorization": f"Bearer {token or self.management_key}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, self.prefix + path, body=data, headers=headers)
                answer = conn.getresponse()
                raw = answer.read()
                break
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        try:
            return answer.status, json.loads(raw) if raw else None
        except ValueError:
            return answer.status, None

    def set_faults(self, rules, **extra):
        status, body = self.call("POST", "/_sim/faults", dict({"rules": rules}, **extra))
        assert status == 200, (status, body)

    def clear_faults(self):
        status, body = self.call("DELETE", "/_sim/faults")
        assert status == 200, (status, body)

    def charge(self, key_hash, usd, model="openai/gpt-5.4-mini"):
        return self.call("POST", "/_sim/charge", {"key_hash": key_hash, "usd": usd, "model": model})

    def all_keys(self):
        """Every key (disabled ones included), paging by 100 as opub does."""
        keys, offset = [], 0
        while True:
            status, body = self.call("GET", f"/keys?include_disabled=true&offset={offset}")
            assert status == 200, (status, body)
            page = body["data"]
            keys.extend(page)
            if len(page) < 100:
                return keys
            offset += len(page)

    def opub_keys(self):
        """{ck_id: provider key} for keys named opub:ck_…"""
        return {k["name"][len("opub:"):]: k for k in self.all_keys() if k["name"].startswith("opub:")}

    def chat(self, secret, prompt="hello", model="openai/gpt-5.4-mini", tokens=20):
        """One chat completion with a key's secret; (status, cost in USD as Decimal or None)."""
        status, body = self.call("POST", "/chat/completions", {
            "model": model, "max_tokens": 64,
            "messages": [{"role": "user", "content": f"{prompt} [sim:tokens={tokens}]"}]}, token=secret)
        cost = None
        if status == 200 and body and "usage" in body:
            cost = decimal.Decimal(str(body["usage"].get("cost", 0)))
        return status, cost

    def stop(self):
        return self.process.stop()


def usd_to_micros(value):
    """The provider's USD number → micro-dollars, nearest, ties away from zero (money.md)."""
    amount = decimal.Decimal(str(value)) * 1_000_000
    return int(amount.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP))


SECRET_KEY = "opub-harness-" + "0" * 40  # test-only server secret, shared by replicas


class Replica:
    """One `opub-server serve` on a loopback port. With `simulator`, production mode with sandboxed
    sign-in and payments and the real provider pointed at the shared simulator; without, full sandbox."""

    def __init__(self, name, work, database_url, simulator=None, interval=5, env=None, port=None,
                 log_level="info", wrapper=()):
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "DATABASE_URL": database_url,
            "OPUB_DATA_DIR": work, "LOG_LEVEL": log_level, "OPUB_TRUST_FORWARDED_FOR": "true",
            "OPUB_RECONCILE_INTERVAL": str(interval), "OPUB_SECRET_KEY": SECRET_KEY,
        }
        if simulator:
            environment.update({
                "OPUB_SANDBOX_GITHUB": "true", "OPUB_SANDBOX_PAYMENTS": "true",
                # Sandbox sign-in and payments next to a provider: a test world, on loopback only.
                "OPUB_ALLOW_UNSAFE_MIX": "true",
                "OPENROUTER_MANAGEMENT_KEY": simulator.management_key, "OPENROUTER_BASE_URL": simulator.url,
                "OPUB_BASE_URL": self.url,
            })
        environment.update(env or {})
        argv = [*wrapper, binary("opub-server"), "serve", "--bind", f"127.0.0.1:{self.port}"]
        self.process = Process(name, argv, environment, work)
        if not self.process.first_line.startswith("http"):
            raise RuntimeError(f"{name} printed {self.process.first_line!r}")
        self.api = Api(self.url)

    def metrics(self):
        answer = self.api.get("/metrics")
        return parse_metrics(answer.raw.decode()) if answer.status == 200 else {}

    def cycles_logged(self):
        return sum(1 for line in self.process.log_lines() if "reconcile cycle" in line and " info " in line)


def parse_metrics(text):
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                values[name] = float(value)
            except ValueError:
                pass
    return values


def operator(command, database_url, env=None, timeout=600):
    """Runs `opub-server <command…>` (migrate, ledger verify, reconcile --once): (exit status, output)."""
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url,
                   "LOG_LEVEL": "warning", "HOME": tempfile.gettempdir()}
    environment.update(env or {})
    result = subprocess.run([binary("opub-server"), *command], env=environment, capture_output=True, text=True,
                            timeout=timeout)
    return result.returncode, (result.stdout + result.stderr).strip()


# ---------------------------------------------------------------------------------------------------
# The JSON API, as a browser (cookie + CSRF) or the CLI (link token) uses it


class Answer:
    def __init__(self, status, body, headers, seconds):
        self.status, self.raw, self.headers, self.seconds = status, body, headers, seconds
        try:
            self.json = json.loads(body) if body[:1] in (b"{", b"[") else None
        except ValueError:
            self.json = None

    @property
    def error_code(self):
        return (self.json or {}).get("error", {}).get("code") if isinstance(self.json, dict) else None

    def __repr__(self):
        return redact(f"{self.status} {self.raw[:300]!r}")


class Api:
    """A keep-alive HTTP client for one replica (one connection per thread). `ip` is sent as
    X-Forwarded-For, so that rate limits see many clients (the replicas trust it on loopback)."""

    def __init__(self, base, ip=None, timeout=30):
        parsed = urllib.parse.urlparse(base)
        self.base, self.host, self.port = base, parsed.hostname, parsed.port
        self.ip = ip
        self.timeout = timeout
        self.cookie = None
        self.csrf = None
        self._local = threading.local()

    def with_ip(self, ip):
        clone = Api(self.base, ip, self.timeout)
        return clone

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return conn

    def close(self):
        """Closes this thread's connection (a client that stops talking should not hold a socket)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def raw(self, method, path, body=None, headers=None):
        start = time.perf_counter()
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                answer = conn.getresponse()
                data = answer.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                raise
        self.last_headers = answer.headers
        return answer.status, data, answer.headers, time.perf_counter() - start

    def call(self, method, path, body=None, token=None):
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        else:
            if self.cookie:
                headers["Cookie"] = self.cookie
            if self.csrf and method != "GET":
                headers["X-CSRF-Token"] = self.csrf
        if self.ip:
            headers["X-Forwarded-For"] = self.ip
        status, data, answer_headers, seconds = self.raw(
            method, path, json.dumps(body).encode() if body is not None else None, headers)
        cookie = answer_headers.get("Set-Cookie")
        if cookie and cookie.startswith("opub_session="):
            self.cookie = cookie.split(";")[0]
        return Answer(status, data, answer_headers, seconds)

    def get(self, path, **kw):
        status, data, headers, seconds = self.raw("GET", path, headers={"X-Forwarded-For": self.ip} if self.ip else {})
        return Answer(status, data, headers, seconds)


def link_token(secret, key_id):
    """The CLI's link token (cli.md): HMAC-SHA256(secret, "opub-link/v1/{key_id}"), base64url."""
    mac = hmac.new(secret.encode(), f"opub-link/v1/{key_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


class Key:
    """A compute key as its holder knows it. `secret` never leaves this process."""

    def __init__(self, key_id, secret, project):
        self.id, self.secret, self.project = key_id, secret, project
        self.token = link_token(secret, key_id)
        self.sessions = []
        self.revoked = False
        self.spent_by_driver = decimal.Decimal(0)

    def __repr__(self):
        return f"Key({self.id})"


# Reads that missed a write this client had already seen committed (a known server gap: on SQLite the
# reader connections are shared by concurrent requests, and a long read on one pins an old snapshot for
# every statement interleaved on that connection). Counted here, reported by the tests.
ANOMALIES = {}
ANOMALY_EXAMPLES = []
ANOMALY_LOCK = threading.Lock()


def report_anomalies(checks):
    """A known gap (intermittent): requests answered as if a committed write had not happened."""
    checks.known_gap("every read sees the writes committed before it (no 401 right after sign-in, no 403/404 "
                     "right after a claim, no 422 insufficient_balance right after a donation)", not ANOMALIES,
                     f"{ANOMALIES}; e.g. {ANOMALY_EXAMPLES[0] if ANOMALY_EXAMPLES else ''}", strict=False)


def provider_missing_gap(checks, database, log_lines):
    """A known gap (intermittent): keys disabled as provider_missing because the reconciler listed the
    provider before the key was created there and read opub's keys after it became active. Returns the
    error lines that are not explained by it."""
    wrongly = {row[0] for row in database.rows(
        "SELECT id FROM compute_keys WHERE disabled_reason = 'provider_missing'")}
    errors = error_lines(log_lines)
    explained = [line for line in errors if "missing at the provider" in line
                 and any(key in line for key in wrongly)]
    example = next((line.strip()[:300] for line in explained), "")
    checks.known_gap("no key is disabled as provider_missing while it is being created (the provider listing "
                     "began before its POST /keys, opub's keys were read after it became active)",
                     not wrongly, f"{len(wrongly)} key(s) disabled as provider_missing, e.g. {example}", strict=False)
    return [line for line in errors if line not in explained], wrongly


class Maintainer:
    """A signed-in sandbox user with their own client address (rate limits are per user and per IP;
    key creation allows 20 per user at once, so large worlds use many maintainers)."""

    counter = 0
    lock = threading.Lock()

    def __init__(self, base, login=None):
        with Maintainer.lock:
            Maintainer.counter += 1
            n = Maintainer.counter
        self.login = login or f"maint{n}x{random.randrange(10**6)}"
        self.api = Api(base, ip=f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")
        answer = self.api.call("POST", "/auth/sandbox", {"login": self.login})
        if answer.status != 200:
            raise RuntimeError(f"sign-in as {self.login} answered {answer!r}")
        self.api.csrf = answer.json["csrf_token"]
        self.claimed = set()
        # Projects this maintainer funded for more than it will ever reserve (build_world): a 422
        # insufficient_balance there is a stale read of the balance.
        self.funded = set()

    def signed_in_call(self, method, path, body=None):
        """A call as this signed-in user. A 401 `sign_in_required` right after signing in (or a 403
        `not_a_maintainer` or 404 `project_not_found` right after claiming, or a 422 `insufficient_balance`
        right after funding the project) is a read that missed a committed write: a known server gap
        (see ANOMALIES); the call is retried and the anomaly counted."""
        for attempt in range(6):
            answer = self.api.call(method, path, body)
            project = "/".join(path.split("/")[4:6])
            stale = (answer.status == 401 and answer.error_code == "sign_in_required") or (
                (answer.status, answer.error_code) in ((403, "not_a_maintainer"), (404, "project_not_found"))
                and project in self.claimed) or (
                (answer.status, answer.error_code) == (422, "insufficient_balance") and project in self.funded)
            if not stale or attempt == 5:
                return answer
            with ANOMALY_LOCK:
                ANOMALIES[answer.error_code] = ANOMALIES.get(answer.error_code, 0) + 1
                ANOMALY_EXAMPLES.append(f"{method} {path} as {self.login} → {answer!r}")
            time.sleep(0.1)

    def claim(self, project):
        owner, repo = project.split("/")
        answer = self.signed_in_call("POST", "/api/v1/projects", {"owner": owner, "repo": repo})
        if answer.status not in (200, 201):
            raise RuntimeError(f"claim {project} answered {answer!r}")
        self.claimed.add(project)

    def donate(self, project, amount):
        """A donation through the sandbox checkout (the real webhook code path). Returns the answers."""
        created = self.signed_in_call("POST", f"/api/v1/projects/{project}/donations", {"amount": amount})
        if created.status != 201:
            return created
        path = urllib.parse.urlparse(created.json["checkout_url"]).path
        return self.signed_in_call("POST", path + "/complete")

    def create_key(self, project, limit="1.00", name=None):
        """(Key or None, the answer)."""
        answer = self.signed_in_call("POST", f"/api/v1/projects/{project}/keys",
                                     {"name": name or f"load {random.randrange(10**9)}", "limit": limit})
        if answer.status != 201:
            return None, answer
        return Key(answer.json["key"]["id"], answer.json["secret"], project), answer

    def revoke(self, key):
        return self.api.call("POST", f"/api/v1/projects/{key.project}/keys/{key.id}/revoke")


def open_session(api, key, surface="claude"):
    session = "ls_" + os.urandom(12).hex()
    answer = api.call("PUT", f"/api/v1/cli/sessions/{session}", token=key.token,
                      body={"key_id": key.id, "surface": surface, "cli_version": "harness", "os": "linux"})
    if answer.status == 201:
        key.sessions.append(session)
    return session, answer


def heartbeat(api, key, session):
    return api.call("POST", f"/api/v1/cli/sessions/{session}/heartbeat", token=key.token)


def build_world(base, projects, keys_per_project, donation="100.00", limit="1.00", workers=4, prefix="load",
                sessions=0, on_progress=None):
    """Funded, claimed projects and keys created through the API by many maintainers in parallel.
    Returns (project names, keys, one maintainer per project)."""
    names = [f"{prefix}/p{index}" for index in range(projects)]
    owners = {}
    keys = []
    errors = []
    lock = threading.Lock()
    jobs = list(names)

    def work():
        while True:
            with lock:
                if not jobs or errors:
                    return
                project = jobs.pop()
            try:
                maintainer = Maintainer(base)
                maintainer.claim(project)
                paid = maintainer.donate(project, donation)
                if paid.status not in (200, 204, 303):
                    raise RuntimeError(f"donation to {project} answered {paid!r}")
                maintainer.funded.add(project)
                made = []
                for index in range(keys_per_project):
                    if index and index % 20 == 0:  # 20 key creations per user at once
                        maintainer = Maintainer(base)
                        maintainer.claim(project)
                        maintainer.funded.add(project)
                    key, answer = maintainer.create_key(project, limit=limit, name=f"k{index}")
                    if key is None:
                        raise RuntimeError(f"key creation in {project} answered {answer!r}")
                    made.append(key)
                with lock:
                    owners[project] = maintainer
                    keys.extend(made)
                    if on_progress:
                        on_progress(len(owners), len(keys))
            except Exception as error:  # noqa: BLE001 - reported to the caller
                with lock:
                    errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return names, keys, owners


# ---------------------------------------------------------------------------------------------------
# Databases


class Database:
    """Read-only queries for checks: psql for PostgreSQL, sqlite3 for SQLite (tab-separated rows)."""

    def __init__(self, url):
        self.url = url

    def rows(self, sql):
        if self.url.startswith("postgres"):
            dsn = self.url.replace("postgres://", "postgresql://", 1)
            result = subprocess.run(["psql", dsn, "-X", "-q", "-A", "-t", "-F", "\t", "-c", sql],
                                    capture_output=True, text=True, timeout=120)
        else:
            path = self.url[len("sqlite://"):]
            result = subprocess.run(["sqlite3", "-readonly", "-separator", "\t", path, sql],
                                    capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"query failed: {sql}: {result.stderr.strip()}")
        return [line.split("\t") for line in result.stdout.splitlines() if line]

    def value(self, sql):
        rows = self.rows(sql)
        return rows[0][0] if rows else None


def agreement(database, simulator, checks, label=""):
    """The provider and the database agree (money.md, the end state of every fault and scale-out run):
    every provider key named opub:… is a known key with the same limit and disabled state, every live
    local key exists at the provider, each key's Σ spend postings = its provider usage = spent_micros,
    and idempotency keys are unique. Returns (Σ spend micros, Σ provider usage micros)."""
    provider = simulator.opub_keys()
    local = {}
    for key_id, status, sync, limit, spent in database.rows(
            "SELECT id, status, COALESCE(provider_sync, ''), limit_micros, spent_micros FROM compute_keys"):
        local[key_id] = (status, sync, int(limit), int(spent))
    spend = {key_id: int(total) for key_id, total in database.rows(
        "SELECT t.key_id, SUM(p.amount_micros) FROM ledger_transactions t JOIN ledger_postings p "
        "ON p.transaction_id = t.id WHERE t.kind = 'spend' AND p.account = 'external:provider' GROUP BY t.key_id")}
    problems = []
    for key_id, remote in provider.items():
        if key_id not in local:
            problems.append(f"provider key opub:{key_id} is unknown to the database")
            continue
        status, sync, limit, spent = local[key_id]
        usage = usd_to_micros(remote["usage"])
        if status == "active":
            if remote["disabled"]:
                problems.append(f"{key_id} active locally, disabled at the provider")
            if usd_to_micros(remote["limit"]) != limit:
                problems.append(f"{key_id} limit {limit} µ$ locally, {remote['limit']} USD at the provider")
        elif status == "disabled" and sync in ("disabled_at_provider",) and not remote["disabled"]:
            problems.append(f"{key_id} disabled locally ({sync}), enabled at the provider")
        elif status == "disabled" and sync == "deleted_at_provider":
            problems.append(f"{key_id} deleted at the provider according to the database, still listed")
        elif status == "disabled" and sync == "disable_pending":
            problems.append(f"{key_id} still disable_pending after the final reconcile")
        if spend.get(key_id, 0) != usage or spent != usage:
            problems.append(f"{key_id}: Σ spend {spend.get(key_id, 0)} µ$, spent_micros {spent}, "
                            f"provider usage {usage} µ$")
    for key_id, (status, sync, _, _) in local.items():
        if status == "active" and key_id not in provider:
            problems.append(f"{key_id} active locally, missing at the provider")
    duplicates = database.rows("SELECT idempotency_key, COUNT(*) FROM ledger_transactions "
                               "GROUP BY idempotency_key HAVING COUNT(*) > 1")
    spend_keys = database.rows("SELECT idempotency_key FROM ledger_transactions WHERE kind = 'spend'")
    total_spend = sum(spend.values())
    total_usage = sum(usd_to_micros(k["usage"]) for k in provider.values())
    checks.check(f"{label}provider and database agree on {len(provider)} provider keys / {len(local)} local keys",
                 not problems, "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""))
    checks.check(f"{label}idempotency keys are unique ({len(spend_keys)} spend transactions)", not duplicates,
                 f"duplicates: {duplicates[:3]}")
    checks.check(f"{label}Σ spend posted = Σ provider usage", total_spend == total_usage,
                 f"{total_spend} µ$ posted, {total_usage} µ$ used at the provider")
    return total_spend, total_usage


def ledger_verify(database_url, checks, label):
    status, output = operator(["ledger", "verify"], database_url)
    checks.check(f"ledger verify {label}", status == 0, output.splitlines()[-1] if output else f"exit {status}")
    return status == 0


class Workdir:
    def __init__(self, prefix):
        self.path = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get("TMPDIR"))
        self.keep = os.environ.get("OPUB_KEEP_WORK") == "1"

    def remove(self):
        if self.keep:
            log(f"work directory kept: {self.path}")
        else:
            shutil.rmtree(self.path, ignore_errors=True)
