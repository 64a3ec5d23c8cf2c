"""The official `openrouter` Python SDK as the field-level oracle: every endpoint openrouter-sim serves is
called through it unchanged (base URL aside). The SDK validates each answer against the typed models it
generates from OpenRouter's OpenAPI document, so a missing or mistyped field fails here as it would for
any program written against the real service."""

import datetime
import uuid
from decimal import Decimal

import openrouter
import pytest
import requests
from openrouter import errors

from conftest import usd


@pytest.fixture(scope="module")
def admin(base_url, management_key):
    with openrouter.OpenRouter(api_key=management_key, server_url=base_url) as client:
        yield client


def sim_clock(management, **change) -> datetime.datetime:
    """Moves the simulator's clock (`POST /_sim/clock`) and returns its new time."""
    answer = management.request("POST", "/_sim/clock", json=change)
    assert answer.status_code == 200, answer.text
    return datetime.datetime.fromisoformat(answer.json()["data"]["now"].replace("Z", "+00:00"))


def test_keys_create_list_get_update_delete(admin):
    created = admin.api_keys.create(name=f"sdk-{uuid.uuid4().hex[:6]}", limit=2.5, include_byok_in_limit=True)
    assert created.key.startswith("sk-or-v1-")
    data = created.data
    assert data.limit == 2.5 and data.include_byok_in_limit is True
    assert data.external_user is None and data.last_used_at is None and data.updated_at is None
    assert data.workspace_id

    listed = admin.api_keys.list(offset=0, include_disabled=True, include_expired=True)
    assert data.hash in {key.hash for key in listed.data}

    fetched = admin.api_keys.get(hash=data.hash)
    assert fetched.data.label == data.label

    updated = admin.api_keys.update(hash=data.hash, disabled=True, limit=3)
    assert updated.data.disabled is True and updated.data.limit == 3

    admin.api_keys.delete(hash=data.hash)  # the SDK checks the answer is {"deleted": true}
    with pytest.raises(errors.NotFoundResponseError):
        admin.api_keys.get(hash=data.hash)


def test_expired_keys_are_listed_only_when_asked(admin, management):
    soon = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(hours=1)
    created = admin.api_keys.create(name="sdk-expiring", expires_at=soon)
    sim_clock(management, advance_seconds=2 * 3600)
    try:
        hidden = admin.api_keys.list(include_disabled=True)
        assert created.data.hash not in {key.hash for key in hidden.data}
        shown = admin.api_keys.list(include_disabled=True, include_expired=True)
        assert created.data.hash in {key.hash for key in shown.data}
    finally:
        sim_clock(management, advance_seconds=-2 * 3600)


def test_keys_in_a_workspace_are_listed_only_there(admin, management):
    workspace = management.request("POST", "/_sim/workspaces", json={"name": "opub"}).json()["data"]["id"]
    inside = admin.api_keys.create(name="sdk-in-workspace", workspace_id=workspace)
    outside = admin.api_keys.create(name="sdk-default-workspace")
    assert inside.data.workspace_id == workspace and outside.data.workspace_id != workspace
    there = {key.hash for key in admin.api_keys.list(workspace_id=workspace, include_disabled=True).data}
    default = {key.hash for key in admin.api_keys.list(include_disabled=True).data}
    assert inside.data.hash in there and outside.data.hash not in there
    assert outside.data.hash in default and inside.data.hash not in default


def test_current_key_metadata(base_url, admin):
    created = admin.api_keys.create(name="sdk-current", limit=1)
    with openrouter.OpenRouter(api_key=created.key, server_url=base_url) as client:
        info = client.api_keys.get_current_key_metadata()
    assert info.data.label == created.data.label
    assert info.data.is_management_key is False and info.data.limit == 1


def test_overspent_key_reports_negative_remaining(admin, management):
    created = admin.api_keys.create(name="sdk-overspent", limit=1)
    charged = management.request("POST", "/_sim/charge", json={"key_hash": created.data.hash, "usd": "1.25"})
    assert charged.status_code == 200, charged.text
    fetched = admin.api_keys.get(hash=created.data.hash)
    assert usd(fetched.data.limit_remaining) == Decimal("-0.25")


def test_byok_usage_is_reported_apart_and_counts_against_the_limit(admin, management):
    created = admin.api_keys.create(name="sdk-byok", limit=2, include_byok_in_limit=True)
    management.request("POST", "/_sim/charge", json={"key_hash": created.data.hash, "usd": "0.5"})
    byok = management.request(
        "POST", "/_sim/charge", json={"key_hash": created.data.hash, "usd": "0.75", "byok": True})
    assert byok.status_code == 200, byok.text
    key = admin.api_keys.get(hash=created.data.hash).data
    assert usd(key.usage) == Decimal("0.5") and usd(key.byok_usage) == Decimal("0.75")
    assert usd(key.limit_remaining) == Decimal("0.75")


