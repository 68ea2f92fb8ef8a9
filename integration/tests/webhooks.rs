//! Webhooks end to end on 127.0.0.1: the reference server records the events its operations
//! cause and delivers them, signed, through the runtime's outbox to a receiver built with the
//! runtime's axum extractor, which verifies and decodes them into the generated `Event`; a
//! receiver that is down at first gets its event on a retry; bad signatures get a 400.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use apigen_runtime::outbox::{Outbox, OutboxConfig};
use apigen_runtime::server::axum::{extract::State, routing::post, Router};
use apigen_runtime::server::{Webhook, WebhookSecrets};
use apigen_runtime::{webhook, Client, RetryConfig};
use serde_json::{json, Value};
use stripe::operations::*;
use stripe::{EnabledEventsItem, Event, EventObject, EventType};

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// An outbox that retries quickly, so a test need not wait Stripe's minutes.
fn quick_outbox() -> Outbox {
    Outbox::new(OutboxConfig {
        retry: RetryConfig {
            max_retries: 8,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            max_retry_after: Duration::from_secs(1),
        },
        timeout: Duration::from_secs(5),
        max_in_flight: 4,
        max_pending: 100,
    })
}

async fn reference(outbox: Outbox) -> Client {
    integration_tests::serve_local(stripe_mock::app_with(Vec::new(), outbox), KEY).await
}

#[derive(Clone)]
struct Receiver {
    secrets: WebhookSecrets,
    events: Arc<Mutex<Vec<Event>>>,
}

impl apigen_runtime::server::axum::extract::FromRef<Receiver> for WebhookSecrets {
    fn from_ref(receiver: &Receiver) -> Self {
        receiver.secrets.clone()
    }
}

async fn receive(State(receiver): State<Receiver>, Webhook(event): Webhook<Event>) {
    receiver.events.lock().unwrap().push(event);
}

/// Serves a receiver on `listener` with `secret`; returns the events it will have accepted.
fn serve_receiver(listener: tokio::net::TcpListener, secret: &str) -> Arc<Mutex<Vec<Event>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/webhooks", post(receive))
        .with_state(Receiver {
            secrets: WebhookSecrets::new(secret),
            events: events.clone(),
        });
    tokio::spawn(async move { apigen_runtime::server::serve(listener, app).await.unwrap() });
    events
}

