"""The whole path on a real sandbox opub-server: donate → claim → create a key → `opub setup vibe` →
`opub run vibe` (the real mistral-vibe) → the session ends → targeted reconcile → the spend shows as
linked, coverage is 100 %, the ledger's hash chain verifies. Then the provider secret must appear in no
response but the creation one, not in the server's logs, and not in the database files."""

import glob
import hashlib
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.environ["OPUB_ROOT"]
OPUB = os.path.join(ROOT, ".build/debug/opub")
SERVER = os.path.join(ROOT, ".build/debug/opub-server")
VIBE_BIN_DIR = os.environ["VIBE_BIN_DIR"]
# In the prompt: traces carry prompts, and opub must drop them (no database file, no log line).
PROMPT_MARKER = "PROMPT-MARKER-5a11d0"


class Client:
    """A browser-like client that records every response body it receives."""

    def __init__(self, base):
        self.base = base
        self.cookie = None
        self.csrf = None
        self.bodies = []

    def call(self, method, path, body=None, record=True):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, data, answer_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, data, answer_headers = error.code, error.read(), error.headers
        if record:
            self.bodies.append(data)
        cookie = answer_headers.get("Set-Cookie")
        if cookie and cookie.startswith("opub_session="):
            self.cookie = cookie.split(";")[0]
        return status, json.loads(data) if data.startswith(b"{") else data


def canonical(tx):
    out = b"opub-ledger/v1\n"
    fields = [("id", tx["id"]), ("project", tx["project"]), ("sequence", str(tx["sequence"])),
              ("kind", tx["kind"]), ("idempotency_key", tx["idempotency_key"]), ("key", tx["key"] or ""),
              ("donation", tx["donation"] or ""), ("session", tx["session"] or ""), ("memo", tx["memo"]),
              ("created_at", str(tx["created_at"]))]
    fields += [("posting", f'{p["account"]} {p["micros"]}') for p in tx["postings"]]
    for name, value in fields:
        data = value.encode()
        out += f"{name}={len(data)}:".encode() + data + b"\n"
    return out


def test_linked_vibe_session_on_a_sandbox_server():
    with tempfile.TemporaryDirectory() as work:
        data_dir = os.path.join(work, "data")
        os.makedirs(data_dir)
        log_out, log_err = open(os.path.join(work, "server.out"), "w+"), open(os.path.join(work, "server.err"), "w+")
        server = subprocess.Popen(
            [SERVER, "serve", "--port", "0"], stdout=log_out, stderr=log_err,
            env={"PATH": "/usr/bin:/bin", "HOME": work, "DATABASE_URL": f"sqlite://{data_dir}/opub.sqlite",
                 "OPUB_DATA_DIR": data_dir, "LOG_LEVEL": "debug", "OPUB_RECONCILE_INTERVAL": "600"})
        try:
            base = None
            for _ in range(300):
                log_out.seek(0)
                line = log_out.readline().strip()
                if line.startswith("http://"):
                    base = line
                    break
                assert server.poll() is None, open(log_err.name).read()
                time.sleep(0.1)
            assert base, "opub-server printed no URL"
            run_scenario(base, work, server, log_out, log_err, data_dir)
        finally:
            server.terminate()
            server.wait(timeout=20)


