"""Management calls over plain HTTP, and the money check: a key's usage equals the sum of the costs
its requests reported."""

from decimal import Decimal

import openai
import requests

from conftest import usd


def test_key_usage_equals_sum_of_costs(base_url, management):
    created = management.create_key(limit=5, include_byok_in_limit=True)
    key_hash, secret = created["data"]["hash"], created["key"]
    assert created["data"]["usage"] == 0 and created["data"]["updated_at"] is None
    sdk = openai.OpenAI(base_url=base_url, api_key=secret, max_retries=0)
    costs = []
    for index, model in enumerate(["openai/gpt-5.4-mini", "qwen/qwen3-coder", "anthropic/claude-sonnet-4.6"] * 3):
        answer = sdk.chat.completions.create(
            model=model, messages=[{"role": "user", "content": f"request {index}"}], max_tokens=80
        )
        costs.append(usd(answer.usage.cost))
    key = management.get_key(key_hash)
    assert usd(key["usage"]) == sum(costs, Decimal(0))
    assert usd(key["limit_remaining"]) == Decimal(5) - sum(costs, Decimal(0))
    # Activity covers completed UTC days only: the spend shows once the simulator's day has ended, one row
    # per model endpoint.
    assert management.request("GET", f"/activity?api_key_hash={key_hash}").json()["data"] == []
    assert management.request("POST", "/_sim/clock", json={"advance_seconds": 86_400}).status_code == 200
    try:
        activity = management.request("GET", f"/activity?api_key_hash={key_hash}").json()["data"]
    finally:
        management.request("POST", "/_sim/clock", json={"advance_seconds": -86_400})
    assert sum((usd(row["usage"]) for row in activity), Decimal(0)) == sum(costs, Decimal(0))
    assert sum(row["requests"] for row in activity) == 9


def test_key_lifecycle_and_listing(management):
    created = management.create_key(name="e2e lifecycle")
    key_hash = created["data"]["hash"]
    assert created["key"].startswith("sk-or-v1-") and len(created["key"]) == 9 + 64
    listed = management.request("GET", "/keys?offset=0").json()["data"]
    assert listed[0]["hash"] == key_hash  # newest first
    patched = management.request("PATCH", f"/keys/{key_hash}", json={"disabled": True, "limit": 3})
    assert patched.status_code == 200 and patched.json()["data"]["disabled"] is True
    enabled_only = management.request("GET", "/keys?include_disabled=false").json()["data"]
    assert key_hash not in {key["hash"] for key in enabled_only}
    unlimited = management.request("PATCH", f"/keys/{key_hash}", json={"limit": None}).json()["data"]
    assert unlimited["limit"] is None and unlimited["limit_remaining"] is None
    assert management.request("DELETE", f"/keys/{key_hash}").json() == {"deleted": True}
    assert management.request("GET", f"/keys/{key_hash}").status_code == 404


def test_normal_key_cannot_manage(base_url, new_key):
    answer = requests.get(f"{base_url}/keys", headers={"Authorization": f"Bearer {new_key['key']}"}, timeout=10)
    assert answer.status_code == 403
    assert answer.json() == {
        "error": {"code": 403, "message": "Only management keys can perform this operation", "metadata": None}
    }


def test_credits_and_key_info(base_url, management, new_key):
    credits = management.request("GET", "/credits").json()["data"]
    assert usd(credits["total_credits"]) >= usd(credits["total_usage"])
    info = requests.get(f"{base_url}/key", headers={"Authorization": f"Bearer {new_key['key']}"}, timeout=10)
    assert info.status_code == 200
    assert info.json()["data"]["label"] == new_key["data"]["label"]
    assert info.json()["data"]["is_management_key"] is False


def test_injected_429_has_retry_after(management):
    rules = {"rules": [{"route": "GET /credits", "error_status": 429, "retry_after": 3, "count": 1}]}
    assert management.request("POST", "/_sim/faults", json=rules).status_code == 200
    limited = management.request("GET", "/credits")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert management.request("GET", "/credits").status_code == 200
