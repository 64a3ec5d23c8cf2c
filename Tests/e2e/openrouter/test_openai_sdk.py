"""The official `openai` SDK against openrouter-sim: chat completions (plain and streaming) and
Responses (plain and streaming), with costs checked against the price table."""

import openai
import pytest

from conftest import expected_cost, usd

MODEL = "openai/gpt-5.4-mini"
ATTRIBUTION = {"HTTP-Referer": "https://opub.dev/github/octo/repo", "X-OpenRouter-Title": "opub"}


def client(base_url: str, secret: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key=secret, default_headers=ATTRIBUTION, max_retries=0)


def test_chat_completion_cost_matches_price_table(base_url, new_key, prices):
    answer = client(base_url, new_key["key"]).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Say hello"}], max_tokens=50
    )
    assert answer.choices[0].message.content
    assert answer.choices[0].finish_reason in ("stop", "length")
    usage = answer.usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usd(usage.cost) == expected_cost(prices, MODEL, usage.prompt_tokens, usage.completion_tokens)


def test_chat_completion_streaming_ends_with_usage(base_url, new_key, prices):
    stream = client(base_url, new_key["key"]).chat.completions.create(
        model="mistralai/devstral-2512",
        messages=[{"role": "user", "content": "Stream please"}],
        max_tokens=40,
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage, finish = "", None, None
    for chunk in stream:
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert text and finish in ("stop", "length")
    assert usage is not None
    assert usd(usage.cost) == expected_cost(
        prices, "mistralai/devstral-2512", usage.prompt_tokens, usage.completion_tokens
    )


def test_responses_api(base_url, new_key, prices):
    response = client(base_url, new_key["key"]).responses.create(
        model="openai/gpt-5.4", input="Summarise the plan", instructions="Be brief", max_output_tokens=60
    )
    assert response.status == "completed"
    assert response.output_text
    usage = response.usage
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    assert usd(usage.model_extra["cost"]) == expected_cost(
        prices, "openai/gpt-5.4", usage.input_tokens, usage.output_tokens
    )


def test_responses_streaming(base_url, new_key):
    stream = client(base_url, new_key["key"]).responses.create(
        model=MODEL, input=[{"role": "user", "content": "Hi"}], stream=True
    )
    types, deltas, final = [], "", None
    for event in stream:
        types.append(event.type)
        if event.type == "response.output_text.delta":
            deltas += event.delta
        if event.type == "response.completed":
            final = event.response
    assert types[0] == "response.created"
    assert "response.output_text.delta" in types
    assert final is not None and final.output_text == deltas
    assert final.usage.output_tokens > 0


def test_errors_map_to_sdk_exceptions(base_url, management):
    with pytest.raises(openai.AuthenticationError):
        client(base_url, "sk-or-v1-" + "0" * 64).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}]
        )
    poor = management.create_key(limit=0.00001)
    with pytest.raises(openai.APIStatusError) as refused:
        client(base_url, poor["key"]).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "x"}], max_tokens=1000
        )
    assert refused.value.status_code == 402
    assert "can only afford" in str(refused.value)