/// Waits (at most 10 s) until `events` holds `count` events.
async fn wait_for(events: &Arc<Mutex<Vec<Event>>>, count: usize) -> Vec<Event> {
    for _ in 0..200 {
        if events.lock().unwrap().len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    events.lock().unwrap().clone()
}

/// Waits (at most 10 s) until the outbox has finished `count` deliveries, delivered or not
/// (a receiver has the event a moment before the outbox has its answer).
async fn settled(outbox: &Outbox, count: u64) -> apigen_runtime::outbox::OutboxStats {
    for _ in 0..200 {
        let stats = outbox.stats();
        if stats.delivered + stats.failed >= count {
            return stats;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    outbox.stats()
}

async fn create_endpoint(stripe: &Client, url: String, events: Vec<EnabledEventsItem>) -> String {
    let endpoint = stripe
        .send(&CreateWebhookEndpoint::new(events, url))
        .await
        .unwrap();
    let secret = endpoint
        .secret
        .clone()
        .expect("the secret is returned at creation");
    assert!(secret.starts_with("whsec_"));
    // Shown once: retrieving does not show it.
    let again = stripe
        .send(&RetrieveWebhookEndpoint::new(endpoint.id.clone()))
        .await
        .unwrap();
    assert_eq!(again.secret, None);
    secret
}

#[tokio::test]
async fn operations_deliver_signed_typed_events() {
    let outbox = quick_outbox();
    let stripe = reference(outbox.clone()).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let secret = create_endpoint(&stripe, url, vec![EnabledEventsItem::Star]).await;
    let received = serve_receiver(listener, &secret);

    let customer = stripe
        .send(
            &CreateCustomer::new()
                .email("hooks@example.com")
                .source("tok_visa"),
        )
        .await
        .unwrap();
    stripe
        .send(
            &UpdateCustomer::new(customer.id.clone()).email(apigen_runtime::MaybeUnset::Set(
                "new@example.com".to_owned(),
            )),
        )
        .await
        .unwrap();
    let charge = stripe
        .send(
            &CreateCharge::new(1500, "usd")
                .customer(customer.id.to_string())
                .capture(false),
        )
        .await
        .unwrap();
    stripe
        .send(&CaptureCharge::new(charge.id.clone()))
        .await
        .unwrap();
    stripe
        .send(&CreateRefund::new(charge.id.to_string()))
        .await
        .unwrap();
    let declined = stripe
        .send(&CreateCharge::new(999, "usd").source("tok_chargeDeclined"))
        .await;
    assert!(declined.is_err());
    stripe
        .send(&DeleteCustomer::new(customer.id.clone()))
        .await
        .unwrap();

    let expected = [
        EventType::CustomerCreated,
        EventType::CustomerUpdated,
        EventType::ChargeSucceeded,
        EventType::ChargeCaptured,
        EventType::RefundCreated,
        EventType::ChargeRefunded,
        EventType::ChargeFailed,
        EventType::CustomerDeleted,
    ];
    let mut events = wait_for(&received, expected.len()).await;
    events.sort_by_key(|e| (e.created, e.id.to_string()));
    let mut kinds: Vec<EventType> = events.iter().map(|e| e.type_.clone()).collect();
    let mut wanted = expected.to_vec();
    kinds.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    wanted.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(kinds, wanted, "{events:#?}");

    // `data.object` is the typed object, by its `object` constant.
    for event in &events {
        match (&event.type_, &event.data.object) {
            (
                EventType::CustomerCreated
                | EventType::CustomerUpdated
                | EventType::CustomerDeleted,
                EventObject::Customer(c),
            ) => {
                assert_eq!(c.id, customer.id)
            }
            (
                EventType::ChargeSucceeded | EventType::ChargeCaptured | EventType::ChargeRefunded,
                EventObject::Charge(c),
            ) => {
                assert_eq!(c.id, charge.id)
            }
            (EventType::ChargeFailed, EventObject::Charge(c)) => {
                assert_eq!(c.failure_code.as_deref(), Some("card_declined"))
            }
            (EventType::RefundCreated, EventObject::Refund(r)) => assert_eq!(r.amount, 1500),
            (kind, object) => panic!("{kind:?} carries {object:?}"),
        }
    }
    let updated = events
        .iter()
        .find(|e| e.type_ == EventType::CustomerUpdated)
        .unwrap();
    let previous = updated.data.previous_attributes.as_ref().unwrap();
    assert_eq!(previous.get("email"), Some(&json!("hooks@example.com")));
    let captured = events
        .iter()
        .find(|e| e.type_ == EventType::ChargeCaptured)
        .unwrap();
    assert!(matches!(&captured.data.object, EventObject::Charge(c) if c.captured));
    assert!(events
        .iter()
        .all(|e| e.pending_webhooks == 1 && !e.livemode));

    // Each is also listed by `GET /v1/events`, newest first, and retrievable.
    let listed = stripe.send(&ListEvents::new().limit(100)).await.unwrap();
    for event in &events {
        assert!(listed.data.iter().any(|e| e.id == event.id));
    }
    let charges_only = stripe
        .send(&ListEvents::new().type_("charge.*"))
        .await
        .unwrap();
    assert_eq!(charges_only.data.len(), 4);
    let one = stripe
        .send(&RetrieveEvent::new(events[0].id.to_string()))
        .await
        .unwrap();
    assert_eq!(*one, events[0]);
    let stats = settled(&outbox, 8).await;
    assert_eq!((stats.queued, stats.delivered, stats.failed), (8, 8, 0));
}

#[tokio::test]
async fn a_receiver_down_at_first_gets_the_event_on_a_retry() {
    let outbox = quick_outbox();
    let stripe = reference(outbox.clone()).await;
    // Take a free port, then close it: the first attempts are refused.
    let address = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let url = format!("http://{address}/webhooks");
    let secret = create_endpoint(&stripe, url, vec![EnabledEventsItem::CustomerCreated]).await;
    let customer = stripe.send(&CreateCustomer::new()).await.unwrap();
    // Not an enabled type: never sent.
    stripe
        .send(&DeleteCustomer::new(customer.id.clone()))
        .await
        .unwrap();
    for _ in 0..100 {
        if outbox.stats().attempts >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(outbox.stats().attempts >= 2, "{:?}", outbox.stats());
    assert_eq!(outbox.stats().delivered, 0);
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let received = serve_receiver(listener, &secret);
    let events = wait_for(&received, 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].type_, EventType::CustomerCreated);
    assert!(matches!(&events[0].data.object, EventObject::Customer(c) if c.id == customer.id));
    let stats = settled(&outbox, 1).await;
    assert_eq!((stats.queued, stats.delivered, stats.failed), (1, 1, 0));
    assert!(stats.attempts >= 3);
}

#[tokio::test]
async fn the_receiver_answers_400_to_a_bad_signature() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
    let secret = "whsec_receiver_test";
    let received = serve_receiver(listener, secret);
    let payload =
        serde_json::to_vec(&event_json(json!({"object": "customer", "id": "cus_1"}))).unwrap();
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>, header: Option<String>| {
        let mut request = http.post(&url).body(body);
        if let Some(header) = header {
            request = request.header(webhook::SIGNATURE_HEADER, header);
        }
        request.send()
    };
    let now = webhook::unix_now();
    let cases = [
        (
            "no header",
            payload.clone(),
            None,
            "no `Stripe-Signature` header",
        ),
        (
            "wrong secret",
            payload.clone(),
            Some(webhook::sign(&payload, "whsec_other", now)),
            "no signature",
        ),
        (
            "tampered",
            payload
                .iter()
                .map(|b| if *b == b'1' { b'2' } else { *b })
                .collect(),
            Some(webhook::sign(&payload, secret, now)),
            "no signature",
        ),
        (
            "stale",
            payload.clone(),
            Some(webhook::sign(&payload, secret, now - 600)),
            "more than 300 s old",
        ),
        (
            "not an event",
            b"[]".to_vec(),
            Some(webhook::sign(b"[]", secret, now)),
            "does not decode",
        ),
    ];
    for (case, body, header, message) in cases {
        let response = post(body, header).await.unwrap();
        assert_eq!(response.status(), 400, "{case}");
        let envelope: Value = response.json().await.unwrap();
        assert_eq!(envelope["error"]["type"], "invalid_request_error", "{case}");
        let text = envelope["error"]["message"].as_str().unwrap();
        assert!(text.contains(message), "{case}: {text}");
        assert!(!text.contains(secret), "{case}: {text}");
    }
    // Two signatures while a secret is rolled, one of them valid: accepted.
    let valid = webhook::sign(&payload, secret, now);
    let rolled = format!(
        "{},v1={}",
        webhook::sign(&payload, "whsec_old", now),
        valid.split_once("v1=").unwrap().1
    );
    let response = post(payload.clone(), Some(rolled)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(wait_for(&received, 1).await.len(), 1);
}

fn event_json(object: Value) -> Value {
    json!({
        "id": "evt_1",
        "object": "event",
        "api_version": "2022-08-01",
        "created": 1_700_000_000,
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": "customer.created",
    })
}

#[test]
fn an_unknown_object_or_event_type_still_parses() {
    let mut value = event_json(json!({"object": "quantum_ledger", "id": "ql_1", "qubits": 3}));
    value["type"] = json!("quantum_ledger.entangled");
    let event: Event = serde_json::from_value(value).unwrap();
    assert!(matches!(&event.data.object, EventObject::Unknown(v) if v["qubits"] == 3));
    assert_eq!(
        event.type_,
        EventType::Unknown("quantum_ledger.entangled".to_owned())
    );
    assert_eq!(event.type_.as_str(), "quantum_ledger.entangled");
    // A known kind in a shape this code does not know (a newer API version): kept too.
    let reshaped: Event =
        serde_json::from_value(event_json(json!({"object": "customer", "id": 7}))).unwrap();
    assert!(matches!(&reshaped.data.object, EventObject::Unknown(v) if v["id"] == 7));
    // A deleted object is told apart by its `deleted: true`.
    let deleted: Event = serde_json::from_value(event_json(
        json!({"object": "customer", "id": "cus_1", "deleted": true}),
    ))
    .unwrap();
    assert!(
        matches!(&deleted.data.object, EventObject::DeletedCustomer(c) if c.id.as_str() == "cus_1")
    );
}
