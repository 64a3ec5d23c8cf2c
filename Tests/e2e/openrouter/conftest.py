"""Fixtures for the openrouter-sim end-to-end tests.

run.sh starts `openrouter-sim --port 0`, parses its one line (`url=… management_key=…`) and passes
both here through OPENROUTER_SIM_URL and OPENROUTER_SIM_MANAGEMENT_KEY.
"""

import os
import uuid
from decimal import Decimal

import pytest
import requests


@pytest.fixture(scope="session")
def base_url() -> str:
    url = os.environ.get("OPENROUTER_SIM_URL")
    if not url:
        pytest.fail("OPENROUTER_SIM_URL is not set; run Tests/e2e/openrouter/run.sh")
    return url.rstrip("/")


@pytest.fixture(scope="session")
def management_key() -> str:
    key = os.environ.get("OPENROUTER_SIM_MANAGEMENT_KEY")
    if not key:
        pytest.fail("OPENROUTER_SIM_MANAGEMENT_KEY is not set; run Tests/e2e/openrouter/run.sh")
    return key


@pytest.fixture(scope="session")
def prices(base_url) -> dict:
    """Per-token prices from GET /models, as Decimals: {model: (prompt, completion)}."""
    answer = requests.get(f"{base_url}/models", timeout=10)
    answer.raise_for_status()
    return {
        model["id"]: (Decimal(model["pricing"]["prompt"]), Decimal(model["pricing"]["completion"]))
        for model in answer.json()["data"]
    }


class Management:
    """Plain-HTTP management calls (the `openrouter` SDK is not needed)."""

    def __init__(self, base_url: str, key: str):
        self.base_url = base_url
        self.headers = {"Authorization": f"Bearer {key}"}

    def create_key(self, **body) -> dict:
        body.setdefault("name", f"e2e-{uuid.uuid4().hex[:8]}")
        answer = requests.post(f"{self.base_url}/keys", json=body, headers=self.headers, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def get_key(self, key_hash: str) -> dict:
        answer = requests.get(f"{self.base_url}/keys/{key_hash}", headers=self.headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.base_url}{path}", headers=self.headers, timeout=10, **kwargs)


@pytest.fixture(scope="session")
def management(base_url, management_key) -> Management:
    return Management(base_url, management_key)


@pytest.fixture()
def new_key(management) -> dict:
    """A fresh unlimited inference key: {"data": key object, "key": secret}."""
    return management.create_key()


def expected_cost(prices: dict, model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
    prompt, completion = prices[model]
    return prompt * prompt_tokens + completion * completion_tokens


def usd(value) -> Decimal:
    """A JSON number as an exact Decimal (the simulator writes at most 9 decimals)."""
    return Decimal(str(value))