def run_scenario(base, work, server, log_out, log_err, data_dir):
    octo = Client(base)
    status, me = octo.call("POST", "/auth/sandbox", {"login": "octo"})
    assert status == 200, me
    octo.csrf = me["csrf_token"]

    status, claimed = octo.call("POST", "/api/v1/projects", {"owner": "octo", "repo": "widgets"})
    assert status == 201, claimed
    status, checkout = octo.call("POST", "/api/v1/projects/octo/widgets/donations", {"amount": "20.00"})
    assert status == 201, checkout
    session_path = checkout["checkout_url"].split(base, 1)[-1]
    status, paid = octo.call("POST", session_path + "/complete")
    assert status == 200 and paid["status"] == "completed", paid

    status, created = octo.call("POST", "/api/v1/projects/octo/widgets/keys",
                                {"name": "vibe e2e", "limit": "5.00"}, record=False)
    assert status == 201, created
    secret, key_id = created["secret"], created["key"]["id"]
    assert created["setup_commands"]["vibe"] == (
        f"opub setup vibe --project octo/widgets --compute-key-id {key_id} --server {base}")

    home, repo, runtime = (os.path.join(work, name) for name in ("home", "repo", "run"))
    for directory in (home, repo, runtime):
        os.makedirs(directory)
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(["git", "-C", repo, "remote", "add", "origin", "https://github.com/octo/widgets.git"], check=True)
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "PATH": f"{VIBE_BIN_DIR}:/usr/bin:/bin",
           "OPUB_SERVER": base, "NO_COLOR": "1", "LANG": "C.UTF-8"}
    setup = subprocess.run([OPUB, "setup", "vibe", "--project", "octo/widgets", "--compute-key-id", key_id,
                            "--key-stdin"], input=secret, cwd=repo, env=env, capture_output=True, text=True,
                           timeout=60)
    assert setup.returncode == 0, setup.stderr
    run = subprocess.run([OPUB, "run", "vibe", "--", "--prompt", f"Say hello in five words. {PROMPT_MARKER}",
                          "--max-turns", "1"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    ended = time.monotonic()
    assert run.returncode == 0, run.stderr
    assert "unlinked" not in run.stderr, run.stderr
    assert secret not in run.stdout + run.stderr

    # The session ended; its targeted reconcile records the spend in the background. The detail by
    # model comes from the provider a day later (completed UTC days only): the spend page says so.
    spend = []
    for _ in range(150):
        _, ledger = octo.call("GET", "/api/v1/projects/octo/widgets/ledger")
        spend = [tx for tx in ledger["items"] if tx["kind"] == "spend"]
        if spend:
            break
        time.sleep(0.2)
    assert spend, "no spend was recorded after the session ended"
    _, usage = octo.call("GET", "/api/v1/projects/octo/widgets/spend")
    assert usage["items"] == [] and usage["detail_pending_keys"] == 1, usage
    assert "arrives the next day" in usage["detail_note"], usage

    _, sessions = octo.call("GET", "/api/v1/projects/octo/widgets/sessions")
    assert len(sessions["items"]) == 1
    session = sessions["items"][0]
    assert session["surface"] == "vibe" and session["end_reason"] == "exited" and not session["running"]
    assert all(tx["session"] == session["id"] for tx in spend), spend
    # The sandbox's simulator broadcast a trace per request to this server: per-request rows, linked
    # by the session id the request carried, within 2 s of the agent's exit.
    rows = []
    while not rows:
        _, requests = octo.call("GET", "/api/v1/projects/octo/widgets/requests")
        rows = requests["items"]
        assert rows or time.monotonic() - ended < 2.0, "no per-request rows from provider traces within 2 s"
        time.sleep(0.05)
    assert all(r["linked"] and r["session"] == session["id"] and r["source"] == "provider_traces" for r in rows), rows
    _, project = octo.call("GET", "/api/v1/projects/octo/widgets")
    assert project["linked_coverage_30d"] == 1.0, project
    spent = sum(-p["micros"] for tx in spend for p in tx["postings"] if p["micros"] < 0)
    assert project["spent"]["micros"] == spent > 0

    # The hash chain verifies from the public export alone (newest first → oldest first).
    transactions = list(reversed(ledger["items"]))
    previous = "0" * 64
    for tx in transactions:
        assert tx["previous_hash"] == previous
        assert hashlib.sha256(bytes.fromhex(previous) + canonical(tx)).hexdigest() == tx["hash"]
        previous = tx["hash"]
    status, csv = octo.call("GET", "/api/v1/projects/octo/widgets/ledger?format=csv")
    assert status == 200 and csv.count(b"\r\n") == len(transactions) + 1

    # The CLI's own view, and its kill switch.
    status_run = subprocess.run([OPUB, "status", "--json"], cwd=repo, env=env, capture_output=True, text=True,
                                timeout=60)
    assert status_run.returncode == 0, status_run.stderr
    assert secret not in status_run.stdout
    revoke = subprocess.run([OPUB, "revoke"], cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    assert revoke.returncode == 0, revoke.stderr
    status, keys = octo.call("GET", "/api/v1/projects/octo/widgets/keys")
    assert keys["items"][0]["state"] == "disabled" and keys["items"][0]["disabled_reason"] == "revoked"

    # The secret: in no recorded response, no log line, no database file.
    needle = secret.encode()
    for body in octo.bodies:
        assert needle not in body
    server.terminate()
    server.wait(timeout=20)
    for log in (log_out, log_err):
        log.seek(0)
        text = log.read()
        assert secret not in text and PROMPT_MARKER not in text
    assert "debug" in open(log_err.name).read().lower() or os.path.getsize(log_err.name) > 0
    files = glob.glob(os.path.join(data_dir, "*"))
    assert any(name.endswith("opub.sqlite") for name in files)
    for name in files:
        with open(name, "rb") as handle:
            data = handle.read()
            assert needle not in data, f"{name} holds the secret"
            assert PROMPT_MARKER.encode() not in data, f"{name} holds the prompt"
