"""Stripe webhooks signed by the official stripe library, delivered to a sandbox opub-server."""

import json
import os
import secrets
import subprocess
import time

import pytest
import requests
import stripe

URL = os.environ["OPUB_URL"]
SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]
DB = os.environ["OPUB_DB_URL"]
SERVER = os.environ["OPUB_SERVER_BIN"]
FIXTURE = os.environ["OPUB_FIXTURE_BIN"]


def sign(payload: str, secret: str = SECRET, timestamp=None) -> str:
    """The Stripe-Signature header, computed by the stripe library."""
    if hasattr(stripe.WebhookSignature, "generate_signature_header"):
        return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    timestamp = timestamp or int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{payload}", secret)
    return f"t={timestamp},v1={signature}"


def deliver(payload: str, header: str) -> requests.Response:
    return requests.post(
        f"{URL}/webhooks/stripe",
        data=payload.encode(),
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
        timeout=10,
    )


def event(kind: str, obj: dict) -> str:
    return json.dumps(
        {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    )


def session_completed(donation: str, cents: int, intent: str) -> str:
    return event(
        "checkout.session.completed",
        {
            "id": "cs_test_" + secrets.token_hex(8),
            "object": "checkout.session",
            "amount_subtotal": cents,
            "amount_total": cents + 150,
            "currency": "usd",
            "payment_status": "paid",
            "payment_intent": intent,
            "client_reference_id": donation,
            "metadata": {"donation_id": donation},
            "customer_details": {"email": "private@example.com"},
        },
    )


def charge_refunded(intent: str, refund_id: str, cents: int) -> str:
    return event(
        "charge.refunded",
        {
            "id": "ch_" + secrets.token_hex(8),
            "object": "charge",
            "payment_intent": intent,
            "amount_refunded": cents,
            "refunds": {"object": "list", "data": [{"id": refund_id, "amount": cents, "status": "succeeded"}]},
        },
    )


class Donor:
    def __init__(self, login: str):
        self.http = requests.Session()
        answer = self.http.post(f"{URL}/auth/sandbox", json={"login": login}, timeout=10)
        answer.raise_for_status()
        self.csrf = answer.json()["csrf_token"]

    def donate(self, project: str, amount: str) -> str:
        answer = self.http.post(
            f"{URL}/api/v1/projects/{project}/donations",
            json={"amount": amount, "attribution": {"display_name": "E2E"}},
            headers={"X-CSRF-Token": self.csrf},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["donation_id"]

    def donation(self, donation: str) -> dict:
        items = self.http.get(f"{URL}/api/v1/me/donations?limit=100", timeout=10).json()["items"]
        return next(item for item in items if item["id"] == donation)


def project(name: str) -> dict:
    answer = requests.get(f"{URL}/api/v1/projects/{name}", timeout=10)
    answer.raise_for_status()
    return answer.json()


def micros(project_json: dict, field: str) -> int:
    return project_json[field]["micros"]


def ledger_verifies():
    result = subprocess.run(
        [SERVER, "ledger", "verify", "--database-url", DB], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def donor():
    return Donor("e2e-donor")


def test_signed_event_is_accepted_and_replays_credit_once(donor):
    donation = donor.donate("e2e/once", "25.00")
    payload = session_completed(donation, 2500, "pi_" + secrets.token_hex(8))
    first = deliver(payload, sign(payload))
    assert first.status_code == 200, first.text
    assert first.json() == {"received": True, "duplicate": False}
    for _ in range(9):
        again = deliver(payload, sign(payload))
        assert again.status_code == 200
        assert again.json()["duplicate"] is True
    assert donor.donation(donation)["status"] == "completed"
    assert micros(project("e2e/once"), "donated") == 25_000_000
    listed = requests.get(f"{URL}/api/v1/projects/e2e/once/donations", timeout=10).text
    assert "private@example.com" not in listed
    assert "Ledger verified" in ledger_verifies()


@pytest.mark.parametrize(
    "tamper",
    ["wrong_secret", "old_timestamp", "modified_body", "missing_header", "no_v1"],
)
def test_bad_signatures_are_refused_and_record_nothing(donor, tamper):
    name = f"e2e/refused-{tamper.replace('_', '-')}"
    donation = donor.donate(name, "10.00")
    payload = session_completed(donation, 1000, "pi_" + secrets.token_hex(8))
    body = payload
    if tamper == "wrong_secret":
        header = sign(payload, secret="whsec_not_the_secret")
    elif tamper == "old_timestamp":
        header = sign(payload, timestamp=int(time.time()) - 600)
    elif tamper == "modified_body":
        header = sign(payload)
        body = payload.replace('"amount_subtotal": 1000', '"amount_subtotal": 100000')
        assert body != payload
    elif tamper == "missing_header":
        header = ""
    else:
        header = f"t={int(time.time())}"
    answer = deliver(body, header)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_signature"
    assert donor.donation(donation)["status"] == "pending"
    assert micros(project(name), "donated") == 0
    # The genuine delivery still works afterwards: nothing was recorded for the event id.
    assert deliver(payload, sign(payload)).json() == {"received": True, "duplicate": False}
    assert micros(project(name), "donated") == 10_000_000


def test_refund_after_reservation_records_debt(donor):
    name = "e2e/debt"
    donation = donor.donate(name, "20.00")
    intent = "pi_" + secrets.token_hex(8)
    paid = session_completed(donation, 2000, intent)
    assert deliver(paid, sign(paid)).status_code == 200
    reserved = subprocess.run([FIXTURE, "reserve", DB, name, "15.00"], capture_output=True, text=True, timeout=60)
    assert reserved.returncode == 0, reserved.stderr
    assert micros(project(name), "reserved") == 15_000_000
    refund = charge_refunded(intent, "re_" + secrets.token_hex(8), 2000)
    for _ in range(3):
        assert deliver(refund, sign(refund)).status_code == 200
    after = project(name)
    assert micros(after, "available") == -15_000_000
    assert micros(after, "reserved") == 15_000_000
    assert micros(after, "donated") == 0
    assert micros(after, "balance") == 0
    assert "Ledger verified" in ledger_verifies()


def test_dispute_and_unknown_events(donor):
    name = "e2e/dispute"
    donation = donor.donate(name, "12.00")
    intent = "pi_" + secrets.token_hex(8)
    paid = session_completed(donation, 1200, intent)
    assert deliver(paid, sign(paid)).status_code == 200
    dispute = event(
        "charge.dispute.created",
        {"id": "dp_" + secrets.token_hex(8), "object": "dispute", "amount": 500, "payment_intent": intent},
    )
    assert deliver(dispute, sign(dispute)).status_code == 200
    assert micros(project(name), "donated") == 7_000_000
    unknown = event("customer.created", {"id": "cus_1", "object": "customer"})
    assert deliver(unknown, sign(unknown)).json()["received"] is True
    # opub's own signature is one the stripe library accepts (same scheme both ways).
    stripe.WebhookSignature.verify_header(unknown, sign(unknown), SECRET, tolerance=300)
