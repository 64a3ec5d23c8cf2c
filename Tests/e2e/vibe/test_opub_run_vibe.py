"""`opub run vibe -- --prompt …` with the real mistral-vibe against openrouter-sim."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ROOT = os.environ["OPUB_ROOT"]
OPUB = os.path.join(ROOT, ".build/debug/opub")
SIMULATOR = os.path.join(ROOT, ".build/debug/openrouter-sim")
VIBE_BIN_DIR = os.environ["VIBE_BIN_DIR"]
KEY_ID = "ck_e2evibekey1"
MODEL = "mistralai/devstral-2512"


def link_token(secret: str, key_id: str) -> str:
    """The derivation of cli.md, written independently of the Swift code."""
    mac = hmac.new(secret.encode(), f"opub-link/v1/{key_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


class OpubStandIn:
    """The CLI routes of the opub server, accepting only the key's link token."""

    def __init__(self, secret: str, provider_url: str):
        self.token = link_token(secret, KEY_ID)
        self.provider_url = provider_url
        self.sessions = {}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def authorized(self):
                return self.headers.get("Authorization") == f"Bearer {stand_in.token}"

            def reply(self, status, body=None):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def body(self):
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self):  # noqa: N802
                if not self.authorized() or self.path != f"/api/v1/cli/keys/{KEY_ID}":
                    return self.reply(404, {"error": {"code": "key_not_found", "message": "No such key."}})
                amount = lambda usd, micros: {"usd": usd, "micros": micros}  # noqa: E731
                self.reply(200, {
                    "key": {"id": KEY_ID, "name": "e2e", "state": "active", "limit": amount("5.000000", 5_000_000),
                            "spent": amount("0.000000", 0), "remaining": amount("5.000000", 5_000_000)},
                    "project": {"full_name": "octo/widgets", "available": amount("10.000000", 10_000_000)},
                    "recommended_models": {"vibe": MODEL},
                    "heartbeat_interval_seconds": 1,
                    "provider_url": stand_in.provider_url,
                })

            def do_PUT(self):  # noqa: N802
                if not self.authorized():
                    return self.reply(401, {"error": {"code": "bad_link_token", "message": "No."}})
                session = self.path.rsplit("/", 1)[-1]
                stand_in.sessions.setdefault(session, {"start": self.body(), "heartbeats": 0, "end": None})
                self.reply(201)

            def do_POST(self):  # noqa: N802
                if not self.authorized():
                    return self.reply(401, {"error": {"code": "bad_link_token", "message": "No."}})
                parts = self.path.split("/")
                session, action = parts[-2], parts[-1]
                body = self.body()
                if session not in stand_in.sessions:
                    return self.reply(404, {"error": {"code": "session_not_found", "message": "No session."}})
                if action == "heartbeat":
                    stand_in.sessions[session]["heartbeats"] += 1
                elif action == "end":
                    stand_in.sessions[session]["end"] = body
                self.reply(204)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def simulator():
    process = subprocess.Popen([SIMULATOR, "--port", "0", "--seed", "11", "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
    yield fields["url"], fields["management_key"]
    process.terminate()
    process.wait(timeout=10)


def call(url, key, method="GET", body=None):
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def set_up_vibe(work, opub, secret):
    """A fresh HOME and a clone of octo/widgets in `work`, and `opub setup vibe` run there as a user would:
    returns the repository, the runtime directory, the environment and the setup's result."""
    home, repo, run = (os.path.join(work, name) for name in ("home", "repo", "run"))
    for directory in (home, repo, run):
        os.makedirs(directory)
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(["git", "-C", repo, "remote", "add", "origin", "git@github.com:octo/widgets.git"], check=True)
    env = {"HOME": home, "XDG_RUNTIME_DIR": run, "PATH": f"{VIBE_BIN_DIR}:/usr/bin:/bin",
           "OPUB_SERVER": opub.url, "NO_COLOR": "1", "LANG": "C.UTF-8"}
    setup = subprocess.run([OPUB, "setup", "vibe", "--project", "octo/widgets", "--compute-key-id", KEY_ID,
                            "--key-stdin"], input=secret, cwd=repo, env=env, capture_output=True, text=True,
                           timeout=60)
    assert setup.returncode == 0, setup.stderr
    return repo, run, env, setup


def test_vibe_runs_through_opub_with_attribution(simulator):
    provider_url, management_key = simulator
    secret = call(f"{provider_url}/keys", management_key, "POST", {"name": f"opub:{KEY_ID}", "limit": 5})["key"]
    opub = OpubStandIn(secret, provider_url)
    with tempfile.TemporaryDirectory() as work:
        repo, run, env, setup = set_up_vibe(work, opub, secret)
        assert "Next: opub run vibe" in setup.stdout

        # `[sim:call opub_budget]`: the simulator answers with a direct call of opub's MCP tool
        # (docs/openrouter-sim.md). Vibe 2.26 offers MCP tools to the model only through its code mode
        # (`search_tool_functions`, `run_typescript`), not as top-level functions, so it refuses the direct
        # call and sends the refusal back: what is proved here (docs/cli.md, "Vibe and MCP").
        run_result = subprocess.run([OPUB, "run", "vibe", "--", "--prompt", "Check the budget. [sim:call opub_budget]",
                                     "--max-turns", "2"], cwd=repo, env=env, capture_output=True, text=True,
                                    timeout=300)
        assert run_result.returncode == 0, run_result.stderr
        assert run_result.stdout.strip(), "vibe printed no answer"
        assert secret not in run_result.stdout + run_result.stderr

        assert len(opub.sessions) == 1
        session_id, session = next(iter(opub.sessions.items()))
        assert session["start"]["surface"] == "vibe" and session["start"]["key_id"] == KEY_ID
        assert session["end"] == {"exit_code": 0, "reason": "exited"}
        assert not os.path.exists(os.path.join(run, "opub", session_id))

        key_hash = hashlib.sha256(secret.encode()).hexdigest()
        generations = call(f"{provider_url}/_sim/generations?key_hash={key_hash}", management_key)
        generations = generations.get("data", generations)
        offered = generations[0]["offered_tools"]
        assert "run_typescript" in offered and not any(name.endswith("opub_budget") for name in offered), offered
        assert [g["tool_call"] for g in generations] == ["opub_budget", None]
        assert "unsupported top-level tool" in generations[1]["tool_result"], generations[1]["tool_result"]
        assert generations, "vibe made no request to the provider"
        for generation in generations:
            assert generation["model"] == MODEL
            assert generation["http_referer"] == "https://opub.dev/github/octo/widgets"
            assert generation["x_title"] == "opub"
            assert generation["x_openrouter_categories"] == "cli-agent"
            assert generation["x_session_id"] == session_id
        assert call(f"{provider_url}/key", secret)["data"]["usage"] > 0


def test_vibe_from_opub_env_alone(simulator):
    """`opub env vibe` gives a custom setup everything: an absolute VIBE_HOME holding its config, and the
    key; the real Vibe runs on the key, the recommended model and the attribution headers with nothing but
    what it printed (no `opub run`, so no linked session)."""
    provider_url, management_key = simulator
    secret = call(f"{provider_url}/keys", management_key, "POST", {"name": f"opub:{KEY_ID}", "limit": 5})["key"]
    opub = OpubStandIn(secret, provider_url)
    with tempfile.TemporaryDirectory() as work:
        repo, _, env, _ = set_up_vibe(work, opub, secret)
        printed = subprocess.run([OPUB, "env", "vibe", "--reveal", "--format", "json"], cwd=repo, env=env,
                                 capture_output=True, text=True, timeout=60)
        assert printed.returncode == 0, printed.stderr
        config = json.loads(printed.stdout)
        assert os.path.isabs(config["environment"]["VIBE_HOME"]), config
        result = subprocess.run(["vibe", *config["arguments"], "--prompt", "Say hello.", "--max-turns", "1"],
                                cwd=repo, env={**env, **config["environment"]}, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        assert not opub.sessions, "no opub run, so no session"
        key_hash = hashlib.sha256(secret.encode()).hexdigest()
        generations = call(f"{provider_url}/_sim/generations?key_hash={key_hash}", management_key)
        generations = generations.get("data", generations)
        assert generations, "vibe made no request with what opub env printed"
        for generation in generations:
            assert generation["model"] == MODEL
            assert generation["http_referer"] == "https://opub.dev/github/octo/widgets"
            assert generation["x_title"] == "opub"