def test_guardrails_create_list_get_update_delete(admin):
    made = admin.guardrails.create(
        name=f"sdk-guardrail-{uuid.uuid4().hex[:6]}", allowed_providers=["anthropic", "openai"], limit_usd=5)
    guardrail = made.data
    assert guardrail.include_byok_in_budgets is not None and guardrail.workspace_id
    page = admin.guardrails.list(offset=0, limit=50)
    assert page.result.total_count >= 1
    assert guardrail.id in {item.id for item in page.result.data}
    assert admin.guardrails.get(id=guardrail.id).data.name == guardrail.name
    changed = admin.guardrails.update(id=guardrail.id, allowed_providers=["anthropic"], limit_usd=3)
    assert changed.data.allowed_providers == ["anthropic"] and changed.data.limit_usd == 3
    admin.guardrails.delete(id=guardrail.id)
    with pytest.raises(errors.NotFoundResponseError):
        admin.guardrails.get(id=guardrail.id)


def test_guardrail_list_pages_until_a_short_page(admin):
    for index in range(3):
        admin.guardrails.create(name=f"sdk-paging-{index}-{uuid.uuid4().hex[:6]}")
    first = admin.guardrails.list(offset=0, limit=2)
    total = first.result.total_count
    seen = []
    page = first
    while page is not None:
        seen += [item.id for item in page.result.data]
        page = page.next()
    assert len(seen) == total == len(set(seen))


def test_guardrail_key_assignments(admin):
    guardrail = admin.guardrails.create(name=f"sdk-assign-{uuid.uuid4().hex[:6]}", allowed_providers=["openai"]).data
    key = admin.api_keys.create(name="sdk-assigned").data
    assigned = admin.guardrails.bulk_assign_keys(id=guardrail.id, key_hashes=[key.hash])
    assert assigned.assigned_count == 1
    rows = admin.guardrails.list_guardrail_key_assignments(id=guardrail.id).result
    assert rows.total_count == 1
    row = rows.data[0]
    assert (row.key_hash, row.key_name, row.key_label, row.guardrail_id) == (
        key.hash, key.name, key.label, guardrail.id)
    everywhere = admin.guardrails.list_key_assignments(offset=0, limit=100).result
    assert key.hash in {item.key_hash for item in everywhere.data}
    members = admin.guardrails.list_guardrail_member_assignments(id=guardrail.id).result
    assert members.total_count == 0
    assert admin.guardrails.list_member_assignments().result.total_count == 0
    removed = admin.guardrails.bulk_unassign_keys(id=guardrail.id, key_hashes=[key.hash])
    assert removed.unassigned_count == 1


def test_guardrail_budget_caps_each_key(base_url, admin, management):
    guardrail = admin.guardrails.create(name=f"sdk-budget-{uuid.uuid4().hex[:6]}", limit_usd=0.5).data
    key = admin.api_keys.create(name="sdk-budgeted", limit=10)
    admin.guardrails.bulk_assign_keys(id=guardrail.id, key_hashes=[key.data.hash])
    with openrouter.OpenRouter(api_key=key.key, server_url=base_url) as client:
        client.chat.send(model="openai/gpt-5.4-mini", messages=[{"role": "user", "content": "spend"}], max_tokens=8)
        management.request("POST", "/_sim/charge", json={"key_hash": key.data.hash, "usd": "0.5"})
        with pytest.raises(errors.OpenRouterError) as refused:
            client.chat.send(model="openai/gpt-5.4-mini", messages=[{"role": "user", "content": "more"}],
                             max_tokens=8)
    assert refused.value.status_code == 403 and "guardrail budget" in str(refused.value)
    # The key's own limit is far from reached: the lower of the two caps won.
    assert usd(admin.api_keys.get(hash=key.data.hash).data.limit_remaining) > Decimal(9)


def test_credits(admin):
    credits = admin.credits.get_credits().data
    assert credits.total_credits >= credits.total_usage


