"""The real Claude Code and the real Codex CLI through `opub setup` (the command the server printed) and
`opub run`, against a live opub-server whose provider is openrouter-sim.

The prompt carries `[sim:call …]`, so the simulator answers the first request with a call of opub's
MCP tool `opub_budget` (see docs/openrouter-sim.md): the agent must run `opub mcp`, call the tool, and
send its result back in the next request, which the simulator records as `tool_result`.
"""

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import time

import pytest

import opub_harness as h

ROOT = os.environ["OPUB_ROOT"]
AGENTS_BIN = os.environ["AGENTS_BIN"]
BUILD = os.path.join(ROOT, ".build", "debug")
PROJECT = "octo/widgets"
# The server's recommended models (OPUB_RECOMMENDED_MODELS defaults, README).
MODELS = {"claude": "anthropic/claude-sonnet-4.6", "codex": "openai/gpt-5.3-codex"}
# The simulator broadcasts a trace per request to the server, as OpenRouter Broadcast would, with
# this token in the destination's headers (OPUB_BROADCAST_TOKEN on the server).
BROADCAST_TOKEN = "e2e-broadcast-token-0123456789abcdef"
# In every prompt: it must never reach opub's database or logs (traces carry prompts; opub drops them).
PROMPT_MARKER = "PROMPT-MARKER-c0ffee42"


@pytest.fixture(scope="module")
def world():
    work = tempfile.mkdtemp(prefix="opub-agents-")
    port = h.free_port()
    simulator = h.Simulator(work, args=(
        "--broadcast-url", f"http://127.0.0.1:{port}/ingest/openrouter/traces",
        "--broadcast-header", f"Authorization: Bearer {BROADCAST_TOKEN}"))
    replica = h.Replica("agents", work, f"sqlite://{work}/opub.sqlite", simulator=simulator, interval=600,
                        log_level="debug", port=port, env={"OPUB_BROADCAST_TOKEN": BROADCAST_TOKEN})
    maintainer = h.Maintainer(replica.url, login="octo")
    maintainer.claim(PROJECT)
    paid = maintainer.donate(PROJECT, "20.00")
    assert paid.status == 200, paid
    try:
        yield {"work": work, "simulator": simulator, "replica": replica, "maintainer": maintainer}
    finally:
        replica.process.stop()
        simulator.process.stop()
        shutil.rmtree(work, ignore_errors=True)


