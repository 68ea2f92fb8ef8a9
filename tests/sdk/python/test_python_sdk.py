"""The official Stripe Python SDK, unchanged, against the reference server on 127.0.0.1."""

import re
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stripe

ROOT = Path(__file__).resolve().parents[3]
KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"


@pytest.fixture(scope="module")
def server():
    binary = ROOT / "target" / "debug" / "stripe-mock"
    process = subprocess.Popen([str(binary), "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"http://\S+", line)
        assert match, f"the reference server did not start: {line!r}"
        yield match.group(0)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(autouse=True)
def configured(server):
    stripe.api_key = KEY
    stripe.api_base = server
    stripe.max_network_retries = 0
    yield


def test_customer_crud():
    customer = stripe.Customer.create(email="jenny@example.com", metadata={"a": "1", "b": "2"})
    assert customer.id.startswith("cus_") and customer.object == "customer" and not customer.livemode
    assert stripe.Customer.retrieve(customer.id).email == "jenny@example.com"
    updated = stripe.Customer.modify(customer.id, metadata={"a": "", "c": "3"}, description="VIP")
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    assert updated.description == "VIP"
    deleted = stripe.Customer.delete(customer.id)
    assert deleted.deleted is True and deleted.id == customer.id
    with pytest.raises(stripe.InvalidRequestError) as gone:
        stripe.Customer.retrieve(customer.id)
    assert gone.value.http_status == 404 and gone.value.code == "resource_missing"


def test_charges_expand_capture_and_refunds():
    customer = stripe.Customer.create(email="buyer@example.com", source="tok_visa")
    charge = stripe.Charge.create(amount=2000, currency="usd", customer=customer.id, capture=False,
                                  metadata={"order_id": "6735"}, expand=["customer"])
    assert charge.customer.email == "buyer@example.com"
    assert charge.metadata["order_id"] == "6735" and charge.captured is False
    captured = stripe.Charge.capture(charge.id)
    assert captured.captured is True
    stripe.Refund.create(charge=charge.id, amount=500)
    refreshed = stripe.Charge.retrieve(charge.id)
    assert refreshed.amount_refunded == 500 and refreshed.refunded is False
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        stripe.Refund.create(charge=charge.id, amount=5000)
    assert too_much.value.param == "amount"
    listed = stripe.Charge.list(limit=100, expand=["data.invoice.subscription"])
    seeded = [c for c in listed.data if c.invoice]
    assert seeded and seeded[0].invoice.subscription.object == "subscription"


def test_idempotent_replay_and_mismatch():
    first = stripe.Customer.create(email="once@example.com", idempotency_key="python-key-1")
    again = stripe.Customer.create(email="once@example.com", idempotency_key="python-key-1")
    assert first.id == again.id
    with pytest.raises(stripe.IdempotencyError):
        stripe.Customer.create(email="other@example.com", idempotency_key="python-key-1")


def test_auto_paging_iter():
    customer = stripe.Customer.create(email="pages@example.com", source="tok_visa")
    created = [stripe.Charge.create(amount=100 + i, currency="usd", customer=customer.id).id for i in range(5)]
    seen = [c.id for c in stripe.Charge.list(limit=2, customer=customer.id).auto_paging_iter()]
    assert seen == list(reversed(created))


def test_typed_errors():
    with pytest.raises(stripe.CardError) as declined:
        stripe.Charge.create(amount=2000, currency="usd", source="tok_chargeDeclined")
    error = declined.value
    assert error.http_status == 402 and error.code == "card_declined"
    assert error.error.decline_code == "generic_decline" and error.error.charge.startswith("ch_")
    assert error.request_id and error.request_id.startswith("req_")
    with pytest.raises(stripe.InvalidRequestError) as invalid:
        stripe.Charge.create(currency="usd", source="tok_visa")
    assert invalid.value.param == "amount"
    with pytest.raises(stripe.AuthenticationError):
        stripe.Customer.list(api_key="not_a_key")


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver that keeps each request's body and Stripe-Signature header."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.deliveries.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhooks_verify_with_construct_event():
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    receiver.deliveries = []
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
        endpoint = stripe.WebhookEndpoint.create(url=url, enabled_events=["*"])
        secret = endpoint.secret
        assert secret.startswith("whsec_") and "secret" not in stripe.WebhookEndpoint.retrieve(endpoint.id).to_dict()
        customer = stripe.Customer.create(email="hooks@example.com", source="tok_visa")
        stripe.Customer.modify(customer.id, description="updated")
        charge = stripe.Charge.create(amount=1200, currency="usd", customer=customer.id, capture=False)
        stripe.Charge.capture(charge.id)
        stripe.Refund.create(charge=charge.id)
        with pytest.raises(stripe.CardError):
            stripe.Charge.create(amount=999, currency="usd", source="tok_chargeDeclined")
        stripe.Customer.delete(customer.id)
        expected = {"customer.created", "customer.updated", "charge.succeeded", "charge.captured",
                    "refund.created", "charge.refunded", "charge.failed", "customer.deleted"}
        for _ in range(200):
            if len(receiver.deliveries) >= len(expected):
                break
            time.sleep(0.05)
        events = [stripe.Webhook.construct_event(body.decode(), header, secret)
                  for body, header in receiver.deliveries]
        assert {e.type for e in events} == expected
        assert all(e.data.object.id in (customer.id, charge.id) or e.type == "refund.created"
                   or e.type == "charge.failed" for e in events)
        updated = next(e for e in events if e.type == "customer.updated")
        assert updated.data.previous_attributes.description is None
        listed = {e.id for e in stripe.Event.list(limit=100).auto_paging_iter()}
        assert {e.id for e in events} <= listed
        body, header = receiver.deliveries[0]
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body.decode(), header, "whsec_wrong")
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body.decode().replace("event", "evenT", 1), header, secret)
        stripe.WebhookEndpoint.delete(endpoint.id)
    finally:
        receiver.shutdown()