def test_activity_answers_completed_days_only(admin, management):
    key = admin.api_keys.create(name="sdk-activity")
    with openrouter.OpenRouter(api_key=key.key, server_url=management.base_url) as client:
        client.chat.send(model="openai/gpt-5.4-mini", messages=[{"role": "user", "content": "hello"}], max_tokens=16)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    with pytest.raises(errors.BadRequestResponseError) as refused:
        admin.analytics.get_user_activity(request={"date_": today.isoformat(), "api_key_hash": key.data.hash})
    assert "Date must be within the last 30 (completed) UTC days" in str(refused.value)
    assert admin.analytics.get_user_activity(request={"api_key_hash": key.data.hash}).data == []
    sim_clock(management, advance_seconds=86_400)
    try:
        rows = admin.analytics.get_user_activity(
            request={"date_": today.isoformat(), "api_key_hash": key.data.hash}).data
        assert [row.model for row in rows] == ["openai/gpt-5.4-mini"]
        assert rows[0].requests == 1 and rows[0].endpoint_id and rows[0].byok_usage_inference == 0
    finally:
        sim_clock(management, advance_seconds=-86_400)


def test_chat_and_generation(base_url, admin):
    key = admin.api_keys.create(name="sdk-chat")
    with openrouter.OpenRouter(api_key=key.key, server_url=base_url) as client:
        answer = client.chat.send(
            model="anthropic/claude-sonnet-4.6", messages=[{"role": "user", "content": "hello"}], max_tokens=32,
            session_id="sdk-session")
        assert answer.choices[0].message.content and answer.usage.cost > 0
        generation = client.generations.get_generation(id=answer.id).data
    assert generation.id == answer.id and generation.model == "anthropic/claude-sonnet-4.6"
    assert generation.api_type == "completions" and generation.session_id == "sdk-session"
    assert usd(generation.total_cost) == usd(answer.usage.cost)


def test_streamed_chat(base_url, admin):
    key = admin.api_keys.create(name="sdk-stream")
    with openrouter.OpenRouter(api_key=key.key, server_url=base_url) as client:
        chunks = list(client.chat.send(
            model="openai/gpt-5.4-mini", messages=[{"role": "user", "content": "stream"}], max_tokens=32,
            stream=True))
    assert any(chunk.usage is not None and chunk.usage.cost > 0 for chunk in chunks)


def test_models_list_and_count(admin):
    listed = admin.models.list()
    ids = {model.id for model in listed.result.data}
    assert {"anthropic/claude-sonnet-4.6", "openai/gpt-5.4-mini"} <= ids
    model = next(model for model in listed.result.data if model.id == "openai/gpt-5.4-mini")
    assert Decimal(model.pricing.prompt) > 0


def test_unknown_route_answers_json(base_url, management_key):
    answer = requests.get(f"{base_url}/no-such-route", headers={"Authorization": f"Bearer {management_key}"},
                          timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == 404


def test_byok_request_is_billed_to_byok_usage(base_url, admin, management):
    faults = management.request("POST", "/_sim/faults", json={"byok_providers": ["anthropic"]})
    assert faults.status_code == 200, faults.text
    try:
        key = admin.api_keys.create(name="sdk-byok-request", limit=5, include_byok_in_limit=True)
        with openrouter.OpenRouter(api_key=key.key, server_url=base_url) as client:
            answer = client.chat.send(
                model="anthropic/claude-sonnet-4.6", messages=[{"role": "user", "content": "own key"}], max_tokens=32)
        assert answer.usage.is_byok is True and answer.usage.cost == 0
        upstream = usd(answer.usage.cost_details.upstream_inference_cost)
        assert upstream > 0
        data = admin.api_keys.get(hash=key.data.hash).data
        assert usd(data.usage) == 0 and usd(data.byok_usage) == upstream
        assert usd(data.limit_remaining) == Decimal(5) - upstream
    finally:
        management.request("DELETE", "/_sim/faults")


def test_generation_may_be_missing_right_after_the_request(base_url, admin, management):
    management.request("POST", "/_sim/faults", json={"generation_lag_seconds": 30})
    try:
        key = admin.api_keys.create(name="sdk-generation-lag")
        with openrouter.OpenRouter(api_key=key.key, server_url=base_url) as client:
            answer = client.chat.send(
                model="openai/gpt-5.4-mini", messages=[{"role": "user", "content": "later"}], max_tokens=8)
            with pytest.raises(errors.NotFoundResponseError):
                client.generations.get_generation(id=answer.id)
            sim_clock(management, advance_seconds=31)
            try:
                assert client.generations.get_generation(id=answer.id).data.id == answer.id
            finally:
                sim_clock(management, advance_seconds=-31)
    finally:
        management.request("DELETE", "/_sim/faults")


def test_overlong_session_id_is_refused(base_url, admin):
    key = admin.api_keys.create(name="sdk-session-length")
    with openrouter.OpenRouter(api_key=key.key, server_url=base_url) as client:
        with pytest.raises(errors.BadRequestResponseError):
            client.chat.send(model="openai/gpt-5.4-mini", messages=[{"role": "user", "content": "x"}], max_tokens=8,
                             session_id="s" * 257)