def agent_version(program):
    done = subprocess.run([os.path.join(AGENTS_BIN, program), "--version"], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    return done.stdout.strip()


def run_agent(world, surface, agent_arguments, key_name=None):
    """Creates a key, runs the server's setup command as printed and `opub run`; returns what happened."""
    maintainer, replica, simulator = world["maintainer"], world["replica"], world["simulator"]
    key, created = maintainer.create_key(PROJECT, limit="5.00", name=key_name or f"{surface} e2e")
    assert key, created
    setup_line = created.json["setup_commands"][surface]
    assert setup_line.endswith(f"--server {replica.url}"), setup_line

    machine = tempfile.mkdtemp(prefix=f"{surface}-", dir=world["work"])
    home, repo, runtime = (os.path.join(machine, name) for name in ("home", "repo", "run"))
    for directory in (home, repo, runtime):
        os.makedirs(directory, mode=0o700)
    env = {"HOME": home, "XDG_RUNTIME_DIR": runtime, "PATH": f"{AGENTS_BIN}:{BUILD}:/usr/bin:/bin",
           "LANG": "C.UTF-8", "NO_COLOR": "1",
           # What a user offline sets for Claude Code; one retry keeps a failure short.
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "CLAUDE_CODE_MAX_RETRIES": "1",
           # Variables that would reroute the agents: opub run must not pass them on.
           "CLAUDE_CODE_USE_BEDROCK": "1", "ANTHROPIC_MODEL": "claude-opus-4-1",
           "OPENAI_BASE_URL": "https://elsewhere.invalid/v1"}
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(["git", "-C", repo, "remote", "add", "origin", f"https://github.com/{PROJECT}.git"], check=True)

    setup = subprocess.run(["sh", "-c", setup_line], env={**env, "OPUB_PROVIDER_KEY": key.secret}, cwd=repo,
                           capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    started = time.monotonic()
    if agent_arguments is None:
        # A custom setup: only what `opub env` printed (environment and arguments), no `opub run`.
        printed = subprocess.run(["opub", "env", surface, "--reveal", "--format", "json"], env=env, cwd=repo,
                                 capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert printed.returncode == 0, printed.stderr
        config = json.loads(printed.stdout)
        clean = {name: value for name, value in env.items()
                 if name not in ("CLAUDE_CODE_USE_BEDROCK", "ANTHROPIC_MODEL", "OPENAI_BASE_URL")}
        run = subprocess.run([surface, *config["arguments"], "exec", "--skip-git-repo-check", "--disable", "plugins",
                              "Say hello."], env={**clean, **config["environment"]}, cwd=repo,
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    else:
        run = subprocess.run(["opub", "run", surface, "--", *agent_arguments], env=env, cwd=repo,
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    ended = time.monotonic()
    seconds = ended - started
    print(f"\n{surface}: opub run took {seconds:.1f} s; stdout: {run.stdout.strip()[:300]!r}")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "unlinked" not in run.stderr, run.stderr

    key_hash = hashlib.sha256(key.secret.encode()).hexdigest()
    status, generations = simulator.call("GET", f"/_sim/generations?key_hash={key_hash}")
    assert status == 200, generations
    generations = generations.get("data", generations)
    return {"key": key, "home": home, "runtime": runtime, "run": run, "setup": setup, "ended": ended,
            "generations": generations, "maintainer": maintainer, "replica": replica, "work": world["work"]}


def traced_requests(outcome, session):
    """The per-request rows from the provider's traces: one per generation, each linked to the session
    by the session id the request carried, there within 2 s of the agent's exit (they arrive while it
    runs); and no prompt text in opub's database or log."""
    maintainer, key_id = outcome["maintainer"], outcome["key"].id
    expected = {g["id"] for g in outcome["generations"]}
    rows = []
    while True:
        answer = maintainer.signed_in_call("GET", f"/api/v1/projects/{PROJECT}/requests?limit=100")
        rows = [r for r in answer.json["items"] if r["key"]["id"] == key_id]
        if {r["generation_id"] for r in rows} >= expected:
            break
        waited = time.monotonic() - outcome["ended"]
        assert waited < 2.0, f"after {waited:.1f} s, {len(rows)} of {len(expected)} traced requests: {rows}"
        time.sleep(0.05)
    print(f"traced requests: {len(rows)} rows, {time.monotonic() - outcome['ended']:.2f} s after the agent exited")
    for row in rows:
        assert row["source"] == "provider_traces" and row["linked"] and row["session"] == session["id"], row
        assert row["model"] == outcome["generations"][0]["model"] and int(row["cost"]["micros"]) > 0, row
    for name in os.listdir(outcome["work"]):
        if name.startswith("opub.sqlite"):
            with open(os.path.join(outcome["work"], name), "rb") as handle:
                assert PROMPT_MARKER.encode() not in handle.read(), f"the prompt reached {name}"
    assert all(PROMPT_MARKER not in line for line in outcome["replica"].process.log_lines())


def linked_session_and_spend(outcome, surface):
    """The ended session and the ledger's spend of the key, which must carry that session. The detail
    by model comes from the provider a day later (completed UTC days only), so the spend page says so
    instead of listing rows today."""
    maintainer = outcome["maintainer"]
    key_id = outcome["key"].id
    sessions, spend = [], []
    for _ in range(150):
        answer = maintainer.signed_in_call("GET", f"/api/v1/projects/{PROJECT}/sessions")
        sessions = [s for s in answer.json["items"] if s["key"]["id"] == key_id] \
            if answer.json and "items" in answer.json else []
        ledger = maintainer.signed_in_call("GET", f"/api/v1/projects/{PROJECT}/ledger?limit=100").json["items"]
        spend = [tx for tx in ledger if tx["kind"] == "spend" and tx["key"] == key_id]
        if sessions and not sessions[0]["running"] and spend:
            detail = maintainer.signed_in_call("GET", f"/api/v1/projects/{PROJECT}/spend").json
            assert detail["detail_pending_keys"] >= 1 and "arrives the next day" in detail["detail_note"], detail
            return sessions[0], spend
        time.sleep(0.2)
    raise AssertionError(f"no ended session with spend for {surface}: {sessions}")


def check_common(outcome, surface):
    generations = outcome["generations"]
    assert len(generations) >= 2, f"{surface} made {len(generations)} request(s); the tool round trip needs 2"
    session, spend = linked_session_and_spend(outcome, surface)
    for generation in generations:
        assert generation["model"] == MODELS[surface], generation["model"]
        assert generation["http_referer"] == f"https://opub.dev/github/{PROJECT}"
        assert generation["x_title"] == "opub"
        assert generation["x_openrouter_categories"] == "cli-agent"
        assert generation["x_session_id"] == session["id"], (generation["x_session_id"], session["id"])
    calls = [g for g in generations if g.get("tool_call")]
    assert calls and "opub_budget" in calls[0]["tool_call"], [g.get("tool_call") for g in generations]
    results = [g["tool_result"] for g in generations if g.get("tool_result")]
    assert results, "the agent never sent the tool's result back"
    assert "5.00" in results[0], results[0]  # opub_budget reports the key's $5.00 limit
    assert session["surface"] == surface and session["end_reason"] == "exited"
    assert session["surface_version"] and session["surface_version"] in agent_version(surface), session
    assert all(tx["session"] == session["id"] for tx in spend), spend  # linked spend
    traced_requests(outcome, session)

    # The secret: nowhere in the agent's own files (only in opub's 0600 store), the server's log,
    # or the database.
    secret = outcome["key"].secret
    store = os.path.join(outcome["home"], ".local", "share", "opub", "keys")
    for directory, _, names in os.walk(outcome["home"]):
        for name in names:
            path = os.path.join(directory, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as handle:
                holds = secret.encode() in handle.read()
            if directory == store:
                assert holds and (os.stat(path).st_mode & 0o077) == 0, path
            else:
                assert not holds, f"{path} holds the secret"
    assert not os.listdir(os.path.join(outcome["runtime"], "opub")) if os.path.isdir(
        os.path.join(outcome["runtime"], "opub")) else True
    for text in (outcome["run"].stdout, outcome["run"].stderr, outcome["setup"].stdout, outcome["setup"].stderr):
        assert secret not in text
    assert all(secret not in line for line in outcome["replica"].process.log_lines())
    return session


def test_claude_code_through_opub(world):
    outcome = run_agent(world, "claude", ["-p", f"Check the budget. {PROMPT_MARKER} [sim:call mcp__opub__opub_budget]"])
    assert "The tool answered:" in outcome["run"].stdout, outcome["run"].stdout
    check_common(outcome, "claude")


def test_codex_through_opub(world):
    # Root-level overrides before `exec`: make opub's MCP server required, so that Codex waits for its
    # tools before the first request (it otherwise may start without them), and leave plugins off
    # (they would reach out to the internet).
    outcome = run_agent(world, "codex", [
        "-c", "mcp_servers.opub.required=true", "exec", "--skip-git-repo-check", "--disable", "plugins",
        f"Check the budget. {PROMPT_MARKER} [sim:call opub_budget]"])
    check_common(outcome, "codex")
    calls = [g["tool_call"] for g in outcome["generations"] if g.get("tool_call")]
    assert calls[0] == "mcp__opub__opub_budget", calls  # found in Codex's mcp__opub namespace


def test_codex_from_opub_env_alone(world):
    """`opub env codex` gives a custom setup everything: the real Codex runs on the key, the recommended
    model and the attribution headers with nothing but what it printed."""
    outcome = run_agent(world, "codex", None, key_name="codex env e2e")
    generations = outcome["generations"]
    assert generations, "Codex made no request with what opub env printed"
    for generation in generations:
        assert generation["model"] == MODELS["codex"], generation["model"]
        assert generation["http_referer"] == f"https://opub.dev/github/{PROJECT}"
        assert generation["x_title"] == "opub" and generation["x_openrouter_categories"] == "cli-agent"
