"""The official `anthropic` SDK against openrouter-sim's /messages, as Claude Code uses it
(base URL without /v1), plain and streaming."""

import anthropic
import pytest

from conftest import expected_cost, usd

MODEL = "anthropic/claude-sonnet-4.6"


def client(base_url: str, secret: str) -> anthropic.Anthropic:
    anthropic_base = base_url[: -len("/v1")] if base_url.endswith("/v1") else base_url
    return anthropic.Anthropic(
        base_url=anthropic_base,
        api_key=secret,
        max_retries=0,
        default_headers={"x-session-id": "ls_e2e", "HTTP-Referer": "https://opub.dev/github/octo/repo"},
    )


def test_messages(base_url, new_key, prices):
    message = client(base_url, new_key["key"]).messages.create(
        model=MODEL, max_tokens=100, system="You are terse.", messages=[{"role": "user", "content": "Hello"}]
    )
    assert message.type == "message" and message.role == "assistant"
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason in ("end_turn", "max_tokens")
    usage = message.usage
    assert usd(usage.model_extra["cost"]) == expected_cost(prices, MODEL, usage.input_tokens, usage.output_tokens)


def test_messages_streaming(base_url, new_key):
    with client(base_url, new_key["key"]).messages.stream(
        model="anthropic/claude-haiku-4.5", max_tokens=40, messages=[{"role": "user", "content": "Stream"}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text and final.content[0].text == text
    assert final.usage.output_tokens > 0
    assert final.stop_reason in ("end_turn", "max_tokens")


def test_session_header_is_recorded(base_url, new_key, management):
    message = client(base_url, new_key["key"]).messages.create(
        model=MODEL, max_tokens=20, messages=[{"role": "user", "content": "Who am I?"}]
    )
    generation = management.request("GET", f"/generation?id={message.id}").json()["data"]
    assert generation["session_id"] == "ls_e2e"
    assert generation["origin"] == "https://opub.dev/github/octo/repo"


def test_errors_are_anthropic_shaped(base_url, management):
    with pytest.raises(anthropic.AuthenticationError):
        client(base_url, "sk-or-v1-" + "1" * 64).messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    spent = management.create_key(limit=0.000001)
    management.request("POST", "/_sim/charge", json={"key_hash": spent["data"]["hash"], "usd": "0.000001"})
    with pytest.raises(anthropic.PermissionDeniedError) as refused:
        client(base_url, spent["key"]).messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert "Key limit exceeded (total limit)" in str(refused.value)
    # The envelope carries the request id Anthropic's SDK reads from every error.
    assert refused.value.body["request_id"].startswith("req_")
