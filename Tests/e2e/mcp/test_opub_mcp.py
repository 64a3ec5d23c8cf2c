"""`opub mcp` driven by the official MCP Python SDK over stdio: tools/list and every tool."""

import json
import os
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

BINARY = os.environ["OPUB_BINARY"]
KEY_ID = "ck_e2emcpkey1"
LINK_TOKEN = "e2e-link-token"
SESSION_ID = "ls_e2emcpsession1"
PROVIDER_SECRET_PREFIX = "sk-or-v1-"


def amount(usd: str, micros: int) -> dict:
    return {"usd": usd, "micros": micros}


class CLIRoutes(BaseHTTPRequestHandler):
    """A stand-in for the opub server's `GET /api/v1/cli/keys/{ck}`, checking the link token."""

    seen_tokens: list = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        CLIRoutes.seen_tokens.append(token)
        if self.path != f"/api/v1/cli/keys/{KEY_ID}" or token != LINK_TOKEN:
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error":{"code":"key_not_found","message":"No such key."}}')
            return
        body = {
            "key": {
                "id": KEY_ID,
                "name": "laptop",
                "state": "active",
                "limit": amount("20.000000", 20_000_000),
                "spent": amount("1.250000", 1_250_000),
                "remaining": amount("18.750000", 18_750_000),
            },
            "project": {"full_name": "octo/widgets", "available": amount("75.000000", 75_000_000)},
            "recommended_models": {"claude": "anthropic/claude-sonnet-4.6"},
            "heartbeat_interval_seconds": 60,
            "provider_url": "https://openrouter.ai/api/v1",
        }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CLIRoutes)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def session_dir(server):
    with tempfile.TemporaryDirectory() as root:
        directory = os.path.join(root, SESSION_ID)
        os.mkdir(directory, 0o700)
        record = {
            "session_id": SESSION_ID,
            "key_id": KEY_ID,
            "project": "octo/widgets",
            "surface": "claude",
            "server": server,
            "link_token": LINK_TOKEN,
            "linked": True,
            "started_at": "2026-11-22T20:00:00.000000Z",
            "pid": os.getpid(),
            "model": "anthropic/claude-sonnet-4.6",
        }
        path = os.path.join(directory, "session.json")
        with open(path, "w") as file:
            json.dump(record, file)
        os.chmod(path, 0o600)
        yield directory


def environment(home: str) -> dict:
    return {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NO_COLOR": "1"}


async def with_client(arguments, home, body):
    parameters = StdioServerParameters(command=BINARY, args=arguments, env=environment(home))
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            assert initialized.serverInfo.name == "opub"
            return await body(session)


def test_tools_list_and_every_tool(session_dir):
    async def body(session):
        tools = await session.list_tools()
        names = sorted(tool.name for tool in tools.tools)
        assert names == ["opub_budget", "opub_project", "opub_session"]
        for tool in tools.tools:
            assert tool.description
            assert tool.inputSchema["type"] == "object"

        budget = await session.call_tool("opub_budget", {})
        assert not budget.isError
        text = budget.content[0].text
        assert "limit $20.00" in text and "spent $1.25" in text and "remaining $18.75" in text
        assert "$75.00 available" in text
        assert budget.structuredContent["remaining_usd"] == "18.750000"
        assert budget.structuredContent["project_available_usd"] == "75.000000"

        session_info = await session.call_tool("opub_session", {})
        assert not session_info.isError
        assert SESSION_ID in session_info.content[0].text
        assert session_info.structuredContent == {
            "session_id": SESSION_ID,
            "project": "octo/widgets",
            "surface": "claude",
            "linked": True,
            "started_at": "2026-11-22T20:00:00.000000Z",
            "model": "anthropic/claude-sonnet-4.6",
        }

        project = await session.call_tool("opub_project", {})
        assert not project.isError
        assert "octo/widgets" in project.content[0].text
        assert "donated" in project.content[0].text.lower()
        assert project.structuredContent["page"].endswith("/github/octo/widgets")

        for result in (budget, session_info, project):
            assert PROVIDER_SECRET_PREFIX not in json.dumps(result.model_dump())

    with tempfile.TemporaryDirectory() as home:
        anyio.run(with_client, ["mcp", "--session-dir", session_dir], home, body)
    assert CLIRoutes.seen_tokens and set(CLIRoutes.seen_tokens) == {LINK_TOKEN}


def test_session_state_is_read_at_each_call(session_dir):
    async def body(session):
        first = await session.call_tool("opub_session", {})
        assert first.structuredContent["linked"] is True
        path = os.path.join(session_dir, "session.json")
        with open(path) as file:
            record = json.load(file)
        record["linked"] = False
        with open(path, "w") as file:
            json.dump(record, file)
        second = await session.call_tool("opub_session", {})
        assert second.structuredContent["linked"] is False
        assert "not linked" in second.content[0].text

    with tempfile.TemporaryDirectory() as home:
        anyio.run(with_client, ["mcp", "--session-dir", session_dir], home, body)


def test_without_a_session_the_tools_say_how_to_get_one():
    async def body(session):
        tools = await session.list_tools()
        assert len(tools.tools) == 3
        result = await session.call_tool("opub_budget", {})
        assert result.isError
        assert "opub run" in result.content[0].text

    with tempfile.TemporaryDirectory() as home:
        anyio.run(with_client, ["mcp"], home, body)



def test_codex_initialize_with_object_capabilities_is_answered(session_dir):
    """Codex 0.163's exact initialize line: `capabilities.experimental` holds an object, which the MCP
    spec allows. Without the repair the server answered -32603 and Codex dropped opub's tools."""
    # Sent as Codex sends it: initialize first, the rest only after its answer (an MCP server may
    # answer messages that arrive together in any order).
    initialize = ('{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
                  '"capabilities":{"experimental":{"codex/auth-change":{}},"elicitation":{"form":{},"url":{}}},'
                  '"clientInfo":{"name":"codex-mcp-client","title":"Codex","version":"0.163.0"}}}\n')
    rest = ('{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
            '{"jsonrpc":"2.0","id":1,"method":"tools/list"}\n')
    with tempfile.TemporaryDirectory() as home:
        process = subprocess.Popen([BINARY, "mcp", "--session-dir", session_dir], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(home))
        answers = []
        for message in (initialize, rest):
            process.stdin.write(message.encode())
            process.stdin.flush()
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        process.wait(timeout=10)
    assert "error" not in answers[0], answers[0]
    assert answers[0]["result"]["serverInfo"]["name"] == "opub"
    assert sorted(tool["name"] for tool in answers[1]["result"]["tools"]) == [
        "opub_budget", "opub_project", "opub_session"]
