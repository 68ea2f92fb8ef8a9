"""The official Stripe Python SDK, unchanged, against the `Mock` server generated from the
official 2023-09-12 spec with Stripe's fixtures (`cargo xtask mock --spec ... --fixtures ...`;
`cargo xtask test` starts it and passes its URL in MOCK_URL): CRUD sequences on resources
nobody wrote a handler for, behaving statefully."""

import os

import pytest
import stripe

KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"


@pytest.fixture(autouse=True)
def configured():
    url = os.environ.get("MOCK_URL")
    if not url:
        pytest.fail("MOCK_URL must name the running Mock server of the official spec")
    stripe.api_key = KEY
    stripe.api_base = url
    stripe.max_network_retries = 0
    yield


def gone(retrieve):
    with pytest.raises(stripe.InvalidRequestError) as error:
        retrieve()
    assert error.value.http_status == 404 and error.value.code == "resource_missing"


def test_products():
    product = stripe.Product.create(name="T-shirt", metadata={"size": "m", "colour": "red"})
    assert product.id.startswith("prod_") and product.object == "product" and product.name == "T-shirt"
    assert stripe.Product.retrieve(product.id).name == "T-shirt"
    updated = stripe.Product.modify(product.id, name="Hoodie", metadata={"colour": "", "fit": "slim"})
    assert updated.name == "Hoodie" and updated.metadata.to_dict() == {"size": "m", "fit": "slim"}
    assert product.id in [p.id for p in stripe.Product.list(limit=100).data]
    found = stripe.Product.search(query="name:'Hoodie'")
    assert [p.id for p in found.data] == [product.id]
    assert stripe.Product.search(query="name:'Nothing'").data == []
    deleted = stripe.Product.delete(product.id)
    assert deleted.deleted is True and deleted.id == product.id
    gone(lambda: stripe.Product.retrieve(product.id))


def test_prices():
    product = stripe.Product.create(name="Plan")
    price = stripe.Price.create(product=product.id, unit_amount=2000, currency="usd", nickname="monthly")
    assert price.id.startswith("price_") and price.unit_amount == 2000 and price.currency == "usd"
    assert price.product == product.id
    assert stripe.Price.retrieve(price.id).nickname == "monthly"
    assert stripe.Price.modify(price.id, nickname="yearly").nickname == "yearly"
    assert stripe.Price.retrieve(price.id, expand=["product"]).product.name == "Plan"
    other = stripe.Price.create(product=stripe.Product.create(name="Other").id, unit_amount=5, currency="eur")
    listed = stripe.Price.list(product=product.id)
    assert [p.id for p in listed.data] == [price.id]
    assert other.id in [p.id for p in stripe.Price.list(limit=100).data]


def test_payment_intents():
    intent = stripe.PaymentIntent.create(amount=1099, currency="usd", description="order 1")
    assert intent.id.startswith("pi_") and intent.amount == 1099 and intent.object == "payment_intent"
    assert stripe.PaymentIntent.retrieve(intent.id).description == "order 1"
    updated = stripe.PaymentIntent.modify(intent.id, amount=2000, metadata={"order": "6735"})
    assert updated.amount == 2000 and updated.metadata["order"] == "6735"
    confirmed = stripe.PaymentIntent.confirm(intent.id, receipt_email="r@example.com")
    assert confirmed.id == intent.id and confirmed.receipt_email == "r@example.com" and confirmed.amount == 2000
    canceled = stripe.PaymentIntent.cancel(intent.id)
    assert canceled.id == intent.id
    page = stripe.PaymentIntent.list(limit=1)
    assert [p.id for p in page.data] == [intent.id]
    # Auto-pagination follows starting_after through the stored objects.
    more = [stripe.PaymentIntent.create(amount=100 + n, currency="usd").id for n in range(3)]
    seen = [p.id for p in stripe.PaymentIntent.list(limit=2).auto_paging_iter()]
    assert seen[:4] == list(reversed(more)) + [intent.id]


def test_subscriptions():
    customer = stripe.Customer.create(email="sub@example.com")
    price = stripe.Price.create(product=stripe.Product.create(name="Plan").id, unit_amount=900, currency="usd",
                                recurring={"interval": "month"})
    subscription = stripe.Subscription.create(customer=customer.id, items=[{"price": price.id}],
                                              metadata={"tier": "gold"})
    assert subscription.id.startswith("sub_") and subscription.customer == customer.id
    assert subscription.metadata["tier"] == "gold"
    retrieved = stripe.Subscription.retrieve(subscription.id, expand=["customer"])
    assert retrieved.customer.email == "sub@example.com"
    updated = stripe.Subscription.modify(subscription.id, metadata={"tier": "platinum"}, description="upgraded")
    assert updated.metadata["tier"] == "platinum" and updated.description == "upgraded"
    assert [s.id for s in stripe.Subscription.list(customer=customer.id).data] == [subscription.id]
    canceled = stripe.Subscription.cancel(subscription.id)
    assert canceled.id == subscription.id
    gone(lambda: stripe.Subscription.retrieve(subscription.id))


def test_invoices():
    customer = stripe.Customer.create(email="inv@example.com")
    invoice = stripe.Invoice.create(customer=customer.id, description="first")
    assert invoice.id.startswith("in_") and invoice.customer == customer.id and invoice.description == "first"
    assert stripe.Invoice.retrieve(invoice.id).description == "first"
    updated = stripe.Invoice.modify(invoice.id, footer="Thanks", metadata={"po": "42"})
    assert updated.footer == "Thanks" and updated.metadata["po"] == "42"
    finalized = stripe.Invoice.finalize_invoice(invoice.id)
    assert finalized.id == invoice.id and finalized.footer == "Thanks"
    assert [i.id for i in stripe.Invoice.list(customer=customer.id).data] == [invoice.id]
    deleted = stripe.Invoice.delete(invoice.id)
    assert deleted.deleted is True
    gone(lambda: stripe.Invoice.retrieve(invoice.id))


def test_isolation_by_account_and_mode():
    product = stripe.Product.create(name="Mine")
    other_account = {"stripe_account": "acct_1Other"}
    live = {"api_key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}
    for scope in (other_account, live):
        # Lenient: an id this scope never created answers the fixture carrying it, not ours.
        assert stripe.Product.retrieve(product.id, **scope).name != "Mine"
        assert product.id not in [p.id for p in stripe.Product.list(limit=100, **scope).data]
    theirs = stripe.Product.create(name="Theirs", **other_account)
    assert theirs.id not in [p.id for p in stripe.Product.list(limit=100).data]
    assert stripe.Product.retrieve(theirs.id, **other_account).name == "Theirs"
    assert stripe.Product.create(name="Live", **live).livemode is True


def test_idempotency_and_validation():
    first = stripe.Product.create(name="Once", idempotency_key="same-key")
    again = stripe.Product.create(name="Once", idempotency_key="same-key")
    assert first.id == again.id
    with pytest.raises(stripe.IdempotencyError):
        stripe.Product.create(name="Different", idempotency_key="same-key")
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe.Product.create(name="x", no_such_parameter="1")
    assert error.value.http_status == 400 and error.value.param == "no_such_parameter"
